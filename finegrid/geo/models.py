"""Areas of the city (city, district, street, community) with their codes, validity and outlines."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区(县)")
    STREET = "street", _("街道(乡镇)")
    COMMUNITY = "community", _("社区(村)")


#: How many digits an admin code has at each level (GB/T 2260 and the statistical codes).
CODE_LENGTH: dict[str, int] = {
    AreaLevel.CITY: 6,
    AreaLevel.DISTRICT: 6,
    AreaLevel.STREET: 9,
    AreaLevel.COMMUNITY: 12,
}
PARENT_LEVEL: dict[str, str | None] = {
    AreaLevel.CITY: None,
    AreaLevel.DISTRICT: AreaLevel.CITY,
    AreaLevel.STREET: AreaLevel.DISTRICT,
    AreaLevel.COMMUNITY: AreaLevel.STREET,
}


class AreaClass(models.TextChoices):
    CORE = "class1", _("一类区域(核心区)")
    ORDINARY = "class2", _("二类区域(一般区)")


class AreaQuerySet(models.QuerySet["Area"]):
    def valid_on(self, day: dt.date) -> AreaQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gt=day))

    def current(self) -> AreaQuerySet:
        return self.filter(valid_to__isnull=True)


class Area(models.Model):
    """One version of an administrative area; a renumbered or merged area gets a new row."""

    code = models.CharField(_("行政区划代码"), max_length=12, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    area_class = models.CharField(
        _("区域类别"), max_length=10, choices=AreaClass.choices, default=AreaClass.ORDINARY
    )
    valid_from = models.DateField(_("生效日期"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("继承区域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text=_("区划调整后接替本区域的新区域"),
    )
    # The outline as GeoJSON geometry (WGS-84); the bbox lets a query narrow down before Shapely.
    boundary = models.JSONField(_("边界"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(valid_to__isnull=True),
                name="geo_area_one_current_version_per_code",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="geo_area_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    def clean(self) -> None:
        expected = CODE_LENGTH[self.level]
        if len(self.code) != expected or not self.code.isdigit():
            raise ValidationError(
                {
                    "code": _("%(level)s的代码应为%(n)d位数字")
                    % {"level": self.get_level_display(), "n": expected}
                }
            )
        parent_level = PARENT_LEVEL[self.level]
        if parent_level is None:
            if self.parent_id is not None:
                raise ValidationError({"parent": _("市级区域不能有上级区域")})
            return
        if self.parent is None or self.parent.level != parent_level:
            raise ValidationError({"parent": _("上级区域层级不正确")})
        if self.level != AreaLevel.DISTRICT and not self.code.startswith(self.parent.code):
            raise ValidationError(
                {"code": _("代码应以上级区域代码%(code)s开头") % {"code": self.parent.code}}
            )
        if self.level == AreaLevel.DISTRICT and self.code[:4] != self.parent.code[:4]:
            raise ValidationError({"code": _("区(县)代码的前4位应与所属市一致")})

    @property
    def code_prefix(self) -> str:
        """The leading digits every code below this area shares (a city's districts share 4)."""
        return self.code[:4] if self.level == AreaLevel.CITY else self.code

    def ancestors(self) -> list[Area]:
        """From the city down to the parent."""
        chain: list[Area] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class LandUse(models.TextChoices):
    RESIDENTIAL = "residential", _("居住")
    COMMERCIAL = "commercial", _("商业")
    PUBLIC = "public", _("公共服务")
    INDUSTRIAL = "industrial", _("工业")
    ROAD = "road", _("道路交通")
    GREEN = "green", _("绿地广场")
    WATER = "water", _("水域")
    MIXED = "mixed", _("混合")
    OTHER = "other", _("其他")


class GridQuerySet(models.QuerySet["Grid"]):
    def valid_on(self, day: dt.date) -> GridQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gt=day))

    def current(self) -> GridQuerySet:
        return self.filter(valid_to__isnull=True)


class Grid(models.Model):
    """A unit grid (单元网格): the smallest management cell, inside exactly one community."""

    code = models.CharField(_("网格编码"), max_length=15, db_index=True)
    community = models.ForeignKey(
        Area,
        verbose_name=_("所属社区"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": AreaLevel.COMMUNITY},
    )
    boundary = models.JSONField(_("边界"))
    area_m2 = models.FloatField(_("面积(平方米)"))
    land_use = models.CharField(
        _("用地类型"), max_length=12, choices=LandUse.choices, default=LandUse.MIXED
    )
    responsible_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids",
    )
    inspectors = models.ManyToManyField(
        "org.User", verbose_name=_("监督员"), blank=True, related_name="grids"
    )
    valid_from = models.DateField(_("生效日期"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    min_lon = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lon = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("单元网格")
        verbose_name_plural = _("单元网格")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(valid_to__isnull=True),
                name="geo_grid_one_current_version_per_code",
            ),
        ]
        indexes = [models.Index(fields=["min_lon", "min_lat"], name="geo_grid_bbox_min")]

    def __str__(self) -> str:
        return self.code


class GeoVersion(models.Model):
    """One row whose counter goes up on every change of areas or grids; spatial indexes compare it."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("地理数据版本")
        verbose_name_plural = _("地理数据版本")

    def __str__(self) -> str:
        return str(self.version)
