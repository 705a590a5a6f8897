"""Routing rules in the admin: a city edits which department a category and an area go to."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finegrid.dispatch.models import RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    list_display = ("category_label", "area_label", "department", "note", "is_active")
    list_filter = ("is_active", "category__kind", "department__kind")
    search_fields = (
        "category__code",
        "category__name",
        "area__code",
        "area__name",
        "department__name",
        "note",
    )
    list_select_related = ("category", "area", "department")
    autocomplete_fields = ("category", "area", "department")
    fields = ("category", "area", "department", "note", "is_active")

    @admin.display(description=_("类别"), ordering="category__code")
    def category_label(self, obj: RoutingRule) -> str:
        return str(obj.category) if obj.category is not None else str(_("所有类别"))

    @admin.display(description=_("区域"), ordering="area__code")
    def area_label(self, obj: RoutingRule) -> str:
        return f"{obj.area.code} {obj.area.name}" if obj.area is not None else str(_("全市"))
