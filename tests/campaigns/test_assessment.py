"""The civilised-city index: imported whole or refused row by row, reviewed where it is not checked
in the field, and scored into items, parts, site types and districts with the weakest first."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from finegrid.campaigns.actions import decide_acceptance, request_acceptance
from finegrid.campaigns.assessment import (
    DEMO_INDEX,
    Scoreboard,
    add_review,
    import_index,
    scoreboard,
)
from finegrid.campaigns.errors import ImportRefused, InvalidInput, NotAllowed
from finegrid.campaigns.inspections import (
    add_template_item,
    create_template,
    default_template_spec,
    draw_round,
    load_template,
    register_site,
    score_item,
)
from finegrid.campaigns.models import (
    IndexNode,
    IndexTree,
    InspectionRound,
    Method,
    NodeLevel,
    Review,
    RoundKind,
    SiteType,
    Task,
    TaskStatus,
)
from finegrid.cases.photos import Photo
from finegrid.catalogue.models import Category, Kind
from finegrid.geo.models import Area, Grid
from finegrid.org.models import User
from tests.cases.builders import (
    grid_point,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
)

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
HEADER = "编号,层级,名称,分值,测评方法,点位类型"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def tree_rows() -> dict[str, tuple[str, str, Decimal, str, list[int], str | None]]:
    return {
        n.code: (
            n.level,
            n.title,
            n.points,
            n.method,
            sorted(n.site_types.values_list("tag", flat=True)),
            n.parent.code if n.parent else None,
        )
        for n in IndexNode.objects.prefetch_related("site_types").select_related("parent")
    }


# --- importing ----------------------------------------------------------------------------------


def test_the_demo_index_imports_as_a_tree_of_100_points(cast: dict[str, User]) -> None:
    # When the shipped mock index is imported
    tree = import_index(
        actor=cast["supervisor"],
        name="示范市模拟测评体系",
        year=2026,
        data=DEMO_INDEX.read_bytes(),
        filename=DEMO_INDEX.name,
    )

    # Then it has 5 parts, 15 items and 40 contents worth 100 points, each under its prefix
    nodes = tree.nodes.all()
    assert [nodes.filter(level=level).count() for level in NodeLevel] == [5, 15, 40]
    assert sum(n.points for n in nodes.filter(level=NodeLevel.PART)) == Decimal(100)
    assert sum(n.points for n in nodes.filter(level=NodeLevel.CONTENT)) == Decimal(100)
    rows = tree_rows()
    assert rows["1"] == (NodeLevel.PART, "市容环境", Decimal(30), "", [], None)
    assert rows["1.1"] == (NodeLevel.ITEM, "道路与街巷保洁", Decimal(10), "", [], "1")
    assert rows["1.1.3"] == (
        NodeLevel.CONTENT,
        "垃圾收集容器完好，清运及时不满溢",
        Decimal(3),
        Method.FIELD_CHECK,
        [5, 9, 10],
        "1.1",
    )
    assert rows["3.2.1"][3] == Method.SURVEY
    assert rows["5.3.2"][3] == Method.MATERIAL
    # and it keeps the file's order
    assert list(nodes.order_by("order").values_list("code", flat=True)[:4]) == [
        "1",
        "1.1",
        "1.1.1",
        "1.1.2",
    ]


def test_an_xlsx_index_with_number_cells_and_site_type_names_imports(
    cast: dict[str, User],
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "编号", "层级", "分值", "测评方法", "点位类型"])
    sheet.append(["市容", "1", "测评项目", 6, None, None])
    sheet.append(["街面", "1.1", "测评指标", 6, None, None])
    sheet.append(["路面干净", "1.1.1", "测评内容", 3.5, "实地考察", "主次干道、商业大街,背街小巷"])
    sheet.append(["公厕干净", "1.1.2", "测评内容", 2.5, "实地考察", "12"])
    buffer = io.BytesIO()
    book.save(buffer)

    tree = import_index(
        actor=cast["admin"], name="表格体系", year=2026, data=buffer.getvalue(), filename="i.xlsx"
    )

    assert tree.nodes.count() == 4
    rows = tree_rows()
    assert rows["1.1.1"][2:5] == (Decimal("3.5"), Method.FIELD_CHECK, [9, 10])
    assert rows["1.1.2"][2:5] == (Decimal("2.5"), Method.FIELD_CHECK, [12])


def test_an_index_missing_a_column_is_refused_naming_it(cast: dict[str, User]) -> None:
    before = (IndexTree.objects.count(), IndexNode.objects.count())
    data = csv_bytes("编号,层级,名称,测评方法", "1,测评项目,市容,")
    with pytest.raises(ImportRefused) as refused:
        import_index(actor=cast["supervisor"], name="缺列", year=2026, data=data, filename="a.csv")
    assert refused.value.problems == ["第1行：缺少“分值”列"]
    assert (IndexTree.objects.count(), IndexNode.objects.count()) == before


def test_an_index_with_bad_rows_is_refused_with_every_row_and_reason(
    cast: dict[str, User],
) -> None:
    before = (IndexTree.objects.count(), IndexNode.objects.count())
    data = csv_bytes(
        HEADER,
        "1,测评项目,市容,10,,",  # row 2
        "1.1,测评指标,街面,10,,",  # row 3
        "1.1.1,测评内容,路面,6,实地考察,9",  # row 4
        "1.1.2,测评内容,公厕,4,实地考察,公共厕所",  # row 5: no such site type
        "1.1.2,测评内容,重复,4,材料审核,",  # row 6: the code again
        "2,测评大项,秩序,5,,",  # row 7: no such level
        "2.1,测评指标,交通,五,,",  # row 8: not a number
        "3.1,测评指标,孤儿,5,,",  # row 9: no parent, no children
        "1.2.1,测评内容,无上级,2,问卷调查,",  # row 10: no parent
        "2.1.1,测评内容,方法错,5,现场看看,",  # row 11: no such method
        "4,测评内容,层级不符,1,材料审核,",  # row 12: a content's code has three parts
        "2.1.2,测评内容,问卷,1,问卷调查,9",  # row 13: site types on a survey
    )
    with pytest.raises(ImportRefused) as refused:
        import_index(
            actor=cast["supervisor"], name="坏体系", year=2026, data=data, filename="a.csv"
        )
    assert refused.value.problems == [
        "第5行：未知的点位类型“公共厕所”",
        "第6行：编号“1.1.2”与第5行重复",
        "第7行：未知的层级“测评大项”，应为测评项目、测评指标或测评内容",
        "第8行：分值“五”应为大于0、最多两位小数的数字",
        "第9行：上级编号“3”不存在",
        "第9行：测评指标“3.1”没有下级",
        "第10行：上级编号“1.2”不存在",
        "第11行：测评方法“现场看看”应为实地考察、材料审核或问卷调查",
        "第12行：编号“4”与层级“测评内容”不符",
        "第13行：只有实地考察的测评内容填写点位类型",
    ]
    assert (IndexTree.objects.count(), IndexNode.objects.count()) == before


def test_points_that_do_not_add_up_are_refused_on_the_parents_row(cast: dict[str, User]) -> None:
    before = (IndexTree.objects.count(), IndexNode.objects.count())
    data = csv_bytes(
        HEADER,
        "1,测评项目,市容,10,,",
        "1.1,测评指标,街面,6,,",
        "1.1.1,测评内容,路面,4,实地考察,9",
        "1.1.2,测评内容,公厕,1.5,实地考察,12",
        "1.2,测评指标,制度,3,,",
        "1.2.1,测评内容,制度,3,材料审核,",
    )
    with pytest.raises(ImportRefused) as refused:
        import_index(actor=cast["supervisor"], name="不平", year=2026, data=data, filename="a.csv")
    assert refused.value.problems == [
        "第2行：“1”的下级分值合计9分，与其分值10分不符",
        "第3行：“1.1”的下级分值合计5.5分，与其分值6分不符",
    ]
    assert (IndexTree.objects.count(), IndexNode.objects.count()) == before


def test_only_the_centre_imports_an_index_and_names_are_unique(cast: dict[str, User]) -> None:
    data = DEMO_INDEX.read_bytes()
    with pytest.raises(NotAllowed):
        import_index(actor=cast["inspector"], name="体系", year=2026, data=data, filename="a.csv")
    import_index(actor=cast["supervisor"], name="体系", year=2026, data=data, filename="a.csv")
    before = IndexNode.objects.count()
    with pytest.raises(InvalidInput) as refused:
        import_index(actor=cast["supervisor"], name="体系", year=2027, data=data, filename="a.csv")
    assert refused.value.message == "已有名为“体系”的测评体系"
    assert IndexNode.objects.count() == before


def test_the_shipped_checklist_links_to_the_demo_index_contents(cast: dict[str, User]) -> None:
    tree = import_index(
        actor=cast["supervisor"],
        name="示范市模拟测评体系",
        year=2026,
        data=DEMO_INDEX.read_bytes(),
        filename="demo_index.csv",
    )
    checklist = load_template(actor=cast["supervisor"], spec=default_template_spec(), tree=tree)
    contents = list(checklist.items.order_by("number").values_list("content__code", flat=True))
    assert len(contents) == 28
    assert contents[:3] == ["1.1.1", "1.1.2", "1.1.3"]
    assert all(code is not None for code in contents)


# --- reviews ------------------------------------------------------------------------------------


@pytest.fixture
def small_tree(cast: dict[str, User]) -> IndexTree:
    """16 points: two field checks (4 + 2), a material review (4), a survey (3) and a field-check
    content no checklist item points at (3), so it is never checked."""
    data = csv_bytes(
        HEADER,
        "1,测评项目,市容环境,10,,",
        "1.1,测评指标,街面与公厕,6,,",
        "1.1.1,测评内容,路面干净,4,实地考察,9",
        "1.1.2,测评内容,公厕干净,2,实地考察,公共卫生间",
        "1.2,测评指标,管理制度,4,,",
        "1.2.1,测评内容,保洁制度健全,4,材料审核,",
        "2,测评项目,群众评价,6,,",
        "2.1,测评指标,市民评价,6,,",
        "2.1.1,测评内容,市民满意度,3,问卷调查,",
        "2.1.2,测评内容,公交站台完好,3,实地考察,9",
    )
    return import_index(
        actor=cast["supervisor"], name="小体系", year=2026, data=data, filename="small.csv"
    )


def node(tree: IndexTree, code: str) -> IndexNode:
    return tree.nodes.get(code=code)


def test_a_review_outside_the_contents_points_or_of_a_field_check_is_refused(
    cast: dict[str, User], small_tree: IndexTree
) -> None:
    before = Review.objects.count()
    for score in (Decimal(5), Decimal("-0.5"), Decimal("1.234")):
        with pytest.raises(InvalidInput) as refused:
            add_review(actor=cast["supervisor"], node=node(small_tree, "1.2.1"), score=score)
        assert refused.value.message == (
            f"“1.2.1 保洁制度健全”的得分应在0到4分之间（最多两位小数），实际为{score}"
        )
    with pytest.raises(InvalidInput) as field_check:
        add_review(actor=cast["supervisor"], node=node(small_tree, "1.1.1"), score=Decimal(1))
    assert field_check.value.message == "“1.1.1”不是材料审核或问卷调查的测评内容"
    with pytest.raises(InvalidInput) as street:
        add_review(
            actor=cast["supervisor"],
            node=node(small_tree, "1.2.1"),
            score=Decimal(1),
            district=Area.objects.get(code="990102001"),
        )
    assert street.value.message == "“湖滨街道”不是区（县）"
    with pytest.raises(NotAllowed):
        add_review(actor=cast["inspector"], node=node(small_tree, "2.1.1"), score=Decimal(1))
    assert Review.objects.count() == before


# --- the scoreboard -----------------------------------------------------------------------------


def point_in(street_code: str, index: int) -> tuple[float, float]:
    grid = Grid.objects.current().filter(code__startswith=street_code).order_by("code")[index]
    return grid_point(grid.code)


def jpeg() -> Photo:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (90, 90, 90)).save(buffer, format="JPEG")
    return Photo("p.jpg", buffer.getvalue())


@pytest.fixture
def scored(cast: dict[str, User], small_tree: IndexTree, settings: Any, tmp_path: Path) -> None:
    """明湖区: 湖滨路 met, 鼓楼大街 failed (open), 望湖公厕 met.
    青山区: 青山路 failed (ticked off), 青山公厕 failed (open).
    Reviews: 1.2.1 city-wide 3 then 2.5, 明湖区 4; 2.1.1 city-wide 1.5.
    A round outside the assessment fails 湖滨路 too, and must not count."""
    settings.MEDIA_ROOT = tmp_path
    supervisor, inspector = cast["supervisor"], cast["inspector"]
    street, toilet = SiteType.objects.get(tag=9), SiteType.objects.get(tag=12)
    sites = {}
    for name, site_type, street_code, index in [
        ("湖滨路", street, "990102001", 0),
        ("鼓楼大街", street, "990102002", 0),
        ("望湖公厕", toilet, "990102001", 5),
        ("青山路", street, "990103001", 0),
        ("青山公厕", toilet, "990103001", 2),
    ]:
        lon, lat = point_in(street_code, index)
        sites[name] = register_site(
            actor=supervisor, site_type=site_type, name=name, lon=lon, lat=lat
        )
    checklist = create_template(actor=supervisor, name="测评检查表")
    road = add_template_item(
        actor=supervisor,
        template=checklist,
        standard="路面干净",
        points=Decimal(4),
        site_types=[street],
        category=Category.objects.get(kind=Kind.MATTER, code="06010"),
        content=node(small_tree, "1.1.1"),
    )
    loo = add_template_item(
        actor=supervisor,
        template=checklist,
        standard="公厕干净",
        points=Decimal(3),
        site_types=[toilet],
        content=node(small_tree, "1.1.2"),
    )

    def run(assessment: IndexTree | None, sample: dict[int, int]) -> InspectionRound:
        return draw_round(
            actor=supervisor,
            name="测评" if assessment else "日常督查",
            kind=RoundKind.THIRD_PARTY,
            template=checklist,
            starts_on=dt.date(2026, 11, 1),
            ends_on=dt.date(2026, 11, 30),
            sample=sample,
            seed=1,
            assessment=assessment,
        )

    def mark(inspection_round: InspectionRound, site: str, score: int) -> None:
        item = road if sites[site].site_type == street else loo
        score_item(
            actor=inspector,
            visit=inspection_round.visits.get(site=sites[site]),
            item=item,
            score=Decimal(score),
            photo=jpeg(),
        )

    assessed = run(small_tree, {9: 3, 12: 2})
    for site, score in [
        ("湖滨路", 4),
        ("鼓楼大街", 0),
        ("望湖公厕", 3),
        ("青山路", 2),
        ("青山公厕", 1),
    ]:
        mark(assessed, site, score)
    mark(run(None, {9: 3}), "湖滨路", 0)
    # 青山路's rectification is done and accepted by the centre
    task = Task.objects.get(finding__visit__round=assessed, finding__visit__site=sites["青山路"])
    request = request_acceptance(actor=task.responsible, task=task, evidence="已清理")
    decide_acceptance(actor=supervisor, request=request, accept=True)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.TICKED_OFF

    minghu = Area.objects.get(code="990102")
    early = dt.datetime(2026, 11, 10, 9, tzinfo=SHANGHAI)
    late = dt.datetime(2026, 11, 20, 9, tzinfo=SHANGHAI)
    add_review(actor=supervisor, node=node(small_tree, "1.2.1"), score=Decimal(3), at=early)
    add_review(actor=supervisor, node=node(small_tree, "1.2.1"), score=Decimal("2.5"), at=late)
    add_review(
        actor=supervisor,
        node=node(small_tree, "1.2.1"),
        score=Decimal(4),
        district=minghu,
        at=early,
    )
    add_review(actor=supervisor, node=node(small_tree, "2.1.1"), score=Decimal("1.5"), at=early)


def by_code(board: Scoreboard) -> dict[str, tuple[Any, ...]]:
    return {
        n.code: (n.score, n.simulated_score, n.checked_points, n.rate, n.unchecked)
        for n in (*board.parts, *board.items, *board.contents)
    }


@pytest.mark.usefixtures("scored")
def test_the_city_scoreboard_rolls_checks_and_reviews_up_by_points(small_tree: IndexTree) -> None:
    board = scoreboard(tree=small_tree)

    # 1.1.1: 1 of 3 checks met → 4 × 1/3 = 1.33; the open failure (鼓楼大街) lifted → 2.67
    # 1.1.2: 1 of 2 → 1.00; lifted → 2.00.  1.2.1: latest city-wide review 2.5.
    # 2.1.1: survey 1.5.  2.1.2: never checked: 0 points, out of every rate.
    assert by_code(board) == {
        "1": (Decimal("4.83"), Decimal("7.17"), Decimal(10), Decimal("0.4830"), 0),
        "1.1": (Decimal("2.33"), Decimal("4.67"), Decimal(6), Decimal("0.3883"), 0),
        "1.1.1": (Decimal("1.33"), Decimal("2.67"), Decimal(4), Decimal("0.3333"), 0),
        "1.1.2": (Decimal("1.00"), Decimal("2.00"), Decimal(2), Decimal("0.5000"), 0),
        "1.2": (Decimal("2.5"), Decimal("2.5"), Decimal(4), Decimal("0.6250"), 0),
        "1.2.1": (Decimal("2.5"), Decimal("2.5"), Decimal(4), Decimal("0.6250"), 0),
        "2": (Decimal("1.5"), Decimal("1.5"), Decimal(3), Decimal("0.5000"), 1),
        "2.1": (Decimal("1.5"), Decimal("1.5"), Decimal(3), Decimal("0.5000"), 1),
        "2.1.1": (Decimal("1.5"), Decimal("1.5"), Decimal(3), Decimal("0.5000"), 0),
        "2.1.2": (Decimal(0), Decimal(0), Decimal(0), None, 1),
    }
    content = {c.code: (c.checks, c.passed, c.open_rectifications) for c in board.contents}
    assert content == {
        "1.1.1": (3, 1, 1),
        "1.1.2": (2, 1, 1),
        "1.2.1": (1, 0, 0),
        "2.1.1": (1, 0, 0),
        "2.1.2": (0, 0, 0),
    }
    assert (board.max_total, board.total, board.simulated_total) == (
        Decimal(16),
        Decimal("6.33"),
        Decimal("8.67"),
    )
    assert (board.checked_points, board.rate, board.unchecked) == (
        Decimal(13),
        Decimal("0.4869"),
        1,
    )
    # The weakest items first (短板弱项)
    assert [(i.code, i.rate) for i in board.weakest] == [
        ("1.1", Decimal("0.3883")),
        ("2.1", Decimal("0.5000")),
        ("1.2", Decimal("0.6250")),
    ]
    assert [(g.name, g.checks, g.passed, g.rate) for g in board.by_site_type] == [
        ("主次干道、商业大街", 3, 1, Decimal("0.3333")),
        ("公共卫生间", 2, 1, Decimal("0.5000")),
    ]
    # 明湖区: 1.1.1 1/2 → 2.00 (lifted 4.00), 1.1.2 1/1 → 2.00, its own review 4, survey 1.5
    # 青山区: both failed → 0 (the open toilet lifted → 2.00), city review 2.5, survey 1.5
    assert [
        (d.name, d.checks, d.passed, d.rate, d.total, d.simulated_total, d.unchecked)
        for d in board.by_district
    ] == [
        ("明湖区", 3, 2, Decimal("0.6667"), Decimal("9.50"), Decimal("11.50"), 1),
        ("青山区", 2, 0, Decimal("0.0000"), Decimal("4.00"), Decimal("6.00"), 1),
    ]


@pytest.mark.usefixtures("scored")
def test_a_districts_scoreboard_uses_its_sites_and_its_own_reviews(small_tree: IndexTree) -> None:
    minghu = Area.objects.get(code="990102")
    board = scoreboard(tree=small_tree, district=minghu)
    assert (board.district_id, board.total, board.simulated_total) == (
        minghu.pk,
        Decimal("9.50"),
        Decimal("11.50"),
    )
    assert by_code(board)["1.2.1"][0] == Decimal(4)
    assert [(g.name, g.checks, g.passed) for g in board.by_site_type] == [
        ("主次干道、商业大街", 2, 1),
        ("公共卫生间", 1, 1),
    ]
    assert [d.name for d in board.by_district] == ["明湖区"]
    assert [i.code for i in board.weakest] == ["2.1", "1.1", "1.2"]


def test_an_unchecked_tree_scores_nothing_and_says_so(small_tree: IndexTree) -> None:
    board = scoreboard(tree=small_tree)
    zero = Decimal(0)
    assert (board.total, board.simulated_total, board.checked_points, board.rate) == (
        zero,
        zero,
        zero,
        None,
    )
    assert board.unchecked == 5
    assert board.weakest == ()
    assert board.by_site_type == () == board.by_district
    assert [c.rate for c in board.contents] == [None] * 5
