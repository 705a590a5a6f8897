"""manage.py evaluate --scheme areas --period 2026-10 [--publish] [--corrects RUN]"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finegrid.evaluation.actions import EvaluationError, digest, evaluate, publish_run
from finegrid.evaluation.models import Run, Scheme
from finegrid.evaluation.periods import InvalidPeriod, Period
from finegrid.evaluation.specs import SchemeInvalid


class Command(BaseCommand):
    help = (
        "Evaluate schemes over a period (2026-W43, 2026-10, 2026-Q4, 2026): scores, grades and "
        "ranks of every subject, stored as a run with the cases behind every figure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2026-W43 | 2026-10 | 2026-Q4 | 2026")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--scheme", action="append", dest="schemes", metavar="CODE", help="repeatable"
        )
        which.add_argument(
            "--all",
            "--all-default",
            action="store_true",
            dest="all",
            help="every active scheme run for this kind of period",
        )
        parser.add_argument("--publish", action="store_true", help="publish the new runs")
        parser.add_argument("--corrects", type=int, metavar="RUN", help="a correction of run RUN")
        parser.add_argument("--note", default="", help="why this run (shown with a correction)")
        parser.add_argument(
            "--workers",
            type=int,
            help="processes to fold the cases in (default: FINEGRID_EVALUATION_WORKERS for big "
            "periods, one for small ones)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except InvalidPeriod as error:
            raise CommandError(str(error)) from None
        if options["all"]:
            schemes = [
                scheme
                for scheme in Scheme.objects.filter(active=True).order_by("code")
                if period.kind.value in scheme.period_kinds
            ]
        else:
            found = {s.code: s for s in Scheme.objects.filter(code__in=options["schemes"])}
            missing = [code for code in options["schemes"] if code not in found]
            if missing:
                raise CommandError(f"未知的考核办法：{'、'.join(missing)}")
            schemes = [found[code] for code in options["schemes"]]
        corrects = None
        if options["corrects"] is not None:
            corrects = Run.objects.filter(pk=options["corrects"]).first()
            if corrects is None:
                raise CommandError(f"批次#{options['corrects']}不存在")
        began = time.perf_counter()
        try:
            runs = evaluate(
                schemes=schemes,
                period=period,
                actor=None,
                corrects=corrects,
                note=options["note"],
                workers=options["workers"],
            )
            if options["publish"]:
                runs = [publish_run(run=run, actor=None) for run in runs]
        except SchemeInvalid as error:
            raise CommandError("；".join(error.problems)) from None
        except EvaluationError as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - began
        snapshot = runs[0].snapshot
        self.stdout.write(
            f"{period.code}: {snapshot.cases} cases, {snapshot.events} events read, "
            f"snapshot {snapshot.seconds:.2f} s with {snapshot.inputs.get('workers', 1)} "
            f"worker(s), total {seconds:.2f} s"
        )
        for run in runs:
            self.stdout.write(
                f"run #{run.pk} {run.scheme.code} v{run.scheme_version} [{run.status}]: "
                f"{run.results.count()} subjects, digest {digest(run)}"
            )
            for kind in run.scheme_spec["subject_kinds"]:
                top = run.results.filter(subject_kind=kind).order_by("rank", "code")[:3]
                listed = ", ".join(f"{r.rank}. {r.name} {r.score:.2f} {r.grade}" for r in top)
                self.stdout.write(f"  {kind}: {listed}")
