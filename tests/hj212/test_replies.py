"""Replies reuse a cached tail per device: the bytes are those of the whole segment built anew."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceguan.hj212 import (
    FramingError,
    Header,
    PacketError,
    QnRtn,
    Reason,
    build_data_reply,
    build_notification_reply,
    build_request_reply,
    parse_packet,
)
from ceguan.hj212.crc import crc_hj212_reference

MN = "88888880000001"


def framed(segment: str) -> bytes:
    """The frame written out by hand: ``##``, length, segment, CRC by the standard's C sample."""
    data = segment.encode()
    return b"##%04d%b%04X\r\n" % (len(data), data, crc_hj212_reference(data))


def test_9014_for_successive_uploads_of_one_device_changes_only_the_qn() -> None:
    for qn in ("20260302000030000", "20260302000130000", "1772409630000"):
        upload = Header("31", "2051", MN, "123456", qn, 5)
        expected = f"QN={qn};ST=91;CN=9014;PW=123456;MN={MN};Flag=4;CP=&&&&"
        assert build_data_reply(upload) == framed(expected)


def test_replies_of_one_device_with_different_return_codes_do_not_mix() -> None:
    request = Header("32", "1011", MN, "123456", "20160801085857223", 5)
    for rtn in (QnRtn.READY, QnRtn.REJECTED, QnRtn.BAD_PASSWORD, QnRtn.READY):
        cp = f"QnRtn={rtn.value}"
        expected = f"QN=20160801085857223;ST=91;CN=9011;PW=123456;MN={MN};Flag=4;CP=&&{cp}&&"
        assert build_request_reply(request, rtn) == framed(expected)
    notification = Header("32", "1013", MN, None, "20160801085857223", 9)
    expected = f"QN=20160801085857223;ST=91;CN=9013;MN={MN};Flag=8;CP=&&&&"
    assert build_notification_reply(notification) == framed(expected)


def test_a_qn_that_is_not_all_digits_is_written_as_sent() -> None:
    upload = Header("31", "2051", MN, "123456", "2026-03-02", 5)
    assert build_data_reply(upload) == framed(
        f"QN=2026-03-02;ST=91;CN=9014;PW=123456;MN={MN};Flag=4;CP=&&&&"
    )


@pytest.mark.parametrize(
    "header",
    [
        Header("31", "2051", MN, "123456", "1&&2", 5),
        Header("31", "2051", MN, "12;34", "20260302000030000", 5),
        Header("31", "2051", "A&&B", "123456", "20260302000030000", 5),
    ],
)
def test_a_field_that_cannot_be_sent_back_is_refused_every_time(header: Header) -> None:
    for _ in range(2):  # the second call must not find a cached tail
        with pytest.raises(PacketError) as caught:
            build_data_reply(header)
        assert caught.value.reason is Reason.BAD_FIELD


@given(
    qn=st.text("0123456789", min_size=1, max_size=20),
    mn=st.text(
        st.characters(blacklist_characters=";,&\r\n", blacklist_categories=("Cs",)), max_size=30
    ),
    pw=st.none() | st.text("0123456789abcdef", max_size=8),
    flag=st.integers(0, 255),
)
def test_a_reply_parses_back_to_the_fields_it_answers(
    qn: str, mn: str, pw: str | None, flag: int
) -> None:
    if flag >> 2 == 0:
        flag |= 4  # 2005 replies carry the QN in CP: covered elsewhere
    reply = parse_packet(build_data_reply(Header("31", "2051", mn, pw, qn, flag))).header
    assert (reply.cn, reply.qn, reply.pw, reply.flag) == ("9014", qn, pw, flag & ~0b11)


def test_a_reply_too_long_for_the_length_field_is_refused_every_time() -> None:
    upload = Header("31", "2051", "M" * 9990, "123456", "20260302000030000", 5)
    for _ in range(2):
        with pytest.raises(FramingError) as caught:
            build_data_reply(upload)
        assert caught.value.reason is Reason.TOO_LARGE
