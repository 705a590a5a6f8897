"""A run's figures as the pages show them: its items in order, each value formatted, the formula in
words with the counts behind it, and the rank change as an arrow.

Everything here reads the run's frozen `scheme_spec` and its stored `Result` rows, never the live
scheme: a published ranking reads the same however the scheme was edited since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final
from urllib.parse import quote

from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from finegrid.evaluation import contributed
from finegrid.evaluation.models import Result, Run
from finegrid.evaluation.periods import PeriodKind
from finegrid.evaluation.specs import SchemeInvalid, measures_of
from finegrid.evaluation.subjects import SubjectKind, source_of
from finegrid.reports.content import BulletinKind
from finegrid.web.rankings.labels import expression_name

PERCENT: Final = "%"
COUNT_UNIT: Final = "件"
#: The bulletin that publishes each kind of period.
BULLETIN_OF: Final[Mapping[PeriodKind, BulletinKind]] = {
    PeriodKind.WEEK: BulletinKind.WEEKLY,
    PeriodKind.MONTH: BulletinKind.MONTHLY,
    PeriodKind.QUARTER: BulletinKind.QUARTERLY,
    PeriodKind.YEAR: BulletinKind.YEARLY,
}


@dataclass(frozen=True)
class Item:
    """One indicator of a run's scheme, as the run froze it."""

    code: str
    name: str
    kind: str  # count / ratio / complement / mean / per_grid
    numerator: str
    denominator: str
    unit: str
    direction: str
    weight: float  # percent; 0 = shown, not scored

    @property
    def scored(self) -> bool:
        return self.weight > 0

    @property
    def is_rate(self) -> bool:
        return self.unit == PERCENT

    @property
    def weight_text(self) -> str:
        return f"{self.weight:g}%"


def items_of(run: Run) -> list[Item]:
    """The run's items in the scheme's order, with the indicator names in the page's language."""
    spec = run.scheme_spec
    english = (get_language() or "").startswith("en")
    items = []
    for row in spec["items"]:
        indicator = spec["indicators"][row["indicator"]]
        items.append(
            Item(
                code=row["indicator"],
                name=(indicator.get("name_en") if english else None) or indicator["name"],
                kind=indicator["kind"],
                numerator=indicator["numerator"],
                denominator=indicator.get("denominator") or "",
                unit=indicator["unit"],
                direction=indicator["direction"],
                weight=float(row["weight"]),
            )
        )
    return items


def number(value: float | None, unit: str) -> float | None:
    """The value as a chart plots it: rates in percent, everything to two decimals."""
    if value is None:
        return None
    return round(value * 100.0, 2) if unit == PERCENT else round(value, 2)


def format_value(value: float | None, unit: str) -> str:
    """93.72%, 12, 3.45 小时; — when there was nothing to measure."""
    if value is None:
        return "—"
    if unit == PERCENT:
        return f"{value * 100:.2f}%"
    if unit == COUNT_UNIT and float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.2f}"


def format_score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def rank_change(result: Result, *, compared: bool = True) -> tuple[str, str]:
    """(text, css class): ↑2 rose two places, ↓1 fell one, — unchanged, 新 not ranked before.

    Nothing when the subject is not ranked, or when the previous period has no run to compare.
    """
    if not result.rank or not compared:
        return "", ""
    change = result.rank_change
    if change is None:
        return _("新"), "new"
    if change > 0:
        return f"↑{change}", "up"
    if change < 0:
        return f"↓{-change}", "down"
    return "—", "same"


def applies(kind: SubjectKind, expression: str) -> bool:
    """Whether subjects of this kind are counted for the expression at all."""
    if not expression:
        return False
    outside = contributed.get(expression)
    if outside is not None:
        return kind in outside.kinds
    try:
        measures = measures_of(expression)
    except SchemeInvalid:
        return False
    return source_of(kind, measures[0]) is not None


def cases_url(run: Run, kind: str, subject_id: int, expression: str) -> str:
    """The list of the cases behind one figure (the run's, for one subject and one count); for a
    count another app contributed, that app's own list."""
    outside = contributed.get(expression)
    if outside is not None:
        if outside.behind_url is None:
            return ""
        return outside.behind_url(run.period, SubjectKind(kind), subject_id)
    prefix = _cases_prefix(get_script_prefix(), run.pk, kind, subject_id)
    return f"{prefix}{quote(expression, safe='')}/"


@lru_cache(maxsize=4096)
def _cases_prefix(script_prefix: str, run_id: int, kind: str, subject_id: int) -> str:
    # One reverse per subject, not per figure: a page of 100 grids has over 2,000 links.
    url = reverse(
        "rankings-cases",
        kwargs={"run_id": run_id, "kind": kind, "subject_id": subject_id, "expression": "-"},
    )
    return url.removesuffix("-/")


def subject_url(run: Run, kind: str, subject_id: int, *, preview: bool = False) -> str:
    url = reverse(
        "rankings-subject",
        kwargs={
            "scheme": run.scheme.code,
            "period": run.period,
            "kind": kind,
            "subject_id": subject_id,
        },
    )
    return f"{url}?run={run.pk}" if preview else url


@dataclass(frozen=True)
class Part:
    """A piece of a formula in words: plain text, or a count linked to the cases behind it."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class Cell:
    """One indicator of one subject: value, item score and the formula that gave it."""

    item: Item
    value: float | None
    text: str
    score: str
    url: str  # the cases behind the numerator
    fraction: str  # "12/15" under a rate
    parts: tuple[Part, ...]  # 按期结案数 [12] ÷ 应结案数 [15] = 80.00%
    applicable: bool

    @property
    def formula(self) -> str:
        return "".join(part.text for part in self.parts)


def _count(counts: Mapping[str, Any], expression: str) -> int:
    return int(counts.get(expression, 0) or 0)


def cell(run: Run, result: Result, item: Item, *, grid_count: int | None = None) -> Cell:
    """The cell of one indicator: the value, and the counts behind it, each linked to its cases."""
    kind = SubjectKind(result.subject_kind)
    value = result.values.get(item.code)
    counts = result.counts
    applicable = applies(kind, item.numerator)
    text = format_value(value, item.unit)

    def term(expression: str, before: str = "") -> list[Part]:
        count = _count(counts, expression)
        url = cases_url(run, kind.value, result.subject_id, expression) if applicable else ""
        return [Part(f"{before}{expression_name(expression)} "), Part(str(count), url)]

    numerator = _count(counts, item.numerator)
    parts: list[Part] = []
    fraction = ""
    if item.kind in ("ratio", "complement") and item.denominator:
        fraction = f"{numerator}/{_count(counts, item.denominator)}"
        parts = [
            *term(item.numerator, "1 − " if item.kind == "complement" else ""),
            *term(item.denominator, " ÷ "),
            Part(f" = {text}"),
        ]
    elif item.kind == "per_grid":
        grids = "—" if grid_count is None else str(grid_count)
        parts = [*term(item.numerator), Part(f" ÷ {_('单元网格数')} {grids} = {text}")]
    elif item.kind == "mean":
        total = "—" if value is None else f"{value * numerator:.1f}"
        parts = [
            Part(_("工作时长合计 %(total)s 小时 ÷ ") % {"total": total}),
            *term(item.numerator),
            Part(" = " + _("%(value)s 小时") % {"value": text}),
        ]
    else:
        parts = term(item.numerator)
    score = result.item_scores.get(item.code)
    return Cell(
        item=item,
        value=value,
        text=text,
        score=format_score(score) if item.scored else "",
        url=cases_url(run, kind.value, result.subject_id, item.numerator) if applicable else "",
        fraction=fraction,
        parts=tuple(parts) if applicable else (),
        applicable=applicable,
    )


@dataclass(frozen=True)
class Row:
    result: Result
    change: str
    change_class: str
    url: str
    cells: tuple[Cell, ...]


def previous_exists(run: Run) -> bool:
    """Whether the previous period had a run of the scheme when this run was computed: the rank
    changes were taken from it then (and are frozen with the run, as its bulletin prints them)."""
    previous = run.period_obj.previous().code
    return Run.objects.filter(
        scheme_id=run.scheme_id, period=previous, computed_at__lte=run.computed_at
    ).exists()


def rows_of(
    run: Run,
    results: Sequence[Result],
    items: Sequence[Item],
    *,
    preview: bool = False,
    compared: bool = True,
) -> list[Row]:
    grid_counts = run.snapshot.inputs.get("grid_counts", {})
    rows = []
    for result in results:
        grids = grid_counts.get(str(result.subject_id))
        change, change_class = rank_change(result, compared=compared)
        rows.append(
            Row(
                result=result,
                change=change,
                change_class=change_class,
                url=subject_url(run, result.subject_kind, result.subject_id, preview=preview),
                cells=tuple(cell(run, result, item, grid_count=grids) for item in items),
            )
        )
    return rows


def indicators_using(items: Sequence[Item], expression: str) -> list[tuple[Item, str]]:
    """The run's indicators whose formula has this count, and where: 分子 or 分母."""
    used = []
    for item in items:
        if item.numerator == expression:
            used.append((item, _("分子") if item.denominator else _("计数")))
        elif item.denominator == expression:
            used.append((item, _("分母")))
    return used
