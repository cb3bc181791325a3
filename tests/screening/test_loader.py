"""The raw series loader (``ceguan.screening.loader``) on the real database (SQLite and, with
CEGUAN_DATABASE_URL, PostgreSQL): every column, NULLs, order, window, kind and revisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from ceguan.screening.loader import MINUTE_COLUMNS, load_columns
from ceguan.screening.series import load_series
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
M = timedelta(minutes=1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, industry="thermal_power"))


def frame(plant: Any, received: datetime, values: list[IncomingValue], cn: str = "2051") -> Any:
    raw = f"##{plant.mn} {received.isoformat()} {len(values)}".encode()
    return IncomingFrame(
        received_at=received, peer="10.0.0.1:1", raw=raw, mn=plant.mn, cn=cn,
        facility_id=plant.pk, values=values,
    )  # fmt: skip


def test_it_reads_every_column_in_time_order_with_nulls_replaced(plant: Any) -> None:
    # minutes written newest first, in three frames; 00:01 has no value and no flag
    frames = [
        frame(plant, T0 + 10 * M, [
            IncomingValue("so2", "minute", T0 + 2 * M, value=3.5, converted=4.0, flag="M"),
            IncomingValue("nox", "minute", T0 + 2 * M, value=30.0, flag="N"),
        ]),
        frame(plant, T0 + 5 * M, [IncomingValue("so2", "minute", T0 + M, value=None)]),
        frame(plant, T0 + 2 * M, [IncomingValue("so2", "minute", T0, value=1.25, flag="N")]),
    ]  # fmt: skip
    ids = [r.frame_id for r in write_frames(frames)]
    got = load_columns(plant.pk, "minute", None, None)
    assert sorted(got) == ["nox", "so2"]
    so2 = got["so2"]
    assert so2["times"].tolist() == [
        np.datetime64("2026-01-05T00:00:00"),
        np.datetime64("2026-01-05T00:01:00"),
        np.datetime64("2026-01-05T00:02:00"),
    ]
    assert so2["times"].dtype == np.dtype("datetime64[s]")
    np.testing.assert_array_equal(so2["values"], [1.25, np.nan, 3.5])
    np.testing.assert_array_equal(so2["converted"], [np.nan, np.nan, 4.0])
    assert so2["flags"].tolist() == ["N", "", "M"]
    assert so2["received_at"].tolist() == [
        np.datetime64("2026-01-05T00:02:00"),
        np.datetime64("2026-01-05T00:05:00"),
        np.datetime64("2026-01-05T00:10:00"),
    ]
    assert so2["frame_ids"].tolist() == [ids[2], ids[1], ids[0]]
    assert so2["from_device"] is True
    assert got["nox"]["values"].tolist() == [30.0]


def test_it_reads_the_window_the_kind_and_current_values_only(plant: Any) -> None:
    values = [
        IncomingValue("so2", "minute", T0 + i * M, value=float(i), flag="N") for i in range(5)
    ]
    hourly = [IncomingValue("so2", "hourly", T0, value=2.0, flag="N")]
    write_frames([frame(plant, T0 + 6 * M, values), frame(plant, T0 + 61 * M, hourly, "2061")])
    # a revision of 00:02 replaces the value: the loader reads the current one
    write_frames([frame(plant, T0 + 70 * M, [IncomingValue("so2", "minute", T0 + 2 * M, value=9.0,
                                                           flag="N")])])  # fmt: skip
    got = load_columns(plant.pk, "minute", T0 + M, T0 + 4 * M, MINUTE_COLUMNS)["so2"]
    assert got["values"].tolist() == [1.0, 9.0, 3.0]  # 00:01 ≤ t < 00:04, 00:02 revised
    assert set(got) == {"times", "values", "flags", "frame_ids", "from_device"}
    assert load_columns(plant.pk, "hourly", None, None)["so2"]["values"].tolist() == [2.0]
    assert load_columns(plant.pk, "daily", None, None) == {}


def test_a_lean_series_offers_no_receive_times(plant: Any) -> None:
    write_frames([frame(plant, T0 + M, [IncomingValue("so2", "minute", T0, value=1.0)])])
    [one] = load_series(plant.pk, "minute", None, None, MINUTE_COLUMNS).values()
    assert one.from_device is False and np.isnat(one.received_at).all()
    assert np.isnan(one.converted).all()
    [full] = load_series(plant.pk, "minute", None, None).values()
    assert full.from_device is True and full.received_at[0] == np.datetime64("2026-01-05T00:01")
