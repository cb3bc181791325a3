"""The loader is strict and says where the problem is (``shared/design/style.md`` §2).

Each bad file must fail with a ``RuleBookError`` naming the file and the key path, after
openfisca-core ``tests/core/test_parameters.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest

from ceguan.standards import (
    MonthDay,
    NotInForce,
    RuleBookError,
    Unit,
    read_parameter,
)
from tests.standards.helpers import VALID_PARAMETER, write


def read_bad(tmp_path: Path, text: str) -> RuleBookError:
    file = write(tmp_path, "limit.yaml", text)
    with pytest.raises(RuleBookError) as caught:
        read_parameter(file, "test.limit")
    assert caught.value.file == file
    assert str(file) in str(caught.value)
    return caught.value


def test_it_reads_a_valid_parameter(tmp_path: Path) -> None:
    file = write(tmp_path, "limit.yaml", VALID_PARAMETER)
    parameter = read_parameter(file, "test.limit")
    assert parameter.unit is Unit.MG_M3
    assert parameter.verified is False
    assert parameter.last_reviewed_on == date(2026, 11, 28)
    assert parameter.values == ((date(2015, 1, 1), 50.0), (date(2020, 7, 1), 30.0))


def test_it_returns_the_value_on_each_side_of_a_date(tmp_path: Path) -> None:
    parameter = read_parameter(write(tmp_path, "limit.yaml", VALID_PARAMETER), "test.limit")
    assert parameter.value_on(date(2020, 6, 30)).value == 50.0
    assert parameter.value_on(date(2020, 7, 1)).value == 30.0
    found = parameter.value_on(date(2030, 1, 1))
    assert found.effective_from == date(2020, 7, 1)
    assert found.reference.title == "GB 0000-2015 表1"
    assert found.reference.clause == "4.1"
    assert found.reference.href == "https://example.org/gb0000"
    assert found.verified is False


def test_it_raises_not_in_force_before_the_first_date(tmp_path: Path) -> None:
    file = write(tmp_path, "limit.yaml", VALID_PARAMETER)
    parameter = read_parameter(file, "test.limit")
    with pytest.raises(NotInForce) as caught:
        parameter.value_on(date(2014, 12, 31))
    assert caught.value.file == file
    assert caught.value.key == "values"
    assert caught.value.on == date(2014, 12, 31)
    assert "2015-01-01" in caught.value.message


def test_it_raises_not_in_force_after_a_repeal(tmp_path: Path) -> None:
    text = VALID_PARAMETER + "  2024-01-01: null\n"
    parameter = read_parameter(write(tmp_path, "limit.yaml", text), "test.limit")
    assert parameter.value_on(date(2023, 12, 31)).value == 30.0
    with pytest.raises(NotInForce) as caught:
        parameter.value_on(date(2024, 1, 1))
    assert caught.value.key == "values.2024-01-01"


def test_it_rejects_an_unknown_top_level_key(tmp_path: Path) -> None:
    error = read_bad(tmp_path, VALID_PARAMETER + "comment: oops\n")
    assert error.key == "comment"
    assert "unknown key" in error.message
    assert error.line == 14


def test_it_rejects_an_unknown_key_in_a_reference(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace('      clause: "4.1"\n', '      clauses: "4.1"\n')
    error = read_bad(tmp_path, text)
    assert error.key == "metadata.reference.2015-01-01.clauses"
    assert error.line == 7


def test_it_rejects_a_duplicate_key(tmp_path: Path) -> None:
    error = read_bad(tmp_path, VALID_PARAMETER + "  2015-01-01: 40\n")
    assert error.key == "values.2015-01-01"
    assert "duplicate key" in error.message
    assert "line 12" in error.message
    assert error.line == 14


def test_it_rejects_a_duplicate_key_in_nested_metadata(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("  verified: false\n", "  verified: false\n  unit: h\n")
    error = read_bad(tmp_path, text)
    assert error.key == "metadata.unit"


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("2020-13-01", "values.2020-13-01"),
        ("2020-02-30", "values.2020-02-30"),
        ("2020-7-1", "values.2020-7-1"),
        ("20200701", "values.20200701"),
        ("July 2020", "values.July 2020"),
    ],
)
def test_it_rejects_a_malformed_value_date(tmp_path: Path, written: str, key: str) -> None:
    error = read_bad(tmp_path, VALID_PARAMETER.replace("2020-07-01", written))
    assert error.key == key


def test_it_rejects_a_malformed_reference_date(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("    2015-01-01:\n      title", "    2015-1-1:\n      title")
    error = read_bad(tmp_path, text)
    assert error.key == "metadata.reference.2015-1-1"
    assert "YYYY-MM-DD" in error.message


def test_it_rejects_a_malformed_review_date(tmp_path: Path) -> None:
    error = read_bad(tmp_path, VALID_PARAMETER.replace("2026-11-28", "2026-11-31"))
    assert error.key == "metadata.last_reviewed_on"


def test_it_rejects_a_missing_unit(tmp_path: Path) -> None:
    error = read_bad(tmp_path, VALID_PARAMETER.replace("  unit: mg/m3\n", ""))
    assert error.key == "metadata.unit"
    assert "missing" in error.message


def test_it_reports_a_misspelt_key_before_the_key_it_should_have_been(tmp_path: Path) -> None:
    error = read_bad(tmp_path, VALID_PARAMETER.replace("  unit: mg/m3", "  units: mg/m3"))
    assert error.key == "metadata.units"
    assert error.line == 3
    assert "also wrong: metadata.unit" in error.message


def test_it_rejects_an_unknown_unit(tmp_path: Path) -> None:
    error = read_bad(tmp_path, VALID_PARAMETER.replace("unit: mg/m3", "unit: mg/Nm3"))
    assert error.key == "metadata.unit"
    assert "mg/Nm3" in error.message


def test_it_rejects_a_missing_reference(tmp_path: Path) -> None:
    start = VALID_PARAMETER.index("  reference:")
    end = VALID_PARAMETER.index("  verified:")
    error = read_bad(tmp_path, VALID_PARAMETER[:start] + VALID_PARAMETER[end:])
    assert error.key == "metadata.reference"


def test_it_rejects_an_empty_reference(tmp_path: Path) -> None:
    start = VALID_PARAMETER.index("  reference:")
    end = VALID_PARAMETER.index("  verified:")
    text = VALID_PARAMETER[:start] + "  reference: {}\n" + VALID_PARAMETER[end:]
    assert read_bad(tmp_path, text).key == "metadata.reference"


def test_it_rejects_a_reference_without_title(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("      title: GB 0000-2015 表1\n", "")
    assert read_bad(tmp_path, text).key == "metadata.reference.2015-01-01.title"


def test_it_rejects_a_value_older_than_every_reference(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("  2015-01-01: 50\n", "  2014-01-01: 50\n")
    error = read_bad(tmp_path, text)
    assert error.key == "values.2014-01-01"
    assert "no reference" in error.message


def test_it_rejects_a_verified_flag_that_is_not_a_boolean(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("verified: false", "verified: 'no'")
    assert read_bad(tmp_path, text).key == "metadata.verified"


def test_it_rejects_a_missing_verified_flag(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("  verified: false\n", "")
    assert read_bad(tmp_path, text).key == "metadata.verified"


def test_it_rejects_a_value_of_the_wrong_shape_for_its_unit(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("  2020-07-01: 30\n", "  2020-07-01: thirty\n")
    assert read_bad(tmp_path, text).key == "values.2020-07-01"


def test_it_rejects_a_boolean_where_a_number_is_expected(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("  2020-07-01: 30\n", "  2020-07-01: true\n")
    assert read_bad(tmp_path, text).key == "values.2020-07-01"


def test_it_rejects_a_first_value_that_is_null(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("  2015-01-01: 50\n", "  2015-01-01: null\n")
    assert read_bad(tmp_path, text).key == "values.2015-01-01"


def test_it_rejects_a_missing_values_block(tmp_path: Path) -> None:
    text = VALID_PARAMETER[: VALID_PARAMETER.index("values:")]
    assert read_bad(tmp_path, text).key == "values"


def test_it_rejects_invalid_yaml_with_its_line(tmp_path: Path) -> None:
    error = read_bad(tmp_path, VALID_PARAMETER + "  - oops: [\n")
    assert error.line is not None
    assert "invalid YAML" in error.message


def test_it_rejects_an_empty_file(tmp_path: Path) -> None:
    assert "empty" in read_bad(tmp_path, "").message


def test_it_rejects_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    assert read_bad(tmp_path, "- a\n- b\n").key == ""


def test_it_rejects_merge_keys(tmp_path: Path) -> None:
    text = VALID_PARAMETER.replace("  verified: false\n", "  verified: false\n  <<: {}\n")
    assert read_bad(tmp_path, text).key == "metadata.<<"


def _unit_file(unit: str, value: str) -> str:
    return VALID_PARAMETER.replace("unit: mg/m3", f"unit: {unit}").split("values:")[0] + (
        f"values:\n  2015-01-01:{value}\n"
    )


@pytest.mark.parametrize(
    ("unit", "value", "expected"),
    [
        ("day-of-year", "\n    month: 4\n    day: 28", MonthDay(month=4, day=28)),
        ("day-of-month", " 10", 10),
        ("fraction", " 0.10", 0.10),
        ("percent", " 10", 10.0),
        ("code", "\n    steel: 钢铁", MappingProxyType({"steel": "钢铁"})),
        ("mg/m3", "\n    hourly: 30\n    daily: 20", MappingProxyType({"hourly": 30, "daily": 20})),
    ],
)
def test_it_checks_each_unit_value_shape(
    tmp_path: Path, unit: str, value: str, expected: object
) -> None:
    parameter = read_parameter(write(tmp_path, "p.yaml", _unit_file(unit, value)), "p")
    assert parameter.value_on(date(2015, 1, 1)).value == expected


@pytest.mark.parametrize(
    ("unit", "value", "key"),
    [
        ("day-of-year", "\n    month: 2\n    day: 30", "values.2015-01-01"),
        ("day-of-year", "\n    month: 13\n    day: 1", "values.2015-01-01.month"),
        ("day-of-year", "\n    month: 4\n    day: 28\n    year: 2018", "values.2015-01-01.year"),
        ("day-of-month", " 32", "values.2015-01-01"),
        ("fraction", " 10", "values.2015-01-01"),
        ("percent", " 101", "values.2015-01-01"),
        ("code", "\n    Steel: 钢铁", "values.2015-01-01.Steel"),
        ("code", " {}", "values.2015-01-01"),
        ("code", "\n    steel: ''", "values.2015-01-01.steel"),
    ],
)
def test_it_rejects_a_value_outside_its_unit(
    tmp_path: Path, unit: str, value: str, key: str
) -> None:
    assert read_bad(tmp_path, _unit_file(unit, value)).key == key


def test_a_mapping_value_cannot_be_changed_by_a_caller(tmp_path: Path) -> None:
    parameter = read_parameter(write(tmp_path, "p.yaml", _unit_file("code", "\n    a: A")), "p")
    value = parameter.value_on(date(2015, 1, 1)).value
    with pytest.raises(TypeError):
        value["b"] = "B"  # type: ignore[index]


def test_typed_accessors_refuse_the_wrong_kind(tmp_path: Path) -> None:
    file = write(tmp_path, "limit.yaml", VALID_PARAMETER)
    found = read_parameter(file, "test.limit").value_on(date(2016, 1, 1))
    assert found.number() == 50.0
    with pytest.raises(RuleBookError) as caught:
        found.month_day()
    assert caught.value.file == file
    assert caught.value.key == "values.2015-01-01"
    with pytest.raises(RuleBookError):
        found.codes()


def test_month_day_falls_back_to_28_february_in_common_years() -> None:
    leap_day = MonthDay(month=2, day=29)
    assert leap_day.in_year(2024) == date(2024, 2, 29)
    assert leap_day.in_year(2026) == date(2026, 2, 28)
