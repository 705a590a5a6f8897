"""The rules a scheme must follow, and the default indicators and schemes (data/*.json).

`check_scheme` is the one validator: the admin's forms, the loader of the defaults and the runs
all call it, so a scheme whose weights do not add up to 100 %, or that names an unknown or
inapplicable indicator, is refused wherever it comes from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from finegrid.evaluation import contributed
from finegrid.evaluation.measures import MEASURES_BY_CODE, Measure
from finegrid.evaluation.periods import PeriodKind
from finegrid.evaluation.subjects import SubjectKind, source_of

DATA: Final = Path(__file__).resolve().parent / "data"
BAND_OPERATORS: Final = frozenset({"<", "<=", ">", ">="})
AREA_CLASS_KEYS: Final = frozenset({"default", "class1", "class2"})


class SchemeInvalid(ValidationError):
    """Every problem found in a scheme, each a sentence in the user's language."""

    code = "scheme_invalid"

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(list(problems))
        self.problems = list(problems)


def measures_of(expression: str) -> tuple[Measure, ...]:
    """`satisfied|basic_satisfied` -> the measures a case may count for (any of them)."""
    codes = [code.strip() for code in expression.split("|") if code.strip()]
    unknown = [code for code in codes if code not in MEASURES_BY_CODE]
    if unknown or not codes:
        raise SchemeInvalid([_("未知的度量：%(codes)s") % {"codes": "、".join(unknown) or "—"}])
    return tuple(MEASURES_BY_CODE[code] for code in codes)


def check_indicator(indicator: Any) -> None:
    """An indicator's measures exist and its kind has the parts it needs."""
    problems: list[str] = []
    parts = [indicator.numerator] + ([indicator.denominator] if indicator.denominator else [])
    outside = [part for part in parts if contributed.get(part) is not None]
    if outside:
        # Counts from other apps are one code each and are not mixed with case measures.
        if len(outside) != len(parts):
            raise SchemeInvalid([_("专项工作的度量不能与案卷度量混用于同一指标")])
        if indicator.kind in ("ratio", "complement") and not indicator.denominator:
            raise SchemeInvalid([_("比率指标必须有分母")])
        return
    try:
        measures_of(indicator.numerator)
    except SchemeInvalid as error:
        problems += error.problems
    needs_denominator = indicator.kind in ("ratio", "complement")
    if needs_denominator and not indicator.denominator:
        problems.append(_("比率指标必须有分母"))
    if indicator.denominator:
        try:
            measures_of(indicator.denominator)
        except SchemeInvalid as error:
            problems += error.problems
    if problems:
        raise SchemeInvalid(problems)


@dataclass(frozen=True)
class ItemSpec:
    indicator: str
    weight: Decimal
    method: str
    bands: Mapping[str, Any]
    empty_score: Decimal = Decimal(100)


def applies_to(indicator: Any, kind: SubjectKind) -> bool:
    """Whether every measure of the indicator can be counted for subjects of this kind."""
    expressions = [indicator.numerator] + ([indicator.denominator] if indicator.denominator else [])
    outside = [contributed.get(expression) for expression in expressions]
    if any(outside):
        return all(m is not None and kind in m.kinds for m in outside) and (
            indicator.kind != "per_grid"
        )
    return all(
        source_of(kind, measure) is not None
        for expression in expressions
        for measure in measures_of(expression)
    ) and (indicator.kind != "per_grid" or kind.is_area or kind == SubjectKind.GRID)


def _check_bands(label: str, bands: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(bands, Mapping) or not (set(bands) - {"otherwise"}):
        return [_("“%(item)s”按区间计分，但没有给出区间") % {"item": label}]
    for key, rows in bands.items():
        if key == "otherwise":
            if not isinstance(rows, int | float) or not 0 <= rows <= 100:
                problems.append(_("“%(item)s”的其余得分应为0到100之间的数") % {"item": label})
            continue
        if key not in AREA_CLASS_KEYS:
            problems.append(_("“%(item)s”的区间分组“%(key)s”未知") % {"item": label, "key": key})
            continue
        if not isinstance(rows, list) or not rows:
            problems.append(_("“%(item)s”的区间不能为空") % {"item": label})
            continue
        for row in rows:
            ok = (
                isinstance(row, list)
                and len(row) == 3
                and row[0] in BAND_OPERATORS
                and isinstance(row[1], int | float)
                and isinstance(row[2], int | float)
                and 0 <= row[2] <= 100
            )
            if not ok:
                problems.append(
                    _("“%(item)s”的区间 %(row)s 不对：应为 [比较符, 界限, 0到100的得分]")
                    % {"item": label, "row": json.dumps(row, ensure_ascii=False)}
                )
    return problems


def check_scheme(
    *,
    subject_kinds: Iterable[str],
    period_kinds: Iterable[str],
    grade_bands: Any,
    items: Sequence[ItemSpec],
    indicators: Mapping[str, Any],
) -> None:
    """Raise SchemeInvalid listing every problem; return quietly when the scheme is sound."""
    problems: list[str] = []
    kinds: list[SubjectKind] = []
    for value in subject_kinds:
        try:
            kinds.append(SubjectKind(value))
        except ValueError:
            problems.append(_("未知的考核对象类型：%(kind)s") % {"kind": value})
    if not kinds and not problems:
        problems.append(_("至少选择一种考核对象"))
    for value in period_kinds:
        if value not in set(PeriodKind):
            problems.append(_("未知的考核周期：%(kind)s") % {"kind": value})
    problems += _check_grades(grade_bands)
    total = Decimal(0)
    seen: set[str] = set()
    for item in items:
        indicator = indicators.get(item.indicator)
        if indicator is None:
            problems.append(_("未知的指标：%(code)s") % {"code": item.indicator})
            continue
        if item.indicator in seen:
            problems.append(_("指标“%(name)s”重复") % {"name": indicator.name})
        seen.add(item.indicator)
        if item.weight < 0 or item.weight > 100:
            problems.append(_("“%(name)s”的权重应在0到100之间") % {"name": indicator.name})
        total += item.weight
        for kind in kinds:
            if not applies_to(indicator, kind):
                problems.append(
                    _("指标“%(name)s”不适用于%(kind)s")
                    % {"name": indicator.name, "kind": kind.label}
                )
        if item.method == "bands":
            problems += _check_bands(indicator.name, item.bands)
        elif item.method != "percent":
            problems.append(_("“%(name)s”的计分方式未知") % {"name": indicator.name})
        elif item.weight and indicator.kind not in ("ratio", "complement"):
            problems.append(
                _("“%(name)s”不是比率，不能按比率计分，请改为按区间计分") % {"name": indicator.name}
            )
    if total != Decimal(100):
        problems.append(
            _("各项权重合计为%(total)s%%，应为100%%") % {"total": f"{total.normalize():f}"}
        )
    if problems:
        raise SchemeInvalid(problems)


def _check_grades(grade_bands: Any) -> list[str]:
    message = _(
        '等次划分应为从高到低的 [等次, 最低分] 列表，最后一档最低分为0，如 [["A", 90], …, ["E", 0]]'
    )
    if not isinstance(grade_bands, list) or not grade_bands:
        return [message]
    floors: list[float] = []
    for row in grade_bands:
        if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str) and row[0]):
            return [message]
        if not isinstance(row[1], int | float):
            return [message]
        floors.append(float(row[1]))
    if floors != sorted(floors, reverse=True) or len(set(floors)) != len(floors) or floors[-1] != 0:
        return [message]
    return []


def item_specs(rows: Iterable[Mapping[str, Any]]) -> list[ItemSpec]:
    specs = []
    for row in rows:
        try:
            weight = Decimal(str(row.get("weight", 0)))
            empty = Decimal(str(row.get("empty_score", 100)))
        except InvalidOperation:
            raise SchemeInvalid([_("权重应为数字")]) from None
        specs.append(
            ItemSpec(
                indicator=str(row["indicator"]),
                weight=weight,
                method=str(row.get("method", "percent")),
                bands=row.get("bands") or {},
                empty_score=empty,
            )
        )
    return specs


def default_indicators() -> list[dict[str, Any]]:
    return list(json.loads((DATA / "indicators.json").read_text(encoding="utf-8")))


def default_schemes() -> list[dict[str, Any]]:
    return list(json.loads((DATA / "schemes.json").read_text(encoding="utf-8")))


def install_defaults(
    indicator_model: Any,
    scheme_model: Any,
    item_model: Any,
    *,
    indicators_rows: Sequence[Mapping[str, Any]] | None = None,
    scheme_rows: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """Create the default indicators and schemes that are missing (the models may be historical).

    Other apps pass their own rows (in the same format as data/*.json) to install theirs.
    """
    for row in default_indicators() if indicators_rows is None else indicators_rows:
        indicator_model.objects.get_or_create(code=row["code"], defaults=row)
    indicators = {i.code: i for i in indicator_model.objects.all()}
    for row in default_schemes() if scheme_rows is None else scheme_rows:
        if scheme_model.objects.filter(code=row["code"]).exists():
            continue
        items = item_specs(row["items"])
        check_scheme(
            subject_kinds=row["subject_kinds"],
            period_kinds=row["period_kinds"],
            grade_bands=row["grade_bands"],
            items=items,
            indicators=indicators,
        )
        scheme = scheme_model.objects.create(
            code=row["code"],
            name=row["name"],
            description=row.get("description", ""),
            subject_kinds=row["subject_kinds"],
            period_kinds=row["period_kinds"],
            grade_bands=row["grade_bands"],
        )
        for order, item in enumerate(items):
            item_model.objects.create(
                scheme=scheme,
                indicator=indicators[item.indicator],
                weight=item.weight,
                method=item.method,
                bands=dict(item.bands),
                empty_score=item.empty_score,
                order=order,
            )
