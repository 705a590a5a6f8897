"""A citizen's report through the portal, filed at most once per form.

Each report form carries a one-time token. The first request with it files the case through
`report_case` (the one write path) and keeps the answer under the token, in the same transaction,
with the API's idempotency records; a double click, a resubmitted page or a retry on a slow
connection gets that first case back instead of a second one. A refused report (bad input) keeps
nothing, so the same form can be corrected and sent again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from finegrid.api.idempotency import once
from finegrid.cases.actions import CitizenInput, report_case
from finegrid.cases.models import Case, Source
from finegrid.cases.photos import Photo
from finegrid.catalogue.models import Category
from finegrid.geo.crs import CRS

#: The owner of the portal's records among the API's idempotency keys (tokens own theirs).
OWNER = "portal"


def new_form_token() -> str:
    """A random token for one report form (128 bits: nobody replays another person's form)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Submitted:
    case: Case
    #: False when this form had been sent before and `case` is what the first sending filed.
    first: bool


def submit_report(
    *,
    form_token: str,
    lon: float,
    lat: float,
    crs: CRS,
    description: str,
    address: str = "",
    category: Category | None = None,
    citizen: CitizenInput | None = None,
    photos: Sequence[Photo] = (),
) -> Submitted:
    """File the report, or return the case this form already filed. Domain errors pass through."""
    filed: list[int] = []

    def run() -> tuple[int, dict[str, int], Case]:
        case = report_case(
            actor=None,
            source=Source.CITIZEN,
            lon=lon,
            lat=lat,
            crs=crs,
            description=description,
            address=address,
            category=category,
            citizen=citizen,
            photos=photos,
        )
        filed.append(case.pk)
        return 201, {"case": case.pk}, case

    # The payload is the token alone: any resend of this form, even edited, answers with its case.
    _status, body = once(owner=OWNER, key=form_token, payload={"form": form_token}, run=run)
    case = Case.objects.get(pk=body["case"])
    return Submitted(case=case, first=filed == [case.pk])
