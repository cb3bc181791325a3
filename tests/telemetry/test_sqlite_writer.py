"""Several receivers on one database: the SQLite write turn, checkpoints off the write path.

The turn and the checkpointer are tested on plain SQLite files (no Django); the end-to-end test
runs ``ceguan receive --processes 2`` (two processes sharing one port) on the test database (a
file copy on SQLite, where they take turns; PostgreSQL needs no turn) and checks that every
acknowledged frame is stored and that no batch had to be retried.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ceguan.telemetry.receiver.sqlite_writer import Checkpointer, WriteTurn, database_file
from tests.telemetry.test_receiver_socket import (
    committed_qns,
    database_url,
    facility,  # noqa: F401 (fixture)
    pump,
    start_receiver,
)


def wal_database(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (x BLOB)")
    return db


def fill(db: sqlite3.Connection, pages: int) -> None:
    """Write about ``pages`` pages of 4 KiB in one transaction."""
    db.execute("BEGIN")
    db.executemany("INSERT INTO t VALUES (?)", [(bytes(4000),)] * pages)
    db.execute("COMMIT")


def test_only_a_file_database_gets_a_turn_and_a_checkpointer(tmp_path):
    assert database_file({"NAME": str(tmp_path / "x.sqlite3")}, "sqlite") == tmp_path / "x.sqlite3"
    assert database_file({"NAME": ":memory:"}, "sqlite") is None
    assert (
        database_file({"NAME": "file:memorydb_default?mode=memory&cache=shared"}, "sqlite") is None
    )
    assert database_file({"NAME": "ceguan"}, "postgresql") is None
    with WriteTurn(None)():  # no file: nothing to take turns at
        pass


def test_receive_refuses_a_process_count_below_one():
    with pytest.raises(CommandError, match="--processes must be 1 or more, not 0"):
        call_command("receive", "--processes=0")


def test_a_second_writer_waits_for_the_turn_and_gets_it_on_release(tmp_path):
    database = tmp_path / "db.sqlite3"
    first, second = WriteTurn(database), WriteTurn(database)  # two open files: two processes
    order: list[str] = []
    entered = threading.Event()

    def other() -> None:
        with second():
            order.append("second")
            entered.set()

    with first():
        waiter = threading.Thread(target=other)
        waiter.start()
        time.sleep(0.2)
        assert not entered.is_set(), "the second writer got in while the first held the turn"
        order.append("first done")
    released = time.monotonic()
    assert entered.wait(5)
    woke_after = time.monotonic() - released
    waiter.join(5)
    assert order == ["first done", "second"]
    assert woke_after < 0.1  # woken by the release, not by polling
    assert (tmp_path / "db.sqlite3-write.lock").exists()
    first.close()
    second.close()


def test_the_checkpointer_copies_the_log_and_restarts_it_when_long(tmp_path):
    database = tmp_path / "db.sqlite3"
    db = wal_database(database)
    fill(db, 50)
    reader = sqlite3.connect(database, timeout=0.1)
    patient = Checkpointer(database, restart_pages=1_000_000)
    in_log, copied = patient.checkpoint(reader)
    assert in_log >= 50 and copied == in_log  # nothing was writing: all of it copied
    fill(db, 10)  # all was copied: this writer starts the log from its beginning
    assert patient.checkpoint(reader)[0] < 20

    snapshot = sqlite3.connect(database, isolation_level=None)
    snapshot.execute("BEGIN")
    snapshot.execute("SELECT count(*) FROM t").fetchone()  # a reader on the current log
    fill(db, 50)
    in_log, copied = patient.checkpoint(reader)
    assert copied < in_log  # the frames after the reader's snapshot stay in the log
    patient._once(reader)
    assert patient.restarts == 0  # under restart_pages: PASSIVE only

    eager = Checkpointer(database, restart_pages=1)
    eager._once(reader)  # RESTART waits for the reader in vain (timeout 0.1 s), tries again later
    assert eager.restarts == 0
    snapshot.execute("COMMIT")
    eager._once(reader)
    assert eager.restarts == 1
    fill(db, 10)
    assert patient.checkpoint(reader)[0] < 20  # restarted: the log did not keep growing
    reader.close()


def test_the_checkpointer_thread_keeps_the_log_short_while_writers_write(tmp_path):
    database = tmp_path / "db.sqlite3"
    db = wal_database(database)
    checkpointer = Checkpointer(database, every=0.02, restart_pages=40)
    checkpointer.start()
    for _ in range(30):
        fill(db, 20)
        time.sleep(0.01)
    checkpointer.stop()
    assert checkpointer.checkpoints > 5 and checkpointer.restarts >= 1
    wal = database.with_name(database.name + "-wal")
    assert wal.stat().st_size < 200 * 4096  # without restarts: 600 pages and growing
    assert db.execute("SELECT count(*) FROM t").fetchone() == (600,)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_receivers_sharing_a_port_store_every_acknowledged_frame(facility, tmp_path):  # noqa: F811
    url = database_url(tmp_path)
    log = tmp_path / "receivers.log"
    receiver, address = start_receiver(url, log, "--processes=2", level="INFO")
    clients = 16  # spread by the kernel over both: all on one has probability 2⁻¹⁵
    sent: list[list[str]] = [[] for _ in range(clients)]
    acked: list[list[str]] = [[] for _ in range(clients)]
    stop = threading.Event()
    pumps = [
        threading.Thread(
            target=pump, args=(address, facility, n * 1_000_000, sent[n], acked[n], stop)
        )
        for n in range(clients)
    ]
    for p in pumps:
        p.start()
    deadline = time.monotonic() + 20
    while sum(map(len, acked)) < 2000 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    time.sleep(0.5)
    receiver.send_signal(signal.SIGTERM)  # graceful: both store and answer what they read
    assert receiver.wait(60) == 0
    for p in pumps:
        p.join(15)
    all_acked = {qn for qns in acked for qn in qns}
    assert len(all_acked) >= 2000
    missing = all_acked - committed_qns(url, tmp_path)
    assert not missing, f"{len(missing)} answered frames are not in the database"
    text = log.read_text()  # both processes log to the same standard error
    assert "retrying one by one" not in text and "not stored" not in text, text[-2000:]
    stored = [int(n) for n in re.findall(r"stopped: \{'frames': (\d+)", text)]
    assert len(stored) == 2 and min(stored) > 0, f"a receiver stored nothing: {text[-1000:]}"
    assert sum(stored) >= len(all_acked)
