"""A case taken through its main paths by the roles that own each step, through the action layer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from finegrid.cases import actions
from finegrid.cases.events import verify_chain
from finegrid.cases.models import Case, Source
from finegrid.cases.photos import Photo
from finegrid.cases.workflow import Status
from finegrid.catalogue.models import Category, FilingRule
from finegrid.org.models import Unit, User
from tests.cases.conftest import grid_point, jpeg_bytes

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


def test_citizen_report_to_closed_case(
    cast: dict[str, User], exposed_rubbish: tuple[Category, FilingRule]
) -> None:
    category, rule = exposed_rubbish
    lon, lat = grid_point()
    case = actions.report_case(
        actor=cast["receptionist"],
        source=Source.HOTLINE,
        lon=lon,
        lat=lat,
        description="湖滨路口有暴露垃圾",
        citizen=actions.CitizenInput(name="王小明", phone="13912345678"),
        photos=[Photo("before.jpg", jpeg_bytes())],
        at=at(16, 9),
    )
    assert case.status == Status.REPORTED
    assert case.case_no.startswith("2026111600")
    assert case.grid is not None
    assert case.grid.code == "990102001001005"
    assert case.step_deadline == at(16, 9, 30)

    def v() -> int:
        return Case.objects.get(pk=case.pk).version

    actions.accept_case(case_id=case.pk, version=v(), actor=cast["receptionist"], at=at(16, 9, 10))
    case.refresh_from_db()
    assert case.status == Status.VERIFYING
    assert case.inspector == cast["inspector"]
    actions.verify_case(
        case_id=case.pk, version=v(), actor=cast["inspector"], confirmed=True, at=at(16, 9, 30)
    )
    actions.file_case(
        case_id=case.pk,
        version=v(),
        actor=cast["shiftleader"],
        category=category,
        filing_rule=rule,
        at=at(16, 9, 40),
    )
    department = Unit.objects.get(name="明湖区环境卫生管理所")
    actions.dispatch_case(
        case_id=case.pk, version=v(), actor=cast["dispatcher"], department=department, at=at(16, 10)
    )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert case.disposal_deadline is not None
    handler = cast["handler"]
    handler.unit = department
    handler.save()
    actions.sign_for_case(case_id=case.pk, version=v(), actor=handler, at=at(16, 10, 5))
    actions.dispose_case(
        case_id=case.pk,
        version=v(),
        actor=handler,
        note="已清理",
        photos=[Photo("after.jpg", jpeg_bytes("green"))],
        at=at(16, 11),
    )
    actions.send_check(case_id=case.pk, version=v(), actor=cast["receptionist"], at=at(16, 11, 5))
    actions.check_case(
        case_id=case.pk, version=v(), actor=cast["inspector"], passed=True, at=at(16, 11, 20)
    )
    actions.close_case(case_id=case.pk, version=v(), actor=cast["shiftleader"], at=at(16, 11, 30))
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at == at(16, 11, 30)
    assert [e.action for e in case.events.order_by("seq")] == [
        "report", "accept", "verify", "file", "dispatch", "sign_for", "dispose", "send_check", "pass_check", "close",
    ]  # fmt: skip
    assert case.attachments.count() == 2
    assert verify_chain() == []
