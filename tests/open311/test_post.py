"""POST requests.{json,xml}: a 311 client's report enters the normal workflow through the one write
path; every refusal answers in the spec's error shape and writes nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from finegrid.api.models import ApiToken
from finegrid.api.tokens import issue_personal_token, issue_service_token
from finegrid.cases import actions
from finegrid.cases.events import verify_chain
from finegrid.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CitizenContact,
    DailyCounter,
    Source,
)
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import Category, Kind, Urgency
from finegrid.geo.models import Area
from finegrid.open311.models import RequestToken
from finegrid.org.models import User
from tests.cases.conftest import jpeg_bytes
from tests.open311.conftest import CITY, GRID, Key, jpeg_with_gps, point_in, post
from tests.open311.spec import example_json, example_xml, json_shape, xml_root, xml_shape

pytestmark = pytest.mark.django_db


def fields(key: Key, **extra: Any) -> dict[str, Any]:
    lon, lat = point_in(GRID)
    return {
        "api_key": key.secret,
        "service_code": "matter-06010",
        "lat": f"{lat:.7f}",
        "long": f"{lon:.7f}",
        "address_string": "湖滨路与柳岸街交叉口",
        "description": "路口有一堆垃圾",
        **extra,
    }


def written() -> dict[str, int]:
    """How many rows a report writes to, and the case number counter."""
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "attachments": CaseAttachment.objects.count(),
        "contacts": CitizenContact.objects.count(),
        "tokens": RequestToken.objects.count(),
        "counter": sum(DailyCounter.objects.values_list("value", flat=True)),
    }


def error_of(response: Any) -> tuple[int, str]:
    [error] = response.json()
    assert set(error) == {"code", "description"}
    return error["code"], error["description"]


@pytest.fixture
def exposed_rubbish_category(db: None) -> Category:
    return Category.objects.get(kind=Kind.MATTER, code="06010")


def test_a_posted_request_becomes_a_reported_case(
    client: Client, city_key: Key, exposed_rubbish_category: Category
) -> None:
    # when
    response = post(
        client, **fields(city_key, first_name="小明", last_name="王", phone="13800138000")
    )
    # then
    assert response.status_code == 200, response.content
    [answer] = response.json()
    assert list(answer) == ["service_request_id", "token", "service_notice", "account_id"]
    case = Case.objects.get(case_no=answer["service_request_id"])
    assert case.status == Status.REPORTED
    assert case.source == Source.CITIZEN
    assert case.reporter is None
    assert case.category == exposed_rubbish_category
    assert case.description == "路口有一堆垃圾"
    assert case.address == "湖滨路与柳岸街交叉口"
    assert case.area_code.startswith("990102001")
    assert case.urgency == Urgency.ORDINARY
    assert case.citizen is not None
    assert (case.citizen.name, case.citizen.phone) == ("王小明", "13800138000")
    assert RequestToken.objects.get(token=answer["token"]).case == case
    assert RequestToken.objects.get(token=answer["token"]).client == city_key.token
    assert answer["account_id"] is None
    assert case.step_deadline is not None
    accept_by = timezone.localtime(case.step_deadline)
    assert answer["service_notice"] == (
        f"已收到，将于{accept_by:%Y-%m-%d %H:%M}前受理。 立案后按立案条件处置，处置时限：2 工作时。"
    )
    [event] = CaseEvent.objects.filter(case=case)
    assert (event.action, event.to_status, event.actor) == (Action.REPORT, Status.REPORTED, None)


def test_the_posted_case_goes_on_through_the_workflow(
    client: Client, city_key: Key, cast: dict[str, User]
) -> None:
    # given
    [answer] = post(client, **fields(city_key)).json()
    case = Case.objects.get(case_no=answer["service_request_id"])
    # when: the receptionist takes it in
    actions.accept_case(case_id=case.pk, version=case.version, actor=cast["receptionist"])
    # then: sent to the grid's inspector to verify, and the audit chain holds
    case.refresh_from_db()
    assert case.status == Status.VERIFYING
    assert case.inspector is not None
    assert list(CaseEvent.objects.filter(case=case).values_list("action", "seq")) == [
        (Action.REPORT, 1),
        (Action.ACCEPT, 2),
    ]
    assert verify_chain() == []
    # and Open311 shows it open, with its new status
    [shown] = client.get(f"/open311/v2/requests/{case.case_no}.json").json()
    assert (shown["status"], shown["status_notes"]) == ("open", "待核实")


def test_a_post_answers_in_the_xml_of_the_spec(client: Client, city_key: Key) -> None:
    # when
    response = post(client, "xml", **fields(city_key))
    # then: the example's elements, and the token the spec's RequestResponse adds
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = xml_root(text)
    expected = xml_shape(example_xml("xml-service-request-post.xml")) | {
        "/service_requests/request/token"
    }
    assert xml_shape(root) == expected
    number = root.findtext("request/service_request_id")
    assert Case.objects.filter(case_no=number).exists()
    assert root.findtext("request/account_id") == ""


def test_a_post_answers_json_in_the_shape_of_the_spec(client: Client, city_key: Key) -> None:
    answer = post(client, **fields(city_key)).json()
    expected = json_shape(example_json("json-service-request-post.json")) | {"[]/token"}
    assert json_shape(answer) == expected


def test_a_photo_is_attached_as_the_before_photo(client: Client, city_key: Key) -> None:
    # when
    photo = SimpleUploadedFile("现场.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = post(client, **fields(city_key, media=photo))
    # then
    assert response.status_code == 200, response.content
    case = Case.objects.get(case_no=response.json()[0]["service_request_id"])
    [attachment] = CaseAttachment.objects.filter(case=case)
    assert (attachment.kind, attachment.content_type) == ("before", "image/jpeg")
    assert attachment.event is not None
    assert attachment.event.action == Action.REPORT


def test_the_gps_position_is_stripped_from_a_citizens_photo(client: Client, city_key: Key) -> None:
    # given: a photo that says where it was taken
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    # when
    photo = SimpleUploadedFile("gps.jpg", original, content_type="image/jpeg")
    response = post(client, **fields(city_key, media=photo))
    # then: stored without its GPS block, the orientation kept
    assert response.status_code == 200, response.content
    case = Case.objects.get(case_no=response.json()[0]["service_request_id"])
    [attachment] = CaseAttachment.objects.filter(case=case)
    with attachment.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        exif = stored.getexif()
    assert 0x8825 not in exif
    assert exif[0x0112] == 1


def test_a_renamed_executable_is_refused_and_nothing_is_written(
    client: Client, city_key: Key
) -> None:
    # given
    before = written()
    fake = SimpleUploadedFile(
        "photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), content_type="image/jpeg"
    )
    # when
    response = post(client, **fields(city_key, media=fake))
    # then
    assert response.status_code == 400
    assert error_of(response) == (400, "“photo.jpg”不是有效的图片文件")
    assert written() == before


def test_more_than_four_photos_are_refused(client: Client, city_key: Key) -> None:
    before = written()
    photos = [SimpleUploadedFile(f"{n}.jpg", jpeg_bytes(), "image/jpeg") for n in range(5)]
    response = post(client, **fields(city_key, media=photos))
    assert response.status_code == 400
    assert error_of(response) == (400, "每个请求最多上传4张照片")
    assert written() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_api_key_is_403_in_the_spec_shape(client: Client, city_key: Key, fmt: str) -> None:
    # given
    before = written()
    # when
    response = post(client, fmt, **fields(city_key, api_key="fg_not-a-real-key"))
    # then
    assert response.status_code == 403
    if fmt == "json":
        assert json_shape(response.json()) == json_shape(example_json("json-errors.json"))
        assert error_of(response) == (403, "api_key无效、已过期或已被吊销，无法继续处理")
    else:
        root = xml_root(response.content.decode())
        assert xml_shape(root) == xml_shape(example_xml("xml-errors.xml"))
        assert root.findtext("error/code") == "403"
    assert written() == before


def test_a_missing_api_key_is_403(client: Client, city_key: Key) -> None:
    before = written()
    response = post(client, **{k: v for k, v in fields(city_key).items() if k != "api_key"})
    assert response.status_code == 403
    assert error_of(response) == (403, "缺少api_key，无法提交服务请求")
    assert written() == before


def test_a_personal_token_is_no_api_key(
    client: Client, city_key: Key, cast: dict[str, User]
) -> None:
    _token, secret = issue_personal_token(user=cast["receptionist"], name="脚本")
    before = written()
    response = post(client, **fields(city_key, api_key=secret))
    assert response.status_code == 403
    assert error_of(response) == (403, "个人令牌不能用于Open311，请使用服务令牌作为api_key")
    assert written() == before


def test_an_expired_service_token_is_refused(client: Client, db: None) -> None:
    # given: a token that expired (its expiry moved back, as if the time had passed)
    token, secret = issue_service_token(
        name="试用", source=Source.CITIZEN, area=Area.objects.get(code=CITY)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    before = written()
    # when
    response = post(client, **fields(Key(token, secret)))
    # then
    assert response.status_code == 403
    assert error_of(response) == (403, "api_key无效、已过期或已被吊销，无法继续处理")
    assert written() == before


def test_the_api_key_may_come_in_the_query_string(client: Client, city_key: Key) -> None:
    form = {k: v for k, v in fields(city_key).items() if k != "api_key"}
    response = client.post(f"/open311/v2/requests.json?api_key={city_key.secret}", form)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("service_code", "message"),
    [
        ("", "请提供service_code"),
        ("matter-99999", "服务代码“matter-99999”不存在"),
        ("06001", "服务代码“06001”不存在"),
    ],
)
def test_a_bad_service_code_is_400(
    client: Client, city_key: Key, service_code: str, message: str
) -> None:
    before = written()
    response = post(client, **fields(city_key, service_code=service_code))
    assert response.status_code == 400
    assert error_of(response) == (400, message)
    assert written() == before


def test_an_address_without_coordinates_is_400(client: Client, city_key: Key) -> None:
    before = written()
    form = {k: v for k, v in fields(city_key).items() if k not in {"lat", "long"}}
    response = post(client, **form)
    assert response.status_code == 400
    _code, description = error_of(response)
    assert "不能仅凭地址上报" in description
    assert written() == before


@pytest.mark.parametrize(("lat", "lon"), [("abc", "116.4"), ("nan", "116.4"), ("1e400", "116.4")])
def test_coordinates_that_are_not_numbers_are_400(
    client: Client, city_key: Key, lat: str, lon: str
) -> None:
    before = written()
    response = post(client, **fields(city_key, lat=lat, long=lon))
    assert response.status_code == 400
    assert error_of(response) == (400, "lat应为WGS-84坐标（十进制度数）")
    assert written() == before


def test_a_point_outside_the_city_is_400(client: Client, city_key: Key) -> None:
    before = written()
    response = post(client, **fields(city_key, lat="31.2304", long="121.4737"))
    assert response.status_code == 400
    assert error_of(response) == (400, "坐标(121.47370, 31.23040)不在本市范围内")
    assert written() == before


def test_a_point_outside_the_tokens_area_is_403(client: Client, street_key: Key) -> None:
    # given: a token for 湖滨街道, and a point in 青山区
    lon, lat = point_in("990103")
    before = written()
    # when
    response = post(client, **fields(street_key, lat=str(lat), long=str(lon)))
    # then
    assert response.status_code == 403
    assert error_of(response) == (403, "该位置不在此渠道的上报区域（湖滨街道）内")
    assert written() == before
    # and inside its street the same token may report
    assert post(client, **fields(street_key)).status_code == 200


def test_an_empty_description_becomes_the_service_name(
    client: Client, city_key: Key, exposed_rubbish_category: Category
) -> None:
    response = post(client, **fields(city_key, description=""))
    assert response.status_code == 200
    case = Case.objects.get(case_no=response.json()[0]["service_request_id"])
    assert case.description == exposed_rubbish_category.name


def test_the_attributes_carry_the_component_code_and_urgency(client: Client, city_key: Key) -> None:
    # given: a component code of 01001 供水井盖 in 明湖区
    component = "990102" + "01001" + "000042"
    # when
    response = post(
        client,
        **fields(
            city_key,
            service_code="part-01001",
            **{"attribute[component_code]": component, "attribute[urgency]": "B"},
            **{"attribute[colour]": "unknown attributes are ignored"},
        ),
    )
    # then
    assert response.status_code == 200, response.content
    case = Case.objects.get(case_no=response.json()[0]["service_request_id"])
    assert (case.component_code, case.urgency) == (component, Urgency.MAJOR)


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("component_code", "12345", "部件标识码应为17位数字"),
        ("component_code", "99010201002000042", "部件标识码第7-11位应为所选服务的小类代码01001"),
        ("urgency", "Z", "紧急程度应为A、B、C之一"),
    ],
)
def test_bad_attributes_are_400(
    client: Client, city_key: Key, attribute: str, value: str, message: str
) -> None:
    before = written()
    response = post(
        client, **fields(city_key, service_code="part-01001", **{f"attribute[{attribute}]": value})
    )
    assert response.status_code == 400
    assert error_of(response) == (400, message)
    assert written() == before


def test_too_long_text_is_400_not_a_database_error(client: Client, city_key: Key) -> None:
    before = written()
    for name, length, message in [
        ("address_string", 257, "address_string不能超过256个字符"),
        ("phone", 21, "phone不能超过20个字符"),
        ("first_name", 61, "first_name不能超过60个字符"),
        ("description", 2001, "description不能超过2000个字符"),
    ]:
        response = post(client, **fields(city_key, **{name: "1" * length}))
        assert response.status_code == 400, name
        assert error_of(response) == (400, message)
    assert written() == before


def test_a_nul_character_is_400(client: Client, city_key: Key) -> None:
    before = written()
    response = post(client, **fields(city_key, description="垃圾\x00"))
    assert response.status_code == 400
    assert error_of(response) == (400, "参数description含有不允许的控制字符")
    assert written() == before


def test_a_media_url_is_not_fetched_and_the_notice_says_so(client: Client, city_key: Key) -> None:
    response = post(client, **fields(city_key, media_url="http://example.com/1.jpg"))
    assert response.status_code == 200
    case = Case.objects.get(case_no=response.json()[0]["service_request_id"])
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert "未获取media_url指向的照片" in response.json()[0]["service_notice"]


def test_a_western_name_keeps_its_order(client: Client, city_key: Key) -> None:
    response = post(client, **fields(city_key, first_name="Ada", last_name="Lovelace"))
    case = Case.objects.get(case_no=response.json()[0]["service_request_id"])
    assert case.citizen is not None
    assert case.citizen.name == "Ada Lovelace"


def test_no_name_and_no_phone_keeps_no_contact(client: Client, city_key: Key) -> None:
    response = post(client, **fields(city_key, email="someone@example.com"))
    case = Case.objects.get(case_no=response.json()[0]["service_request_id"])
    assert case.citizen is None


def test_the_case_carries_the_tokens_source(client: Client, db: None) -> None:
    token, secret = issue_service_token(
        name="12345热线", source=Source.HOTLINE, area=Area.objects.get(code=CITY)
    )
    response = post(client, **fields(Key(token, secret)))
    case = Case.objects.get(case_no=response.json()[0]["service_request_id"])
    assert case.source == Source.HOTLINE
