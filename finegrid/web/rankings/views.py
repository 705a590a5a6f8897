"""The rankings pages: read a run (the period's current one unless a draft is previewed) and show it.

Who may read them is `finegrid.evaluation.access.can_view_rankings`; the centre's writes (compute,
publish, correct, adjust) are in `finegrid.web.rankings.runs`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.cases.access import visible_cases
from finegrid.cases.models import Case
from finegrid.evaluation.access import can_manage_runs, can_view_rankings
from finegrid.evaluation.bulletins import document_for
from finegrid.evaluation.models import Adjustment, Result, Run, RunStatus, Scheme
from finegrid.evaluation.periods import InvalidPeriod, Period, PeriodKind
from finegrid.evaluation.selectors import cases_behind, current_run, trend
from finegrid.evaluation.specs import SchemeInvalid, measures_of
from finegrid.evaluation.subjects import SubjectKind
from finegrid.org.models import User
from finegrid.reports.content import BulletinKind
from finegrid.web.rankings import figures as fig
from finegrid.web.rankings.forms import AdjustmentForm, CorrectionForm
from finegrid.web.rankings.labels import expression_meaning, expression_name

DEFAULT_SCHEME: Final = "areas"
RANKING_PAGE_SIZE: Final = 100
CASES_PAGE_SIZE: Final = 50
#: How many periods a trend and the comparison's lines go back.
TREND_PERIODS: Final = 12
COMPARE_PERIODS: Final = 6
BULLETIN_FORMATS: Final = ("docx", "xlsx", "pdf")
#: The order periods are offered in, and the kind a leader means by "the ranking": the month.
PERIOD_KIND_ORDER: Final = (PeriodKind.MONTH, PeriodKind.WEEK, PeriodKind.QUARTER, PeriodKind.YEAR)
#: What the comparison puts side by side, per kind of subject (those the run has).
COMPARED: Final[Mapping[SubjectKind, tuple[str, ...]]] = {
    SubjectKind.DISTRICT: ("close_rate", "on_time_close_rate", "satisfaction_rate"),
    SubjectKind.DEPARTMENT: ("close_rate", "on_time_disposal_rate", "satisfaction_rate"),
}


def viewer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_view_rankings(user):
        raise PermissionDenied(_("考核排名仅供领导、督查员、值班长、部门管理员和系统管理员查看"))
    return user


def period_kind_label(kind: PeriodKind) -> str:
    return {
        PeriodKind.WEEK: _("周"),
        PeriodKind.MONTH: _("月"),
        PeriodKind.QUARTER: _("季度"),
        PeriodKind.YEAR: _("年"),
    }[kind]


def parse_period(text: str) -> Period:
    try:
        return Period.parse(text)
    except InvalidPeriod as error:
        raise Http404(str(error)) from None


def parse_kind(value: str) -> SubjectKind:
    try:
        return SubjectKind(value)
    except ValueError:
        raise Http404(_("未知的考核对象类型")) from None


def ranking_url(scheme: str, period: str, kind: str, *, run: int | None = None) -> str:
    query: dict[str, Any] = {"scheme": scheme, "period": period, "kind": kind}
    if run is not None:
        query["run"] = run  # a draft to review
    return f"{reverse('rankings')}?{urlencode(query)}"


def bulletin_links(period: Period) -> list[tuple[str, str]]:
    kind = fig.BULLETIN_OF[period.kind]
    return [
        (
            fmt,
            reverse("rankings-bulletin", kwargs={"period": period.code, "fmt": fmt})
            + f"?kind={kind.value}",
        )
        for fmt in BULLETIN_FORMATS
    ]


def ordered(results: QuerySet[Result]) -> QuerySet[Result]:
    """Ranked first by rank, then the subjects with nothing to count this period (rank 0)."""
    unranked = ExpressionWrapper(Q(rank=0), output_field=BooleanField())
    return results.annotate(unranked=unranked).order_by("unranked", "rank", "code")


def run_periods(scheme: Scheme, kind: PeriodKind) -> list[str]:
    """The periods of this kind that have a run of the scheme, newest first."""
    codes = (
        Run.objects.filter(scheme=scheme, period_kind=kind.value)
        .values_list("period", flat=True)
        .distinct()
    )
    return sorted(set(codes), key=lambda code: Period.parse(code).start, reverse=True)


def recent_periods(kind: PeriodKind, today: dt.date, count: int = 4) -> list[Period]:
    """The period running today and the ones just before it, newest first."""
    period = Period.containing(kind, today)
    found = []
    for _step in range(count):
        found.append(period)
        period = period.previous()
    return found


# --- the ranking page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """What the ranking page shows: a scheme, a kind of period, a period and a kind of subject."""

    scheme: Scheme
    period_kind: PeriodKind
    period: Period
    kind: SubjectKind
    preview: Run | None  # a draft asked for by id (a correction before it is published)


def _period_kinds(scheme: Scheme) -> list[PeriodKind]:
    kinds = [PeriodKind(k) for k in scheme.period_kinds if k in set(PeriodKind)]
    return sorted(kinds, key=PERIOD_KIND_ORDER.index) or [PeriodKind.MONTH]


def choose(query: Mapping[str, str], schemes: Sequence[Scheme], today: dt.date) -> Choice:
    """The page's choice from its query; what is missing or no longer fits takes its default.

    Raises Http404 for an unknown scheme or run, InvalidPeriod for a period written wrongly.
    """
    by_code = {scheme.code: scheme for scheme in schemes}
    code = query.get("scheme") or (DEFAULT_SCHEME if DEFAULT_SCHEME in by_code else "")
    if code and code not in by_code:
        raise Http404(_("未知的考核办法"))
    if not by_code:
        raise Http404(_("还没有启用的考核办法"))
    scheme = by_code[code] if code else schemes[0]
    kinds = _period_kinds(scheme)
    preview = None
    if query.get("run", "").isdigit():
        preview = Run.objects.filter(pk=int(query["run"]), scheme=scheme).first()
        if preview is None:
            raise Http404(_("考核批次不存在"))
    period: Period | None = preview.period_obj if preview is not None else None
    asked_kind = query.get("period_kind", "")
    period_kind = PeriodKind(asked_kind) if asked_kind in kinds else None
    if period is None and query.get("period"):
        period = Period.parse(query["period"])
        if period_kind is not None and period.kind != period_kind:
            period = None  # the kind was switched: show that kind's latest period
    if period is None:
        for kind in [period_kind] if period_kind else kinds:
            codes = run_periods(scheme, kind)
            if codes:
                period = Period.parse(codes[0])
                break
    if period is None:
        kind = period_kind or kinds[0]
        period = Period.containing(kind, today).previous()
    subject_kinds = [SubjectKind(k) for k in scheme.subject_kinds]
    asked = query.get("kind", "")
    kind_value = asked if asked in scheme.subject_kinds else subject_kinds[0].value
    return Choice(scheme, period.kind, period, SubjectKind(kind_value), preview)


def _period_options(choice: Choice, manager: bool, today: dt.date) -> list[tuple[str, str]]:
    codes = run_periods(choice.scheme, choice.period_kind)
    known = set(codes)
    periods = {Period.parse(code) for code in codes} | {choice.period}
    if manager:  # the centre may compute a period that has no run yet
        periods |= {p for p in recent_periods(choice.period_kind, today) if p.start <= today}
    options = []
    for period in sorted(periods, key=lambda p: p.start, reverse=True):
        label = (
            period.label
            if period.code in known
            else _("%(period)s（未计算）") % {"period": period.label}
        )
        options.append((period.code, label))
    return options


def _pending_drafts(choice: Choice, shown: Run | None) -> list[Run]:
    """Drafts newer than the published run: corrections (or recomputations) awaiting publication."""
    published = (
        Run.objects.filter(
            scheme=choice.scheme, period=choice.period.code, status=RunStatus.PUBLISHED
        )
        .order_by("-published_at", "-pk")
        .first()
    )
    if published is None:
        return []
    drafts = Run.objects.filter(
        scheme=choice.scheme,
        period=choice.period.code,
        status=RunStatus.DRAFT,
        computed_at__gt=published.computed_at,
    ).select_related("computed_by", "corrects")
    return [run for run in drafts.order_by("-computed_at", "-pk") if shown is None or run != shown]


def _chart(rows: Iterable[fig.Row]) -> list[dict[str, Any]]:
    return [
        {"name": row.result.name, "score": row.result.score, "grade": row.result.grade}
        for row in rows
        if row.result.rank
    ]


def _adjustments(choice: Choice, run: Run | None, names: Mapping[int, str]) -> list[dict[str, Any]]:
    rows = Adjustment.objects.filter(
        scheme=choice.scheme, period=choice.period.code, subject_kind=choice.kind.value
    ).select_related("entered_by")
    return [
        {
            "adjustment": row,
            "name": names.get(row.subject_id, f"#{row.subject_id}"),
            "counted": run is not None and row.entered_at <= run.computed_at,
        }
        for row in rows.order_by("-entered_at", "-pk")
    ]


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    manager = can_manage_runs(user)
    today = timezone.localdate()
    schemes = list(Scheme.objects.filter(active=True).order_by("code"))
    try:
        choice = choose(request.GET, schemes, today)
    except InvalidPeriod as error:
        return render(
            request,
            "web/rankings/ranking.html",
            {"error": str(error), "schemes": schemes},
            status=400,
        )
    current = current_run(choice.scheme, choice.period.code)
    run = choice.preview or current
    previewing = choice.preview is not None and choice.preview != current
    context: dict[str, Any] = {
        "choice": choice,
        "schemes": schemes,
        "period_kinds": [(k.value, period_kind_label(k)) for k in _period_kinds(choice.scheme)],
        "periods": _period_options(choice, manager, today),
        "subject_kinds": [(k, SubjectKind(k).label) for k in choice.scheme.subject_kinds],
        "run": run,
        "current": current,
        "previewing": previewing,
        "manager": manager,
        "pending": _pending_drafts(choice, run) if manager else [],
        # A published period is changed only by a correction, which names what it corrects.
        "can_compute": manager and not (current is not None and current.is_published),
        "publishable": run if manager and run is not None and not run.is_published else None,
        "correctable": current
        if manager and current is not None and current.is_published and not previewing
        else None,
        "period_closed": choice.period.is_closed(timezone.now()),
        "downloads": bulletin_links(choice.period) if run is not None else [],
        "compare_url": f"{reverse('rankings-compare')}?"
        + urlencode({"period_kind": choice.period_kind.value, "period": choice.period.code}),
    }
    if run is not None:
        items = fig.items_of(run)
        results = ordered(run.results.filter(subject_kind=choice.kind.value))
        page = Paginator(results, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
        compared = fig.previous_exists(run)
        rows = fig.rows_of(
            run, list(page.object_list), items, preview=previewing, compared=compared
        )
        names = dict(
            run.results.filter(subject_kind=choice.kind.value).values_list("subject_id", "name")
        )
        context |= {
            "items": items,
            "compared": compared,
            "scored": [item for item in items if item.scored],
            "shown": [item for item in items if not item.scored],
            "page": page,
            "rows": rows,
            "ranked": run.results.filter(subject_kind=choice.kind.value, rank__gt=0).count(),
            "chart": _chart(rows),
            "adjustments": _adjustments(choice, run, names),
        }
        if manager:
            subjects = sorted(names.items(), key=lambda pair: pair[1])
            context |= {
                "adjustment_form": AdjustmentForm(subjects=[]),
                "adjustment_subjects": subjects,
                "correction_form": CorrectionForm(),
            }
    return render(request, "web/rankings/ranking.html", context)


# --- a subject's page ----------------------------------------------------------------------------


def _run_for(request: HttpRequest, scheme: Scheme, period: Period) -> Run:
    """The period's current run, or the draft asked for with ?run= (a correction in review)."""
    asked = request.GET.get("run", "")
    if asked.isdigit():
        return get_object_or_404(
            Run.objects.select_related("scheme", "snapshot"),
            pk=int(asked),
            scheme=scheme,
            period=period.code,
        )
    run = current_run(scheme, period.code)
    if run is None:
        raise Http404(_("该周期还没有考核批次"))
    return run


def _trend(
    scheme: Scheme, kind: SubjectKind, subject_id: int, period: Period, items: Sequence[fig.Item]
) -> list[dict[str, Any]]:
    history = [
        result
        for result in trend(scheme, kind, subject_id, period.kind.value)
        if result.run.period_obj.start <= period.start
    ][-TREND_PERIODS:]
    return [
        {
            "period": result.run.period,
            "label": result.run.period_obj.label,
            "score": result.score,
            "rank": result.rank,
            "values": {
                item.code: fig.number(result.values.get(item.code), item.unit) for item in items
            },
            "texts": {
                item.code: fig.format_value(result.values.get(item.code), item.unit)
                for item in items
            },
        }
        for result in history
    ]


@login_required
def subject(
    request: HttpRequest, scheme: str, period: str, kind: str, subject_id: int
) -> HttpResponse:
    viewer(request)
    found = get_object_or_404(Scheme, code=scheme)
    span = parse_period(period)
    subject_kind = parse_kind(kind)
    run = _run_for(request, found, span)
    result = get_object_or_404(run.results, subject_kind=subject_kind.value, subject_id=subject_id)
    items = fig.items_of(run)
    grids = run.snapshot.inputs.get("grid_counts", {}).get(str(subject_id))
    cells = [fig.cell(run, result, item, grid_count=grids) for item in items]
    history = _trend(found, subject_kind, subject_id, span, items)
    chosen = request.GET.get("indicator", "")
    codes = [item.code for item in items]
    if chosen not in codes:
        chosen = next((item.code for item in items if item.scored), codes[0] if codes else "")
    adjustments = [
        {"points": float(row["points"]), "reason": row["reason"]}
        for row in run.adjustments
        if row["kind"] == subject_kind.value and int(row["id"]) == subject_id
    ]
    pending = Adjustment.objects.filter(
        scheme=found,
        period=span.code,
        subject_kind=subject_kind.value,
        subject_id=subject_id,
        entered_at__gt=run.computed_at,
    ).order_by("-entered_at")
    change, change_class = fig.rank_change(result, compared=fig.previous_exists(run))
    return render(
        request,
        "web/rankings/subject.html",
        {
            "run": run,
            "current": current_run(found, span.code),
            "period": span,
            "kind": subject_kind,
            "result": result,
            "change": change,
            "change_class": change_class,
            "ranked": run.results.filter(subject_kind=subject_kind.value, rank__gt=0).count(),
            "cells": cells,
            "items": items,
            "history": history,
            "chosen": chosen,
            "adjustments": adjustments,
            "pending": pending,
            "back": ranking_url(found.code, span.code, subject_kind.value),
        },
    )


# --- the cases behind a figure -------------------------------------------------------------------


@login_required
def cases(
    request: HttpRequest, run_id: int, kind: str, subject_id: int, expression: str
) -> HttpResponse:
    user = viewer(request)
    run = get_object_or_404(Run.objects.select_related("scheme", "snapshot"), pk=run_id)
    subject_kind = parse_kind(kind)
    try:
        measures_of(expression)
    except SchemeInvalid as error:
        raise Http404("；".join(error.problems)) from None
    if not fig.applies(subject_kind, expression):
        raise Http404(_("这一类考核对象不统计该数据"))
    result = get_object_or_404(run.results, subject_kind=subject_kind.value, subject_id=subject_id)
    listed = (
        cases_behind(run, subject_kind, subject_id, expression)
        .select_related("category", "department", "street", "district")
        .order_by("reported_at", "pk")
    )
    page = Paginator(listed, CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    shown: list[Case] = list(page.object_list)
    openable = set(
        visible_cases(user).filter(pk__in=[c.pk for c in shown]).values_list("pk", flat=True)
    )
    items = fig.items_of(run)
    grids = run.snapshot.inputs.get("grid_counts", {}).get(str(subject_id))
    used = [
        (fig.cell(run, result, item, grid_count=grids), role)
        for item, role in fig.indicators_using(items, expression)
    ]
    figure = result.counts.get(expression)
    return render(
        request,
        "web/rankings/cases.html",
        {
            "run": run,
            "period": run.period_obj,
            "kind": subject_kind,
            "result": result,
            "expression": expression,
            "name": expression_name(expression),
            "meaning": expression_meaning(expression),
            "figure": figure,
            "page": page,
            "rows": [{"case": case, "openable": case.pk in openable} for case in shown],
            "used": used,
            "subject_url": fig.subject_url(
                run,
                subject_kind.value,
                subject_id,
                preview=run != current_run(run.scheme, run.period),
            ),
            "back": ranking_url(run.scheme.code, run.period, subject_kind.value),
        },
    )


# --- comparisons ---------------------------------------------------------------------------------


def scheme_for(kind: SubjectKind) -> Scheme | None:
    """The active scheme that scores this kind of subject (the default `areas` before others)."""
    found = [
        s for s in Scheme.objects.filter(active=True).order_by("code") if kind in s.subject_kinds
    ]
    found.sort(key=lambda s: s.code != DEFAULT_SCHEME)
    return found[0] if found else None


def _series(run: Run, kind: SubjectKind, period: Period) -> dict[str, Any]:
    items = {item.code: item for item in fig.items_of(run)}
    codes = [code for code in COMPARED[kind] if code in items]
    ranked = list(run.results.filter(subject_kind=kind.value, rank__gt=0).order_by("rank", "code"))
    lines: dict[int, list[float | None]] = {result.subject_id: [] for result in ranked}
    periods = [period]
    for _step in range(COMPARE_PERIODS - 1):
        periods.append(periods[-1].previous())
    periods.reverse()
    for past in periods:
        past_run = run if past == period else current_run(run.scheme, past.code)
        scores: dict[int, float] = {}
        if past_run is not None:
            scores = dict(
                past_run.results.filter(
                    subject_kind=kind.value, rank__gt=0, subject_id__in=list(lines)
                ).values_list("subject_id", "score")
            )
        for subject_id, values in lines.items():
            values.append(scores.get(subject_id))
    # Periods before the first one with any score are left out: no empty months on the left.
    first = next(
        (i for i in range(len(periods)) if any(v[i] is not None for v in lines.values())), 0
    )
    periods = periods[first:]
    lines = {subject_id: values[first:] for subject_id, values in lines.items()}
    return {
        "kind": kind.value,
        "run": run.pk,
        "names": [result.name for result in ranked],
        "bars": [
            {
                "code": code,
                "name": items[code].name,
                "values": [fig.number(result.values.get(code), "%") for result in ranked],
                "texts": [fig.format_value(result.values.get(code), "%") for result in ranked],
            }
            for code in codes
        ],
        "periods": [past.label for past in periods],
        "lines": [{"name": result.name, "values": lines[result.subject_id]} for result in ranked],
    }


def _table(run: Run, kind: SubjectKind) -> tuple[list[str], list[dict[str, Any]]]:
    """The same figures as the bars, as a table under the chart (what a screen reader reads)."""
    items = {item.code: item for item in fig.items_of(run)}
    codes = [code for code in COMPARED[kind] if code in items]
    ranked = run.results.filter(subject_kind=kind.value, rank__gt=0).order_by("rank", "code")
    return [items[code].name for code in codes], [
        {
            "result": result,
            "url": fig.subject_url(run, kind.value, result.subject_id),
            "texts": [fig.format_value(result.values.get(code), "%") for code in codes],
        }
        for result in ranked
    ]


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    viewer(request)
    today = timezone.localdate()
    schemes = {kind: scheme_for(kind) for kind in COMPARED}
    asked_kind = request.GET.get("period_kind", "")
    period_kind = PeriodKind(asked_kind) if asked_kind in set(PeriodKind) else PeriodKind.MONTH
    period: Period | None = None
    if request.GET.get("period"):
        period = parse_period(request.GET["period"])
        if period.kind != period_kind:
            period = None
    codes: set[str] = set()
    for scheme in schemes.values():
        if scheme is not None:
            codes |= set(run_periods(scheme, period_kind))
    ordered_codes = sorted(codes, key=lambda c: Period.parse(c).start, reverse=True)
    if period is None:
        period = (
            Period.parse(ordered_codes[0])
            if ordered_codes
            else Period.containing(period_kind, today).previous()
        )
    sections: list[dict[str, Any]] = []
    charts: dict[str, dict[str, Any]] = {}
    for kind, scheme in schemes.items():
        run = current_run(scheme, period.code) if scheme is not None else None
        headers, rows = _table(run, kind) if run is not None else ([], [])
        data = _series(run, kind, period) if run is not None else None
        if data is not None:
            charts[kind.value] = data
        sections.append(
            {
                "kind": kind,
                "label": kind.label,
                "scheme": scheme,
                "run": run,
                "data": data,
                "headers": headers,
                "rows": rows,
                "ranking_url": ranking_url(scheme.code, period.code, kind.value)
                if scheme is not None
                else "",
            }
        )
    periods = [(code, Period.parse(code).label) for code in ordered_codes]
    if period.code not in codes:
        periods.insert(0, (period.code, period.label))
    return render(
        request,
        "web/rankings/compare.html",
        {
            "period": period,
            "period_kind": period_kind,
            "period_kinds": [(k.value, period_kind_label(k)) for k in PERIOD_KIND_ORDER],
            "periods": periods,
            "sections": sections,
            "charts": charts,
        },
    )


# --- bulletins -----------------------------------------------------------------------------------


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition for a download: an ASCII name for old clients, the real one (RFC 5987)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in fallback)
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(filename, safe='')}"


@login_required
def bulletin(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    """The period's bulletin as a file, from the current runs of every scheme evaluated for it."""
    user = viewer(request)
    span = parse_period(period)
    if fmt not in BULLETIN_FORMATS:
        raise Http404(_("不支持的格式：%(fmt)s") % {"fmt": fmt})
    expected = fig.BULLETIN_OF[span.kind]
    try:
        kind = BulletinKind(request.GET.get("kind") or expected.value)
    except ValueError:
        raise Http404(_("未知的通报类型")) from None
    if kind != expected:
        raise Http404(_("通报类型与考核周期不符"))
    if not Run.objects.filter(period=span.code).exists():
        raise Http404(_("该周期还没有考核批次，请先计算"))
    try:
        document = document_for(period=span, kind=kind, fmt=fmt, actor=user)
    except LookupError as error:
        raise Http404(str(error)) from None
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = attachment(
        document.filename, f"bulletin-{span.code}-{kind.value}.{fmt}"
    )
    response["Cache-Control"] = "private, no-store"
    return response
