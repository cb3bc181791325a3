"""Emission limits and reference oxygen against the published tables.

Each test names the table it checks. Values tagged verified were read in the official PDFs kept in
``Fungwingwaa/cee`` (GB 4915-2013, GB 31571-2015, GB 18918-2002, GB 13271-2014) and in the
HJ 212-2017 PDF of ``tonyxia2016/HJ212Receiver``; the rest are [S]/[R] numbers of
``shared/design/rules.md`` and must stay ``verified: false`` (``docs/rulebook-verification.md``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from ceguan.hj212.codes import DataFlag
from ceguan.standards import NotInForce, load_rulebook
from ceguan.standards.limits import Override, UnknownLimit, emission_limit, reference_oxygen
from ceguan.standards.rulebook import PACKAGE_DIR
from ceguan.standards.schema import Reference

ON = date(2020, 1, 1)
NEW_TREES = ("limits", "oxygen", "validity", "comparison", "flags")
VERIFICATION_DOC = Path(__file__).resolve().parents[2] / "docs" / "rulebook-verification.md"


def limit(*path: str, period: str = "hourly", on: date = ON, condition: str | None = None):
    standard, category, tier, pollutant = path
    rulebook = load_rulebook()
    return emission_limit(
        rulebook, standard, category, tier, pollutant, period, on=on, condition=condition
    )


# GB 4915-2013 表1 (existing and new) and 表2 (special), kiln and kiln-tail waste-heat system.
GB4915_KILN = [
    ("particulate", 30, 20),
    ("so2", 200, 100),
    ("nox", 400, 320),
    ("hg", 0.05, 0.05),
    ("nh3", 10, 8),
]


@pytest.mark.parametrize(("pollutant", "table_1", "table_2"), GB4915_KILN)
def test_gb4915_kiln_limits_are_table_1_and_table_2(
    pollutant: str, table_1: float, table_2: float
) -> None:
    for tier in ("existing", "new"):
        found = limit("gb4915", "kiln", tier, pollutant)
        assert found.value == table_1
        assert found.reference.title == "GB 4915-2013 表1"
    special = limit("gb4915", "kiln", "special", pollutant)
    assert special.value == table_2
    assert special.reference.title == "GB 4915-2013 表2"
    assert special.verified and special.reference_o2 == 10  # 4.1.4: kiln at 10 % O2


def test_gb4915_dryers_and_ventilated_equipment() -> None:
    """GB 4915-2013 表1/表2: dryers with own heat source (注(2)) and other ventilated equipment."""
    assert limit("gb4915", "dryer_own_heat_source", "new", "so2").value == 600
    assert limit("gb4915", "dryer_own_heat_source", "special", "so2").value == 400
    assert limit("gb4915", "dryer_own_heat_source", "new", "nox").value == 400
    assert limit("gb4915", "dryer_own_heat_source", "special", "nox").value == 300
    assert limit("gb4915", "dryer_own_heat_source", "new", "particulate").reference_o2 == 8
    assert limit("gb4915", "dryer_mill_cooler", "new", "particulate").reference_o2 is None
    assert limit("gb4915", "ventilated_equipment", "existing", "particulate").value == 20
    assert limit("gb4915", "ventilated_equipment", "special", "particulate").value == 10
    with pytest.raises(UnknownLimit, match="particulate"):
        limit("gb4915", "dryer_mill_cooler", "new", "so2")  # 注(2): only own-heat-source dryers


@pytest.mark.parametrize(
    ("tier", "first_day"),
    [("new", date(2014, 3, 1)), ("existing", date(2015, 7, 1))],
)
def test_gb4915_tiers_start_on_their_dates(tier: str, first_day: date) -> None:
    """GB 4915-2013 4.1.1 (existing from 2015-07-01) and 4.1.2 (new from 2014-03-01)."""
    with pytest.raises(NotInForce):
        limit("gb4915", "kiln", tier, "so2", on=first_day - timedelta(days=1))
    assert limit("gb4915", "kiln", tier, "so2", on=first_day).value == 200


def test_a_limit_without_a_stated_period_answers_every_period() -> None:
    """GB 4915-2013 states no averaging period (6.2: an instant sample may judge)."""
    hourly = limit("gb4915", "kiln", "new", "nox", period="hourly")
    daily = limit("gb4915", "kiln", "new", "nox", period="daily")
    assert hourly.value == daily.value == 400
    assert hourly.period == "any"


def test_gb31571_process_heater_table_4_and_table_5() -> None:
    """GB 31571-2015 表4 (150, or 180 at furnace ≥ 850 °C, 注(2)) and 表5; 5.1.5: 3 % O2."""
    assert limit("gb31571", "process_heater", "new", "particulate").value == 20
    assert limit("gb31571", "process_heater", "new", "so2").value == 100
    assert limit("gb31571", "process_heater", "existing", "nox").value == 150
    hot = limit("gb31571", "process_heater", "existing", "nox", condition="furnace_850c")
    assert hot.value == 180
    assert limit("gb31571", "process_heater", "special", "so2").value == 50
    assert limit("gb31571", "process_heater", "special", "nox").value == 100
    assert hot.reference_o2 == 3 and hot.verified
    assert limit("gb31571", "halogenated_organic_waste_gas", "new", "hcl").value == 30


def test_gb31571_existing_plants_from_2017_07_01() -> None:
    """GB 31571-2015 4.1 and 5.1.1."""
    with pytest.raises(NotInForce):
        limit("gb31571", "total_outlet", "existing", "cod", on=date(2017, 6, 30))
    assert limit("gb31571", "total_outlet", "existing", "cod", on=date(2017, 7, 1)).value == 60


def test_gb31571_water_table_1_and_table_2() -> None:
    """GB 31571-2015 表1 and 表2, direct discharge at the total outlet."""
    assert limit("gb31571", "total_outlet", "new", "cod").value == 60
    listed = limit("gb31571", "total_outlet", "new", "cod", condition="listed_sectors")
    assert listed.value == 100  # 表1 注(2): PTA, acrylonitrile … 100 mg/L
    assert limit("gb31571", "total_outlet", "new", "nh3n").value == 8.0
    assert limit("gb31571", "total_outlet", "new", "tn").value == 40
    assert limit("gb31571", "total_outlet", "new", "tp").value == 1.0
    assert limit("gb31571", "total_outlet", "special", "cod").value == 50
    assert limit("gb31571", "total_outlet", "special", "nh3n").value == 5.0
    assert limit("gb31571", "total_outlet", "special", "tn").value == 30
    assert limit("gb31571", "total_outlet", "special", "tp").value == 0.5
    ph = limit("gb31571", "total_outlet", "new", "ph")
    assert (ph.lower, ph.value, ph.unit) == (6.0, 9.0, "pH")
    assert ph.reference_o2 is None


# GB 18918-2002 表1 基本控制项目最高允许排放浓度（日均值）: class → (COD, NH3-N, NH3-N ≤12 °C).
GB18918_TABLE_1 = [
    ("class_1a", 50, 5, 8, 0.5, 1),
    ("class_1b", 60, 8, 15, 1, 1.5),
    ("class_2", 100, 25, 30, 3, 3),
]


@pytest.mark.parametrize(("cls", "cod", "nh3n", "cold", "tp", "tp_old"), GB18918_TABLE_1)
def test_gb18918_table_1(
    cls: str, cod: float, nh3n: float, cold: float, tp: float, tp_old: float
) -> None:
    assert limit("gb18918", "plant", cls, "cod", period="daily").value == cod
    assert limit("gb18918", "plant", cls, "nh3n", period="daily").value == nh3n
    found = limit("gb18918", "plant", cls, "nh3n", period="daily", condition="cold_water")
    assert found.value == cold  # 注②: bracketed value for water ≤ 12 °C
    assert limit("gb18918", "plant", cls, "tp", period="daily").value == tp
    old = limit("gb18918", "plant", cls, "tp", period="daily", condition="built_before_2006")
    assert old.value == tp_old
    assert found.verified and found.reference.title == "GB 18918-2002 表1"


def test_gb18918_daily_means_only_and_blank_cells() -> None:
    """GB 18918-2002 4.1.4.2: judged on the daily mean; 表1 prints '-' for TN in class 2."""
    assert limit("gb18918", "plant", "class_1a", "tn", period="daily").value == 15
    assert limit("gb18918", "plant", "class_3", "cod", period="daily").value == 120
    with pytest.raises(UnknownLimit, match="daily"):
        limit("gb18918", "plant", "class_1a", "cod", period="hourly")
    with pytest.raises(UnknownLimit, match="class_2"):
        limit("gb18918", "plant", "class_2", "tn", period="daily")
    with pytest.raises(NotInForce):
        limit("gb18918", "plant", "class_1a", "cod", period="daily", on=date(2003, 6, 30))


def test_gb18485_hourly_and_daily_means_are_unverified() -> None:
    """GB 18485-2014 表4 as recalled ([R]): 1 h and 24 h means at 11 % O2."""
    hourly = limit("gb18485", "incinerator", "new", "particulate", period="hourly")
    daily = limit("gb18485", "incinerator", "new", "particulate", period="daily")
    assert (hourly.value, daily.value) == (30, 20)
    assert limit("gb18485", "incinerator", "new", "hcl", period="daily").value == 50
    assert limit("gb18485", "incinerator", "existing", "co", period="hourly").value == 100
    assert hourly.reference_o2 == 11
    assert not hourly.verified


def test_gb13223_tiers_dates_and_ultra_low() -> None:
    """GB 13223-2011 表1 ([S] transcription) and the ultra-low limits ([S]): all unverified."""
    assert limit("gb13223", "coal_boiler", "new", "so2").value == 100
    assert limit("gb13223", "coal_boiler", "existing", "so2", on=date(2014, 7, 1)).value == 200
    with pytest.raises(NotInForce):
        limit("gb13223", "coal_boiler", "existing", "so2", on=date(2014, 6, 30))
    with pytest.raises(NotInForce):
        limit("gb13223", "coal_boiler", "new", "hg", on=date(2014, 12, 31))
    assert limit("gb13223", "coal_boiler", "new", "hg", on=date(2015, 1, 1)).value == 0.03
    w_flame = limit("gb13223", "coal_boiler", "new", "nox", condition="w_flame")
    assert w_flame.value == 200
    ultra = [limit("gb13223", "coal_boiler", "ultra_low", p).value for p in ("particulate", "so2")]
    assert ultra == [10, 35]
    ultra_nox = limit("gb13223", "coal_boiler", "ultra_low", "nox")
    assert (ultra_nox.value, ultra_nox.reference_o2, ultra_nox.verified) == (50, 6, False)
    assert limit("gb13223", "natural_gas_turbine", "new", "nox").reference_o2 == 15


def test_steel_ultra_low_is_hourly_at_16_percent_o2() -> None:
    """环大气〔2019〕35号 ([S] values, [R] O2): only the ultra_low tier is converted."""
    found = limit("gb28662", "sinter_head", "ultra_low", "so2", period="hourly")
    assert (found.value, found.reference_o2) == (35, 16)
    assert limit("gb28662", "sinter_head", "new", "so2").reference_o2 is None
    # GB 28662 new plants from 2012-10-01 ([R]), before the 2019 O2 basis of the ultra-low tier
    before = limit("gb28662", "sinter_head", "new", "so2", on=date(2016, 1, 1))
    assert (before.value, before.reference_o2) == (200, None)
    with pytest.raises(UnknownLimit, match="hourly"):
        limit("gb28662", "sinter_head", "ultra_low", "so2", period="daily")


def test_unknown_combinations_say_what_the_rule_book_has() -> None:
    with pytest.raises(UnknownLimit, match="kiln"):
        limit("gb4915", "kilm", "new", "so2")
    with pytest.raises(UnknownLimit, match="gb4915"):
        limit("gb9999", "kiln", "new", "so2")
    with pytest.raises(UnknownLimit, match="existing, new, special"):
        limit("gb4915", "kiln", "ultra_low", "so2")
    with pytest.raises(UnknownLimit, match="furnace_850c"):
        limit("gb31571", "process_heater", "special", "nox", condition="furnace_850c")


def test_a_permit_limit_overrides_the_standard() -> None:
    permit = Reference(title="排污许可证 916200000000000000001P 表1 DA001")
    found = emission_limit(
        load_rulebook(), "gb4915", "kiln", "existing", "so2", "hourly",
        on=ON, override=Override(value=150, unit="mg/m3", reference=permit, verified=True),
    )  # fmt: skip
    assert (found.value, found.source, found.reference) == (150.0, "permit", permit)
    assert found.reference_o2 == 10  # the standard's O2 basis still applies
    own_o2 = Override(value=80, unit="mg/m3", reference=permit, reference_o2=9.0)
    found = emission_limit(
        load_rulebook(), "gb4915", "kiln", "existing", "so2", "hourly", on=ON, override=own_o2
    )
    assert (found.reference_o2, found.oxygen_reference, found.verified) == (9.0, None, False)


def test_reference_oxygen_table() -> None:
    """Reference O2 per source: GB 4915-2013 4.1.4, GB 31571-2015 5.1.5, GB 13271-2014 表6."""
    rulebook = load_rulebook()

    def o2(standard: str, category: str, tier: str = "any") -> float | None:
        found = reference_oxygen(rulebook, standard, category, tier, on=ON)
        return None if found is None else found.value

    assert o2("gb4915", "kiln") == 10
    assert o2("gb4915", "dryer_own_heat_source") == 8
    assert o2("gb4915", "ventilated_equipment") is None
    assert o2("gb31571", "process_heater") == 3
    assert o2("gb31571", "incineration_organic_waste_gas") == 3
    assert o2("gb31571", "halogenated_organic_waste_gas") is None  # non-incineration: measured
    assert o2("gb13271", "coal_boiler") == 9
    assert o2("gb13271", "oil_gas_boiler") == 3.5
    assert o2("gb13223", "coal_boiler", "ultra_low") == 6
    with pytest.raises(UnknownLimit):
        reference_oxygen(rulebook, "gb0000", "kiln", on=ON)


def test_validity_rules_of_hj212_appendices() -> None:
    """HJ 212-2017 附录D (23) n ≥ 12, (25) m ≥ 20; 附录C 表C.16–C.18 notes (75 %; one abnormal)."""
    rulebook = load_rulebook()
    assert rulebook.get("validity.valid_samples_per_minute", on=ON).number() == 12
    assert rulebook.get("validity.valid_hours_per_day", on=ON).number() == 20
    assert rulebook.get("validity.flue_gas_normal_share", on=ON).number() == 0.75
    assert rulebook.get("validity.wastewater_normal_share", on=ON).number() == 1.0
    with pytest.raises(NotInForce):
        rulebook.get("validity.valid_hours_per_day", on=date(2017, 4, 30))
    sectors = rulebook.get("validity.marking_rule_sectors", on=date(2023, 1, 1))
    assert sectors.codes() == ("waste_incineration", "thermal_power", "cement", "paper")
    assert not sectors.verified
    with pytest.raises(NotInForce):
        rulebook.get("validity.marking_rule_sectors", on=date(2022, 12, 31))


def test_flags_are_hj212_table_8_and_each_has_a_status() -> None:
    """HJ 212-2017 6.6.4 表8: the eight flags, the same as ``ceguan.hj212.codes.DataFlag``."""
    rulebook = load_rulebook()
    labels = rulebook.get("flags.labels", on=ON)
    status = rulebook.get("flags.status", on=ON)
    assert set(labels.value) == {flag.value for flag in DataFlag}  # type: ignore[arg-type]
    assert labels.value["T"] == "在线监控（监测）仪器仪表采样数值超过测量上限"  # type: ignore[index]
    assert labels.verified
    assert set(status.value) == set(labels.value)  # type: ignore[arg-type]
    assert status.value["N"] == "valid" and status.value["D"] == "fault"  # type: ignore[index]
    assert not status.verified  # an interpretation, not the standard's words


# Inventory of the regulatory trees (style.md §12): reference, verified flag, review date.


def new_parameters():
    return [p for p in load_rulebook().all_parameters() if p.path.split(".")[0] in NEW_TREES]


def test_every_regulatory_parameter_is_cited_and_flagged() -> None:
    parameters = new_parameters()
    assert len(parameters) > 200
    for parameter in parameters:
        assert isinstance(parameter.verified, bool), parameter.path
        for _, reference in parameter.references:
            assert reference.title.strip(), parameter.path
        if parameter.verified:
            # verified means read in the primary text: say where, and when
            assert all(ref.href for _, ref in parameter.references), parameter.path
            assert parameter.last_reviewed_on == date(2026, 11, 28), parameter.path
        else:
            # unverified numbers say what was found, and cite no copy as if read
            assert parameter.documentation, parameter.path
            assert "未核原文" in "".join(r.clause or "" for _, r in parameter.references) or (
                parameter.path.startswith(("oxygen.", "flags."))
            ), parameter.path


def test_the_verification_record_lists_every_regulatory_parameter() -> None:
    """``docs/rulebook-verification.md`` names each parameter with its verified state."""
    text = VERIFICATION_DOC.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9_.]+)` \|.*\| (yes|no) \|", text, flags=re.M))
    for parameter in new_parameters():
        assert parameter.path in rows, f"{parameter.path} missing from {VERIFICATION_DOC.name}"
        assert rows[parameter.path] == ("yes" if parameter.verified else "no"), parameter.path


def test_the_regulatory_trees_exist_as_folders() -> None:
    for tree in NEW_TREES:
        assert (PACKAGE_DIR / tree / "index.yaml").is_file()
