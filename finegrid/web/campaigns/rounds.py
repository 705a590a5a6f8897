"""Inspection rounds (督查检查) and the civilised-city scoreboard (文明城市测评): a round's results on a
map, the phone page where an inspector scores a visited site item by item, and the scoreboard of an
index tree. Scoring goes through `finegrid.campaigns.inspections`; reads through its and
`finegrid.campaigns.assessment`'s own functions.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finegrid.campaigns import access
from finegrid.campaigns.assessment import Scoreboard, scoreboard
from finegrid.campaigns.errors import CampaignError
from finegrid.campaigns.inspections import (
    RoundResults,
    applicable_items,
    finish_visit,
    round_results,
    score_item,
)
from finegrid.campaigns.models import (
    IndexTree,
    InspectionRound,
    ItemScore,
    NodeLevel,
    Review,
    RoundKind,
    RoundStatus,
    SiteType,
    TemplateItem,
    Visit,
)
from finegrid.cases.photos import Photo
from finegrid.geo.crs import from_wgs84
from finegrid.geo.display import display_crs
from finegrid.geo.models import Area, AreaLevel
from finegrid.org.models import User
from finegrid.web.campaigns.forms import (
    DrawRoundForm,
    IndexImportForm,
    ReviewForm,
    sample_field_name,
)
from finegrid.web.campaigns.views import (
    attachment,
    can_view_assessment,
    can_view_rounds,
    error_status,
    page,
    viewer,
)

#: How many of the weakest items the scoreboard's chart shows.
WEAKEST_SHOWN: Final = 15
#: The draw form's fields above its sample table, in order.
DRAW_FIELDS: Final = (
    "name",
    "kind",
    "template",
    "starts_on",
    "ends_on",
    "assessment",
    "rectify_days",
    "seed",
)
#: How many of the latest material and survey reviews the scoreboard lists.
REVIEWS_SHOWN: Final = 30


def round_viewer(request: HttpRequest) -> User:
    user = viewer(request)
    if not can_view_rounds(user):
        raise PermissionDenied(_("督查检查仅供监督中心、督查员、监督员和领导查看"))
    return user


def scorer(request: HttpRequest) -> User:
    user = viewer(request)
    if not access.can_score(user):
        raise PermissionDenied(_("只有监督员和督查员可以现场打分"))
    return user


def assessment_viewer(request: HttpRequest) -> User:
    user = viewer(request)
    if not can_view_assessment(user):
        raise PermissionDenied(_("文明城市测评仅供督查员、领导和系统管理员查看"))
    return user


def percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --- rounds ------------------------------------------------------------------------------------


def site_type_counts() -> list[tuple[SiteType, int]]:
    """The 29 site types with how many active sites of each the registry holds."""
    types = SiteType.objects.annotate(
        active=Count("sites", filter=Q(sites__is_active=True))
    ).order_by("tag")
    return [(t, t.active) for t in types]


def rounds_context(user: User, *, draw_form: DrawRoundForm | None = None) -> dict[str, Any]:
    listed = (
        InspectionRound.objects.select_related("template", "assessment", "rectification_plan")
        .annotate(
            visit_count=Count("visits"),
            finished_count=Count("visits", filter=Q(visits__finished=True)),
        )
        .order_by("-starts_on", "-pk")
    )
    context: dict[str, Any] = {"rounds": listed, "draw_form": None}
    if access.can_run_rounds(user):
        counts = site_type_counts()
        today = timezone.localdate()
        form = draw_form or DrawRoundForm(
            site_types=[t for t, _n in counts],
            initial={
                "starts_on": today,
                "ends_on": today + dt.timedelta(days=7),
                "kind": RoundKind.PLANNED,
            },
        )
        for site_type, active in counts:
            widget = form.fields[sample_field_name(site_type.tag)].widget
            widget.attrs["max"] = active
        context["draw_form"] = form
        context["draw_fields"] = [form[name] for name in DRAW_FIELDS]
        context["sample_rows"] = [
            {"type": t, "active": n, "field": form[sample_field_name(t.tag)]} for t, n in counts
        ]
        context["sample_total"] = sum(n for _t, n in counts)
    return context


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    user = round_viewer(request)
    return page(request, user, "web/campaigns/rounds.html", rounds_context(user))


def map_points(results: RoundResults) -> list[dict[str, Any]]:
    """The visits as the map draws them: shifted to the tiles' system, with links to follow."""
    crs = display_crs()
    points = []
    for visit in results.visits:
        lon, lat = from_wgs84(visit.lon, visit.lat, crs)
        points.append(
            {
                "name": visit.site_name,
                "type": visit.site_type,
                "district": visit.district,
                "street": visit.street,
                "lon": lon,
                "lat": lat,
                "state": "pending"
                if not visit.scored
                else "fail"
                if visit.failed
                else "pass"
                if visit.finished
                else "partial",
                "score": f"{visit.score:f}",
                "max": f"{visit.max_score:f}",
                "rate": percent(visit.rate),
                "failed": [
                    {
                        "number": f.number,
                        "standard": f.standard,
                        "score": f"{f.score:f}",
                        "points": f"{f.points:f}",
                        "task": reverse("campaigns-task", args=[f.task_id]) if f.task_id else "",
                        "case": reverse("case", args=[f.case_id]) if f.case_id else "",
                    }
                    for f in visit.failed
                ],
            }
        )
    return points


def round_context(user: User, inspection_round: InspectionRound) -> dict[str, Any]:
    results = round_results(inspection_round)
    visits = [
        {"result": v, "rate": percent(v.rate)} for v in results.visits
    ]  # the table beside the map
    districts = [{"summary": d, "rate": percent(d.rate)} for d in results.districts]
    points = map_points(results)
    failed = sum(len(v.failed) for v in results.visits)
    finished = sum(1 for v in results.visits if v.finished)
    return {
        "round": inspection_round,
        "visits": visits,
        "districts": districts,
        "points": points,
        "failed": failed,
        "finished": finished,
        "scorer": access.can_score(user),
        # Offered once every drawn site is done; the action checks it again under a lock.
        "can_finish": access.can_run_rounds(user)
        and inspection_round.status != RoundStatus.FINISHED
        and finished == len(visits),
        "downloads": [
            ("Excel", reverse("campaigns-round-export", args=[inspection_round.pk, "xlsx"])),
            ("Word", reverse("campaigns-round-export", args=[inspection_round.pk, "docx"])),
        ],
    }


def get_round(round_id: int) -> InspectionRound:
    return get_object_or_404(
        InspectionRound.objects.select_related("template", "assessment", "rectification_plan"),
        pk=round_id,
    )


@login_required
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    user = round_viewer(request)
    inspection_round = get_round(round_id)
    return page(request, user, "web/campaigns/round.html", round_context(user, inspection_round))


# --- scoring on the phone -----------------------------------------------------------------------


def _visit(round_id: int, visit_id: int) -> Visit:
    return get_object_or_404(
        Visit.objects.select_related(
            "round__template", "site__site_type", "site__district", "site__street"
        ),
        pk=visit_id,
        round_id=round_id,
    )


def score_context(
    visit: Visit, *, errors: dict[int, str], values: dict[str, str]
) -> dict[str, Any]:
    items = applicable_items(template=visit.round.template, site_type=visit.site.site_type)
    given = {s.item_id: s for s in ItemScore.objects.filter(visit=visit)}
    rows = [
        {
            "item": item,
            "score": given.get(item.pk),
            "error": errors.get(item.pk, ""),
            "value": values.get(f"score-{item.pk}", ""),
            "note": values.get(f"note-{item.pk}", ""),
        }
        for item in items
    ]
    return {
        "visit": visit,
        "round": visit.round,
        "rows": rows,
        "open": [r for r in rows if r["score"] is None],
        "done": [r for r in rows if r["score"] is not None],
        "errors": errors,
    }


@login_required
def score_page(request: HttpRequest, round_id: int, visit_id: int) -> HttpResponse:
    user = scorer(request)
    visit = _visit(round_id, visit_id)
    return page(
        request, user, "web/campaigns/score.html", score_context(visit, errors={}, values={})
    )


def _coordinate(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class _Refused(Exception):
    def __init__(self, item_id: int, message: str, status: int) -> None:
        super().__init__(message)
        self.item_id, self.message, self.status = item_id, message, status


def _score_one(request: HttpRequest, user: User, visit: Visit, item: TemplateItem) -> bool:
    """Score one item from the posted fields; False when nothing was entered for it."""
    text = request.POST.get(f"score-{item.pk}", "").strip()
    if not text:
        return False
    try:
        score = Decimal(text)
    except InvalidOperation:
        raise _Refused(item.pk, _("得分应为数字"), 400) from None
    upload = request.FILES.get(f"photo-{item.pk}")
    photo = Photo(upload.name or "photo.jpg", upload.read()) if upload else None
    lon = _coordinate(request.POST.get("lon", ""))
    lat = _coordinate(request.POST.get("lat", ""))
    if lon is None or lat is None:
        lon = lat = None
    try:
        score_item(
            actor=user,
            visit=visit,
            item=item,
            score=score,
            note=request.POST.get(f"note-{item.pk}", ""),
            photo=photo,
            lon=lon,
            lat=lat,
        )
    except CampaignError as refused:
        raise _Refused(item.pk, refused.message, error_status(refused)) from None
    return True


@login_required
@require_POST
def score(request: HttpRequest, round_id: int, visit_id: int) -> HttpResponse:
    """Score the item whose button was pressed, or every item given a score ("all"): all or none."""
    user = scorer(request)
    visit = _visit(round_id, visit_id)
    items = applicable_items(template=visit.round.template, site_type=visit.site.site_type)
    asked = request.POST.get("item", "all")
    if asked != "all":
        items = [item for item in items if str(item.pk) == asked]
        if not items:
            raise Http404(_("检查项目不存在或不适用于该点位"))
    try:
        with transaction.atomic():
            scored = sum(1 for item in items if _score_one(request, user, visit, item))
            if not scored:
                raise _Refused(
                    items[0].pk if len(items) == 1 else 0, _("请至少为一个项目填写得分"), 400
                )
    except _Refused as refused:
        context = score_context(
            visit, errors={refused.item_id: refused.message}, values=request.POST.dict()
        )
        context["error"] = refused.message
        return page(request, user, "web/campaigns/score.html", context, status=refused.status)
    messages.success(request, _("已保存%(n)d个项目的得分") % {"n": scored})
    return redirect(reverse("campaigns-score", args=[round_id, visit_id]))


@login_required
@require_POST
def finish(request: HttpRequest, round_id: int, visit_id: int) -> HttpResponse:
    user = scorer(request)
    visit = _visit(round_id, visit_id)
    try:
        finish_visit(actor=user, visit=visit)
    except CampaignError as refused:
        context = score_context(visit, errors={}, values={})
        context["error"] = refused.message
        return page(
            request, user, "web/campaigns/score.html", context, status=error_status(refused)
        )
    messages.success(request, _("点位“%(site)s”检查完成") % {"site": visit.site.name})
    return redirect(reverse("campaigns-round", args=[round_id]))


@login_required
def score_photo(request: HttpRequest, score_id: int) -> FileResponse:
    round_viewer(request)
    row = ItemScore.objects.filter(pk=score_id).first()
    if row is None or not row.photo:
        raise Http404(_("照片不存在"))
    response = FileResponse(row.photo.open("rb"))
    response["Content-Disposition"] = attachment(
        (row.photo.name or "photo").rsplit("/", 1)[-1], f"score-{row.pk}", inline=True
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the civilised-city scoreboard -------------------------------------------------------------


def assessments_context(
    user: User, *, import_form: IndexImportForm | None = None
) -> dict[str, Any]:
    trees = IndexTree.objects.annotate(
        rounds_count=Count("rounds", distinct=True),
        contents_count=Count("nodes", filter=Q(nodes__level=NodeLevel.CONTENT), distinct=True),
    ).order_by("-year", "name")
    importer = access.can_run_rounds(user)
    return {
        "trees": trees,
        "import_form": (import_form or IndexImportForm(initial={"year": timezone.localdate().year}))
        if importer
        else None,
    }


@login_required
def assessments(request: HttpRequest) -> HttpResponse:
    user = assessment_viewer(request)
    return page(request, user, "web/campaigns/assessments.html", assessments_context(user))


def district_param(request: HttpRequest) -> Area | None:
    value = request.GET.get("district", "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404(_("区不存在"))
    return get_object_or_404(Area, pk=int(value), level=AreaLevel.DISTRICT)


def chart_data(board: Scoreboard) -> list[dict[str, Any]]:
    return [
        {
            "name": f"{item.code} {item.title}",
            "rate": float(item.rate * 100) if item.rate is not None else None,
            "lost": float(item.checked_points - item.score),
        }
        for item in board.weakest[:WEAKEST_SHOWN]
    ]


def assessment_context(
    user: User,
    tree: IndexTree,
    district: Area | None,
    *,
    review_form: ReviewForm | None = None,
) -> dict[str, Any]:
    board = scoreboard(tree=tree, district=district)
    items_by_part: dict[int, list[Any]] = {}
    parents = dict(tree.nodes.values_list("pk", "parent_id"))
    for item in board.items:
        items_by_part.setdefault(parents.get(item.node_id) or 0, []).append(item)
    query = f"?district={district.pk}" if district else ""
    reviewer = access.can_run_rounds(user)
    return {
        "tree": tree,
        "board": board,
        "district": district,
        "districts": Area.objects.current().filter(level=AreaLevel.DISTRICT).order_by("code"),
        "parts": [
            {
                "n": part,
                "rate": percent(part.rate),
                "items": [
                    {"n": item, "rate": percent(item.rate)}
                    for item in items_by_part.get(part.node_id, [])
                ],
            }
            for part in board.parts
        ],
        "rate": percent(board.rate),
        "weakest": [{"n": item, "rate": percent(item.rate)} for item in board.weakest],
        "site_types": [{"g": g, "rate": percent(g.rate)} for g in board.by_site_type],
        "district_rows": [{"d": d, "rate": percent(d.rate)} for d in board.by_district],
        "chart": chart_data(board),
        "downloads": [
            ("Excel", reverse("campaigns-assessment-export", args=[tree.pk, "xlsx"]) + query),
            ("Word", reverse("campaigns-assessment-export", args=[tree.pk, "docx"]) + query),
        ],
        "reviews": Review.objects.filter(node__tree=tree)
        .select_related("node", "district", "unit", "reviewed_by")
        .order_by("-reviewed_at", "-pk")[:REVIEWS_SHOWN],
        "review_form": (review_form or ReviewForm(tree=tree)) if reviewer else None,
    }


@login_required
def assessment(request: HttpRequest, tree_id: int) -> HttpResponse:
    user = assessment_viewer(request)
    tree = get_object_or_404(IndexTree, pk=tree_id)
    district = district_param(request)
    return page(
        request, user, "web/campaigns/assessment.html", assessment_context(user, tree, district)
    )
