"""The screen's figures for one user at one moment: counts, on-time rates, rankings, live cases.

Every figure is read from `visible_cases(user)` (and the events of those cases) and aggregated
in the database; Python only touches bounded results: one row per area, department, category or
status, at most MAX_LIVE_CASES map points and MAX_HEAT_CELLS heat cells. "Today" and "this month"
are the local calendar day and month (settings.TIME_ZONE) around `now`. docs/screen.md defines
each figure for the people who read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypedDict

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from finegrid.cases.access import visible_cases
from finegrid.cases.models import Case, CaseEvent
from finegrid.cases.workflow import DISPOSAL_STATUSES, OPEN, Action, Status
from finegrid.catalogue.models import ActionTag
from finegrid.geo.crs import CRS, from_wgs84_many
from finegrid.geo.models import Area
from finegrid.org.models import Unit, User
from finegrid.org.selectors import scope_areas

#: The map shows open cases reported in this many days, newest first, at most MAX_LIVE_CASES.
LIVE_DAYS: Final = 30
MAX_LIVE_CASES: Final = 3000
#: Reports are counted into cells of 10^-HEAT_DECIMALS degrees (about 100 m) for the heat layer.
HEAT_DECIMALS: Final = 3
MAX_HEAT_CELLS: Final = 5000
TOP_CATEGORIES: Final = 10
#: How many of the worst areas and departments each ranking names.
WORST: Final = 5
#: An area or department is ranked by on-time rate only with at least this many disposals: two
#: late out of three is bad luck, not a pattern worth exposing on a wall.
MIN_RATED: Final = 5

#: Reports that turned out not to be problems: left out of categories and the seven actions.
NOT_PROBLEMS: Final = frozenset({Status.DECLINED, Status.CANCELLED})
#: Open statuses whose step clock runs; a suspended case's clock is stopped, so it is never late.
CLOCKED: Final = OPEN - {Status.SUSPENDED}

#: The map's colours: each open status belongs to exactly one group (a test checks it).
STATUS_GROUPS: Final[tuple[tuple[str, Promise, frozenset[Status]], ...]] = (
    (
        "intake",
        _("受理立案"),
        frozenset({Status.REPORTED, Status.VERIFYING, Status.PENDING_FILING, Status.SELF_HANDLED}),
    ),
    (
        "dispatch",
        _("派遣签收"),
        frozenset({Status.FILED, Status.DISPATCHED, Status.RETURN_REQUESTED}),
    ),
    (
        "disposing",
        _("处置中"),
        frozenset({Status.DISPOSING, Status.EXTENSION_REQUESTED, Status.SUSPENSION_REQUESTED}),
    ),
    (
        "checking",
        _("核查结案"),
        frozenset({Status.DISPOSED, Status.CHECKING, Status.PENDING_CLOSE}),
    ),
    ("suspended", _("已挂账"), frozenset({Status.SUSPENDED})),
)
_GROUP_OF: Final = {s: i for i, (_k, _l, statuses) in enumerate(STATUS_GROUPS) for s in statuses}


# --- the JSON shape ------------------------------------------------------------------------------


class Counts(TypedDict):
    reported: int
    filed: int
    closed: int


class Rate(TypedDict):
    on_time: int
    total: int
    rate: float | None


class CategoryRow(TypedDict):
    id: int
    name: str
    count: int


class TagRow(TypedDict):
    code: str
    char: str
    description: str
    count: int


class RateRow(TypedDict):
    id: int
    name: str
    on_time: int
    total: int
    rate: float


class OverdueRow(TypedDict):
    id: int
    name: str
    count: int


class Ranking(TypedDict):
    by_rate: list[RateRow]
    by_overdue: list[OverdueRow]


class GroupRow(TypedDict):
    key: str
    label: str
    count: int
    overdue: int


class Live(TypedDict):
    days: int
    total: int
    #: [lat, lon, group index, 1 if overdue else 0, case number], in the map's coordinate system
    points: list[list[Any]]


class Heat(TypedDict):
    max: int
    #: [lat, lon, reports], in the map's coordinate system
    points: list[list[float]]


class ScreenData(TypedDict):
    generated_at: str
    time_zone: str
    today: str
    month: str
    counts: dict[str, Counts]
    rates: dict[str, Rate]
    overdue: int
    top_categories: list[CategoryRow]
    action_tags: list[TagRow]
    rankings: dict[str, Ranking]
    min_rated: int
    status_groups: list[GroupRow]
    live: Live
    heat: Heat


# --- periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[start, end) in aware datetimes."""

    start: dt.datetime
    end: dt.datetime

    def q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


def local_periods(now: dt.datetime) -> tuple[Period, Period]:
    """Today and this month in the city's time zone, whatever zone `now` is given in."""
    zone = timezone.get_default_timezone()
    day = timezone.localtime(now, zone).date()
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)

    def midnight(d: dt.date) -> dt.datetime:
        return dt.datetime.combine(d, dt.time.min, tzinfo=zone)

    return (
        Period(midnight(day), midnight(day + dt.timedelta(days=1))),
        Period(midnight(first), midnight(following)),
    )


# --- the figures ---------------------------------------------------------------------------------


def _rate(on_time: int, total: int) -> Rate:
    return {"on_time": on_time, "total": total, "rate": on_time / total if total else None}


#: The month's events are read once, grouped by the place and department of their case: the
#: counts and rates sum the groups, the rankings regroup them (a case is in one group only, so
#: distinct cases add up). Rows are bounded by streets × departments, not by cases.
_SUBJECT_FIELDS: Final = ("case__district_id", "case__street_id", "case__department_id")


def _month_steps(events: QuerySet[CaseEvent], today: Period, month: Period) -> list[dict[str, Any]]:
    filed, closed, disposed = (
        Q(action=Action.FILE),
        Q(action=Action.CLOSE),
        Q(action=Action.DISPOSE),
    )
    return list(
        events.filter(month.q("at"), action__in=[Action.FILE, Action.CLOSE, Action.DISPOSE])
        .values(*_SUBJECT_FIELDS)
        .annotate(
            filed_month=Count("case", distinct=True, filter=filed),
            filed_today=Count("case", distinct=True, filter=filed & today.q("at")),
            closed_month=Count("case", distinct=True, filter=closed),
            closed_today=Count("case", distinct=True, filter=closed & today.q("at")),
            disposed=Count("pk", filter=disposed),
            disposed_on_time=Count("pk", filter=disposed & Q(data__on_time=True)),
            closes=Count("pk", filter=closed),
            closes_on_time=Count("pk", filter=closed & Q(data__disposed_on_time=True)),
        )
        .order_by()
    )


def _counts_and_rates(
    cases: QuerySet[Case], steps: list[dict[str, Any]], today: Period, month: Period
) -> tuple[dict[str, Counts], dict[str, Rate]]:
    """Reports by report time; filed and closed as distinct cases with such an event in the period;
    the rates per event (a reworked case is judged again against its new deadline)."""
    reported = cases.filter(month.q("reported_at")).aggregate(
        month=Count("pk"), today=Count("pk", filter=today.q("reported_at"))
    )

    def total(name: str) -> int:
        return sum(int(row[name]) for row in steps)

    counts: dict[str, Counts] = {
        period: {
            "reported": reported[period],
            "filed": total(f"filed_{period}"),
            "closed": total(f"closed_{period}"),
        }
        for period in ("today", "month")
    }
    rates = {
        "on_time_dispose": _rate(total("disposed_on_time"), total("disposed")),
        "on_time_close": _rate(total("closes_on_time"), total("closes")),
    }
    return counts, rates


def _status_groups(cases: QuerySet[Case], now: dt.datetime) -> tuple[list[GroupRow], int]:
    """Open cases by status group (all of them, not only the map's), and how many are overdue."""
    rows = (
        cases.filter(status__in=OPEN)
        .values_list("status")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(status__in=CLOCKED, step_deadline__lt=now)),
        )
        .order_by()
    )
    groups: list[GroupRow] = [
        {"key": key, "label": str(label), "count": 0, "overdue": 0}
        for key, label, _statuses in STATUS_GROUPS
    ]
    for status, n, late in rows:
        group = groups[_GROUP_OF[Status(status)]]
        group["count"] += n
        group["overdue"] += late
    return groups, sum(g["overdue"] for g in groups)


def _top_categories(problems: QuerySet[Case]) -> list[CategoryRow]:
    rows = (
        problems.filter(category__isnull=False)
        .values_list("category_id", "category__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name")[:TOP_CATEGORIES]
    )
    return [{"id": pk, "name": name, "count": n} for pk, name, n in rows]


def _action_tags(problems: QuerySet[Case]) -> list[TagRow]:
    """Every tag in its order, zero included: a case counts once under each tag of its category."""
    counts = dict(
        problems.filter(category__action_tags__isnull=False)
        .values_list("category__action_tags")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return [
        {
            "code": tag.code,
            "char": tag.char,
            "description": tag.description,
            "count": counts.get(tag.pk, 0),
        }
        for tag in ActionTag.objects.order_by("order", "code")
    ]


def _worst_by_rate(steps: list[dict[str, Any]], field: str) -> list[tuple[int, int, int]]:
    """(id, on time, total) of the WORST lowest on-time rates with at least MIN_RATED disposals;
    ties go to the one with more disposals."""
    totals: dict[int, list[int]] = {}
    for row in steps:
        if row[field] is not None and row["disposed"]:
            subject = totals.setdefault(row[field], [0, 0])
            subject[0] += row["disposed_on_time"]
            subject[1] += row["disposed"]
    rated = [(pk, on_time, n) for pk, (on_time, n) in totals.items() if n >= MIN_RATED]
    return sorted(rated, key=lambda r: (r[1] / r[2], -r[2], r[0]))[:WORST]


def _worst_by_overdue(late: QuerySet[Case], field: str) -> list[tuple[int, int]]:
    rows = (
        late.filter(**{f"{field}__isnull": False})
        .values_list(field)
        .annotate(n=Count("pk"))
        .order_by("-n", field)[:WORST]
    )
    return [(pk, n) for pk, n in rows]


def _names(model: type[Area] | type[Unit], ids: Iterable[int]) -> dict[int, str]:
    if model is Unit:
        return {
            pk: short or name
            for pk, short, name in Unit.objects.filter(pk__in=set(ids)).values_list(
                "pk", "short_name", "name"
            )
        }
    return dict(Area.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def _rankings(
    cases: QuerySet[Case], steps: list[dict[str, Any]], now: dt.datetime
) -> dict[str, Ranking]:
    """The worst districts, streets and departments by this month's on-time disposal rate and by
    cases overdue now. A department answers only for the disposal steps it holds, and not for a
    case whose overdue appeal was approved."""
    late = cases.filter(status__in=CLOCKED, step_deadline__lt=now)
    department_late = late.filter(status__in=DISPOSAL_STATUSES, overdue_exempt=False)
    subjects: Mapping[str, tuple[type[Area] | type[Unit], str, QuerySet[Case]]] = {
        "district": (Area, "district_id", late),
        "street": (Area, "street_id", late),
        "department": (Unit, "department_id", department_late),
    }
    raw = {
        key: (
            model,
            _worst_by_rate(steps, f"case__{field}"),
            _worst_by_overdue(overdue, field),
        )
        for key, (model, field, overdue) in subjects.items()
    }
    names: dict[type[Area] | type[Unit], dict[int, str]] = {}
    for model in (Area, Unit):
        ids = [
            row[0]
            for m, by_rate, by_overdue in raw.values()
            if m is model
            for row in (*by_rate, *by_overdue)
        ]
        names[model] = _names(model, ids)
    return {
        key: {
            "by_rate": [
                {
                    "id": pk,
                    "name": names[model].get(pk, ""),
                    "on_time": on_time,
                    "total": total,
                    "rate": on_time / total,
                }
                for pk, on_time, total in by_rate
            ],
            "by_overdue": [
                {"id": pk, "name": names[model].get(pk, ""), "count": n} for pk, n in by_overdue
            ],
        }
        for key, (model, by_rate, by_overdue) in raw.items()
    }


def _display(lons: list[float], lats: list[float], crs: CRS) -> tuple[list[float], list[float]]:
    """WGS-84 points in the tiles' system (one vectorised conversion for the whole list)."""
    if crs is CRS.WGS84 or not lons:
        return lons, lats
    shifted_lons, shifted_lats = from_wgs84_many(lons, lats, crs)
    return [float(x) for x in shifted_lons], [float(y) for y in shifted_lats]


def _live(cases: QuerySet[Case], now: dt.datetime, crs: CRS) -> Live:
    recent = cases.filter(status__in=OPEN, reported_at__gte=now - dt.timedelta(days=LIVE_DAYS))
    rows = list(
        recent.order_by("-reported_at", "-pk").values_list(
            "case_no", "status", "lon", "lat", "step_deadline"
        )[:MAX_LIVE_CASES]
    )
    total = len(rows) if len(rows) < MAX_LIVE_CASES else recent.count()
    lons, lats = _display([r[2] for r in rows], [r[3] for r in rows], crs)
    points: list[list[Any]] = [
        [
            round(lat, 6),
            round(lon, 6),
            _GROUP_OF[Status(status)],
            int(status in CLOCKED and deadline is not None and deadline < now),
            case_no,
        ]
        for (case_no, status, _lon, _lat, deadline), lon, lat in zip(rows, lons, lats, strict=True)
    ]
    return {"days": LIVE_DAYS, "total": total, "points": points}


def _heat(cases: QuerySet[Case], month: Period, crs: CRS) -> Heat:
    cells = list(
        cases.filter(month.q("reported_at"))
        .annotate(cell_lon=Round("lon", HEAT_DECIMALS), cell_lat=Round("lat", HEAT_DECIMALS))
        .values_list("cell_lon", "cell_lat")
        .annotate(n=Count("pk"))
        .order_by("-n", "cell_lon", "cell_lat")[:MAX_HEAT_CELLS]
    )
    # PostgreSQL rounds in numeric and answers Decimal; JSON wants floats.
    lons, lats = _display([float(c[0]) for c in cells], [float(c[1]) for c in cells], crs)
    return {
        "max": cells[0][2] if cells else 0,
        "points": [
            [round(lat, 6), round(lon, 6), c[2]]
            for c, lon, lat in zip(cells, lons, lats, strict=True)
        ],
    }


def screen_data(*, user: User, now: dt.datetime, crs: CRS = CRS.WGS84) -> ScreenData:
    """Everything the screen shows, as of `now`, for what `user` may see; points in `crs`."""
    cases = visible_cases(user)
    events = CaseEvent.objects.filter(case__in=cases.values("pk"))
    today, month = local_periods(now)
    steps = _month_steps(events, today, month)
    counts, rates = _counts_and_rates(cases, steps, today, month)
    groups, overdue = _status_groups(cases, now)
    problems = cases.filter(month.q("reported_at")).exclude(status__in=NOT_PROBLEMS)
    local = timezone.localtime(now, timezone.get_default_timezone())
    return {
        "generated_at": local.isoformat(timespec="seconds"),
        "time_zone": str(timezone.get_default_timezone()),
        "today": local.date().isoformat(),
        "month": f"{local:%Y-%m}",
        "counts": counts,
        "rates": rates,
        "overdue": overdue,
        "top_categories": _top_categories(problems),
        "action_tags": _action_tags(problems),
        "rankings": _rankings(cases, steps, now),
        "min_rated": MIN_RATED,
        "status_groups": groups,
        "live": _live(cases, now, crs),
        "heat": _heat(cases, month, crs),
    }


@dataclass(frozen=True)
class ScopeView:
    """Whose screen this is: the names of the user's areas and the box that holds them."""

    names: list[str]
    #: [west, south, east, north] in the tiles' system, or None when no area has an outline
    bounds: list[float] | None


def scope_view(*, user: User, crs: CRS = CRS.WGS84) -> ScopeView:
    areas = list(scope_areas(user=user).order_by("code"))
    boxes = [a for a in areas if a.min_lon is not None and a.max_lon is not None]
    bounds = None
    if boxes:
        west = min(a.min_lon for a in boxes if a.min_lon is not None)
        south = min(a.min_lat for a in boxes if a.min_lat is not None)
        east = max(a.max_lon for a in boxes if a.max_lon is not None)
        north = max(a.max_lat for a in boxes if a.max_lat is not None)
        lons, lats = _display([west, east], [south, north], crs)
        bounds = [lons[0], lats[0], lons[1], lats[1]]
    return ScopeView(names=[a.name for a in areas], bounds=bounds)
