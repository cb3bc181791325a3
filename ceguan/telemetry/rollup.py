"""Derived telemetry, the maths: hourly values from minute values, day counts, rates.

Pure and typed (no Django, no database): the service in ``ceguan.telemetry.aggregates`` loads
the values, calls these functions and writes what they return. Every threshold is an argument;
the caller takes it from the rule book (``telemetry.valid_minutes_per_hour``) or from settings.

Times are aware datetimes. HJ 212 data times are Beijing time (UTC+8, no daylight saving); "a day"
of data is a Beijing calendar day, from 16:00 UTC of the day before to 16:00 UTC
(``shared/design/architecture.md``, "Time").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ceguan.hj212.times import BEIJING

HOUR = timedelta(hours=1)

#: Flags of a valid value: HJ 212-2017 Table 8 "N" (normal); 2005-era devices often send none.
VALID_FLAGS = frozenset({"", "N"})
#: Flags counted as a device fault: "D" instrument fault, "B" instrument-DAS communication fault.
FAULT_FLAGS = frozenset({"D", "B"})
#: Order that breaks ties between equally frequent non-N flags: faults first, then stops,
#: maintenance, calibration, over-range, manual values; unknown vendor flags after these.
FLAG_PRECEDENCE = ("D", "B", "F", "M", "C", "T", "S")
#: Flag of a derived hour that has too few valid minutes but no non-N flag to pass on. HJ 212
#: flags are one character (C1), so this two-character flag can never come from a device.
TOO_FEW_MINUTES_FLAG = "IV"


def normalise_flag(flag: str | None) -> str:
    """The flag as compared: stripped and upper-case (some devices send ``n``)."""
    return (flag or "").strip().upper()


def is_valid_flag(flag: str | None) -> bool:
    """Whether a value with this flag is valid: ``N`` or no flag at all."""
    return normalise_flag(flag) in VALID_FLAGS


def is_fault_flag(flag: str | None) -> bool:
    """Whether this flag marks a device fault (``D``) or a communication fault (``B``)."""
    return normalise_flag(flag) in FAULT_FLAGS


def dominant_flag(flags: Iterable[str | None]) -> str | None:
    """The most frequent non-N flag, or None when every flag is N (or empty).

    Parameters
    ----------
    flags : iterable of str
        HJ 212 data flags of the values of one period.

    Returns
    -------
    str or None
        The most frequent flag other than ``N``/empty, normalised to upper case. Ties are broken
        by :data:`FLAG_PRECEDENCE` (a fault outranks maintenance), then alphabetically.

    Examples
    --------
    >>> dominant_flag(["N", "C", "C", "D"])
    'C'
    >>> dominant_flag(["M", "D"])
    'D'
    >>> dominant_flag(["N", ""]) is None
    True
    """
    counts = Counter(f for f in map(normalise_flag, flags) if f not in VALID_FLAGS)
    if not counts:
        return None

    def rank(flag: str) -> tuple[int, int, str]:
        order = FLAG_PRECEDENCE.index(flag) if flag in FLAG_PRECEDENCE else len(FLAG_PRECEDENCE)
        return (-counts[flag], order, flag)

    return min(counts, key=rank)


@dataclass(frozen=True)
class MinuteValue:
    """One minute value of one pollutant, as the store holds it (units as the device sends)."""

    value: float | None
    flag: str = ""
    minimum: float | None = None
    maximum: float | None = None
    cumulative: float | None = None
    converted: float | None = None

    @property
    def usable(self) -> bool:
        """Valid flag and a finite value: the value can enter an average."""
        return is_valid_flag(self.flag) and self.value is not None and math.isfinite(self.value)


@dataclass(frozen=True)
class HourValue:
    """An hourly value derived from the minute values of one pollutant and hour."""

    value: float | None
    minimum: float | None
    maximum: float | None
    cumulative: float | None
    converted: float | None
    flag: str
    valid_minutes: int
    minutes: int

    @property
    def valid(self) -> bool:
        return self.flag == "N"

    def numbers(self) -> tuple[object, ...]:
        """The stored columns, in the order of ``ceguan.telemetry.store.COMPARED``."""
        return (self.value, self.minimum, self.maximum, self.cumulative, self.converted, self.flag)


def _mean(numbers: Sequence[float]) -> float | None:
    return math.fsum(numbers) / len(numbers) if numbers else None


def _finite(numbers: Iterable[float | None]) -> list[float]:
    return [x for x in numbers if x is not None and math.isfinite(x)]


def summarise_hour(minutes: Sequence[MinuteValue], min_valid_minutes: float) -> HourValue:
    """Derive one hourly value from the minute values of one pollutant and hour.

    Parameters
    ----------
    minutes : sequence of MinuteValue
        The current minute values (HJ 212 CN 2051) of one pollutant whose data time falls in the
        hour, one per minute. Concentrations [mg/m³ or mg/L], flow [m³/s or L/s] and amounts
        (``cumulative``) [kg or m³] in the units the device sends.
    min_valid_minutes : float
        Least number of valid minutes that makes the hour valid [min]; the rule book's
        ``telemetry.valid_minutes_per_hour``.

    Returns
    -------
    HourValue
        ``value`` the mean of the valid minute values; ``minimum``/``maximum`` the least and
        greatest of their minute minima/maxima (the minute value where a minute carries none);
        ``cumulative`` the sum of their minute amounts; ``converted`` the mean of their
        converted (reference-O2) values; each None when no valid minute carries it.

    Notes
    -----
    A minute value is valid when flagged ``N`` (or not flagged) and finite. With :math:`V` the
    valid minute values and :math:`n = |V|`:

    .. math:: \\bar c = \\frac{1}{n} \\sum_{i \\in V} c_i, \\qquad
              Q = \\sum_{i \\in V} q_i

    The hour is valid, flag ``N``, when :math:`n \\ge` ``min_valid_minutes``. Otherwise it
    carries the dominant non-N flag of its minutes (:func:`dominant_flag`), or
    :data:`TOO_FEW_MINUTES_FLAG` when the missing minutes were simply not sent. A valid hour may
    thus contain some flagged minutes; they are left out of the mean, as HJ 212-2017 Appendix C
    does for flue gas (an hour is normal when at least 75 % of its values are normal).

    The converted value is the mean of the minute converted values, not the hourly mean
    re-converted with the hourly O2; which one HJ 75-2017 requires is not confirmed.
    The amount of the hour counts valid minutes only: invalid periods get substitute amounts
    (HJ 75-2017 ch. 12), which are not computed here.

    References
    ----------
    .. [1] GB 3095-2012, 环境空气质量标准, 表4 数据统计的有效性规定 (by analogy; unverified).
    .. [2] HJ 75-2017, 固定污染源烟气排放连续监测技术规范, 第12章 (to be confirmed).
    .. [3] HJ 212-2017, 污染物在线监控（监测）系统数据传输标准, 表8 数据标记; 附录C.

    Examples
    --------
    >>> hour = summarise_hour([MinuteValue(10.0, "N")] * 45 + [MinuteValue(99.0, "C")] * 15, 45)
    >>> hour.value, hour.flag, hour.valid_minutes
    (10.0, 'N', 45)
    >>> summarise_hour([MinuteValue(10.0, "N")] * 44, 45).flag
    'IV'
    """
    used = [m for m in minutes if m.usable]
    n = len(used)
    if n >= min_valid_minutes:
        flag = "N"
    else:
        flag = dominant_flag(m.flag for m in minutes) or TOO_FEW_MINUTES_FLAG
    lows = _finite(m.value if m.minimum is None else m.minimum for m in used)
    highs = _finite(m.value if m.maximum is None else m.maximum for m in used)
    amounts = _finite(m.cumulative for m in used)
    converted = _finite(m.converted for m in used)
    return HourValue(
        value=_mean([m.value for m in used if m.value is not None]),
        minimum=min(lows) if lows else None,
        maximum=max(highs) if highs else None,
        cumulative=math.fsum(amounts) if amounts else None,
        converted=_mean(converted),
        flag=flag,
        valid_minutes=n,
        minutes=len(minutes),
    )


def hour_start(moment: datetime) -> datetime:
    """The start of the hour ``moment`` falls in (the same in UTC and in Beijing time).

    Examples
    --------
    >>> from datetime import UTC
    >>> hour_start(datetime(2026, 3, 1, 15, 59, 30, tzinfo=UTC)).isoformat()
    '2026-03-01T15:00:00+00:00'
    """
    return moment.replace(minute=0, second=0, microsecond=0)


def beijing_day(moment: datetime) -> date:
    """The Beijing calendar day of an aware datetime.

    Examples
    --------
    >>> from datetime import UTC
    >>> beijing_day(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)), beijing_day(
    ...     datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
    (datetime.date(2026, 3, 1), datetime.date(2026, 3, 2))
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give a timezone")
    return moment.astimezone(BEIJING).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants a Beijing day starts and ends (half-open), as aware datetimes.

    Examples
    --------
    >>> from datetime import UTC
    >>> [t.astimezone(UTC).isoformat() for t in day_bounds(date(2026, 3, 2))]
    ['2026-03-01T16:00:00+00:00', '2026-03-02T16:00:00+00:00']
    """
    start = datetime.combine(day, time(0), tzinfo=BEIJING)
    return start, start + timedelta(days=1)


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included (empty if ``last < first``)."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def expected_hours(day: date, now: datetime, networked_on: date | None) -> int:
    """Number of hourly values a facility should have sent for one Beijing day.

    Parameters
    ----------
    day : date
        The Beijing calendar day.
    now : datetime
        The present instant (aware); hours that have not ended yet are not expected.
    networked_on : date or None
        The day the facility was networked (联网); nothing is expected before it, nor from a
        facility that is not networked.

    Returns
    -------
    int
        Hours of ``day`` that have ended by ``now`` [h], 0 to 24.

    Examples
    --------
    >>> from datetime import UTC
    >>> expected_hours(date(2026, 3, 2), datetime(2026, 3, 2, 2, 30, tzinfo=UTC), date(2017, 4, 1))
    10
    >>> expected_hours(date(2017, 3, 31), datetime(2026, 3, 2, tzinfo=UTC), date(2017, 4, 1))
    0
    """
    if networked_on is None or day < networked_on:
        return 0
    start, end = day_bounds(day)
    ended = (min(now, end) - start) // HOUR
    return max(0, min(24, ended))


@dataclass(frozen=True)
class DayCount:
    """A facility's hourly data of one day: expected, received, valid and faulty hours."""

    expected: int
    received: int
    valid: int
    faulty: int


def count_day(hours: Mapping[datetime, Sequence[str]], expected: int) -> DayCount:
    """Count a day's hours for the transmission and valid-data rates.

    Parameters
    ----------
    hours : mapping of datetime to sequence of str
        For every hour that has at least one hourly value (device-sent or derived, any
        pollutant), the flags of all its hourly values.
    expected : int
        Hours that should have been received [h] (:func:`expected_hours`).

    Returns
    -------
    DayCount
        ``received`` hours with a value; ``valid`` hours whose values are all valid (N);
        ``faulty`` hours with at least one fault flag (D or B).

    Notes
    -----
    Transmission rate = received / expected; valid rate = valid / received; effective
    transmission rate = the product (rules.md §2.4, [S]: third-party platform code attributing
    the formulas to the 2022 marking rule).

    References
    ----------
    .. [1] 生态环境部公告2022年第21号, 污染物排放自动监测设备标记规则 (secondary source).

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2026, 3, 1, 16, tzinfo=UTC)
    >>> count_day({t: ["N", "N"], t + HOUR: ["N", "D"], t + 2 * HOUR: ["C"]}, 24)
    DayCount(expected=24, received=3, valid=1, faulty=1)
    """
    received = len(hours)
    valid = sum(all(is_valid_flag(f) for f in flags) for flags in hours.values())
    faulty = sum(any(is_fault_flag(f) for f in flags) for flags in hours.values())
    return DayCount(expected=expected, received=received, valid=valid, faulty=faulty)


def fault_rate(faulty: int, expected: int) -> float | None:
    """Share of expected hours flagged as faulty, 0–1, or None when nothing was expected.

    Parameters
    ----------
    faulty : int
        Hours with a fault flag (D or B) [h].
    expected : int
        Hours that should have been received [h].

    Examples
    --------
    >>> fault_rate(18, 720)
    0.025
    >>> fault_rate(0, 0) is None
    True
    """
    if expected <= 0:
        return None
    return min(1.0, faulty / expected)


def is_online(last_seen: datetime | None, now: datetime, offline_after: timedelta) -> bool:
    """Whether a facility counts as connected: heard from within ``offline_after`` of ``now``.

    The threshold is an operational setting (``TELEMETRY_OFFLINE_AFTER_MINUTES``), not a
    regulation. A facility never heard from is offline.

    Examples
    --------
    >>> from datetime import UTC
    >>> now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    >>> is_online(now - timedelta(minutes=60), now, timedelta(minutes=60))
    True
    >>> is_online(now - timedelta(minutes=61), now, timedelta(minutes=60))
    False
    """
    return last_seen is not None and now - last_seen <= offline_after
