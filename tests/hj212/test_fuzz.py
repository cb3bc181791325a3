"""Hostile input never raises anything but the library's typed errors, and buffers stay bounded."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceguan.hj212 import (
    ALL_CRC_VARIANTS,
    Frame,
    FrameSplitter,
    FramingError,
    Hj212Error,
    PacketError,
    SubpacketAssembler,
    build_raw_frame,
    parse_cp,
    parse_frame,
    parse_header,
    parse_packet,
)
from ceguan.hj212.payload import parse_cp_itemwise
from tests.hj212.strategies import cp_texts
from tests.hj212.vectors import APPENDIX_C, BAD, GOOD

FRAMES = [v.frame for v in GOOD + BAD + APPENDIX_C]
ALPHABET = b"#0123456789\r\n&;,=-ACDEFMNPQSTWadgiw. \xe2\x80\xa6\xff"


def _frames_and_noise() -> st.SearchStrategy[bytes]:
    piece = st.one_of(
        st.sampled_from(FRAMES),
        st.binary(max_size=40),
        st.lists(st.sampled_from(list(ALPHABET)), max_size=60).map(bytes),
        st.sampled_from([b"##", b"#", b"\r\n", b"##0101", b"##9999", b"&&1C80\r\n"]),
    )
    return st.lists(piece, max_size=12).map(b"".join)


def _mutated(frame: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    data = bytearray(frame)
    for kind, where, byte in edits:
        at = where % (len(data) + 1)
        if kind == 0 and at < len(data):
            data[at] = byte
        elif kind == 1:
            data.insert(at, byte)
        elif data and at < len(data):
            del data[at]
    return bytes(data)


def _chunks(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    return [stream[a:b] for a, b in itertools.pairwise(points)]


def _consume(splitter: FrameSplitter, chunks: list[bytes]) -> list[Frame | FramingError]:
    out: list[Frame | FramingError] = []
    for chunk in chunks:
        items = splitter.feed(chunk)
        assert splitter.buffered < splitter.max_frame_size
        for item in items:
            assert isinstance(item, Frame | FramingError)
        out += items
    return out + splitter.finish()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    _frames_and_noise(),
    st.lists(st.integers(0, 10**6), max_size=20),
    st.sampled_from([64, 300, 1036, 4096]),
    st.booleans(),
)
def test_the_splitter_accounts_for_every_byte_and_stays_bounded(
    stream: bytes, cuts: list[int], max_size: int, lenient: bool
) -> None:
    splitter = FrameSplitter(max_frame_size=max_size, lenient_length=lenient)
    out = _consume(splitter, _chunks(stream, cuts))
    # Every byte ends up in exactly one frame or error, in order: nothing lost, nothing invented.
    assert b"".join(x.raw if isinstance(x, Frame) else x.data for x in out) == stream
    assert all(len(x.raw) <= max_size for x in out if isinstance(x, Frame))
    # How the stream was cut into reads does not matter.
    again = _consume(FrameSplitter(max_frame_size=max_size, lenient_length=lenient), [stream])
    assert [x.raw for x in out if isinstance(x, Frame)] == [
        x.raw for x in again if isinstance(x, Frame)
    ]


@settings(max_examples=300)
@given(
    st.sampled_from(FRAMES),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5000), st.integers(0, 255)), max_size=4),
    st.lists(st.integers(0, 5000), max_size=3),
)
def test_mutated_frames_raise_only_typed_errors(
    frame: bytes, edits: list[tuple[int, int, int]], cuts: list[int]
) -> None:
    stream = _mutated(frame, edits) + frame
    for item in _consume(FrameSplitter(), _chunks(stream, cuts)):
        if isinstance(item, Frame):
            with contextlib.suppress(Hj212Error):
                parse_packet(item, accept_crc=ALL_CRC_VARIANTS)
    with contextlib.suppress(Hj212Error):
        parse_packet(_mutated(frame, edits))


_segment_text = st.text(
    alphabet=st.sampled_from(list("QNSTCPWMFlagU=;,&-_.0123456789 aw…中/\t")), max_size=200
)


@settings(max_examples=300)
@given(_segment_text, _segment_text)
def test_well_framed_nonsense_raises_only_packet_errors(head: str, cp: str) -> None:
    """Valid length and CRC, so header and CP parsing see arbitrary text."""
    for segment in (f"{head}CP=&&{cp}&&", head, f"ST=32;CN=2011;MN=1;CP=&&{cp}&&"):
        frame = build_raw_frame(segment)
        try:
            packet = parse_packet(parse_frame(frame))
        except PacketError:
            continue
        assert packet.raw == frame


@given(st.text(max_size=300), st.sampled_from([None, "31", "32", "22"]))
def test_parse_cp_and_parse_header_raise_only_packet_errors(text: str, system: str | None) -> None:
    for parse in (lambda: parse_cp(text, system), lambda: parse_header(text)):
        with contextlib.suppress(PacketError):
            parse()


@given(st.binary(max_size=2000))
def test_parse_packet_on_random_bytes_raises_only_typed_errors(data: bytes) -> None:
    for raw in (data, b"##%04d" % len(data) + data + b"0000\r\n"):
        with contextlib.suppress(Hj212Error):
            parse_packet(raw, accept_crc=ALL_CRC_VARIANTS)


@settings(max_examples=100)
@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(0, 6), st.sampled_from("AB")), max_size=40)
)
def test_the_assembler_stays_bounded(parts: list[tuple[int, int, str]]) -> None:
    assembler = SubpacketAssembler(timeout=10, max_messages=3, max_parts=4)
    for step, (pnum, pno, mn) in enumerate(parts):
        segment = (
            f"QN={step};ST=31;CN=2061;PW=1;MN={mn};Flag=6;PNUM={pnum};PNO={pno};"
            f"CP=&&DataTime=2016080108{step % 3:02d}00;a{pno}-Avg=1&&"
        )
        packet = parse_packet(build_raw_frame(segment))
        for event in assembler.add(packet, now=float(step)):
            assert isinstance(event, Hj212Error) or len(event.parts) == packet.header.pnum
        assert assembler.pending <= 3
        assembler.expire(now=float(step))


_header_item = st.tuples(
    st.sampled_from(["QN", "ST", "CN", "PW", "MN", "Flag", "FLAG", "PNUM", "PNO", "XX", " ST"]),
    st.sampled_from(["", "1", "31", "2051", "20160801085857223", "5", "256", "a b", "0002"]),
).map("=".join)
_headers = st.lists(_header_item, max_size=9).map(lambda items: "".join(i + ";" for i in items))


@settings(max_examples=300)
@given(_headers, st.sampled_from(["ST=32;CN=2051;MN=M;", ""]), cp_texts)
def test_the_cached_plan_path_equals_the_general_parsers(head: str, base: str, cp: str) -> None:
    frame = build_raw_frame(f"{base}{head}CP=&&{cp}&&")

    def outcome() -> object:
        try:
            packet = parse_packet(frame)
        except PacketError as exc:
            return (exc.reason, exc.detail)
        return (packet.header, packet.payload)

    first, second = outcome(), outcome()  # the second meets a layout seen before
    assert first == second
    text = frame[6:-6].decode()
    try:
        header = parse_header(text)
        general: object = (header, parse_cp_itemwise(text[text.find("CP=&&") + 5 : -2], header.st))
    except PacketError as exc:
        general = (exc.reason, exc.detail)
    assert second == general


def test_the_parser_caches_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streams of never-repeating keys must not grow memory (plans, headers, key cache)."""
    from ceguan.hj212 import cp_items, cp_plan

    monkeypatch.setattr(cp_plan, "PLAN_CACHE_MAX", 50)
    monkeypatch.setattr(cp_plan, "HEADER_CACHE_MAX", 50)
    monkeypatch.setattr(cp_items, "KEY_CACHE_MAX", 200)
    for i in range(400):
        frame = build_raw_frame(f"ST=32;CN=2011;MN=M{i};CP=&&k{i}-Rtd=1;x{i}=2&&")
        parse_packet(frame)
        parse_packet(frame)
        assert cp_plan._plan_count() <= 50
        assert len(cp_plan._HEADERS) <= 50
        assert len(cp_items.KEY_CACHE) <= 200


@settings(max_examples=300)
@given(
    st.sampled_from(FRAMES),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5000), st.integers(0, 255)), max_size=3),
)
def test_parse_frame_agrees_with_the_splitter(
    frame: bytes, edits: list[tuple[int, int, int]]
) -> None:
    raw = _mutated(frame, edits)
    out = _consume(FrameSplitter(), [raw])
    try:
        single = parse_frame(raw)
    except FramingError:
        single = None
    if len(out) == 1 and isinstance(out[0], Frame) and out[0].raw == raw:
        assert single == out[0]
    elif single is not None:
        assert single.raw in (raw, raw + b"\r\n")
