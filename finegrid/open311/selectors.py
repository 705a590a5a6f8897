"""Which cases Open311 shows to anyone, and what it shows of them.

The public sees every case of the city, whoever reported it, except those from undercover
inspections (暗访: publishing them as they are filed would announce the visit). It never sees who
reported a case, their contact or any staff member: only the problem, its place, its category,
the department answering for it, its status and its times. Photos are shown only when they show
the problem before or after disposal, never other material.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any, Final

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.cases.models import (
    STATUS_LABELS,
    AttachmentKind,
    Case,
    CaseAttachment,
    CaseEvent,
    Source,
)
from finegrid.cases.workflow import OPEN, TERMINAL, Status
from finegrid.catalogue.models import FilingRule, format_limit
from finegrid.open311.service_types import limits_notice, service_code

#: The most requests one GET returns (the spec's default: 1000), most recent first.
LIST_LIMIT: Final = 1000
PUBLIC_PHOTO_KINDS: Final = (AttachmentKind.BEFORE, AttachmentKind.AFTER)
OPEN311_STATUSES: Final = {"open": OPEN, "closed": TERMINAL}


def public_cases() -> QuerySet[Case]:
    return Case.objects.exclude(source=Source.UNDERCOVER)


def public_photo(attachment_id: int) -> CaseAttachment | None:
    """A before/after photo of a public case; None for anything else."""
    return (
        CaseAttachment.objects.filter(
            pk=attachment_id, kind__in=PUBLIC_PHOTO_KINDS, case__in=public_cases()
        )
        .exclude(file="")
        .first()
    )


def _with_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a request entry shows, fetched in a fixed number of queries whatever the count."""
    last_event = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-seq")
    photos = (
        CaseAttachment.objects.filter(kind__in=PUBLIC_PHOTO_KINDS).exclude(file="").order_by("pk")
    )
    rules = FilingRule.objects.filter(is_active=True).order_by("order")
    return (
        cases.select_related(
            "category__major", "department", "filing_rule", "district", "street", "community"
        )
        .prefetch_related(
            "filing_rule__limits",
            Prefetch("category__filing_rules", queryset=rules),
            Prefetch("attachments", queryset=photos, to_attr="public_photos"),
        )
        .annotate(
            updated_at=Subquery(last_event.values("at")[:1]),
            last_note=Subquery(last_event.values("note")[:1]),
        )
    )


def find_requests(
    *,
    numbers: Sequence[str] = (),
    services: Collection[tuple[str, str]] = (),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    statuses: Collection[str] = (),
) -> list[Case]:
    """Public cases by number (which overrides every other filter, as the spec says), else by
    service, reporting time and open/closed; the most recent LIST_LIMIT."""
    cases = public_cases()
    if numbers:
        cases = cases.filter(case_no__in=list(numbers))
    else:
        if services:
            wanted = Q()
            for kind, code in services:
                wanted |= Q(category__kind=kind, category__code=code)
            cases = cases.filter(wanted)
        if since is not None:
            cases = cases.filter(reported_at__gte=since)
        if until is not None:
            cases = cases.filter(reported_at__lte=until)
        if statuses:
            chosen = set().union(*(OPEN311_STATUSES[s] for s in statuses))
            cases = cases.filter(status__in=sorted(chosen))
    return list(_with_details(cases.order_by("-reported_at", "-pk"))[:LIST_LIMIT])


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _status_notes(case: Case) -> str:
    status = Status(case.status)
    label = str(STATUS_LABELS[status])
    note = (getattr(case, "last_note", "") or "").strip()
    if status in TERMINAL and note:
        # Why it was declined, cancelled or how it was closed: the last step's note.
        return _("%(status)s：%(note)s") % {"status": label, "note": note}
    return label


def _service_notice(case: Case) -> str | None:
    if case.filing_rule is not None:
        amount, unit = case.filing_rule.limit_for(case.urgency)
        return _("处置时限：%(limit)s") % {"limit": format_limit(amount, unit)}
    if case.category is not None:
        return limits_notice(case.category.filing_rules.all())
    return None


def _address(case: Case) -> str:
    if case.address:
        return case.address
    return "".join(a.name for a in (case.district, case.street, case.community) if a is not None)


def request_entry(case: Case, *, photo_url: Callable[[CaseAttachment], str]) -> dict[str, Any]:
    """One request as the spec's example shows it (cases from `find_requests`)."""
    photos: list[CaseAttachment] = getattr(case, "public_photos", [])
    before = [p for p in photos if p.kind == AttachmentKind.BEFORE]
    first_photo = next(iter(before or photos), None)
    category = case.category
    return {
        "service_request_id": case.case_no,
        "status": "closed" if Status(case.status) in TERMINAL else "open",
        "status_notes": _status_notes(case),
        "service_name": category.name if category else None,
        "service_code": service_code(category) if category else None,
        "description": case.description,
        "agency_responsible": case.department.name if case.department else None,
        "service_notice": _service_notice(case),
        "requested_datetime": _iso(case.reported_at),
        "updated_datetime": _iso(getattr(case, "updated_at", None) or case.reported_at),
        "expected_datetime": _iso(case.disposal_deadline),
        "address": _address(case),
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": photo_url(first_photo) if first_photo is not None else None,
    }
