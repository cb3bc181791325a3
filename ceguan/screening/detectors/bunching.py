"""Values bunched just under the limit (限值下方聚集): a test of excess mass under the limit."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    as_flags,
    as_limit,
    as_times,
    as_values,
    binomial_sf,
    neg_log10,
    rounded,
    valid_mask,
)
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

RULE_ID = "bunching_under_limit"
VERSION = 1


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据在限值下方异常聚集",
    title_en="Values bunched just under the limit",
    source=(
        "statistical method: exact one-sided binomial test of the band under the limit against "
        "its two neighbours; 环发〔2015〕175号 art. 4(10)–(12)"
    ),
)
def bunching_under_limit(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    limit: ArrayLike,
    delta: float = 0.1,
    alpha: float = 1e-3,
    min_count: int = 30,
) -> list[Episode]:
    """Test whether valid values pile up in [limit·(1−δ), limit) more than a smooth density allows.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    values : array of float
        Valid converted averages [mg/m³ or mg/L]; NaN for missing.
    flags : array of str
        HJ 212 flags; only N (or none) is used.
    pollutant : str
        Glossary name of the series.
    limit : float or array of float
        The emission limit for these averages, from the rule book [unit of values].
    delta : float, default 0.1
        Band width as a fraction of the limit [fraction].
    alpha : float, default 1e-3
        Significance level of the test.
    min_count : int, default 30
        Fewest values in the three bands together for the test to be run [count].

    Returns
    -------
    list of Episode
        At most one, over the whole series, when ``p < alpha``; ``score`` = −log10 p;
        ``evidence`` holds the three counts, the expected count and the p-value.

    Notes
    -----
    With r = value / limit, count the bands *below* [1−2δ, 1−δ), *under* [1−δ, 1) and *above*
    [1, 1+δ), total T. If the density of r is linear across the three bands (smooth through the
    limit), the *under* band expects the mean of its neighbours, i.e. one third of T, so
    ``under ~ Binomial(T, 1/3)``; ``p = P[X ≥ under]`` (exact). A density that is convex there
    (a falling tail) makes the test conservative. Capping or editing values produces a cliff:
    many values just under, few just above. A plant controlled to a set point just under its
    limit also produces a peak there; the episode is a lead for synchronized monitoring, not proof.

    References
    ----------
    环发〔2015〕175号 art. 4 (selective recording, unreasonable selection of raw data); cf.
    Saez E. (2010), Do taxpayers bunch at kink points?, AEJ: Economic Policy 2(3).

    Examples
    --------
    >>> t = np.arange(60).astype("datetime64[h]")
    >>> v = [30.0] * 10 + [33.0] * 45 + [36.0] * 5  # 10 below, 45 just under 35, 5 above
    >>> e = bunching_under_limit(t, v, [""] * 60, pollutant="so2", limit=35.0)[0]
    >>> e.evidence["n_under"], e.evidence["expected_under"]
    (45, 20.0)
    """
    t = as_times(times)
    v = as_values(values, t.size)
    lim = as_limit(limit, t.size)
    if not 0 < delta <= 0.5:
        raise ValueError("delta must be in (0, 0.5]")
    ok = valid_mask(v, as_flags(flags, t.size)) & (v > 0)
    r = v[ok] / lim[ok]
    below = int(np.count_nonzero((r >= 1 - 2 * delta) & (r < 1 - delta)))
    under = int(np.count_nonzero((r >= 1 - delta) & (r < 1)))
    above = int(np.count_nonzero((r >= 1) & (r < 1 + delta)))
    total = below + under + above
    if total < min_count:
        return []
    p = binomial_sf(under, total, 1.0 / 3.0)
    expected = total / 3.0
    if not (p < alpha and under > expected):
        return []
    idx = np.flatnonzero(ok)
    evidence = {
        "n_valid": int(idx.size),
        "n_below": below,
        "n_under": under,
        "n_above": above,
        "expected_under": rounded(expected, 3),
        "excess_ratio": rounded(under / expected, 3),
        "p_value": float(f"{p:.3g}"),
        "delta": delta,
        "limit_min": rounded(lim[ok].min()),
        "limit_max": rounded(lim[ok].max()),
        "share_over_limit": rounded(np.count_nonzero(r >= 1) / r.size, 4),
    }
    return [
        Episode(
            RULE_ID,
            VERSION,
            pollutant,
            t[idx[0]],
            t[idx[-1]],
            neg_log10(p),
            Severity.WARNING,
            evidence,
        )
    ]
