from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from finegrid.geo.actions import set_area_boundary, upsert_area
from finegrid.geo.geometry import GeometryError
from finegrid.geo.models import Area, AreaLevel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "level", "parent_code", "field", "message"),
    [
        ("99010200", AreaLevel.STREET, "990102", "code", "街道(乡镇)的代码应为9位数字"),
        ("990103009", AreaLevel.STREET, "990102", "code", "代码应以上级区域代码990102开头"),
        ("990102009", AreaLevel.STREET, "990100", "parent", "上级区域层级不正确"),
        ("990202", AreaLevel.DISTRICT, "990100", "code", "区(县)代码的前4位应与所属市一致"),
    ],
)
def test_a_code_of_the_wrong_length_or_parent_is_refused(
    code: str, level: AreaLevel, parent_code: str, field: str, message: str
) -> None:
    before = Area.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        upsert_area(
            code=code, name="新区域", level=level, parent=Area.objects.get(code=parent_code)
        )
    assert excinfo.value.message_dict == {field: [message]}
    assert Area.objects.count() == before


def test_demo_city_tree_has_the_expected_shape() -> None:
    counts = {level: Area.objects.filter(level=level).count() for level in AreaLevel.values}
    assert counts == {"city": 1, "district": 3, "street": 8, "community": 25}
    community = Area.objects.get(code="990102002004")
    assert [a.name for a in community.ancestors()] == ["示范市", "明湖区", "鼓楼街道"]


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[120.0, 31.0], [120.1, 31.1], [120.1, 31.0], [120.0, 31.1], [120.0, 31.0]]
                ],
            },
            "多边形无效：Self-intersection",
        ),
        ({"type": "Polygon", "coordinates": []}, "多边形为空"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[31.0, 120.0], [31.1, 120.0], [31.1, 120.1], [31.0, 120.0]]],
            },
            "坐标不在中国境内，经纬度似乎写反了（应为[经度, 纬度]）",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]],
            },
            "坐标不在中国境内（2.30000, 48.80000）",
        ),
        (
            {"type": "Point", "coordinates": [120.0, 31.0]},
            "几何类型应为Polygon或MultiPolygon，实际为Point",
        ),
    ],
)
def test_a_bad_outline_is_refused_with_its_reason_and_nothing_changes(
    geometry: dict[str, object], message: str
) -> None:
    area = Area.objects.get(code="990102001")
    before = area.boundary
    with pytest.raises(GeometryError) as excinfo:
        set_area_boundary(area=area, geometry=geometry)
    assert str(excinfo.value).startswith(message)
    area.refresh_from_db()
    assert area.boundary == before
