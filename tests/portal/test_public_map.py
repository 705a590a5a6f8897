"""The public map: recent reports with their category, status and date, and nothing that leads to
a person; area outlines and the pin's community for maps without tiles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from finegrid.cases.models import Case, Source
from finegrid.cases.workflow import Status
from finegrid.geo.crs import CRS, from_wgs84
from finegrid.org.models import User
from tests.cases.builders import case_in, grid_point
from tests.portal.conftest import report_data

pytestmark = pytest.mark.django_db


def test_the_map_shows_recent_reports_without_personal_data(client: Client) -> None:
    client.post(
        "/citizen/report",
        report_data(
            description="我家楼下（3号楼2单元）垃圾没人收", name="赵小红", phone="13700001111"
        ),
    )
    case = Case.objects.get(description="我家楼下（3号楼2单元）垃圾没人收")
    response = client.get("/citizen/map/reports.geojson")
    body = response.content.decode()
    assert response.status_code == 200
    for secret in (
        "3号楼",
        "赵小红",
        "13700001111",
        case.tracking_code,
        case.case_no,
        case.address,
    ):
        assert secret
        assert secret not in body, secret
    features = json.loads(body)["features"]
    mine = [
        f
        for f in features
        if f["geometry"]["coordinates"] == [round(case.lon, 4), round(case.lat, 4)]
    ]
    assert len(mine) == 1
    assert mine[0]["properties"] == {
        "category": "",
        "status": "已提交，等待受理",
        "stage": "new",
        "date": timezone.localdate(case.reported_at).isoformat(),
        "street": "湖滨街道",
    }


def test_undercover_and_declined_reports_stay_off_the_map(
    client: Client, cast: dict[str, User]
) -> None:
    def shown() -> int:
        return len(client.get("/citizen/map/reports.geojson").json()["features"])

    before = shown()
    case_in(Status.REPORTED, cast=cast, source=Source.UNDERCOVER)
    case_in(Status.DECLINED, cast=cast)
    case_in(Status.CANCELLED, cast=cast)
    assert shown() == before
    case_in(Status.DISPOSING, cast=cast, source=Source.HOTLINE)
    assert shown() == before + 1


def test_the_map_page_uses_local_leaflet(client: Client) -> None:
    page = client.get("/citizen/map").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "cdn" not in page.lower()


def test_area_outlines_are_public_and_levels_are_checked(client: Client) -> None:
    streets = client.get("/citizen/map/areas.geojson", {"level": "street"}).json()
    assert "湖滨街道" in {f["properties"]["name"] for f in streets["features"]}
    assert client.get("/citizen/map/areas.geojson", {"level": "grid"}).status_code == 400


def test_locate_names_the_community_and_returns_the_pin_for_the_tiles(
    client: Client, settings: Any
) -> None:
    lon, lat = grid_point()
    found = client.get("/citizen/locate", {"lon": f"{lon}", "lat": f"{lat}", "crs": "wgs84"}).json()
    assert found["place"] == "湖滨社区，湖滨街道，明湖区"
    assert found["display"] == pytest.approx([lon, lat])
    settings.FINEGRID_MAP_TILE_CRS = "gcj02"
    shifted = client.get(
        "/citizen/locate", {"lon": f"{lon}", "lat": f"{lat}", "crs": "wgs84"}
    ).json()
    assert shifted["display"] == pytest.approx(list(from_wgs84(lon, lat, CRS.GCJ02)))
    outside = client.get("/citizen/locate", {"lon": 100, "lat": 30})
    assert outside.status_code == 404
    assert "不在本市范围内" in outside.json()["error"]["message"]
    assert client.get("/citizen/locate", {"lon": "x", "lat": "1"}).status_code == 400
