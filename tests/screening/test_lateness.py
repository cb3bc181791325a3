"""Which late values a recall or an outage explains (``ceguan.screening.lateness``, pure)."""

from __future__ import annotations

import doctest

import numpy as np

from ceguan.screening import lateness
from ceguan.screening.lateness import Recall, explained_late

H = np.timedelta64(1, "h")
MIN = np.timedelta64(1, "m")
T0 = np.datetime64("2026-01-05T00:00", "s")


def judge(times: list[int], received: list[np.datetime64], frames: list[np.datetime64],
          recalls: list[Recall] = (), before: np.datetime64 | None = T0) -> list[bool]:  # fmt: skip
    return explained_late(
        T0 + np.array(times) * H, np.array(received, dtype="datetime64[s]"),
        interval=H, tolerance=2 * H, frames=np.array(frames, dtype="datetime64[s]"),
        before=before, recalls=list(recalls), offline_after=H,
    ).tolist()  # fmt: skip


def test_a_value_due_during_an_outage_and_sent_on_return_is_explained() -> None:
    # frames heard at 00:00 (before) and 01:05, then nothing until 06:00 (silence 4 h 55 min);
    # hour 2 (due 03:00, normally by 04:00) re-sent at 06:01: explained; hour 0 (due 01:00,
    # normally by 02:00, the link up until 01:05) received at 06:02: the outage began at 01:05,
    # before 02:00, so it is explained too; hour 3 received at 09:00: too long after the return.
    frames = [T0 + H + 5 * MIN, T0 + 6 * H]
    received = [T0 + 6 * H + MIN, T0 + 6 * H + 2 * MIN, T0 + 9 * H]
    assert judge([2, 0, 3], received, frames) == [True, True, False]


def test_a_short_silence_is_no_outage() -> None:
    # 50 minutes of silence (under the 60-minute offline threshold) explain nothing
    frames = [T0 + 2 * H + 30 * MIN, T0 + 3 * H + 20 * MIN]
    assert judge([2], [T0 + 3 * H + 21 * MIN], frames) == [False]


def test_a_device_never_heard_before_was_offline_from_the_beginning() -> None:
    received = [T0 + 5 * H + MIN]
    assert judge([1], received, [T0 + 5 * H], before=None) == [True]
    assert judge([1], received, [T0 + 5 * H], before=T0 + 4 * H + 30 * MIN) == [False]


def test_a_recall_explains_the_data_times_it_asked_for_once_sent() -> None:
    recall = Recall(T0 + H, T0 + 3 * H, T0 + 10 * H)
    received = [T0 + 11 * H] * 4 + [T0 + 9 * H]
    frames = [T0 + 30 * MIN * k for k in range(1, 24)]  # online all along
    assert judge([0, 1, 3, 4, 2], received, frames, [recall]) == [
        False, True, True, False, False,  # 2 came at 09:00, before the recall was sent
    ]  # fmt: skip


def test_the_example_in_the_docstring_holds() -> None:
    assert doctest.testmod(lateness).failed == 0
