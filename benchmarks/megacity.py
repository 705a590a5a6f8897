"""A megacity month for the evaluation benchmark: areas, grids, units, staff, catalogue and a month of
cases with every event, written straight into the current database with bulk inserts.

Usage: python benchmarks/megacity.py --cases 100000 [--month 2026-10] [--seed 1] [--workers 2]
                                     [--real-hashes] [--json]
(the database is DATABASE_URL's, migrated and empty: see benchmarks/evaluation.py, which makes one)

`generate()` builds a city of 10 districts, 200 streets, 2,000 communities and 20,000 square unit
grids with 15-digit codes (city code 980100, an unassigned prefix), 60 departments and the two
centres, 2,000 staff in their role groups (1,500 inspectors, each patrolling the grids of part of one
street), the catalogue and department types from the project's fixtures (as `seed_demo` loads them),
and the working calendar in force (the `chinesecalendar` package's 2026 schedule with the admin's
overrides: `seed_demo` loads nothing else). Then N cases reported over the month, each lived through
the workflow until the month ends, so that some are still open (a few of those overdue).

This is a fixture for speed, so it bypasses the action functions, but each row is what the actions
in `finegrid/cases/actions.py` write:
- one event per step, with the actions' `actor_role`, notes and `data` keys, and `step_deadline` /
  `disposal_deadline` after the step in `_iso`'s format (UTC, as read back from the database);
- the step clock of `finegrid.cases.timers.step_clock` from the `StepLimit` rows, the disposal limit
  of the filing rule for the urgency, the dispatch proposal of `propose_department` (asked once per
  category and district: exact while no routing rule names a street or community);
- deadlines and elapsed working time from `WorkClock`, the same arithmetic as `worktime.deadline`
  and `worktime.elapsed` over the same calendar, checked against them on a sample at every run;
- the Case row's final fields agree with its last event; `version` counts its events.

Hashes: unless `real_hashes=True` (sequential and slow: fine for small runs), each event's `hash` is
a unique placeholder `placeholder:<case id>:<seq>`, and `case_prev_hash` / `chain_prev_hash` name
the previous placeholders, so the links are consistent but `verify_chain` reports every row.
Events are inserted case after case, so event ids follow cases, not time.

The problems are the simulator's (`finegrid.cases.simulate`: its 32 common matters and parts, their
words, weights and notes); the mixture of fates is `Mix`, and the result counts what came of it.

On SQLite the writes use executemany with `PRAGMA synchronous=OFF` (this connection only), on
PostgreSQL `COPY ... FROM STDIN`, then `VACUUM ANALYZE` as autovacuum would after a bulk load.
From 50,000 cases on, the tables' plain indexes are dropped for the load and built again after it
(unique ones stay). Slices of cases are built by worker processes (fork) while the main process
writes, with a bounded number in flight, so memory stays flat.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import multiprocessing
import os
import random
import resource
import sys
import time
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finegrid.cases.tracking import CODE_LENGTH, TRACKING_ALPHABET
from finegrid.worktime.calendar import CalendarYearMissing, TimeUnit, WorkCalendar

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
US = 1_000_000
MINUTE = 60 * US
HOUR = 3600 * US

CITY_CODE = "980100"
CITY_NAME = "巨城市"
GRIDS_VALID_FROM = dt.date(2026, 1, 1)
ORIGIN = (113.20, 23.40)  # the north-west corner of the city
CELL_M = 100.0
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0
SLICE = 5_000  # cases per unit of work


# --- sizes and mixture ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    districts: int = 10
    streets: int = 200
    communities_per_street: int = 10
    grids: int = 20_000
    departments: int = 60
    staff: int = 2_000


@dataclass(frozen=True)
class Mix:
    """The shares a run aims at; the result counts what happened."""

    #: Reports on a working day by source; days off bring only the public channels.
    sources: tuple[tuple[str, int], ...] = (
        ("inspector", 60),
        ("hotline", 17),
        ("citizen", 12),
        ("sensor", 6),
        ("undercover", 3),
        ("leader", 1),
        ("media", 1),
    )
    day_off_volume: float = 0.25
    part_share: float = 0.22
    self_handled: float = 0.06  # of inspector reports
    self_handled_rejected: float = 0.05
    declined: float = 0.06  # of public reports (hotline, citizen, sensor)
    not_confirmed: float = 0.12  # of verifications: cancelled unfiled
    inspector_not_filed: float = 0.06  # inspector reports the shift leader does not file
    cancelled_after_filing: float = 0.01
    first_rule: float = 0.75  # filed under the category's first filing rule
    urgency: tuple[tuple[str, int], ...] = (("C", 89), ("B", 8), ("A", 3))
    override: float = 0.04
    returned: float = 0.03
    returned_after_override: float = 0.3
    return_rejected: float = 0.15
    suspended: float = 0.02
    suspension_rejected: float = 0.15
    resumed: float = 0.4  # of approved suspensions: resumed a few days later (else long-term)
    extended: float = 0.06
    extension_rejected: float = 0.15
    late_after_extension: float = 0.15
    overdue_low: float = 0.04  # each department is late on a share drawn between these
    overdue_high: float = 0.22
    supervise_overdue: float = 0.2
    rework: float = 0.08  # of first checks
    rework_again: float = 0.05
    reopen: float = 0.005  # of closed hotline and citizen cases
    appeal: float = 0.15  # of cases closed after a late disposal
    rated: float = 0.6  # of closed hotline and citizen cases
    slow_step: float = 0.08


MIX = Mix()
PUBLIC_SOURCES = frozenset({"hotline", "citizen", "sensor"})
FOLLOWED_UP = frozenset({"hotline", "citizen"})
NAMED_SOURCES = frozenset({"inspector", "sensor", "undercover"})  # report with a category

DISTRICT_NAMES = ("东城", "西城", "南湖", "北山", "中山", "新港", "高新", "滨江", "金沙", "云湖")
STREET_WORDS = (
    "和平", "光明", "解放", "人民", "建设", "新华", "长安", "朝阳", "胜利", "青年",
    "文化", "团结", "兴华", "永安", "东风", "前进", "幸福", "振兴", "明珠", "锦绣",
)  # fmt: skip
COMMUNITY_WORDS = (
    "桂园", "枫林", "翠竹", "梅苑", "兰亭", "荷塘", "松柏", "杏坛", "柳岸", "桃源",
    "丽景", "华庭", "金色", "阳光", "碧水", "绿洲", "书香", "怡和", "嘉禾", "瑞祥",
)  # fmt: skip
CITY_DEPARTMENTS = (  # type code, name suffix
    ("urban_management", "城市管理局"),
    ("housing", "住房和城乡建设局"),
    ("transport", "交通运输局"),
    ("landscaping", "园林绿化局"),
    ("ecology_environment", "生态环境局"),
    ("civil_affairs", "民政局"),
    ("traffic_police", "公安局交通警察支队"),
    ("power", "供电公司"),
    ("water", "水务集团"),
    ("telecom", "通信管线运营联合办"),
)
DISTRICT_DEPARTMENTS = (
    ("urban_management", "城市管理局"),
    ("sanitation", "环境卫生管理所"),
    ("housing", "住房和城乡建设局"),
    ("landscaping", "园林绿化所"),
    ("traffic_police", "交警大队"),
)
DISPOSE_NOTES = ("已处置完毕，现场已恢复", "已清理整改到位", "已维修完毕，恢复正常")
APPEAL_NOTES = ("超时系恶劣天气所致，申诉理由成立", "需跨部门协调，超时申诉成立")
RATE_NOTES = ("", "", "处理及时", "希望加强日常巡查")
LAND_USES = ("residential", "commercial", "public", "road", "green", "mixed")


# --- working time, exact and fast ----------------------------------------------------------------


def to_us(moment: dt.datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def from_us(value: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=value)


class WorkClock:
    """`worktime.deadline` and `worktime.elapsed` (no pauses) on epoch microseconds.

    The working intervals of every day from `first` to the end of the calendar's last year are
    laid end to end with the working time before each, so that a deadline is two bisections.
    Times past the last year raise CalendarYearMissing, as the calendar itself does.
    """

    def __init__(self, calendar: WorkCalendar, first: dt.date) -> None:
        self.calendar = calendar
        self.last_year = max(calendar.years)
        self.starts: list[int] = []
        self.ends: list[int] = []
        day, last = first, dt.date(self.last_year, 12, 31)
        while day <= last:
            for start, end in calendar.working_intervals(day):
                self.starts.append(to_us(start))
                self.ends.append(to_us(end))
            day += dt.timedelta(days=1)
        self.before: list[int] = []  # working time before each interval
        self.through: list[int] = []  # working time up to each interval's end
        total = 0
        for begins, ends in zip(self.starts, self.ends, strict=True):
            self.before.append(total)
            total += ends - begins
            self.through.append(total)
        self.unit_us = {
            TimeUnit.URGENT_HOURS.value: HOUR,
            TimeUnit.WORKING_HOURS.value: HOUR,
            TimeUnit.WORKING_DAYS.value: int(
                (calendar.hours_per_working_day * HOUR).to_integral_value()
            ),
            TimeUnit.CALENDAR_DAYS.value: 24 * HOUR,
        }

    def amount_us(self, amount: Decimal, unit: str) -> int:
        """What `worktime.calendar._amount_us` makes of an amount (rounded half-even)."""
        return int((Decimal(amount) * self.unit_us[unit]).to_integral_value(ROUND_HALF_EVEN))

    def deadline(self, start: int, amount: int, working: bool) -> int:
        if not working:
            return start + amount
        i = bisect_right(self.ends, start)  # the first period that ends after the start
        if i == len(self.ends):
            raise CalendarYearMissing(self.last_year + 1)
        period_start = self.starts[i]
        target = self.before[i] + (start - period_start if start > period_start else 0) + amount
        j = bisect_left(self.through, target, i)
        if j == len(self.through):
            raise CalendarYearMissing(self.last_year + 1)
        return self.starts[j] + target - self.before[j]

    def worked_until(self, moment: int) -> int:
        i = bisect_right(self.starts, moment) - 1
        if i < 0:
            return 0
        if i == len(self.starts) - 1 and moment > self.ends[i]:
            raise CalendarYearMissing(self.last_year + 1)
        return self.before[i] + min(moment - self.starts[i], self.ends[i] - self.starts[i])

    def elapsed_us(self, start: int, end: int, working: bool) -> int:
        if not working:
            return end - start
        return self.worked_until(end) - self.worked_until(start)

    def elapsed(self, start: int, end: int, unit: str) -> Decimal:
        """`worktime.elapsed` in the unit, as the same Decimal division gives it."""
        counted = self.elapsed_us(start, end, unit in WORKING_UNITS)
        return Decimal(counted) / Decimal(self.unit_us[unit])

    def next_working(self, moment: int) -> int:
        i = bisect_right(self.ends, moment)
        if i == len(self.ends):
            raise CalendarYearMissing(self.last_year + 1)
        return max(moment, self.starts[i])


WORKING_UNITS = frozenset({TimeUnit.WORKING_HOURS.value, TimeUnit.WORKING_DAYS.value})


def check_clock(
    clock: WorkClock,
    limits: Sequence[tuple[Decimal, str]],
    first: int,
    last: int,
    *,
    samples: int = 300,
    seed: int = 0,
) -> int:
    """Compare WorkClock with `worktime.deadline` / `elapsed` on random moments; raise on a difference."""
    from finegrid.worktime import selectors as worktime

    rng = random.Random(seed)
    checked = 0
    for _i in range(samples):
        start = rng.randrange(first, last) // US * US
        amount, unit = rng.choice(limits)
        ours = clock.deadline(start, clock.amount_us(amount, unit), unit in WORKING_UNITS)
        theirs = worktime.deadline(from_us(start), amount, unit)
        if to_us(theirs) != ours:
            raise AssertionError(
                f"WorkClock {from_us(ours)} != worktime {theirs} ({start} {amount} {unit})"
            )
        if clock.elapsed(start, ours, unit) != worktime.elapsed(from_us(start), theirs, unit):
            raise AssertionError(
                f"WorkClock elapsed differs from worktime's ({start} {amount} {unit})"
            )
        checked += 1
    return checked


# --- formatting, as the database and `_iso` show values ------------------------------------------

_MINUTES: dict[int, tuple[str, str]] = {}  # minute since the epoch → ("YYYY-MM-DD", "HH:MM")


def _clock_text(value: int, sep: str) -> str:
    seconds, fraction = divmod(value, US)
    minute, second = divmod(seconds, 60)
    parts = _MINUTES.get(minute)
    if parts is None:
        moment = EPOCH + dt.timedelta(minutes=minute)
        parts = _MINUTES[minute] = (moment.date().isoformat(), f"{moment:%H:%M}")
    if fraction:
        return f"{parts[0]}{sep}{parts[1]}:{second:02d}.{fraction:06d}"
    return f"{parts[0]}{sep}{parts[1]}:{second:02d}"


def iso(value: int | None) -> str | None:
    """`_iso` of the datetime read back from the database (UTC)."""
    return None if value is None else _clock_text(value, "T") + "+00:00"


def sqlite_time(value: int | None) -> str | None:
    """How Django stores an aware datetime on SQLite: naive UTC, str()."""
    return None if value is None else _clock_text(value, " ")


def postgres_time(value: int | None) -> str | None:
    return None if value is None else _clock_text(value, " ") + "+00"


def tracking_code(case_id: int) -> str:
    """A unique code per case id: a bijection of the id modulo 31^8 written in the alphabet."""
    base = len(TRACKING_ALPHABET)
    value = (case_id * 1_000_000_007 + 123_456_789) % base**CODE_LENGTH
    chars = []
    for _i in range(CODE_LENGTH):
        value, digit = divmod(value, base)
        chars.append(TRACKING_ALPHABET[digit])
    return "".join(chars)


def _json_encoder() -> Callable[[Any], str]:
    """json.dumps with its defaults (as Django's JSONField writes), without its per-call set-up."""
    from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]

    if c_make_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return json.dumps
    encode = c_make_encoder(
        {},
        json.JSONEncoder().default,
        encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    return lambda value: "".join(encode(value, 0))


dumps = _json_encoder()


def placeholder_hash(case_id: int, seq: int) -> str:
    return f"placeholder:{case_id}:{seq}"


# --- the city, as plain data the workers share ---------------------------------------------------


@dataclass
class Problem:
    category_id: int
    name: str
    weight: int
    descriptions: tuple[str, ...]
    #: per filing rule: (rule id, {urgency: (amount text, unit, amount in µs)})
    rules: list[tuple[int, dict[str, tuple[str, str, int]]]]


@dataclass
class Context:
    """Everything a worker needs to live a slice of cases; built once, shared by fork."""

    vendor: str
    seed: int
    end: int  # the month's end: nothing happens from then on
    clock: WorkClock
    step_limits: dict[str, tuple[int, str]]  # step → (amount µs, unit)
    # grids: parallel lists by grid index
    grid_ids: list[int]
    grid_codes: list[str]
    grid_boxes: list[tuple[float, float, float, float]]
    grid_inspector: list[int]
    grid_community: list[int]  # community index
    grid_cum_weights: list[float]
    community_ids: list[int]
    community_codes: list[str]
    community_street: list[int]  # street index
    community_names: list[str]
    street_ids: list[int]
    street_district: list[int]
    street_names: list[str]
    district_ids: list[int]
    receptionists: list[list[int]]  # by district index
    shift_leaders: list[list[int]]
    dispatchers: list[list[int]]
    supervisors: list[list[int]]
    leaders: list[int]
    handlers: dict[int, list[int]]  # by unit id
    local_units: list[list[int]]  # by district index: units whose area covers it
    unit_overdue: dict[int, float]
    matters: list[Problem]
    parts: list[Problem]
    sensor_matters: list[Problem]
    #: (problem key, district index) → (proposed unit id or None, reason)
    proposals: dict[tuple[str, int], tuple[int | None, str]]
    first_case_id: int = 1
    contact_shift: int = 0  # a contact's id is its case's id plus this
    mix: Mix = field(default_factory=Mix)


class SliceSpec(NamedTuple):
    """Consecutive cases of one day: the first's id and day number, and each report."""

    first_case_id: int
    first_number: int  # the first case's serial in the day's case numbers
    day: str  # YYYYMMDD
    reports: list[tuple[int, int]]  # (moment in µs, source index), in time order


@dataclass
class SliceResult:
    """The rows of a slice, ready to write, and what they count."""

    contacts: list[tuple[Any, ...]]
    cases: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    statuses: Counter[str]
    sources: Counter[str]
    actions: Counter[str]


class _Stop(Exception):
    """The case's next step falls after the month (or past the calendar): it stays where it is."""


# The step whose clock runs in each status: finegrid.cases.workflow's tables as plain strings (this
# module imports without Django set up; generate() asserts that they are equal).
STEP_OF_STATUS: dict[str, str | None] = {
    "reported": "accept",
    "verifying": "verify",
    "pending_filing": "file",
    "self_handled": "review",
    "filed": "dispatch",
    "dispatched": "dispose",
    "disposing": "dispose",
    "extension_requested": "dispose",
    "return_requested": "dispose",
    "suspension_requested": "dispose",
    "suspended": None,
    "disposed": "send_check",
    "checking": "check",
    "pending_close": "close",
    "closed": None,
    "declined": None,
    "cancelled": None,
}
TERMINAL = frozenset({"declined", "closed", "cancelled"})
DISPOSAL_STATUSES = frozenset(s for s, step in STEP_OF_STATUS.items() if step == "dispose")


class Life:
    """One case: its row's fields as the actions leave them, and its events as they write them."""

    __slots__ = (
        "area_code",
        "case_id",
        "category",
        "citizen_id",
        "closed_at",
        "ctx",
        "department",
        "description",
        "disposal_deadline",
        "disposal_remaining",
        "disposal_unit",
        "district",
        "events",
        "extension_count",
        "filing_rule",
        "grid",
        "inspector",
        "iso_disposal",
        "iso_step",
        "last_at",
        "last_dispose",
        "last_hash",
        "overdue_exempt",
        "reported_at",
        "reporter",
        "rework_count",
        "satisfaction",
        "self_handled",
        "seq",
        "source",
        "status",
        "step_deadline",
        "step_started_at",
        "step_unit",
        "supervised",
        "suspended_until",
        "urgency",
        "vendor_time",
    )

    def __init__(self, ctx: Context, case_id: int, events: list[tuple[Any, ...]]) -> None:
        self.ctx = ctx
        self.case_id = case_id
        self.events = events
        self.vendor_time = sqlite_time if ctx.vendor == "sqlite" else postgres_time
        self.seq = 0
        self.last_at = 0
        self.last_hash = ""
        self.status = ""
        self.department: int | None = None
        self.inspector: int | None = None
        self.category: int | None = None
        self.filing_rule: int | None = None
        self.urgency = "C"
        self.supervised = False
        self.overdue_exempt = False
        self.rework_count = 0
        self.extension_count = 0
        self.closed_at: int | None = None
        self.step_started_at = 0
        self.step_deadline: int | None = None
        self.step_unit = ""
        self.disposal_deadline: int | None = None
        self.disposal_unit = ""
        self.disposal_remaining: Decimal | None = None
        self.suspended_until: dt.date | None = None
        self.satisfaction = ""
        self.last_dispose: int | None = None
        # What the report set (live() fills these in before the first step).
        self.source = ""
        self.reporter: int | None = None
        self.citizen_id: int | None = None
        self.self_handled = False
        self.grid = 0
        self.district = 0
        self.area_code = ""
        self.description = ""
        self.reported_at = 0
        self.iso_step: tuple[int | None, str | None] = (None, None)
        self.iso_disposal: tuple[int | None, str | None] = (None, None)

    def commit(
        self,
        action: str,
        target: str,
        at: int,
        actor: int | None,
        role: str,
        note: str = "",
        data: dict[str, Any] | None = None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        """`_commit` + `record_event`: the compare-and-set update, then the event."""
        if at <= self.last_at:  # the callers keep time moving: a step follows the one before
            raise AssertionError(f"case {self.case_id}: {action} at {at} after {self.last_at}")
        if at >= self.ctx.end:
            raise _Stop
        previous = self.status
        if target != previous:
            # timers.step_clock, computed before anything changes (it may raise).
            step = STEP_OF_STATUS[target]
            if step is None:
                step_deadline, step_unit = None, ""
            elif target in DISPOSAL_STATUSES:
                if changes is None:
                    step_deadline, step_unit = self.disposal_deadline, self.disposal_unit
                else:
                    step_deadline = changes.get("disposal_deadline", self.disposal_deadline)
                    step_unit = changes.get("disposal_unit", self.disposal_unit)
            else:
                amount, step_unit = self.ctx.step_limits[step]
                step_deadline = self.ctx.clock.deadline(at, amount, step_unit in WORKING_UNITS)
            self.step_started_at, self.step_deadline, self.step_unit = at, step_deadline, step_unit
            if target in TERMINAL:
                self.closed_at = at
        if changes is not None:
            for name, value in changes.items():
                setattr(self, name, value)
        self.status = target
        self.seq += 1
        self.last_at = at
        payload = data if data is not None else {}
        # Consecutive events mostly carry the same deadlines: format each value once.
        if self.step_deadline != self.iso_step[0]:
            self.iso_step = (self.step_deadline, iso(self.step_deadline))
        if self.disposal_deadline != self.iso_disposal[0]:
            self.iso_disposal = (self.disposal_deadline, iso(self.disposal_deadline))
        payload["step_deadline"] = self.iso_step[1]
        payload["disposal_deadline"] = self.iso_disposal[1]
        digest = f"placeholder:{self.case_id}:{self.seq}"
        events = self.events
        events.append(
            (
                self.case_id,
                self.seq,
                action,
                previous,
                target,
                actor,
                role,
                self.vendor_time(at),
                note,
                dumps(payload),
                self.last_hash,
                events[-1][12] if events else "",  # chain_prev: the writer links a slice's first
                digest,
            )
        )
        self.last_hash = digest


class Builder:
    """Lives the cases of one slice: each case draws its whole fate from its own generator."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.mix = ctx.mix
        self.clock = ctx.clock
        self.source_names = [s for s, _w in self.mix.sources]
        # The simulator's words: roads, notes, names (finegrid.cases.simulate).
        from finegrid.cases import simulate

        self.words = simulate

    # -- time --

    def work_after(self, at: int, minutes: float) -> int:
        seconds = max(1, int(minutes * 60))
        return self.clock.deadline(at, seconds * US, True)

    def delay(self, rng: random.Random, low: float, high: float) -> float:
        """How long a centre step waits, in working minutes: mostly inside its 30-minute limit."""
        if rng.random() < self.mix.slow_step:
            return rng.uniform(31, 90)
        return rng.uniform(low, high)

    def handler_after(
        self, life: Life, rng: random.Random, at: int, low: float, high: float
    ) -> int:
        if life.disposal_unit == TimeUnit.URGENT_HOURS.value:
            # Emergency crews work around the clock.
            return at + max(60, int(rng.uniform(low, high) * 30)) * US
        return self.work_after(at, rng.uniform(low, high))

    def share_of_limit(self, life: Life, start: int, share: float) -> int:
        """The moment when `share` of the time left from `start` to the deadline has passed."""
        deadline = life.disposal_deadline
        assert deadline is not None
        unit = life.disposal_unit
        working = unit in WORKING_UNITS
        left = max(self.clock.elapsed_us(start, max(deadline, start), working), 10 * MINUTE)
        amount = max(60, int(left * share) // US) * US
        moment = self.clock.deadline(start, amount, working)
        if unit == TimeUnit.CALENDAR_DAYS.value:
            return self.clock.next_working(moment)  # departments report back in working time
        return moment

    # -- a slice --

    def build(self, spec: SliceSpec) -> SliceResult:
        first_case_id, first_number, day_text, reports = spec
        ctx = self.ctx
        contacts: list[tuple[Any, ...]] = []
        cases: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        statuses: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        for offset, (at, source_index) in enumerate(reports):
            case_id = first_case_id + offset
            rng = random.Random((ctx.seed << 40) | case_id)
            life = Life(ctx, case_id, events)
            number = f"{day_text}{first_number + offset:05d}"
            row = self.live(life, rng, at, self.source_names[source_index], number, contacts)
            cases.append(row)
            statuses[life.status] += 1
            sources[self.source_names[source_index]] += 1
        actions = Counter(event[2] for event in events)
        return SliceResult(contacts, cases, events, statuses, sources, actions)

    def live(
        self,
        life: Life,
        rng: random.Random,
        at: int,
        source: str,
        case_no: str,
        contacts: list[tuple[Any, ...]],
    ) -> tuple[Any, ...]:
        ctx, mix = self.ctx, self.mix
        grid = bisect_left(ctx.grid_cum_weights, rng.random() * ctx.grid_cum_weights[-1])
        grid = min(grid, len(ctx.grid_ids) - 1)
        community = ctx.grid_community[grid]
        street = ctx.community_street[community]
        district = ctx.street_district[street]
        if source == "sensor" and ctx.sensor_matters:
            pool = ctx.sensor_matters
        else:
            pool = ctx.parts if ctx.parts and rng.random() < mix.part_share else ctx.matters
        problem = pool[_weighted_index(rng, [p.weight for p in pool])]
        reporter: int | None
        role = ""
        if source == "inspector":
            reporter, role = ctx.grid_inspector[grid], "inspector"
        elif source in ("hotline", "media"):
            reporter, role = rng.choice(ctx.receptionists[district]), "receptionist"
        elif source == "leader":
            reporter, role = rng.choice(ctx.leaders), "leader"
        elif source == "undercover":
            reporter, role = rng.choice(ctx.supervisors[district]), "supervisor"
        else:
            reporter = None
        min_lon, min_lat, max_lon, max_lat = ctx.grid_boxes[grid]
        margin_lon, margin_lat = (max_lon - min_lon) * 0.02, (max_lat - min_lat) * 0.02
        lon = round(rng.uniform(min_lon + margin_lon, max_lon - margin_lon), 6)
        lat = round(rng.uniform(min_lat + margin_lat, max_lat - margin_lat), 6)
        road = self.words.ROADS[rng.randrange(len(self.words.ROADS))]
        address = (
            f"{ctx.street_names[street]}{ctx.community_names[community]}"
            f"{road}{rng.randint(1, 299)}号附近"
        )
        prefix = {"leader": "领导交办：", "media": "媒体曝光：", "undercover": "暗访发现："}
        description = prefix.get(source, "") + rng.choice(problem.descriptions)
        citizen_id = None
        if source in FOLLOWED_UP:
            citizen_id = life.case_id + ctx.contact_shift  # gaps where a case has no contact
            contacts.append((citizen_id, *self.citizen(rng), life.vendor_time(at)))
        self_handled = source == "inspector" and rng.random() < mix.self_handled
        life.category = problem.category_id if source in NAMED_SOURCES else None
        life.grid = grid
        life.district = district
        life.reported_at = at
        life.source = source
        life.reporter = reporter
        life.citizen_id = citizen_id
        life.self_handled = self_handled
        life.area_code = ctx.community_codes[community]
        life.description = description
        try:
            self.report(life, at, reporter, role, problem)
            self.flow(life, rng, problem, district, grid)
        except (_Stop, CalendarYearMissing):
            pass
        return self.case_row(life, case_no, lon, lat, address, grid, community, street, district)

    def report(
        self, life: Life, at: int, reporter: int | None, role: str, problem: Problem
    ) -> None:
        status = "self_handled" if life.self_handled else "reported"
        life.commit(
            "report",
            status,
            at,
            reporter,
            role,
            note=life.description,
            data={
                "source": life.source,
                "grid": self.ctx.grid_codes[life.grid],
                "area": life.area_code,
                "category": life.category,
                "urgency": "C",
            },
        )

    def flow(
        self, life: Life, rng: random.Random, problem: Problem, district: int, grid: int
    ) -> None:
        ctx, mix = self.ctx, self.mix
        t = life.last_at
        shift_leader = rng.choice(ctx.shift_leaders[district])
        receptionist = rng.choice(ctx.receptionists[district])
        if life.self_handled:
            t = self.work_after(t, rng.uniform(10, 50))
            if rng.random() >= mix.self_handled_rejected:
                life.commit("review_self_handled", "pending_close", t, shift_leader, "shift_leader")
                t = self.work_after(t, self.delay(rng, 5, 40))
                life.commit(
                    "close",
                    "closed",
                    t,
                    shift_leader,
                    "shift_leader",
                    data={"disposed_on_time": True},
                )
                return
            life.commit(
                "reject_self_handled",
                "pending_filing",
                t,
                shift_leader,
                "shift_leader",
                note="问题未处置彻底，转立案派遣",
            )
        else:
            t = self.work_after(t, self.delay(rng, 2, 25))
            if life.source in PUBLIC_SOURCES and rng.random() < mix.declined:
                life.commit(
                    "decline",
                    "declined",
                    t,
                    receptionist,
                    "receptionist",
                    note=rng.choice(self.words.DECLINE_NOTES),
                )
                return
            if life.source == "inspector":
                life.commit("accept", "pending_filing", t, receptionist, "receptionist")
            else:
                inspector = ctx.grid_inspector[grid]
                life.commit(
                    "accept",
                    "verifying",
                    t,
                    receptionist,
                    "receptionist",
                    data={"inspector": inspector},
                    changes={"inspector": inspector},
                )
                t = self.work_after(t, self.delay(rng, 5, 28))
                confirmed = rng.random() >= mix.not_confirmed
                life.commit(
                    "verify",
                    "pending_filing",
                    t,
                    inspector,
                    "inspector",
                    note="" if confirmed else rng.choice(self.words.NOT_FOUND_NOTES),
                    data={"confirmed": confirmed},
                )
                if not confirmed:
                    t = self.work_after(t, self.delay(rng, 3, 25))
                    life.commit(
                        "cancel",
                        "cancelled",
                        t,
                        shift_leader,
                        "shift_leader",
                        note="经监督员核实，现场未发现所报问题，作废",
                    )
                    return
            if life.source == "inspector" and rng.random() < mix.inspector_not_filed:
                t = self.work_after(t, self.delay(rng, 3, 25))
                life.commit(
                    "cancel",
                    "cancelled",
                    t,
                    shift_leader,
                    "shift_leader",
                    note="不符合立案条件，不予立案，作废",
                )
                return
        # filing
        t = self.work_after(t, self.delay(rng, 5, 28))
        rule_id, limits = (
            problem.rules[0]
            if len(problem.rules) == 1 or rng.random() < mix.first_rule
            else rng.choice(problem.rules[1:])
        )
        urgency = mix.urgency[_weighted_index(rng, [w for _u, w in mix.urgency])][0]
        life.commit(
            "file",
            "filed",
            t,
            shift_leader,
            "shift_leader",
            data={"category": problem.category_id, "filing_rule": rule_id, "urgency": urgency},
            changes={"category": problem.category_id, "filing_rule": rule_id, "urgency": urgency},
        )
        limit = limits[urgency]
        cancel_stage = ""
        if rng.random() < mix.cancelled_after_filing:
            cancel_stage = "filed" if rng.random() < 0.5 else "disposing"
        if cancel_stage == "filed":
            t = self.work_after(t, self.delay(rng, 3, 25))
            life.commit(
                "cancel", "cancelled", t, shift_leader, "shift_leader", note="立案有误，作废"
            )
            return
        self.dispatch_and_dispose(life, rng, problem, district, grid, limit, cancel_stage, t)

    def dispatch_and_dispose(
        self,
        life: Life,
        rng: random.Random,
        problem: Problem,
        district: int,
        grid: int,
        limit: tuple[str, str, int],
        cancel_stage: str,
        t: int,
    ) -> None:
        ctx, mix, words = self.ctx, self.mix, self.words
        dispatcher = rng.choice(ctx.dispatchers[district])
        shift_leader = rng.choice(ctx.shift_leaders[district])
        proposed, reason = ctx.proposals[(problem.name, district)]
        local = ctx.local_units[district]
        others = [u for u in local if u != proposed]
        note = ""
        department = proposed
        if proposed is None or (others and rng.random() < mix.override):
            department = rng.choice(others)
            note = rng.choice(words.OVERRIDE_NOTES)
        assert department is not None
        t = self.work_after(t, self.delay(rng, 3, 25))
        self.dispatch(life, t, dispatcher, department, proposed, reason, limit, note)
        overridden = proposed is not None and department != proposed
        roll = rng.random()
        returned_share = mix.returned_after_override if overridden else mix.returned
        fates = (
            ("returned", returned_share),
            ("suspended", mix.suspended),
            ("extended", mix.extended),
            ("overdue", ctx.unit_overdue[department]),
        )
        fate = "on_time"
        for name, share in fates:
            if roll < share:
                fate = name
                break
            roll -= share
        handler = rng.choice(ctx.handlers[department])
        t = self.handler_after(life, rng, t, 3, 40)
        if fate == "returned":
            life.commit(
                "request_return",
                "return_requested",
                t,
                handler,
                "handler",
                note=rng.choice(words.RETURN_NOTES),
            )
            t = self.work_after(t, self.delay(rng, 10, 40))
            if rng.random() < mix.return_rejected:
                life.commit(
                    "reject_return",
                    "disposing",
                    t,
                    dispatcher,
                    "dispatcher",
                    note="经核实属于你单位职责，请按时处置",
                )
                fate = "on_time"
            else:
                returned_by = life.department
                life.commit(
                    "approve_return",
                    "filed",
                    t,
                    dispatcher,
                    "dispatcher",
                    data={"returned_by": returned_by},
                    changes={"department": None, "disposal_deadline": None, "disposal_unit": ""},
                )
                t = self.work_after(t, self.delay(rng, 5, 20))
                if overridden and proposed is not None and proposed != returned_by:
                    department, note = proposed, "按派遣建议改派"
                else:
                    choices = [u for u in local if u != returned_by]
                    department, note = rng.choice(choices), "改派"
                self.dispatch(life, t, dispatcher, department, proposed, reason, limit, note)
                fate = "overdue" if rng.random() < ctx.unit_overdue[department] else "on_time"
                handler = rng.choice(ctx.handlers[department])
                t = self.handler_after(life, rng, t, 3, 40)
                life.commit("sign_for", "disposing", t, handler, "handler")
        else:
            life.commit("sign_for", "disposing", t, handler, "handler")
        if cancel_stage == "disposing":
            t = self.work_after(t, self.delay(rng, 30, 240))
            life.commit(
                "cancel", "cancelled", t, shift_leader, "shift_leader", note="立案有误，作废"
            )
            return
        self.dispose_until_closed(life, rng, problem, district, grid, limit, fate, t)

    def dispatch(
        self,
        life: Life,
        t: int,
        dispatcher: int,
        department: int,
        proposed: int | None,
        reason: str,
        limit: tuple[str, str, int],
        note: str,
    ) -> None:
        amount_text, unit, amount = limit
        deadline = self.clock.deadline(t, amount, unit in WORKING_UNITS)
        life.commit(
            "dispatch",
            "dispatched",
            t,
            dispatcher,
            "dispatcher",
            note=note,
            data={
                "department": department,
                "proposed": proposed,
                "proposal_reason": reason,
                "overridden": proposed is not None and proposed != department,
                "limit": f"{amount_text} {unit}",
            },
            changes={
                "department": department,
                "disposal_deadline": deadline,
                "disposal_unit": unit,
            },
        )

    def dispose_until_closed(
        self,
        life: Life,
        rng: random.Random,
        problem: Problem,
        district: int,
        grid: int,
        limit: tuple[str, str, int],
        fate: str,
        t: int,
    ) -> None:
        ctx, mix, words = self.ctx, self.mix, self.words

        department = life.department
        assert department is not None
        dispatcher = rng.choice(ctx.dispatchers[district])
        receptionist = rng.choice(ctx.receptionists[district])
        shift_leader = rng.choice(ctx.shift_leaders[district])
        handlers = ctx.handlers[department]
        amount_text, unit, amount = limit
        working = unit in WORKING_UNITS
        checks = 0
        reopened = False
        while True:
            # The disposal clock runs from t to life.disposal_deadline.
            if fate == "suspended":
                fate = "on_time"
                t = self.share_of_limit(life, t, rng.uniform(0.2, 0.5))
                local_day = from_us(t).astimezone(ctx.clock.calendar.zone).date()
                resumes = rng.random() < mix.resumed
                resume_on = local_day + dt.timedelta(
                    days=rng.randint(3, 10) if resumes else rng.randint(20, 60)
                )
                life.commit(
                    "request_suspension",
                    "suspension_requested",
                    t,
                    rng.choice(handlers),
                    "handler",
                    note=rng.choice(words.SUSPEND_NOTES),
                    data={"resume_on": resume_on.isoformat()},
                )
                t = self.work_after(t, self.delay(rng, 10, 40))
                if rng.random() < mix.suspension_rejected:
                    life.commit(
                        "reject_suspension",
                        "disposing",
                        t,
                        dispatcher,
                        "dispatcher",
                        note="不符合挂账条件，请继续处置",
                    )
                    continue
                suspended_unit = life.disposal_unit or TimeUnit.WORKING_HOURS.value
                deadline = life.disposal_deadline
                remaining = Decimal(0)
                if deadline is not None and deadline > t:
                    remaining = self.clock.elapsed(t, deadline, suspended_unit)
                # What the DecimalField(max_digits=12, decimal_places=4) gives back.
                stored = remaining.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
                life.commit(
                    "approve_suspension",
                    "suspended",
                    t,
                    dispatcher,
                    "dispatcher",
                    data={"remaining": str(remaining), "unit": suspended_unit},
                    changes={
                        "disposal_remaining": stored,
                        "disposal_deadline": None,
                        "suspended_until": resume_on,
                    },
                )
                morning = to_us(dt.datetime.combine(resume_on, dt.time(0), ctx.clock.calendar.zone))
                t = self.work_after(morning, rng.uniform(20, 120))
                new_deadline = (
                    self.clock.deadline(
                        t,
                        self.clock.amount_us(stored, suspended_unit),
                        suspended_unit in WORKING_UNITS,
                    )
                    if stored > 0
                    else t
                )
                life.commit(
                    "resume",
                    "disposing",
                    t,
                    dispatcher,
                    "dispatcher",
                    changes={
                        "disposal_deadline": new_deadline,
                        "disposal_remaining": None,
                        "suspended_until": None,
                    },
                )
                continue
            if fate == "extended":
                fate = "overdue" if rng.random() < mix.late_after_extension else "on_time"
                t = self.share_of_limit(life, t, rng.uniform(0.5, 0.8))
                life.commit(
                    "request_extension",
                    "extension_requested",
                    t,
                    rng.choice(handlers),
                    "handler",
                    note=rng.choice(words.EXTEND_NOTES),
                    data={"amount": amount_text, "unit": unit},
                )
                t = self.work_after(t, self.delay(rng, 5, 30))
                if rng.random() < mix.extension_rejected:
                    life.commit(
                        "reject_extension",
                        "disposing",
                        t,
                        dispatcher,
                        "dispatcher",
                        note="理由不充分，请按原时限处置",
                    )
                else:
                    previous = life.disposal_deadline
                    base = max(previous if previous is not None else t, t)
                    deadline = self.clock.deadline(base, amount, working)
                    life.commit(
                        "approve_extension",
                        "disposing",
                        t,
                        dispatcher,
                        "dispatcher",
                        data={
                            "amount": amount_text,
                            "unit": unit,
                            "previous_deadline": iso(previous),
                        },
                        changes={
                            "disposal_deadline": deadline,
                            "extension_count": life.extension_count + 1,
                        },
                    )
                continue
            overdue = fate == "overdue"
            share = rng.uniform(1.1, 2.0) if overdue else rng.uniform(0.2, 0.9)
            dispose_at = self.share_of_limit(life, t, share)
            if overdue and rng.random() < mix.supervise_overdue:
                middle = self.share_of_limit(life, t, share * rng.uniform(0.6, 0.95))
                if life.supervised is False and t < middle < dispose_at:
                    leader = rng.random() < 0.3
                    life.commit(
                        "supervise",
                        life.status,
                        middle,
                        rng.choice(ctx.leaders)
                        if leader
                        else rng.choice(ctx.supervisors[district]),
                        "leader" if leader else "supervisor",
                        note=rng.choice(words.SUPERVISE_NOTES),
                        changes={"supervised": True},
                    )
            deadline = life.disposal_deadline
            t = max(dispose_at, life.last_at + US)
            life.commit(
                "dispose",
                "disposed",
                t,
                rng.choice(handlers),
                "handler",
                note=rng.choice(DISPOSE_NOTES),
                data={"on_time": bool(deadline and t <= deadline)},
            )
            life.last_dispose = t
            t = self.work_after(t, self.delay(rng, 3, 25))
            inspector = ctx.grid_inspector[grid]
            life.commit(
                "send_check",
                "checking",
                t,
                receptionist,
                "receptionist",
                data={"inspector": inspector},
                changes={"inspector": inspector},
            )
            t = self.work_after(t, self.delay(rng, 10, 28))
            checks += 1
            if rng.random() < (mix.rework if checks == 1 else mix.rework_again) and checks < 4:
                deadline = self.clock.deadline(t, amount, working)
                life.commit(
                    "rework",
                    "disposing",
                    t,
                    inspector,
                    "inspector",
                    note=rng.choice(words.REWORK_NOTES),
                    changes={
                        "rework_count": life.rework_count + 1,
                        "disposal_deadline": deadline,
                        "disposal_unit": unit,
                    },
                )
                fate = "overdue" if rng.random() < ctx.unit_overdue[department] else "on_time"
                continue
            life.commit("pass_check", "pending_close", t, inspector, "inspector")
            t = self.work_after(t, self.delay(rng, 5, 45))
            deadline = life.disposal_deadline
            on_time = deadline is None or bool(
                life.last_dispose is not None and life.last_dispose <= deadline
            )
            life.commit(
                "close",
                "closed",
                t,
                shift_leader,
                "shift_leader",
                data={"disposed_on_time": on_time},
            )
            closed = t
            if not reopened and life.source in FOLLOWED_UP and rng.random() < mix.reopen:
                reopened = True
                t = self.work_after(closed, rng.uniform(60, 4 * 8 * 60))
                deadline = self.clock.deadline(t, amount, working)
                life.commit(
                    "reopen",
                    "disposing",
                    t,
                    receptionist,
                    "receptionist",
                    note=rng.choice(words.REOPEN_NOTES),
                    changes={
                        "closed_at": None,
                        "satisfaction": "",
                        "rework_count": life.rework_count + 1,
                        "disposal_deadline": deadline,
                        "disposal_unit": unit,
                    },
                )
                fate = "on_time"
                continue
            self.after_close(life, rng, closed, on_time, district)
            return

    def after_close(
        self, life: Life, rng: random.Random, closed: int, on_time: bool, district: int
    ) -> None:
        ctx, mix = self.ctx, self.mix
        later: list[tuple[int, str]] = []
        if not on_time and rng.random() < mix.appeal:
            later.append((self.work_after(closed, rng.uniform(30, 600)), "appeal"))
        if life.source in FOLLOWED_UP and rng.random() < mix.rated:
            if life.source == "citizen" and rng.random() < 0.5:
                later.append((closed + int(rng.uniform(1, 72) * 3600) * US, "citizen"))
            else:
                later.append((self.work_after(closed, rng.uniform(60, 960)), "callback"))
        for moment, what in sorted(later):
            at = max(moment, life.last_at + US)
            if what == "appeal":
                life.commit(
                    "approve_overdue_appeal",
                    "closed",
                    at,
                    rng.choice(ctx.supervisors[district]),
                    "supervisor",
                    note=rng.choice(APPEAL_NOTES),
                    changes={"overdue_exempt": True},
                )
                continue
            weights = (80, 15, 5) if on_time else (55, 25, 20)
            satisfaction = ("satisfied", "basic", "dissatisfied")[_weighted_index(rng, weights)]
            actor = None if what == "citizen" else rng.choice(ctx.receptionists[district])
            life.commit(
                "rate",
                "closed",
                at,
                actor,
                "citizen" if actor is None else "receptionist",
                note=rng.choice(RATE_NOTES),
                data={"satisfaction": satisfaction},
                changes={"satisfaction": satisfaction},
            )

    def citizen(self, rng: random.Random) -> tuple[str, str]:
        words = self.words
        name = rng.choice(words.SURNAMES) + "".join(
            rng.choice(words.GIVEN) for _i in range(rng.randint(1, 2))
        )
        return name, rng.choice(words.PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"

    def case_row(
        self,
        life: Life,
        case_no: str,
        lon: float,
        lat: float,
        address: str,
        grid: int,
        community: int,
        street: int,
        district: int,
    ) -> tuple[Any, ...]:
        ctx = self.ctx
        vt = life.vendor_time
        return (
            life.case_id,
            case_no,
            life.source,
            life.status,
            life.seq,  # version: one per event
            life.reporter,
            life.citizen_id,
            life.self_handled,
            lon,
            lat,
            address,
            ctx.grid_ids[grid],
            ctx.community_ids[community],
            ctx.street_ids[street],
            ctx.district_ids[district],
            life.area_code,
            "",
            life.category,
            life.filing_rule,
            life.urgency,
            life.description,
            life.department,
            life.inspector,
            life.supervised,
            life.overdue_exempt,
            life.rework_count,
            life.extension_count,
            vt(life.reported_at),
            vt(life.closed_at),
            vt(life.step_started_at),
            vt(life.step_deadline),
            life.step_unit,
            vt(life.disposal_deadline),
            life.disposal_unit,
            None if life.disposal_remaining is None else f"{life.disposal_remaining:f}",
            life.suspended_until.isoformat() if life.suspended_until else None,
            tracking_code(life.case_id) if life.reporter is None else None,
            life.satisfaction,
        )


CASE_COLUMNS = (
    "id", "case_no", "source", "status", "version", "reporter_id", "citizen_id", "self_handled",
    "lon", "lat", "address", "grid_id", "community_id", "street_id", "district_id", "area_code",
    "component_code", "category_id", "filing_rule_id", "urgency", "description", "department_id",
    "inspector_id", "supervised", "overdue_exempt", "rework_count", "extension_count",
    "reported_at", "closed_at", "step_started_at", "step_deadline", "step_unit",
    "disposal_deadline", "disposal_unit", "disposal_remaining", "suspended_until",
    "tracking_code", "satisfaction",
)  # fmt: skip
EVENT_COLUMNS = (
    "case_id", "seq", "action", "from_status", "to_status", "actor_id", "actor_role", "at",
    "note", "data", "case_prev_hash", "chain_prev_hash", "hash",
)  # fmt: skip
CONTACT_COLUMNS = ("id", "name", "phone", "created_at")


def _weighted_index(rng: random.Random, weights: Sequence[float]) -> int:
    roll = rng.random() * sum(weights)
    for index, weight in enumerate(weights):
        roll -= weight
        if roll < 0:
            return index
    return len(weights) - 1


# --- the worker side -----------------------------------------------------------------------------

_WORKER_CONTEXT: Context | None = None


def _build_slice(spec: SliceSpec) -> SliceResult:
    assert _WORKER_CONTEXT is not None
    return Builder(_WORKER_CONTEXT).build(spec)


# --- writing -------------------------------------------------------------------------------------


class Writer:
    """executemany on SQLite, COPY on PostgreSQL, through the current connection."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.quote = connection.ops.quote_name

    def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(self.quote(c) for c in columns)
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor  # psycopg 3
                with raw.copy(f"COPY {self.quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {self.quote(table)} ({names}) VALUES ({marks})"
                cursor.executemany(sql, rows)


def _with_real_hashes(events: list[tuple[Any, ...]], chain_prev: str) -> list[tuple[Any, ...]]:
    """The events with the hashes `record_event` computes (sequential: one chain for all)."""
    from finegrid.cases.events import event_hash

    done: list[tuple[Any, ...]] = []
    case_prev = ""
    for row in events:
        case_id, seq, action, from_status, to_status, actor, role, at, note, data = row[:10]
        if seq == 1:
            case_prev = ""
        moment = dt.datetime.fromisoformat(at)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        digest = event_hash(
            case_id=case_id,
            seq=seq,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor_id=actor,
            actor_role=role,
            at=moment,
            note=note,
            data=json.loads(data),
            attachments=[],
            case_prev_hash=case_prev,
            chain_prev_hash=chain_prev,
        )
        done.append((*row[:10], case_prev, chain_prev, digest))
        case_prev = chain_prev = digest
    return done


def plain_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the tables' indexes that back no constraint."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY(%s) AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conindid <> 0)",
                [list(tables)],
            )
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})",
                list(tables),
            )
        return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


@contextlib.contextmanager
def indexes_set_aside(tables: Sequence[str], progress: Callable[[str], None]) -> Iterator[float]:
    """Drop the plain indexes for a bulk load and build them again after it (sorting beats
    inserting into them row by row); unique and primary-key indexes stay, and check every row."""
    from django.db import connection

    indexes = plain_indexes(tables)
    with connection.cursor() as cursor:
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    progress(f"  {len(indexes)} plain indexes set aside for the load")
    try:
        yield 0.0
    finally:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, sql in indexes:
                cursor.execute(sql)
        progress(f"  {len(indexes)} indexes built again in {time.perf_counter() - started:.1f} s")


# --- the city ------------------------------------------------------------------------------------


def _arrange(count: int, width: int, height: int) -> tuple[int, int]:
    """Columns and rows for `count` blocks of width×height: fewest empty slots, then squarest."""
    best: tuple[tuple[int, int], int, int] | None = None
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        key = (cols * rows - count, abs(cols * width - rows * height))
        if best is None or key < best[0]:
            best = (key, cols, rows)
    assert best is not None
    return best[1], best[2]


def _spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` near-equal whole shares, the larger first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@dataclass(frozen=True)
class Block:
    """A rectangle of cells: the (col, row) of its north-west cell and its size in cells."""

    col: int
    row: int
    cols: int
    rows: int


def _layout(sizes: Sizes) -> tuple[list[Block], list[Block], list[Block], list[list[Block]]]:
    """Where districts, streets, communities and grids lie, in cells of about 100 m."""
    streets_of = _spread(sizes.streets, sizes.districts)
    grids_of = _spread(sizes.grids, sizes.streets * sizes.communities_per_street)
    g_cols, g_rows = _arrange(max(grids_of), 1, 1)
    c_cols, c_rows = _arrange(sizes.communities_per_street, g_cols, g_rows)
    s_w, s_h = c_cols * g_cols, c_rows * g_rows
    s_cols, s_rows = _arrange(max(streets_of), s_w, s_h)
    d_w, d_h = s_cols * s_w, s_rows * s_h
    d_cols, _d_rows = _arrange(sizes.districts, d_w, d_h)
    districts: list[Block] = []
    streets: list[Block] = []
    communities: list[Block] = []
    grids: list[list[Block]] = []
    for d in range(sizes.districts):
        district = Block((d % d_cols) * d_w, (d // d_cols) * d_h, d_w, d_h)
        districts.append(district)
        for s in range(streets_of[d]):
            col, row = district.col + (s % s_cols) * s_w, district.row + (s // s_cols) * s_h
            streets.append(Block(col, row, s_w, s_h))
            for c in range(sizes.communities_per_street):
                community = Block(
                    col + (c % c_cols) * g_cols, row + (c // c_cols) * g_rows, g_cols, g_rows
                )
                # Serials run west to east, then north to south (GLOSSARY.md).
                count = grids_of[len(communities)]
                communities.append(community)
                grids.append(
                    [
                        Block(community.col + g % g_cols, community.row + g // g_cols, 1, 1)
                        for g in range(count)
                    ]
                )
    return districts, streets, communities, grids


class Lattice:
    """Cells of CELL_M metres from ORIGIN (north-west), in WGS-84 degrees rounded like to_geojson."""

    def __init__(self) -> None:
        _lon0, lat0 = ORIGIN
        self.dlat = CELL_M / METRES_PER_DEGREE
        self.dlon = CELL_M / (METRES_PER_DEGREE * math.cos(math.radians(lat0)))

    def box(self, block: Block) -> tuple[float, float, float, float]:
        lon0, lat0 = ORIGIN
        return (
            round(lon0 + block.col * self.dlon, 7),
            round(lat0 - (block.row + block.rows) * self.dlat, 7),
            round(lon0 + (block.col + block.cols) * self.dlon, 7),
            round(lat0 - block.row * self.dlat, 7),
        )


def _polygon(box: tuple[float, float, float, float]) -> dict[str, Any]:
    min_lon, min_lat, max_lon, max_lat = box
    ring = [
        [max_lon, min_lat],
        [max_lon, max_lat],
        [min_lon, max_lat],
        [min_lon, min_lat],
        [max_lon, min_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


CENTRE_ROLES = ("receptionist", "shift_leader", "dispatcher", "supervisor")


def staff_plan(sizes: Sizes) -> dict[str, int]:
    """How many of each role: the centre roles per district, a handler or more per department."""
    shares = {"receptionist": 0.05, "shift_leader": 0.015, "dispatcher": 0.025, "supervisor": 0.01}
    plan = {
        role: max(1, round(sizes.staff * share / sizes.districts)) * sizes.districts
        for role, share in shares.items()
    }
    plan["leader"] = max(1, round(sizes.staff * 0.005))
    plan["handler"] = max(sizes.departments, round(sizes.staff * 0.145))
    plan["inspector"] = sizes.staff - sum(plan.values())
    if plan["inspector"] < sizes.streets:
        raise ValueError(
            f"{sizes.staff} staff leave {plan['inspector']} inspectors for {sizes.streets} "
            "streets: give more staff"
        )
    return plan


@dataclass
class City:
    """What build_city made, by index (the workers' context is made from it)."""

    districts: list[Any]
    streets: list[Any]
    communities: list[Any]
    grids: list[Any]
    grid_community: list[int]
    community_street: list[int]
    street_district: list[int]
    grid_inspector: list[int]
    departments: list[tuple[Any, int | None]]  # unit, district index (None: the city's)
    pools: dict[str, list[list[int]]]  # centre role → user ids by district index
    leaders: list[int]
    handlers: dict[int, list[int]]
    plan: dict[str, int]


def _person(rng: random.Random) -> str:
    from finegrid.cases.simulate import GIVEN, SURNAMES

    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _i in range(rng.randint(1, 2)))


def build_city(sizes: Sizes, seed: int, progress: Callable[[str], None]) -> City:
    """Areas, grids, units, staff, catalogue: bulk_create and the org/catalogue loaders."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from finegrid.catalogue.actions import load_catalogue
    from finegrid.geo.geometry import area_m2, parse_polygon
    from finegrid.geo.models import Area, AreaClass, AreaLevel, Grid
    from finegrid.geo.version import bump_geo_version
    from finegrid.org.actions import load_department_types, upsert_unit
    from finegrid.org.models import DepartmentType, Unit, UnitKind, UnitLevel, User
    from finegrid.org.roles import GROUP_NAMES, sync_role_groups

    if not 1 <= sizes.districts <= 99 or sizes.streets < sizes.districts:
        raise ValueError(f"1 to 99 districts, at least one street each: {sizes}")
    if sizes.grids < sizes.streets * sizes.communities_per_street:
        raise ValueError(f"at least one grid per community: {sizes}")
    if sizes.departments < len(CITY_DEPARTMENTS):
        raise ValueError(f"at least {len(CITY_DEPARTMENTS)} departments, one per city bureau")
    if Area.objects.filter(code=CITY_CODE).exists():
        raise ValueError(f"this database already has the megacity {CITY_CODE}: use a fresh one")
    plan = staff_plan(sizes)
    rng = random.Random(f"megacity-city-{seed}")
    lattice = Lattice()
    districts_b, streets_b, communities_b, grids_b = _layout(sizes)
    core = max(1, round(sizes.districts * 0.3))  # the first districts are class-1 (core) areas

    def area(code: str, name: str, level: str, parent: Any, block: Block, area_class: str) -> Any:
        box = lattice.box(block)
        return Area(
            code=code,
            name=name,
            level=level,
            parent=parent,
            area_class=area_class,
            boundary=_polygon(box),
            min_lon=box[0],
            min_lat=box[1],
            max_lon=box[2],
            max_lat=box[3],
        )

    if Group.objects.filter(name__in=GROUP_NAMES.values()).count() != len(GROUP_NAMES):
        sync_role_groups()
    load_department_types()
    load_catalogue()

    whole = Block(
        0, 0, max(b.col + b.cols for b in districts_b), max(b.row + b.rows for b in districts_b)
    )
    city = area(CITY_CODE, CITY_NAME, AreaLevel.CITY, None, whole, AreaClass.ORDINARY)
    city.save()
    districts = Area.objects.bulk_create(
        [
            area(
                f"{CITY_CODE[:4]}{d + 1:02d}",
                f"{DISTRICT_NAMES[d % 10]}{'' if d < 10 else d // 10 + 1}区",
                AreaLevel.DISTRICT,
                city,
                block,
                AreaClass.CORE if d < core else AreaClass.ORDINARY,
            )
            for d, block in enumerate(districts_b)
        ]
    )
    street_district = [
        d for d, n in enumerate(_spread(sizes.streets, sizes.districts)) for _ in range(n)
    ]
    serials: Counter[int] = Counter()
    street_rows = []
    for s, block in enumerate(streets_b):
        d = street_district[s]
        serials[d] += 1
        word = STREET_WORDS[(serials[d] - 1) % len(STREET_WORDS)]
        lap = (serials[d] - 1) // len(STREET_WORDS)
        street_rows.append(
            area(
                f"{districts[d].code}{serials[d]:03d}",
                f"{word}{lap + 1 if lap else ''}街道",
                AreaLevel.STREET,
                districts[d],
                block,
                districts[d].area_class,
            )
        )
    streets = Area.objects.bulk_create(street_rows)
    community_street = [c // sizes.communities_per_street for c in range(len(communities_b))]
    communities = Area.objects.bulk_create(
        [
            area(
                f"{streets[s].code}{c % sizes.communities_per_street + 1:03d}",
                f"{COMMUNITY_WORDS[(c + s) % len(COMMUNITY_WORDS)]}社区",
                AreaLevel.COMMUNITY,
                streets[s],
                block,
                streets[s].area_class,
            )
            for c, (s, block) in enumerate(zip(community_street, communities_b, strict=True))
        ]
    )
    progress(
        f"  areas: 1 city, {len(districts)} districts ({core} class 1), {len(streets)} streets, "
        f"{len(communities)} communities"
    )

    grid_rows, grid_community = [], []
    measured: dict[float, float] = {}
    for c, blocks in enumerate(grids_b):
        for serial, block in enumerate(blocks, start=1):
            box = lattice.box(block)
            boundary = _polygon(box)
            m2 = measured.get(box[1])
            if m2 is None:  # the cells of one row have one size
                m2 = measured[box[1]] = round(area_m2(parse_polygon(boundary)), 1)
            grid_rows.append(
                Grid(
                    code=f"{communities[c].code}{serial:03d}",
                    community=communities[c],
                    boundary=boundary,
                    area_m2=m2,
                    land_use=rng.choice(LAND_USES),
                    valid_from=GRIDS_VALID_FROM,
                    min_lon=box[0],
                    min_lat=box[1],
                    max_lon=box[2],
                    max_lat=box[3],
                )
            )
            grid_community.append(c)
    grids = Grid.objects.bulk_create(grid_rows, batch_size=2000)
    progress(f"  grids: {len(grids)}")

    types = {t.code: t for t in DepartmentType.objects.all()}
    supervision = upsert_unit(
        name=f"{CITY_NAME}城市运行管理监督中心",
        kind=UnitKind.SUPERVISION_CENTRE,
        level=UnitLevel.CITY,
        area=city,
        short_name="监督中心",
    )
    command = upsert_unit(
        name=f"{CITY_NAME}城市运行管理指挥中心",
        kind=UnitKind.COMMAND_CENTRE,
        level=UnitLevel.CITY,
        area=city,
        short_name="指挥中心",
    )
    departments: list[tuple[Any, int | None]] = []
    city_units: dict[str, Unit] = {}
    for type_code, suffix in CITY_DEPARTMENTS:
        unit = upsert_unit(
            name=f"{CITY_NAME}{suffix}",
            kind=UnitKind.DEPARTMENT,
            level=UnitLevel.CITY,
            area=city,
            department_type=types[type_code],
            short_name=f"市{suffix[:4]}",
        )
        city_units[type_code] = unit
        departments.append((unit, None))
    slots = [(d, t, suffix) for t, suffix in DISTRICT_DEPARTMENTS for d in range(sizes.districts)]
    for d, type_code, suffix in slots[: sizes.departments - len(CITY_DEPARTMENTS)]:
        unit = upsert_unit(
            name=f"{districts[d].name}{suffix}",
            kind=UnitKind.DEPARTMENT,
            level=UnitLevel.DISTRICT,
            area=districts[d],
            department_type=types[type_code],
            parent=city_units.get(type_code),
            short_name=f"{districts[d].name[:2]}{suffix[:4]}",
        )
        departments.append((unit, d))
    progress(f"  units: {len(departments)} departments, the supervision and command centres")

    users: list[Any] = []
    roles: list[str] = []
    scopes: list[Any] = []
    unusable = make_password(None)

    def add(role: str, unit: Any, scope: Any) -> int:
        users.append(
            User(
                username=f"mc-{role.replace('_', '')}-{len(users) + 1:05d}",
                full_name=_person(rng),
                unit=unit,
                password=unusable,
            )
        )
        roles.append(role)
        scopes.append(scope)
        return len(users) - 1

    district_of_user: dict[int, int] = {}
    for role in CENTRE_ROLES:
        for i in range(plan[role]):
            index = add(
                role,
                command if role == "dispatcher" else supervision,
                districts[i % len(districts)],
            )
            district_of_user[index] = i % len(districts)
    for _i in range(plan["leader"]):
        add("leader", command, None)
    for i in range(plan["handler"]):
        add("handler", departments[i % len(departments)][0], None)
    street_patrols: list[list[int]] = []
    for s, count in enumerate(_spread(plan["inspector"], len(streets))):
        street_patrols.append([add("inspector", supervision, streets[s]) for _i in range(count)])
    users = User.objects.bulk_create(users, batch_size=1000)
    group_ids = dict(Group.objects.values_list("name", "pk"))
    through = User.groups.through
    through.objects.bulk_create(
        [
            through(user_id=user.pk, group_id=group_ids[GROUP_NAMES[role]])  # type: ignore[index]
            for user, role in zip(users, roles, strict=True)
        ],
        batch_size=2000,
    )
    areas_through = User.areas.through
    areas_through.objects.bulk_create(
        [
            areas_through(user_id=user.pk, area_id=scope.pk)
            for user, scope in zip(users, scopes, strict=True)
            if scope is not None
        ],
        batch_size=2000,
    )
    progress(f"  staff: {len(users)} ({', '.join(f'{n} {role}' for role, n in plan.items())})")

    # Each street's grids in code order, cut into runs, one run per inspector.
    grid_inspector = [0] * len(grids)
    street_grids: dict[int, list[int]] = {}
    for g, c in enumerate(grid_community):
        street_grids.setdefault(community_street[c], []).append(g)
    for s, members in street_grids.items():
        position = 0
        for who, share in zip(
            street_patrols[s], _spread(len(members), len(street_patrols[s])), strict=True
        ):
            for g in members[position : position + share]:
                grid_inspector[g] = users[who].pk
            position += share
    grid_through = Grid.inspectors.through
    grid_through.objects.bulk_create(
        [grid_through(grid_id=grid.pk, user_id=grid_inspector[g]) for g, grid in enumerate(grids)],
        batch_size=5000,
    )
    bump_geo_version()

    pools: dict[str, list[list[int]]] = {role: [[] for _d in districts] for role in CENTRE_ROLES}
    handlers: dict[int, list[int]] = {}
    for index, (user, role) in enumerate(zip(users, roles, strict=True)):
        if role in CENTRE_ROLES:
            pools[role][district_of_user[index]].append(user.pk)
        elif role == "handler":
            assert user.unit_id is not None
            handlers.setdefault(user.unit_id, []).append(user.pk)
    return City(
        districts=districts,
        streets=streets,
        communities=communities,
        grids=grids,
        grid_community=grid_community,
        community_street=community_street,
        street_district=street_district,
        grid_inspector=grid_inspector,
        departments=departments,
        pools=pools,
        leaders=[u.pk for u, r in zip(users, roles, strict=True) if r == "leader"],
        handlers=handlers,
        plan=plan,
    )


# --- the catalogue and the limits, read once -----------------------------------------------------


def _problems(
    kind: str, table: Sequence[tuple[str, int, tuple[str, ...]]], clock: WorkClock
) -> list[Problem]:
    from finegrid.catalogue.models import Category

    problems = []
    for name, weight, descriptions in table:
        category = (
            Category.objects.filter(kind=kind, name=name, is_active=True)
            .prefetch_related("filing_rules__limits")
            .first()
        )
        if category is None:
            continue
        rules = []
        for rule in sorted(category.filing_rules.all(), key=lambda r: r.order):
            if not rule.is_active:
                continue
            limits = {}
            for urgency in ("A", "B", "C"):
                amount, unit = rule.limit_for(urgency)
                amount = Decimal(amount)
                limits[urgency] = (str(amount), unit.value, clock.amount_us(amount, unit.value))
            rules.append((rule.pk, limits))
        if rules:
            problems.append(Problem(category.pk, name, weight, descriptions, rules))
    return problems


def _proposals(
    city: City, problems: Sequence[Problem]
) -> dict[tuple[str, int], tuple[int | None, str]]:
    """`propose_department` for each category in each district, asked as dispatch_case asks it."""
    from django.conf import settings
    from django.utils import translation

    from finegrid.cases.models import Case
    from finegrid.catalogue.models import Category
    from finegrid.dispatch.routing import propose_department

    proposals = {}
    first_community: dict[int, tuple[Any, Any]] = {}
    for c, community in enumerate(city.communities):
        d = city.street_district[city.community_street[c]]
        first_community.setdefault(d, (community, city.streets[city.community_street[c]]))
    with translation.override(settings.LANGUAGE_CODE):
        for problem in problems:
            category = Category.objects.get(pk=problem.category_id)
            for d, (community, street) in first_community.items():
                probe = Case(
                    category=category,
                    area_code=community.code,
                    community=community,
                    street=street,
                    district=city.districts[d],
                    component_code="",
                )
                proposal = propose_department(probe)
                unit = proposal.department.pk if proposal.department else None
                proposals[(problem.name, d)] = (unit, proposal.reason)
    return proposals


# --- the month -----------------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.datetime.strptime(month + "-01", "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"month {month!r} is not YYYY-MM") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following


def schedule_reports(
    cases: int, first: dt.date, following: dt.date, clock: WorkClock, seed: int, mix: Mix
) -> list[tuple[dt.date, list[tuple[int, int]]]]:
    """Each day's reports as (moment, source index), in time order; counts add up to `cases`."""
    zone = clock.calendar.zone
    rng = random.Random(f"megacity-reports-{seed}")
    days = [first + dt.timedelta(days=i) for i in range((following - first).days)]
    workday = [clock.calendar.is_workday(day) for day in days]
    weights = [rng.uniform(0.85, 1.15) * (1 if w else mix.day_off_volume) for w in workday]
    exact = [cases * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(days)), key=lambda i: exact[i] - counts[i], reverse=True)[
        : cases - sum(counts)
    ]:
        counts[i] += 1
    names = [s for s, _w in mix.sources]
    staff_sources = {"inspector", "undercover", "leader", "media"}
    schedule = []
    for day, is_workday, count in zip(days, workday, counts, strict=True):
        midnight = to_us(dt.datetime.combine(day, dt.time(0), zone))
        working = [to_us(b) - to_us(a) for a, b in clock.calendar.working_intervals(day)]
        offered = [
            (i, w) for i, (s, w) in enumerate(mix.sources) if is_workday or s in PUBLIC_SOURCES
        ]
        total_weight = sum(w for _i, w in offered)
        reports = []
        for _n in range(count):
            roll = rng.random() * total_weight
            source = offered[-1][0]
            for index, weight in offered:
                roll -= weight
                if roll < 0:
                    source = index
                    break
            name = names[source]
            if name in staff_sources:
                offset = rng.randrange(1, sum(working) // US) * US
                at = clock.deadline(midnight, offset, True)
            else:
                first_minute, last_minute = {
                    "hotline": (7 * 60, 22 * 60),
                    "citizen": (7 * 60, 23 * 60),
                }.get(name, (0, 24 * 60))
                at = midnight + rng.randrange(first_minute * 60, last_minute * 60) * US
            reports.append((at, source))
        reports.sort()
        schedule.append((day, reports))
    return schedule


# --- the run -------------------------------------------------------------------------------------


def run_slices(
    ctx: Context, specs: Sequence[SliceSpec], workers: int, write: Callable[[SliceResult], None]
) -> None:
    """Build every slice, in `workers` forked processes with at most two slices each in flight (or
    here when `workers` is 0), and write each, in order, in this process."""
    global _WORKER_CONTEXT
    if not workers:
        builder = Builder(ctx)
        for spec in specs:
            write(builder.build(spec))
        return
    _WORKER_CONTEXT = ctx  # the forked workers find it here
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        pending: deque[Any] = deque()
        queue = iter(specs)
        for spec in queue:
            pending.append(pool.apply_async(_build_slice, (spec,)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            result = pending.popleft().get()
            following = next(queue, None)
            if following is not None:
                pending.append(pool.apply_async(_build_slice, (following,)))
            write(result)
        pool.close()
        pool.join()
    finally:
        pool.terminate()
        _WORKER_CONTEXT = None


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def make_context(
    city: City,
    *,
    vendor: str,
    seed: int,
    clock: WorkClock,
    end: int,
    progress: Callable[[str], None],
) -> Context:
    """The plain data the cases are lived from: the city by index, limits, catalogue, routing."""
    from django.db.models import Max

    from finegrid.cases import timers
    from finegrid.cases.models import Case, CitizenContact
    from finegrid.cases.simulate import MATTERS, PARTS, SENSOR_MATTERS

    step_limits = {}
    limits: set[tuple[Decimal, str]] = set()
    for step in ("accept", "verify", "file", "review", "dispatch", "send_check", "check", "close"):
        amount, unit = timers.step_limit(step)
        step_limits[step] = (clock.amount_us(Decimal(amount), unit.value), unit.value)
        limits.add((Decimal(amount), unit.value))
    matters = _problems("matter", MATTERS, clock)
    parts = _problems("part", PARTS, clock)
    if not matters:
        raise ValueError("the catalogue lacks the simulator's matters: was load_catalogue run?")
    for problem in matters + parts:
        for _rule, by_urgency in problem.rules:
            limits.update((Decimal(text), unit) for text, unit, _us in by_urgency.values())
    start = end - 31 * 24 * HOUR
    checked = check_clock(clock, sorted(limits), start, end, seed=seed)
    progress(f"  WorkClock agrees with worktime.deadline and elapsed on {checked} random samples")

    rng = random.Random(f"megacity-weights-{seed}")
    cumulative, total = [], 0.0
    for _grid in city.grids:  # some grids see many more problems than others
        total += rng.lognormvariate(0, 0.6)
        cumulative.append(total)
    first_case_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    first_contact_id = (CitizenContact.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    return Context(
        vendor=vendor,
        seed=seed,
        end=end,
        clock=clock,
        step_limits=step_limits,
        grid_ids=[g.pk for g in city.grids],
        grid_codes=[g.code for g in city.grids],
        grid_boxes=[(g.min_lon, g.min_lat, g.max_lon, g.max_lat) for g in city.grids],
        grid_inspector=city.grid_inspector,
        grid_community=city.grid_community,
        grid_cum_weights=cumulative,
        community_ids=[c.pk for c in city.communities],
        community_codes=[c.code for c in city.communities],
        community_street=city.community_street,
        community_names=[c.name for c in city.communities],
        street_ids=[s.pk for s in city.streets],
        street_district=city.street_district,
        street_names=[s.name for s in city.streets],
        district_ids=[d.pk for d in city.districts],
        receptionists=city.pools["receptionist"],
        shift_leaders=city.pools["shift_leader"],
        dispatchers=city.pools["dispatcher"],
        supervisors=city.pools["supervisor"],
        leaders=city.leaders,
        handlers=city.handlers,
        local_units=[
            [unit.pk for unit, d in city.departments if d is None or d == district]
            for district in range(len(city.districts))
        ],
        # Some departments are late much more often than others: the rankings need a spread.
        unit_overdue={
            unit.pk: random.Random(f"megacity-unit-{seed}-{unit.pk}").uniform(
                MIX.overdue_low, MIX.overdue_high
            )
            for unit, _d in city.departments
        },
        matters=matters,
        parts=parts,
        sensor_matters=[p for p in matters if p.name in SENSOR_MATTERS],
        proposals=_proposals(city, matters + parts),
        first_case_id=first_case_id,
        contact_shift=first_contact_id - first_case_id,
    )


def plan_slices(
    ctx: Context, cases: int, first: dt.date, following: dt.date, counters: dict[dt.date, int]
) -> list[SliceSpec]:
    """The month's reports cut into slices of at most SLICE cases, ids and numbers in time order."""
    specs = []
    case_id = ctx.first_case_id
    for day, reports in schedule_reports(cases, first, following, ctx.clock, ctx.seed, ctx.mix):
        number = counters.get(day, 0) + 1
        for start in range(0, len(reports), SLICE):
            part = reports[start : start + SLICE]
            specs.append(SliceSpec(case_id, number, f"{day:%Y%m%d}", part))
            case_id += len(part)
            number += len(part)
    return specs


@dataclass
class Tally:
    """What has been written so far."""

    statuses: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    cases: int = 0
    events: int = 0
    contacts: int = 0


def generate(
    *,
    cases: int,
    month: str = "2026-10",
    seed: int = 1,
    progress: Callable[[str], None] = print,
    districts: int = 10,
    streets: int = 200,
    communities_per_street: int = 10,
    grids: int = 20_000,
    departments: int = 60,
    staff: int = 2_000,
    workers: int | None = None,
    real_hashes: bool = False,
    rebuild_indexes: bool | None = None,
) -> dict[str, Any]:
    """Fill the current database (migrated, without a megacity) with the city and `cases` cases
    reported in `month`; the figures of the run: counts, seconds, peak memory, the final statuses.

    `workers` processes build the cases while this one writes (default: 2 from 20,000 cases on,
    else none). `real_hashes`: chain real hashes (slow), else placeholders (see the module's
    docstring). `rebuild_indexes`: set the plain indexes aside during the load (default from
    50,000 cases on).
    """
    from django.db import connection, transaction

    from finegrid.cases.models import Case, CaseEvent, ChainHead, CitizenContact, DailyCounter
    from finegrid.cases.workflow import STEP_OF_STATUS as WORKFLOW_STEPS
    from finegrid.cases.workflow import TERMINAL as WORKFLOW_TERMINAL
    from finegrid.worktime import selectors as worktime

    if cases < 1:
        raise ValueError("cases must be at least 1")
    assert {str(k): v for k, v in WORKFLOW_STEPS.items()} == STEP_OF_STATUS
    assert {str(s) for s in WORKFLOW_TERMINAL} == TERMINAL
    sizes = Sizes(districts, streets, communities_per_street, grids, departments, staff)
    started = time.perf_counter()
    vendor = connection.vendor
    calendar = worktime.get_calendar()
    first_day, following = month_bounds(month)
    for year in sorted({first_day.year, following.year}):
        if not calendar.covers(year):
            raise CalendarYearMissing(year)
    end = to_us(dt.datetime.combine(following, dt.time(0), calendar.zone))
    clock = WorkClock(calendar, first_day - dt.timedelta(days=1))
    progress(f"megacity: {cases:,} cases in {month} on {vendor}, seed {seed}; {sizes}")
    with transaction.atomic():
        city = build_city(sizes, seed, progress)
    ctx = make_context(city, vendor=vendor, seed=seed, clock=clock, end=end, progress=progress)
    counters = dict(
        DailyCounter.objects.filter(day__gte=first_day, day__lt=following).values_list(
            "day", "value"
        )
    )
    specs = plan_slices(ctx, cases, first_day, following, counters)
    city_seconds = time.perf_counter() - started

    if workers is None:
        workers = min(2, os.cpu_count() or 1) if cases >= 20_000 else 0
    if rebuild_indexes is None:
        rebuild_indexes = cases >= 50_000
    writer = Writer()
    tables = (CitizenContact._meta.db_table, Case._meta.db_table, CaseEvent._meta.db_table)
    head = ChainHead.objects.filter(pk=1).values_list("last_hash", flat=True).first() or ""
    tally = Tally()
    loading = time.perf_counter()

    def write(result: SliceResult) -> None:
        nonlocal head
        events = result.events
        if real_hashes:
            events = _with_real_hashes(events, head)
        elif events:
            first = events[0]
            events[0] = (*first[:11], head, first[12])  # the link to the slice before
        with transaction.atomic():
            writer.write(tables[0], CONTACT_COLUMNS, result.contacts)
            writer.write(tables[1], CASE_COLUMNS, result.cases)
            writer.write(tables[2], EVENT_COLUMNS, events)
        if events:
            head = events[-1][12]
        tally.statuses.update(result.statuses)
        tally.sources.update(result.sources)
        tally.actions.update(result.actions)
        tally.events += len(events)
        tally.contacts += len(result.contacts)
        before, tally.cases = tally.cases, tally.cases + len(result.cases)
        if tally.cases // 100_000 != before // 100_000 or tally.cases == cases:
            seconds = time.perf_counter() - loading
            progress(
                f"  {tally.cases:,} cases, {tally.events:,} events in {seconds:.0f} s "
                f"({tally.events / max(seconds, 1e-9):,.0f} events/s)"
            )

    # synchronous=OFF: a crash may lose the load (the benchmark starts again), never the schema.
    pragmas = vendor == "sqlite" and not connection.in_atomic_block
    if pragmas:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MB of pages for the index builds
    aside = indexes_set_aside(tables, progress) if rebuild_indexes else contextlib.nullcontext()
    try:
        with aside:
            run_slices(ctx, specs, workers, write)
    finally:
        if pragmas:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")
    load_seconds = time.perf_counter() - loading

    with transaction.atomic():
        per_day = Counter(spec.day for spec in specs for _report in spec.reports)
        for day_text, count in per_day.items():
            day = dt.datetime.strptime(day_text, "%Y%m%d").date()
            DailyCounter.objects.update_or_create(
                day=day, defaults={"value": counters.get(day, 0) + count}
            )
        last = CaseEvent.objects.order_by("-pk").values_list("pk", "hash").first()
        if last is not None:
            ChainHead.objects.update_or_create(
                pk=1, defaults={"last_event_id": last[0], "last_hash": last[1]}
            )
        if vendor == "postgresql":  # the cases and contacts were given their ids
            from django.core.management.color import no_style

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Case, CitizenContact]):
                    cursor.execute(sql)
    tidy_seconds = tidy(tables) if not connection.in_atomic_block else 0.0
    seconds = time.perf_counter() - started
    result = {
        "database": vendor,
        "month": month,
        "seed": seed,
        "sizes": asdict(sizes),
        "staff_plan": city.plan,
        "cases": tally.cases,
        "events": tally.events,
        "contacts": tally.contacts,
        "first_case_id": ctx.first_case_id,
        "workers": workers,
        "hashes": "real" if real_hashes else "placeholder",
        "seconds": round(seconds, 1),
        "city_seconds": round(city_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "tidy_seconds": round(tidy_seconds, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "workers_peak_rss_mb": round(peak_rss_mb(resource.RUSAGE_CHILDREN), 1),
        "by_status": dict(tally.statuses.most_common()),
        "by_source": dict(tally.sources.most_common()),
        "by_action": dict(tally.actions.most_common()),
    }
    progress(
        f"megacity generated: {tally.cases:,} cases, {tally.events:,} events in {seconds:.1f} s "
        f"(city {city_seconds:.1f} s, load {load_seconds:.1f} s, tidy {tidy_seconds:.1f} s); "
        f"peak RSS {result['peak_rss_mb']:.0f} MB, workers {result['workers_peak_rss_mb']:.0f} MB"
    )
    return result


def tidy(tables: Sequence[str]) -> float:
    """After the load, what a running database would have done by itself: on PostgreSQL vacuum
    and analyse (as autovacuum does after a bulk insert); on SQLite fold the write-ahead log into
    the file. SQLite gets no ANALYZE, as Django never runs one."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fill DATABASE_URL's database (migrated, empty) with a megacity month."
    )
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--month", default="2026-10", help="YYYY-MM (default 2026-10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="default 2 from 20,000 cases")
    parser.add_argument("--real-hashes", action="store_true", help="chain real hashes (slow)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    result = generate(
        cases=args.cases,
        month=args.month,
        seed=args.seed,
        workers=args.workers,
        real_hashes=args.real_hashes,
        progress=lambda line: print(line, flush=True),
    )
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
