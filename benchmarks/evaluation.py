"""Time a full monthly evaluation and the monthly ranking documents of a megacity month.

Usage: python benchmarks/evaluation.py [--database sqlite|postgresql|both] [--cases 100000,1000000]
                                       [--month 2026-10] [--seed 1] [--repeats 1] [--keep] [--reuse]
                                       [--pg-url postgres://postgres@127.0.0.1:5432]

For each database and size it makes a throwaway database (SQLite: var/bench/megacity-<n>.sqlite3;
PostgreSQL: finegrid_bench_<n> on --pg-url), migrates it, fills it with `benchmarks/megacity.py`
(10 districts, 200 streets, 20,000 grids, 60 departments, 2,000 staff and <n> cases reported in the
month, with their events), then times, each in a subprocess of its own so that its peak memory is
its own (os.wait4's rusage):

1. `manage.py evaluate --all-default --period <month>`: every default scheme for the month;
2. `manage.py bulletin --period <month> --kind monthly --formats docx,xlsx,pdf --out DIR`: the
   monthly ranking documents of those runs (DIR is var/bench/bulletins/<database>-<n>/);
both --repeats times, in that order (the table shows medians; peak memory is the largest).

A command the checkout does not have yet is reported as not available; the generation figures are
still printed. The table shows per database and size: cases, events, generation seconds, evaluation
seconds, its peak RSS, document seconds, evaluation seconds per 100,000 cases (how it grows with
size), and whether the targets are met: evaluation < 30 s, peak memory < 2 GB, documents < 10 s.
The figures are also kept in var/bench/evaluation-latest.json (one entry per database, size and
month: a later run replaces it).

--keep keeps the generated databases (with a JSON file beside each saying what is in it), and
--reuse skips the generation when a kept database of that size, month and seed is there (it is
still migrated, so that new migrations apply). There is one database per vendor and size: one of
another month or seed replaces it. Without --keep the databases are dropped at the end.
Each command's whole output is in var/bench/logs/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "var" / "bench"
LOG_DIR = BENCH_DIR / "logs"
PYTHON = sys.executable
TARGET_EVALUATION_S = 30.0
TARGET_PEAK_MB = 2048.0
TARGET_DOCUMENTS_S = 10.0
PER = 100_000  # evaluation seconds are also given per this many cases


@dataclass
class Ran:
    """One subprocess: how long it took, its peak resident memory, how it ended."""

    seconds: float
    peak_mb: float
    code: int
    tail: str

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass
class Figures:
    database: str
    cases: int
    events: int | None = None
    generation_s: float | None = None
    generation_peak_mb: float | None = None
    generated: dict[str, Any] = field(default_factory=dict)
    reused: bool = False
    evaluation: list[Ran] = field(default_factory=list)
    documents: list[Ran] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    startup_s: float | None = None
    #: The machine's load when the commands started: other work on it slows them down.
    load_average: tuple[float, ...] = ()

    @staticmethod
    def median(runs: list[Ran], attribute: str) -> float | None:
        good = [getattr(r, attribute) for r in runs if r.ok]
        return statistics.median(good) if good else None

    @property
    def evaluation_s(self) -> float | None:
        return self.median(self.evaluation, "seconds")

    @property
    def evaluation_peak_mb(self) -> float | None:
        good = [r.peak_mb for r in self.evaluation if r.ok]
        return max(good) if good else None

    @property
    def documents_s(self) -> float | None:
        return self.median(self.documents, "seconds")

    @property
    def evaluation_per_100k(self) -> float | None:
        seconds = self.evaluation_s
        return None if seconds is None else seconds / (self.cases / PER)

    def targets(self) -> str:
        checks = [
            ("evaluation", self.evaluation_s, TARGET_EVALUATION_S),
            ("memory", self.evaluation_peak_mb, TARGET_PEAK_MB),
            ("documents", self.documents_s, TARGET_DOCUMENTS_S),
        ]
        words = []
        for name, value, limit in checks:
            if value is None:
                words.append(f"{name} n/a")
            else:
                words.append(f"{name} {'met' if value < limit else 'MISSED'}")
        return ", ".join(words)

    def as_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "cases": self.cases,
            "events": self.events,
            "reused": self.reused,
            "generation_s": self.generation_s,
            "generation_peak_mb": self.generation_peak_mb,
            "evaluation_s": self.evaluation_s,
            "evaluation_runs_s": [round(r.seconds, 2) for r in self.evaluation],
            "evaluation_peak_mb": self.evaluation_peak_mb,
            "evaluation_s_per_100k": self.evaluation_per_100k,
            "documents_s": self.documents_s,
            "documents_runs_s": [round(r.seconds, 2) for r in self.documents],
            "documents_peak_mb": max((r.peak_mb for r in self.documents if r.ok), default=None),
            "startup_s": self.startup_s,
            "load_average": [round(x, 2) for x in self.load_average],
            "targets": self.targets(),
            "notes": self.notes,
            "generated": self.generated,
        }


# --- processes -----------------------------------------------------------------------------------


def run(args: Sequence[str], env: dict[str, str], log: Path, *, echo: bool = False) -> Ran:
    """Run a command, its output into `log` (and to the terminal with `echo`); time it and read
    its peak resident memory (and its children's) from the kernel when it ends."""
    log.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [PYTHON, *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        assert process.stdout is not None
        for line in process.stdout:
            out.write(line)
            lines.append(line.rstrip("\n"))
            del lines[:-40]
            if echo and not line.startswith("{"):  # the figures' JSON line is read, not shown
                print(f"    {line}", end="", flush=True)
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Ran(seconds, usage.ru_maxrss / 1024, process.returncode, "\n".join(lines))


def environment(database_url: str, var_dir: Path) -> dict[str, str]:
    """This process's environment without its finegrid settings, then the benchmark's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FINEGRID_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        FINEGRID_VAR_DIR=str(var_dir),  # the bulletins' files are kept under it
        FINEGRID_SECRET_KEY=secrets.token_urlsafe(48),
        FINEGRID_DEBUG="0",  # with DEBUG on, Django would keep every query in memory
        FINEGRID_HTTPS="0",
        PYTHONUNBUFFERED="1",
    )
    return env


# --- databases -----------------------------------------------------------------------------------


class Database:
    """A benchmark database of one vendor and size: create, check, drop."""

    def __init__(self, vendor: str, cases: int, pg_url: str) -> None:
        self.vendor = vendor
        self.cases = cases
        self.pg_url = pg_url.rstrip("/")
        if vendor == "sqlite":
            self.name = str(BENCH_DIR / f"megacity-{cases}.sqlite3")
            self.url = f"sqlite:///{self.name}"
            self.sidecar = Path(self.name + ".json")
        else:
            self.name = f"finegrid_bench_{cases}"
            self.url = f"{self.pg_url}/{self.name}"
            self.sidecar = BENCH_DIR / f"{self.name}.json"
        self.var_dir = BENCH_DIR / f"var-{vendor}-{cases}"

    def __str__(self) -> str:
        return self.name if self.vendor == "postgresql" else str(Path(self.name).relative_to(REPO))

    @contextlib.contextmanager
    def _admin(self) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(f"{self.pg_url}/postgres", autocommit=True) as connection:
            yield connection

    def exists(self) -> bool:
        if self.vendor == "sqlite":
            return Path(self.name).exists()
        with self._admin() as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return found.fetchone() is not None

    def case_count(self) -> int | None:
        """How many cases it holds; None when it has no cases table (or no database)."""
        try:
            if self.vendor == "sqlite":
                with contextlib.closing(sqlite3.connect(self.name)) as db:
                    return int(db.execute("SELECT count(*) FROM cases_case").fetchone()[0])
            with psycopg.connect(self.url) as db:
                row = db.execute("SELECT count(*) FROM cases_case").fetchone()
                return int(row[0]) if row else None
        except (sqlite3.Error, psycopg.Error):
            return None

    def create(self) -> None:
        self.drop()
        if self.vendor == "sqlite":
            BENCH_DIR.mkdir(parents=True, exist_ok=True)
            return
        with self._admin() as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        self.sidecar.unlink(missing_ok=True)
        shutil.rmtree(self.var_dir, ignore_errors=True)
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)
            return
        with self._admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    def reusable(self, month: str, seed: int) -> dict[str, Any] | None:
        """What a kept database was generated with, if it is this size, month and seed."""
        if not self.sidecar.exists() or not self.exists():
            return None
        kept: dict[str, Any] = json.loads(self.sidecar.read_text())
        if (kept.get("cases"), kept.get("month"), kept.get("seed")) != (self.cases, month, seed):
            return None
        if self.case_count() != self.cases:
            return None
        return kept


# --- one database and size -----------------------------------------------------------------------


def available_commands(env: dict[str, str]) -> set[str]:
    log = LOG_DIR / "help.log"
    ran = run(["manage.py", "help", "--commands"], env, log)
    return set(log.read_text(encoding="utf-8").split()) if ran.ok else set()


def bench(database: Database, args: argparse.Namespace) -> Figures:
    figures = Figures(database.vendor, database.cases)
    env = environment(database.url, database.var_dir)
    tag = f"{database.vendor}-{database.cases}"
    print(f"\n== {database.vendor}, {database.cases:,} cases: {database}", flush=True)
    kept = database.reusable(args.month, args.seed) if args.reuse else None
    migrate = ["manage.py", "migrate", "--noinput", "-v", "0"]
    if kept is None:
        database.create()
        migrated = run(migrate, env, LOG_DIR / f"{tag}-migrate.log")
        if not migrated.ok:
            raise SystemExit(f"migrate failed:\n{migrated.tail}")
        print("  generating (benchmarks/megacity.py):", flush=True)
        generator = [
            "benchmarks/megacity.py",
            f"--cases={database.cases}",
            f"--month={args.month}",
            f"--seed={args.seed}",
            "--json",
        ]
        ran = run(generator, env, LOG_DIR / f"{tag}-generate.log", echo=True)
        if not ran.ok:
            raise SystemExit(f"generation failed:\n{ran.tail}")
        kept = json.loads(ran.tail.splitlines()[-1])
        kept["generation_wall_s"] = round(ran.seconds, 1)
        kept["generation_peak_mb"] = round(ran.peak_mb, 1)
        database.sidecar.write_text(json.dumps(kept, ensure_ascii=False, indent=2))
    else:
        figures.reused = True
        print(f"  reusing the kept database (generated in {kept['generation_wall_s']} s)")
        migrated = run(migrate, env, LOG_DIR / f"{tag}-migrate.log")
        if not migrated.ok:
            raise SystemExit(f"migrate failed:\n{migrated.tail}")
    figures.generated = kept
    figures.events = kept["events"]
    figures.generation_s = kept["generation_wall_s"]
    figures.generation_peak_mb = kept["generation_peak_mb"]

    commands = available_commands(env)
    figures.load_average = os.getloadavg()
    startup = run(["manage.py", "help", "evaluate"], env, LOG_DIR / "startup.log")
    figures.startup_s = startup.seconds
    print(
        f"  (starting Python and Django takes {startup.seconds:.1f} s of each command's time; "
        f"load average {figures.load_average[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    evaluate = ["manage.py", "evaluate", "--all-default", f"--period={args.month}"]
    out = BENCH_DIR / "bulletins" / tag
    bulletin = [
        "manage.py",
        "bulletin",
        f"--period={args.month}",
        "--kind=monthly",
        "--formats=docx,xlsx,pdf",
        f"--out={out}",
    ]
    phases = [
        (name, command, runs)
        for name, command, runs in (
            ("evaluate", evaluate, figures.evaluation),
            ("bulletin", bulletin, figures.documents),
        )
        if name in commands
    ]
    for name in ("evaluate", "bulletin"):
        if name not in commands:
            note = f"{name}: command not available (manage.py help does not list it)"
            figures.notes.append(note)
            print(f"  {note}")
    # Each repeat evaluates and then issues the documents of those fresh runs (documents of runs
    # already issued would only be copied).
    failed: set[str] = set()
    for attempt in range(1, args.repeats + 1):
        for name, command, runs in phases:
            if failed:
                break
            if name == "bulletin":
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir(parents=True)
            ran = run(command, env, LOG_DIR / f"{tag}-{name}-{attempt}.log")
            runs.append(ran)
            state = "ok" if ran.ok else f"FAILED (exit {ran.code})"
            print(
                f"  {name} #{attempt}: {ran.seconds:.1f} s, peak RSS {ran.peak_mb:.0f} MB, {state}",
                flush=True,
            )
            if not ran.ok:
                failed.add(name)
                figures.notes.append(f"{name} failed (exit {ran.code}); see var/bench/logs")
                print("    " + ran.tail[-3000:].replace("\n", "\n    "))
    if figures.documents and figures.documents[-1].ok:
        files = sorted(p.name for p in out.iterdir())
        print(f"  documents in {out.relative_to(REPO)}: {', '.join(files) or 'none'}")
        if not files:
            figures.notes.append("bulletin wrote no files into --out")
    return figures


# --- the report ----------------------------------------------------------------------------------


def _cell(value: float | int | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def print_table(results: list[Figures]) -> None:
    header = (
        "database",
        "cases",
        "events",
        "generation s",
        "evaluation s",
        "eval peak MB",
        "documents s",
        "eval s /100k",
        "targets (eval < 30 s, < 2 GB, documents < 10 s)",
    )
    rows = [
        (
            f.database,
            f"{f.cases:,}",
            _cell(f.events, ","),
            _cell(f.generation_s, ".1f") + (" (kept)" if f.reused else ""),
            _cell(f.evaluation_s, ".1f"),
            _cell(f.evaluation_peak_mb, ".0f"),
            _cell(f.documents_s, ".1f"),
            _cell(f.evaluation_per_100k, ".2f"),
            f.targets(),
        )
        for f in results
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        cells = [
            str(cell).ljust(widths[i]) if i in (0, 8) else str(cell).rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        print("  ".join(cells).rstrip())
    for f in results:
        for note in f.notes:
            print(f"note ({f.database}, {f.cases:,}): {note}")


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in load],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time the monthly evaluation and documents of a megacity month."
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--cases", default="100000,1000000", help="comma-separated sizes (default 100000,1000000)"
    )
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each command (median)")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    parser.add_argument("--reuse", action="store_true", help="use a kept database of that size")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args(argv)
    try:
        sizes = [int(n.replace("_", "")) for n in args.cases.split(",") if n.strip()]
    except ValueError:
        parser.error(f"--cases must be whole numbers separated by commas, not {args.cases!r}")
    if not sizes or min(sizes) < 1 or args.repeats < 1:
        parser.error("--cases and --repeats must be at least 1")
    vendors = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(f"machine: {machine()}")
    results: list[Figures] = []
    failed = False
    for vendor in vendors:
        for cases in sizes:
            database = Database(vendor, cases, args.pg_url)
            try:
                figures = bench(database, args)
            finally:
                if not args.keep:
                    database.drop()
                    print(f"  dropped {database}")
            results.append(figures)
            failed |= any(not r.ok for r in figures.evaluation + figures.documents)
    print_table(results)
    if args.keep:
        print("\nkept databases (reuse them with --reuse):")
        for f in results:
            print(f"  {Database(f.database, f.cases, args.pg_url).url}")
    save(results, args.month)
    return 1 if failed else 0


def save(results: list[Figures], month: str) -> None:
    """Into var/bench/evaluation-latest.json, replacing earlier figures of the same database,
    size and month, keeping the others (so that runs of one size at a time add up)."""
    path = BENCH_DIR / "evaluation-latest.json"
    kept: list[dict[str, Any]] = []
    if path.exists():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            kept = list(json.loads(path.read_text())["results"])
    fresh = [{**f.as_json(), "month": month, "machine": machine()} for f in results]
    done = {(r["database"], r["cases"], r["month"]) for r in fresh}
    kept = [r for r in kept if (r.get("database"), r.get("cases"), r.get("month")) not in done]
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {"results": sorted(kept + fresh, key=lambda r: (r["database"], r["cases"]))}
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())
