"""Reads of the organisation, scoped to what a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from finegrid.geo.models import Area
from finegrid.org.models import User


def scope_areas(*, user: User) -> QuerySet[Area]:
    """The areas a user answers for: their own list, else their unit's area."""
    own = user.areas.all()
    if own.exists():
        return own
    if user.unit_id is not None:
        return Area.objects.filter(pk=user.unit.area_id) if user.unit else Area.objects.none()
    return Area.objects.none()
