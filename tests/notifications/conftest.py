"""Helpers for notification tests: cases built through the actions, with or without a citizen."""

from __future__ import annotations

import pytest

from finegrid.cases import actions
from finegrid.cases.models import Case, CaseEvent, Source
from finegrid.cases.workflow import Action, Status
from finegrid.org.actions import upsert_staff_user
from finegrid.org.models import User
from finegrid.org.roles import Role
from tests.cases.builders import PATHS, START, actor_for, grid_point, perform


def citizen_case(cast: dict[str, User], status: Status, *, phone: str = "13912345678") -> Case:
    """A hotline report from 王小明 (phone given, or none) taken to `status` by the demo staff."""
    lon, lat = grid_point()
    case = actions.report_case(
        actor=cast["receptionist"],
        source=Source.HOTLINE,
        lon=lon,
        lat=lat,
        address="湖滨路与柳岸街交叉口",
        description="路口有暴露垃圾",
        citizen=actions.CitizenInput(name="王小明", phone=phone),
        at=START,
    )
    _first, path = PATHS[status]
    for action in path:
        perform(action, case=case, actor=actor_for(action, case, cast))
        case.refresh_from_db()
    assert case.status == status
    return case


def event_of(case: Case, action: Action) -> CaseEvent:
    """The case's latest event of this action."""
    event = CaseEvent.objects.filter(case=case, action=action).order_by("-seq").first()
    assert event is not None, f"case {case.case_no} has no {action} event"
    return event


@pytest.fixture
def handler_with_email(cast: dict[str, User]) -> User:
    """The demo handler (明湖区城市管理局) with an e-mail address."""
    handler = cast["handler"]
    return upsert_staff_user(
        username="handler",
        full_name=handler.full_name,
        roles=[Role.HANDLER],
        unit=handler.unit,
        email="chenjing@example.gov.cn",
    )
