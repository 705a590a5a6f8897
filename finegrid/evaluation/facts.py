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
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any, Final

from django.db import connection, transaction

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
from finegrid.evaluation.models import Snapshot
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
    """The first relevant case, the relevant cases, and the events from the first on.

    JSON is read only from the events that carry what the fold needs (see `STEP_STARTERS`,
    `DISPOSAL_SETTERS`): on SQLite every extraction parses the event's JSON text again.
    """
    if vendor == "postgresql":
        ms = "round(extract(epoch from {0}) * 1000)::bigint"
        text = "e.data->>'{0}'"
        deadline = "round(extract(epoch from (e.data->>'{0}')::timestamptz) * 1000)::bigint"
        number = "(e.data->>'{0}')::bigint"
        marks = {"start": "%(start)s", "end": "%(end)s", "first": "%(first)s"}
    else:
        ms = "CAST(round((julianday({0}) - 2440587.5) * 86400000.0) AS INTEGER)"
        text = "json_extract(e.data, '$.{0}')"
        deadline = (
            "CAST(round((julianday(json_extract(e.data, '$.{0}')) - 2440587.5) * 86400000.0)"
            " AS INTEGER)"
        )
        number = "json_extract(e.data, '$.{0}')"
        marks = {"start": ":start", "end": ":end", "first": ":first"}

    def when(actions: frozenset[str], expression: str) -> str:
        return f"CASE WHEN e.action IN ({_in(actions)}) THEN {expression} END"

    relevant = _RELEVANT.format(**marks)
    first = f"SELECT min(c.id) FROM cases_case c WHERE {relevant}"
    cases = f"""
        SELECT c.id, c.source, c.reporter_id, c.grid_id, c.community_id, c.street_id,
               c.district_id
        FROM cases_case c WHERE {relevant} ORDER BY c.id
    """
    # No join: the events of cases that are not relevant are skipped while merging, which is
    # cheaper than looking a case up for every event; `first` bounds the scan from below.
    events = f"""
        SELECT e.case_id, e.action, e.to_status, e.actor_id, {ms.format("e.at")},
               {when(STEP_STARTERS, deadline.format("step_deadline"))},
               {when(DISPOSAL_SETTERS, deadline.format("disposal_deadline"))},
               {when(frozenset({Action.DISPATCH.value}), number.format("department"))},
               {when(frozenset({Action.APPROVE_RETURN.value}), number.format("returned_by"))},
               {when(frozenset({Action.RATE.value}), text.format("satisfaction"))}
        FROM cases_caseevent e
        WHERE e.case_id >= {marks["first"]} AND e.at < {marks["end"]}
          AND e.action IN ({_in(frozenset(a.value for a in READ_ACTIONS))})
        ORDER BY e.case_id, e.seq
    """
    return first, cases, events


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


def stream(period: Period) -> Iterator[tuple[CaseInfo, list[tuple[Any, ...]]]]:
    """Each relevant case with its events before the period's end (instants in milliseconds)."""
    first_sql, cases_sql, events_sql = _sql(connection.vendor)
    params = _params(period)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    cursor.execute(first_sql, params)
    (first,) = cursor.fetchone()
    cursor.close()
    if first is None:
        return
    params["first"] = first
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
    (column, subject id, measure)."""

    patterns: list[dict[int, int]] = field(default_factory=lambda: [{} for _ in Column])
    hours: dict[tuple[Column, int, Measure], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    _by_subject: list[dict[int, list[tuple[int, int]]]] | None = None

    def add(self, fact: Fact) -> None:
        flags = fact.flags
        patterns = self.patterns
        for index, subject in enumerate(fact.columns):
            if subject is not None:
                table = patterns[index]
                key = (subject << FLAG_BITS) | flags
                table[key] = table.get(key, 0) + 1
        for measure, attribute, columns in _TIMED_COLUMNS:
            value = getattr(fact, attribute)
            if value is None or not flags & measure.bit:
                continue
            for column in columns:
                subject = fact.columns[column]
                if subject is not None:
                    self.hours[(column, subject, measure)] += value

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

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        columns = ", ".join(FACT_COLUMNS)
        self.insert = (
            f"INSERT INTO evaluation_casefact ({columns}) "
            f"VALUES ({', '.join('?' for _ in FACT_COLUMNS)})"
        )
        self.copy = f"COPY evaluation_casefact ({columns}) FROM STDIN"

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        raw = connection.connection
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(self.copy) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            raw.cursor().executemany(self.insert, self.rows)
        self.rows = []


def take_snapshot(period: Period, *, now: dt.datetime) -> tuple[Snapshot, Tallies]:
    """Fold every relevant case of the period into a stored fact; return the tallies as well."""
    began = time.perf_counter()
    start, end = (round(moment.timestamp() * 1000) for moment in period.bounds())
    clock = WorkingClock(get_calendar(), period.start - CLOCK_LOOKBACK, period.end)

    def hours(a: float, b: float) -> float:
        return clock.hours(a / 1000.0, b / 1000.0)

    tallies = Tallies()
    with transaction.atomic():
        snapshot = Snapshot.objects.create(
            period_kind=period.kind.value,
            period=period.code,
            starts_on=period.start,
            ends_on=period.end,
            computed_at=now,
        )
        writer = _Writer()
        cases = events = 0
        for case, case_events in stream(period):
            events += len(case_events)
            fact = fold(case, case_events, start, end, hours)
            if fact is None:
                continue
            cases += 1
            tallies.add(fact)
            writer.add(
                (
                    snapshot.pk,
                    fact.case_id,
                    fact.flags,
                    *fact.columns,
                    fact.accept_hours,
                    fact.dispose_hours,
                )
            )
        writer.flush()
        snapshot.cases, snapshot.events = cases, events
        snapshot.seconds = round(time.perf_counter() - began, 3)
        snapshot.save(update_fields=["cases", "events", "seconds"])
    return snapshot, tallies
