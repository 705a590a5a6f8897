"""Citizen intake over HTTP: how many reports a second the real server files, and that none is lost.

Usage: python benchmarks/intake.py [--database sqlite|postgresql|both] [--clients 8]
                                   [--seconds 20] [--workers 2] [--threads 4] [--crash]
                                   [--kills 3] [--profile DIR]

For each database it builds a throwaway demo city (`finegrid.demo.liveserver.LiveCity`), serves it
with gunicorn as production would (rate-limit counters in Redis, FINEGRID_CACHE_URL), and drives
it with concurrent clients, each a thread with its own keep-alive connection:

1. the ceiling: GET /api/v1/ping (token authentication and the rate limit, nothing else) for
   --seconds;
2. intake: POST /api/v1/cases with a citizen service token, a random point inside a random grid,
   a contact and a unique Idempotency-Key, for --seconds.

It prints throughput, p50/p99 latency and errors of both, and intake as a share of the ceiling;
then reads the database and checks that every report answered 2xx is there exactly once (by id,
and by counting the cases whose description carries this run's marker) and that the events' hash
chain verifies. It compares the figures with the targets and exits 1 if a report was lost or
duplicated.

--crash: instead of the two phases, the clients send reports while the whole server process
group is killed (SIGKILL) --kills times and restarted; a client whose request failed retries it
with the same body and Idempotency-Key, as the mobile app does, until it gets an answer. Then
every acknowledged report must exist exactly once and every key must have made at most one case.

--profile DIR: run sync workers under cProfile (much slower: only the ranking means anything),
write one .prof per worker into DIR and print the top functions of intake.

The default server, 2 gthread workers of 4 threads each, measured best on the 2-core machine of
docs/benchmarks.md, where the figures are.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finegrid.demo.liveserver import LiveCity, Vendor

CITY_CODE = "990100"
REDIS_CACHE_URL = "redis://127.0.0.1:6379/13"
TARGET_SHARE = 0.5
TARGET_RATE = 300.0
TARGET_P99_MS = 200.0
POINTS = 5000
RETRY_FOR_SECONDS = 120.0  # --crash: how long a client keeps retrying one report
DESCRIPTIONS = (
    "路灯不亮，晚上很黑",
    "井盖缺失，行人容易摔倒",
    "垃圾满溢，无人清运",
    "占道经营，堵塞人行道",
    "共享单车乱停放",
    "墙面乱张贴小广告",
)


# --- the client ----------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP connection; reopened after the server closes it or a request fails."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http: http.client.HTTPConnection | None = None

    def send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        fresh = self.http is None
        try:
            return self._send(method, path, body, headers)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.close()
            if fresh:
                raise
        # A kept-alive connection the server had already closed: not an error, send it again
        # (every request here is safe to repeat: a GET, or a POST with an Idempotency-Key).
        return self._send(method, path, body, headers)

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        if self.http is None:
            self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.http.request(method, path, body=body, headers=headers)
            response = self.http.getresponse()
            data = response.read()
        except Exception:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, data

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None


@dataclass
class Tally:
    """What one client saw; merged after the phase."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    acked: dict[str, int] = field(default_factory=dict)  # Idempotency-Key → case id
    retried: set[str] = field(default_factory=set)
    last_attempt: dict[str, float] = field(default_factory=dict)  # retried key → epoch seconds
    attempts: int = 0
    gave_up: int = 0

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.errors.update(other.errors)
        self.acked.update(other.acked)
        self.retried |= other.retried
        self.last_attempt.update(other.last_attempt)
        self.attempts += other.attempts
        self.gave_up += other.gave_up


@dataclass
class Cpu:
    """CPU seconds used so far: the server's processes, the database's backends, this client."""

    server: float
    database: float
    client: float

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(
            self.server - other.server,
            self.database - other.database,
            self.client - other.client,
        )


def cpu_now(city: LiveCity) -> Cpu:
    """From /proc: the gunicorn process group's CPU time and that of the PostgreSQL backends
    connected to the city's database (SQLite works inside the server's processes).

    CPU per request does not depend on what else the machine is doing, unlike requests per
    second on a shared machine: it is the figure to compare between runs.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    server = database = 0
    pgid = city.pid
    wanted = f" {city.database_name} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rfind(")") + 2 :].split()
            used = int(fields[11]) + int(fields[12])  # utime + stime
            if pgid is not None and int(fields[2]) == pgid:
                server += used
            elif "(postgres)" in stat and wanted in (entry / "cmdline").read_bytes():
                database += used
        except (OSError, IndexError, ValueError):
            continue
    return Cpu(server / ticks, database / ticks, time.process_time())


@dataclass
class Phase:
    name: str
    seconds: float
    tally: Tally
    cpu: Cpu | None = None

    def cpu_ms(self) -> tuple[float, float, float] | None:
        """Server, database and client CPU milliseconds per successful request."""
        done = len(self.tally.latencies)
        if self.cpu is None or not done:
            return None
        cpu = self.cpu
        return (1000 * cpu.server / done, 1000 * cpu.database / done, 1000 * cpu.client / done)

    @property
    def rate(self) -> float:
        return len(self.tally.latencies) / self.seconds

    def percentile_ms(self, q: float) -> float:
        if len(self.tally.latencies) < 2:
            return float("nan")
        cuts = statistics.quantiles(self.tally.latencies, n=1000, method="inclusive")
        return cuts[round(q * 1000) - 1] * 1000

    @property
    def error_count(self) -> int:
        return sum(self.tally.errors.values())


class Load:
    """The run's marker, token and points, and how to build one report."""

    def __init__(self, *, port: int, token: str, points: list[tuple[float, float]]) -> None:
        self.port = port
        self.marker = f"bench-{uuid.uuid4().hex[:10]}"
        self.points = points
        self.auth = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"}

    def report(self, rng: random.Random, key: str) -> bytes:
        lon, lat = rng.choice(self.points)
        return json.dumps(
            {
                "lon": lon,
                "lat": lat,
                # The key in the text lets the check find each report's cases by key.
                "description": f"{self.marker} {key} {rng.choice(DESCRIPTIONS)}",
                "address": f"示范路{rng.randint(1, 999)}号附近",
                "citizen": {"name": "王先生", "phone": f"139{rng.randint(0, 99_999_999):08d}"},
            },
            ensure_ascii=False,
        ).encode()

    def report_headers(self, key: str) -> dict[str, str]:
        return {**self.auth, "Content-Type": "application/json", "Idempotency-Key": key}


def ping_client(load: Load, until: float, tally: Tally) -> None:
    connection = Connection(load.port)
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            status, _body = connection.send("GET", "/api/v1/ping", None, load.auth)
        except OSError as exc:
            tally.errors[type(exc).__name__] += 1
            continue
        if status == 200:
            tally.latencies.append(time.perf_counter() - started)
        else:
            tally.errors[f"HTTP {status}"] += 1
    connection.close()


def report_client(load: Load, client: str, until: float, tally: Tally, *, retry: bool) -> None:
    """Send reports until `until`; with `retry`, see each one through as the mobile app does.

    `client` names the client uniquely in the run: it is part of every Idempotency-Key.
    """
    rng = random.Random(client)
    connection = Connection(load.port)
    sent = 0
    while time.monotonic() < until:
        sent += 1
        key = f"{load.marker}-{client}-{sent}"
        body = load.report(rng, key)
        headers = load.report_headers(key)
        give_up = time.monotonic() + RETRY_FOR_SECONDS
        backoff = 0.05
        while True:
            tally.attempts += 1
            if key in tally.retried:
                tally.last_attempt[key] = time.time()
            started = time.perf_counter()
            outcome: str | None = None
            try:
                status, answer = connection.send("POST", "/api/v1/cases", body, headers)
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
            else:
                if 200 <= status < 300:
                    tally.latencies.append(time.perf_counter() - started)
                    tally.acked[key] = int(json.loads(answer)["id"])
                    break
                outcome = f"HTTP {status} {_error_code(answer)}"
                if status < 500 and status not in (408, 429):
                    tally.errors[outcome] += 1  # refused: retrying would not help
                    break
            if not retry:
                tally.errors[outcome] += 1
                break
            tally.retried.add(key)
            if time.monotonic() > give_up:
                tally.gave_up += 1
                tally.errors[f"gave up after {outcome}"] += 1
                break
            time.sleep(backoff * (0.5 + rng.random()))
            backoff = min(backoff * 2, 1.0)
    connection.close()


def _error_code(answer: bytes) -> str:
    try:
        return str(json.loads(answer)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return answer[:60].decode(errors="replace")


def run_clients(
    name: str,
    clients: int,
    seconds: float,
    work: Callable[[int, float, Tally], None],
    during: Callable[[float], None] | None = None,
    city: LiveCity | None = None,
) -> Phase:
    """`clients` threads doing `work(number, until, tally)`; `during(start)` runs meanwhile.

    With `city`, the CPU its processes used in the phase is measured too.
    """
    tallies = [Tally() for _ in range(clients)]
    cpu_before = cpu_now(city) if city is not None else None
    started = time.monotonic()
    until = started + seconds
    threads = [
        threading.Thread(target=work, args=(number, until, tally), daemon=True)
        for number, tally in enumerate(tallies)
    ]
    for thread in threads:
        thread.start()
    if during is not None:
        during(started)
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    cpu = cpu_now(city) - cpu_before if city is not None and cpu_before is not None else None
    # Throughput over the sending window; a report still retrying after it counts for the check.
    elapsed = seconds if during is None else time.monotonic() - started
    return Phase(name, elapsed, total, cpu)


# --- the check -----------------------------------------------------------------------------------


def print_cases_json(marker: str) -> None:
    """Runs inside the city (manage.py shell): this run's cases, their events, the chain's state."""
    from django.db.models import Count

    from finegrid.cases.events import verify_chain
    from finegrid.cases.models import Case

    rows = (
        Case.objects.filter(description__startswith=f"{marker} ")
        .annotate(events_count=Count("events"))
        .values_list("pk", "case_no", "description", "events_count", "reported_at")
    )
    problems = verify_chain()
    print(
        json.dumps(
            {
                "cases": [
                    [pk, no, text.split()[1], events, at.timestamp()]
                    for pk, no, text, events, at in rows
                ],
                "chain_problems": [str(p) for p in problems[:5]],
                "chain_problem_count": len(problems),
            }
        )
    )


@dataclass
class Check:
    acked: int
    in_database: int
    lost: list[str]  # keys answered 2xx whose case is missing or not theirs
    duplicated: list[str]  # keys with more than one case
    unanswered: int  # cases whose client never got an answer (killed mid-request, gave up)
    bad_events: int  # cases without exactly one event
    chain_problems: list[str]
    retried_keys: int
    retried_keys_with_more_than_one_case: int
    replayed: int  # retried keys whose case was filed before the last attempt: answered by replay

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.bad_events or self.chain_problems)


def check(city: LiveCity, marker: str, tally: Tally) -> Check:
    found = json.loads(
        city.shell(
            f"from benchmarks.intake import print_cases_json; print_cases_json({marker!r})"
        ).splitlines()[-1]
    )
    by_key: dict[str, list[int]] = {}
    bad_events = 0
    filed_at: dict[str, float] = {}
    for pk, _case_no, key, events, at in found["cases"]:
        by_key.setdefault(key, []).append(pk)
        filed_at[key] = at
        bad_events += events != 1
    lost = [key for key, pk in tally.acked.items() if by_key.get(key) != [pk]]
    duplicated = [key for key, pks in by_key.items() if len(pks) > 1]
    return Check(
        acked=len(tally.acked),
        in_database=len(found["cases"]),
        lost=[key for key in lost if key not in duplicated],
        duplicated=duplicated,
        unanswered=len(set(by_key) - set(tally.acked)),
        bad_events=bad_events,
        chain_problems=found["chain_problems"],
        retried_keys=len(tally.retried),
        retried_keys_with_more_than_one_case=sum(len(by_key.get(k, [])) > 1 for k in tally.retried),
        replayed=sum(
            filed_at[key] < last for key, last in tally.last_attempt.items() if key in filed_at
        ),
    )


# --- profiling -----------------------------------------------------------------------------------

PROFILE_HOOKS = """
import cProfile, os

WARM_UP_REQUESTS = 50  # not profiled: imports, the spatial index, first connections

def post_fork(server, worker):
    worker.fg_profile = cProfile.Profile()
    worker.fg_requests = 0

def pre_request(worker, req):
    worker.fg_requests += 1
    if worker.fg_requests > WARM_UP_REQUESTS:
        worker.fg_profile.enable()

def post_request(worker, req, environ, resp):
    worker.fg_profile.disable()

def worker_exit(server, worker):
    worker.fg_profile.dump_stats(os.path.join({directory!r}, f"worker-{{worker.pid}}.prof"))
"""


def print_profile(directory: Path) -> None:
    import pstats

    files = sorted(str(p) for p in directory.glob("worker-*.prof"))
    if not files:
        print(f"no profiles were written to {directory}")
        return
    stats = pstats.Stats(*files)
    print(
        f"\nprofile of the workers while filing reports ({len(files)} workers), by cumulative time:"
    )
    stats.sort_stats("cumulative").print_stats(r"finegrid|django/db/backends|ninja|psycopg", 35)
    print("by own time:")
    stats.sort_stats("tottime").print_stats(20)


# --- one city --------------------------------------------------------------------------------------


@dataclass
class Result:
    vendor: Vendor
    prepare_seconds: float
    phases: list[Phase]
    check: Check
    downtimes: list[float] = field(default_factory=list)

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)


def run_city(vendor: Vendor, args: argparse.Namespace) -> Result:
    workdir = Path(tempfile.mkdtemp(prefix=f"finegrid-intake-{vendor}-"))
    gunicorn_args: list[str] = []
    if args.profile:
        profile_dir = Path(args.profile).resolve() / vendor
        profile_dir.mkdir(parents=True, exist_ok=True)
        for old in profile_dir.glob("worker-*.prof"):
            old.unlink()
        hooks = workdir / "profile_hooks.py"
        hooks.write_text(PROFILE_HOOKS.format(directory=str(profile_dir)))
        gunicorn_args = ["--config", str(hooks)]
    city = LiveCity(
        vendor=vendor,
        workdir=workdir,
        workers=args.workers,
        threads=args.threads,
        env={
            "FINEGRID_CACHE_URL": REDIS_CACHE_URL,
            "FINEGRID_RATE_TOKEN": "1000000/min",
            "FINEGRID_LOG_LEVEL": "WARNING",
        },
        gunicorn_args=gunicorn_args,
    )
    try:
        started = time.monotonic()
        city.prepare()
        prepare_seconds = time.monotonic() - started
        token = city.issue_token(
            *("--service", "--source", "citizen", "--area", CITY_CODE),
            *("--name", "intake benchmark"),
        )
        load = Load(port=city.port, token=token, points=city.points_inside(POINTS, seed=1))
        city.start()
        all_reports = Tally()
        phases = []
        downtimes: list[float] = []

        def pings(number: int, until: float, tally: Tally) -> None:
            ping_client(load, until, tally)

        def reports(phase: str) -> Callable[[int, float, Tally], None]:
            def work(number: int, until: float, tally: Tally) -> None:
                report_client(load, f"{phase}{number}", until, tally, retry=phase == "crash")

            return work

        def kill_and_restart(phase_start: float) -> None:
            every = args.seconds / (args.kills + 1)
            for k in range(1, args.kills + 1):
                time.sleep(max(0.0, phase_start + k * every - time.monotonic()))
                down = time.monotonic()
                city.kill()
                city.start()
                downtimes.append(time.monotonic() - down)

        # Warm up: every worker builds its spatial index and connections on its first requests.
        run_clients("warm-up", args.clients, 2.0, pings)
        all_reports.merge(run_clients("warm-up", args.clients, 3.0, reports("w")).tally)
        if args.crash:
            crash = run_clients(
                "crash", args.clients, args.seconds, reports("crash"), kill_and_restart
            )
            phases.append(crash)
            all_reports.merge(crash.tally)
        else:
            if not args.profile:
                phases.append(run_clients("ping", args.clients, args.seconds, pings, city=city))
            intake = run_clients("intake", args.clients, args.seconds, reports("i"), city=city)
            phases.append(intake)
            all_reports.merge(intake.tally)
        city.stop()
        verdict = check(city, load.marker, all_reports)
        if args.profile:
            print_profile(Path(args.profile).resolve() / vendor)
        return Result(vendor, prepare_seconds, phases, verdict, downtimes)
    finally:
        city.drop()
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


# --- report ----------------------------------------------------------------------------------------


def machine() -> str:
    import platform

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, load {load}"


def print_result(result: Result, args: argparse.Namespace) -> bool:
    """The figures of one database and their comparison with the targets; True if all are met."""
    print(f"\n== {result.vendor}: prepare {result.prepare_seconds:.1f} s")
    print(
        f"{'phase':<8} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
        "   CPU ms/request: server + database (client)   bound on idle cores"
    )
    cores = os.cpu_count() or 1
    for phase in result.phases:
        cpu = phase.cpu_ms()
        cpu_text = ""
        if cpu is not None:
            server, database, client = cpu
            bound = cores * 1000 / (server + database + client)
            cpu_text = f"   {server:6.1f} + {database:5.1f} ({client:4.1f})   ≈ {bound:5.0f} req/s"
        print(
            f"{phase.name:<8} {len(phase.tally.latencies):>9} {phase.rate:>8.0f} "
            f"{phase.percentile_ms(0.50):>8.1f} {phase.percentile_ms(0.99):>8.1f} "
            f"{phase.error_count:>7}{cpu_text}"
        )
        for error, count in phase.tally.errors.most_common(5):
            print(f"{'':<8} {count:>9} × {error}")
    c = result.check
    print(
        f"check (warm-up included): {c.acked} answered 2xx, {c.in_database} in the database, "
        f"{len(c.lost)} lost, "
        f"{len(c.duplicated)} duplicated, {c.unanswered} filed but never answered, "
        f"{c.bad_events} without exactly one event, "
        f"hash chain {'verifies' if not c.chain_problems else 'BROKEN: ' + '; '.join(c.chain_problems)}"
    )
    for key in (c.lost + c.duplicated)[:5]:
        print(f"  e.g. {key}")
    met = c.ok
    intake, ping, crash = result.phase("intake"), result.phase("ping"), result.phase("crash")
    if crash is not None:
        print(
            f"crash: {len(result.downtimes)} kills, down {', '.join(f'{d:.1f}' for d in result.downtimes)} s; "
            f"{crash.tally.attempts} attempts for {len(crash.tally.acked)} reports, "
            f"{c.retried_keys} keys retried, {c.replayed} of them answered from the record of "
            "an attempt that had committed before the kill, "
            f"{c.retried_keys_with_more_than_one_case} filed twice, {crash.tally.gave_up} given up"
        )
        met = met and crash.tally.gave_up == 0
    if intake is not None:
        rows = [
            (
                f"intake ≥ {TARGET_RATE:.0f} reports/s",
                f"{intake.rate:.0f}",
                intake.rate >= TARGET_RATE,
            ),
            (
                f"p99 < {TARGET_P99_MS:.0f} ms",
                f"{intake.percentile_ms(0.99):.0f} ms",
                intake.percentile_ms(0.99) < TARGET_P99_MS,
            ),
            ("zero errors", str(intake.error_count), intake.error_count == 0),
            (
                "zero lost or duplicated",
                str(len(c.lost) + len(c.duplicated)),
                not (c.lost or c.duplicated),
            ),
        ]
        if ping is not None:
            share = intake.rate / ping.rate if ping.rate else 0.0
            rows.insert(
                0,
                (f"intake ≥ {TARGET_SHARE:.0%} of ceiling", f"{share:.0%}", share >= TARGET_SHARE),
            )
        print("targets:")
        for label, value, good in rows:
            print(f"  {'met ' if good else 'MISS'} {label:<30} {value}")
        met = met and all(good for _label, _value, good in rows)
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients [8]")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase [20]")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers [2]")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker; 1: sync workers [4]"
    )
    parser.add_argument(
        "--crash", action="store_true", help="kill and restart the server under load"
    )
    parser.add_argument("--kills", type=int, default=3, help="--crash: how many kills [3]")
    parser.add_argument("--profile", metavar="DIR", help="profile the workers into DIR")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args()
    if args.profile and args.threads > 1:
        print("--profile: sync workers (cProfile follows one thread per worker)")
        args.threads = 1
    vendors: list[Vendor] = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    from importlib.metadata import version

    kind = f"{args.threads}-thread gthread" if args.threads > 1 else "sync"
    print(
        f"intake benchmark on {machine()}\nPython {sys.version.split()[0]}, gunicorn "
        f"{version('gunicorn')}, {args.workers} {kind} workers, {args.clients} clients, "
        f"{args.seconds:g} s per phase{', --crash' if args.crash else ''}"
    )
    everything_met = True
    lost_or_duplicated = False
    for vendor in vendors:
        result = run_city(vendor, args)
        everything_met = print_result(result, args) and everything_met
        lost_or_duplicated = lost_or_duplicated or not result.check.ok
    print("\nall targets met" if everything_met else "\nsome targets missed")
    return 1 if lost_or_duplicated else 0


if __name__ == "__main__":
    sys.exit(main())
