"""The HJ 212 receiver: devices' TCP connections in, committed frames and replies out.

* :func:`~.ingest.ingest_frame` / :func:`~.ingest.ingest_batch` — the plain, synchronous core:
  check, authenticate, store in one transaction, then answer (:class:`~.ingest.Outcome`);
* :mod:`.server` — the asyncio TCP adapter (``ceguan receive``): framing, limits, one batch
  writer thread, replies strictly after commit, platform → device commands (:mod:`.outbox`);
* :mod:`.policy` — limits and timeouts from Django settings (:data:`~.policy.SETTINGS`).

Protocol: HJ 212-2017 (with HJ/T 212-2005 and HJ 212-2025 devices); notes in
``shared/design/hj212.md``; operations in ``docs/receiver.md``.
"""

from ceguan.telemetry.receiver.ingest import Outcome, ingest_batch, ingest_frame
from ceguan.telemetry.receiver.policy import SETTINGS, Policy

__all__ = ["SETTINGS", "Outcome", "Policy", "ingest_batch", "ingest_frame"]
