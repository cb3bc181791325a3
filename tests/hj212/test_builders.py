"""Builders reproduce the standard's frames byte for byte, and build → parse round-trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceguan.hj212 import (
    ALL_CRC_VARIANTS,
    BEIJING,
    Command,
    CrcVariant,
    DeviceRecord,
    ExeRtn,
    InfoRecord,
    PacketError,
    PollutantRecord,
    ProtocolVersion,
    QnRtn,
    Reason,
    RunState,
    build_cp,
    build_data_reply,
    build_data_request,
    build_execution_reply,
    build_frame,
    build_get_info,
    build_get_min_interval,
    build_get_rtd_interval,
    build_get_time,
    build_notification_reply,
    build_request_reply,
    build_set_info,
    build_set_min_interval,
    build_set_rtd_interval,
    build_set_time,
    build_split_upload,
    build_upload,
    format_number,
    parse_packet,
)
from tests.hj212.vectors import APPENDIX_C, GOOD

V2005, V2017, V2025 = (
    ProtocolVersion.HJ212_2005,
    ProtocolVersion.HJ212_2017,
    ProtocolVersion.HJ212_2025,
)
MN = "010000A8900016F000169DC0"
QN = "20160801085857223"
T0 = datetime(2016, 8, 1, 8, 58, 57, tzinfo=BEIJING)
T_MINUTE = datetime(2016, 8, 1, 8, 40, tzinfo=BEIJING)
T_DAY = datetime(2016, 8, 1, tzinfo=BEIJING)
DEVICE = {"mn": MN, "pw": "123456", "st": "32", "qn": QN}


def appendix(section: str, cn: str, flag: int = 5, contains: str = "") -> bytes:
    """The Appendix C frame of ``section`` with this CN and Flag (HJ 212-2017 Appendix C)."""
    (frame,) = {
        v.frame
        for v in APPENDIX_C
        if section in v.source
        and f"CN={cn};" in v.frame.decode()
        and f"Flag={flag};" in v.frame.decode()
        and contains in v.frame.decode()
    }
    return frame


def test_appendix_a() -> None:
    built = build_frame("1062", "RtdInterval=30", mn=MN, st="32", pw="100000", qn=QN, ack=True)
    assert built == GOOD[0].frame


@pytest.mark.parametrize(
    ("section", "cn", "built"),
    [
        ("C.2 ", "1011", lambda: build_get_time(pol_id="w01018", **DEVICE)),
        ("C.3 ", "1012", lambda: build_set_time(T0, pol_id="w01018", **DEVICE)),
        ("C.5 ", "1061", lambda: build_get_rtd_interval(**DEVICE)),
        ("C.6 ", "1062", lambda: build_set_rtd_interval(30, **DEVICE)),
        ("C.7 ", "1063", lambda: build_get_min_interval(**DEVICE)),
        ("C.8 ", "1064", lambda: build_set_min_interval(10, **DEVICE)),
        ("C.10 ", "2011", lambda: build_data_request("2011", **DEVICE)),
        ("C.20 ", "2051", lambda: build_data_request("2051", T_MINUTE, T_MINUTE, **DEVICE)),
        ("C.22 ", "2031", lambda: build_data_request("2031", T_DAY, T_DAY, **DEVICE)),
        ("C.45 ", "3020", lambda: build_get_info("w01018", "i13004", **DEVICE)),
        ("C.46 ", "3021", lambda: build_set_info("w01018", "i13004", "168.0", **DEVICE)),
    ],
)  # fmt: skip
def test_platform_requests_match_appendix_c(section: str, cn: str, built) -> None:  # type: ignore[no-untyped-def]
    assert built() == appendix(section, cn, contains="CP=&&" if cn != "2031" else "BeginTime")


def test_2025_requests_match_the_2025_style_frames() -> None:
    device = {**DEVICE, "qn": "20240601085857223", "version": V2025}
    t = datetime(2024, 6, 1, 8, 0, tzinfo=BEIJING)
    assert build_data_request("2061", t, t, **device) == appendix("2025", "2061", 9)
    assert build_set_min_interval(10, **{**device, "st": "31"}) == appendix("2025", "1064", 9)
    assert build_get_time(pol_id="w01018", **device) == appendix("2025", "1011", 9)


@pytest.mark.parametrize("section", ["C.1 ", "C.2 ", "C.5 ", "C.20 "])
def test_9011_and_9012_replies_match_appendix_c(section: str) -> None:
    request = next(v for v in APPENDIX_C if section in v.source)
    header = parse_packet(request.frame).header
    assert build_request_reply(header) == appendix(section, "9011", 4)
    assert build_execution_reply(header) == appendix(section, "9012", 4)


def test_9013_and_9014_replies_match_appendix_c() -> None:
    stop = parse_packet(appendix("C.11 ", "2012")).header
    assert build_notification_reply(stop) == appendix("C.11 ", "9013", 4)
    upload = parse_packet(appendix("C.16 ", "2051")).header
    assert build_data_reply(upload) == appendix("C.16 ", "9014", 4)


def test_replies_keep_the_version_bits_of_what_they_answer() -> None:
    request = parse_packet(appendix("2025", "1011", 9)).header
    reply = parse_packet(build_request_reply(request, QnRtn.REJECTED)).header
    assert (reply.flag, reply.qn, reply.cn, reply.st) == (8, request.qn, "9011", "91")
    assert parse_packet(build_request_reply(request, QnRtn.REJECTED)).payload.qn_rtn == 2


def test_2005_replies_carry_the_request_qn_inside_cp() -> None:
    """hj212.md §10 and vectors.txt: ``ST=91;CN=9013;…;Flag=0;CP=&&QN=…&&``."""
    (vector,) = [v for v in GOOD if "CN=9013;" in v.frame.decode() and "Flag=0" in v.frame.decode()]
    request = parse_packet(
        next(v for v in GOOD if "CN=2012;" in v.frame.decode()).frame, accept_crc=ALL_CRC_VARIANTS
    )
    reply = build_notification_reply(request.header)
    assert reply[6:-6] == vector.frame[6:-6]  # the vector's sender used a Modbus CRC
    packet = parse_packet(reply)
    assert packet.header.qn is None and packet.qn == "20170516010101001"
    answer = parse_packet(build_execution_reply(request.header, ExeRtn.NO_DATA))
    assert (answer.payload.exe_rtn, answer.header.flag) == (100, 0)


def test_uploads_round_trip_in_each_version() -> None:
    pollutants = [
        PollutantRecord("a21026", cou=0.02, min=1.0, avg=12.5, max=30.0, zs_avg=14.25, flag="N"),
        PollutantRecord("a19001", avg=9.75, flag="N", eflag="A01"),
        PollutantRecord("02", rtd=-0.5, sample_time=T0, flag="D"),
    ]
    for version, qn in ((V2005, None), (V2017, T0), (V2025, T0)):
        frame = build_upload(
            "2051", mn="88888880000001", pw="123456", st="31", qn=qn, data_time=T0,
            pollutants=pollutants, version=version, ack=version is not V2005,
        )  # fmt: skip
        packet = parse_packet(frame)
        assert packet.version is version and packet.issues == ()
        assert packet.header.qn == (None if qn is None else "20160801085857000")
        assert packet.payload.data_time == T0
        for sent in pollutants:
            got = packet.payload.pollutants[sent.code]
            assert (got.cou, got.min, got.avg, got.max, got.rtd, got.zs_avg, got.flag) == (
                sent.cou, sent.min, sent.avg, sent.max, sent.rtd, sent.zs_avg, sent.flag
            )  # fmt: skip
            assert (got.eflag, got.sample_time) == (sent.eflag, sent.sample_time)
        assert packet.payload.pollutants["02"].name == "so2"


def test_device_state_and_info_uploads_round_trip() -> None:
    frame = build_upload(
        Command.RUN_STATE, mn=MN, pw="123456", st="32", qn=T0, data_time=T0,
        devices=[DeviceRecord("SB1", RunState.RUNNING), DeviceRecord("SB2", run_time=2.5)],
    )  # fmt: skip
    payload = parse_packet(frame).payload
    assert payload.devices["SB1"].run_state is RunState.RUNNING
    assert payload.devices["SB2"].run_time == 2.5
    frame = build_upload(
        Command.GET_INFO, mn=MN, pw="123456", st="32", qn=QN,
        data_time=datetime(2010, 3, 1, 14, 50, tzinfo=BEIJING),
        info=[InfoRecord("i11001", "//清洗管路//", "w01018")],
    )  # fmt: skip
    assert frame == appendix("C.40 ", "3020")
    (info,) = parse_packet(frame).payload.info
    assert (info.text, info.pol_id) == ("清洗管路", "w01018")


def test_a_long_upload_is_split_and_each_part_repeats_data_time() -> None:
    pollutants = [PollutantRecord(f"a{i:05d}", avg=i + 0.5, flag="N") for i in range(60)]
    frames = build_split_upload(
        "2061", mn=MN, pw="123456", st="31", qn=T0, data_time=T0, pollutants=pollutants
    )
    assert len(frames) > 1
    packets = [parse_packet(f) for f in frames]
    assert all(len(f) - 12 <= 1024 for f in frames)
    assert [p.header.pno for p in packets] == list(range(1, len(frames) + 1))
    assert {p.header.pnum for p in packets} == {len(frames)}
    assert all(p.header.flag == 7 and p.payload.data_time == T0 for p in packets)
    assert len({p.header.qn for p in packets}) == len(frames)
    codes = [c for p in packets for c in p.payload.pollutants]
    assert codes == [p.code for p in pollutants]
    single = build_split_upload(
        "2061", mn=MN, pw="1", st="31", qn=T0, data_time=T0, pollutants=pollutants[:3]
    )
    assert len(single) == 1 and parse_packet(single[0]).header.pnum is None


def test_other_crc_variants_can_be_built_to_imitate_devices() -> None:
    for variant in CrcVariant:
        frame = build_frame(
            "2011", "", mn="X", st="31", pw=None, version=V2005, crc_variant=variant
        )
        assert parse_packet(frame, accept_crc={variant}).crc_variant is variant


@given(
    st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(-(10**12), 10**12)
    | st.decimals(allow_nan=False, allow_infinity=False, places=6)
)
def test_numbers_are_written_without_exponent_and_read_back_exactly(value: object) -> None:
    text = format_number(value)  # type: ignore[arg-type]
    assert "e" not in text.lower()
    assert float(text) == float(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "detail"),
    [
        (lambda: build_set_rtd_interval(10, **DEVICE), "RtdInterval"),
        (lambda: build_set_min_interval(7, **DEVICE), "MinInterval"),
        (lambda: build_frame("201", "", mn="X", st="31", pw="1", qn=QN), "CN"),
        (lambda: build_frame("2011", "", mn="X", st="31", pw="1"), "QN"),
        (lambda: build_frame("2011", "", mn="X", st="31", pw="1", qn=QN, pnum=2), "PNUM"),
        (lambda: build_frame("2011", "", mn="X", st="31", pw="1", qn=QN, pnum=2, pno=3), "PNO"),
        (lambda: build_frame("2011", "a=1&&", mn="X", st="31", pw="1", qn=QN), "CP"),
        (lambda: build_cp([("PolId", "a;b")]), "separator"),
        (lambda: build_cp([("Bad Key", 1)]), "key"),
        (lambda: build_cp([("X", float("nan"))]), "finite"),
        (lambda: build_cp([("X", True)]), "bool"),
        (lambda: build_cp([("T", datetime(2020, 1, 1))]), "naive"),
        (lambda: build_data_request("2051", T0, T0 - timedelta(hours=1), **DEVICE), "EndTime"),
    ],
)
def test_builders_refuse_invalid_input(build, detail: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PacketError) as caught:
        build()
    assert caught.value.reason is Reason.BAD_FIELD
    assert detail.lower() in str(caught.value).lower()


def test_times_are_sent_in_beijing_time() -> None:
    cp = build_cp(data_time=datetime(2016, 8, 1, 0, 40, tzinfo=UTC))
    assert cp == "DataTime=20160801084000"
