"""The inspector's mobile workspace (/m/) through HTTP: report, verify and check tasks, and what
goes wrong on a phone in the street (double taps, bad photos, stale pages, a shifted GPS)."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from finegrid.api.models import Upload
from finegrid.cases import actions
from finegrid.cases.errors import InvalidInput
from finegrid.cases.models import AttachmentKind, Case, CaseEvent, Source
from finegrid.cases.photos import Photo
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import Category, Kind
from finegrid.geo.crs import CRS, from_wgs84
from finegrid.org.models import User
from finegrid.web import inspector
from finegrid.web.inspector import changed_by_message
from tests.cases.builders import (
    START,
    actor_for,
    case_in,
    grid_point,
    perform,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
    snapshot,
)
from tests.cases.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

GRID = "990102001001005"  # patrolled by the demo `inspector` (张伟)


@pytest.fixture
def phone(cast: dict[str, User]) -> Client:
    client = Client()
    client.force_login(cast["inspector"])
    return client


def rubbish() -> Category:
    return Category.objects.get(kind=Kind.MATTER, name="暴露垃圾")


def report_data(**changes: Any) -> dict[str, Any]:
    lon, lat = grid_point(GRID)
    data: dict[str, Any] = {
        "form_token": str(uuid.uuid4()),
        "lon": f"{lon:.7f}",
        "lat": f"{lat:.7f}",
        "crs": "wgs84",
        "category": str(rubbish().pk),
        "description": "人行道上堆放建筑垃圾",
        "address": "湖滨路12号门前",
        "urgency": "C",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def photo(name: str = "scene.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes() if content is None else content, "image/jpeg")


def case_url(case_id: int) -> str:
    return f"/m/cases/{case_id}"


# --- report --------------------------------------------------------------------------------------


def test_a_report_files_a_case_with_its_photo(phone: Client, cast: dict[str, User]) -> None:
    before = Case.objects.count()
    response = phone.post("/m/report", {**report_data(), "photos": [photo()]})

    case = Case.objects.get(reporter=cast["inspector"], description="人行道上堆放建筑垃圾")
    assert response.status_code == 302
    assert response["Location"] == f"{case_url(case.pk)}?done=report"
    assert Case.objects.count() == before + 1
    assert (case.source, case.status, case.grid.code if case.grid else None) == (
        Source.INSPECTOR,
        Status.REPORTED,
        GRID,
    )
    assert (case.category, case.address, case.urgency, case.self_handled) == (
        rubbish(),
        "湖滨路12号门前",
        "C",
        False,
    )
    (attachment,) = case.attachments.all()
    assert attachment.kind == AttachmentKind.BEFORE
    assert attachment.sha256 == hashlib.sha256(jpeg_bytes()).hexdigest()
    page = phone.get(response["Location"]).content.decode()
    assert f"已上报，案卷号{case.case_no}" in page
    assert phone.get(f"/m/cases/{case.pk}/photos/{attachment.pk}").status_code == 200


def test_a_self_handled_report_waits_for_review(phone: Client, cast: dict[str, User]) -> None:
    response = phone.post(
        "/m/report", {**report_data(self_handled="on"), "photos": [photo("after.jpg")]}
    )

    assert response.status_code == 302
    case = Case.objects.get(reporter=cast["inspector"], description="人行道上堆放建筑垃圾")
    assert (case.status, case.self_handled) == (Status.SELF_HANDLED, True)
    assert [a.kind for a in case.attachments.all()] == [AttachmentKind.AFTER]


def test_a_gcj02_position_from_wechat_is_converted_to_wgs84(
    phone: Client, cast: dict[str, User]
) -> None:
    lon, lat = grid_point(GRID)
    gcj_lon, gcj_lat = from_wgs84(lon, lat, CRS.GCJ02)
    assert abs(gcj_lon - lon) > 1e-3  # the shift is hundreds of metres: worth converting

    form = phone.get(
        "/m/report", {"lon": f"{gcj_lon:.8f}", "lat": f"{gcj_lat:.8f}", "crs": "gcj02"}
    )
    assert form.context["form"]["crs"].value() == "gcj02"
    response = phone.post(
        "/m/report",
        report_data(lon=f"{gcj_lon:.8f}", lat=f"{gcj_lat:.8f}", crs="gcj02"),
    )

    assert response.status_code == 302
    case = Case.objects.get(reporter=cast["inspector"], description="人行道上堆放建筑垃圾")
    assert case.lon == pytest.approx(lon, abs=1e-6)
    assert case.lat == pytest.approx(lat, abs=1e-6)
    assert case.grid is not None
    assert case.grid.code == GRID


def test_missing_fields_are_named_in_chinese_and_what_was_typed_stays(
    phone: Client, cast: dict[str, User]
) -> None:
    before = Case.objects.count()
    response = phone.post(
        "/m/report",
        report_data(lon=None, lat=None, category=None, description="", address="湖滨路口东侧"),
    )

    assert response.status_code == 400
    assert Case.objects.count() == before
    errors = response.context["form"].errors
    assert errors["lon"] == ["请定位或在地图上点选事发位置"]
    assert errors["category"] == ["请选择问题类别"]
    assert errors["description"] == ["请填写问题描述"]
    page = response.content.decode()
    assert 'value="湖滨路口东侧"' in page
    assert "问题类别：请选择问题类别" in page  # the summary at the top links to the field


def test_a_refused_report_keeps_its_token_so_the_fix_goes_through(
    phone: Client, cast: dict[str, User]
) -> None:
    data = report_data(description="  ")
    refused = phone.post("/m/report", data)
    assert refused.status_code == 400
    assert refused.context["token"] == data["form_token"]

    response = phone.post("/m/report", {**data, "description": "井盖缺失"})

    assert response.status_code == 302
    assert Case.objects.filter(reporter=cast["inspector"], description="井盖缺失").count() == 1


def test_an_error_from_the_action_is_shown_next_to_its_field(
    phone: Client, cast: dict[str, User]
) -> None:
    before = Case.objects.count()
    response = phone.post("/m/report", report_data(lon="116.4", lat="39.9"))

    assert response.status_code == 400
    assert Case.objects.count() == before
    assert response.context["form"].errors["lon"] == ["坐标(116.40000, 39.90000)不在本市范围内"]
    assert response.context["location_errors"] == ["坐标(116.40000, 39.90000)不在本市范围内"]


def test_an_error_about_no_field_of_the_form_is_shown_at_the_top(
    phone: Client, cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> Case:
        raise InvalidInput("component_code", "部件标识码应为17位数字")

    monkeypatch.setattr(actions, "report_case", refuse)
    response = phone.post("/m/report", report_data())

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["部件标识码应为17位数字"]
    assert response.context["summary"] == [("", "", "部件标识码应为17位数字")]
    assert "部件标识码应为17位数字" in response.content.decode()


def test_a_fake_photo_is_refused_and_the_rest_of_the_report_is_kept(
    phone: Client, cast: dict[str, User]
) -> None:
    data = report_data(description="绿化带内有大量垃圾")
    before = Case.objects.count()
    refused = phone.post(
        "/m/report",
        {**data, "photos": [photo("good.jpg"), photo("virus.jpg", b"MZ\x90\x00 not an image")]},
    )

    assert refused.status_code == 400
    assert Case.objects.count() == before
    assert refused.context["form"].errors["photos"] == ["“virus.jpg”不是有效的图片文件"]
    page = refused.content.decode()
    assert "绿化带内有大量垃圾" in page
    (kept,) = refused.context["kept"]
    assert (kept.name, kept.sha256) == ("good.jpg", hashlib.sha256(jpeg_bytes()).hexdigest())
    assert f'name="kept" value="{kept.pk}" checked' in page
    assert phone.get(f"/m/kept/{kept.pk}").status_code == 200

    # Sent again with the kept photo and without the bad one: filed, the photo used up.
    response = phone.post("/m/report", {**data, "kept": [str(kept.pk)]})

    assert response.status_code == 302
    case = Case.objects.get(reporter=cast["inspector"], description="绿化带内有大量垃圾")
    assert [a.sha256 for a in case.attachments.all()] == [kept.sha256]
    assert not Upload.objects.filter(pk=kept.pk).exists()


def test_a_kept_photo_is_its_owners_alone(phone: Client, cast: dict[str, User]) -> None:
    refused = phone.post("/m/report", {**report_data(description=""), "photos": [photo()]})
    (kept,) = refused.context["kept"]
    other = Client()
    other.force_login(User.objects.get(username="inspector02"))

    assert other.get(f"/m/kept/{kept.pk}").status_code == 404
    response = other.post("/m/report", {**report_data(), "kept": [str(kept.pk)]})
    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == ["部分先前保留的照片已过期，请重新选择"]


def test_a_double_tap_files_once(phone: Client, cast: dict[str, User]) -> None:
    data = report_data(description="路灯不亮")
    before = Case.objects.count()

    first = phone.post("/m/report", {**data, "photos": [photo()]})
    second = phone.post("/m/report", {**data, "photos": [photo()]})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == before + 1
    case = Case.objects.get(reporter=cast["inspector"], description="路灯不亮")
    assert case.attachments.count() == 1


def test_the_category_picker_offers_search_data_and_the_seven_action_tags(phone: Client) -> None:
    page = phone.get("/m/report").content.decode()

    assert re.findall(r'data-tag="(\w+)"', page) == [
        "clean",
        "smooth",
        "lit",
        "green",
        "beautiful",
        "orderly",
        "service",
    ]
    category = rubbish()
    tags = " ".join(t.code for t in category.action_tags.all())
    assert (
        f'<option value="{category.pk}" data-tags="{tags}" data-code="{category.code}">暴露垃圾</option>'
        in page
    )
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "cdn" not in page.lower()


# --- verify and check tasks ----------------------------------------------------------------------


def test_a_verify_task_is_done_from_the_phone(phone: Client, cast: dict[str, User]) -> None:
    case = case_in(Status.VERIFYING, cast=cast)
    assert case.inspector == cast["inspector"]
    page = phone.get(case_url(case.pk))
    assert page.context["task"] == "verify"
    assert f'name="version" value="{case.version}"' in page.content.decode()

    response = phone.post(
        case_url(case.pk),
        {
            "form_token": page.context["token"],
            "version": case.version,
            "outcome": "yes",
            "note": "现场确认属实",
            "photos": [photo("site.jpg")],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{case_url(case.pk)}?done=verify"
    case.refresh_from_db()
    assert case.status == Status.PENDING_FILING
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event is not None
    assert (event.action, event.actor, event.note, event.data["confirmed"]) == (
        Action.VERIFY,
        cast["inspector"],
        "现场确认属实",
        True,
    )
    assert [a.kind for a in event.attachments.all()] == [AttachmentKind.BEFORE]
    assert "核实结果已提交" in phone.get(response["Location"]).content.decode()


def test_not_confirmed_without_a_note_is_refused_next_to_the_note(
    phone: Client, cast: dict[str, User]
) -> None:
    case = case_in(Status.VERIFYING, cast=cast)
    before = snapshot(case)

    response = phone.post(
        case_url(case.pk),
        {"form_token": str(uuid.uuid4()), "version": case.version, "outcome": "no", "note": ""},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["note"] == ["此操作必须填写意见或理由"]
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("outcome", "status", "reworks"),
    [("yes", Status.PENDING_CLOSE, 0), ("no", Status.DISPOSING, 1)],
)
def test_a_check_task_passes_or_sends_the_case_back(
    phone: Client, cast: dict[str, User], outcome: str, status: Status, reworks: int
) -> None:
    case = case_in(Status.CHECKING, cast=cast)
    page = phone.get(case_url(case.pk))
    assert page.context["task"] == "check"
    assert "未处置到位，返工" in page.content.decode()

    response = phone.post(
        case_url(case.pk),
        {
            "form_token": page.context["token"],
            "version": case.version,
            "outcome": outcome,
            "note": "井盖仍未更换" if outcome == "no" else "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{case_url(case.pk)}?done=check"
    case.refresh_from_db()
    assert (case.status, case.rework_count) == (status, reworks)


def test_a_double_tap_on_a_task_acts_once(phone: Client, cast: dict[str, User]) -> None:
    case = case_in(Status.VERIFYING, cast=cast)
    data = {
        "form_token": str(uuid.uuid4()),
        "version": case.version,
        "outcome": "yes",
        "note": "",
    }

    first = phone.post(case_url(case.pk), data)
    second = phone.post(case_url(case.pk), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert CaseEvent.objects.filter(case=case, action=Action.VERIFY).count() == 1


def test_the_twin_that_loses_the_race_answers_like_the_first(
    phone: Client, cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two taps in flight at once: the second read the case and looked for the token's record
    before the first committed, then meets the case changed by it; it answers as the first did."""
    case = case_in(Status.VERIFYING, cast=cast)
    read_before = Case.objects.get(pk=case.pk)
    data = {"form_token": str(uuid.uuid4()), "version": case.version, "outcome": "yes"}
    first = phone.post(case_url(case.pk), data)
    monkeypatch.setattr(inspector, "_case_or_404", lambda user, case_id: read_before)
    monkeypatch.setattr(inspector, "already_done", lambda user, request: None)
    monkeypatch.setattr(inspector, "once", lambda *, run, **kwargs: run()[:2])

    second = phone.post(case_url(case.pk), data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == first["Location"] == f"{case_url(case.pk)}?done=verify"
    assert CaseEvent.objects.filter(case=case, action=Action.VERIFY).count() == 1


def test_a_case_changed_by_someone_else_says_who_and_when_and_reloads(
    phone: Client, cast: dict[str, User]
) -> None:
    case = case_in(Status.VERIFYING, cast=cast)
    seen = phone.get(case_url(case.pk))
    supervisor = actor_for(Action.SUPERVISE, case, cast)
    event = perform(Action.SUPERVISE, case=case, actor=supervisor, note="请尽快核实")
    case.refresh_from_db()
    before = snapshot(case)

    response = phone.post(
        case_url(case.pk),
        {
            "form_token": seen.context["token"],
            "version": seen.context["case"].version,
            "outcome": "yes",
            "note": "已到现场",
        },
    )

    assert response.status_code == 409
    when = date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT")
    expected = f"此案卷已被{supervisor}于{when}修改（督办），以下为最新内容"
    assert response.context["alert"] == expected == changed_by_message(case)
    assert expected in response.content.decode()
    assert snapshot(case) == before
    # Reloaded: the page now carries the new version and keeps the note that was typed.
    form = response.context["form"]
    assert form["version"].value() == case.version
    assert form["note"].value() == "已到现场"

    again = phone.post(
        case_url(case.pk),
        {
            "form_token": response.context["token"],
            "version": case.version,
            "outcome": "yes",
            "note": "已到现场",
        },
    )
    assert again.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.PENDING_FILING


def test_a_case_no_longer_waiting_for_me_cannot_be_acted_on(
    phone: Client, cast: dict[str, User]
) -> None:
    case = case_in(Status.PENDING_FILING, cast=cast)
    before = snapshot(case)

    response = phone.post(
        case_url(case.pk),
        {"form_token": str(uuid.uuid4()), "version": case.version, "outcome": "yes"},
    )

    assert response.status_code == 409
    assert response.context["alert"] == "此案卷当前没有待您核实或核查的任务"
    assert response.context["form"] is None
    assert snapshot(case) == before


# --- home: tasks nearest first -------------------------------------------------------------------


def test_tasks_come_nearest_first_then_by_deadline(phone: Client, cast: dict[str, User]) -> None:
    farthest = case_in(Status.VERIFYING, cast=cast, grid="990102001002010")  # 640 m away
    near_late = case_in(Status.VERIFYING, cast=cast, grid="990102001001012")
    near_early = case_in(
        Status.CHECKING, cast=cast, grid="990102001001012", start=START.replace(hour=8)
    )
    middle = case_in(Status.VERIFYING, cast=cast, grid="990102001003020")  # 570 m away
    assert near_early.step_deadline is not None
    assert near_late.step_deadline is not None
    assert near_early.step_deadline < near_late.step_deadline
    lon, lat = grid_point("990102001001012")

    response = phone.get("/m/tasks", {"lon": f"{lon:.7f}", "lat": f"{lat:.7f}"})

    ids = [t.case.pk for t in response.context["tasks"]]
    assert ids == [near_early.pk, near_late.pk, middle.pk, farthest.pk]
    distances = [t.distance_m for t in response.context["tasks"]]
    assert distances[0] == distances[1] == pytest.approx(0, abs=0.01)
    assert 0 < distances[2] < distances[3]
    assert "约0米" in response.content.decode()
    # Without a position: earliest deadline first, and the page says how it is sorted.
    by_deadline = phone.get("/m/")
    assert by_deadline.context["tasks"][0].case.pk == near_early.pk
    assert "按时限先后排列" in by_deadline.content.decode()


def test_the_position_may_come_in_gcj02_too(phone: Client, cast: dict[str, User]) -> None:
    near = case_in(Status.VERIFYING, cast=cast, grid="990102001001012")
    far = case_in(Status.VERIFYING, cast=cast, grid="990102001003020")
    lon, lat = from_wgs84(*grid_point("990102001003020"), CRS.GCJ02)

    response = phone.get("/m/", {"lon": f"{lon:.8f}", "lat": f"{lat:.8f}", "crs": "gcj02"})

    assert [t.case.pk for t in response.context["tasks"]] == [far.pk, near.pk]
    assert response.context["tasks"][0].distance_m == pytest.approx(0, abs=0.5)


def test_home_shows_my_grids_tasks_deadlines_and_reports(
    phone: Client, cast: dict[str, User]
) -> None:
    task = case_in(Status.VERIFYING, cast=cast)
    mine = case_in(Status.REPORTED, cast=cast, source=Source.INSPECTOR)

    response = phone.get("/m/")

    page = response.content.decode()
    assert response.context["grid_count"] == 238
    (shown,) = [t for t in response.context["tasks"] if t.case.pk == task.pk]
    assert shown.clock is not None
    assert shown.clock.light == "red"  # built days ago: long past its 30-minute limit
    assert shown.clock.left.startswith("已超时")
    assert "红灯" in page
    assert mine.case_no in page
    assert 'href="/m/report"' in page
    grids = phone.get("/m/grids.geojson").json()
    assert len(grids["features"]) == 238
    assert {f["properties"]["code"] for f in grids["features"]} >= {GRID}


def test_locate_names_the_place_and_says_whether_the_grid_is_mine(
    phone: Client, cast: dict[str, User]
) -> None:
    lon, lat = from_wgs84(*grid_point(GRID), CRS.GCJ02)
    body = phone.get("/m/locate", {"lon": f"{lon:.8f}", "lat": f"{lat:.8f}", "crs": "gcj02"}).json()
    assert (body["grid"], body["mine"]) == (GRID, True)
    assert body["label"] == f"湖滨街道湖滨社区 · 网格{GRID}"

    there_lon, there_lat = grid_point("990102002001001")
    elsewhere = phone.get("/m/locate", {"lon": f"{there_lon:.7f}", "lat": f"{there_lat:.7f}"})
    assert elsewhere.json()["mine"] is False
    assert elsewhere.json()["label"].endswith("（不在您的责任网格内）")

    outside = phone.get("/m/locate", {"lon": "116.4", "lat": "39.9"})
    assert outside.status_code == 404
    assert outside.json()["error"] == "坐标(116.40000, 39.90000)不在本市范围内"
    assert phone.get("/m/locate", {"lon": "abc", "lat": "1"}).status_code == 400


# --- access --------------------------------------------------------------------------------------


def test_only_inspectors_get_in(cast: dict[str, User]) -> None:
    case = case_in(Status.VERIFYING, cast=cast)
    anonymous = Client()
    assert anonymous.get("/m/").status_code == 302
    assert anonymous.get("/m/").headers["Location"].startswith("/login/")
    for username in ("dispatcher", "receptionist", "handler", "leader"):
        client = Client()
        client.force_login(cast[username])
        for url in ("/m/", "/m/report", case_url(case.pk), "/m/tasks", "/m/grids.geojson"):
            assert client.get(url).status_code == 403, (username, url)
        assert client.post("/m/report", report_data()).status_code == 403


def test_a_case_outside_my_grids_is_not_found(phone: Client, cast: dict[str, User]) -> None:
    colleague = User.objects.get(username="inspector02")
    elsewhere = actions.report_case(
        actor=colleague,
        source=Source.INSPECTOR,
        lon=grid_point("990102002001001")[0],
        lat=grid_point("990102002001001")[1],
        description="别人网格里的问题",
        photos=[Photo("there.jpg", jpeg_bytes())],
    )
    (attachment,) = elsewhere.attachments.all()
    before = snapshot(elsewhere)
    other = Client()
    other.force_login(colleague)
    assert other.get(f"/m/cases/{elsewhere.pk}/photos/{attachment.pk}").status_code == 200

    assert phone.get(case_url(elsewhere.pk)).status_code == 404
    assert phone.get(f"/m/cases/{elsewhere.pk}/photos/{attachment.pk}").status_code == 404
    response = phone.post(
        case_url(elsewhere.pk),
        {"form_token": str(uuid.uuid4()), "version": elsewhere.version, "outcome": "yes"},
    )
    assert response.status_code == 404
    assert snapshot(elsewhere) == before
    assert phone.get(case_url(2**63)).status_code == 404
