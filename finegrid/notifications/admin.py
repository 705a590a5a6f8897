"""The outbox in the admin: read-only, citizens masked, with one action to send messages again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from finegrid.notifications.models import Message
from finegrid.notifications.outbox import retry_messages


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = (
        "created_at",
        "recipient",
        "channel",
        "kind",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "read_at",
    )
    list_filter = ("status", "channel", "kind")
    search_fields = ("subject", "case__case_no", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("user", "unit", "citizen", "case")
    # The citizen link would show the contact's page: the masked label below says enough.
    fields = (
        "recipient",
        "channel",
        "kind",
        "subject",
        "body",
        "case",
        "origin",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "read_at",
        "read_by",
        "created_at",
    )
    readonly_fields = fields
    actions = ("send_again",)

    @admin.display(description=_("接收方"))
    def recipient(self, obj: Message) -> str:
        return obj.recipient_label()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        # The outbox is the record of who was told what and when.
        return False

    @admin.action(description=_("重新发送所选的失败消息"), permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = retry_messages(message_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            gettext("已将%(count)d条失败或已放弃的消息重新排队") % {"count": count},
            messages.SUCCESS,
        )
