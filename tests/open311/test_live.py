"""An Open311 client over real HTTP against the live city (gunicorn, its own database): it lists
the services, posts a request with a photo as multipart, resolves its token and reads it back, in
JSON and in XML. Only the standard library speaks HTTP here, as a minimal 311 client would."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pytest
from PIL import Image

from tests.live import LiveSite
from tests.open311.conftest import jpeg_with_gps

pytestmark = pytest.mark.slow

SERVICE = "matter-06010"  # 暴露垃圾


def call(
    url: str,
    *,
    body: bytes | None = None,
    content_type: str = "",
    language: str = "zh-hans",
) -> tuple[int, Mapping[str, str], bytes]:
    """One HTTP request; (status, headers, body) whatever the status."""
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    request.add_header("Accept-Language", language)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def multipart(fields: Mapping[str, str], photo: tuple[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body with text fields and one photo in `media`."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    filename, content = photo
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def decode(fmt: str, raw: bytes) -> Any:
    """JSON as data; XML as the list of its items' fields ({tag: text}), or the root's fields."""
    if fmt == "json":
        return json.loads(raw)
    root = ET.fromstring(raw)
    if root.tag in {"services", "service_requests", "errors"}:
        return [{child.tag: child.text or "" for child in item} for item in root]
    return root


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_311_client_reports_and_follows_a_request(live_city: LiveSite, fmt: str) -> None:
    base = f"{live_city.base_url}/open311/v2"
    key = live_city.tokens["citizen"]
    keyed = urlencode({"api_key": key})

    # the client discovers the endpoint and lists the services
    status, _headers, raw = call(f"{base}/discovery.{fmt}")
    assert status == 200
    status, headers, raw = call(f"{base}/services.{fmt}?{keyed}")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json" if fmt == "json" else "text/xml")
    assert raw.startswith(b"[" if fmt == "json" else b'<?xml version="1.0" encoding="utf-8"?>')
    services = {s["service_code"]: s for s in decode(fmt, raw)}
    assert services[SERVICE]["service_name"] == "暴露垃圾"

    # reads the service's definition
    status, _headers, raw = call(f"{base}/services/{SERVICE}.{fmt}")
    assert status == 200
    if fmt == "json":
        codes = [a["code"] for a in json.loads(raw)["attributes"]]
    else:
        codes = [a.findtext("code") for a in decode(fmt, raw).iterfind("attributes/attribute")]
    assert codes == ["urgency"]

    # posts a request with a photo that carries a GPS position
    [(lon, lat)] = live_city.city.points_inside(1, seed=311)
    form = {
        "api_key": key,
        "service_code": SERVICE,
        "lat": str(lat),
        "long": str(lon),
        "address_string": "湖滨路口",
        "description": f"路口有暴露垃圾（{fmt}）",
        "attribute[urgency]": "B",
    }
    body, content_type = multipart(form, ("现场.jpg", jpeg_with_gps()))
    status, _headers, raw = call(f"{base}/requests.{fmt}", body=body, content_type=content_type)
    assert status == 200, raw.decode()
    [answer] = decode(fmt, raw)
    number, token = answer["service_request_id"], answer["token"]
    assert number
    assert token

    # resolves the token
    status, _headers, raw = call(f"{base}/tokens/{token}.{fmt}")
    assert status == 200
    assert decode(fmt, raw) == [{"service_request_id": number, "token": token}]

    # reads the request back, alone and in the list
    status, _headers, raw = call(f"{base}/requests/{number}.{fmt}?{keyed}")
    assert status == 200
    [request] = decode(fmt, raw)
    assert (request["status"], request["service_code"]) == ("open", SERVICE)
    assert request["description"] == f"路口有暴露垃圾（{fmt}）"
    query = urlencode({"api_key": key, "service_request_id": number})
    status, _headers, raw = call(f"{base}/requests.{fmt}?{query}")
    assert [r["service_request_id"] for r in decode(fmt, raw)] == [number]

    # and its photo, served without the position it was taken at
    status, headers, photo = call(request["media_url"])
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")
    assert 0x8825 not in Image.open(io.BytesIO(photo)).getexif()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_key_is_refused_over_http(live_city: LiveSite, fmt: str) -> None:
    form = urlencode({"api_key": "fg_wrong", "service_code": SERVICE, "lat": "0", "long": "0"})
    status, _headers, raw = call(
        f"{live_city.base_url}/open311/v2/requests.{fmt}",
        body=form.encode(),
        content_type="application/x-www-form-urlencoded",
        language="en",
    )
    assert status == 403
    [error] = decode(fmt, raw)
    assert str(error["code"]) == "403"
    assert error["description"] == "Invalid, expired or revoked api_key received -- cannot proceed"
