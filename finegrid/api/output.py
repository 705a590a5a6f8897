"""Rows to API output. What a caller may see of a case (a citizen's name and phone) is decided here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from finegrid.api.auth import Principal
from finegrid.cases.access import can_view_citizen_contact
from finegrid.cases.models import ACTION_LABELS, STATUS_LABELS, Case, Source
from finegrid.cases.selectors import actions_available, step_light
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import Category, FilingRule, format_limit
from finegrid.geo.models import Area, Grid
from finegrid.org.models import Unit, User
from finegrid.org.roles import roles_of

CASE_RELATED = (
    "category",
    "department",
    "inspector",
    "grid",
    "district",
    "street",
    "community",
)


def with_related(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with what their output names, without the outlines of their grid and areas."""
    return cases.select_related(*CASE_RELATED).defer(
        *(f"{place}__boundary" for place in ("grid", "district", "street", "community"))
    )


def area_out(area: Area | None) -> dict[str, Any] | None:
    if area is None:
        return None
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "parent_code": area.parent.code if area.parent_id and area.parent else None,
        "area_class": area.area_class,
    }


def grid_out(grid: Grid | None) -> dict[str, Any] | None:
    if grid is None:
        return None
    return {
        "code": grid.code,
        "community_code": grid.community.code,
        "area_m2": grid.area_m2,
        "land_use": grid.land_use,
        "responsible_unit": grid.responsible_unit.name if grid.responsible_unit else None,
    }


def unit_out(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "level": unit.level,
        "department_type": unit.department_type.name if unit.department_type else None,
        "area_code": unit.area.code if unit.area else None,
    }


def user_out(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "name": str(user),
        "unit": unit_out(user.unit) if user.unit else None,
        "roles": sorted(roles_of(user)),
    }


def filing_rule_out(rule: FilingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "order": rule.order,
        "condition": rule.condition,
        "limit": format_limit(rule.limit_amount, rule.limit_unit),
        "limit_amount": rule.limit_amount,
        "limit_unit": rule.limit_unit,
        "closing_criterion": rule.closing_criterion,
    }


def category_out(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "kind": category.kind,
        "code": category.code,
        "name": category.name,
        "major_code": category.major.code,
        "major_name": category.major.name,
        "department_type": category.department_type.name,
        "action_tags": [tag.code for tag in category.action_tags.all()],
    }


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Times in the city's zone, however the row was obtained (fresh from an action or read)."""
    return None if moment is None else timezone.localtime(moment)


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "case_no": case.case_no,
        "version": case.version,
        "status": case.status,
        "status_label": str(STATUS_LABELS[case.status_enum]),
        "source": case.source,
        "source_label": str(Source(case.source).label),
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "grid": case.grid.code if case.grid else None,
        "area_code": case.area_code,
        "district": case.district.name,
        "street": case.street.name if case.street else None,
        "community": case.community.name if case.community else None,
        "category": (
            {
                "id": case.category.pk,
                "kind": case.category.kind,
                "code": case.category.code,
                "name": case.category.name,
            }
            if case.category
            else None
        ),
        "urgency": case.urgency,
        "department": (
            {"id": case.department.pk, "name": case.department.name} if case.department else None
        ),
        "inspector": (
            {"id": case.inspector.pk, "name": str(case.inspector)} if case.inspector else None
        ),
        "supervised": case.supervised,
        "self_handled": case.self_handled,
        "rework_count": case.rework_count,
        "reported_at": _local(case.reported_at),
        "step_deadline": _local(case.step_deadline),
        "disposal_deadline": _local(case.disposal_deadline),
        "closed_at": _local(case.closed_at),
        "light": step_light(case),
    }


def actions_for(principal: Principal, case: Case) -> list[str]:
    """Exactly the actions this caller may take on this case now (none for a service token)."""
    if principal.user is None:
        return []
    return [action.value for action in actions_available(principal.user, case)]


def attachment_url(case: Case, attachment_id: int) -> str:
    return reverse(
        "api:case_attachment", kwargs={"case_id": case.pk, "attachment_id": attachment_id}
    )


def case_detail(principal: Principal, case: Case) -> dict[str, Any]:
    from finegrid.dispatch.routing import propose_department

    out = case_out(case)
    citizen = None
    if case.citizen_id is not None and case.citizen is not None:
        full = principal.user is not None and can_view_citizen_contact(principal.user)
        contact = case.citizen
        citizen = {
            "name": contact.name if full else contact.masked_name(),
            "phone": contact.phone if full else contact.masked_phone(),
            "masked": not full,
        }
    events = list(case.events.select_related("actor").prefetch_related("attachments"))
    attachments = list(case.attachments.order_by("pk"))
    proposal = None
    if case.status_enum == Status.FILED and principal.user is not None:
        found = propose_department(case)
        proposal = {
            "department": (
                {"id": found.department.pk, "name": found.department.name}
                if found.department
                else None
            ),
            "reason": found.reason,
        }
    out.update(
        {
            "filing_rule": filing_rule_out(case.filing_rule) if case.filing_rule else None,
            "component_code": case.component_code,
            "citizen": citizen,
            "allowed_actions": actions_for(principal, case),
            "proposal": proposal,
            "attachments": [
                {
                    "id": a.pk,
                    "kind": a.kind,
                    "content_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "url": attachment_url(case, a.pk),
                }
                for a in attachments
            ],
            "timeline": [
                {
                    "seq": e.seq,
                    "action": e.action,
                    "action_label": str(ACTION_LABELS[Action(e.action)]),
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "actor": str(e.actor) if e.actor else None,
                    "actor_role": e.actor_role,
                    "at": _local(e.at),
                    "note": e.note,
                    "data": e.data,
                    "attachments": [a.pk for a in e.attachments.all()],
                }
                for e in events
            ],
        }
    )
    return out
