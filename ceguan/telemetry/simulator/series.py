"""A facility's series as its device reports it: the signal model with injections applied (pure).

A device's history keeps :class:`Sent` receipts (which period, on what clock, rewritten or not)
rather than values: the series is deterministic, so :meth:`FacilitySeries.rebuild` gives back the
very numbers that were sent, and a ring buffer of receipts costs ~100 bytes an entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ceguan.telemetry.simulator.injections import Injection, apply, rewrite
from ceguan.telemetry.simulator.periods import Kind, Period, aggregate
from ceguan.telemetry.simulator.signals import Sample, SignalModel, minute_of

RETAIN = timedelta(days=31)
"""How long past injections are kept (data recall rebuilds periods with them)."""


@dataclass(frozen=True, slots=True)
class Sent:
    """A receipt of one sent period: enough to rebuild it."""

    kind: Kind
    data_time: datetime
    minutes: int
    offset: float = 0.0
    rewritten: Injection | None = None


class FacilitySeries:
    """Minute samples and periods of one facility, with its injected problems."""

    def __init__(self, model: SignalModel, injections: Iterable[Injection] = ()) -> None:
        self.model = model
        self.injections: list[Injection] = list(injections)

    def extend(self, injections: Iterable[Injection]) -> None:
        """Add planned injections; forget those over a month older than the newest."""
        self.injections.extend(injections)
        if self.injections:
            horizon = max(i.start for i in self.injections) - RETAIN
            self.injections = [i for i in self.injections if (i.sent_at or i.end) >= horizon]

    def reported(self, minute: int) -> Sample | None:
        """The sample of a (true-time) epoch minute as reported; None when nothing is."""
        sample: Sample | None = self.model.sample(minute)
        for injection in self.injections:
            if sample is None:
                break
            if injection.active(minute):
                sample = apply(injection, sample, self.model)
        return sample

    def clock_offset(self, moment: datetime) -> float:
        """Seconds the device clock is off at (true) ``moment`` because of injected drift."""
        return sum(i.clock_offset(moment) for i in self.injections)

    def period(
        self,
        kind: Kind,
        label: datetime,
        minutes: int,
        *,
        offset: float = 0.0,
        rewritten: Injection | None = None,
    ) -> Period | None:
        """The period the device labels ``label`` (its clock ``offset`` seconds off true time).

        ``rewritten``: the values a back-dated rewrite sends instead. None when every minute of
        the period is missing (drop-out).
        """
        first = minute_of(label - timedelta(seconds=offset))
        samples = []
        for minute in range(first, first + minutes):
            sample = self.reported(minute)
            if sample is None:
                continue
            if rewritten is not None and rewritten.active(minute):
                sample = rewrite(rewritten, sample)
            samples.append(sample)
        if not samples:
            return None
        return Period(kind, label, aggregate(samples, self.model))

    def realtime(self, label: datetime, *, offset: float = 0.0) -> Period | None:
        """The instant reading the device stamps ``label``."""
        return self.period(Kind.REALTIME, label, 1, offset=offset)

    def rewrites_due(self, after: datetime, upto: datetime) -> list[Injection]:
        """Back-dated rewrites to send once the data stream passes ``(after, upto]``."""
        return [i for i in self.injections if i.sent_at is not None and after < i.sent_at <= upto]

    def rebuild(self, sent: Sent) -> Period | None:
        """The period a receipt stands for, with the values that were sent."""
        return self.period(
            sent.kind, sent.data_time, sent.minutes, offset=sent.offset, rewritten=sent.rewritten
        )
