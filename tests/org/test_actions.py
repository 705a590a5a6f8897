from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from finegrid.geo.models import Area
from finegrid.org.actions import upsert_staff_user, upsert_unit
from finegrid.org.models import Unit, UnitKind, UnitLevel, User
from finegrid.org.roles import Role, roles_of
from finegrid.org.selectors import scope_areas

pytestmark = pytest.mark.django_db


def test_staff_user_gets_exactly_the_roles_and_scope_given() -> None:
    street = Area.objects.get(code="990102002")
    unit = Unit.objects.get(name="明湖区城市管理局")
    user = upsert_staff_user(
        username="wang.fang",
        full_name="王芳",
        roles=[Role.DISPATCHER, Role.SUPERVISOR],
        unit=unit,
        areas=[street],
    )
    assert roles_of(user) == {Role.DISPATCHER, Role.SUPERVISOR}
    assert list(scope_areas(user=user)) == [street]
    assert user.is_staff is False
    assert user.has_usable_password() is False

    again = upsert_staff_user(username="wang.fang", full_name="王芳", roles=[Role.ADMIN], unit=unit)
    assert again.pk == user.pk
    assert roles_of(again) == {Role.ADMIN}
    assert again.is_staff is True
    assert list(scope_areas(user=again)) == [unit.area]
    assert User.objects.filter(username="wang.fang").count() == 1


def test_department_without_a_type_is_refused_and_not_saved() -> None:
    before = Unit.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        upsert_unit(
            name="某某局",
            kind=UnitKind.DEPARTMENT,
            level=UnitLevel.CITY,
            area=Area.objects.get(code="990100"),
        )
    assert excinfo.value.message_dict == {"department_type": ["专业部门必须指定部门类型"]}
    assert Unit.objects.count() == before
