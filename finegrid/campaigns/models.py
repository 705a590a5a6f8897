"""Campaigns: action plans of tasks ticked off on acceptance, supervision notices, inspections of
sampled sites, and the civilised-city index tree the inspections score against.

Every change goes through `finegrid.campaigns.actions` (plans and tasks) or
`finegrid.campaigns.inspections` / `finegrid.campaigns.assessment`; each writes a `TaskEvent` or
leaves its own dated rows (scores, reviews), so what happened and who did it is never overwritten.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# --- plans and tasks --------------------------------------------------------------------------


class PlanKind(models.TextChoices):
    ACTION_PLAN = "action_plan", _("行动计划")
    RECTIFICATION = "rectification", _("整改清单")


class ReportCycle(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    BIWEEKLY = "biweekly", _("每两周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")

    @property
    def days(self) -> int:
        return {"weekly": 7, "biweekly": 14, "monthly": 30, "quarterly": 91}[self.value]


class Plan(models.Model):
    """行动计划 (or an inspection round's 整改清单): categories of tasks, issued by a body under a
    document number, in force between two dates."""

    kind = models.CharField(
        _("类型"), max_length=16, choices=PlanKind.choices, default=PlanKind.ACTION_PLAN
    )
    title = models.CharField(_("计划标题"), max_length=200)
    document_no = models.CharField(_("文号"), max_length=60, blank=True)
    issuer = models.CharField(_("印发机关"), max_length=100)
    issuer_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    report_cycle = models.CharField(
        _("进度报送周期"), max_length=10, choices=ReportCycle.choices, default=ReportCycle.MONTHLY
    )
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行动计划")
        verbose_name_plural = _("行动计划")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaigns_plan_dates"
            )
        ]

    def __str__(self) -> str:
        return self.title


class PlanCategory(models.Model):
    """A chapter of a plan (e.g. 市容环境整治); tasks are grouped and numbered under it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="categories")
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("任务类别")
        verbose_name_plural = _("任务类别")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="campaigns_category_number"),
        ]

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    OPEN = "open", _("推进中")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("待验收")
    TICKED_OFF = "ticked_off", _("已销号")


class TaskKind(models.TextChoices):
    TASK = "task", _("任务")
    RECTIFICATION = "rectification", _("整改事项")


class TargetOperator(models.TextChoices):
    AT_LEAST = ">=", "≥"
    AT_MOST = "<=", "≤"


class Task(models.Model):
    """One line of a plan's list: an owner, a target, a deadline; broken down into sub-tasks to any
    depth (per district, street or grid). Ticked off only after an acceptor, not the owner, accepts."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tasks")
    category = models.ForeignKey(
        PlanCategory,
        verbose_name=_("任务类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(
        _("类型"), max_length=16, choices=TaskKind.choices, default=TaskKind.TASK
    )
    #: "3", "3.2", "3.2.1": the place in the plan, unique within it.
    number = models.CharField(_("编号"), max_length=40)
    title = models.CharField(_("任务名称"), max_length=300)
    description = models.TextField(_("工作要求"), blank=True)
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_tasks"
    )
    co_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("配合单位"), blank=True, related_name="supported_tasks"
    )
    responsible = models.ForeignKey(
        "org.User",
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        related_name="campaign_tasks",
    )
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("责任区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        "geo.Grid",
        verbose_name=_("责任网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_text = models.CharField(_("目标"), max_length=300, blank=True)
    target_operator = models.CharField(
        _("目标比较"), max_length=2, choices=TargetOperator.choices, blank=True
    )
    target_value = models.DecimalField(
        _("目标值"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    target_unit = models.CharField(_("目标单位"), max_length=20, blank=True)
    starts_on = models.DateField(_("开始日期"))
    deadline = models.DateField(_("完成时限"))
    status = models.CharField(
        _("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    progress = models.PositiveSmallIntegerField(_("完成进度(%)"), default=0)
    current_value = models.DecimalField(
        _("当前值"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    last_reported_at = models.DateTimeField(_("最近报送"), null=True, blank=True)
    #: The last time the owner was chased for a missing report, so a day's chase is sent once.
    last_chased_at = models.DateTimeField(_("最近催报"), null=True, blank=True)
    ticked_off_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    ticked_off_by = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejections = models.PositiveSmallIntegerField(_("验收退回次数"), default=0)
    #: For a rectification: the failed inspection item and the case filed for it, if any.
    finding = models.OneToOneField(
        "campaigns.ItemScore",
        verbose_name=_("问题来源"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("关联案卷"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaign_tasks",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="campaigns_task_number"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="campaigns_task_progress"),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("starts_on")), name="campaigns_task_dates"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="campaigns_task_due")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def target_label(self) -> str:
        if self.target_value is None:
            return self.target_text
        value = f"{self.target_value.normalize():f}"
        number = f"{self.get_target_operator_display()} {value}{self.target_unit}"
        return f"{self.target_text} {number}".strip()


class Milestone(models.Model):
    """A dated step of a task: by `due_on` the task should be at least `progress` per cent done."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("节点时限"))
    progress = models.PositiveSmallIntegerField(_("应达进度(%)"))

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        ordering = ["task", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="campaigns_milestone_progress"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.due_on}"


class Pledge(models.Model):
    """目标责任书: a unit signed its commitment to a plan's targets, on a date, by a named person."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="pledges")
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT)
    signatory = models.CharField(_("签订人"), max_length=60)
    signed_on = models.DateField(_("签订日期"))
    file = models.FileField(_("责任书扫描件"), upload_to="campaigns/pledges/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        "org.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("目标责任书")
        verbose_name_plural = _("目标责任书")
        ordering = ["plan", "signed_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit"], name="campaigns_pledge_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.unit}"


class ProgressReport(models.Model):
    """The owner's report of where a task stands: a percentage, a figure against the target, words."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports")
    reported_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("报送时间"))
    progress = models.PositiveSmallIntegerField(_("完成进度(%)"))
    value = models.DecimalField(_("当前值"), max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.TextField(_("进展情况"))

    class Meta:
        verbose_name = _("进度报送")
        verbose_name_plural = _("进度报送")
        ordering = ["task", "-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task_id}@{self.reported_at:%Y-%m-%d} {self.progress}%"


class NoticeStatus(models.TextChoices):
    AWAITING_REPLY = "awaiting_reply", _("待回复")
    REPLIED = "replied", _("已回复")


class SupervisionNotice(models.Model):
    """督办单: a supervisor tells a task's owner to act, by a reply deadline; the reply is kept."""

    number = models.CharField(_("督办单号"), max_length=40, unique=True)
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="notices")
    issued_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("督办时间"))
    reason = models.TextField(_("督办事项"))
    reply_due = models.DateTimeField(_("回复时限"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=NoticeStatus.choices,
        default=NoticeStatus.AWAITING_REPLY,
    )
    reply = models.TextField(_("回复内容"), blank=True)
    replied_by = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def replied_late(self) -> bool:
        return self.replied_at is not None and self.replied_at > self.reply_due


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("验收通过")
    REJECTED = "rejected", _("验收不通过")


class AcceptanceRequest(models.Model):
    """The owner asks for acceptance with evidence; an acceptor who is not the owner decides."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="acceptances")
    requested_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    evidence = models.TextField(_("完成情况及佐证"))
    decision = models.CharField(_("验收结论"), max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    reasons = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("验收申请")
        verbose_name_plural = _("验收申请")
        ordering = ["task", "-requested_at", "-pk"]
        constraints = [
            # At most one request waits for a decision per task.
            models.UniqueConstraint(
                fields=["task"], condition=Q(decision=""), name="campaigns_one_open_acceptance"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}@{self.requested_at:%Y-%m-%d}"


class TaskFile(models.Model):
    """A photo or document attached to a progress report, a reply or an acceptance request."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="files")
    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    acceptance = models.ForeignKey(
        AcceptanceRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    notice = models.ForeignKey(
        SupervisionNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="campaigns/%Y/%m/")
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("任务附件")
        verbose_name_plural = _("任务附件")

    def __str__(self) -> str:
        return self.name


class TaskAction(models.TextChoices):
    CREATE = "create", _("下达任务")
    REPORT = "report", _("报送进度")
    CHASE = "chase", _("催报")
    SUPERVISE = "supervise", pgettext_lazy("task action", "督办")
    REPLY = "reply", _("回复督办")
    REQUEST_ACCEPTANCE = "request_acceptance", _("申请验收")
    ACCEPT = "accept", _("验收通过并销号")
    REJECT = "reject", _("验收不通过")
    REASSIGN = "reassign", _("调整责任人")


class TaskEvent(models.Model):
    """One step of a task, append-only and chained by hash to the task's previous step."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    action = models.CharField(_("动作"), max_length=20, choices=TaskAction.choices)
    actor = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("任务记录")
        verbose_name_plural = _("任务记录")
        ordering = ["task", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["task", "seq"], name="campaigns_event_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.seq} {self.action}"


# --- sites and inspections --------------------------------------------------------------------


class SiteType(models.Model):
    """One of the 29 kinds of place the civilised-city field check samples (点位类型)."""

    tag = models.PositiveSmallIntegerField(_("序号"), unique=True)
    name = models.CharField(_("点位类型"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("点位类型")
        verbose_name_plural = _("点位类型")
        ordering = ["tag"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place that can be drawn for an inspection: a street, a market, a public toilet..."""

    site_type = models.ForeignKey(
        SiteType, verbose_name=_("点位类型"), on_delete=models.PROTECT, related_name="sites"
    )
    name = models.CharField(_("点位名称"), max_length=120)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    grid = models.ForeignKey(
        "geo.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("点位责任单位"), on_delete=models.PROTECT, related_name="sites"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("测评点位")
        verbose_name_plural = _("测评点位")
        ordering = ["site_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site_type", "name"], name="campaigns_site_name"),
        ]

    def __str__(self) -> str:
        return self.name


class InspectionTemplate(models.Model):
    """A checklist of scored items for some kinds of site."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    site_types = models.ManyToManyField(SiteType, verbose_name=_("适用点位类型"), blank=True)

    class Meta:
        verbose_name = _("检查模板")
        verbose_name_plural = _("检查模板")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateItem(models.Model):
    """One scored line of a checklist: the standard, its points, whether a photo is required, and
    where a miss goes (a catalogue category files a case; an index content scores the assessment)."""

    template = models.ForeignKey(InspectionTemplate, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("序号"))
    standard = models.TextField(_("检查标准"))
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    photo_required = models.BooleanField(_("须拍照"), default=True)
    site_types = models.ManyToManyField(
        SiteType,
        verbose_name=_("适用点位类型"),
        blank=True,
        help_text=_("留空表示适用于模板的全部点位类型"),
    )
    category = models.ForeignKey(
        "catalogue.Category",
        verbose_name=_("对应案卷类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.ForeignKey(
        "campaigns.IndexNode",
        verbose_name=_("对应测评内容"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="template_items",
    )

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="campaigns_item_number"),
            models.CheckConstraint(condition=Q(points__gt=0), name="campaigns_item_points"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.standard[:30]}"


class RoundKind(models.TextChoices):
    PLANNED = "planned", _("计划督查")
    UNDERCOVER = "undercover", _("暗访")
    THIRD_PARTY = "third_party", _("第三方测评")


class RoundStatus(models.TextChoices):
    DRAWN = "drawn", _("已抽取点位")
    IN_PROGRESS = "in_progress", _("检查中")
    FINISHED = "finished", _("已完成")


class InspectionRound(models.Model):
    """A round of visits to sites drawn at random (by a recorded seed) with one checklist."""

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("方式"), max_length=12, choices=RoundKind.choices)
    template = models.ForeignKey(
        InspectionTemplate, verbose_name=_("检查模板"), on_delete=models.PROTECT
    )
    assessment = models.ForeignKey(
        "campaigns.IndexTree",
        verbose_name=_("计入测评"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    #: {"<site type tag>": how many sites of that type to draw}
    sample = models.JSONField(_("抽样数量"), default=dict)
    seed = models.BigIntegerField(_("随机种子"))
    rectify_days = models.PositiveSmallIntegerField(_("整改时限(天)"), default=15)
    status = models.CharField(
        _("状态"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAWN
    )
    rectification_plan = models.OneToOneField(
        Plan,
        verbose_name=_("整改清单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_round",
    )
    created_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查批次")
        verbose_name_plural = _("检查批次")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """One drawn site of a round; done when every applicable item has a score."""

    round = models.ForeignKey(InspectionRound, on_delete=models.PROTECT, related_name="visits")
    site = models.ForeignKey(Site, verbose_name=_("点位"), on_delete=models.PROTECT)
    inspector = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    finished = models.BooleanField(_("已完成"), default=False)

    class Meta:
        verbose_name = _("点位检查")
        verbose_name_plural = _("点位检查")
        ordering = ["round", "site"]
        constraints = [
            models.UniqueConstraint(fields=["round", "site"], name="campaigns_visit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.site}"


class ItemScore(models.Model):
    """The score one checklist item got at one visited site; below full points it failed."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="scores")
    item = models.ForeignKey(TemplateItem, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    passed = models.BooleanField(_("达标"))
    note = models.TextField(_("问题描述"), blank=True)
    photo = models.FileField(_("照片"), upload_to="campaigns/inspections/%Y/%m/", blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    scored_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(_("打分时间"))

    class Meta:
        verbose_name = _("检查得分")
        verbose_name_plural = _("检查得分")
        ordering = ["visit", "item__number"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="campaigns_score_once"),
            models.CheckConstraint(condition=Q(score__gte=Decimal(0)), name="campaigns_score_min"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.item_id}={self.score}"


# --- the civilised-city index tree ------------------------------------------------------------


class IndexTree(models.Model):
    """测评体系: an edition of the civilised-city index (parts → items → contents) with its points."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    description = models.TextField(_("说明"), blank=True)
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("测评体系")
        verbose_name_plural = _("测评体系")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return self.name


class NodeLevel(models.TextChoices):
    PART = "part", _("测评项目")
    ITEM = "item", _("测评指标")
    CONTENT = "content", _("测评内容")


class Method(models.TextChoices):
    FIELD_CHECK = "field_check", _("实地考察")
    MATERIAL = "material", _("材料审核")
    SURVEY = "survey", _("问卷调查")


class IndexNode(models.Model):
    """A part, item or content of the index; contents carry points and the way they are checked."""

    tree = models.ForeignKey(IndexTree, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.CharField(_("层级"), max_length=8, choices=NodeLevel.choices)
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("名称"), max_length=300)
    points = models.DecimalField(_("分值"), max_digits=7, decimal_places=2)
    method = models.CharField(_("测评方法"), max_length=12, choices=Method.choices, blank=True)
    site_types = models.ManyToManyField(SiteType, verbose_name=_("实地考察点位类型"), blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("测评节点")
        verbose_name_plural = _("测评节点")
        ordering = ["tree", "order"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "code"], name="campaigns_node_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Review(models.Model):
    """A material review or survey result for one content (optionally one district): the share of
    its points earned, decided by a reviewer."""

    node = models.ForeignKey(IndexNode, on_delete=models.PROTECT, related_name="reviews")
    district = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("报送单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("材料说明"), blank=True)
    file = models.FileField(_("材料"), upload_to="campaigns/materials/%Y/", blank=True)
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    reviewed_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"))

    class Meta:
        verbose_name = _("材料审核与问卷")
        verbose_name_plural = _("材料审核与问卷")
        ordering = ["node", "-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.node.code}={self.score}"
