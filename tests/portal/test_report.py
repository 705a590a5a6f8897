"""Reporting through the portal: a tracking code for the citizen, every mistake shown next to its
field with what was typed kept, one case however often the form is sent, and a limit per address."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from finegrid.cases import tracking as codes
from finegrid.cases.models import AttachmentKind, Case, Source
from finegrid.geo.crs import CRS, from_wgs84
from tests.cases.builders import grid_point
from tests.cases.conftest import jpeg_bytes
from tests.portal.conftest import report_data

pytestmark = pytest.mark.django_db


def _page(response: Any) -> str:
    return str(response.content.decode())


def test_the_report_page_has_a_labelled_field_for_everything(client: Client) -> None:
    page = _page(client.get("/citizen/report"))
    for field in ("description", "address", "category", "photos", "name", "phone"):
        assert f'<label for="id_{field}">' in page, field
    assert 'name="form_token"' in page
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "只有负责回访的工作人员能看到" in page  # why we ask for a phone, and who sees it


def test_a_citizen_reports_a_problem_and_gets_a_tracking_code(client: Client) -> None:
    photo = SimpleUploadedFile("rubbish.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post("/citizen/report", report_data(photos=[photo]))

    case = Case.objects.get(description="湖滨路口人行道上堆了一堆建筑垃圾")
    assert response.status_code == 302
    assert response["Location"] == f"/citizen/reported/{case.tracking_code}"
    assert case.source == Source.CITIZEN
    assert case.reporter is None
    assert case.address == "湖滨路与公园路交叉口东北角"
    assert case.community is not None
    assert case.community.name == "湖滨社区"
    assert case.citizen is not None
    assert (case.citizen.name, case.citizen.phone) == ("王女士", "13812345678")
    assert list(case.attachments.values_list("kind", flat=True)) == [AttachmentKind.BEFORE]

    page = _page(client.get(response["Location"]))
    assert codes.display(case.tracking_code or "") in page
    assert case.case_no in page
    assert f'data-code="{case.tracking_code}"' in page  # what the browser keeps in "my reports"


def test_name_and_phone_are_optional(client: Client) -> None:
    response = client.post("/citizen/report", report_data(name="", phone=""))
    assert response.status_code == 302
    assert Case.objects.get(description="湖滨路口人行道上堆了一堆建筑垃圾").citizen is None


def test_a_missing_description_is_shown_at_the_field_and_the_rest_is_kept(client: Client) -> None:
    before = Case.objects.count()
    response = client.post("/citizen/report", report_data(description="  "))
    page = _page(response)
    assert response.status_code == 200
    assert '<ul class="errorlist" id="id_description_error"><li>请填写问题描述</li></ul>' in page
    assert 'aria-describedby="id_description_helptext id_description_error"' in page
    assert 'aria-invalid="true"' in page
    assert 'value="湖滨路与公园路交叉口东北角"' in page
    assert 'value="王女士"' in page
    assert 'value="138 1234 5678"' in page
    assert Case.objects.count() == before


def test_a_point_outside_the_city_is_refused_at_the_map(client: Client) -> None:
    before = Case.objects.count()
    response = client.post("/citizen/report", report_data(lon="100.0", lat="30.0"))
    page = _page(response)
    assert response.status_code == 200
    assert (
        '<ul class="errorlist" id="id_lon_error"><li>所选位置不在本市范围内，请重新选择</li></ul>'
        in page
    )
    assert "湖滨路口人行道上堆了一堆建筑垃圾</textarea>" in page
    assert Case.objects.count() == before


def test_a_report_without_a_pin_asks_for_one(client: Client) -> None:
    response = client.post("/citizen/report", report_data(lon="", lat=""))
    assert "请在地图上点选问题位置" in _page(response)


def test_a_fake_image_is_named_and_everything_else_is_kept(client: Client) -> None:
    before = Case.objects.count()
    good = SimpleUploadedFile("good.jpg", jpeg_bytes(), content_type="image/jpeg")
    fake = SimpleUploadedFile("fake.jpg", b"this is not a picture", content_type="image/jpeg")
    response = client.post("/citizen/report", report_data(photos=[good, fake]))
    page = _page(response)
    assert response.status_code == 200
    assert "“fake.jpg”不是有效的图片文件" in page
    assert "good.jpg" not in page  # only the bad one is named
    assert "其他内容已保留，请重新选择照片后提交。" in page
    assert "湖滨路口人行道上堆了一堆建筑垃圾</textarea>" in page
    assert 'value="湖滨路与公园路交叉口东北角"' in page
    assert Case.objects.count() == before
    # The same form, sent again with good photos, goes through.
    data = report_data(photos=[SimpleUploadedFile("good.jpg", jpeg_bytes())])
    data["form_token"] = _form_token(page)
    assert client.post("/citizen/report", data).status_code == 302
    assert Case.objects.count() == before + 1


def test_a_wrong_phone_number_is_explained(client: Client) -> None:
    response = client.post("/citizen/report", report_data(phone="1381234567"))
    assert "请填写正确的手机号（11位）或座机号" in _page(response)
    assert response.status_code == 200


def test_a_landline_is_accepted_and_stored_tidily(client: Client) -> None:
    client.post("/citizen/report", report_data(phone="(021) 6123-4567"))
    case = Case.objects.get(description="湖滨路口人行道上堆了一堆建筑垃圾")
    assert case.citizen is not None
    assert case.citizen.phone == "021-61234567"


def test_a_double_click_files_one_case(client: Client) -> None:
    before = Case.objects.count()
    data = report_data()
    first = client.post("/citizen/report", data)
    second = client.post("/citizen/report", data)
    case = Case.objects.get(description="湖滨路口人行道上堆了一堆建筑垃圾")
    assert first["Location"] == f"/citizen/reported/{case.tracking_code}"
    assert second["Location"] == f"/citizen/reported/{case.tracking_code}?again=1"
    assert Case.objects.count() == before + 1
    assert "没有重复上报" in _page(client.get(second["Location"]))


def test_a_form_without_its_token_is_refused_and_kept(client: Client) -> None:
    before = Case.objects.count()
    response = client.post("/citizen/report", report_data(form_token=""))
    assert response.status_code == 200
    assert "湖滨路口人行道上堆了一堆建筑垃圾</textarea>" in _page(response)
    assert Case.objects.count() == before


def test_a_gcj02_point_from_wechat_is_stored_in_wgs84(client: Client) -> None:
    lon, lat = grid_point()
    gcj_lon, gcj_lat = from_wgs84(lon, lat, CRS.GCJ02)
    assert abs(gcj_lon - lon) > 1e-4  # the shift is real where the demo city lies
    response = client.post(
        "/citizen/report", report_data(lon=f"{gcj_lon:.7f}", lat=f"{gcj_lat:.7f}", crs="gcj02")
    )
    assert response.status_code == 302
    case = Case.objects.get(description="湖滨路口人行道上堆了一堆建筑垃圾")
    assert case.lon == pytest.approx(lon, abs=1e-5)
    assert case.lat == pytest.approx(lat, abs=1e-5)


def test_a_wechat_link_places_the_pin(client: Client) -> None:
    lon, lat = grid_point()
    gcj_lon, gcj_lat = from_wgs84(lon, lat, CRS.GCJ02)
    page = _page(
        client.get("/citizen/report", {"lon": f"{gcj_lon}", "lat": f"{gcj_lat}", "crs": "gcj02"})
    )
    assert 'name="crs" value="gcj02"' in page
    assert "湖滨社区" in page


def test_too_many_reports_from_one_address_get_429(client: Client, settings: Any) -> None:
    settings.FINEGRID_RATE_ANONYMOUS = "2/min"
    answers = [client.post("/citizen/report", report_data()).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    limited = client.post("/citizen/report", report_data())
    assert "请求过于频繁" in _page(limited)
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert Case.objects.filter(description="湖滨路口人行道上堆了一堆建筑垃圾").count() == 2


def test_the_pages_speak_english_when_asked(client: Client) -> None:
    response = client.get("/citizen/report", headers={"Accept-Language": "en"})
    page = _page(response)
    assert "Report a problem" in page
    assert 'lang="en"' in page


def _form_token(page: str) -> str:
    marker = 'name="form_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]
