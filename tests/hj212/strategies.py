"""Hypothesis strategies for CP data areas: mostly well-formed, with the quirks devices send."""

from __future__ import annotations

from hypothesis import strategies as st

_codes = st.sampled_from(["a21026", "a34013", "w01018", "02", "011", "B01", "xyz", "a-b", "SB1"])
_suffixes = st.sampled_from(
    [
        "Rtd",
        "Min",
        "Avg",
        "Max",
        "Cou",
        "ZsRtd",
        "ZsAvg",
        "Flag",
        "EFlag",
        "SampleTime",
        "SN",
        "Info",
        "RS",
        "RT",
        "ValidNum",
        "rtd",
        "",
    ]
)
_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["N", "D", "", "20160801085857", "20161301085857", "1e3", "abc", "=", "…"]),
)
_plain = st.sampled_from(["DataTime", "PolId", "QnRtn", "Flag", "RtdInterval", "InfoId", "X"])
_key = st.one_of(st.tuples(_codes, _suffixes).map(lambda t: f"{t[0]}-{t[1]}"), _plain)
_item = st.one_of(st.tuples(_key, _values).map("=".join), st.sampled_from(["…", "", "a=b=c"]))
cp_texts = st.lists(st.tuples(_item, st.sampled_from([";", ","])), max_size=12).map(
    lambda items: "".join(i + s for i, s in items)[:-1]
)
