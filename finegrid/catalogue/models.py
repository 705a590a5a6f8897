"""The catalogue of GB/T 47678.5-2026: major classes, categories, filing rules with their time limits,
action tags, the 2013-style legacy catalogues mapped onto it, and the component inventory."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import suppress
from decimal import Decimal
from typing import Final

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from finegrid.catalogue.legacy import MatchMethod
from finegrid.worktime.calendar import TimeUnit


class Kind(models.TextChoices):
    PART = "part", _("管理部件")
    MATTER = "matter", _("管理事项")


class Urgency(models.TextChoices):
    URGENT = "A", _("A 紧急")
    MAJOR = "B", _("B 重大")
    ORDINARY = "C", _("C 一般")


# The unit values are worktime's (deadline arithmetic reads them); the catalogue adds the labels.
TIME_UNIT_LABELS: Final[Mapping[TimeUnit, Promise]] = {
    TimeUnit.URGENT_HOURS: _("紧急工作时"),
    TimeUnit.WORKING_HOURS: _("工作时"),
    TimeUnit.WORKING_DAYS: _("工作日"),
    TimeUnit.CALENDAR_DAYS: _("自然日"),
}
TIME_UNIT_CHOICES: Final = [(unit.value, TIME_UNIT_LABELS[unit]) for unit in TimeUnit]
# The same names as data (files a city edits): fixed Chinese, whatever the reader's language.
TIME_UNIT_NAMES: Final[Mapping[TimeUnit, str]] = {
    TimeUnit.URGENT_HOURS: "紧急工作时",
    TimeUnit.WORKING_HOURS: "工作时",
    TimeUnit.WORKING_DAYS: "工作日",
    TimeUnit.CALENDAR_DAYS: "自然日",
}


def _amount_text(amount: Decimal) -> str:
    return f"{amount.normalize():f}"


def format_limit(amount: Decimal, unit: str) -> str:
    """A limit as people read it: "2 工作日", "0.5 工作时" (no trailing zeros; unit translated)."""
    return f"{_amount_text(amount)} {TIME_UNIT_LABELS[TimeUnit(unit)]}"


def limit_text(amount: Decimal, unit: str) -> str:
    """A limit as written in a catalogue file: like format_limit, but always in Chinese."""
    return f"{_amount_text(amount)} {TIME_UNIT_NAMES[TimeUnit(unit)]}"


_two_digits = RegexValidator(r"^\d{2}$", _("大类代码应为2位数字"))
_five_digits = RegexValidator(r"^\d{5}$", _("小类代码应为5位数字"))
_positive = MinValueValidator(Decimal("0.01"), _("时限必须大于0"))


class MajorClass(models.Model):
    """A major class (大类) of parts or of matters; "01" exists once for each kind."""

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    code = models.CharField(_("大类代码"), max_length=2, validators=[_two_digits])
    name = models.CharField(_("大类名称"), max_length=60)

    class Meta:
        verbose_name = _("大类")
        verbose_name_plural = _("大类")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"], name="catalogue_major_unique_kind_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ActionTag(models.Model):
    """One of the seven actions 净平明绿美齐优 by which campaigns group categories."""

    code = models.SlugField(_("标签代码"), max_length=20, unique=True)
    char = models.CharField(_("标签"), max_length=2, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("行动标签")
        verbose_name_plural = _("行动标签")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.char


class Category(models.Model):
    """A minor class (小类): what a report is filed under, and which department type answers for it."""

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    major = models.ForeignKey(
        MajorClass, verbose_name=_("大类"), on_delete=models.PROTECT, related_name="categories"
    )
    code = models.CharField(_("小类代码"), max_length=5, validators=[_five_digits])
    name = models.CharField(_("小类名称"), max_length=60)
    department_type = models.ForeignKey(
        "org.DepartmentType",
        verbose_name=_("责任部门类型"),
        on_delete=models.PROTECT,
        related_name="categories",
    )
    action_tags = models.ManyToManyField(
        ActionTag, verbose_name=_("行动标签"), related_name="categories"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("小类")
        verbose_name_plural = _("小类")
        ordering = ["kind", "code"]
        constraints = [
            # 01001 is both a part (供水井盖) and a matter (供水井盖异常): the kind is in the key.
            models.UniqueConstraint(
                fields=["kind", "code"], name="catalogue_category_unique_kind_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.major_id is None:
            return
        if self.major.kind != self.kind:
            raise ValidationError({"major": _("大类的类型应与小类一致")})
        if self.code and self.code[:2] != self.major.code:
            raise ValidationError(
                {"code": _("小类代码应以大类代码%(major)s开头") % {"major": self.major.code}}
            )


class FilingRule(models.Model):
    """A filing condition (立案条件) of a category, with its disposal limit and closing criterion."""

    category = models.ForeignKey(
        Category, verbose_name=_("小类"), on_delete=models.CASCADE, related_name="filing_rules"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    condition = models.TextField(_("立案条件"))
    limit_amount = models.DecimalField(
        _("处置时限"), max_digits=7, decimal_places=2, validators=[_positive]
    )
    limit_unit = models.CharField(_("时限单位"), max_length=16, choices=TIME_UNIT_CHOICES)
    closing_criterion = models.TextField(_("结案条件"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("立案条件")
        verbose_name_plural = _("立案条件")
        ordering = ["category__kind", "category__code", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "order"], name="catalogue_rule_unique_order"
            ),
            models.CheckConstraint(
                condition=Q(limit_amount__gt=0), name="catalogue_rule_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(limit_unit__in=[u.value for u in TimeUnit]),
                name="catalogue_rule_limit_unit_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}-{self.order} {self.condition}"

    @property
    def default_limit(self) -> str:
        return format_limit(self.limit_amount, self.limit_unit)

    def limit_for(self, urgency: Urgency | str | None) -> tuple[Decimal, TimeUnit]:
        """The disposal limit for an urgency; the rule's default when it sets none for that urgency."""
        if urgency:
            # Iterating the related manager uses a prefetch when the caller made one.
            for row in self.limits.all():
                if row.urgency == urgency:
                    return row.amount, TimeUnit(row.unit)
        return self.limit_amount, TimeUnit(self.limit_unit)


class FilingRuleLimit(models.Model):
    """A filing rule's limit for one urgency (A 紧急 / B 重大 / C 一般), replacing the default."""

    rule = models.ForeignKey(
        FilingRule, verbose_name=_("立案条件"), on_delete=models.CASCADE, related_name="limits"
    )
    urgency = models.CharField(_("紧急程度"), max_length=1, choices=Urgency.choices)
    amount = models.DecimalField(
        _("处置时限"), max_digits=7, decimal_places=2, validators=[_positive]
    )
    unit = models.CharField(_("时限单位"), max_length=16, choices=TIME_UNIT_CHOICES)

    class Meta:
        verbose_name = _("分级处置时限")
        verbose_name_plural = _("分级处置时限")
        ordering = ["rule", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "urgency"], name="catalogue_limit_unique_urgency"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="catalogue_limit_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit__in=[u.value for u in TimeUnit]), name="catalogue_limit_unit_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_urgency_display()}: {format_limit(self.amount, self.unit)}"


# The methods are the pure matcher's (finegrid.catalogue.legacy); the model adds the labels.
MATCH_METHOD_LABELS: Final[Mapping[MatchMethod, Promise]] = {
    MatchMethod.EXACT: _("名称完全一致"),
    MatchMethod.NORMALISED: _("规范化名称一致"),
    MatchMethod.NONE: _("未匹配"),
}


class LegacyCategory(models.Model):
    """A category of a GB/T 30428.2-2013 style catalogue, kept so old codes stay importable."""

    source = models.CharField(_("来源目录"), max_length=40)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    legacy_code = models.CharField(_("旧版代码"), max_length=12)
    major_name = models.CharField(_("大类名称"), max_length=60)
    minor_name = models.CharField(_("小类名称"), max_length=100)
    maps_to = models.ForeignKey(
        Category,
        verbose_name=_("对应新版小类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legacy_categories",
    )
    match_method = models.CharField(
        _("匹配方式"),
        max_length=12,
        choices=[(m.value, MATCH_METHOD_LABELS[m]) for m in MatchMethod],
        default=MatchMethod.NONE.value,
    )

    class Meta:
        verbose_name = _("旧版小类")
        verbose_name_plural = _("旧版小类")
        ordering = ["source", "legacy_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "legacy_code"], name="catalogue_legacy_unique_source_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.legacy_code} {self.minor_name}"

    def clean(self) -> None:
        if self.maps_to is not None and self.maps_to.kind != self.kind:
            raise ValidationError({"maps_to": _("对应小类的类型应与旧版小类一致")})


class ComponentStatus(models.TextChoices):
    INTACT = "intact", _("完好")
    DAMAGED = "damaged", _("破损")
    LOST = "lost", _("丢失")
    ABANDONED = "abandoned", _("废弃")
    REMOVED = "removed", _("移除")


_credit_code = RegexValidator(r"^[0-9A-Z]{18}$", _("统一社会信用代码应为18位数字或大写字母"))
_grid_code = RegexValidator(r"^\d{15}$", _("单元网格标识码应为15位数字"))
_street_code = RegexValidator(r"^\d{9}$", _("街道(镇、乡)代码应为9位数字"))
_community_code = RegexValidator(r"^\d{12}$", _("社区(村)代码应为12位数字"))


COMPONENT_CODE_LENGTH: Final = 17


def check_component_code_format(code: str) -> None:
    """Refuse anything but 17 ASCII digits (full-width digits pass str.isdigit, so say ASCII).

    Only the shape: the district and catalogue checks need the database (codes.py, clean()).
    """
    if len(code) != COMPONENT_CODE_LENGTH or not (code.isascii() and code.isdigit()):
        raise ValidationError(_("部件标识码应为17位数字"), code="format")


class Component(models.Model):
    """One physical asset (部件) of the inventory, with its 17-digit identification code."""

    code = models.CharField(
        _("部件标识码"), max_length=17, unique=True, validators=[check_component_code_format]
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("部件小类"),
        on_delete=models.PROTECT,
        related_name="components",
        limit_choices_to={"kind": Kind.PART},
    )
    name = models.CharField(_("部件名称"), max_length=30)
    lon = models.FloatField(
        _("经度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)],
    )
    lat = models.FloatField(
        _("纬度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)],
    )
    grid_code = models.CharField(_("所在单元网格标识码"), max_length=15, validators=[_grid_code])
    street_code = models.CharField(
        _("所在街道(镇、乡)代码"), max_length=9, blank=True, validators=[_street_code]
    )
    street_name = models.CharField(_("所在街道(镇、乡)名称"), max_length=50, blank=True)
    community_code = models.CharField(
        _("所在社区(村)代码"), max_length=12, blank=True, validators=[_community_code]
    )
    community_name = models.CharField(_("所在社区(村)名称"), max_length=50, blank=True)
    owner = models.ForeignKey(
        "org.Unit",
        verbose_name=_("主管部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_components",
    )
    owner_name = models.CharField(_("主管部门名称"), max_length=100, blank=True)
    owner_credit_code = models.CharField(
        _("主管部门代码"), max_length=18, blank=True, validators=[_credit_code]
    )
    proprietor_name = models.CharField(_("权属单位名称"), max_length=100, blank=True)
    proprietor_credit_code = models.CharField(
        _("权属单位代码"), max_length=18, blank=True, validators=[_credit_code]
    )
    maintainer = models.ForeignKey(
        "org.Unit",
        verbose_name=_("养护单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="maintained_components",
    )
    maintainer_name = models.CharField(_("养护单位名称"), max_length=100, blank=True)
    maintainer_credit_code = models.CharField(
        _("养护单位代码"), max_length=18, blank=True, validators=[_credit_code]
    )
    status = models.CharField(
        _("部件状态"),
        max_length=10,
        choices=ComponentStatus.choices,
        default=ComponentStatus.INTACT,
    )
    surveyed_on = models.DateField(_("初始日期"))
    changed_on = models.DateField(_("变更日期"), null=True, blank=True)
    data_source = models.CharField(_("数据来源"), max_length=30, blank=True)
    remarks = models.TextField(_("备注"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("部件")
        verbose_name_plural = _("部件")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__isnull=True, lat__isnull=True)
                | Q(lon__isnull=False, lat__isnull=False),
                name="catalogue_component_lon_lat_together",
            ),
            models.CheckConstraint(
                condition=Q(changed_on__isnull=True) | Q(changed_on__gte=models.F("surveyed_on")),
                name="catalogue_component_changed_after_survey",
            ),
        ]
        indexes = [models.Index(fields=["grid_code"], name="catalogue_component_grid")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # The category follows from the code: fill it in before the field checks require it.
        if self.category_id is None and self.code:
            from finegrid.catalogue.codes import validate_component_code

            # Left empty when the code is bad: clean() reports what is wrong with it.
            with suppress(ValidationError):
                self.category = validate_component_code(self.code)
        super().clean_fields(exclude)

    def clean(self) -> None:
        from finegrid.catalogue.codes import validate_component_code

        try:
            check_component_code_format(self.code)
        except ValidationError:
            return  # the field's own validator has said so already

        try:
            category = validate_component_code(self.code)
        except ValidationError as exc:
            raise ValidationError({"code": exc.messages}) from None
        # The code decides the category; an explicitly chosen one must agree with it.
        if self.category_id is None:
            self.category = category
        elif self.category_id != category.pk:
            raise ValidationError(
                {
                    "category": _("部件小类应与部件标识码第7-11位%(code)s一致")
                    % {"code": category.code}
                }
            )
        if (self.lon is None) != (self.lat is None):
            raise ValidationError({"lat": _("经度和纬度应同时填写")})
        if self.changed_on and self.surveyed_on and self.changed_on < self.surveyed_on:
            raise ValidationError({"changed_on": _("变更日期不能早于初始日期")})
