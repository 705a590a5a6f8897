"""The periodic sweep of running clocks: reminders at 80 % of a step's limit, escalation past its
deadline, and a word to the dispatchers when a suspended case's resume date has come.

Lights are computed as `timers.traffic_light` computes them (never stored). Each message's origin is
(case, step start, level), so a second sweep of the same step queues nothing; a new step (or an
extension, which starts the disposal clock again) earns its own reminder. The sweep never changes
a case: resuming a suspended case stays the dispatcher's action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Final

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finegrid.cases import timers
from finegrid.cases.models import Case
from finegrid.cases.workflow import OPEN, STEP_OF_STATUS, Status
from finegrid.notifications.models import MessageKind
from finegrid.notifications.outbox import Notice, origin_done, queue, render
from finegrid.notifications.rules import Audience, Resolver
from finegrid.worktime.calendar import TimeUnit, WorkCalendar
from finegrid.worktime.calendar import traffic_light as pure_traffic_light
from finegrid.worktime.selectors import get_calendar

A = Audience
#: Who answers for each step's clock: the reminder goes to them.
STEP_OWNERS: Final[Mapping[str, Audience]] = {
    "accept": A.SUPERVISION_CENTRE,
    "verify": A.INSPECTOR,
    "file": A.SUPERVISION_CENTRE,
    "review": A.SUPERVISION_CENTRE,
    "dispatch": A.COMMAND_CENTRE,
    "dispose": A.DEPARTMENT,
    "send_check": A.SUPERVISION_CENTRE,
    "check": A.INSPECTOR,
    "close": A.SUPERVISION_CENTRE,
}
#: Past the deadline the owner hears again, and these are told as well.
ESCALATE_TO: Final[Mapping[str, tuple[Audience, ...]]] = {
    "dispose": (A.COMMAND_CENTRE, A.SUPERVISION_CENTRE),
    "dispatch": (A.SUPERVISION_CENTRE,),
}
ESCALATE_BY_DEFAULT: Final = (A.SUPERVISION_CENTRE,)

STEP_LABELS: Final = {
    "accept": _("受理"),
    "verify": _("核实"),
    "file": _("立案"),
    "review": _("自处理审核"),
    "dispatch": _("派遣"),
    "dispose": _("处置"),
    "send_check": _("派发核查"),
    "check": _("核查"),
    "close": _("结案"),
}
REMINDER = (
    _("案卷%(case_no)s即将超时"),
    _("案卷%(case_no)s的“%(step)s”环节已用去八成以上时限，请于%(deadline)s前办理。"),
)
ESCALATION = (
    _("案卷%(case_no)s已超时"),
    _("案卷%(case_no)s的“%(step)s”环节已超过时限（%(deadline)s），请督促办理。"),
)
RESUME_DUE = (
    _("挂账案卷%(case_no)s已到恢复日期"),
    _("案卷%(case_no)s挂账至%(date)s，已到恢复处置的日期，请派遣员恢复处置。"),
)

#: Statuses whose step clock runs (a suspended case's stands still).
TIMED: Final = frozenset(s for s in OPEN if STEP_OF_STATUS[s] is not None)


@dataclass
class SweepReport:
    checked: int = 0
    reminders: int = 0  # messages queued, not cases
    escalations: int = 0
    resume_reminders: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def light_of(
    case: Case, now: dt.datetime, *, calendar: WorkCalendar | None = None
) -> timers.Light | None:
    """The case's light at `now`, as `timers.traffic_light` computes it.

    Given a calendar, the pure function is called with it directly: the sweep reads the calendar
    once instead of once per case (the per-case read was 87 % of a sweep's time).
    """
    if case.step_deadline is None:
        return None
    if case.step_deadline <= case.step_started_at:
        # A step that began already overdue (e.g. resumed with no time left) has no share to use.
        return "red" if now > case.step_deadline else "green"
    if calendar is None:
        return timers.traffic_light(case, now)
    unit = TimeUnit(case.step_unit) if case.step_unit else TimeUnit.WORKING_HOURS
    return pure_traffic_light(
        case.step_started_at, case.step_deadline, now, calendar=calendar, unit=unit
    )


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def sweep(*, now: dt.datetime | None = None, chunk: int = 500) -> SweepReport:
    """Queue the reminders and escalations due at `now`; running it again queues nothing new."""
    now = now or timezone.now()
    report = SweepReport()
    resolver = Resolver()
    calendar = get_calendar()
    running = (
        Case.objects.filter(status__in=TIMED, step_deadline__isnull=False)
        .select_related("citizen")
        .order_by("pk")
    )
    pending: list[tuple[Case, str, str]] = []
    for case in running.iterator(chunk_size=chunk):
        report.checked += 1
        light = light_of(case, now, calendar=calendar)
        if light not in ("yellow", "red"):
            continue
        level = "reminder" if light == "yellow" else "escalation"
        origin = f"sweep:{case.pk}:{case.step_started_at.timestamp():.0f}:{level}"
        pending.append((case, level, origin))
        if len(pending) >= chunk:
            _queue_lights(pending, resolver, report)
            pending = []
    _queue_lights(pending, resolver, report)
    _queue_resume_reminders(now, resolver, report)
    return report


def _queue_lights(
    pending: list[tuple[Case, str, str]], resolver: Resolver, report: SweepReport
) -> None:
    done = origin_done(origin for _c, _l, origin in pending)
    for case, level, origin in pending:
        if origin in done:
            continue
        step = STEP_OF_STATUS[Status(case.status)]
        assert step is not None
        assert case.step_deadline is not None
        owner = STEP_OWNERS[step]
        if level == "reminder":
            audiences: tuple[Audience, ...] = (owner,)
            subject, body = REMINDER
            kind = MessageKind.REMINDER
        else:
            audiences = (owner, *ESCALATE_TO.get(step, ESCALATE_BY_DEFAULT))
            subject, body = ESCALATION
            kind = MessageKind.ESCALATION
        rendered = render(
            subject,
            body,
            {
                "case_no": case.case_no,
                "step": STEP_LABELS[step],
                "deadline": _local(case.step_deadline),
            },
        )
        queued = queue(
            notice=Notice(kind, *rendered, case=case),
            recipients=resolver.recipients(audiences, case),
            origin=origin,
        )
        if level == "reminder":
            report.reminders += queued
        else:
            report.escalations += queued


def _queue_resume_reminders(now: dt.datetime, resolver: Resolver, report: SweepReport) -> None:
    today = timezone.localdate(now)
    due = Case.objects.filter(
        status=Status.SUSPENDED, suspended_until__isnull=False, suspended_until__lte=today
    ).order_by("pk")
    for case in due.iterator():
        assert case.suspended_until is not None
        origin = f"resume:{case.pk}:{case.suspended_until.isoformat()}"
        if origin_done([origin]):
            continue
        rendered = render(
            *RESUME_DUE,
            {"case_no": case.case_no, "date": case.suspended_until.isoformat()},
        )
        report.resume_reminders += queue(
            notice=Notice(MessageKind.RESUME_DUE, *rendered, case=case),
            recipients=resolver.recipients((Audience.COMMAND_CENTRE,), case),
            origin=origin,
        )
