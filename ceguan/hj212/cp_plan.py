"""Fast path for parsing a data segment: one cached plan per sequence of keys.

A device sends the same keys in the same order packet after packet (``QN;ST;CN;PW;MN;Flag;
DataTime;a21026-Cou;…``); only the values change. For a well-formed ASCII segment the keys are
joined into a template, the template's plan (which value goes to which field) is computed once,
and every value is then placed by C-level ``itemgetter``/``map`` instead of a Python loop per item.

The plan only covers segments the general parsers would accept without remark: canonical header
keys, no whitespace, ``/``, control or non-ASCII bytes, no repeated key, no ``-Info``/``-RS``/
``-RT``/unknown suffix, no bare ``Flag``, no unparseable value. For anything else these functions
return None and the general parsers (:func:`~ceguan.hj212.header.parse_header`,
:func:`~ceguan.hj212.payload.parse_cp_itemwise`) run, so both paths give identical results.
Caches are bounded (``PLAN_CACHE_MAX`` templates, ``HEADER_CACHE_MAX`` validated headers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from ceguan.hj212.codes import lookup_pollutant
from ceguan.hj212.cp_items import KEY_CACHE, NSLOTS, PLAIN, TYPED_FIELDS, check_fields, classify
from ceguan.hj212.errors import PacketError, Reason
from ceguan.hj212.header import CANONICAL_KEYS, Header, make_header
from ceguan.hj212.records import EMPTY, CpPayload, PollutantRecord
from ceguan.hj212.times import parse_hj_time

Getter = Callable[[Sequence[Any]], tuple[Any, ...]]

PLAN_CACHE_MAX = 4096
"""Templates remembered (a province has far fewer distinct layouts); when full, start afresh."""
HEADER_CACHE_MAX = 65536
"""Validated headers remembered (one per device, command and flag); when full, start afresh."""
_TEMPLATE_MAX = 8192
_TO_SEMICOLON = bytes.maketrans(b",=", b";;")
# Bytes that need no attention: printable ASCII except the separators, space and '/'.
_ORDINARY = bytes(c for c in range(0x21, 0x7F) if c not in b";,=/")


def _getter(indices: Sequence[int]) -> Getter:
    if len(indices) > 1:
        return itemgetter(*indices)
    if indices:
        only = indices[0]
        return lambda values: (values[only],)
    return lambda values: ()


class _Plan:
    """Where each value of a template goes. Header keys come first, then the CP's."""

    __slots__ = (
        "by_system",
        "check_plain",
        "data_time_at",
        "head_get",
        "head_keys",
        "numbers",
        "plain_keys",
        "plain_pos",
        "qn_at",
        "refs",
        "texts",
        "times",
    )

    def __init__(self, head_keys: list[str], keys: list[str]) -> None:
        numbers: list[int] = []
        texts: list[int] = []
        times: list[int] = []
        plain_keys: list[str] = []
        plain_pos: list[int] = []
        refs: dict[str, list[tuple[list[int], int] | None]] = {}
        start = len(head_keys)
        for pos, key in enumerate(keys[start:], start):
            code, slot, _suffix, _odd = KEY_CACHE.get(key) or classify(key)
            if slot == PLAIN:
                plain_keys.append(key)
                plain_pos.append(pos)
                continue
            ref = refs.setdefault(code, [None] * NSLOTS)
            kind = numbers if slot < 9 else times if slot == 11 else texts
            ref[slot] = (kind, len(kind))
            kind.append(pos)
        self.refs = refs
        self.numbers = numbers
        self.texts = texts
        self.times = times
        self.by_system: dict[str | None, Builder] = {}
        in_head = [CANONICAL_KEYS[k] for k in head_keys]
        self.qn_at = in_head.index("QN") if "QN" in in_head else -1
        self.head_keys = tuple(k for k in in_head if k != "QN")
        self.head_get = _getter([2 * i + 1 for i, k in enumerate(in_head) if k != "QN"])
        self.plain_keys = tuple(plain_keys)
        self.plain_pos = tuple(plain_pos)
        typed = [k for k in plain_keys if k in TYPED_FIELDS]
        self.check_plain = typed not in ([], ["DataTime"])
        self.data_time_at = plain_keys.index("DataTime") if typed == ["DataTime"] else -1

    def for_system(self, system: str | None) -> Builder:
        """The records builder; factor names depend on ST for 2005 codes."""
        found = self.by_system.get(system)
        if found is None:
            found = _compile(self, system)
            if len(self.by_system) < 64:
                self.by_system[system] = found
        return found


Builder = Callable[[Sequence[bytes]], tuple[dict[str, PollutantRecord], dict[str, str]] | None]


def _compile(plan: _Plan, system: str | None) -> Builder:
    """A function placing a template's values into records, specialised to that template.

    The generated source holds only integer indices and fixed names: every string that came from
    the wire (codes) or the table (names, units) is reached through the constants tuple ``K``.
    """
    consts: list[object] = [EMPTY]
    lines = []
    number = {pos: f"n{k}" for k, pos in enumerate(plan.numbers)}
    lines += [f"    {name} = fl(v[{2 * pos + 1}])" for pos, name in number.items()]
    if number:
        names = list(number.values())
        total = " + ".join(names) if len(names) <= 100 else f"sum(({', '.join(names)},))"
        lines.append(f"    t = {total}")
        lines.append("    if t - t != 0.0:")
        lines.append("        return None")
    text = {pos: f"dec(v[{2 * pos + 1}])" for pos in plan.texts}
    time = {pos: f"tm(dec(v[{2 * pos + 1}]))" for pos in plan.times}
    source = {**number, **text, **time}
    items = []
    for code, ref in plan.refs.items():
        row = lookup_pollutant(code, system)
        at = len(consts)
        consts += [code, row.name if row else None, row.unit if row else None]
        args = [f"K[{at}]"]
        args += [source[r[0][r[1]]] if r is not None else "None" for r in ref]
        args += [f"K[{at + 1}]", f"K[{at + 2}]", "K[0]"]
        items.append(f"K[{at}]: R({', '.join(args)})")
    plain = []
    for key, pos in zip(plan.plain_keys, plan.plain_pos, strict=True):
        plain.append(f"K[{len(consts)}]: dec(v[{2 * pos + 1}])")
        consts.append(key)
    lines.append("    return {" + ", ".join(items) + "}, {" + ", ".join(plain) + "}")
    code = "def build(v, fl=float, dec=bytes.decode, tm=parse_hj_time, R=R, K=K):\n"
    namespace: dict[str, Any] = {"R": PollutantRecord, "K": tuple(consts)}
    namespace["parse_hj_time"] = parse_hj_time
    exec(compile(code + "\n".join(lines) + "\n", "<hj212 plan>", "exec"), namespace)  # noqa: S102
    return namespace["build"]  # type: ignore[no-any-return]


_NO_PLAN = _Plan([], [])  # cached verdict "these keys need the general parsers"
_SEEN_ONCE = _Plan([], [])  # a template met once, not planned yet
_PLANS: dict[int, dict[bytes, _Plan]] = {}  # by number of header items, then template
_HEADERS: dict[bytes | tuple[_Plan, tuple[bytes, ...]], Header] = {}


def _plan_count() -> int:
    return sum(map(len, _PLANS.values()))


def _make_plan(n_head: int, keys: list[str]) -> _Plan:
    """A plan, or ``_NO_PLAN`` when these keys need the general parsers."""
    if len(set(keys)) != len(keys):
        return _NO_PLAN
    head = keys[:n_head]
    if any(k not in CANONICAL_KEYS for k in head):
        return _NO_PLAN
    names = {CANONICAL_KEYS[k] for k in head}
    if len(names) != n_head or (n_head and not {"ST", "CN", "MN"} <= names):
        return _NO_PLAN  # FLAG and Flag are the same field
    for key in keys[n_head:]:
        _code, slot, _suffix, odd = KEY_CACHE.get(key) or classify(key)
        if odd or slot >= NSLOTS or (slot == PLAIN and key == "Flag"):
            return _NO_PLAN
    return _Plan(head, keys)


def parse_planned(
    head: bytes, cp: bytes, system: str | None = None
) -> tuple[Header | None, CpPayload] | None:
    """Parse a header (``QN=…;…;Flag=5;``, may be empty) and CP by a cached plan, or return None.

    With a header, its ST selects the factor names; without, ``system`` does.

    Raises
    ------
    PacketError
        Exactly what :func:`~ceguan.hj212.header.parse_header` and
        :func:`~ceguan.hj212.payload.parse_cp` raise for the same input.
    """
    if head:
        if head[-1] != 0x3B or b"," in head:  # must end with ';', no ',' quirk
            return None
        segment = head + cp if cp else head[:-1]
    else:
        segment = cp
    # One pass keeps the separators and anything the general parser treats specially
    # (whitespace, '/', control and non-ASCII bytes); only separators may be left.
    marks = segment.translate(None, _ORDINARY)
    if marks.translate(None, b";,="):
        return None
    flat = segment.translate(_TO_SEMICOLON).split(b";")
    # Every item must hold exactly one '=': as many '=' as items, and never two in one item.
    if len(flat) != 2 * marks.count(b"=") or b"==" in marks:
        return None
    n_head = head.count(b"=")
    plans = _PLANS.get(n_head)
    if plans is None:
        plans = _PLANS.setdefault(n_head, {})
    template = b";".join(flat[0::2])
    plan = plans.get(template)
    if plan is None:
        # First sighting: remember the template, let the general parser do this packet. A plan
        # (and its compiled builder) is only made for a layout seen twice, so a stream of random
        # keys never pays for compiling.
        if len(template) <= _TEMPLATE_MAX:
            if _plan_count() >= PLAN_CACHE_MAX:
                _PLANS.clear()
                _HEADERS.clear()
                plans = _PLANS.setdefault(n_head, {})
            plans[template] = _SEEN_ONCE
        return None
    if plan is _SEEN_ONCE:
        plan = plans[template] = _make_plan(n_head, template.decode().split(";"))
    if plan is _NO_PLAN:
        return None
    header = None
    if n_head:
        # Everything but the QN repeats per device: key the cache on the header without it.
        key: bytes | tuple[_Plan, tuple[bytes, ...]]
        key = head[head.find(b";") + 1 :] if plan.qn_at == 0 else (plan, plan.head_get(flat))
        c = _HEADERS.get(key)
        if c is None:
            others = plan.head_get(flat)
            c = make_header(
                dict(zip(plan.head_keys, map(bytes.decode, others), strict=True)), [], head
            )
            if len(_HEADERS) >= HEADER_CACHE_MAX:
                _HEADERS.clear()
            _HEADERS[key] = c
        qn = flat[2 * plan.qn_at + 1].decode() if plan.qn_at >= 0 else None
        if qn == "":
            header = Header(
                c.st, c.cn, c.mn, c.pw, None, c.flag, c.pnum, c.pno, ("empty QN", *c.issues)
            )
        else:
            header = Header(c.st, c.cn, c.mn, c.pw, qn, c.flag, c.pnum, c.pno, c.issues)
        system = c.st
    try:
        built = (plan.by_system.get(system) or plan.for_system(system))(flat)
    except (ValueError, PacketError):
        return None
    if built is None:  # a nan/inf value: the general parser reports it
        return None
    pollutants, plain = built
    data_time = None
    if plan.check_plain:
        check_fields(plain, cp.decode())
        if "DataTime" in plain:
            data_time = parse_hj_time(plain["DataTime"])
    elif plan.data_time_at >= 0:
        try:
            data_time = parse_hj_time(plain["DataTime"])
        except PacketError as exc:
            raise PacketError(Reason.BAD_FIELD, cp, f"DataTime: {exc.detail}") from None
    return header, CpPayload(data_time, pollutants, {}, (), plain, {}, ())
