"""manage.py demo_campaigns keeps its promises in the demo city: a plan of 20+ tasks in five
categories broken down two levels, red tasks, tick-offs by someone other than the owner, an
undercover round whose failures became rectifications and cases, a scoreboard scored by all three
methods, and last month's departments-campaigns run with campaign figures."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from finegrid.campaigns import selectors
from finegrid.campaigns.assessment import scoreboard
from finegrid.campaigns.models import (
    AcceptanceRequest,
    Decision,
    InspectionRound,
    ItemScore,
    Method,
    NoticeStatus,
    Plan,
    PlanKind,
    RoundKind,
    RoundStatus,
    SupervisionNotice,
    Task,
    TaskKind,
)
from finegrid.cases.models import Source
from finegrid.demo.campaigns import JOURNEY_TASK_TITLE
from finegrid.evaluation.models import Result, Run, RunStatus
from finegrid.evaluation.periods import Period, PeriodKind

pytestmark = pytest.mark.django_db

CAMPAIGN_FIGURES = ("campaign_tasks_due", "campaign_progress", "inspection_items")


def test_demo_campaigns_builds_the_promised_demo_and_skips_when_asked(tmp_path: Path) -> None:
    out = StringIO()
    with override_settings(MEDIA_ROOT=tmp_path):
        call_command("demo_campaigns", "--seed", "1", stdout=out)
    today = timezone.localdate()

    # the plan: 20+ tasks in 5 categories, broken down to districts and then streets
    plan = Plan.objects.get(kind=PlanKind.ACTION_PLAN)
    assert plan.title.startswith("示范市城市精细化管理三年行动计划")
    assert plan.issuer == "示范市城市管理委员会"
    assert plan.starts_on < today < plan.ends_on
    assert plan.categories.count() == 5
    tasks = list(plan.tasks.select_related("parent__parent", "lead_unit"))
    assert len(tasks) >= 20
    assert any(t.parent is not None and t.parent.parent is not None for t in tasks)
    assert plan.pledges.count() >= 5

    # today's lights: some of every kind, and the journey's red task of 明湖区城市管理局
    board = selectors.plan_board(plan, today=today)
    for light in selectors.Light:
        assert board.counts[light] >= 1, (light, board.counts)
    journey = next(r for r in board.rows if r.task.title == JOURNEY_TASK_TITLE)
    assert journey.standing.light == selectors.Light.RED
    assert journey.task.lead_unit.name == "明湖区城市管理局"
    assert journey.task.responsible.username == "deptadmin"
    assert not journey.task.children.exists()

    # tick-offs were accepted by someone who is not the owner
    accepted = AcceptanceRequest.objects.filter(task__plan=plan, decision=Decision.ACCEPTED)
    assert accepted.count() >= 5
    for request in accepted.select_related("task", "decided_by"):
        assert request.decided_by is not None
        assert request.decided_by_id != request.task.responsible_id
        assert request.decided_by.unit_id != request.task.lead_unit_id
        assert request.decided_at is not None
        assert request.decided_at < timezone.now()
    notices = SupervisionNotice.objects.filter(task__plan=plan)
    assert notices.filter(status=NoticeStatus.REPLIED).count() >= 1
    assert notices.filter(status=NoticeStatus.AWAITING_REPLY).count() >= 1

    # the undercover round: finished; each failure has one rectification and, with a category,
    # one case reported as 暗访
    inspection_round = InspectionRound.objects.get(kind=RoundKind.UNDERCOVER)
    assert inspection_round.status == RoundStatus.FINISHED
    assert inspection_round.visits.filter(finished=False).count() == 0
    failures = list(
        ItemScore.objects.filter(visit__round=inspection_round, passed=False).select_related("item")
    )
    assert len(failures) >= 5
    for finding in failures:
        [task] = Task.objects.filter(finding=finding)
        assert task.kind == TaskKind.RECTIFICATION
        assert task.plan_id == inspection_round.rectification_plan_id
        if finding.item.category_id is None:
            assert task.case is None
        else:
            assert task.case is not None
            assert task.case.source == Source.UNDERCOVER
        assert finding.photo
    assert any(f.item.category_id is None for f in failures)
    rectifications = Task.objects.filter(finding__visit__round=inspection_round)
    assert rectifications.filter(status="ticked_off").count() >= 1

    # the mock assessment is scored by field checks, material reviews and surveys
    assert inspection_round.assessment is not None
    board_scores = scoreboard(tree=inspection_round.assessment)
    scored = {c.method for c in board_scores.contents if c.score}
    assert scored == {Method.FIELD_CHECK, Method.MATERIAL, Method.SURVEY}
    assert board_scores.total < board_scores.simulated_total <= board_scores.max_total

    # last month's departments-campaigns run, published, with campaign figures
    month = Period.containing(PeriodKind.MONTH, today).previous()
    run = Run.objects.get(scheme__code="departments-campaigns", period=month.code)
    assert run.status == RunStatus.PUBLISHED
    with_figures = [
        r
        for r in Result.objects.filter(run=run)
        if any((r.counts or {}).get(name) for name in CAMPAIGN_FIGURES)
    ]
    assert with_figures, "no department has campaign figures"
    assert "明湖区城市管理局" in {r.name for r in with_figures}

    # the command says what it built, and --if-empty leaves it alone
    assert "项任务" in out.getvalue()
    before = (Task.objects.count(), Run.objects.count(), ItemScore.objects.count())
    again = StringIO()
    call_command("demo_campaigns", "--if-empty", stdout=again)
    assert "跳过" in again.getvalue()
    assert (Task.objects.count(), Run.objects.count(), ItemScore.objects.count()) == before
