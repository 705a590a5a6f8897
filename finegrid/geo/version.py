"""The geography version: every writer of areas or grids bumps it; spatial indexes rebuild on change."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now

from finegrid.geo.models import GeoVersion


def bump_geo_version() -> int:
    """Increase the version inside the caller's transaction; returns the new number."""
    with transaction.atomic():
        # update() skips auto_now: stamp the time so a rolled-back bump never looks like a later one.
        updated = GeoVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=Now())
        if not updated:
            GeoVersion.objects.get_or_create(pk=1, defaults={"version": 1})
        return GeoVersion.objects.values_list("version", flat=True).get(pk=1)


def current_geo_version() -> int:
    return GeoVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0
