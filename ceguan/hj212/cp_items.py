"""Classifying CP keys and assembling records: shared by the general and the fast CP parser."""

from __future__ import annotations

import re
import sys
from typing import Any

from ceguan.hj212.codes import POLLUTANT_CODES, RunState, lookup_pollutant
from ceguan.hj212.errors import PacketError, Reason
from ceguan.hj212.records import EMPTY, INT_FIELDS, TIME_FIELDS, PollutantRecord
from ceguan.hj212.times import parse_hj_time

NAN = float("nan")
_POLLUTANTS = dict(POLLUTANT_CODES)
_RUN_STATES = frozenset(RunState)

# Item kinds, as slots in a factor's value list (PollutantRecord field order after `code`):
# 0..8 numbers, 9 Flag, 10 EFlag, 11 SampleTime, 12 SN; then the other kinds of item.
NUMERIC = {"Rtd": 0, "Min": 1, "Avg": 2, "Max": 3, "Cou": 4}
NUMERIC.update({"ZsRtd": 5, "ZsMin": 6, "ZsAvg": 7, "ZsMax": 8})
SLOT = {**NUMERIC, "Flag": 9, "EFlag": 10, "SampleTime": 11, "SN": 12}
NSLOTS = 13
INFO, RS, RT, EXTRA, PLAIN = 13, 14, 15, 16, -1
SLOT.update({"Info": INFO, "RS": RS, "RT": RT})
SLOT_BY_LOWER = {k.lower(): v for k, v in SLOT.items()}
TYPED_FIELDS = frozenset(TIME_FIELDS + INT_FIELDS)

# key -> (code, slot, suffix, odd case). Keys repeat across packets ("a21026-Avg"), so each is
# classified once; the cache is bounded against streams of random keys.
KEY_CACHE: dict[str, tuple[str, int, str, bool]] = {}
KEY_CACHE_MAX = 20_000
_LOG = re.compile(r"//.*?//", re.DOTALL)
_LOG_REF = re.compile("\x00([0-9]+)\x00")
_SPACES = re.compile(r"\s*([;,=])\s*")


def classify(key: str) -> tuple[str, int, str, bool]:
    """(code, slot, suffix, odd case) of a CP key; split on the last '-' (§6.3.3.1)."""
    code, dash, suffix = key.rpartition("-")
    if not dash or not code:
        info = ("", PLAIN, key, False)
    else:
        slot = SLOT.get(suffix)
        odd = False
        if slot is None:
            slot = SLOT_BY_LOWER.get(suffix.lower(), EXTRA)
            odd = slot != EXTRA
        info = (sys.intern(code), slot, suffix, odd)
    if len(key) <= 64:
        if len(KEY_CACHE) >= KEY_CACHE_MAX:
            KEY_CACHE.clear()
        KEY_CACHE[key] = info
    return info


def is_plain_ascii(cp: str) -> bool:
    """True for the common CP: ASCII without whitespace or ``//logs//`` (split it directly)."""
    return cp.isascii() and " " not in cp and "//" not in cp and "\t" not in cp


def tokens(cp: str, issues: list[str]) -> list[str]:
    """Split the CP into ``key=value`` items; ``//logs//`` stay whole and untouched."""
    if is_plain_ascii(cp):
        return cp.replace(",", ";").split(";")
    logs: list[str] = []
    if "//" in cp and "\x00" not in cp:

        def stash(m: re.Match[str]) -> str:
            logs.append(m.group(0))
            return f"\x00{len(logs) - 1}\x00"

        cp = _LOG.sub(stash, cp)
    if any(c.isspace() for c in cp):
        cp = _SPACES.sub(r"\1", cp).strip()
        issues.append("whitespace in CP")
    items = cp.replace(",", ";").split(";")
    if not logs:
        return items
    return [_LOG_REF.sub(lambda m: logs[int(m.group(1))], i) if "\x00" in i else i for i in items]


def build_records(
    slots: dict[str, list[Any]], extras: dict[str, dict[str, str]], system: str | None
) -> dict[str, PollutantRecord]:
    out = {}
    table = _POLLUTANTS
    for code, values in slots.items():
        row = table.get(code)
        if row is not None and row.code != row.code_2017 and system is not None:
            row = lookup_pollutant(code, system)
        extra = extras.get(code)
        if row is None:
            out[code] = PollutantRecord(code, *values, None, None, extra or EMPTY)
        else:
            out[code] = PollutantRecord(code, *values, row.name, row.unit, extra or EMPTY)
    return out


def device_item(
    slot: int, code: str, value: str, devices: dict[str, list[Any]], issues: list[str]
) -> None:
    """``SBx-RS`` (run state) and ``SBx-RT`` (run time) items."""
    state = devices.setdefault(code, [None, None])
    try:
        if slot == RS:
            number: float = int(value)
            state[0] = RunState(number) if number in _RUN_STATES else number
        else:
            number = float(value)
            if number - number != 0.0:
                raise ValueError(value)
            state[1] = number
    except ValueError:
        issues.append(f"bad value {code}-{'RS' if slot == RS else 'RT'}={value[:20]!r}")


def check_fields(fields: dict[str, str], cp: str) -> None:
    """Validate the typed plain fields once, so the payload's properties cannot fail later."""
    for key, value in fields.items():
        if key not in TYPED_FIELDS:
            continue
        if key in INT_FIELDS:
            if not (value.isascii() and value.isdigit() and len(value) < 10):
                detail = f"{key}={value!r} is not an integer"
                raise PacketError(Reason.BAD_FIELD, cp.encode(), detail)
            continue
        try:
            parse_hj_time(value)
        except PacketError as exc:
            raise PacketError(Reason.BAD_FIELD, cp.encode(), f"{key}: {exc.detail}") from None
