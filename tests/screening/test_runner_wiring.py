"""Runner wiring added for issue 4's quality work: start-up/shutdown exemption, back-dated
rewrites from the store's revisions, minute rules on minute data, and the inputs not known yet
(inspections). Real database and rule book; data written through the telemetry store.

The facility is a thermal power air outlet: SO2 limit 200 mg/m³ (GB 13223-2011 coal boiler,
existing; see test_runner.py), start-up 4 h and shutdown 1 h
(``screening.startup_shutdown_hours``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ceguan.screening.models import Alarm, OperationsRecord
from ceguan.screening.runner import screen
from ceguan.telemetry.models import DeviceCommand
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility
from tests.screening.test_runner import NOW, T0, baseline, write_hours

H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)
M10 = timedelta(minutes=10)
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, industry="thermal_power"))


def rules(facility: Any) -> dict[str, list[Alarm]]:
    out: dict[str, list[Alarm]] = {}
    for alarm in Alarm.objects.filter(facility=facility).order_by("episode_start"):
        out.setdefault(alarm.rule_id, []).append(alarm)
    return out


def test_exceedances_in_start_up_are_not_judged_but_later_ones_are(plant: Any) -> None:
    # hours 0–9 normal, 10–13 stopped (F), 14–17 start-up (4 h after the last F at 13:00) with
    # 300 mg/m³, 18–19 running at 300 mg/m³: only 18–19 are an exceedance.
    values = baseline(10) + [5.0] * 4 + [300.0] * 6 + baseline(10)
    flags = ["N"] * 10 + ["F"] * 4 + ["N"] * 16
    write_hours(plant, values, flags=flags)
    result = screen(now=NOW)
    [alarm] = rules(plant)["exceedance"]
    assert (alarm.episode_start, alarm.episode_end) == (
        T0 + timedelta(hours=18),
        T0 + timedelta(hours=19),
    )
    assert result.skipped["step_at_inspection: inspections"] == 1  # no inspection dates yet


def test_a_back_dated_rewrite_in_the_store_raises_an_alarm(plant: Any) -> None:
    write_hours(plant, baseline(30))
    at = T0 + timedelta(hours=5)
    frame = IncomingFrame(
        received_at=T0 + timedelta(hours=29),  # 24 h after the data time: not a correction
        peer="10.0.0.1:5000",
        raw=f"##rewrite {plant.mn}".encode(),
        mn=plant.mn,
        cn="2061",
        facility_id=plant.pk,
        values=[IncomingValue("so2", "hourly", at, value=50.0, converted=50.0, flag="N")],
    )
    write_frames([frame])
    screen(now=NOW)
    [alarm] = rules(plant)["backdated_rewrite"]
    assert alarm.episode_start == at
    evidence = alarm.evidence["episode"]["evidence"]
    assert evidence["n_values"] == 1 and evidence["n_lowered"] == 1


def test_minute_zeros_shorter_than_the_hourly_rule_sees_are_found(plant: Any) -> None:
    # 3 h of minute data with SO2 0 from 01:10 to 02:30 (80 minutes) while the flow runs; the
    # hourly means (not written) would hide it. zero_or_negative on minutes needs 60 in a row.
    frames = []
    for m in range(180):
        at = T0 + timedelta(minutes=m)
        so2 = 0.0 if 70 <= m < 150 else 100.0 + (m * 7) % 23
        frames.append(
            IncomingFrame(
                received_at=at + timedelta(seconds=30),
                peer="10.0.0.1:5000",
                raw=f"##m {plant.mn} {m}".encode(),
                mn=plant.mn,
                cn="2051",
                facility_id=plant.pk,
                values=[
                    IncomingValue("so2", "minute", at, value=so2, flag="N"),
                    IncomingValue("flow", "minute", at, value=300.0 + m % 5, flag="N"),
                ],
            )
        )
    write_frames(frames)
    write_hours(plant, baseline(3))
    screen(now=NOW)
    [alarm] = rules(plant)["zero_or_negative"]
    assert (alarm.episode_start, alarm.episode_end) == (
        T0 + timedelta(minutes=70),
        T0 + timedelta(minutes=149),
    )
    assert alarm.evidence["series"]["kind"] == "minute"
    assert alarm.evidence["episode"]["evidence"]["n_values"] == 80


# --- markings backed by operations records (issue 4 §3) -------------------------------------


def marked_exceedance(plant: Any) -> None:
    """Hours 8–9 marked M at 250 and 270 mg/m³ (limit 200): an exceedance the marking removes."""
    values = baseline(24)
    values[8:10] = [250.0, 270.0]
    flags = ["N"] * 24
    flags[8:10] = ["M", "M"]
    write_hours(plant, values, flags=flags)


def record(plant: Any, kind: str, start: Any, end: Any, reported_at: Any) -> Any:
    return OperationsRecord.objects.create(
        facility=plant, kind=kind, start=start, end=end, reported_at=reported_at,
        reported_by="运维公司 张三", reference="YW-2026-007",
    )  # fmt: skip


def test_a_marking_backed_by_a_maintenance_record_raises_nothing(plant: Any) -> None:
    marked_exceedance(plant)
    # maintenance 08:10–09:40 reported at 10:00, before the run: overlaps both marked hours
    record(plant, "maintenance", T0 + H * 8 + M10, T0 + H * 9 + 4 * M10, T0 + 10 * H)
    result = screen(now=NOW)
    assert rules(plant).get("marking_hides_exceedance") is None
    assert rules(plant).get("exceedance") is None  # validly marked data are not judged
    assert result.backed == 1


def test_an_unbacked_marking_names_its_unbacked_hours(plant: Any) -> None:
    marked_exceedance(plant)
    # a fault report does not back maintenance marks; the maintenance record covers 08:00 only
    record(plant, "fault", T0 + 8 * H, T0 + 10 * H, T0 + 10 * H)
    record(plant, "maintenance", T0 + 8 * H, T0 + 8 * H + 3 * M10, T0 + 10 * H)
    screen(now=NOW)
    [alarm] = rules(plant)["marking_hides_exceedance"]
    assert alarm.category == "falsification_sign"
    assert alarm.evidence["backing"] == "unbacked marking"
    assert alarm.evidence["marks"] == 2
    assert alarm.evidence["unbacked_times"] == ["2026-01-05T09:00:00Z"]
    assert [r["kind"] for r in alarm.evidence["backing_records"]] == ["maintenance"]


def test_a_record_reported_after_the_run_does_not_back_the_marking(plant: Any) -> None:
    marked_exceedance(plant)
    record(plant, "maintenance", T0 + 8 * H, T0 + 10 * H, NOW + H)  # reported after `now`
    screen(now=NOW)
    [alarm] = rules(plant)["marking_hides_exceedance"]
    assert alarm.evidence["unbacked_times"] == ["2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z"]


# --- late data: one alarm per backlog, none for recalls and outages --------------------------


def send(plant: Any, hours: list[int], received: list[Any]) -> None:
    """SO2 hour ``h`` (varied, under the limit) received at ``received[i]``; one frame each."""
    frames = []
    for h, at in zip(hours, received, strict=True):
        value = baseline(24)[h]
        item = IncomingValue("so2", "hourly", T0 + h * H, value=value, converted=value, flag="N")
        raw = f"##late {plant.mn} {h}".encode()
        frames.append(
            IncomingFrame(
                received_at=at,
                peer="10.0.0.1:5000",
                raw=raw,
                mn=plant.mn,
                cn="2061",
                facility_id=plant.pk,
                values=[item],
            )
        )
    write_frames(frames)


#: A recall of hourly data (2061) for 00:00–12:00 UTC on 5 January (Beijing 08:00–20:00).
RECALL = {"BeginTime": "2026-01-05T08:00:00+08:00", "EndTime": "2026-01-05T20:00:00+08:00"}


SCATTERED = [1, 4, 7, 10]


def online_with_scattered_resend(plant: Any) -> None:
    """Hours 0–23 on time (5 min after the hour ends) except 1, 4, 7, 10, which come in one
    batch at 06:00 the next day (10 s apart) while the device stayed online."""
    on_time = [h for h in range(24) if h not in SCATTERED]
    send(plant, on_time, [T0 + (h + 1) * H + 5 * M for h in on_time])
    send(plant, SCATTERED, [T0 + 30 * H + i * 10 * S for i in range(4)])


def test_a_scattered_resend_is_one_late_data_alarm(plant: Any) -> None:
    online_with_scattered_resend(plant)
    screen(now=NOW)
    [alarm] = rules(plant)["late_data"]
    assert (alarm.episode_start, alarm.episode_end) == (T0 + H, T0 + 10 * H)
    evidence = alarm.evidence["episode"]["evidence"]
    assert evidence["n_values"] == 4 and evidence["n_on_time_between"] == 6
    assert alarm.score == 29.0  # hour 1 (01:00) received at 06:00 the next day


def test_a_resend_the_platform_asked_for_is_not_late_data(plant: Any) -> None:
    DeviceCommand.objects.create(
        facility=plant, cn="2061", qn="20260106055900000001", status="done",
        parameters=RECALL,
        sent_at=T0 + 29 * H + 59 * M,
    )  # fmt: skip
    # the recall asked for 00:00–12:00 UTC and was sent at 05:59 the next day, before the batch
    online_with_scattered_resend(plant)
    screen(now=NOW)
    assert "late_data" not in rules(plant)


def test_a_recall_sent_after_the_values_arrived_explains_nothing(plant: Any) -> None:
    DeviceCommand.objects.create(
        facility=plant, cn="2061", qn="20260106070000000001", status="done",
        parameters=RECALL,
        sent_at=T0 + 31 * H,
    )  # fmt: skip
    online_with_scattered_resend(plant)
    screen(now=NOW)
    assert len(rules(plant)["late_data"]) == 1


def test_a_resend_after_an_outage_is_not_late_data_but_later_lateness_is(plant: Any) -> None:
    # nothing heard from 05:05 to 13:00 (an outage longer than the 60-minute offline threshold);
    # on return the device sends hours 5–11 within a minute, then continues on time; hour 20 is
    # sent at 06:00 the next day although the link was up: that one is late.
    before = list(range(5))
    after = [h for h in range(12, 24) if h != 20]
    send(plant, before, [T0 + (h + 1) * H + 5 * M for h in before])
    send(plant, list(range(5, 12)), [T0 + 13 * H + i * 5 * S for i in range(7)])
    send(plant, after, [T0 + (h + 1) * H + 5 * M for h in after])
    send(plant, [20], [T0 + 30 * H])
    screen(now=NOW)
    [alarm] = rules(plant)["late_data"]
    assert (alarm.episode_start, alarm.episode_end) == (T0 + 20 * H, T0 + 20 * H)
