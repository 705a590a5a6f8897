"""The token page: create a token (its secret shown once), see it listed, revoke it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from finegrid.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_user_creates_sees_and_revokes_a_token(cast: Any) -> None:
    client = Client()
    client.force_login(cast["dispatcher"])
    created = client.post("/account/tokens/", {"name": "派遣脚本", "roles": ["dispatcher"]})
    assert created.status_code == 200
    secret = created.context["secret"]
    assert secret.startswith("fg_")
    assert secret in created.content.decode()
    listed = client.get("/account/tokens/").content.decode()
    assert "派遣脚本" in listed
    assert secret not in listed
    assert (
        Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    token = ApiToken.objects.get(user=cast["dispatcher"])
    assert client.post(f"/account/tokens/{token.pk}/revoke").status_code == 302
    assert (
        Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_a_role_the_user_does_not_hold_is_refused_and_keeps_the_form(cast: Any) -> None:
    client = Client()
    client.force_login(cast["dispatcher"])
    response = client.post("/account/tokens/", {"name": "越权", "roles": ["admin"]})
    assert response.status_code == 400
    assert "越权" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked(cast: Any) -> None:
    from finegrid.api.tokens import issue_personal_token

    token, _secret = issue_personal_token(user=cast["leader"], name="领导")
    client = Client()
    client.force_login(cast["dispatcher"])
    assert client.post(f"/account/tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
