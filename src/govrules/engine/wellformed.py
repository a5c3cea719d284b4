"""Straight-line checks of well-formed inputs: the common shapes without pydantic.

Most inputs are well formed: the usual keys, values of the exact Python types
JSON and callers' dicts hold (``str``, ``int``, ``float``, ``Decimal``,
``bool``, ``list``, ``dict``), within their bounds. For those, validating
through pydantic (two ``validate_python`` calls, a Python validator per
number and date) costs more than the engine's own evaluation. This module
checks such inputs in plain code, with checks made once per compiled target
and kept in its :class:`~govrules.engine.compiled.InputPlan` (:func:`checker`
per fact, and :func:`facts_checker` for all of them).

Each check either gives exactly what the full way (:mod:`govrules.engine.inputs`
through pydantic) gives for that input, or gives up (``None``, :data:`NO`):
anything it does not recognise (another type, a subclass of ``dict``, ``str``
or ``int``, a value out of bounds, an unknown name) is left to the full way,
which alone reports problems. So a shortcut can never accept what the full way
refuses, nor word an error differently; tests/test_wellformed.py checks both
ways against each other on generated valid and invalid inputs of every pack.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, Callable

from .facts import COUNT_MAX, DISCRETIONARY_STEP, NUMBER_LIMIT, NUMBER_PLACES, Discretion, _date, _number, _span, timestamp
from ..rubric.model import FactSpec
from ..untrusted import has_lone_surrogate, is_blank

#: What a checker returns for a value it leaves to the full way.
NO: Any = object()

_INT_LIMIT = int(NUMBER_LIMIT)
_FLOAT_LIMIT = float(NUMBER_LIMIT)  # exact: 10**9 is a binary float
#: Floats already read, and their Decimals (immutable, so shared): scores and
#: amounts repeat (17.5, 0.5), and repr() is most of reading one. Bounded.
_FLOATS: dict[float, Decimal] = {}
_FLOATS_KEPT = 4096
#: Dates already read from their YYYY-MM-DD text (dt.date is immutable): the
#: units of one year give the same few hundred days. Bounded.
_DAYS: dict[str, dt.date] = {}
_DAYS_KEPT = 4096


def number(value: Any) -> Decimal | None:
    """What ``facts._number`` (and pydantic after it) gives for a plain int, float or Decimal it accepts; else None."""
    kind = type(value)
    # The same shortcuts as _number's own, without its call and checks around them.
    if kind is int:
        if -_INT_LIMIT < value < _INT_LIMIT:
            return Decimal(value)
    elif kind is float:
        d = _FLOATS.get(value)
        if d is not None:
            return d
        if -_FLOAT_LIMIT < value < _FLOAT_LIMIT:
            text = repr(value)
            if "e" not in text and len(text) - text.index(".") - 1 <= NUMBER_PLACES:
                d = Decimal(text)
                if value and len(_FLOATS) < _FLOATS_KEPT:  # not 0.0: -0.0 is the same key, and another Decimal
                    _FLOATS[value] = d
                return d
    elif kind is not Decimal:  # a subclass (of int: a bool), text, anything else
        return None
    try:
        return _number(value)
    except ValueError:
        return None


Checker = Callable[[Any], Any]


def checker(spec: FactSpec, bound: Decimal | None, step: Decimal = DISCRETIONARY_STEP) -> Checker | None:
    """A function giving a fact's canonical value (as pydantic and ``canonical`` make it) or :data:`NO`.

    None for a type it does not check (every value of that fact then takes the full way).
    Each mirrors ``facts._annotation`` for its type; the bounds are the same.
    """
    kind = spec.type
    if kind == "count":
        low, high = _count_bounds(spec)

        def count(value: Any) -> Any:
            return value if type(value) is int and low <= value <= high else NO

        return count
    if kind == "number":
        minimum, maximum = spec.minimum, spec.maximum

        def number_(value: Any) -> Any:
            d = number(value)
            if d is None or (minimum is not None and d < minimum) or (maximum is not None and d > maximum):
                return NO
            return d

        return number_
    if kind == "boolean":
        return lambda value: value if type(value) is bool else NO
    if kind == "choice":
        elements = frozenset(spec.elements or ())
        return lambda value: value if type(value) is str and value in elements else NO
    if kind == "date":
        return _date_value
    if kind == "subset":
        order = {e: i for i, e in enumerate(spec.elements or ())}

        def subset(value: Any) -> Any:
            if type(value) is not list:
                return NO
            for v in value:
                if type(v) is not str or v not in order:
                    return NO
            if len(value) > 1:
                if len(set(value)) != len(value):
                    return NO
                return tuple(sorted(value, key=order.__getitem__))
            return tuple(value)

        return subset
    if kind == "dates":
        return _dates
    if kind == "spans":
        return _spans
    if kind == "discretionary":
        if bound is None:
            return None
        return _discretion(bound, step)
    return None


def _count_bounds(spec: FactSpec) -> tuple[int, int]:
    """A count's bounds, as ``facts._annotation`` gives them to pydantic."""
    low = max(0, math.ceil(spec.minimum)) if spec.minimum is not None else 0
    high = min(math.floor(spec.maximum), COUNT_MAX) if spec.maximum is not None else COUNT_MAX
    return low, high


def _date_value(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        try:
            return _date(value)
        except ValueError:
            return NO
    return value if kind is dt.date else NO


def _dates(value: Any) -> Any:
    if type(value) is not list:
        return NO
    out = []
    days = _DAYS
    for v in value:
        if type(v) is str:
            d = days.get(v)
            if d is not None:
                out.append(d)
                continue
            # _date's own first way for YYYY-MM-DD, inline: a list holds a year of dates.
            if len(v) == 10 and v[4] == "-" and v[7] == "-":
                try:
                    d = dt.date.fromisoformat(v)
                except ValueError:
                    pass
                else:
                    if len(days) < _DAYS_KEPT:
                        days[v] = d
                    out.append(d)
                    continue
        d = _date_value(v)
        if d is NO:
            return NO
        out.append(d)
    if len(set(out)) != len(out):
        return NO
    out.sort()
    return tuple(out)


def _spans(value: Any) -> Any:
    if type(value) is not list:
        return NO
    out = []
    for v in value:
        if type(v) is not str:
            return NO
        try:
            out.append(_span(v))
        except ValueError:
            return NO
    out.sort()
    return tuple(out)


def _discretion(bound: Decimal, step: Decimal) -> Checker:
    def discretion(value: Any) -> Any:
        if type(value) is not dict:
            return NO
        points = value.get("points")
        reason = value.get("reason", "")
        if len(value) != ("reason" in value) + 1 or type(reason) is not str:
            return NO  # another key, or no points
        p = number(points)
        if p is None or p < 0 or p > bound or p % step:
            return NO
        if reason and has_lone_surrogate(reason):
            return NO
        if p > 0 and is_blank(reason):
            return NO
        return Discretion(points=p, reason=reason.strip())

    return discretion


def facts(plan: Any, raw: Any) -> dict[str, Any] | None:
    """The facts as ``inputs._validate_facts`` gives them when it finds no problem, or None to take the full way.

    In the target's order, nulls left out, the plan's defaults filled in.
    """
    return plan.check_facts(raw)  # type: ignore[no-any-return]


def facts_checker(specs: tuple[FactSpec, ...], checks: tuple[tuple[str, Checker | None], ...], defaults: dict[str, Any]) -> Callable[[Any], dict[str, Any] | None]:
    """The check :func:`facts` makes for one target: each fact's checker and default, worked out once, in the target's order.

    (A loop over that table, not Python source made for each target: this
    module is compiled (govrules.speedups), and a loop compiled costs less
    than straight-line source run by the interpreter.)
    """
    no = NO
    plan = tuple((name, check, name in defaults, defaults.get(name)) for name, check in checks)
    given = {spec.name for spec in specs}
    # A fact given together with the one it is derived from: the full way says to give one.
    both = tuple((spec.name, spec.derive.source) for spec in specs if spec.derive is not None and spec.derive.source in given)

    def check(raw: Any) -> dict[str, Any] | None:
        if type(raw) is not dict:
            return None
        get = raw.get
        out = {}
        found = 0
        for name, test, has_default, default in plan:
            v = get(name, no)
            if v is not no:
                found += 1
                if v is not None:
                    if test is None:
                        return None
                    v = test(v)
                    if v is no:
                        return None
                    out[name] = v
                    continue
            if has_default:  # a null is the same as leaving the fact out
                out[name] = default
        if found != len(raw):
            return None  # a name the target does not have
        for name, source in both:
            if name in out and source in out:
                return None
        return out

    return check


_KEYS = frozenset({"pack", "target", "unit", "facts", "evidence", "not_applicable", "self_assessment", "reviews", "ratings", "sources"})
_REVIEW_KEYS = frozenset({"item", "score", "reviewer", "at", "reason"})
_EMPTY: dict = {}
_NONE: list = []

#: One 复核 as the full way keeps it: item, score, reviewer and reason stripped, the time as ISO text.
ReviewParts = tuple[str, Decimal, str, str, str]


#: What ``inputs._validate`` would make of a well-formed input, before the derivations: ``(unit, facts,
#: evidence, not_applicable, self_assessment, reviews)``, in the fields' forms of
#: :class:`~govrules.engine.inputs.Assessment` (a tuple: made for every input, and read once, by ``inputs._quick``).
Parts = tuple[str | None, dict[str, Any], frozenset[tuple[str, str]], tuple[tuple[str, str], ...], tuple[tuple[str, Decimal], ...], tuple[ReviewParts, ...]]


def parts(plan: Any, data: Any, pack_id: str, na_allowed: bool) -> Parts | None:
    """The checked parts of an input with the usual keys and types and no problem, else None (the full way).

    Every check of ``inputs._validate`` that an accepted input passes is made
    here too (the envelope's types, the pack, unknown items and evidence, N/A,
    scores within the points, 复核 given once, blank and unencodable text);
    ratings and merged sources are left to the full way.
    """
    if type(data) is not dict:
        return None
    for key in data:
        if type(key) is not str or key not in _KEYS:
            return None
    get = data.get
    pack, unit, target = get("pack"), get("unit"), get("target")
    if pack is not None and (type(pack) is not str or pack != pack_id):
        return None
    if target is not None and type(target) is not str:
        return None
    if unit is not None and (type(unit) is not str or has_lone_surrogate(unit)):
        return None
    ratings, sources = get("ratings", _EMPTY), get("sources", _NONE)
    if type(ratings) is not dict or ratings or type(sources) is not list or sources:
        return None
    values = plan.check_facts(get("facts", _EMPTY))
    if values is None:
        return None
    return _rest(plan, get, na_allowed, unit, values)


def _rest(plan: Any, get: Any, na_allowed: bool, unit: str | None, values: dict[str, Any]) -> Parts | None:
    evidence = get("evidence", _EMPTY)
    if type(evidence) is not dict:
        return None
    given: frozenset[tuple[str, str]] = frozenset()
    if evidence:
        allowed = plan.evidence_kinds
        pairs = []
        for item, kinds in evidence.items():
            kinds_here = allowed.get(item) if type(item) is str else None
            if kinds_here is None or type(kinds) is not list:
                return None
            for kind in kinds:
                if type(kind) is not str or kind not in kinds_here:
                    return None
                pairs.append((item, kind))
        given = frozenset(pairs)
    not_applicable = get("not_applicable", _EMPTY)
    if type(not_applicable) is not dict:
        return None
    na: tuple[tuple[str, str], ...] = ()
    if not_applicable:
        if not na_allowed:
            return None
        items = plan.evidence_kinds  # every item of the target is a key
        for item, why in not_applicable.items():
            if type(item) is not str or item not in items or type(why) is not str or has_lone_surrogate(why) or is_blank(why):
                return None
        na = tuple(sorted((k, v.strip()) for k, v in not_applicable.items()))
    maxima = plan.maxima
    scores = get("self_assessment", _EMPTY)
    if type(scores) is not dict:
        return None
    own: tuple[tuple[str, Decimal], ...] = ()
    if scores:
        checked = []
        for item, score in scores.items():
            d = number(score)
            if d is None or type(item) is not str or item not in maxima or d < 0 or d > maxima[item]:
                return None
            checked.append((item, d))
        own = tuple(sorted(checked))
    reviews = get("reviews", _NONE)
    if type(reviews) is not list:
        return None
    reviewed: tuple[ReviewParts, ...] = ()
    if reviews:
        out = []
        for review in reviews:
            r = _review(review, maxima)
            if r is None:
                return None
            out.append(r)
        if len({r[0] for r in out}) != len(out):
            return None  # an item reviewed twice
        reviewed = tuple(sorted(out, key=lambda r: r[0]))
    return (unit, values, given, na, own, reviewed)


def _review(review: Any, maxima: dict[str, Decimal]) -> ReviewParts | None:
    if type(review) is not dict or review.keys() != _REVIEW_KEYS:
        return None
    item, reviewer, at, reason = review["item"], review["reviewer"], review["at"], review["reason"]
    score = number(review["score"])
    if score is None or type(item) is not str or item not in maxima or score < 0 or score > maxima[item]:
        return None
    for words in (reviewer, reason):
        if type(words) is not str or has_lone_surrogate(words) or is_blank(words):
            return None  # is_blank also refuses "", below the model's min_length
    if type(at) is not str:
        return None
    try:
        at = timestamp(at)
    except ValueError:
        return None
    return (item, score, reviewer.strip(), at, reason.strip())
