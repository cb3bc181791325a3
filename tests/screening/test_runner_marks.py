"""Incremental runs find new values by id (issue 4), not by scanning each facility's history.

Real database, data written through the telemetry store (and a file import). Runs are given
explicit times ``now``: a cursor's value mark moves only up to the high id of a run at least
``SETTLE`` (15 minutes) old, so the tests space runs as ``ceguan live`` does (every 5 minutes).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ceguan.screening.marks import values_above
from ceguan.screening.models import ScreeningCursor, ScreeningRun
from ceguan.screening.runner import SETTLE, screen
from ceguan.telemetry.files import run_file_import
from ceguan.telemetry.models import TelemetryValue
from tests.conftest import make_enterprise, make_facility
from tests.screening.test_runner import T0, baseline, exceedances, write_hours
from tests.telemetry.test_files import AIR_HEADERS, STACK_MN, csv_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

R1 = T0 + timedelta(hours=12)
R2 = R1 + timedelta(minutes=20)  # R1 is settled at R2 (20 min > SETTLE)


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, industry="thermal_power"))


@pytest.fixture
def other(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, name="另一电厂", industry="thermal_power"))


def settled_history(*facilities: Any) -> int:
    """12 quiet hours per facility, screened at R1 and R2; returns the high id seen at R1."""
    for facility in facilities:
        write_hours(facility, baseline(12))
    high = TelemetryValue.objects.order_by("-pk").first().pk  # type: ignore[union-attr]
    assert screen(now=R1).facilities == len(facilities)
    assert screen(now=R2).facilities == 0
    return high


def received_at_scans(queries: list[dict[str, str]]) -> list[str]:
    """The statements that filter values by receive time (the old full-history scan)."""
    return [q["sql"] for q in queries if '"received_at" >' in q["sql"]]


def test_marks_settle_and_new_values_rescreen_only_their_facility(plant: Any, other: Any) -> None:
    assert SETTLE < R2 - R1
    high = settled_history(plant, other)
    cursors = {c.facility_id: c for c in ScreeningCursor.objects.all()}
    assert {(c.value_mark, c.value_count) for c in cursors.values()} == {(high, 0)}

    write_hours(plant, [250.0, 260.0], start=T0 + timedelta(hours=12))
    with CaptureQueriesContext(connection) as run:
        result = screen(now=R2 + timedelta(minutes=5))
    assert result.facilities == 1  # the plant; the other facility has nothing new
    assert received_at_scans(run.captured_queries) == []
    assert len(exceedances(plant)) == 1
    assert ScreeningCursor.objects.get(facility=other).screened_at == R1
    plant_cursor = ScreeningCursor.objects.get(facility=plant)
    assert (plant_cursor.value_mark, plant_cursor.value_count) == (high, 2)  # 2 new values

    # The same two values are re-read (above the mark) but are not news.
    assert screen(now=R2 + timedelta(minutes=10)).facilities == 0
    # Once the run at R2 + 5 min is settled, the mark moves past the two values: idle facilities
    # take no lock, their cursors move in one update per distinct move (here two).
    with CaptureQueriesContext(connection) as run:
        assert screen(now=R2 + timedelta(minutes=25)).facilities == 0
    on_cursors = [q["sql"] for q in run.captured_queries if "screeningcursor" in q["sql"]]
    assert len(on_cursors) == 3, on_cursors  # one read, two updates
    assert not [q for q in run.captured_queries if "SAVEPOINT" in q["sql"]]
    plant_cursor.refresh_from_db()
    assert plant_cursor.value_count == 0
    assert plant_cursor.value_mark == TelemetryValue.objects.order_by("-pk").first().pk  # type: ignore[union-attr]
    assert ScreeningRun.objects.count() <= 4  # runs older than the settled one are dropped


def test_a_back_dated_value_far_before_the_window_is_screened(plant: Any) -> None:
    settled_history(plant)
    old = T0 - timedelta(days=20)  # more than LOOKBACK before the cursor's last data time
    write_hours(plant, [300.0], start=old)
    assert screen(now=R2 + timedelta(minutes=5)).facilities == 1
    assert [a.episode_start for a in exceedances(plant)] == [old]


def test_values_from_a_file_import_are_found(lanzhou: Any, alice: Any) -> None:
    stack = make_facility(
        make_enterprise(lanzhou, name="兰州热电", industry="thermal_power"),
        code="DA001",
        mn=STACK_MN,
    )
    settled_history(stack)
    row = ["1", "兰州热电", "1#锅炉", STACK_MN, "2026-01-05 20:00:00", "280", "280", "N",
           "80.5", "91.0", "N", "5.1", "5.8", "6.0", "120.5"]  # fmt: skip
    report = run_file_import(csv_bytes(AIR_HEADERS, [row]), alice, "hourly")
    assert report.new_values > 0
    assert screen(now=R2 + timedelta(minutes=5)).facilities == 1
    # 2026-01-05 20:00 Beijing is 12:00 UTC, the hour after the 12 written ones.
    assert [a.episode_start for a in exceedances(stack)] == [T0 + timedelta(hours=12)]


def test_a_value_committed_late_with_a_lower_id_is_found(plant: Any, other: Any) -> None:
    settled_history(plant, other)
    top = TelemetryValue.objects.order_by("-pk").first().pk  # type: ignore[union-attr]
    late = T0 + timedelta(hours=12)
    # A later transaction commits id top+100 and is screened at R2 + 5 min ...
    TelemetryValue.objects.create(
        id=top + 100, facility=other, pollutant="so2", kind="hourly", data_time=late,
        value=120.0, converted=120.0, flag="N", received_at=late,
    )  # fmt: skip
    assert screen(now=R2 + timedelta(minutes=5)).facilities == 1
    assert screen(now=R2 + timedelta(minutes=6)).facilities == 0  # marks must not pass top+50
    # ... then one that allocated id top+50 before those runs commits after them.
    TelemetryValue.objects.create(
        id=top + 50, facility=plant, pollutant="so2", kind="hourly", data_time=late,
        value=290.0, converted=290.0, flag="N", received_at=late,
    )  # fmt: skip
    result = screen(now=R2 + timedelta(minutes=10))
    assert result.facilities == 1
    assert [a.episode_start for a in exceedances(plant)] == [late]


def test_the_new_value_query_reads_the_primary_key_range_only(plant: Any) -> None:
    """The grouped query's plan is a range scan of the primary key (each monthly partition's on
    PostgreSQL), whatever the history holds: here 20,000 minute values before the mark."""
    minutes = [T0 - timedelta(minutes=i) for i in range(1, 20_001)]
    TelemetryValue.objects.bulk_create(
        TelemetryValue(
            facility=plant, pollutant="so2", kind="minute", data_time=t, value=1.0,
            received_at=t,
        )
        for t in minutes
    )  # fmt: skip
    write_hours(plant, baseline(3))
    mark = TelemetryValue.objects.order_by("-pk").first().pk - 3  # type: ignore[union-attr]
    found = values_above([mark])[mark][plant.pk]
    assert (found.count, found.first) == (3, T0)
    query = TelemetryValue.objects.filter(pk__gt=mark).values("facility_id").order_by()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{TelemetryValue._meta.db_table}"')
        plan = query.explain()
        assert "Seq Scan" not in plan, plan
        assert "pkey" in plan and "(id >" in plan, plan
    else:
        plan = query.explain()
        assert "INTEGER PRIMARY KEY (rowid>?)" in plan, plan
