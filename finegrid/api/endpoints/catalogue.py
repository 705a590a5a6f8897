"""The catalogue: categories (部件/事项) with their action tags and filing rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from finegrid.api import schemas as s
from finegrid.api.errors import not_found
from finegrid.api.output import category_out, filing_rule_out
from finegrid.api.schemas import Id
from finegrid.catalogue.models import ActionTag, Category, Kind

router = Router(tags=["catalogue"])


class CategoryFilters(Schema):
    kind: Kind | None = None
    q: str | None = NinjaField(None, max_length=60, description="code or name")
    tag: str | None = NinjaField(None, max_length=20, description="action tag code")


def _categories() -> Any:
    return (
        Category.objects.filter(is_active=True)
        .select_related("major", "department_type")
        .prefetch_related("action_tags")
    )


@router.get("/categories", response=list[s.CategoryOut], summary="问题类别 Categories")
def categories(request: HttpRequest, filters: Query[CategoryFilters]) -> list[dict[str, Any]]:
    rows = _categories()
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.q:
        text = filters.q.strip()
        rows = rows.filter(
            Q(code__startswith=text) | Q(name__icontains=text) | Q(major__name__icontains=text)
        )
    if filters.tag:
        rows = rows.filter(action_tags__code=filters.tag)
    return [category_out(c) for c in rows.order_by("kind", "code").distinct()]


@router.get(
    "/categories/{category_id}", response=s.CategoryDetail, summary="类别及立案条件 Category"
)
def category(request: HttpRequest, category_id: Id) -> dict[str, Any]:
    found = _categories().filter(pk=category_id).first()
    if found is None:
        raise not_found(_("类别不存在"))
    rules = found.filing_rules.filter(is_active=True).order_by("order")
    return {**category_out(found), "filing_rules": [filing_rule_out(r) for r in rules]}


@router.get("/action-tags", response=list[s.ActionTagOut], summary="七字行动标签 Action tags")
def action_tags(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"code": t.code, "char": t.char, "description": t.description}
        for t in ActionTag.objects.order_by("order")
    ]
