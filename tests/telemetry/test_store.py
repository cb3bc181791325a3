"""The store keeps every frame, stores values once, and keeps rewritten history beside it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ceguan.telemetry.models import RawFrame, TelemetryValue
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
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
