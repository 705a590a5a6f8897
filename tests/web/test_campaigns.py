"""The campaign pages (/campaigns/): who sees what, a plan's board counted by light, the
supervision → reply → acceptance → tick-off flow through the forms, refusals that change nothing,
inspection rounds scored on the phone, the scoreboard, and the Excel and Word downloads.

The plan is built by hand with the real actions: four tasks of 明湖区城市管理局 (handler and deptadmin
work there), one per light — on track, due within days, behind a missed milestone, ticked off.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from PIL import Image

from finegrid.campaigns.actions import (
    MilestoneInput,
    add_task,
    create_plan,
    decide_acceptance,
    report_progress,
    request_acceptance,
)
from finegrid.campaigns.inspections import (
    add_template_item,
    create_template,
    draw_round,
    register_site,
)
from finegrid.campaigns.models import (
    AcceptanceRequest,
    IndexTree,
    InspectionRound,
    InspectionTemplate,
    ItemScore,
    Plan,
    ProgressReport,
    RoundKind,
    SiteType,
    SupervisionNotice,
    Task,
    TaskEvent,
    TaskFile,
    TaskStatus,
)
from finegrid.campaigns.selectors import Light
from finegrid.geo.models import Grid
from finegrid.org.models import User
from tests.cases.builders import grid_point

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class City:
    plan: Plan
    green: Task
    yellow: Task
    red: Task
    done: Task


def build_plan(cast: dict[str, User]) -> City:
    today = timezone.localdate()
    supervisor, handler = cast["supervisor"], cast["handler"]
    plan = create_plan(
        actor=supervisor,
        title="市容环境整治三年行动",
        issuer="示范市城市管理委员会",
        document_no="示城管〔2026〕8号",
        starts_on=today - dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=120),
    )

    def task(title: str, deadline: int, milestones: list[MilestoneInput] = []) -> Task:  # noqa: B006
        return add_task(
            actor=supervisor,
            plan=plan,
            title=title,
            lead_unit=handler.unit,
            responsible=handler,
            starts_on=today - dt.timedelta(days=30),
            deadline=today + dt.timedelta(days=deadline),
            milestones=milestones,
        )

    green = task("背街小巷环境整治", 90)
    report_progress(actor=handler, task=green, progress=40, text="已完成12条")
    yellow = task("占道经营清理", 5)
    red = task(
        "公厕提档升级",
        60,
        [MilestoneInput("完成设计", today - dt.timedelta(days=10), 50)],
    )
    done = task("路灯亮化", 30)
    request = request_acceptance(actor=handler, task=done, evidence="全部亮灯")
    decide_acceptance(actor=supervisor, request=request, accept=True)
    for row in (green, yellow, red, done):
        row.refresh_from_db()
    return City(plan, green, yellow, red, done)


@pytest.fixture
def city(cast: dict[str, User]) -> City:
    return build_plan(cast)


def rows_of(task: Task) -> dict[str, int]:
    """What a task's forms can write, to show that a refusal wrote nothing."""
    return {
        "reports": ProgressReport.objects.filter(task=task).count(),
        "notices": SupervisionNotice.objects.filter(task=task).count(),
        "requests": AcceptanceRequest.objects.filter(task=task).count(),
        "events": TaskEvent.objects.filter(task=task).count(),
        "files": TaskFile.objects.filter(task=task).count(),
    }


def due_in(hours: int) -> str:
    return (timezone.localtime() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["receptionist", "dispatcher"])
def test_an_outsider_role_is_refused_every_page_and_has_no_link(
    cast: dict[str, User], city: City, username: str
) -> None:
    client = client_of(cast[username])
    for url in (
        "/campaigns/",
        f"/campaigns/plans/{city.plan.pk}/",
        f"/campaigns/plans/{city.plan.pk}/export.xlsx",
        f"/campaigns/plans/{city.plan.pk}/plan.xlsx",
        f"/campaigns/tasks/{city.green.pk}/",
        "/campaigns/mine/",
        "/campaigns/supervision/",
        "/campaigns/acceptance/",
        "/campaigns/rounds/",
        "/campaigns/assessment/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "背街小巷" not in response.content.decode(), url
    posted = client.post(f"/campaigns/tasks/{city.green.pk}/report", {"progress": 90, "text": "x"})
    assert posted.status_code == 403
    assert Task.objects.get(pk=city.green.pk).progress == 40
    assert "专项行动" not in client.get("/").content.decode()


def test_owners_see_their_plan_and_others_get_404(cast: dict[str, User], city: City) -> None:
    handler = client_of(cast["handler"])
    home = handler.get("/").content.decode()
    assert 'href="/campaigns/"' in home
    assert "专项行动" in home
    assert handler.get(f"/campaigns/plans/{city.plan.pk}/").status_code == 200
    assert handler.get(f"/campaigns/tasks/{city.red.pk}/").status_code == 200
    # The inspector may open the campaign pages but has no task in this plan.
    inspector = client_of(cast["inspector"])
    listing = inspector.get("/campaigns/")
    assert listing.status_code == 200
    assert "市容环境整治三年行动" not in listing.content.decode()
    assert inspector.get(f"/campaigns/plans/{city.plan.pk}/").status_code == 404
    assert inspector.get(f"/campaigns/tasks/{city.red.pk}/").status_code == 404
    assert inspector.get(f"/campaigns/plans/{city.plan.pk}/export.xlsx").status_code == 404
    # Acceptance is for acceptors only.
    assert handler.get("/campaigns/acceptance/").status_code == 403
    assert client_of(cast["leader"]).get("/campaigns/acceptance/").status_code == 200


def test_the_plans_list_counts_tasks_by_light(cast: dict[str, User], city: City) -> None:
    response = client_of(cast["leader"]).get("/campaigns/")
    [row] = [r for r in response.context["rows"] if r["plan"] == city.plan]
    assert row["total"] == 4
    assert row["counts"] == [("green", 1), ("yellow", 1), ("red", 1), ("done", 1)]


# --- the board ----------------------------------------------------------------------------------


def test_the_board_counts_by_light_and_filters(cast: dict[str, User], city: City) -> None:
    client = client_of(cast["supervisor"])
    response = client.get(f"/campaigns/plans/{city.plan.pk}/")
    assert response.status_code == 200
    board = response.context["board"]
    assert dict(board.counts) == {Light.GREEN: 1, Light.YELLOW: 1, Light.RED: 1, Light.DONE: 1}
    assert [(r.task.title, r.standing.light) for r in board.rows] == [
        ("背街小巷环境整治", Light.GREEN),
        ("占道经营清理", Light.YELLOW),
        ("公厕提档升级", Light.RED),
        ("路灯亮化", Light.DONE),
    ]
    page = response.content.decode()
    assert "“完成设计”应于" in page  # the red task's reason
    assert page.count('class="cg-bar cg-bar-') == 4  # one Gantt bar per task
    assert "销号台账" in page
    assert "全部亮灯" in page

    red = client.get(f"/campaigns/plans/{city.plan.pk}/?light=red")
    assert [r.task.title for r in red.context["board"].rows] == ["公厕提档升级"]
    assert dict(red.context["board"].counts)[Light.GREEN] == 1  # the counts stay whole


def test_a_plan_manager_records_a_pledge_and_a_bad_one_changes_nothing(
    cast: dict[str, User], city: City
) -> None:
    client = client_of(cast["leader"])
    url = f"/campaigns/plans/{city.plan.pk}/pledges"
    unit = cast["handler"].unit
    assert unit is not None
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    refused = client.post(url, {"unit": unit.pk, "signatory": "杨帆", "signed_on": future})
    assert refused.status_code == 400
    assert "签订日期不能晚于今天" in refused.content.decode()
    assert not city.plan.pledges.exists()

    today = timezone.localdate().isoformat()
    done = client.post(url, {"unit": unit.pk, "signatory": "杨帆", "signed_on": today})
    assert done.status_code == 302
    [pledge] = city.plan.pledges.all()
    assert (pledge.unit, pledge.signatory, pledge.recorded_by) == (unit, "杨帆", cast["leader"])
    # The owner may not record one.
    owner = client_of(cast["handler"]).post(
        url, {"unit": unit.pk, "signatory": "陈静", "signed_on": today}
    )
    assert owner.status_code == 403
    assert city.plan.pledges.count() == 1


# --- the flow -------------------------------------------------------------------------------------


def test_notice_reply_request_and_accept_through_the_forms(
    cast: dict[str, User], city: City
) -> None:
    supervisor, handler = client_of(cast["supervisor"]), client_of(cast["handler"])
    task = city.yellow
    url = f"/campaigns/tasks/{task.pk}/"

    # Given the supervisor issues a notice,
    issued = supervisor.post(
        url + "notice", {"reason": "进度滞后，请说明", "reply_due": due_in(48)}
    )
    assert issued.status_code == 302
    assert issued["Location"] == url + "#notices"
    [notice] = SupervisionNotice.objects.filter(task=task)
    year = timezone.localdate().year
    assert (notice.number, notice.status, notice.issued_by, notice.reason) == (
        f"督办〔{year}〕1号",
        "awaiting_reply",
        cast["supervisor"],
        "进度滞后，请说明",
    )
    page = handler.get(url).content.decode()
    assert f"回复督办单 {notice.number}" in page

    # when the owner replies with a document,
    with io.BytesIO(PDF) as scan:
        scan.name = "整改说明.pdf"
        replied = handler.post(
            url + "reply", {"notice": notice.pk, "reply": "已增派人手", "files": scan}
        )
    assert replied.status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.reply, notice.replied_by) == (
        "replied",
        "已增派人手",
        cast["handler"],
    )
    [attached] = TaskFile.objects.filter(notice=notice)
    assert (attached.name, attached.content_type) == ("整改说明.pdf", "application/pdf")
    assert handler.get(f"/campaigns/files/{attached.pk}").status_code == 200
    assert client_of(cast["inspector"]).get(f"/campaigns/files/{attached.pk}").status_code == 404

    # asks for acceptance,
    asked = handler.post(url + "request", {"evidence": "摊点已全部清理"})
    assert asked.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_ACCEPTANCE
    [request] = AcceptanceRequest.objects.filter(task=task)
    assert (request.evidence, request.requested_by, request.decision) == (
        "摊点已全部清理",
        cast["handler"],
        "",
    )
    queue = supervisor.get("/campaigns/acceptance/")
    assert [r.pk for r, _row in queue.context["queue"]] == [request.pk]

    # and the supervisor accepts it: the task is ticked off.
    accepted = supervisor.post(
        url + "decide", {"request": request.pk, "decision": "accept", "reasons": "现场核实"}
    )
    assert accepted.status_code == 302
    task.refresh_from_db()
    request.refresh_from_db()
    assert (task.status, task.progress, task.ticked_off_by) == (
        TaskStatus.TICKED_OFF,
        100,
        cast["supervisor"],
    )
    assert (request.decision, request.decided_by, request.reasons) == (
        "accepted",
        cast["supervisor"],
        "现场核实",
    )
    assert list(TaskEvent.objects.filter(task=task).values_list("action", flat=True)) == [
        "create",
        "supervise",
        "reply",
        "request_acceptance",
        "accept",
    ]
    board = supervisor.get(f"/campaigns/plans/{city.plan.pk}/").context["board"]
    assert board.counts[Light.DONE] == 2


def test_the_owner_cannot_accept_their_own_task(cast: dict[str, User], city: City) -> None:
    # Given a task the supervision centre itself answers for, awaiting acceptance,
    supervisor = cast["supervisor"]
    own = add_task(
        actor=supervisor,
        plan=city.plan,
        title="督查制度建设",
        lead_unit=supervisor.unit,
        responsible=supervisor,
        deadline=city.plan.ends_on,
    )
    request = request_acceptance(actor=supervisor, task=own, evidence="制度已印发")
    before = rows_of(own)
    client = client_of(supervisor)
    page = client.get(f"/campaigns/tasks/{own.pk}/").content.decode()
    assert "验收须由其他督查员或领导进行" in page
    assert f'action="/campaigns/tasks/{own.pk}/decide"' not in page
    # when the supervisor posts a decision anyway,
    refused = client.post(
        f"/campaigns/tasks/{own.pk}/decide", {"request": request.pk, "decision": "accept"}
    )
    # then it is refused with the reason, and nothing changed.
    assert refused.status_code == 403
    assert "不能验收本人或本单位负责的任务" in refused.content.decode()
    own.refresh_from_db()
    request.refresh_from_db()
    assert own.status == TaskStatus.AWAITING_ACCEPTANCE
    assert request.decision == ""
    assert rows_of(own) == before


def test_bad_input_shows_the_reason_and_changes_nothing(cast: dict[str, User], city: City) -> None:
    supervisor, handler = client_of(cast["supervisor"]), client_of(cast["handler"])
    task = city.green
    url = f"/campaigns/tasks/{task.pk}/"
    before, version = rows_of(task), task.version

    refusals = [
        (handler, "report", {"progress": 150, "text": "超额"}, 400, "完成进度应为0到100之间的整数"),
        (handler, "report", {"progress": 50, "text": "  "}, 400, "请填写进展情况"),
        (handler, "report", {"progress": "很多", "text": "x"}, 400, "完成进度应为0到100之间的整数"),
        (supervisor, "notice", {"reason": " ", "reply_due": due_in(24)}, 400, "请填写督办事项"),
        (supervisor, "notice", {"reason": "请说明", "reply_due": due_in(-2)}, 400,
         "回复时限必须晚于督办时间"),
        (supervisor, "notice", {"reason": "请说明", "reply_due": ""}, 400, "请填写回复时限"),
        (handler, "notice", {"reason": "自己督办自己", "reply_due": due_in(24)}, 403,
         "您的岗位不能督办"),
        (supervisor, "report", {"progress": 60, "text": "代报"}, 403,
         "只有任务的责任人或牵头单位才能报送进度"),
        (handler, "request", {"evidence": ""}, 400, "请说明完成情况并提供佐证"),
    ]  # fmt: skip
    for client, action, data, status, message in refusals:
        response = client.post(url + action, data)
        assert response.status_code == status, (action, data)
        assert message in response.content.decode(), (action, data)
    task.refresh_from_db()
    assert (task.progress, task.status, task.version) == (40, TaskStatus.OPEN, version)
    assert rows_of(task) == before
    # A file that is neither a photo nor a document is refused before anything is written.
    with io.BytesIO(b"MZ\x90\x00 not a photo") as exe:
        exe.name = "setup.exe"
        response = handler.post(url + "report", {"progress": 50, "text": "附件", "files": exe})
    assert response.status_code == 400
    assert "setup.exe" in response.content.decode()
    assert rows_of(task) == before
    # A task the user may not see answers 404, whatever is posted.
    inspector = client_of(cast["inspector"])
    assert inspector.post(url + "report", {"progress": 50, "text": "x"}).status_code == 404


def test_a_rejection_needs_reasons(cast: dict[str, User], city: City) -> None:
    handler, leader = cast["handler"], client_of(cast["leader"])
    request = request_acceptance(actor=handler, task=city.red, evidence="设计已完成")
    url = f"/campaigns/tasks/{city.red.pk}/decide"
    refused = leader.post(url, {"request": request.pk, "decision": "reject", "reasons": ""})
    assert refused.status_code == 400
    assert "验收不通过时须写明理由" in refused.content.decode()
    request.refresh_from_db()
    assert request.decision == ""
    rejected = leader.post(url, {"request": request.pk, "decision": "reject", "reasons": "缺照片"})
    assert rejected.status_code == 302
    city.red.refresh_from_db()
    assert (city.red.status, city.red.rejections) == (TaskStatus.OPEN, 1)


def test_my_tasks_and_the_supervision_list(cast: dict[str, User], city: City) -> None:
    handler = client_of(cast["handler"])
    mine = handler.get("/campaigns/mine/")
    assert [r.task.title for r in mine.context["rows"]] == [
        "占道经营清理",
        "公厕提档升级",
        "背街小巷环境整治",
    ]  # soonest first, the ticked-off one left out
    late = SupervisionNotice.objects.create(
        number="督办〔2026〕90号",
        task=city.red,
        issued_by=cast["supervisor"],
        issued_at=timezone.now() - dt.timedelta(days=3),
        reason="滞后",
        reply_due=timezone.now() - dt.timedelta(days=1),
        status="replied",
        reply="补报",
        replied_by=cast["handler"],
        replied_at=timezone.now(),
    )
    listing = client_of(cast["leader"]).get("/campaigns/supervision/?status=replied")
    assert [n.pk for n in listing.context["page"]] == [late.pk]
    assert "逾期回复" in listing.content.decode()
    assert (
        not client_of(cast["leader"])
        .get("/campaigns/supervision/?status=awaiting_reply")
        .context["page"]
        .object_list
    )


# --- import and downloads -------------------------------------------------------------------------


def test_a_bad_workbook_is_refused_with_its_problems_and_nothing_is_imported(
    cast: dict[str, User],
) -> None:
    client = client_of(cast["supervisor"])
    plans = Plan.objects.count()
    with io.BytesIO(b"not a workbook") as upload:
        upload.name = "计划.xlsx"
        response = client.post("/campaigns/plans/import", {"workbook": upload})
    assert response.status_code == 400
    assert "“计划.xlsx”不是有效的Excel工作簿（.xlsx）" in response.content.decode()
    assert Plan.objects.count() == plans
    template = client.get("/campaigns/plans/template.xlsx")
    assert template.status_code == 200
    assert template["Content-Type"] == XLSX
    load_workbook(io.BytesIO(template.content))
    assert client_of(cast["handler"]).get("/campaigns/plans/template.xlsx").status_code == 403


def test_a_plans_own_workbook_downloads(cast: dict[str, User], city: City) -> None:
    response = client_of(cast["handler"]).get(f"/campaigns/plans/{city.plan.pk}/plan.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment;" in response["Content-Disposition"]
    load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize(
    "url",
    ["/campaigns/plans/{plan}/export", "/campaigns/mine/export", "/campaigns/supervision/export"],
)
def test_lists_download_as_excel_and_word(cast: dict[str, User], city: City, url: str) -> None:
    client = client_of(cast["deptadmin"])
    base = url.format(plan=city.plan.pk)
    sheet = client.get(f"{base}.xlsx")
    assert sheet.status_code == 200
    assert sheet["Content-Type"] == XLSX
    load_workbook(io.BytesIO(sheet.content))
    word = client.get(f"{base}.docx")
    assert word.status_code == 200
    assert word["Content-Type"] == DOCX
    Document(io.BytesIO(word.content))
    assert client.get(f"{base}.pdf").status_code == 404


# --- inspection rounds and the scoreboard ---------------------------------------------------------


def jpeg() -> tuple[str, bytes]:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 120, 120)).save(buffer, format="JPEG")
    return "现场.jpg", buffer.getvalue()


@pytest.fixture
def template(cast: dict[str, User]) -> InspectionTemplate:
    """Two main streets of 明湖区 and a checklist of two items for main streets."""
    street = SiteType.objects.get(tag=9)
    supervisor = cast["supervisor"]
    for index, name in enumerate(("湖滨路", "望湖路")):
        grid = Grid.objects.current().filter(code__startswith="990102001").order_by("code")[index]
        lon, lat = grid_point(grid.code)
        register_site(actor=supervisor, site_type=street, name=name, lon=lon, lat=lat)
    checklist = create_template(actor=supervisor, name="网页测试检查表", site_types=[street])
    add_template_item(
        actor=supervisor, template=checklist, standard="路面无暴露垃圾", points=Decimal(4)
    )
    add_template_item(
        actor=supervisor,
        template=checklist,
        standard="公交站台设施完好",
        points=Decimal(2),
        photo_required=False,
    )
    return checklist


@pytest.fixture
def inspection(cast: dict[str, User], template: InspectionTemplate) -> InspectionRound:
    return draw_round(
        actor=cast["supervisor"],
        name="本月暗访",
        kind=RoundKind.UNDERCOVER,
        template=template,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=7),
        sample={9: 2},
        seed=7,
    )


def test_an_inspector_scores_a_site_on_the_phone_page(
    cast: dict[str, User], inspection: InspectionRound, template: InspectionTemplate
) -> None:
    visit = inspection.visits.order_by("pk").first()
    assert visit is not None
    first, second = template.items.get(number=1), template.items.get(number=2)
    inspector = client_of(cast["inspector"])
    url = f"/campaigns/rounds/{inspection.pk}/visits/{visit.pk}/"
    page = inspector.get(url)
    assert page.status_code == 200
    assert 'capture="environment"' in page.content.decode()
    assert [r["item"].number for r in page.context["open"]] == [1, 2]

    # A failed item without its photo is refused, and neither item is saved.
    refused = inspector.post(
        url + "score", {"item": "all", f"score-{first.pk}": "2", f"score-{second.pk}": "2"}
    )
    assert refused.status_code == 400
    assert "未得满分，须拍照留证" in refused.content.decode()
    assert not ItemScore.objects.filter(visit=visit).exists()
    over = inspector.post(url + "score", {"item": second.pk, f"score-{second.pk}": "3"})
    assert over.status_code == 400
    assert "得分应在0到2分之间" in over.content.decode()

    # With the photo, both are saved at once; the failed one becomes a rectification task.
    name, content = jpeg()
    with io.BytesIO(content) as upload:
        upload.name = name
        saved = inspector.post(
            url + "score",
            {
                "item": "all",
                f"score-{first.pk}": "2",
                f"note-{first.pk}": "路边堆放垃圾",
                f"photo-{first.pk}": upload,
                f"score-{second.pk}": "2",
            },
        )
    assert saved.status_code == 302
    scores = {s.item.number: (s.score, s.passed) for s in ItemScore.objects.filter(visit=visit)}
    assert scores == {1: (Decimal("2.00"), False), 2: (Decimal("2.00"), True)}
    finished = inspector.post(url + "finish")
    assert finished.status_code == 302
    visit.refresh_from_db()
    assert visit.finished

    # The round's page shows the visit failed, with its rectification task, on the map.
    shown = client_of(cast["leader"]).get(f"/campaigns/rounds/{inspection.pk}/")
    assert shown.status_code == 200
    [point] = [p for p in shown.context["points"] if p["state"] != "pending"]
    assert point["state"] == "fail"
    [failed] = point["failed"]
    task = Task.objects.get(finding__visit=visit)
    assert failed["task"] == f"/campaigns/tasks/{task.pk}/"
    # Handlers score nothing; the receptionist sees nothing.
    assert client_of(cast["handler"]).get(url).status_code == 403
    assert (
        client_of(cast["receptionist"]).get(f"/campaigns/rounds/{inspection.pk}/").status_code
        == 403
    )


def test_round_results_download(cast: dict[str, User], inspection: InspectionRound) -> None:
    client = client_of(cast["supervisor"])
    sheet = client.get(f"/campaigns/rounds/{inspection.pk}/export.xlsx")
    assert sheet.status_code == 200
    assert sheet["Content-Type"] == XLSX
    load_workbook(io.BytesIO(sheet.content))
    word = client.get(f"/campaigns/rounds/{inspection.pk}/export.docx")
    assert word.status_code == 200
    assert word["Content-Type"] == DOCX
    Document(io.BytesIO(word.content))


def test_the_scoreboard_page_and_its_downloads(cast: dict[str, User]) -> None:
    tree = IndexTree.objects.create(name="测试测评体系", year=2026)
    client = client_of(cast["leader"])
    page = client.get(f"/campaigns/assessment/{tree.pk}/")
    assert page.status_code == 200
    assert page.context["board"].total == 0
    assert "短板弱项" in page.content.decode()
    for fmt, content_type in (("xlsx", XLSX), ("docx", DOCX)):
        response = client.get(f"/campaigns/assessment/{tree.pk}/export.{fmt}")
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
    assert client_of(cast["handler"]).get(f"/campaigns/assessment/{tree.pk}/").status_code == 403
