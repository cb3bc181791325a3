"""One simulated data acquisition unit (数采仪): an asyncio HJ 212 client for one facility.

It uploads minute (2051) and hourly (2061) data, and real-time data (2011) when asked, as its own
clock says they are due: first the backfill, as fast as acknowledgements allow, then live. Its
clock is the simulated clock plus any injected drift plus what 1012 set. Uploads ask for an
acknowledgement (Flag A) and are re-sent or the link reconnected as :mod:`~.link` describes;
HJ/T 212-2005 devices send, as in the field, without QN and Flag and get no acknowledgement.
Platform requests are answered by :func:`~.answers.respond`, one at a time in their own task;
recalled data come from the device's ring buffer (:class:`~.periods.History`).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import datetime, timedelta

from ceguan.hj212 import Hj212Error, Packet, ProtocolVersion
from ceguan.hj212.times import BEIJING, format_qn
from ceguan.telemetry.simulator.answers import DeviceState, respond, upload_frames
from ceguan.telemetry.simulator.link import Link, LinkDown
from ceguan.telemetry.simulator.periods import History, Kind, Period
from ceguan.telemetry.simulator.runtime import Settings, SimClock, Stats
from ceguan.telemetry.simulator.series import FacilitySeries, Sent

HOUR = timedelta(hours=1)
_MS = timedelta(milliseconds=1)


def floor_time(moment: datetime, seconds: int) -> datetime:
    """``moment`` rounded down to a multiple of ``seconds`` (minutes and hours align in UTC+8)."""
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, BEIJING)


class Device(Link):
    """The device of one facility; :meth:`run` until ``stop`` is set."""

    def __init__(
        self,
        series: FacilitySeries,
        version: ProtocolVersion,
        clock: SimClock,
        settings: Settings,
        stats: Stats,
        *,
        backfill: timedelta = timedelta(0),
    ) -> None:
        profile = series.model.profile
        super().__init__(profile.mn, version.value, settings, stats)
        self.series, self.clock, self.version = series, clock, version
        self._drifting = False
        self.state = DeviceState(
            mn=profile.mn, pw=profile.password, st="31" if profile.gas else "32",
            version=version, gas=profile.gas, clock=self.now, history=History(settings.history),
            rebuild=series.rebuild,
            min_interval=settings.min_interval, rtd_interval=settings.rtd_interval,
            realtime=settings.realtime, over_time=settings.ack_timeout, re_count=settings.retries,
        )  # fmt: skip
        start = self.now() - backfill
        self.next_minute = floor_time(start, settings.min_interval * 60)
        self.next_hour = floor_time(start, 3600)
        self.next_rtd = self.now()
        self.stream_pos = clock.now() - backfill
        self._last_qn = datetime.min.replace(tzinfo=BEIJING)
        self._requests: asyncio.Queue[Packet] = asyncio.Queue()

    @property
    def mn(self) -> str:
        return self.state.mn

    def now(self) -> datetime:
        """The device clock: simulated time, injected drift, and 1012 adjustments."""
        true = self.clock.now()
        drift = self.series.clock_offset(true)
        if self._drifting and not drift:  # the clock fault is over: the device resynchronised
            self.state.adjust = 0.0
        self._drifting = bool(drift)
        return true + timedelta(seconds=drift + self.state.adjust)

    async def run(self, stop: asyncio.Event, gate: asyncio.Semaphore) -> None:
        """Connect, talk, reconnect with back-off; return once ``stop`` is set."""
        delay = 0.5
        while not stop.is_set():
            try:
                async with gate:
                    connect = asyncio.open_connection(self.settings.host, self.settings.port)
                    reader, writer = await asyncio.wait_for(connect, self.settings.connect_timeout)
            except (OSError, TimeoutError) as exc:
                self.stats.error(f"{self.mn}: connect: {exc or type(exc).__name__}")
            else:
                delay = 0.5
                self.stats.connected += 1
                try:
                    await self._session(reader, writer, stop, gate)
                except (LinkDown, OSError) as exc:
                    self.stats.error(f"{self.mn}: {exc or type(exc).__name__}")
                finally:
                    self.stats.connected -= 1
                    self.attach(None)
                    writer.close()
                    with suppress(Exception):
                        await writer.wait_closed()
                if stop.is_set():
                    return
                self.stats.reconnects += 1
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, self.settings.reconnect_max)

    async def _session(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stop: asyncio.Event,
        gate: asyncio.Semaphore,
    ) -> None:
        self.attach(writer)
        tasks = [
            asyncio.create_task(self.read(reader)),
            asyncio.create_task(self.watch()),
            asyncio.create_task(self._serve_requests()),
        ]
        try:
            await self.resend_pending()
            while not stop.is_set():
                step = timedelta(minutes=self.state.min_interval)
                if self.next_minute + 2 * step <= self.now():  # catching up: take a turn
                    async with gate:
                        due = await self._produce()
                else:
                    due = await self._produce()
                wait = min(0.5, max(0.005, self.clock.real_seconds(due - self.now())))
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                self.check()
            await self.drain()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _produce(self) -> datetime:
        """Send every period that is due, in time order; return when the next one will be."""
        while True:
            self.check()
            now = self.now()
            m_end = self.next_minute + timedelta(minutes=self.state.min_interval)
            h_end = self.next_hour + HOUR
            if m_end <= now and m_end <= h_end:
                await self._send_period(Kind.MINUTE, self.next_minute, self.state.min_interval)
                self.next_minute = m_end
            elif h_end <= now:
                await self._send_period(Kind.HOURLY, self.next_hour, 60)
                self.next_hour = h_end
            else:
                break
        due = min(m_end, h_end)
        if self.state.realtime:
            if self.next_rtd <= now:
                label = floor_time(now, 1)
                period = self.series.realtime(label, offset=self._offset(label))
                if period is not None:
                    await self._upload(period)
                self.next_rtd = now + timedelta(seconds=self.state.rtd_interval)
            due = min(due, self.next_rtd)
        return due

    def _offset(self, label: datetime) -> float:
        return self.series.clock_offset(label) + self.state.adjust

    async def _send_period(self, kind: Kind, label: datetime, minutes: int) -> None:
        offset = self._offset(label)
        period = self.series.period(kind, label, minutes, offset=offset)
        if period is not None:
            self.state.history.add(Sent(kind, label, minutes, offset))
            await self._upload(period)
        true_end = label + timedelta(minutes=minutes, seconds=-offset)
        for injection in self.series.rewrites_due(self.stream_pos, true_end):
            for kind_, length in ((Kind.MINUTE, self.state.min_interval), (Kind.HOURLY, 60)):
                moment = floor_time(injection.start, length * 60)
                while moment < injection.end:
                    sent = Sent(kind_, moment, length, rewritten=injection)
                    again = self.series.rebuild(sent)
                    if again is not None:
                        self.state.history.add(sent)
                        await self._upload(again)
                    moment += timedelta(minutes=length)
        self.stream_pos = max(self.stream_pos, true_end)

    def _next_qn(self) -> datetime:
        now = self.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._last_qn = max(now, self._last_qn + _MS)
        return self._last_qn

    async def _upload(self, period: Period) -> None:
        qn = self._next_qn()
        frames = upload_frames(self.state, period, qn)
        self._last_qn = qn + _MS * (len(frames) - 1)
        for i, frame in enumerate(frames):
            if self.version is ProtocolVersion.HJ212_2005:
                await self.write(frame)
            else:
                await self.send_acked(frame, format_qn(qn + _MS * i))

    def on_request(self, packet: Packet) -> None:
        self._requests.put_nowait(packet)

    async def _serve_requests(self) -> None:
        while True:
            packet = await self._requests.get()
            try:
                answer = respond(self.state, packet)
            except Hj212Error as exc:
                self.stats.error(f"{self.mn}: cannot answer CN {packet.header.cn}: {exc}")
                continue
            self.stats.commands += 1
            self.over_time, self.re_count = self.state.over_time, self.state.re_count
            for frame in answer.replies:
                await self.write(frame)
            for period in answer.uploads:
                await self._upload(period)
            for frame in answer.final:
                await self.write(frame)
            self.next_minute = floor_time(self.next_minute, self.state.min_interval * 60)
