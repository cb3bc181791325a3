"""Parsing the CP data area (HJ 212-2017 §6.3.3, Table 4; Appendix B).

``key=value`` items; ``,`` joins items of one factor, ``;`` separates factors (§6.3.3.1). A key
``<factor>-<suffix>`` is split on its **last** ``-`` (factor names with ``-`` exist). Tolerated, and
listed in ``issues``: spaces around separators, empty items, items without ``=`` (the standard's
``…``), a bare ``Flag=N`` after a factor, repeated keys (the first value wins).

Well-formed CPs whose key sequence was seen before take the cached-plan fast path
(:mod:`ceguan.hj212.cp_plan`); everything else goes through the item-by-item loop here. Both give
identical results (tested).
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from ceguan.hj212.cp_items import (
    EXTRA,
    INFO,
    KEY_CACHE,
    NAN,
    NSLOTS,
    PLAIN,
    TYPED_FIELDS,
    build_records,
    check_fields,
    classify,
    device_item,
    tokens,
)
from ceguan.hj212.cp_plan import parse_planned
from ceguan.hj212.errors import PacketError
from ceguan.hj212.records import CpPayload, DeviceRecord, InfoRecord
from ceguan.hj212.times import parse_hj_time


def parse_cp(cp: str, system: str | None = None) -> CpPayload:
    """Parse the text between ``CP=&&`` and ``&&`` (HJ 212-2017 §6.3.3) into typed records.

    Parameters
    ----------
    cp : str
        The data area without its ``&&`` delimiters.
    system : str, optional
        The packet's ST, used to trust 2005 factor codes only in their own medium.

    Raises
    ------
    PacketError
        ``BAD_FIELD`` for a malformed DataTime/SystemTime/BeginTime/EndTime/RestartTime or a
        non-integer QnRtn/ExeRtn/RtdInterval/MinInterval/OverTime/ReCount. Malformed per-factor
        values do not raise: they are kept raw in ``extra`` and listed in ``issues``.

    Examples
    --------
    >>> p = parse_cp("DataTime=20160801084000;a21026-Avg=12.5,a21026-Flag=N")
    >>> p.pollutants["a21026"].name, p.pollutants["a21026"].avg, p.data_time.hour
    ('so2', 12.5, 8)
    """
    if cp.isascii():
        planned = parse_planned(b"", cp.encode(), system)
        if planned is not None:
            return planned[1]
    return parse_cp_itemwise(cp, system)


def parse_cp_itemwise(cp: str, system: str | None = None) -> CpPayload:
    """The general CP parser, item by item (see :func:`parse_cp`); tolerant of every quirk."""
    issues: list[str] = []
    slots: dict[str, list[Any]] = {}
    extras: dict[str, dict[str, str]] = {}
    devices: dict[str, list[Any]] = {}
    info: list[InfoRecord] = []
    fields: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    pol_id: str | None = None
    cur_code = ""
    cur: list[Any] | None = None
    cache = KEY_CACHE
    for key, sep, value in map(str.partition, tokens(cp, issues), repeat("=")):
        if not sep:
            if key:
                issues.append(f"item without '=': {key[:40]!r}")
            continue
        item = cache.get(key)
        if item is None:
            item = classify(key)
        code, slot, suffix, odd = item
        if slot == PLAIN:
            if key == "Flag" and cur is not None and cur[9] is None:
                cur[9] = value
                issues.append(f"bare Flag item attached to {cur_code}")
            elif key in fields:
                repeated.setdefault(key, [fields[key]]).append(value)
            else:
                fields[key] = value
            if key == "PolId":
                pol_id = value
            continue
        if odd:
            issues.append(f"suffix case {key}")
        if slot >= NSLOTS:
            if slot == INFO:
                info.append(InfoRecord(code, value, pol_id))
            elif slot == EXTRA:
                extras.setdefault(code, {}).setdefault(suffix, value)
                if code is not cur_code:
                    cur = slots.get(code)
                    if cur is None:
                        cur = slots[code] = [None] * NSLOTS
                    cur_code = code
            else:
                device_item(slot, code, value, devices, issues)
            continue
        if code is not cur_code:
            cur = slots.get(code)
            if cur is None:
                cur = slots[code] = [None] * NSLOTS
            cur_code = code
        assert cur is not None
        if cur[slot] is not None:
            issues.append(f"repeated {key}")
            continue
        if slot < 9:
            try:
                number = float(value)
            except ValueError:
                number = NAN
            if number - number == 0.0:  # finite
                cur[slot] = number
                continue
        elif slot != 11:
            cur[slot] = value
            continue
        else:
            try:
                cur[slot] = parse_hj_time(value)
                continue
            except PacketError:
                pass
        issues.append(f"bad value {key}={value[:20]!r}")
        extras.setdefault(code, {}).setdefault(suffix, value)
    if not TYPED_FIELDS.isdisjoint(fields):
        check_fields(fields, cp)
    data_time = fields.get("DataTime")
    return CpPayload(
        parse_hj_time(data_time) if data_time is not None else None,
        build_records(slots, extras, system) if slots else {},
        {k: DeviceRecord(k, *v) for k, v in devices.items()} if devices else {},
        tuple(info),
        fields,
        {k: tuple(v) for k, v in repeated.items()} if repeated else {},
        tuple(issues),
    )
