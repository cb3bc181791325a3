"""Every published frame parses, every malformed one is rejected for its stated reason.

Fixtures: ``shared/data/hj212/vectors.txt`` (real packets from public repositories, each with the
CRC variant it verifies with), ``vectors_bad.txt`` (malformed packets and why) and
``appendix_c_frames.txt`` (HJ 212-2017 Appendix C examples and 2025-style requests, framed).
"""

from __future__ import annotations

import re

import pytest

from ceguan.hj212 import (
    ALL_CRC_VARIANTS,
    STANDARD_CRC_ONLY,
    CrcVariant,
    FrameSplitter,
    Hj212Error,
    Packet,
    ProtocolVersion,
    Reason,
    crc_hj212,
    parse_frame,
    parse_packet,
)
from ceguan.hj212.header import parse_header
from ceguan.hj212.payload import parse_cp_itemwise
from tests.hj212.vectors import APPENDIX_C, BAD, GOOD, Vector, expected_hj212_crc

_VERSION = {
    "v0": ProtocolVersion.HJ212_2005,
    "v1": ProtocolVersion.HJ212_2017,
    "v2": ProtocolVersion.HJ212_2025,
}


def _crc_variant(verdict: str) -> CrcVariant:
    if "crc=OK(hj212)" in verdict:
        return CrcVariant.HJ212
    if "crc=OK(modbus-byteswapped-only" in verdict:
        return CrcVariant.MODBUS_SWAPPED
    if "crc=OK(modbus-only" in verdict:
        return CrcVariant.MODBUS
    raise AssertionError(f"verdict names no CRC variant: {verdict}")


def _split_one(frame: bytes) -> list[object]:
    splitter = FrameSplitter()
    return [*splitter.feed(frame), *splitter.finish()]


@pytest.mark.parametrize("vector", GOOD, ids=lambda v: v.id)
def test_it_parses_every_published_frame_with_the_crc_its_verdict_states(vector: Vector) -> None:
    (frame,) = _split_one(vector.frame)
    packet = parse_packet(frame, accept_crc=ALL_CRC_VARIANTS)  # type: ignore[arg-type]
    assert packet.crc_variant is _crc_variant(vector.verdict)
    assert "len=OK" in vector.verdict
    assert packet.raw == vector.frame
    would_be = expected_hj212_crc(vector.verdict)
    if would_be is not None:
        assert crc_hj212(parse_frame(vector.frame).data) == would_be


@pytest.mark.parametrize("vector", GOOD, ids=lambda v: v.id)
def test_it_reports_the_header_the_verdict_describes(vector: Vector) -> None:
    packet = parse_packet(vector.frame, accept_crc=ALL_CRC_VARIANTS)
    header = packet.header
    flag = re.search(r"hdr=Flag=(\d+)\[(v\d)=[^,]*,D=(\d),A=(\d)\]", vector.verdict)
    if flag:
        assert header.flag == int(flag.group(1))
        assert packet.version is _VERSION[flag.group(2)]
        assert header.subpacket_bit is (flag.group(3) == "1")
        assert header.ack_requested is (flag.group(4) == "1")
    else:
        assert "hdr=noFlag" in vector.verdict
        assert header.flag is None
        assert packet.version is ProtocolVersion.HJ212_2005
        assert not header.ack_requested
    if "noQN" in vector.verdict:
        assert header.qn is None
    if "crc-hex-lowercase" in vector.verdict:
        assert "lower-case CRC" in packet.issues


@pytest.mark.parametrize(
    "vector",
    [v for v in GOOD if _crc_variant(v.verdict) is not CrcVariant.HJ212],
    ids=lambda v: v.id,
)
def test_it_rejects_modbus_crcs_unless_the_caller_accepts_them(vector: Vector) -> None:
    with pytest.raises(Hj212Error) as caught:
        parse_packet(vector.frame, accept_crc=STANDARD_CRC_ONLY)
    assert caught.value.reason is Reason.BAD_CRC
    assert "not accepted" in caught.value.detail
    accepted = parse_packet(vector.frame, accept_crc={_crc_variant(vector.verdict)})
    assert accepted.crc_variant is _crc_variant(vector.verdict)


def _expected_reason(vector: Vector) -> Reason:
    """Map the bad-vector verdicts and notes to reason codes."""
    if vector.verdict.startswith("crc=FAIL"):
        return Reason.BAD_CRC
    if "len=MISMATCH" in vector.verdict:
        return Reason.BAD_LENGTH
    if vector.verdict == "frame=UNPARSEABLE" and (
        "first # consumed" in vector.notes or "2-digit length field" in vector.notes
    ):
        return Reason.BAD_HEADER
    raise AssertionError(f"unmapped bad vector: {vector.verdict} / {vector.notes}")


@pytest.mark.parametrize("vector", BAD, ids=lambda v: v.id)
def test_it_rejects_every_malformed_frame_for_its_stated_reason(vector: Vector) -> None:
    expected = _expected_reason(vector)
    results: list[object] = []
    for item in _split_one(vector.frame):
        if isinstance(item, Hj212Error):
            results.append(item)
            continue
        try:
            results.append(parse_packet(item, accept_crc=ALL_CRC_VARIANTS))  # type: ignore[arg-type]
        except Hj212Error as exc:
            results.append(exc)
    assert results, "nothing came out of the splitter"
    assert not any(isinstance(r, Packet) for r in results)
    assert next(r.reason for r in results if isinstance(r, Hj212Error)) is expected
    if expected is Reason.BAD_CRC:
        # The verdict says what the standard CRC really is: ours must agree.
        assert crc_hj212(parse_frame(vector.frame).data) == expected_hj212_crc(vector.verdict)


def test_the_bad_length_frame_is_reported_with_its_actual_length() -> None:
    (vector,) = [v for v in BAD if "len=MISMATCH" in v.verdict]
    (error,) = _split_one(vector.frame)
    assert isinstance(error, Hj212Error)
    assert "declared length 121, actual 119" in error.detail
    assert error.data == vector.frame


_QUIRKS = ("stray space", "typo in standard", "U+2026", "same factor repeated")


@pytest.mark.parametrize("vector", APPENDIX_C, ids=lambda v: v.id)
def test_it_parses_every_appendix_c_frame(vector: Vector) -> None:
    (frame,) = _split_one(vector.frame)
    packet = parse_packet(frame, accept_crc=STANDARD_CRC_ONLY)  # type: ignore[arg-type]
    assert packet.crc_variant is CrcVariant.HJ212
    assert packet.header.mn.startswith("010000A8900016F000169DC0") or packet.header.mn == ""
    if "2025" in vector.source:
        assert packet.version is ProtocolVersion.HJ212_2025
    else:
        assert packet.version is ProtocolVersion.HJ212_2017
    if any(q in vector.notes for q in _QUIRKS):
        assert packet.issues, "a quirk the standard printed should be reported"
    else:
        # C.25 and C.28 also print a stray space that their notes do not mention.
        explained = {"empty MN"} | ({"whitespace in CP"} if b" " in vector.frame else set())
        assert set(packet.issues) <= explained


@pytest.mark.parametrize(
    "vector", [v for v in APPENDIX_C if "CN=9011" in v.frame.decode()], ids=lambda v: v.id
)
def test_9011_replies_carry_qn_rtn_1_and_st_91(vector: Vector) -> None:
    packet = parse_packet(vector.frame)
    assert packet.payload.qn_rtn == 1
    assert packet.header.st == "91"
    assert not packet.header.ack_requested


def test_appendix_c_uploads_have_their_values() -> None:
    """HJ 212-2017 C.16: a minute upload of wastewater flow, pH and COD."""
    (vector,) = [v for v in APPENDIX_C if "C.16" in v.source and "CN=2051" in v.frame.decode()]
    payload = parse_packet(vector.frame).payload
    assert payload.data_time is not None and payload.data_time.isoformat() == (
        "2016-08-01T08:40:00+08:00"
    )
    flow, ph, cod = (payload.pollutants[c] for c in ("w00000", "w01001", "w01018"))
    assert (flow.name, flow.cou, flow.min, flow.avg, flow.max, flow.flag) == (
        "water_flow",
        10.5,
        16.4,
        17.5,
        20.1,
        "N",
    )
    assert (ph.name, ph.avg, ph.cou) == ("ph", 7.5, None)
    assert (cod.name, cod.unit, cod.cou, cod.avg) == ("cod", "mg/L", 10.5, 40.1)
    assert "item without '=': '…'" in payload.issues


def test_the_chinese_log_frame_counts_utf8_bytes() -> None:
    """C.40: 144 characters, 152 UTF-8 bytes; length and CRC (9741) are over the bytes."""
    (vector,) = [v for v in APPENDIX_C if "C.40" in v.source and "CN=3020" in v.frame.decode()]
    packet = parse_packet(vector.frame)
    (info,) = packet.payload.info
    assert (info.code, info.pol_id, info.text, info.name) == (
        "i11001",
        "w01018",
        "清洗管路",
        "instrument_log",
    )
    assert vector.frame[2:6] == b"0152"
    assert vector.frame[-6:-2] == b"9741"


@pytest.mark.parametrize("vector", GOOD + APPENDIX_C, ids=lambda v: v.id)
def test_the_cached_plan_path_agrees_with_the_general_parsers(vector: Vector) -> None:
    """A layout seen before is parsed by its cached plan; the result must not change."""
    first = parse_packet(vector.frame, accept_crc=ALL_CRC_VARIANTS)
    again = parse_packet(vector.frame, accept_crc=ALL_CRC_VARIANTS)
    data = parse_frame(vector.frame).data.decode("utf-8")
    header = parse_header(data)
    payload = parse_cp_itemwise(data[data.find("CP=&&") + 5 : -2], header.st)
    assert first.header == again.header == header
    assert first.payload == again.payload == payload
