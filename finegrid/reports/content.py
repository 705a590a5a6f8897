"""What a bulletin says, as plain data: the evaluation run fills it, the document writers render it.

Nothing here touches the ORM, so the writers (docx, xlsx, pdf) are tested on hand-made content and
the evaluation builds the same content from a run's snapshot (`finegrid.evaluation.bulletins`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class BulletinKind(StrEnum):
    WEEKLY = "weekly"  # 周通报
    MONTHLY = "monthly"  # 月排名
    QUARTERLY = "quarterly"  # 季考核
    YEARLY = "yearly"  # 年度考核


@dataclass(frozen=True)
class ScoredItem:
    """One weighted part of a composite score: `score` per row is 0–100, `weight` in percent."""

    code: str
    label: str  # e.g. "按期结案率"
    weight: float  # percent of the composite, e.g. 30.0
    unit: str  # of the indicator's value: "%", "件", "小时", "分"


@dataclass(frozen=True)
class Figure:
    """An indicator shown beside the score without a weight (e.g. 应结案数)."""

    code: str
    label: str
    unit: str


@dataclass(frozen=True)
class Row:
    rank: int  # ties share a rank (1, 2, 2, 4)
    name: str  # subject's name, e.g. "江汉区" or "市政工程管理处" or "张三"
    code: str  # subject's code (area code, unit code, username)
    score: float  # composite, with adjustments, 0–100 (can exceed 100 with bonuses)
    grade: str  # "A".."E"
    item_values: dict[str, float | None]  # ScoredItem.code -> indicator value (rates in percent)
    item_scores: dict[str, float]  # ScoredItem.code -> 0–100 score of that item
    figures: dict[str, float | None]  # Figure.code -> value
    adjustment: float = 0.0  # bonus (+) / penalty (−) points entered by hand
    adjustment_reasons: tuple[str, ...] = ()
    rank_change: int | None = None  # +2 = rose two places since the previous period; None = new


@dataclass(frozen=True)
class Table:
    """The ranking of one kind of subject, e.g. districts, or departments."""

    subject_kind: str  # "district", "street", "department", "inspector", ...
    title: str  # "各区综合考核排名"
    items: tuple[ScoredItem, ...]
    figures: tuple[Figure, ...]
    rows: tuple[Row, ...]  # in rank order


@dataclass(frozen=True)
class OverdueCase:
    case_no: str
    category: str
    address: str
    department: str
    deadline: dt.datetime
    overdue_hours: float  # working hours past the deadline at the period's end


@dataclass(frozen=True)
class Bulletin:
    kind: BulletinKind
    issuer: str  # "某某市城市管理局"
    issuer_short: str  # for the document number: "某城管"
    serial: int  # the number's serial within the year
    title: str  # "关于2026年10月城市管理考核情况的通报"
    period_label: str  # "2026年10月"
    period_start: dt.date
    period_end: dt.date  # inclusive
    issued_on: dt.date
    addressee: str  # "各区人民政府，市直各有关单位"
    # The city's totals for the opening paragraph: label -> (value, unit), in order.
    totals: tuple[tuple[str, float, str], ...]
    tables: tuple[Table, ...]
    commended: tuple[str, ...]  # sentences naming the best, e.g. "江汉区综合得分96.2分，排名第一"
    criticised: tuple[str, ...]  # sentences naming the worst
    overdue: tuple[OverdueCase, ...]
    copy_to: str  # "市委办公厅，市人大常委会办公厅"
    printer: str  # "某某市城市管理局办公室"
    scheme_label: str  # "2026年区域考核办法（第2版）"
    run_label: str  # "考核批次 #12，2026年11月1日 02:00 计算"
    notes: tuple[str, ...] = field(default_factory=tuple)  # corrections: "本通报更正第11批次…"

    @property
    def document_number(self) -> str:
        """GB/T 9704: 武城管〔2026〕12号 (year in hexagonal brackets, no leading zeros)."""
        return f"{self.issuer_short}〔{self.issued_on.year}〕{self.serial}号"
