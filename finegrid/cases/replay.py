"""Rebuilding a case's state from its events alone, and comparing it with the stored row.

Events are the truth: each one names the step, the status it led to, what it set (department,
inspector, filing choices) and the deadlines in force after it. Folding them in order must give
back the row the actions wrote; where it does not, the row was changed outside the actions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from finegrid.cases.models import Case, CaseEvent
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import Urgency


class ReplayError(Exception):
    """The events cannot be replayed: none at all, or one lacks what its step must record."""


@dataclass(frozen=True)
class ReplayedState:
    """The fields of a case that its events determine."""

    status: Status
    department_id: int | None
    inspector_id: int | None
    category_id: int | None
    filing_rule_id: int | None
    urgency: str
    rework_count: int
    extension_count: int
    supervised: bool
    overdue_exempt: bool
    satisfaction: str
    closed_at: dt.datetime | None
    step_started_at: dt.datetime
    step_deadline: dt.datetime | None
    disposal_deadline: dt.datetime | None

    @classmethod
    def of_case(cls, case: Case) -> ReplayedState:
        """The same fields as the row holds them."""
        return cls(
            status=Status(case.status),
            department_id=case.department_id,
            inspector_id=case.inspector_id,
            category_id=case.category_id,
            filing_rule_id=case.filing_rule_id,
            urgency=case.urgency,
            rework_count=case.rework_count,
            extension_count=case.extension_count,
            supervised=case.supervised,
            overdue_exempt=case.overdue_exempt,
            satisfaction=case.satisfaction,
            closed_at=case.closed_at,
            step_started_at=case.step_started_at,
            step_deadline=case.step_deadline,
            disposal_deadline=case.disposal_deadline,
        )


def _moment(event: CaseEvent, key: str) -> dt.datetime | None:
    if key not in event.data:
        raise ReplayError(
            _("事件 #%(id)d（%(action)s）没有记录%(key)s")
            % {"id": event.pk, "action": event.action, "key": key}
        )
    value = event.data[key]
    return dt.datetime.fromisoformat(value) if value else None


def _apply(state: ReplayedState | None, event: CaseEvent) -> ReplayedState:
    data: dict[str, Any] = event.data
    action = Action(event.action)
    to_status = Status(event.to_status)
    deadlines = {
        "step_deadline": _moment(event, "step_deadline"),
        "disposal_deadline": _moment(event, "disposal_deadline"),
    }
    if state is None:
        if action != Action.REPORT:
            raise ReplayError(_("案卷的第一条事件不是上报"))
        return ReplayedState(
            status=to_status,
            department_id=None,
            inspector_id=None,
            category_id=data.get("category"),
            filing_rule_id=None,
            urgency=data.get("urgency") or Urgency.ORDINARY,
            rework_count=0,
            extension_count=0,
            supervised=False,
            overdue_exempt=False,
            satisfaction="",
            closed_at=None,
            step_started_at=event.at,
            **deadlines,
        )
    changes: dict[str, Any] = {"status": to_status, **deadlines}
    # The step's clock restarts whenever the status changes (supervising leaves it running).
    if event.from_status != event.to_status:
        changes["step_started_at"] = event.at
    match action:
        case Action.ACCEPT | Action.SEND_CHECK if "inspector" in data:
            changes["inspector_id"] = data["inspector"]
        case Action.FILE:
            changes |= {
                "category_id": data["category"],
                "filing_rule_id": data["filing_rule"],
                "urgency": data["urgency"],
            }
        case Action.DISPATCH:
            changes["department_id"] = data["department"]
        case Action.APPROVE_RETURN:
            changes["department_id"] = None
        case Action.APPROVE_EXTENSION:
            changes["extension_count"] = state.extension_count + 1
        case Action.REWORK:
            changes["rework_count"] = state.rework_count + 1
        case Action.REOPEN:
            changes |= {
                "rework_count": state.rework_count + 1,
                "closed_at": None,
                "satisfaction": "",
            }
        case Action.RATE:
            changes["satisfaction"] = data["satisfaction"]
        case Action.CLOSE | Action.CANCEL | Action.DECLINE:
            changes["closed_at"] = event.at
        case Action.SUPERVISE:
            changes["supervised"] = True
        case Action.APPROVE_OVERDUE_APPEAL:
            changes["overdue_exempt"] = True
        case _:
            pass
    return dataclasses.replace(state, **changes)


def replay_events(events: Iterable[CaseEvent]) -> ReplayedState:
    """Fold one case's events, in step order, into the state they leave it in."""
    state: ReplayedState | None = None
    for event in events:
        state = _apply(state, event)
    if state is None:
        raise ReplayError(_("案卷没有事件"))
    return state


def replay(case_id: int) -> ReplayedState:
    """The state of case `case_id` rebuilt from its events alone."""
    return replay_events(CaseEvent.objects.filter(case_id=case_id).order_by("seq"))


@dataclass(frozen=True)
class RowMismatch:
    """A field of a case row that differs from what its events say."""

    case_id: int
    case_no: str
    field: str
    row: object
    events: object


def differences(case: Case, state: ReplayedState) -> list[RowMismatch]:
    stored = ReplayedState.of_case(case)
    return [
        RowMismatch(case.pk, case.case_no, f.name, getattr(stored, f.name), getattr(state, f.name))
        for f in dataclasses.fields(ReplayedState)
        if getattr(stored, f.name) != getattr(state, f.name)
    ]


def verify_rows(*, batch_size: int = 500) -> Iterator[RowMismatch]:
    """Every field of every case row that its events do not bear out (or that cannot be replayed)."""
    after = 0
    while True:
        batch = list(Case.objects.filter(pk__gt=after).order_by("pk")[:batch_size])
        if not batch:
            return
        events: dict[int, list[CaseEvent]] = {}
        for event in CaseEvent.objects.filter(case__in=batch).order_by("case_id", "seq"):
            events.setdefault(event.case_id, []).append(event)
        for case in batch:
            try:
                state = replay_events(events.get(case.pk, []))
            except ReplayError as exc:
                yield RowMismatch(case.pk, case.case_no, "events", None, str(exc))
                continue
            yield from differences(case, state)
        after = batch[-1].pk
