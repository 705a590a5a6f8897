"""API test helpers: a client that speaks with a token, and tokens for the demo cast."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from finegrid.api.tokens import issue_personal_token, issue_service_token
from finegrid.cases.models import Source
from finegrid.geo.models import Area
from finegrid.org.models import User
from tests.cases.conftest import exposed_rubbish  # noqa: F401  (a fixture these tests share)


class Api:
    """The Django test client with a bearer token, JSON in and out."""

    def __init__(self, secret: str | None, language: str = "zh-hans") -> None:
        self.client = Client()
        self.headers: dict[str, str] = {"Accept-Language": language}
        if secret:
            self.headers["Authorization"] = f"Bearer {secret}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def upload(self, content: bytes, name: str = "photo.jpg") -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            "/api/v1/attachments",
            {"file": SimpleUploadedFile(name, content)},
            headers=self.headers,
        )


@pytest.fixture
def api_as(cast: dict[str, User]) -> Any:
    """api_as("dispatcher") → an Api acting with a personal token of that demo user."""

    def make(username: str, **options: Any) -> Api:
        _token, secret = issue_personal_token(user=cast[username], name="test", **options)
        return Api(secret)

    return make


@pytest.fixture
def city_code(db: None) -> str:
    return Area.objects.current().get(level="city").code


@pytest.fixture
def hotline(city_code: str) -> Api:
    _token, secret = issue_service_token(
        name="12345", source=Source.HOTLINE, area=Area.objects.current().get(code=city_code)
    )
    return Api(secret)
