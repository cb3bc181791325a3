"""The data segment header: QN, ST, CN, PW, MN, Flag, PNUM, PNO (HJ 212-2017 §6.3.2, Table 3).

Keys are read by name, not position (real packets swap PW/MN, put PNO before PNUM, write
``FLAG=``, use ``,`` after QN or drop the ``;`` before CP). The protocol version comes from the
Flag's version bits (§6.3.3.2): none or 0 = HJ/T 212-2005, 1 = HJ 212-2017, 2 = HJ 212-2025.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ceguan.hj212.errors import PacketError, Reason
from ceguan.hj212.times import parse_qn


class ProtocolVersion(StrEnum):
    """Protocol edition detected from the Flag (HJ 212-2017 §6.3.3.2, hj212.md §0)."""

    HJ212_2005 = "HJ/T 212-2005"
    """No Flag, or version bits 000000 (Flag 0..3)."""
    HJ212_2017 = "HJ 212-2017"
    """Version bits 000001 (Flag 4..7)."""
    HJ212_2025 = "HJ 212-2025"
    """Version bits 000010 (Flag 8..11). The surface-water variant (ST=21) used them earlier."""
    UNKNOWN = "unknown"
    """Version bits 3..63: a later edition or a vendor's own."""

    @property
    def bits(self) -> int:
        """The version number placed in Flag bits V5..V0 when building."""
        return _VERSION_BITS[self]


_VERSION_BITS = {
    ProtocolVersion.HJ212_2005: 0,
    ProtocolVersion.HJ212_2017: 1,
    ProtocolVersion.HJ212_2025: 2,
    ProtocolVersion.UNKNOWN: 3,
}
_BY_BITS = (ProtocolVersion.HJ212_2005, ProtocolVersion.HJ212_2017, ProtocolVersion.HJ212_2025)

FLAG_ACK = 0b01
"""Flag bit A: the receiver must acknowledge (HJ 212-2017 §6.3.3.2)."""
FLAG_SUBPACKETS = 0b10
"""Flag bit D: PNUM/PNO present (HJ 212-2017 §6.3.3.2)."""


def version_from_flag(flag: int | None) -> ProtocolVersion:
    """Protocol version of a packet with this Flag (None = no Flag field: a 2005 device)."""
    if flag is None:
        return ProtocolVersion.HJ212_2005
    bits = flag >> 2
    return _BY_BITS[bits] if bits < 3 else ProtocolVersion.UNKNOWN


def build_flag(version: ProtocolVersion, *, ack: bool = False, subpackets: bool = False) -> int:
    """Flag value ``V5..V0 D A`` for a version (HJ 212-2017 §6.3.3.2); 2017 + ack = 5.

    Examples
    --------
    >>> build_flag(ProtocolVersion.HJ212_2017, ack=True), build_flag(ProtocolVersion.HJ212_2025)
    (5, 8)
    """
    return (version.bits << 2) | (FLAG_SUBPACKETS if subpackets else 0) | (FLAG_ACK if ack else 0)


@dataclass(slots=True)
class Header:
    """Parsed header of one packet. Codes stay strings (``cn="2051"``, ``st="31"``)."""

    st: str
    cn: str
    mn: str
    pw: str | None = None
    qn: str | None = None
    flag: int | None = None
    pnum: int | None = None
    pno: int | None = None
    issues: tuple[str, ...] = ()
    """Tolerated deviations from the standard, for logging (``"header separator ','"`` …)."""

    @property
    def version(self) -> ProtocolVersion:
        return version_from_flag(self.flag)

    @property
    def ack_requested(self) -> bool:
        """Flag bit A (HJ 212-2017 §6.3.3.2): the receiver must reply (9011/9013/9014)."""
        return self.flag is not None and bool(self.flag & FLAG_ACK)

    @property
    def subpacket_bit(self) -> bool:
        """Flag bit D as sent. 2005 requests set Flag=3 without PNUM/PNO, so see ``is_split``."""
        return self.flag is not None and bool(self.flag & FLAG_SUBPACKETS)

    @property
    def is_split(self) -> bool:
        """True when the packet is one part of a split message (PNUM and PNO both present)."""
        return self.pnum is not None and self.pno is not None

    @property
    def qn_time(self) -> datetime | None:
        """The instant the QN names (17-digit Beijing time or 13-digit epoch-ms), or None."""
        return parse_qn(self.qn) if self.qn else None


CANONICAL_KEYS = {k: k for k in ("QN", "ST", "CN", "PW", "MN", "FLAG", "PNUM", "PNO")}
"""Header keys accepted as sent, → the name used internally (``Flag`` → ``FLAG``)."""
CANONICAL_KEYS["Flag"] = "FLAG"


def parse_header(text: str) -> Header:
    """Parse the header part of a data segment (everything before ``CP=&&``).

    Accepts a whole data segment too (the CP part is ignored). HJ 212-2017 §6.3.2, Table 3.

    Raises
    ------
    PacketError
        ``MISSING_FIELD`` without ST, CN or MN; ``BAD_FIELD`` for a malformed CN, ST, Flag,
        PNUM or PNO.

    Examples
    --------
    >>> h = parse_header("QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8;Flag=5;")
    >>> h.cn, h.version.value, h.ack_requested
    ('1062', 'HJ 212-2017', True)
    """
    cut = text.find("CP=&&")
    head = text if cut < 0 else text[:cut]
    issues: list[str] = []
    if "," in head:
        head = head.replace(",", ";")
        issues.append("header separator ','")
    if cut > 0 and not head.endswith(";"):
        issues.append("no ';' before CP")
    values: dict[str, str] = {}
    canonical = CANONICAL_KEYS
    for part in head.split(";"):
        key, sep, value = part.partition("=")
        name = canonical.get(key)
        if name is None:
            if not sep:
                if part.strip():
                    issues.append(f"header item without '=': {part.strip()[:40]!r}")
                continue
            name = key.strip().upper()
            if name not in canonical:
                issues.append(f"unknown header key {key[:20]!r}")
                continue
            issues.append(f"header key {key!r}")
        if name in values:
            issues.append(f"duplicate header key {name}")
            continue
        values[name] = value
    if " " in head:
        values = {k: v.strip() for k, v in values.items()}
    return make_header(values, issues, text)


def make_header(values: dict[str, str], issues: list[str], source: bytes | str) -> Header:
    """Validate header values keyed by canonical name (``FLAG``) and build the Header.

    ``source`` is only used as the offending bytes of an error.
    """
    st, cn, mn = values.get("ST"), values.get("CN"), values.get("MN")
    if st is None or cn is None or mn is None:
        missing = "/".join(k for k in ("ST", "CN", "MN") if k not in values)
        raise _error(Reason.MISSING_FIELD, source, f"no {missing} field")
    if not (len(cn) == 4 and cn.isdigit() and cn.isascii()):
        raise _error(Reason.BAD_FIELD, source, f"CN={cn!r} is not four digits")
    if not (0 < len(st) <= 5 and st.isalnum() and st.isascii()):
        raise _error(Reason.BAD_FIELD, source, f"ST={st!r} is not a system code")
    flag = _int_field(values, "FLAG", source)
    if flag is not None and flag > 255:
        raise _error(Reason.BAD_FIELD, source, f"Flag={flag} is not 0..255")
    pnum = _int_field(values, "PNUM", source)
    pno = _int_field(values, "PNO", source)
    qn = values.get("QN")
    if qn == "":
        qn = None
        issues.append("empty QN")
    if not mn:
        issues.append("empty MN")
    if flag is not None and flag & FLAG_SUBPACKETS and flag >> 2 and pnum is None:
        issues.append("Flag bit D set without PNUM/PNO")
    return Header(st, cn, mn, values.get("PW"), qn, flag, pnum, pno, tuple(issues))


def _error(reason: Reason, source: bytes | str, detail: str) -> PacketError:
    data = source.encode("utf-8", "replace") if isinstance(source, str) else source
    return PacketError(reason, data, detail)


def _int_field(values: dict[str, str], key: str, source: bytes | str) -> int | None:
    value = values.get(key)
    if value is None:
        return None
    if not (0 < len(value) <= 9 and value.isdigit() and value.isascii()):
        raise _error(Reason.BAD_FIELD, source, f"{key}={value!r} is not a number")
    return int(value)
