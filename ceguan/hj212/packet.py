"""One received packet, fully checked: frame → CRC → header → CP (HJ 212-2017 §6.3)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ceguan.hj212.cp_plan import parse_planned
from ceguan.hj212.crc import STANDARD_CRC_ONLY, CrcVariant, check_crc, crc_hj212
from ceguan.hj212.errors import CrcError, PacketError, Reason
from ceguan.hj212.framing import DEFAULT_MAX_FRAME_SIZE, Frame, parse_frame
from ceguan.hj212.header import Header, ProtocolVersion, parse_header
from ceguan.hj212.payload import parse_cp_itemwise
from ceguan.hj212.records import CpPayload


@dataclass(slots=True)
class Packet:
    """A frame whose CRC matched an accepted variant, with its header and CP parsed."""

    header: Header
    payload: CpPayload
    crc_variant: CrcVariant
    """Which CRC the sender used; anything but HJ212 is non-standard (record it per MN)."""
    raw: bytes
    """The frame as received (keep it as evidence)."""
    frame_issues: tuple[str, ...] = ()

    @property
    def version(self) -> ProtocolVersion:
        return self.header.version

    @property
    def qn(self) -> str | None:
        """The exchange's QN: the header's, or for a 2005 reply the ``QN`` inside CP (§10)."""
        return self.header.qn or self.payload.fields.get("QN")

    @property
    def issues(self) -> tuple[str, ...]:
        """Every tolerated deviation: frame, header and CP."""
        return self.frame_issues + self.header.issues + self.payload.issues


def parse_packet(
    frame: Frame | bytes,
    *,
    accept_crc: Collection[CrcVariant] = STANDARD_CRC_ONLY,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
) -> Packet:
    """Check and parse one frame (HJ 212-2017 §6.3, Appendix A).

    Parameters
    ----------
    frame : Frame or bytes
        A frame from :class:`~ceguan.hj212.framing.FrameSplitter`, or one whole frame's bytes
        (the trailing CR LF may be missing).
    accept_crc : collection of CrcVariant
        The caller's policy: which CRC variants to accept. Default: the standard's only. Pass
        ``ALL_CRC_VARIANTS`` to accept Modbus senders and then check ``packet.crc_variant``
        against the per-device setting.
    max_frame_size : int
        Used only when ``frame`` is bytes.

    Raises
    ------
    FramingError
        The bytes are not one well-formed frame.
    CrcError
        ``BAD_CRC``: the CRC field is unreadable, matches nothing, or matches a variant not in
        ``accept_crc`` (the detail names it).
    PacketError
        ``BAD_CP``, ``MISSING_FIELD`` or ``BAD_FIELD``.
    """
    if not isinstance(frame, Frame):
        frame = parse_frame(frame, max_frame_size=max_frame_size)
    raw = frame.raw
    end = -2 - frame.crc_size
    data = raw[6:end]
    crc = raw[end:-2]
    variant: CrcVariant | None = None
    if len(crc) == 4 and not crc.translate(None, _HEX_DIGITS) and crc_hj212(data) == int(crc, 16):
        variant = CrcVariant.HJ212
    else:
        variant = check_crc(data, crc)
    if accept_crc is STANDARD_CRC_ONLY:
        accepted = variant is CrcVariant.HJ212
    else:
        accepted = variant is not None and variant in accept_crc
    if not accepted:
        detail = (
            f"CRC {crc!r} matches no variant"
            if variant is None
            else f"CRC matches {variant.value}, which is not accepted"
        )
        raise CrcError(Reason.BAD_CRC, raw, detail)
    frame_issues: list[str] = []
    if frame.declared_length != len(data) or len(crc) != 4 or not crc.isupper():
        if frame.declared_length != len(data):
            frame_issues.append(f"declared length {frame.declared_length}, actual {len(data)}")
        if len(crc) != 4:
            frame_issues.append("CRC field without its leading zero")
        elif not crc.isupper() and not crc.isdigit():
            frame_issues.append("lower-case CRC")
    cut = data.find(b"CP=&&")
    if cut < 0 or len(data) < cut + 7 or not data.endswith(b"&&"):
        raise PacketError(Reason.BAD_CP, raw, "no CP=&&…&& data area at the end")
    try:
        planned = parse_planned(data[:cut], data[cut + 5 : -2]) if cut else None
        if planned is not None and planned[0] is not None:
            header, payload = planned
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("gb18030", errors="replace")
                frame_issues.append("data segment is not UTF-8 (decoded as GB18030)")
            cut = text.find("CP=&&")
            header = parse_header(text)
            payload = parse_cp_itemwise(text[cut + 5 : -2], header.st)
    except PacketError as exc:
        raise PacketError(exc.reason, raw, exc.detail) from None
    return Packet(header, payload, variant, raw, tuple(frame_issues))


_HEX_DIGITS = b"0123456789abcdefABCDEF"
