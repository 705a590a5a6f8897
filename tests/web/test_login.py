from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from finegrid.org.models import User

pytestmark = pytest.mark.django_db


def test_home_needs_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_a_staff_user_logs_in_and_sees_role_unit_and_areas(
    client: Client, cast: dict[str, User]
) -> None:
    inspector = cast["inspector"]
    inspector.set_password("correct horse")
    inspector.save()
    response = client.post(
        "/login/", {"username": "inspector", "password": "correct horse"}, follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "张伟，您好" in body
    assert "监督员" in body
    assert "示范市城市运行管理监督中心" in body
    assert "湖滨街道" in body


def test_a_wrong_password_gets_a_chinese_error(client: Client) -> None:
    response = client.post("/login/", {"username": "inspector", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确，请重试。" in response.content.decode()


def test_english_is_switchable(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["dispatcher"])
    response = client.get("/", headers={"accept-language": "en"})
    body = response.content.decode()
    assert "Hello, 刘洋" in body
    assert "Dispatcher" in body


def test_admin_site_opens_for_admin_role_only(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["admin"])
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/catalogue/category/").status_code == 200
    client.force_login(cast["inspector"])
    assert client.get("/admin/").status_code == 302


def test_healthz_names_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["status"] == "ok"


def test_admin_speaks_chinese(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["admin"])
    body = client.get("/admin/").content.decode()
    assert "站点管理" in body or "系统管理" in body
    assert "组织机构" in body


def test_static_css_is_served_from_our_own_files() -> None:
    assert (Path(__file__).resolve().parents[2] / "finegrid/web/static/web/base.css").is_file()
