from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finegrid.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create or update the demo city 示范市 (areas, units, catalogue, one login per role)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when FINEGRID_DEBUG is off (never on a real city's database).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates demo logins; run it with FINEGRID_DEBUG=1 or --allow-production."
            )
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("示范市 is ready. Demo logins / 演示账号:"))
        width = max(len(login.username) for login in logins)
        # Role labels last: CJK characters are double width and would break a column.
        for login in logins:
            self.stdout.write(
                f"  {login.username:<{width}}  {login.password}  {login.role.label} "
                f"({login.full_name}, {login.unit})"
            )
