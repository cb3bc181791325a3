"""Benchmark: HJ 212 frames parsed per second on one core (not a test).

Parses a stream of typical minute frames (CN 2051, six pollutants with Cou/Min/Avg/Max/Flag and
converted values) the way the receiver does: FrameSplitter on 4 KiB reads, then CRC, header and CP
for every frame. Target: ≥ 50,000 frames/s. The figure is frames per CPU-second of this process
(best run), which a shared machine disturbs less than wall-clock time; both are printed, and the
CPU µs per frame of every run (median and range).

``--receiver`` measures the receiver's whole pure path per frame instead, without a database: one
FrameSplitter per device fed one frame per read (as TCP delivers them), then
``examine_raw`` (envelope, CRC, header, CP), the frame's classification with its values for the
store (``values_of``) and the 9014 reply — everything ``ingest_batch`` does per frame except the
transaction. It needs Django settings (no database is opened).

Run: .venv/bin/python bench/hj212_parse.py [--frames N] [--repeat R] [--receiver]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
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
DEVICES = 50


def make_stream(frames: int, seed: int = 212) -> tuple[bytes, int]:
    """``frames`` distinct 2051 frames from 50 devices, glued together as TCP would deliver."""
    out = make_frames(frames, seed)
    return b"".join(out), len(out[0])


def make_frames(frames: int, seed: int = 212) -> list[bytes]:
    """``frames`` distinct 2051 frames from ``DEVICES`` devices, in the order they are sent."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=BEIJING)
    out = []
    for i in range(frames):
        data_time = start + timedelta(minutes=10 * (i // DEVICES))
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
                mn=f"8888888000{i % DEVICES:04d}",
                pw="123456",
                st="31",
                qn=data_time + timedelta(minutes=10, milliseconds=i % 1000),
                data_time=data_time,
                pollutants=pollutants,
            )
        )
    return out


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


def receiver_run(frames: list[bytes], devices: int) -> Callable[[], tuple[int, float, float]]:
    """The receiver's per-frame path (see the module docstring) as a repeatable run."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceguan.settings")
    import django

    django.setup()
    from ceguan.telemetry.receiver.auth import Credentials
    from ceguan.telemetry.receiver.ingest import _classify, _reply, examine_raw
    from ceguan.telemetry.receiver.policy import Policy

    policy = Policy()
    creds = {f"8888888000{i:04d}": Credentials(i + 1, "123456") for i in range(devices)}
    splitters = [FrameSplitter(policy.max_frame_bytes) for _ in range(devices)]
    received_at = datetime.now(BEIJING)

    def run() -> tuple[int, float, float]:
        done = 0
        t0 = time.perf_counter()
        c0 = time.process_time()
        for i, data in enumerate(frames):
            for item in splitters[i % devices].feed(data):
                if isinstance(item, Hj212Error):
                    raise item
                checked = examine_raw(item.raw, policy)
                work = _classify("bench", received_at, item.raw, checked, creds, 0.0)
                if _reply(work) is None or not work.frame.values:
                    raise AssertionError(f"frame {i} was not stored and answered")
                done += 1
        return done, time.perf_counter() - t0, time.process_time() - c0

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--receiver", action="store_true", help="the receiver's whole pure path")
    args = parser.parse_args()
    stream, frame_size = make_stream(args.frames)
    sample = parse_packet(stream[:frame_size])  # what is being measured, checked once
    assert len(sample.payload.pollutants) == 6 and sample.payload.pollutants["a21026"].name == "so2"
    if args.receiver:
        runner = receiver_run(make_frames(args.frames), DEVICES)
        what = "receiver path (split, examine, values, 9014)"
    else:
        runner = lambda: run(stream)  # noqa: E731
        what = "hj212 parse"
    best_wall = best_cpu = 0.0
    per_frame = []
    for _ in range(args.repeat):
        parsed, wall, cpu = runner()
        assert parsed == args.frames
        best_wall = max(best_wall, parsed / wall)
        best_cpu = max(best_cpu, parsed / cpu)
        per_frame.append(cpu / parsed * 1e6)
    verdict = "OK" if best_cpu >= TARGET else "BELOW TARGET"
    yardstick = reference_ns()
    print(
        f"{what}: {best_cpu:,.0f} frames/s per CPU-second ({best_wall:,.0f}/s wall clock; "
        f"best of {args.repeat} x {args.frames} frames of {frame_size} bytes, CN 2051 with "
        f"6 pollutants)" + ("" if args.receiver else f" — target {TARGET:,}/s: {verdict}") + "\n"
        f"CPU µs per frame: median {statistics.median(per_frame):.1f}, "
        f"range {min(per_frame):.1f}–{max(per_frame):.1f}\n"
        f"machine yardstick: {yardstick:.0f} ns per float() call (≈65 ns when quiet)"
    )


if __name__ == "__main__":
    main()
