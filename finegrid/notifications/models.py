"""The outbox: one row per message to one recipient on one channel, with its own delivery state.

Delivery state (pending, sent, failed and waiting to retry, dead) is kept here, apart from the
case: a message that cannot be delivered never holds a case up, and a case's history never
depends on whether an e-mail went out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("站内消息")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败，等待重试")
    DEAD = "dead", _("已放弃")


class MessageKind(models.TextChoices):
    EVENT = "event", _("案卷动态")
    REMINDER = "reminder", _("临期提醒")
    ESCALATION = "escalation", _("超时督促")
    RESUME_DUE = "resume_due", _("挂账到期提醒")
    CAMPAIGN = "campaign", _("专项任务")


class Message(models.Model):
    """A message to exactly one of: a staff user, a unit (its members' shared inbox), a citizen."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("接收单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    citizen = models.ForeignKey(
        "cases.CitizenContact",
        verbose_name=_("接收市民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=MessageKind.choices)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("案卷"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    #: What caused the message ("event:12", "sweep:7:…:reminder"): one lookup tells a rerun that
    #: its work is done.
    origin = models.CharField(_("来源"), max_length=160, db_index=True)
    #: origin + recipient + channel: the same message is never queued twice.
    dedupe_key = models.CharField(_("去重键"), max_length=200, unique=True)

    status = models.CharField(
        _("发送状态"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("发送次数"), default=0)
    #: Empty: due now. Also pushed ahead while a delivery run holds the message.
    next_attempt_at = models.DateTimeField(_("下次发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("阅读人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_message_due"),
            models.Index(fields=["user", "channel", "created_at"], name="notify_user_inbox"),
            models.Index(fields=["unit", "channel", "created_at"], name="notify_unit_inbox"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, unit__isnull=True, citizen__isnull=True)
                    | Q(user__isnull=True, unit__isnull=False, citizen__isnull=True)
                    | Q(user__isnull=True, unit__isnull=True, citizen__isnull=False)
                ),
                name="notify_message_one_recipient",
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=True) | Q(channel="in_app"),
                name="notify_unit_in_app_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.subject}"

    def recipient_label(self) -> str:
        """Who it is for, with a citizen's name and phone masked."""
        if self.user_id is not None:
            return str(self.user)
        if self.unit_id is not None:
            return str(self.unit)
        if self.citizen is not None:
            return f"{self.citizen.masked_name()} {self.citizen.masked_phone()}".strip()
        return ""
