"""Write the API's OpenAPI schema to docs/api/openapi.json (or --output), as the test compares it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from finegrid.api.schema_file import SCHEMA_FILE, render_schema


class Command(BaseCommand):
    help = "Write the JSON API's OpenAPI schema (committed at docs/api/openapi.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / SCHEMA_FILE)

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render_schema(), encoding="utf-8")
        self.stdout.write(f"wrote {output}")
