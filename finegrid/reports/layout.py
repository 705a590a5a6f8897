"""What the Word and PDF bulletins say, in order, and the GB/T 9704 page facts both follow.

`outline()` turns a `Bulletin` into headings, paragraphs, tables and chart slots; the docx and the
PDF writers only lay those out, so both documents carry the same sections, wording and row limits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from django.utils import timezone

from finegrid.reports.content import Bulletin, BulletinKind, OverdueCase, Row, ScoredItem, Table

# GB/T 9704-2012 page: A4 with a 156 × 225 mm text block.
PAGE_WIDTH_MM: Final = 210
PAGE_HEIGHT_MM: Final = 297
MARGIN_TOP_MM: Final = 37
MARGIN_BOTTOM_MM: Final = 35
MARGIN_LEFT_MM: Final = 28
MARGIN_RIGHT_MM: Final = 26
TEXT_WIDTH_MM: Final = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
# Size 3 (16 pt) body text, 22 lines in the 225 mm block.
BODY_PT: Final = 16.0
LINE_PT: Final = 28.95
TITLE_PT: Final = 22.0
SIZE_4_PT: Final = 14.0  # 四号: closing part and page numbers
TABLE_PT: Final = 10.5  # 五号: tables are denser than the body
MARK_MAX_PT: Final = 36.0
RED: Final = "FF0000"

# Official font names, as an official's Word knows them; the PDF adds free stand-ins after them.
FONT_BODY: Final = "仿宋_GB2312"
FONT_TITLE: Final = "方正小标宋简体"
FONT_HEADING_1: Final = "黑体"
FONT_HEADING_2: Final = "楷体_GB2312"
FONT_PAGE_NUMBER: Final = "宋体"

KIND_LABELS: Final[dict[BulletinKind, str]] = {
    BulletinKind.WEEKLY: "周通报",
    BulletinKind.MONTHLY: "月排名",
    BulletinKind.QUARTERLY: "季考核",
    BulletinKind.YEARLY: "年度考核",
}

# Rows of a ranking shown in the Word and PDF documents; the workbook always has them all.
RANKING_MAX_ROWS: Final = 60
RANKING_HEAD_TAIL: Final = 30
CHART_MAX_ROWS: Final = 30
CHART_HEAD_TAIL: Final = 15
OVERDUE_MAX_ROWS: Final = 100

_DIGITS: Final = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九: heading numbers (一、 and （一）)."""
    if not 1 <= n <= 99:
        raise ValueError(f"heading numbers run from 1 to 99, not {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def chinese_date(day: dt.date) -> str:
    """GB/T 9704 dates are in Arabic numerals without leading zeros: 2026年11月21日."""
    return f"{day.year}年{day.month}月{day.day}日"


def local_naive(moment: dt.datetime) -> dt.datetime:
    """A deadline as the city's wall-clock time (aware values are converted to TIME_ZONE)."""
    if timezone.is_aware(moment):
        return timezone.make_naive(moment)
    return moment


def deadline_text(moment: dt.datetime, year: int) -> str:
    """10-24 17:30 within the bulletin's year, 2025-12-30 17:30 before it (tables are narrow)."""
    local = local_naive(moment)
    return local.strftime("%m-%d %H:%M" if local.year == year else "%Y-%m-%d %H:%M")


def round_half_up(value: float, places: int = 2) -> float:
    """Rounding as Excel's ROUND does it (halves away from zero), not Python's banker's rounding."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def number(value: float | None, unit: str) -> str:
    """An indicator's value as printed in a table: rates with two decimals, counts whole."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.2f}"
    if unit == "件" or unit == "个" or unit == "人":
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if unit == "小时" or unit == "天":
        return f"{value:.1f}"
    return f"{value:.2f}"


def score_text(score: float) -> str:
    return f"{score:.2f}"


def rank_change(change: int | None) -> str:
    """+2 → ↑2, −1 → ↓1, 0 → —, None (not ranked last period) → 新."""
    if change is None:
        return "新"
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "—"


def sentence(text: str) -> str:
    """A sentence from the content, closed with a full stop unless it already ends in punctuation."""
    text = text.strip()
    return text if text.endswith(("。", "！", "；", "：", "？")) else text + "。"


def display_width(text: str) -> float:
    """Width in full-width character cells: ASCII letters and digits take half a cell."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch not in "—…" else 1.0 for ch in text)


def mark_size_pt(mark: str) -> float:
    """The red mark's size: large, but never wider than the text block (long organ names shrink)."""
    text_width_pt = TEXT_WIDTH_MM / 25.4 * 72
    fitting = text_width_pt * 0.95 / max(display_width(mark), 1.0)
    return float(min(MARK_MAX_PT, int(fitting * 2) / 2))


def signature_indents(issuer: str, date: str) -> tuple[float, float]:
    """Right indents in characters: the date four from the edge, the issuer centred above it."""
    date_indent = 4.0
    issuer_indent = date_indent + (display_width(date) - display_width(issuer)) / 2
    return max(0.0, issuer_indent), date_indent


def document_kind(bulletin: Bulletin) -> str:
    return KIND_LABELS[bulletin.kind]


def base_name(bulletin: Bulletin) -> str:
    """2026年10月城市管理考核月排名: the file name and the attachment's name share it."""
    name = f"{bulletin.period_label}城市管理考核{document_kind(bulletin)}"
    return re.sub(r'[\\/:*?"<>|\s]+', "", name)


def rate_items(table: Table) -> tuple[ScoredItem, ScoredItem] | None:
    """The two heaviest items measured in percent (e.g. on-time close rate and close rate)."""
    rates = [item for item in table.items if item.unit == "%"]
    if len(rates) < 2:
        return None
    heaviest = sorted(rates, key=lambda item: -item.weight)[:2]
    first, second = sorted(heaviest, key=rates.index)  # in the table's own order
    return first, second


@dataclass(frozen=True)
class Excerpt:
    """The rows of a long list that a printed document shows: the head, then maybe the tail."""

    head: tuple[Row, ...]
    tail: tuple[Row, ...]
    omitted: int

    @property
    def rows(self) -> tuple[Row, ...]:
        return self.head + self.tail


def excerpt(rows: tuple[Row, ...], *, limit: int, head_tail: int) -> Excerpt:
    """All rows up to `limit`; beyond it the best `head_tail` and the worst `head_tail`."""
    if len(rows) <= limit:
        return Excerpt(head=rows, tail=(), omitted=0)
    return Excerpt(
        head=rows[:head_tail],
        tail=rows[-head_tail:],
        omitted=len(rows) - 2 * head_tail,
    )


def _em(text: str, half_em: float) -> float:
    """Width in ems of `text` set in a CJK font whose half-width characters are `half_em` wide."""
    full = display_width(text)
    half = (len(text) - full) * 2  # display_width counts half-width characters as 0.5
    return (full - half / 2) + half * half_em


def column_widths(
    grid: Grid, *, padding_pt: float, half_em: float, header_wrap_em: float | None = 4.0
) -> list[float]:
    """Column widths in points that fill the text block, worked out from what the cells hold.

    Numbers, codes and short labels get what they need on one line (a header wraps after
    `header_wrap_em`, if given, and before its unit); names and places share the rest and wrap
    after eight characters, or sooner when the table is too wide.
    """
    needs: list[float] = []
    for index, (column, kind) in enumerate(zip(grid.columns, grid.kinds, strict=True)):
        head = max(_em(part, half_em) for part in column.replace("（", "\n（").split("\n"))
        cells = max((_em(row[index], half_em) for row in grid.rows), default=0.0)
        if kind == "text":
            widest = min(max(head, cells), 8.0)
        elif header_wrap_em is not None:
            widest = max(min(head, header_wrap_em), cells)
        else:
            widest = max(head, cells)
        needs.append(widest * TABLE_PT + padding_pt)
    available = TEXT_WIDTH_MM / 25.4 * 72
    flexible = [i for i, kind in enumerate(grid.kinds) if kind == "text"]
    spare = available - sum(needs)
    if spare > 0:
        receivers = flexible or list(range(len(needs)))
        share = sum(needs[i] for i in receivers)
        for i in receivers:
            needs[i] += spare * needs[i] / share
        return needs
    floor = 3.5 * TABLE_PT + padding_pt
    give = sum(max(0.0, needs[i] - floor) for i in flexible)
    if give > 0:
        taken = min(1.0, -spare / give)
        for i in flexible:
            needs[i] -= max(0.0, needs[i] - floor) * taken
    scale = min(1.0, available / sum(needs))
    return [need * scale for need in needs]


def chart_excerpt(table: Table) -> Excerpt:
    return excerpt(table.rows, limit=CHART_MAX_ROWS, head_tail=CHART_HEAD_TAIL)


# ---------------------------------------------------------------------------------------------
# The outline: blocks in reading order.


@dataclass(frozen=True)
class Heading:
    level: Literal[1, 2]
    text: str
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True)
class Paragraph:
    text: str
    # body: 16 pt FangSong, indented; source: the small line naming the scheme and the run;
    # note: a remark under a table ("其余见Excel附表").
    style: Literal["body", "source", "note"] = "body"
    kind: Literal["paragraph"] = "paragraph"


ColumnKind = Literal["number", "label", "text"]


@dataclass(frozen=True)
class Grid:
    """A table as printed: header, rows of text, and where the omitted middle of a list falls."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # Per column: "number" (centred, one line: ranks, scores, codes, times), "label" (centred,
    # one line: short words such as categories) or "text" (left-aligned, wraps: names, places).
    kinds: tuple[ColumnKind, ...]
    omitted_after: int | None = None  # index into rows after which "……" stands for a gap
    omitted_label: str = ""
    kind: Literal["grid"] = "grid"


@dataclass(frozen=True)
class Chart:
    table: Table
    chart: Literal["scores", "rates"]
    kind: Literal["chart"] = "chart"


Block = Heading | Paragraph | Grid | Chart


@dataclass(frozen=True)
class Outline:
    mark: str  # 某某市城市管理局文件, in red
    mark_pt: float
    number: str  # 某城管〔2026〕12号
    title: str
    addressee: str  # with its full-width colon
    blocks: tuple[Block, ...]
    attachment: str  # 附件：…
    issuer: str
    date: str  # 2026年11月21日
    copy_to: str  # 抄送：…。
    printer: str
    printed_on: str  # 2026年11月21日印发


def outline(bulletin: Bulletin) -> Outline:
    mark = f"{bulletin.issuer}文件"
    return Outline(
        mark=mark,
        mark_pt=mark_size_pt(mark),
        number=bulletin.document_number,
        title=bulletin.title,
        addressee=f"{bulletin.addressee.rstrip('：:')}：",
        blocks=tuple(_blocks(bulletin)),
        attachment=f"附件：{base_name(bulletin)}明细表",
        issuer=bulletin.issuer,
        date=chinese_date(bulletin.issued_on),
        copy_to=f"抄送：{bulletin.copy_to.rstrip('。')}。",
        printer=bulletin.printer,
        printed_on=f"{chinese_date(bulletin.issued_on)}印发",
    )


def _blocks(bulletin: Bulletin) -> list[Block]:
    sections: list[tuple[str, list[Block]]] = [
        ("总体情况", _overview(bulletin)),
        ("排名情况", _rankings(bulletin)),
    ]
    if bulletin.commended:
        intro = "对以下考核排名靠前、工作成效突出的单位和个人予以通报表扬："
        sections.append(("表扬", _sentences(intro, bulletin.commended)))
    if bulletin.criticised:
        intro = "对以下考核排名靠后的单位和个人予以通报批评，请认真查找原因，限期整改："
        sections.append(("批评", _sentences(intro, bulletin.criticised)))
    sections.append(("超期案卷", _overdue(bulletin)))
    if bulletin.notes:
        sections.append(("更正说明", [Paragraph(sentence(note)) for note in bulletin.notes]))

    blocks: list[Block] = []
    for number, (heading, body) in enumerate(sections, start=1):
        blocks.append(Heading(1, f"{chinese_numeral(number)}、{heading}"))
        blocks.extend(body)
    return blocks


def _overview(bulletin: Bulletin) -> list[Block]:
    period = (
        f"{bulletin.period_label}（{chinese_date(bulletin.period_start)}至"
        f"{chinese_date(bulletin.period_end)}）"
    )
    if bulletin.totals:
        parts = "，".join(
            f"{label}{number(value, unit)}{unit}" for label, value, unit in bulletin.totals
        )
        text = f"{period}，全市{parts}。"
    else:
        text = f"{period}，全市无汇总数据。"
    source = f"考核办法：{bulletin.scheme_label}；数据来源：{bulletin.run_label}。"
    return [Paragraph(text), Paragraph(source, style="source")]


def _rankings(bulletin: Bulletin) -> list[Block]:
    if not bulletin.tables:
        return [Paragraph("本期无排名数据。")]
    # Two rates compared side by side for the headline subjects only (the first ranking with
    # rates, usually the districts): one such chart per table would double the charts' cost.
    headline = next((t for t in bulletin.tables if t.rows and rate_items(t) is not None), None)
    blocks: list[Block] = []
    for number, table in enumerate(bulletin.tables, start=1):
        blocks.append(Heading(2, f"（{chinese_numeral(number)}）{table.title}"))
        blocks.extend(_ranking(table))
        if table is headline:
            blocks.append(Chart(table, "rates"))
    return blocks


def _ranking(table: Table) -> list[Block]:
    rows = table.rows
    if not rows:
        return [Paragraph("本项无考核对象。")]
    best, worst = rows[0], rows[-1]
    average = sum(row.score for row in rows) / len(rows)
    summary = (
        f"本项共{len(rows)}个考核对象参加排名，平均得分{score_text(average)}分。"
        f"{best.name}以{score_text(best.score)}分排名第一"
    )
    if len(rows) > 1:
        summary += f"，{worst.name}以{score_text(worst.score)}分排名末位"
    blocks: list[Block] = [Paragraph(summary + "。")]

    shown = excerpt(rows, limit=RANKING_MAX_ROWS, head_tail=RANKING_HEAD_TAIL)
    columns = (
        "排名",
        "名称",
        "得分",
        "等级",
        *(_column(item.label, item.unit) for item in table.items),
        "升降",
    )
    figure: ColumnKind = "number"
    kinds = (figure, "text", figure, figure, *((figure,) * len(table.items)), figure)
    grid_rows = tuple(
        (
            str(row.rank),
            row.name,
            score_text(row.score),
            row.grade,
            *(number(row.item_values.get(item.code), item.unit) for item in table.items),
            rank_change(row.rank_change),
        )
        for row in shown.rows
    )
    if shown.omitted:
        blocks.append(
            Grid(
                columns,
                grid_rows,
                kinds,
                omitted_after=len(shown.head) - 1,
                omitted_label=f"……（中间{shown.omitted}个略）……",
            )
        )
        blocks.append(
            Paragraph(
                f"注：共{len(rows)}个考核对象，表中列出前{len(shown.head)}名和后"
                f"{len(shown.tail)}名，其余见Excel附表。",
                style="note",
            )
        )
    else:
        blocks.append(Grid(columns, grid_rows, kinds))
    blocks.append(Chart(table, "scores"))
    return blocks


def _column(label: str, unit: str) -> str:
    return f"{label}（{unit}）" if unit else label


def _sentences(intro: str, sentences: tuple[str, ...]) -> list[Block]:
    return [Paragraph(intro), *(Paragraph(sentence(s)) for s in sentences)]


def overdue_in_order(cases: tuple[OverdueCase, ...]) -> list[OverdueCase]:
    """Longest overdue first: a capped list shows the worst cases."""
    return sorted(cases, key=lambda case: case.overdue_hours, reverse=True)


def _overdue(bulletin: Bulletin) -> list[Block]:
    as_of = chinese_date(bulletin.period_end)
    if not bulletin.overdue:
        return [Paragraph(f"截至{as_of}，无超过处置时限仍未结案的案卷。")]
    cases = overdue_in_order(bulletin.overdue)
    shown = cases[:OVERDUE_MAX_ROWS]
    blocks: list[Block] = [
        Paragraph(f"截至{as_of}，共有{len(cases)}件案卷超过处置时限仍未结案，按超期时长排列如下："),
        Grid(
            ("序号", "案卷号", "类别", "位置", "处置单位", "处置时限", "超期工作时长（小时）"),
            tuple(
                (
                    str(index),
                    case.case_no,
                    case.category,
                    case.address,
                    case.department,
                    deadline_text(case.deadline, bulletin.period_end.year),
                    f"{case.overdue_hours:.1f}",
                )
                for index, case in enumerate(shown, start=1)
            ),
            ("number", "number", "label", "text", "text", "number", "number"),
        ),
    ]
    rest = len(cases) - len(shown)
    if rest:
        blocks.append(Paragraph(f"另有{rest}件超期案卷未在此列出，详见Excel附表。", style="note"))
    return blocks
