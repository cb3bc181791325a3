"""``ceguan device <mn> <action>``: queue a command for a facility's device and print its QN.

Actions::

    time-check                          1011 ask the device's clock
    time-set                            1012 set it to the platform's time
    interval --minutes N [--realtime]   1064 minute interval (1062 real-time interval with
                                        --realtime, sent in seconds)
    params --info i13001 [--pollutant cod]
                                        3020 ask site information of the device or instrument
    recall --kind minute --begin T --end T
                                        2051 (2011/2061/2031) recall data; times ISO 8601,
                                        Beijing time unless an offset is given

The receiver sends the queued command when the device is connected and records the answer;
``DeviceCommand`` holds its status. An operator's tool: no jurisdiction check.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ceguan.registry.models import Facility
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.commands import queue_command, request_for


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no passwd entry (containers)
        return "unknown"


class Command(BaseCommand):
    help = "Queue an HJ 212 command for the device with MN <mn> and print its QN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mn", help="the device's MN (数采仪 MN 号)")
        actions = parser.add_subparsers(dest="action", required=True, metavar="action")
        actions.add_parser("time-check", help="1011: ask the device's clock")
        actions.add_parser("time-set", help="1012: set the device's clock to the platform's")
        interval = actions.add_parser("interval", help="1064/1062: set the upload interval")
        interval.add_argument("--minutes", type=int, required=True)
        interval.add_argument(
            "--realtime", action="store_true", help="the real-time interval (1062)"
        )
        params = actions.add_parser("params", help="3020: ask site information")
        params.add_argument("--info", required=True, help="information code, e.g. i13001")
        params.add_argument("--pollutant", help="glossary name or factor code (PolId)")
        recall = actions.add_parser("recall", help="2011/2051/2061/2031: recall data")
        recall.add_argument("--kind", choices=list(DataKind.values), default=DataKind.MINUTE)
        recall.add_argument("--begin", required=True, help="ISO 8601, Beijing time")
        recall.add_argument("--end", required=True, help="ISO 8601, Beijing time")
        parser.add_argument("--by", help="who asks (default: cli:<login name>)")

    def handle(self, *args: Any, **options: Any) -> None:
        facility = Facility.objects.select_related("outlet").filter(mn=options["mn"]).first()
        if facility is None:
            raise CommandError(f"no facility has MN {options['mn']!r}")
        requested_by = options.get("by") or f"cli:{_login_name()}"
        try:
            names = ("minutes", "realtime", "info", "pollutant", "kind", "begin", "end")
            asked = {name: options[name] for name in names if name in options}
            cn, parameters = request_for(options["action"], **asked)
            command = queue_command(facility, cn, parameters, requested_by)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(command.qn)
