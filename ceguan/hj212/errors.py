"""Typed errors of the HJ 212 library.

Every problem the library detects is a :class:`Hj212Error` (a ``ValueError``) carrying a
:class:`Reason` and the offending bytes. The stream splitter and the sub-packet assembler *return*
these errors as values next to good results; the one-shot ``parse_*`` and ``build_*`` functions
*raise* them. Nothing else escapes the library for malformed input.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a frame, packet or sub-packet was rejected (stable codes, safe to store and count)."""

    GARBAGE = "garbage"
    """Bytes outside any frame, skipped while resynchronising on the next ``##``."""
    BAD_HEADER = "bad_header"
    """A frame start that is damaged: ``##`` not followed by four digits, or a lone ``#``."""
    BAD_LENGTH = "bad_length"
    """The declared length does not match where the ``CCCC\\r\\n`` trailer really is."""
    TOO_LARGE = "too_large"
    """The frame would exceed the configured maximum frame size."""
    TRUNCATED = "truncated"
    """The stream ended inside a frame."""
    BAD_CRC = "bad_crc"
    """The CRC field is not hexadecimal, or matches no accepted CRC variant."""
    BAD_CP = "bad_cp"
    """The data segment has no ``CP=&&`` … ``&&`` data area."""
    MISSING_FIELD = "missing_field"
    """A required header field (ST, CN, MN) is absent."""
    BAD_FIELD = "bad_field"
    """A field is present but malformed (Flag not 0..255, CN not four digits, bad time …)."""
    BAD_SUBPACKET = "bad_subpacket"
    """PNUM/PNO inconsistent (PNO outside 1..PNUM) or PNUM above the assembler's limit."""
    SUBPACKET_TIMEOUT = "subpacket_timeout"
    """A split message did not complete within the assembler's timeout."""
    SUBPACKET_OVERFLOW = "subpacket_overflow"
    """A pending split message was dropped because the assembler was full."""


class Hj212Error(ValueError):
    """Base class: a reason code, the offending bytes and a human-readable detail."""

    reason: Reason
    data: bytes
    detail: str

    def __init__(self, reason: Reason, data: bytes = b"", detail: str = "") -> None:
        self.reason = reason
        self.data = bytes(data)
        self.detail = detail
        super().__init__(reason, self.data, detail)

    def __str__(self) -> str:
        shown = self.data[:80]
        more = f"… (+{len(self.data) - 80} bytes)" if len(self.data) > 80 else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.reason.value}{detail} [{shown!r}{more}]"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason!s}, {self.data[:40]!r}, {self.detail!r})"


class FramingError(Hj212Error):
    """The byte stream could not be cut into a frame (GARBAGE … TRUNCATED)."""


class CrcError(Hj212Error):
    """The CRC is unreadable or no accepted variant matches (BAD_CRC)."""


class PacketError(Hj212Error):
    """The data segment is framed and checked but its header or CP is malformed."""


class ReassemblyError(Hj212Error):
    """A sub-packet could not be reassembled (BAD_SUBPACKET, SUBPACKET_*)."""
