"""The rankings pages: what they show is what the runs computed, the cases behind every figure are
exactly the ones counted, and only the supervision centre computes, publishes and corrects.

The city: three districts with cases built by the real actions in October and November 2026,
evaluated by `finegrid.evaluation.actions.evaluate`, so that November's ranks moved (明湖区 fell
from 1st to 3rd, 江滨区 rose from 2nd to 1st, 青山区 stayed 2nd).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from django.db import transaction
from django.test import Client

from finegrid.cases.models import Case, Source
from finegrid.cases.workflow import Action, Status
from finegrid.evaluation.actions import evaluate, publish_run
from finegrid.evaluation.measures import Measure
from finegrid.evaluation.models import Adjustment, Result, Run, RunStatus, Scheme
from finegrid.evaluation.periods import Period
from finegrid.evaluation.selectors import cases_behind, current_run
from finegrid.evaluation.subjects import SubjectKind
from finegrid.geo.models import Area
from finegrid.geo.selectors import clear_index_cache
from finegrid.org.models import Unit, User
from finegrid.web.rankings import views
from finegrid.web.rankings.figures import format_value
from finegrid.web.rankings.labels import MEASURE_MEANINGS, MEASURE_NAMES, expression_name
from tests.cases.builders import (
    DEFAULT_DEPARTMENT,
    SHANGHAI,
    actor_for,
    case_in,
    perform,
    shared_spatial_index,
)

__all__ = ["shared_spatial_index"]  # the fixture overrides the per-test index rebuild

pytestmark = pytest.mark.django_db

OCTOBER = Period.parse("2026-10")
NOVEMBER = Period.parse("2026-11")
OCTOBER_START = dt.datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI)  # a Monday
LATE = dt.datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)  # days after a 2-working-hour limit
MINGHU_GRID = "990102001001005"  # 明湖区 湖滨街道, patrolled by `inspector`
QINGSHAN_GRID = "990103001001001"  # 青山区
JIANGBIN_GRID = "990104001001001"  # 江滨区
GULOU_GRID = "990102002001001"  # 明湖区 鼓楼街道: a case only in November
VIEWERS = ("leader", "supervisor", "admin", "shiftleader", "deptadmin")
OUTSIDERS = ("inspector", "receptionist", "dispatcher", "handler")


def client_of(user: User, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def close_late(case: Case, cast: dict[str, User], at: dt.datetime) -> Case:
    """Dispose a case being disposed at `at`, long after its deadline, then check and close it."""
    for index, action in enumerate((Action.DISPOSE, Action.SEND_CHECK, Action.PASS_CHECK)):
        perform(
            action, case=case, actor=actor_for(action, case, cast), at=at if not index else None
        )
        case.refresh_from_db()
    perform(Action.CLOSE, case=case, actor=actor_for(Action.CLOSE, case, cast))
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    return case


@dataclass
class City:
    areas: Scheme
    departments: Scheme
    minghu: Area
    qingshan: Area
    jiangbin: Area
    department: Unit
    closed: Case  # 明湖区, November: closed on time
    open: Case  # 明湖区, November: still being disposed, overdue
    october: Run
    november: Run
    october_departments: Run
    november_departments: Run

    def result(self, run: Run, area: Area) -> Result:
        return run.results.get(subject_kind=SubjectKind.DISTRICT.value, subject_id=area.pk)


def build_city(cast: dict[str, User]) -> dict[str, int]:
    """Cases in three districts in October and November, both months evaluated; their ids."""
    # October: 明湖区 closes its case on time; 青山区 and 江滨区 close theirs, but late.
    case_in(Status.CLOSED, cast=cast, grid=MINGHU_GRID, start=OCTOBER_START)
    for grid in (QINGSHAN_GRID, JIANGBIN_GRID):
        close_late(case_in(Status.DISPOSING, cast=cast, grid=grid, start=OCTOBER_START), cast, LATE)
    # November: 明湖区 closes one of two; 青山区 closes its hotline case, 江滨区 its own inspector's.
    closed = case_in(Status.CLOSED, cast=cast, grid=MINGHU_GRID)
    still_open = case_in(Status.DISPOSING, cast=cast, grid=MINGHU_GRID)
    case_in(Status.CLOSED, cast=cast, grid=QINGSHAN_GRID)
    case_in(Status.CLOSED, cast=cast, grid=JIANGBIN_GRID, source=Source.INSPECTOR)
    case_in(Status.FILED, cast=cast, grid=GULOU_GRID)  # filed, not yet due anywhere
    schemes = [Scheme.objects.get(code="areas"), Scheme.objects.get(code="departments")]
    supervisor = cast["supervisor"]
    october, october_departments = evaluate(schemes=schemes, period=OCTOBER, actor=supervisor)
    november, november_departments = evaluate(schemes=schemes, period=NOVEMBER, actor=supervisor)
    return {
        "closed": closed.pk,
        "open": still_open.pk,
        "october": october.pk,
        "november": november.pk,
        "october_departments": october_departments.pk,
        "november_departments": november_departments.pk,
    }


@pytest.fixture(scope="module")
def built_city(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The city, built once for this module in a transaction rolled back after its last test.

    Each test runs in a savepoint inside it (pytest-django's own), so what a test publishes,
    corrects or enters is undone before the next one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        clear_index_cache()
        ids = build_city({u.username: u for u in User.objects.select_related("unit")})
        yield ids
        transaction.set_rollback(True)


@pytest.fixture
def city(built_city: dict[str, int], db: None) -> City:
    """Given the city, read afresh for each test."""
    runs = Run.objects.select_related("scheme", "snapshot").in_bulk(
        [
            built_city[name]
            for name in ("october", "november", "october_departments", "november_departments")
        ]
    )
    return City(
        areas=Scheme.objects.get(code="areas"),
        departments=Scheme.objects.get(code="departments"),
        minghu=Area.objects.get(code="990102"),
        qingshan=Area.objects.get(code="990103"),
        jiangbin=Area.objects.get(code="990104"),
        department=Unit.objects.get(name=DEFAULT_DEPARTMENT),
        closed=Case.objects.get(pk=built_city["closed"]),
        open=Case.objects.get(pk=built_city["open"]),
        october=runs[built_city["october"]],
        november=runs[built_city["november"]],
        october_departments=runs[built_city["october_departments"]],
        november_departments=runs[built_city["november_departments"]],
    )


def ranking_page(client: Client, **query: str) -> str:
    response = client.get("/rankings/", query)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def row_of(page: str, name: str) -> str:
    """The table row of the subject named `name` on a ranking page."""
    match = re.search(
        rf"<tr[^>]*data-subject[^>]*>(?:(?!</tr>).)*>{name}</a>(?:(?!</tr>).)*</tr>", page, re.S
    )
    assert match is not None, f"no row for {name}"
    return match.group(0)


def cell_of(row: str, indicator: str) -> str:
    match = re.search(rf'<td class="num value" data-indicator="{indicator}">(.*?)</td>', row, re.S)
    assert match is not None, f"no {indicator} cell"
    return match.group(1)


def listed_case_numbers(page: str) -> list[str]:
    return re.findall(r'<td class="case-no">(?:<a href="/cases/\d+/">|<span[^>]*>)(\d+)<', page)


def listed_count(page: str) -> int:
    match = re.search(r'<span class="count" id="figure-count">(\d+)</span>', page)
    assert match is not None
    return int(match.group(1))


# --- the words ----------------------------------------------------------------------------------


def test_every_measure_has_a_name_and_a_meaning_on_the_pages() -> None:
    assert set(MEASURE_NAMES) == set(Measure)
    assert set(MEASURE_MEANINGS) == set(Measure)
    assert expression_name("satisfied|basic_satisfied") == "满意数或基本满意数"
    assert format_value(0.93715, "%") == "93.72%"
    assert format_value(12.0, "件") == "12"
    assert format_value(3.456, "小时") == "3.46"
    assert format_value(None, "%") == "—"


def test_the_download_name_falls_back_to_ascii_for_old_clients() -> None:
    header = views.attachment("示城管〔2026〕1号.pdf", "bulletin-2026-10-monthly.pdf")
    assert header == (
        'attachment; filename="bulletin-2026-10-monthly.pdf"; '
        "filename*=UTF-8''%E7%A4%BA%E5%9F%8E%E7%AE%A1%E3%80%942026%E3%80%951%E5%8F%B7.pdf"
    )


# --- access --------------------------------------------------------------------------------------


PAGES = (
    "/rankings/",
    "/rankings/compare/",
    "/rankings/areas/2026-11/district/2/",
    "/rankings/runs/1/district/2/closed_on_time/",
    "/rankings/2026-11/bulletin.docx?kind=monthly",
)


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/rankings/")


@pytest.mark.parametrize("username", OUTSIDERS)
@pytest.mark.parametrize("path", PAGES)
def test_inspectors_handlers_and_the_console_are_refused(
    cast: dict[str, User], username: str, path: str
) -> None:
    response = client_of(cast[username]).get(path)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@pytest.mark.parametrize("username", VIEWERS)
def test_leaders_the_centre_and_department_heads_open_the_rankings(
    cast: dict[str, User], username: str
) -> None:
    page = ranking_page(client_of(cast[username]), period="2026-09")
    assert "考核排名" in page
    assert "本期尚未计算" in page  # no run that month
    assert 'href="/rankings/"' in page  # the top bar offers it


def test_the_top_bar_offers_the_rankings_only_to_those_who_may_read_them(
    cast: dict[str, User],
) -> None:
    assert 'href="/rankings/"' in client_of(cast["leader"]).get("/").content.decode()
    assert 'href="/rankings/"' not in client_of(cast["inspector"]).get("/").content.decode()


# --- the ranking ---------------------------------------------------------------------------------


def test_the_ranking_shows_each_districts_figures_as_the_run_computed_them(
    cast: dict[str, User], city: City
) -> None:
    page = ranking_page(client_of(cast["leader"]))  # defaults: areas, the latest month, districts
    assert "2026年11月 · 区" in page
    assert f"批次 #{city.november.pk}" in page
    assert "待发布（草稿）" in page
    assert "区域考核办法（第1版）" in page
    minghu = row_of(page, "明湖区")
    result = city.result(city.november, city.minghu)
    assert f'<td class="num score">{result.score:.2f}</td>' in minghu
    assert result.rank == 3
    # the on-time close rate: 1 of 2 due, linked to the cases closed on time
    on_time = cell_of(minghu, "on_time_close_rate")
    url = f"/rankings/runs/{city.november.pk}/district/{city.minghu.pk}/closed_on_time/"
    assert f'href="{url}"' in on_time
    assert ">50.00%</a>" in on_time
    assert ">1/2<" in on_time
    assert ">2</a>" in cell_of(minghu, "due")
    assert ">1</a>" in cell_of(minghu, "overdue")
    # the districts in rank order, with their scores in the chart's data
    names = re.findall(r"<th scope=\"row\"><a [^>]*>([^<]+)</a>", page)
    assert names == ["江滨区", "青山区", "明湖区"]
    chart = json.loads(re.search(r'id="rank-chart-data"[^>]*>(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert [row["name"] for row in chart] == ["江滨区", "青山区", "明湖区"]
    assert chart[2]["score"] == result.score


def test_ranks_moved_since_the_previous_period_are_shown_as_arrows(
    cast: dict[str, User], city: City
) -> None:
    october = {
        a.name: city.result(city.october, a).rank
        for a in (city.minghu, city.qingshan, city.jiangbin)
    }
    november = {
        a.name: city.result(city.november, a).rank
        for a in (city.minghu, city.qingshan, city.jiangbin)
    }
    assert october == {"明湖区": 1, "青山区": 2, "江滨区": 2}
    assert november == {"明湖区": 3, "青山区": 2, "江滨区": 1}
    page = ranking_page(client_of(cast["leader"]), period="2026-11")
    assert '<td class="change down">↓2</td>' in row_of(page, "明湖区")
    assert '<td class="change same">—</td>' in row_of(page, "青山区")
    assert '<td class="change up">↑1</td>' in row_of(page, "江滨区")
    # October has no September to compare with: no arrows, and the page says why
    page = ranking_page(client_of(cast["leader"]), period="2026-10")
    assert '<td class="change "></td>' in row_of(page, "明湖区")
    assert "计算本批次时2026年9月还没有考核批次，不显示名次升降。" in page


def test_a_run_computed_before_its_previous_periods_run_shows_no_changes(
    cast: dict[str, User], city: City
) -> None:
    # week 47 is computed first, week 46 after it: week 47's changes were never taken
    evaluate(schemes=[city.areas], period=Period.parse("2026-W47"), actor=None)
    evaluate(schemes=[city.areas], period=Period.parse("2026-W46"), actor=None)
    page = ranking_page(client_of(cast["leader"]), period="2026-W47", period_kind="week")
    assert '<td class="change "></td>' in row_of(page, "明湖区")
    assert "计算本批次时2026年第46周还没有考核批次，不显示名次升降。" in page


def test_a_subject_new_to_the_ranking_is_marked_new_and_the_unranked_come_last(
    cast: dict[str, User], city: City
) -> None:
    page = ranking_page(client_of(cast["leader"]), period="2026-11", kind="street")
    names = re.findall(r"<th scope=\"row\"><a [^>]*>([^<]+)</a>", page)
    ranked = list(
        city.november.results.filter(subject_kind="street", rank__gt=0)
        .order_by("rank", "code")
        .values_list("name", flat=True)
    )
    assert sorted(ranked) == ["江滨街道", "湖滨街道", "青山街道", "鼓楼街道"]
    assert names[:4] == ranked
    assert len(names) == city.november.results.filter(subject_kind="street").count()
    # 鼓楼街道 had no case in October: new to the ranking
    assert '<td class="change new">新</td>' in row_of(page, "鼓楼街道")
    assert '<td class="change new">' not in row_of(page, "湖滨街道")
    # 新城街道 has no case at all: listed after the ranked, without a rank, and says why
    unranked = row_of(page, "新城街道")
    assert '<td class="rank">—</td>' in unranked
    assert "本期无案卷" in unranked
    assert '<td class="num score">—</td>' in unranked


def test_every_figure_links_to_exactly_the_cases_it_counted(
    cast: dict[str, User], city: City
) -> None:
    client = client_of(cast["leader"])
    for run in (city.october, city.november, city.november_departments):
        for result in run.results.filter(rank__gt=0, subject_kind__in=["district", "department"]):
            for expression, figure in result.counts.items():
                url = f"/rankings/runs/{run.pk}/{result.subject_kind}/{result.subject_id}/{expression}/"
                page = client.get(url).content.decode()
                assert listed_count(page) == figure, (result.name, expression)
                assert len(listed_case_numbers(page)) == min(figure, views.CASES_PAGE_SIZE)


def test_the_cases_behind_the_on_time_close_rate_are_named_and_explained(
    cast: dict[str, User], city: City
) -> None:
    client = client_of(cast["leader"])
    base = f"/rankings/runs/{city.november.pk}/district/{city.minghu.pk}"
    page = client.get(f"{base}/closed_on_time/").content.decode()
    assert listed_case_numbers(page) == [city.closed.case_no]
    assert "2026年11月，按期结案数：1 件。" in page
    assert "应结案、期末前结案，且在处置时限内处置" in page
    assert f'href="/cases/{city.closed.pk}/"' in page  # the leader answers for the whole city
    assert "按期结案率</a>（分子）" in page
    assert f'href="{base}/due/">2</a>' in page  # the denominator, one click away
    assert "暴露垃圾" in page
    assert DEFAULT_DEPARTMENT in page
    assert "已结案" in page
    due = client.get(f"{base}/due/").content.decode()
    assert sorted(listed_case_numbers(due)) == sorted([city.closed.case_no, city.open.case_no])
    overdue = client.get(f"{base}/overdue/").content.decode()
    assert listed_case_numbers(overdue) == [city.open.case_no]
    # no citizen's name or phone on the list
    assert "13800" not in page
    assert "市民" not in re.sub(r"<nav.*?</nav>", "", page, flags=re.S)


def test_the_case_list_names_cases_outside_ones_scope_without_opening_them(
    cast: dict[str, User], city: City
) -> None:
    # the demo supervisor answers for 明湖区 only; 江滨区's cases are counted but not theirs
    url = f"/rankings/runs/{city.november.pk}/district/{city.jiangbin.pk}/closed/"
    page = client_of(cast["supervisor"]).get(url).content.decode()
    [number] = listed_case_numbers(page)
    case = Case.objects.get(case_no=number)
    assert f'href="/cases/{case.pk}/"' not in page
    assert "不在您的负责范围内" in page


def test_a_case_list_is_paginated_and_counts_them_all(cast: dict[str, User], city: City) -> None:
    run = city.november_departments
    url = f"/rankings/runs/{run.pk}/department/{city.department.pk}/dispatched/"
    result = run.results.get(subject_kind="department", subject_id=city.department.pk)
    assert result.counts["dispatched"] == 4
    assert cases_behind(run, SubjectKind.DEPARTMENT, city.department.pk, "dispatched").count() == 4
    page = client_of(cast["deptadmin"]).get(url, {"page": "9"}).content.decode()
    assert listed_count(page) == 4
    assert len(listed_case_numbers(page)) == 4


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/rankings/runs/{run}/district/{minghu}/closed_on_tim/", 404),  # unknown measure
        ("/rankings/runs/{run}/district/{minghu}/closed|nonsense/", 404),
        ("/rankings/runs/{run}/district/{minghu}/accepted/", 404),  # not counted for areas
        ("/rankings/runs/{run}/county/{minghu}/closed/", 404),  # unknown kind of subject
        ("/rankings/runs/999999/district/{minghu}/closed/", 404),
        ("/rankings/runs/{run}/district/999999/closed/", 404),
        ("/rankings/runs/{run}/district/{minghu}/satisfied|basic_satisfied/", 200),
        ("/rankings/areas/2026-13/district/{minghu}/", 404),
        ("/rankings/areas/2026-11/county/{minghu}/", 404),
        ("/rankings/nope/2026-11/district/{minghu}/", 404),
        ("/rankings/areas/2026-09/district/{minghu}/", 404),  # no run that month
        ("/rankings/areas/2026-11/district/999999/", 404),
        ("/rankings/?scheme=nope", 404),
        ("/rankings/compare/?period=2026-W99", 404),
    ],
)
def test_bad_addresses_are_not_found(
    cast: dict[str, User], city: City, path: str, status: int
) -> None:
    url = path.format(run=city.november.pk, minghu=city.minghu.pk)
    response = client_of(cast["leader"]).get(url)
    assert response.status_code == status
    if status == 404:
        assert "页面不存在" in response.content.decode()


def test_a_period_written_wrongly_is_explained_in_chinese(cast: dict[str, User]) -> None:
    response = client_of(cast["leader"]).get("/rankings/", {"period": "2026-13"})
    assert response.status_code == 400
    assert "考核周期“2026-13”格式不对" in response.content.decode()


def test_switching_the_kind_of_period_shows_that_kinds_latest_run(
    cast: dict[str, User], city: City
) -> None:
    [week] = evaluate(schemes=[city.areas], period=Period.parse("2026-W47"), actor=None)
    page = ranking_page(client_of(cast["leader"]), period="2026-11", period_kind="week")
    assert f"批次 #{week.pk}" in page
    assert "2026年第47周 · 区" in page
    # and a kind of subject the scheme does not score falls back to its first
    page = ranking_page(client_of(cast["leader"]), scheme="departments", kind="district")
    assert "2026年11月 · 处置单位" in page


# --- a subject's page ----------------------------------------------------------------------------


def test_a_subjects_page_explains_each_figure_and_its_trend(
    cast: dict[str, User], city: City
) -> None:
    url = f"/rankings/areas/2026-11/district/{city.minghu.pk}/"
    response = client_of(cast["leader"]).get(url, {"indicator": "close_rate"})
    assert response.status_code == 200
    page = response.content.decode()
    result = city.result(city.november, city.minghu)
    assert f"{result.score:.2f}" in page
    assert '3<small class="muted">/3</small>' in page
    assert '<span class="value change down">↓2</span>' in page
    base = f"/rankings/runs/{city.november.pk}/district/{city.minghu.pk}"
    assert (
        f'按期结案数 <a href="{base}/closed_on_time/">1</a> ÷ 应结案数 <a href="{base}/due/">2</a>'
        " = 50.00%"
    ) in page
    assert 'id="ind-on_time_close_rate"' in page
    history = json.loads(re.search(r'id="trend-data"[^>]*>(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    october = city.result(city.october, city.minghu)
    assert [(h["period"], h["score"], h["rank"]) for h in history] == [
        ("2026-10", october.score, 1),
        ("2026-11", result.score, 3),
    ]
    assert [h["values"]["close_rate"] for h in history] == [100.0, 50.0]
    assert '<option value="close_rate" data-unit="%" data-name="结案率" selected>' in page


# --- the centre's runs ---------------------------------------------------------------------------


def _counts() -> tuple[int, int, int]:
    return (
        Run.objects.count(),
        Run.objects.filter(status=RunStatus.PUBLISHED).count(),
        Adjustment.objects.count(),
    )


def test_a_reader_who_does_not_manage_runs_sees_no_buttons_and_cannot_post(
    cast: dict[str, User], city: City
) -> None:
    leader = client_of(cast["leader"])
    page = ranking_page(leader, period="2026-10")
    for button in ("重新计算", "发布批次", "生成更正批次", "录入加减分"):
        assert button not in page
    before = _counts()
    posts = [
        ("/rankings/runs/compute", {"scheme": "areas", "period": "2026-10"}),
        (f"/rankings/runs/{city.october.pk}/publish", {}),
        (f"/rankings/runs/{city.october.pk}/correct", {"note": "试图更正"}),
        (
            "/rankings/runs/adjust",
            {"scheme": "areas", "period": "2026-10", "kind": "district",
             "subject": city.minghu.pk, "points": "5", "reason": "试图加分"},
        ),
    ]  # fmt: skip
    for username in ("leader", "deptadmin", "shiftleader", "inspector"):
        client = client_of(cast[username])
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (username, url)
    assert _counts() == before
    assert client_of(cast["supervisor"]).get("/rankings/runs/compute").status_code == 405


def test_a_post_without_the_csrf_token_is_refused(cast: dict[str, User], city: City) -> None:
    client = client_of(cast["supervisor"], enforce_csrf_checks=True)
    before = _counts()
    response = client.post(f"/rankings/runs/{city.october.pk}/publish", {})
    assert response.status_code == 403
    assert _counts() == before


def test_the_centre_publishes_a_draft_once_its_period_has_ended(
    cast: dict[str, User], city: City
) -> None:
    supervisor = client_of(cast["supervisor"])
    page = ranking_page(supervisor, period="2026-10")
    assert f'action="/rankings/runs/{city.october.pk}/publish"' in page
    assert 'action="/rankings/runs/compute"' in page
    response = supervisor.post(
        f"/rankings/runs/{city.october.pk}/publish", {"kind": "district"}, follow=True
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/rankings/?scheme=areas&period=2026-10&kind=district"
    assert f"已发布批次#{city.october.pk}：2026年10月的排名以此为准" in page
    assert '<span class="status status-closed">已发布</span>' in page
    assert "待发布（草稿）" not in page
    assert 'action="/rankings/runs/compute"' not in page  # changed only by a correction
    city.october.refresh_from_db()
    assert city.october.status == RunStatus.PUBLISHED
    assert city.october.published_by == cast["supervisor"]
    # publishing again is refused with the reason, and changes nothing
    again = supervisor.post(f"/rankings/runs/{city.october.pk}/publish", follow=True)
    assert f"批次#{city.october.pk}已发布，不能重复发布" in again.content.decode()


def test_a_period_that_has_not_ended_cannot_be_published(cast: dict[str, User], city: City) -> None:
    [future] = evaluate(schemes=[city.areas], period=Period.parse("2099-12"), actor=None)
    response = client_of(cast["supervisor"]).post(
        f"/rankings/runs/{future.pk}/publish", {"kind": "district"}, follow=True
    )
    assert "考核周期2099-12尚未结束，不能发布" in response.content.decode()
    future.refresh_from_db()
    assert future.status == RunStatus.DRAFT


def test_recomputing_makes_a_new_draft_but_never_over_a_published_period(
    cast: dict[str, User], city: City
) -> None:
    supervisor = client_of(cast["supervisor"])
    data = {"scheme": "areas", "period": "2026-10", "kind": "district"}
    response = supervisor.post("/rankings/runs/compute", data, follow=True)
    newest = Run.objects.filter(scheme=city.areas, period="2026-10").order_by("-pk").first()
    assert newest is not None
    assert newest.pk != city.october.pk
    assert newest.computed_by == cast["supervisor"]
    page = response.content.decode()
    assert f"已计算2026年10月的排名：批次#{newest.pk}（待发布），计入案卷3件" in page
    assert f"批次 #{newest.pk}" in page
    publish_run(run=newest, actor=cast["supervisor"])
    before = _counts()
    response = supervisor.post("/rankings/runs/compute", data, follow=True)
    assert "本期排名已发布，不能直接重新计算；如有错误请“更正”" in response.content.decode()
    assert _counts() == before
    bad = supervisor.post("/rankings/runs/compute", {**data, "period": "2026-Q9"}, follow=True)
    assert "考核周期“2026-Q9”格式不对" in bad.content.decode()
    assert _counts() == before


def test_a_published_run_is_corrected_by_a_new_run_published_in_its_turn(
    cast: dict[str, User], city: City
) -> None:
    publish_run(run=city.october, actor=cast["supervisor"])
    supervisor = client_of(cast["supervisor"])
    page = ranking_page(supervisor, period="2026-10")
    assert f'action="/rankings/runs/{city.october.pk}/correct"' in page
    # a correction needs its reason
    before = _counts()
    response = supervisor.post(
        f"/rankings/runs/{city.october.pk}/correct", {"note": " ", "kind": "district"}, follow=True
    )
    assert "更正必须写明原因" in response.content.decode()
    assert _counts() == before
    # with it, a draft that names the run it corrects, shown for review before publication
    response = supervisor.post(
        f"/rankings/runs/{city.october.pk}/correct",
        {"note": "补录漏报案卷", "kind": "district"},
        follow=True,
    )
    correction = Run.objects.get(corrects=city.october)
    assert correction.status == RunStatus.DRAFT
    assert correction.note == "补录漏报案卷"
    assert response.redirect_chain[-1][0].endswith(f"&run={correction.pk}")
    page = response.content.decode()
    assert f"已生成更正批次#{correction.pk}（更正#{city.october.pk}），请核对后发布" in page
    assert (
        f"这是批次 #{correction.pk} 的预览，尚未发布；本期排名目前以批次 #{city.october.pk} 为准。"
        in page
    )
    assert current_run(city.areas, "2026-10") == city.october  # until it is published
    # readers still see the published run, the centre sees the correction waiting
    assert f"批次 #{city.october.pk}" in ranking_page(client_of(cast["leader"]), period="2026-10")
    assert f"待发布的批次 #{correction.pk}" in ranking_page(supervisor, period="2026-10")
    supervisor.post(f"/rankings/runs/{correction.pk}/publish", {"kind": "district"})
    assert current_run(city.areas, "2026-10") == Run.objects.get(pk=correction.pk)
    page = ranking_page(client_of(cast["leader"]), period="2026-10")
    assert f"本批次更正了批次 #{city.october.pk}" in page
    assert "更正原因：补录漏报案卷" in page


def test_a_bonus_is_entered_with_its_reason_and_counts_once_recomputed(
    cast: dict[str, User], city: City
) -> None:
    supervisor = client_of(cast["supervisor"])
    data = {
        "scheme": "areas",
        "period": "2026-11",
        "kind": "district",
        "subject": str(city.minghu.pk),
        "points": "2.5",
        "reason": "迎检工作突出",
    }
    response = supervisor.post("/rankings/runs/adjust", data, follow=True)
    page = response.content.decode()
    assert "已录入明湖区 +2.50分（迎检工作突出），重新计算或更正后计入排名" in page
    adjustment = Adjustment.objects.get()
    assert (adjustment.points, adjustment.reason, adjustment.entered_by) == (
        Decimal("2.50"), "迎检工作突出", cast["supervisor"],
    )  # fmt: skip
    assert "重新计算或更正后计入" in page
    before = city.result(city.november, city.minghu).score
    supervisor.post("/rankings/runs/compute", data)
    run = current_run(city.areas, "2026-11")
    assert run is not None
    assert run.pk != city.november.pk
    result = run.results.get(subject_kind="district", subject_id=city.minghu.pk)
    assert result.score == round(before + 2.5, 2)
    subject = supervisor.get(f"/rankings/areas/2026-11/district/{city.minghu.pk}/").content.decode()
    assert "<strong>+2.50</strong> 迎检工作突出" in subject
    assert ranking_page(supervisor, period="2026-11").count("已计入本批次") == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": ""}, "事由：这个字段是必填项。"),
        ({"points": "0"}, "加减分应在−100到100之间，且不为0"),
        ({"points": "150"}, "加减分：确保该值小于或等于100。"),
        ({"subject": "999999"}, "考核对象：选择一个有效的选项"),
    ],
)
def test_a_bad_bonus_is_refused_with_the_reason_and_nothing_is_entered(
    cast: dict[str, User], city: City, change: dict[str, str], message: str
) -> None:
    data = {
        "scheme": "areas",
        "period": "2026-11",
        "kind": "district",
        "subject": str(city.minghu.pk),
        "points": "-3",
        "reason": "媒体曝光问题未及时处置",
        **change,
    }
    response = client_of(cast["supervisor"]).post("/rankings/runs/adjust", data, follow=True)
    assert message in response.content.decode()
    assert not Adjustment.objects.exists()


# --- comparisons ---------------------------------------------------------------------------------


def test_the_comparison_puts_districts_and_departments_side_by_side(
    cast: dict[str, User], city: City
) -> None:
    response = client_of(cast["leader"]).get("/rankings/compare/")
    assert response.status_code == 200
    page = response.content.decode()
    data = json.loads(re.search(r'id="compare-data"[^>]*>(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    districts = data["district"]
    assert districts["names"] == ["江滨区", "青山区", "明湖区"]
    bars = {b["code"]: b["values"] for b in districts["bars"]}
    assert set(bars) == {"close_rate", "on_time_close_rate", "satisfaction_rate"}
    assert bars["on_time_close_rate"] == [100.0, 100.0, 50.0]
    assert districts["periods"] == ["2026年10月", "2026年11月"]  # none before the first run
    lines = {line["name"]: line["values"][-2:] for line in districts["lines"]}
    assert lines["明湖区"] == [
        city.result(city.october, city.minghu).score,
        city.result(city.november, city.minghu).score,
    ]
    departments = data["department"]
    assert departments["names"] == [DEFAULT_DEPARTMENT]
    assert {b["code"] for b in departments["bars"]} == {
        "close_rate", "on_time_disposal_rate", "satisfaction_rate",
    }  # fmt: skip
    assert "/static/vendor/echarts/echarts.min.js" in page


# --- bulletins -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeDocument:
    content: bytes
    filename: str
    content_type: str


def test_a_bulletin_downloads_under_its_chinese_name_with_an_ascii_fallback(
    cast: dict[str, User], city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def document_for(**kwargs: Any) -> FakeDocument:
        calls.append(kwargs)
        return FakeDocument(
            b"PK\x03\x04fake", "示城管〔2026〕1号 2026年11月考核排名.docx", "application/x-test"
        )

    monkeypatch.setattr(views, "document_for", document_for)
    response = client_of(cast["leader"]).get("/rankings/2026-11/bulletin.docx", {"kind": "monthly"})
    assert response.status_code == 200
    assert response.content == b"PK\x03\x04fake"
    assert response["Content-Type"] == "application/x-test"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bulletin-2026-11-monthly.docx"; ')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii()
    assert unquote(encoded) == "示城管〔2026〕1号 2026年11月考核排名.docx"
    assert [(c["period"], c["kind"].value, c["fmt"], c["actor"]) for c in calls] == [
        (NOVEMBER, "monthly", "docx", cast["leader"])
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/rankings/2026-11/bulletin.doc?kind=monthly",  # unknown format
        "/rankings/2026-11/bulletin.docx?kind=weekly",  # a week's bulletin of a month
        "/rankings/2026-11/bulletin.docx?kind=daily",
        "/rankings/2026-09/bulletin.pdf?kind=monthly",  # no run that month
        "/rankings/2026-13/bulletin.pdf?kind=monthly",
    ],
)
def test_a_bulletin_that_cannot_exist_is_not_found(
    cast: dict[str, User], city: City, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    def document_for(**kwargs: Any) -> FakeDocument:
        raise AssertionError("not called")

    monkeypatch.setattr(views, "document_for", document_for)
    assert client_of(cast["leader"]).get(path).status_code == 404


@pytest.mark.parametrize(("fmt", "magic"), [("docx", b"PK"), ("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_the_real_bulletin_downloads_in_each_format(
    cast: dict[str, User], city: City, fmt: str, magic: bytes, settings: Any, tmp_path: Any
) -> None:
    pytest.importorskip(
        "finegrid.reports.render", reason="the bulletin renderers are not there yet"
    )
    settings.MEDIA_ROOT = tmp_path
    response = client_of(cast["leader"]).get(
        f"/rankings/2026-11/bulletin.{fmt}", {"kind": "monthly"}
    )
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert "filename*=UTF-8''" in response["Content-Disposition"]
