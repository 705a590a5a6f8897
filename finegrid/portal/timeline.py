"""What the public may read of a case: its status and steps in plain words, and which photos.

The staff timeline names people, roles and internal notes; this one names none of them. A step is
shown with its time and, for the disposal alone, the department's note and photos, because that is
what the citizen is asked to judge. Internal back-and-forth (requests for an extension, a return or
a suspension that were refused, supervision, appeals, sending an inspector) is left out: it says
nothing about the problem and much about people. Adding a new `Action` hides it until it is named
in `_STEP_TITLES`, so nothing new becomes public by accident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from finegrid.cases.models import AttachmentKind, Case, CaseAttachment, CaseEvent, Satisfaction
from finegrid.cases.workflow import Action, Status
from finegrid.org.models import Unit

#: The kinds of photo a citizen may see: the problem, and the result.
PUBLIC_PHOTO_KINDS: Final = frozenset({AttachmentKind.BEFORE, AttachmentKind.AFTER})

Stage = Literal["new", "open", "done", "ended"]

#: Each status in the citizen's words, with its stage (the colour on the public map).
PUBLIC_STATUS: Final[Mapping[Status, tuple[Promise, Stage]]] = {
    Status.REPORTED: (pgettext_lazy("public status", "已提交，等待受理"), "new"),
    Status.DECLINED: (pgettext_lazy("public status", "不予受理"), "ended"),
    Status.VERIFYING: (pgettext_lazy("public status", "已受理，正在核实"), "open"),
    Status.PENDING_FILING: (pgettext_lazy("public status", "已核实，等待立案"), "open"),
    Status.SELF_HANDLED: (pgettext_lazy("public status", "已现场处理"), "done"),
    Status.FILED: (pgettext_lazy("public status", "已立案，等待派遣"), "open"),
    Status.DISPATCHED: (pgettext_lazy("public status", "已派遣，等待处置单位接单"), "open"),
    Status.DISPOSING: (pgettext_lazy("public status", "正在处置"), "open"),
    Status.EXTENSION_REQUESTED: (pgettext_lazy("public status", "正在处置"), "open"),
    Status.RETURN_REQUESTED: (pgettext_lazy("public status", "正在处置"), "open"),
    Status.SUSPENSION_REQUESTED: (pgettext_lazy("public status", "正在处置"), "open"),
    Status.SUSPENDED: (pgettext_lazy("public status", "暂缓处置"), "open"),
    Status.DISPOSED: (pgettext_lazy("public status", "已处置，等待核查"), "open"),
    Status.CHECKING: (pgettext_lazy("public status", "已处置，等待核查"), "open"),
    Status.PENDING_CLOSE: (pgettext_lazy("public status", "核查通过，等待结案"), "open"),
    Status.CLOSED: (pgettext_lazy("public status", "已办结"), "done"),
    Status.CANCELLED: (pgettext_lazy("public status", "已撤销"), "ended"),
}

#: The public title of each step that is shown; an action absent here is not shown at all.
_STEP_TITLES: Final[Mapping[Action, Promise]] = {
    Action.REPORT: pgettext_lazy("public step", "问题已上报"),
    Action.ACCEPT: pgettext_lazy("public step", "受理"),
    Action.DECLINE: pgettext_lazy("public step", "不予受理"),
    Action.VERIFY: pgettext_lazy("public step", "现场核实"),
    Action.FILE: pgettext_lazy("public step", "立案"),
    Action.CANCEL: pgettext_lazy("public step", "案卷撤销"),
    Action.REVIEW_SELF_HANDLED: pgettext_lazy("public step", "现场处理通过审核"),
    Action.REJECT_SELF_HANDLED: pgettext_lazy("public step", "转为立案处理"),
    Action.DISPATCH: pgettext_lazy("public step", "派遣"),
    Action.SIGN_FOR: pgettext_lazy("public step", "处置单位接单"),
    Action.DISPOSE: pgettext_lazy("public step", "处置完成"),
    Action.APPROVE_EXTENSION: pgettext_lazy("public step", "处置期限延长"),
    Action.APPROVE_SUSPENSION: pgettext_lazy("public step", "暂缓处置"),
    Action.RESUME: pgettext_lazy("public step", "恢复处置"),
    Action.PASS_CHECK: pgettext_lazy("public step", "核查通过"),
    Action.REWORK: pgettext_lazy("public step", "核查未通过，重新处置"),
    Action.CLOSE: pgettext_lazy("public step", "结案"),
    Action.REOPEN: pgettext_lazy("public step", "反映未解决，重新处置"),
    Action.RATE: pgettext_lazy("public step", "评价"),
}
#: The only steps whose note is public: the department's account of what it did.
_NOTE_SHOWN: Final = frozenset({Action.DISPOSE})


@dataclass(frozen=True)
class PublicStep:
    at: dt.datetime
    title: str
    note: str = ""
    photos: tuple[CaseAttachment, ...] = field(default=())


def public_status(status: str) -> str:
    return str(PUBLIC_STATUS[Status(status)][0])


def public_stage(status: str) -> Stage:
    return PUBLIC_STATUS[Status(status)][1]


def public_timeline(case: Case) -> list[PublicStep]:
    """The case's steps as the citizen sees them, oldest first."""
    events = list(case.events.order_by("seq"))
    photos = _photos_by_event(CaseAttachment.objects.filter(case=case, kind__in=PUBLIC_PHOTO_KINDS))
    departments = _department_names(events)
    steps = []
    for event in events:
        title = _STEP_TITLES.get(Action(event.action))
        if title is None:
            continue
        steps.append(
            PublicStep(
                at=event.at,
                title=_title(event, str(title), departments),
                note=event.note if event.action in _NOTE_SHOWN else "",
                photos=tuple(photos.get(event.pk, ())),
            )
        )
    return steps


def _title(event: CaseEvent, title: str, departments: Mapping[int, str]) -> str:
    if event.action == Action.DISPATCH:
        name = departments.get(event.data.get("department", 0))
        if name:
            return _("派遣至%(department)s") % {"department": name}
    if event.action == Action.RATE:
        value = event.data.get("satisfaction", "")
        if value in Satisfaction.values:
            return _("评价：%(satisfaction)s") % {"satisfaction": Satisfaction(value).label}
    return title


def _department_names(events: Iterable[CaseEvent]) -> dict[int, str]:
    ids = {e.data.get("department") for e in events if e.action == Action.DISPATCH}
    return dict(Unit.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def _photos_by_event(
    attachments: Iterable[CaseAttachment],
) -> dict[int | None, list[CaseAttachment]]:
    grouped: dict[int | None, list[CaseAttachment]] = {}
    for attachment in sorted(attachments, key=lambda a: a.pk):
        grouped.setdefault(attachment.event_id, []).append(attachment)
    return grouped
