"""Plans and tasks through the actions: breakdown, progress, lights, chasing, supervision notices,
acceptance by someone other than the owner, and tick-off that climbs to the parent."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from finegrid.campaigns.actions import (
    MilestoneInput,
    Upload,
    add_category,
    add_task,
    chase_missing_reports,
    chase_unanswered_notices,
    create_plan,
    decide_acceptance,
    issue_notice,
    record_pledge,
    reply_notice,
    report_progress,
    request_acceptance,
    verify_chain,
)
from finegrid.campaigns.errors import InvalidInput, NotAllowed, WrongState
from finegrid.campaigns.models import (
    AcceptanceRequest,
    Decision,
    NoticeStatus,
    Plan,
    Pledge,
    ProgressReport,
    SupervisionNotice,
    Task,
    TaskAction,
    TaskEvent,
    TaskFile,
    TaskStatus,
)
from finegrid.campaigns.selectors import (
    Light,
    acceptance_queue,
    default_responsible,
    my_tasks,
    plan_board,
    standing,
    tick_off_ledger,
)
from finegrid.campaigns.tasks import chase_reports
from finegrid.geo.models import Area
from finegrid.notifications.models import Message, MessageKind
from finegrid.org.models import Unit, User

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 21)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def unit() -> Unit:
    return Unit.objects.get(name="明湖区城市管理局")


@pytest.fixture
def plan(cast: Mapping[str, User]) -> Plan:
    return create_plan(
        actor=cast["supervisor"],
        title="示范市城市精细化管理三年行动计划（2026—2028年）",
        issuer="示范市城市管理委员会",
        document_no="示城管委〔2026〕3号",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2028, 12, 31),
    )


@pytest.fixture
def task(plan: Plan, cast: Mapping[str, User], unit: Unit) -> Task:
    category = add_category(actor=cast["supervisor"], plan=plan, name="市容环境提升")
    return add_task(
        actor=cast["supervisor"],
        plan=plan,
        category=category,
        title="主次干道机械化清扫",
        lead_unit=unit,
        responsible=cast["deptadmin"],
        starts_on=dt.date(2026, 1, 1),
        deadline=dt.date(2026, 12, 31),
        target_text="主次干道机械化清扫率",
        target_operator=">=",
        target_value=Decimal(95),
        target_unit="%",
        milestones=[
            MilestoneInput("完成设备采购", dt.date(2026, 6, 30), 40),
            MilestoneInput("覆盖全部主干道", dt.date(2026, 11, 30), 80),
        ],
    )


def test_a_task_is_numbered_under_its_category_and_broken_down_to_any_depth(
    plan: Plan, task: Task, cast: Mapping[str, User], unit: Unit
) -> None:
    street = Area.objects.get(name="湖滨街道")
    child = add_task(
        actor=cast["supervisor"],
        plan=plan,
        parent=task,
        title="湖滨街道主次干道清扫",
        lead_unit=unit,
        responsible=cast["handler"],
        area=street,
        deadline=dt.date(2026, 10, 31),
    )
    grandchild = add_task(
        actor=cast["supervisor"],
        plan=plan,
        parent=child,
        title="湖滨路段",
        lead_unit=unit,
        responsible=cast["handler"],
        deadline=dt.date(2026, 9, 30),
    )

    assert (task.number, child.number, grandchild.number) == ("1.1", "1.1.1", "1.1.1.1")
    assert child.category == task.category
    assert task.target_label == "主次干道机械化清扫率 ≥ 95%"
    assert [e.action for e in TaskEvent.objects.filter(task=task)] == [TaskAction.CREATE]
    assert verify_chain(task) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"responsible": None}, "任务必须有责任人"),
        ({"lead_unit": None}, "任务必须有牵头单位"),
        ({"deadline": dt.date(2029, 1, 31)}, "完成时限2029-01-31晚于计划结束日期2028-12-31"),
        ({"deadline": None}, "任务必须有完成时限"),
        ({"title": "  "}, "任务名称不能为空"),
        (
            {"milestones": [MilestoneInput("中期", dt.date(2027, 6, 30), 50)]},
            "节点“中期”的时限2027-06-30不在任务的起止日期内",
        ),
    ],
)
def test_a_task_without_an_owner_or_past_the_plan_is_refused(
    plan: Plan,
    cast: Mapping[str, User],
    unit: Unit,
    changes: dict[str, object],
    message: str,
) -> None:
    arguments: dict[str, object] = {
        "title": "背街小巷整治",
        "lead_unit": unit,
        "responsible": cast["deptadmin"],
        "deadline": dt.date(2026, 12, 31),
    } | changes
    with pytest.raises(InvalidInput) as refused:
        add_task(actor=cast["supervisor"], plan=plan, **arguments)  # type: ignore[arg-type]

    assert message in refused.value.message
    assert not plan.tasks.exists()


def test_only_plan_managers_hand_out_tasks(
    plan: Plan, cast: Mapping[str, User], unit: Unit
) -> None:
    with pytest.raises(NotAllowed):
        add_task(
            actor=cast["handler"],
            plan=plan,
            title="自己给自己派活",
            lead_unit=unit,
            responsible=cast["handler"],
            deadline=dt.date(2026, 12, 31),
        )
    assert not plan.tasks.exists()


def test_the_light_follows_the_milestones(task: Task) -> None:
    # 40 % was due by 30 June: at 30 % on 1 July the task is late.
    task.progress = 30
    assert standing(task, today=dt.date(2026, 7, 1)).light == Light.RED
    # At 45 %, with 80 % due on 30 November and a week to go, it is at risk.
    task.progress = 45
    at_risk = standing(task, today=dt.date(2026, 11, 25))
    assert at_risk.light == Light.YELLOW
    assert "覆盖全部主干道" in at_risk.reason
    # Early in the second stretch, 45 % is on the line (expected 40 + 40 × 11/153 ≈ 43).
    on_track = standing(task, today=dt.date(2026, 7, 11))
    assert (on_track.light, on_track.expected) == (Light.GREEN, 43)
    # Far behind the straight line, well before the milestone: at risk.
    assert standing(task, today=dt.date(2026, 10, 1)).light == Light.YELLOW


def test_progress_is_reported_by_the_owner_with_files_and_rolls_up(
    plan: Plan, task: Task, cast: Mapping[str, User], unit: Unit
) -> None:
    a = add_task(
        actor=cast["supervisor"],
        plan=plan,
        parent=task,
        title="甲",
        lead_unit=unit,
        responsible=cast["handler"],
        deadline=dt.date(2026, 12, 31),
    )
    add_task(
        actor=cast["supervisor"],
        plan=plan,
        parent=task,
        title="乙",
        lead_unit=unit,
        responsible=cast["handler"],
        deadline=dt.date(2026, 12, 31),
    )
    report = report_progress(
        actor=cast["handler"],
        task=a,
        progress=60,
        value=Decimal("91.5"),
        text="已覆盖6条主干道",
        files=[Upload("现场.jpg", _jpeg())],
    )

    task.refresh_from_db()
    assert (a.progress, a.current_value, task.progress) == (60, Decimal("91.5"), 30)
    assert report.files.get().content_type == "image/jpeg"
    with pytest.raises(WrongState, match="已分解"):
        report_progress(actor=cast["deptadmin"], task=task, progress=90, text="汇总")


@pytest.mark.parametrize(
    ("progress", "text", "upload", "message"),
    [
        (150, "进展", None, "完成进度应为0到100之间的整数"),
        (50, " ", None, "请填写进展情况"),
        (50, "进展", Upload("伪装.jpg", b"MZ\x90\x00 not an image"), "不是照片、PDF或Office文档"),
    ],
)
def test_bad_progress_reports_change_nothing(
    task: Task,
    cast: Mapping[str, User],
    progress: int,
    text: str,
    upload: Upload | None,
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message):
        report_progress(
            actor=cast["deptadmin"],
            task=task,
            progress=progress,
            text=text,
            files=[upload] if upload else [],
        )
    task.refresh_from_db()
    assert (task.progress, task.version) == (0, 1)
    assert not ProgressReport.objects.exists()
    assert not TaskFile.objects.exists()


def test_someone_outside_the_lead_unit_cannot_report(task: Task, cast: Mapping[str, User]) -> None:
    with pytest.raises(NotAllowed, match="只有任务的责任人或牵头单位"):
        report_progress(actor=cast["inspector"], task=task, progress=10, text="代报")
    assert not ProgressReport.objects.exists()


def test_a_missing_report_is_chased_once_a_day(
    task: Task, cast: Mapping[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    # Monthly reports; the last one was on 1 October, so one was due on 31 October.
    report_progress(
        actor=cast["deptadmin"],
        task=task,
        progress=50,
        text="十月进展",
        at=_at(dt.date(2026, 10, 1)),
    )
    now = _at(TODAY, 9)

    with django_capture_on_commit_callbacks(execute=True):
        assert chase_missing_reports(now=now) == [task.pk]
        assert chase_reports(now=(now + dt.timedelta(hours=3)).isoformat()) == []
        assert chase_missing_reports(now=now + dt.timedelta(days=1)) == [task.pk]

    chases = TaskEvent.objects.filter(task=task, action=TaskAction.CHASE)
    assert [e.note for e in chases] == ["进度报送已逾期21天", "进度报送已逾期22天"]
    messages = Message.objects.filter(user=cast["deptadmin"], kind=MessageKind.CAMPAIGN)
    assert messages.filter(subject__startswith="催报").count() == 2


def test_a_task_reported_in_time_is_not_chased(task: Task, cast: Mapping[str, User]) -> None:
    report_progress(
        actor=cast["deptadmin"],
        task=task,
        progress=50,
        text="本月进展",
        at=_at(dt.date(2026, 11, 2)),
    )
    assert chase_missing_reports(now=_at(TODAY)) == []


def test_a_supervision_notice_is_issued_replied_and_late_replies_are_flagged(
    task: Task, cast: Mapping[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    issued = _at(TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        _issue_and_reply(task, cast, issued)
    first, second = SupervisionNotice.objects.order_by("pk")
    assert (first.number, second.number) == ("督办〔2026〕1号", "督办〔2026〕2号")
    assert (first.status, first.replied_late, second.replied_late) == (
        NoticeStatus.REPLIED,
        False,
        True,
    )
    with pytest.raises(WrongState, match="已回复"):
        reply_notice(actor=cast["deptadmin"], notice=first, reply="再答一次")
    assert Message.objects.filter(user=cast["deptadmin"], subject__startswith="督办单").count() == 2


def _issue_and_reply(task: Task, cast: Mapping[str, User], issued: dt.datetime) -> None:
    first = issue_notice(
        actor=cast["leader"],
        task=task,
        reason="清扫率连续两月未达标，请说明原因并提出整改措施",
        reply_due=issued + dt.timedelta(days=3),
        at=issued,
    )
    second = issue_notice(
        actor=cast["supervisor"],
        task=task,
        reason="再次督办",
        reply_due=issued + dt.timedelta(days=1),
        at=issued,
    )
    reply_notice(actor=cast["deptadmin"], notice=first, reply="已增派两台洗扫车", at=issued)
    reply_notice(
        actor=cast["deptadmin"],
        notice=second,
        reply="已落实",
        at=issued + dt.timedelta(days=2),
    )


def test_an_owner_cannot_supervise_their_own_task_and_bad_notices_are_refused(
    task: Task, cast: Mapping[str, User]
) -> None:
    with pytest.raises(NotAllowed):
        issue_notice(
            actor=cast["deptadmin"],
            task=task,
            reason="自我督办",
            reply_due=timezone.now() + dt.timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match="回复时限必须晚于督办时间"):
        issue_notice(
            actor=cast["leader"],
            task=task,
            reason="请尽快推进",
            reply_due=timezone.now() - dt.timedelta(hours=1),
        )
    with pytest.raises(InvalidInput, match="请填写督办事项"):
        issue_notice(
            actor=cast["leader"],
            task=task,
            reason="",
            reply_due=timezone.now() + dt.timedelta(days=1),
        )
    assert not SupervisionNotice.objects.exists()


def test_acceptance_by_someone_else_ticks_off_and_the_ledger_shows_it(
    plan: Plan, task: Task, cast: Mapping[str, User]
) -> None:
    asked = request_acceptance(
        actor=cast["deptadmin"],
        task=task,
        evidence="清扫率达96.2%，附第三方检测报告",
        files=[Upload("检测报告.pdf", b"%PDF-1.7\n...")],
        at=_at(dt.date(2026, 12, 20)),
    )
    with pytest.raises(NotAllowed, match="不能验收本人或本单位负责的任务"):
        decide_acceptance(actor=cast["deptadmin"], request=asked, accept=True)
    assert acceptance_queue(cast["leader"]) == [asked]
    assert acceptance_queue(cast["deptadmin"]) == []

    decide_acceptance(
        actor=cast["leader"],
        request=asked,
        accept=True,
        reasons="现场抽查5条道路，均达标",
        at=_at(dt.date(2026, 12, 28)),
    )

    task.refresh_from_db()
    assert (task.status, task.progress, task.ticked_off_by) == (
        TaskStatus.TICKED_OFF,
        100,
        cast["leader"],
    )
    ledger = list(tick_off_ledger(plan))
    assert [(r.task, r.decided_by, r.files.get().name) for r in ledger] == [
        (task, cast["leader"], "检测报告.pdf")
    ]
    assert standing(task, today=TODAY).light == Light.DONE
    assert [e.action for e in task.events.order_by("seq")] == [
        TaskAction.CREATE,
        TaskAction.REQUEST_ACCEPTANCE,
        TaskAction.ACCEPT,
    ]
    assert verify_chain(task) == []


def test_a_rejected_acceptance_needs_reasons_and_reopens_the_task(
    task: Task, cast: Mapping[str, User]
) -> None:
    asked = request_acceptance(actor=cast["deptadmin"], task=task, evidence="已完成")
    with pytest.raises(InvalidInput, match="验收不通过时须写明理由"):
        decide_acceptance(actor=cast["supervisor"], request=asked, accept=False)
    asked.refresh_from_db()
    assert asked.decision == ""

    decide_acceptance(
        actor=cast["supervisor"], request=asked, accept=False, reasons="抽查3条背街仍有积尘"
    )
    task.refresh_from_db()
    assert (task.status, task.rejections) == (TaskStatus.OPEN, 1)
    assert AcceptanceRequest.objects.get().decision == Decision.REJECTED
    with pytest.raises(WrongState):
        decide_acceptance(actor=cast["leader"], request=asked, accept=True)


def test_a_parent_completes_only_after_every_sub_task_is_ticked_off(
    plan: Plan, task: Task, cast: Mapping[str, User], unit: Unit
) -> None:
    children = [
        add_task(
            actor=cast["supervisor"],
            plan=plan,
            parent=task,
            title=name,
            lead_unit=unit,
            responsible=cast["handler"],
            deadline=dt.date(2026, 12, 31),
        )
        for name in ("甲", "乙")
    ]
    first = request_acceptance(actor=cast["handler"], task=children[0], evidence="甲已完成")
    decide_acceptance(actor=cast["leader"], request=first, accept=True)

    with pytest.raises(WrongState, match=r"子任务1\.1\.2尚未销号"):
        request_acceptance(actor=cast["deptadmin"], task=task, evidence="全部完成")
    task.refresh_from_db()
    assert (task.status, task.progress) == (TaskStatus.OPEN, 50)

    second = request_acceptance(actor=cast["handler"], task=children[1], evidence="乙已完成")
    decide_acceptance(actor=cast["leader"], request=second, accept=True)
    parent_request = request_acceptance(actor=cast["deptadmin"], task=task, evidence="全部完成")
    decide_acceptance(actor=cast["supervisor"], request=parent_request, accept=True)
    task.refresh_from_db()
    assert task.status == TaskStatus.TICKED_OFF


def test_the_board_counts_tasks_by_light_and_my_tasks_come_soonest_first(
    plan: Plan, task: Task, cast: Mapping[str, User], unit: Unit
) -> None:
    late = add_task(
        actor=cast["supervisor"],
        plan=plan,
        title="背街小巷整治",
        lead_unit=unit,
        responsible=cast["deptadmin"],
        deadline=dt.date(2026, 11, 1),
    )
    task.progress = 80
    Task.objects.filter(pk=task.pk).update(progress=80)

    board = plan_board(plan, today=TODAY)
    assert [row.task.number for row in board.rows] == ["1.1", "2"]
    assert (board.counts[Light.GREEN], board.counts[Light.RED]) == (1, 1)
    assert [r.task for r in plan_board(plan, today=TODAY, light=Light.RED).rows] == [late]
    assert [r.task for r in my_tasks(cast["deptadmin"], today=TODAY)] == [late, task]
    assert my_tasks(cast["inspector"], today=TODAY) == []


def test_a_pledge_is_recorded_once_per_unit(
    plan: Plan, cast: Mapping[str, User], unit: Unit
) -> None:
    record_pledge(
        actor=cast["supervisor"],
        plan=plan,
        unit=unit,
        signatory="李局长",
        signed_on=dt.date(2026, 1, 5),
    )
    with pytest.raises(WrongState, match="已签订本计划的目标责任书"):
        record_pledge(
            actor=cast["supervisor"], plan=plan, unit=unit, signatory="王", signed_on=TODAY
        )
    assert Pledge.objects.get().signatory == "李局长"


def test_the_default_responsible_is_the_units_department_admin(
    cast: Mapping[str, User], unit: Unit
) -> None:
    assert default_responsible(unit) == cast["deptadmin"]


def test_an_acceptor_cannot_accept_a_task_they_own(plan: Plan, cast: Mapping[str, User]) -> None:
    leader = cast["leader"]
    assert leader.unit is not None
    own = add_task(
        actor=cast["supervisor"],
        plan=plan,
        title="指挥中心值守制度修订",
        lead_unit=leader.unit,
        responsible=leader,
        deadline=dt.date(2026, 12, 31),
    )
    asked = request_acceptance(actor=leader, task=own, evidence="制度已印发")

    with pytest.raises(NotAllowed, match="不能验收本人或本单位负责的任务"):
        decide_acceptance(actor=leader, request=asked, accept=True)

    own.refresh_from_db()
    asked.refresh_from_db()
    assert (own.status, asked.decision) == (TaskStatus.AWAITING_ACCEPTANCE, "")


def test_an_unanswered_notice_is_chased_once_a_day_until_replied(
    task: Task, cast: Mapping[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    issued = _at(TODAY)
    notice = issue_notice(
        actor=cast["leader"],
        task=task,
        reason="请说明滞后原因",
        reply_due=issued + dt.timedelta(days=2),
        at=issued,
    )
    late = issued + dt.timedelta(days=3)

    with django_capture_on_commit_callbacks(execute=True):
        assert chase_unanswered_notices(now=issued + dt.timedelta(days=1)) == []
        assert chase_unanswered_notices(now=late) == [notice.pk]
        assert chase_unanswered_notices(now=late + dt.timedelta(hours=2)) == []
    reply_notice(actor=cast["deptadmin"], notice=notice, reply="已说明", at=late)
    assert chase_unanswered_notices(now=late + dt.timedelta(days=1)) == []

    chases = TaskEvent.objects.filter(task=task, action=TaskAction.CHASE)
    assert [e.note for e in chases] == ["督办单督办〔2026〕1号已超过回复时限"]
    assert (
        Message.objects.filter(user=cast["deptadmin"], subject__contains="逾期未回复").count() == 1
    )


def test_adding_a_sub_task_lowers_its_parents_progress(
    plan: Plan, task: Task, cast: Mapping[str, User], unit: Unit
) -> None:
    first = add_task(
        actor=cast["supervisor"],
        plan=plan,
        parent=task,
        title="甲",
        lead_unit=unit,
        responsible=cast["handler"],
        deadline=dt.date(2026, 12, 31),
    )
    report_progress(actor=cast["handler"], task=first, progress=80, text="甲过八成")
    add_task(
        actor=cast["supervisor"],
        plan=plan,
        parent=task,
        title="乙",
        lead_unit=unit,
        responsible=cast["handler"],
        deadline=dt.date(2026, 12, 31),
    )
    task.refresh_from_db()
    assert task.progress == 40
