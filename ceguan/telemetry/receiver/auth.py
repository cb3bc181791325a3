"""Who is talking: the MN → facility cache and the access-password check (HJ 212-2017 Table 3).

Every HJ 212 packet names its data acquisition unit by ``MN`` and carries its access password
``PW`` (HJ 212-2017 §6.3.2, Table 3). The registry (:class:`~ceguan.registry.models.Facility`)
holds both. The receiver must not query the registry per frame, so it keeps every registered MN
in memory, reloaded every ``refresh_seconds``. An MN missing from the cache is looked up once (a
device registered a moment ago is found at once) and then remembered as unknown for
``miss_seconds``, so a stream of frames from an unregistered device costs one query per MN per
few seconds, never one per frame.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

from ceguan.registry.models import Facility

#: Unknown MNs remembered at most (the set is cleared when it would grow past this).
MAX_MISSES = 100_000


class Credentials(NamedTuple):
    """What the registry says about one MN."""

    facility_id: int
    password: str
    """``Facility.device_password``; empty = not recorded, any PW is accepted."""

    def accepts(self, password: str | None) -> bool:
        """True when ``password`` (the packet's PW) matches, compared in constant time."""
        if not self.password:
            return True
        return hmac.compare_digest((password or "").encode(), self.password.encode())


class AuthCache:
    """Registered MNs in memory: reloaded every ``refresh_seconds``, misses looked up once.

    Thread-safe; the receiver uses it from its one database thread only.
    """

    def __init__(
        self,
        refresh_seconds: float = 60,
        miss_seconds: float = 5,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh_seconds = refresh_seconds
        self.miss_seconds = miss_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._by_mn: dict[str, Credentials] = {}
        self._misses: dict[str, float] = {}
        self._loaded_at: float | None = None

    def invalidate(self) -> None:
        """Forget everything: the next lookup reloads the registry."""
        with self._lock:
            self._loaded_at = None
            self._misses.clear()

    def __len__(self) -> int:
        return len(self._by_mn)

    def resolve(self, mns: Iterable[str]) -> dict[str, Credentials]:
        """The credentials of each registered MN among ``mns`` (at most one query for misses)."""
        # An MN with a NUL character is in no registry (and PostgreSQL cannot compare it).
        wanted = {mn for mn in mns if "\x00" not in mn}
        with self._lock:
            now = self._clock()
            if self._loaded_at is None or now - self._loaded_at >= self.refresh_seconds:
                self._reload(now)
            found = {mn: c for mn in wanted if (c := self._by_mn.get(mn)) is not None}
            ask = [
                mn
                for mn in wanted
                if mn not in found and now - self._misses.get(mn, -1e18) >= self.miss_seconds
            ]
            if ask:
                rows = Facility.objects.filter(mn__in=ask).values_list(
                    "mn", "pk", "device_password"
                )
                for mn, pk, password in rows:
                    found[mn] = self._by_mn[mn] = Credentials(pk, password or "")
                    self._misses.pop(mn, None)
                if len(self._misses) + len(ask) > MAX_MISSES:
                    self._misses.clear()
                for mn in ask:
                    if mn not in found:
                        self._misses[mn] = now
            return found

    def _reload(self, now: float) -> None:
        rows = Facility.objects.exclude(mn=None).exclude(mn="")
        self._by_mn = {
            mn: Credentials(pk, password or "")
            for mn, pk, password in rows.values_list("mn", "pk", "device_password")
        }
        self._misses.clear()
        self._loaded_at = now


_default: AuthCache | None = None
_default_lock = threading.Lock()


def default_cache() -> AuthCache:
    """The process-wide cache, with refresh periods from the settings (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            from ceguan.telemetry.receiver.policy import Policy

            policy = Policy.from_settings()
            _default = AuthCache(policy.auth_refresh_seconds, policy.auth_miss_seconds)
        return _default
