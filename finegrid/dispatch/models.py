"""Routing rules: (category, area, component owner) → department, most specific first."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoutingRule(models.Model):
    category = models.ForeignKey(
        "catalogue.Category",
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示所有类别"),
    )
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("区域"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示全市；区域内（含下级）的案卷适用"),
    )
    department = models.ForeignKey("org.Unit", verbose_name=_("处置单位"), on_delete=models.CASCADE)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")

    def __str__(self) -> str:
        return f"{self.category or '*'} @ {self.area or '*'} → {self.department}"
