"""The shared cast: the demo city (areas, units, catalogue, one user per role), built once per run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from finegrid.org.models import User
from tests.live import live_city  # noqa: F401  (the demo city in real server processes)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or a skip that says why when the checkout has no ../shared beside it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data set lives beside the repository in CI")
    return path


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from finegrid.demo.seed import seed_demo

    with django_db_blocker.unblock(), override_settings(VAR_DIR=tmp_path_factory.mktemp("var")):
        seed_demo()


@pytest.fixture(autouse=True)
def _fresh_spatial_index() -> None:
    # Each test's transaction is rolled back; an index cached by another test must not leak in.
    from finegrid.geo.selectors import clear_index_cache

    clear_index_cache()


@pytest.fixture
def cast(db: None) -> dict[str, User]:
    """The demo staff by username: inspector, receptionist, shiftleader, dispatcher, handler, ..."""
    return {u.username: u for u in User.objects.select_related("unit")}
