"""manage.py demo_rankings: rankings and bulletins of the demo city's simulated cases.

Evaluates every default scheme for the last two weeks, last month and this month (publishing the
periods that have ended), then issues last month's ranking bulletin as docx, xlsx and pdf.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from finegrid.evaluation.actions import evaluate, publish_run
from finegrid.evaluation.bulletins import build, issue, render, runs_for
from finegrid.evaluation.models import Run, Scheme
from finegrid.evaluation.periods import Period, PeriodKind


class Command(BaseCommand):
    help = "Rank the demo city's simulated month and issue its bulletin (docx, xlsx, pdf)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when runs already exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Run.objects.exists():
            self.stdout.write("已有考核批次，跳过（--if-empty）")
            return
        now = timezone.now()
        today = timezone.localdate(now)
        this_week = Period.containing(PeriodKind.WEEK, today)
        this_month = Period.containing(PeriodKind.MONTH, today)
        periods = [
            this_week.previous().previous(),
            this_week.previous(),
            this_month.previous(),
            this_month,
        ]
        for period in periods:
            schemes = [
                s
                for s in Scheme.objects.filter(active=True).order_by("code")
                if period.kind.value in s.period_kinds
            ]
            if not schemes:
                raise CommandError("没有启用的考核办法")
            runs = evaluate(schemes=schemes, period=period, actor=None, now=now)
            if period.is_closed(now):
                runs = [publish_run(run=run, actor=None, now=now) for run in runs]
            state = "已发布" if period.is_closed(now) else "草稿"
            self.stdout.write(f"{period.label}: {len(runs)} 个考核批次（{state}）")
        month = this_month.previous()
        bulletin = issue(month, runs_for(month), now=now)
        built = build(bulletin)
        for fmt in ("docx", "xlsx", "pdf"):
            stored = render(bulletin, fmt, built)
            self.stdout.write(f"{built.document_number} {built.title}.{fmt}: {stored.file.name}")
