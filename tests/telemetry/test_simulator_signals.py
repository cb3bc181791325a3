"""The simulator's pure parts: signal model, injections and their labels, periods, answers."""

from __future__ import annotations

import json
import math
import statistics
from datetime import datetime, timedelta

import pytest

from ceguan.hj212 import (
    POLLUTANT_CODES,
    ProtocolVersion,
    build_data_request,
    build_get_time,
    build_set_min_interval,
    build_set_time,
    parse_packet,
)
from ceguan.hj212.times import BEIJING
from ceguan.telemetry.simulator import SIMULATION_LIMITS, Problem, assign_versions
from ceguan.telemetry.simulator.answers import DeviceState, respond, upload_frames
from ceguan.telemetry.simulator.injections import PEAK_HOURS, Injection, plan
from ceguan.telemetry.simulator.periods import History, Kind, period_flag
from ceguan.telemetry.simulator.series import FacilitySeries
from ceguan.telemetry.simulator.signals import FacilityProfile, Phase, SignalModel, minute_of

CEMS = FacilityProfile(
    11, "62010000000011", "cems",
    ("so2", "nox", "particulate", "o2", "flow", "temperature", "humidity"), "thermal_power",
    "123456",
)  # fmt: skip
WATER = FacilityProfile(
    12, "62010000000012", "water_analyzers", ("cod", "nh3n", "water_flow"),
    "wastewater_treatment", "123456",
)  # fmt: skip
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=BEIJING)  # a Monday
M0 = minute_of(T0)
DAY = 1440


def corr(a: list[float], b: list[float]) -> float:
    ma, mb = statistics.fmean(a), statistics.fmean(b)
    sa = math.sqrt(sum((x - ma) ** 2 for x in a))
    sb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True)) / (sa * sb)


def hourly(values: list[float]) -> list[float]:
    return [statistics.fmean(values[i : i + 60]) for i in range(0, len(values) - 59, 60)]


@pytest.fixture(scope="module")
def cems_days():
    model = SignalModel(CEMS, 1)
    return model, [model.sample(M0 + i) for i in range(7 * DAY)]


# --- the signal model ------------------------------------------------------------------------


def test_a_seed_reproduces_the_series_and_another_seed_does_not():
    a, b, c = SignalModel(CEMS, 5), SignalModel(CEMS, 5), SignalModel(CEMS, 6)
    minutes = list(range(M0, M0 + 600, 7))
    forward = [a.sample(m).values for m in minutes]
    backward = [b.sample(m).values for m in reversed(minutes)][::-1]
    assert forward == backward  # values are functions of (seed, minute): any order
    assert [v["so2"] for v in forward] != [c.sample(m).values["so2"] for m in minutes]
    span = (T0, T0 + timedelta(days=1))
    assert plan(a, 5, *span, share=1.0) == plan(b, 5, *span, share=1.0)


def test_o2_is_anti_correlated_with_load(cems_days):
    _, samples = cems_days
    running = [s for s in samples if s.phase is Phase.RUN]
    r = corr([s.values["o2"] for s in running], [s.driver for s in running])
    assert r < -0.5
    assert corr([s.values["flow"] for s in running], [s.driver for s in running]) > 0.9


def test_values_stay_in_realistic_ranges_and_units(cems_days):
    _model, samples = cems_days
    running = [s for s in samples if s.phase is Phase.RUN]
    loads = [s.driver for s in running]
    assert min(loads) >= 0.55 and max(loads) <= 1.0 and 0.68 < statistics.fmean(loads) < 0.85
    for name, low, high in [("o2", 3.0, 9.0), ("temperature", 40.0, 65.0), ("humidity", 8, 14)]:
        values = [s.values[name] for s in running]
        assert low <= min(values) and max(values) <= high, name
    for name in ("so2", "nox", "particulate"):
        values = sorted(s.values[name] for s in running)
        assert values[0] > 0 and values[int(0.99 * len(values))] < SIMULATION_LIMITS[name], name
    # flow in m³/s (POLLUTANT_CODES unit), a power-plant stack: hundreds
    assert POLLUTANT_CODES["a00000"].unit == "m3/s"
    assert 100 < statistics.fmean(s.values["flow"] for s in running) < 1000


def test_load_has_a_daily_cycle_and_hourly_autocorrelation(cems_days):
    _, samples = cems_days
    by_hour = {h: [] for h in range(24)}
    for i, s in enumerate(samples):
        if s.phase is Phase.RUN:
            by_hour[(i // 60) % 24].append(s.driver)
    assert statistics.fmean(by_hour[11]) > statistics.fmean(by_hour[4]) + 0.05
    loads = hourly([s.driver for s in samples])
    assert corr(loads[:-1], loads[1:]) > 0.7  # gas turbine: 0.85


def test_a_stopped_plant_reports_air_and_flag_f():
    model = SignalModel(FacilityProfile(20, "MN20", "cems", CEMS.parameters, "food"), 3)
    sunday_noon = model.sample(M0 + 6 * DAY + 12 * 60)
    assert sunday_noon.phase is Phase.OFF
    assert set(sunday_noon.flags.values()) == {"F"} and sunday_noon.values["o2"] > 20
    assert model.sample(M0 + 10 * 60).phase is Phase.RUN  # Monday 10:00


def test_water_flow_has_a_diurnal_pattern_and_cod_follows_it():
    model = SignalModel(WATER, 2)
    samples = [model.sample(M0 + i) for i in range(7 * DAY)]
    flow = [s.values["water_flow"] for s in samples]
    morning = statistics.fmean(f for i, f in enumerate(flow) if 9 <= (i // 60) % 24 < 13)
    night = statistics.fmean(f for i, f in enumerate(flow) if 1 <= (i // 60) % 24 < 5)
    assert morning > 1.2 * night
    cod = [s.values["cod"] for s in samples]
    assert min(cod) > 5 and max(cod) < SIMULATION_LIMITS["cod"]
    lagged = [model.sample(M0 + i - 120).driver for i in range(7 * DAY)]
    assert corr(hourly(cod), hourly(lagged)) > 0.4
    assert sum(s.flags["cod"] == "C" for s in samples) == 7 * 60  # daily standard check
    assert all(s.flags["water_flow"] == "N" for s in samples)


# --- injections ------------------------------------------------------------------------------


def injected(kind: Problem, profile: FacilityProfile = CEMS, seed: int = 1, days: int = 1):
    model = SignalModel(profile, seed)
    [injection] = plan(model, seed, T0, T0 + timedelta(days=days), share=1.0, kinds=[kind])
    series = FacilitySeries(model, [injection])
    inside = range(minute_of(injection.start), minute_of(injection.end))
    return model, series, injection, inside


def test_injections_change_only_their_window():
    for kind in Problem:
        model, series, _injection, inside = injected(kind)
        before, after = inside.start - 5, inside.stop + 5
        for minute in (before, after):
            assert series.reported(minute) == model.sample(minute), kind


@pytest.mark.parametrize("profile", [CEMS, WATER])
def test_exceedance_bunching_zeros_and_constant_values(profile):
    _, series, inj, inside = injected(Problem.EXCEEDANCE, profile)
    values = [series.reported(m).values[inj.pollutant] for m in inside]
    assert statistics.fmean(values) > inj.parameters["limit"] == SIMULATION_LIMITS[inj.pollutant]
    _, series, inj, inside = injected(Problem.BUNCHED, profile)
    limit = inj.parameters["limit"]
    assert all(0.9 * limit <= series.reported(m).values[inj.pollutant] < limit for m in inside)
    _, series, inj, inside = injected(Problem.ZEROS, profile)
    assert {series.reported(m).values[inj.pollutant] for m in inside} == {0.0}
    _, series, inj, inside = injected(Problem.CONSTANT, profile)
    assert {series.reported(m).values[inj.pollutant] for m in inside} == {inj.parameters["value"]}


def test_dropout_sends_nothing_and_copied_day_repeats_yesterday():
    model, series, inj, inside = injected(Problem.DROPOUT)
    assert inj.pollutant is None and all(series.reported(m) is None for m in inside)
    assert series.period(Kind.MINUTE, inj.start, 10) is None
    model, series, inj, inside = injected(Problem.COPIED_DAY)
    for minute in inside:
        yesterday = model.sample(minute - DAY)
        assert series.reported(minute).values == yesterday.values
        assert series.reported(minute).flags == yesterday.flags


def test_o2_pinned_holds_o2_and_changes_the_converted_values():
    model, series, inj, inside = injected(Problem.O2_PINNED)
    value, jitter = inj.parameters["value"], inj.parameters["jitter"]
    reported = [series.reported(m) for m in inside]
    assert all(abs(s.values["o2"] - value) <= jitter for s in reported)
    assert statistics.pstdev(model.sample(m).values["o2"] for m in inside) > 0.1
    s = reported[0]
    expected = s.values["so2"] * (21 - model.plant.o2_ref) / (21 - s.values["o2"])
    assert model.converted(s.values)["so2"] == pytest.approx(expected)


@pytest.mark.parametrize("profile", [CEMS, WATER])
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_decoupled_pollutant_no_longer_follows_the_load(profile, seed):
    model, series, inj, inside = injected(Problem.DECOUPLED, profile, seed, days=3)
    name = inj.pollutant
    lag = model.specs[name].lag
    driver = hourly([model.sample(m - lag).driver for m in inside])
    clean = hourly([model.sample(m).values[name] for m in inside])
    reported = hourly([series.reported(m).values[name] for m in inside])
    assert corr(clean, driver) > 0.4
    assert abs(corr(reported, driver)) < 0.4 and corr(reported, driver) < corr(clean, driver) - 0.3


def test_maintenance_flags_at_peak_hours():
    model, series, inj, inside = injected(Problem.PEAK_MAINTENANCE)
    assert inj.start.hour in model.peak_hours() == PEAK_HOURS
    assert inj.parameters["peak_hours"] == list(PEAK_HOURS)
    flag, name = inj.parameters["flag"], inj.pollutant
    for minute in inside:
        reported, clean = series.reported(minute), model.sample(minute)
        assert reported.flags[name] == flag in "MC"
        assert reported.values[name] == pytest.approx(1.6 * clean.values[name])


SHIFT = FacilityProfile(13, "62010000000013", "cems", ("so2", "flow"), "food")


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        # Hourly means of DAY_SHAPE (the mean of its two ends): 10 h (0.9 + 1.0) / 2 and
        # 19 h (1.0 + 0.9) / 2 are 0.95, 18 h 0.9, then 9 h and 11 h tie at 0.8 (the earlier).
        (CEMS, (9, 10, 18, 19)),
        # A day shift runs 08–19 h (20 h is the shutdown): the same four hours are all inside.
        (SHIFT, (9, 10, 18, 19)),
        # 0.8 cos(2π(h + ½ − 11)/24) + 0.2 cos(2π(h + ½ − 9)/12) at mid-hour: 10 h 0.935,
        # 9 h 0.932, 11 h 0.845, 8 h 0.828 (then 12 h 0.687); 19 h −0.346, 20 h −0.441.
        (WATER, (8, 9, 10, 11)),
    ],
)
def test_each_facility_has_its_own_peak_hours_while_it_runs(profile, expected):
    assert SignalModel(profile, 1).peak_hours() == expected


def test_peak_marks_are_not_put_on_a_stopped_plant():
    model = SignalModel(SHIFT, 1)
    start = T0 + timedelta(hours=19)  # Monday 19:00, then Sunday 19:00 is six days later
    inj = Injection(Problem.PEAK_MAINTENANCE, start, start + timedelta(days=7), "so2",
                    {"flag": "M", "value_factor": 1.6, "hours": [19, 20]})  # fmt: skip
    series = FacilitySeries(model, [inj])
    monday_19, monday_20 = minute_of(start) + 30, minute_of(start) + 60 + 45
    sunday_19 = minute_of(start) + 6 * DAY + 30
    assert series.reported(monday_19).flags["so2"] == "M"  # running: marked
    assert model.sample(monday_20).flags["so2"] == "F"  # 20:30 on: stopped, left as it is
    assert series.reported(monday_20) == model.sample(monday_20)
    assert series.reported(sunday_19) == model.sample(sunday_19)


def test_a_backdated_rewrite_is_sent_later_with_other_values():
    model, series, inj, inside = injected(Problem.BACKDATED)
    assert all(series.reported(m) == model.sample(m) for m in inside)  # first sent as measured
    sent_at = inj.sent_at
    assert sent_at >= inj.end
    assert series.rewrites_due(inj.end - timedelta(minutes=1), sent_at) == [inj]
    assert series.rewrites_due(sent_at, sent_at + timedelta(days=1)) == []
    first = series.period(Kind.MINUTE, inj.start, 10)
    again = series.period(Kind.MINUTE, inj.start, 10, rewritten=inj)
    factor = inj.parameters["factor"]
    assert again.stats[inj.pollutant].avg == pytest.approx(factor * first.stats[inj.pollutant].avg)


def test_clock_drift_offsets_the_device_clock_inside_its_window():
    _, series, inj, _ = injected(Problem.CLOCK_DRIFT)
    offset, rate = inj.parameters["offset_seconds"], inj.parameters["drift_seconds_per_hour"]
    assert 120 <= abs(offset) <= 900
    assert series.clock_offset(inj.start) == offset
    hour_in = inj.start + timedelta(minutes=30)
    assert series.clock_offset(hour_in) == pytest.approx(offset + rate / 2)
    assert series.clock_offset(inj.end) == 0.0 == series.clock_offset(inj.start - timedelta(1))


def test_labels_are_json_lines_with_the_agreed_fields():
    model = SignalModel(CEMS, 9)
    injections = plan(model, 9, T0, T0 + timedelta(days=1), share=1.0, kinds=list(Problem))
    assert {i.problem for i in injections} == set(Problem)
    for injection in injections:
        line = json.dumps(injection.label(CEMS), ensure_ascii=False)
        label = json.loads(line)
        assert set(label) == {
            "mn",
            "facility_id",
            "pollutant",
            "kind",
            "start",
            "end",
            "parameters",
        }
        assert (label["mn"], label["facility_id"]) == (CEMS.mn, CEMS.facility_id)
        assert label["kind"] in {p.value for p in Problem}
        assert label["pollutant"] is None or label["pollutant"] in CEMS.parameters
        start, end = datetime.fromisoformat(label["start"]), datetime.fromisoformat(label["end"])
        assert start.utcoffset() == timedelta(hours=8) and T0 <= start < end
        assert isinstance(label["parameters"], dict)


def test_only_the_share_of_facilities_is_injected_and_limits_can_be_given():
    profiles = [FacilityProfile(i, f"MN{i}", "cems", CEMS.parameters) for i in range(200)]
    hit = [p for p in profiles if plan(SignalModel(p, 1), 1, T0, T0 + timedelta(days=1))]
    assert 40 < len(hit) < 80  # default share 0.3
    model = SignalModel(CEMS, 1)
    [inj] = plan(model, 1, T0, T0 + timedelta(days=1), share=1.0, kinds=[Problem.EXCEEDANCE],
                 limits={"so2": 35.0})  # fmt: skip
    assert (inj.pollutant, inj.parameters["limit"]) == ("so2", 35.0)


# --- periods, frames, answers ----------------------------------------------------------------


def test_period_flags_follow_the_gas_and_water_rules():
    assert period_flag("NNNC", gas=True) == "N" and period_flag("NNCC", gas=True) == "C"
    assert period_flag("NNNC", gas=False) == "C" and period_flag("NNNN", gas=False) == "N"


@pytest.mark.parametrize("version", list(ProtocolVersion)[:3])
def test_uploads_parse_back_to_the_facility_parameters(version):
    series = FacilitySeries(SignalModel(CEMS, 1))
    period = series.period(Kind.HOURLY, T0 + timedelta(hours=10), 60)
    state = DeviceState(CEMS.mn, "123456", "31", version, True, clock=lambda: T0)
    [frame] = upload_frames(state, period, T0)
    packet = parse_packet(frame)
    assert packet.version is version and packet.header.cn == "2061"
    assert packet.header.ack_requested is (version is not ProtocolVersion.HJ212_2005)
    names = {r.name for r in packet.payload.pollutants.values()}
    assert names == set(CEMS.parameters)
    so2 = next(r for r in packet.payload.pollutants.values() if r.name == "so2")
    assert so2.code == ("02" if version is ProtocolVersion.HJ212_2005 else "a21026")
    assert so2.avg == pytest.approx(period.stats["so2"].avg, rel=1e-3)
    flow = next(r for r in packet.payload.pollutants.values() if r.name == "flow")
    assert flow.cou == pytest.approx(period.stats["flow"].avg * 3600, rel=1e-3)  # m³ in the hour


def test_answers_to_platform_commands():
    clock = [T0]
    state = DeviceState(WATER.mn, "123456", "32", ProtocolVersion.HJ212_2017, False,
                        clock=lambda: clock[0] + timedelta(seconds=state.adjust),
                        history=History(5))  # fmt: skip
    series = FacilitySeries(SignalModel(WATER, 1))
    for h in range(8):
        state.history.add(series.period(Kind.HOURLY, T0 + timedelta(hours=h), 60))
    assert len(state.history) == 5  # a ring buffer
    common = {"mn": WATER.mn, "pw": "123456", "st": "32", "qn": "20260302080000123"}

    answer = respond(state, parse_packet(build_get_time(**common)))
    cns = [parse_packet(f).header.cn for f in answer.replies + answer.final]
    assert cns == ["9011", "1011", "9012"]
    assert parse_packet(answer.replies[1]).payload.system_time == T0

    later = T0 + timedelta(minutes=7)
    respond(state, parse_packet(build_set_time(later, **common)))
    assert state.clock() == later
    respond(state, parse_packet(build_set_min_interval(5, **common)))
    assert state.min_interval == 5

    recall = build_data_request("2061", T0 + timedelta(hours=4), T0 + timedelta(hours=5), **common)
    answer = respond(state, parse_packet(recall))
    assert [p.data_time for p in answer.uploads] == [
        T0 + timedelta(hours=4),
        T0 + timedelta(hours=5),
    ]
    assert parse_packet(answer.final[0]).payload.exe_rtn == 1
    old = build_data_request("2061", T0, T0 + timedelta(hours=1), **common)
    assert parse_packet(respond(state, parse_packet(old)).final[0]).payload.exe_rtn == 100

    wrong = build_get_time(**{**common, "mn": "OTHER"})
    assert parse_packet(respond(state, parse_packet(wrong)).replies[0]).payload.qn_rtn == 4


def test_versions_are_assigned_by_share_and_seed():
    profiles = [FacilityProfile(i, f"MN{i}", "cems", CEMS.parameters) for i in range(3)]
    versions = assign_versions(profiles, 7, 0.34, 0.34)
    assert sorted(v.value for v in versions.values()) == sorted(
        ["HJ/T 212-2005", "HJ 212-2017", "HJ 212-2025"]
    )
    assert versions == assign_versions(profiles, 7, 0.34, 0.34)
    many = [FacilityProfile(i, f"MN{i}", "cems", CEMS.parameters) for i in range(50)]
    counts = list(assign_versions(many, 1, 0.1, 0.1).values())
    assert counts.count(ProtocolVersion.HJ212_2005) == 5 == counts.count(ProtocolVersion.HJ212_2025)


def test_injection_is_a_value():
    inj = Injection(Problem.ZEROS, T0, T0 + timedelta(minutes=10), "so2")
    assert inj.active(M0) and not inj.active(M0 + 10) and inj.sent_at is None
