"""Cutting a TCP byte stream into HJ 212 frames (HJ 212-2017 §6.3.1).

A frame is ``##`` + ``LLLL`` + data segment + ``CCCC`` + ``\\r\\n`` where ``LLLL`` is the data
segment's length in **bytes** (UTF-8). TCP delivers frames glued together (粘包), cut in pieces
(半包) and with noise between them, so frames are found by ``##`` and the length, never by
``read()`` boundaries. After any error the splitter resynchronises on the next ``##``.

The data segment and CRC never contain CR LF, so a CR LF before the declared end proves the
length wrong (reported at once instead of waiting for bytes that will never come).
"""

from __future__ import annotations

from dataclasses import dataclass

from ceguan.hj212.crc import CrcVariant, compute_crc, crc_hj212
from ceguan.hj212.errors import FramingError, Reason

STANDARD_MAX_DATA_LENGTH = 1024
"""Largest data segment the standard allows (HJ 212-2017 §6.3.1); devices exceed it."""
FRAME_OVERHEAD = 12
"""``##`` + ``LLLL`` + ``CCCC`` + ``\\r\\n``."""
DEFAULT_MAX_FRAME_SIZE = 4096
"""Default bound of a whole frame: 4× the standard's 1036 bytes (real frames of 1633 exist)."""
MAX_FRAME_SIZE_LIMIT = 9999 + FRAME_OVERHEAD
"""What a 4-digit length field can express."""

_CRLF = b"\r\n"
_HJ212 = CrcVariant.HJ212
_HEX = frozenset(b"0123456789abcdefABCDEF")


@dataclass(slots=True)
class Frame:
    """One frame cut from the stream, not yet checked beyond its length and trailer."""

    raw: bytes
    """The whole frame as received, from ``##`` to ``\\r\\n`` inclusive."""
    declared_length: int
    """``LLLL`` as sent; differs from ``len(data)`` only for leniently accepted frames."""
    crc_size: int = 4
    """Digits in the CRC field: 4, or 3 when the sender dropped a leading zero."""

    @property
    def data(self) -> bytes:
        """The data segment (``QN=…;…;CP=&&…&&``), UTF-8 bytes."""
        return self.raw[6 : -2 - self.crc_size]

    @property
    def crc(self) -> bytes:
        """The received ``CCCC`` field."""
        return self.raw[-2 - self.crc_size : -2]

    @property
    def length_ok(self) -> bool:
        return self.declared_length == len(self.raw) - 8 - self.crc_size


def _is_whole_frame(raw: bytes, max_frame_size: int) -> bool:
    """True when ``raw`` is exactly one frame whose ``LLLL`` is right and that ends with its
    only CR LF (§6.3.1), as the splitter cuts them: accepted unchanged, in a few C calls."""
    n = len(raw)
    return (
        FRAME_OVERHEAD <= n <= max_frame_size
        and raw[n - 2 :] == _CRLF
        and raw[:2] == b"##"
        and raw[2:6].isdigit()
        and int(raw[2:6]) == n - FRAME_OVERHEAD
        and raw.find(_CRLF, 6, n - 2) < 0
    )


def _is_hex(chunk: bytes) -> bool:
    return all(c in _HEX for c in chunk)


def parse_frame(raw: bytes, *, max_frame_size: int = DEFAULT_MAX_FRAME_SIZE) -> Frame:
    """Check one complete frame's envelope (HJ 212-2017 §6.3.1) and split it.

    ``raw`` may omit the final ``\\r\\n`` (as in test-vector files).

    Raises
    ------
    FramingError
        ``BAD_HEADER`` (no ``##LLLL``), ``TOO_LARGE`` or ``BAD_LENGTH``.
    """
    raw = bytes(raw)
    if _is_whole_frame(raw, max_frame_size):
        return Frame(raw, len(raw) - FRAME_OVERHEAD)  # the usual case: no copy needed
    body = raw[:-2] if raw.endswith(_CRLF) else raw
    if not body.startswith(b"##") or len(body) < 6 or not body[2:6].isdigit():
        raise FramingError(Reason.BAD_HEADER, raw, "frame does not start with ##LLLL")
    length = int(body[2:6])
    if length + FRAME_OVERHEAD > max_frame_size:
        raise FramingError(Reason.TOO_LARGE, raw, f"declared length {length} exceeds the limit")
    actual = len(body) - 10
    if actual == length - 1 and _is_hex(body[-3:]) and body[-5:-3] == b"&&":
        # A sender that drops the CRC's leading zero (hj212.md §2, variant 4).
        return Frame(body + _CRLF, length, 3)
    if actual != length or _CRLF in body:
        raise FramingError(
            Reason.BAD_LENGTH, raw, f"declared length {length}, actual {actual} bytes"
        )
    return Frame(body + _CRLF, length)


def build_raw_frame(
    data_segment: bytes | str, *, crc_variant: CrcVariant = CrcVariant.HJ212
) -> bytes:
    """Wrap a data segment: ``##`` + length in bytes + segment + CRC + CR LF (§6.3.1, App. A).

    Examples
    --------
    >>> build_raw_frame("QN=1;CP=&&&&")[:6]
    b'##0012'
    """
    data = data_segment.encode("utf-8") if isinstance(data_segment, str) else bytes(data_segment)
    if len(data) > 9999:
        raise FramingError(Reason.TOO_LARGE, data[:64], f"data segment of {len(data)} bytes")
    crc = crc_hj212(data) if crc_variant is _HJ212 else compute_crc(data, crc_variant)
    return b"##%04d%b%04X\r\n" % (len(data), data, crc & 0xFFFF)  # CRC as format_crc prints it


class FrameSplitter:
    """Incremental framer: feed received bytes, get complete frames and typed errors, in order.

    Memory is bounded: after :meth:`feed` returns, at most ``max_frame_size - 1`` bytes are kept
    (one incomplete frame). A frame that would be larger is reported as ``TOO_LARGE`` and skipped.

    Parameters
    ----------
    max_frame_size : int
        Largest whole frame accepted [bytes], 13..10011. Default 4096.
    lenient_length : bool
        Accept a frame whose declared length is wrong when its end is unambiguous
        (``&&CCCC\\r\\n``); it is returned with ``length_ok == False``. Off by default
        (hj212.md §11 rule 1: "log and (configurably) accept").
    """

    __slots__ = ("_lenient", "_rest", "max_frame_size")

    def __init__(
        self, max_frame_size: int = DEFAULT_MAX_FRAME_SIZE, *, lenient_length: bool = False
    ) -> None:
        if not FRAME_OVERHEAD < max_frame_size <= MAX_FRAME_SIZE_LIMIT:
            raise ValueError(f"max_frame_size must be in 13..{MAX_FRAME_SIZE_LIMIT}")
        self.max_frame_size = max_frame_size
        self._lenient = lenient_length
        self._rest = b""

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._rest)

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[Frame | FramingError]:
        """Add received bytes; return the frames and errors they complete, in stream order."""
        buf = self._rest + chunk if self._rest else bytes(chunk)
        out: list[Frame | FramingError] = []
        pos = self._scan(buf, out)
        self._rest = buf[pos:] if pos else buf
        return out

    def finish(self) -> list[FramingError]:
        """End of stream: report whatever is still buffered (``TRUNCATED`` or damaged start)."""
        buf = self._rest
        self._rest = b""
        if not buf:
            return []
        if buf.startswith(b"##"):
            return [FramingError(Reason.TRUNCATED, buf, "stream ended inside a frame")]
        return [_garbage(buf)]

    def _scan(self, buf: bytes, out: list[Frame | FramingError]) -> int:
        pos = 0
        end = len(buf)
        max_size = self.max_frame_size
        while pos < end:
            start = buf.find(b"##", pos)
            if start < 0:
                keep = end - 1 if buf[end - 1] == 0x23 else end  # a lone trailing '#'
                if keep > pos:
                    out.append(_garbage(buf[pos:keep]))
                return keep
            if start > pos:
                out.append(_garbage(buf[pos:start]))
                pos = start
            digits = buf[pos + 2 : pos + 6]
            if len(digits) < 4 and _digit_prefix(digits):
                return pos  # "##01" so far: wait for the rest of the length field
            if not digits.isdigit():
                pos = self._skip(buf, pos, out, Reason.BAD_HEADER, "## not followed by LLLL")
                continue
            length = int(digits)
            total = length + FRAME_OVERHEAD
            if total > max_size:
                detail = f"declared length {length} exceeds max_frame_size {max_size}"
                pos = self._skip(buf, pos, out, Reason.TOO_LARGE, detail)
                continue
            frame_end = pos + total
            crlf = buf.find(_CRLF, pos + 6, frame_end)
            if crlf == frame_end - 2:
                out.append(Frame(buf[pos:frame_end], length))
                pos = frame_end
            elif crlf >= 0:
                pos = self._cut_at(buf, pos, crlf, length, out)
            elif frame_end > end:
                return pos  # half packet: wait for more bytes
            elif self._lenient:
                crlf = buf.find(_CRLF, frame_end - 2, pos + max_size)
                nxt = buf.find(b"##", pos + 2, crlf if crlf >= 0 else end)
                if crlf < 0 and nxt < 0 and end < pos + max_size:
                    return pos  # maybe a longer frame than declared: wait for its CR LF
                if crlf >= 0 and nxt < 0:
                    pos = self._cut_at(buf, pos, crlf, length, out)
                else:
                    pos = self._skip(buf, pos, out, Reason.BAD_LENGTH, _no_crlf(length))
            else:
                pos = self._skip(buf, pos, out, Reason.BAD_LENGTH, _no_crlf(length))
        return pos

    def _cut_at(
        self, buf: bytes, pos: int, crlf: int, length: int, out: list[Frame | FramingError]
    ) -> int:
        """The frame really ends at ``crlf``: a short CRC field, a lenient frame or BAD_LENGTH."""
        actual = crlf - 4 - (pos + 6)
        raw = buf[pos : crlf + 2]
        if actual == length - 1 and _is_hex(raw[-5:-2]) and raw[-7:-5] == b"&&":
            out.append(Frame(raw, length, 3))
        elif self._lenient and _is_hex(raw[-6:-2]) and raw[-8:-6] == b"&&":
            out.append(Frame(raw, length))
        else:
            detail = f"declared length {length}, actual {actual} bytes"
            out.append(FramingError(Reason.BAD_LENGTH, raw, detail))
        return crlf + 2

    def _skip(
        self, buf: bytes, pos: int, out: list[Frame | FramingError], reason: Reason, detail: str
    ) -> int:
        """Report a damaged frame start and resynchronise on the next ``##``."""
        nxt = buf.find(b"##", pos + 1)
        if nxt < 0:
            end = len(buf)
            nxt = end - 1 if buf[end - 1] == 0x23 and end - 1 > pos else end
        out.append(FramingError(reason, buf[pos:nxt], detail))
        return nxt


def _no_crlf(length: int) -> str:
    return f"declared length {length} but no CR LF where the frame should end"


def _digit_prefix(chunk: bytes) -> bool:
    return all(0x30 <= c <= 0x39 for c in chunk)


def _garbage(chunk: bytes) -> FramingError:
    if chunk[:1] == b"#":
        return FramingError(Reason.BAD_HEADER, bytes(chunk), "damaged frame start (single #)")
    return FramingError(Reason.GARBAGE, bytes(chunk), "bytes outside any frame")
