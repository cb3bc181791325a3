"""Named choices of the shared kernel, with translated labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user may do; where they may do it comes from their region or agency."""

    PROVINCE_ADMIN = "province_admin", _("省级管理员")
    PROVINCE_STAFF = "province_staff", _("省级工作人员")
    CITY_ADMIN = "city_admin", _("市级管理员")
    CITY_STAFF = "city_staff", _("市级工作人员")
    OFFICER = "officer", _("执法人员")
    MONITOR = "monitor", _("监测人员")
    AGENCY_USER = "agency_user", _("检测机构用户")
    AUDITOR = "auditor", _("审计员（只读）")


#: Roles whose jurisdiction is the whole province, whatever region they are attached to.
PROVINCE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.PROVINCE_STAFF, Role.AUDITOR})
#: Roles that may change registry records within their jurisdiction.
EDITOR_ROLES = frozenset(
    {Role.PROVINCE_ADMIN, Role.PROVINCE_STAFF, Role.CITY_ADMIN, Role.CITY_STAFF}
)
#: Roles that see only the tasks of the teams they are on, and no quarterly plans (a plan names
#: every facility drawn, and visits are unannounced).
TEAM_ROLES = frozenset({Role.OFFICER, Role.MONITOR})


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    IMPORT = "import", _("导入")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
