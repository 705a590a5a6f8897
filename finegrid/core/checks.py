"""System checks that `manage.py check --deploy` runs in addition to Django's own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key_from_environment(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "SECRET_KEY_FROM_ENV", False):
        return []
    return [
        Error(
            "FINEGRID_SECRET_KEY is not set: the key in use was generated under FINEGRID_VAR_DIR.",
            hint="Set FINEGRID_SECRET_KEY (50+ random characters) the same on every application server.",
            id="finegrid.E001",
        )
    ]


@register(Tags.database, deploy=True)
def check_production_database(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    engine = str(settings.DATABASES["default"]["ENGINE"])
    if engine.endswith("postgresql"):
        return []
    return [
        Error(
            "Production runs on PostgreSQL; DATABASE_URL names SQLite.",
            hint="Set DATABASE_URL=postgres://user:password@host:5432/finegrid.",
            id="finegrid.E002",
        )
    ]
