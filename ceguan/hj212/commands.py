"""Command codes (CN), system codes (ST) and return codes (QnRtn, ExeRtn) of HJ 212."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Command(StrEnum):
    """CN command codes (HJ 212-2017 Table 9, plus 2005-only and common non-standard ones)."""

    SET_TIMEOUT = "1000"
    GET_TIME = "1011"
    SET_TIME = "1012"
    TIME_CALIBRATION_REQUEST = "1013"
    GET_RTD_INTERVAL = "1061"
    SET_RTD_INTERVAL = "1062"
    GET_MIN_INTERVAL = "1063"
    SET_MIN_INTERVAL = "1064"
    SET_PASSWORD = "1072"  # noqa: S105 (a command code, not a password)
    RTD_DATA = "2011"
    STOP_RTD_DATA = "2012"
    RUN_STATE = "2021"
    STOP_RUN_STATE = "2022"
    DAY_DATA = "2031"
    DAY_RUN_TIME = "2041"
    MINUTE_DATA = "2051"
    HOUR_DATA = "2061"
    RESTART_TIME = "2081"
    CALIBRATE = "3011"
    SAMPLE_NOW = "3012"
    CLEAN_OR_BLOWBACK = "3013"
    COMPARISON_SAMPLING = "3014"
    RETAIN_SAMPLE = "3015"
    SET_SAMPLING_PERIOD = "3016"
    GET_SAMPLING_PERIOD = "3017"
    GET_SAMPLE_OUTPUT_TIME = "3018"
    GET_INSTRUMENT_ID = "3019"
    GET_INFO = "3020"
    SET_INFO = "3021"
    REQUEST_REPLY = "9011"
    EXECUTION_RESULT = "9012"
    NOTIFICATION_REPLY = "9013"
    DATA_REPLY = "9014"
    # Non-standard but common (hj212.md §6): login/heartbeat.
    LOGIN_OR_HEARTBEAT = "9021"
    LOGIN_REPLY = "9022"


DATA_COMMANDS: frozenset[str] = frozenset(
    {Command.RTD_DATA, Command.MINUTE_DATA, Command.HOUR_DATA, Command.DAY_DATA}
)
"""Telemetry CNs: real-time (2011), minute (2051), hourly (2061), daily (2031)."""

REPLY_COMMANDS: frozenset[str] = frozenset(
    {
        Command.REQUEST_REPLY,
        Command.EXECUTION_RESULT,
        Command.NOTIFICATION_REPLY,
        Command.DATA_REPLY,
    }
)


class SystemCode(StrEnum):
    """ST system codes most used here (HJ 212-2017 Table 5; any value is accepted on receive)."""

    SURFACE_WATER = "21"
    AIR_QUALITY = "22"
    NOISE = "23"
    FLUE_GAS_SOURCE = "31"
    WASTEWATER_SOURCE = "32"
    CONSTRUCTION_DUST = "39"
    FLUE_GAS_PROCESS = "51"
    WASTEWATER_PROCESS = "52"
    SYSTEM = "91"


class QnRtn(IntEnum):
    """``QnRtn`` in a 9011 reply: answer to a request (HJ 212-2017 Table 7)."""

    READY = 1
    REJECTED = 2
    BAD_PASSWORD = 3
    BAD_MN = 4
    BAD_ST = 5
    BAD_FLAG = 6
    BAD_QN = 7
    BAD_CN = 8
    BAD_CRC = 9
    UNKNOWN_ERROR = 100


class ExeRtn(IntEnum):
    """``ExeRtn`` in a 9012 reply: execution result (HJ 212-2017 Table 6)."""

    SUCCESS = 1
    FAILED = 2
    BAD_CONDITION = 3
    TIMEOUT = 4
    BUSY = 5
    SYSTEM_FAULT = 6
    NO_DATA = 100
