"""The one factor table, ``POLLUTANT_CODES`` (HJ 212-2017 Appendix B, with 2005 codes)."""

from __future__ import annotations

import pytest

from ceguan.hj212 import INFO_CODES, POLLUTANT_CODES, Medium, lookup_pollutant

# The glossary-style names the rest of Ceguan relies on, with the unit of their values.
REQUIRED = {
    "so2": "mg/m3",
    "nox": "mg/m3",
    "no": "mg/m3",
    "no2": "mg/m3",
    "particulate": "mg/m3",
    "o2": "%",
    "flow": "m3/s",
    "temperature": "degC",
    "pressure": "kPa",
    "humidity": "%",
    "velocity": "m/s",
    "cod": "mg/L",
    "nh3n": "mg/L",
    "tp": "mg/L",
    "tn": "mg/L",
    "ph": None,
    "water_flow": "L/s",
    "co": "mg/m3",
    "hcl": "mg/m3",
    "hg": "mg/m3",
}


@pytest.mark.parametrize(("name", "unit"), REQUIRED.items())
def test_every_core_quantity_has_a_2017_code(name: str, unit: str | None) -> None:
    rows = [r for r in POLLUTANT_CODES.values() if r.name == name and not r.is_2005_code]
    assert rows, f"no 2017 code maps to {name}"
    assert unit in {r.unit for r in rows}


@pytest.mark.parametrize(
    ("new", "old", "name"),
    [
        ("a21026", "02", "so2"),
        ("a21002", "03", "nox"),
        ("a34013", "01", "particulate"),
        ("a21005", "04", "co"),
        ("a21024", "08", "hcl"),
        ("a20057", "31", "hg"),
        ("a19001", "S01", "o2"),
        ("a01011", "S02", "velocity"),
        ("a01012", "S03", "temperature"),
        ("a01014", "S05", "humidity"),
        ("a01013", "S08", "pressure"),
        ("a00000", "B02", "flow"),
        ("w00000", "B01", "water_flow"),
        ("w01018", "011", "cod"),
        ("w21003", "060", "nh3n"),
        ("w21011", "101", "tp"),
        ("w21001", "065", "tn"),
        ("w01001", "001", "ph"),
    ],
)
def test_2005_and_2017_codes_map_to_the_same_name(new: str, old: str, name: str) -> None:
    assert POLLUTANT_CODES[new].name == POLLUTANT_CODES[old].name == name
    assert POLLUTANT_CODES[old].code_2017 == new
    assert POLLUTANT_CODES[old].is_2005_code and not POLLUTANT_CODES[new].is_2005_code


def test_codes_are_consistent() -> None:
    for code, row in POLLUTANT_CODES.items():
        assert row.code == code
        assert row.name == row.name.lower().replace(" ", "_")
        assert row.code_2017 in POLLUTANT_CODES
        assert POLLUTANT_CODES[row.code_2017].name == row.name
    # One 2017 code per name and medium: the table is a function of the code.
    seen: dict[tuple[str, Medium], str] = {}
    for row in POLLUTANT_CODES.values():
        if not row.is_2005_code:
            assert seen.setdefault((row.name, row.medium), row.code) == row.code


def test_unknown_codes_are_none_and_the_table_is_read_only() -> None:
    assert lookup_pollutant("a99999") is None
    with pytest.raises(TypeError):
        POLLUTANT_CODES["x"] = POLLUTANT_CODES["a21026"]  # type: ignore[index]


def test_info_codes() -> None:
    assert INFO_CODES["i12001"].name == "instrument_work_state"
    assert INFO_CODES["i11001"].label_zh == "监测仪器日志"
