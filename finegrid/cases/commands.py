"""Every workflow action by name, for the channels where the user picks the action (the API's
endpoints, the case page's forms): one place that knows which arguments each action takes.

Channels turn what the user sent into the domain's objects (a category, a department, a user)
and call `take`; the action function does the rest, exactly as when code calls it directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from finegrid.cases import actions
from finegrid.cases.errors import InvalidInput
from finegrid.cases.models import CaseEvent
from finegrid.cases.photos import Photo
from finegrid.cases.workflow import Action
from finegrid.org.models import User

#: What each action takes beyond the case, its version, the actor, the note and photos.
FIELDS: dict[Action, tuple[str, ...]] = {
    Action.ACCEPT: ("inspector",),
    Action.VERIFY: ("confirmed",),
    Action.FILE: ("category", "filing_rule", "urgency"),
    Action.DISPATCH: ("department",),
    Action.REQUEST_EXTENSION: ("amount", "unit"),
    Action.REQUEST_SUSPENSION: ("resume_on",),
    Action.SEND_CHECK: ("inspector",),
    Action.RATE: ("satisfaction",),
}
#: Of those, the ones the action cannot do without.
REQUIRED = frozenset({"category", "filing_rule", "department", "amount", "unit", "satisfaction"})
#: The actions that carry photos.
WITH_PHOTOS = frozenset({Action.VERIFY, Action.DISPOSE, Action.PASS_CHECK, Action.REWORK})


def take(
    action: Action,
    *,
    case_id: int,
    version: int,
    actor: User,
    note: str = "",
    photos: Sequence[Photo] = (),
    fields: Mapping[str, Any] | None = None,
) -> CaseEvent:
    """Take `action` on the case; `fields` holds what FIELDS names for it (others are ignored)."""
    given = dict(fields or {})
    extra: dict[str, Any] = {name: given.get(name) for name in FIELDS.get(action, ())}
    for name in REQUIRED & set(extra):
        if extra[name] is None or extra[name] == "":
            raise InvalidInput(name, _("缺少必填项"))
    common: dict[str, Any] = {"case_id": case_id, "version": version, "actor": actor, "note": note}
    if action in WITH_PHOTOS:
        common["photos"] = photos
    match action:
        case Action.ACCEPT:
            return actions.accept_case(**common, inspector=extra["inspector"])
        case Action.DECLINE:
            return actions.decline_case(**common)
        case Action.VERIFY:
            return actions.verify_case(**common, confirmed=bool(extra["confirmed"]))
        case Action.FILE:
            return actions.file_case(
                **common,
                category=extra["category"],
                filing_rule=extra["filing_rule"],
                urgency=extra["urgency"] or None,
            )
        case Action.CANCEL:
            return actions.cancel_case(**common)
        case Action.REVIEW_SELF_HANDLED | Action.REJECT_SELF_HANDLED:
            approved = action == Action.REVIEW_SELF_HANDLED
            return actions.review_self_handled(**common, approved=approved)
        case Action.DISPATCH:
            return actions.dispatch_case(**common, department=extra["department"])
        case Action.SIGN_FOR:
            return actions.sign_for_case(**common)
        case Action.DISPOSE:
            return actions.dispose_case(**common)
        case Action.REQUEST_EXTENSION:
            return actions.request_extension(**common, amount=extra["amount"], unit=extra["unit"])
        case Action.APPROVE_EXTENSION:
            return actions.approve_extension(**common)
        case Action.REJECT_EXTENSION:
            return actions.reject_extension(**common)
        case Action.REQUEST_RETURN:
            return actions.request_return(**common)
        case Action.APPROVE_RETURN:
            return actions.approve_return(**common)
        case Action.REJECT_RETURN:
            return actions.reject_return(**common)
        case Action.REQUEST_SUSPENSION:
            return actions.request_suspension(**common, resume_on=extra["resume_on"])
        case Action.APPROVE_SUSPENSION:
            return actions.approve_suspension(**common)
        case Action.REJECT_SUSPENSION:
            return actions.reject_suspension(**common)
        case Action.RESUME:
            return actions.resume_case(**common)
        case Action.SEND_CHECK:
            return actions.send_check(**common, inspector=extra["inspector"])
        case Action.PASS_CHECK | Action.REWORK:
            return actions.check_case(**common, passed=action == Action.PASS_CHECK)
        case Action.CLOSE:
            return actions.close_case(**common)
        case Action.SUPERVISE:
            return actions.supervise_case(**common)
        case Action.APPROVE_OVERDUE_APPEAL:
            return actions.approve_overdue_appeal(**common)
        case Action.REOPEN:
            return actions.reopen_case(**common)
        case Action.RATE:
            return actions.rate_case(**common, satisfaction=extra["satisfaction"])
        case Action.REPORT:
            raise ValueError("a report creates a case: call actions.report_case")
