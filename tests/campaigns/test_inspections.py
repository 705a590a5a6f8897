"""Inspection rounds: checklists, sites drawn at random by a recorded seed, scoring on site, and
every failed item turned at once into a rectification task (and a case for street problems)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from finegrid.campaigns import inspections
from finegrid.campaigns.access import SCORE_ROLES
from finegrid.campaigns.errors import ImportRefused, InvalidInput, NotAllowed, WrongState
from finegrid.campaigns.inspections import (
    add_template_item,
    applicable_items,
    create_template,
    default_template_spec,
    draw_round,
    finish_round,
    finish_visit,
    load_template,
    register_site,
    round_results,
    score_item,
    unscored_items,
)
from finegrid.campaigns.models import (
    InspectionRound,
    InspectionTemplate,
    ItemScore,
    Plan,
    PlanKind,
    RoundKind,
    RoundStatus,
    Site,
    SiteType,
    Task,
    TaskEvent,
    TaskKind,
    TaskStatus,
    TemplateItem,
    Visit,
)
from finegrid.campaigns.selectors import default_responsible
from finegrid.cases.models import Case, Source
from finegrid.cases.photos import Photo
from finegrid.cases.workflow import REPORT_ROLES
from finegrid.catalogue.models import Category, Kind
from finegrid.geo.models import Grid
from finegrid.org.models import Unit, User
from tests.cases.builders import (
    grid_point,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
)

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
STARTS, ENDS = dt.date(2026, 11, 16), dt.date(2026, 11, 30)
SCORED_AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
HUBIN, GULOU, JIEFANG, QINGSHAN = "990102001", "990102002", "990102003", "990103001"


def point_in(street_code: str, index: int = 0) -> tuple[float, float]:
    grid = Grid.objects.current().filter(code__startswith=street_code).order_by("code")[index]
    return grid_point(grid.code)


def jpeg() -> Photo:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 120, 120)).save(buffer, format="JPEG")
    return Photo("现场.jpg", buffer.getvalue())


def matter(code: str) -> Category:
    return Category.objects.get(kind=Kind.MATTER, code=code)


def counts() -> dict[str, int]:
    """Rows an inspection can write, to show a refusal wrote none."""
    models: list[Any] = [InspectionRound, Visit, ItemScore, Plan, Task, TaskEvent, Case]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sites(cast: dict[str, User]) -> dict[str, Site]:
    """Six main streets (one inactive) in two districts, and two public toilets."""
    street, toilet = SiteType.objects.get(tag=9), SiteType.objects.get(tag=12)
    layout = [
        ("湖滨路", street, HUBIN, 0),
        ("望湖路", street, HUBIN, 3),
        ("鼓楼大街", street, GULOU, 0),
        ("解放路", street, JIEFANG, 0),
        ("青山路", street, QINGSHAN, 0),
        ("松涛路", street, QINGSHAN, 4),
        ("望湖公厕", toilet, HUBIN, 5),
        ("青山公厕", toilet, QINGSHAN, 2),
    ]
    registered = {}
    for name, site_type, street_code, index in layout:
        lon, lat = point_in(street_code, index)
        registered[name] = register_site(
            actor=cast["supervisor"],
            site_type=site_type,
            name=name,
            address=f"{name}沿线",
            lon=lon,
            lat=lat,
        )
    # Given: 解放路 is under reconstruction and taken out of the draw.
    Site.objects.filter(name="解放路").update(is_active=False)
    return registered


@pytest.fixture
def template(cast: dict[str, User]) -> InspectionTemplate:
    street, toilet = SiteType.objects.get(tag=9), SiteType.objects.get(tag=12)
    supervisor = cast["supervisor"]
    checklist = create_template(actor=supervisor, name="测试检查表", site_types=[street, toilet])
    add_template_item(
        actor=supervisor,
        template=checklist,
        standard="路面无暴露垃圾",
        points=Decimal(4),
        site_types=[street],
        category=matter("06010"),
    )
    add_template_item(
        actor=supervisor,
        template=checklist,
        standard="公交站台设施完好",
        points=Decimal("2"),
        photo_required=False,
        site_types=[street],
    )
    add_template_item(
        actor=supervisor,
        template=checklist,
        standard="公厕干净无异味",
        points=Decimal("3.5"),
        site_types=[toilet],
        category=matter("03001"),
    )
    return checklist


def item(template: InspectionTemplate, number: int) -> TemplateItem:
    return template.items.get(number=number)


def draw(
    cast: dict[str, User],
    template: InspectionTemplate,
    *,
    kind: RoundKind = RoundKind.UNDERCOVER,
    sample: dict[int, int] | None = None,
    seed: int | None = 2026,
) -> InspectionRound:
    return draw_round(
        actor=cast["supervisor"],
        name="11月暗访",
        kind=kind,
        template=template,
        starts_on=STARTS,
        ends_on=ENDS,
        sample=sample or {9: 5, 12: 2},
        seed=seed,
    )


def visit_to(inspection_round: InspectionRound, site: Site) -> Visit:
    return inspection_round.visits.get(site=site)


# --- checklists ---------------------------------------------------------------------------------


def test_items_apply_to_their_own_site_types_within_the_templates(
    template: InspectionTemplate,
) -> None:
    street, toilet, market = (SiteType.objects.get(tag=t) for t in (9, 12, 17))
    assert [i.number for i in applicable_items(template=template, site_type=street)] == [1, 2]
    assert [i.number for i in applicable_items(template=template, site_type=toilet)] == [3]
    assert applicable_items(template=template, site_type=market) == []


def test_an_item_with_bad_points_or_outside_the_templates_types_is_refused(
    cast: dict[str, User], template: InspectionTemplate
) -> None:
    before = TemplateItem.objects.count()
    with pytest.raises(InvalidInput) as refused:
        add_template_item(
            actor=cast["supervisor"],
            template=template,
            standard="  ",
            points=Decimal("1.005"),
            site_types=[SiteType.objects.get(tag=17)],
        )
    assert refused.value.message == (
        "请填写检查标准；分值应为大于0、最多两位小数的数字，实际为“1.005”；"
        "点位类型不在模板的适用范围内：农贸市场(专业市场)"
    )
    assert TemplateItem.objects.count() == before


def test_the_shipped_checklist_loads_with_real_catalogue_categories(cast: dict[str, User]) -> None:
    # When the project's default checklist is loaded
    checklist = load_template(actor=cast["admin"], spec=default_template_spec())

    # Then all its items are there, numbered in order, with their catalogue categories
    items = list(checklist.items.order_by("number"))
    assert checklist.name == "文明城市实地考察通用检查表"
    assert len(items) == 28
    assert [i.number for i in items] == list(range(1, 29))
    assert sum(i.points for i in items) == Decimal(68)
    assert items[0].category == matter("06010")
    assert items[0].content is None  # no index tree given
    assert sum(1 for i in items if i.category is not None) == 24
    assert sorted(checklist.site_types.values_list("tag", flat=True)) == [
        5, 9, 10, 11, 12, 17, 20, 21, 23, 24, 25
    ]  # fmt: skip


def test_a_bad_checklist_description_is_refused_whole(cast: dict[str, User]) -> None:
    before = (InspectionTemplate.objects.count(), TemplateItem.objects.count())
    spec = {
        "name": "坏模板",
        "site_types": [9, 99],
        "items": [
            {"standard": "路面干净", "points": "2", "site_types": [9], "category": "99999"},
            {"standard": "", "points": "-1", "photo_required": "yes"},
            "not an item",
        ],
    }
    with pytest.raises(ImportRefused) as refused:
        load_template(actor=cast["supervisor"], spec=spec)
    assert refused.value.problems == [
        "模板：未知的点位类型序号99",
        "第1个检查项目：案卷类别代码“99999”不存在",
        "第2个检查项目：请填写检查标准",
        "第2个检查项目：分值应为大于0、最多两位小数的数字，实际为“-1”",
        "第2个检查项目：是否须拍照应为true或false",
        "第3个检查项目：格式不正确",
    ]
    assert (InspectionTemplate.objects.count(), TemplateItem.objects.count()) == before


def test_a_checklist_in_use_cannot_change(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    draw(cast, template)
    with pytest.raises(WrongState) as refused:
        add_template_item(
            actor=cast["supervisor"], template=template, standard="新增项目", points=Decimal(1)
        )
    assert refused.value.message == "检查模板“测试检查表”已用于检查批次，不能再修改"
    assert template.items.count() == 3


# --- drawing a round ----------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_sites(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    # When two rounds draw 3 of the 5 active main streets with seed 42
    first = draw(cast, template, sample={9: 3}, seed=42)
    second = draw(cast, template, sample={9: 3}, seed=42)

    # Then they visit the same three sites, never the inactive one, and the seed is kept
    drawn = set(first.visits.values_list("site__name", flat=True))
    assert drawn == set(second.visits.values_list("site__name", flat=True))
    assert len(drawn) == 3
    assert "解放路" not in drawn
    assert (first.seed, first.sample, first.status) == (42, {"9": 3}, RoundStatus.DRAWN)
    # and other seeds draw other sets (ten seeds cannot all land on one of the ten sets)
    others = {
        frozenset(draw(cast, template, sample={9: 3}, seed=s).visits.values_list("site", flat=True))
        for s in range(10)
    }
    assert len(others) > 1


def test_a_round_without_a_seed_records_the_one_it_drew_with(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    first = draw(cast, template, sample={9: 2, 12: 1}, seed=None)
    replay = draw(cast, template, sample={9: 2, 12: 1}, seed=first.seed)
    assert set(first.visits.values_list("site", flat=True)) == set(
        replay.visits.values_list("site", flat=True)
    )
    assert first.visits.count() == 3


def test_asking_for_more_sites_than_are_active_is_refused_naming_the_type(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        draw(cast, template, sample={9: 6, 12: 2})
    assert refused.value.message == "主次干道、商业大街只有5个启用的点位，不能抽取6个"
    assert counts() == before


def test_a_sample_the_checklist_does_not_cover_is_refused(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        draw(cast, template, sample={17: 1, 99: 1, 12: 0})
    assert refused.value.message == (
        "公共卫生间的抽取数量应为正整数，实际为0；"
        "检查模板“测试检查表”没有适用于农贸市场(专业市场)的检查项目；"
        "未知的点位类型序号99"
    )
    assert counts() == before


def test_only_the_centre_draws_rounds(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    before = counts()
    with pytest.raises(NotAllowed):
        draw_round(
            actor=cast["inspector"],
            name="自行抽取",
            kind=RoundKind.PLANNED,
            template=template,
            starts_on=STARTS,
            ends_on=ENDS,
            sample={9: 1},
            seed=1,
        )
    assert counts() == before


# --- scoring ------------------------------------------------------------------------------------


def test_a_full_score_passes_and_writes_no_rectification(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    inspection_round = draw(cast, template)
    visit = visit_to(inspection_round, sites["湖滨路"])
    before = counts()

    # When the inspector gives item 1 its full 4 points without a photo
    score = score_item(
        actor=cast["inspector"],
        visit=visit,
        item=item(template, 1),
        score=Decimal(4),
        lon=116.9,
        lat=33.0,
        at=SCORED_AT,
    )

    # Then it passed, the visit and round are under way, and no task or case was written
    assert (score.passed, score.score, score.photo.name, score.lon) == (True, Decimal(4), "", 116.9)
    visit.refresh_from_db()
    assert (visit.inspector, visit.visited_at) == (cast["inspector"], SCORED_AT)
    assert InspectionRound.objects.get(pk=inspection_round.pk).status == RoundStatus.IN_PROGRESS
    assert counts() == before | {"ItemScore": before["ItemScore"] + 1}


def test_a_failed_item_becomes_one_rectification_task_and_one_undercover_case(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    # Given an undercover round and its visit to 湖滨路
    inspection_round = draw(cast, template)
    site = sites["湖滨路"]
    visit = visit_to(inspection_round, site)
    before = counts()

    # When the inspector finds exposed rubbish and gives 1 of 4 points, with a photo
    score = score_item(
        actor=cast["inspector"],
        visit=visit,
        item=item(template, 1),
        score=Decimal(1),
        note="路口东侧有两袋垃圾",
        photo=jpeg(),
        at=SCORED_AT,
    )

    # Then the score failed and kept its photo
    assert not score.passed
    assert re.fullmatch(
        rf"campaigns/inspections/\d{{4}}/\d{{2}}/{visit.pk}-\d+-[0-9a-f]{{12}}\.jpg",
        score.photo.name or "",
    )
    # and the round's rectification list was opened, issued by the organiser's unit
    inspection_round.refresh_from_db()
    plan = inspection_round.rectification_plan
    assert plan is not None
    assert (plan.kind, plan.title, plan.issuer) == (
        PlanKind.RECTIFICATION,
        "11月暗访整改清单",
        "示范市城市运行管理监督中心",
    )
    assert (plan.starts_on, plan.ends_on) == (STARTS, dt.date(2027, 2, 28))
    # and exactly one rectification task is on the site's unit's list, 15 days out
    task = Task.objects.get(finding=score)
    unit = Unit.objects.get(name="明湖区湖滨街道办事处")
    assert (task.plan, task.kind, task.number, task.status) == (
        plan,
        TaskKind.RECTIFICATION,
        "1",
        TaskStatus.OPEN,
    )
    assert task.title == "湖滨路：路面无暴露垃圾"
    assert task.description == "路口东侧有两袋垃圾"
    assert (task.lead_unit, task.responsible) == (unit, default_responsible(unit))
    assert task.responsible.username.startswith("h-")
    assert (task.starts_on, task.deadline) == (dt.date(2026, 11, 20), dt.date(2026, 12, 5))
    assert (task.area, task.grid) == (site.street, site.grid)
    # and exactly one case, reported as an undercover finding under 暴露垃圾, is on the task
    case = Case.objects.get(campaign_tasks=task)
    assert (case.source, case.category, case.reporter) == (
        Source.UNDERCOVER,
        matter("06010"),
        cast["inspector"],
    )
    assert (case.lon, case.lat, case.grid, case.address) == (
        site.lon,
        site.lat,
        site.grid,
        "湖滨路沿线",
    )
    assert case.description == "11月暗访：湖滨路，路面无暴露垃圾未达标。路口东侧有两袋垃圾"
    assert case.attachments.count() == 1
    assert counts() == before | {
        "ItemScore": before["ItemScore"] + 1,
        "Plan": before["Plan"] + 1,
        "Task": before["Task"] + 1,
        "TaskEvent": before["TaskEvent"] + 1,
        "Case": before["Case"] + 1,
    }


def test_a_second_failure_goes_on_the_same_list_and_one_without_category_files_no_case(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    # Given a planned round in which one item already failed
    inspection_round = draw(cast, template, kind=RoundKind.PLANNED)
    visit = visit_to(inspection_round, sites["青山路"])
    first = score_item(
        actor=cast["supervisor"],
        visit=visit,
        item=item(template, 1),
        score=Decimal(0),
        photo=jpeg(),
        at=SCORED_AT,
    )
    before = counts()

    # When the bus-stop item (no category, no photo needed) fails at the same visit
    second = score_item(
        actor=cast["supervisor"],
        visit=visit,
        item=item(template, 2),
        score=Decimal("1.5"),
        at=SCORED_AT,
    )

    # Then its task joins the same list as number 2, on the 青山街道 office, with no case
    task = Task.objects.get(finding=second)
    assert task.plan == Task.objects.get(finding=first).plan
    assert (task.number, task.lead_unit.name, task.case) == ("2", "青山区青山街道办事处", None)
    # and the first failure's case was a planned inspector report
    assert Task.objects.get(finding=first).case.source == Source.INSPECTOR  # type: ignore[union-attr]
    assert counts() == before | {
        "ItemScore": before["ItemScore"] + 1,
        "Task": before["Task"] + 1,
        "TaskEvent": before["TaskEvent"] + 1,
    }


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        (Decimal(-1), "-1"),
        (Decimal("4.01"), "4.01"),
        (Decimal(5), "5"),
        (Decimal("2.005"), "2.005"),
    ],
)
def test_a_score_outside_the_items_range_is_refused_naming_item_and_range(
    cast: dict[str, User],
    sites: dict[str, Site],
    template: InspectionTemplate,
    score: Decimal,
    shown: str,
) -> None:
    inspection_round = draw(cast, template)
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        score_item(
            actor=cast["inspector"],
            visit=visit_to(inspection_round, sites["湖滨路"]),
            item=item(template, 1),
            score=score,
            photo=jpeg(),
        )
    assert refused.value.message == (
        f"第1项“路面无暴露垃圾”的得分应在0到4分之间（最多两位小数），实际为{shown}"
    )
    assert counts() == before


def test_a_failed_item_needing_a_photo_is_refused_without_one(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    inspection_round = draw(cast, template)
    visit = visit_to(inspection_round, sites["望湖公厕"])
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        score_item(actor=cast["inspector"], visit=visit, item=item(template, 3), score=Decimal(3))
    assert refused.value.message == "第3项“公厕干净无异味”未得满分，须拍照留证"
    with pytest.raises(InvalidInput) as not_an_image:
        score_item(
            actor=cast["inspector"],
            visit=visit,
            item=item(template, 3),
            score=Decimal(3),
            photo=Photo("现场.jpg", b"not a picture"),
        )
    assert not_an_image.value.message == "“现场.jpg”不是有效的图片文件"
    assert counts() == before


def test_an_item_is_scored_once_and_only_where_it_applies(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    inspection_round = draw(cast, template)
    street = visit_to(inspection_round, sites["湖滨路"])
    score_item(actor=cast["inspector"], visit=street, item=item(template, 2), score=Decimal(2))
    before = counts()
    with pytest.raises(WrongState) as twice:
        score_item(actor=cast["supervisor"], visit=street, item=item(template, 2), score=Decimal(1))
    with pytest.raises(InvalidInput) as elsewhere:
        score_item(actor=cast["inspector"], visit=street, item=item(template, 3), score=Decimal(3))
    assert twice.value.message == "第2项“公交站台设施完好”已经打过分"
    assert elsewhere.value.message == "第3项“公厕干净无异味”不适用于主次干道、商业大街"
    assert counts() == before


def test_only_inspectors_and_supervisors_score(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    inspection_round = draw(cast, template)
    before = counts()
    with pytest.raises(NotAllowed) as refused:
        score_item(
            actor=cast["handler"],
            visit=visit_to(inspection_round, sites["湖滨路"]),
            item=item(template, 2),
            score=Decimal(2),
        )
    assert refused.value.message == "只有监督员和督查员可以现场打分"
    assert counts() == before


def test_every_scoring_role_may_report_the_case_its_failures_file() -> None:
    # Cases are reported in the scorer's own name; this is what makes that always possible.
    assert SCORE_ROLES <= REPORT_ROLES


def test_a_failure_that_cannot_be_rectified_writes_nothing(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    # Given a street answered for by a residents' committee with no staff accounts
    committee = Unit.objects.get(name="明湖区湖滨街道湖滨社区居民委员会")
    assert default_responsible(committee) is None
    Site.objects.filter(pk=sites["望湖路"].pk).update(responsible_unit=committee)
    inspection_round = draw(cast, template)
    before = counts()

    # When its item fails, the score is refused: nobody could be given the task
    with pytest.raises(InvalidInput) as refused:
        score_item(
            actor=cast["inspector"],
            visit=visit_to(inspection_round, sites["望湖路"]),
            item=item(template, 1),
            score=Decimal(0),
            photo=jpeg(),
        )
    assert refused.value.message == (
        "责任单位“明湖区湖滨街道湖滨社区居民委员会”没有可指派的人员，无法生成整改事项"
    )
    assert counts() == before
    assert InspectionRound.objects.get(pk=inspection_round.pk).status == RoundStatus.DRAWN


def test_a_refusal_after_the_case_was_filed_undoes_the_case_too(
    cast: dict[str, User],
    sites: dict[str, Site],
    template: InspectionTemplate,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Given the rectification task will be refused after the list and the case are written
    def refuse(**_kwargs: object) -> Task:
        raise InvalidInput("任务被拒绝")

    monkeypatch.setattr(inspections, "add_task", refuse)
    inspection_round = draw(cast, template)
    before = counts()

    # When an item fails
    with pytest.raises(InvalidInput, match="任务被拒绝"):
        score_item(
            actor=cast["inspector"],
            visit=visit_to(inspection_round, sites["湖滨路"]),
            item=item(template, 1),
            score=Decimal(0),
            photo=jpeg(),
            at=SCORED_AT,
        )

    # Then the score, the list and the case are all gone, and so is the score's photo file
    assert counts() == before
    inspection_round.refresh_from_db()
    assert inspection_round.rectification_plan is None
    assert [f for f in (tmp_path / "campaigns").rglob("*") if f.is_file()] == []


# --- finishing ----------------------------------------------------------------------------------


def test_a_visit_finishes_only_when_every_applicable_item_is_scored(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    inspection_round = draw(cast, template, sample={9: 1, 12: 1}, seed=7)
    street = inspection_round.visits.get(site__site_type__tag=9)
    toilet = inspection_round.visits.get(site__site_type__tag=12)
    score_item(actor=cast["inspector"], visit=street, item=item(template, 2), score=Decimal(2))

    # When the street's visit is finished with item 1 unscored, it is refused naming it
    with pytest.raises(WrongState) as refused:
        finish_visit(actor=cast["inspector"], visit=street)
    assert refused.value.message == (
        f"点位“{street.site.name}”还有未打分的项目：第1项“路面无暴露垃圾”"
    )
    assert [i.number for i in unscored_items(street)] == [1]
    assert not Visit.objects.get(pk=street.pk).finished

    # and the round cannot finish while visits are open
    with pytest.raises(WrongState) as round_refused:
        finish_round(actor=cast["supervisor"], inspection_round=inspection_round)
    names = "、".join(sorted([street.site.name, toilet.site.name]))
    assert round_refused.value.message == f"还有2个点位未完成检查：{names}"

    # When every item is scored, both finish, and then nothing more can be scored
    score_item(actor=cast["inspector"], visit=street, item=item(template, 1), score=Decimal(4))
    score_item(actor=cast["inspector"], visit=toilet, item=item(template, 3), score=Decimal("3.5"))
    finish_visit(actor=cast["inspector"], visit=street)
    finish_visit(actor=cast["supervisor"], visit=toilet)
    finished = finish_round(actor=cast["supervisor"], inspection_round=inspection_round)
    assert finished.status == RoundStatus.FINISHED
    assert Visit.objects.filter(round=inspection_round, finished=True).count() == 2
    with pytest.raises(WrongState) as closed:
        finish_visit(actor=cast["inspector"], visit=street)
    assert closed.value.message == "检查批次“11月暗访”已结束"


# --- results ------------------------------------------------------------------------------------


def test_round_results_give_each_site_on_the_map_and_each_district(
    cast: dict[str, User], sites: dict[str, Site], template: InspectionTemplate
) -> None:
    # Given a full round in which 湖滨路 lost 3 points on rubbish and 青山公厕 got 2 of 3.5
    inspection_round = draw(cast, template)
    inspector = cast["inspector"]
    for name in ("湖滨路", "望湖路", "鼓楼大街", "青山路", "松涛路"):
        visit = visit_to(inspection_round, sites[name])
        rubbish = Decimal(1) if name == "湖滨路" else Decimal(4)
        score_item(
            actor=inspector, visit=visit, item=item(template, 1), score=rubbish, photo=jpeg()
        )
        score_item(actor=inspector, visit=visit, item=item(template, 2), score=Decimal(2))
    score_item(
        actor=inspector,
        visit=visit_to(inspection_round, sites["青山公厕"]),
        item=item(template, 3),
        score=Decimal(2),
        photo=jpeg(),
    )

    # When the results are read
    results = round_results(inspection_round)

    # Then each visit has its place, type, score against its items' points and failures
    by_name = {v.site_name: v for v in results.visits}
    hubin = by_name["湖滨路"]
    assert (hubin.lon, hubin.lat) == (sites["湖滨路"].lon, sites["湖滨路"].lat)
    assert (hubin.site_type, hubin.district, hubin.street) == (
        "主次干道、商业大街",
        "明湖区",
        "湖滨街道",
    )
    assert (hubin.items, hubin.scored, hubin.score, hubin.max_score, hubin.rate) == (
        2,
        2,
        Decimal(3),
        Decimal(6),
        Decimal("0.5000"),
    )
    task = Task.objects.get(finding__visit__site=sites["湖滨路"])
    assert [(f.number, f.score, f.points, f.task_id, f.case_id) for f in hubin.failed] == [
        (1, Decimal(1), Decimal(4), task.pk, task.case_id)
    ]
    unscored = by_name["望湖公厕"]
    assert (unscored.scored, unscored.score, unscored.max_score) == (0, Decimal(0), Decimal("3.5"))
    # and the districts sum their visits: 明湖区 3 streets + 1 toilet, 青山区 2 + 1
    assert [
        (d.district, d.visits, d.finished, d.score, d.max_score, d.failed, d.rate)
        for d in results.districts
    ] == [
        ("明湖区", 4, 0, Decimal(15), Decimal("21.5"), 1, Decimal("0.6977")),
        ("青山区", 3, 0, Decimal(14), Decimal("15.5"), 1, Decimal("0.9032")),
    ]
