"""The calendar admin pages: edits made there reach the cached calendar at once."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from finegrid.org.models import User
from finegrid.worktime.actions import add_calendar_year, set_calendar_day
from finegrid.worktime.models import CalendarDay, CalendarYear, DayKind, WorkSchedule
from finegrid.worktime.selectors import get_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client: Client) -> Client:
    user = User.objects.create_superuser("calendar-admin", "calendar-admin@example.org", "x")
    client.force_login(user)
    return client


def _post(client: Client, name: str, data: dict[str, str], *args: object) -> int:
    response = client.post(reverse(name, args=args), data, secure=True)
    return response.status_code


@pytest.mark.parametrize("model", ["calendaryear", "calendarday", "workschedule"])
def test_changelists_open(admin: Client, model: str) -> None:
    response = admin.get(reverse(f"admin:worktime_{model}_changelist"), secure=True)
    assert response.status_code == 200


def test_year_changelist_says_which_years_are_built_in(admin: Client) -> None:
    response = admin.get(reverse("admin:worktime_calendaryear_changelist"), secure=True)
    assert "内置数据已包含 2004–2026 年" in response.content.decode()


def test_day_saved_in_the_admin_invalidates_the_cache(admin: Client) -> None:
    assert get_calendar().is_workday(date(2026, 10, 10)) is True  # cached now
    status = _post(
        admin,
        "admin:worktime_calendarday_add",
        {"date": "2026-10-10", "kind": "holiday", "name": "本市调整", "note": ""},
    )
    assert status == 302
    assert get_calendar().is_workday(date(2026, 10, 10)) is False


def test_day_deleted_in_the_admin_invalidates_the_cache(admin: Client) -> None:
    day = set_calendar_day(day=date(2026, 10, 10), kind=DayKind.HOLIDAY)
    assert get_calendar().is_workday(date(2026, 10, 10)) is False
    status = _post(admin, "admin:worktime_calendarday_delete", {"post": "yes"}, day.pk)
    assert status == 302
    assert CalendarDay.objects.count() == 0
    assert get_calendar().is_workday(date(2026, 10, 10)) is True


def test_year_added_in_the_admin_becomes_usable(admin: Client) -> None:
    assert get_calendar().covers(2027) is False
    status = _post(admin, "admin:worktime_calendaryear_add", {"year": "2027", "note": ""})
    assert status == 302
    assert get_calendar().covers(2027) is True


def test_year_filter_lists_only_that_year(admin: Client) -> None:
    add_calendar_year(year=2027)
    set_calendar_day(day=date(2026, 10, 10), kind=DayKind.HOLIDAY, name="甲")
    set_calendar_day(day=date(2027, 1, 1), kind=DayKind.HOLIDAY, name="乙")
    response = admin.get(
        reverse("admin:worktime_calendarday_changelist"), {"year": "2027"}, secure=True
    )
    assert [row.name for row in response.context["cl"].result_list] == ["乙"]


def test_schedule_saved_in_the_admin_is_stored_and_applied(admin: Client) -> None:
    get_calendar()
    data = {
        "name": "夏季作息",
        "from_month": "5",
        "from_day": "1",
        "to_month": "9",
        "to_day": "30",
        "periods": "08:00-12:00，14:30-18:30",
        "active": "on",
        "note": "",
    }
    assert _post(admin, "admin:worktime_workschedule_add", data) == 302
    schedule = WorkSchedule.objects.get()
    assert schedule.periods == [["08:00", "12:00"], ["14:30", "18:30"]]
    assert get_calendar().periods_on(date(2026, 6, 1)) == schedule.as_seasonal().periods
    # the change form shows the periods as typed
    response = admin.get(
        reverse("admin:worktime_workschedule_change", args=[schedule.pk]), secure=True
    )
    assert 'value="08:00-12:00, 14:30-18:30"' in response.content.decode()


def test_schedule_with_bad_periods_is_refused_in_the_admin(admin: Client) -> None:
    data = {
        "name": "夏季作息",
        "from_month": "5",
        "from_day": "1",
        "to_month": "9",
        "to_day": "30",
        "periods": "14:00-12:00",
        "active": "on",
        "note": "",
    }
    response = admin.post(reverse("admin:worktime_workschedule_add"), data, secure=True)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "periods": ["工作时段 14:00–12:00 的开始时间应早于结束时间"]
    }
    assert WorkSchedule.objects.count() == 0
    assert CalendarYear.objects.count() == 0
