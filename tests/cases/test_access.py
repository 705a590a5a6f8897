"""Who may do what: every demo role against every action, scope beyond the role, and what each sees.

Out of scope looks like not found (CaseNotFound); in scope but not the user's to take is
ActionNotPermitted. The expected outcomes are written out below as data.
"""

from __future__ import annotations

import pytest

from finegrid.cases.access import visible_cases
from finegrid.cases.errors import CaseNotFound, describe
from finegrid.cases.models import Case, Source
from finegrid.cases.workflow import TRANSITIONS, Action, ActionNotPermitted, Status
from finegrid.geo.models import Area
from finegrid.org.actions import upsert_staff_user
from finegrid.org.models import Unit, User
from finegrid.org.roles import Role
from tests.cases.builders import (
    case_in,
    perform,
    rolled_back,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
    snapshot,
)

pytestmark = pytest.mark.django_db

#: One demo user per role, in the order of the columns below.
USERS = [
    "inspector",
    "receptionist",
    "shiftleader",
    "dispatcher",
    "handler",
    "deptadmin",
    "supervisor",
    "leader",
    "admin",
]

# ok: succeeds; no: ActionNotPermitted; nf: CaseNotFound (the case is not in the user's scope).
# Every case is in 湖滨街道 (the demo inspector's grids, inside the supervisor's 明湖区) and is
# dispatched, when it is, to 明湖区城市管理局, where the handler and the department admin work.
OUTCOMES = """
action              status                insp recp shift disp hand dept supv lead admin
accept              reported              no   ok   no    no   nf   nf   no   no   no
decline             reported              no   ok   no    no   nf   nf   no   no   no
verify              verifying             ok   no   no    no   nf   nf   no   no   no
file                pending_filing        no   no   ok    no   nf   nf   no   no   no
cancel              filed                 no   no   ok    no   nf   nf   no   no   no
review_self_handled self_handled          no   no   ok    no   nf   nf   no   no   no
reject_self_handled self_handled          no   no   ok    no   nf   nf   no   no   no
dispatch            filed                 no   no   no    ok   nf   nf   no   no   no
sign_for            dispatched            no   no   no    no   ok   ok   no   no   no
dispose             disposing             no   no   no    no   ok   ok   no   no   no
request_extension   disposing             no   no   no    no   ok   ok   no   no   no
approve_extension   extension_requested   no   no   no    ok   no   no   no   no   no
reject_extension    extension_requested   no   no   no    ok   no   no   no   no   no
request_return      dispatched            no   no   no    no   ok   ok   no   no   no
approve_return      return_requested      no   no   no    ok   no   no   no   no   no
reject_return       return_requested      no   no   no    ok   no   no   no   no   no
request_suspension  disposing             no   no   no    no   ok   ok   no   no   no
approve_suspension  suspension_requested  no   no   no    ok   no   no   no   no   no
reject_suspension   suspension_requested  no   no   no    ok   no   no   no   no   no
resume              suspended             no   no   no    ok   no   no   no   no   no
send_check          disposed              no   ok   no    no   no   no   no   no   no
pass_check          checking              ok   no   no    no   no   no   no   no   no
rework              checking              ok   no   no    no   no   no   no   no   no
close               pending_close         no   no   ok    no   no   no   no   no   no
supervise           disposing             no   no   no    no   no   no   ok   ok   no
approve_overdue_appeal disposing          no   no   no    no   no   no   ok   no   no
reopen              closed                no   ok   no    no   no   no   no   no   no
rate                closed                no   ok   no    no   no   no   no   no   no
"""


def _table() -> dict[Action, tuple[Status, dict[str, str]]]:
    rows = [line.split() for line in OUTCOMES.strip().splitlines()[1:]]
    return {Action(r[0]): (Status(r[1]), dict(zip(USERS, r[2:], strict=True))) for r in rows}


TABLE = _table()


def test_the_outcome_table_covers_every_action_in_a_status_that_allows_it() -> None:
    assert set(TABLE) == {a for a in Action if a != Action.REPORT}
    assert all((status, action) in TRANSITIONS for action, (status, _o) in TABLE.items())


def attempt(action: Action, case: Case, user: User) -> str:
    """The outcome of `user` taking `action` on `case`; undone afterwards, a refusal checked."""
    before = snapshot(case)
    with rolled_back():
        try:
            perform(action, case=case, actor=user)
        except CaseNotFound:
            outcome = "nf"
        except ActionNotPermitted as refused:
            outcome = "no" if refused.action == action else f"no({refused.action})"
        else:
            case.refresh_from_db()
            assert case.status in TRANSITIONS[(before.row["status"], action)].targets
            return "ok"
        assert snapshot(case) == before, (action, user.username)
    return outcome


@pytest.mark.parametrize("action", list(TABLE), ids=str)
def test_every_role_against_every_action(cast: dict[str, User], action: Action) -> None:
    # given a case in a status where the action is allowed
    status, expected = TABLE[action]
    case = case_in(status, cast=cast)

    # when each demo role tries it
    outcomes = {username: attempt(action, case, cast[username]) for username in USERS}

    # then exactly the roles the table names succeed; the department's only on its own cases
    assert outcomes == expected


# --- scope beyond the role -----------------------------------------------------------------------


def staff(username: str, role: Role, unit: str, areas: tuple[str, ...] = ()) -> User:
    return upsert_staff_user(
        username=username,
        full_name=username,
        roles=[role],
        unit=Unit.objects.get(name=unit),
        areas=[Area.objects.get(code=code) for code in areas],
    )


def test_a_handler_of_another_department_does_not_find_the_case(cast: dict[str, User]) -> None:
    # given a case dispatched to the sanitation station, whose own handler may sign for it
    station = Unit.objects.get(name="明湖区环境卫生管理所")
    case = case_in(Status.DISPATCHED, cast=cast, department=station)
    before = snapshot(case)
    own = staff("station-handler", Role.HANDLER, "明湖区环境卫生管理所")
    assert attempt(Action.SIGN_FOR, case, own) == "ok"

    # when the handler of the urban management bureau tries to sign for it
    with pytest.raises(CaseNotFound) as caught:
        perform(Action.SIGN_FOR, case=case, actor=cast["handler"])

    # then to them it does not exist, and nothing changed
    assert describe(caught.value) == "案卷不存在"
    assert snapshot(case) == before


def test_a_handler_who_sees_the_case_through_an_area_role_may_not_act_for_another_department(
    cast: dict[str, User],
) -> None:
    # given a case sent to the sanitation station, and a bureau handler who also receives reports
    case = case_in(
        Status.DISPATCHED, cast=cast, department=Unit.objects.get(name="明湖区环境卫生管理所")
    )
    before = snapshot(case)
    both = upsert_staff_user(
        username="bureau-handler-and-receptionist",
        full_name="兼任受理员的处置人员",
        roles=[Role.HANDLER, Role.RECEPTIONIST],
        unit=Unit.objects.get(name="明湖区城市管理局"),
        areas=[Area.objects.get(code="990102")],
    )
    assert visible_cases(both).filter(pk=case.pk).exists()

    # when they sign for it
    with pytest.raises(ActionNotPermitted) as caught:
        perform(Action.SIGN_FOR, case=case, actor=both)

    # then the department check refuses it, and nothing changed
    assert caught.value.roles == frozenset({Role.HANDLER})
    assert describe(caught.value) == "您的岗位不能对此案卷执行“签收”"
    assert snapshot(case) == before


def test_a_receptionist_of_another_district_does_not_find_the_case(cast: dict[str, User]) -> None:
    # given a report in 明湖区 and a receptionist who answers for 青山区 only
    case = case_in(Status.REPORTED, cast=cast)
    before = snapshot(case)
    qingshan = staff(
        "qingshan-receptionist", Role.RECEPTIONIST, "示范市城市运行管理监督中心", ("990103",)
    )

    # when they accept it
    with pytest.raises(CaseNotFound):
        perform(Action.ACCEPT, case=case, actor=qingshan)

    # then nothing changed; a report in 青山区 they take in
    assert snapshot(case) == before
    theirs = case_in(Status.REPORTED, cast=cast, grid="990103001001001")
    assert attempt(Action.ACCEPT, theirs, qingshan) == "ok"


def test_an_inspector_of_another_street_does_not_find_a_verification_task(
    cast: dict[str, User],
) -> None:
    case = case_in(Status.VERIFYING, cast=cast)
    before = snapshot(case)
    assert case.inspector_id == cast["inspector"].pk

    with pytest.raises(CaseNotFound):
        perform(Action.VERIFY, case=case, actor=cast["inspector02"])

    assert snapshot(case) == before


def test_an_inspector_who_sees_a_case_may_not_check_it_unless_sent_or_patrolling(
    cast: dict[str, User],
) -> None:
    # given inspector02 reported a problem in the demo inspector's grid, who was sent to check it
    outsider = cast["inspector02"]
    case = case_in(Status.CHECKING, cast=cast, source=Source.INSPECTOR, reporter=outsider)
    assert case.inspector_id == cast["inspector"].pk
    assert visible_cases(outsider).filter(pk=case.pk).exists()
    before = snapshot(case)

    # when inspector02 passes the check
    with pytest.raises(ActionNotPermitted) as caught:
        perform(Action.PASS_CHECK, case=case, actor=outsider)

    # then it is not their task, and nothing changed
    assert caught.value.roles == frozenset({Role.INSPECTOR})
    assert snapshot(case) == before


def test_a_supervisor_of_another_district_does_not_find_the_case(cast: dict[str, User]) -> None:
    case = case_in(Status.DISPATCHED, cast=cast, grid="990103001001001")
    before = snapshot(case)

    with pytest.raises(CaseNotFound):
        perform(Action.SUPERVISE, case=case, actor=cast["supervisor"])

    assert snapshot(case) == before
    assert attempt(Action.SUPERVISE, case, cast["leader"]) == "ok"


# --- what each one sees --------------------------------------------------------------------------


def test_each_role_sees_exactly_the_cases_in_its_scope(cast: dict[str, User]) -> None:
    # given four cases across the city
    cases = {
        # 湖滨街道, with the 明湖区 urban management bureau
        "A": case_in(Status.DISPOSING, cast=cast),
        # 鼓楼街道, just reported
        "B": case_in(Status.REPORTED, cast=cast, grid="990102002001001"),
        # 青山街道, sent to the 青山区 urban management bureau
        "C": case_in(
            Status.DISPATCHED,
            cast=cast,
            grid="990103001001001",
            department=Unit.objects.get(name="青山区城市管理局"),
        ),
        # 江滨街道, its verification given to the demo inspector from another street
        "D": case_in(Status.REPORTED, cast=cast, grid="990104001001001"),
    }
    perform(Action.ACCEPT, case=cases["D"], actor=cast["receptionist"], inspector=cast["inspector"])
    users = {name: cast[name] for name in [*USERS, "inspector02", "inspector04", "inspector07"]}
    users |= {
        "湖滨街道 clerk": staff("hubin-clerk", Role.RECEPTIONIST, "明湖区湖滨街道办事处"),
        "青山区 receptionist": staff(
            "qingshan-receptionist", Role.RECEPTIONIST, "示范市城市运行管理监督中心", ("990103",)
        ),
        "青山区 handler": staff("qingshan-handler", Role.HANDLER, "青山区城市管理局"),
    }

    # when each asks for the cases they may see
    seen = {
        name: {label for label, c in cases.items() if visible_cases(user).filter(pk=c.pk).exists()}
        for name, user in users.items()
    }

    # then the street's staff see their street, a department what was sent to it, an inspector
    # their grids' cases and their own tasks, the centres and leaders the whole city
    everything = {"A", "B", "C", "D"}
    assert seen == {
        "inspector": {"A", "D"},
        "inspector02": {"B"},
        "inspector04": {"C"},
        "inspector07": {"D"},
        "receptionist": everything,
        "shiftleader": everything,
        "dispatcher": everything,
        "handler": {"A"},
        "deptadmin": {"A"},
        "supervisor": {"A", "B"},
        "leader": everything,
        "admin": everything,
        "湖滨街道 clerk": {"A"},
        "青山区 receptionist": {"C"},
        "青山区 handler": {"C"},
    }
    assert set(visible_cases(users["leader"])) == set(cases.values())
