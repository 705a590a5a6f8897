from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finegrid.geo.coverage import TOLERANCE_M2, TOLERANCE_WIDTH_M, check_community
from finegrid.geo.models import Area, AreaLevel


class Command(BaseCommand):
    help = (
        "Report gaps, overlaps and grids crossing their community's boundary (ignoring pieces under "
        f"{TOLERANCE_M2} m² or narrower than {TOLERANCE_WIDTH_M} m), "
        "naming the offending grid codes. Exits 1 when there is any violation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--within", metavar="CODE", help="Only communities under this area code."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        communities = Area.objects.current().filter(
            level=AreaLevel.COMMUNITY, boundary__isnull=False
        )
        if options["within"]:
            communities = communities.filter(code__startswith=options["within"])
        checked, violations = 0, []
        for community in communities.order_by("code"):
            checked += 1
            violations.extend(check_community(community))
        for violation in violations:
            self.stdout.write(violation.describe())
        summary = f"检查 {checked} 个社区，发现 {len(violations)} 处问题 ({checked} communities, {len(violations)} violations)"
        if violations:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
