"""Sub-packet reassembly (PNUM/PNO, HJ 212-2017 Appendix C.49–C.50)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ceguan.hj212 import (
    BEIJING,
    AssembledMessage,
    Packet,
    PollutantRecord,
    Reason,
    ReassemblyError,
    SubpacketAssembler,
    build_raw_frame,
    build_split_upload,
    build_upload,
    parse_packet,
)
from tests.hj212.vectors import APPENDIX_C

T0 = datetime(2016, 8, 1, 8, 0, tzinfo=BEIJING)


def parts(section: str) -> list[Packet]:
    return [
        parse_packet(v.frame)
        for v in APPENDIX_C
        if section in v.source and "PNUM=" in v.frame.decode()
    ]


def split_upload(mn: str = "MN1", count: int = 90) -> list[Packet]:
    pollutants = [PollutantRecord(f"a{i:05d}", avg=float(i), flag="N") for i in range(count)]
    frames = build_split_upload(
        "2061", mn=mn, pw="1", st="31", qn=T0, data_time=T0, pollutants=pollutants
    )
    return [parse_packet(f) for f in frames]


def test_the_standards_split_hourly_upload_is_reassembled() -> None:
    """C.49: two parts, own QNs (…534, …535), same DataTime; merged pollutants in order."""
    first, second = parts("C.49")
    assembler = SubpacketAssembler(timeout=30)
    assert assembler.add(first, now=0.0) == []
    assert assembler.pending == 1
    (message,) = assembler.add(second, now=1.0)
    assert isinstance(message, AssembledMessage)
    assert message.parts == (first, second)
    assert list(message.payload.pollutants) == ["w00000", "w01001", "w01018"]
    assert message.payload.data_time == T0
    assert message.header is first.header
    assert assembler.pending == 0


def test_parts_may_arrive_in_any_order_and_repeats_are_ignored() -> None:
    packets = split_upload()
    assert len(packets) >= 3
    assembler = SubpacketAssembler(timeout=30)
    out: list[object] = []
    for p in [packets[-1], *packets[:-1], packets[0]][::-1]:
        out += assembler.add(p, now=0.0)
    (message,) = out
    assert isinstance(message, AssembledMessage)
    assert [p.header.pno for p in message.parts] == list(range(1, len(packets) + 1))
    assert list(message.payload.pollutants) == [f"a{i:05d}" for i in range(90)]


def test_an_unsplit_packet_comes_straight_back() -> None:
    packet = parse_packet(
        build_upload("2011", mn="M", pw="1", st="31", qn=T0, data_time=T0, pollutants=[])
    )
    (message,) = SubpacketAssembler(timeout=1).add(packet, now=0.0)
    assert isinstance(message, AssembledMessage) and message.parts == (packet,)


def test_groups_are_keyed_by_device_command_and_data_time_not_qn() -> None:
    a, b = split_upload("A"), split_upload("B")
    assembler = SubpacketAssembler(timeout=30)
    out: list[object] = []
    for pa, pb in zip(a, b, strict=True):
        out += assembler.add(pa, 0.0) + assembler.add(pb, 0.0)
    assert [m.header.mn for m in out] == ["A", "B"]  # type: ignore[attr-defined]


def test_incomplete_messages_expire_after_the_timeout() -> None:
    first, _ = parts("C.50")
    assembler = SubpacketAssembler(timeout=30)
    assembler.add(first, now=100.0)
    assert assembler.expire(now=129.0) == []
    (error,) = assembler.expire(now=131.0)
    assert error.reason is Reason.SUBPACKET_TIMEOUT
    assert error.data == first.raw and "got PNO [1] of PNUM=2" in error.detail
    assert assembler.pending == 0


def test_memory_is_bounded_by_max_messages() -> None:
    assembler = SubpacketAssembler(timeout=30, max_messages=2)
    firsts = [split_upload(f"M{i}")[0] for i in range(3)]
    assert assembler.add(firsts[0], 0.0) == [] and assembler.add(firsts[1], 0.0) == []
    (dropped,) = assembler.add(firsts[2], 0.0)
    assert isinstance(dropped, ReassemblyError) and dropped.reason is Reason.SUBPACKET_OVERFLOW
    assert dropped.data == firsts[0].raw
    assert assembler.pending == 2


@pytest.mark.parametrize(("pnum", "pno"), [(2, 0), (2, 3), (100, 1)])
def test_inconsistent_or_oversized_subpackets_are_rejected(pnum: int, pno: int) -> None:
    frame = build_upload(
        "2061", mn="M", pw="1", st="31", qn=T0, data_time=T0, pollutants=[], pnum=pnum, pno=1
    )
    if pno != 1:  # the builder refuses PNO outside 1..PNUM, so edit a built frame
        frame = build_raw_frame(frame[6:-6].replace(b"PNO=1", b"PNO=%d" % pno))
    (error,) = SubpacketAssembler(timeout=1, max_parts=64).add(parse_packet(frame), 0.0)
    assert isinstance(error, ReassemblyError) and error.reason is Reason.BAD_SUBPACKET


def test_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="positive"):
        SubpacketAssembler(timeout=0)
