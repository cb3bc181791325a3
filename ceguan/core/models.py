"""Accounts, API tokens, login throttling and the hash-chained audit log."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ceguan.core.choices import PROVINCE_ROLES, AuditAction, Role


class User(AbstractUser):
    """A person who logs in. ``role`` says what they may do, ``region`` or ``agency`` where."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("所属行政区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    agency = models.ForeignKey(
        "registry.TestingAgency",
        verbose_name=_("所属检测机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")

    def clean(self) -> None:
        super().clean()
        if self.is_superuser and not self.role:
            self.role = Role.PROVINCE_ADMIN
        if self.role == Role.AGENCY_USER and self.agency_id is None:
            raise ValidationError({"agency": _("检测机构用户必须属于一个检测机构。")})
        city_role = self.role and self.role not in PROVINCE_ROLES and self.role != Role.AGENCY_USER
        if city_role:
            region = self.region if self.region_id else None
            if region is None or region.level not in {"city", "county"}:
                raise ValidationError({"region": _("市级用户必须属于一个市（州）或县（区）。")})


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = pgettext_lazy("plural", "API 令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.name}"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token and return it with its key, which is shown once and never stored."""
        key = secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, digest=cls.digest_of(key)), key


class LoginFailure(models.Model):
    """One failed login, counted per user name and per address for throttling."""

    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    address = models.GenericIPAddressField(_("地址"), null=True, blank=True, db_index=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("登录失败")
        verbose_name_plural = pgettext_lazy("plural", "登录失败")

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One row of the append-only, hash-chained audit log.

    ``digest`` is the SHA-256 of the row's canonical content and ``previous_digest``;
    :func:`ceguan.core.audit.verify_chain` recomputes the chain and names the first broken link.
    The database refuses UPDATE and DELETE on this table (triggers in migration 0002).
    """

    at = models.DateTimeField(_("时间"))
    actor = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices)
    model = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    previous_digest = models.CharField(_("上一条哈希"), max_length=64)
    digest = models.CharField(_("哈希"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = pgettext_lazy("plural", "审计日志")
        ordering = ["id"]
        indexes = [models.Index(fields=["model", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.model}:{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditHead(models.Model):
    """The single row holding the chain's last id and digest.

    Appending locks it (``select_for_update``) so concurrent writers chain one after another, and
    verification compares it with the last row, so removing the newest rows is detected too.
    """

    last_id = models.BigIntegerField(default=0)
    last_digest = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = pgettext_lazy("plural", "审计链头")

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_digest[:12]}"
