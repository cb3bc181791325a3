"""A batch decided before its turn at writing, raced by another writer of the same values.

The receiver reads the stored values a batch touches before it takes its turn at writing
(``prepare_frames``), so that the turn covers only the writes. If another writer (a second
receiver, a device that reconnected there) stores one of the same values in between, the
values' unique key refuses the batch and it is decided again inside the turn: nothing is lost,
nothing is stored twice, and the outcome is what it would have been in that order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, transaction

from ceguan.telemetry.models import RawFrame, TelemetryValue
from ceguan.telemetry.receiver import ingest_batch
from ceguan.telemetry.store import prepare_frames, write_frames, write_prepared
from tests.telemetry.test_ingest import (  # noqa: F401 (fixtures)
    AT,
    PEER,
    T0,
    _fresh_auth_cache,
    facility,
    reply_of,
    upload,
)
from tests.telemetry.test_store import _frame, _so2

pytestmark = pytest.mark.django_db


def other_receiver_stores(raw: bytes) -> contextlib.AbstractContextManager[object]:
    """A turn that another writer had just before ours: it stores ``raw`` first."""

    @contextlib.contextmanager
    def turn() -> Iterator[None]:
        ingest_batch([(PEER, AT, raw)])
        yield

    return turn()


def test_a_prepared_batch_is_refused_when_its_values_were_stored_meanwhile(facility):  # noqa: F811
    prepared = prepare_frames([_frame(facility, b"##mine", _so2(12.5))])
    assert prepared.results[0].new_values == 1
    write_frames([_frame(facility, b"##other", _so2(30.0))])  # the other writer, in between
    with pytest.raises(IntegrityError), transaction.atomic():
        write_prepared(prepared)
    assert TelemetryValue.objects.filter(facility=facility).count() == 1
    with pytest.raises(ValueError, match="written once"):  # its frame ids are spent
        write_prepared(prepared)


@pytest.mark.parametrize(("other_avg", "outcome"), [(12.5, "duplicate"), (30.0, "revision")])
def test_a_raced_batch_is_decided_again_and_answered(facility, other_avg, outcome):  # noqa: F811
    raw = upload(facility, avg=12.5)
    other = upload(facility, avg=other_avg, qn=T0)
    [out] = ingest_batch([(PEER, AT, raw)], turn=lambda: other_receiver_stores(other))
    assert out.outcome == outcome
    assert reply_of(out)[0] == "9014"  # stored (or already there): answered
    so2 = TelemetryValue.objects.filter(facility=facility, pollutant="so2").order_by("revision")
    expected = [(other_avg, 0)] if outcome == "duplicate" else [(other_avg, 0), (12.5, 1)]
    assert [(v.value, v.revision) for v in so2] == expected
    assert [v.current for v in so2] == [False] * (len(expected) - 1) + [True]
    assert RawFrame.objects.filter(pk=out.frame_id, outcome=outcome).exists()
