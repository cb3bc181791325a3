"""The simulator over real sockets: against a scripted platform, and against ``ceguan receive``.

The scripted platform (an asyncio server in the test) checks the device side of the protocol:
re-sends with the same QN when a 9014 is late, reconnecting after ``ReCount`` re-sends, HJ/T
212-2005 uploads without acknowledgement, and answers to platform requests. The last test runs
the real receiver as a subprocess on the test database (a file copy of SQLite's in-memory test
database, as ``test_receiver_socket.py`` does, or the PostgreSQL test database) and
``ceguan simulate`` against it.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

from ceguan.hj212 import (
    BEIJING,
    FrameSplitter,
    Packet,
    build_data_reply,
    build_data_request,
    build_get_time,
    parse_packet,
)
from ceguan.telemetry.simulator import (
    FacilityProfile,
    Fleet,
    FleetConfig,
    Settings,
    assign_versions,
)
from tests.conftest import make_enterprise, make_facility

REPO = Path(__file__).resolve().parents[2]
CEMS = FacilityProfile(
    1, "62010000009001", "cems",
    ("so2", "nox", "particulate", "o2", "flow", "temperature", "humidity"), "cement", "123456",
)  # fmt: skip


class Platform:
    """A scripted HJ 212 platform: records what devices send, acks unless told not to."""

    def __init__(self, drop_first_ack: bool = False, never_ack: bool = False) -> None:
        self.drop_first_ack, self.never_ack = drop_first_ack, never_ack
        self.packets: list[Packet] = []
        self.connections = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        splitter = FrameSplitter()
        while chunk := await reader.read(65536):
            for frame in splitter.feed(chunk):
                packet = parse_packet(frame)
                self.packets.append(packet)
                first = len([p for p in self.packets if p.header.cn == "2051"]) == 1
                if self.never_ack or (self.drop_first_ack and first):
                    continue
                if packet.header.ack_requested:
                    writer.write(build_data_reply(packet.header))
        writer.close()

    def send(self, frame: bytes) -> None:
        self.writers[-1].write(frame)

    def cns(self, qn: str | None = None) -> list[str]:
        return [p.header.cn for p in self.packets if qn is None or p.qn == qn]


def run_fleet(platform: Platform, profile: FacilityProfile, script=None, **config) -> Fleet:
    async def main() -> Fleet:
        port = await platform.start()
        settings = Settings(port=port, ack_timeout=config.pop("ack_timeout", 0.3), retries=2)
        fleet = Fleet([profile], FleetConfig(settings=settings, **config))
        tasks = [asyncio.create_task(fleet.run())]
        if script is not None:
            tasks.append(asyncio.create_task(script(platform)))
        await asyncio.gather(*tasks)
        platform.server.close()
        return fleet

    return asyncio.run(main())


def test_a_late_ack_is_answered_by_a_resend_with_the_same_qn():
    platform = Platform(drop_first_ack=True)
    fleet = run_fleet(platform, CEMS, speed=600, duration=1.5, backfill_hours=1, inject_share=0)
    first = next(p for p in platform.packets if p.header.cn == "2051")
    assert platform.cns(first.qn) == ["2051", "2051"]  # re-sent once, same QN
    # Under load another ACK may also come late and be re-sent; the dropped one must be.
    assert fleet.stats.resent >= 1 and fleet.stats.errors == 0
    uploads = [p for p in platform.packets if p.header.cn in ("2051", "2061")]
    assert len({p.qn for p in uploads}) == fleet.stats.acked >= 6 + 1  # 1 h of 10-min + hourly
    assert all(p.header.flag == 5 for p in uploads)  # HJ 212-2017, ack asked


def test_without_acks_the_device_reconnects_and_resends_what_is_pending():
    platform = Platform(never_ack=True)
    fleet = run_fleet(platform, CEMS, speed=60, duration=2.5, backfill_hours=1, inject_share=0)
    assert platform.connections >= 2 and fleet.stats.reconnects >= 1
    counts = Counter(p.qn for p in platform.packets)
    assert max(counts.values()) >= 4  # first send, 2 re-sends, again after reconnecting
    assert fleet.stats.acked == 0 and "no 9014" in fleet.stats.last_error


def test_a_2005_device_sends_without_qn_and_expects_no_ack():
    platform = Platform(never_ack=True)
    config = {"speed": 600, "duration": 1.0, "backfill_hours": 1, "inject_share": 0}
    fleet = run_fleet(platform, CEMS, share_2005=1.0, **config)
    assert platform.packets and all(
        p.qn is None and p.header.flag is None for p in platform.packets
    )
    codes = set(platform.packets[0].payload.pollutants)
    assert {"02", "03", "01", "S01"} <= codes  # the 2005 codes of SO2, NOx, dust, O2
    assert fleet.stats.resent == 0 and fleet.stats.reconnects == 0


def test_the_device_answers_time_and_recall_requests():
    qn_time, qn_recall = "20260302080000001001", "20260302080000002002"

    async def script(platform: Platform) -> None:
        await asyncio.sleep(0.6)
        who = {"mn": CEMS.mn, "pw": "123456", "st": "31"}
        platform.send(build_get_time(qn=qn_time, **who))
        now = datetime.now(BEIJING)
        platform.send(
            build_data_request("2061", now - timedelta(hours=3), now, qn=qn_recall, **who)
        )

    platform = Platform()
    config = {"speed": 60, "duration": 1.5, "backfill_hours": 2, "inject_share": 0}
    run_fleet(platform, CEMS, script, **config)
    assert platform.cns(qn_time) == ["9011", "1011", "9012"]
    answer = next(p for p in platform.packets if p.qn == qn_time and p.header.cn == "1011")
    assert abs(answer.payload.system_time - datetime.now(BEIJING)) < timedelta(minutes=5)
    assert platform.cns(qn_recall) == ["9011", "9012"]
    hours = [p for p in platform.packets if p.header.cn == "2061"]
    recalled = Counter(p.payload.data_time for p in hours)
    assert len(recalled) >= 2 and max(recalled.values()) == 2  # sent, then sent again on recall


# --- against the real receiver -----------------------------------------------------------------


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


def query(url: str, sql: str) -> list[tuple]:
    """Rows from the receiver's database (the file copy, or the shared PostgreSQL test DB)."""
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()
    with connections["default"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_small_fleet_against_the_real_receiver(lanzhou, tmp_path):
    pytest.importorskip("ceguan.telemetry.receiver.server", reason="the receiver has not landed")
    facilities = [
        make_facility(make_enterprise(lanzhou), "DA001", device_password="123456"),
        make_facility(make_enterprise(lanzhou, industry="cement"), "DA001", device_password="1"),
        make_facility(make_enterprise(lanzhou, industry="wastewater_treatment"), "DW001"),
    ]
    url = database_url(tmp_path)
    env = os.environ | {"CEGUAN_DATABASE_URL": url, "CEGUAN_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "ceguan", "receive", "--host", "127.0.0.1", "--port", "0"]
    log = tmp_path / "receiver.log"
    with log.open("wb") as stderr:
        receiver = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=REPO
        )
    try:
        line = receiver.stdout.readline().decode()  # "listening on 127.0.0.1:PORT"
        assert line.startswith("listening on "), f"{line!r} {log.read_text()[-2000:]}"
        port = line.split()[-1].rsplit(":", 1)[1]
        labels, out = tmp_path / "labels.jsonl", io.StringIO()
        call_command(
            "simulate", "--port", port, "--limit", "3", "--backfill-hours", "2", "--speed", "120",
            "--duration", "4", "--labels", str(labels), "--inject-share", "1", "--seed", "7",
            "--share-2005", "0.34", "--share-2025", "0.34", stdout=out,
        )  # fmt: skip
        time.sleep(0.5)  # the last batch's commit
    finally:
        receiver.terminate()
        receiver.wait(20)
    assert "errors 0" in out.getvalue(), out.getvalue()

    rows = query(url, "SELECT facility_id, kind, pollutant FROM telemetry_telemetryvalue")
    for facility in facilities:
        stored = {(kind, name) for fid, kind, name in rows if fid == facility.pk}
        expected = set(facility.parameter_list)
        assert {name for kind, name in stored if kind == "minute"} == expected, facility.kind
        assert {name for kind, name in stored if kind == "hourly"} == expected, facility.kind

    versions = assign_versions(
        [FacilityProfile(f.pk, f.mn, f.kind, f.parameter_list) for f in facilities], 7, 0.34, 0.34
    )
    frames = query(url, "SELECT mn, protocol, outcome FROM telemetry_rawframe")
    accepted = {(mn, protocol) for mn, protocol, outcome in frames if outcome == "stored"}
    for facility in facilities:
        version = versions[facility.pk].value.split("-")[-1]  # "HJ/T 212-2005" → "2005"
        assert (facility.mn, version) in accepted
    assert {v.value[-4:] for v in versions.values()} == {"2005", "2017", "2025"}

    written = [json.loads(line) for line in labels.read_text().splitlines()]
    # Every facility is injected (share 1), but a label is written only once the simulated clock
    # reaches the injection's start, and in a span of two hours a facility's may not start: a
    # copied-day practice begins at the next Beijing midnight, process incidents wait for the
    # plant to run. What is drawn depends on the facility's id (the database's sequence: it
    # differs between runs on PostgreSQL) and on the hour the test runs.
    labelled = {label["facility_id"] for label in written}
    assert labelled and labelled <= {f.pk for f in facilities}
    for label in written:
        assert set(label) == {
            "mn",
            "facility_id",
            "pollutant",
            "kind",
            "start",
            "end",
            "parameters",
        }
