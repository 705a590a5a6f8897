"""Units a case can be dispatched to (departments, street offices, community committees)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from finegrid.api import schemas as s
from finegrid.api.output import unit_out
from finegrid.cases.actions import RECEIVING_UNITS
from finegrid.org.models import Unit, UnitKind

router = Router(tags=["organisation"])


class UnitFilters(Schema):
    kind: UnitKind | None = None
    q: str | None = NinjaField(None, max_length=60)
    area: str | None = NinjaField(None, max_length=12, description="area code (and below)")


@router.get("", response=list[s.UnitOut], summary="处置单位 Departments")
def departments(request: HttpRequest, filters: Query[UnitFilters]) -> list[dict[str, Any]]:
    rows = Unit.objects.filter(is_active=True, kind__in=RECEIVING_UNITS).select_related(
        "department_type", "area"
    )
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.q:
        rows = rows.filter(name__icontains=filters.q.strip())
    if filters.area:
        rows = rows.filter(area__code__startswith=filters.area)
    return [unit_out(u) for u in rows.order_by("name")]
