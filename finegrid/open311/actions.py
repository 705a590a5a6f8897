"""Posting a service request: a case reported through the one write path, plus its Open311 token.

The point must lie inside the area of the client's service token; that is checked before anything
is written, so a refused request leaves no case, no event, no photo and no token behind.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from finegrid.api.models import ApiToken, TokenKind
from finegrid.cases.actions import CitizenInput, report_case
from finegrid.cases.models import Case, Source
from finegrid.cases.photos import Photo
from finegrid.catalogue.models import Category, Urgency
from finegrid.open311.models import RequestToken


def new_request_token() -> str:
    return secrets.token_hex(12)


def submit_request(
    *,
    client: ApiToken,
    category: Category,
    lon: float,
    lat: float,
    description: str,
    address: str = "",
    component_code: str = "",
    urgency: Urgency = Urgency.ORDINARY,
    citizen: CitizenInput | None = None,
    photos: Sequence[Photo] = (),
    at: dt.datetime | None = None,
) -> tuple[Case, RequestToken]:
    """Report a case for a 311 client (its token's source, no staff actor) and keep its token.

    An empty description becomes the service's name: Open311 allows none, our workflow needs one.
    """
    assert client.kind == TokenKind.SERVICE
    assert client.area is not None
    at = at or timezone.now()
    with transaction.atomic():
        case = report_case(
            actor=None,
            source=Source(client.source),
            lon=lon,
            lat=lat,
            description=description.strip() or category.name,
            address=address,
            category=category,
            component_code=component_code,
            urgency=urgency,
            citizen=citizen,
            photos=photos,
            within=client.area,
            at=at,
        )
        token = RequestToken.objects.create(
            token=new_request_token(), case=case, client=client, created_at=at
        )
    return case, token
