"""The job table in the admin: read-only, with one action to run given-up jobs again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from finegrid.core.models import Job
from finegrid.core.tasks import retry_job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ("pk", "name", "status", "attempts", "run_after", "claimed_by", "finished_at")
    list_filter = ("status", "name")
    search_fields = ("name", "last_error")
    date_hierarchy = "created_at"
    readonly_fields = (
        "name",
        "kwargs",
        "status",
        "attempts",
        "run_after",
        "claimed_by",
        "claimed_at",
        "finished_at",
        "last_error",
        "created_at",
    )
    actions = ("retry_now",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        # Viewable, never editable: jobs change only through the worker and the retry action.
        return False

    @admin.action(description=_("立即重新执行所选任务"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        retried = sum(retry_job(job_id=job.pk) for job in queryset)
        self.message_user(
            request,
            gettext("已重新排队%(count)d个任务（正在执行或已完成的任务不受影响）")
            % {"count": retried},
            messages.SUCCESS,
        )
