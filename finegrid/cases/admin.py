"""Cases in the admin, read-only (every write goes through `finegrid.cases.actions`), and the step limits.

A case page shows its events and attachments; the citizen's contact never appears in the list and
is masked on the page unless the user may see it (`cases.view_citizen_contact`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from finegrid.cases import timers
from finegrid.cases.access import can_view_citizen_contact, visibility
from finegrid.cases.models import (
    STATUS_LABELS,
    Case,
    CaseAttachment,
    CaseEvent,
    StepLimit,
)
from finegrid.cases.workflow import Status
from finegrid.catalogue.models import format_limit
from finegrid.org.models import User
from finegrid.org.roles import ROLE_LABELS, Role

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec

LIGHT_LABELS: dict[str, Promise] = {
    "green": _("绿灯"),
    "yellow": _("黄灯"),
    "red": _("红灯"),
}

#: The steps whose limits a city sets here; the disposal limit comes from the filing rule instead.
STEP_LABELS: dict[str, Promise] = {
    "accept": _("受理"),
    "verify": _("核实"),
    "file": _("立案"),
    "review": _("自处理审核"),
    "dispatch": _("派遣"),
    "send_check": _("派发核查"),
    "check": _("核查"),
    "close": _("结案"),
    "reopen": _("结案后可重新开启的期限"),
}


def _status_label(value: str) -> str:
    try:
        return str(STATUS_LABELS[Status(value)])
    except ValueError:
        return value


class _ReadOnlyInline:
    """An inline of a case's own records: shown to whoever may view the case, never edited."""

    extra: int = 0
    max_num: int | None = 0
    can_delete: bool = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("cases.view_case")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseEventInline(_ReadOnlyInline, admin.TabularInline[CaseEvent, Case]):
    model = CaseEvent
    verbose_name = _("流转记录")
    verbose_name_plural = _("流转记录")
    fields = ("seq", "action", "transition", "actor", "role", "at", "note")
    readonly_fields = fields
    ordering = ("seq",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseEvent]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("状态变化"))
    def transition(self, obj: CaseEvent) -> str:
        before = _status_label(obj.from_status) if obj.from_status else "—"
        return f"{before} → {_status_label(obj.to_status)}"

    @admin.display(description=_("岗位"))
    def role(self, obj: CaseEvent) -> str:
        try:
            return str(ROLE_LABELS[Role(obj.actor_role)])
        except ValueError:
            return obj.actor_role or "—"


class CaseAttachmentInline(_ReadOnlyInline, admin.TabularInline[CaseAttachment, Case]):
    model = CaseAttachment
    verbose_name = _("附件")
    verbose_name_plural = _("附件")
    fields = ("kind", "file", "content_type", "size", "step", "uploaded_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseAttachment]:
        return super().get_queryset(request).select_related("event")

    @admin.display(description=_("所属环节"))
    def step(self, obj: CaseAttachment) -> str:
        return f"#{obj.event.seq} {obj.event.get_action_display()}" if obj.event else "—"


_CASE_FIELDSETS: list[tuple[StrOrPromise | None, tuple[str, ...]]] = [
    (None, ("case_no", "status", "source", "light", "supervised", "version")),
    (_("上报"), ("reporter", "CITIZEN", "self_handled", "reported_at", "description")),
    (
        _("事发位置"),
        ("address", "lonlat", "district", "street", "community", "grid", "component_code"),
    ),
    (_("立案与派遣"), ("category", "filing_rule", "urgency", "department", "inspector")),
    (
        _("时限"),
        (
            "step_started_at",
            "step_deadline",
            "disposal_deadline",
            "suspended_until",
            "extension_count",
            "rework_count",
            "closed_at",
        ),
    ),
]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    list_display = (
        "case_no",
        "status",
        "light",
        "source",
        "category",
        "district",
        "street",
        "department",
        "reported_at",
        "step_deadline",
        "supervised",
    )
    list_filter = (
        "status",
        "source",
        ("district", admin.RelatedOnlyFieldListFilter),
        "supervised",
        "self_handled",
    )
    search_fields = ("case_no", "address")
    list_select_related = ("category", "district", "street", "department")
    date_hierarchy = "reported_at"
    inlines = (CaseEventInline, CaseAttachmentInline)
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        # The one selector of what a user may see; a superuser sees every case.
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return queryset
        if not isinstance(user, User) or not user.is_active:
            return queryset.none()
        return queryset.filter(visibility(user))

    def _case_fields(self, request: HttpRequest) -> list[tuple[StrOrPromise | None, list[str]]]:
        user = request.user
        full = isinstance(user, User) and can_view_citizen_contact(user)
        citizen = "citizen_contact" if full else "citizen_masked"
        return [
            (title, [citizen if f == "CITIZEN" else f for f in fields])
            for title, fields in _CASE_FIELDSETS
        ]

    def get_fieldsets(self, request: HttpRequest, obj: Case | None = None) -> _FieldsetSpec:
        return [(title, {"fields": tuple(fields)}) for title, fields in self._case_fields(request)]

    def get_readonly_fields(self, request: HttpRequest, obj: Case | None = None) -> list[str]:
        # Everything is shown read-only: no form field is ever built for a case.
        return [f for _title, fields in self._case_fields(request) for f in fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False

    @admin.display(description=_("红黄绿灯"))
    def light(self, obj: Case) -> str:
        light = timers.traffic_light(obj, timezone.now())
        return str(LIGHT_LABELS[light]) if light else "—"

    @admin.display(description=_("经纬度"))
    def lonlat(self, obj: Case) -> str:
        return f"{obj.lon:.6f}, {obj.lat:.6f}"

    @admin.display(description=_("市民联系方式"))
    def citizen_masked(self, obj: Case) -> str:
        contact = obj.citizen
        if contact is None:
            return "—"
        return f"{contact.masked_name()} {contact.masked_phone() if contact.phone else ''}".strip()

    @admin.display(description=_("市民联系方式"))
    def citizen_contact(self, obj: Case) -> str:
        contact = obj.citizen
        if contact is None:
            return "—"
        return f"{contact.name} {contact.phone}".strip()


class StepLimitForm(forms.ModelForm[StepLimit]):
    step = forms.ChoiceField(label=_("环节"), choices=[])

    class Meta:
        model = StepLimit
        fields = ("step", "amount", "unit")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("step")
        if isinstance(field, forms.ChoiceField):  # absent on a change page, where step is read-only
            taken = set(StepLimit.objects.values_list("step", flat=True))
            field.choices = [(s, label) for s, label in STEP_LABELS.items() if s not in taken]


@admin.register(StepLimit)
class StepLimitAdmin(admin.ModelAdmin[StepLimit]):
    form = StepLimitForm
    list_display = ("step_label", "amount", "unit", "limit")
    list_display_links = ("step_label",)
    list_editable = ("amount", "unit")
    ordering = ("pk",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: StepLimit | None = None
    ) -> tuple[str, ...]:
        # A row's step is what the code looks it up by: change its limit, never its name.
        return ("step",) if obj is not None else ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        missing = set(STEP_LABELS) - set(StepLimit.objects.values_list("step", flat=True))
        return bool(missing) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: StepLimit | None = None) -> bool:
        # Without its row a step silently falls back to the code's default: edit it instead.
        return False

    @admin.display(description=_("环节"), ordering="step")
    def step_label(self, obj: StepLimit) -> str:
        return str(STEP_LABELS.get(obj.step, obj.step))

    @admin.display(description=_("时限"))
    def limit(self, obj: StepLimit) -> str:
        return format_limit(obj.amount, obj.unit)
