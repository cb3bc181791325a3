"""Replies 9011–9014 (HJ 212-2017 §6.1, Tables 6 and 7).

A reply reuses the QN, MN and PW of the packet it answers and ``ST=91``; its Flag keeps the
request's version bits with A=0 (2017: Flag=4, 2025: Flag=8). HJ/T 212-2005 replies carry the
request's QN inside CP and ``Flag=0`` (hj212.md §10; vectors.txt ``CN=9013;…;Flag=0``).

A receiver answers every upload, and a device's replies differ only in the QN, so everything after
``QN=…`` is built (and validated) once per device and reply and kept in a bounded cache with its
CRC fold (:func:`~ceguan.hj212.crc.crc_hj212_joined`); the bytes are identical to building the
whole segment each time (tested).
"""

from __future__ import annotations

from ceguan.hj212.builders import Value, build_cp, build_data_segment
from ceguan.hj212.commands import Command, ExeRtn, QnRtn
from ceguan.hj212.crc import crc_hj212_joined, fold_hj212
from ceguan.hj212.framing import build_raw_frame
from ceguan.hj212.header import Header, ProtocolVersion

TAIL_CACHE_MAX = 65536
"""Reply tails remembered (one per device, reply and Flag); when full, start afresh."""
_TAILS: dict[tuple[object, ...], tuple[bytes, int, int]] = {}
_LENGTH_FIELD_MAX = 9999  # what the four-digit length field can express (§6.3.1)


def _reply(request: Header, cn: Command, items: list[tuple[str, Value]], st: str) -> bytes:
    if request.version is ProtocolVersion.HJ212_2005:
        # HJ/T 212-2005: the request's QN travels inside CP, Flag=0 (hj212.md §10, vectors.txt).
        if request.qn is not None:
            items = [("QN", request.qn), *items]
        segment = build_data_segment(
            cn=cn, mn=request.mn, st=st, pw=request.pw, flag=0, cp=build_cp(items)
        )
        return build_raw_frame(segment)
    flag = (request.flag or 0) & ~0b11  # same version bits, no ack of the ack, no split
    qn = request.qn
    if qn is not None and qn.isdigit() and qn.isascii():
        # The usual QN (digits only) needs no check: reuse the rest of the segment and its fold.
        key = (cn, st, request.pw, request.mn, flag, *items)
        cached = _TAILS.get(key)
        if cached is None:
            segment = build_data_segment(
                cn=cn, mn=request.mn, st=st, pw=request.pw, qn="0", flag=flag, cp=build_cp(items)
            )
            tail = segment[4:].encode("utf-8")  # after "QN=0"
            cached = (tail, fold_hj212(tail), len(tail))
            if len(_TAILS) >= TAIL_CACHE_MAX:
                _TAILS.clear()
            _TAILS[key] = cached
        tail, fold, size = cached
        head = b"QN=%b" % qn.encode("ascii")
        length = len(head) + size
        if length > _LENGTH_FIELD_MAX:
            return build_raw_frame(head + tail)  # refused as build_raw_frame refuses it
        return b"##%04d%b%b%04X\r\n" % (length, head, tail, crc_hj212_joined(head, fold, size))
    segment = build_data_segment(
        cn=cn, mn=request.mn, st=st, pw=request.pw, qn=qn, flag=flag, cp=build_cp(items)
    )
    return build_raw_frame(segment)


def build_request_reply(request: Header, qn_rtn: QnRtn = QnRtn.READY, *, st: str = "91") -> bytes:
    """9011: answer to a request, ``QnRtn`` (HJ 212-2017 §6.1, Table 7), same QN."""
    return _reply(request, Command.REQUEST_REPLY, [("QnRtn", int(qn_rtn))], st)


def build_execution_reply(
    request: Header, exe_rtn: ExeRtn = ExeRtn.SUCCESS, *, st: str = "91"
) -> bytes:
    """9012: execution result, ``ExeRtn`` (HJ 212-2017 §6.1, Table 6), same QN."""
    return _reply(request, Command.EXECUTION_RESULT, [("ExeRtn", int(exe_rtn))], st)


def build_notification_reply(notification: Header, *, st: str = "91") -> bytes:
    """9013: answer to a notification (1013, 2012, 2022), ``CP=&&&&`` (HJ 212-2017 §6.1)."""
    return _reply(notification, Command.NOTIFICATION_REPLY, [], st)


def build_data_reply(upload: Header, *, st: str = "91") -> bytes:
    """9014: acknowledgement of an upload that asked for one (Flag bit A), ``CP=&&&&``."""
    return _reply(upload, Command.DATA_REPLY, [], st)
