"""The CP data area → typed records (HJ 212-2017 §6.3.3, Table 4, Appendix B)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceguan.hj212 import BEIJING, PacketError, Reason, RunState, parse_cp
from ceguan.hj212.cp_plan import parse_planned
from ceguan.hj212.payload import parse_cp_itemwise
from tests.hj212.strategies import cp_texts

MINUTE = (
    "DataTime=20160801084000;a21026-Cou=1.5,a21026-Min=12.1,a21026-Avg=30.25,a21026-Max=41.3,"
    "a21026-ZsAvg=40.2,a21026-Flag=N;a19001-Avg=9.8,a19001-Flag=N;a34013-Avg=3.1,a34013-Flag=D,"
    "a34013-EFlag=A01;02-Avg=-1.5,02-Flag=N;xyz9-Avg=7,xyz9-Flag=N"
)


def test_it_parses_a_minute_upload() -> None:
    payload = parse_cp(MINUTE, "31")
    assert payload.data_time == datetime(2016, 8, 1, 8, 40, tzinfo=BEIJING)
    so2 = payload.pollutants["a21026"]
    assert (so2.name, so2.unit, so2.known) == ("so2", "mg/m3", True)
    assert (so2.cou, so2.min, so2.avg, so2.max, so2.zs_avg, so2.flag) == (
        1.5,
        12.1,
        30.25,
        41.3,
        40.2,
        "N",
    )
    assert so2.rtd is None and so2.zs_rtd is None and so2.eflag is None
    assert payload.pollutants["a34013"].name == "particulate"
    assert payload.pollutants["a34013"].eflag == "A01"
    assert payload.pollutants["02"].name == "so2"  # the 2005 code of SO2
    assert payload.pollutants["02"].avg == -1.5  # negative values occur
    assert list(payload.pollutants) == ["a21026", "a19001", "a34013", "02", "xyz9"]
    assert payload.issues == ()


def test_unknown_codes_pass_through_flagged() -> None:
    unknown = parse_cp(MINUTE, "31").pollutants["xyz9"]
    assert (unknown.code, unknown.name, unknown.unit, unknown.known, unknown.avg) == (
        "xyz9",
        None,
        None,
        False,
        7.0,
    )


def test_a_2005_code_is_trusted_only_in_its_medium() -> None:
    """A flue-gas device (ST=31) in vectors.txt sends '023' (2005: total chromium in water)."""
    assert parse_cp("023-Rtd=1", "31").pollutants["023"].name is None
    assert parse_cp("023-Rtd=1", "32").pollutants["023"].name == "cr"
    assert parse_cp("023-Rtd=1").pollutants["023"].name == "cr"


def test_factor_names_with_dashes_split_on_the_last_dash() -> None:
    payload = parse_cp("Nh3-scr-Rtd=1.5,Nh3-scr-Flag=N")
    assert payload.pollutants["Nh3-scr"].rtd == 1.5


def test_sample_time_and_sn() -> None:
    payload = parse_cp(
        "DataTime=20231008123340;w01008-SampleTime=20231008123340,w01008-Rtd=123.456;"
        "PolId=w01018;w01018-SN=010000A8900016F000169DC1"
    )
    assert payload.pollutants["w01008"].sample_time == datetime(
        2023, 10, 8, 12, 33, 40, tzinfo=BEIJING
    )
    assert payload.pollutants["w01018"].sn == "010000A8900016F000169DC1"
    assert payload.pol_id == "w01018"


def test_device_states_and_run_times() -> None:
    """CN 2021 ``SBx-RS`` and CN 2041 ``SBx-RT`` (HJ 212-2017 C.15, C.19)."""
    payload = parse_cp("DataTime=20160801085857;SB1-RS=1;SB2-RS=4;SB3-RS=9;SB1-RT=1.1")
    assert payload.devices["SB1"].run_state is RunState.RUNNING
    assert payload.devices["SB1"].run_time == 1.1
    assert payload.devices["SB2"].run_state is RunState.ALARM
    assert payload.devices["SB3"].run_state == 9  # unknown states pass through as int


def test_site_information_keeps_its_pol_id_and_log_text() -> None:
    """CN 3020 (C.40–C.44): ``//logs//`` may contain separators."""
    payload = parse_cp(
        "DataTime=20160801085857;PolId=w01018;i11001-Info=//清洗;管路,完成=是//;"
        "PolId=w21003;i12001-Info=1;i13004-Info=168.0"
    )
    log, state, temperature = payload.info
    assert (log.code, log.pol_id, log.text, log.name) == (
        "i11001",
        "w01018",
        "清洗;管路,完成=是",
        "instrument_log",
    )
    assert (state.pol_id, state.number, state.name) == ("w21003", 1.0, "instrument_work_state")
    assert temperature.number == 168.0
    assert payload.repeated["PolId"] == ("w01018", "w21003")
    spaced = parse_cp("PolId=w01018; i11001-Info=//a = b; c//").info[0]
    assert spaced.text == "a = b; c"  # whitespace is normalised outside logs only


def test_reply_and_interval_fields_are_typed() -> None:
    assert parse_cp("QnRtn=1").qn_rtn == 1
    assert parse_cp("ExeRtn=100").exe_rtn == 100
    assert parse_cp("RtdInterval=30").rtd_interval == 30
    assert parse_cp("MinInterval=10").min_interval == 10
    assert (parse_cp("OverTime=5;ReCount=3").over_time, parse_cp("ReCount=3").re_count) == (5, 3)
    window = parse_cp("BeginTime=20170506000000,EndTime=20170510000000")
    assert window.begin_time == datetime(2017, 5, 6, tzinfo=BEIJING)
    assert window.end_time == datetime(2017, 5, 10, tzinfo=BEIJING)
    assert parse_cp("SystemTime=20250221142331414").system_time == datetime(
        2025, 2, 21, 14, 23, 31, 414000, tzinfo=BEIJING
    )
    assert parse_cp("DataTime=20231008130452;RestartTime=20231007130452").restart_time == (
        datetime(2023, 10, 7, 13, 4, 52, tzinfo=BEIJING)
    )
    assert parse_cp("QN=20170516010101001").fields["QN"] == "20170516010101001"  # 2005 reply


@pytest.mark.parametrize(
    "cp",
    [
        "DataTime=2016080108",
        "DataTime=20161301000000",
        "SystemTime=abc",
        "BeginTime=20170506000000;EndTime=",
        "QnRtn=one",
        "ExeRtn=-1",
        "RtdInterval=3.5",
    ],
)
def test_malformed_typed_fields_are_bad_field(cp: str) -> None:
    with pytest.raises(PacketError) as caught:
        parse_cp(cp)
    assert caught.value.reason is Reason.BAD_FIELD


def test_tolerated_quirks_are_listed_in_issues() -> None:
    payload = parse_cp(
        " DataTime=20160801085857; LA-Rtd=50.1;;a34001-Rtd=92;Flag=N;e01001-Rtd=1.1;"
        "e01001-Rtd=2.2…;w01001-rtd=7;w01018-Avg=abc;w01018-Avg=nan;…;"
    )
    assert payload.pollutants["LA"].rtd == 50.1
    assert payload.pollutants["a34001"].flag == "N"  # bare Flag after a factor
    assert payload.pollutants["e01001"].rtd == 1.1  # first value wins
    assert payload.pollutants["w01001"].rtd == 7.0  # suffix case
    assert payload.pollutants["w01018"].avg is None
    assert payload.pollutants["w01018"].extra == {"Avg": "abc"}
    assert payload.issues == (
        "whitespace in CP",
        "bare Flag item attached to a34001",
        "repeated e01001-Rtd",
        "suffix case w01001-rtd",
        "bad value w01018-Avg='abc'",
        "bad value w01018-Avg='nan'",
        "item without '=': '…'",
    )


def test_other_suffixes_are_kept_raw() -> None:
    record = parse_cp("a01006-Avg=101.85,a01006-ValidNum=10,a01006-TotalNum=10").pollutants[
        "a01006"
    ]
    assert record.avg == 101.85 and record.extra == {"ValidNum": "10", "TotalNum": "10"}


def test_empty_cp() -> None:
    payload = parse_cp("")
    assert payload.pollutants == {} and payload.fields == {} and payload.data_time is None


# --- the cached-plan fast path gives exactly what the item-by-item parser gives ---------------


def _outcome(parse: Callable[[], object]) -> object:
    try:
        return parse()
    except PacketError as exc:
        return (exc.reason, exc.detail)


@given(cp_texts, st.sampled_from([None, "31", "32"]))
def test_the_fast_path_equals_the_item_by_item_parser(cp: str, system: str | None) -> None:
    slow = _outcome(lambda: parse_cp_itemwise(cp, system))
    assert _outcome(lambda: parse_cp(cp, system)) == slow
    if cp.isascii():
        _outcome(lambda: parse_planned(b"", cp.encode(), system))  # first sighting: no plan yet
        fast = _outcome(lambda: parse_planned(b"", cp.encode(), system))
        if fast is not None:
            assert (fast[1] if isinstance(fast, tuple) and fast[0] is None else fast) == slow


def test_the_fast_path_is_taken_for_a_well_formed_cp_seen_before() -> None:
    cp = MINUTE.replace("xyz9", "xyz8").encode()  # a layout no other test used
    assert parse_planned(b"", cp, "31") is None  # first sighting: the general parser runs
    assert parse_planned(b"", cp, "31") is not None
    assert parse_planned(b"", b"a=1;;b=2", None) is None
    assert parse_planned(b"", b"a=1=2;b", None) is None
