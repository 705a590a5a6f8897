"""Step deadlines from the step limits and the working calendar; traffic lights computed on read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from finegrid.cases.models import Case, StepLimit
from finegrid.cases.workflow import DISPOSAL_STATUSES, STEP_OF_STATUS, Status
from finegrid.worktime import selectors as worktime
from finegrid.worktime.calendar import TimeUnit

#: Defaults a city edits in the admin (WORKFLOW.md: verification and check commonly 30 minutes).
DEFAULT_STEP_LIMITS: dict[str, tuple[Decimal, TimeUnit]] = {
    "accept": (Decimal("0.5"), TimeUnit.WORKING_HOURS),
    "verify": (Decimal("0.5"), TimeUnit.WORKING_HOURS),
    "file": (Decimal("0.5"), TimeUnit.WORKING_HOURS),
    "review": (Decimal("1"), TimeUnit.WORKING_HOURS),
    "dispatch": (Decimal("0.5"), TimeUnit.WORKING_HOURS),
    "send_check": (Decimal("0.5"), TimeUnit.WORKING_HOURS),
    "check": (Decimal("0.5"), TimeUnit.WORKING_HOURS),
    "close": (Decimal("1"), TimeUnit.WORKING_HOURS),
    "reopen": (Decimal("5"), TimeUnit.WORKING_DAYS),
}

Light = Literal["green", "yellow", "red"]


def step_limit(step: str) -> tuple[Decimal, TimeUnit]:
    row = StepLimit.objects.filter(step=step).values_list("amount", "unit").first()
    if row is not None:
        return Decimal(row[0]), TimeUnit(row[1])
    return DEFAULT_STEP_LIMITS[step]


def step_clock(
    status: Status, now: dt.datetime, disposal_deadline: dt.datetime | None, disposal_unit: str
) -> dict[str, object]:
    """The step fields a case gets on entering `status` at `now`."""
    step = STEP_OF_STATUS[status]
    if step is None:
        return {"step_started_at": now, "step_deadline": None, "step_unit": ""}
    if status in DISPOSAL_STATUSES:
        return {
            "step_started_at": now,
            "step_deadline": disposal_deadline,
            "step_unit": disposal_unit,
        }
    amount, unit = step_limit(step)
    return {
        "step_started_at": now,
        "step_deadline": worktime.deadline(now, amount, unit),
        "step_unit": unit.value,
    }


def traffic_light(case: Case, now: dt.datetime) -> Light | None:
    if case.step_deadline is None:
        return None
    unit = TimeUnit(case.step_unit) if case.step_unit else TimeUnit.WORKING_HOURS
    return worktime.traffic_light(case.step_started_at, case.step_deadline, now, unit=unit)
