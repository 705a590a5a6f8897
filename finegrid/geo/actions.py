"""The only writers of areas: create, update and retire versions of administrative areas."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from finegrid.geo.models import Area, AreaClass, AreaLevel


def upsert_area(
    *,
    code: str,
    name: str,
    level: AreaLevel,
    parent: Area | None,
    area_class: AreaClass = AreaClass.ORDINARY,
    valid_from: dt.date = dt.date(2000, 1, 1),
) -> Area:
    """Create the current version of an area, or update its name, parent and class in place."""
    with transaction.atomic():
        area = Area.objects.current().filter(code=code).first() or Area(
            code=code, valid_from=valid_from
        )
        area.name = name
        area.level = level
        area.parent = parent
        area.area_class = area_class
        area.full_clean(exclude=["boundary"])
        area.save()
    return area
