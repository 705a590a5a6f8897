"""Issue an API token from the command line and print its secret (shown this once only).

manage.py issue_token --service --source hotline --area 990100 --name "12345热线系统"
manage.py issue_token --user dispatcher --name "派遣脚本" [--role dispatcher] [--read-only]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finegrid.api.tokens import issue_personal_token, issue_service_token
from finegrid.cases.errors import InvalidInput
from finegrid.cases.models import Source
from finegrid.geo.models import Area
from finegrid.org.models import User
from finegrid.org.roles import Role


class Command(BaseCommand):
    help = "Issue a personal or service API token and print its secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="what the token is for")
        kind = parser.add_mutually_exclusive_group(required=True)
        kind.add_argument("--user", help="username: a personal token acting as this user")
        kind.add_argument("--service", action="store_true", help="a token for an integration")
        parser.add_argument("--source", choices=Source.values, help="service: the reports' source")
        parser.add_argument("--area", help="service: code of the area its reports must fall in")
        parser.add_argument(
            "--role",
            action="append",
            choices=[r.value for r in Role],
            default=[],
            help="personal: act with only this role (repeatable)",
        )
        parser.add_argument("--read-only", action="store_true", help="personal: reads only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["service"]:
                if not options["source"] or not options["area"]:
                    raise CommandError("--service needs --source and --area")
                area = Area.objects.filter(code=options["area"]).first()
                if area is None:
                    raise CommandError(f"no area with code {options['area']}")
                _token, secret = issue_service_token(
                    name=options["name"], source=Source(options["source"]), area=area
                )
            else:
                user = User.objects.filter(username=options["user"]).first()
                if user is None:
                    raise CommandError(f"no user {options['user']}")
                _token, secret = issue_personal_token(
                    user=user,
                    name=options["name"],
                    roles=[Role(r) for r in options["role"]],
                    read_only=options["read_only"],
                )
        except InvalidInput as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        self.stdout.write(secret)
