"""Checking one received frame before anything is stored: envelope, CRC, header (HJ 212-2017 §6.3).

The order is the standard's receive flow: the frame envelope (§6.3.1), the CRC (Appendix A; "如果
CRC 错误，执行结束"), then the header and CP (§6.3.2–6.3.3). A frame failing any step is a
:class:`Rejected` carrying the reason and, when its header can still be read, the header, so the
caller can attribute it to a device and answer it. Which CRC variants pass is the deployment's
policy (hj212.md §2: accept Modbus senders per deployment, never silently — the variant is
recorded on every frame).
"""

from __future__ import annotations

from dataclasses import dataclass

from ceguan.hj212 import (
    ALL_CRC_VARIANTS,
    CrcError,
    CrcVariant,
    Frame,
    FramingError,
    Header,
    Packet,
    PacketError,
    QnRtn,
    Reason,
    check_crc,
    parse_frame,
    parse_header,
    parse_packet,
)


@dataclass(slots=True)
class Rejected:
    """A frame that failed a check, with its header when one could be read anyway."""

    reason: str
    detail: str
    header: Header | None = None
    crc_variant: str = ""
    qn_rtn: QnRtn | None = None
    """The 9011 ``QnRtn`` (HJ 212-2017 Table 7) that answers it, if the protocol has one."""


#: HJ 212 library reasons → the 9011 ``QnRtn`` answering them (HJ 212-2017 Table 7). Framing
#: errors get none: without a trustworthy envelope there is no QN to answer.
QN_RTN_FOR: dict[str, QnRtn] = {
    Reason.BAD_CRC: QnRtn.BAD_CRC,
    Reason.BAD_CP: QnRtn.REJECTED,
    Reason.BAD_FIELD: QnRtn.REJECTED,
    Reason.MISSING_FIELD: QnRtn.REJECTED,
    Reason.BAD_SUBPACKET: QnRtn.BAD_FLAG,
}


def examine(raw: bytes, *, max_frame_bytes: int, accept_modbus: bool) -> Packet | Rejected:
    """The parsed packet, or why the frame is rejected (see the module docstring)."""
    try:
        frame = parse_frame(raw, max_frame_size=max_frame_bytes)
    except FramingError as exc:
        return Rejected(exc.reason, exc.detail)
    try:
        packet = parse_packet(frame, accept_crc=ALL_CRC_VARIANTS)
    except CrcError as exc:
        return Rejected(exc.reason, exc.detail, _loose_header(frame), qn_rtn=QnRtn.BAD_CRC)
    except PacketError as exc:
        header = _loose_header(frame)
        variant = check_crc(frame.data, frame.crc)
        return Rejected(
            exc.reason,
            exc.detail,
            header,
            variant.value if variant else "",
            QN_RTN_FOR.get(exc.reason, QnRtn.REJECTED),
        )
    if packet.crc_variant is not CrcVariant.HJ212 and not accept_modbus:
        detail = f"CRC is {packet.crc_variant.value}; this deployment accepts only the standard's"
        return Rejected(
            Reason.BAD_CRC, detail, packet.header, packet.crc_variant.value, QnRtn.BAD_CRC
        )
    return packet


def _loose_header(frame: Frame) -> Header | None:
    """The header of a frame whose CRC or CP failed, if it parses (for attribution and answer)."""
    try:
        return parse_header(frame.data.decode("utf-8", "replace"))
    except PacketError:
        return None
