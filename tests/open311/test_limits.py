"""Rate limits, the caller's language, methods, and malformed requests: all answered in the spec's
error shape, never with a 500."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from finegrid.cases.models import Case
from tests.open311.conftest import GRID, Key, point_in, post
from tests.open311.spec import xml_root

pytestmark = pytest.mark.django_db
# Limits per day in these tests: a minute's window may turn over between two requests of a test and
# start the count again; a day's turns over only at midnight UTC.


@override_settings(FINEGRID_RATE_ANONYMOUS="3/day")
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_too_many_anonymous_requests_are_429_with_retry_after(client: Client, fmt: str) -> None:
    # given
    cache.clear()
    for _n in range(3):
        assert client.get(f"/open311/v2/services.{fmt}").status_code == 200
    # when
    response = client.get(f"/open311/v2/services.{fmt}")
    # then
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 86400
    description = f"请求过于频繁，请在{wait}秒后重试"
    if fmt == "json":
        assert response.json() == [{"code": 429, "description": description}]
    else:
        root = xml_root(response.content.decode())
        assert (root.findtext("error/code"), root.findtext("error/description")) == (
            "429",
            description,
        )


@override_settings(FINEGRID_RATE_ANONYMOUS="2/day")
def test_every_endpoint_and_the_photos_count_against_the_limit(client: Client) -> None:
    cache.clear()
    client.get("/open311/v2/discovery.json")
    client.get("/open311/v2/requests.json")
    for path in [
        "discovery.json",
        "services/part-01001.xml",
        "tokens/abc.json",
        "requests/1.json",
        "media/1.jpg",
        "services.csv",
    ]:
        assert client.get(f"/open311/v2/{path}").status_code == 429, path


@override_settings(FINEGRID_RATE_TOKEN="2/day", FINEGRID_RATE_ANONYMOUS="1000/min")
def test_a_client_with_a_key_is_counted_on_its_token(client: Client, city_key: Key) -> None:
    # given
    cache.clear()
    lon, lat = point_in(GRID)
    form = {"api_key": city_key.secret, "service_code": "matter-06010"}
    form |= {"lat": str(lat), "long": str(lon)}
    assert post(client, **form).status_code == 200
    assert client.get(f"/open311/v2/services.json?api_key={city_key.secret}").status_code == 200
    before = Case.objects.count()
    # when
    response = post(client, **form)
    # then: refused before anything is written; without the key the address's limit applies
    assert response.status_code == 429
    assert response.has_header("Retry-After")
    assert Case.objects.count() == before
    assert client.get("/open311/v2/services.json").status_code == 200


@override_settings(FINEGRID_RATE_ANONYMOUS="2/day")
def test_wrong_keys_count_against_the_address(client: Client) -> None:
    cache.clear()
    for _n in range(2):
        assert post(client, api_key="fg_guess").status_code == 403
    assert post(client, api_key="fg_guess").status_code == 429


def test_errors_are_in_chinese_by_default_and_english_when_asked(client: Client) -> None:
    chinese = client.get("/open311/v2/services/part-99999.json")
    english = client.get("/open311/v2/services/part-99999.json", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.json() == [{"code": 404, "description": "服务代码“part-99999”不存在"}]
    assert english.json() == [
        {"code": 404, "description": "There is no service with the code “part-99999”"}
    ]
    bad_date = client.get("/open311/v2/requests.xml?end_date=soon", HTTP_ACCEPT_LANGUAGE="en")
    assert xml_root(bad_date.content.decode()).findtext("error/description") == (
        "end_date should be an ISO 8601 date or date-time, such as 2026-01-31 or "
        "2026-01-31T08:00:00+08:00"
    )


def test_attribute_labels_follow_the_language(client: Client) -> None:
    definition = client.get("/open311/v2/services/part-01001.json", HTTP_ACCEPT_LANGUAGE="en")
    component, urgency = definition.json()["attributes"]
    assert component["description"].startswith("Component code")
    assert [v["name"] for v in urgency["values"]] == ["A urgent", "B major", "C ordinary"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "services.json"),
        ("put", "requests.json"),
        ("delete", "requests/1.xml"),
        ("post", "tokens/abc.json"),
        ("post", "discovery.xml"),
    ],
)
def test_a_wrong_method_is_405_with_allow(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(f"/open311/v2/{path}")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    if path.endswith(".json"):
        assert response.json()[0]["code"] == 405


def test_head_is_allowed_where_get_is(client: Client) -> None:
    assert client.head("/open311/v2/services.json").status_code == 200


def test_a_broken_multipart_body_is_400(client: Client, city_key: Key) -> None:
    response = client.generic(
        "POST",
        "/open311/v2/requests.json",
        b'--xyz\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n',
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_a_json_body_has_no_api_key(client: Client, city_key: Key) -> None:
    response = client.post(
        "/open311/v2/requests.json",
        {"api_key": city_key.secret},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_control_characters_in_a_query_are_400(client: Client) -> None:
    response = client.get("/open311/v2/requests.json?service_code=part-01001%00")
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "参数service_code含有不允许的控制字符"}]


def test_too_many_request_ids_are_400(client: Client) -> None:
    ids = ",".join(str(n) for n in range(1001))
    response = client.get(f"/open311/v2/requests.json?service_request_id={ids}")
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "一次最多查询1000个service_request_id"}]


def test_the_jurisdiction_id_is_accepted_and_ignored(client: Client) -> None:
    response = client.get("/open311/v2/services.json?jurisdiction_id=990100")
    assert response.status_code == 200


def test_post_needs_no_csrf_token(city_key: Key) -> None:
    strict = Client(enforce_csrf_checks=True)
    lon, lat = point_in(GRID)
    response = post(
        strict,
        api_key=city_key.secret,
        service_code="matter-06010",
        lat=str(lat),
        long=str(lon),
    )
    assert response.status_code == 200


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_an_oversized_form_is_413(client: Client, city_key: Key) -> None:
    response = post(client, api_key=city_key.secret, description="长" * 200)
    assert response.status_code == 413
    assert response.json()[0]["code"] == 413
