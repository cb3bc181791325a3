"""``ingest_frame``: every case of the receiver's one function, on real frames (style.md §9).

Frames are built with the HJ 212 builders (HJ 212-2017 §6.3, Appendix C) for facilities made with
the conftest helpers; replies are parsed back with the same library.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ceguan.hj212 import (
    BEIJING,
    CrcVariant,
    PollutantRecord,
    ProtocolVersion,
    build_frame,
    build_raw_frame,
    build_split_upload,
    build_upload,
    crc_hj212,
    format_crc,
    parse_packet,
)
from ceguan.telemetry.models import (
    DeviceCommand,
    FacilityLink,
    RawFrame,
    TelemetryValue,
    UnregisteredDevice,
)
from ceguan.telemetry.receiver import ingest_batch, ingest_frame
from ceguan.telemetry.receiver.auth import default_cache
from tests.conftest import make_enterprise, make_facility
from tests.hj212.vectors import APPENDIX_C, BAD, GOOD

pytestmark = pytest.mark.django_db
PEER = "10.1.2.3:40000"
AT = datetime(2026, 3, 1, 0, 50, tzinfo=UTC)
T0 = datetime(2026, 3, 1, 8, 40, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _fresh_auth_cache():
    default_cache().invalidate()
    yield
    default_cache().invalidate()


@pytest.fixture
def facility(lanzhou):
    return make_facility(make_enterprise(lanzhou), mn="62010000000001", device_password="123456")


def so2_records(avg: float = 12.5) -> list[PollutantRecord]:
    return [
        PollutantRecord("a21026", cou=0.5, min=10.0, avg=avg, max=15.0, zs_avg=avg * 1.2, flag="N"),
        PollutantRecord("a19001", min=9.0, avg=9.5, max=10.1, flag="N"),
    ]


def upload(facility, cn: str = "2051", *, avg: float = 12.5, **kw) -> bytes:
    """A 2017 upload (Flag=5 unless ack=False) of SO2 and O2 for ``T0``."""
    kw.setdefault("qn", T0 + timedelta(minutes=10))
    kw.setdefault("data_time", T0)
    kw.setdefault("pw", facility.device_password)
    kw.setdefault("pollutants", so2_records(avg))
    return build_upload(cn, mn=facility.mn, st="31", **kw)


def reply_of(outcome) -> tuple[str, str | None, dict[str, str]]:
    """(CN, QN, CP fields) of the reply the receiver built."""
    packet = parse_packet(outcome.reply)
    return packet.header.cn, packet.qn, dict(packet.payload.fields)


def test_a_minute_frame_is_stored_and_answered_9014_after_commit(facility):
    out = ingest_frame(PEER, AT, upload(facility))
    assert (out.outcome, out.reason, out.facility_id, out.authenticated) == (
        "stored", "", facility.pk, True,
    )  # fmt: skip
    assert (out.mn, out.cn, out.qn) == (facility.mn, "2051", "20260301085000000")
    assert reply_of(out) == ("9014", out.qn, {})
    assert parse_packet(out.reply).header.flag == 4  # 2017 reply: no ack of the ack
    so2 = TelemetryValue.objects.get(facility=facility, pollutant="so2")
    assert (so2.kind, so2.value, so2.minimum, so2.maximum, so2.cumulative) == (
        "minute", 12.5, 10.0, 15.0, 0.5,
    )  # fmt: skip
    assert (so2.converted, so2.flag, so2.frame_id) == (15.0, "N", out.frame_id)
    assert so2.data_time == T0
    frame = RawFrame.objects.get(pk=out.frame_id)
    assert (frame.outcome, frame.protocol, frame.crc_variant, frame.peer) == (
        "stored", "2017", "hj212", PEER,
    )  # fmt: skip


def test_no_9014_when_the_device_did_not_set_flag_bit_a(facility):
    out = ingest_frame(PEER, AT, upload(facility, ack=False))
    assert out.outcome == "stored" and out.reply is None


@pytest.mark.parametrize(
    ("cn", "kind"), [("2011", "realtime"), ("2061", "hourly"), ("2031", "daily")]
)
def test_each_data_upload_stores_its_kind(facility, cn, kind):
    records = [PollutantRecord("a21026", rtd=20.0, zs_rtd=24.0, avg=21.0, zs_avg=25.0, flag="N")]
    out = ingest_frame(PEER, AT, upload(facility, cn, pollutants=records))
    value = TelemetryValue.objects.get(facility=facility, pollutant="so2")
    assert (out.outcome, value.kind) == ("stored", kind)
    # Real-time values are Rtd/ZsRtd; period values are Avg/ZsAvg (HJ 212-2017 Table 4).
    expected = (20.0, 24.0) if cn == "2011" else (21.0, 25.0)
    assert (value.value, value.converted) == expected


def test_a_resent_frame_is_a_duplicate_and_answered_again(facility):
    ingest_frame(PEER, AT, upload(facility))
    again = ingest_frame(PEER, AT + timedelta(seconds=10), upload(facility))
    assert again.outcome == "duplicate"
    assert reply_of(again)[0] == "9014"  # the device resends until it gets one
    assert TelemetryValue.objects.filter(facility=facility).count() == 2
    assert RawFrame.objects.count() == 2


def test_different_values_for_the_same_minute_are_a_revision(facility):
    ingest_frame(PEER, AT, upload(facility, avg=80.0))
    out = ingest_frame(PEER, AT, upload(facility, avg=35.0, qn=T0 + timedelta(minutes=11)))
    assert out.outcome == "revision"
    rows = TelemetryValue.objects.filter(pollutant="so2").order_by("revision")
    assert [(r.value, r.current) for r in rows] == [(80.0, False), (35.0, True)]


def test_a_bad_crc_is_rejected_and_answered_qnrtn_9(facility):
    raw = upload(facility)
    raw = raw[:-6] + (b"0000" if raw[-6:-2] != b"0000" else b"0001") + b"\r\n"
    out = ingest_frame(PEER, AT, raw)
    assert (out.outcome, out.reason, out.authenticated) == ("rejected", "bad_crc", False)
    assert reply_of(out) == ("9011", out.qn, {"QnRtn": "9"})
    assert TelemetryValue.objects.count() == 0
    frame = RawFrame.objects.get(pk=out.frame_id)
    assert frame.reason.startswith("bad_crc") and bytes(frame.raw) == raw


def test_a_frame_whose_header_cannot_be_read_gets_no_reply(db):
    out = ingest_frame(PEER, AT, build_raw_frame("garbage;CP=&&&&")[:-6] + b"1234\r\n")
    assert (out.outcome, out.reason, out.reply, out.mn) == ("rejected", "bad_crc", None, "")
    too_big = b"##9000" + b"x" * 20
    out = ingest_frame(PEER, AT, too_big)
    assert (out.outcome, out.reason, out.reply) == ("rejected", "too_large", None)


@pytest.mark.parametrize("variant", [CrcVariant.MODBUS, CrcVariant.MODBUS_SWAPPED])
def test_a_modbus_crc_is_accepted_by_default_and_recorded(facility, variant):
    out = ingest_frame(PEER, AT, upload(facility, crc_variant=variant))
    assert out.outcome == "stored"
    assert RawFrame.objects.get(pk=out.frame_id).crc_variant == variant.value


def test_a_modbus_crc_is_rejected_when_the_deployment_says_so(facility, settings):
    settings.TELEMETRY_ACCEPT_MODBUS_CRC = False
    out = ingest_frame(PEER, AT, upload(facility, crc_variant=CrcVariant.MODBUS))
    assert (out.outcome, out.reason) == ("rejected", "bad_crc")
    assert reply_of(out)[2] == {"QnRtn": "9"}
    assert RawFrame.objects.get(pk=out.frame_id).crc_variant == "modbus"
    assert TelemetryValue.objects.count() == 0


def test_a_wrong_password_is_rejected_and_answered_qnrtn_3(facility, caplog):
    out = ingest_frame(PEER, AT, upload(facility, pw="654321"))
    assert (out.outcome, out.reason, out.facility_id) == ("rejected", "bad_password", facility.pk)
    assert reply_of(out)[2] == {"QnRtn": "3"}
    assert TelemetryValue.objects.count() == 0
    link = FacilityLink.objects.get(facility=facility)
    assert (link.frames, link.rejected, link.last_seen, link.connected) == (1, 1, None, False)
    assert "654321" not in caplog.text and "bad_password" in caplog.text


def test_an_unknown_mn_is_recorded_as_unregistered_never_as_data(db):
    other = build_upload(
        "2051", mn="UNKNOWN0001", pw="1", st="31", qn=T0, data_time=T0, pollutants=so2_records()
    )
    out = ingest_frame(PEER, AT, other)
    assert (out.outcome, out.reason, out.facility_id) == ("unregistered", "unregistered", None)
    assert reply_of(out)[2] == {"QnRtn": "4"}
    ingest_frame("10.9.9.9:1", AT + timedelta(minutes=1), other)
    device = UnregisteredDevice.objects.get(mn="UNKNOWN0001")
    assert (device.first_seen, device.last_seen) == (AT, AT + timedelta(minutes=1))
    assert (device.peer, device.frames, device.last_cn) == ("10.9.9.9:1", 2, "2051")
    assert TelemetryValue.objects.count() == 0
    assert set(RawFrame.objects.values_list("outcome", "facility_id")) == {("unregistered", None)}


def test_a_device_registered_after_its_first_frame_is_recognised(lanzhou):
    enterprise = make_enterprise(lanzhou)
    first = build_upload("2051", mn="NEW00001", pw="123456", st="31", qn=T0, data_time=T0)
    assert ingest_frame(PEER, AT, first).outcome == "unregistered"
    facility = make_facility(enterprise, mn="NEW00001", device_password="123456")
    default_cache().invalidate()  # the receiver forgets a miss after a few seconds
    assert ingest_frame(PEER, AT, first).facility_id == facility.pk


def test_a_2005_device_without_qn_or_flag_is_stored_with_glossary_names(facility):
    """HJ/T 212-2005: no QN, no Flag, 2-character gas codes (``02`` = SO2, ``S01`` = O2)."""
    cp = "DataTime=20260301084000;02-Avg=12.5,02-Flag=N;S01-Avg=9.5,S01-Flag=N"
    raw = build_frame(
        "2051", cp, mn=facility.mn, st="31", pw="123456", version=ProtocolVersion.HJ212_2005
    )
    out = ingest_frame(PEER, AT, raw)
    assert (out.outcome, out.qn, out.reply) == ("stored", "", None)  # no A bit: no answer
    names = set(TelemetryValue.objects.values_list("pollutant", flat=True))
    assert names == {"so2", "o2"}
    assert RawFrame.objects.get(pk=out.frame_id).protocol == "2005"


def test_a_2025_device_is_answered_in_its_own_version(facility):
    out = ingest_frame(PEER, AT, upload(facility, version=ProtocolVersion.HJ212_2025))
    assert out.outcome == "stored"
    reply = parse_packet(out.reply)
    assert (reply.header.cn, reply.header.flag) == ("9014", 8)  # HJ 212-2025: version bits 2
    assert FacilityLink.objects.get(facility=facility).protocol == "2025"


def test_subpackets_each_get_their_own_answer_and_together_store_the_message(facility):
    codes = ["a21026", "a21002", "a34013", "a01012", "a00000", "a19001"]
    records = [PollutantRecord(code, avg=float(i), flag="N") for i, code in enumerate(codes)]
    parts = build_split_upload(
        "2051", mn=facility.mn, pw="123456", st="31", qn=T0 + timedelta(minutes=10),
        data_time=T0, pollutants=records, max_data_length=180,
    )  # fmt: skip
    assert len(parts) >= 2
    outcomes = [ingest_frame(PEER, AT, part) for part in parts]
    assert [reply_of(o)[0] for o in outcomes] == ["9014"] * len(parts)
    assert {o.outcome for o in outcomes} == {"stored"}
    assert TelemetryValue.objects.filter(facility=facility).count() == len(codes)
    reasons = list(RawFrame.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons[0].startswith("PNO 1/") and "split message complete" in reasons[-1]


def test_an_inconsistent_subpacket_is_rejected(facility):
    segment = (
        f"QN=20260301085000000;ST=31;CN=2051;PW=123456;MN={facility.mn};Flag=7;PNUM=2;PNO=3;"
        "CP=&&DataTime=20260301084000;a21026-Avg=1.0&&"
    )
    out = ingest_frame(PEER, AT, build_raw_frame(segment))
    assert (out.outcome, out.reason) == ("rejected", "bad_subpacket")
    assert reply_of(out)[2] == {"QnRtn": "6"}


def test_a_data_upload_without_datatime_is_rejected(facility):
    raw = build_frame("2051", "a21026-Avg=1.0", mn=facility.mn, st="31", pw="123456", qn="1")
    out = ingest_frame(PEER, AT, raw)
    assert (out.outcome, out.reason) == ("rejected", "no_data_time")
    assert reply_of(out)[2] == {"QnRtn": "2"}


def test_a_time_calibration_request_is_answered_9013(facility):
    raw = build_frame(
        "1013", "PolId=w01018", mn=facility.mn, st="32", pw="123456", qn="1", ack=True
    )
    out = ingest_frame(PEER, AT, raw)
    assert (out.outcome, reply_of(out)[0]) == ("other", "9013")


def _command(facility, cn: str = "1011", qn: str = "20260301085857223001") -> DeviceCommand:
    return DeviceCommand.objects.create(facility=facility, cn=cn, qn=qn, status="sent")


def _answer(facility, cn: str, cp: str, qn: str = "20260301085857223001") -> bytes:
    return build_frame(cn, cp, mn=facility.mn, st="91", pw=facility.device_password, qn=qn)


def test_command_answers_are_matched_by_qn(facility):
    command = _command(facility)
    first = ingest_frame(PEER, AT, _answer(facility, "9011", "QnRtn=1"))
    assert (first.outcome, first.reply) == ("answer", None)  # an answer is never answered
    command.refresh_from_db()
    assert (command.status, command.answer) == ("accepted", {"QnRtn": 1})
    result = _answer(facility, "1011", "PolId=w01018;SystemTime=20260301085857")
    assert ingest_frame(PEER, AT, result).outcome == "answer"
    ingest_frame(PEER, AT, _answer(facility, "9012", "ExeRtn=1"))
    command.refresh_from_db()
    assert command.status == "done" and command.answered_at == AT
    assert command.answer == {
        "QnRtn": 1, "PolId": "w01018", "SystemTime": "20260301085857", "ExeRtn": 1,
    }  # fmt: skip


def test_a_refused_command_and_site_information(facility):
    refused = _command(facility, "1064", "20260301085857223002")
    info = _command(facility, "3020", "20260301085857223003")
    batch = [
        (PEER, AT, _answer(facility, "9011", "QnRtn=2", refused.qn)),
        (PEER, AT, _answer(facility, "3020", "PolId=w01018;i13001-Info=500", info.qn)),
    ]
    assert [o.outcome for o in ingest_batch(batch)] == ["answer", "answer"]
    refused.refresh_from_db()
    info.refresh_from_db()
    assert (refused.status, info.status, info.answer["i13001-Info"]) == ("refused", "done", "500")


def test_recalled_data_with_the_request_qn_are_stored_and_counted(facility):
    command = _command(facility, "2051")
    out = ingest_frame(PEER, AT, upload(facility, qn=command.qn, ack=False))
    assert out.outcome == "stored"
    command.refresh_from_db()
    assert command.answer == {"DataFrames": 1}


def test_another_device_cannot_answer_a_command(facility, lanzhou):
    command = _command(facility)
    other = make_facility(make_enterprise(lanzhou), mn="62010000000002", device_password="1")
    out = ingest_frame(PEER, AT, _answer(other, "9011", "QnRtn=1"))
    command.refresh_from_db()
    assert command.status == "sent" and out.facility_id == other.pk


def test_facility_link_counts_frames_in_the_batch_transaction(facility):
    later = AT + timedelta(minutes=5)
    batch = [
        (PEER, AT, upload(facility, avg=1.0)),
        ("10.0.0.2:9", later, upload(facility, avg=1.0)),  # duplicate
        (PEER, AT, upload(facility, avg=2.0)),  # revision
        (PEER, AT, upload(facility, pw="bad")),  # rejected
    ]
    outcomes = ingest_batch(batch)
    assert [o.outcome for o in outcomes] == ["stored", "duplicate", "revision", "rejected"]
    link = FacilityLink.objects.get(facility=facility)
    assert (link.frames, link.duplicates, link.revisions, link.rejected) == (4, 1, 1, 1)
    assert (link.last_seen, link.peer, link.protocol, link.connected) == (
        later, "10.0.0.2:9", "2017", True,
    )  # fmt: skip
    assert link.last_data_time == T0
    ingest_frame(PEER, AT, upload(facility, data_time=T0 + timedelta(minutes=10)))
    link.refresh_from_db()
    assert (link.frames, link.last_seen) == (5, later)
    assert link.last_data_time == T0 + timedelta(minutes=10)


def test_a_batch_costs_a_fixed_number_of_queries(facility, lanzhou):
    """Statements the store runs on the raw connection (COPY, lookups) are counted too."""
    others = [make_facility(make_enterprise(lanzhou), device_password="123456") for _ in range(3)]
    ingest_frame(PEER, AT, upload(facility))  # warms the cache

    def batch(minutes: range) -> list[tuple[str, datetime, bytes]]:
        return [
            (PEER, AT, upload(f, data_time=T0 + timedelta(minutes=m)))
            for f in [facility, *others]
            for m in minutes
        ]

    counts = []
    for frames in (batch(range(10, 11)), batch(range(20, 120))):  # 4 frames, then 400
        with CaptureQueriesContext(connection) as queries:
            outcomes = ingest_batch(frames)
        assert {o.outcome for o in outcomes} == {"stored"}
        counts.append(len(queries))
    assert counts[0] == counts[1] and 6 <= counts[0] <= 15
    assert any("COPY" in q["sql"] or "INSERT INTO" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("vector", GOOD + BAD + APPENDIX_C, ids=lambda v: v.id)
def test_every_published_frame_goes_through_without_an_exception(db, vector):
    out = ingest_frame(PEER, AT, vector.frame)
    assert out.outcome in {"unregistered", "rejected"}
    assert out.facility_id is None and out.frame_id > 0
    if out.reply is not None:
        assert parse_packet(out.reply).header.cn == "9011"


def test_queued_commands_are_claimed_built_and_expire_unanswered(facility):
    from ceguan.telemetry.receiver import outbox

    ingest_frame(PEER, AT, upload(facility, version=ProtocolVersion.HJ212_2025))
    window = {"BeginTime": "2026-03-01T08:00:00+08:00", "EndTime": "2026-03-01T09:00:00+08:00"}
    recall = DeviceCommand.objects.create(
        facility=facility, cn="2051", qn="20260301090000000001", parameters=window
    )
    broken = DeviceCommand.objects.create(
        facility=facility, cn="1064", qn="20260301090000000002", parameters={"MinInterval": 7}
    )
    [(command_id, facility_id, frame)] = outbox.claim_commands([facility.pk], now=AT)
    request = parse_packet(frame)
    assert (command_id, facility_id) == (recall.pk, facility.pk)
    assert (request.header.cn, request.qn, request.header.flag) == ("2051", recall.qn, 9)
    assert request.payload.fields == {"BeginTime": "20260301080000", "EndTime": "20260301090000"}
    broken.refresh_from_db()
    assert broken.status == "failed" and "MinInterval" in broken.answer["error"]
    assert outbox.claim_commands([facility.pk], now=AT) == []  # claimed once only
    assert outbox.expire_commands(120, now=AT + timedelta(seconds=60)) == 0
    assert outbox.expire_commands(120, now=AT + timedelta(seconds=121)) == 1
    recall.refresh_from_db()
    assert recall.status == "expired"


def test_a_command_claimed_for_a_closed_connection_is_queued_again(facility):
    from ceguan.telemetry.receiver import outbox

    command = DeviceCommand.objects.create(facility=facility, cn="1011", qn="1")
    [(command_id, _, _)] = outbox.claim_commands([facility.pk])
    assert outbox.unclaim([command_id]) == 1
    command.refresh_from_db()
    assert (command.status, command.sent_at) == ("queued", None)


def test_a_nul_character_in_a_crc_valid_header_is_stored_as_evidence(db):
    """PostgreSQL text cannot hold NUL: the frame is still kept (bytes exactly as received) and
    answered as an unknown MN, and nobody else's frames in the batch are lost."""
    segment = (
        b"QN=20260301080030000;ST=31;CN=2051;PW=123456;MN=6201\x00X;Flag=5;"
        b"CP=&&DataTime=20260301080000;a21026-Avg=1.0,a21026-Flag=N&&"
    )
    raw = b"##%04d%b%b\r\n" % (len(segment), segment, format_crc(crc_hj212(segment)))
    out = ingest_frame(PEER, AT, raw)
    assert (out.outcome, out.reason) == ("unregistered", "unregistered")
    frame = RawFrame.objects.get(pk=out.frame_id)
    assert bytes(frame.raw) == raw and frame.mn == "6201\ufffdX"
