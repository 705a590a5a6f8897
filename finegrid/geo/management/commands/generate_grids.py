from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from finegrid.geo.generation import GenerationError, GenerationOptions
from finegrid.geo.geometry import GeometryError
from finegrid.geo.grids import generate_grids
from finegrid.geo.models import Area


class Command(BaseCommand):
    help = (
        "Cut each community (or each street whose communities have no outline) into unit grids of "
        "about --cell-m2 square metres, clipped to the boundary, slivers merged, coded "
        "district+street+community+serial (west→east, north→south)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--within", metavar="CODE", help="Only under this area code (district, street...)."
        )
        parser.add_argument(
            "--cell-m2", type=float, default=10_000.0, help="Target grid size (default 10000)."
        )
        parser.add_argument(
            "--sliver-share",
            type=float,
            default=0.3,
            help="Merge pieces below this share of a cell (0.3).",
        )
        parser.add_argument(
            "--valid-from", type=dt.date.fromisoformat, help="YYYY-MM-DD (default today)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        within = None
        if options["within"]:
            within = Area.objects.current().filter(code=options["within"]).first()
            if within is None:
                raise CommandError(
                    f"没有代码为{options['within']}的现行区域 / no current area {options['within']}"
                )
        started = time.perf_counter()
        try:
            done = generate_grids(
                within=within,
                options=GenerationOptions(
                    cell_m2=options["cell_m2"], sliver_share=options["sliver_share"]
                ),
                valid_from=options["valid_from"] or timezone.localdate(),
            )
        except (GenerationError, GeometryError) as exc:
            raise CommandError(str(exc)) from None
        if not done:
            raise CommandError(
                "没有带边界的社区或街道可划分 / no community or street with an outline to cut"
            )
        for item in done:
            self.stdout.write(f"  {item.code} {item.name}: {item.grids}")
        total = sum(item.grids for item in done)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(done)} 个社区/街道，{total} 个网格，用时 {time.perf_counter() - started:.1f} 秒 "
                f"({len(done)} outlines, {total} grids)"
            )
        )
