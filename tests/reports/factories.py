"""Hand-made bulletins in the shape the evaluation produces: scores add up, ranks share ties."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from finegrid.reports.content import (
    Bulletin,
    BulletinKind,
    Figure,
    OverdueCase,
    Row,
    ScoredItem,
    Table,
)

AREA_ITEMS = (
    ScoredItem("public_report_rate", "监督举报率", 10.0, "%"),
    ScoredItem("case_count", "案件数", 20.0, "件"),
    ScoredItem("close_rate", "结案率", 30.0, "%"),
    ScoredItem("on_time_close_rate", "按期结案率", 40.0, "%"),
)
DEPARTMENT_ITEMS = (
    ScoredItem("case_count", "案件数", 10.0, "件"),
    ScoredItem("close_rate", "结案率", 30.0, "%"),
    ScoredItem("on_time_disposal_rate", "按期处置率", 30.0, "%"),
    ScoredItem("rework_rate", "返工率", 30.0, "%"),
)
INSPECTOR_ITEMS = (
    ScoredItem("valid_report_rate", "有效上报率", 40.0, "%"),
    ScoredItem("miss_rate", "漏报率", 20.0, "%"),
    ScoredItem("on_time_verification_rate", "按时核实率", 20.0, "%"),
    ScoredItem("on_time_check_rate", "按时核查率", 20.0, "%"),
)
FIGURES = (Figure("due_to_close", "应结案数", "件"), Figure("closed", "结案数", "件"))

DISTRICTS = (
    "江岸区",
    "江汉区",
    "硚口区",
    "汉阳区",
    "武昌区",
    "青山区",
    "洪山区",
    "东西湖区",
    "蔡甸区",
    "江夏区",
)
DEPARTMENTS = (
    "市政工程管理处",
    "园林绿化局",
    "水务局",
    "供电公司",
    "燃气集团",
    "交通运输局",
    "环境卫生中心",
    "住房保障局",
    "通信管理办公室",
    "自来水公司",
    "公安交通管理局",
    "市场监督管理局",
)
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞"
STREET_WORDS = (
    "花桥",
    "前进",
    "民族",
    "汉兴",
    "唐家墩",
    "北湖",
    "水塔",
    "满春",
    "民权",
    "积玉桥",
    "粮道",
    "首义",
    "紫阳",
    "白沙洲",
    "珞南",
)
CATEGORIES = (
    "道路破损",
    "井盖缺失",
    "乱堆物料",
    "占道经营",
    "绿地脏乱",
    "违章张贴",
    "路灯不亮",
    "垃圾满溢",
)
GRADE_BANDS = ((90.0, "A"), (75.0, "B"), (60.0, "C"), (40.0, "D"))


def excel_round(value: float, places: int = 2) -> float:
    """Excel's ROUND (halves away from zero), which the workbook's score formula uses."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def grade(score: float) -> str:
    for floor, letter in GRADE_BANDS:
        if score >= floor:
            return letter
    return "E"


def _count_score(count: float) -> float:
    for ceiling, score in ((50, 100.0), (100, 90.0), (200, 75.0), (500, 60.0), (1000, 40.0)):
        if count <= ceiling:
            return score
    return 0.0


def _rows(
    names: list[tuple[str, str]], items: tuple[ScoredItem, ...], rng: random.Random
) -> tuple[Row, ...]:
    drafts = []
    for index, (name, code) in enumerate(names):
        values: dict[str, float | None] = {}
        scores: dict[str, float] = {}
        for item in items:
            if item.unit == "件":
                value = float(rng.randint(5, 1200))
                values[item.code] = value
                scores[item.code] = _count_score(value)
            elif item.code in ("rework_rate", "miss_rate", "public_report_rate"):
                value = round(rng.uniform(0, 25), 2)
                values[item.code] = value
                scores[item.code] = round(100 - value, 2)
            else:
                value = round(rng.uniform(45, 100), 2)
                values[item.code] = value
                scores[item.code] = value
        if index == 3 and items:
            values[items[-1].code] = None  # an indicator with nothing due this period
            scores[items[-1].code] = 0.0
        adjustment = (2.0, -1.5, 0.0, 0.0, 0.0)[index % 5]
        composite = excel_round(
            sum(scores[item.code] * item.weight for item in items) / 100 + adjustment
        )
        due = float(rng.randint(20, 400))
        drafts.append((composite, name, code, values, scores, adjustment, due))
    drafts.sort(key=lambda draft: -draft[0])
    rows = []
    previous_score: float | None = None
    rank = 0
    for position, (composite, name, code, values, scores, adjustment, due) in enumerate(
        drafts, start=1
    ):
        if composite != previous_score:
            rank = position
        previous_score = composite
        change = (2, -1, 0, None, 3, -4)[position % 6]
        rows.append(
            Row(
                rank=rank,
                name=name,
                code=code,
                score=composite,
                grade=grade(composite),
                item_values=values,
                item_scores=scores,
                figures={"due_to_close": due, "closed": due - rng.randint(0, 20)},
                adjustment=adjustment,
                adjustment_reasons=("市领导交办事项完成出色",) if adjustment > 0 else (),
                rank_change=change,
            )
        )
    return tuple(rows)


def make_table(
    kind: str, title: str, count: int, items: tuple[ScoredItem, ...], *, seed: int = 1
) -> Table:
    rng = random.Random(seed)
    if kind == "district":
        names = [
            (DISTRICTS[i % len(DISTRICTS)] + ("" if i < 10 else str(i)), f"4201{i:02d}")
            for i in range(count)
        ]
    elif kind == "department":
        names = [
            (DEPARTMENTS[i % len(DEPARTMENTS)] + ("" if i < 12 else f"{i}所"), f"D{i:03d}")
            for i in range(count)
        ]
    elif kind == "street":
        names = [
            (f"{STREET_WORDS[i % len(STREET_WORDS)]}街道{'' if i < 15 else i}", f"S{i:04d}")
            for i in range(count)
        ]
    elif kind == "grid":
        names = [
            (f"{STREET_WORDS[i % len(STREET_WORDS)]}第{i + 1}网格", f"G{i:06d}")
            for i in range(count)
        ]
    else:
        names = [
            (
                SURNAMES[i % len(SURNAMES)]
                + GIVEN[(i * 7) % len(GIVEN)]
                + GIVEN[(i * 3) % len(GIVEN)],
                f"u{i:05d}",
            )
            for i in range(count)
        ]
    return Table(
        subject_kind=kind,
        title=title,
        items=items,
        figures=FIGURES,
        rows=_rows(names, items, rng),
    )


def make_overdue(count: int, *, seed: int = 3) -> tuple[OverdueCase, ...]:
    rng = random.Random(seed)
    return tuple(
        OverdueCase(
            case_no=f"2026{10:02d}{i:06d}",
            category=CATEGORIES[i % len(CATEGORIES)],
            address=f"{DISTRICTS[i % len(DISTRICTS)]}{STREET_WORDS[i % len(STREET_WORDS)]}路{i + 1}号",
            department=DEPARTMENTS[i % len(DEPARTMENTS)],
            deadline=dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC) + dt.timedelta(hours=i),
            overdue_hours=round(rng.uniform(0.5, 300), 1),
        )
        for i in range(count)
    )


def make_bulletin(
    *,
    districts: int = 10,
    streets: int = 40,
    departments: int = 12,
    grids: int = 0,
    staff: int = 0,
    overdue: int = 30,
    notes: tuple[str, ...] = ("本通报更正第11批次中洪山区结案数统计口径。",),
) -> Bulletin:
    tables = [
        make_table("district", "各区综合考核排名", districts, AREA_ITEMS, seed=1),
        make_table("street", "各街道综合考核排名", streets, AREA_ITEMS, seed=2),
        make_table("department", "专业部门处置考核排名", departments, DEPARTMENT_ITEMS, seed=3),
    ]
    if grids:
        tables.append(make_table("grid", "单元网格考核排名", grids, AREA_ITEMS, seed=4))
    if staff:
        tables.append(make_table("inspector", "监督员考核排名", staff, INSPECTOR_ITEMS, seed=5))
    districts_table = tables[0]
    departments_table = tables[2]
    best, worst = districts_table.rows[0], districts_table.rows[-1]
    best_dept, worst_dept = departments_table.rows[0], departments_table.rows[-1]
    return Bulletin(
        kind=BulletinKind.MONTHLY,
        issuer="示范市城市管理局",
        issuer_short="示城管",
        serial=12,
        title="关于2026年10月城市管理考核情况的通报",
        period_label="2026年10月",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        issued_on=dt.date(2026, 11, 21),
        addressee="各区人民政府，市直各有关单位",
        totals=(
            ("立案", 996.0, "件"),
            ("应结案", 972.0, "件"),
            ("结案", 911.0, "件"),
            ("结案率", 93.72, "%"),
            ("按期结案", 737.0, "件"),
            ("按期结案率", 75.82, "%"),
        ),
        tables=tuple(tables),
        commended=(
            f"{best.name}综合得分{best.score:.2f}分，排名第一",
            f"{best_dept.name}处置及时，综合得分{best_dept.score:.2f}分，排名第一",
        ),
        criticised=(
            f"{worst.name}综合得分{worst.score:.2f}分，排名末位",
            f"{worst_dept.name}按期处置率偏低，排名末位",
        ),
        overdue=make_overdue(overdue),
        copy_to="市委办公厅，市人大常委会办公厅，市政府办公厅",
        printer="示范市城市管理局办公室",
        scheme_label="2026年区域考核办法（第2版）",
        run_label="考核批次 #12，2026年11月1日 02:00 计算",
        notes=notes,
    )
