"""The job table of the embedded task backend: one row per enqueued task, claimed by a worker."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    PENDING = "pending", _("待执行")
    RUNNING = "running", _("执行中")
    DONE = "done", _("已完成")
    DEAD = "dead", _("已放弃")


class Job(models.Model):
    """A task waiting to run, running, done or given up; written in the enqueuing transaction.

    A failed run goes back to `pending` with `run_after` pushed back (exponential back-off) until
    `attempts` reaches the limit, then it is `dead` and waits for a person to retry it.
    """

    name = models.CharField(_("任务"), max_length=100)
    kwargs = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    run_after = models.DateTimeField(_("最早执行时间"))
    claimed_by = models.CharField(_("执行进程"), max_length=120, blank=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "run_after"], name="core_job_due")]

    def __str__(self) -> str:
        return f"{self.name}#{self.pk} {self.status}"
