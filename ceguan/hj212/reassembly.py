"""Reassembling split messages (PNUM/PNO, HJ 212-2017 §6.3.3.2 and Appendix C.49–C.50).

Each sub-packet has its own QN and repeats DataTime, so parts are grouped by
(MN, CN, DataTime, PNUM), not by QN. The standard sets no reassembly timeout; the caller gives one
(e.g. OverTime × ReCount). Memory is bounded by ``max_messages`` × ``max_parts`` packets.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from ceguan.hj212.errors import Reason, ReassemblyError
from ceguan.hj212.header import Header
from ceguan.hj212.packet import Packet
from ceguan.hj212.records import CpPayload, DeviceRecord, PollutantRecord

GroupKey = tuple[str, str, datetime | None, int]


@dataclass(frozen=True, slots=True)
class AssembledMessage:
    """A complete message: one packet, or all parts of a split one in PNO order."""

    parts: tuple[Packet, ...]
    payload: CpPayload
    """The parts' CP merged (pollutants, devices and fields: the first occurrence wins)."""

    @property
    def header(self) -> Header:
        """The first part's header."""
        return self.parts[0].header


def merge_payloads(payloads: list[CpPayload]) -> CpPayload:
    """One payload from the CPs of a split message's parts (first value of each key wins)."""
    if len(payloads) == 1:
        return payloads[0]
    pollutants: dict[str, PollutantRecord] = {}
    devices: dict[str, DeviceRecord] = {}
    fields: dict[str, str] = {}
    for p in payloads:
        for code, record in p.pollutants.items():
            pollutants.setdefault(code, record)
        for name, device in p.devices.items():
            devices.setdefault(name, device)
        for key, value in p.fields.items():
            fields.setdefault(key, value)
    repeated: dict[str, tuple[str, ...]] = {}
    for p in payloads:
        for key, values in p.repeated.items():
            repeated[key] = repeated.get(key, ()) + values
    return CpPayload(
        payloads[0].data_time,
        pollutants,
        devices,
        tuple(i for p in payloads for i in p.info),
        fields,
        repeated,
        tuple(i for p in payloads for i in p.issues),
    )


@dataclass
class _Pending:
    first_seen: float
    pnum: int
    parts: dict[int, Packet]


class SubpacketAssembler:
    """Collects sub-packets until every PNO of a PNUM has arrived.

    Parameters
    ----------
    timeout : float
        Seconds after a message's first part after which :meth:`expire` drops it.
    max_messages : int
        Split messages pending at once; the oldest is dropped (``SUBPACKET_OVERFLOW``) beyond it.
    max_parts : int
        Largest PNUM accepted; above it a part is rejected (``BAD_SUBPACKET``).
    """

    def __init__(self, *, timeout: float, max_messages: int = 256, max_parts: int = 64) -> None:
        if timeout <= 0 or max_messages < 1 or max_parts < 1:
            raise ValueError("timeout, max_messages and max_parts must be positive")
        self.timeout = timeout
        self.max_messages = max_messages
        self.max_parts = max_parts
        self._pending: OrderedDict[GroupKey, _Pending] = OrderedDict()

    @property
    def pending(self) -> int:
        """Split messages waiting for parts."""
        return len(self._pending)

    def add(self, packet: Packet, now: float) -> list[AssembledMessage | ReassemblyError]:
        """Add one packet (at monotonic time ``now`` [s]); return what completes or is dropped.

        A packet that is not split comes straight back as a one-part message. A repeated PNO
        (a retransmission) is ignored.
        """
        header = packet.header
        if header.pnum is None or header.pno is None:
            return [AssembledMessage((packet,), packet.payload)]
        pnum, pno = header.pnum, header.pno
        if not 1 <= pno <= pnum or pnum > self.max_parts:
            detail = f"PNO={pno} PNUM={pnum} (max_parts {self.max_parts})"
            return [ReassemblyError(Reason.BAD_SUBPACKET, packet.raw, detail)]
        if pnum == 1:
            return [AssembledMessage((packet,), packet.payload)]
        out: list[AssembledMessage | ReassemblyError] = []
        key = (header.mn, header.cn, packet.payload.data_time, pnum)
        group = self._pending.get(key)
        if group is None:
            if len(self._pending) >= self.max_messages:
                _, oldest = self._pending.popitem(last=False)
                out.append(_dropped(Reason.SUBPACKET_OVERFLOW, oldest, "assembler full"))
            group = self._pending[key] = _Pending(now, pnum, {})
        group.parts.setdefault(pno, packet)
        if len(group.parts) == pnum:
            del self._pending[key]
            parts = tuple(group.parts[i] for i in range(1, pnum + 1))
            out.append(AssembledMessage(parts, merge_payloads([p.payload for p in parts])))
        return out

    def expire(self, now: float) -> list[ReassemblyError]:
        """Drop messages whose first part is older than ``timeout``; report them."""
        out = []
        for key in [k for k, g in self._pending.items() if now - g.first_seen > self.timeout]:
            group = self._pending.pop(key)
            out.append(_dropped(Reason.SUBPACKET_TIMEOUT, group, f"after {self.timeout} s"))
        return out


def _dropped(reason: Reason, group: _Pending, why: str) -> ReassemblyError:
    got = sorted(group.parts)
    raw = b"".join(group.parts[i].raw for i in got)
    return ReassemblyError(reason, raw, f"{why}: got PNO {got} of PNUM={group.pnum}")
