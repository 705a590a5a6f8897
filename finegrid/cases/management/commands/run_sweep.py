"""`manage.py run_sweep [--now ISO]`: one sweep of the running clocks, for cron or by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from finegrid.cases.sweep import sweep


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now {value!r} is not an ISO 8601 time, e.g. 2026-11-16T10:30:00+08:00"
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "Sweep the open cases once: queue reminders for steps past 80 % of their limit, "
        "escalations for steps past their deadline, and resume reminders for suspended cases "
        "whose date has come. Running it again queues nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="the moment to sweep at, ISO 8601 (default: now; a time without offset is local)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = _moment(options["now"]) if options["now"] else timezone.now()
        report = sweep(now=now)
        self.stdout.write(
            f"checked {report.checked} running cases at {timezone.localtime(now).isoformat()}: "
            f"{report.reminders} reminder, {report.escalations} escalation and "
            f"{report.resume_reminders} resume messages queued"
        )
