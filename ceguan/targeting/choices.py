"""Named choices of targeting, with translated labels (glossary names as values)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanState(models.TextChoices):
    """The draw ceremony; the allowed moves are :data:`ceguan.targeting.ceremony.TRANSITIONS`."""

    DRAFT = "draft", _("草稿")
    COMMITTED = "committed", _("已公布承诺值")
    FROZEN = "frozen", _("已冻结抽取范围")
    DRAWN = "drawn", _("已抽取")
    ASSIGNED = "assigned", _("已选派人员")


class WayOfWorking(models.TextChoices):
    """甘环办发〔2018〕25号 四: the five ways of working; each decides the team a task needs."""

    JOINT = "joint", _("监测与执法联合")
    ENFORCEMENT_WITH_AGENCY = "enforcement_with_agency", _("执法联合第三方检测机构")
    AGENCY_FIRST = "agency_first", _("先委托检测后重点执法")
    CROSS_CITY = "cross_city", _("市州交叉监测与执法")
    WITH_POLICE = "with_police", _("联合公安、质监")


class ItemSource(models.TextChoices):
    DRAW = "draw", _("随机抽取")
    ADHOC = "adhoc", _("临时（报警触发）")


class TaskState(models.TextChoices):
    PLANNED = "planned", _("待选派")
    ASSIGNED = "assigned", _("已选派")
    DONE = "done", _("已完成现场检查")
    CANCELLED = "cancelled", _("已取消")


class MemberRole(models.TextChoices):
    """Slot kinds of a team, named as in ``targeting.team.<way>`` parameters."""

    OFFICER = "officers", _("执法人员")
    MONITOR = "monitors", _("监测人员")
    AGENCY = "agencies", _("第三方检测机构")


class MemberSource(models.TextChoices):
    DRAWN = "drawn", _("随机选派")
    OVERRIDE = "override", _("人工调整")
