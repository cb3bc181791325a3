"""The demo province (``ceguan demo``): a deterministic synthetic Gansu.

:func:`plan_demo` draws every record from ``(seed, as_of, enterprises)``, the regions loaded by
migration and the rule book, without touching the database; :func:`build_demo` writes the plan,
one demo account per role, and one audit entry. The same seed and as-of date give the same credit
codes, MNs, names and dates in any fresh database. Who and what (names, codes, MNs, which
facilities are not networked …) depends on the seed alone, and dates are drawn relative to the
as-of date, so the same seed gives the same enterprises whatever day it is run. Each part draws
from its own random stream, so asking for more enterprises does not change operators, agencies
or personnel.

The data is made so that the baseline survey (调查摸底) finds something. The parts:

- :mod:`.names`: word lists and small pure generators (names, codes, phones, places);
- :mod:`.plan`: drawing the records in memory (:func:`plan_demo`);
- :mod:`.survey_shares`: which records get the gaps the survey should find, and the counts;
- :mod:`.accounts`: the demo accounts and their password;
- :mod:`.write`: writing the plan (:func:`build_demo`) and deleting earlier demo loads.
"""

from ceguan.registry.demo.accounts import DEMO_PASSWORD, DEMO_USERS, DemoLogin
from ceguan.registry.demo.plan import DemoPlan, Regions, load_regions, plan_demo
from ceguan.registry.demo.survey_shares import survey_figures
from ceguan.registry.demo.write import (
    DEFAULT_ENTERPRISES,
    DEFAULT_SEED,
    DEMO_ACTOR,
    STEPS,
    DemoConflict,
    DemoSummary,
    build_demo,
    delete_demo,
    previous_loads,
)

__all__ = [
    "DEFAULT_ENTERPRISES",
    "DEFAULT_SEED",
    "DEMO_ACTOR",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "STEPS",
    "DemoConflict",
    "DemoLogin",
    "DemoPlan",
    "DemoSummary",
    "Regions",
    "build_demo",
    "delete_demo",
    "load_regions",
    "plan_demo",
    "previous_loads",
    "survey_figures",
]
