from __future__ import annotations

import json

import pytest
from django.test import Client
from shapely.geometry import shape

from finegrid.geo.models import Grid
from finegrid.org.models import User

pytestmark = pytest.mark.django_db


def test_map_page_needs_login_and_serves_local_leaflet(
    client: Client, cast: dict[str, User]
) -> None:
    assert client.get("/map/").status_code == 302
    client.force_login(cast["inspector"])
    body = client.get("/map/").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert "网格地图" in body


def test_a_click_names_the_grid_its_community_and_inspector(
    client: Client, cast: dict[str, User]
) -> None:
    client.force_login(cast["dispatcher"])
    grid = Grid.objects.get(code="990102001001005")
    point = shape(grid.boundary).representative_point()
    response = client.get("/map/locate", {"lon": f"{point.x:.7f}", "lat": f"{point.y:.7f}"})
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["grid"]["code"] == "990102001001005"
    assert body["grid"]["inspectors"] == ["张伟"]
    assert body["grid"]["responsible_unit"] == "明湖区湖滨街道办事处"
    assert body["community"] == {"code": "990102001001", "name": "湖滨社区"}
    assert body["street"] == {"code": "990102001", "name": "湖滨街道"}
    assert body["district"] == {"code": "990102", "name": "明湖区"}


def test_a_click_outside_the_city_says_so(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["dispatcher"])
    response = client.get("/map/locate", {"lon": "116.4", "lat": "39.9"})
    assert response.status_code == 404
    assert json.loads(response.content)["error"] == {
        "code": "outside_city",
        "message": "坐标(116.40000, 39.90000)不在本市范围内",
        "field": "lon",
    }


@pytest.mark.parametrize(
    "query",
    [{}, {"lon": "abc", "lat": "33"}, {"lon": "nan", "lat": "33"}, {"lon": "200", "lat": "33"}],
)
def test_a_malformed_point_gets_a_specific_error(
    client: Client, cast: dict[str, User], query: dict[str, str]
) -> None:
    client.force_login(cast["dispatcher"])
    response = client.get("/map/locate", query)
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["message"] == "请提供有效的经纬度 lon 和 lat"


def test_grids_for_the_visible_box_and_areas_by_level(
    client: Client, cast: dict[str, User]
) -> None:
    client.force_login(cast["leader"])
    grid = Grid.objects.get(code="990102001001005")
    response = client.get(
        "/map/grids.geojson",
        {"bbox": f"{grid.min_lon},{grid.min_lat},{grid.max_lon},{grid.max_lat}"},
    )
    codes = {f["properties"]["code"] for f in json.loads(response.content)["features"]}
    assert "990102001001005" in codes
    assert 1 < len(codes) < 20
    streets = json.loads(client.get("/map/areas.geojson", {"level": "street"}).content)
    assert {f["properties"]["name"] for f in streets["features"]} >= {"湖滨街道", "新城街道"}
    bad = client.get("/map/grids.geojson", {"bbox": "1,2,3"})
    assert bad.status_code == 400
    assert json.loads(bad.content)["error"]["code"] == "invalid_bbox"
