"""Time as the documents count it: calendar months and quarters, and working days.

「每月」「每季度」 are calendar periods, not windows of 30 or 91 days; 「20个工作日内」
counts the days that are working days on the official calendar the State
Council announces each year: public holidays are off, and the weekend days it
moves to make up for them (调休) are on. That calendar is not a rule that can
be computed ahead: it is published a year at a time, so it comes from the
``chinesecalendar`` package (``chinese_calendar``), which carries the announced
schedules and refuses a year it has none for. A date outside its years is an
error here, never a count that is silently wrong.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from typing import Any, Iterable

from ..rubric.model import Derivation, LateSpans
from .facts import Span, missed_periods


class OutsideCalendar(ValueError):
    """A working-day count needs a day of a year the holiday calendar does not cover."""

    def __init__(self, day: dt.date) -> None:
        first, last = calendar_years()
        super().__init__(
            f"{day.isoformat()} is outside the years the official holiday calendar covers here ({first}–{last}), "
            "so its working days cannot be counted"
        )
        self.day = day


@functools.lru_cache(maxsize=1)
def calendar_years() -> tuple[int, int]:
    """The first and last year whose holidays and make-up workdays the calendar holds."""
    years = [d.year for d in _calendar()[0]]
    return min(years), max(years)


@functools.lru_cache(maxsize=1)
def _calendar() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    # Imported on first use: its tables take ~20 ms to import, and most packs count no working days.
    import chinese_calendar

    return frozenset(chinese_calendar.holidays), frozenset(chinese_calendar.workdays)


def is_working_day(day: dt.date) -> bool:
    """Whether ``day`` is a working day: a weekday that is no holiday, or a weekend day made a workday (调休)."""
    first, last = calendar_years()
    if not first <= day.year <= last:
        raise OutsideCalendar(day)
    holidays, workdays = _calendar()
    return day in workdays or (day.weekday() < 5 and day not in holidays)


def working_days_after(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is ``start``).

    The start day is not counted: a period 「自收到申请之日起」 runs from the next
    day, as every Chinese period counted in days does (民法典 第二百零一条).
    """
    first, last = calendar_years()
    for day in (start, end):  # both, even where the count would not look at them: the same input is always refused
        if not first <= day.year <= last:
            raise OutsideCalendar(day)
    origin, running = _running_count()
    return running[end.toordinal() - origin] - running[start.toordinal() - origin]


@functools.lru_cache(maxsize=1)
def _running_count() -> tuple[int, tuple[int, ...]]:
    """Working days from the calendar's first day up to each day: a count over a span is then one subtraction."""
    first, last = calendar_years()
    origin = dt.date(first, 1, 1).toordinal()
    running, n = [], 0
    for ordinal in range(origin, dt.date(last, 12, 31).toordinal() + 1):
        n += is_working_day(dt.date.fromordinal(ordinal))
        running.append(n)
    return origin, tuple(running)


def late_spans(spans: Iterable[Span], within: int) -> int:
    """How many spans end more than ``within`` working days after they start."""
    return sum(1 for s in spans if working_days_after(s.start, s.end) > within)


def _month_index(day: dt.date, months: int) -> int:
    return (day.year * 12 + day.month - 1) // months


def missed_calendar_periods(dates: Iterable[dt.date], start: dt.date, end: dt.date, months: int, partial: str) -> int:
    """How many calendar periods of ``months`` months (1: months, 3: quarters) in ``start``..``end`` hold no date.

    Periods begin in January (quarters: January, April, July, October). One
    only partly inside ``start``..``end`` is left out (``partial="skip"``) or
    counted on its part inside (``"count"``). Dates outside ``start``..``end``
    are ignored.
    """
    first, last = _month_index(start, months), _month_index(end, months)
    if partial == "skip":
        if _period_start(start, months) != start:
            first += 1
        if not _ends_period(end, months):
            last -= 1
    if last < first:
        return 0
    hit = {_month_index(d, months) for d in dates if start <= d <= end}
    return sum(1 for k in range(first, last + 1) if k not in hit)


def _period_start(day: dt.date, months: int) -> dt.date:
    """The first day of the calendar period holding ``day``."""
    return dt.date(day.year, (day.month - 1) // months * months + 1, 1)


def missed_day_periods(dates: Iterable[dt.date], start: dt.date, end: dt.date, period_days: int, partial: str) -> int:
    """:func:`~govrules.engine.facts.missed_periods`, with a last, shorter window counted where ``partial="count"``."""
    dates = tuple(dates)
    missed = missed_periods(dates, start, end, period_days)  # type: ignore[arg-type]
    if partial == "count" and ((end - start).days + 1) % period_days:
        tail = start + dt.timedelta(days=((end - start).days + 1) // period_days * period_days)
        if not any(tail <= d <= end for d in dates):
            missed += 1
    return missed


def partial_periods(d: Derivation) -> list[tuple[dt.date, dt.date]]:
    """The periods of a ``missed_periods`` derivation cut short by its ``start`` or ``end`` (their days inside)."""
    out = []
    if d.period is not None:
        months = 1 if d.period == "month" else 3
        if _period_start(d.start, months) != d.start:
            out.append((d.start, min(d.end, _period_end(d.start, months))))
        if not _ends_period(d.end, months) and _period_start(d.end, months) > d.start:
            out.append((_period_start(d.end, months), d.end))
    elif d.period_days is not None:
        tail = ((d.end - d.start).days + 1) % d.period_days
        if tail:
            out.append((d.end - dt.timedelta(days=tail - 1), d.end))
    return out


def _ends_period(day: dt.date, months: int) -> bool:
    """Whether ``day`` is the last day of its calendar period (without stepping past 9999-12-31)."""
    return day == _period_end(day, months)


def _period_end(day: dt.date, months: int) -> dt.date:
    """The last day of the calendar period holding ``day``."""
    month = (day.month - 1) // months * months + months
    return dt.date(day.year, month, calendar.monthrange(day.year, month)[1])


def derived_count(d: Derivation | LateSpans, value: Any) -> int:
    """The count a derivation gives from its source's validated (canonical) value.

    Raises :class:`OutsideCalendar` where a working-day count needs a year the
    calendar does not cover.
    """
    if isinstance(d, LateSpans):
        return late_spans(value, d.within_working_days)
    if d.period is not None:
        return missed_calendar_periods(value, d.start, d.end, 1 if d.period == "month" else 3, d.partial)
    assert d.period_days is not None  # the model takes exactly one of period and period_days
    if d.partial == "count":
        return missed_day_periods(value, d.start, d.end, d.period_days, d.partial)
    return missed_periods(value, d.start, d.end, d.period_days)
