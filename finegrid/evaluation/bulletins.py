"""Bulletins drawn from runs: what they say (`finegrid.reports.content`), their number, their files.

A bulletin is drawn from the current run of every scheme evaluated for its period. The same runs
give the same bulletin (and number); a correction makes new runs, hence a new bulletin with a new
number, whose notes say which runs it replaces.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from finegrid.cases.models import Case
from finegrid.evaluation.clock import WorkingClock
from finegrid.evaluation.measures import Measure
from finegrid.evaluation.models import Bulletin, BulletinFile, Result, Run, Scheme
from finegrid.evaluation.periods import Period, PeriodKind
from finegrid.evaluation.selectors import current_run
from finegrid.evaluation.subjects import SubjectKind
from finegrid.org.models import User
from finegrid.reports import content
from finegrid.reports.content import BulletinKind
from finegrid.worktime.selectors import get_calendar

PERIOD_OF: Final = {
    BulletinKind.WEEKLY: PeriodKind.WEEK,
    BulletinKind.MONTHLY: PeriodKind.MONTH,
    BulletinKind.QUARTERLY: PeriodKind.QUARTER,
    BulletinKind.YEARLY: PeriodKind.YEAR,
}
#: The order of tables in a bulletin; a weekly bulletin keeps to the first three.
TABLE_ORDER: Final = (
    SubjectKind.DISTRICT,
    SubjectKind.STREET,
    SubjectKind.DEPARTMENT,
    SubjectKind.INSPECTOR,
    SubjectKind.RECEPTIONIST,
    SubjectKind.SHIFT_LEADER,
    SubjectKind.DISPATCHER,
    SubjectKind.COMMUNITY,
    SubjectKind.GRID,
)
WEEKLY_TABLES: Final = frozenset(TABLE_ORDER[:3])
#: Named in the bulletin: the best and the worst of these kinds.
NAMED_KINDS: Final = (SubjectKind.DISTRICT, SubjectKind.STREET, SubjectKind.DEPARTMENT)
MAX_OVERDUE: Final = 500


class NoRuns(LookupError):
    code = "no_runs"

    def __str__(self) -> str:
        return _("该周期还没有考核批次，请先计算")


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str
    content_type: str


def kind_of(period: Period) -> BulletinKind:
    return next(kind for kind, period_kind in PERIOD_OF.items() if period_kind == period.kind)


def runs_for(period: Period) -> list[Run]:
    """The current run of every active scheme evaluated for this period, in scheme order."""
    runs = []
    for scheme in Scheme.objects.filter(active=True).order_by("code"):
        run = current_run(scheme, period.code)
        if run is not None:
            runs.append(run)
    return runs


def _run_key(runs: Sequence[Run]) -> str:
    return ",".join(str(run.pk) for run in sorted(runs, key=lambda run: run.pk))


def issue(period: Period, runs: Sequence[Run], *, now: dt.datetime | None = None) -> Bulletin:
    """The bulletin for these runs, numbered the next serial of its year on first issue."""
    if not runs:
        raise NoRuns()
    now = now or timezone.now()
    kind = kind_of(period)
    key = _run_key(runs)
    existing = Bulletin.objects.filter(kind=kind.value, period=period.code, run_key=key).first()
    if existing is not None:
        return existing
    issued_on = timezone.localdate(now)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                serial = (
                    Bulletin.objects.filter(year=issued_on.year).aggregate(Max("serial"))[
                        "serial__max"
                    ]
                    or 0
                ) + 1
                bulletin = Bulletin.objects.create(
                    kind=kind.value,
                    period=period.code,
                    year=issued_on.year,
                    serial=serial,
                    issued_on=issued_on,
                    run_key=key,
                )
                bulletin.runs.set(runs)
                return bulletin
        except IntegrityError:
            found = Bulletin.objects.filter(kind=kind.value, period=period.code, run_key=key)
            if found.exists():
                return found.get()
    raise RuntimeError("could not number the bulletin")  # pragma: no cover


def _value(value: float | None, unit: str) -> float | None:
    if value is None:
        return None
    return round(value * 100.0, 2) if unit == "%" else round(value, 2)


def _table(run: Run, kind: SubjectKind) -> content.Table:
    spec = run.scheme_spec
    indicators = spec["indicators"]
    weighted = [item for item in spec["items"] if float(item["weight"])]
    shown = [item for item in spec["items"] if not float(item["weight"])]
    items = tuple(
        content.ScoredItem(
            code=item["indicator"],
            label=indicators[item["indicator"]]["name"],
            weight=float(item["weight"]),
            unit=indicators[item["indicator"]]["unit"],
        )
        for item in weighted
    )
    figures = tuple(
        content.Figure(
            code=item["indicator"],
            label=indicators[item["indicator"]]["name"],
            unit=indicators[item["indicator"]]["unit"],
        )
        for item in shown
    )
    reasons: dict[int, list[str]] = {}
    for row in run.adjustments:
        if row["kind"] == kind.value:
            reasons.setdefault(int(row["id"]), []).append(f"{row['reason']}（{row['points']}）")
    rows = tuple(
        content.Row(
            rank=result.rank,
            name=result.name,
            code=result.code,
            score=result.score,
            grade=result.grade,
            item_values={
                item.code: _value(result.values.get(item.code), item.unit) for item in items
            },
            item_scores={item.code: float(result.item_scores.get(item.code, 0)) for item in items},
            figures={f.code: _value(result.values.get(f.code), f.unit) for f in figures},
            adjustment=result.adjustment,
            adjustment_reasons=tuple(reasons.get(result.subject_id, ())),
            rank_change=result.rank_change,
        )
        for result in run.results.filter(subject_kind=kind.value, rank__gt=0).order_by(
            "rank", "code"
        )
    )
    return content.Table(
        subject_kind=kind.value,
        title=_("%(kind)s考核排名（%(scheme)s）") % {"kind": kind.label, "scheme": spec["name"]},
        items=items,
        figures=figures,
        rows=rows,
    )


def _totals(runs: Sequence[Run]) -> tuple[tuple[str, float, str], ...]:
    """The city's figures, summed over districts (every case lies in exactly one district)."""
    area_run = next(
        (run for run in runs if SubjectKind.DISTRICT.value in run.scheme_spec["subject_kinds"]),
        None,
    )
    if area_run is None:
        return ()
    sums: dict[str, int] = {}
    for counts in area_run.results.filter(subject_kind=SubjectKind.DISTRICT.value).values_list(
        "counts", flat=True
    ):
        for expression, number in counts.items():
            sums[expression] = sums.get(expression, 0) + int(number)
    due = sums.get("due", 0)
    closed = sums.get("closed", 0)
    on_time = sums.get("closed_on_time", 0)
    return (
        (pgettext("bulletin figure", "立案"), float(sums.get("area_filed", 0)), _("件")),
        (pgettext("bulletin figure", "应结案"), float(due), _("件")),
        (pgettext("bulletin figure", "结案"), float(closed), _("件")),
        (
            pgettext("bulletin figure", "结案率"),
            round(100.0 * closed / due, 2) if due else 0.0,
            "%",
        ),
        (pgettext("bulletin figure", "按期结案"), float(on_time), _("件")),
        (
            pgettext("bulletin figure", "按期结案率"),
            round(100.0 * on_time / due, 2) if due else 0.0,
            "%",
        ),
    )


def _named(runs: Sequence[Run]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    commended: list[str] = []
    criticised: list[str] = []
    for run in runs:
        for kind in NAMED_KINDS:
            if kind.value not in run.scheme_spec["subject_kinds"]:
                continue
            ranked = list(
                run.results.filter(subject_kind=kind.value, rank__gt=0).order_by("rank", "code")
            )
            if len(ranked) < 2:
                continue
            top = ranked[: min(3, len(ranked) // 2)]
            bottom = ranked[-min(3, len(ranked) // 2) :]
            commended += [_sentence(kind, result, len(ranked)) for result in top]
            criticised += [_sentence(kind, result, len(ranked)) for result in reversed(bottom)]
    return tuple(commended), tuple(criticised)


def _sentence(kind: SubjectKind, result: Result, total: int) -> str:
    return _(
        "%(name)s（%(kind)s）综合得分%(score).2f分，等次%(grade)s，在%(total)s个%(kind)s中排名第%(rank)s"
    ) % {
        "name": result.name,
        "kind": kind.label,
        "score": result.score,
        "grade": result.grade,
        "total": total,
        "rank": result.rank,
    }


def _overdue(runs: Sequence[Run], period: Period) -> tuple[content.OverdueCase, ...]:
    """Cases overdue and still not closed at the period's end, the longest overdue first."""
    if not runs:
        return ()
    snapshot = runs[0].snapshot
    mask = Measure.OVERDUE.bit
    closed = Measure.CLOSED.bit
    ids = [
        case_id
        for case_id, flags in snapshot.facts.values_list("case_id", "flags").iterator(
            chunk_size=20_000
        )
        if flags & mask and not flags & closed
    ]
    start, end = period.bounds()
    clock = WorkingClock(get_calendar(), period.start - dt.timedelta(days=400), period.end)
    deadlines = _deadlines_at(ids, end)
    rows = []
    for case in (
        Case.objects.filter(pk__in=ids)
        .select_related("category", "department")
        .only("case_no", "address", "category__name", "department__name", "disposal_deadline")
        .iterator(chunk_size=5000)
    ):
        deadline = deadlines.get(case.pk) or case.disposal_deadline
        if deadline is None:
            continue
        rows.append(
            content.OverdueCase(
                case_no=case.case_no,
                category=case.category.name if case.category else "",
                address=case.address,
                department=case.department.name if case.department else "",
                deadline=timezone.localtime(deadline),
                overdue_hours=round(clock.hours(deadline.timestamp(), end.timestamp()), 1),
            )
        )
    rows.sort(key=lambda row: (-row.overdue_hours, row.case_no))
    del start
    return tuple(rows[:MAX_OVERDUE])


def _deadlines_at(ids: Sequence[int], end: dt.datetime) -> dict[int, dt.datetime]:
    """Each case's disposal deadline in force at `end`, from its last event before then."""
    from finegrid.cases.models import CaseEvent

    found: dict[int, dt.datetime] = {}
    chunk = 900
    for index in range(0, len(ids), chunk):
        part = ids[index : index + chunk]
        for case_id, data in (
            CaseEvent.objects.filter(case_id__in=part, at__lt=end)
            .order_by("case_id", "seq")
            .values_list("case_id", "data")
        ):
            value = (data or {}).get("disposal_deadline")
            if value:
                found[case_id] = dt.datetime.fromisoformat(value)
    return found


def _title(kind: BulletinKind, period: Period) -> str:
    if kind == BulletinKind.WEEKLY:
        return _("关于%(period)s城市管理问题处置情况的通报") % {"period": period.label}
    if kind == BulletinKind.MONTHLY:
        return _("关于%(period)s城市管理考核排名情况的通报") % {"period": period.label}
    if kind == BulletinKind.QUARTERLY:
        return _("关于%(period)s城市管理考核结果的通报") % {"period": period.label}
    return _("关于%(period)s城市管理年度考核结果的通报") % {"period": period.label}


def build(bulletin: Bulletin) -> content.Bulletin:
    """The bulletin's content from its runs' stored results (never from live data)."""
    period = Period.parse(bulletin.period)
    kind = BulletinKind(bulletin.kind)
    runs = list(bulletin.runs.select_related("scheme", "snapshot").order_by("scheme__code"))
    tables = []
    for subject in TABLE_ORDER:
        if kind == BulletinKind.WEEKLY and subject not in WEEKLY_TABLES:
            continue
        for run in runs:
            if subject.value in run.scheme_spec["subject_kinds"]:
                tables.append(_table(run, subject))
    commended, criticised = _named(runs)
    notes = []
    for run in runs:
        if run.corrects_id:
            notes.append(
                _("%(scheme)s的考核结果以第%(new)s号批次为准，更正第%(old)s号批次。%(note)s")
                % {
                    "scheme": run.scheme_spec["name"],
                    "new": run.pk,
                    "old": run.corrects_id,
                    "note": run.note,
                }
            )
        if not run.is_published:
            notes.append(
                _("%(scheme)s的第%(id)s号批次尚未发布，本稿仅供审核。")
                % {"scheme": run.scheme_spec["name"], "id": run.pk}
            )
    first = min(runs, key=lambda run: run.computed_at)
    return replace(
        build_light(bulletin),
        addressee=settings.FINEGRID_BULLETIN_ADDRESSEE,
        totals=_totals(runs),
        tables=tuple(tables),
        commended=commended,
        criticised=criticised,
        overdue=_overdue(runs, period),
        copy_to=settings.FINEGRID_BULLETIN_COPY_TO,
        printer=settings.FINEGRID_BULLETIN_PRINTER,
        scheme_label="、".join(
            _("%(name)s（第%(version)s版）")
            % {"name": run.scheme_spec["name"], "version": run.scheme_version}
            for run in runs
        ),
        run_label=_("考核批次 %(ids)s，%(at)s 计算")
        % {
            "ids": "、".join(f"#{run.pk}" for run in runs),
            "at": timezone.localtime(first.computed_at).strftime("%Y-%m-%d %H:%M"),
        },
        notes=tuple(notes),
    )


def render(bulletin: Bulletin, fmt: str, built: content.Bulletin | None = None) -> BulletinFile:
    """The bulletin's file in this format, rendered once and kept (`built`: its content, if at hand)."""
    from finegrid.reports.render import FORMATS, filename

    if fmt not in FORMATS:
        raise LookupError(fmt)
    existing = bulletin.files.filter(format=fmt).first()
    if existing is not None:
        return existing
    began = time.perf_counter()
    renderer = FORMATS[fmt][0]
    data = renderer(built or build(bulletin))
    stored = BulletinFile(bulletin=bulletin, format=fmt, size=len(data))
    stored.seconds = round(time.perf_counter() - began, 3)
    stored.file.save(filename(build_light(bulletin), fmt), ContentFile(data), save=False)
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:
        stored.file.delete(save=False)
        return bulletin.files.get(format=fmt)
    return stored


def build_light(bulletin: Bulletin) -> content.Bulletin:
    """The bulletin's head alone (number, title, period; no figures): enough to name its file."""
    period = Period.parse(bulletin.period)
    kind = BulletinKind(bulletin.kind)
    return content.Bulletin(
        kind=kind,
        issuer=settings.FINEGRID_BULLETIN_ISSUER,
        issuer_short=settings.FINEGRID_BULLETIN_ISSUER_SHORT,
        serial=bulletin.serial,
        title=_title(kind, period),
        period_label=period.label,
        period_start=period.start,
        period_end=period.last_day,
        issued_on=bulletin.issued_on,
        addressee="",
        totals=(),
        tables=(),
        commended=(),
        criticised=(),
        overdue=(),
        copy_to="",
        printer="",
        scheme_label="",
        run_label="",
    )


def document_for(*, period: Period, kind: BulletinKind, fmt: str, actor: User | None) -> Document:
    """The bulletin of this period's current runs, in `fmt` (docx, xlsx, pdf)."""
    from finegrid.reports.render import FORMATS, filename

    if fmt not in FORMATS:
        raise LookupError(fmt)
    if PERIOD_OF[kind] != period.kind:
        raise LookupError(kind)
    bulletin = issue(period, runs_for(period))
    stored = render(bulletin, fmt)
    with stored.file.open("rb") as handle:
        data = handle.read()
    return Document(
        content=data,
        filename=filename(build_light(bulletin), fmt),
        content_type=FORMATS[fmt][1],
    )
