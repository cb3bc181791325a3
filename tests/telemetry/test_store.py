"""The store keeps every frame, stores values once, and keeps rewritten history beside it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ceguan.telemetry.models import RawFrame, TelemetryValue
from ceguan.telemetry.store import IncomingFrame, IncomingValue, preview_frames, write_frames
from tests.conftest import make_enterprise, make_facility

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def facility(lanzhou):
    return make_facility(make_enterprise(lanzhou))


def _frame(facility, raw: bytes, *values: IncomingValue) -> IncomingFrame:
    return IncomingFrame(
        received_at=T0, peer="127.0.0.1:5000", raw=raw, mn=facility.mn, cn="2051",
        facility_id=facility.pk, values=values,
    )  # fmt: skip


def _so2(value: float, flag: str = "N") -> IncomingValue:
    return IncomingValue("so2", "minute", T0, value=value, converted=value * 1.1, flag=flag)


def test_new_values_are_stored_with_their_frame(facility):
    [result] = write_frames(
        [_frame(facility, b"a", _so2(12.5), IncomingValue("o2", "minute", T0, value=6.0))]
    )
    assert (result.outcome, result.new_values) == ("stored", 2)
    frame = RawFrame.objects.get(pk=result.frame_id)
    assert bytes(frame.raw) == b"a" and len(frame.sha256) == 64
    so2 = TelemetryValue.objects.get(facility=facility, pollutant="so2")
    assert (so2.value, so2.converted, so2.flag, so2.frame_id) == (12.5, 12.5 * 1.1, "N", frame.pk)
    assert so2.data_time == T0


def test_a_resent_frame_is_a_duplicate_and_stores_nothing_new(facility):
    write_frames([_frame(facility, b"a", _so2(12.5))])
    [again] = write_frames([_frame(facility, b"a", _so2(12.5))])
    assert (again.outcome, again.duplicate_values, again.new_values) == ("duplicate", 1, 0)
    assert TelemetryValue.objects.filter(facility=facility).count() == 1
    assert RawFrame.objects.count() == 2  # both kept as evidence


def test_different_values_for_the_same_time_are_a_revision_kept_beside_the_original(facility):
    write_frames([_frame(facility, b"a", _so2(80.0))])
    [result] = write_frames([_frame(facility, b"b", _so2(35.0))])
    assert (result.outcome, result.revised_values) == ("revision", 1)
    rows = list(TelemetryValue.objects.filter(pollutant="so2").order_by("revision"))
    assert [(r.revision, r.current, r.value) for r in rows] == [(0, False, 80.0), (1, True, 35.0)]


def test_a_changed_flag_alone_is_a_revision(facility):
    write_frames([_frame(facility, b"a", _so2(80.0, "N"))])
    [result] = write_frames([_frame(facility, b"b", _so2(80.0, "M"))])
    assert result.outcome == "revision"


def test_duplicates_inside_one_batch(facility):
    results = write_frames([_frame(facility, b"a", _so2(1.0)), _frame(facility, b"a", _so2(1.0))])
    assert [r.outcome for r in results] == ["stored", "duplicate"]


def test_frames_without_a_facility_are_kept_with_their_preset_outcome(facility):
    frame = IncomingFrame(T0, "10.0.0.9:1", b"junk", mn="X", outcome="rejected", reason="bad_crc")
    [result] = write_frames([frame])
    stored = RawFrame.objects.get(pk=result.frame_id)
    assert (stored.outcome, stored.reason, stored.facility_id) == ("rejected", "bad_crc", None)
    assert TelemetryValue.objects.count() == 0


def test_a_batch_is_one_transaction(facility, django_db_blocker):
    """If anything in the batch fails, nothing of it is stored (so nothing gets acknowledged)."""
    bad = _frame(facility, b"x", _so2(1.0))
    bad.peer = None  # type: ignore[assignment]  # makes the raw-frame insert fail
    with pytest.raises(Exception):  # noqa: B017
        write_frames([_frame(facility, b"ok", _so2(2.0)), bad])
    assert RawFrame.objects.count() == 0 and TelemetryValue.objects.count() == 0


def test_a_device_value_replacing_a_derived_one_is_new_not_a_revision(facility):
    derived = _so2(10.0)
    TelemetryValue.objects.create(
        facility=facility, pollutant="so2", kind="minute", data_time=T0, value=9.0,
        source="derived", received_at=T0,
    )  # fmt: skip
    [result] = write_frames([_frame(facility, b"late", derived)])
    assert (result.outcome, result.new_values, result.revised_values) == ("stored", 1, 0)
    rows = TelemetryValue.objects.filter(pollutant="so2").order_by("revision")
    assert [(r.source, r.current) for r in rows] == [("derived", False), ("device", True)]


def test_a_revision_inside_one_batch_leaves_only_the_latest_value_current(facility):
    results = write_frames(
        [_frame(facility, b"a", _so2(80.0)), _frame(facility, b"b", _so2(35.0)),
         _frame(facility, b"c", _so2(20.0))]
    )  # fmt: skip
    assert [r.outcome for r in results] == ["stored", "revision", "revision"]
    rows = TelemetryValue.objects.filter(pollutant="so2").order_by("revision")
    assert [(r.revision, r.current, r.value) for r in rows] == [
        (0, False, 80.0), (1, False, 35.0), (2, True, 20.0),
    ]  # fmt: skip


def test_stored_times_are_found_again_by_the_orm_and_by_the_store(facility):
    """The store writes below the ORM; Django must read its times back (SQLite keeps them as
    text, so the text must be Django's), and a resend given in another time zone is the same
    key: 2026-03-01 16:00 Beijing (UTC+8) is 08:00 UTC."""
    beijing = timezone(timedelta(hours=8))
    received = datetime(2026, 3, 1, 8, 0, 30, 123456, tzinfo=UTC)
    frame = _frame(facility, b"a", IncomingValue("so2", "minute", T0, value=1.5))
    frame.received_at = received
    write_frames([frame])
    stored = TelemetryValue.objects.get(facility=facility, kind="minute", data_time=T0)
    assert (stored.received_at, stored.value) == (received, 1.5)
    assert RawFrame.objects.get(received_at=received).sha256 == hashlib.sha256(b"a").hexdigest()
    again = IncomingValue("so2", "minute", datetime(2026, 3, 1, 16, 0, tzinfo=beijing), value=1.5)
    [result] = write_frames([_frame(facility, b"a", again)])
    assert (result.outcome, result.duplicate_values) == ("duplicate", 1)


def test_a_backfill_of_many_times_and_facilities_is_compared_key_by_key(facility, lanzhou):
    other = make_facility(make_enterprise(lanzhou))
    times = [T0 + timedelta(minutes=m) for m in range(40)]

    def frames(shift: float) -> list[IncomingFrame]:
        return [
            _frame(f, b"x", IncomingValue("so2", "minute", t, value=m + shift),
                   IncomingValue("o2", "minute", t, value=6.0))
            for f in (facility, other) for m, t in enumerate(times)
        ]  # fmt: skip

    assert {r.outcome for r in write_frames(frames(0.0))} == {"stored"}
    resent = frames(0.0)
    resent[7] = _frame(facility, b"y", IncomingValue("so2", "minute", times[7], value=99.0),
                       IncomingValue("o2", "minute", times[7], value=6.0))  # fmt: skip
    results = write_frames(resent)
    assert [i for i, r in enumerate(results) if r.outcome != "duplicate"] == [7]
    assert (results[7].outcome, results[7].revised_values, results[7].duplicate_values) == (
        "revision", 1, 1,
    )  # fmt: skip
    assert TelemetryValue.objects.count() == 2 * 40 * 2 + 1
    assert TelemetryValue.objects.filter(current=True).count() == 2 * 40 * 2


def test_preview_says_what_a_write_would_do_and_writes_nothing(facility):
    write_frames([_frame(facility, b"a", _so2(12.5))])
    preview = preview_frames(
        [_frame(facility, b"a", _so2(12.5)), _frame(facility, b"b", _so2(1.0))]
    )
    assert [(r.outcome, r.frame_id) for r in preview] == [("duplicate", 0), ("revision", 0)]
    assert (RawFrame.objects.count(), TelemetryValue.objects.count()) == (1, 1)
