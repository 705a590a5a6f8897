from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings

from finegrid.geo.models import Area
from finegrid.org.models import Unit, User

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return Area.objects.count(), Unit.objects.count(), User.objects.count()


def test_seed_demo_twice_changes_nothing_and_every_printed_login_works(tmp_path: Path) -> None:
    before = counts()
    with override_settings(DEBUG=True, VAR_DIR=tmp_path):
        first, second = StringIO(), StringIO()
        call_command("seed_demo", stdout=first)
        call_command("seed_demo", stdout=second)
    assert counts() == before
    logins = re.findall(r"^\s+(\w+)\s+(\S+)\s+\S+ \(", second.getvalue(), flags=re.MULTILINE)
    assert [u for u, _p in logins] == [
        "inspector", "receptionist", "shiftleader", "dispatcher", "handler",
        "deptadmin", "supervisor", "leader", "admin",
    ]  # fmt: skip
    assert first.getvalue() == second.getvalue()
    for username, password in logins:
        assert authenticate(username=username, password=password) is not None, username


def test_seed_demo_refuses_a_production_configuration() -> None:
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="FINEGRID_DEBUG=1"):
        call_command("seed_demo", stdout=StringIO())
