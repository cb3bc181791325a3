"""自动监控数据: the HJ 212 receiver, the telemetry store, aggregates and the device simulator."""
