"""``values_of``: a parsed upload's records → the store's values (pure, no database)."""

from __future__ import annotations

from datetime import datetime

from ceguan.hj212 import BEIJING, CpPayload, PollutantRecord
from ceguan.telemetry.receiver.values import values_of
from ceguan.telemetry.store import IncomingValue

T = datetime(2026, 3, 2, 8, 0, tzinfo=BEIJING)


def payload(*records: PollutantRecord) -> CpPayload:
    return CpPayload(T, {r.code: r for r in records})


def test_period_values_take_avg_min_max_cou_and_the_converted_average() -> None:
    so2 = PollutantRecord("a21026", rtd=1.0, min=2.0, avg=3.0, max=4.0, cou=5.0, zs_rtd=6.0,
                          zs_avg=7.0, flag="N", name="so2")  # fmt: skip
    values, unknown = values_of("2051", payload(so2))
    assert values == [IncomingValue("so2", "minute", T, 3.0, 2.0, 4.0, 5.0, 7.0, "N")]
    assert type(values[0]) is IncomingValue and values[0].converted == 7.0 and unknown == []


def test_realtime_values_take_rtd_and_the_converted_rtd() -> None:
    so2 = PollutantRecord("a21026", rtd=1.0, min=2.0, avg=3.0, cou=5.0, zs_rtd=6.0, name="so2")
    values, _ = values_of("2011", payload(so2))
    assert values == [IncomingValue("so2", "realtime", T, 1.0, None, None, 5.0, 6.0, "")]


def test_flags_are_cut_to_four_characters_and_nul_made_storable() -> None:
    records = [
        PollutantRecord("a21026", avg=1.0, flag="Nabcdef", name="so2"),
        PollutantRecord("a21002", avg=2.0, flag="N\x00xyz", name="nox"),
        PollutantRecord("a19001", avg=3.0, flag="", name="o2"),
    ]
    values, _ = values_of("2061", payload(*records))
    assert [v.flag for v in values] == ["Nabc", "N\ufffdxy", ""]


def test_unknown_codes_repeated_names_and_empty_records_are_left_out() -> None:
    records = [
        PollutantRecord("x99999", avg=1.0),
        PollutantRecord("a21026", avg=2.0, name="so2"),
        PollutantRecord("02", avg=9.0, name="so2"),  # the 2005 code of the same factor
        PollutantRecord("a21002", eflag="A01", name="nox"),  # neither a number nor a flag
        PollutantRecord("a19001", flag="D", name="o2"),  # a flag alone is kept
    ]
    values, unknown = values_of("2031", payload(*records))
    assert [(v.pollutant, v.value, v.flag) for v in values] == [("so2", 2.0, ""), ("o2", None, "D")]
    assert unknown == ["x99999"]
    rt, _ = values_of("2011", payload(PollutantRecord("a21002", avg=2.0, name="nox")))
    assert rt == []  # real-time takes -Rtd only
