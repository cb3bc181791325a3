"""Benchmark: HJ 212 frames parsed per second on one core (not a test).

Parses a stream of typical minute frames (CN 2051, six pollutants with Cou/Min/Avg/Max/Flag and
converted values) the way the receiver does: FrameSplitter on 4 KiB reads, then CRC, header and CP
for every frame. Target: ≥ 50,000 frames/s. The figure is frames per CPU-second of this process
(best run), which a shared machine disturbs less than wall-clock time; both are printed.

Run: .venv/bin/python bench/hj212_parse.py [--frames N] [--repeat R]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta

from ceguan.hj212 import (
    BEIJING,
    FrameSplitter,
    Hj212Error,
    PollutantRecord,
    build_upload,
    parse_packet,
)

TARGET = 50_000
CHUNK = 4096


def make_stream(frames: int, seed: int = 212) -> tuple[bytes, int]:
    """``frames`` distinct 2051 frames from 50 devices, glued together as TCP would deliver."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=BEIJING)
    out = []
    for i in range(frames):
        data_time = start + timedelta(minutes=10 * (i // 50))
        pollutants = [
            PollutantRecord("a21026", cou=round(rng.uniform(0, 9), 3), min=12.1,
                            avg=round(rng.uniform(10, 40), 2), max=41.3, zs_avg=30.2, flag="N"),
            PollutantRecord("a21002", cou=round(rng.uniform(0, 9), 3), min=40.0,
                            avg=round(rng.uniform(40, 90), 1), max=95.7, zs_avg=80.1, flag="N"),
            PollutantRecord("a34013", cou=0.511, min=2.1, avg=round(rng.uniform(2, 9), 2),
                            max=9.9, zs_avg=7.4, flag="N"),
            PollutantRecord("a19001", min=8.9, avg=round(rng.uniform(8, 11), 2), max=11.2,
                            flag="N"),
            PollutantRecord("a01012", min=120.0, avg=round(rng.uniform(120, 140), 1), max=141.0,
                            flag="N"),
            PollutantRecord("a00000", cou=round(rng.uniform(1e5, 2e5), 1), min=51.0,
                            avg=round(rng.uniform(50, 60), 2), max=61.4, flag="N"),
        ]  # fmt: skip
        out.append(
            build_upload(
                "2051",
                mn=f"8888888000{i % 50:04d}",
                pw="123456",
                st="31",
                qn=data_time + timedelta(minutes=10, milliseconds=i % 1000),
                data_time=data_time,
                pollutants=pollutants,
            )
        )
    return b"".join(out), len(out[0])


def run(stream: bytes) -> tuple[int, float, float]:
    """Split + CRC + header + CP over the whole stream: (frames, wall seconds, CPU seconds)."""
    splitter = FrameSplitter()
    parsed = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for off in range(0, len(stream), CHUNK):
        for item in splitter.feed(stream[off : off + CHUNK]):
            if isinstance(item, Hj212Error):
                raise item
            parse_packet(item)
            parsed += 1
    return parsed, time.perf_counter() - t0, time.process_time() - c0


def reference_ns() -> float:
    """CPU ns per ``float(b"39.47")`` call: a yardstick for how busy the machine is.

    About 65 ns at the quietest seen on the shared 2-vCPU Xeon VM this was tuned on; at 100 ns the
    machine is ~1.5x slower than that and the frames/s figure drops accordingly.
    """
    values = [b"39.47"] * 100_000
    best = float("inf")
    for _ in range(5):
        c0 = time.process_time()
        list(map(float, values))
        best = min(best, time.process_time() - c0)
    return best / len(values) * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    stream, frame_size = make_stream(args.frames)
    sample = parse_packet(stream[:frame_size])  # what is being measured, checked once
    assert len(sample.payload.pollutants) == 6 and sample.payload.pollutants["a21026"].name == "so2"
    best_wall = best_cpu = 0.0
    for _ in range(args.repeat):
        parsed, wall, cpu = run(stream)
        assert parsed == args.frames
        best_wall = max(best_wall, parsed / wall)
        best_cpu = max(best_cpu, parsed / cpu)
    verdict = "OK" if best_cpu >= TARGET else "BELOW TARGET"
    yardstick = reference_ns()
    print(
        f"hj212 parse: {best_cpu:,.0f} frames/s per CPU-second ({best_wall:,.0f}/s wall clock; "
        f"best of {args.repeat} x {args.frames} frames of {frame_size} bytes, CN 2051 with "
        f"6 pollutants) — target {TARGET:,}/s: {verdict}\n"
        f"machine yardstick: {yardstick:.0f} ns per float() call (≈65 ns when quiet)"
    )


if __name__ == "__main__":
    main()
