"""The case and what hangs off it: the citizen's contact (kept apart), photos, events and step limits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import TIME_UNIT_CHOICES, Urgency

STATUS_LABELS = {
    Status.REPORTED: _("待受理"),
    Status.DECLINED: _("不予受理"),
    Status.VERIFYING: _("待核实"),
    Status.PENDING_FILING: _("待立案"),
    Status.SELF_HANDLED: _("自处理待审核"),
    Status.FILED: _("待派遣"),
    Status.DISPATCHED: _("待签收"),
    Status.DISPOSING: _("处置中"),
    Status.EXTENSION_REQUESTED: _("延期申请中"),
    Status.RETURN_REQUESTED: _("回退申请中"),
    Status.SUSPENSION_REQUESTED: _("挂账申请中"),
    Status.SUSPENDED: _("已挂账"),
    Status.DISPOSED: _("待派核查"),
    Status.CHECKING: _("待核查"),
    Status.PENDING_CLOSE: _("待结案"),
    Status.CLOSED: _("已结案"),
    Status.CANCELLED: _("已作废"),
}
ACTION_LABELS = {
    Action.REPORT: _("上报"),
    Action.ACCEPT: _("受理"),
    Action.DECLINE: _("不予受理"),
    Action.VERIFY: _("核实"),
    Action.FILE: _("立案"),
    Action.CANCEL: _("作废"),
    Action.REVIEW_SELF_HANDLED: _("自处理审核通过"),
    Action.REJECT_SELF_HANDLED: _("自处理退回立案"),
    Action.DISPATCH: _("派遣"),
    Action.SIGN_FOR: _("签收"),
    Action.DISPOSE: _("处置反馈"),
    Action.REQUEST_EXTENSION: _("申请延期"),
    Action.APPROVE_EXTENSION: _("批准延期"),
    Action.REJECT_EXTENSION: _("驳回延期"),
    Action.REQUEST_RETURN: _("申请回退"),
    Action.APPROVE_RETURN: _("批准回退"),
    Action.REJECT_RETURN: _("驳回回退"),
    Action.REQUEST_SUSPENSION: _("申请挂账"),
    Action.APPROVE_SUSPENSION: _("批准挂账"),
    Action.REJECT_SUSPENSION: _("驳回挂账"),
    Action.RESUME: _("恢复处置"),
    Action.SEND_CHECK: _("派发核查"),
    Action.PASS_CHECK: _("核查通过"),
    Action.REWORK: _("核查不通过，返工"),
    Action.CLOSE: _("结案"),
    Action.SUPERVISE: _("督办"),
    Action.APPROVE_OVERDUE_APPEAL: _("批准超时申诉"),
    Action.REOPEN: _("重新开启"),
    Action.RATE: _("评价"),
}


class Source(models.TextChoices):
    INSPECTOR = "inspector", _("监督员上报")
    HOTLINE = "hotline", _("12345热线")
    CITIZEN = "citizen", _("公众举报")
    SENSOR = "sensor", _("视频/物联感知")
    LEADER = "leader", _("领导交办")
    MEDIA = "media", _("媒体曝光")
    UNDERCOVER = "undercover", _("暗访")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class CitizenContact(models.Model):
    """A citizen's name and phone, kept apart from the case so that reads of cases never carry them."""

    name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("市民联系方式")
        verbose_name_plural = _("市民联系方式")

    def __str__(self) -> str:
        return self.masked_name()

    def masked_name(self) -> str:
        return (self.name[:1] + "*" * max(len(self.name) - 1, 1)) if self.name else ""

    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}" if len(self.phone) >= 7 else "****"


class Case(models.Model):
    case_no = models.CharField(_("案卷号"), max_length=20, unique=True)
    source = models.CharField(_("问题来源"), max_length=12, choices=Source.choices)
    status = models.CharField(
        _("状态"),
        max_length=24,
        choices=[(s.value, STATUS_LABELS[s]) for s in Status],
        db_index=True,
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    citizen = models.ForeignKey(
        CitizenContact, verbose_name=_("市民"), null=True, blank=True, on_delete=models.PROTECT
    )
    self_handled = models.BooleanField(_("自处理"), default=False)

    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    address = models.CharField(_("事发位置"), max_length=256, blank=True)
    grid = models.ForeignKey(
        "geo.Grid", verbose_name=_("单元网格"), null=True, blank=True, on_delete=models.PROTECT
    )
    community = models.ForeignKey(
        "geo.Area",
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    street = models.ForeignKey(
        "geo.Area",
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        "geo.Area", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+"
    )
    #: The most specific area code found (community, else street, else district): scope by prefix.
    area_code = models.CharField(_("区域代码"), max_length=12, db_index=True)
    component_code = models.CharField(_("部件标识码"), max_length=17, blank=True)

    category = models.ForeignKey(
        "catalogue.Category",
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    filing_rule = models.ForeignKey(
        "catalogue.FilingRule",
        verbose_name=_("立案条件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=1, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    description = models.TextField(_("问题描述"))

    department = models.ForeignKey(
        "org.Unit",
        verbose_name=_("处置单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实/核查监督员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_tasks",
    )
    supervised = models.BooleanField(_("督办"), default=False)
    overdue_exempt = models.BooleanField(_("超时申诉已批准"), default=False)
    rework_count = models.PositiveIntegerField(_("返工次数"), default=0)
    extension_count = models.PositiveIntegerField(_("延期次数"), default=0)

    reported_at = models.DateTimeField(_("上报时间"))
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # The running step's clock; traffic lights are computed from these, never stored.
    step_started_at = models.DateTimeField(_("本环节开始"))
    step_deadline = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    step_unit = models.CharField(max_length=16, choices=TIME_UNIT_CHOICES, blank=True)
    disposal_deadline = models.DateTimeField(_("处置时限"), null=True, blank=True)
    disposal_unit = models.CharField(max_length=16, choices=TIME_UNIT_CHOICES, blank=True)
    #: While suspended: the disposal time that was left, in `disposal_unit`, to restart from on resume.
    disposal_remaining = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    suspended_until = models.DateField(_("挂账至"), null=True, blank=True)
    #: Given to whoever reported through a public channel: with it they follow, rate and reopen.
    tracking_code = models.CharField(
        _("查询码"), max_length=12, unique=True, null=True, blank=True, editable=False
    )
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )

    class Meta:
        verbose_name = _("案卷")
        verbose_name_plural = _("案卷")
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["status", "step_deadline"], name="cases_status_deadline"),
            models.Index(fields=["department", "status"], name="cases_department_status"),
            # Counts by period (the screen, rankings) read cases reported in a day or a month.
            models.Index(fields=["reported_at"], name="cases_reported_at"),
        ]
        permissions = [("view_citizen_contact", _("查看市民联系方式"))]

    def __str__(self) -> str:
        return self.case_no

    @property
    def status_enum(self) -> Status:
        return Status(self.status)


class AttachmentKind(models.TextChoices):
    BEFORE = "before", _("处置前")
    AFTER = "after", _("处置后")
    EVIDENCE = "evidence", _("其他材料")


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        "CaseEvent", null=True, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("案卷附件")
        verbose_name_plural = _("案卷附件")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}:{self.sha256[:8]}"


class CaseEvent(models.Model):
    """One step of a case, append-only, chained by hash to its case's previous event and to all events."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    action = models.CharField(
        _("动作"), max_length=24, choices=[(a.value, ACTION_LABELS[a]) for a in Action]
    )
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_events",
    )
    actor_role = models.CharField(_("角色"), max_length=24, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.TextField(_("意见"), blank=True)
    #: What the step set: department, deadlines, outcome... (JSON, part of the hash).
    data = models.JSONField(default=dict, blank=True)
    case_prev_hash = models.CharField(max_length=64, blank=True)
    chain_prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("案卷事件")
        verbose_name_plural = _("案卷事件")
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="cases_event_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class ChainHead(models.Model):
    """The tip of the global event chain; locking this row serialises appends across all cases."""

    last_event_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.last_event_id}:{self.last_hash[:12]}"


class StepLimit(models.Model):
    """How long each step may take (disposal comes from the filing rule); `reopen` is the reopen window."""

    step = models.CharField(_("环节"), max_length=16, unique=True)
    amount = models.DecimalField(_("时限"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=16, choices=TIME_UNIT_CHOICES)

    class Meta:
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cases_steplimit_positive")
        ]

    def __str__(self) -> str:
        return f"{self.step}: {self.amount} {self.unit}"


class DailyCounter(models.Model):
    """Serial numbers per day for case numbers."""

    day = models.DateField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day:%Y%m%d}:{self.value}"
