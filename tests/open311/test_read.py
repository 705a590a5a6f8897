"""GET requests, requests/{id} and tokens/{token}: what the public sees of the city's cases, and
the photos it may load."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from finegrid.cases import actions
from finegrid.cases.models import AttachmentKind, Case, CaseAttachment, Source
from finegrid.cases.photos import Photo
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import Category, Kind
from finegrid.open311 import selectors
from finegrid.org.models import User
from tests.cases.builders import START, actor_for, case_in, exposed_rubbish, perform
from tests.cases.conftest import jpeg_bytes
from tests.open311.conftest import GRID, Key, point_in, post
from tests.open311.spec import example_json, example_xml, json_shape, xml_root, xml_shape

pytestmark = pytest.mark.django_db

#: A window around the day the built cases are reported on (tests.cases.builders.START).
AROUND_START = {"start_date": "2026-11-16T00:00:00+08:00", "end_date": "2026-11-17T00:00:00+08:00"}


def get(client: Client, path: str, **query: str) -> Any:
    return client.get(f"/open311/v2/{path}" + (f"?{urlencode(query)}" if query else ""))


def listed(client: Client, **query: str) -> list[dict[str, Any]]:
    response = get(client, "requests.json", **query)
    assert response.status_code == 200, response.content
    result: list[dict[str, Any]] = response.json()
    return result


def numbers(entries: list[dict[str, Any]]) -> list[str]:
    return [e["service_request_id"] for e in entries]


def posted(client: Client, key: Key, **extra: Any) -> Case:
    lon, lat = point_in(GRID)
    form = {
        "api_key": key.secret,
        "service_code": "matter-06010",
        "lat": str(lat),
        "long": str(lon),
        "description": "路口有一堆垃圾",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13800138000",
        **extra,
    }
    response = post(client, **form)
    assert response.status_code == 200, response.content
    return Case.objects.get(case_no=response.json()[0]["service_request_id"])


def test_a_posted_request_is_listed_with_every_field(client: Client, city_key: Key) -> None:
    # given
    photo = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    case = posted(client, city_key, address_string="湖滨路口", media=photo)
    [attachment] = CaseAttachment.objects.filter(case=case)
    # when
    [entry] = [e for e in listed(client) if e["service_request_id"] == case.case_no]
    # then
    reported = timezone.localtime(case.reported_at).isoformat(timespec="seconds")
    assert entry == {
        "service_request_id": case.case_no,
        "status": "open",
        "status_notes": "待受理",
        "service_name": "暴露垃圾",
        "service_code": "matter-06010",
        "description": "路口有一堆垃圾",
        "agency_responsible": None,
        "service_notice": entry["service_notice"],
        "requested_datetime": reported,
        "updated_datetime": reported,
        "expected_datetime": None,
        "address": "湖滨路口",
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": f"http://testserver/open311/v2/media/{attachment.pk}.jpg",
    }
    assert entry["service_notice"] == "立案后按立案条件处置，处置时限：2 工作时。"
    assert reported.endswith("+08:00")


def test_the_list_never_shows_who_reported(client: Client, city_key: Key) -> None:
    posted(client, city_key)
    body = get(client, "requests.json").content.decode()
    xml = get(client, "requests.xml").content.decode()
    for personal in ("王小明", "小明", "13800138000"):
        assert personal not in body
        assert personal not in xml


def test_the_list_has_the_shape_of_the_spec_examples(client: Client, city_key: Key) -> None:
    # given: one request with every field filled
    photo = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    posted(client, city_key, media=photo)
    # when
    as_json = listed(client)
    as_xml = get(client, "requests.xml")
    # then
    assert json_shape(as_json) == json_shape(example_json("json-service-requests.json"))
    text = as_xml.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert xml_shape(xml_root(text)) == xml_shape(example_xml("xml-service-requests.xml"))
    first = xml_root(text)[0]
    assert [child.tag for child in first] == [
        child.tag for child in example_xml("xml-service-requests.xml")[0]
    ]


def test_one_request_has_the_shape_of_the_spec_example(client: Client, city_key: Key) -> None:
    case = posted(client, city_key)
    as_json = get(client, f"requests/{case.case_no}.json").json()
    assert json_shape(as_json) == json_shape(example_json("json-service-request.json"))
    root = xml_root(get(client, f"requests/{case.case_no}.xml").content.decode())
    assert xml_shape(root) == xml_shape(example_xml("xml-service-request.xml"))
    assert root.findtext("request/service_request_id") == case.case_no
    assert root.findtext("request/agency_responsible") == ""


def test_the_singular_request_path_of_the_openapi_text_works_too(
    client: Client, city_key: Key
) -> None:
    case = posted(client, city_key)
    assert numbers(get(client, f"request/{case.case_no}.json").json()) == [case.case_no]


def test_an_unknown_request_is_404(client: Client) -> None:
    response = get(client, "requests/2026010199999.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "服务请求“2026010199999”不存在"}]


def test_a_token_resolves_to_its_request(client: Client, city_key: Key) -> None:
    # given
    lon, lat = point_in(GRID)
    [answer] = post(
        client,
        api_key=city_key.secret,
        service_code="matter-06010",
        lat=str(lat),
        long=str(lon),
    ).json()
    # when
    as_json = get(client, f"tokens/{answer['token']}.json")
    as_xml = get(client, f"tokens/{answer['token']}.xml")
    # then
    assert as_json.json() == [
        {"service_request_id": answer["service_request_id"], "token": answer["token"]}
    ]
    assert json_shape(as_json.json()) == json_shape(example_json("json-request-from-token.json"))
    root = xml_root(as_xml.content.decode())
    assert xml_shape(root) == xml_shape(example_xml("xml-request-from-token.xml"))
    assert root.findtext("request/service_request_id") == answer["service_request_id"]
    assert get(client, "tokens/no-such-token.json").status_code == 404


def test_the_workflow_shows_as_status_department_and_deadline(
    client: Client, cast: dict[str, User]
) -> None:
    # given: a hotline case sent to a department
    case = case_in(Status.DISPOSING, cast=cast)
    # when
    [entry] = get(client, f"requests/{case.case_no}.json").json()
    # then
    assert entry["status"] == "open"
    assert entry["status_notes"] == "处置中"
    assert entry["agency_responsible"] == "明湖区城市管理局"
    assert entry["expected_datetime"] == timezone.localtime(case.disposal_deadline).isoformat(
        timespec="seconds"
    )
    category, _rule = exposed_rubbish()
    assert entry["service_code"] == f"matter-{category.code}"
    assert entry["service_notice"] == "处置时限：2 工作时"
    last = case.events.order_by("-seq").first()
    assert last is not None
    assert entry["updated_datetime"] == timezone.localtime(last.at).isoformat(timespec="seconds")
    assert entry["address"] == f"网格{GRID}内的路口"


@pytest.mark.parametrize(
    ("status", "notes"),
    [
        (Status.DECLINED, "不予受理：测试：不予受理"),
        (Status.CANCELLED, "已作废：测试：作废"),
        (Status.CLOSED, "已结案"),
    ],
)
def test_finished_cases_are_closed_with_the_reason(
    client: Client, cast: dict[str, User], status: Status, notes: str
) -> None:
    case = case_in(status, cast=cast)
    [entry] = get(client, f"requests/{case.case_no}.json").json()
    assert (entry["status"], entry["status_notes"]) == ("closed", notes)


def test_the_status_filter_takes_open_closed_or_both(client: Client, cast: dict[str, User]) -> None:
    # given
    open_case = case_in(Status.VERIFYING, cast=cast)
    closed_case = case_in(Status.DECLINED, cast=cast)
    # then
    assert numbers(listed(client, status="open", **AROUND_START)) == [open_case.case_no]
    assert numbers(listed(client, status="closed", **AROUND_START)) == [closed_case.case_no]
    both = numbers(listed(client, status="open,closed", **AROUND_START))
    assert sorted(both) == sorted([open_case.case_no, closed_case.case_no])
    # repeated, as the spec also allows
    response = client.get(
        "/open311/v2/requests.json?status=open&status=closed&" + urlencode(AROUND_START)
    )
    assert sorted(numbers(response.json())) == sorted(both)
    assert get(client, "requests.json", status="pending").status_code == 400


def test_the_service_code_filter(client: Client, city_key: Key, cast: dict[str, User]) -> None:
    # given: an uncategorised hotline case and a categorised Open311 one
    hotline = case_in(Status.REPORTED, cast=cast)
    mine = posted(client, city_key)
    # then
    assert numbers(listed(client, service_code="matter-06010")) == [mine.case_no]
    everything = numbers(listed(client, **AROUND_START))
    assert hotline.case_no in everything
    response = get(client, "requests.json", service_code="matter-99999")
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "服务代码“matter-99999”不存在"}]


def test_service_request_ids_override_the_other_filters(
    client: Client, cast: dict[str, User]
) -> None:
    # given: two cases reported long before the default 90-day window
    old = START - dt.timedelta(days=200)
    first = case_in(Status.REPORTED, cast=cast, start=old)
    second = case_in(Status.CLOSED, cast=cast, start=old + dt.timedelta(hours=1))
    # when
    found = listed(
        client,
        service_request_id=f"{first.case_no},{second.case_no},nothing",
        status="open",
    )
    # then: both, most recent first, though one is closed and both are old
    assert numbers(found) == [second.case_no, first.case_no]


def test_the_default_window_is_the_last_90_days(client: Client, cast: dict[str, User]) -> None:
    recent = case_in(Status.REPORTED, cast=cast)
    old = case_in(Status.REPORTED, cast=cast, start=START - dt.timedelta(days=120))
    found = numbers(listed(client))
    assert recent.case_no in found
    assert old.case_no not in found


def test_start_date_alone_gives_90_days_from_it(client: Client, cast: dict[str, User]) -> None:
    old = case_in(Status.REPORTED, cast=cast, start=START - dt.timedelta(days=120))
    found = numbers(listed(client, start_date=(START - dt.timedelta(days=121)).date().isoformat()))
    assert found == [old.case_no]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"start_date": "2026-01-01", "end_date": "2026-04-02"},
            "start_date和end_date相隔不能超过90天",
        ),
        ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "end_date不能早于start_date"),
        (
            {"start_date": "01/02/2026"},
            "start_date应为ISO 8601格式的日期或时间，如2026-01-31或2026-01-31T08:00:00+08:00",
        ),
        (
            {"end_date": "yesterday"},
            "end_date应为ISO 8601格式的日期或时间，如2026-01-31或2026-01-31T08:00:00+08:00",
        ),
        ({"end_date": "9999-12-31"}, "end_date超出可查询的日期范围"),
        ({"start_date": "0001-01-01"}, "start_date超出可查询的日期范围"),
    ],
)
def test_bad_dates_are_400(client: Client, query: dict[str, str], message: str) -> None:
    response = get(client, "requests.json", **query)
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": message}]
    root = xml_root(get(client, "requests.xml", **query).content.decode())
    assert root.findtext("error/description") == message


@pytest.mark.parametrize(
    "value",
    ["2026-11-16T08:00:00+08:00", "2026-11-16T00:00:00Z", "2026-11-16T08:00:00", "2026-11-16"],
)
def test_w3c_dates_are_understood(client: Client, cast: dict[str, User], value: str) -> None:
    case = case_in(Status.REPORTED, cast=cast)  # reported at 09:00 on 16 November
    assert case.case_no in numbers(listed(client, start_date=value))
    assert case.case_no not in numbers(listed(client, start_date="2026-11-16T09:30:00+08:00"))


def test_an_unencoded_plus_in_the_offset_is_understood(
    client: Client, cast: dict[str, User]
) -> None:
    case = case_in(Status.REPORTED, cast=cast)
    response = client.get("/open311/v2/requests.json?start_date=2026-11-16T08:00:00+08:00")
    assert case.case_no in numbers(response.json())


def test_undercover_findings_are_not_public(client: Client, cast: dict[str, User]) -> None:
    case = case_in(Status.REPORTED, cast=cast, source=Source.UNDERCOVER)
    assert case.case_no not in numbers(listed(client, **AROUND_START))
    assert get(client, f"requests/{case.case_no}.json").status_code == 404


def test_the_list_is_cut_at_its_limit_most_recent_first(
    client: Client, cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: three cases, and a limit of 2 instead of 1000
    assert selectors.LIST_LIMIT == 1000
    cases = [
        case_in(Status.REPORTED, cast=cast, start=START + dt.timedelta(minutes=n)) for n in range(3)
    ]
    monkeypatch.setattr(selectors, "LIST_LIMIT", 2)
    # when
    found = numbers(listed(client, **AROUND_START))
    # then
    assert found == [cases[2].case_no, cases[1].case_no]


# --- photos --------------------------------------------------------------------------------------


def test_a_before_photo_is_served_by_its_media_url(client: Client, city_key: Key) -> None:
    # given
    content = jpeg_bytes("blue")
    photo = SimpleUploadedFile("a.jpg", content, content_type="image/jpeg")
    case = posted(client, city_key, media=photo)
    [entry] = get(client, f"requests/{case.case_no}.json").json()
    # when
    response = client.get(entry["media_url"])
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.getvalue() == content


def test_after_photos_are_served_and_other_material_is_not(
    client: Client, cast: dict[str, User]
) -> None:
    # given: the department's disposal photo (after), then the inspector's check photo (evidence)
    case = case_in(Status.DISPOSING, cast=cast)
    steps: list[tuple[Action, dict[str, Any]]] = [
        (Action.DISPOSE, {"photos": [Photo("done.jpg", jpeg_bytes("white"))]}),
        (Action.SEND_CHECK, {}),
        (Action.PASS_CHECK, {"photos": [Photo("check.jpg", jpeg_bytes("black"))]}),
    ]
    for action, extra in steps:
        perform(action, case=case, actor=actor_for(action, case, cast), **extra)
        case.refresh_from_db()
    after = CaseAttachment.objects.get(case=case, kind=AttachmentKind.AFTER)
    evidence = CaseAttachment.objects.get(case=case, kind=AttachmentKind.EVIDENCE)
    # when
    [entry] = get(client, f"requests/{case.case_no}.json").json()
    # then: the after photo is the request's media, and served
    assert entry["media_url"] == f"http://testserver/open311/v2/media/{after.pk}.jpg"
    assert client.get(f"/open311/v2/media/{after.pk}.jpg").status_code == 200
    # but not under another extension, and the evidence not at all
    assert client.get(f"/open311/v2/media/{after.pk}.png").status_code == 404
    response = client.get(f"/open311/v2/media/{evidence.pk}.jpg")
    assert response.status_code == 404
    assert json.loads(response.content) == [{"code": 404, "description": "照片不存在"}]


def test_photos_of_undercover_findings_are_not_served(
    client: Client, cast: dict[str, User]
) -> None:
    case = case_in(Status.VERIFYING, cast=cast, source=Source.UNDERCOVER)
    assert case.inspector_id is not None
    actions.verify_case(
        case_id=case.pk,
        version=case.version,
        actor=User.objects.get(pk=case.inspector_id),
        confirmed=True,
        photos=[Photo("v.jpg", jpeg_bytes())],
    )
    [photo] = CaseAttachment.objects.filter(case=case)
    assert client.get(f"/open311/v2/media/{photo.pk}.jpg").status_code == 404


def test_a_missing_photo_file_is_404(client: Client, city_key: Key) -> None:
    photo = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    case = posted(client, city_key, media=photo)
    [attachment] = CaseAttachment.objects.filter(case=case)
    attachment.file.storage.delete(attachment.file.name or "")
    assert client.get(f"/open311/v2/media/{attachment.pk}.jpg").status_code == 404
    assert client.get("/open311/v2/media/999999999999999999.jpg").status_code == 404


def test_uncategorised_cases_have_no_service(client: Client, cast: dict[str, User]) -> None:
    case = case_in(Status.REPORTED, cast=cast)
    [entry] = get(client, f"requests/{case.case_no}.json").json()
    assert (entry["service_code"], entry["service_name"], entry["service_notice"]) == (
        None,
        None,
        None,
    )
    root = xml_root(get(client, f"requests/{case.case_no}.xml").content.decode())
    assert root.findtext("request/service_code") == ""


def test_a_part_category_is_listed_with_its_kind(client: Client, city_key: Key) -> None:
    posted(client, city_key, service_code="part-01001")
    [entry] = listed(client, service_code="part-01001")
    assert entry["service_name"] == Category.objects.get(kind=Kind.PART, code="01001").name


def test_listing_costs_the_same_queries_for_few_cases_or_many(
    client: Client, cast: dict[str, User]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_cases(start: dt.datetime) -> None:
        """A case of each kind a list shows: new, disposing, declined, and one with a photo."""
        for status in (Status.REPORTED, Status.DISPOSING, Status.DECLINED):
            case_in(status, cast=cast, start=start)
        verifying = case_in(Status.VERIFYING, cast=cast, start=start)
        assert verifying.inspector_id is not None
        actions.verify_case(
            case_id=verifying.pk,
            version=verifying.version,
            actor=User.objects.get(pk=verifying.inspector_id),
            confirmed=True,
            photos=[Photo("v.jpg", jpeg_bytes())],
            at=start + dt.timedelta(hours=1),
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(listed(client, **AROUND_START)) > 0
        return len(captured)

    # given a case of each kind
    add_cases(START)
    few = queries()
    # when there are three times as many
    add_cases(START + dt.timedelta(hours=2))
    add_cases(START + dt.timedelta(hours=4))
    # then the list costs the same
    assert queries() == few


def test_a_thousand_request_ids_may_be_asked_for_at_once(
    client: Client, cast: dict[str, User]
) -> None:
    case = case_in(Status.REPORTED, cast=cast)
    ids = [f"2026010{n:06d}" for n in range(999)] + [case.case_no]
    assert numbers(listed(client, service_request_id=",".join(ids))) == [case.case_no]
