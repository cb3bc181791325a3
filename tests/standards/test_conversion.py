"""Reference-oxygen conversion, with worked examples (arithmetic beside each expected value).

Formula: GB 4915-2013 4.1.4 (1), GB 31571-2015 5.1.5 (2), GB 13271-2014 5.2 (1), HJ 212-2017 D.2.3
(28): C_ref = C × (21 − O2_ref) / (21 − O2_measured).
"""

from __future__ import annotations

import doctest
from datetime import date

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ceguan.standards import conversion, load_rulebook
from ceguan.standards.conversion import AIR_O2, converted_concentration


def test_the_docstring_examples_run() -> None:
    failures, tried = doctest.testmod(conversion)
    assert tried >= 2 and failures == 0


def test_air_o2_is_the_rule_books() -> None:
    found = load_rulebook().get("oxygen.air_o2", on=date(2020, 1, 1))
    assert found.number() == AIR_O2 == 21.0
    assert found.verified


@pytest.mark.parametrize(
    ("measured", "o2", "o2_ref", "expected"),
    [
        # cement kiln, GB 4915-2013 (O2_ref 10 %): 180 × (21 − 10)/(21 − 13) = 180 × 11/8
        (180.0, 13.0, 10.0, 247.5),
        # cement dryer with own heat source (8 %): 300 × (21 − 8)/(21 − 16) = 300 × 13/5
        (300.0, 16.0, 8.0, 780.0),
        # petrochemical process heater, GB 31571-2015 (3 %): 90 × (21 − 3)/(21 − 6) = 90 × 18/15
        (90.0, 6.0, 3.0, 108.0),
        # coal boiler, GB 13271-2014 表6 (9 %): 200 × (21 − 9)/(21 − 9) = 200, no change at O2_ref
        (200.0, 9.0, 9.0, 200.0),
        # gas boiler (3.5 %) measured drier than the basis: 40 × (21 − 3.5)/(21 − 2) = 40 × 17.5/19
        (40.0, 2.0, 3.5, 40.0 * 17.5 / 19.0),
        # waste incinerator (11 %): 20 × (21 − 11)/(21 − 11) = 20; zero stays zero
        (0.0, 11.0, 11.0, 0.0),
    ],
)
def test_worked_examples(measured: float, o2: float, o2_ref: float, expected: float) -> None:
    result = converted_concentration(measured, o2, o2_ref)
    assert isinstance(result, float)
    assert_allclose(result, expected, rtol=1e-12)


def test_arrays_broadcast_and_air_gives_nan() -> None:
    measured = np.array([100.0, 100.0, 100.0, 100.0])
    o2 = np.array([6.0, 11.0, 21.0, -1.0])
    # 100 × 15/15 = 100; 100 × 15/10 = 150; O2 = 21 % (air) and O2 < 0 have no converted value
    result = converted_concentration(measured, o2, 6.0)
    assert isinstance(result, np.ndarray)
    assert_allclose(result, [100.0, 150.0, np.nan, np.nan], rtol=1e-12)
    per_row = converted_concentration([[50.0], [50.0]], [[12.0], [12.0]], [10.0, 8.0])
    # 50 × 11/9 and 50 × 13/9 for each of the two rows
    assert_allclose(per_row, [[50 * 11 / 9, 50 * 13 / 9]] * 2, rtol=1e-12)
