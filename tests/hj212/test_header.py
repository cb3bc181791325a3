"""Header fields and protocol version (HJ 212-2017 §6.3.2–6.3.3, Table 3; HJ/T 212-2005)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ceguan.hj212 import (
    BEIJING,
    PacketError,
    ProtocolVersion,
    Reason,
    build_flag,
    parse_header,
    version_from_flag,
)

V2005, V2017, V2025 = (
    ProtocolVersion.HJ212_2005,
    ProtocolVersion.HJ212_2017,
    ProtocolVersion.HJ212_2025,
)


@pytest.mark.parametrize(
    ("flag", "version", "ack", "d_bit"),
    [
        (None, V2005, False, False),
        (0, V2005, False, False),
        (3, V2005, True, True),
        (4, V2017, False, False),
        (5, V2017, True, False),
        (6, V2017, False, True),
        (7, V2017, True, True),
        (8, V2025, False, False),
        (9, V2025, True, False),
        (11, V2025, True, True),
        (12, ProtocolVersion.UNKNOWN, False, False),
    ],
)
def test_flag_bits(flag: int | None, version: ProtocolVersion, ack: bool, d_bit: bool) -> None:
    """Flag = V5..V0 D A (HJ 212-2017 §6.3.3.2); 2025 uses version 2 (hj212.md §0)."""
    text = "ST=32;CN=2011;MN=X;" + (f"Flag={flag};" if flag is not None else "")
    header = parse_header(text)
    assert version_from_flag(flag) is version
    assert (header.version, header.ack_requested, header.subpacket_bit) == (version, ack, d_bit)


@pytest.mark.parametrize("version", [V2005, V2017, V2025])
def test_build_flag_round_trips(version: ProtocolVersion) -> None:
    for ack in (False, True):
        for split in (False, True):
            flag = build_flag(version, ack=ack, subpackets=split)
            header = parse_header(f"ST=32;CN=2011;MN=X;Flag={flag};")
            assert (header.version, header.ack_requested, header.subpacket_bit) == (
                version,
                ack,
                split,
            )


def test_it_reads_a_2017_header() -> None:
    header = parse_header(
        "QN=20160801085857223;ST=32;CN=2061;PW=123456;MN=010000A8900016F000169DC0;Flag=7;"
        "PNUM=2;PNO=1;CP=&&DataTime=20160801080000&&"
    )
    assert (header.qn, header.st, header.cn, header.pw, header.mn) == (
        "20160801085857223",
        "32",
        "2061",
        "123456",
        "010000A8900016F000169DC0",
    )
    assert (header.flag, header.pnum, header.pno, header.is_split) == (7, 2, 1, True)
    assert header.qn_time == datetime(2016, 8, 1, 8, 58, 57, 223000, tzinfo=BEIJING)
    assert header.issues == ()


def test_it_reads_a_2005_upload_without_qn_or_flag() -> None:
    header = parse_header("ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=1&&")
    assert header.version is V2005 and header.qn is None and header.flag is None
    assert not header.ack_requested and not header.is_split


def test_2005_requests_set_the_d_bit_without_subpackets() -> None:
    """vectors.txt: 2005 requests send Flag=3 without PNUM/PNO; is_split trusts PNUM/PNO."""
    header = parse_header("QN=20170516010101001;ST=22;CN=1011;PW=123456;MN=ABC;Flag=3;")
    assert header.subpacket_bit and not header.is_split and header.issues == ()


def test_keys_are_read_by_name_in_any_order_and_quirks_are_listed() -> None:
    header = parse_header("MN=X;PW=1;FLAG=4;CN=2051;ST=31;PNO=0002;PNUM=0002;QN=1617936069734")
    assert (header.cn, header.st, header.flag, header.pno, header.pnum) == ("2051", "31", 4, 2, 2)
    assert header.qn_time is not None and header.qn_time.year == 2021  # 13-digit epoch ms
    quirky = parse_header("QN=20160801085857534,ST=32;CN=2031;PW=1;MN=X; Flag=5CP=&&&&")
    assert quirky.flag == 5
    assert set(quirky.issues) == {"header separator ','", "header key ' Flag'", "no ';' before CP"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("QN=1;CN=2011;MN=X;", Reason.MISSING_FIELD),
        ("ST=32;MN=X;", Reason.MISSING_FIELD),
        ("ST=32;CN=2011;", Reason.MISSING_FIELD),
        ("ST=32;CN=20x1;MN=X;", Reason.BAD_FIELD),
        ("ST=32;CN=20111;MN=X;", Reason.BAD_FIELD),
        ("ST=;CN=2011;MN=X;", Reason.BAD_FIELD),
        ("ST=32;CN=2011;MN=X;Flag=256;", Reason.BAD_FIELD),
        ("ST=32;CN=2011;MN=X;Flag=-1;", Reason.BAD_FIELD),
        ("ST=32;CN=2011;MN=X;Flag=;", Reason.BAD_FIELD),
        ("ST=32;CN=2011;MN=X;PNUM=two;PNO=1;", Reason.BAD_FIELD),
    ],
)
def test_it_rejects_missing_and_malformed_fields(text: str, reason: Reason) -> None:
    with pytest.raises(PacketError) as caught:
        parse_header(text)
    assert caught.value.reason is reason
    assert caught.value.data == text.encode()


def test_empty_qn_and_mn_are_tolerated_and_reported() -> None:
    header = parse_header("QN=;ST=91;CN=9013;PW=1;MN=;Flag=8;")
    assert header.qn is None and header.mn == ""
    assert header.issues == ("empty QN", "empty MN")
