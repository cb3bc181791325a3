"""Models of targeting: plans and the ceremony in ``plans``, tasks and teams in ``tasks``."""

from ceguan.targeting.models.plans import (
    PlanQuerySet,
    PlanSecret,
    PopulationUnit,
    QuarterlyPlan,
    RiskScoreRecord,
)
from ceguan.targeting.models.tasks import (
    DeclaredConflict,
    PersonnelLogin,
    PlanItem,
    Task,
    TaskMember,
    TaskQuerySet,
    beijing_today,
)

__all__ = [
    "DeclaredConflict",
    "PersonnelLogin",
    "PlanItem",
    "PlanQuerySet",
    "PlanSecret",
    "PopulationUnit",
    "QuarterlyPlan",
    "RiskScoreRecord",
    "Task",
    "TaskMember",
    "TaskQuerySet",
    "beijing_today",
]
