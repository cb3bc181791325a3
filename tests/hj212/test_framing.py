"""Framing a TCP byte stream (HJ 212-2017 §6.3.1): sticky and half packets, garbage, resync."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ceguan.hj212 import (
    DEFAULT_MAX_FRAME_SIZE,
    Frame,
    FrameSplitter,
    FramingError,
    Reason,
    build_raw_frame,
    parse_frame,
    parse_packet,
)
from tests.hj212.vectors import APPENDIX_C, GOOD

FRAMES = [v.frame for v in GOOD + APPENDIX_C]
SEGMENT = (
    "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
    "CP=&&RtdInterval=30&&"
)
A_FRAME = b"##0101" + SEGMENT.encode() + b"1C80\r\n"


def feed_all(splitter: FrameSplitter, chunks: list[bytes]) -> list[Frame | FramingError]:
    out: list[Frame | FramingError] = []
    for chunk in chunks:
        out += splitter.feed(chunk)
    return out + splitter.finish()


def test_it_builds_the_appendix_a_frame() -> None:
    assert build_raw_frame(SEGMENT) == A_FRAME


def test_it_cuts_a_stream_of_glued_frames() -> None:
    """粘包: every vector glued into one read comes out as the same frames, in order."""
    out = feed_all(FrameSplitter(), [b"".join(FRAMES)])
    assert [f.raw for f in out if isinstance(f, Frame)] == FRAMES
    assert not [e for e in out if isinstance(e, FramingError)]


def test_it_reassembles_frames_fed_one_byte_at_a_time() -> None:
    """半包: reads that cut frames anywhere give the same frames."""
    stream = b"".join(FRAMES[:40])
    splitter = FrameSplitter()
    out = feed_all(splitter, [stream[i : i + 1] for i in range(len(stream))])
    assert [f.raw for f in out if isinstance(f, Frame)] == FRAMES[:40]


@pytest.mark.parametrize("size", [2, 7, 64, 1000, 4096])
def test_chunk_size_does_not_change_the_result(size: int) -> None:
    stream = b"junk" + b"".join(FRAMES[:60]) + b"\x00\xff##xx" + A_FRAME
    whole = feed_all(FrameSplitter(), [stream])
    chunked = feed_all(FrameSplitter(), [stream[i : i + size] for i in range(0, len(stream), size)])
    assert [f.raw for f in chunked if isinstance(f, Frame)] == [
        f.raw for f in whole if isinstance(f, Frame)
    ]
    assert b"".join(e.data for e in chunked if isinstance(e, FramingError)) == b"".join(
        e.data for e in whole if isinstance(e, FramingError)
    )


def test_it_reports_garbage_between_frames_and_resynchronises() -> None:
    out = feed_all(FrameSplitter(), [b"AT+OK\r\n" + A_FRAME + b"\x00\x01noise" + A_FRAME])
    kinds = [(type(x).__name__, getattr(x, "reason", None)) for x in out]
    assert kinds == [
        ("FramingError", Reason.GARBAGE),
        ("Frame", None),
        ("FramingError", Reason.GARBAGE),
        ("Frame", None),
    ]
    assert out[0].data == b"AT+OK\r\n"  # type: ignore[union-attr]


def test_a_hash_sign_before_a_frame_is_a_damaged_start_not_the_frame() -> None:
    out = feed_all(FrameSplitter(), [b"#" + A_FRAME])
    assert [type(x) for x in out] == [FramingError, Frame]
    assert out[0].reason is Reason.BAD_HEADER  # type: ignore[union-attr]
    assert out[0].data == b"#"  # type: ignore[union-attr]


def test_a_bad_length_field_is_skipped_up_to_the_next_frame() -> None:
    out = feed_all(FrameSplitter(), [b"##01x1QN=1;" + A_FRAME])
    assert [type(x) for x in out] == [FramingError, Frame]
    assert out[0].reason is Reason.BAD_HEADER  # type: ignore[union-attr]
    assert out[0].data == b"##01x1QN=1;"  # type: ignore[union-attr]


def test_a_declared_length_that_is_too_long_is_caught_at_the_first_crlf() -> None:
    """The data segment never holds CR LF, so a short frame is reported without waiting."""
    short = A_FRAME.replace(b"##0101", b"##0111")
    splitter = FrameSplitter()
    (error,) = splitter.feed(short)
    assert isinstance(error, FramingError) and error.reason is Reason.BAD_LENGTH
    assert "declared length 111, actual 101" in error.detail
    assert splitter.buffered == 0
    assert [type(x) for x in splitter.feed(A_FRAME)] == [Frame]


def test_a_declared_length_that_is_too_short_costs_only_that_frame() -> None:
    long = A_FRAME.replace(b"##0101", b"##0091")
    out = feed_all(FrameSplitter(), [long + A_FRAME])
    assert [type(x) for x in out] == [FramingError, Frame]
    assert out[0].reason is Reason.BAD_LENGTH  # type: ignore[union-attr]


def test_lenient_mode_accepts_a_wrong_length_when_the_end_is_unambiguous() -> None:
    for wrong in (b"##0111", b"##0091"):
        out = feed_all(FrameSplitter(lenient_length=True), [A_FRAME.replace(b"##0101", wrong)])
        (frame,) = out
        assert isinstance(frame, Frame)
        assert not frame.length_ok
        assert frame.data == SEGMENT.encode() and frame.crc == b"1C80"


def test_a_crc_field_missing_its_leading_zero_is_still_a_frame() -> None:
    segment = next(
        s
        for s in (f"QN={i};ST=32;CN=2011;MN=1;CP=&&&&".encode() for i in range(1000))
        if build_raw_frame(s)[-6:-5] == b"0"
    )
    full = build_raw_frame(segment)
    dropped = full[:-6] + full[-5:]
    (frame,) = feed_all(FrameSplitter(), [dropped])
    assert isinstance(frame, Frame) and frame.length_ok
    assert frame.crc == full[-5:-2] and frame.data == segment
    assert parse_frame(dropped).crc == full[-5:-2]
    assert "CRC field without its leading zero" in parse_packet(dropped).issues


def test_a_frame_larger_than_the_limit_is_rejected_and_the_stream_resynchronised() -> None:
    big = build_raw_frame(b"ST=32;CN=2011;MN=1;CP=&&" + b"a=1;" * 300 + b"&&")
    splitter = FrameSplitter(max_frame_size=1036)
    out = feed_all(splitter, [big + A_FRAME])
    assert out[0].reason is Reason.TOO_LARGE  # type: ignore[union-attr]
    assert [f.raw for f in out if isinstance(f, Frame)] == [A_FRAME]
    assert FrameSplitter(max_frame_size=2048).feed(big)[0].raw == big  # type: ignore[union-attr]


def test_the_buffer_never_holds_more_than_one_frame() -> None:
    splitter = FrameSplitter(max_frame_size=200)
    splitter.feed(b"##0150" + b"x" * 140)
    assert splitter.buffered == 146
    out = splitter.feed(b"y" * 100)
    assert out[0].reason is Reason.BAD_LENGTH  # type: ignore[union-attr]
    assert splitter.buffered < 200


def test_end_of_stream_inside_a_frame_is_truncated() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(A_FRAME[:50]) == []
    (error,) = splitter.finish()
    assert error.reason is Reason.TRUNCATED and error.data == A_FRAME[:50]
    assert splitter.buffered == 0 and splitter.finish() == []


def test_a_lone_trailing_hash_waits_for_the_next_read() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(A_FRAME + b"#") == [Frame(A_FRAME, 101)]
    assert splitter.buffered == 1
    assert splitter.feed(A_FRAME[1:]) == [Frame(A_FRAME, 101)]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"#0101" + SEGMENT.encode() + b"1C80\r\n", Reason.BAD_HEADER),
        (b"##81QN=;ST=23;CP=&&&&E381\r\n", Reason.BAD_HEADER),
        (A_FRAME.replace(b"##0101", b"##0100"), Reason.BAD_LENGTH),
        (b"##9999" + b"x" * 10, Reason.TOO_LARGE),
    ],
)
def test_parse_frame_rejects_a_malformed_envelope(raw: bytes, reason: Reason) -> None:
    with pytest.raises(FramingError) as caught:
        parse_frame(raw)
    assert caught.value.reason is reason


def test_parse_frame_accepts_a_frame_without_its_crlf() -> None:
    frame = parse_frame(A_FRAME[:-2])
    assert frame.raw == A_FRAME and frame.crc == b"1C80" and frame.length_ok


def test_max_frame_size_is_validated() -> None:
    with pytest.raises(ValueError, match="max_frame_size"):
        FrameSplitter(max_frame_size=12)
    assert FrameSplitter().max_frame_size == DEFAULT_MAX_FRAME_SIZE


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (A_FRAME.replace(b"ST=32;", b"ST=3\r\n"), Reason.BAD_LENGTH),  # CR LF inside, length right
        (A_FRAME.replace(b"##0101", b"##01a1"), Reason.BAD_HEADER),
        (A_FRAME.replace(b"##0101", b"##0102"), Reason.BAD_LENGTH),
    ],
)
def test_a_whole_frame_with_its_crlf_gets_every_envelope_check(raw: bytes, reason: Reason) -> None:
    with pytest.raises(FramingError) as caught:
        parse_frame(raw)
    assert caught.value.reason is reason


def test_max_frame_size_bounds_the_whole_frame_inclusive() -> None:
    assert parse_frame(A_FRAME, max_frame_size=len(A_FRAME)).raw == A_FRAME
    with pytest.raises(FramingError) as caught:
        parse_frame(A_FRAME, max_frame_size=len(A_FRAME) - 1)
    assert caught.value.reason is Reason.TOO_LARGE


@given(
    delta=st.sampled_from([0, 0, 0, -1, 1, 7]),
    body=st.binary(max_size=40) | st.text("#&\r\n0123456789ABCDEF=;", max_size=40).map(str.encode),
    crc=st.sampled_from([b"1C80", b"C80", b"1c80", b"&&1C80", b"\r\n"]),
)
def test_parse_frame_is_the_same_with_or_without_the_final_crlf(
    delta: int, body: bytes, crc: bytes
) -> None:
    """A frame as the splitter cuts it (fast path) and as a vector file holds it agree."""
    length = max(0, len(body) + len(crc) - 4 + delta)
    bare = b"##%04d%b%b" % (length, body, crc)
    assume(not bare.endswith(b"\r\n"))
    results = []
    for raw in (bare + b"\r\n", bare):
        try:
            results.append(parse_frame(raw, max_frame_size=60))
        except FramingError as exc:
            results.append((exc.reason, exc.detail))
    assert results[0] == results[1]


def _summary(items: list[Frame | FramingError]) -> list[object]:
    return [i if isinstance(i, Frame) else (i.reason, i.detail, i.data) for i in items]


@given(
    delta=st.sampled_from([0, 0, 0, -1, 1, 7]),
    body=st.binary(max_size=40) | st.text("#&\r\n0123456789ABCDEF=;", max_size=40).map(str.encode),
    crc=st.sampled_from([b"1C80", b"C80", b"&&1C80", b"\r\n"]),
    tail=st.sampled_from([b"\r\n", b"", b"\r\n##", b"x"]),
)
def test_a_read_holding_one_frame_splits_as_the_same_bytes_in_two_reads(
    delta: int, body: bytes, crc: bytes, tail: bytes
) -> None:
    """Where a read ends never changes what the splitter reports."""
    raw = b"##%04d%b%b%b" % (max(0, len(body) + len(crc) - 4 + delta), body, crc, tail)
    whole, pieces = FrameSplitter(60), FrameSplitter(60)
    one = whole.feed(raw) + whole.finish()
    two = pieces.feed(raw[:1]) + pieces.feed(raw[1:]) + pieces.finish()
    assert _summary(one) == _summary(two)
