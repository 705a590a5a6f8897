"""Test-wide settings: a fast password hasher, plain static storage, plain HTTP for the test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    # Tasks run right after commit in tests (STYLE.md); tests of the queue choose their backend.
    settings.FINEGRID_TASK_BACKEND = "immediate"
    # WhiteNoise looks for collected files at start; tests serve from the finders instead.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
