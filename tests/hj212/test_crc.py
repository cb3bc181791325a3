"""CRC: the HJ 212 algorithm (HJ 212-2017 Appendix A) and the Modbus variants devices send."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceguan.hj212 import CrcVariant, check_crc, compute_crc, crc_hj212, crc_modbus, format_crc
from ceguan.hj212.crc import crc_hj212_joined, crc_hj212_reference, fold_hj212, read_crc_field

APPENDIX_A = (
    b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
    b"CP=&&RtdInterval=30&&"
)
LOG_3020 = (
    "QN=20160801085857223;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;Flag=5;"
    "CP=&&DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路//&&"
)


@pytest.mark.parametrize(
    ("data", "hj212", "modbus"),
    [
        # hj212.md §2 check values; Modbus ones are the published CRC-16/MODBUS check values.
        (b"", 0xFFFF, 0xFFFF),
        (b"A", 0x7080, 0x707F),
        (b"123456789", 0x2F80, 0x4B37),
    ],
)
def test_check_values(data: bytes, hj212: int, modbus: int) -> None:
    assert crc_hj212(data) == hj212
    assert crc_hj212_reference(data) == hj212
    assert crc_modbus(data) == modbus


def test_the_standards_worked_example_is_1c80_not_the_misprinted_1c08() -> None:
    """HJ 212-2017 Appendix A prints the frame with 1C80 and the prose with 1C08."""
    assert format_crc(crc_hj212(APPENDIX_A)) == b"1C80"
    assert check_crc(APPENDIX_A, b"1C08") is None


def test_the_crc_is_over_utf8_bytes_as_unsigned() -> None:
    """hj212.md §2 item 5: the 3020 log example, 152 UTF-8 bytes → 9741 (GBK would give DEC1)."""
    utf8 = LOG_3020.encode("utf-8")
    assert len(utf8) == 152 and len(LOG_3020) == 144
    assert crc_hj212(utf8) == 0x9741
    assert crc_hj212(LOG_3020.encode("gbk")) == 0xDEC1


def test_the_low_byte_of_every_standard_crc_is_one_of_eight_values() -> None:
    """The register's low byte is discarded each step: only 256 CRCs exist (hj212.md §2)."""
    lows = {crc_hj212(bytes([a, b])) & 0xFF for a in range(256) for b in range(0, 256, 7)}
    assert lows <= {0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1}


@given(st.binary(max_size=3000))
def test_the_fast_crc_equals_the_standards_c_sample(data: bytes) -> None:
    assert crc_hj212(data) == crc_hj212_reference(data)


@given(st.binary(max_size=200), st.binary(max_size=700))
def test_the_crc_of_a_head_and_a_folded_tail_is_the_crc_of_both(head: bytes, tail: bytes) -> None:
    expected = crc_hj212_reference(head + tail)
    assert crc_hj212_joined(head, fold_hj212(tail), len(tail)) == expected


@given(st.binary(max_size=300), st.sampled_from(list(CrcVariant)))
def test_check_crc_names_the_variant_a_sender_used(data: bytes, variant: CrcVariant) -> None:
    field = format_crc(compute_crc(data, variant))
    found = check_crc(data, field)
    assert found is not None
    # A value can collide with an earlier-tried variant; it must then really be that CRC.
    assert compute_crc(data, found) == int(field, 16)
    order = list(CrcVariant)
    assert order.index(found) <= order.index(variant)


def test_check_crc_accepts_lower_case_and_a_dropped_leading_zero() -> None:
    data = b"x" * 5
    value = crc_hj212(data)
    assert check_crc(data, format_crc(value).lower()) is CrcVariant.HJ212
    data = next(d for d in (bytes([i]) for i in range(256)) if crc_hj212(d) < 0x1000)
    assert check_crc(data, b"%X" % crc_hj212(data)) is CrcVariant.HJ212


@pytest.mark.parametrize("field", [b"", b"12345", b"0x1F", b"+1F", b"G000", b" 1F0", "１２３４"])
def test_unreadable_crc_fields_match_nothing(field: bytes | str) -> None:
    assert read_crc_field(field) is None
    assert check_crc(b"abc", field) is None


def test_byte_swapped_modbus_is_the_register_low_byte_first() -> None:
    reg = crc_modbus(APPENDIX_A)
    swapped = compute_crc(APPENDIX_A, CrcVariant.MODBUS_SWAPPED)
    assert swapped == ((reg & 0xFF) << 8) | (reg >> 8)
    assert check_crc(APPENDIX_A, format_crc(swapped)) is CrcVariant.MODBUS_SWAPPED
