"""What the API reads and writes. Output schemas are built from rows by the `*_out` functions of the
endpoint modules, so that what a caller may see (a citizen's phone, say) is decided in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from finegrid.cases.models import Satisfaction, Source
from finegrid.catalogue.models import Urgency
from finegrid.geo.crs import CRS
from finegrid.worktime.calendar import TimeUnit

#: A row id as a client may send it: the databases' 64-bit range (larger would overflow SQLite).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

Note = Field("", max_length=2000, description="意见或理由 / note")
PhotoIds: Any = Field(
    default_factory=list, max_length=9, description="先经 POST /attachments 上传所得的编号"
)


class Message(Schema):
    detail: str


# --- geography -----------------------------------------------------------------------------------


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    area_class: str


class GridOut(Schema):
    code: str
    community_code: str
    area_m2: float
    land_use: str
    responsible_unit: str | None


class LocationOut(Schema):
    lon: float = Field(description="WGS-84")
    lat: float = Field(description="WGS-84")
    grid: GridOut | None
    community: AreaOut | None
    street: AreaOut | None
    district: AreaOut | None


# --- catalogue -----------------------------------------------------------------------------------


class ActionTagOut(Schema):
    code: str
    char: str
    description: str


class FilingRuleOut(Schema):
    id: int
    order: int
    condition: str
    limit: str
    limit_amount: Decimal
    limit_unit: str
    closing_criterion: str


class CategoryOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    major_code: str
    major_name: str
    department_type: str
    action_tags: list[str]


class CategoryDetail(CategoryOut):
    filing_rules: list[FilingRuleOut]


# --- organisation --------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    level: str
    department_type: str | None
    area_code: str | None


class UserOut(Schema):
    id: int
    username: str
    name: str
    unit: UnitOut | None
    roles: list[str]


# --- cases ---------------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    kind: str
    code: str
    name: str


class UnitRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


class CitizenOut(Schema):
    name: str
    phone: str
    masked: bool = Field(description="true when the caller may see only a masked name and phone")


class CaseOut(Schema):
    id: int
    case_no: str
    version: int
    status: str
    status_label: str
    source: str
    source_label: str
    description: str
    address: str
    lon: float
    lat: float
    grid: str | None
    area_code: str
    district: str
    street: str | None
    community: str | None
    category: CategoryRef | None
    urgency: str
    department: UnitRef | None
    inspector: PersonRef | None
    supervised: bool
    self_handled: bool
    rework_count: int
    reported_at: dt.datetime
    step_deadline: dt.datetime | None
    disposal_deadline: dt.datetime | None
    closed_at: dt.datetime | None
    light: Literal["green", "yellow", "red"] | None = Field(
        description="红黄绿灯 of the current step; null when no clock runs"
    )


class AttachmentOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    sha256: str
    url: str


class EventOut(Schema):
    seq: int
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str | None
    actor_role: str
    at: dt.datetime
    note: str
    data: dict[str, object]
    attachments: list[int]


class ProposalOut(Schema):
    department: UnitRef | None
    reason: str


class CaseDetail(CaseOut):
    filing_rule: FilingRuleOut | None
    component_code: str
    citizen: CitizenOut | None
    allowed_actions: list[str] = Field(description="what this caller may do now, in table order")
    proposal: ProposalOut | None = Field(description="proposed department while awaiting dispatch")
    attachments: list[AttachmentOut]
    timeline: list[EventOut]


class CasePage(Schema):
    results: list[CaseOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


class CitizenIn(Schema):
    name: str = Field("", max_length=60)
    phone: str = Field("", max_length=20, pattern=r"^[0-9+\- ]*$")


class ReportIn(Schema):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: CRS = Field(CRS.WGS84, description="wgs84, gcj02 (WeChat, AMap) or bd09 (Baidu)")
    description: str = Field(min_length=1, max_length=2000)
    address: str = Field("", max_length=256)
    category_id: Id | None = None
    component_code: str = Field("", max_length=17)
    urgency: Urgency = Urgency.ORDINARY
    source: Source | None = Field(
        None, description="staff only: how the problem reached them; services use their token's"
    )
    citizen: CitizenIn | None = None
    photos: list[Id] = PhotoIds
    self_handled: bool = False


# --- workflow actions ----------------------------------------------------------------------------


class ActionIn(Schema):
    version: int = Field(
        ge=1, le=2**31, description="the case's version as the caller last read it"
    )
    note: str = Note


class AcceptIn(ActionIn):
    inspector_id: Id | None = Field(None, description="verifier; the grid's inspector if absent")


class VerifyIn(ActionIn):
    confirmed: bool = True
    photos: list[Id] = PhotoIds


class FileIn(ActionIn):
    category_id: Id
    filing_rule_id: Id
    urgency: Urgency | None = None


class DispatchIn(ActionIn):
    department_id: Id


class PhotosIn(ActionIn):
    photos: list[Id] = PhotoIds


class ExtensionIn(ActionIn):
    amount: Decimal = Field(gt=0, le=1000, max_digits=8, decimal_places=2)
    unit: TimeUnit


class SuspensionIn(ActionIn):
    resume_on: dt.date | None = None


class RateIn(ActionIn):
    satisfaction: Satisfaction = Field(
        description="满意 satisfied / 基本满意 basic / 不满意 dissatisfied"
    )


class SendCheckIn(ActionIn):
    inspector_id: Id | None = None


class ActionOut(Schema):
    case: CaseDetail
    event_seq: int


# --- attachments and tokens ----------------------------------------------------------------------


class UploadOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    roles: list[str] = Field(default_factory=list, description="act with only these roles")
    read_only: bool = False
    expires_at: dt.datetime | None = None


class TokenOut(Schema):
    id: int
    kind: str
    name: str
    prefix: str
    roles: list[str]
    read_only: bool
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    secret: str = Field(description="shown this once; only its hash is kept")
