"""Who is evaluated: the kinds of subject, and under which fact column each measure finds them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final, NamedTuple

from django.utils.translation import gettext_lazy as _

from finegrid.evaluation.measures import ATTRIBUTION, Column, Measure
from finegrid.geo.models import AreaLevel
from finegrid.org.roles import Role


class SubjectKind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    DEPARTMENT = "department"
    INSPECTOR = "inspector"
    RECEPTIONIST = "receptionist"
    SHIFT_LEADER = "shift_leader"
    DISPATCHER = "dispatcher"

    @property
    def label(self) -> str:
        return str(SUBJECT_LABELS[self])

    @property
    def is_area(self) -> bool:
        return self in AREA_KINDS

    @property
    def is_person(self) -> bool:
        return self in PERSON_ROLES


SUBJECT_LABELS: Final[Mapping[SubjectKind, object]] = {
    SubjectKind.DISTRICT: _("区"),
    SubjectKind.STREET: _("街道"),
    SubjectKind.COMMUNITY: _("社区"),
    SubjectKind.GRID: _("单元网格"),
    SubjectKind.DEPARTMENT: _("处置单位"),
    SubjectKind.INSPECTOR: _("监督员"),
    SubjectKind.RECEPTIONIST: _("受理员"),
    SubjectKind.SHIFT_LEADER: _("值班长"),
    SubjectKind.DISPATCHER: _("派遣员"),
}

AREA_KINDS: Final[Mapping[SubjectKind, str]] = {
    SubjectKind.DISTRICT: AreaLevel.DISTRICT,
    SubjectKind.STREET: AreaLevel.STREET,
    SubjectKind.COMMUNITY: AreaLevel.COMMUNITY,
}
PERSON_ROLES: Final[Mapping[SubjectKind, Role]] = {
    SubjectKind.INSPECTOR: Role.INSPECTOR,
    SubjectKind.RECEPTIONIST: Role.RECEPTIONIST,
    SubjectKind.SHIFT_LEADER: Role.SHIFT_LEADER,
    SubjectKind.DISPATCHER: Role.DISPATCHER,
}


class Source(NamedTuple):
    """Where a subject's count of a measure comes from: a fact column, directly or via its grids."""

    column: Column
    via_grids: bool = False


_COLUMNS: Final[Mapping[SubjectKind, tuple[Column, ...]]] = {
    SubjectKind.DISTRICT: (Column.DISTRICT,),
    SubjectKind.STREET: (Column.STREET,),
    SubjectKind.COMMUNITY: (Column.COMMUNITY,),
    SubjectKind.GRID: (Column.GRID,),
    SubjectKind.DEPARTMENT: (Column.DEPARTMENT, Column.RETURNED_FROM),
    SubjectKind.INSPECTOR: (Column.REPORTER, Column.VERIFIER, Column.CHECKER),
    SubjectKind.RECEPTIONIST: (Column.RECEPTIONIST, Column.CHECK_SENDER),
    SubjectKind.SHIFT_LEADER: (Column.FILER,),
    SubjectKind.DISPATCHER: (Column.DISPATCHER,),
}
#: An inspector answers for the problems others found in their grids (漏报, EVALUATION.md).
_VIA_GRIDS: Final[Mapping[SubjectKind, frozenset[Measure]]] = {
    SubjectKind.INSPECTOR: frozenset({Measure.PUBLIC_VERIFIED, Measure.AREA_FILED}),
}


def source_of(kind: SubjectKind, measure: Measure) -> Source | None:
    """The one place a subject of this kind is counted for this measure, or None (not applicable)."""
    if measure in _VIA_GRIDS.get(kind, frozenset()):
        return Source(Column.GRID, via_grids=True)
    for column in _COLUMNS[kind]:
        if measure in ATTRIBUTION[column]:
            return Source(column)
    return None
