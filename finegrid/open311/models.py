"""The tokens Open311 hands out for posted service requests (GET tokens/{token} resolves them).

A 311 client may keep the token instead of our case number, as the GeoReport v2 spec allows; the
token is random so that it tells nothing about how many requests the city receives.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RequestToken(models.Model):
    """One posted request: the token the client got back, the case it made, and which client."""

    token = models.CharField(_("令牌"), max_length=32, unique=True)
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        "api.ApiToken",
        verbose_name=_("提交的客户端"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 请求令牌")
        verbose_name_plural = _("Open311 请求令牌")

    def __str__(self) -> str:
        return self.token
