"""The organisation: department types, units (centres, departments, street offices, communities) and staff."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finegrid.org.roles import Role


class DepartmentType(models.Model):
    """A kind of responsible department (城管, 住建, 供电...): what a category is routed to."""

    code = models.SlugField(_("类型代码"), max_length=40, unique=True)
    name = models.CharField(_("类型名称"), max_length=60, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("部门类型")
        verbose_name_plural = _("部门类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    SUPERVISION_CENTRE = "supervision_centre", _("监督中心")
    COMMAND_CENTRE = "command_centre", _("指挥中心")
    DEPARTMENT = "department", _("专业部门")
    STREET_OFFICE = "street_office", _("街道办事处")
    COMMUNITY_COMMITTEE = "community_committee", _("社区居委会")


class UnitLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道级")
    COMMUNITY = "community", _("社区级")


class Unit(models.Model):
    """An organisational unit; departments, street offices and communities can be sent cases."""

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类别"), max_length=24, choices=UnitKind.choices)
    level = models.CharField(_("层级"), max_length=10, choices=UnitLevel.choices)
    department_type = models.ForeignKey(
        DepartmentType,
        verbose_name=_("部门类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("本单位负责的区域：市级部门为全市，区级为所在区，街道办为所在街道"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["level", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="org_unit_unique_name"),
            models.CheckConstraint(
                condition=~Q(kind="department") | Q(department_type__isnull=False),
                name="org_unit_department_has_type",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == UnitKind.DEPARTMENT and self.department_type_id is None:
            raise ValidationError({"department_type": _("专业部门必须指定部门类型")})
        if self.credit_code and (len(self.credit_code) != 18 or not self.credit_code.isalnum()):
            raise ValidationError({"credit_code": _("统一社会信用代码应为18位字母或数字")})


class User(AbstractUser):
    """A member of staff. What they may do comes from their groups (roles); what they see, from scope."""

    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    areas = models.ManyToManyField(
        "geo.Area",
        verbose_name=_("负责区域"),
        blank=True,
        related_name="staff",
        help_text=_("用户可查看和办理的区域范围；留空时以所属单位的辖区为准"),
    )
    #: Set on an instance acting through a personal API token limited to some roles; never stored.
    role_limit: frozenset[Role] | None = None

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()
