"""HJ 212 time fields: Beijing time (UTC+8, no daylight saving), ``YYYYMMDDhhmmss[zzz]``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from ceguan.hj212.errors import PacketError, Reason

BEIJING = timezone(timedelta(hours=8), "UTC+08:00")
"""The protocol's clock: every QN, DataTime, SystemTime … is Beijing time (UTC+8)."""


@lru_cache(maxsize=4096)
def parse_hj_time(text: str) -> datetime:
    """Parse an N14 ``YYYYMMDDhhmmss`` time (HJ 212-2017 §6.3.3.1, Table 4) as Beijing time.

    17 digits (``…zzz`` milliseconds, as some devices and 2005-era examples send) are accepted too.

    Raises
    ------
    PacketError
        ``BAD_FIELD`` if the text is not 14 or 17 digits or not a valid calendar time.

    Examples
    --------
    >>> parse_hj_time("20160801085857").isoformat()
    '2016-08-01T08:58:57+08:00'
    """
    n = len(text)
    if (n != 14 and n != 17) or not text.isascii() or not text.isdigit():
        raise PacketError(Reason.BAD_FIELD, text.encode(), "time is not YYYYMMDDhhmmss[zzz]")
    try:
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            int(text[14:17]) * 1000 if n == 17 else 0,
            tzinfo=BEIJING,
        )
    except ValueError as exc:
        raise PacketError(Reason.BAD_FIELD, text.encode(), f"invalid time: {exc}") from None


def _as_beijing(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise PacketError(Reason.BAD_FIELD, str(moment).encode(), "naive datetime (give a tzinfo)")
    return moment.astimezone(BEIJING)


def format_hj_time(moment: datetime) -> str:
    """``YYYYMMDDhhmmss`` in Beijing time for an aware datetime (HJ 212-2017 Table 4, N14).

    Examples
    --------
    >>> format_hj_time(datetime(2016, 8, 1, 0, 58, 57, tzinfo=UTC))
    '20160801085857'
    """
    return _as_beijing(moment).strftime("%Y%m%d%H%M%S")


def format_qn(moment: datetime) -> str:
    """A QN, ``YYYYMMDDhhmmsszzz`` in Beijing time (HJ 212-2017 Table 3).

    Examples
    --------
    >>> format_qn(datetime(2016, 8, 1, 8, 58, 57, 223000, tzinfo=BEIJING))
    '20160801085857223'
    """
    local = _as_beijing(moment)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"


def parse_qn(qn: str) -> datetime | None:
    """The instant a QN names, or None if it is neither 17-digit nor 13-digit epoch-ms.

    17 digits are ``YYYYMMDDhhmmsszzz`` Beijing time (HJ 212-2017 Table 3); 13 digits are Unix
    epoch milliseconds, which a live platform was seen sending (vectors.txt).
    """
    if len(qn) == 13 and qn.isascii() and qn.isdigit():
        return datetime.fromtimestamp(int(qn) / 1000, tz=UTC).astimezone(BEIJING)
    try:
        return parse_hj_time(qn) if len(qn) == 17 else None
    except PacketError:
        return None
