"""Hypothesis strategies for valid assessment inputs, generated from a pack's own declarations.

Everything here reads the compiled target (:meth:`govrules.Pack.view`): the
facts its rows use, their types, bounds and elements, the values its
conditions compare against, the evidence its items ask for, the pack's N/A
policy. Nothing is specific to one pack.

* :func:`assessments` draws input dicts that the pack must accept;
  :func:`fact_values` draws the values of one fact;
* :func:`edge_assessments` lists a few fixed inputs at every fact's edges;
* :func:`shuffle_input` rewrites an input in another order (dict keys, lists
  whose order carries no meaning), :func:`respell_numbers` writes its numbers
  another way.

Worse inputs (one fact moved the way the pack counts as a violation) are in
:mod:`govrules.testing.violations`, invalid ones in :mod:`govrules.testing.invalid`.

Numbers are drawn as :class:`~decimal.Decimal` (sometimes as ``int`` or as a
``float`` that round-trips), dates as ``"YYYY-MM-DD"`` text, so every input is
also valid JSON once numbers are written out (see
:func:`govrules.testing.describe.input_json`).
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Iterable

import attrs
from hypothesis import strategies as st

from ..engine.compiled import TargetView, discretion_bounds
from ..engine.conditions import Compare, CompareFacts, Node
from ..engine.facts import COUNT_MAX, NUMBER_LIMIT, NUMBER_PLACES
from ..engine.timing import calendar_years, is_working_day
from ..rubric.model import FactSpec
from ..pack import Pack
from .isolation import EXPONENT_BELOW, engine_reads_small_numbers, is_small

#: The largest count drawn (besides values around thresholds): the largest a
#: count may be (see govrules.engine.facts). Large enough to blow through every cap
#: and floor; small enough to keep Decimal products exact.
LARGE_COUNT = COUNT_MAX
_QUANTUM = Decimal(1).scaleb(-NUMBER_PLACES)  # 0.000001
_NUMBER_MAX = NUMBER_LIMIT - _QUANTUM  # the largest number a fact may take
_DATE_MIN = dt.date(1990, 1, 1)
_DATE_MAX = dt.date(2060, 12, 31)

_REASONS = (
    "机构信息中负责人姓名未随人事调整更新",
    "现场复核：资料不全",
    "解读材料与政策文件未关联",
    "网页截图显示栏目长期未更新",
    "书面说明：本单位无此项工作任务",
    "经认定不适用",
)

#: Non-blank free text (reasons, explanations, reviewer names), partly realistic Chinese.
_ALPHABET = "政务公开信息未按时限完成扣分理由说明复核现场资料网页截图一二三0123456789abcXYZ（），。、；：“”《》- \u3000"
texts = st.one_of(
    st.sampled_from(_REASONS),
    st.text(alphabet=_ALPHABET, min_size=1, max_size=24).filter(lambda s: s.strip() != ""),
)


# --------------------------------------------------------------------------- thresholds


def compares(node: Node) -> Iterable[Compare]:
    """Every comparison of a fact with a value in a compiled condition."""
    if isinstance(node, Compare):
        yield node
    elif not isinstance(node, CompareFacts):
        for part in node.parts:
            yield from compares(part)


def fact_pairs(node: Node) -> Iterable[CompareFacts]:
    """Every comparison of a fact with another fact in a compiled condition."""
    if isinstance(node, CompareFacts):
        yield node
    elif not isinstance(node, Compare):
        for part in node.parts:
            yield from fact_pairs(part)


_CACHE: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def _cached(view: TargetView, key: tuple[Any, ...], make: Any) -> Any:
    """A value computed once per compiled view (views live as long as their pack)."""
    full = (id(view),) + key
    hit = _CACHE.get(full)
    if hit is None or hit[0] is not view:
        hit = (view, make())
        _CACHE[full] = hit
    return hit[1]


def thresholds(view: TargetView) -> dict[str, tuple[Any, ...]]:
    """For each fact, the values the target's conditions compare it with (deduplicated, sorted where possible)."""
    return _cached(view, ("thresholds",), lambda: _thresholds(view))  # type: ignore[no-any-return]


def _thresholds(view: TargetView) -> dict[str, tuple[Any, ...]]:
    found: dict[str, list[Any]] = {}
    for rule in view.rules:
        for c in compares(rule.condition):
            values = found.setdefault(c.fact, [])
            if c.value not in values:
                values.append(c.value)
    out: dict[str, tuple[Any, ...]] = {}
    for name, values in found.items():
        try:
            out[name] = tuple(sorted(values))  # type: ignore[type-var]
        except TypeError:
            out[name] = tuple(values)
    return out


def pairs(view: TargetView) -> tuple[tuple[str, str], ...]:
    """The (fact, other fact) pairs the target's conditions compare, each once."""
    return _cached(view, ("pairs",), lambda: tuple(dict.fromkeys((c.fact, c.other) for r in view.rules for c in fact_pairs(r.condition))))  # type: ignore[no-any-return]


def _scalar_in(spec: FactSpec, value: Any) -> Any:
    """The scalar an input's value of a count, number, subset or date fact compares as (None for other types)."""
    t = spec.type
    if t == "count":
        return Decimal(value)
    if t == "number":
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if t == "subset":
        return Decimal(len(value))
    if t == "date":
        return dt.date.fromisoformat(value.strip())
    return None


def paired_value(view: TargetView, spec: FactSpec, other: FactSpec, other_value: Any, offset: int, small: bool = True) -> Any:
    """A value of ``spec`` one step below (-1), at (0) or above (1) ``other``'s value, as an input writes it; None if there is none.

    Where a condition compares two facts, values at and beside each other are
    where evaluators and readings part ways, as thresholds are for a value.
    """
    target = _scalar_in(other, other_value)
    if target is None:
        return None
    t = spec.type
    if t == "date":
        if not isinstance(target, dt.date):
            return None
        try:
            return (target + dt.timedelta(days=offset)).isoformat()
        except OverflowError:
            return None
    if isinstance(target, dt.date):
        return None
    if t in ("count", "subset"):
        whole = target == target.to_integral_value()
        if offset == 0 and not whole:
            return None
        # The whole numbers next to the other fact's value: n − 1, n, n + 1, or either side of a fraction.
        n = int(target.to_integral_value(ROUND_FLOOR if offset <= 0 else ROUND_CEILING)) + (offset if whole else 0)
        if t == "count":
            return n if Decimal(n) in count_range(spec) else None
        elements = list(spec.elements or ())
        return elements[:n] if 0 <= n <= len(elements) else None
    if t == "number":
        q = target + offset * _QUANTUM
        return q if q in number_range(spec) and (small or not is_small(q)) else None
    return None


def _specs(view: TargetView) -> dict[str, FactSpec]:
    return {f.name: f for f in view.facts}


# --------------------------------------------------------------------------- bounds


@attrs.frozen
class NumberRange:
    """The values a count or number fact accepts, in its own units (ints for counts)."""

    low: Decimal
    high: Decimal

    @property
    def empty(self) -> bool:
        return self.low > self.high

    def __contains__(self, value: Decimal) -> bool:
        return self.low <= value <= self.high


def count_range(spec: FactSpec) -> NumberRange:
    """What a count fact accepts (see :mod:`govrules.engine.facts`: ``ge=max(0, int(minimum))``, ``le=min(maximum, COUNT_MAX)``)."""
    low = Decimal(max(0, int(spec.minimum or 0)))
    high = Decimal(LARGE_COUNT) if spec.maximum is None else min(spec.maximum.to_integral_value(ROUND_FLOOR), Decimal(COUNT_MAX))
    return NumberRange(low, high)


def number_range(spec: FactSpec) -> NumberRange:
    """What a number fact accepts, on the 6-place grid: within its bounds and below 1e9 in magnitude."""
    low = -_NUMBER_MAX if spec.minimum is None else max(-_NUMBER_MAX, spec.minimum.quantize(_QUANTUM, ROUND_CEILING))
    high = _NUMBER_MAX if spec.maximum is None else min(_NUMBER_MAX, spec.maximum.quantize(_QUANTUM, ROUND_FLOOR))
    return NumberRange(low, high)


def discretion_bound(view: TargetView, spec: FactSpec) -> Decimal | None:
    """The most a discretionary fact may deduct for this target (None: it cannot be given), on the pack's step."""
    bound = discretion_bounds((spec,), list(view.items)).get(spec.name)
    if bound is None:
        return None
    return on_step(view, bound)


def on_step(view: TargetView, points: Decimal) -> Decimal:
    """``points`` rounded down to the pack's precision of discretionary points (``pack.discretionary_step``)."""
    step = view.discretionary_step
    if points % step == 0:
        return points
    return (points / step).to_integral_value(ROUND_FLOOR) * step


def _neighbours(values: Iterable[Any], step: Decimal) -> list[Decimal]:
    out: list[Decimal] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            continue
        d = Decimal(v)
        for q in (d.quantize(_QUANTUM, ROUND_FLOOR), d.quantize(_QUANTUM, ROUND_CEILING)):
            out.extend((q - step, q, q + step))
    return out


def _grid(low: Decimal, high: Decimal) -> st.SearchStrategy[Decimal]:
    """Decimals in [low, high] with at most 6 places, often with fewer."""
    lo_n, hi_n = int(low / _QUANTUM), int(high / _QUANTUM)

    def place(n: int, places: int) -> Decimal:
        d = Decimal(n).scaleb(-NUMBER_PLACES)
        r = d.quantize(Decimal(1).scaleb(-places), ROUND_FLOOR)
        return r if low <= r <= high else d

    return st.builds(place, st.integers(lo_n, hi_n), st.integers(0, NUMBER_PLACES))


def _in_form(pair: tuple[Decimal, int]) -> Any:
    """The same number as Decimal, int or float (when the float round-trips exactly)."""
    d, k = pair
    forms: list[Any] = [d]
    if d == d.to_integral_value():
        forms.append(int(d))
    f = float(d)
    if Decimal(repr(f)) == d:
        forms.append(f)
    return forms[k % len(forms)]


def number_forms(decimals: st.SearchStrategy[Decimal]) -> st.SearchStrategy[Any]:
    """Each decimal drawn, written as a Decimal, an int or a float (shrinking towards Decimal)."""
    return st.tuples(decimals, st.integers(0, 2)).map(_in_form)


def _avoid_small(rng: NumberRange) -> Any:
    def fix(v: Decimal) -> Decimal:
        if not is_small(v):
            return v
        for alt in (EXPONENT_BELOW.copy_sign(v), Decimal(0), -EXPONENT_BELOW.copy_sign(v)):
            if alt in rng:
                return alt
        return v

    return fix


def decimals_in(rng: NumberRange, near: Iterable[Any] = (), step: Decimal = _QUANTUM, small: bool = True) -> st.SearchStrategy[Decimal]:
    """Decimals of a range: its ends, values at and just beside ``near``, small ones, anywhere.

    ``small=False`` keeps out non-zero values below 1e-4 in magnitude (see
    :mod:`govrules.testing.isolation`), moving them to ±0.0001 or 0.
    """
    if not small:
        return decimals_in(rng, near, step).map(_avoid_small(rng))
    special = sorted({v for v in [rng.low, rng.high, Decimal(0), Decimal(1), *_neighbours(near, step), *_neighbours(near, Decimal(1))] if v in rng})
    parts = [_grid(rng.low, rng.high)]
    small = NumberRange(max(rng.low, Decimal(-20)), min(rng.high, Decimal(20)))
    if not small.empty:
        parts.append(_grid(small.low, small.high))
    if special:
        # Twice: values at and beside thresholds are where evaluators and readings part ways.
        parts[:0] = [st.sampled_from(special), st.sampled_from(special)]
    return st.one_of(parts)


def count_values(spec: FactSpec, near: Iterable[Any] = ()) -> st.SearchStrategy[int]:
    rng = count_range(spec)
    if rng.empty:
        return st.nothing()
    low, high = int(rng.low), int(rng.high)
    special = sorted({v for v in [low, low + 1, high, *(int(x) for x in _neighbours(near, Decimal(1)))] if low <= v <= high})
    return st.one_of(
        st.sampled_from(special),
        st.sampled_from(special),
        st.integers(low, min(high, low + 30)),
        st.integers(low, high),
    )


def date_values(near: Iterable[Any] = (), low: dt.date = _DATE_MIN, high: dt.date = _DATE_MAX) -> st.SearchStrategy[dt.date]:
    special = sorted({d + dt.timedelta(days=k) for d in near if isinstance(d, dt.date) for k in (-2, -1, 0, 1, 2)})
    parts: list[st.SearchStrategy[dt.date]] = [st.dates(low, high)]
    if special:
        parts.insert(0, st.sampled_from(special))
    return st.one_of(parts)


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _derivation_window(view: TargetView, source: str) -> tuple[dt.date, dt.date, list[tuple[dt.date, dt.date]]] | None:
    """The first derivation from ``source`` that counts periods: its start, end and periods (partial ones too)."""
    for f in view.facts:
        d = f.derive
        if d is not None and d.source == source and d.kind == "missed_periods":
            return d.start, d.end, _periods(d.start, d.end, d.period_days, d.period)
    return None


def _periods(start: dt.date, end: dt.date, period_days: int | None, period: str | None) -> list[tuple[dt.date, dt.date]]:
    out = []
    first = start
    while first <= end:
        if period_days is not None:
            last = first + dt.timedelta(days=period_days - 1)
        else:
            months = 1 if period == "month" else 3
            index = first.month - 1 + months - (first.month - 1) % months
            last = dt.date(first.year + index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)
        out.append((first, min(last, end)))
        first = last + dt.timedelta(days=1)
    return out


def dates_lists(view: TargetView, spec: FactSpec) -> st.SearchStrategy[list[str]]:
    """Lists of distinct dates; for a derivation source, dates in and around its periods (none, some, every one hit)."""
    window = _derivation_window(view, spec.name)
    if window is None:
        return st.lists(st.dates(_DATE_MIN, _DATE_MAX).map(_iso), unique=True, max_size=12)
    start, end, periods = window
    longest = max((b - a).days + 1 for a, b in periods)
    around = st.dates(start - dt.timedelta(days=longest), end + dt.timedelta(days=longest))

    @st.composite
    def hits(draw: Any) -> list[str]:
        chosen = draw(st.sets(st.integers(0, len(periods) - 1), max_size=len(periods)))
        days = [a + dt.timedelta(days=draw(st.integers(0, (b - a).days))) for a, b in (periods[k] for k in sorted(chosen))]
        extra = draw(st.lists(around, max_size=3))
        out = sorted(set(days + extra))
        return [d.isoformat() for d in draw(st.permutations(out))]

    every = [a.isoformat() for a, _ in periods]
    return st.one_of(st.just([]), st.just(every), hits(), st.lists(around.map(_iso), unique=True, max_size=10))


def _late_spans_limit(view: TargetView, source: str) -> int | None:
    for f in view.facts:
        d = f.derive
        if d is not None and d.source == source and d.kind == "late_spans":
            return d.within_working_days  # type: ignore[no-any-return]
    return None


def spans_lists(view: TargetView, spec: FactSpec) -> st.SearchStrategy[list[Any]]:
    """Lists of spans, written ``start/end``, in any order (the same span may recur).

    For a source of working-day counts: spans inside the years the holiday
    calendar covers, often ending exactly on, or one working day past, the limit.
    """
    limit = _late_spans_limit(view, spec.name)
    if limit is None:
        low, high, longest = _DATE_MIN, _DATE_MAX, 400
    else:
        first, last = calendar_years()
        low, high, longest = dt.date(first, 1, 1), dt.date(last, 12, 31), 2 * limit + 30

    @st.composite
    def span(draw: Any) -> Any:
        start = draw(st.dates(low, high - dt.timedelta(days=longest)))
        if limit is not None and draw(st.booleans()):
            end = _working_day_end(start, limit + draw(st.sampled_from([0, 1])))
        else:
            end = start + dt.timedelta(days=draw(st.integers(0, longest)))
        return f"{start}/{end}"

    return st.lists(span(), max_size=6)


def _working_day_end(start: dt.date, n: int) -> dt.date:
    """The day on which the ``n``-th working day after ``start`` falls."""
    day = start
    while n:
        day += dt.timedelta(days=1)
        n -= is_working_day(day)
    return day


def subset_values(spec: FactSpec, near: Iterable[Any] = ()) -> st.SearchStrategy[list[str]]:
    """Lists of distinct elements in any order: empty, full, sizes around thresholds, anything."""
    elements = list(spec.elements or ())
    n = len(elements)
    sizes = sorted({k for k in [0, 1, n - 1, n, *(int(x) + d for x in near if isinstance(x, int) for d in (-1, 0, 1))] if 0 <= k <= n})
    size = st.one_of(st.sampled_from(sizes), st.integers(0, n))
    return st.tuples(st.permutations(elements), size).map(lambda pk: list(pk[0][: pk[1]]))


def discretion_values(
    bound: Decimal, near: Iterable[Any] = (), small: bool = True, step: Decimal = Decimal("0.01")
) -> st.SearchStrategy[dict[str, Any]]:
    """``{points, reason}`` within [0, bound], a multiple of ``step``; a reason whenever points > 0, sometimes also at 0."""
    rng = NumberRange(Decimal(0), bound)

    def floor(d: Decimal) -> Decimal:
        return d if d % step == 0 else (d / step).to_integral_value(ROUND_FLOOR) * step

    points_of = number_forms(decimals_in(rng, near, small=small).map(floor))

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        shown = draw(points_of)
        points = shown if isinstance(shown, Decimal) else Decimal(repr(shown)) if isinstance(shown, float) else Decimal(shown)
        value: dict[str, Any] = {"points": shown}
        if points > 0 or draw(st.booleans()):
            value["reason"] = draw(texts)
        elif draw(st.booleans()):
            value["reason"] = ""
        return value

    return build()


def fact_values(view: TargetView, spec: FactSpec, *, small_numbers: bool = True) -> st.SearchStrategy[Any]:
    """Valid values of one fact for one target, as an input would write them.

    ``small_numbers=False`` keeps number and discretionary values out of
    (0, 1e-4) in magnitude (see :mod:`govrules.testing.isolation`).
    """
    return _cached(view, ("fact", spec.name, small_numbers), lambda: _fact_values(view, spec, small_numbers))  # type: ignore[no-any-return]


def _fact_values(view: TargetView, spec: FactSpec, small_numbers: bool) -> st.SearchStrategy[Any]:
    near = thresholds(view).get(spec.name, ())
    t = spec.type
    if t == "count":
        return count_values(spec, near)
    if t == "number":
        rng = number_range(spec)
        return st.nothing() if rng.empty else number_forms(decimals_in(rng, near, small=small_numbers))
    if t == "boolean":
        return st.booleans()
    if t == "date":
        return date_values(near).map(_iso)
    if t == "choice":
        return st.sampled_from(list(spec.elements or ()))
    if t == "subset":
        return subset_values(spec, near)
    if t == "dates":
        return dates_lists(view, spec)
    if t == "spans":
        return spans_lists(view, spec)
    if t == "discretionary":
        bound = discretion_bound(view, spec)
        return st.nothing() if bound is None else discretion_values(bound, near, small_numbers, view.discretionary_step)
    raise AssertionError(t)


def can_give(view: TargetView, spec: FactSpec) -> bool:
    """Whether any valid value of this fact exists for this target."""
    return _cached(view, ("can_give", spec.name), lambda: _can_give(view, spec))  # type: ignore[no-any-return]


def _can_give(view: TargetView, spec: FactSpec) -> bool:
    if spec.type == "count":
        return not count_range(spec).empty
    if spec.type == "number":
        return not number_range(spec).empty
    if spec.type == "discretionary":
        return discretion_bound(view, spec) is not None
    return True


# --------------------------------------------------------------------------- assessments


@functools.lru_cache(maxsize=None)
def _permutations(values: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.permutations(values)


def _derived_groups(view: TargetView) -> dict[str, list[str]]:
    """Dates source → the count facts derived from it, for this target."""
    groups: dict[str, list[str]] = {}
    names = {f.name for f in view.facts}
    for f in view.facts:
        if f.derive is not None and f.derive.source in names:
            groups.setdefault(f.derive.source, []).append(f.name)
    return groups


@st.composite
def _facts(draw: Any, view: TargetView, complete: bool, small: bool = True) -> dict[str, Any]:
    specs = _specs(view)
    groups = _derived_groups(view)
    derived = {name for names in groups.values() for name in names}
    out: dict[str, Any] = {}

    def give(name: str, required: bool) -> None:
        spec = specs[name]
        if not can_give(view, spec):
            return
        optional = spec.type == "discretionary" or spec.default is not None or not required
        if optional and not draw(st.booleans()):
            if not complete and draw(st.integers(0, 4)) == 4:
                out[name] = None  # an explicit null is the same as leaving the fact out (rarely; shrinks to leaving it out)
            return
        out[name] = draw(fact_values(view, spec, small_numbers=small), label=name)

    for spec in view.facts:
        if spec.type in ("dates", "spans") and spec.name in groups:
            # Either the dates (every count derived from them is then derived) or the counts.
            if draw(st.booleans()):
                out[spec.name] = draw(fact_values(view, spec, small_numbers=small), label=spec.name)
            else:
                for name in groups[spec.name]:
                    give(name, complete)
            continue
        if spec.name in derived:
            continue  # handled with its source
        give(spec.name, complete)
    # Where conditions compare two facts, often put one at or beside the other.
    for name, other in pairs(view):
        if out.get(name) is not None and out.get(other) is not None and draw(st.integers(0, 2)) == 0:
            moved = paired_value(view, specs[name], specs[other], out[other], draw(st.integers(-1, 1)), small)
            if moved is not None:
                out[name] = moved
    # Keep the view's order for derived counts given directly (cosmetic only: order never matters).
    order = {f.name: i for i, f in enumerate(view.facts)}
    return dict(sorted(out.items(), key=lambda kv: order[kv[0]]))


@functools.lru_cache(maxsize=None)
def _score(maximum: Decimal) -> st.SearchStrategy[Any]:
    rng = NumberRange(Decimal(0), maximum)
    two_places = st.integers(0, int(maximum * 100)).map(lambda n: Decimal(n).scaleb(-2))
    return number_forms(st.one_of(st.sampled_from([Decimal(0), maximum]), two_places, decimals_in(rng)))


@functools.lru_cache(maxsize=None)
def _timestamps() -> st.SearchStrategy[str]:
    day = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
    moment = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 12, 31), timezones=st.sampled_from([None, dt.timezone(dt.timedelta(hours=8))]))
    return st.one_of(day.map(_iso), moment.map(lambda m: m.replace(microsecond=0).isoformat()))


@st.composite
def _assessment(
    draw: Any,
    pack: Pack,
    target: str,
    complete: bool,
    evidence: bool,
    not_applicable: bool | None,
    self_assessment: bool,
    reviews: bool,
    small: bool,
) -> dict[str, Any]:
    view = pack.view(target)
    data: dict[str, Any] = {"target": target}
    if draw(st.booleans()):
        data["pack"] = pack.id
    # Rows for named units only: sometimes one of those units, sometimes another;
    # a complete input names its unit (without one, those rows cannot be checked).
    named = sorted({u for i in view.unit_items for u in i.units})
    if (complete and named) or draw(st.booleans()):
        data["unit"] = draw(st.sampled_from(named) | texts) if named else draw(texts)
    data["facts"] = draw(_facts(view, complete, small))

    if evidence:
        kinds: dict[str, list[str]] = {}
        for (item, kind) in view.evidence:
            kinds.setdefault(item, []).append(kind)
        given: dict[str, list[str]] = {}
        for item, ks in kinds.items():
            if draw(st.booleans()):
                perm = draw(_permutations(tuple(ks)))
                given[item] = list(perm[: draw(st.integers(0, len(ks)))])
        if given or draw(st.booleans()):
            data["evidence"] = given

    items = [i for i in view.items]
    scored_items = [i for i in items if i.max is not None]
    allowed = pack.spec.not_applicable.allowed
    if allowed and not_applicable is not False and items:
        chosen = draw(st.lists(st.sampled_from([i.id for i in items]), unique=True, min_size=1 if not_applicable else 0, max_size=min(3, len(items))))
        if chosen or draw(st.booleans()):
            data["not_applicable"] = {i: draw(texts) for i in chosen}

    if self_assessment and scored_items and draw(st.booleans()):
        chosen_items = draw(st.lists(st.sampled_from(scored_items), unique_by=lambda i: i.id, max_size=len(scored_items)))
        data["self_assessment"] = {i.id: draw(_score(i.max)) for i in chosen_items}  # type: ignore[arg-type]

    if reviews and scored_items and draw(st.integers(0, 2)) == 0:
        chosen_items = draw(st.lists(st.sampled_from(scored_items), unique_by=lambda i: i.id, max_size=min(3, len(scored_items))))
        data["reviews"] = [
            {
                "item": i.id,
                "score": draw(_score(i.max)),  # type: ignore[arg-type]
                "reviewer": draw(texts),
                "at": draw(_timestamps()),
                "reason": draw(texts),
            }
            for i in chosen_items
        ]
    return data


def assessments(
    pack: Pack,
    target: str,
    *,
    complete: bool = True,
    evidence: bool = True,
    not_applicable: bool | None = None,
    self_assessment: bool = True,
    reviews: bool = True,
    small_numbers: bool | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid assessment inputs for one target of a pack.

    ``complete=True``: every fact a rule needs is given (or derived from its
    dates, or left to its default), so the result is complete; discretionary
    facts may still be left out (no deduction). ``complete=False``: any fact
    may be left out or written as ``null``.
    ``not_applicable``: ``None`` declares items N/A sometimes, when the pack
    allows it; ``True`` always declares at least one (when allowed); ``False`` never.
    ``small_numbers``: whether number and discretionary facts take non-zero
    values below 1e-4 in magnitude; ``None`` (the default) does so only when
    the durable evaluator survives them (probed once, see
    :mod:`govrules.testing.isolation`), ``True`` always.
    """
    pack.view(target)  # fail early on an unknown target
    small = engine_reads_small_numbers() if small_numbers is None else small_numbers
    return _assessment(pack, target, complete, evidence, not_applicable, self_assessment, reviews, small)


# --------------------------------------------------------------------------- order


def shuffle_input(data: Any, rnd: random.Random) -> Any:
    """The same input written in another order.

    Dict keys are reordered everywhere; lists are reordered where their order
    means nothing (subset facts, dates, evidence kinds, reviews). Values are
    not changed.
    """

    def walk(value: Any, path: tuple[str, ...]) -> Any:
        if isinstance(value, dict):
            keys = list(value)
            rnd.shuffle(keys)
            return {k: walk(value[k], path + (k,)) for k in keys}
        if isinstance(value, list):
            items = [walk(v, path + ("[]",)) for v in value]
            unordered = (len(path) >= 2 and path[0] in ("facts", "evidence")) or path == ("reviews",)
            if unordered:
                rnd.shuffle(items)
            return items
        return value

    return walk(data, ())


def _respell(value: Any, rnd: random.Random) -> Any:
    """The same number written another way: more trailing zeros, int, float (when exact)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    forms: list[Any] = [d]
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -NUMBER_PLACES:
        forms.append(d.quantize(Decimal(1).scaleb(-rnd.randint(max(-exponent, 0), NUMBER_PLACES))))
    if d == d.to_integral_value():
        forms.append(int(d))
    if Decimal(repr(float(d))) == d:
        forms.append(float(d))
    return rnd.choice(forms)


def respell_numbers(view: TargetView, data: Any, rnd: random.Random) -> Any:
    """The same input with every non-count number written another way (``5`` → ``5.000``, ``2.5`` → ``2.50``).

    Number facts, discretionary points, self-assessment and review scores;
    counts stay integers (a count must be an int).
    """
    if not isinstance(data, dict):
        return data
    specs = _specs(view)
    out = dict(data)
    facts = data.get("facts")
    if isinstance(facts, dict):
        new: dict[str, Any] = {}
        for name, value in facts.items():
            spec = specs.get(name)
            if spec is not None and spec.type == "number":
                value = _respell(value, rnd)
            elif spec is not None and spec.type == "discretionary" and isinstance(value, dict):
                value = {**value, "points": _respell(value.get("points"), rnd)}
            new[name] = value
        out["facts"] = new
    if isinstance(data.get("self_assessment"), dict):
        out["self_assessment"] = {k: _respell(v, rnd) for k, v in data["self_assessment"].items()}
    if isinstance(data.get("reviews"), list):
        out["reviews"] = [{**r, "score": _respell(r.get("score"), rnd)} if isinstance(r, dict) else r for r in data["reviews"]]
    return out


# --------------------------------------------------------------------------- edges


def _at_threshold(view: TargetView, spec: FactSpec, edge: str, small: bool) -> Any:
    """A count, number, date or subset at (or one step beside) the first value its conditions compare it with."""
    near = [v for v in thresholds(view).get(spec.name, ()) if not isinstance(v, bool)]
    t = spec.type
    offset = {"below": -1, "at": 0, "above": 1}[edge]
    if t == "date":
        dates = [d for d in near if isinstance(d, dt.date)]
        if not dates:
            return None
        try:
            return (dates[0] + dt.timedelta(days=offset)).isoformat()
        except OverflowError:
            return None
    numbers = [Decimal(v) for v in near if isinstance(v, (int, Decimal))]
    if not numbers or t not in ("count", "number", "subset", "discretionary"):
        return None
    v = numbers[0]
    if t == "count" or t == "subset":
        n = int(v.to_integral_value(ROUND_FLOOR)) + offset
        if t == "subset":
            elements = list(spec.elements or ())
            return elements[:n] if 0 <= n <= len(elements) else None
        return n if Decimal(n) in count_range(spec) else None
    rng = number_range(spec) if t == "number" else NumberRange(Decimal(0), discretion_bound(view, spec) or Decimal(0))
    q = v.quantize(_QUANTUM, ROUND_FLOOR) + offset * _QUANTUM
    if q not in rng or (not small and is_small(q)):
        return None
    if t == "number":
        return q
    q = on_step(view, q)
    return {"points": q, "reason": _REASONS[0]} if q > 0 else {"points": q}


def _edge_value(view: TargetView, spec: FactSpec, edge: str, small: bool = True) -> Any:
    """One fact at an edge: "low" (no violation where possible), "high" (the most), "tiny" (the smallest positive),
    or "below" / "at" / "above" its first threshold (else "low")."""
    if edge in ("below", "at", "above"):
        value = _at_threshold(view, spec, edge, small)
        return value if value is not None else _edge_value(view, spec, "low", small)
    near = [v for v in thresholds(view).get(spec.name, ())]
    t = spec.type
    if t == "count":
        rng = count_range(spec)
        pick = {"low": rng.low, "high": rng.high, "tiny": rng.low + 1 if rng.low + 1 <= rng.high else rng.low}[edge]
        return int(pick)
    if t in ("number", "discretionary"):
        if t == "number":
            rng = number_range(spec)
        else:
            rng = NumberRange(Decimal(0), discretion_bound(view, spec) or Decimal(0))
        zero = Decimal(0) if Decimal(0) in rng else rng.low
        least = _QUANTUM if t == "number" else view.discretionary_step
        tiny = max(rng.low, least) if max(rng.low, least) <= rng.high else zero
        points = {"low": zero, "high": rng.high, "tiny": tiny}[edge]
        if t == "number":
            return points
        return {"points": points, "reason": _REASONS[0]} if points > 0 else {"points": points}
    if t == "boolean":
        return edge == "high"
    if t == "date":
        dates = sorted(d for d in near if isinstance(d, dt.date)) or [dt.date(2023, 1, 1)]
        return (dates[0] - dt.timedelta(days=1) if edge == "low" else dates[-1] + dt.timedelta(days=1)).isoformat()
    if t == "choice":
        elements = list(spec.elements or ())
        return elements[-1] if edge == "high" else elements[0]
    if t == "subset":
        elements = list(spec.elements or ())
        return {"low": [], "high": elements, "tiny": elements[:1]}[edge]
    if t in ("dates", "spans"):
        return []
    raise AssertionError(t)


def edge_assessments(pack: Pack, target: str, *, small_numbers: bool | None = None) -> list[dict[str, Any]]:
    """A few fixed, complete inputs at the edges of every fact.

    Lowest, highest, one step below / at / one step above each fact's first
    threshold (on the 6-place grid), and smallest positive. Used as explicit
    examples before the random ones. "high" gives each dates source an empty
    list (every period missed) instead of its counts; "tiny" (numbers of
    0.000001) only when ``small_numbers`` allows it.
    """
    view = pack.view(target)
    small = engine_reads_small_numbers() if small_numbers is None else small_numbers
    groups = _derived_groups(view)
    derived = {n for names in groups.values() for n in names}
    named = sorted({u for i in view.unit_items for u in i.units})
    out: list[dict[str, Any]] = []
    edges = ["low", "high", "below", "at", "above"] + (["tiny"] if small else [])
    for edge in edges:
        facts: dict[str, Any] = {}
        for spec in view.facts:
            if not can_give(view, spec):
                continue
            if spec.name in groups:
                if edge == "high":
                    limit = _late_spans_limit(view, spec.name)
                    # Every period missed; every span late (one working day past its limit).
                    facts[spec.name] = [] if limit is None else [f"2024-09-27/{_working_day_end(dt.date(2024, 9, 27), limit + 1)}"]
                continue
            if spec.name in derived and edge == "high":
                continue
            facts[spec.name] = _edge_value(view, spec, edge, small)
        if edge in ("below", "at", "above"):
            specs = _specs(view)
            for name, other in pairs(view):
                if facts.get(name) is not None and facts.get(other) is not None and name not in derived:
                    moved = paired_value(view, specs[name], specs[other], facts[other], {"below": -1, "at": 0, "above": 1}[edge], small)
                    if moved is not None:
                        facts[name] = moved
        out.append({"target": target, "facts": facts})
    for k, data in enumerate(out if named else ()):
        # Complete inputs name their unit: one the pack names a row for, or another.
        data["unit"] = named[k // 2 % len(named)] if k % 2 == 0 else "（其他单位）"
    return out
