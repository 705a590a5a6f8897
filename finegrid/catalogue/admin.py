"""The catalogue in the admin: categories with their filing rules and limits, legacy codes, components."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from finegrid.catalogue.models import (
    ActionTag,
    Category,
    Component,
    FilingRule,
    FilingRuleLimit,
    LegacyCategory,
    MajorClass,
    format_limit,
)


@admin.register(MajorClass)
class MajorClassAdmin(admin.ModelAdmin[MajorClass]):
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(ActionTag)
class ActionTagAdmin(admin.ModelAdmin[ActionTag]):
    list_display = ("char", "code", "description", "order")
    ordering = ("order",)


class FilingRuleInline(admin.TabularInline[FilingRule, Category]):
    model = FilingRule
    extra = 0
    fields = (
        "order",
        "condition",
        "limit_amount",
        "limit_unit",
        "urgency_limits",
        "closing_criterion",
        "is_active",
    )
    readonly_fields = ("urgency_limits",)
    # The urgency limits of a rule are edited on the rule's own page (a second inline there).
    show_change_link = True

    @admin.display(description=_("分级时限"))
    def urgency_limits(self, obj: FilingRule) -> str:
        if obj.pk is None:
            return "-"
        return "；".join(str(row) for row in obj.limits.all()) or "-"

    def get_queryset(self, request: HttpRequest) -> QuerySet[FilingRule]:
        return super().get_queryset(request).prefetch_related("limits")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = (
        "code",
        "name",
        "kind",
        "major",
        "department_type",
        "tags",
        "rule_count",
        "default_limit",
        "is_active",
    )
    list_filter = ("kind", "major", "department_type", "action_tags", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("major", "department_type")
    filter_horizontal = ("action_tags",)
    autocomplete_fields = ("department_type",)
    inlines = (FilingRuleInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        rules = FilingRule.objects.filter(is_active=True).order_by("order")
        return (
            super()
            .get_queryset(request)
            .annotate(filing_rule_count=Count("filing_rules", distinct=True))
            .prefetch_related(
                "action_tags", Prefetch("filing_rules", queryset=rules, to_attr="active_rules")
            )
        )

    @admin.display(description=_("行动标签"))
    def tags(self, obj: Category) -> str:
        return "".join(tag.char for tag in obj.action_tags.all())

    @admin.display(description=_("立案条件数"), ordering="filing_rule_count")
    def rule_count(self, obj: Category) -> int:
        return int(getattr(obj, "filing_rule_count", 0))

    @admin.display(description=_("默认处置时限"))
    def default_limit(self, obj: Category) -> str:
        """The first active rule's default limit: what a case filed in this category usually gets."""
        rules: list[FilingRule] = getattr(obj, "active_rules", [])
        if not rules:
            return "-"
        return format_limit(rules[0].limit_amount, rules[0].limit_unit)


class FilingRuleLimitInline(admin.TabularInline[FilingRuleLimit, FilingRule]):
    model = FilingRuleLimit
    extra = 0
    max_num = 3


@admin.register(FilingRule)
class FilingRuleAdmin(admin.ModelAdmin[FilingRule]):
    list_display = ("category", "order", "condition", "default_limit", "is_active")
    list_filter = ("category__kind", "limit_unit", "is_active", "category__major")
    search_fields = ("category__code", "category__name", "condition")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)
    inlines = (FilingRuleLimitInline,)

    @admin.display(description=_("默认处置时限"))
    def default_limit(self, obj: FilingRule) -> str:
        return obj.default_limit


@admin.register(LegacyCategory)
class LegacyCategoryAdmin(admin.ModelAdmin[LegacyCategory]):
    list_display = (
        "legacy_code",
        "minor_name",
        "major_name",
        "kind",
        "source",
        "maps_to",
        "match_method",
    )
    list_filter = ("source", "kind", "match_method")
    search_fields = ("legacy_code", "minor_name", "maps_to__code", "maps_to__name")
    list_select_related = ("maps_to",)
    autocomplete_fields = ("maps_to",)


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin[Component]):
    list_display = ("code", "name", "category", "status", "grid_code", "owner_name", "changed_on")
    list_filter = ("status", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name")
    list_select_related = ("category",)
    autocomplete_fields = ("owner", "maintainer")
    # The category follows from the code's digits 7-11 (Component.clean), so it is not typed in.
    readonly_fields = ("category",)
    fieldsets = (
        (None, {"fields": ("code", "category", "name", "status")}),
        (
            _("位置"),
            {
                "fields": (
                    "lon",
                    "lat",
                    "grid_code",
                    "street_code",
                    "street_name",
                    "community_code",
                    "community_name",
                )
            },
        ),
        (
            _("责任单位"),
            {
                "fields": (
                    "owner",
                    "owner_name",
                    "owner_credit_code",
                    "proprietor_name",
                    "proprietor_credit_code",
                    "maintainer",
                    "maintainer_name",
                    "maintainer_credit_code",
                )
            },
        ),
        (_("普查"), {"fields": ("surveyed_on", "changed_on", "data_source", "remarks")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Changing a code would make it another asset: fixed once created.
        return ("category", "code") if obj is not None else ("category",)
