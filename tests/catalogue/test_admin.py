"""The catalogue in the admin, as a system administrator sees it."""

from __future__ import annotations

import pytest
from django.test import Client

from finegrid.catalogue.actions import LoadResult
from finegrid.catalogue.models import ActionTag, Category, Component, FilingRule
from finegrid.geo.models import Area
from finegrid.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client: Client, catalogue: LoadResult) -> Client:
    user = User.objects.create_superuser(username="catalogue-admin", password="x")
    client.force_login(user)
    return client


def page(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers, secure=True)
    assert response.status_code == 200
    return response.content.decode()


def test_category_changelist_shows_exactly_the_403_categories(admin: Client) -> None:
    content = page(admin, "/admin/catalogue/category/")

    assert "403 小类" in content


def test_category_changelist_filters(admin: Client) -> None:
    lit = ActionTag.objects.get(code="lit").pk

    assert "153 小类" in page(admin, "/admin/catalogue/category/?kind__exact=part")
    assert "250 小类" in page(admin, "/admin/catalogue/category/?kind__exact=matter")
    lit_count = Category.objects.filter(action_tags__code="lit").count()
    assert f"{lit_count} 小类" in page(
        admin, f"/admin/catalogue/category/?action_tags__id__exact={lit}"
    )


def test_a_category_row_shows_tags_rule_count_and_default_limit(admin: Client) -> None:
    content = page(admin, "/admin/catalogue/category/?q=01037&kind__exact=part")

    assert "1 小类" in content
    assert '<td class="field-tags">明</td>' in content
    assert '<td class="field-rule_count">3</td>' in content
    assert '<td class="field-default_limit">2 工作日</td>' in content


def test_the_admin_speaks_english_too(admin: Client) -> None:
    content = page(
        admin, "/admin/catalogue/category/?q=01037&kind__exact=part", accept_language="en"
    )

    assert '<td class="field-default_limit">2 working days</td>' in content


def test_category_page_lists_its_filing_rules(admin: Client) -> None:
    category = Category.objects.get(kind="part", code="01001")

    content = page(admin, f"/admin/catalogue/category/{category.pk}/change/")

    assert "供水井盖丢失，井口敞开，存在安全隐患" in content
    assert "A 紧急: 2 紧急工作时" in content


def test_filing_rule_page_edits_urgency_limits(admin: Client) -> None:
    rule = FilingRule.objects.get(category__kind="part", category__code="01001", order=2)

    content = page(admin, f"/admin/catalogue/filingrule/{rule.pk}/change/")

    assert 'name="limits-TOTAL_FORMS" value="2"' in content


def test_legacy_categories_and_components_lists(admin: Client) -> None:
    assert "241 旧版小类" in page(admin, "/admin/catalogue/legacycategory/")
    assert "98 旧版小类" in page(
        admin, "/admin/catalogue/legacycategory/?match_method__exact=exact"
    )
    assert "0 部件" in page(admin, "/admin/catalogue/component/?status__exact=lost")


def test_adding_a_component_takes_its_category_from_the_code(admin: Client, district: Area) -> None:
    response = admin.post(
        "/admin/catalogue/component/add/",
        {
            "code": "11010501037000001",
            "name": "路灯",
            "status": "intact",
            "grid_code": "110105001002003",
            "surveyed_on": "2024-01-05",
        },
        secure=True,
    )

    assert response.status_code == 302
    component = Component.objects.get(code="11010501037000001")
    assert (component.category.kind, component.category.code) == ("part", "01037")


def test_adding_a_component_with_a_bad_code_is_refused(admin: Client, district: Area) -> None:
    response = admin.post(
        "/admin/catalogue/component/add/",
        {
            "code": "11010506010000001",
            "name": "暴露垃圾",
            "status": "intact",
            "grid_code": "110105001002003",
            "surveyed_on": "2024-01-05",
        },
        secure=True,
    )

    assert response.status_code == 200
    assert "部件标识码第7-11位的小类代码06010不在部件目录中" in response.content.decode()
    assert Component.objects.count() == 0
