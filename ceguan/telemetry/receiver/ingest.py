"""``ingest_frame``: one received HJ 212 frame in, stored, answered — the receiver's one function.

The TCP server is a thin adapter over :func:`ingest_batch` (style.md §9): it frames the byte
stream and calls this with many frames at once; tests, file uploads or another transport can call
:func:`ingest_frame` with one. For each frame, in Python: envelope, CRC and header
(:mod:`.examine`), then MN and PW against the registry (:mod:`.auth`, HJ 212-2017 Table 3), then
its values (:mod:`.values`) and whether it answers a platform command (:mod:`.answers`). The
batch is decided against the stored values (:func:`~ceguan.telemetry.store.prepare_frames`), then
ONE transaction, inside the writer's turn, stores every frame of the batch
(:func:`~ceguan.telemetry.store.write_prepared`; decided again there if another writer stored one
of its values meanwhile), the ``FacilityLink`` counters, unregistered MNs and command answers.
Only after it committed are the
replies built: the 9014 data answer when the upload set Flag bit A (HJ 212-2017 §6.3.3.2), 9013
for a 1013 notification, or a 9011 whose ``QnRtn`` says why a frame was refused (Table 7).
If the transaction fails this raises and nothing is answered: the devices resend (§6.2).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from ceguan.hj212 import (
    REPLY_COMMANDS,
    CpPayload,
    Header,
    Packet,
    QnRtn,
    SubpacketAssembler,
    build_data_reply,
    build_notification_reply,
    build_request_reply,
)
from ceguan.telemetry.choices import FrameOutcome
from ceguan.telemetry.receiver import answers, links
from ceguan.telemetry.receiver.auth import AuthCache, Credentials, default_cache
from ceguan.telemetry.receiver.examine import Rejected, examine
from ceguan.telemetry.receiver.policy import (
    SUBPACKET_MAX_PARTS,
    SUBPACKET_PENDING,
    SUBPACKET_TIMEOUT_SECONDS,
    Policy,
)
from ceguan.telemetry.receiver.values import KIND_OF_CN, PROTOCOL_CODES, values_of
from ceguan.telemetry.store import (
    IncomingFrame,
    WriteResult,
    prepare_frames,
    write_frames,
    write_prepared,
)

log = logging.getLogger("ceguan.telemetry.receiver")

BAD_PASSWORD = "bad_password"  # noqa: S105 (a reason code)
UNREGISTERED = "unregistered"
NO_DATA_TIME = "no_data_time"
NOTIFICATION = "1013"  # device asks for time calibration; answered 9013 (HJ 212-2017 C.4)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one frame, and the bytes to send back (None: send nothing)."""

    frame_id: int
    outcome: str
    """A :class:`~ceguan.telemetry.choices.FrameOutcome` value."""
    reason: str
    """Why it was rejected (``bad_crc``, ``bad_password``, ``unregistered`` …), else ``""``."""
    reply: bytes | None
    facility_id: int | None
    mn: str
    cn: str
    qn: str
    authenticated: bool = False
    """MN and PW matched a facility: the connection speaks for ``facility_id``."""


@dataclass(slots=True)
class _Work:
    frame: IncomingFrame
    header: Header | None
    payload: CpPayload | None = None
    authenticated: bool = False
    code: str = ""
    qn_rtn: QnRtn | None = None


# One assembler for the receiver: parts group by (MN, CN, DataTime, PNUM), as hj212.md §4 says,
# so a device that reconnects mid-message still completes it. Used only to report incomplete
# split messages: every part's values are stored with the part itself, so each part's 9014
# (HJ 212-2017 C.49–C.50: every sub-packet gets its own) still means "committed".
_assembler = SubpacketAssembler(
    timeout=SUBPACKET_TIMEOUT_SECONDS, max_messages=SUBPACKET_PENDING, max_parts=SUBPACKET_MAX_PARTS
)
_assembler_lock = threading.Lock()


def ingest_frame(
    peer: str,
    received_at: datetime,
    raw: bytes,
    *,
    policy: Policy | None = None,
    cache: AuthCache | None = None,
) -> Outcome:
    """Check, store and answer one frame (see the module docstring)."""
    return ingest_batch([(peer, received_at, raw)], policy=policy, cache=cache)[0]


def examine_raw(raw: bytes, policy: Policy) -> Packet | Rejected:
    """Envelope, CRC, header and CP of one frame under ``policy`` (pure: no database)."""
    return examine(
        raw, max_frame_bytes=policy.max_frame_bytes, accept_modbus=policy.accept_modbus_crc
    )


def ingest_batch(
    items: Sequence[tuple[str, datetime, bytes]],
    *,
    policy: Policy | None = None,
    cache: AuthCache | None = None,
    checked: Sequence[Packet | Rejected | None] | None = None,
    turn: Callable[[], contextlib.AbstractContextManager[object]] = contextlib.nullcontext,
) -> list[Outcome]:
    """Check every frame, store them all in one transaction, then build the replies.

    ``checked``: what :func:`examine_raw` already said of each frame (None: not yet), so that
    the server can parse frames as they arrive, while the previous batch is being written.
    ``turn``: held around the transaction only (the receiver's
    :class:`~.sqlite_writer.WriteTurn`, so that processes sharing an SQLite file take turns).
    """
    if not items:
        return []
    policy = policy or Policy.from_settings()
    cache = cache or default_cache()
    if checked is None:
        checked = [None] * len(items)
    checked = [
        c if c is not None else examine_raw(raw, policy)
        for (_, _, raw), c in zip(items, checked, strict=True)
    ]
    creds = cache.resolve(c.header.mn for c in checked if c.header is not None)
    now = time.monotonic()
    work = [
        _classify(peer, received_at, raw, c, creds, now)
        for (peer, received_at, raw), c in zip(items, checked, strict=True)
    ]
    _expire_split_messages(now)
    commands = answers.find_commands(w.frame.qn for w in work if w.authenticated and w.frame.qn)
    for w in work:
        refused = w.frame.outcome == FrameOutcome.REJECTED
        command = None if refused or not w.authenticated else commands.get(w.frame.qn)
        if command is None or command.facility_id != w.frame.facility_id or w.payload is None:
            continue
        matched = answers.apply_answer(command, w.frame.cn, w.payload, w.frame.received_at)
        if matched and w.frame.cn not in KIND_OF_CN:
            w.frame.outcome = FrameOutcome.ANSWER
    frames = [w.frame for w in work]
    prepared = prepare_frames(frames)  # before the turn: it covers the writes only
    with turn():
        try:
            with transaction.atomic():
                results = write_prepared(prepared)
                _write_rest(work, results, commands)
        except IntegrityError:
            # Another writer stored one of these values after they were read (a device that
            # reconnected to another receiver): decide the batch again, holding the turn.
            log.info("batch of %d frames raced another writer; deciding it again", len(frames))
            with transaction.atomic():
                results = write_frames(frames)
                _write_rest(work, results, commands)
    return [_outcome(w, r) for w, r in zip(work, results, strict=True)]


def _write_rest(
    work: list[_Work], results: list[WriteResult], commands: dict[str, answers.OpenCommand]
) -> None:
    """The batch's link counters, unregistered devices and command answers (same transaction)."""
    link_deltas, sightings = _tally(work, results)
    links.upsert_links(link_deltas)
    links.upsert_unregistered(sightings)
    answers.save_commands(commands.values())


def _classify(
    peer: str,
    received_at: datetime,
    raw: bytes,
    checked: Packet | Rejected,
    creds: dict[str, Credentials],
    now: float,
) -> _Work:
    header = checked.header
    frame = IncomingFrame(received_at, peer, raw)
    work = _Work(frame, header)
    cred = None
    if header is not None:
        frame.mn, frame.cn = header.mn, header.cn
        frame.qn = (checked.qn if isinstance(checked, Packet) else header.qn) or ""
        frame.protocol = PROTOCOL_CODES[header.version]
        cred = creds.get(header.mn)
    if isinstance(checked, Rejected):
        frame.crc_variant = checked.crc_variant
        if cred is not None and header is not None and cred.accepts(header.pw):
            frame.facility_id = cred.facility_id
        return _reject(work, checked.reason, checked.detail, checked.qn_rtn)
    frame.crc_variant = checked.crc_variant.value
    assert header is not None
    if cred is None:
        frame.outcome, frame.reason, work.code = UNREGISTERED, UNREGISTERED, UNREGISTERED
        work.qn_rtn = QnRtn.BAD_MN
        log.debug("unregistered MN %r from %s (CN %s)", header.mn, peer, header.cn)
        return work
    frame.facility_id = cred.facility_id
    if not cred.accepts(header.pw):
        return _reject(work, BAD_PASSWORD, "PW does not match the registry", QnRtn.BAD_PASSWORD)
    work.authenticated = True
    work.payload = payload = checked.payload
    notes: list[str] = []
    if header.is_split:
        problem = _add_part(checked, now, notes)
        if problem:
            return _reject(work, "bad_subpacket", problem, QnRtn.BAD_FLAG)
    cn = header.cn
    if cn in KIND_OF_CN:
        if payload.data_time is None:
            return _reject(work, NO_DATA_TIME, f"CN {cn} without DataTime", QnRtn.REJECTED)
        frame.values, unknown = values_of(cn, payload)
        if unknown:
            notes.append("unknown factor codes: " + ",".join(unknown))
    elif cn in REPLY_COMMANDS:
        frame.outcome = FrameOutcome.ANSWER
    else:
        frame.outcome = FrameOutcome.OTHER
    frame.reason = "; ".join(notes)[:200]
    return work


def _reject(work: _Work, code: str, detail: str, qn_rtn: QnRtn | None) -> _Work:
    frame = work.frame
    frame.outcome, work.code, work.qn_rtn = FrameOutcome.REJECTED, code, qn_rtn
    frame.reason = f"{code}: {detail}"[:200]
    frame.values = ()
    log.warning(
        "rejected frame from %s MN %r CN %s QN %s: %s (%s)",
        frame.peer, frame.mn, frame.cn, frame.qn, code, detail,
    )  # fmt: skip
    return work


def _add_part(packet: Packet, now: float, notes: list[str]) -> str:
    """Feed a sub-packet to the assembler (a light copy: the raw frame is stored anyway)."""
    header = packet.header
    tag = f"MN={header.mn};CN={header.cn}".encode()
    light = Packet(header, CpPayload(data_time=packet.payload.data_time), packet.crc_variant, tag)
    with _assembler_lock:
        results = _assembler.add(light, now)
    notes.append(f"PNO {header.pno}/{header.pnum}")
    for result in results:
        if isinstance(result, Exception):
            if result.data == tag and result.reason == "bad_subpacket":
                return result.detail
            log.warning("split message dropped: %s (%s)", result.detail, result.data.decode())
        else:
            notes.append("split message complete")
    return ""


def _expire_split_messages(now: float) -> None:
    with _assembler_lock:
        expired = _assembler.expire(now)
    for error in expired:
        log.warning("split message incomplete: %s (%s)", error.detail, error.data[:80].decode())


def _tally(
    work: list[_Work], results: list[WriteResult]
) -> tuple[dict[int, links.LinkDelta], dict[str, links.Sighting]]:
    deltas: dict[int, links.LinkDelta] = {}
    sightings: dict[str, links.Sighting] = {}
    for w, result in zip(work, results, strict=True):
        frame = w.frame
        if frame.facility_id is None:
            if result.outcome == UNREGISTERED and frame.mn:
                s = sightings.get(frame.mn)
                if s is None:
                    s = sightings[frame.mn] = links.Sighting(
                        frame.received_at, frame.received_at, frame.peer, frame.cn
                    )
                s.add(frame.received_at, frame.peer, frame.cn)
            continue
        d = deltas.get(frame.facility_id)
        if d is None:
            d = deltas[frame.facility_id] = links.LinkDelta()
        d.frames += 1
        if result.outcome == FrameOutcome.DUPLICATE:
            d.duplicates += 1
        elif result.outcome == FrameOutcome.REVISION:
            d.revisions += 1
        elif result.outcome == FrameOutcome.REJECTED:
            d.rejected += 1
        if w.authenticated:
            d.seen(frame.received_at, frame.peer, frame.protocol)
            if frame.values and w.payload is not None and w.payload.data_time is not None:
                d.data(w.payload.data_time)
    return deltas, sightings


def _outcome(w: _Work, result: WriteResult) -> Outcome:
    frame = w.frame
    return Outcome(
        result.frame_id, str(result.outcome), str(w.code), _reply(w), frame.facility_id,
        frame.mn, frame.cn, frame.qn, w.authenticated,
    )  # fmt: skip


def _reply(w: _Work) -> bytes | None:
    """The answer the protocol gives, built after commit (HJ 212-2017 §6.1, Tables 6–7)."""
    header = w.header
    if header is None or header.cn in REPLY_COMMANDS:
        return None  # nothing to answer with, or never answer an answer
    if w.qn_rtn is not None:
        if not header.qn or not header.mn:
            return None
        return build_request_reply(header, w.qn_rtn)
    if not w.authenticated:
        return None
    if header.cn == NOTIFICATION:
        return build_notification_reply(header)
    if header.ack_requested:
        return build_data_reply(header)
    return None
