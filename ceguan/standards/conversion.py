"""Conversion of a measured flue-gas concentration to the standard's reference oxygen (折算浓度).

The reference O2 per source category is in the rule book (``oxygen/``); this module only holds
the formula. Array-friendly, after pvlib functions (``shared/design/style.md`` §6).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

AIR_O2 = 21.0
"""O2 volume fraction of air [%], the 21 of the standards' formula; equals the rule book's
``oxygen.air_o2`` (checked by ``tests/standards/test_conversion.py``)."""


def converted_concentration(
    measured: ArrayLike, o2_measured: ArrayLike, o2_reference: ArrayLike
) -> float | NDArray[np.float64]:
    r"""Concentration converted to the reference oxygen content (基准含氧量).

    Parameters
    ----------
    measured : numeric or array-like
        Measured concentration, standard state, dry [mg/m³].
    o2_measured : numeric or array-like
        Measured O2 volume fraction of the dry flue gas [%].
    o2_reference : numeric or array-like
        Reference O2 of the standard and source category [%] (``reference_oxygen``).

    Returns
    -------
    float or ndarray
        Converted concentration [mg/m³]; NaN where ``o2_measured`` is not in [0, 21) (the
        formula divides by 21 − O2, and an O2 of 21 % or more is air, not flue gas).

    Notes
    -----
    .. math::

        C_{ref} = C_{measured} \cdot \frac{21 - O_{2,ref}}{21 - O_{2,measured}}

    Inputs broadcast against each other (numpy rules); scalars give a float.

    References
    ----------
    .. [1] GB 4915-2013 水泥工业大气污染物排放标准, 4.1.4, formula (1).
    .. [2] GB 31571-2015 石油化学工业污染物排放标准, 5.1.5, formula (2).
    .. [3] GB 13271-2014 锅炉大气污染物排放标准, 5.2, formula (1) and 表6.
    .. [4] HJ 212-2017 Appendix D, D.2.3, formula (28).

    Examples
    --------
    A cement kiln (reference O2 10 %) measured at 50 mg/m³ with 12 % O2:

    >>> round(converted_concentration(50.0, 12.0, 10.0), 2)  # 50 * (21 - 10) / (21 - 12)
    61.11
    >>> converted_concentration([100.0, 100.0], [6.0, 21.0], 6.0)
    array([100.,  nan])
    """
    c = np.asarray(measured, dtype=np.float64)
    o2 = np.asarray(o2_measured, dtype=np.float64)
    o2_ref = np.asarray(o2_reference, dtype=np.float64)
    valid = (o2 >= 0) & (o2 < AIR_O2)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(valid, c * (AIR_O2 - o2_ref) / (AIR_O2 - o2), np.nan)
    if result.ndim == 0:
        return float(result)
    return result
