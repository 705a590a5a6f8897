"""The sweep: reminders at 80 % of a step's limit, escalation past the deadline, once each."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from finegrid.cases import actions, timers
from finegrid.cases.models import Case
from finegrid.cases.sweep import SweepReport, light_of, sweep
from finegrid.cases.workflow import Status
from finegrid.notifications.models import Channel, DeliveryStatus, Message, MessageKind
from finegrid.org.actions import upsert_staff_user
from finegrid.org.models import User
from finegrid.org.roles import Role
from finegrid.worktime.selectors import get_calendar
from tests.cases.builders import START, case_in

pytestmark = pytest.mark.django_db

SUPERVISION = "示范市城市运行管理监督中心"
COMMAND = "示范市城市运行管理指挥中心"
DEPARTMENT = "明湖区城市管理局"


def at(hour: int, minute: int = 0, day: int = 16) -> dt.datetime:
    return START.replace(day=day, hour=hour, minute=minute)


def sent_to(case: Case) -> list[tuple[str, str, str, str]]:
    """(recipient, channel, kind, subject) of every message about the case, in a stable order."""
    return sorted(
        (m.recipient_label(), m.channel, m.kind, m.subject)
        for m in Message.objects.filter(case=case).select_related("user", "unit", "citizen")
    )


def disposing(cast: dict[str, User]) -> Case:
    """Dispatched at 09:20 with 2 working hours (deadline 11:20), signed for at 09:25."""
    case = case_in(Status.DISPOSING, cast=cast)
    assert case.step_started_at == at(9, 25)
    assert case.step_deadline == at(11, 20)
    return case


def test_a_step_under_80_percent_is_green_and_queues_nothing(cast: dict[str, User]) -> None:
    # given a case signed for at 09:25 with its deadline at 11:20 (115 minutes, 80 % at 10:57)
    case = disposing(cast)
    # when the sweep runs at 10:56
    report = sweep(now=at(10, 56))
    # then the light is green and nobody is told anything
    assert light_of(case, at(10, 56)) == "green"
    assert report == SweepReport(checked=1, reminders=0, escalations=0, resume_reminders=0)
    assert sent_to(case) == []


def test_at_80_percent_the_department_is_reminded_once(cast: dict[str, User]) -> None:
    # given a case in disposal, and a member of its department with an e-mail address
    case = disposing(cast)
    handler = cast["handler"]
    upsert_staff_user(
        username="handler",
        full_name=handler.full_name,
        roles=[Role.HANDLER],
        unit=handler.unit,
        email="chenjing@example.gov.cn",
    )
    # when the sweep runs at 10:57, 80 % of the step used
    report = sweep(now=at(10, 57))
    # then the department gets a reminder in its inbox and the handler one by e-mail
    assert light_of(case, at(10, 57)) == "yellow"
    assert report == SweepReport(checked=1, reminders=2, escalations=0, resume_reminders=0)
    subject = f"案卷{case.case_no}即将超时"
    assert sent_to(case) == [
        (DEPARTMENT, Channel.IN_APP, MessageKind.REMINDER, subject),
        ("陈静", Channel.EMAIL, MessageKind.REMINDER, subject),
    ]
    reminder = Message.objects.get(case=case, channel=Channel.IN_APP)
    assert reminder.body == (
        f"案卷{case.case_no}的“处置”环节已用去八成以上时限，请于2026-11-16 11:20前办理。"
    )
    assert reminder.status == DeliveryStatus.SENT
    assert Message.objects.get(case=case, channel=Channel.EMAIL).status == DeliveryStatus.PENDING

    # when the sweep runs again, still yellow
    again = sweep(now=at(11, 10))
    # then nothing new is queued
    assert again == SweepReport(checked=1, reminders=0, escalations=0, resume_reminders=0)
    assert Message.objects.filter(case=case).count() == 2


def test_past_the_deadline_the_department_and_both_centres_hear_once(
    cast: dict[str, User],
) -> None:
    # given a case in disposal that was reminded at 80 %
    case = disposing(cast)
    sweep(now=at(11, 0))
    # when the sweep runs a minute past the 11:20 deadline, and again later
    report = sweep(now=at(11, 21))
    again = sweep(now=at(16, 0))
    # then the department, the command centre and the supervision centre are told it is overdue
    assert light_of(case, at(11, 21)) == "red"
    assert report == SweepReport(checked=1, reminders=0, escalations=3, resume_reminders=0)
    assert again == SweepReport(checked=1, reminders=0, escalations=0, resume_reminders=0)
    overdue = f"案卷{case.case_no}已超时"
    assert sent_to(case) == sorted(
        [
            (DEPARTMENT, Channel.IN_APP, MessageKind.REMINDER, f"案卷{case.case_no}即将超时"),
            (DEPARTMENT, Channel.IN_APP, MessageKind.ESCALATION, overdue),
            (COMMAND, Channel.IN_APP, MessageKind.ESCALATION, overdue),
            (SUPERVISION, Channel.IN_APP, MessageKind.ESCALATION, overdue),
        ]
    )
    escalation = Message.objects.get(case=case, unit__name=COMMAND)
    assert escalation.body == (
        f"案卷{case.case_no}的“处置”环节已超过时限（2026-11-16 11:20），请督促办理。"
    )


def test_a_case_first_seen_red_gets_only_the_escalation(cast: dict[str, User]) -> None:
    # given a report waiting for acceptance since 09:00 (limit 0.5 working hours)
    case = case_in(Status.REPORTED, cast=cast)
    # when the first sweep runs at 10:00, long past 09:30
    report = sweep(now=at(10))
    # then the supervision centre, which owns acceptance, gets one escalation and no reminder
    assert report == SweepReport(checked=1, reminders=0, escalations=1, resume_reminders=0)
    assert sent_to(case) == [
        (SUPERVISION, Channel.IN_APP, MessageKind.ESCALATION, f"案卷{case.case_no}已超时")
    ]


def test_verification_reminds_the_inspector_sent_to_verify(cast: dict[str, User]) -> None:
    # given a hotline report accepted at 09:05 and sent to the grid's inspector (deadline 09:35)
    case = case_in(Status.VERIFYING, cast=cast)
    inspector = case.inspector
    assert inspector is not None
    # when the sweep runs at 09:29 (80 % of 30 minutes is 09:29)
    report = sweep(now=at(9, 29))
    # then the inspector is reminded in-app
    assert report.reminders == 1
    assert sent_to(case) == [
        (str(inspector), Channel.IN_APP, MessageKind.REMINDER, f"案卷{case.case_no}即将超时")
    ]


def test_a_new_step_earns_its_own_reminder(cast: dict[str, User]) -> None:
    # given a reminder for the acceptance step at 09:24
    case = case_in(Status.REPORTED, cast=cast)
    assert sweep(now=at(9, 24)).reminders == 1
    # when the case is accepted (a new step, verification, starts at 09:25) and that step runs late
    actions.accept_case(
        case_id=case.pk, version=case.version, actor=cast["receptionist"], at=at(9, 25)
    )
    report = sweep(now=at(9, 49))
    # then the inspector's step gets its own reminder
    assert report.reminders == 1
    assert Message.objects.filter(case=case, kind=MessageKind.REMINDER).count() == 2


def test_a_suspended_case_is_never_reminded(cast: dict[str, User]) -> None:
    # given a suspended case (its clock stands still) with no resume date
    case = case_in(Status.SUSPENDED, cast=cast)
    assert case.step_deadline is None
    # when the sweep runs days later
    report = sweep(now=at(10, day=27))
    # then nothing is queued about it
    assert report == SweepReport(checked=0, reminders=0, escalations=0, resume_reminders=0)
    assert sent_to(case) == []


def test_a_suspension_whose_date_has_come_reminds_the_dispatchers_once(
    cast: dict[str, User],
) -> None:
    # given a case suspended until 20 November
    case = case_in(Status.DISPOSING, cast=cast)
    actions.request_suspension(
        case_id=case.pk,
        version=case.version,
        actor=cast["handler"],
        note="资金未到位",
        resume_on=dt.date(2026, 11, 20),
        at=at(9, 30),
    )
    case.refresh_from_db()
    actions.approve_suspension(
        case_id=case.pk, version=case.version, actor=cast["dispatcher"], at=at(9, 35)
    )
    # when the sweep runs the day before, then on the day, then again
    before = sweep(now=at(9, day=19))
    on_the_day = sweep(now=at(8, day=20))
    again = sweep(now=at(15, day=20))
    # then only the sweep on the day reminds the command centre, and the case stays suspended
    assert before.resume_reminders == 0
    assert on_the_day.resume_reminders == 1
    assert again.resume_reminders == 0
    assert sent_to(case) == [
        (COMMAND, Channel.IN_APP, MessageKind.RESUME_DUE, f"挂账案卷{case.case_no}已到恢复日期")
    ]
    case.refresh_from_db()
    assert case.status == Status.SUSPENDED


def test_closed_and_cancelled_cases_are_not_swept(cast: dict[str, User]) -> None:
    # given a closed and a cancelled case
    closed = case_in(Status.CLOSED, cast=cast)
    cancelled = case_in(Status.CANCELLED, cast=cast)
    # when the sweep runs much later
    report = sweep(now=at(10, day=30))
    # then neither is looked at
    assert report.checked == 0
    assert sent_to(closed) == []
    assert sent_to(cancelled) == []


def test_a_channel_switched_off_is_not_queued(cast: dict[str, User], settings: Settings) -> None:
    # given a city that sends no e-mail, and a department member with an address
    settings.FINEGRID_NOTIFY_CHANNELS = ["in_app"]
    case = disposing(cast)
    handler = cast["handler"]
    upsert_staff_user(
        username="handler",
        full_name=handler.full_name,
        roles=[Role.HANDLER],
        unit=handler.unit,
        email="chenjing@example.gov.cn",
    )
    # when the step turns yellow
    sweep(now=at(11))
    # then only the in-app reminder exists
    assert [m.channel for m in Message.objects.filter(case=case)] == [Channel.IN_APP]


def test_run_sweep_command_sweeps_at_the_given_time(cast: dict[str, User]) -> None:
    # given a case in disposal
    case = disposing(cast)
    out = StringIO()
    # when run_sweep runs at 11:30 local time, twice
    call_command("run_sweep", "--now", "2026-11-16T11:30:00+08:00", stdout=out)
    call_command("run_sweep", "--now", "2026-11-16T11:31", stdout=out)
    # then the first run escalates, the second queues nothing, and both say so
    assert out.getvalue().splitlines() == [
        "checked 1 running cases at 2026-11-16T11:30:00+08:00: "
        "0 reminder, 3 escalation and 0 resume messages queued",
        "checked 1 running cases at 2026-11-16T11:31:00+08:00: "
        "0 reminder, 0 escalation and 0 resume messages queued",
    ]
    assert Message.objects.filter(case=case, kind=MessageKind.ESCALATION).count() == 3


def test_run_sweep_refuses_a_time_it_cannot_read(cast: dict[str, User]) -> None:
    # given a case in disposal
    case = disposing(cast)
    # when run_sweep is given a date it cannot read
    with pytest.raises(CommandError, match=r"--now '16/11/2026' is not an ISO 8601 time"):
        call_command("run_sweep", "--now", "16/11/2026")
    # then nothing was queued
    assert sent_to(case) == []


def test_the_dispatch_step_reminds_the_command_centre(cast: dict[str, User]) -> None:
    # given a case filed at 09:15, waiting for dispatch (deadline 09:45, 80 % at 09:39)
    case = case_in(Status.FILED, cast=cast)
    # when its dispatch step (owned by the command centre) runs late
    report = sweep(now=at(9, 42))
    # then the command centre is reminded
    assert report.reminders == 1
    assert sent_to(case) == [
        (COMMAND, Channel.IN_APP, MessageKind.REMINDER, f"案卷{case.case_no}即将超时")
    ]


def test_the_sweeps_light_is_the_timers_light(cast: dict[str, User]) -> None:
    # given a case in disposal, and moments every 7 minutes from 09:30 to 14:03
    case = disposing(cast)
    moments = [at(9, 30) + dt.timedelta(minutes=7 * i) for i in range(40)]
    # when the sweep computes the lights with the calendar it read once
    calendar = get_calendar()
    lights = [light_of(case, moment, calendar=calendar) for moment in moments]
    # then they are the timers' lights, through green, yellow and red
    assert lights == [timers.traffic_light(case, moment) for moment in moments]
    assert lights.count("green") == 13  # up to 10:54; 80 % is used at 10:57
    assert lights.count("yellow") == 3
    assert lights.count("red") == 24  # from 11:22, past the 11:20 deadline
