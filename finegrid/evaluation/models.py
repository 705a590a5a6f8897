"""Indicators, schemes and their items, hand-entered adjustments, and the stored runs.

A run is immutable once published: its scheme is copied into it, its figures are `Result` rows and
the cases behind every figure are the `CaseFact` rows of its snapshot. A correction is a new run
that names the one it corrects.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from finegrid.evaluation.periods import Period, PeriodKind
from finegrid.evaluation.subjects import SubjectKind

PERIOD_KIND_CHOICES = [
    (PeriodKind.WEEK.value, _("周")),
    (PeriodKind.MONTH.value, _("月")),
    (PeriodKind.QUARTER.value, _("季度")),
    (PeriodKind.YEAR.value, _("年")),
]
SUBJECT_KIND_CHOICES = [(kind.value, label) for kind, label in ((k, k.label) for k in SubjectKind)]


class IndicatorKind(models.TextChoices):
    COUNT = "count", pgettext_lazy("indicator kind", "计数")
    RATIO = "ratio", pgettext_lazy("indicator kind", "比率")
    COMPLEMENT = "complement", pgettext_lazy("indicator kind", "1 − 比率")
    MEAN = "mean", pgettext_lazy("indicator kind", "平均工作时长")
    PER_GRID = "per_grid", pgettext_lazy("indicator kind", "每网格数")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class Indicator(models.Model):
    """One indicator, defined once: a formula over the counts of measures (finegrid.evaluation.measures)."""

    code = models.SlugField(_("指标代码"), max_length=40, unique=True)
    name = models.CharField(_("指标名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80)
    meaning = models.TextField(_("含义"))
    kind = models.CharField(_("计算方式"), max_length=12, choices=IndicatorKind.choices)
    numerator = models.CharField(_("分子（度量）"), max_length=40)
    denominator = models.CharField(_("分母（度量）"), max_length=40, blank=True)
    unit = models.CharField(_("单位"), max_length=10)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from finegrid.evaluation.specs import check_indicator

        check_indicator(self)


class Scheme(models.Model):
    """考核办法: who is scored, on which indicators with which weights, and how scores become grades."""

    code = models.SlugField(_("办法代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    subject_kinds = models.JSONField(_("考核对象"), default=list)
    period_kinds = models.JSONField(_("考核周期"), default=list)
    #: [["A", 90], ["B", 75], ...]: the first grade whose floor the score reaches.
    grade_bands = models.JSONField(_("等次划分"), default=list)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    scheduled = models.BooleanField(
        _("定时计算"), default=True, help_text=_("每个考核周期结束后自动计算并生成通报")
    )
    auto_publish = models.BooleanField(_("自动发布"), default=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核办法")
        verbose_name_plural = _("考核办法")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Method(models.TextChoices):
    PERCENT = "percent", _("按比率计分（比率×100）")
    BANDS = "bands", _("按区间计分")


class SchemeItem(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT)
    weight = models.DecimalField(
        _("权重（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("0 表示只列出、不计分"),
    )
    method = models.CharField(_("计分方式"), max_length=8, choices=Method.choices)
    #: {"default": [["<=", 50, 100], ["<=", 100, 90], ...], "class1": [...], "otherwise": 0}
    bands = models.JSONField(_("计分区间"), default=dict, blank=True)
    empty_score = models.DecimalField(
        _("无数据得分"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
        help_text=_("分母为0（本期没有应办的事项）时该项的得分"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核项")
        verbose_name_plural = _("考核项")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator"], name="evaluation_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} ×{self.weight}%"


class Adjustment(models.Model):
    """A bonus (+) or penalty (−) entered by hand with its reason, for one subject and period."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="adjustments")
    period = models.CharField(_("考核周期"), max_length=10, help_text=_("如 2026-10、2026-Q4"))
    subject_kind = models.CharField(_("对象类型"), max_length=16, choices=SUBJECT_KIND_CHOICES)
    subject_id = models.BigIntegerField(_("对象"))
    points = models.DecimalField(_("加减分"), max_digits=6, decimal_places=2)
    reason = models.CharField(_("事由"), max_length=200)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("加减分")
        verbose_name_plural = _("加减分")
        ordering = ["-entered_at"]

    def __str__(self) -> str:
        return f"{self.period} {self.subject_kind}#{self.subject_id} {self.points:+}"


class Snapshot(models.Model):
    """What every case counted for in one period, as computed at one moment (its facts)."""

    period_kind = models.CharField(max_length=8, choices=PERIOD_KIND_CHOICES)
    period = models.CharField(_("考核周期"), max_length=10)
    starts_on = models.DateField()
    ends_on = models.DateField()  # exclusive
    computed_at = models.DateTimeField(_("计算时间"))
    cases = models.PositiveIntegerField(_("计入案卷数"), default=0)
    events = models.PositiveBigIntegerField(_("读取事件数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)
    #: Inputs fixed at computation: each inspector's grids, area classes, grid counts.
    inputs = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("考核数据快照")
        verbose_name_plural = _("考核数据快照")
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.period} @ {self.computed_at:%Y-%m-%d %H:%M}"

    @property
    def period_obj(self) -> Period:
        return Period.parse(self.period)


class CaseFact(models.Model):
    """One case in one snapshot: the measures it counted for (bits) and whom it names."""

    id = models.BigAutoField(primary_key=True)
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="facts")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    flags = models.BigIntegerField()
    grid_id = models.BigIntegerField(null=True)
    community_id = models.BigIntegerField(null=True)
    street_id = models.BigIntegerField(null=True)
    district_id = models.BigIntegerField(null=True)
    department_id = models.BigIntegerField(null=True)
    returned_from_id = models.BigIntegerField(null=True)
    reporter_id = models.BigIntegerField(null=True)
    receptionist_id = models.BigIntegerField(null=True)
    verifier_id = models.BigIntegerField(null=True)
    filer_id = models.BigIntegerField(null=True)
    dispatcher_id = models.BigIntegerField(null=True)
    check_sender_id = models.BigIntegerField(null=True)
    checker_id = models.BigIntegerField(null=True)
    accept_hours = models.FloatField(null=True)
    dispose_hours = models.FloatField(null=True)

    # Only the snapshot's own index: one per subject column made writing a million facts five
    # times slower, and a page behind a figure reads one snapshot's facts either way.

    def __str__(self) -> str:
        return f"{self.snapshot_id}:{self.case_id}"


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("待发布")
    PUBLISHED = "published", _("已发布")


class Run(models.Model):
    """One scheme applied to one snapshot: scores, grades and ranks, frozen once published."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="runs")
    scheme_version = models.PositiveIntegerField(_("办法版本"))
    #: The scheme as it was: items, weights, bands, grades (the run never reads the live scheme).
    scheme_spec = models.JSONField()
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="runs")
    period_kind = models.CharField(_("周期类型"), max_length=8, choices=PERIOD_KIND_CHOICES)
    period = models.CharField(_("考核周期"), max_length=10, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("计算时间"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    #: The adjustments applied, copied: [{"kind", "id", "points", "reason"}].
    adjustments = models.JSONField(default=list)

    class Meta:
        verbose_name = _("考核批次")
        verbose_name_plural = _("考核批次")
        ordering = ["-computed_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.scheme.name} {self.period}"

    @property
    def period_obj(self) -> Period:
        return Period.parse(self.period)

    @property
    def is_published(self) -> bool:
        return self.status == RunStatus.PUBLISHED


class Result(models.Model):
    """One subject's figures, score, grade and rank in a run."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="results")
    subject_kind = models.CharField(max_length=16, choices=SUBJECT_KIND_CHOICES)
    subject_id = models.BigIntegerField()
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    parent = models.CharField(max_length=120, blank=True)
    area_class = models.CharField(max_length=8, blank=True)
    score = models.FloatField()
    grade = models.CharField(max_length=4)
    rank = models.PositiveIntegerField()
    rank_change = models.IntegerField(null=True)
    values = models.JSONField(default=dict)  # indicator code -> value (rates as fractions)
    item_scores = models.JSONField(default=dict)  # indicator code -> 0..100
    counts = models.JSONField(default=dict)  # measure code -> count
    adjustment = models.FloatField(default=0)

    class Meta:
        ordering = ["run", "subject_kind", "rank", "code"]
        indexes = [
            models.Index(fields=["run", "subject_kind", "rank"], name="evaluation_result_rank"),
            models.Index(fields=["subject_kind", "subject_id"], name="evaluation_result_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.subject_kind}:{self.code} #{self.rank}"


class Bulletin(models.Model):
    """One issued bulletin: its number, the runs it was drawn from, and its files once rendered."""

    kind = models.CharField(_("类型"), max_length=10)
    period = models.CharField(_("考核周期"), max_length=10)
    year = models.PositiveSmallIntegerField(_("年份"))
    serial = models.PositiveIntegerField(_("文号序号"))
    issued_on = models.DateField(_("成文日期"))
    runs = models.ManyToManyField(Run, related_name="bulletins")
    #: The run ids it was drawn from, sorted: the same runs give the same bulletin.
    run_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="evaluation_bulletin_number"),
            models.UniqueConstraint(
                fields=["kind", "period", "run_key"], name="evaluation_bulletin_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.serial} {self.kind} {self.period}"


class BulletinFile(models.Model):
    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=8)
    file = models.FileField(upload_to="bulletins/%Y/")
    size = models.PositiveIntegerField()
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "format"], name="evaluation_file_once")
        ]

    def __str__(self) -> str:
        return f"{self.bulletin_id}.{self.format}"
