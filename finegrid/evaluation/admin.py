"""Indicators, schemes and adjustments are edited in the admin; runs, snapshots and bulletins are
records: read-only here, made by the `evaluate` and `bulletin` commands and the ranking pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from finegrid.evaluation.actions import bump_version
from finegrid.evaluation.models import (
    Adjustment,
    Bulletin,
    Indicator,
    Run,
    Scheme,
    SchemeItem,
    Snapshot,
)
from finegrid.evaluation.specs import SchemeInvalid, check_scheme, item_specs


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin[Indicator]):
    list_display = ("code", "name", "kind", "numerator", "denominator", "unit", "direction")
    list_filter = ("kind", "direction")
    search_fields = ("code", "name", "name_en", "meaning")
    ordering = ("order", "code")


class SchemeItemFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    """Checks the whole scheme (weights add up to 100 %, indicators apply) before anything is saved."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            rows.append(
                {
                    "indicator": data["indicator"].code,
                    "weight": data["weight"],
                    "method": data["method"],
                    "bands": data.get("bands") or {},
                    "empty_score": data.get("empty_score", 100),
                }
            )
        scheme = self.instance
        try:
            check_scheme(
                subject_kinds=scheme.subject_kinds or [],
                period_kinds=scheme.period_kinds or [],
                grade_bands=scheme.grade_bands,
                items=item_specs(rows),
                indicators={i.code: i for i in Indicator.objects.all()},
            )
        except SchemeInvalid as error:
            raise ValidationError(error.problems) from None


class SchemeItemInline(admin.TabularInline[SchemeItem, Scheme]):
    model = SchemeItem
    formset = SchemeItemFormSet
    extra = 0
    fields = ("order", "indicator", "weight", "method", "bands", "empty_score")


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin[Scheme]):
    list_display = ("code", "name", "version", "active", "scheduled", "auto_publish", "updated_at")
    list_filter = ("active", "scheduled")
    search_fields = ("code", "name")
    readonly_fields = ("version", "updated_at")
    inlines = [SchemeItemInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            bump_version(form.instance)


@admin.register(Adjustment)
class AdjustmentAdmin(admin.ModelAdmin[Adjustment]):
    list_display = (
        "period",
        "scheme",
        "subject_kind",
        "subject_id",
        "points",
        "reason",
        "entered_by",
    )
    list_filter = ("scheme", "subject_kind", "period")
    search_fields = ("reason",)
    readonly_fields = ("entered_by", "entered_at")

    def save_model(self, request: HttpRequest, obj: Adjustment, form: Any, change: bool) -> None:
        if not change:
            obj.entered_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Run)
class RunAdmin(_ReadOnly, admin.ModelAdmin[Run]):
    list_display = ("pk", "scheme", "period", "status", "scheme_version", "computed_at", "corrects")
    list_filter = ("status", "period_kind", "scheme")
    search_fields = ("period", "note")

    def has_delete_permission(self, request: HttpRequest, obj: Run | None = None) -> bool:
        return False  # drafts are discarded from the ranking page; published runs stay forever


@admin.register(Snapshot)
class SnapshotAdmin(_ReadOnly, admin.ModelAdmin[Snapshot]):
    list_display = ("pk", "period", "computed_at", "cases", "events", "seconds")
    exclude = ("inputs",)

    def has_delete_permission(self, request: HttpRequest, obj: Snapshot | None = None) -> bool:
        return False


@admin.register(Bulletin)
class BulletinAdmin(_ReadOnly, admin.ModelAdmin[Bulletin]):
    list_display = ("year", "serial", "kind", "period", "issued_on", "created_at")
    list_filter = ("kind", "year")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Bulletin]:
        return super().get_queryset(request).prefetch_related("files")
