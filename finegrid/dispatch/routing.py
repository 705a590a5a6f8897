"""Propose the department for a case, with the reason the dispatcher sees.

Order: the component's owner department (a component code on the case); then routing rules, the
most specific first (category and the deepest area, then category anywhere, then area for any
category); then a department of the category's type responsible for the case's area (the
district's before the city's); then the street office of the place (属地兜底).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from finegrid.cases.models import Case
from finegrid.catalogue.models import Component
from finegrid.dispatch.models import RoutingRule
from finegrid.org.models import Unit, UnitKind


@dataclass(frozen=True)
class Proposal:
    department: Unit | None
    reason: str
    rule_id: int | None = None


def _area_depth(rule: RoutingRule) -> int:
    return len(rule.area.code) if rule.area is not None else 0


def propose_department(case: Case) -> Proposal:
    if case.component_code:
        component = (
            Component.objects.filter(code=case.component_code).select_related("owner").first()
        )
        if component is not None and component.owner is not None:
            return Proposal(
                component.owner, _("部件%(code)s的主管部门") % {"code": case.component_code}
            )

    rules = [
        rule
        for rule in RoutingRule.objects.filter(is_active=True).select_related(
            "area", "department", "category"
        )
        if (rule.category_id is None or rule.category_id == case.category_id)
        and (rule.area is None or case.area_code.startswith(rule.area.code_prefix))
    ]
    if rules:
        best = max(rules, key=lambda r: (r.category_id is not None, _area_depth(r)))
        return Proposal(
            best.department, _("派遣规则：%(rule)s") % {"rule": best.note or str(best)}, best.pk
        )

    if case.category is not None:
        candidates = Unit.objects.filter(
            kind=UnitKind.DEPARTMENT,
            department_type_id=case.category.department_type_id,
            is_active=True,
        ).select_related("area")
        local = [u for u in candidates if case.area_code.startswith(u.area.code_prefix)]
        if local:
            unit = max(local, key=lambda u: len(u.area.code_prefix))
            return Proposal(
                unit,
                _("类别“%(category)s”的责任部门类型，负责该区域")
                % {"category": case.category.name},
            )

    if case.street_id is not None:
        office = Unit.objects.filter(
            kind=UnitKind.STREET_OFFICE, area_id=case.street_id, is_active=True
        ).first()
        if office is not None:
            return Proposal(office, _("属地兜底：事发地所在街道"))
    return Proposal(None, _("没有可建议的处置单位，请派遣员选择"))
