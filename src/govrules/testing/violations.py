"""Worse inputs: moving one fact the way every base rule reading it counts as a violation.

A pack's conditions are compiled to and/or trees of comparisons (negations
pushed down), so for each comparison on a fact one can tell which way of
moving the fact makes it (more) true: up for ``>``/``>=``, down for
``<``/``<=``, the compared value for a boolean ``==``. A fact every base and
penalty rule reads the same way has a *violation direction*: moving it that
way only makes rules start firing, and their amounts only grow, so no item
score may rise and no penalty may fall (:func:`govrules.testing.invariants.check_monotone`).

A kind may also declare a direction of its own
(:meth:`~govrules.kinds.RuleKind.violation_directions`): for a choice fact, a
tuple of its elements from best to worst (a grade), where moving to a later
element is worse.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Iterable

import attrs
from hypothesis import strategies as st

from ..engine.compiled import TargetView
from ..engine.conditions import Compare
from ..engine.timing import calendar_years
from ..rubric.model import FactSpec
from ..pack import Pack
from .isolation import engine_reads_small_numbers
from .strategies import (
    _QUANTUM,
    NumberRange,
    _derived_groups,
    _specs,
    compares,
    count_range,
    fact_pairs,
    decimals_in,
    discretion_bound,
    on_step,
    number_range,
    texts,
    thresholds,
)


UP = "up"
DOWN = "down"
_ORDERED = ("count", "number", "date", "subset", "discretionary")


def _literal_direction(spec: FactSpec, c: Compare) -> Any:
    """Which way of moving a fact makes this comparison (more) true: UP, DOWN, a boolean value, or None (either)."""
    if spec.type == "boolean":
        if c.op == "==":
            return c.value
        if c.op == "!=":
            return not c.value
        return None
    if spec.type in _ORDERED:
        if c.op in (">", ">="):
            return UP
        if c.op in ("<", "<="):
            return DOWN
    return None


def _directions(view: TargetView, rules: Iterable[Any]) -> dict[str, Any]:
    specs = _specs(view)
    seen: dict[str, set[Any]] = {}
    for rule in rules:
        declared = rule.rule.rule_kind.violation_directions(rule.rule) if rule.rule is not None else None
        if declared is not None:
            # The kind says which way each of its facts makes things worse;
            # a fact it leaves out has no direction (None spoils it below).
            for name in rule.reads + tuple(rule.quantity):
                if name in specs:
                    seen.setdefault(name, set()).add(declared.get(name))
            continue
        for c in compares(rule.condition):
            if c.fact in specs:
                seen.setdefault(c.fact, set()).add(_literal_direction(specs[c.fact], c))
        for p in fact_pairs(rule.condition):
            # a < b grows truer as a goes down or b goes up; a boolean pair has no such way.
            if p.fact in specs and p.other in specs:
                ordered = specs[p.fact].type in _ORDERED
                way = (UP if p.op in (">", ">=") else DOWN if p.op in ("<", "<=") else None) if ordered else None
                seen.setdefault(p.fact, set()).add(way)
                seen.setdefault(p.other, set()).add(None if way is None else (DOWN if way == UP else UP))
    return {name: next(iter(d)) for name, d in seen.items() if len(d) == 1 and None not in d}


def base_rules(view: TargetView) -> list[Any]:
    """Rules that can only lower the base or add a penalty when they fire: items' rules and penalty ledgers'."""
    rules = [r for item in view.items for r in item.rules]
    rules += [r for ledger in view.ledgers if ledger.adjustment.direction == "penalty" for r in ledger.rules]
    return rules


def violation_directions(view: TargetView) -> dict[str, Any]:
    """Facts that every base and penalty rule reading them reads the same way, with that way.

    Moving such a fact that way can only make comparisons true, and (the
    conditions being and/or of comparisons) rules only start firing; their
    amounts only grow. So no item score may rise and no penalty may shrink.
    """
    return _directions(view, base_rules(view))


def total_directions(view: TargetView) -> dict[str, Any]:
    """The facts of :func:`violation_directions` whose move can also never raise the total.

    Excludes facts a bonus ledger reads (a count there raises the total by
    design) and facts a zeroing condition reads the other way.
    """
    base = violation_directions(view)
    bonus = {n for ledger in view.ledgers if ledger.adjustment.direction == "bonus" for r in ledger.rules for n in r.reads}
    zero = _directions(view, view.zeroings)
    zero_reads = {n for r in view.zeroings for n in r.reads}
    out = {}
    for name, way in base.items():
        if name in bonus:
            continue
        if name in zero_reads and zero.get(name) != way:
            continue
        out[name] = way
    return out


@attrs.frozen
class Violation:
    """A worse input: ``fact`` moved ``direction`` from ``before`` to ``after``."""

    fact: str
    direction: Any
    before: Any
    after: Any
    data: dict[str, Any]


def _as_decimal(v: Any) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(repr(v)) if isinstance(v, float) else Decimal(v)


@st.composite
def _worse_value(draw: Any, view: TargetView, spec: FactSpec, way: Any, value: Any, small: bool = True) -> Any:
    """A value of ``spec`` moved from ``value`` in direction ``way`` (or ``value`` itself if it cannot move)."""
    near = thresholds(view).get(spec.name, ())
    t = spec.type
    if t == "boolean":
        return way
    if t == "choice" and isinstance(way, tuple):
        # Elements from best to worst: any at or after the current one.
        later = list(way[way.index(value):]) if value in way else [value]
        return draw(st.sampled_from(later))
    if t in ("count", "number", "discretionary"):
        if t == "count":
            rng = count_range(spec)
        elif t == "number":
            rng = number_range(spec)
        else:
            rng = NumberRange(Decimal(0), discretion_bound(view, spec) or Decimal(0))
        current = _as_decimal(value["points"] if t == "discretionary" else value)
        if way == UP:
            rng = NumberRange(current, rng.high)
        else:
            rng = NumberRange(rng.low, current)
        moved = draw(decimals_in(rng, near, Decimal(1) if t == "count" else _QUANTUM, small=small or t == "count")) if not rng.empty else current
        if t == "count":
            moved = moved.to_integral_value(ROUND_FLOOR if way == UP else ROUND_CEILING)
            moved = min(max(moved, rng.low), rng.high)
            return int(moved)
        if t == "discretionary":
            moved = on_step(view, moved)  # current is on the step, so rounding down keeps the direction
            reason = value.get("reason") or ""
            if moved > 0 and not reason.strip():
                reason = draw(texts)
            return {"points": moved, "reason": reason}
        return moved
    if t == "date":
        current = dt.date.fromisoformat(value.strip())
        days = draw(st.one_of(st.integers(1, 3), st.integers(1, 400), st.sampled_from([abs((d - current).days) + k for d in near if isinstance(d, dt.date) for k in (0, 1)] or [1])))
        try:
            moved_date = current + dt.timedelta(days=days if way == UP else -days)
        except OverflowError:
            return value
        return moved_date.isoformat()
    if t == "subset":
        present = list(value)
        missing = [e for e in spec.elements or () if e not in present]
        if way == UP:
            add = draw(st.lists(st.sampled_from(missing), unique=True, min_size=1)) if missing else []
            return present + add
        keep = draw(st.lists(st.sampled_from(present), unique=True, max_size=max(len(present) - 1, 0))) if present else []
        return [e for e in present if e in keep]
    raise AssertionError(t)


@st.composite
def _violation(draw: Any, pack: Pack, target: str, data: dict[str, Any], for_total: bool, small: bool) -> Violation | None:
    view = pack.view(target)
    specs = _specs(view)
    ways = total_directions(view) if for_total else violation_directions(view)
    facts = data.get("facts") or {}
    candidates: list[tuple[str, Any]] = [(n, w) for n, w in ways.items() if facts.get(n) is not None]
    # A derived count moved up is its source with dates removed (fewer dates, no fewer missed periods).
    # A count of late spans moved up is one of its spans ending later (no fewer working days).
    for source, names in _derived_groups(view).items():
        if facts.get(source) and all(ways.get(n) == UP for n in names):
            candidates.append((source, "delay-span" if specs[source].type == "spans" else "remove-dates"))
    if not candidates:
        return None
    name, way = draw(st.sampled_from(candidates))
    before = facts[name]
    if way == "remove-dates":
        keep = draw(st.lists(st.sampled_from(list(before)), unique=True, max_size=len(before) - 1))
        after: Any = [d for d in before if d in keep]
    elif way == "delay-span":
        i = draw(st.integers(0, len(before) - 1))
        start, end = [dt.date.fromisoformat(x.strip()) for x in str(before[i]).split("/")]
        last = dt.date(calendar_years()[1], 12, 31)  # still a day the working-day count can be made on
        end = min(end + dt.timedelta(days=draw(st.integers(1, 60))), max(end, last))
        after = [*before[:i], f"{start}/{end}", *before[i + 1 :]]
    else:
        after = draw(_worse_value(view, specs[name], way, before, small))
    new = dict(data)
    new["facts"] = {**facts, name: after}
    return Violation(name, way, before, after, new)


def violations(
    pack: Pack, target: str, data: dict[str, Any], *, for_total: bool = False, small_numbers: bool | None = None
) -> st.SearchStrategy[Violation | None]:
    """A worse version of ``data``: one fact moved the way its rules count as a violation.

    ``None`` when no fact of the input can be moved that way. With
    ``for_total=True`` only facts whose move can never raise the total are moved.
    """
    small = engine_reads_small_numbers() if small_numbers is None else small_numbers
    return _violation(pack, target, data, for_total, small)


