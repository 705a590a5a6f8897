"""Settings come from the environment; a malformed value stops the process and names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "FINEGRID_SECRET_KEY": "x" * 20 + "-production-key-from-the-environment-0123456789",
    "DATABASE_URL": "postgres://finegrid@db.example.internal:5432/finegrid",
    "FINEGRID_ALLOWED_HOSTS": "cg.example.gov.cn",
}


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # A production-like process: none of the test run's own settings (nor the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FINEGRID_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**clean, "FINEGRID_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_env_bool_refuses_a_word_it_does_not_know(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINEGRID_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"FINEGRID_DEBUG='maybe' is not a boolean"):
        env_bool("FINEGRID_DEBUG", default=False)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("no", False), ("TRUE", True), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", default=not expected) is expected


def test_env_int_names_the_variable_and_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINEGRID_EMAIL_PORT", "twenty-five")
    with pytest.raises(
        ImproperlyConfigured, match=r"FINEGRID_EMAIL_PORT='twenty-five' is not a whole number"
    ):
        env_int("FINEGRID_EMAIL_PORT", 25)
    monkeypatch.setenv("FINEGRID_EMAIL_PORT", "0")
    with pytest.raises(
        ImproperlyConfigured, match=r"FINEGRID_EMAIL_PORT=0 is below its minimum of 1"
    ):
        env_int("FINEGRID_EMAIL_PORT", 25, minimum=1)


def test_env_list_and_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINEGRID_ALLOWED_HOSTS", " a.gov.cn, ,b.gov.cn ")
    assert env_list("FINEGRID_ALLOWED_HOSTS", []) == ["a.gov.cn", "b.gov.cn"]
    monkeypatch.setenv("FINEGRID_LOG_LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="FINEGRID_LOG_LEVEL='LOUD' must be one of"):
        env_choice("FINEGRID_LOG_LEVEL", "INFO", frozenset({"INFO", "DEBUG"}))


@pytest.mark.slow
def test_malformed_setting_stops_manage_py_naming_the_variable(tmp_path: Path) -> None:
    result = manage("check", env={"FINEGRID_DEBUG": "perhaps"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "FINEGRID_DEBUG='perhaps' is not a boolean" in result.stderr


@pytest.mark.slow
def test_unsupported_database_is_refused_at_start(tmp_path: Path) -> None:
    result = manage("check", env={"DATABASE_URL": "mysql://root@127.0.0.1/test"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DATABASE_URL names django.db.backends.mysql" in result.stderr


@pytest.mark.slow
def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_check_deploy_fails_without_a_secret_key_from_the_environment(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "FINEGRID_SECRET_KEY"}
    result = manage("check", "--deploy", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "finegrid.E001" in result.stderr


@pytest.mark.slow
def test_check_deploy_fails_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DATABASE_URL"}
    result = manage("check", "--deploy", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "finegrid.E002" in result.stderr


def test_sqlite_default_uses_wal_and_lives_under_var(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
            "from django.db import connection; c=connection.cursor();"
            "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); print(connection.settings_dict['NAME'])",
        ],
        cwd=REPO,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("FINEGRID_", "DATABASE_URL"))
            },
            "FINEGRID_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    mode, name = result.stdout.split()
    assert mode == "wal"
    assert name == str(tmp_path / "finegrid.sqlite3")
