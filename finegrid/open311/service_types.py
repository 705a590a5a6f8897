"""The catalogue as Open311 services: service codes, the service list, and service definitions
with the attributes a client may send (and how their answers are read).

A category's five-digit code is unique only together with its kind (01001 is both the part
供水井盖 and the matter 供水井盖异常), so a service code carries both: ``part-01001``,
``matter-01001``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from finegrid.api.errors import ApiError
from finegrid.catalogue.models import (
    COMPONENT_CODE_LENGTH,
    Category,
    FilingRule,
    Kind,
    Urgency,
    format_limit,
)

SERVICE_CODE: Final = re.compile(r"^(part|matter)-(\d{5})$")
#: Every service is answered as it comes in (the spec's other types are batch and blackbox).
SERVICE_TYPE: Final = "realtime"


def service_code(category: Category) -> str:
    return f"{category.kind}-{category.code}"


def parse_service_code(code: str) -> tuple[Kind, str] | None:
    """(kind, five-digit code) of a well-formed service code, else None."""
    match = SERVICE_CODE.match(code)
    if match is None:
        return None
    return Kind(match.group(1)), match.group(2)


def catalogue() -> QuerySet[Category]:
    """The active categories with what a service entry shows, in catalogue order."""
    return (
        Category.objects.filter(is_active=True)
        .select_related("major")
        .prefetch_related(
            "action_tags",
            Prefetch("filing_rules", queryset=FilingRule.objects.filter(is_active=True)),
        )
        .order_by("kind", "code")
    )


def find_service(code: str, *, active_only: bool = True) -> Category | None:
    """The category a service code names; None when the code is malformed or names none."""
    parsed = parse_service_code(code)
    if parsed is None:
        return None
    kind, minor = parsed
    found = catalogue() if active_only else Category.objects.select_related("major")
    return found.filter(kind=kind, code=minor).first()


def limits_notice(rules: Iterable[FilingRule]) -> str | None:
    """ "处置时限：…" from the category's filing rules (their default limits, in rule order)."""
    limits: list[str] = []
    for rule in rules:
        text = format_limit(rule.limit_amount, rule.limit_unit)
        if text not in limits:
            limits.append(text)
    if not limits:
        return None
    return _("立案后按立案条件处置，处置时限：%(limits)s。") % {"limits": "、".join(limits)}


def service_entry(category: Category) -> dict[str, Any]:
    """One entry of services.{format}, in the order of the spec's example."""
    rules = list(category.filing_rules.all())
    conditions = "；".join(rule.condition for rule in rules if rule.condition)
    tags = list(category.action_tags.all())
    return {
        "service_code": service_code(category),
        "service_name": category.name,
        "description": category.notes or conditions or category.name,
        "metadata": bool(attributes_of(category)),
        "type": SERVICE_TYPE,
        "keywords": ", ".join([*(t.char for t in tags), *(t.code for t in tags)]),
        "group": category.major.name,
    }


# --- attributes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    """One attribute of a service definition, in the spec's field order."""

    code: str
    datatype: str
    required: bool
    description: str
    datatype_description: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)

    def definition(self, order: int) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": order,
            "description": self.description,
        }
        if self.values:
            entry["values"] = [{"key": k, "name": v} for k, v in self.values.items()]
        return entry


COMPONENT_CODE: Final = "component_code"
URGENCY: Final = "urgency"


def attributes_of(category: Category) -> list[Attribute]:
    """What a client may add to a request for this category: for a part, which asset it is (the
    17-digit 部件标识码 painted on it); for every category, how urgent the reporter thinks it is
    (a hint: the shift leader sets the urgency that counts when filing the case)."""
    attributes: list[Attribute] = []
    if category.kind == Kind.PART:
        attributes.append(
            Attribute(
                code=COMPONENT_CODE,
                datatype="string",
                required=False,
                description=_("部件标识码（部件上喷印的17位编号，不清楚可不填）"),
                datatype_description=_("17位数字：6位区划代码、2位大类、3位小类、6位序号"),
            )
        )
    attributes.append(
        Attribute(
            code=URGENCY,
            datatype="singlevaluelist",
            required=False,
            description=_("紧急程度（不填为一般；值班长立案时确定）"),
            values={u.value: str(u.label) for u in Urgency},
        )
    )
    return attributes


def service_definition(category: Category) -> dict[str, Any]:
    return {
        "service_code": service_code(category),
        "attributes": [a.definition(n) for n, a in enumerate(attributes_of(category), start=1)],
    }


@dataclass(frozen=True)
class Answers:
    """The attributes of a posted request, read and checked against the service's definition."""

    component_code: str = ""
    urgency: Urgency = Urgency.ORDINARY


def read_answers(category: Category, given: Mapping[str, str]) -> Answers:
    """Check `attribute[code]` values; codes the service does not define are ignored, as the spec
    lets clients send what another city's definition asked for."""
    known = {a.code for a in attributes_of(category)}
    component = given.get(COMPONENT_CODE, "").strip() if COMPONENT_CODE in known else ""
    if component:
        if len(component) != COMPONENT_CODE_LENGTH or not (
            component.isascii() and component.isdigit()
        ):
            raise _invalid_attribute(COMPONENT_CODE, _("部件标识码应为17位数字"))
        if component[6:11] != category.code:
            raise _invalid_attribute(
                COMPONENT_CODE,
                _("部件标识码第7-11位应为所选服务的小类代码%(code)s") % {"code": category.code},
            )
    urgency = Urgency.ORDINARY
    chosen = given.get(URGENCY, "").strip()
    if chosen:
        if chosen not in Urgency.values:
            raise _invalid_attribute(
                URGENCY,
                _("紧急程度应为%(keys)s之一") % {"keys": "、".join(Urgency.values)},
            )
        urgency = Urgency(chosen)
    return Answers(component_code=component, urgency=urgency)


def _invalid_attribute(code: str, message: str) -> ApiError:
    return ApiError(400, "invalid", message, f"attribute[{code}]")
