"""Building frames: replies, platform commands and device uploads (HJ 212-2017 §6, Appendix C).

Builders are pure: the caller supplies QN and times (aware datetimes, sent as Beijing time).
Length and CRC are computed over the UTF-8 bytes; the CRC is printed upper case, zero-padded.
Invalid input raises :class:`~ceguan.hj212.errors.PacketError` (``BAD_FIELD``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum

from ceguan.hj212.crc import CrcVariant
from ceguan.hj212.errors import PacketError, Reason
from ceguan.hj212.framing import STANDARD_MAX_DATA_LENGTH, build_raw_frame
from ceguan.hj212.header import ProtocolVersion, build_flag
from ceguan.hj212.records import DeviceRecord, InfoRecord, PollutantRecord
from ceguan.hj212.times import format_hj_time, format_qn

V2005, V2017 = ProtocolVersion.HJ212_2005, ProtocolVersion.HJ212_2017
Value = str | int | float | Decimal | datetime
_FORBIDDEN = (";", ",", "&&", "\r", "\n")


def bad_field(detail: str, value: object = b"") -> PacketError:
    return PacketError(Reason.BAD_FIELD, str(value).encode(), detail)


def format_number(value: int | float | Decimal) -> str:
    """A number as the protocol writes it: plain decimal, never an exponent (§6.3.3.1 "N14.2").

    Examples
    --------
    >>> format_number(0.00001), format_number(17.5), format_number(3)
    ('0.00001', '17.5', '3')
    """
    if isinstance(value, bool):
        raise bad_field("a bool is not a protocol number", value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise bad_field("not a finite number", value)
        text = repr(value)
        if "e" not in text and "E" not in text:
            return text
        value = Decimal(text)
    if not value.is_finite():
        raise bad_field("not a finite number", value)
    return format(value, "f")


def _value(value: Value) -> str:
    if isinstance(value, datetime):
        return format_hj_time(value)
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        if any(bad in value for bad in _FORBIDDEN):
            raise bad_field("value contains a separator (; , && or CR LF)", value)
        return value
    return format_number(value)


def _key(key: str) -> str:
    if not key or any(c in key for c in ";,=&\r\n "):
        raise bad_field("invalid CP key", key)
    return key


def _pollutant_group(p: PollutantRecord) -> str:
    code = _key(p.code)
    pairs: list[tuple[str, Value | None]] = [
        ("SampleTime", p.sample_time),
        ("Cou", p.cou),
        ("Min", p.min),
        ("Avg", p.avg),
        ("Max", p.max),
        ("Rtd", p.rtd),
        ("ZsRtd", p.zs_rtd),
        ("ZsMin", p.zs_min),
        ("ZsAvg", p.zs_avg),
        ("ZsMax", p.zs_max),
        ("Flag", p.flag),
        ("EFlag", p.eflag),
        ("SN", p.sn),
        *p.extra.items(),
    ]
    return ",".join(f"{code}-{_key(k)}={_value(v)}" for k, v in pairs if v is not None)


def build_cp(
    items: Iterable[tuple[str, Value]] = (),
    *,
    data_time: datetime | None = None,
    pollutants: Iterable[PollutantRecord] = (),
    devices: Iterable[DeviceRecord] = (),
    info: Iterable[InfoRecord] = (),
    separator: str = ";",
) -> str:
    """The CP data area text, without ``&&`` (HJ 212-2017 §6.3.3.1).

    Order: DataTime, plain ``items``, one ``;`` group per pollutant (its values joined by ``,``),
    ``SBx-RS``/``SBx-RT`` per device, then ``ixxxxx-Info`` items (each after its ``PolId``).
    ``separator`` joins the plain items (2005 wrote ``BeginTime=…,EndTime=…``).

    Examples
    --------
    >>> build_cp([("PolId", "w01018")])
    'PolId=w01018'
    >>> build_cp(pollutants=[PollutantRecord("a21026", avg=12.5, flag="N")])
    'a21026-Avg=12.5,a21026-Flag=N'
    """
    groups: list[str] = []
    if data_time is not None:
        groups.append(f"DataTime={format_hj_time(data_time)}")
    plain = [f"{_key(k)}={_value(v)}" for k, v in items]
    if plain:
        groups.append(separator.join(plain))
    groups.extend(g for g in map(_pollutant_group, pollutants) if g)
    for d in devices:
        if d.run_state is not None:
            groups.append(f"{_key(d.device)}-RS={int(d.run_state)}")
        if d.run_time is not None:
            groups.append(f"{_key(d.device)}-RT={format_number(d.run_time)}")
    pol_id: str | None = None
    for i in info:
        if i.pol_id is not None and i.pol_id != pol_id:
            groups.append(f"PolId={_value(i.pol_id)}")
            pol_id = i.pol_id
        if ";" in i.value or "\r" in i.value or "\n" in i.value or "&&" in i.value:
            raise bad_field("info value contains ; && or CR LF", i.value)
        groups.append(f"{_key(i.code)}-Info={i.value}")
    return ";".join(groups)


def build_data_segment(
    *,
    cn: str,
    mn: str,
    st: str,
    pw: str | None,
    qn: str | datetime | None = None,
    flag: int | None = None,
    pnum: int | None = None,
    pno: int | None = None,
    cp: str = "",
) -> str:
    """``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;[PNUM=…;PNO=…;]CP=&&…&&`` (HJ 212-2017 Table 3).

    Fields given as None are omitted (2005 uploads have no QN and often no Flag).
    """
    if not (len(cn) == 4 and cn.isdigit()):
        raise bad_field("CN must be four digits", cn)
    if not (0 < len(st) <= 5 and st.isascii() and st.isalnum()):
        raise bad_field("ST must be a system code", st)
    if flag is not None and not 0 <= flag <= 255:
        raise bad_field("Flag must be 0..255", flag)
    if pnum is None or pno is None:
        if pnum is not None or pno is not None:
            raise bad_field("PNUM and PNO go together", (pnum, pno))
    elif not 1 <= pno <= pnum:
        raise bad_field("1 <= PNO <= PNUM", (pnum, pno))
    if "&&" in cp or "\r" in cp or "\n" in cp:
        raise bad_field("CP contains && or CR LF", cp)
    parts = []
    if qn is not None:
        parts.append(f"QN={format_qn(qn) if isinstance(qn, datetime) else _value(qn)}")
    parts += [f"ST={st}", f"CN={cn}"]
    if pw is not None:
        parts.append(f"PW={_value(pw)}")
    parts.append(f"MN={_value(mn)}")
    if flag is not None:
        parts.append(f"Flag={flag}")
    if pnum is not None:
        parts += [f"PNUM={pnum}", f"PNO={pno}"]
    parts.append(f"CP=&&{cp}&&")
    return ";".join(parts)


def build_frame(
    cn: str,
    cp: str = "",
    *,
    mn: str,
    st: str,
    pw: str | None,
    qn: str | datetime | None = None,
    version: ProtocolVersion = V2017,
    ack: bool = False,
    pnum: int | None = None,
    pno: int | None = None,
    flag: int | None = None,
    crc_variant: CrcVariant = CrcVariant.HJ212,
) -> bytes:
    """A whole frame with length and CRC computed (HJ 212-2017 §6.3, Appendix A).

    Parameters
    ----------
    cn, cp : str
        Command code and CP text (see :func:`build_cp`).
    version : ProtocolVersion
        2017 and 2025 always send QN and Flag; 2005 style sends Flag only when ``ack`` or
        sub-packets need it and omits QN when it is None.
    flag : int, optional
        Override the computed Flag (e.g. to imitate a device).
    crc_variant : CrcVariant
        Non-standard CRCs exist only to imitate devices that send them.

    Examples
    --------
    >>> build_frame("1062", "RtdInterval=30", mn="010000A8900016F000169DC0", st="32",
    ...             pw="100000", qn="20160801085857223", ack=True)[-8:]
    b'&&1C80\\r\\n'
    """
    split = pnum is not None
    if flag is None and (version is not V2005 or ack or split):
        flag = build_flag(version, ack=ack, subpackets=split)
    if qn is None and version is not V2005:
        raise bad_field(f"{version.value} packets carry a QN")
    segment = build_data_segment(
        cn=cn, mn=mn, st=st, pw=pw, qn=qn, flag=flag, pnum=pnum, pno=pno, cp=cp
    )
    return build_raw_frame(segment, crc_variant=crc_variant)


# --- device uploads (for simulators) ---------------------------------------------------------


def build_upload(
    cn: str,
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime | None,
    data_time: datetime | None = None,
    pollutants: Iterable[PollutantRecord] = (),
    devices: Iterable[DeviceRecord] = (),
    info: Iterable[InfoRecord] = (),
    items: Iterable[tuple[str, Value]] = (),
    version: ProtocolVersion = V2017,
    ack: bool = True,
    pnum: int | None = None,
    pno: int | None = None,
    crc_variant: CrcVariant = CrcVariant.HJ212,
) -> bytes:
    """A device upload: 2011/2051/2061/2031 data, 2021/2041 device states, 3020 info …

    (HJ 212-2017 C.14–C.19, C.39–C.44.)
    """
    cp = build_cp(items, data_time=data_time, pollutants=pollutants, devices=devices, info=info)
    return build_frame(
        cn,
        cp,
        mn=mn,
        st=st,
        pw=pw,
        qn=qn,
        version=version,
        ack=ack,
        pnum=pnum,
        pno=pno,
        crc_variant=crc_variant,
    )


def build_split_upload(
    cn: str,
    *,
    mn: str,
    pw: str,
    st: str,
    qn: datetime,
    data_time: datetime,
    pollutants: Sequence[PollutantRecord],
    version: ProtocolVersion = V2017,
    ack: bool = True,
    max_data_length: int = STANDARD_MAX_DATA_LENGTH,
) -> list[bytes]:
    """An upload cut into sub-packets of at most ``max_data_length`` bytes (HJ 212-2017 C.49).

    Each part repeats DataTime and has its own QN: ``qn``, ``qn`` + 1 ms, … One part when it fits.
    """
    groups = [_pollutant_group(p) for p in pollutants]
    overhead = len(
        build_data_segment(
            cn=cn,
            mn=mn,
            st=st,
            pw=pw,
            qn=qn,
            flag=255,
            pnum=999,
            pno=999,
            cp=f"DataTime={format_hj_time(data_time)};",
        ).encode()
    )
    parts: list[list[PollutantRecord]] = [[]]
    size = overhead
    for p, g in zip(pollutants, groups, strict=True):
        need = len(g.encode()) + 1
        if overhead + need > max_data_length:
            raise bad_field(f"pollutant {p.code} alone exceeds max_data_length", p.code)
        if size + need > max_data_length and parts[-1]:
            parts.append([])
            size = overhead
        parts[-1].append(p)
        size += need
    if len(parts) == 1:
        return [
            build_upload(
                cn,
                mn=mn,
                pw=pw,
                st=st,
                qn=qn,
                data_time=data_time,
                pollutants=parts[0],
                version=version,
                ack=ack,
            )
        ]
    return [
        build_upload(
            cn,
            mn=mn,
            pw=pw,
            st=st,
            qn=qn + timedelta(milliseconds=i),
            data_time=data_time,
            pollutants=part,
            version=version,
            ack=ack,
            pnum=len(parts),
            pno=i + 1,
        )
        for i, part in enumerate(parts)
    ]
