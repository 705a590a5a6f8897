"""Who may call the API from a program, what a retried request already produced, and uploads waiting
to be attached to a case.

Secrets are never stored: a token is kept as the SHA-256 of its secret (the secret has 256 bits of
entropy, so a fast hash is enough) plus a short prefix people can recognise it by.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finegrid.cases.models import Source


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("个人令牌")
    SERVICE = "service", _("服务令牌")


class ApiToken(models.Model):
    """A personal token acts as its owner (optionally with fewer roles, or read-only); a service
    token acts for an integration (a hotline system, a camera platform, an Open311 client), bound to
    the source its reports carry and the area they must fall in."""

    kind = models.CharField(_("类型"), max_length=10, choices=TokenKind.choices)
    name = models.CharField(_("用途"), max_length=80)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("所属用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    roles = models.JSONField(
        _("限定岗位"), default=list, blank=True, help_text=_("为空表示使用该用户的全部岗位")
    )
    read_only = models.BooleanField(_("只读"), default=False)
    source = models.CharField(_("问题来源"), max_length=12, choices=Source.choices, blank=True)
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("限定区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="personal", user__isnull=False, source="")
                    | Q(kind="service", user__isnull=True, area__isnull=False) & ~Q(source="")
                ),
                name="api_token_kind_fields",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an Idempotency-Key, replayed to every retry."""

    owner = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class Upload(models.Model):
    """A checked photo uploaded ahead of the report or action that will carry it (mobile apps upload
    on a good connection, then submit); used once, and swept after a day if never used."""

    owner = models.CharField(max_length=40, db_index=True)
    file = models.FileField(upload_to="uploads/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.name
