"""Generating the grids of an area: which outlines to cut, and storing the result through actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from shapely.geometry import shape

from finegrid.geo.actions import replace_community_grids, set_area_boundary, upsert_area
from finegrid.geo.generation import DEFAULT_OPTIONS, GenerationOptions, cut_outline
from finegrid.geo.models import Area, AreaClass, AreaLevel

#: The community segment used when a street has no community outlines (grids coded street + 000).
UNDIVIDED_COMMUNITY_SUFFIX = "000"


@dataclass(frozen=True)
class GeneratedCommunity:
    code: str
    name: str
    grids: int


def outlines_to_cut(within: Area | None = None) -> Iterator[Area]:
    """Communities with outlines; for a street none of whose communities has one, the street itself."""
    streets = Area.objects.current().filter(level=AreaLevel.STREET, boundary__isnull=False)
    communities = Area.objects.current().filter(level=AreaLevel.COMMUNITY, boundary__isnull=False)
    if within is not None:
        streets = streets.filter(code__startswith=within.code_prefix)
        communities = communities.filter(code__startswith=within.code_prefix)
    with_outlined_communities = set(communities.values_list("parent_id", flat=True))
    yield from communities.order_by("code")
    yield from streets.filter(~Q(pk__in=with_outlined_communities)).order_by("code")


def _undivided_community(street: Area) -> Area:
    community = upsert_area(
        code=street.code + UNDIVIDED_COMMUNITY_SUFFIX,
        # Area names are data, kept in Chinese whatever the active language.
        name=f"{street.name}(未划分社区)",
        level=AreaLevel.COMMUNITY,
        parent=street,
        area_class=AreaClass(street.area_class),
    )
    assert street.boundary is not None
    return set_area_boundary(area=community, geometry=street.boundary)


def generate_grids(
    *,
    within: Area | None = None,
    options: GenerationOptions = DEFAULT_OPTIONS,
    valid_from: dt.date,
) -> list[GeneratedCommunity]:
    """Cut every outline under `within` (or the whole city) into grids; one transaction per outline."""
    done: list[GeneratedCommunity] = []
    for area in list(outlines_to_cut(within)):
        assert area.boundary is not None
        drafts = cut_outline(shape(area.boundary), options)
        with transaction.atomic():
            community = _undivided_community(area) if area.level == AreaLevel.STREET else area
            replace_community_grids(community=community, drafts=drafts, valid_from=valid_from)
        done.append(GeneratedCommunity(community.code, community.name, len(drafts)))
    return done
