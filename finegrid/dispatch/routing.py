"""Propose the department for a case, with the reason the dispatcher sees.

Order: the component's owner department (a component code on the case); then routing rules, the
most specific first (category and the deepest area, then category anywhere, then area for any
category); then a unit of the category's department type responsible for the case's area (the
district's before the city's); then the street office of the place (属地兜底).
Inactive rules and inactive units are never proposed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from finegrid.cases.models import Case
from finegrid.catalogue.models import Component
from finegrid.dispatch.models import RoutingRule
from finegrid.org.models import Unit, UnitKind

#: Units a category's department type may name: departments, and street offices for the matters
#: the catalogue gives to the street itself (its type is 属地街道).
TYPED_UNIT_KINDS = (UnitKind.DEPARTMENT, UnitKind.STREET_OFFICE)


@dataclass(frozen=True)
class Proposal:
    department: Unit | None
    reason: str
    rule_id: int | None = None


def _area_depth(rule: RoutingRule) -> int:
    return len(rule.area.code) if rule.area is not None else 0


def _by_component(case: Case) -> Proposal | None:
    if not case.component_code:
        return None
    component = Component.objects.filter(code=case.component_code).select_related("owner").first()
    if component is None or component.owner is None or not component.owner.is_active:
        return None
    return Proposal(
        component.owner,
        _("部件%(code)s的主管部门：%(unit)s")
        % {"code": case.component_code, "unit": component.owner.name},
    )


def _by_rule(case: Case) -> Proposal | None:
    rules = [
        rule
        for rule in RoutingRule.objects.filter(is_active=True, department__is_active=True)
        .select_related("area", "department", "category")
        .order_by("pk")
        if (rule.category_id is None or rule.category_id == case.category_id)
        and (rule.area is None or case.area_code.startswith(rule.area.code_prefix))
    ]
    if not rules:
        return None
    # Equally specific rules: the oldest wins, so the proposal never depends on row order.
    best = min(rules, key=lambda r: (r.category_id is None, -_area_depth(r), r.pk))
    return Proposal(
        best.department, _("派遣规则：%(rule)s") % {"rule": best.note or str(best)}, best.pk
    )


def _by_department_type(case: Case) -> Proposal | None:
    if case.category is None:
        return None
    candidates = Unit.objects.filter(
        kind__in=TYPED_UNIT_KINDS,
        department_type_id=case.category.department_type_id,
        is_active=True,
    ).select_related("area", "department_type")
    local = [u for u in candidates if case.area_code.startswith(u.area.code_prefix)]
    if not local:
        return None
    # The deepest area first: a district's bureau before the city's; then by name, for a stable pick.
    unit = min(local, key=lambda u: (-len(u.area.code_prefix), u.name))
    return Proposal(
        unit,
        _("类别“%(category)s”由%(type)s部门负责，%(unit)s的辖区包含事发地")
        % {
            "category": case.category.name,
            "type": unit.department_type.name if unit.department_type else "",
            "unit": unit.name,
        },
    )


def _by_place(case: Case) -> Proposal | None:
    if case.street_id is None:
        return None
    office = (
        Unit.objects.filter(kind=UnitKind.STREET_OFFICE, area_id=case.street_id, is_active=True)
        .order_by("name")
        .first()
    )
    if office is None:
        return None
    return Proposal(office, _("属地兜底：事发地所在街道"))


def propose_department(case: Case) -> Proposal:
    for propose in (_by_component, _by_rule, _by_department_type, _by_place):
        proposal = propose(case)
        if proposal is not None:
            return proposal
    return Proposal(None, _("没有可建议的处置单位，请派遣员选择"))
