"""Time fields are Beijing time, ``YYYYMMDDhhmmss`` (HJ 212-2017 Table 4, N14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ceguan.hj212 import (
    BEIJING,
    PacketError,
    Reason,
    format_hj_time,
    format_qn,
    parse_hj_time,
    parse_qn,
)


def test_beijing_is_utc_plus_8_without_dst() -> None:
    assert BEIJING.utcoffset(None) == timedelta(hours=8)
    assert parse_hj_time("20160801085857") == datetime(2016, 8, 1, 0, 58, 57, tzinfo=UTC)
    assert parse_hj_time("20160801085857223").microsecond == 223000


def test_formatting_converts_to_beijing() -> None:
    moment = datetime(2016, 7, 31, 16, 0, 0, 5000, tzinfo=UTC)
    assert format_hj_time(moment) == "20160801000000"
    assert format_qn(moment) == "20160801000000005"
    assert parse_qn(format_qn(moment)) == moment


@pytest.mark.parametrize(
    "text",
    ["", "2016080108585", "201608010858570", "20161301085857", "2016080108585x", "٢٠١٦٠٨٠١٠٨٥٨٥٧"],
)
def test_malformed_times_are_bad_field(text: str) -> None:
    with pytest.raises(PacketError) as caught:
        parse_hj_time(text)
    assert caught.value.reason is Reason.BAD_FIELD


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(PacketError, match="naive"):
        format_hj_time(datetime(2016, 8, 1))


def test_qn_forms() -> None:
    assert parse_qn("1617936069734") == datetime(2021, 4, 9, 10, 41, 9, 734000, tzinfo=BEIJING)
    assert parse_qn("20160801085857223") == datetime(2016, 8, 1, 8, 58, 57, 223000, tzinfo=BEIJING)
    assert parse_qn("abc") is None and parse_qn("20161301085857223") is None
