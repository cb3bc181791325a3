"""The receiver over real sockets: ACK after commit, limits, and one peer never hurting another.

Most tests run the real :class:`Receiver` on 127.0.0.1 in a thread with its own event loop (on
SQLite's in-memory test database its database thread shares the test's connection, as Django's
live server does). The crash test runs ``ceguan receive`` as a subprocess and SIGKILLs it while
frames are being written: every frame whose 9014 reached the device must be in the database.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connections

from ceguan.hj212 import (
    BEIJING,
    FrameSplitter,
    Hj212Error,
    Packet,
    PollutantRecord,
    ProtocolVersion,
    build_frame,
    build_upload,
    parse_packet,
)
from ceguan.telemetry.models import DeviceCommand, RawFrame, TelemetryValue
from ceguan.telemetry.receiver.auth import default_cache
from ceguan.telemetry.receiver.ingest import ingest_batch
from ceguan.telemetry.receiver.policy import Policy
from ceguan.telemetry.receiver.server import Receiver
from tests.conftest import make_enterprise, make_facility

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=BEIJING)
FAST = {"batch_wait_ms": 5, "command_poll_seconds": 0.2}


class ServerThread:
    """A Receiver on 127.0.0.1:<ephemeral> in its own thread and event loop."""

    def __init__(self, policy: Policy, ingest=None) -> None:
        self.policy, self.ingest = policy, ingest
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.shared = connections["default"]
        self.sharing = self.shared.vendor == "sqlite" and self.shared.is_in_memory_db()

    def _worker_init(self) -> None:
        if self.sharing:
            connections["default"] = self.shared

    async def _start(self) -> tuple[str, int]:
        self.receiver = Receiver(self.policy, ingest=self.ingest, worker_init=self._worker_init)
        return await self.receiver.start("127.0.0.1", 0)

    def start(self) -> tuple[str, int]:
        if self.sharing:
            self.shared.inc_thread_sharing()
        self.thread.start()
        self.address = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self.address

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.receiver.shutdown(), self.loop).result(20)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        if self.sharing:
            self.shared.dec_thread_sharing()


@pytest.fixture
def serve():
    default_cache().invalidate()
    started: list[ServerThread] = []

    def start(ingest=None, **overrides) -> ServerThread:
        server = ServerThread(Policy.from_settings(**(FAST | overrides)), ingest)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()
    default_cache().invalidate()


@pytest.fixture
def facility(lanzhou):
    return make_facility(make_enterprise(lanzhou), mn="62010000000101", device_password="123456")


class Device:
    """A device's side of a connection: send frames, read replies frame by frame."""

    def __init__(self, address: tuple[str, int], timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(address, timeout=timeout)
        self.splitter = FrameSplitter()
        self.frames: list[bytes] = []

    def send(self, raw: bytes) -> None:
        self.sock.sendall(raw)

    def reply(self, timeout: float = 5.0) -> Packet | None:
        """The next reply, or None when none arrives within ``timeout``."""
        self.sock.settimeout(timeout)
        while not self.frames:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise ConnectionError("closed by the receiver")
            self.frames += [
                f.raw for f in self.splitter.feed(chunk) if not isinstance(f, Hj212Error)
            ]
        return parse_packet(self.frames.pop(0))

    def exchange(self, raw: bytes) -> Packet:
        self.send(raw)
        packet = self.reply()
        assert packet is not None, "no reply"
        return packet

    def is_closed(self, within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except TimeoutError:
                return False
            except OSError:  # reset by the receiver's abort
                return True
        return False

    def close(self) -> None:
        self.sock.close()


def minute(facility, i: int = 0, *, avg: float = 12.5, pw: str | None = None, **kw) -> bytes:
    kw.setdefault("qn", T0 + timedelta(minutes=i, seconds=30))
    return build_upload(
        "2051", mn=kw.pop("mn", facility.mn), pw=pw or facility.device_password, st="31",
        data_time=T0 + timedelta(minutes=i), pollutants=[
            PollutantRecord("a21026", avg=avg, flag="N"), PollutantRecord("a19001", avg=9.1)
        ], **kw,
    )  # fmt: skip


def test_the_9014_comes_after_the_frame_and_its_values_are_committed(serve, facility):
    device = Device(serve().address)
    reply = device.exchange(minute(facility))
    assert (reply.header.cn, reply.qn) == ("9014", "20260301080030000")
    frame = RawFrame.objects.get(qn="20260301080030000")
    assert frame.outcome == "stored" and frame.peer.startswith("127.0.0.1:")
    assert TelemetryValue.objects.filter(frame_id=frame.pk).count() == 2


def test_nothing_is_answered_when_the_batch_cannot_be_stored(serve, facility):
    broken = threading.Event()
    broken.set()

    def ingest(items):
        if broken.is_set():
            raise RuntimeError("database unavailable")
        return ingest_batch(items)

    device = Device(serve(ingest=ingest).address)
    device.send(minute(facility))
    assert device.reply(timeout=0.5) is None  # the device will resend
    broken.clear()
    assert device.exchange(minute(facility)).header.cn == "9014"  # same connection still served
    assert RawFrame.objects.count() == 1


def test_a_frame_that_cannot_be_stored_costs_only_its_own_connection(serve, facility):
    def ingest(items):
        if any(b"POISON" in raw for _, _, raw in items):
            raise ValueError("cannot store this one")
        return ingest_batch(items)

    address = serve(ingest=ingest, batch_wait_ms=200).address
    good, bad = Device(address), Device(address)
    good.send(minute(facility, 1))
    bad.send(minute(facility, 2, qn="POISON"))
    assert good.reply().header.cn == "9014"
    assert bad.is_closed(within=3)


def test_a_full_writer_queue_stops_reading_and_loses_nothing(serve, facility):
    def slow(items):
        time.sleep(0.02)
        return ingest_batch(items)

    address = serve(ingest=slow, batch_max=2, max_frames_per_second=100).address  # queue of 8
    devices = [Device(address) for _ in range(3)]
    for n, device in enumerate(devices):
        device.send(b"".join(minute(facility, 1000 * n + i) for i in range(12)))
    replies = [[device.reply(timeout=10) for _ in range(12)] for device in devices]
    assert all(r is not None and r.header.cn == "9014" for rs in replies for r in rs)
    assert RawFrame.objects.filter(outcome="stored").count() == 36


def test_duplicates_and_revisions_over_the_wire(serve, facility):
    device = Device(serve().address)
    for raw in (minute(facility), minute(facility), minute(facility, avg=99.0)):
        assert device.exchange(raw).header.cn == "9014"
    outcomes = list(RawFrame.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["stored", "duplicate", "revision"]


def test_refusals_are_answered_with_their_qnrtn(serve, facility):
    device = Device(serve().address)
    bad_crc = minute(facility)[:-6] + b"FFFF\r\n"
    assert device.exchange(bad_crc).payload.fields["QnRtn"] == "9"
    assert device.exchange(minute(facility, pw="000000")).payload.fields["QnRtn"] == "3"
    assert device.exchange(minute(facility, mn="NOBODY01")).payload.fields["QnRtn"] == "4"
    assert TelemetryValue.objects.count() == 0


def test_an_oversize_frame_closes_only_its_connection(serve, facility):
    address = serve(max_frame_bytes=1024).address
    big, other = Device(address), Device(address)
    big.send(b"##2000QN=1;" + b"x" * 100)
    assert big.is_closed(within=3)
    assert other.exchange(minute(facility)).header.cn == "9014"


def test_a_slow_drip_peer_is_dropped_while_others_are_served(serve, facility):
    address = serve(frame_timeout_seconds=1.5).address
    drip, normal = Device(address), Device(address)
    raw = minute(facility, 1)
    started = time.monotonic()
    served = 0
    for byte in raw:  # one byte every half second, never a whole frame
        try:
            drip.send(bytes([byte]))
        except OSError:
            break
        assert normal.exchange(minute(facility, 100 + served)).header.cn == "9014"
        served += 1
        if drip.is_closed(within=0.5) or time.monotonic() - started > 15:
            break
    assert drip.is_closed(within=2)
    assert 1.5 <= time.monotonic() - started < 15  # the frame timeout, not the 300 s idle one
    assert normal.exchange(minute(facility, 99)).header.cn == "9014" and served >= 2


def test_an_idle_connection_is_closed(serve):
    assert Device(serve(idle_timeout_seconds=0.5).address).is_closed(within=3)


def test_a_peer_over_the_rate_limit_is_disconnected(serve, facility):
    address = serve(max_frames_per_second=5).address
    flood, calm = Device(address), Device(address)
    flood.send(b"".join(minute(facility, i) for i in range(20)))
    assert flood.is_closed(within=3)
    assert calm.exchange(minute(facility, 50)).header.cn == "9014"


def test_connections_beyond_the_limit_are_refused(serve):
    address = serve(max_connections=2).address
    first, second = Device(address), Device(address)
    assert Device(address).is_closed(within=2)
    assert not first.is_closed(within=0.2) and not second.is_closed(within=0.2)


def test_2005_and_2025_devices(serve, facility):
    device = Device(serve().address)
    cp = "DataTime=20260301080000;02-Avg=12.5,02-Flag=N"
    old = build_frame(
        "2051", cp, mn=facility.mn, st="31", pw="123456", version=ProtocolVersion.HJ212_2005
    )
    device.send(old)  # no QN and no Flag: nothing to answer
    assert device.reply(timeout=0.5) is None
    new = device.exchange(minute(facility, 5, version=ProtocolVersion.HJ212_2025))
    assert (new.header.cn, new.header.flag) == ("9014", 8)
    assert set(RawFrame.objects.values_list("protocol", "outcome")) == {
        ("2005", "stored"), ("2025", "stored"),
    }  # fmt: skip


def test_a_command_reaches_the_connected_device_and_its_answer_is_recorded(serve, facility):
    device = Device(serve().address)
    device.exchange(minute(facility))  # the device authenticates on this connection
    command = DeviceCommand.objects.create(facility=facility, cn="1011", qn="20260301090000000001")
    request = device.reply(timeout=5)
    assert request is not None and (request.header.cn, request.qn) == ("1011", command.qn)
    assert request.header.ack_requested  # HJ 212-2017 §6.1 request: Flag=5
    for cn, cp in [
        ("9011", "QnRtn=1"),
        ("1011", "SystemTime=20260301090001"),
        ("9012", "ExeRtn=1"),
    ]:
        device.send(build_frame(cn, cp, mn=facility.mn, st="31", pw="123456", qn=command.qn))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        command.refresh_from_db()
        if command.status == "done" and "ExeRtn" in command.answer:
            break
        time.sleep(0.05)
    assert command.status == "done" and command.sent_at is not None
    assert command.answer == {"QnRtn": 1, "SystemTime": "20260301090001", "ExeRtn": 1}


def test_shutdown_answers_what_was_received_first(serve, facility):
    server = serve(batch_wait_ms=1000)
    device = Device(server.address)
    device.send(minute(facility))
    time.sleep(0.1)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    assert device.reply().header.cn == "9014"
    stopper.join(10)
    assert RawFrame.objects.count() == 1


# --- the crash test: `ceguan receive` as a subprocess, SIGKILLed mid-stream --------------------

REPO = Path(__file__).resolve().parents[2]


def database_url(tmp_path: Path) -> str:
    """A URL the subprocess can open: a file copy of SQLite's in-memory test DB, or the PG one."""
    conn = connections["default"]
    if conn.vendor == "sqlite":
        path = tmp_path / "receiver.sqlite3"
        conn.ensure_connection()
        copy = sqlite3.connect(path)
        conn.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    s = conn.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_receiver(
    url: str, log: Path, *options: str, port: int = 0, level: str = "WARNING"
) -> tuple[subprocess.Popen[bytes], tuple[str, int]]:
    env = os.environ | {"CEGUAN_DATABASE_URL": url, "CEGUAN_LOG_LEVEL": level}
    command = [sys.executable, "-m", "ceguan", "receive", "--host", "127.0.0.1", f"--port={port}"]
    command += ["--max-frames-per-second", "100000", "--batch-wait-ms", "5", *options]
    with log.open("wb") as stderr:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=REPO)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()  # "listening on 127.0.0.1:PORT"
    if not line.startswith("listening on "):
        proc.kill()
        pytest.fail(f"receiver did not start: {line!r} {log.read_text()[-2000:]}")
    host, port = line.split()[-1].rsplit(":", 1)
    return proc, (host, int(port))


def pump(address, facility, start: int, sent: list[str], acked: list[str], stop) -> None:
    """Send frames back to back (no waiting) and collect the QNs of the 9014s that come back."""
    sock = socket.create_connection(address, timeout=10)
    reader = threading.Thread(target=_collect, args=(sock, acked), daemon=True)
    reader.start()
    try:
        for i in range(start, start + 100_000):
            if stop.is_set():
                break
            raw = minute(facility, i, qn=f"{20260301000000000 + i}")
            sock.sendall(raw)
            sent.append(f"{20260301000000000 + i}")
            if i % 20 == 0:
                time.sleep(0.002)
    except OSError:
        pass
    reader.join(10)
    sock.close()


def _collect(sock: socket.socket, acked: list[str]) -> None:
    splitter = FrameSplitter()
    while True:
        try:
            chunk = sock.recv(65536)
        except OSError:
            return
        if not chunk:
            return
        for frame in splitter.feed(chunk):
            if not isinstance(frame, Hj212Error):
                packet = parse_packet(frame)
                if packet.header.cn == "9014" and packet.qn:
                    acked.append(packet.qn)


def committed_qns(url: str, tmp_path: Path) -> set[str]:
    """QNs of frames stored with their values, read back after the crash."""
    if url.startswith("sqlite"):
        db = sqlite3.connect(tmp_path / "receiver.sqlite3")
        rows = db.execute(
            "SELECT DISTINCT f.qn FROM telemetry_rawframe f JOIN telemetry_telemetryvalue v "
            "ON v.frame_id = f.id WHERE f.outcome = 'stored'"
        ).fetchall()
        db.close()
        return {qn for (qn,) in rows}
    stored = RawFrame.objects.filter(outcome="stored").values_list("pk", "qn")
    with_values = set(TelemetryValue.objects.values_list("frame_id", flat=True))
    return {qn for pk, qn in stored if pk in with_values}


def test_every_frame_answered_before_a_sigkill_is_in_the_database(facility, tmp_path):
    url = database_url(tmp_path)
    proc, address = start_receiver(url, tmp_path / "receiver.log")
    sent: list[list[str]] = [[] for _ in range(4)]
    acked: list[list[str]] = [[] for _ in range(4)]
    stop = threading.Event()
    clients = [
        threading.Thread(
            target=pump, args=(address, facility, n * 1_000_000, sent[n], acked[n], stop)
        )
        for n in range(4)
    ]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 20
    while not any(acked) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(random.uniform(0.1, 0.8))  # then a random moment while frames are being written
    proc.kill()  # SIGKILL: no flush, no goodbye
    proc.wait(10)
    stop.set()
    for client in clients:
        client.join(15)
    all_acked = {qn for qns in acked for qn in qns}
    all_sent = sum(len(qns) for qns in sent)
    assert all_acked, "no frame was answered before the kill"
    assert all_sent > len(all_acked), "the kill should land while frames are in flight"
    missing = all_acked - committed_qns(url, tmp_path)
    assert not missing, f"{len(missing)} answered frames are not in the database"
