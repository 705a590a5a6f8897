"""manage.py bulletin --period 2026-10 [--formats docx,xlsx,pdf] [--out DIR]"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finegrid.evaluation.bulletins import NoRuns, build, issue, kind_of, render, runs_for
from finegrid.evaluation.periods import InvalidPeriod, Period

FORMAT_NAMES = ("docx", "xlsx", "pdf")


class Command(BaseCommand):
    help = (
        "Issue the bulletin of a period (weekly 周通报 for 2026-W43, monthly 月排名 for 2026-10, "
        "quarterly 季考核 for 2026-Q4, yearly for 2026) from its current runs, and render it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2026-W43 | 2026-10 | 2026-Q4 | 2026")
        parser.add_argument(
            "--kind",
            choices=["weekly", "monthly", "quarterly", "yearly"],
            help="must match the period (derived from it when left out)",
        )
        parser.add_argument("--formats", default="docx,xlsx,pdf", help="comma-separated")
        parser.add_argument("--out", type=Path, help="also copy the files into this folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except InvalidPeriod as error:
            raise CommandError(str(error)) from None
        kind = kind_of(period)
        if options["kind"] and options["kind"] != kind.value:
            raise CommandError(
                f"{period.code} 对应的通报类型是 {kind.value}，不是 {options['kind']}"
            )
        formats = [f.strip() for f in options["formats"].split(",") if f.strip()]
        unknown = [f for f in formats if f not in FORMAT_NAMES]
        if unknown or not formats:
            raise CommandError(f"未知的格式：{'、'.join(unknown) or '—'}（可选 docx、xlsx、pdf）")
        began = time.perf_counter()
        try:
            bulletin = issue(period, runs_for(period))
        except NoRuns as error:
            raise CommandError(str(error)) from None
        built = build(bulletin)
        self.stdout.write(
            f"{built.document_number} {built.title}: content {time.perf_counter() - began:.2f} s"
        )
        for fmt in formats:
            stored = render(bulletin, fmt, built)
            self.stdout.write(f"  {fmt}: {stored.size / 1024:.0f} KiB, {stored.seconds:.2f} s")
            if options["out"]:
                options["out"].mkdir(parents=True, exist_ok=True)
                target = options["out"] / Path(str(stored.file.name)).name
                with stored.file.open("rb") as source, target.open("wb") as copy:
                    shutil.copyfileobj(source, copy)
                self.stdout.write(f"    -> {target}")
        self.stdout.write(f"total {time.perf_counter() - began:.2f} s")
