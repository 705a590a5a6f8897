"""The campaign management pages (/campaigns/): drawing and finishing rounds, the site registry and
its import, the checklists, index trees and reviews, new plans, categories and tasks.

Each form is used through the test client on the demo city: what it writes, exactly; what a
refusal says, in the action's words, with nothing written; and who may use it at all.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from finegrid.campaigns.actions import create_plan
from finegrid.campaigns.assessment import DEMO_INDEX, import_index
from finegrid.campaigns.inspections import (
    add_template_item,
    create_template,
    default_template_spec,
    draw_round,
    finish_visit,
    register_site,
    score_item,
)
from finegrid.campaigns.models import (
    IndexNode,
    IndexTree,
    InspectionRound,
    InspectionTemplate,
    Method,
    Milestone,
    Plan,
    PlanCategory,
    Review,
    RoundKind,
    RoundStatus,
    Site,
    SiteType,
    Task,
    TaskEvent,
    TemplateItem,
    Visit,
)
from finegrid.geo.models import Area, AreaLevel, Grid
from finegrid.org.models import Unit, User
from tests.cases.builders import grid_point

pytestmark = pytest.mark.django_db

OUTSIDERS = ("handler", "receptionist")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grid_of(index: int) -> Grid:
    """One of 明湖区's grids, by position."""
    return Grid.objects.current().filter(code__startswith="990102001").order_by("code")[index]


def text(response: Any) -> str:
    return str(response.content.decode())


def today() -> dt.date:
    return timezone.localdate()


# --- drawing and finishing rounds -----------------------------------------------------------------


@pytest.fixture
def checklist(cast: dict[str, User]) -> InspectionTemplate:
    """Two main streets of 明湖区 and a two-item checklist for main streets (tag 9)."""
    supervisor = cast["supervisor"]
    street = SiteType.objects.get(tag=9)
    for index, name in enumerate(("湖滨路", "望湖路")):
        lon, lat = grid_point(grid_of(index).code)
        register_site(actor=supervisor, site_type=street, name=name, lon=lon, lat=lat)
    template = create_template(actor=supervisor, name="管理页测试检查表", site_types=[street])
    add_template_item(
        actor=supervisor, template=template, standard="路面无暴露垃圾", points=Decimal(4)
    )
    add_template_item(actor=supervisor, template=template, standard="护栏完好", points=Decimal(2))
    return template


def draw_data(checklist: InspectionTemplate, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "五月暗访",
        "kind": RoundKind.UNDERCOVER.value,
        "template": checklist.pk,
        "starts_on": today().isoformat(),
        "ends_on": (today() + dt.timedelta(days=7)).isoformat(),
        "assessment": "",
        "rectify_days": 10,
        "seed": 7,
        "sample_9": 2,
    }
    return data | changes


def active_streets() -> int:
    return Site.objects.filter(site_type__tag=9, is_active=True).count()


def test_the_rounds_page_offers_the_draw_form_with_every_site_type(
    cast: dict[str, User], checklist: InspectionTemplate
) -> None:
    response = client_of(cast["supervisor"]).get("/campaigns/rounds/")
    assert response.status_code == 200
    rows = response.context["sample_rows"]
    assert [r["type"].tag for r in rows] == list(range(1, 30))
    assert {r["type"].tag: r["active"] for r in rows}[9] == active_streets()
    page = text(response)
    assert 'action="/campaigns/rounds/draw"' in page
    assert 'name="sample_29"' in page
    # The sub-navigation links the registry and the checklists.
    assert 'href="/campaigns/sites/"' in page
    assert 'href="/campaigns/templates/"' in page
    # Leaders read rounds but do not draw them.
    leader = client_of(cast["leader"]).get("/campaigns/rounds/")
    assert leader.status_code == 200
    assert leader.context["draw_form"] is None
    assert 'action="/campaigns/rounds/draw"' not in text(leader)


def test_drawing_a_round_creates_it_and_its_visits(
    cast: dict[str, User], checklist: InspectionTemplate
) -> None:
    streets = list(
        Site.objects.filter(site_type__tag=9, is_active=True).values_list("name", flat=True)
    )
    response = client_of(cast["supervisor"]).post(
        "/campaigns/rounds/draw", draw_data(checklist, sample_9=len(streets))
    )
    assert response.status_code == 302
    drawn = InspectionRound.objects.get(name="五月暗访")
    assert response["Location"] == f"/campaigns/rounds/{drawn.pk}/"
    assert (
        drawn.kind,
        drawn.template,
        drawn.assessment,
        drawn.starts_on,
        drawn.ends_on,
        drawn.sample,
        drawn.seed,
        drawn.rectify_days,
        drawn.status,
        drawn.created_by,
    ) == (
        RoundKind.UNDERCOVER,
        checklist,
        None,
        today(),
        today() + dt.timedelta(days=7),
        {"9": len(streets)},
        7,
        10,
        RoundStatus.DRAWN,
        cast["supervisor"],
    )
    assert sorted(drawn.visits.values_list("site__name", flat=True)) == sorted(streets)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sample_9": 0}, "请至少为一种点位类型指定抽取数量"),
        ({"sample_10": 1}, "检查模板“管理页测试检查表”没有适用于背街小巷的检查项目"),
        ({"ends_on": "2000-01-01"}, "结束日期不能早于开始日期"),
        ({"rectify_days": 0}, "整改时限应为1到365天"),
        ({"sample_9": -1}, "抽取数量不能为负数"),
        ({"template": ""}, "检查模板：请选择检查模板"),
    ],
)
def test_a_refused_draw_shows_why_and_creates_nothing(
    cast: dict[str, User], checklist: InspectionTemplate, changes: dict[str, Any], message: str
) -> None:
    rounds, visits = InspectionRound.objects.count(), Visit.objects.count()
    response = client_of(cast["supervisor"]).post(
        "/campaigns/rounds/draw", draw_data(checklist, **changes)
    )
    assert response.status_code == 400
    assert message in response.context["draw_error"]
    assert message in text(response)
    assert (InspectionRound.objects.count(), Visit.objects.count()) == (rounds, visits)


def test_drawing_more_sites_than_are_active_is_refused(
    cast: dict[str, User], checklist: InspectionTemplate
) -> None:
    have = active_streets()
    rounds = InspectionRound.objects.count()
    response = client_of(cast["admin"]).post(
        "/campaigns/rounds/draw", draw_data(checklist, sample_9=have + 1)
    )
    assert response.status_code == 400
    assert f"主次干道、商业大街只有{have}个启用的点位，不能抽取{have + 1}个" in text(response)
    assert InspectionRound.objects.count() == rounds


@pytest.mark.parametrize("username", [*OUTSIDERS, "inspector", "leader"])
def test_only_the_centre_draws_rounds(
    cast: dict[str, User], checklist: InspectionTemplate, username: str
) -> None:
    rounds = InspectionRound.objects.count()
    response = client_of(cast[username]).post("/campaigns/rounds/draw", draw_data(checklist))
    assert response.status_code == 403
    assert InspectionRound.objects.count() == rounds


def test_a_round_is_finished_once_every_visit_is_done(
    cast: dict[str, User], checklist: InspectionTemplate
) -> None:
    supervisor = client_of(cast["supervisor"])
    drawn = draw_round(
        actor=cast["supervisor"],
        name="六月督查",
        kind=RoundKind.PLANNED,
        template=checklist,
        starts_on=today(),
        ends_on=today() + dt.timedelta(days=3),
        sample={9: 1},
        seed=3,
    )
    [visit] = drawn.visits.select_related("site")
    url = f"/campaigns/rounds/{drawn.pk}/"

    # While a visit is open there is no button, and a post is refused with the site named.
    assert "结束检查批次" not in text(supervisor.get(url))
    early = supervisor.post(url + "finish")
    assert early.status_code == 409
    assert f"还有1个点位未完成检查：{visit.site.name}" in text(early)
    drawn.refresh_from_db()
    assert drawn.status == RoundStatus.DRAWN

    # Scored in full and finished, the round can be closed.
    for item in checklist.items.order_by("number"):
        score_item(actor=cast["inspector"], visit=visit, item=item, score=item.points)
    finish_visit(actor=cast["inspector"], visit=visit)
    page = supervisor.get(url)
    assert page.context["can_finish"] is True
    assert f'action="{url}finish"' in text(page)
    # Scorers and leaders do not close rounds.
    for username in (*OUTSIDERS, "inspector", "leader"):
        assert client_of(cast[username]).post(url + "finish").status_code == 403, username
    drawn.refresh_from_db()
    assert drawn.status == RoundStatus.IN_PROGRESS

    done = supervisor.post(url + "finish")
    assert done.status_code == 302
    assert done["Location"] == url
    drawn.refresh_from_db()
    assert drawn.status == RoundStatus.FINISHED
    assert supervisor.get(url).context["can_finish"] is False
    again = supervisor.post(url + "finish")
    assert again.status_code == 409
    assert "检查批次“六月督查”已结束" in text(again)


# --- the site registry ------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def test_the_registry_lists_and_filters_sites(
    cast: dict[str, User], checklist: InspectionTemplate
) -> None:
    client = client_of(cast["inspector"])
    response = client.get("/campaigns/sites/?type=9")
    assert response.status_code == 200
    names = {s.name for s in response.context["page"]}
    assert {"湖滨路", "望湖路"} <= names
    assert all(s.site_type.tag == 9 for s in response.context["page"])
    site = Site.objects.select_related("district", "responsible_unit").get(name="湖滨路")
    assert site.district is not None
    page = text(response)
    assert site.responsible_unit.name in page
    assert site.district.name in page
    other = (
        Area.objects.current()
        .filter(level=AreaLevel.DISTRICT)
        .exclude(pk=site.district.pk)
        .order_by("code")
        .first()
    )
    assert other is not None
    elsewhere = client.get(f"/campaigns/sites/?type=9&district={other.pk}")
    assert "湖滨路" not in {s.name for s in elsewhere.context["page"]}
    # Inspectors read the registry; only the centre imports.
    assert response.context["import_form"] is None
    assert 'action="/campaigns/sites/import"' not in page


def test_importing_sites_registers_every_row(cast: dict[str, User]) -> None:
    unit = cast["handler"].unit
    assert unit is not None
    (lon1, lat1), (lon2, lat2) = grid_point(grid_of(2).code), grid_point(grid_of(3).code)
    sheet = (
        "点位类型,名称,经度,纬度,地址,责任单位\n"
        f"17,湖心农贸市场,{lon1},{lat1},湖心路1号,{unit.name}\n"
        f"公共卫生间,望湖公厕,{lon2},{lat2},,\n"
    ).encode()
    before = Site.objects.count()
    response = client_of(cast["supervisor"]).post(
        "/campaigns/sites/import", {"sheet": upload("点位.csv", sheet)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/campaigns/sites/"
    assert Site.objects.count() == before + 2
    market = Site.objects.get(name="湖心农贸市场")
    toilet = Site.objects.get(name="望湖公厕")
    grid = grid_of(3)
    assert (market.site_type.tag, market.address, market.responsible_unit) == (
        17,
        "湖心路1号",
        unit,
    )
    assert (toilet.site_type.name, toilet.grid, toilet.responsible_unit) == (
        "公共卫生间",
        grid,
        grid.responsible_unit,
    )
    assert market.district is not None
    assert market.district.code == "990102"


def test_a_bad_site_file_is_refused_row_by_row_and_nothing_is_imported(
    cast: dict[str, User],
) -> None:
    lon, lat = grid_point(grid_of(2).code)
    sheet = (
        f"点位类型,名称,经度,纬度\n99,甲,{lon},{lat}\n20,乙,东经,{lat}\n20,丙,{lon},{lat}\n"
    ).encode()
    before = Site.objects.count()
    response = client_of(cast["admin"]).post(
        "/campaigns/sites/import", {"sheet": upload("点位.csv", sheet)}
    )
    assert response.status_code == 400
    assert response.context["problems"] == [
        "第2行：未知的点位类型“99”",
        "第3行：经度和纬度应为数字",
    ]
    page = text(response)
    assert "“点位.csv”未导入" in page
    assert "第3行：经度和纬度应为数字" in page
    assert Site.objects.count() == before
    missing = client_of(cast["admin"]).post(
        "/campaigns/sites/import", {"sheet": upload("点位.csv", "名称,经度\n甲,1\n".encode())}
    )
    assert missing.status_code == 400
    assert "第1行：缺少“点位类型”列" in missing.context["problems"]
    assert Site.objects.count() == before


def test_the_site_template_has_the_importers_columns(cast: dict[str, User]) -> None:
    response = client_of(cast["supervisor"]).get("/campaigns/sites/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.content.decode("utf-8-sig") == "点位类型,名称,经度,纬度,地址,责任单位,坐标系\r\n"
    )


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_see_no_registry_and_import_nothing(cast: dict[str, User], username: str) -> None:
    client = client_of(cast[username])
    before = Site.objects.count()
    assert client.get("/campaigns/sites/").status_code == 403
    assert client.get("/campaigns/sites/template.csv").status_code == 403
    posted = client.post(
        "/campaigns/sites/import", {"sheet": upload("a.csv", "点位类型,名称,经度,纬度\n".encode())}
    )
    assert posted.status_code == 403
    assert Site.objects.count() == before


def test_an_inspector_may_not_import_sites(cast: dict[str, User]) -> None:
    response = client_of(cast["inspector"]).post(
        "/campaigns/sites/import", {"sheet": upload("a.csv", b"x")}
    )
    assert response.status_code == 403


# --- checklists -------------------------------------------------------------------------------------


def demo_tree(actor: User, name: str = "示范市测评体系") -> IndexTree:
    return import_index(
        actor=actor, name=name, year=2026, data=DEMO_INDEX.read_bytes(), filename="demo_index.csv"
    )


def test_the_default_checklist_loads_once_linked_to_the_chosen_tree(
    cast: dict[str, User],
) -> None:
    spec = default_template_spec()
    name = spec["name"]
    # Whatever the demo city holds, this test loads the checklist afresh.
    InspectionTemplate.objects.filter(name=name).update(name=f"{name}（旧）")
    tree = demo_tree(cast["supervisor"])
    client = client_of(cast["supervisor"])
    listing = client.get("/campaigns/templates/")
    assert listing.status_code == 200
    assert listing.context["load_form"] is not None
    assert 'action="/campaigns/templates/default"' in text(listing)

    response = client.post("/campaigns/templates/default", {"tree": tree.pk})
    assert response.status_code == 302
    template = InspectionTemplate.objects.get(name=name)
    assert response["Location"] == f"/campaigns/templates/#template-{template.pk}"
    items = list(template.items.select_related("content").order_by("number"))
    assert [i.standard for i in items] == [i["standard"] for i in spec["items"]]
    assert [i.content.code if i.content else None for i in items] == [
        i.get("content") for i in spec["items"]
    ]
    assert all(i.content is None or i.content.tree_id == tree.pk for i in items)
    assert sorted(template.site_types.values_list("tag", flat=True)) == sorted(spec["site_types"])

    # Listed with its items; the offer to load it is gone, and a second load is refused.
    again = client.get("/campaigns/templates/")
    assert again.context["load_form"] is None
    assert spec["items"][0]["standard"] in text(again)
    count = TemplateItem.objects.count()
    twice = client.post("/campaigns/templates/default", {"tree": ""})
    assert twice.status_code == 400
    assert f"已有名为“{name}”的检查模板" in text(twice)
    assert InspectionTemplate.objects.filter(name=name).count() == 1
    assert TemplateItem.objects.count() == count


@pytest.mark.parametrize("username", [*OUTSIDERS, "inspector", "leader"])
def test_only_the_centre_loads_checklists(cast: dict[str, User], username: str) -> None:
    count = InspectionTemplate.objects.count()
    response = client_of(cast[username]).post("/campaigns/templates/default", {"tree": ""})
    assert response.status_code == 403
    assert InspectionTemplate.objects.count() == count
    if username in OUTSIDERS:
        assert client_of(cast[username]).get("/campaigns/templates/").status_code == 403


# --- index trees and reviews -------------------------------------------------------------------------


def test_an_index_tree_is_imported_from_a_spreadsheet(cast: dict[str, User]) -> None:
    content = DEMO_INDEX.read_bytes()
    rows = len(content.decode("utf-8-sig").strip().splitlines()) - 1
    response = client_of(cast["supervisor"]).post(
        "/campaigns/assessment/import",
        {"name": "2026年测评体系", "year": 2026, "sheet": upload("指标.csv", content)},
    )
    assert response.status_code == 302
    tree = IndexTree.objects.get(name="2026年测评体系")
    assert response["Location"] == f"/campaigns/assessment/{tree.pk}/"
    assert (tree.year, tree.nodes.count()) == (2026, rows)
    assert tree.nodes.get(code="1.2.3").method == Method.MATERIAL


def test_a_bad_index_is_refused_row_by_row_and_nothing_is_imported(cast: dict[str, User]) -> None:
    sheet = (
        "编号,层级,名称,分值,测评方法\n"
        "1,测评项目,市容环境,10,\n"
        "1.1,测评指标,道路保洁,10,\n"
        "1.1.1,测评内容,路面干净,6,实地考察\n"
        "1.1.2,测评内容,台账完整,3,材料抽查\n"
    ).encode()
    trees, nodes = IndexTree.objects.count(), IndexNode.objects.count()
    client = client_of(cast["admin"])
    response = client.post(
        "/campaigns/assessment/import",
        {"name": "坏体系", "year": 2026, "sheet": upload("坏.csv", sheet)},
    )
    assert response.status_code == 400
    problems = response.context["problems"]
    assert "第5行：测评方法“材料抽查”应为实地考察、材料审核或问卷调查" in problems
    assert "第5行：测评方法“材料抽查”应为实地考察、材料审核或问卷调查" in text(response)
    assert (IndexTree.objects.count(), IndexNode.objects.count()) == (trees, nodes)
    year = client.post(
        "/campaigns/assessment/import",
        {"name": "坏体系", "year": 1999, "sheet": upload("a.csv", DEMO_INDEX.read_bytes())},
    )
    assert year.status_code == 400
    assert "年度应在2000到2100之间" in text(year)
    assert IndexTree.objects.count() == trees


def test_the_index_template_is_the_demo_index(cast: dict[str, User]) -> None:
    response = client_of(cast["leader"]).get("/campaigns/assessment/template.csv")
    assert response.status_code == 200
    assert response.content == DEMO_INDEX.read_bytes()
    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("username", [*OUTSIDERS, "leader"])
def test_only_the_centre_imports_index_trees(cast: dict[str, User], username: str) -> None:
    trees = IndexTree.objects.count()
    response = client_of(cast[username]).post(
        "/campaigns/assessment/import",
        {"name": "x", "year": 2026, "sheet": upload("a.csv", DEMO_INDEX.read_bytes())},
    )
    assert response.status_code == 403
    assert IndexTree.objects.count() == trees
    if username == "leader":
        assert (
            client_of(cast[username]).get("/campaigns/assessment/").context["import_form"] is None
        )


def test_a_review_is_recorded_for_a_material_content(cast: dict[str, User]) -> None:
    tree = demo_tree(cast["supervisor"])
    content = tree.nodes.get(code="1.2.3")  # 材料审核, 2 points
    district = Area.objects.current().get(level=AreaLevel.DISTRICT, code="990102")
    unit = cast["handler"].unit
    assert unit is not None
    client = client_of(cast["supervisor"])
    url = f"/campaigns/assessment/{tree.pk}/"
    page = client.get(url)
    choices = [c for c, _label in page.context["review_form"].fields["content"].choices if c]
    codes = set(
        IndexNode.objects.filter(pk__in=[int(str(c)) for c in choices]).values_list(
            "method", flat=True
        )
    )
    assert codes == {Method.MATERIAL, Method.SURVEY}

    response = client.post(
        url + "reviews",
        {
            "content": content.pk,
            "district": district.pk,
            "unit": unit.pk,
            "score": "1.5",
            "text": "审批台账缺两个月",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url + "#reviews"
    [review] = Review.objects.filter(node__tree=tree)
    assert (
        review.node,
        review.district,
        review.unit,
        review.score,
        review.text,
        review.reviewed_by,
    ) == (content, district, unit, Decimal("1.50"), "审批台账缺两个月", cast["supervisor"])
    assert "审批台账缺两个月" in text(client.get(url))


@pytest.mark.parametrize(
    ("score", "content_code", "message"),
    [
        ("2.5", "1.2.3", "的得分应在0到2分之间（最多两位小数），实际为2.5"),
        ("-1", "1.2.3", "的得分应在0到2分之间"),
        ("1", "1.1.1", "测评内容：测评内容不存在"),  # a field check is not reviewed
        ("", "1.2.3", "得分：请填写得分"),
    ],
)
def test_a_refused_review_shows_why_and_records_nothing(
    cast: dict[str, User], score: str, content_code: str, message: str
) -> None:
    tree = demo_tree(cast["supervisor"])
    node = tree.nodes.get(code=content_code)
    response = client_of(cast["admin"]).post(
        f"/campaigns/assessment/{tree.pk}/reviews", {"content": node.pk, "score": score}
    )
    assert response.status_code == 400
    assert message in response.context["review_error"]
    assert message in text(response)
    assert not Review.objects.filter(node__tree=tree).exists()


@pytest.mark.parametrize("username", [*OUTSIDERS, "leader"])
def test_only_the_centre_records_reviews(cast: dict[str, User], username: str) -> None:
    tree = demo_tree(cast["supervisor"])
    node = tree.nodes.get(code="1.2.3")
    client = client_of(cast[username])
    response = client.post(
        f"/campaigns/assessment/{tree.pk}/reviews", {"content": node.pk, "score": "1"}
    )
    assert response.status_code == 403
    assert not Review.objects.filter(node__tree=tree).exists()
    if username == "leader":
        assert client.get(f"/campaigns/assessment/{tree.pk}/").context["review_form"] is None


# --- plans, categories and tasks ------------------------------------------------------------------


def plan_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "背街小巷三年提升行动",
        "document_no": "示城管〔2026〕12号",
        "issuer": "示范市城市管理委员会",
        "issuer_unit": "",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
        "report_cycle": "biweekly",
        "description": "分三年完成全部背街小巷整治",
    }
    return data | changes


def test_a_plan_manager_creates_a_plan(cast: dict[str, User]) -> None:
    unit = cast["handler"].unit
    assert unit is not None
    client = client_of(cast["leader"])
    assert 'action="/campaigns/plans/new"' in text(client.get("/campaigns/"))
    response = client.post("/campaigns/plans/new", plan_data(issuer_unit=unit.pk))
    assert response.status_code == 302
    plan = Plan.objects.get(title="背街小巷三年提升行动")
    assert response["Location"] == f"/campaigns/plans/{plan.pk}/#add-task"
    assert (
        plan.kind,
        plan.document_no,
        plan.issuer,
        plan.issuer_unit,
        plan.starts_on,
        plan.ends_on,
        plan.report_cycle,
        plan.description,
        plan.created_by,
    ) == (
        "action_plan",
        "示城管〔2026〕12号",
        "示范市城市管理委员会",
        unit,
        dt.date(2026, 1, 1),
        dt.date(2028, 12, 31),
        "biweekly",
        "分三年完成全部背街小巷整治",
        cast["leader"],
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2025-12-31"}, "计划的结束日期不能早于开始日期"),
        ({"title": " "}, "请填写计划标题"),
        ({"issuer": ""}, "请填写印发机关"),
        ({"starts_on": "明天"}, "开始日期：日期应为“年-月-日”"),
    ],
)
def test_a_refused_plan_shows_why_and_creates_nothing(
    cast: dict[str, User], changes: dict[str, Any], message: str
) -> None:
    plans = Plan.objects.count()
    response = client_of(cast["supervisor"]).post("/campaigns/plans/new", plan_data(**changes))
    assert response.status_code == 400
    assert response.context["plan_error"] == message
    assert message in text(response)
    assert Plan.objects.count() == plans


@pytest.mark.parametrize("username", [*OUTSIDERS, "inspector"])
def test_only_plan_managers_create_plans(cast: dict[str, User], username: str) -> None:
    plans = Plan.objects.count()
    assert client_of(cast[username]).post("/campaigns/plans/new", plan_data()).status_code == 403
    assert Plan.objects.count() == plans


@pytest.fixture
def plan(cast: dict[str, User]) -> Plan:
    return create_plan(
        actor=cast["supervisor"],
        title="市容秩序提升行动",
        issuer="示范市城市管理委员会",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )


def task_data(cast: dict[str, User], **changes: Any) -> dict[str, Any]:
    handler = cast["handler"]
    assert handler.unit is not None
    data: dict[str, Any] = {
        "parent": "",
        "category": "",
        "title": "背街小巷环境整治",
        "description": "逐条整治",
        "lead_unit": handler.unit.pk,
        "responsible": handler.pk,
        "area": "",
        "target_text": "整治背街小巷",
        "target_operator": ">=",
        "target_value": "120",
        "target_unit": "条",
        "starts_on": "2026-02-01",
        "deadline": "2026-11-30",
        "milestones": "2026-06-30 完成方案 30%\n2026-09-30 完成一半 60％",
    }
    return data | changes


def test_a_plan_manager_adds_a_category_a_task_and_a_sub_task(
    cast: dict[str, User], plan: Plan
) -> None:
    client = client_of(cast["supervisor"])
    url = f"/campaigns/plans/{plan.pk}/"
    board = client.get(url)
    assert f'action="{url}tasks"' in text(board)
    category = client.post(url + "categories", {"name": "市容环境整治"})
    assert category.status_code == 302
    [chapter] = PlanCategory.objects.filter(plan=plan)
    assert (chapter.number, chapter.name) == (1, "市容环境整治")

    handler_unit = cast["handler"].unit
    assert handler_unit is not None
    co_unit = Unit.objects.filter(is_active=True).exclude(pk=handler_unit.pk).order_by("pk").first()
    assert co_unit is not None
    district = Area.objects.current().get(level=AreaLevel.DISTRICT, code="990102")
    added = client.post(
        url + "tasks",
        task_data(cast, category=chapter.pk, co_units=[co_unit.pk], area=district.pk),
    )
    assert added.status_code == 302
    assert added["Location"] == url + "#add-task"
    task = Task.objects.get(plan=plan)
    assert (
        task.number,
        task.category,
        task.parent,
        task.title,
        task.description,
        task.lead_unit,
        task.responsible,
        task.area,
        task.target_label,
        task.starts_on,
        task.deadline,
    ) == (
        "1.1",
        chapter,
        None,
        "背街小巷环境整治",
        "逐条整治",
        cast["handler"].unit,
        cast["handler"],
        district,
        "整治背街小巷 ≥ 120条",
        dt.date(2026, 2, 1),
        dt.date(2026, 11, 30),
    )
    assert list(task.co_units.all()) == [co_unit]
    assert list(Milestone.objects.filter(task=task).values_list("title", "due_on", "progress")) == [
        ("完成方案", dt.date(2026, 6, 30), 30),
        ("完成一半", dt.date(2026, 9, 30), 60),
    ]
    assert TaskEvent.objects.filter(task=task, action="create").count() == 1

    sub = client.post(
        url + "tasks",
        task_data(
            cast,
            parent=task.pk,
            title="明湖区背街小巷整治",
            target_operator="",
            target_value="",
            milestones="",
            deadline="2026-10-31",
        ),
    )
    assert sub.status_code == 302
    child = Task.objects.get(plan=plan, parent=task)
    assert (child.number, child.category, child.title, child.deadline) == (
        "1.1.1",
        chapter,
        "明湖区背街小巷整治",
        dt.date(2026, 10, 31),
    )


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        (
            {"responsible": "", "deadline": "2027-03-01"},
            ["任务必须有责任人", "完成时限2027-03-01晚于计划结束日期2026-12-31"],
        ),
        ({"title": "", "lead_unit": ""}, ["任务名称不能为空", "任务必须有牵头单位"]),
        ({"deadline": ""}, ["任务必须有完成时限"]),
        ({"target_operator": ""}, ["有目标值时须指明“≥”或“≤”"]),
        (
            {"milestones": "2026-06-30 完成方案 70%\n2026-09-30 完成一半 60%"},
            ["节点“完成一半”的应达进度应在0到100之间，且不低于之前的节点"],
        ),
        (
            {"milestones": "六月底 完成方案"},
            ["节点：第1行“六月底 完成方案”应为“日期 节点名称 应达进度%”"],
        ),
    ],
)
def test_a_refused_task_shows_every_problem_and_adds_nothing(
    cast: dict[str, User], plan: Plan, changes: dict[str, Any], messages: list[str]
) -> None:
    tasks, events, milestones = (
        Task.objects.count(),
        TaskEvent.objects.count(),
        Milestone.objects.count(),
    )
    response = client_of(cast["leader"]).post(
        f"/campaigns/plans/{plan.pk}/tasks", task_data(cast, **changes)
    )
    assert response.status_code == 400
    page = text(response)
    for message in messages:
        assert message in response.context["task_error"]
        assert message in page
    assert (Task.objects.count(), TaskEvent.objects.count(), Milestone.objects.count()) == (
        tasks,
        events,
        milestones,
    )


def test_a_refused_category_adds_nothing(cast: dict[str, User], plan: Plan) -> None:
    response = client_of(cast["admin"]).post(
        f"/campaigns/plans/{plan.pk}/categories", {"name": " "}
    )
    assert response.status_code == 400
    assert "请填写类别名称" in text(response)
    assert not PlanCategory.objects.filter(plan=plan).exists()


@pytest.mark.parametrize("username", [*OUTSIDERS, "inspector"])
def test_only_plan_managers_add_tasks_and_categories(
    cast: dict[str, User], plan: Plan, username: str
) -> None:
    client = client_of(cast[username])
    tasks = Task.objects.count()
    assert client.post(f"/campaigns/plans/{plan.pk}/tasks", task_data(cast)).status_code == 403
    assert client.post(f"/campaigns/plans/{plan.pk}/categories", {"name": "x"}).status_code == 403
    assert Task.objects.count() == tasks
    assert not PlanCategory.objects.filter(plan=plan).exists()
