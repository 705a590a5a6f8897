"""The civilised-city assessment: index trees imported from a spreadsheet, material and survey
reviews, and the scoreboard that rolls field checks and reviews up into items, parts and totals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.campaigns.access import ROUND_ROLES, has_any
from finegrid.campaigns.errors import ImportRefused, InvalidInput, NotAllowed
from finegrid.campaigns.inspections import read_sheet, row_problem
from finegrid.campaigns.models import (
    IndexNode,
    IndexTree,
    ItemScore,
    Method,
    NodeLevel,
    Review,
    SiteType,
    TaskStatus,
)
from finegrid.geo.models import Area, AreaLevel
from finegrid.org.models import Unit, User

#: The mock index the project ships, written for the demo city.
DEMO_INDEX: Final = Path(__file__).resolve().parent / "data" / "demo_index.csv"

INDEX_COLUMNS: Final = ("编号", "层级", "名称", "分值", "测评方法")
INDEX_OPTIONAL_COLUMNS: Final = ("点位类型",)
LEVEL_NAMES: Final[Mapping[str, NodeLevel]] = {
    "测评项目": NodeLevel.PART,
    "测评指标": NodeLevel.ITEM,
    "测评内容": NodeLevel.CONTENT,
}
METHOD_NAMES: Final[Mapping[str, Method]] = {
    "实地考察": Method.FIELD_CHECK,
    "材料审核": Method.MATERIAL,
    "问卷调查": Method.SURVEY,
}
#: A level's depth in the code: "1" is a part, "1.2" an item, "1.2.3" a content.
DEPTH: Final[Mapping[NodeLevel, int]] = {
    NodeLevel.PART: 1,
    NodeLevel.ITEM: 2,
    NodeLevel.CONTENT: 3,
}
_CODE: Final = re.compile(r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$")
_TAG_SEPARATORS: Final = re.compile(r"[、,，;；\s]+")
_CENT: Final = Decimal("0.01")
_RATE: Final = Decimal("0.0001")


# --- importing an index -------------------------------------------------------------------------


@dataclass
class _NodeRow:
    number: int
    code: str
    level: NodeLevel | None
    title: str
    points: Decimal | None
    method: str
    site_types: list[SiteType] = field(default_factory=list)


def _parse_points(text: str) -> Decimal | None:
    try:
        points = Decimal(text)
    except ArithmeticError:
        return None
    if not points.is_finite() or points <= 0 or points >= 100000:
        return None
    return points if points == points.quantize(_CENT) else None


def _read_node(
    number: int,
    values: Mapping[str, str],
    types: Mapping[str, SiteType],
    problems: list[tuple[int, str]],
) -> _NodeRow:
    def fail(reason: str) -> None:
        problems.append((number, reason))

    code = values["编号"]
    if not _CODE.match(code):
        fail(_("编号“%(code)s”应为以点分隔的数字，如1.2.3") % {"code": code})
    level_text = values["层级"]
    level = LEVEL_NAMES.get(level_text)
    if level is None:
        fail(_("未知的层级“%(level)s”，应为测评项目、测评指标或测评内容") % {"level": level_text})
    elif _CODE.match(code) and code.count(".") + 1 != DEPTH[level]:
        fail(_("编号“%(code)s”与层级“%(level)s”不符") % {"code": code, "level": level_text})
    title = values["名称"]
    if not title:
        fail(_("名称不能为空"))
    elif len(title) > 300:
        fail(_("名称不能超过300个字符"))
    points = _parse_points(values["分值"])
    if points is None:
        fail(_("分值“%(points)s”应为大于0、最多两位小数的数字") % {"points": values["分值"]})
    method_text = values["测评方法"]
    method = ""
    if level == NodeLevel.CONTENT:
        if method_text not in METHOD_NAMES:
            fail(
                _("测评方法“%(method)s”应为实地考察、材料审核或问卷调查") % {"method": method_text}
            )
        else:
            method = METHOD_NAMES[method_text]
    elif method_text:
        fail(_("只有测评内容填写测评方法"))
    row = _NodeRow(number, code, level, title, points, method)
    tags_text = values.get("点位类型", "")
    if tags_text and method != Method.FIELD_CHECK:
        fail(_("只有实地考察的测评内容填写点位类型"))
    elif tags_text:
        found, unknown = _site_types_in(tags_text, types)
        row.site_types = found
        for token in unknown:
            fail(_("未知的点位类型“%(type)s”") % {"type": token})
    return row


def _site_types_in(text: str, types: Mapping[str, SiteType]) -> tuple[list[SiteType], list[str]]:
    """The site types a cell names (by tag or name), and the tokens that name none.

    Whole names are taken out first: some contain the separator themselves (主次干道、商业大街).
    """
    found: list[SiteType] = []
    for name in sorted((n for n in types if not n.isdigit()), key=len, reverse=True):
        if name in text:
            text = text.replace(name, "、")
            found.append(types[name])
    unknown = []
    for token in filter(None, _TAG_SEPARATORS.split(text)):
        site_type = types.get(token)
        if site_type is None:
            unknown.append(token)
        else:
            found.append(site_type)
    return sorted(set(found), key=lambda t: t.tag), unknown


def _check_structure(rows: Sequence[_NodeRow], problems: list[tuple[int, str]]) -> None:
    """Duplicate codes, missing parents, empty parents and points that do not add up."""
    by_code: dict[str, _NodeRow] = {}
    for row in rows:
        first = by_code.get(row.code)
        if first is not None:
            problems.append(
                (
                    row.number,
                    _("编号“%(code)s”与第%(n)d行重复") % {"code": row.code, "n": first.number},
                )
            )
        else:
            by_code[row.code] = row
    children: dict[str, list[_NodeRow]] = defaultdict(list)
    for row in by_code.values():
        if "." not in row.code:
            continue
        parent_code = row.code.rsplit(".", 1)[0]
        if parent_code not in by_code:
            problems.append(
                (
                    row.number,
                    _("上级编号“%(parent)s”不存在") % {"parent": parent_code},
                )
            )
        else:
            children[parent_code].append(row)
    for row in by_code.values():
        if row.level is None or row.level == NodeLevel.CONTENT:
            continue
        below = children.get(row.code, [])
        if not below:
            problems.append(
                (
                    row.number,
                    _("%(level)s“%(code)s”没有下级") % {"level": row.level.label, "code": row.code},
                )
            )
            continue
        if row.points is None or any(child.points is None for child in below):
            continue  # the bad number is reported on its own row
        total = sum((child.points for child in below if child.points is not None), Decimal(0))
        if total != row.points:
            problems.append(
                (
                    row.number,
                    _("“%(code)s”的下级分值合计%(total)s分，与其分值%(points)s分不符")
                    % {
                        "code": row.code,
                        "total": _number(total),
                        "points": _number(row.points),
                    },
                )
            )


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def import_index(*, actor: User, name: str, year: int, data: bytes, filename: str) -> IndexTree:
    """An index tree from an XLSX or CSV file, whole or not at all.

    Columns: 编号 ("1", "1.2", "1.2.3": the parent is the code's prefix), 层级 (测评项目 /
    测评指标 / 测评内容), 名称, 分值, 测评方法 (contents only: 实地考察 / 材料审核 / 问卷调查)
    and optionally 点位类型 (field-check contents only: tags or names separated by 、 or ,).
    Every row is checked first; any problem refuses the file with ImportRefused listing each one
    as "第N行：…" (the header is row 1).
    """
    if not has_any(actor, ROUND_ROLES):
        raise NotAllowed(_("只有监督中心和系统管理员可以导入测评体系"))
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(_("测评体系名称不能为空，也不能超过120个字符"))
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("年度应在2000到2100之间"))
    if IndexTree.objects.filter(name=name).exists():
        raise InvalidInput(_("已有名为“%(name)s”的测评体系") % {"name": name})
    sheet = read_sheet(
        data=data, filename=filename, required=INDEX_COLUMNS, optional=INDEX_OPTIONAL_COLUMNS
    )
    if not sheet:
        raise ImportRefused([_("文件“%(name)s”没有数据行") % {"name": filename}])
    all_types = list(SiteType.objects.all())
    types = {str(t.tag): t for t in all_types} | {t.name: t for t in all_types}
    problems: list[tuple[int, str]] = []
    rows = [_read_node(row.number, row.values, types, problems) for row in sheet]
    _check_structure(rows, problems)
    if problems:
        # By row, so a reader can walk down the sheet; a row's own problems come first.
        by_row = sorted(problems, key=lambda problem: problem[0])
        raise ImportRefused([row_problem(number, reason) for number, reason in by_row])
    with transaction.atomic():
        tree = IndexTree.objects.create(name=name, year=year)
        created: dict[str, IndexNode] = {}
        # Parents first, so each child can point at its parent; `order` keeps the file's order.
        parents_first = sorted(enumerate(rows), key=lambda pair: (pair[1].code.count("."), pair[0]))
        for order, row in parents_first:
            assert row.level is not None
            assert row.points is not None
            node = IndexNode.objects.create(
                tree=tree,
                parent=created.get(row.code.rsplit(".", 1)[0]) if "." in row.code else None,
                level=row.level,
                code=row.code,
                title=row.title,
                points=row.points,
                method=row.method,
                order=order,
            )
            created[row.code] = node
            if row.site_types:
                node.site_types.set(row.site_types)
    return tree


# --- material and survey reviews ----------------------------------------------------------------


def add_review(
    *,
    actor: User,
    node: IndexNode,
    score: Decimal,
    district: Area | None = None,
    unit: Unit | None = None,
    text: str = "",
    at: dt.datetime | None = None,
) -> Review:
    """The result of a material review or survey for one content, city-wide or for a district.

    Later reviews supersede earlier ones on the scoreboard; earlier ones are kept.
    """
    if not has_any(actor, ROUND_ROLES):
        raise NotAllowed(_("只有监督中心和系统管理员可以登记材料审核和问卷结果"))
    if node.level != NodeLevel.CONTENT or node.method not in {Method.MATERIAL, Method.SURVEY}:
        raise InvalidInput(_("“%(code)s”不是材料审核或问卷调查的测评内容") % {"code": node.code})
    if (
        not isinstance(score, Decimal)
        or not score.is_finite()
        or not 0 <= score <= node.points
        or score != score.quantize(_CENT)
    ):
        raise InvalidInput(
            _("“%(code)s %(title)s”的得分应在0到%(points)s分之间（最多两位小数），实际为%(score)s")
            % {
                "code": node.code,
                "title": node.title,
                "points": _number(node.points),
                "score": score,
            },
            field="score",
        )
    if district is not None and district.level != AreaLevel.DISTRICT:
        raise InvalidInput(_("“%(name)s”不是区（县）") % {"name": district.name})
    with transaction.atomic():
        return Review.objects.create(
            node=node,
            district=district,
            unit=unit,
            text=text.strip(),
            score=score,
            reviewed_by=actor,
            reviewed_at=at or timezone.now(),
        )


# --- the scoreboard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldCheck:
    """One scored checklist item that counts for a content of the tree."""

    content_id: int
    passed: bool
    site_type_id: int
    district_id: int | None
    #: Failed, and its rectification task is not yet ticked off.
    open_rectification: bool


@dataclass(frozen=True)
class NodeScore:
    """A content, item or part: its points, what it earned and over how many checked points.

    `rate` is earned / checked points, None when nothing under it was checked. For a content,
    `checks` and `passed` count field checks (a review counts as one check).
    """

    node_id: int
    code: str
    title: str
    level: str
    method: str
    points: Decimal
    score: Decimal
    simulated_score: Decimal
    checked_points: Decimal
    rate: Decimal | None
    unchecked: int  # contents under it never checked
    checks: int
    passed: int
    open_rectifications: int


@dataclass(frozen=True)
class GroupScore:
    """Field checks at one kind of site or in one district: how many, how many met, the rate."""

    key: int | None
    name: str
    checks: int
    passed: int
    rate: Decimal | None


@dataclass(frozen=True)
class DistrictScore:
    """A district's own scoreboard totals: its sites' field checks and its reviews."""

    district_id: int
    name: str
    checks: int
    passed: int
    rate: Decimal | None
    total: Decimal
    simulated_total: Decimal
    unchecked: int


@dataclass(frozen=True)
class Scoreboard:
    """The tree scored; see `scoreboard` for how contents are scored and what is simulated."""

    tree_id: int
    district_id: int | None
    max_total: Decimal
    total: Decimal
    simulated_total: Decimal
    checked_points: Decimal
    rate: Decimal | None
    unchecked: int
    parts: tuple[NodeScore, ...]
    items: tuple[NodeScore, ...]
    contents: tuple[NodeScore, ...]
    weakest: tuple[NodeScore, ...]
    by_site_type: tuple[GroupScore, ...]
    by_district: tuple[DistrictScore, ...]


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(_RATE, rounding=ROUND_HALF_UP)


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Node:
    pk: int
    parent_id: int | None
    code: str
    title: str
    level: str
    method: str
    points: Decimal


def _score_content(
    node: _Node,
    checks: Sequence[FieldCheck],
    review: Decimal | None,
) -> NodeScore:
    zero = Decimal(0)
    if node.method == Method.FIELD_CHECK:
        n = len(checks)
        passed = sum(1 for c in checks if c.passed)
        still_open = sum(1 for c in checks if c.open_rectification)
        score = _money(node.points * passed / n) if n else zero
        simulated = _money(node.points * (passed + still_open) / n) if n else zero
        checked = n > 0
        rate = _ratio(passed, n)
    else:
        score = simulated = review if review is not None else zero
        checked = review is not None
        rate = _ratio(score, node.points) if checked else None
        # A review is one check; it "passed" when it earned full points.
        n, passed, still_open = int(checked), int(review == node.points), 0
    return NodeScore(
        node_id=node.pk,
        code=node.code,
        title=node.title,
        level=node.level,
        method=node.method,
        points=node.points,
        score=score,
        simulated_score=simulated,
        checked_points=node.points if checked else zero,
        rate=rate,
        unchecked=0 if checked else 1,
        checks=n,
        passed=passed,
        open_rectifications=still_open,
    )


def _roll_up(node: _Node, below: Sequence[NodeScore]) -> NodeScore:
    def total(values: Iterable[Decimal]) -> Decimal:
        return sum(values, Decimal(0))

    score = total(s.score for s in below)
    checked = total(s.checked_points for s in below)
    return NodeScore(
        node_id=node.pk,
        code=node.code,
        title=node.title,
        level=node.level,
        method="",
        points=node.points,
        score=score,
        simulated_score=total(s.simulated_score for s in below),
        checked_points=checked,
        rate=_ratio(score, checked),
        unchecked=sum(s.unchecked for s in below),
        checks=sum(s.checks for s in below),
        passed=sum(s.passed for s in below),
        open_rectifications=sum(s.open_rectifications for s in below),
    )


@dataclass(frozen=True)
class _Board:
    parts: list[NodeScore]
    items: list[NodeScore]
    contents: list[NodeScore]


def _board(
    nodes: Sequence[_Node],
    checks: Sequence[FieldCheck],
    reviews: Mapping[tuple[int, int | None], Decimal],
    district_id: int | None,
) -> _Board:
    """The tree scored over the given rows (plain Python, so every district reuses it)."""
    by_content: dict[int, list[FieldCheck]] = defaultdict(list)
    for check in checks:
        by_content[check.content_id].append(check)
    scores: dict[int, NodeScore] = {}
    contents: list[NodeScore] = []
    for node in nodes:
        if node.level != NodeLevel.CONTENT:
            continue
        review = None
        if district_id is not None:
            review = reviews.get((node.pk, district_id))
        if review is None:
            # A district without its own review is judged by the city's (a city-wide policy
            # document counts for every district until one submits its own).
            review = reviews.get((node.pk, None))
        scores[node.pk] = _score_content(node, by_content.get(node.pk, []), review)
        contents.append(scores[node.pk])
    children: dict[int, list[int]] = defaultdict(list)
    for node in nodes:
        if node.parent_id is not None:
            children[node.parent_id].append(node.pk)
    rolled: dict[NodeLevel, list[NodeScore]] = {NodeLevel.ITEM: [], NodeLevel.PART: []}
    # Items before parts, so each part adds up items already scored.
    for level in (NodeLevel.ITEM, NodeLevel.PART):
        for node in nodes:
            if node.level == level:
                below = [scores[pk] for pk in children[node.pk] if pk in scores]
                scores[node.pk] = _roll_up(node, below)
                rolled[level].append(scores[node.pk])
    return _Board(parts=rolled[NodeLevel.PART], items=rolled[NodeLevel.ITEM], contents=contents)


def _site_type_groups(
    checks: Sequence[FieldCheck], names: Mapping[int, str], order: Mapping[int, int]
) -> tuple[GroupScore, ...]:
    grouped: dict[int, list[FieldCheck]] = defaultdict(list)
    for check in checks:
        grouped[check.site_type_id].append(check)
    return tuple(
        GroupScore(
            key=value,
            name=names.get(value, ""),
            checks=len(rows),
            passed=sum(1 for r in rows if r.passed),
            rate=_ratio(sum(1 for r in rows if r.passed), len(rows)),
        )
        for value, rows in sorted(grouped.items(), key=lambda pair: order.get(pair[0], 0))
    )


def load_field_checks(tree: IndexTree) -> list[FieldCheck]:
    """The scores of checklist items linked to the tree's contents, in rounds counted for it."""
    rows = ItemScore.objects.filter(
        item__content__tree=tree, visit__round__assessment=tree
    ).values_list(
        "item__content_id",
        "passed",
        "visit__site__site_type_id",
        "visit__site__district_id",
        "rectification__status",
    )
    return [
        FieldCheck(
            content_id=content_id,
            passed=passed,
            site_type_id=site_type_id,
            district_id=district_id,
            open_rectification=not passed
            and status is not None
            and status != TaskStatus.TICKED_OFF,
        )
        for content_id, passed, site_type_id, district_id, status in rows
    ]


def latest_reviews(tree: IndexTree) -> dict[tuple[int, int | None], Decimal]:
    """The latest review score per (content, district or None for city-wide)."""
    latest: dict[tuple[int, int | None], Decimal] = {}
    rows = Review.objects.filter(node__tree=tree).order_by("reviewed_at", "pk")
    for node_id, district_id, score in rows.values_list("node_id", "district_id", "score"):
        latest[(node_id, district_id)] = score
    return latest


def scoreboard(*, tree: IndexTree, district: Area | None = None) -> Scoreboard:
    """The tree scored from its field checks and reviews, city-wide or for one district.

    - A field-check content's rate is passed / scored over the `ItemScore`s of checklist items
      linked to it, in rounds counted for this tree (at the district's sites, if given); its
      score is points × rate.
    - A material or survey content scores its latest review: the district's own if given, else
      the city-wide one.
    - A content never checked (no score, no review) earns nothing towards `total`, since an
      assessor gives no points for what was not shown, but it is not counted as a failure
      either: it is left out of every rate and counted in `unchecked`, and `checked_points`
      says how many of the `max_total` points were actually looked at.
    - Items and parts add up their contents; `rate` there is earned / checked points.
      `weakest` (短板弱项) is the checked items by rate, lowest first.
    - `simulated_total` is the total if every open rectification were done: each failed check
      whose rectification task is not yet ticked off counts as passed. Failures already ticked
      off stay failed: the finding stands until a later round re-checks the site, and that new
      check is what shows the fix (lifting the old one too would count the fix twice). Reviews
      and unchecked contents are the same as in `total`.
    """
    nodes = [
        _Node(n.pk, n.parent_id, n.code, n.title, n.level, n.method, n.points)
        for n in tree.nodes.order_by("order", "pk")
    ]
    all_checks = load_field_checks(tree)
    reviews = latest_reviews(tree)
    district_id = district.pk if district is not None else None
    checks = (
        all_checks
        if district_id is None
        else [c for c in all_checks if c.district_id == district_id]
    )
    board = _board(nodes, checks, reviews, district_id)
    total = sum((p.score for p in board.parts), Decimal(0))
    checked_points = sum((p.checked_points for p in board.parts), Decimal(0))
    position = {node.pk: i for i, node in enumerate(nodes)}
    weakest = sorted(
        (item for item in board.items if item.rate is not None),
        key=lambda item: (item.rate, position[item.node_id]),
    )
    site_types = SiteType.objects.in_bulk({c.site_type_id for c in checks})
    district_ids = {c.district_id for c in all_checks} | {d for _n, d in reviews}
    if district_id is not None:
        district_ids &= {district_id}
    districts = Area.objects.in_bulk({d for d in district_ids if d is not None})
    by_district = []
    for area in sorted(districts.values(), key=lambda a: a.code):
        own = [c for c in all_checks if c.district_id == area.pk]
        own_board = _board(nodes, own, reviews, area.pk)
        passed = sum(1 for c in own if c.passed)
        by_district.append(
            DistrictScore(
                district_id=area.pk,
                name=area.name,
                checks=len(own),
                passed=passed,
                rate=_ratio(passed, len(own)),
                total=sum((p.score for p in own_board.parts), Decimal(0)),
                simulated_total=sum((p.simulated_score for p in own_board.parts), Decimal(0)),
                unchecked=sum(p.unchecked for p in own_board.parts),
            )
        )
    return Scoreboard(
        tree_id=tree.pk,
        district_id=district_id,
        max_total=sum((p.points for p in board.parts), Decimal(0)),
        total=total,
        simulated_total=sum((p.simulated_score for p in board.parts), Decimal(0)),
        checked_points=checked_points,
        rate=_ratio(total, checked_points),
        unchecked=sum(p.unchecked for p in board.parts),
        parts=tuple(board.parts),
        items=tuple(board.items),
        contents=tuple(board.contents),
        weakest=tuple(weakest),
        by_site_type=_site_type_groups(
            checks,
            {pk: t.name for pk, t in site_types.items()},
            {pk: t.tag for pk, t in site_types.items()},
        ),
        by_district=tuple(by_district),
    )
