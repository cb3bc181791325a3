"""A device's first connection, carrying the history its logger kept, is not late data.

Receive times carry microseconds while screening's series are in whole seconds: the frames that
prove the device had only just come online must still be found (``ceguan live`` raised one
late_data alarm per pollutant and backfilled hour before this was fixed).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ceguan.screening.runner import screen
from tests.screening.test_runner import NOW, T0
from tests.screening.test_runner_wiring import H, M, plant, rules, send  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]
US = timedelta(microseconds=1)


def test_history_sent_on_the_first_connection_is_explained(plant: Any) -> None:  # noqa: F811
    # First frame ever at 10:00:00.250: hours 0–8 arrive within a second (the logger's backlog),
    # then hours 9–11 on time. Every backlog value is more than the 2 h tolerance late.
    first = T0 + 10 * H + 250_000 * US
    send(plant, list(range(9)), [first + i * 1_000 * US for i in range(9)])
    send(plant, [9, 10, 11], [T0 + (h + 1) * H + 5 * M + 123_456 * US for h in (9, 10, 11)])
    screen(now=NOW)
    assert "late_data" not in rules(plant)


def test_lateness_while_the_link_is_up_is_still_late(plant: Any) -> None:  # noqa: F811
    # Same start, but hour 11 is held back and sent 5 h after it ended while the device was
    # sending on time: that one is late data.
    first = T0 + 10 * H + 250_000 * US
    send(plant, list(range(9)), [first + i * 1_000 * US for i in range(9)])
    send(
        plant,
        [9, 10, 12, 13, 14, 15, 16],
        [T0 + (h + 1) * H + 5 * M for h in (9, 10, 12, 13, 14, 15, 16)],
    )
    send(plant, [11], [T0 + 17 * H + 30 * M + 987_654 * US])
    screen(now=NOW)
    [alarm] = rules(plant)["late_data"]
    assert alarm.episode_start == T0 + 11 * H
