"""Tokens in the admin: administrators issue service tokens, and see or revoke any token.

The secret is shown once, in the message after saving; only its hash is kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finegrid.api.models import ApiToken, TokenKind
from finegrid.api.tokens import hash_secret, new_secret


class ApiTokenForm(forms.ModelForm[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["kind", "name", "user", "roles", "read_only", "source", "area", "expires_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == TokenKind.PERSONAL:
            if data.get("user") is None:
                self.add_error("user", _("个人令牌必须指定所属用户"))
            data["source"] = ""
            data["area"] = None
        elif kind == TokenKind.SERVICE:
            if not data.get("source"):
                self.add_error("source", _("服务令牌必须指定问题来源"))
            if data.get("area") is None:
                self.add_error("area", _("服务令牌必须指定限定区域"))
            data["user"] = None
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    form = ApiTokenForm
    list_display = [
        "name",
        "kind",
        "prefix",
        "user",
        "source",
        "area",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["kind", "source"]
    search_fields = ["name", "prefix", "user__username", "user__full_name"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at", "created_by"]
    autocomplete_fields = ["user", "area"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        # A token's rights are fixed when it is issued; to change them, revoke it and issue another.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        secret = new_secret()
        obj.prefix = secret[:10]
        obj.key_hash = hash_secret(secret)
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            _("令牌已创建，请立即复制保存，此后将不再显示：%(secret)s") % {"secret": secret},
            messages.WARNING,
        )

    @admin.action(description=gettext_lazy("吊销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("已吊销%(count)d个令牌") % {"count": count})
