"""Markings backed by operations records (issue 4 §3): the pure rule and the database side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from ceguan.core.models import AuditEntry
from ceguan.screening.backing import BackingRecord, Mark, backing, is_backed
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.models import OperationsRecord
from ceguan.screening.operations import episode_marks, marking_backing
from tests.conftest import make_enterprise, make_facility

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
H = timedelta(hours=1)


def rec(kind: str, start: datetime, end: datetime, reported: datetime | None = None) -> Any:
    return BackingRecord(start, end, kind, reported or start, f"YW-{start:%H}", start.hour)


def marks(flags: str, start: datetime = T0) -> list[Mark]:
    return [Mark(start + i * H, f) for i, f in enumerate(flags)]


def test_a_record_of_the_right_kind_covering_every_marked_hour_backs_the_marking() -> None:
    # 08:00–10:30 maintenance overlaps the hours starting 08, 09 and 10.
    record = rec("maintenance", T0, T0 + 2.5 * H)
    assert is_backed(marks("MMM"), [record])
    assert not is_backed(marks("MMMM"), [record])  # 11:00–12:00 is not covered


def test_overlap_is_strict_at_the_edges() -> None:
    # A record ending exactly at 09:00 does not touch the hour 09:00–10:00.
    record = rec("calibration", T0 - H, T0 + H)
    judged = backing(marks("CC"), [record])
    assert [m.time for m in judged.unbacked] == [T0 + H]
    assert [m.time for m, _ in judged.backed] == [T0]


def test_the_record_kind_must_match_the_flag() -> None:
    fault = rec("fault", T0, T0 + 3 * H)
    assert is_backed(marks("DD"), [fault])
    assert not is_backed(marks("MD"), [fault])
    assert not is_backed(marks("C"), [fault])


def test_records_reported_after_the_judgement_do_not_count() -> None:
    late = rec("maintenance", T0, T0 + 2 * H, reported=T0 + 48 * H)
    assert is_backed(marks("MM"), [late], as_of=T0 + 72 * H)
    assert not is_backed(marks("MM"), [late], as_of=T0 + 24 * H)


def test_no_marks_is_not_a_backed_marking_and_other_flags_are_ignored() -> None:
    record = rec("maintenance", T0, T0 + H)
    assert not is_backed([], [record])
    assert is_backed(marks("MN"), [record])  # N is no marking
    assert not is_backed(marks("NN"), [record])


def test_evidence_lists_unbacked_hours_and_late_records() -> None:
    record = rec("maintenance", T0, T0 + H, reported=T0 + 5 * H)
    evidence = backing(marks("MM"), [record]).as_evidence(H)
    assert evidence["backing"] == "unbacked marking"
    assert evidence["marks"] == 2
    assert evidence["unbacked_times"] == ["2026-01-05T09:00:00Z"]
    assert [r["reference"] for r in evidence["backing_records"]] == ["YW-08"]
    assert evidence["late_records"] == [8]  # reported 13:00, after its hour ended at 09:00


# --- Database side ------------------------------------------------------------------------------


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou))


def episode(start: datetime, end: datetime) -> Episode:
    s, e = (np.datetime64(d.replace(tzinfo=None), "s") for d in (start, end))
    return Episode("marking_hides_exceedance", 1, "so2", s, e, 1.3, Severity.WARNING)


def series(flags: str) -> tuple[Any, Any]:
    times = np.array([np.datetime64(T0.replace(tzinfo=None), "s") + np.timedelta64(i, "h")
                      for i in range(len(flags))])  # fmt: skip
    return times, np.array(list(flags))


def test_episode_marks_reads_only_marked_values_inside_the_episode() -> None:
    times, flags = series("NMMNC")
    found = episode_marks(episode(T0 + H, T0 + 3 * H), times, flags)
    assert [(m.time.hour, m.flag) for m in found] == [(9, "M"), (10, "M")]
    assert found[0].time.tzinfo is UTC


def test_marking_backing_loads_the_facilitys_records(plant: Any, lanzhou: Any) -> None:
    times, flags = series("NMMN")
    other = make_facility(make_enterprise(lanzhou), code="DA002")
    common = {"kind": "maintenance", "reported_by": "运维公司 张三", "reference": "YW-2026-01"}
    OperationsRecord.objects.create(
        facility=other, start=T0, end=T0 + 4 * H, reported_at=T0, **common
    )
    ep = episode(T0 + H, T0 + 2 * H)
    assert marking_backing(plant.pk, ep, times, flags, as_of=T0 + 9 * H).unbacked != ()
    OperationsRecord.objects.create(
        facility=plant, start=T0 + H, end=T0 + 3 * H, reported_at=T0 + 4 * H, **common
    )
    judged = marking_backing(plant.pk, ep, times, flags, as_of=T0 + 9 * H)
    assert judged.is_backed and len(judged.records) == 1
    before = marking_backing(plant.pk, ep, times, flags, as_of=T0 + 3 * H)
    assert not before.is_backed  # the record was reported at 12:00, after this judgement


def test_an_operations_record_is_validated_and_audited(plant: Any) -> None:
    record = OperationsRecord(
        facility=plant, kind="fault", start=T0, end=T0, reported_at=T0,
        reported_by="x", reference="GZ-1",
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    assert list(caught.value.message_dict) == ["end"]
    record.end = T0 + H
    record.full_clean()
    record.save()
    [entry] = AuditEntry.objects.filter(model="screening.OperationsRecord")
    assert entry.action == "create" and entry.changes["reference"] == [None, "GZ-1"]


# --- A permit limit entered through the API reaches the runner ----------------------------------


def test_a_permit_limit_change_makes_the_next_run_rescreen_and_use_it(lanzhou: Any) -> None:
    import time_machine

    from ceguan.screening.models import Alarm, PermitLimit
    from ceguan.screening.runner import screen
    from tests.screening.test_runner import NOW, baseline, write_hours

    plant = make_facility(make_enterprise(lanzhou, industry="thermal_power"))
    values = baseline(24)
    values[8:10] = [150.0, 160.0]  # under the standard's 200 mg/m³, over a permit's 130
    write_hours(plant, values)
    with time_machine.travel(NOW, tick=False):
        screen()
        assert not Alarm.objects.filter(facility=plant, rule_id="exceedance").exists()
        assert screen().facilities == 0  # nothing new: incremental run does nothing
        PermitLimit.objects.create(
            outlet=plant.outlet, pollutant="so2", period="hourly", value=130.0,
            clause="许可证 9162 表 3", verified=True,
        )  # fmt: skip
        assert screen().facilities == 1  # the fingerprint changed: full re-screen
    [alarm] = Alarm.objects.filter(facility=plant, rule_id="exceedance")  # baseline ≤ 122
    assert (alarm.episode_start, alarm.episode_end) == (T0, T0 + H)  # 08:00 and 09:00 UTC
    assert alarm.evidence["limit"]["source"] == "permit"
    assert alarm.evidence["limit"]["value"] == 130.0


def test_the_examples_in_the_docstrings_hold() -> None:
    import doctest

    from ceguan.screening import backing as backing_module
    from ceguan.screening import permits
    from ceguan.telemetry import file_units

    for module in (backing_module, permits, file_units):
        failures, tried = doctest.testmod(module)
        assert tried > 0 and failures == 0, module.__name__
