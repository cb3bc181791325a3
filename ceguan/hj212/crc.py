"""CRC of the HJ 212 data segment, and the two Modbus variants devices send instead.

The standard's algorithm (HJ 212-2017 Appendix A, already in HJ/T 212-2005) is *not*
CRC-16/MODBUS: each step is ``reg = T[(reg >> 8) ^ byte]`` with the reflected 0xA001 table ``T``,
so the low byte of the register is discarded at every step and the effective state is 8 bits.

That weakness makes a fast exact evaluation possible. With ``H(x) = T[x] >> 8`` (linear over
GF(2), and ``H⁸`` is the identity) the final register is
``T[H^((n-1) mod 8)(0xFF) ⊕ ⨁_j H^j(S_j)]`` where ``S_j`` is the XOR of the bytes whose distance
from the end is ``j`` mod 8. ``S_j`` comes from XOR-folding the segment as one big integer, which
runs in C; the per-byte Python loop is only needed for the Modbus fallbacks.
"""

from __future__ import annotations

from enum import StrEnum


class CrcVariant(StrEnum):
    """Which CRC a frame's ``CCCC`` field matched."""

    HJ212 = "hj212"
    """The standard's algorithm, HJ 212-2017 Appendix A."""
    MODBUS = "modbus"
    """Plain CRC-16/MODBUS printed as the register value (``linqiu126/hcu`` devices)."""
    MODBUS_SWAPPED = "modbus_swapped"
    """CRC-16/MODBUS printed low byte first, i.e. in Modbus wire order (some real devices)."""


ALL_CRC_VARIANTS: frozenset[CrcVariant] = frozenset(CrcVariant)
STANDARD_CRC_ONLY: frozenset[CrcVariant] = frozenset({CrcVariant.HJ212})


def _make_table() -> list[int]:
    table = []
    for i in range(256):
        reg = i
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        table.append(reg)
    return table


_T: list[int] = _make_table()
_from_bytes = int.from_bytes
# _HP[j][x] = H^j(x) with H(x) = T[x] >> 8.
_HP: list[list[int]] = [list(range(256))]
for _ in range(7):
    _HP.append([_T[x] >> 8 for x in _HP[-1]])
_H0, _H1, _H2, _H3, _H4, _H5, _H6, _H7 = _HP
_START: list[int] = [_HP[k][0xFF] for k in range(8)]
# XOR-fold steps (shift, mask) per segment length, computed on first use (lengths ≤ 9999).
_SCHEDULES: dict[int, tuple[tuple[int, int], ...]] = {}
_MASKS: dict[int, int] = {}


def _schedule(n: int) -> tuple[tuple[int, int], ...]:
    steps = []
    nbits = n * 8
    while nbits > 64:
        half = ((nbits + 127) // 128) * 64  # a multiple of 64 bits keeps every byte's lane
        mask = _MASKS.get(half)
        if mask is None:
            mask = _MASKS[half] = (1 << half) - 1
        steps.append((half, mask))
        nbits = half
    schedule = tuple(steps)
    if n <= 9999:
        _SCHEDULES[n] = schedule
    return schedule


def crc_hj212(data: bytes | bytearray | memoryview) -> int:
    """CRC of ``data`` by the HJ 212 algorithm (HJ 212-2017 Appendix A).

    Parameters
    ----------
    data : bytes
        The data segment, as UTF-8 bytes (unsigned).

    Returns
    -------
    int
        The 16-bit register, printed ``%04X`` on the wire.

    Examples
    --------
    >>> f"{crc_hj212(b'123456789'):04X}", f"{crc_hj212(b''):04X}"
    ('2F80', 'FFFF')
    """
    n = len(data)
    if n == 0:
        return 0xFFFF
    return _T[_START[(n - 1) & 7] ^ fold_hj212(data)]


def fold_hj212(data: bytes | bytearray | memoryview) -> int:
    """``⨁_j H^j(S_j)`` of ``data`` (see the module docstring): the part of the CRC that depends
    on the bytes. It composes: ``fold(a + b) == fold(b) ^ H^(len(b) mod 8)(fold(a))``, which
    :func:`crc_hj212_joined` uses to reuse the fold of a fixed tail."""
    n = len(data)
    if n >= 32:
        # First fold as four integers whose lengths keep every byte's lane (a multiple of 8
        # bytes from the end): cheaper than shifting one big integer twice.
        q = 8 * (n // 32)
        a = n - 3 * q
        b = a + q
        c = b + q
        v = _from_bytes(data[:a]) ^ _from_bytes(data[a:b]) ^ _from_bytes(data[b:c])
        v ^= _from_bytes(data[c:])
        n_left = a
    else:
        v = _from_bytes(data)
        n_left = n
    schedule = _SCHEDULES.get(n_left)
    if schedule is None:
        schedule = _schedule(n_left)
    for half, mask in schedule:
        v = (v >> half) ^ (v & mask)
    s = v.to_bytes(8, "little")
    return s[0] ^ _H1[s[1]] ^ _H2[s[2]] ^ _H3[s[3]] ^ _H4[s[4]] ^ _H5[s[5]] ^ _H6[s[6]] ^ _H7[s[7]]


def crc_hj212_joined(head: bytes, tail_fold: int, tail_length: int) -> int:
    """``crc_hj212(head + tail)`` from ``head`` and the tail's :func:`fold_hj212` and length.

    A reply differs from the last one to the same device only in its QN: the rest's fold is
    computed once, and only the few bytes of ``QN=…`` are folded per reply.
    """
    n = len(head) + tail_length
    if n == 0:
        return 0xFFFF
    return _T[_START[(n - 1) & 7] ^ tail_fold ^ _HP[tail_length & 7][fold_hj212(head)]]


def crc_hj212_reference(data: bytes | bytearray | memoryview) -> int:
    """Byte-by-byte transcription of the standard's C sample (HJ 212-2017 Appendix A); for tests."""
    reg = 0xFFFF
    for b in bytes(data):
        reg = (reg >> 8) ^ b
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
    return reg


def crc_modbus(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/MODBUS of ``data`` (init 0xFFFF, reflected poly 0xA001), as the register value.

    Examples
    --------
    >>> f"{crc_modbus(b'123456789'):04X}"
    '4B37'
    """
    reg = 0xFFFF
    t = _T
    for b in bytes(data):
        reg = (reg >> 8) ^ t[(reg ^ b) & 0xFF]
    return reg


def compute_crc(
    data: bytes | bytearray | memoryview, variant: CrcVariant = CrcVariant.HJ212
) -> int:
    """The value a sender using ``variant`` prints in the ``CCCC`` field for ``data``."""
    if variant is CrcVariant.HJ212:
        return crc_hj212(data)
    reg = crc_modbus(data)
    if variant is CrcVariant.MODBUS:
        return reg
    return ((reg & 0xFF) << 8) | (reg >> 8)


def format_crc(value: int) -> bytes:
    """The ``CCCC`` field: four upper-case hex digits, zero-padded (HJ 212-2017 §6.3.1)."""
    return b"%04X" % (value & 0xFFFF)


def read_crc_field(field: bytes | str) -> int | None:
    """The integer in a received ``CCCC`` field, or None if it is not 1–4 hex digits.

    Lower case and a dropped leading zero are accepted (both seen from real senders).
    """
    if isinstance(field, str):
        field = field.encode("ascii", "replace")
    if not 1 <= len(field) <= 4 or field.translate(None, _HEX_DIGITS):
        return None
    return int(field, 16)


_HEX_DIGITS = b"0123456789abcdefABCDEF"


def check_crc(data: bytes | bytearray | memoryview, field: bytes | str) -> CrcVariant | None:
    """Which CRC variant, if any, makes ``field`` the CRC of ``data`` (HJ 212-2017 Appendix A).

    Tries the standard algorithm first, then plain and byte-swapped CRC-16/MODBUS. Whether a
    non-standard match is acceptable is the caller's policy (e.g. per device MN), not decided here.

    Returns
    -------
    CrcVariant or None
        The first variant that matches, or None if the field is unreadable or nothing matches.

    Examples
    --------
    >>> check_crc(b"QN=1", b"%04X" % crc_hj212(b"QN=1"))
    <CrcVariant.HJ212: 'hj212'>
    """
    value = read_crc_field(field)
    if value is None:
        return None
    if crc_hj212(data) == value:
        return CrcVariant.HJ212
    reg = crc_modbus(data)
    if reg == value:
        return CrcVariant.MODBUS
    if ((reg & 0xFF) << 8) | (reg >> 8) == value:
        return CrcVariant.MODBUS_SWAPPED
    return None
