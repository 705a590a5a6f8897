"""The command-centre screen: who may open it, and that its figures count what the cases did."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client, override_settings

from finegrid.cases.models import Case
from finegrid.cases.workflow import OPEN, Action, Status
from finegrid.catalogue.models import Category, Kind
from finegrid.geo.crs import CRS, from_wgs84
from finegrid.org.models import User
from finegrid.web.screen import figures
from finegrid.web.screen.figures import STATUS_GROUPS, local_periods, screen_data
from tests.cases.builders import SHANGHAI, START, case_in, perform, shared_spatial_index

__all__ = ["shared_spatial_index"]  # the fixture overrides the per-test index rebuild

pytestmark = pytest.mark.django_db

#: Monday 2026-11-16, late afternoon: every step begun before 16:30 that day is overdue by now.
NOW = dt.datetime(2026, 11, 16, 17, 0, tzinfo=SHANGHAI)
OTHER_DISTRICT_GRID = "990103001001001"  # 青山街道, 青山区: outside the demo supervisor's scope


def _get_json(client: Client, url: str, **headers: Any) -> tuple[int, Any]:
    response = client.get(url, **headers)
    return response.status_code, json.loads(response.content)


# --- access --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in_and_the_data_answers_401(client: Client) -> None:
    response = client.get("/screen/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/screen/"
    status, body = _get_json(client, "/screen/data")
    assert status == 401
    assert body["error"]["code"] == "login_required"


@pytest.mark.parametrize("username", ["handler", "inspector", "receptionist", "deptadmin"])
def test_departments_inspectors_and_receptionists_are_refused(
    client: Client, cast: dict[str, User], username: str
) -> None:
    client.force_login(cast[username])
    assert client.get("/screen/").status_code == 403
    status, body = _get_json(client, "/screen/data")
    assert status == 403
    assert body["error"]["code"] == "forbidden"


@pytest.mark.parametrize("username", ["leader", "supervisor", "admin", "shiftleader", "dispatcher"])
def test_the_centre_opens_the_screen_with_local_scripts_and_first_figures(
    client: Client, cast: dict[str, User], username: str
) -> None:
    client.force_login(cast[username])
    response = client.get("/screen/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "示范市 · 城市运行管理指挥大屏" in body
    for script in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet-heat/leaflet-heat.js",
        "/static/vendor/echarts/echarts.min.js",
        "/static/web/screen.js",
    ):
        assert f'src="{script}"' in body
    assert "://" not in body.split("<body")[0]  # nothing from a CDN
    assert '<script id="screen-data" type="application/json">' in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_page_and_the_data_speak_english_when_asked(
    client: Client, cast: dict[str, User]
) -> None:
    client.force_login(cast["leader"])
    body = client.get("/screen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "示范市 · City operations command centre" in body
    assert '<html lang="en">' in body
    _status, data = _get_json(client, "/screen/data", HTTP_ACCEPT_LANGUAGE="en")
    assert [g["label"] for g in data["status_groups"]] == [
        "Intake and filing",
        "Dispatch and sign-for",
        "Disposal in progress",
        "Check and close",
        "Suspended",
    ]


# --- the figures ---------------------------------------------------------------------------------


def test_every_open_status_has_exactly_one_map_colour() -> None:
    grouped = [status for _key, _label, statuses in STATUS_GROUPS for status in statuses]
    assert sorted(grouped) == sorted(OPEN)


def test_today_and_this_month_are_local_whatever_zone_now_is_in() -> None:
    # 23:30 UTC on 30 November is 07:30 on 1 December in Shanghai.
    today, month = local_periods(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC))
    assert (today.start, today.end) == (
        dt.datetime(2026, 12, 1, tzinfo=SHANGHAI),
        dt.datetime(2026, 12, 2, tzinfo=SHANGHAI),
    )
    assert (month.start, month.end) == (
        dt.datetime(2026, 12, 1, tzinfo=SHANGHAI),
        dt.datetime(2027, 1, 1, tzinfo=SHANGHAI),
    )


def _lamp_cover() -> Category:
    """路灯井盖异常: tagged 平 and 明, where 暴露垃圾 (the builders' category) is tagged 净."""
    category = Category.objects.get(kind=Kind.MATTER, name="路灯井盖异常")
    assert sorted(t.char for t in category.action_tags.all()) == ["平", "明"]
    return category


@pytest.fixture
def month_of_cases(cast: dict[str, User]) -> dict[str, Case]:
    """Cases whose fates the figures must count, as of NOW (Monday 16 November, 17:00)."""
    built = {
        # Reported, filed, disposed on time and closed today.
        "closed": case_in(Status.CLOSED, cast=cast),
        # Dispatched this morning with two working hours to dispose: overdue now.
        "disposing": case_in(Status.DISPOSING, cast=cast),
        "suspended": case_in(Status.SUSPENDED, cast=cast),
        "declined": case_in(Status.DECLINED, cast=cast),
        # Reported ten minutes ago: its half-hour to be accepted has not run out.
        "fresh": case_in(Status.REPORTED, cast=cast, start=NOW - dt.timedelta(minutes=10)),
        # Disposed today, four days after its deadline; waiting to be sent for check since.
        "late": case_in(
            Status.DISPOSING, cast=cast, start=dt.datetime(2026, 11, 12, 9, 0, tzinfo=SHANGHAI)
        ),
        # Filed last week under another category, never dispatched.
        "earlier": case_in(
            Status.PENDING_FILING,
            cast=cast,
            start=dt.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI),
        ),
        # Last month's: counted nowhere this month.
        "october": case_in(
            Status.CLOSED, cast=cast, start=dt.datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI)
        ),
    }
    perform(
        Action.DISPOSE,
        case=built["late"],
        actor=cast["handler"],
        at=START + dt.timedelta(hours=1),
    )
    lamp = _lamp_cover()
    perform(
        Action.FILE,
        case=built["earlier"],
        actor=cast["shiftleader"],
        category=lamp,
        filing_rule=lamp.filing_rules.order_by("order").first(),
    )
    for case in built.values():
        case.refresh_from_db()
    assert built["late"].status == Status.DISPOSED
    assert built["earlier"].status == Status.FILED
    return built


def test_counts_today_and_this_month(
    cast: dict[str, User], month_of_cases: dict[str, Case]
) -> None:
    data = screen_data(user=cast["leader"], now=NOW)
    assert data["today"] == "2026-11-16"
    assert data["month"] == "2026-11"
    assert data["counts"] == {
        # closed, disposing, suspended, declined, fresh
        "today": {"reported": 5, "filed": 3, "closed": 1},
        # ... and late, earlier
        "month": {"reported": 7, "filed": 5, "closed": 1},
    }


def test_on_time_rates_come_from_the_disposal_and_close_events(
    cast: dict[str, User], month_of_cases: dict[str, Case]
) -> None:
    data = screen_data(user=cast["leader"], now=NOW)
    assert data["rates"] == {
        "on_time_dispose": {"on_time": 1, "total": 2, "rate": 0.5},
        "on_time_close": {"on_time": 1, "total": 1, "rate": 1.0},
    }


def test_overdue_counts_open_cases_past_their_step_deadline_except_suspended(
    cast: dict[str, User], month_of_cases: dict[str, Case]
) -> None:
    data = screen_data(user=cast["leader"], now=NOW)
    assert data["overdue"] == 3  # disposing, late, earlier
    assert [(g["key"], g["count"], g["overdue"]) for g in data["status_groups"]] == [
        ("intake", 1, 0),  # fresh
        ("dispatch", 1, 1),  # earlier
        ("disposing", 1, 1),  # disposing
        ("checking", 1, 1),  # late
        ("suspended", 1, 0),
    ]


def test_top_categories_and_the_seven_actions_count_this_months_problems(
    cast: dict[str, User], month_of_cases: dict[str, Case]
) -> None:
    data = screen_data(user=cast["leader"], now=NOW)
    lamp = _lamp_cover()
    rubbish = Case.objects.get(pk=month_of_cases["closed"].pk).category
    assert rubbish is not None
    assert data["top_categories"] == [
        {"id": rubbish.pk, "name": "暴露垃圾", "count": 4},  # closed, disposing, suspended, late
        {"id": lamp.pk, "name": "路灯井盖异常", "count": 1},
    ]
    assert [(t["char"], t["count"]) for t in data["action_tags"]] == [
        ("净", 4),
        ("平", 1),
        ("明", 1),
        ("绿", 0),
        ("美", 0),
        ("齐", 0),
        ("优", 0),
    ]


def test_rankings_name_the_worst_areas_and_departments(
    cast: dict[str, User], month_of_cases: dict[str, Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert screen_data(user=cast["leader"], now=NOW)["rankings"]["street"]["by_rate"] == []
    monkeypatch.setattr(figures, "MIN_RATED", 2)
    rankings = screen_data(user=cast["leader"], now=NOW)["rankings"]
    street = month_of_cases["closed"].street
    district = month_of_cases["closed"].district
    department = month_of_cases["closed"].department
    assert street is not None
    assert department is not None
    assert rankings["street"] == {
        "by_rate": [{"id": street.pk, "name": "湖滨街道", "on_time": 1, "total": 2, "rate": 0.5}],
        "by_overdue": [{"id": street.pk, "name": "湖滨街道", "count": 3}],
    }
    assert rankings["district"] == {
        "by_rate": [{"id": district.pk, "name": "明湖区", "on_time": 1, "total": 2, "rate": 0.5}],
        "by_overdue": [{"id": district.pk, "name": "明湖区", "count": 3}],
    }
    # The department answers only for the case it is still disposing of.
    assert rankings["department"] == {
        "by_rate": [
            {"id": department.pk, "name": "明湖城管局", "on_time": 1, "total": 2, "rate": 0.5}
        ],
        "by_overdue": [{"id": department.pk, "name": "明湖城管局", "count": 1}],
    }


def test_the_map_shows_open_cases_by_group_with_overdue_marked_and_this_months_heat(
    cast: dict[str, User], month_of_cases: dict[str, Case]
) -> None:
    data = screen_data(user=cast["leader"], now=NOW)
    by_number = {p[4]: p for p in data["live"]["points"]}
    expected = {
        "fresh": (0, 0),
        "earlier": (1, 1),
        "disposing": (2, 1),
        "late": (3, 1),
        "suspended": (4, 0),
    }
    assert data["live"]["total"] == len(expected)
    assert sorted(by_number) == sorted(month_of_cases[k].case_no for k in expected)
    for key, (group, overdue) in expected.items():
        case = month_of_cases[key]
        assert by_number[case.case_no] == [
            round(case.lat, 6),
            round(case.lon, 6),
            group,
            overdue,
            case.case_no,
        ]
    # All seven of this month's reports stand on the same spot of the same grid: one cell.
    ((lat, lon, reports),) = data["heat"]["points"]
    assert reports == 7
    assert data["heat"]["max"] == 7
    assert abs(lat - month_of_cases["closed"].lat) <= 0.0005
    assert abs(lon - month_of_cases["closed"].lon) <= 0.0005


def test_points_are_shifted_for_gcj02_tiles(cast: dict[str, User]) -> None:
    case = case_in(Status.DISPOSING, cast=cast)
    (point,) = screen_data(user=cast["leader"], now=NOW, crs=CRS.GCJ02)["live"]["points"]
    lon, lat = from_wgs84(case.lon, case.lat, CRS.GCJ02)
    assert point[:2] == [round(lat, 6), round(lon, 6)]
    assert point[:2] != [round(case.lat, 6), round(case.lon, 6)]


def test_a_supervisor_sees_only_the_district_they_answer_for(cast: dict[str, User]) -> None:
    mine = case_in(Status.REPORTED, cast=cast)
    theirs = case_in(Status.REPORTED, cast=cast, grid=OTHER_DISTRICT_GRID)
    assert theirs.district.name == "青山区"
    leader = screen_data(user=cast["leader"], now=NOW)
    supervisor = screen_data(user=cast["supervisor"], now=NOW)
    assert leader["counts"]["today"]["reported"] == 2
    assert supervisor["counts"]["today"]["reported"] == 1
    assert [p[4] for p in supervisor["live"]["points"]] == [mine.case_no]
    assert sorted(p[4] for p in leader["live"]["points"]) == sorted([mine.case_no, theirs.case_no])


# --- the JSON endpoint ---------------------------------------------------------------------------


def test_the_data_endpoint_answers_the_documented_shape(
    client: Client, cast: dict[str, User]
) -> None:
    case = case_in(Status.DISPOSING, cast=cast)
    client.force_login(cast["leader"])
    status, data = _get_json(client, "/screen/data")
    assert status == 200
    assert set(data) == {
        "generated_at",
        "time_zone",
        "today",
        "month",
        "counts",
        "rates",
        "overdue",
        "top_categories",
        "action_tags",
        "rankings",
        "min_rated",
        "status_groups",
        "live",
        "heat",
    }
    assert data["time_zone"] == "Asia/Shanghai"
    assert dt.datetime.fromisoformat(data["generated_at"]).utcoffset() == dt.timedelta(hours=8)
    assert set(data["counts"]) == {"today", "month"}
    assert set(data["counts"]["month"]) == {"reported", "filed", "closed"}
    assert set(data["rates"]) == {"on_time_dispose", "on_time_close"}
    assert set(data["rankings"]) == {"district", "street", "department"}
    assert all(set(r) == {"by_rate", "by_overdue"} for r in data["rankings"].values())
    assert [g["key"] for g in data["status_groups"]] == [k for k, _l, _s in STATUS_GROUPS]
    assert len(data["action_tags"]) == 7
    # The real clock runs after the builders' day: the case is open and within the last 30 days.
    assert [case.case_no] == [p[4] for p in data["live"]["points"]]
    assert data["live"]["days"] == 30


@override_settings(FINEGRID_MAP_TILE_CRS="gcj02")
def test_the_endpoint_shifts_points_for_the_configured_tiles(
    client: Client, cast: dict[str, User]
) -> None:
    case = case_in(Status.DISPOSING, cast=cast)
    client.force_login(cast["leader"])
    _status, data = _get_json(client, "/screen/data")
    lon, lat = from_wgs84(case.lon, case.lat, CRS.GCJ02)
    assert data["live"]["points"][0][:2] == [round(lat, 6), round(lon, 6)]


def test_the_data_endpoint_queries_do_not_grow_with_the_cases(
    client: Client, cast: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    for status in (Status.DISPOSING, Status.CLOSED, Status.FILED, Status.REPORTED):
        case_in(status, cast=cast)
    client.force_login(cast["leader"])
    with django_assert_max_num_queries(25):
        assert client.get("/screen/data").status_code == 200
