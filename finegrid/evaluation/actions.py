"""The writes of evaluation: run schemes over a period, publish a run, enter a bonus or penalty.

A run copies its scheme, its adjustments and the snapshot's inputs, so nothing edited later can
change a published figure; a correction is a new run that names the run it corrects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.cases.actions import RECEIVING_UNITS
from finegrid.evaluation import contributed
from finegrid.evaluation.facts import Tallies, take_snapshot
from finegrid.evaluation.models import (
    Adjustment,
    Indicator,
    Result,
    Run,
    RunStatus,
    Scheme,
    Snapshot,
)
from finegrid.evaluation.periods import Period
from finegrid.evaluation.scoring import (
    IndicatorSpec,
    Tally,
    composite,
    grade_of,
    item_score,
    ranks,
    value_of,
)
from finegrid.evaluation.specs import check_scheme, item_specs, measures_of
from finegrid.evaluation.subjects import AREA_KINDS, PERSON_ROLES, SubjectKind, source_of
from finegrid.geo.models import Area, Grid
from finegrid.org.models import Unit, User
from finegrid.org.roles import GROUP_NAMES


class EvaluationError(Exception):
    code = "evaluation_error"


class RunNotAllowed(EvaluationError):
    code = "run_not_allowed"


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    id: int
    code: str
    name: str
    parent: str = ""
    area_class: str = ""
    grids: tuple[int, ...] = ()  # an inspector's grids
    grid_count: int = 1  # unit grids in an area


def scheme_spec(scheme: Scheme) -> dict[str, Any]:
    """The scheme as data, checked: what a run copies and scores with."""
    items = [
        {
            "indicator": item.indicator.code,
            "weight": str(item.weight),
            "method": item.method,
            "bands": item.bands,
            "empty_score": str(item.empty_score),
        }
        for item in scheme.items.select_related("indicator").order_by("order", "pk")
    ]
    indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
    check_scheme(
        subject_kinds=scheme.subject_kinds,
        period_kinds=scheme.period_kinds,
        grade_bands=scheme.grade_bands,
        items=item_specs(items),
        indicators=indicators,
    )
    used = {item["indicator"] for item in items}
    return {
        "code": scheme.code,
        "name": scheme.name,
        "version": scheme.version,
        "subject_kinds": list(scheme.subject_kinds),
        "grade_bands": scheme.grade_bands,
        "items": items,
        "indicators": {
            code: {
                "name": indicator.name,
                "name_en": indicator.name_en,
                "kind": indicator.kind,
                "numerator": indicator.numerator,
                "denominator": indicator.denominator,
                "unit": indicator.unit,
                "direction": indicator.direction,
            }
            for code, indicator in indicators.items()
            if code in used
        },
    }


def _area_class_of(area: Area | None, classes: dict[int, tuple[str, int | None]]) -> str:
    """An area's class, inherited from the nearest ancestor that sets one (default class 2)."""
    while area is not None:
        own, parent = classes.get(area.pk, ("", None))
        if own:
            return own
        area = Area(pk=parent) if parent else None
    return "class2"


def load_subjects(kinds: Iterable[SubjectKind], day: dt.date) -> list[Subject]:
    """Every subject of these kinds as it stands on `day` (areas and grids valid that day)."""
    kinds = set(kinds)
    subjects: list[Subject] = []
    areas = {
        area.pk: area
        for area in Area.objects.valid_on(day).only(
            "pk", "code", "name", "level", "parent_id", "area_class"
        )
    }
    classes = {pk: (area.area_class, area.parent_id) for pk, area in areas.items()}
    grid_rows = list(Grid.objects.valid_on(day).values_list("pk", "code", "community_id"))
    per_area: dict[int, int] = defaultdict(int)
    for _pk, _code, community in grid_rows:
        area_id: int | None = community
        while area_id is not None and area_id in areas:
            per_area[area_id] += 1
            area_id = areas[area_id].parent_id
    for kind, level in AREA_KINDS.items():
        if kind not in kinds:
            continue
        for area in areas.values():
            if area.level != level:
                continue
            parent = areas.get(area.parent_id) if area.parent_id else None
            subjects.append(
                Subject(
                    kind,
                    area.pk,
                    area.code,
                    area.name,
                    parent.name if parent else "",
                    _area_class_of(area, classes),
                    grid_count=per_area.get(area.pk, 0),
                )
            )
    if SubjectKind.GRID in kinds:
        for pk, code, community in grid_rows:
            home = areas.get(community)
            subjects.append(
                Subject(
                    SubjectKind.GRID,
                    pk,
                    code,
                    code,
                    home.name if home else "",
                    _area_class_of(home, classes),
                )
            )
    if SubjectKind.DEPARTMENT in kinds:
        for unit in Unit.objects.filter(kind__in=RECEIVING_UNITS, is_active=True).select_related(
            "area"
        ):
            subjects.append(
                Subject(SubjectKind.DEPARTMENT, unit.pk, str(unit.pk), unit.name, unit.area.name)
            )
    for kind, role in PERSON_ROLES.items():
        if kind not in kinds:
            continue
        people = User.objects.filter(groups__name=GROUP_NAMES[role], is_active=True).select_related(
            "unit"
        )
        grids: dict[int, list[int]] = defaultdict(list)
        if kind == SubjectKind.INSPECTOR:
            for user_id, grid_id in Grid.inspectors.through.objects.values_list(
                "user_id", "grid_id"
            ):
                grids[user_id].append(grid_id)
        for person in people.distinct():
            subjects.append(
                Subject(
                    kind,
                    person.pk,
                    person.username,
                    str(person),
                    person.unit.name if person.unit else "",
                    grids=tuple(sorted(grids.get(person.pk, ()))),
                )
            )
    return subjects


def _tally(
    subject: Subject,
    expressions: Iterable[str],
    tallies: Tallies,
    outside: Mapping[str, Mapping[tuple[str, int], tuple[int, float]]],
) -> Tally:
    counts: dict[str, int] = {}
    hours: dict[str, float] = {}
    for expression in expressions:
        if expression in outside:
            counts[expression], hours[expression] = outside[expression].get(
                (subject.kind.value, subject.id), (0, 0.0)
            )
            continue
        measures = measures_of(expression)
        mask = 0
        for measure in measures:
            mask |= measure.bit
        source = source_of(subject.kind, measures[0])
        if source is None:
            continue
        ids = list(subject.grids) if source.via_grids else [subject.id]
        counts[expression] = tallies.count(source.column, ids, mask)
        hours[expression] = tallies.hours_of(source.column, ids, measures[0])
    return Tally(counts, hours, subject.grid_count)


def _adjustments(scheme: Scheme, period: Period) -> list[dict[str, Any]]:
    return [
        {
            "kind": row.subject_kind,
            "id": row.subject_id,
            "points": str(row.points),
            "reason": row.reason,
        }
        for row in Adjustment.objects.filter(scheme=scheme, period=period.code).order_by("pk")
    ]


def _previous_ranks(scheme: Scheme, period: Period) -> dict[tuple[str, int], int]:
    previous = (
        Run.objects.filter(scheme=scheme, period=period.previous().code)
        .order_by("-status", "-computed_at", "-pk")  # published before draft, newest first
        .first()
    )
    if previous is None:
        return {}
    return {
        (kind, subject): rank
        for kind, subject, rank in previous.results.values_list(
            "subject_kind", "subject_id", "rank"
        )
    }


def score_run(
    run: Run,
    spec: dict[str, Any],
    subjects: Sequence[Subject],
    tallies: Tallies,
    outside: Mapping[str, Mapping[tuple[str, int], tuple[int, float]]] | None = None,
) -> list[Result]:
    """Every subject's values, item scores, composite, grade and rank under the frozen spec.

    `outside`: the counts other apps contributed (finegrid.evaluation.contributed), as stored.
    """
    outside = outside or {}
    indicators = {
        code: IndicatorSpec(code=code, **{k: v for k, v in row.items() if k != "name_en"})
        for code, row in spec["indicators"].items()
    }
    expressions = sorted(
        {i.numerator for i in indicators.values()}
        | {i.denominator for i in indicators.values() if i.denominator}
    )
    weights = {
        item["indicator"]: float(item["weight"]) for item in spec["items"] if float(item["weight"])
    }
    points: dict[tuple[str, int], float] = defaultdict(float)
    for row in run.adjustments:
        points[(row["kind"], int(row["id"]))] += float(row["points"])
    previous = _previous_ranks(run.scheme, run.period_obj)
    results: list[Result] = []
    for kind in spec["subject_kinds"]:
        group = [subject for subject in subjects if subject.kind == kind]
        rows: list[Result] = []
        for subject in group:
            tally = _tally(subject, expressions, tallies, outside)
            # Rounded: sums of hours differ in the last bits with the order facts were added in
            # (one process or several), and a figure must not.
            values = {
                code: None if (value := value_of(ind, tally)) is None else round(value, 9)
                for code, ind in indicators.items()
            }
            scores = {
                item["indicator"]: item_score(
                    indicators[item["indicator"]],
                    values[item["indicator"]],
                    method=item["method"],
                    bands=item["bands"],
                    empty_score=float(item["empty_score"]),
                    area_class=subject.area_class,
                )
                for item in spec["items"]
                if float(item["weight"])
            }
            adjustment = points.get((kind, subject.id), 0.0)
            score = round(composite(scores, weights) + adjustment, 2)
            rows.append(
                Result(
                    run=run,
                    subject_kind=kind,
                    subject_id=subject.id,
                    code=subject.code,
                    name=subject.name[:120],
                    parent=subject.parent[:120],
                    area_class=subject.area_class,
                    score=score,
                    grade=grade_of(score, spec["grade_bands"]),
                    rank=0,
                    values=values,
                    item_scores=scores,
                    counts=tally.counts,
                    adjustment=adjustment,
                )
            )
        # A subject with nothing to count this period is listed but not ranked (rank 0).
        ranked = [row for row in rows if any(row.counts.values())]
        for row, rank in zip(ranked, ranks([row.score for row in ranked]), strict=True):
            row.rank = rank
            before = previous.get((kind, row.subject_id))
            row.rank_change = before - rank if before is not None and before else None
        for row in rows:
            if not row.rank:
                row.grade = ""
        results += rows
    return results


def _inputs(subjects: Sequence[Subject]) -> dict[str, Any]:
    return {
        "inspector_grids": {
            str(s.id): list(s.grids) for s in subjects if s.kind == SubjectKind.INSPECTOR
        },
        "area_classes": {f"{s.kind}:{s.id}": s.area_class for s in subjects if s.area_class},
        "grid_counts": {str(s.id): s.grid_count for s in subjects if s.kind.is_area},
    }


def evaluate(
    *,
    schemes: Sequence[Scheme],
    period: Period,
    actor: User | None,
    corrects: Run | None = None,
    note: str = "",
    now: dt.datetime | None = None,
    workers: int | None = None,
) -> list[Run]:
    """Compute one run per scheme for the period from one fresh snapshot; drafts until published."""
    if not schemes:
        raise RunNotAllowed(_("没有选择考核办法"))
    now = now or timezone.now()
    specs = [scheme_spec(scheme) for scheme in schemes]  # refuses a broken scheme first
    if corrects is not None:
        if len(schemes) != 1 or corrects.scheme_id != schemes[0].pk:
            raise RunNotAllowed(_("更正批次必须使用原批次的考核办法"))
        if corrects.period != period.code:
            raise RunNotAllowed(_("更正批次必须是同一考核周期"))
        if not corrects.is_published:
            raise RunNotAllowed(_("未发布的批次无需更正，直接重新计算即可"))
    if corrects is None:
        published = Run.objects.filter(
            scheme__in=schemes, period=period.code, status=RunStatus.PUBLISHED
        ).first()
        if published is not None:
            raise RunNotAllowed(
                _("%(scheme)s %(period)s已有发布的批次#%(id)s，只能更正")
                % {"scheme": published.scheme.name, "period": period.code, "id": published.pk}
            )
    kinds = {SubjectKind(kind) for spec in specs for kind in spec["subject_kinds"]}
    subjects = load_subjects(kinds, period.last_day)
    snapshot, tallies = take_snapshot(period, now=now, workers=workers)
    wanted = [
        part
        for spec in specs
        for row in spec["indicators"].values()
        for part in (row["numerator"], row["denominator"])
        if part
    ]
    stored = contributed.collect(wanted, period, now)
    outside = contributed.read(stored)
    runs: list[Run] = []
    with transaction.atomic():
        snapshot.inputs = {**snapshot.inputs, **_inputs(subjects), "contributed": stored}
        snapshot.save(update_fields=["inputs"])
        for scheme, spec in zip(schemes, specs, strict=True):
            run = Run.objects.create(
                scheme=scheme,
                scheme_version=scheme.version,
                scheme_spec=spec,
                snapshot=snapshot,
                period_kind=period.kind.value,
                period=period.code,
                computed_at=now,
                computed_by=actor,
                corrects=corrects,
                note=note,
                adjustments=_adjustments(scheme, period),
            )
            Result.objects.bulk_create(
                score_run(run, spec, subjects, tallies, outside), batch_size=2000
            )
            runs.append(run)
    return runs


def digest(run: Run) -> str:
    """A fingerprint of a run's figures: equal for runs that computed the same numbers."""
    rows = run.results.order_by("subject_kind", "subject_id").values_list(
        "subject_kind", "subject_id", "score", "grade", "rank", "counts", "values"
    )
    hasher = hashlib.sha256()
    for kind, subject, score, grade, rank, counts, values in rows.iterator(chunk_size=5000):
        line = json.dumps([kind, subject, score, grade, rank, counts, values], sort_keys=True)
        hasher.update(line.encode())
    return hasher.hexdigest()


def publish_run(*, run: Run, actor: User | None, now: dt.datetime | None = None) -> Run:
    """Freeze a run: from now on it is what the rankings and bulletins show for its period."""
    now = now or timezone.now()
    if not run.period_obj.is_closed(now):
        raise RunNotAllowed(_("考核周期%(period)s尚未结束，不能发布") % {"period": run.period})
    with transaction.atomic():
        rows = Run.objects.filter(pk=run.pk, status=RunStatus.DRAFT).update(
            status=RunStatus.PUBLISHED, published_at=now, published_by=actor
        )
        if rows != 1:
            raise RunNotAllowed(_("批次#%(id)s已发布，不能重复发布") % {"id": run.pk})
    run.refresh_from_db()
    return run


def discard_run(*, run: Run, actor: User | None) -> None:
    """A draft may be thrown away (with its snapshot when no other run uses it); published ones never."""
    with transaction.atomic():
        locked = Run.objects.select_for_update().get(pk=run.pk)
        if locked.is_published:
            raise RunNotAllowed(_("已发布的批次不能删除，只能更正"))
        snapshot_id = locked.snapshot_id
        locked.delete()
        if not Run.objects.filter(snapshot_id=snapshot_id).exists():
            Snapshot.objects.filter(pk=snapshot_id).delete()


def add_adjustment(
    *,
    scheme: Scheme,
    period: Period,
    subject_kind: SubjectKind,
    subject_id: int,
    points: Decimal,
    reason: str,
    actor: User,
) -> Adjustment:
    """A bonus or penalty with its reason; it counts in runs computed after it is entered."""
    if subject_kind.value not in scheme.subject_kinds:
        raise RunNotAllowed(
            _("“%(scheme)s”不考核%(kind)s") % {"scheme": scheme.name, "kind": subject_kind.label}
        )
    if not reason.strip():
        raise RunNotAllowed(_("加减分必须写明事由"))
    if not Decimal(-100) <= points <= Decimal(100) or points == 0:
        raise RunNotAllowed(_("加减分应在−100到100之间，且不为0"))
    known = {s.id for s in load_subjects([subject_kind], period.last_day)}
    if subject_id not in known:
        raise RunNotAllowed(_("考核对象不存在"))
    return Adjustment.objects.create(
        scheme=scheme,
        period=period.code,
        subject_kind=subject_kind.value,
        subject_id=subject_id,
        points=points,
        reason=reason.strip(),
        entered_by=actor,
    )


def bump_version(scheme: Scheme) -> None:
    """Called when a scheme or its items change: runs record which version they used."""
    Scheme.objects.filter(pk=scheme.pk).update(version=F("version") + 1)
    scheme.refresh_from_db(fields=["version"])
