"""A second, deliberately naive reading of a pack's rules, independent of the compiler.

Both evaluators read the *compiled* conditions (``not`` pushed down by De
Morgan, implicit conditions added by rule kind). This module reads the pack
as written instead: the rule kind's own trigger and the raw ``when`` tree
(``all`` / ``any`` / ``not`` as they stand), on the fact values a result
reports. A disagreement points at the compiler, which both evaluators share.
Missing facts follow three-valued logic, as the pack format says: a rule
fires when its condition is true, and is unchecked when it cannot be decided
(or, fired, its amount cannot be worked out). It also recounts derived facts
(missed periods, late spans) with a plain loop over the periods and days,
asking the holiday calendar package day by day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from ..engine.facts import Discretion
from ..rubric.model import Condition, Derivation, FactSpec, LateSpans, Rule


def scalar_of(spec: FactSpec, value: Any) -> Any:
    if spec.type == "subset":
        return len(value)
    if spec.type == "discretionary":
        assert isinstance(value, Discretion)
        return value.points
    return value


def _cmp(left: Any, op: str, right: Any) -> bool:
    if isinstance(right, bool) != isinstance(left, bool):
        return op == "!="  # never equal across booleans and numbers (the loader forbids mixing anyway)
    return {
        "==": lambda: left == right,
        "!=": lambda: left != right,
        "<": lambda: left < right,
        "<=": lambda: left <= right,
        ">": lambda: left > right,
        ">=": lambda: left >= right,
    }[op]()


def condition_facts(cond: Condition) -> set[str]:
    if cond.fact is not None:
        return {cond.fact} if cond.than is None else {cond.fact, cond.than}
    out: set[str] = set()
    for part in (cond.all or ()) + (cond.any or ()):
        out |= condition_facts(part)
    if cond.not_ is not None:
        out |= condition_facts(cond.not_)
    return out


def holds(cond: Condition, scalars: Mapping[str, Any]) -> bool | None:
    """A raw pack condition in three-valued (Kleene) logic: True, False, or None when it cannot be decided.

    A comparison on a missing fact is unknown; ``all`` is false once a part is
    false, ``any`` true once a part is true; ``not`` of unknown is unknown.
    """
    if cond.fact is not None:
        if cond.fact not in scalars:
            return None
        if cond.than is not None:  # one fact against another: unknown unless both are there
            return None if cond.than not in scalars else _cmp(scalars[cond.fact], cond.operator, scalars[cond.than])
        return _cmp(scalars[cond.fact], cond.operator, cond.operand)
    if cond.all is not None:
        parts = [holds(c, scalars) for c in cond.all]
        return False if False in parts else (True if all(p is True for p in parts) else None)
    if cond.any is not None:
        parts = [holds(c, scalars) for c in cond.any]
        return True if True in parts else (False if all(p is False for p in parts) else None)
    assert cond.not_ is not None
    inner = holds(cond.not_, scalars)
    return None if inner is None else not inner


def _and(*parts: bool | None) -> bool | None:
    return False if False in parts else (True if all(p is True for p in parts) else None)


def trigger_facts(rule: Rule) -> set[str]:
    """Facts the rule's kind reads, besides its ``when``."""
    return {ref.name for ref in rule.rule_kind.fact_refs(rule)}


def quantity_facts(rule: Rule) -> set[str]:
    """Facts a fired rule's amount is worked out from (its kind's quantity facts)."""
    return set(rule.rule_kind.quantity_facts(rule))


def rule_fires(rule: Rule, specs: Mapping[str, FactSpec], values: Mapping[str, Any]) -> bool | None:
    """Whether a rule fires on these fact values, in three-valued logic (None: cannot be decided).

    The kind's own trigger is its :meth:`~govrules.kinds.RuleKind.oracle_trigger`,
    a reading written independently of the compiled condition. A
    discretionary rule whose own fact is missing does not fire: no
    discretionary deduction recorded means none made.
    """
    reads = trigger_facts(rule) | (condition_facts(rule.when) if rule.when is not None else set())
    scalars = {name: scalar_of(specs[name], values[name]) for name in reads if name in values}
    trigger = rule.rule_kind.oracle_trigger(rule, scalars)
    return _and(trigger, True if rule.when is None else holds(rule.when, scalars))


def rule_checked(rule: Rule, values: Mapping[str, Any], fired: bool | None) -> bool:
    """A rule is checked when it could be decided and, if it fired, its amount is known."""
    if fired is None:
        return False
    return not fired or all(name in values for name in quantity_facts(rule))


def zeroing_fires(when: Condition, specs: Mapping[str, FactSpec], values: Mapping[str, Any]) -> bool | None:
    reads = condition_facts(when)
    return holds(when, {name: scalar_of(specs[name], values[name]) for name in reads if name in values})


def missed_periods(dates: Any, start: dt.date, end: dt.date, period_days: int) -> int:
    """Complete periods of ``period_days`` days from ``start`` (up to ``end``) holding none of ``dates``."""
    missed = 0
    first = start
    while first + dt.timedelta(days=period_days - 1) <= end:
        last = first + dt.timedelta(days=period_days - 1)
        if not any(first <= d <= last for d in dates):
            missed += 1
        first = last + dt.timedelta(days=1)
    return missed


def _next_period(first: dt.date, months: int) -> dt.date:
    month = first.month - 1 + months
    return dt.date(first.year + month // 12, month % 12 + 1, 1)


def missed_calendar_periods(dates: Any, start: dt.date, end: dt.date, period: str, partial: str) -> int:
    """Calendar months or quarters touching ``start``..``end`` whose days there hold none of ``dates``.

    A period not wholly inside is skipped unless ``partial`` is "count".
    """
    months = 1 if period == "month" else 3
    first = dt.date(start.year, 1, 1)
    while _next_period(first, months) <= start:
        first = _next_period(first, months)
    missed = 0
    while first <= end:
        last = _next_period(first, months) - dt.timedelta(days=1)
        inside = (max(first, start), min(last, end))
        whole = inside == (first, last)
        if (whole or partial == "count") and not any(inside[0] <= d <= inside[1] for d in dates):
            missed += 1
        first = last + dt.timedelta(days=1)
    return missed


def working_days(start: dt.date, end: dt.date) -> int:
    """Days after ``start`` up to ``end`` that the holiday calendar package calls workdays."""
    import chinese_calendar  # on first use, as in the engine

    return sum(1 for k in range(1, (end - start).days + 1) if chinese_calendar.is_workday(start + dt.timedelta(days=k)))


def derived_count(d: Derivation | LateSpans, source: Any) -> int:
    """A derived count recounted from its source as an input writes it (dates as ISO text or dates, spans as start/end)."""
    if isinstance(d, LateSpans):
        spans = [[_day(x) for x in str(s).split("/")] for s in source]
        return sum(1 for a, b in spans if working_days(a, b) > d.within_working_days)
    dates = [_day(x) for x in source]
    if d.period is not None:
        return missed_calendar_periods(dates, d.start, d.end, d.period, d.partial)
    assert d.period_days is not None
    missed = missed_periods(dates, d.start, d.end, d.period_days)
    tail = ((d.end - d.start).days + 1) % d.period_days
    if d.partial == "count" and tail and not any(d.end - dt.timedelta(days=tail - 1) <= x <= d.end for x in dates):
        missed += 1
    return missed


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())


__all__ = ["derived_count", "holds", "missed_calendar_periods", "missed_periods", "rule_checked", "rule_fires", "scalar_of", "working_days", "zeroing_fires"]
