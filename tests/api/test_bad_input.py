"""Bad requests get one error shape, the field at fault, the caller's language, and change nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from finegrid.cases.models import Case
from tests.cases.conftest import grid_point, jpeg_bytes

pytestmark = pytest.mark.django_db


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) >= {"code", "message", "field"}
    return dict(body["error"])


def test_no_credentials_is_401_with_the_shape() -> None:
    response = Client().get("/api/v1/cases")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_a_wrong_token_is_401() -> None:
    response = Client().get("/api/v1/cases", headers={"Authorization": "Bearer fg_nope"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"


def test_a_revoked_token_stops_working(cast: Any) -> None:
    from finegrid.api.tokens import issue_personal_token, revoke_token

    token, secret = issue_personal_token(user=cast["dispatcher"], name="脚本")
    headers = {"Authorization": f"Bearer {secret}"}
    assert Client().get("/api/v1/me", headers=headers).status_code == 200
    revoke_token(token=token, by=cast["dispatcher"])
    assert Client().get("/api/v1/me", headers=headers).status_code == 401


def test_malformed_json_is_400_and_files_nothing(api_as: Any) -> None:
    inspector = api_as("inspector")
    before = Case.objects.count()
    response = inspector.client.post(
        "/api/v1/cases", "{not json", content_type="application/json", headers=inspector.headers
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert Case.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"lat": 30.0, "description": "x"}, "lon", "lon：缺少必填项"),
        ({"lon": "east", "lat": 30.0, "description": "x"}, "lon", "lon：应为数字"),
        ({"lon": 200, "lat": 30.0, "description": "x"}, "lon", "lon：应不大于180"),
        ({"lon": 120, "lat": 30.0, "description": ""}, "description", None),
        ({"lon": 120, "lat": 30.0, "description": "x", "urgency": "Z"}, "urgency", None),
    ],
)
def test_a_bad_field_is_422_naming_it(
    api_as: Any, body: dict[str, Any], field: str, message: str | None
) -> None:
    before = Case.objects.count()
    response = api_as("inspector").post("/cases", body)
    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], error["field"]) == ("invalid", field)
    if message:
        assert error["message"] == message
    assert Case.objects.count() == before


def test_a_point_outside_the_city_is_refused_in_english_on_request(api_as: Any) -> None:
    inspector = api_as("inspector")
    inspector.headers["Accept-Language"] = "en"
    response = inspector.post("/cases", {"lon": 100.0, "lat": 40.0, "description": "垃圾"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "location"
    assert "is outside the city" in error["message"]


def test_a_wrong_category_and_a_wrong_date_are_named(api_as: Any) -> None:
    lon, lat = grid_point()
    inspector = api_as("inspector")
    wrong = inspector.post(
        "/cases", {"lon": lon, "lat": lat, "description": "x", "category_id": 999999}
    )
    assert (wrong.status_code, error_of(wrong)["field"]) == (422, "category_id")
    date = inspector.get("/cases", reported_from="21/11/2026")
    assert (date.status_code, error_of(date)["field"]) == (422, "reported_from")
    assert "ISO 8601" in error_of(date)["message"]


def test_an_unknown_case_and_one_out_of_scope_look_the_same(api_as: Any, cast: Any) -> None:
    lon, lat = grid_point()
    case = api_as("inspector").post("/cases", {"lon": lon, "lat": lat, "description": "x"}).json()
    handler = api_as("handler")  # nothing was dispatched to the handler's department yet
    hidden = handler.get(f"/cases/{case['id']}")
    missing = handler.get("/cases/99999999")
    assert hidden.status_code == missing.status_code == 404
    assert error_of(hidden) == error_of(missing)


def test_an_action_not_allowed_in_the_status_is_409(api_as: Any) -> None:
    lon, lat = grid_point()
    case = api_as("inspector").post("/cases", {"lon": lon, "lat": lat, "description": "x"}).json()
    response = api_as("shiftleader").post(f"/cases/{case['id']}/close", {"version": 1})
    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_transition"


def test_a_renamed_executable_is_refused_as_a_photo(api_as: Any) -> None:
    response = api_as("inspector").upload(b"MZ\x90\x00" + b"\x00" * 200, name="photo.jpg")
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "photos"
    assert "不是有效的图片文件" in error["message"]


def test_an_oversized_request_is_413_before_it_is_read(api_as: Any, settings: Any) -> None:
    settings.FINEGRID_MAX_REQUEST_BYTES = 1024
    response = api_as("inspector").upload(jpeg_bytes() + b"\x00" * 4096)
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_a_photo_that_was_already_used_is_refused_and_the_report_is_not_filed(api_as: Any) -> None:
    inspector = api_as("inspector")
    upload = inspector.upload(jpeg_bytes()).json()
    lon, lat = grid_point()
    first = inspector.post(
        "/cases", {"lon": lon, "lat": lat, "description": "x", "photos": [upload["id"]]}
    )
    assert first.status_code == 201
    before = Case.objects.count()
    again = inspector.post(
        "/cases", {"lon": lon, "lat": lat, "description": "y", "photos": [upload["id"]]}
    )
    assert (again.status_code, error_of(again)["field"]) == (422, "photos")
    assert Case.objects.count() == before


def test_someone_elses_upload_cannot_be_used(api_as: Any) -> None:
    upload = api_as("receptionist").upload(jpeg_bytes()).json()
    lon, lat = grid_point()
    response = api_as("inspector").post(
        "/cases", {"lon": lon, "lat": lat, "description": "x", "photos": [upload["id"]]}
    )
    assert response.status_code == 422


def gps_jpeg() -> bytes:
    image = Image.new("RGB", (16, 16), "blue")
    exif = image.getexif()
    exif[0x0110] = "finegrid test camera"  # Model: kept
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0), 3: "E", 4: (114.0, 17.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_citizens_photo_loses_its_gps_but_a_staff_photo_keeps_it(
    api_as: Any, hotline: Any
) -> None:
    lon, lat = grid_point()
    for caller, kept in ((hotline, False), (api_as("inspector"), True)):
        upload = caller.upload(gps_jpeg()).json()
        case = caller.post(
            "/cases", {"lon": lon, "lat": lat, "description": "x", "photos": [upload["id"]]}
        ).json()
        stored = Case.objects.get(pk=case["id"]).attachments.get()
        with stored.file.open("rb") as handle, Image.open(handle) as image:
            exif = image.getexif()
            assert (0x8825 in exif) is kept
            assert exif[0x0110] == "finegrid test camera"


def test_a_nul_character_is_refused_before_it_reaches_the_database(api_as: Any) -> None:
    inspector = api_as("inspector")
    assert inspector.get("/geo/areas", parent="99\x0001").status_code == 400
    lon, lat = grid_point()
    before = Case.objects.count()
    response = inspector.post("/cases", {"lon": lon, "lat": lat, "description": "垃圾\x00"})
    assert response.status_code == 400
    assert "空字符" in error_of(response)["message"]
    assert Case.objects.count() == before
    inspector.headers["Accept-Language"] = "en"
    english = inspector.get("/geo/areas", parent="\x00")
    assert "NUL" in error_of(english)["message"]
