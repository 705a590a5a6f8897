"""A throwaway demo city served by real gunicorn processes, for live tests and benchmarks.

The in-process test client cannot show what a crash, a second process or a real socket does;
`LiveCity` runs the production stack (gunicorn, WSGI, middleware, a real database) against a
database of its own, and kills or restarts it on demand. Seeding the demo city is the slow part,
so the seeded database (SQLite file or PostgreSQL template database) and the collected static
files are built once per content of the files they come from and copied for each city.

    city = LiveCity(vendor="sqlite", workdir=tmp_path)
    city.prepare()                      # fresh database, migrated and seeded
    secret = city.issue_token("--user", "dispatcher", "--name", "测试")
    city.start()                        # gunicorn; returns when /healthz answers
    ...                                 # requests to city.base_url
    city.kill(); city.start()           # SIGKILL the whole server, then serve again
    city.drop()                         # stop and remove the database
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import importlib
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import psycopg
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from psycopg import sql

Vendor = Literal["sqlite", "postgresql"]
Admin = psycopg.Connection[tuple[Any, ...]]

REPO = Path(__file__).resolve().parents[2]
CACHE_DIR = Path(tempfile.gettempdir()) / f"finegrid-live-{os.getuid()}"
SEED_MANIFEST = CACHE_DIR / "seed-modules.json"
TEMPLATE_PREFIX = "finegrid_live_tpl_"
_ORPHAN = re.compile(r"^finegrid_live_(\d+)_\d+$")
_counter = itertools.count(1)


class LiveCityError(RuntimeError):
    """A command or the server of a live city failed; the message carries its output."""


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """The standard hasher with few iterations, only for seeding throwaway cities.

    Hashing the demo staff's passwords with the full 1,000,000 iterations is most of seed_demo's
    time. The iteration count is stored in each hash, so the server's ordinary PBKDF2 hasher still
    verifies these passwords (and would upgrade them on login).
    """

    iterations = 1_000


def seed_quickly(manifest: str) -> None:
    """Seed the demo city with the quick hasher; run inside `manage.py shell` by `prepare`.

    Writes to `manifest` the package's modules that were loaded meanwhile: what the seeded
    database may depend on, and so what its cache key is made of.
    """
    from django.test import override_settings

    from finegrid.demo.seed import seed_demo

    hasher = f"{__name__}.{QuickPBKDF2PasswordHasher.__qualname__}"
    with override_settings(PASSWORD_HASHERS=[hasher]):
        seed_demo()
    package = REPO / "finegrid"
    loaded = {
        Path(str(module.__file__)).resolve()
        for module in list(sys.modules.values())
        if getattr(module, "__file__", None)
    }
    modules = {path for path in loaded if path.is_relative_to(package)} - {Path(__file__).resolve()}
    Path(manifest).write_text(json.dumps(sorted(str(p.relative_to(REPO)) for p in modules)))


def issue_tokens_json(requests_json: str) -> None:
    """Print {name: secret} for {name: [issue_token arguments]}: one process for many tokens."""
    from io import StringIO

    from django.core.management import call_command

    secrets_by_name: dict[str, str] = {}
    for name, args in json.loads(requests_json).items():
        out = StringIO()
        call_command("issue_token", *args, stdout=out)
        secrets_by_name[name] = out.getvalue().strip()
    print(json.dumps(secrets_by_name))


def points_json(count: int, seed: int) -> None:
    """Print `count` random WGS-84 points, each strictly inside a random current grid.

    Interior points only (a small inward buffer): a point on a shared edge may resolve to either
    neighbour, and a test should not depend on which.
    """
    import random

    import shapely
    from shapely.geometry import shape

    from finegrid.geo.models import Grid

    rng = random.Random(seed)
    grids = [shape(g.boundary).buffer(-1e-5) for g in Grid.objects.current().order_by("pk")]
    grids = [g for g in grids if not g.is_empty]
    points: list[tuple[float, float]] = []
    while len(points) < count:
        grid = rng.choice(grids)
        min_x, min_y, max_x, max_y = grid.bounds
        for _attempt in range(100):
            x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
            if grid.contains(shapely.Point(x, y)):
                points.append((round(x, 7), round(y, 7)))
                break
    print(json.dumps(points))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _digest(salt: str, paths: Iterable[Path]) -> str:
    digest = hashlib.sha256(salt.encode())
    for path in sorted(set(paths)):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def seed_key(modules: Iterable[str]) -> str:
    """The cache key of a seeded database: the contents of the modules the seed loaded (a
    manifest written by `seed_quickly`), of every migration and of the package's data files.

    Contents rather than modification times: a checkout or a copy changes mtimes, not meaning.
    Only what seeding ran counts, so that editing an endpoint does not cost a new seed, while a
    change to a model, a migration or an action the seed calls does.
    """
    import django

    package = REPO / "finegrid"
    sources = [
        *(REPO / module for module in modules),
        *package.glob("*/migrations/*.py"),
        *(p for ext in ("json", "csv", "geojson") for p in package.rglob(f"*.{ext}")),
    ]
    return _digest(f"{django.__version__} {QuickPBKDF2PasswordHasher.iterations}", sources)


def current_seed_key() -> str | None:
    """The key of the last seed's modules as they are now; None when nothing was seeded yet."""
    try:
        modules: list[str] = json.loads(SEED_MANIFEST.read_text())
    except (OSError, ValueError):
        return None
    if not all((REPO / module).is_file() for module in modules):
        return None
    return seed_key(modules)


def static_fingerprint() -> str:
    """A digest of the files collectstatic gathers."""
    import django

    sources = [
        *(p for p in (REPO / "finegrid").glob("*/static/**/*") if p.is_file()),
        *(p for p in (REPO / "node_modules" / "leaflet" / "dist").rglob("*") if p.is_file()),
    ]
    return _digest(django.__version__, sources)


@contextlib.contextmanager
def _cache_lock(artefact: str) -> Iterator[None]:
    """One builder of an artefact at a time per machine user: parallel runs wait, not race."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with (CACHE_DIR / f"{artefact}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Runs first in the server's process, then becomes gunicorn (exec keeps the pid): on Linux it asks
# for SIGTERM when its parent ends, so that a server outlives no test run, even one killed with -9.
# A launcher rather than preexec_fn, which may deadlock when the parent has threads (the
# benchmark's clients keep sending while it restarts the server).
_LAUNCHER = """
import ctypes, os, signal, sys
if sys.platform == "linux":
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != int(sys.argv[1]):
        sys.exit("the process that started the server has ended")
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""


def _alive_in_group(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies left for init to reap do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its parenthesis.
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class LiveCity:
    """The demo city in its own database, served by gunicorn on a free loopback port."""

    def __init__(
        self,
        *,
        vendor: Vendor,
        workdir: Path,
        workers: int = 2,
        threads: int = 1,
        env: Mapping[str, str] | None = None,
        pg_url: str = "postgres://postgres@127.0.0.1:5432",
        gunicorn_args: Sequence[str] = (),
    ) -> None:
        """`threads` above 1 makes gunicorn use gthread workers; `gunicorn_args` are passed last."""
        self.vendor: Vendor = vendor
        self.workdir = Path(workdir).resolve()
        self.workers = workers
        self.threads = threads
        self.gunicorn_args = list(gunicorn_args)
        self.pg_url = pg_url.rstrip("/")
        self.var_dir = self.workdir / "var"
        self.log_path = self.workdir / "gunicorn.log"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        if vendor == "sqlite":
            self.database_name = str(self.workdir / "city.sqlite3")
            self.database_url = f"sqlite:///{self.database_name}"
        elif vendor == "postgresql":
            self.database_name = f"finegrid_live_{os.getpid()}_{next(_counter)}"
            self.database_url = f"{self.pg_url}/{self.database_name}"
        else:
            raise ValueError(f"vendor must be sqlite or postgresql, not {vendor!r}")
        self.env = self._environment(env or {})
        self.logins: dict[str, str] = {}
        self.prepare_seconds: float | None = None
        self._server: subprocess.Popen[bytes] | None = None
        self._created = False

    # --- environment and commands ----------------------------------------------------------------

    def _environment(self, overrides: Mapping[str, str]) -> dict[str, str]:
        """The parent's environment without its finegrid settings, then this city's, then the caller's."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("FINEGRID_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.database_url,
            FINEGRID_VAR_DIR=str(self.var_dir),
            FINEGRID_SECRET_KEY=secrets.token_urlsafe(48)[:64],
            FINEGRID_HTTPS="0",
            FINEGRID_DEBUG="0",
            FINEGRID_TASK_BACKEND="database",
            PYTHONUNBUFFERED="1",
        )
        env.update(overrides)
        return env

    def _run(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=REPO,
            env=dict(env or self.env),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise LiveCityError(
                f"{' '.join(args)} exited with {done.returncode}:\n{done.stderr[-4000:]}"
            )
        return done.stdout

    def manage(self, *args: str) -> str:
        """Run manage.py against this city; its stdout, or LiveCityError with its stderr."""
        return self._run(["manage.py", *args])

    def shell(self, code: str) -> str:
        """Run Python code inside this city's Django (manage.py shell -c); its stdout."""
        return self.manage("shell", "--no-imports", "-c", code)

    def issue_token(self, *args: str) -> str:
        """The secret printed by `manage.py issue_token` with these arguments."""
        return self.manage("issue_token", *args).strip()

    def issue_tokens(self, requests: Mapping[str, Sequence[str]]) -> dict[str, str]:
        """Several tokens in one process (a Django start costs about a second each)."""
        code = (
            "from finegrid.demo.liveserver import issue_tokens_json; "
            f"issue_tokens_json({json.dumps(json.dumps({k: list(v) for k, v in requests.items()}))})"
        )
        issued: dict[str, str] = json.loads(self.shell(code).strip().splitlines()[-1])
        return issued

    def points_inside(self, count: int, *, seed: int = 1) -> list[tuple[float, float]]:
        """Random (lon, lat) points inside the city's grids, the same for the same seed."""
        code = f"from finegrid.demo.liveserver import points_json; points_json({count}, {seed})"
        return [(lon, lat) for lon, lat in json.loads(self.shell(code).strip().splitlines()[-1])]

    # --- database ------------------------------------------------------------------------------

    def prepare(self) -> None:
        """A fresh database for this city, migrated and seeded, and its static files in place."""
        started = time.monotonic()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self._link_static(static_fingerprint())
        if self.vendor == "sqlite":
            key = self._create_sqlite_database()
        else:
            key = self._create_postgresql_database()
        self._created = True
        logins = CACHE_DIR / f"logins-{self.vendor}-{key}.json"
        if logins.exists():
            shutil.copyfile(logins, self.var_dir / "demo-logins.json")
            self.logins = json.loads(logins.read_text())
        self.prepare_seconds = time.monotonic() - started

    def _seed(self, database_url: str, build: Path) -> str:
        """Migrate and seed the database at `database_url`; its cache key (see `seed_key`)."""
        env = {**self.env, "DATABASE_URL": database_url, "FINEGRID_VAR_DIR": str(build / "var")}
        self._run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
        manifest = build / "seed-modules.json"
        code = f"from finegrid.demo.liveserver import seed_quickly; seed_quickly({str(manifest)!r})"
        self._run(["manage.py", "shell", "--no-imports", "-c", code], env)
        key = seed_key(json.loads(manifest.read_text()))
        manifest.replace(SEED_MANIFEST)
        for stale in CACHE_DIR.glob(f"logins-{self.vendor}-*.json"):
            stale.unlink()
        logins = CACHE_DIR / f"logins-{self.vendor}-{key}.json"
        shutil.copyfile(build / "var" / "demo-logins.json", logins)
        return key

    def _create_sqlite_database(self) -> str:
        """Copy the seeded template file, building it first when its sources have changed."""
        with _cache_lock("sqlite"):
            key = current_seed_key()
            template = CACHE_DIR / f"sqlite-{key}.sqlite3"
            if key is None or not template.exists():
                with tempfile.TemporaryDirectory(dir=CACHE_DIR) as build:
                    database = Path(build) / "seed.sqlite3"
                    key = self._seed(f"sqlite:///{database}", Path(build))
                    # Fold the write-ahead log into the file, so that copying one file suffices.
                    with contextlib.closing(sqlite3.connect(database)) as db:
                        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    template = CACHE_DIR / f"sqlite-{key}.sqlite3"
                    database.replace(template)
                for stale in CACHE_DIR.glob("sqlite-*.sqlite3"):
                    if stale != template:
                        stale.unlink()
            for suffix in ("", "-wal", "-shm"):
                Path(self.database_name + suffix).unlink(missing_ok=True)
            shutil.copyfile(template, self.database_name)
        return key

    def _create_postgresql_database(self) -> str:
        """Copy the seeded template with CREATE DATABASE … TEMPLATE: a file copy, well under a second.

        The template is built when missing; the whole step holds both the machine's lock and an
        advisory lock on the server, so that nobody drops a template while another copies it.
        """
        with _cache_lock("postgresql"), self._pg_admin() as admin:
            admin.execute("SELECT pg_advisory_lock(hashtext('finegrid_live_template'))")
            try:
                key = current_seed_key()
                template = f"{TEMPLATE_PREFIX}{key}"
                found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
                if key is None or found.fetchone() is None:
                    building = f"{TEMPLATE_PREFIX}build_{os.getpid()}"
                    admin.execute(_ddl("DROP DATABASE IF EXISTS {} WITH (FORCE)", building))
                    admin.execute(_ddl("CREATE DATABASE {}", building))
                    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as build:
                        key = self._seed(f"{self.pg_url}/{building}", Path(build))
                    template = f"{TEMPLATE_PREFIX}{key}"
                    admin.execute(_ddl("DROP DATABASE IF EXISTS {} WITH (FORCE)", template))
                    admin.execute(_ddl("ALTER DATABASE {} RENAME TO {}", building, template))
                self._drop_stale_databases(admin, keep=template)
                admin.execute(_ddl("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database_name))
                admin.execute(_ddl("CREATE DATABASE {} TEMPLATE {}", self.database_name, template))
            finally:
                admin.execute("SELECT pg_advisory_unlock(hashtext('finegrid_live_template'))")
        return key

    def _drop_stale_databases(self, admin: Admin, *, keep: str) -> None:
        """Older templates, and cities whose test process died before it could drop them."""
        names = [str(row[0]) for row in admin.execute("SELECT datname FROM pg_database")]
        for name in names:
            orphan = _ORPHAN.match(name)
            if orphan and _pid_alive(int(orphan.group(1))):
                continue
            if orphan or (name.startswith(TEMPLATE_PREFIX) and name != keep):
                with contextlib.suppress(psycopg.Error):
                    admin.execute(_ddl("DROP DATABASE IF EXISTS {}", name))

    def _link_static(self, fingerprint: str) -> None:
        """Collected static files (WhiteNoise needs them with DEBUG off), shared by every city."""
        collected = CACHE_DIR / f"static-{fingerprint}"
        with _cache_lock("static"):
            if not collected.exists():
                for stale in CACHE_DIR.glob("static-*"):
                    shutil.rmtree(stale)
                with tempfile.TemporaryDirectory(dir=CACHE_DIR) as build:
                    env = {**self.env, "FINEGRID_VAR_DIR": build}
                    self._run(["manage.py", "collectstatic", "--noinput", "-v", "0"], env)
                    (Path(build) / "static").rename(collected)
        link = self.var_dir / "static"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(collected, target_is_directory=True)

    @contextlib.contextmanager
    def _pg_admin(self) -> Iterator[Admin]:
        with psycopg.connect(f"{self.pg_url}/postgres", autocommit=True) as connection:
            yield connection

    def drop(self) -> None:
        """Stop the server and remove the database (and the SQLite file's journals)."""
        self.stop()
        if not self._created:
            return
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.database_name + suffix).unlink(missing_ok=True)
        else:
            with self._pg_admin() as admin:
                admin.execute(_ddl("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database_name))
        self._created = False

    # --- server --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.poll() is None

    @property
    def pid(self) -> int | None:
        """The gunicorn master's pid, which is also the id of the server's process group."""
        return self._server.pid if self._server is not None else None

    def start(self, timeout: float = 60.0) -> None:
        """Serve with gunicorn in a process group of its own; return once /healthz answers 200.

        Call it from a thread that lives as long as the server: the server is told to stop when
        the thread that started it ends (so that no test run leaves a server behind).
        """
        if self.running:
            raise LiveCityError(f"the server of {self.base_url} is already running")
        args = [
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--worker-tmp-dir=/dev/shm" if Path("/dev/shm").is_dir() else "--worker-tmp-dir=/tmp",
            "--graceful-timeout=10",
            "--timeout=60",
            *_control_socket_off(),
            *self.gunicorn_args,
        ]
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            log.write(f"--- start {time.strftime('%H:%M:%S')} {' '.join(args)}\n".encode())
            log.flush()
            self._server = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(os.getpid()), *args],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # Health from our own master only: the port was free when chosen, not necessarily now.
        listening = f"Listening at: {self.base_url} ({self._server.pid})"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._server.poll() is not None:
                self._server = None
                raise LiveCityError(f"gunicorn exited at start:\n{self.log_tail()}")
            if self._logged_since(log_start, listening) and self._healthy():
                return
            time.sleep(0.05)
        self.kill()
        raise LiveCityError(
            f"{self.base_url}/healthz did not answer in {timeout:g} s:\n{self.log_tail()}"
        )

    def _logged_since(self, offset: int, text: str) -> bool:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return text.encode() in log.read()

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the whole server: workers finish their requests, then exit."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL to every process of the server at once, as a power cut or the OOM killer would."""
        self._signal(signal.SIGKILL, 10.0)

    def _signal(self, signum: signal.Signals, timeout: float) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        pgid = server.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signum)
        try:
            server.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            server.wait()
        # Workers outlive a killed master for a moment; the port and the database must be free.
        deadline = time.monotonic() + timeout
        while _alive_in_group(pgid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive_in_group(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)

    def __enter__(self) -> LiveCity:
        return self

    def __exit__(self, *exc: object) -> None:
        self.drop()


def _control_socket_off() -> list[str]:
    """Recent gunicorn (27) opens a control socket at one path per user: two cities would collide."""
    known = importlib.import_module("gunicorn.config").KNOWN_SETTINGS
    return ["--no-control-socket"] if any(s.name == "control_socket" for s in known) else []


def _ddl(template: str, *names: str) -> sql.Composed:
    return sql.SQL(template).format(*(sql.Identifier(n) for n in names))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
