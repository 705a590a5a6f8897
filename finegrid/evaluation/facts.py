"""Taking a snapshot: stream the period's cases and events, fold each case, store its fact.

One pass over the events in (case, seq) order, two cursors merged on the case id, so memory stays
flat whatever the city's size. Instants leave the database as integer milliseconds since the
epoch (the same rounding on SQLite and PostgreSQL, so both count the same), and the facts go back
in batches (`executemany` on SQLite, `COPY` on PostgreSQL). While folding, the counts every
subject needs are tallied from the same facts, so a figure and the list of cases behind it
cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any, Final

from django.conf import settings
from django.db import connection, connections, transaction

from finegrid.cases.workflow import Action
from finegrid.evaluation.clock import WorkingClock
from finegrid.evaluation.measures import (
    ATTRIBUTION,
    DISPOSAL_SETTERS,
    READ_ACTIONS,
    STEP_STARTERS,
    TIMED,
    CaseInfo,
    Column,
    Fact,
    Measure,
    fold,
)
from finegrid.evaluation.models import CaseFact, Snapshot
from finegrid.evaluation.periods import Period
from finegrid.worktime.selectors import get_calendar

BATCH: Final = 20_000
FACT_COLUMNS: Final = (
    "snapshot_id",
    "case_id",
    "flags",
    *(column.field for column in Column),
    "accept_hours",
    "dispose_hours",
)
#: Below this span of case ids a period is folded in one process: forking costs more than it saves.
PARALLEL_MIN_CASES: Final = 100_000
#: A case counts for durations only this far back (its report before the period's start).
CLOCK_LOOKBACK: Final = dt.timedelta(days=400)

_RELEVANT = """
    c.reported_at < {end} AND (
        c.closed_at IS NULL OR c.closed_at >= {start} OR c.disposal_deadline >= {start}
        OR c.id IN (
            SELECT case_id FROM cases_caseevent
            WHERE at >= {start} AND at < {end} AND action IN ('rate', 'reopen')
        )
    )
"""


def _in(actions: frozenset[str]) -> str:
    return ", ".join(f"'{action}'" for action in sorted(actions))


def _sql(vendor: str) -> tuple[str, str, str]:
    """The bounds of the relevant case ids, the relevant cases and the events in [lo, hi).

    JSON is read only from the events that carry what the fold needs (see `STEP_STARTERS`,
    `DISPOSAL_SETTERS`): on SQLite every extraction parses the event's JSON text again.
    """
    if vendor == "postgresql":
        ms = "round(extract(epoch from {0}) * 1000)::bigint"
        text = "e.data->>'{0}'"
        deadline = "round(extract(epoch from (e.data->>'{0}')::timestamptz) * 1000)::bigint"
        number = "(e.data->>'{0}')::bigint"
        marks = {"start": "%(start)s", "end": "%(end)s", "lo": "%(lo)s", "hi": "%(hi)s"}
    else:
        ms = "CAST(round((julianday({0}) - 2440587.5) * 86400000.0) AS INTEGER)"
        text = "json_extract(e.data, '$.{0}')"
        deadline = (
            "CAST(round((julianday(json_extract(e.data, '$.{0}')) - 2440587.5) * 86400000.0)"
            " AS INTEGER)"
        )
        number = "json_extract(e.data, '$.{0}')"
        marks = {"start": ":start", "end": ":end", "lo": ":lo", "hi": ":hi"}

    def when(actions: frozenset[str], expression: str) -> str:
        return f"CASE WHEN e.action IN ({_in(actions)}) THEN {expression} END"

    relevant = _RELEVANT.format(**marks)
    bounds = f"SELECT min(c.id), max(c.id) FROM cases_case c WHERE {relevant}"
    cases = f"""
        SELECT c.id, c.source, c.reporter_id, c.grid_id, c.community_id, c.street_id,
               c.district_id
        FROM cases_case c
        WHERE c.id >= {marks["lo"]} AND c.id < {marks["hi"]} AND {relevant}
        ORDER BY c.id
    """
    # No join: the events of cases that are not relevant are skipped while merging, which is
    # cheaper than looking a case up for every event; [lo, hi) bounds the scan (and splits it
    # between workers).
    events = f"""
        SELECT e.case_id, e.action, e.to_status, e.actor_id, {ms.format("e.at")},
               {when(STEP_STARTERS, deadline.format("step_deadline"))},
               {when(DISPOSAL_SETTERS, deadline.format("disposal_deadline"))},
               {when(frozenset({Action.DISPATCH.value}), number.format("department"))},
               {when(frozenset({Action.APPROVE_RETURN.value}), number.format("returned_by"))},
               {when(frozenset({Action.RATE.value}), text.format("satisfaction"))}
        FROM cases_caseevent e
        WHERE e.case_id >= {marks["lo"]} AND e.case_id < {marks["hi"]} AND e.at < {marks["end"]}
          AND e.action IN ({_in(frozenset(a.value for a in READ_ACTIONS))})
        ORDER BY e.case_id, e.seq
    """
    return bounds, cases, events


def _params(period: Period) -> dict[str, Any]:
    start, end = period.bounds()
    if connection.vendor == "postgresql":
        return {"start": start, "end": end}
    return {
        "start": connection.ops.adapt_datetimefield_value(start),
        "end": connection.ops.adapt_datetimefield_value(end),
    }


def _cursor(name: str) -> Any:
    """A raw cursor that streams: server-side on PostgreSQL (inside the caller's transaction)."""
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        cursor = raw.cursor(name=name)
        cursor.itersize = BATCH
        return cursor
    return raw.cursor()


def _rows(cursor: Any) -> Iterator[tuple[Any, ...]]:
    while True:
        chunk = cursor.fetchmany(BATCH)
        if not chunk:
            return
        yield from chunk


def case_bounds(period: Period) -> tuple[int, int] | None:
    """The lowest and highest id of the period's relevant cases (None when there are none)."""
    bounds_sql, _cases, _events = _sql(connection.vendor)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(bounds_sql, _params(period))
        low, high = cursor.fetchone()
    finally:
        cursor.close()
    return None if low is None else (int(low), int(high))


def stream(period: Period, lo: int, hi: int) -> Iterator[tuple[CaseInfo, list[tuple[Any, ...]]]]:
    """Each relevant case with id in [lo, hi) and its events before the period's end (in ms)."""
    _bounds, cases_sql, events_sql = _sql(connection.vendor)
    params = {**_params(period), "lo": lo, "hi": hi}
    case_cursor = _cursor("evaluation_cases")
    event_cursor = _cursor("evaluation_events")
    try:
        case_cursor.execute(cases_sql, params)
        event_cursor.execute(events_sql, params)
        cases = _rows(case_cursor)
        case_row: tuple[Any, ...] | None = next(cases, None)
        for case_id, rows in groupby(_rows(event_cursor), key=itemgetter(0)):
            while case_row is not None and case_row[0] < case_id:
                case_row = next(cases, None)
            if case_row is None:
                return
            if case_row[0] == case_id:
                yield CaseInfo(*case_row), [row[1:] for row in rows]
    finally:
        case_cursor.close()
        event_cursor.close()


#: Tally keys pack a subject id and a fact's flags into one int: id << FLAG_BITS | flags.
FLAG_BITS: Final = 40
_FLAG_MASK: Final = (1 << FLAG_BITS) - 1
_TIMED_COLUMNS: Final = tuple(
    (measure, attribute, tuple(c for c in Column if measure in ATTRIBUTION[c]))
    for measure, attribute in TIMED.items()
)


@dataclass
class Tallies:
    """Counts of facts per column, keyed by (subject id, flags) packed in an int, and hours per
    (column, subject id, measure).

    Facts are added in batches and counted by `Counter.update`, which runs in C: a megacity
    month adds a million facts.
    """

    patterns: list[Counter[int]] = field(default_factory=lambda: [Counter() for _ in Column])
    hours: dict[tuple[Column, int, Measure], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    _by_subject: list[dict[int, list[tuple[int, int]]]] | None = None

    def add_all(self, facts: Sequence[Fact]) -> None:
        for index, table in enumerate(self.patterns):
            table.update(
                [
                    (subject << FLAG_BITS) | fact.flags
                    for fact in facts
                    if (subject := fact.columns[index]) is not None
                ]
            )
        hours = self.hours
        for measure, attribute, columns in _TIMED_COLUMNS:
            bit = measure.bit
            for fact in facts:
                value = getattr(fact, attribute)
                if value is None or not fact.flags & bit:
                    continue
                for column in columns:
                    subject = fact.columns[column]
                    if subject is not None:
                        hours[(column, subject, measure)] += value
        self._by_subject = None

    def add(self, fact: Fact) -> None:
        self.add_all([fact])

    def _index(self) -> list[dict[int, list[tuple[int, int]]]]:
        if self._by_subject is None:
            by_subject: list[dict[int, list[tuple[int, int]]]] = []
            for table in self.patterns:
                grouped: dict[int, list[tuple[int, int]]] = defaultdict(list)
                for key, number in table.items():
                    grouped[key >> FLAG_BITS].append((key & _FLAG_MASK, number))
                by_subject.append(dict(grouped))
            self._by_subject = by_subject
        return self._by_subject

    def count(self, column: Column, subjects: list[int], mask: int) -> int:
        table = self._index()[column]
        return sum(
            number
            for subject in subjects
            for flags, number in table.get(subject, ())
            if flags & mask
        )

    def hours_of(self, column: Column, subjects: list[int], measure: Measure) -> float:
        return sum(self.hours.get((column, subject, measure), 0.0) for subject in subjects)


class _Writer:
    """Batched inserts of fact rows: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, *, collect: bool = False) -> None:
        # SQLite has one writer at a time: a forked worker there hands its rows to the parent,
        # which writes them all; on PostgreSQL every worker COPYs its own.
        self.collected: list[tuple[Any, ...]] | None = [] if collect else None
        columns = ", ".join(FACT_COLUMNS)
        self.insert = (
            f"INSERT INTO evaluation_casefact ({columns}) "
            f"VALUES ({', '.join('?' for _ in FACT_COLUMNS)})"
        )
        self.copy = f"COPY evaluation_casefact ({columns}) FROM STDIN"

    def write(self, snapshot_id: int, facts: Sequence[Fact]) -> None:
        if not facts:
            return
        rows = [
            (snapshot_id, f.case_id, f.flags, *f.columns, f.accept_hours, f.dispose_hours)
            for f in facts
        ]
        if self.collected is not None:
            self.collected += rows
            return
        self.write_rows(rows)

    def write_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        raw = connection.connection
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(self.copy) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            for index in range(0, len(rows), BATCH):
                raw.cursor().executemany(self.insert, rows[index : index + BATCH])


@dataclass
class _Part:
    """What folding one range of case ids gave: its tallies and how much it read."""

    tallies: Tallies
    cases: int
    events: int
    rows: list[tuple[Any, ...]] | None = None  # fact rows left for the parent to write


def _fold_range(
    period: Period, snapshot_id: int, lo: int, hi: int, *, collect: bool = False
) -> _Part:
    start, end = (round(moment.timestamp() * 1000) for moment in period.bounds())
    clock = WorkingClock(get_calendar(), period.start - CLOCK_LOOKBACK, period.end)

    def hours(a: float, b: float) -> float:
        return clock.hours(a / 1000.0, b / 1000.0)

    tallies = Tallies()
    writer = _Writer(collect=collect)
    cases = events = 0
    batch: list[Fact] = []
    for case, case_events in stream(period, lo, hi):
        events += len(case_events)
        fact = fold(case, case_events, start, end, hours)
        if fact is None:
            continue
        batch.append(fact)
        if len(batch) >= BATCH:
            tallies.add_all(batch)
            writer.write(snapshot_id, batch)
            cases += len(batch)
            batch = []
    tallies.add_all(batch)
    writer.write(snapshot_id, batch)
    cases += len(batch)
    return _Part(tallies, cases, events, writer.collected)


def _worker(arguments: tuple[str, int, int, int]) -> _Part:
    """One process's share: its own database connection, facts committed batch by batch."""
    code, snapshot_id, lo, hi = arguments
    try:
        period = Period.parse(code)
        if connection.vendor == "sqlite":
            # No transaction (ours begin IMMEDIATE, a write lock): a SELECT reads a consistent
            # snapshot on its own, and the parent writes the rows.
            return _fold_range(period, snapshot_id, lo, hi, collect=True)
        # PostgreSQL's streaming cursor lives in a transaction; the worker's facts commit with it.
        with transaction.atomic():
            return _fold_range(period, snapshot_id, lo, hi)
    finally:
        connections.close_all()


def _merge(parts: Sequence[_Part]) -> _Part:
    tallies = Tallies()
    for part in parts:
        for mine, theirs in zip(tallies.patterns, part.tallies.patterns, strict=True):
            mine.update(theirs)
        for key, value in part.tallies.hours.items():
            tallies.hours[key] += value
    return _Part(tallies, sum(p.cases for p in parts), sum(p.events for p in parts))


def workers_for(bounds: tuple[int, int], workers: int | None) -> int:
    """Processes to fold with: one inside a transaction (tests, callers' atomic blocks) or for
    small periods, else `workers` if given, else `FINEGRID_EVALUATION_WORKERS`."""
    if connection.in_atomic_block:
        return 1
    if workers is not None:  # asked for explicitly: whatever the size
        return max(1, workers)
    if bounds[1] - bounds[0] < PARALLEL_MIN_CASES:
        return 1
    return max(1, settings.FINEGRID_EVALUATION_WORKERS)


def take_snapshot(
    period: Period, *, now: dt.datetime, workers: int | None = None
) -> tuple[Snapshot, Tallies]:
    """Fold every relevant case of the period into a stored fact; return the tallies as well.

    With several workers the case ids are split into ranges folded by forked processes, each
    writing its own facts; the snapshot is deleted, facts and all, if any of them fails.
    """
    began = time.perf_counter()
    bounds = case_bounds(period)
    snapshot = Snapshot(
        period_kind=period.kind.value,
        period=period.code,
        starts_on=period.start,
        ends_on=period.end,
        computed_at=now,
    )
    count = workers_for(bounds, workers) if bounds else 1
    snapshot.inputs = {"workers": count}
    if bounds is None or count == 1:
        with transaction.atomic():
            snapshot.save()
            part = (
                _fold_range(period, snapshot.pk, bounds[0], bounds[1] + 1)
                if bounds
                else _Part(Tallies(), 0, 0)
            )
            _finish(snapshot, part, began)
        return snapshot, part.tallies
    snapshot.save()
    low, high = bounds[0], bounds[1] + 1
    step = -(-(high - low) // count)
    ranges = [(period.code, snapshot.pk, lo, min(lo + step, high)) for lo in range(low, high, step)]
    connections.close_all()  # each forked worker opens its own connection
    try:
        with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
            parts = pool.map(_worker, ranges)
    except BaseException:
        CaseFact.objects.filter(snapshot_id=snapshot.pk)._raw_delete(CaseFact.objects.db)
        Snapshot.objects.filter(pk=snapshot.pk).delete()
        raise
    part = _merge(parts)
    with transaction.atomic():
        writer = _Writer()
        for worker_part in parts:
            if worker_part.rows:
                writer.write_rows(worker_part.rows)
            worker_part.rows = None
        _finish(snapshot, part, began)
    return snapshot, part.tallies


def _finish(snapshot: Snapshot, part: _Part, began: float) -> None:
    snapshot.cases, snapshot.events = part.cases, part.events
    snapshot.seconds = round(time.perf_counter() - began, 3)
    snapshot.save(update_fields=["cases", "events", "seconds"])
