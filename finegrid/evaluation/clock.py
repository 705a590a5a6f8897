"""Working hours between two instants, fast: a table of each day's working intervals, built once.

Averages over a megacity month call this millions of times; `worktime.elapsed` answers the same
question exactly but walks the calendar per call. Both use the same `WorkCalendar`, and
`tests/evaluation/test_clock.py` checks they agree.
"""

from __future__ import annotations

import bisect
import datetime as dt

from finegrid.worktime.calendar import CalendarYearMissing, WorkCalendar


class WorkingClock:
    """Counts working seconds from `first` (a date) to any instant up to `last` (exclusive)."""

    def __init__(self, calendar: WorkCalendar, first: dt.date, last: dt.date) -> None:
        starts: list[float] = []
        ends: list[float] = []
        before: list[float] = []  # working seconds counted before each interval starts
        total = 0.0
        day = first
        while day < last:
            try:
                intervals = calendar.working_intervals(day)
            except CalendarYearMissing:
                intervals = []  # no calendar, no working time: averages leave such days out
            for start, end in intervals:
                starts.append(start.timestamp())
                ends.append(end.timestamp())
                before.append(total)
                total += end.timestamp() - start.timestamp()
            day += dt.timedelta(days=1)
        self._starts, self._ends, self._before = starts, ends, before

    def counted(self, epoch: float) -> float:
        """Working seconds between the table's first day and `epoch` (a Unix time)."""
        index = bisect.bisect_right(self._starts, epoch) - 1
        if index < 0:
            return 0.0
        return self._before[index] + min(epoch, self._ends[index]) - self._starts[index]

    def hours(self, start: float, end: float) -> float:
        """Working hours between two Unix times (0 when `end` is not after `start`)."""
        if end <= start:
            return 0.0
        return (self.counted(end) - self.counted(start)) / 3600.0
