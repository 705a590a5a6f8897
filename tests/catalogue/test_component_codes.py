"""The 17-digit component code: its shape, its district and its category, refused in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finegrid.catalogue.actions import LoadResult
from finegrid.catalogue.codes import validate_component_code
from finegrid.catalogue.models import Category, Component
from finegrid.geo.models import Area

pytestmark = pytest.mark.django_db
# The database fixtures are set up once per test, and every example only reads: safe to share.
examples = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
serials = st.text(alphabet="0123456789", min_size=6, max_size=6)


def part_codes() -> list[str]:
    return sorted(Category.objects.filter(kind="part").values_list("code", flat=True))


def refusal(code: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_component_code(code)
    return caught.value.messages


@examples
@given(data=st.data())
def test_a_known_district_and_part_category_pass_with_any_serial(
    catalogue: LoadResult, district: Area, data: st.DataObject
) -> None:
    minor = data.draw(st.sampled_from(part_codes()))
    serial = data.draw(serials)

    category = validate_component_code(f"110105{minor}{serial}")

    assert (category.kind, category.code) == ("part", minor)


@examples
@given(text=st.text(alphabet="0123456789", max_size=30).filter(lambda t: len(t) != 17))
def test_a_code_of_the_wrong_length_is_refused(
    catalogue: LoadResult, district: Area, text: str
) -> None:
    assert refusal(text) == ["部件标识码应为17位数字"]


@examples
@given(code=st.text(min_size=17, max_size=17).filter(lambda t: not (t.isascii() and t.isdigit())))
def test_a_code_with_anything_but_ascii_digits_is_refused(
    catalogue: LoadResult, district: Area, code: str
) -> None:
    assert refusal(code) == ["部件标识码应为17位数字"]


def test_full_width_digits_are_refused(catalogue: LoadResult, district: Area) -> None:
    assert refusal("１１０１０５０１００１０００００１") == ["部件标识码应为17位数字"]


@examples
@given(minor=st.text(alphabet="0123456789", min_size=5, max_size=5), serial=serials)
def test_a_minor_code_outside_the_part_catalogue_is_refused(
    catalogue: LoadResult, district: Area, minor: str, serial: str
) -> None:
    if minor in set(part_codes()):
        assert validate_component_code(f"110105{minor}{serial}").code == minor
    else:
        assert refusal(f"110105{minor}{serial}") == [
            f"部件标识码第7-11位的小类代码{minor}不在部件目录中"
        ]


def test_a_matter_only_code_is_not_a_part(catalogue: LoadResult, district: Area) -> None:
    # 06010 暴露垃圾 is a matter: no component can have it.
    assert refusal("11010506010000001") == ["部件标识码第7-11位的小类代码06010不在部件目录中"]


def test_an_unknown_district_is_refused(catalogue: LoadResult, district: Area) -> None:
    assert refusal("99019901001000001") == ["部件标识码前6位行政区划代码990199不是已知的区(县)代码"]


def test_a_city_code_is_accepted(catalogue: LoadResult, district: Area) -> None:
    assert validate_component_code("11000001037000001").name == "路灯"


def test_a_street_code_prefix_is_not_a_district(catalogue: LoadResult, district: Area) -> None:
    Area.objects.create(code="110105001", name="建外街道", level="street", parent=district)
    assert refusal("11010500103700001") == ["部件标识码第7-11位的小类代码00103不在部件目录中"]


def test_a_historical_district_is_not_known(catalogue: LoadResult, district: Area) -> None:
    district.valid_to = dt.date(2025, 1, 1)
    district.save()

    assert refusal("11010501001000001") == ["部件标识码前6位行政区划代码110105不是已知的区(县)代码"]


def test_without_any_current_city_or_district_only_the_shape_is_checked(
    catalogue: LoadResult,
) -> None:
    Area.objects.update(valid_to=dt.date(2099, 1, 1))

    assert validate_component_code("99019901001000001").code == "01001"
    assert refusal("9901990100100000") == ["部件标识码应为17位数字"]


def test_component_clean_takes_the_category_from_the_code(
    catalogue: LoadResult, district: Area
) -> None:
    component = Component(
        code="11010501037000001",
        name="路灯",
        grid_code="110105001001001",
        surveyed_on=dt.date(2024, 1, 5),
    )

    component.full_clean()

    assert (component.category.kind, component.category.code) == ("part", "01037")


def test_component_clean_refuses_a_category_that_contradicts_the_code(
    catalogue: LoadResult, district: Area
) -> None:
    component = Component(
        code="11010501037000001",
        category=Category.objects.get(kind="part", code="01001"),
        name="路灯",
        grid_code="110105001001001",
        surveyed_on=dt.date(2024, 1, 5),
    )

    with pytest.raises(ValidationError) as caught:
        component.full_clean()

    assert caught.value.message_dict == {"category": ["部件小类应与部件标识码第7-11位01037一致"]}
