"""The admin's view of campaigns: a read-only audit of plans, tasks and their records.

Plans, tasks, rounds and index trees are written through the campaign pages and the actions
(finegrid.campaigns.actions / inspections / assessment); the admin never writes them, so every
change keeps its event and its checks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from finegrid.campaigns.models import (
    AcceptanceRequest,
    IndexNode,
    IndexTree,
    InspectionRound,
    InspectionTemplate,
    Plan,
    Site,
    SiteType,
    SupervisionNotice,
    Task,
    TaskEvent,
    TemplateItem,
)


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TaskEventInline(_ReadOnly, admin.TabularInline[TaskEvent, Task]):
    model = TaskEvent
    fields = ("seq", "action", "actor", "at", "note", "hash")
    readonly_fields = fields
    extra = 0


@admin.register(Plan)
class PlanAdmin(_ReadOnly, admin.ModelAdmin[Plan]):
    list_display = ("title", "kind", "document_no", "issuer", "starts_on", "ends_on")
    list_filter = ("kind",)
    search_fields = ("title", "document_no")


@admin.register(Task)
class TaskAdmin(_ReadOnly, admin.ModelAdmin[Task]):
    list_display = ("number", "title", "plan", "lead_unit", "responsible", "deadline", "status")
    list_filter = ("status", "kind", "plan")
    search_fields = ("number", "title")
    inlines = (TaskEventInline,)


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(_ReadOnly, admin.ModelAdmin[SupervisionNotice]):
    list_display = ("number", "task", "issued_by", "issued_at", "reply_due", "status")
    list_filter = ("status",)


@admin.register(AcceptanceRequest)
class AcceptanceRequestAdmin(_ReadOnly, admin.ModelAdmin[AcceptanceRequest]):
    list_display = ("task", "requested_by", "requested_at", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)


@admin.register(SiteType)
class SiteTypeAdmin(_ReadOnly, admin.ModelAdmin[SiteType]):
    list_display = ("tag", "name")


@admin.register(Site)
class SiteAdmin(_ReadOnly, admin.ModelAdmin[Site]):
    list_display = ("name", "site_type", "district", "street", "responsible_unit", "is_active")
    list_filter = ("site_type", "is_active")
    search_fields = ("name", "address")


class TemplateItemInline(_ReadOnly, admin.TabularInline[TemplateItem, InspectionTemplate]):
    model = TemplateItem
    fields = ("number", "standard", "points", "photo_required", "category", "content")
    readonly_fields = fields
    extra = 0


@admin.register(InspectionTemplate)
class InspectionTemplateAdmin(_ReadOnly, admin.ModelAdmin[InspectionTemplate]):
    list_display = ("name",)
    inlines = (TemplateItemInline,)


@admin.register(InspectionRound)
class InspectionRoundAdmin(_ReadOnly, admin.ModelAdmin[InspectionRound]):
    list_display = ("name", "kind", "template", "starts_on", "ends_on", "status")
    list_filter = ("kind", "status")


class IndexNodeInline(_ReadOnly, admin.TabularInline[IndexNode, IndexTree]):
    model = IndexNode
    fields = ("code", "level", "title", "points", "method")
    readonly_fields = fields
    extra = 0


@admin.register(IndexTree)
class IndexTreeAdmin(_ReadOnly, admin.ModelAdmin[IndexTree]):
    list_display = ("name", "year", "imported_at")
    inlines = (IndexNodeInline,)
