"""Invariants every pack's results must satisfy, as reusable check functions.

Each ``check_*`` function takes a pack and an input or a result, returns
quietly when the invariant holds and raises :class:`InvariantError` (an
``AssertionError``) saying, in pack terms, what is wrong: the items with their
names, the rules with the document's words.

Result checks (``check_result`` runs them all):

* :func:`check_item_bounds`: every item score within [0, max];
* :func:`check_item_arithmetic`: score = max − Σ effects + Σ cap cuts + floor
  cut (0 when zeroed by an all-or-nothing rule; a review replaces it);
* :func:`check_sections`: sections and the base are the sums of their items,
  within their (stated) maxima; rescaling as declared;
* :func:`check_ledgers`: bonus and penalty ledgers sum their effects, within their caps;
* :func:`check_total`: zeroing wins; otherwise total = base + bonus − penalty when
  complete, floored at 0 (0 ≤ total, unless the pack records that its document allows
  less), and at most the stated maximum (with the bonuses its document allows above it);
* :func:`check_models`: every scoring model's score is 0 when the assessment is
  zeroed (and says why), else its count plus the out-of-total ledgers, floored at 0;
* :func:`check_trace`: every effect comes from a declared rule of its row and
  carries that rule's words, which occur in the document;
* :func:`check_firing`: the rules that fired are those the pack, read as
  written (not as compiled), says fire on the reported facts;
* :func:`check_statuses`: statuses agree with what fired, what was checked, N/A and reviews;
* :func:`check_grade`: the grade agrees with the total and the bands, a veto
  never raises it, and no grade is given unless every unknown leaves the same one;
* :func:`check_units`: rows for named units only are not applicable for other
  units (scored by their policy) and not checked where the result names no unit.

Input checks: :func:`check_input` (assess, then all of the above plus what the
input implies), :func:`check_rejected`, :func:`check_deterministic`,
:func:`check_order_independent`, :func:`check_evaluators_agree`,
:func:`check_monotone`, and the static :func:`check_view`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Iterable

from ..engine.compiled import OWNER_ADJUSTMENT, OWNER_ITEM, TargetView
from ..errors import FactsError
from ..numbers import ZERO, divide, fmt, to_decimal
from ..pack import Pack
from ..rubric.checks import normalize_text
from ..rubric.scope import unit_key
from ..engine.result import FAIL, NOT_APPLICABLE, NOT_CHECKED, PASS, Result
from ..kinds.base import AWARD, DEDUCT, SET, ZERO_ROW
from . import oracle
from .isolation import run_isolated
from .describe import describe_input, describe_item_result, describe_result, describe_rule, input_json


class InvariantError(AssertionError):
    """An invariant does not hold; the message says where, in pack terms."""

    def __init__(self, message: str, details: Iterable[str] = ()):
        self.message = message
        self.details = tuple(details)
        text = message if not self.details else message + "\n" + "\n".join(self.details)
        super().__init__(text)


def _fail(message: str, *details: str) -> None:
    raise InvariantError(message, details)


def _scope(pack: Pack, result: Result) -> dict[str, str]:
    """Items for named units only that the result's unit is not one of: notapplicable, or notchecked where it names no unit.

    Written apart from scoring: unit names compare as the pack format says (govrules.rubric.scope.unit_key).
    """
    out: dict[str, str] = {}
    view = pack.view(result.target)
    for item in view.items:
        if any(r.cohort is not None for r in item.rules):
            out[item.id] = COHORT  # settled by the cohort: check_cohort_rows
            continue
        units = item.indicator.units
        if not units:
            continue
        if result.unit is None:
            out[item.id] = NOT_CHECKED
        elif unit_key(result.unit) not in {unit_key(u) for u in units}:
            out[item.id] = NOT_APPLICABLE
    return out


def _settled_by_scope(scope: dict[str, str], item: Any) -> bool:
    """Whether an item's status and score come from its named units (a written N/A settles a row whose unit is unknown)."""
    where = scope.get(item.id)
    return where == NOT_APPLICABLE or (where in (NOT_CHECKED, COHORT) and item.status != NOT_APPLICABLE)


#: A row some rule of which is scored against the cohort (see _scope).
COHORT = "cohort"


def check_units(pack: Pack, result: Result) -> None:
    """Rows for named units only: not applicable for other units, with the document's words, scored by the row's policy; not checked with no unit name."""
    scope = _scope(pack, result)
    view = pack.view(result.target)
    for item in result.items:
        if not _settled_by_scope(scope, item):
            continue
        declared = _items(view)[item.id]
        detail = describe_item_result(item)
        if scope[item.id] == COHORT:
            _check_cohort_row(declared, item, detail)
            continue
        if item.effects:
            _fail(f"item {item.id} is for {'、'.join(declared.units)} only, yet carries effects for unit {result.unit!r}", detail)
        if scope[item.id] == NOT_APPLICABLE:
            scoring = declared.indicator.units_scoring or pack.spec.not_applicable.scoring
            expected = item.max if scoring == "full_points" else None
            if item.status != NOT_APPLICABLE or not item.not_applicable or declared.indicator.units_quote not in item.not_applicable:
                _fail(f"item {item.id} is for {'、'.join(declared.units)} only: for {result.unit!r} it should be not applicable, with the document's words", detail)
            if item.computed != expected:
                _fail(f"item {item.id}, not applicable for {result.unit!r}, computes {fmt(item.computed)}; its policy ({scoring}) gives {fmt(expected)}", detail)
        else:
            if item.computed is not None or (item.override is None and item.status != NOT_CHECKED):
                _fail(f"item {item.id} is for {'、'.join(declared.units)} only and the result names no unit: it should be not checked", detail)


def _check_cohort_row(declared: Any, item: Any, detail: str) -> None:
    """A cohort row names the figures (or the reason) of each of its cohort rules; alone, it is not checked, never guessed."""
    from ..kinds.cohort import ALONE

    rules = [r.uid for r in declared.rules if r.cohort is not None]
    if [f.rule for f in item.cohort] != rules:
        _fail(f"cohort row {item.id} names the figures of {[f.rule for f in item.cohort]}, not of its cohort rules {rules}", detail)
    if any(f.reason == ALONE for f in item.cohort):
        if item.computed is not None or (item.override is None and item.status != NOT_CHECKED) or item.effects:
            _fail(f"cohort row {item.id}, assessed alone, should be not checked with no score and no effects", detail)
    elif any(f.reason is not None for f in item.cohort) and not any(e.mode == SET for e in item.effects):
        if item.computed is not None:
            _fail(f"cohort row {item.id} could not be scored against its cohort, yet computes {fmt(item.computed)}", detail)
    for f in item.cohort:
        if f.reason is None and f.n is not None and f.rank is not None and not 1 <= f.rank <= f.n:
            _fail(f"cohort row {item.id} ranks {f.rank} of {f.n}", detail)


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    total = ZERO
    for v in values:
        if v is not None:
            total += v
    return total


_ITEMS: dict[int, tuple[TargetView, dict[str, Any]]] = {}


def _items(view: TargetView) -> dict[str, Any]:
    """The view's items by id (cached per view)."""
    hit = _ITEMS.get(id(view))
    if hit is None or hit[0] is not view:
        hit = (view, {i.id: i for i in view.items})
        _ITEMS[id(view)] = hit
    return hit[1]


_FIRING: dict[int, tuple[Result, Any]] = {}


def _firing(pack: Pack, result: Result) -> tuple[dict[str, bool], dict[str, bool], dict[str, bool]]:
    """:func:`_expected_firing`, computed once per result object (the last one is kept)."""
    hit = _FIRING.get(id(pack))
    if hit is None or hit[0] is not result:
        hit = (result, _expected_firing(pack, result))
        _FIRING.clear()
        _FIRING[id(pack)] = hit
    return hit[1]  # type: ignore[no-any-return]


def _item_label(view: TargetView, item_id: str) -> str:
    item = _items(view).get(item_id)
    return item_id if item is None else f"{item_id}（{item.indicator.name}）"


# ----------------------------------------------------------------------------- static


def check_view(pack: Pack, target: str) -> None:
    """The compiled target agrees with the totals the document states (already enforced at load)."""
    view = pack.view(target)
    by_id: dict[str, Decimal | None] = {i.id: i.max for i in view.items}
    for section in reversed(view.sections):  # children first
        maxima = [by_id[c] for c in section.children]
        expected = _sum(maxima) if any(m is not None for m in maxima) else None
        if section.max != expected:
            _fail(f"section {section.id}（{section.indicator.name}）max {fmt(section.max)} is not the sum of its children {fmt(expected)}")
        if section.stated_max is not None and section.stated_max != section.max:
            _fail(f"section {section.id}（{section.indicator.name}）states {fmt(section.stated_max)} points but its items add up to {fmt(section.max)}")
        by_id[section.id] = section.max
    if view.scored:
        top = _sum(by_id[t] for t in view.top)
        if top != view.target.total:
            _fail(f"target {view.target.id}（{view.target.name}）states a total of {fmt(view.target.total)} but its rows add up to {fmt(top)}")
        for item in view.items:
            if item.max is None:
                _fail(f"item {_item_label(view, item.id)} has no points for the scored target {view.target.id}")
            elif item.max < 0:
                _fail(f"item {_item_label(view, item.id)} has negative points {fmt(item.max)}")
    for ledger in view.ledgers:
        if ledger.adjustment.cap is not None and ledger.adjustment.cap < 0:
            _fail(f"ledger {ledger.id} has a negative cap")


# ----------------------------------------------------------------------------- results


def headroom(item: Any) -> Decimal:
    """How far a row may rise above its points: up to the ceiling its document states (a bonus inside the row), else 0."""
    if item.ceiling is None or item.max is None:
        return ZERO
    return item.ceiling - item.max  # type: ignore[no-any-return]


def check_item_bounds(pack: Pack, result: Result) -> None:
    """Every item score lies within [0, max] (or up to its stated ceiling); an item without points has no score."""
    for item in result.items:
        for what, value in (("score", item.score), ("computed score", item.computed)):
            if value is None:
                continue
            if item.max is None:
                _fail(f"item {item.id} carries no points but has a {what} {fmt(value)}", describe_item_result(item))
            elif not (ZERO <= value <= item.max + headroom(item)):
                _fail(f"item {item.id}（{' / '.join(item.names)}）{what} {fmt(value)} is outside [0, {fmt(item.max + headroom(item))}]", describe_item_result(item))


def check_item_arithmetic(pack: Pack, result: Result) -> None:
    """score = max − Σ effect amounts + Σ cap cuts + floor cut; 0 when zeroed; a review replaces it."""
    view = pack.view(result.target)
    policy = pack.spec.not_applicable
    scope = _scope(pack, result)
    for item in result.items:
        detail = describe_item_result(item)
        declared = _items(view).get(item.id)
        if declared is None:
            _fail(f"result lists item {item.id}, which target {result.target} does not have", detail)
            return
        if item.max != declared.max:
            _fail(f"item {item.id} max {fmt(item.max)} differs from the pack's {fmt(declared.max)}", detail)
        if item.override is not None:
            if item.score != item.override.new:
                _fail(f"item {item.id} was reviewed to {fmt(item.override.new)} but scores {fmt(item.score)}", detail)
            if item.override.old != item.computed:
                _fail(f"item {item.id} review records the old score {fmt(item.override.old)}, not the computed {fmt(item.computed)}", detail)
        elif item.score != item.computed:
            _fail(f"item {item.id} scores {fmt(item.score)} without a review, but its computed score is {fmt(item.computed)}", detail)
        if _settled_by_scope(scope, item):
            continue  # check_units
        if item.status == NOT_APPLICABLE:
            expected = item.max if policy.scoring == "full_points" else None
            if item.computed != expected:
                _fail(f"N/A item {item.id} computes {fmt(item.computed)}; the pack's N/A policy ({policy.scoring}) gives {fmt(expected)}", detail)
            if item.effects:
                _fail(f"N/A item {item.id} still carries effects", detail)
            continue
        if item.zeroed_by is not None and item.max is not None:
            # An all-or-nothing rule that fired decides the score alone, whatever else is missing.
            if item.computed != 0:
                _fail(f"item {item.id} was zeroed by {item.zeroed_by} but computes {fmt(item.computed)}", detail)
        elif item.status == NOT_CHECKED or item.unchecked_facts or item.max is None:
            # A review may settle an item whose facts are missing: it then has a score but no computed one.
            if item.computed is not None:
                _fail(f"item {item.id} ({item.status}, max {fmt(item.max)}) has a computed score {fmt(item.computed)}", detail)
            continue
        if item.computed is None:
            _fail(f"checked item {item.id} has no computed score", detail)
        if item.zeroed_by is not None:
            if item.zeroed_by not in {e.rule for e in item.effects if e.mode == ZERO_ROW}:
                _fail(f"item {item.id} is zeroed by {item.zeroed_by}, which is not an all-or-nothing rule that fired", detail)
            if item.computed != ZERO:
                _fail(f"item {item.id} is zeroed by {describe_rule(view, item.zeroed_by)} but computes {fmt(item.computed)}", detail)
            continue
        if any(e.mode == ZERO_ROW for e in item.effects):
            _fail(f"an all-or-nothing rule fired on item {item.id} but the item is not zeroed", detail)
        # Written out apart from scoring.row_score, on purpose: see the module docstring.
        sets = [e.amount for e in item.effects if e.mode == SET and e.amount is not None]
        base = min(sets) if sets else item.max
        deducted = _sum(e.amount for e in item.effects if e.mode == DEDUCT)
        awarded = _sum(e.amount for e in item.effects if e.mode == AWARD)
        award_rules = {e.rule for e in item.effects if e.mode == AWARD}
        returned = _sum(c.cut for c in item.caps if not set(c.rules) & award_rules)
        withheld = _sum(c.cut for c in item.caps if set(c.rules) & award_rules)
        expected = base - deducted + awarded + returned - withheld + item.floor_cut - item.ceiling_cut
        if item.computed != expected:
            _fail(
                f"item {item.id}: computed {fmt(item.computed)} ≠ base {fmt(base)} − deductions {fmt(deducted)} + awards {fmt(awarded)}"
                f" + cap cuts {fmt(returned)} − award cap cuts {fmt(withheld)} + floor cut {fmt(item.floor_cut)} − ceiling cut {fmt(item.ceiling_cut)} = {fmt(expected)}",
                detail,
            )
        if item.floor_cut < 0 or (item.floor_cut > 0 and item.computed != ZERO):
            _fail(f"item {item.id}: floor cut {fmt(item.floor_cut)} with score {fmt(item.computed)}", detail)
        top = item.max if item.ceiling is None else item.ceiling
        if item.ceiling_cut < 0 or (item.ceiling_cut > 0 and item.computed != top) or item.computed > top:  # type: ignore[operator]
            _fail(f"item {item.id}: ceiling cut {fmt(item.ceiling_cut)} with score {fmt(item.computed)}, most {fmt(top)}", detail)
        if awarded and item.ceiling is None:
            _fail(f"item {item.id} awards {fmt(awarded)} points but its document states no higher maximum for it", detail)
        declared_caps = {tuple(sorted(f"{item.id}#{r}" for r in c.rules)): c for c in declared.caps}
        for cap in item.caps:
            spec = declared_caps.get(tuple(cap.rules))
            if spec is None:
                _fail(f"item {item.id} applies a cap over {cap.rules}, which the pack does not declare", detail)
                continue
            raw = _sum(e.amount for e in item.effects if e.rule in cap.rules)
            if cap.raw != raw or cap.max != spec.max or cap.cut != raw - spec.max or cap.cut <= 0:
                _fail(f"item {item.id}: cap 「{spec.quote}」 raw {fmt(cap.raw)} (effects {fmt(raw)}), max {fmt(cap.max)}, cut {fmt(cap.cut)} do not add up", detail)
        applied = {tuple(c.rules) for c in item.caps}
        for key, spec in declared_caps.items():
            raw = _sum(e.amount for e in item.effects if e.rule in key)
            if raw > spec.max and key not in applied:
                _fail(f"item {item.id}: its rules {list(key)} deduct {fmt(raw)}, above the cap 「{spec.quote}」 of {fmt(spec.max)}, but no cap was applied", detail)


def check_sections(pack: Pack, result: Result) -> None:
    """Sections and the base are the sums of their items and stay within their (stated) maxima."""
    view = pack.view(result.target)
    scores: dict[str, Decimal | None] = {i.id: i.score for i in result.items}
    room: dict[str, Decimal] = {i.id: headroom(i) for i in result.items}
    declared = {s.id: s for s in view.sections}
    by_id = {s.id: s for s in result.sections}
    if list(by_id) != [s.id for s in view.sections]:
        _fail(f"result sections {list(by_id)} differ from the pack's {[s.id for s in view.sections]}")
    for sid in reversed([s.id for s in view.sections]):
        section, spec = by_id[sid], declared[sid]
        child_scores = [scores[c] for c in spec.children]
        present = [s for s in child_scores if s is not None]
        expected = _sum(present) if (present and view.scored) else None
        label = f"section {sid}（{' / '.join(section.names)}）"
        if spec.adjusts and section.score is not None:
            _check_section_caps(result, section, spec, label)
            if expected is None and view.scored:
                expected = ZERO  # no row scored yet: its caps count every row not checked as lost
            if section.rows_sum != expected:
                _fail(f"{label}: its rows {list(spec.children)} add up to {fmt(expected)}, but it records {fmt(section.rows_sum)} before its caps and floor", describe_result(result, list(spec.children)))
        elif section.caps or section.floor_cut:
            _fail(f"{label} records caps or a floor cut, but the pack gives it none")
        elif section.score != expected:
            _fail(f"{label} scores {fmt(section.score)}, but its children {list(spec.children)} add up to {fmt(expected)}", describe_result(result, list(spec.children)))
        if section.max != spec.max or section.stated_max != spec.stated_max:
            _fail(f"{label} max {fmt(section.max)} / stated {fmt(section.stated_max)} differ from the pack's {fmt(spec.max)} / {fmt(spec.stated_max)}")
        room[sid] = _sum(room.get(c, ZERO) for c in spec.children)
        if section.score is not None:
            if section.score < 0 or (section.max is not None and section.score > section.max + room[sid]):
                _fail(f"{label} scores {fmt(section.score)}, outside [0, {fmt(section.max + room[sid] if section.max is not None else None)}]")
            if section.stated_max is not None and section.score > section.stated_max + room[sid]:
                _fail(f"{label} scores {fmt(section.score)}, above its stated {fmt(section.stated_max)} points")
        scores[sid] = section.score
    if not view.scored:
        if result.base is not None or result.base_sum is not None or result.total is not None:
            _fail(f"unscored target {view.target.id} has a base or a total")
        return
    base_sum = _sum(scores[t] for t in view.top)
    if result.base_sum != base_sum:
        _fail(f"base sum {fmt(result.base_sum)} is not the sum {fmt(base_sum)} of the top rows {list(view.top)}", describe_result(result))
    if result.base_max != view.target.total:
        _fail(f"base max {fmt(result.base_max)} is not the target's stated total {fmt(view.target.total)}")
    excluded = [i for i in result.items if i.status == NOT_APPLICABLE and i.score is None and i.max is not None]
    if excluded:  # N/A rows without a score are those their policy (the pack's, or a named-units row's) leaves out
        applicable = view.target.total - _sum(i.max for i in excluded)  # type: ignore[operator]
        expected_base = divide(base_sum * view.target.total, applicable) if applicable > 0 else ZERO  # type: ignore[operator]
        if not result.rescaled or result.base != expected_base:
            _fail(f"base {fmt(result.base)} should be rescaled to {fmt(expected_base)} ({fmt(base_sum)} × {fmt(view.target.total)} / {fmt(applicable)})")
    elif result.rescaled or result.base != base_sum:
        _fail(f"base {fmt(result.base)} (rescaled={result.rescaled}) should be the plain sum {fmt(base_sum)}")
    room = _sum(headroom(i) for i in result.items if i.status != NOT_APPLICABLE)
    # Rescaled, a base with a row above its points is checked by its formula above, not by a bound.
    upper = None if (room and result.rescaled) else view.target.total + room  # type: ignore[operator]
    if result.base is not None and (result.base < ZERO or (upper is not None and result.base > upper)):
        _fail(f"base {fmt(result.base)} is outside [0, {fmt(upper)}]", describe_result(result))


def _lost(row: Any) -> Decimal:
    if row.max is None:
        return ZERO
    if row.score is None:
        return ZERO if row.status == NOT_APPLICABLE else row.max
    return max(ZERO, row.max - row.score)


def _check_section_caps(result: Result, section: Any, spec: Any, label: str) -> None:
    """A capped or floored section: each cap counts what the document says and gives back only what exceeds its maximum."""
    rows: dict[str, Any] = {i.id: i for i in result.items}
    rows.update({s.id: s for s in result.sections})
    if [(c.rules, c.max, c.quote) for c in section.caps] != [(c.rules, c.max, c.quote) for c in spec.caps]:
        _fail(f"{label} records caps {[c.rules for c in section.caps]}, not the pack's {[c.rules for c in spec.caps]}")
    given_back = ZERO
    for cap in section.caps:
        if cap.rules:
            # What the named rules took: their deductions, after the row's other
            # deductions, never more than the row lost; nothing from a zeroed or reviewed row.
            expected = ZERO
            for owner in {u.split("#", 1)[0] for u in cap.rules}:
                row = rows[owner]
                if row.score is None or row.max is None or row.zeroed_by is not None or row.override is not None:
                    continue
                mine = _sum(e.amount for e in row.effects if e.rule in cap.rules and e.mode == DEDUCT)
                others = _sum(e.amount for e in row.effects if e.rule not in cap.rules and e.mode == DEDUCT) - _sum(c.cut for c in row.caps)
                expected += max(ZERO, min(mine, max(ZERO, row.max - row.score) - others))
        else:
            # Every point its rows lost; a row not checked yet, all of its points.
            expected = _sum(_lost(rows[c]) for c in spec.children) - given_back
        if cap.raw != expected:
            _fail(f"{label}: cap 「{cap.quote}」 counts {fmt(cap.raw)}, but its rules took {fmt(expected)}", describe_result(result, list(spec.children)))
        if cap.cut != max(ZERO, cap.raw - cap.max):
            _fail(f"{label}: cap 「{cap.quote}」 of {fmt(cap.max)} over {fmt(cap.raw)} gives back {fmt(cap.cut)}")
        given_back += cap.cut
    if section.floor_cut and (section.floor_quote is None or section.score != 0):
        _fail(f"{label} is floored by {fmt(section.floor_cut)} but scores {fmt(section.score)} (floor {section.floor_quote!r})")
    if section.floor_quote is not None and section.score < 0:
        _fail(f"{label} scores {fmt(section.score)}, below the 0 its document sets (「{section.floor_quote}」)")


def check_ledgers(pack: Pack, result: Result) -> None:
    """Each bonus/penalty ledger sums its effects and applies at most its cap."""
    view = pack.view(result.target)
    if [l.id for l in result.ledgers] != [l.id for l in view.ledgers]:
        _fail(f"result ledgers {[l.id for l in result.ledgers]} differ from the pack's {[l.id for l in view.ledgers]}")
    for ledger, spec in zip(result.ledgers, view.ledgers):
        adj = spec.adjustment
        raw = _sum(e.amount for e in ledger.effects)
        expected = raw if adj.cap is None else min(raw, adj.cap)
        detail = describe_result(result, [])
        if ledger.direction != adj.direction or ledger.cap != adj.cap:
            _fail(f"ledger {ledger.id} direction/cap differ from the pack's", detail)
        if ledger.raw != raw:
            _fail(f"ledger {ledger.id}（{ledger.name}）raw {fmt(ledger.raw)} is not the sum of its effects {fmt(raw)}", detail)
        if ledger.applied != expected or ledger.applied < 0:
            _fail(f"ledger {ledger.id}（{ledger.name}）applies {fmt(ledger.applied)}; with cap {fmt(adj.cap)}「{adj.cap_quote or ''}」 it should apply {fmt(expected)}", detail)
        if adj.cap is not None and ledger.applied > adj.cap:
            _fail(f"ledger {ledger.id}（{ledger.name}）applies {fmt(ledger.applied)}, above its cap {fmt(adj.cap)}", detail)
        unscored = tuple(dict.fromkeys(e.rule for e in ledger.effects if e.amount is None))
        if ledger.unscored != unscored:
            _fail(f"ledger {ledger.id} lists unscored rules {ledger.unscored}, expected {unscored}", detail)


def check_total(pack: Pack, result: Result) -> None:
    """Zeroing wins over everything; otherwise a complete assessment totals base + bonus − penalty."""
    view = pack.view(result.target)
    if not view.scored:
        if result.total is not None or result.max_total is not None:
            _fail(f"unscored target {view.target.id} has a total {fmt(result.total)}")
        return
    bonus = _sum(l.applied for l in result.ledgers if l.direction == "bonus")
    penalty = _sum(l.applied for l in result.ledgers if l.direction == "penalty")
    negative_allowed = bool(pack.spec.floor.negative_total)
    if result.total is not None and result.total < 0 and not negative_allowed:
        _fail(
            f"total {fmt(result.total)} is below 0: a score never goes below zero (扣完为止), and the pack records no reading"
            " (floor.negative_total) that its document allows a negative total",
            describe_result(result, []),
        )
    expected_cut = ZERO
    if result.zeroed:
        if result.total != ZERO:
            fired = ", ".join(f"{z.id}「{z.quote}」" for z in result.zeroed)
            _fail(f"zeroing {fired} fired but the total is {fmt(result.total)}, not 0", describe_result(result, []))
    elif result.complete:
        raw = result.base + bonus - penalty  # type: ignore[operator]
        expected = raw
        if raw < 0 and not negative_allowed:
            expected, expected_cut = ZERO, -raw
        if result.total != expected:
            _fail(
                f"total {fmt(result.total)} ≠ base {fmt(result.base)} + bonus {fmt(bonus)} − penalty {fmt(penalty)}"
                f"{', floored at 0' if expected_cut else ''} = {fmt(expected)}",
                describe_result(result, []),
            )
    elif result.total is not None:
        _fail(f"an incomplete assessment (not checked: {', '.join(result.not_checked) or 'a ledger or zeroing'}) has a total {fmt(result.total)}")
    if result.total_floor_cut != expected_cut:
        _fail(f"the total's floor at 0 records a cut of {fmt(result.total_floor_cut)}; base, bonus and penalty give {fmt(expected_cut)}", describe_result(result, []))
    if expected_cut and (result.total_floor_quote, result.total_floor_reading) != (pack.spec.floor.quote, pack.spec.floor.reading):
        _fail("the total's floor at 0 does not cite the pack's floor (its quote and reading)", describe_result(result, []))
    caps = [l.adjustment.cap for l in view.ledgers if l.adjustment.direction == "bonus"]
    max_total = None if any(c is None for c in caps) else view.target.total + _sum(caps)  # type: ignore[operator]
    if result.max_total != max_total:
        _fail(f"max total {fmt(result.max_total)} should be {fmt(max_total)} (base total + bonus caps)")
    # Rows whose document lets a bonus inside them rise above their points add their headroom.
    room = _sum(headroom(i) for i in result.items)
    if result.total is not None and max_total is not None and not (room and result.rescaled) and result.total > max_total + room:
        _fail(f"total {fmt(result.total)} is above the most possible {fmt(max_total)}", describe_result(result, []))


def check_grade(pack: Pack, result: Result) -> None:
    """The grade agrees with the total and the pack's bands; a veto never raises a grade; none is given unless settled.

    Worked out again from the pack as written: the bands walked from the top,
    each veto's ``when`` read by the oracle, and a grade only where every way
    the unknowns (no total, a veto's missing facts) could turn out gives the same one.
    """
    spec, tid = pack.spec, result.target
    grading = next((g for g in spec.grades if g.targets is None or tid in g.targets), None)
    vetoes = [v for v in spec.vetoes if v.targets is None or tid in v.targets]
    g = result.grading
    if grading is None and not vetoes:
        if g is not None or result.grade is not None:
            _fail(f"target {tid} declares no grades or vetoes, but the result has the grade {result.grade!r}")
        return
    if g is None:
        _fail(f"target {tid} declares grades or vetoes, but the result has no grading")
        return
    specs = {f.name: f for f in spec.facts}
    values = dict(result.facts)
    held = [v for v in vetoes if oracle.zeroing_fires(v.when, specs, values) is True]
    unknown = [v for v in vetoes if oracle.zeroing_fires(v.when, specs, values) is None]
    for name, got, want in (("hold", g.vetoes, held), ("cannot be decided", g.unchecked_vetoes, unknown)):
        if [v.id for v in got] != [v.id for v in want]:
            _fail(f"vetoes that {name}: the result lists {[v.id for v in got]}, the pack's conditions say {[v.id for v in want]}")
    if grading is None:
        if result.grade is not None:
            _fail(f"target {tid} has no bands, but the result has the grade {result.grade!r}")
        return
    scale = [b.grade for b in grading.bands]
    lowest = len(scale) - 1

    def cap(v: Any) -> int:
        return scale.index(v.below) + 1 if v.below is not None else scale.index(v.at_most)

    by_total = None
    if result.total is not None:
        by_total = lowest
        for i, band in enumerate(grading.bands[:-1]):
            if (band.min is not None and result.total >= band.min) or (band.above is not None and result.total > band.above):
                by_total = i
                break
    if g.by_total != (scale[by_total] if by_total is not None else None):
        _fail(f"total {fmt(result.total)} falls in the band {scale[by_total] if by_total is not None else None!r}, but the result says {g.by_total!r}")
    best = max([0 if by_total is None else by_total] + [cap(v) for v in held])
    worst = max([lowest if by_total is None else best] + [cap(v) for v in held + unknown])
    expected = scale[best] if best == worst else None
    if result.grade != expected:
        _fail(f"grade {result.grade!r}, expected {expected!r} (total {fmt(result.total)}, vetoes holding {[v.id for v in held]}, undecided {[v.id for v in unknown]})")
    if result.grade is not None and by_total is not None and scale.index(result.grade) < by_total:
        _fail(f"grade {result.grade!r} is above the band of the total ({scale[by_total]}): a veto never raises a grade")
    if result.grade is None and not g.reason:
        _fail("a result with bands but no grade must say why (grading.reason)")


_DOCUMENTS: dict[int, tuple[Pack, tuple[str, ...], set[str]]] = {}


def _documents(pack: Pack) -> tuple[str, ...]:
    """The pack's source documents: its own and, for a tailored pack, its parents'."""
    documents = getattr(pack, "documents", None)
    if isinstance(documents, dict):
        return tuple(documents.values())
    own = getattr(pack, "document", None)
    return (own,) if own is not None else ()


def _quote_in_document(pack: Pack, quote: str | None, what: str) -> None:
    """The quote occurs (after NFKC and without white space) in one of the pack's documents, if it has any."""
    if quote is None:
        return
    entry = _DOCUMENTS.get(id(pack))
    if entry is None or entry[0] is not pack:
        entry = (pack, tuple(normalize_text(d) for d in _documents(pack)), set())
        _DOCUMENTS[id(pack)] = entry
    _, documents, found = entry
    if not documents or quote in found:
        return
    text = normalize_text(quote)
    if not any(text in d for d in documents):
        _fail(f"{what} quotes 「{quote}」, which does not occur in the pack's document")
    found.add(quote)


def check_trace(pack: Pack, result: Result) -> None:
    """Every effect traces to a declared rule of its own row, with that rule's words (found in the document)."""
    view = pack.view(result.target)
    rules = {r.uid: r for r in view.rules + view.cohort_rules}
    owners: list[tuple[str, str, tuple[Any, ...]]] = [(OWNER_ITEM, i.id, i.effects) for i in result.items]
    owners += [(OWNER_ADJUSTMENT, l.id, l.effects) for l in result.ledgers]
    for kind, owner, effects in owners:
        for e in effects:
            rule = rules.get(e.rule)
            if rule is None or rule.rule is None:
                _fail(f"{owner} carries an effect from {e.rule!r}, which is not a declared rule of {view.pack_id} / {view.target.id}")
                return
            if rule.owner != owner or rule.owner_kind != kind:
                _fail(f"{owner} carries an effect from {describe_rule(view, e.rule)}, a rule of {rule.owner}")
            declared = rule.rule
            if e.quote != declared.quote or e.kind != declared.kind or e.reading != declared.reading:
                _fail(f"effect of {e.rule} on {owner} quotes 「{e.quote}」 ({e.kind}, reading {e.reading}); the rule says 「{declared.quote}」 ({declared.kind}, reading {declared.reading})")
            if e.label != (declared.label or declared.quote):
                _fail(f"effect of {e.rule} is labelled {e.label!r}, the rule {declared.label!r}")
            wrong = declared.rule_kind.check_effect(declared, e)
            if wrong:
                _fail(f"effect of {declared.kind} rule {describe_rule(view, e.rule)} {wrong}")
            if e.mode not in declared.rule_kind.modes:  # a kind may say what each effect does (RuleKind.modes)
                _fail(f"effect of {describe_rule(view, e.rule)} has mode {e.mode!r}; its kind {declared.kind!r} says {' or '.join(map(repr, declared.rule_kind.modes))}")
            if e.amount is not None and e.amount < 0:
                _fail(f"effect of {describe_rule(view, e.rule)} has a negative amount {fmt(e.amount)}")
            _quote_in_document(pack, e.quote, f"effect of {e.rule}")
    for item in result.items:
        for cap in item.caps:
            _quote_in_document(pack, cap.quote, f"cap on {item.id}")
    zeroings = {z.owner: z.zeroing for z in view.zeroings}
    for z in result.zeroed:
        spec = zeroings.get(z.id)
        if spec is None:
            _fail(f"zeroing {z.id!r} is not declared for target {view.target.id}")
        elif z.quote != spec.quote:
            _fail(f"zeroing {z.id} quotes 「{z.quote}」, the pack 「{spec.quote}」")
        _quote_in_document(pack, z.quote, f"zeroing {z.id}")
    readings = {r.id: r for r in pack.spec.readings}
    for rid, quote, choice in result.readings:
        r = readings.get(rid)
        if r is None or r.quote != quote or r.choice != choice:
            _fail(f"result cites reading {rid!r} that the pack does not declare as such")
        _quote_in_document(pack, quote, f"reading {rid}")


def _expected_firing(pack: Pack, result: Result) -> tuple[dict[str, bool], dict[str, bool], dict[str, bool]]:
    """(rule uid → fired, rule uid → checked, zeroing id → fired), read from the pack as written.

    Three-valued: a rule that cannot be decided on the reported facts is not
    fired and not checked; a fired rule whose amount needs a missing fact (a
    tier's count) is fired but not checked.
    """
    view = pack.view(result.target)
    specs = {f.name: f for f in view.facts}
    values = dict(result.facts)
    fired: dict[str, bool] = {}
    checked: dict[str, bool] = {}
    for rule in view.rules:
        if rule.rule is None:
            continue
        outcome = oracle.rule_fires(rule.rule, specs, values)
        fired[rule.uid] = outcome is True
        checked[rule.uid] = oracle.rule_checked(rule.rule, values, outcome)
    zeroed = {}
    for z in view.zeroings:
        outcome = oracle.zeroing_fires(z.zeroing.when, specs, values)  # type: ignore[union-attr]
        zeroed[z.owner] = outcome is True
        checked[z.uid] = outcome is not None
    return fired, checked, zeroed


def check_firing(pack: Pack, result: Result) -> None:
    """The rules with effects are exactly those the pack, read as written, fires on the reported facts."""
    view = pack.view(result.target)
    fired, _, zeroed = _firing(pack, result)
    scope = _scope(pack, result)
    for item in result.items:
        if item.status == NOT_APPLICABLE or _settled_by_scope(scope, item):
            continue
        declared = _items(view)[item.id]
        have = {e.rule for e in item.effects}
        for rule in declared.rules:
            if fired[rule.uid] and rule.uid not in have:
                _fail(f"{describe_rule(view, rule.uid)} should fire on the reported facts but has no effect", describe_item_result(item))
            if not fired[rule.uid] and rule.uid in have:
                _fail(f"{describe_rule(view, rule.uid)} has an effect but should not fire on the reported facts", describe_item_result(item))
    for ledger, spec in zip(result.ledgers, view.ledgers):
        have = {e.rule for e in ledger.effects}
        for rule in spec.rules:
            if fired[rule.uid] != (rule.uid in have):
                _fail(f"{describe_rule(view, rule.uid)} in ledger {ledger.id}: should fire={fired[rule.uid]}, has effect={rule.uid in have}")
    got = {z.id for z in result.zeroed}
    want = {z for z, f in zeroed.items() if f}
    if got != want:
        _fail(f"zeroings fired {sorted(got)}, but the pack as written fires {sorted(want)}")


def item_complete(item: Any) -> bool:
    """Whether everything an item needs is known: a review or N/A settles it; else its score (or, unscored, its status)."""
    if item.override is not None or item.status == NOT_APPLICABLE:
        return True
    if item.max is None:
        return item.status != NOT_CHECKED
    return item.score is not None


def check_statuses(pack: Pack, result: Result) -> None:
    """Statuses agree with what fired and what could be decided, N/A and reviews; completeness likewise.

    An item fails when a rule fired (other than one adding a bonus); otherwise it is not checked when a rule
    could not be decided, else it passes. A review sets pass (full points) or
    fail. An item with an undecided rule has no computed score.
    """
    view = pack.view(result.target)
    fired, checked, _ = _firing(pack, result)
    scope = _scope(pack, result)
    values = {name for name, _ in result.facts}
    for item in result.items:
        declared = _items(view)[item.id]
        if item.status == NOT_APPLICABLE:
            if item.not_applicable is None:
                _fail(f"item {item.id} is N/A without its explanation")
            continue
        if item.not_applicable is not None:
            _fail(f"item {item.id} has an N/A explanation but status {item.status}")
        if _settled_by_scope(scope, item):
            continue  # check_units
        unchecked = [r for r in declared.rules if not checked[r.uid]]
        missing = {n for r in unchecked for n in r.reads if n not in values and n not in r.optional}
        if set(item.unchecked_facts) != missing:
            _fail(f"item {item.id} lists {sorted(item.unchecked_facts)} as missing; its undecided rules miss {sorted(missing)}", describe_item_result(item))
        if item.override is not None:
            expected = PASS if item.score == item.max else FAIL
        elif any(
            fired[r.uid] and (r.mode != AWARD or any(e.rule == r.uid and e.mode != AWARD for e in item.effects)) for r in declared.rules
        ):  # a bonus inside the row is no failure; anything else a rule did is
            expected = FAIL
        else:
            expected = NOT_CHECKED if unchecked else PASS
        if item.status != expected:
            _fail(f"item {item.id} is {item.status}, expected {expected}", describe_item_result(item))
        if unchecked and item.computed is not None and item.zeroed_by is None:  # a fired all-or-nothing rule decides alone
            _fail(f"item {item.id} has undecided rules ({', '.join(r.uid for r in unchecked)}) but computes {fmt(item.computed)}", describe_item_result(item))
    not_complete = tuple(i.id for i in result.items if not item_complete(i))
    if result.not_checked != not_complete:
        _fail(f"result lists {list(result.not_checked)} as not checked; the items say {list(not_complete)}")
    for ledger, spec in zip(result.ledgers, view.ledgers):
        if ledger.complete != all(checked[r.uid] for r in spec.rules):
            _fail(f"ledger {ledger.id} complete={ledger.complete} but its facts say otherwise")
    complete = not not_complete and all(checked[r.uid] for l in view.ledgers for r in l.rules) and all(checked[z.uid] for z in view.zeroings)
    if result.complete != complete:
        _fail(f"result complete={result.complete}, but its items, ledgers and zeroing conditions say {complete}", describe_result(result, list(result.not_checked)))


def check_models(pack: Pack, result: Result) -> None:
    """Every scoring model's score (the one the result carries, and each known model applied to it):
    0 when the assessment is zeroed, saying why; else its count + bonus − penalty, floored at 0."""
    from ..engine.models import MODELS, apply_model

    scores = [result.model] if result.model is not None else []
    scores += [apply_model(result, name).model for name in MODELS]
    bonus = _sum(l.applied for l in result.ledgers if l.direction == "bonus")
    penalty = _sum(l.applied for l in result.ledgers if l.direction == "penalty")
    for m in scores:
        label = f"scoring model {m.name}"
        counted = m.checklist_score if m.notes else m.score
        if counted is not None and not (ZERO <= counted <= m.max):
            _fail(f"{label} counts {fmt(counted)}, outside [0, {fmt(m.max)}]", describe_result(result, []))
        if result.zeroed:
            if m.score != ZERO or tuple(m.zeroed) != tuple(z.id for z in result.zeroed) or not m.notes:
                fired = ", ".join(f"{z.id}「{z.quote}」" for z in result.zeroed)
                _fail(f"zeroing {fired} fired but {label} scores {fmt(m.score)}, not 0 (or does not say why)", describe_result(result, []))
            continue
        if m.score is not None and m.score < 0:
            _fail(f"{label} scores {fmt(m.score)}, below 0", describe_result(result, []))
        if (m.bonus, m.penalty) != (bonus, penalty) and (bonus or penalty or m.notes):
            _fail(f"{label} adds {fmt(m.bonus)} and takes {fmt(m.penalty)}; the result's out-of-total ledgers apply +{fmt(bonus)} and −{fmt(penalty)}")
        if counted is not None:
            raw = counted + bonus - penalty
            expected = raw if raw >= 0 else ZERO
            if m.score != expected or m.floor_cut != (expected - raw):
                _fail(f"{label} scores {fmt(m.score)} (floor cut {fmt(m.floor_cut)}); {fmt(counted)} + {fmt(bonus)} − {fmt(penalty)} floored at 0 is {fmt(expected)}", describe_result(result, []))


RESULT_CHECKS = (
    check_item_bounds,
    check_item_arithmetic,
    check_sections,
    check_ledgers,
    check_total,
    check_models,
    check_trace,
    check_firing,
    check_statuses,
    check_units,
    check_grade,
)


def check_result(pack: Pack, result: Result) -> None:
    """Every result invariant (see the module docstring)."""
    for check in RESULT_CHECKS:
        check(pack, result)


# ----------------------------------------------------------------------------- inputs


def _target_of(pack: Pack, data: Any, target: str | None) -> str:
    if target is not None:
        return target
    if isinstance(data, dict) and isinstance(data.get("target"), str):
        return data["target"]
    return pack.targets[0]


def _derivation_words(d: Any) -> str:
    if d.kind == "late_spans":
        return f"spans longer than {d.within_working_days} working days"
    unit = d.period or f"{d.period_days}-day"
    return f"missed {unit} periods from {d.start} to {d.end}" + (", partial ones counted" if d.partial == "count" else "")


def assess_valid(pack: Pack, data: Any, target: str | None = None, *, evaluator: str = "durable") -> Result:
    """Assess an input the kit generated as valid; a FactsError is then an invariant failure."""
    try:
        return pack.assess(data, target, evaluator=evaluator)
    except FactsError as exc:
        _fail(f"a valid input was rejected: {exc}", describe_input(pack, _target_of(pack, data, target), data))
        raise  # unreachable


def check_input(pack: Pack, data: Any, target: str | None = None, *, evaluator: str = "durable") -> Result:
    """Assess a valid input and check the result, including what the input itself implies. Returns the result."""
    result = assess_valid(pack, data, target, evaluator=evaluator)
    check_input_result(pack, data, result)
    return result


def check_input_result(pack: Pack, data: Any, result: Result) -> None:
    """Every result invariant, plus what the input implies: facts reported, derived and defaulted,
    missing evidence, N/A, reviews, self-assessment."""
    check_result(pack, result)
    view = pack.view(result.target)
    given = {k: v for k, v in (data.get("facts") or {}).items() if v is not None}
    values = dict(result.facts)
    for f in view.facts:
        if f.name in given:
            if f.name not in values:
                _fail(f"fact {f.name}（{f.label}）was given but the result does not report it")
        elif f.derive is not None and f.derive.source in given:
            d = f.derive
            expected = oracle.derived_count(d, given[d.source])
            if values.get(f.name) != expected or f.name not in result.derived_facts:
                _fail(f"fact {f.name}（{f.label}）derived from {d.source} ({_derivation_words(d)}) should be {expected}, the result says {values.get(f.name)}")
        elif f.default is not None:
            if f.name not in values:
                _fail(f"fact {f.name}（{f.label}）has a default but the result does not report it")
        elif f.name in values:
            _fail(f"fact {f.name}（{f.label}）was not given, has no default, yet the result reports {values[f.name]!r}")
    evidence = {(item, kind) for item, kinds in (data.get("evidence") or {}).items() for kind in kinds}
    missing = tuple(pair for pair in view.evidence if pair not in evidence)
    if result.missing_evidence != missing:
        _fail(f"missing evidence {list(result.missing_evidence)} should be {list(missing)}")
    na = data.get("not_applicable") or {}
    scope = _scope(pack, result)
    for item in result.items:
        if (item.id in na or scope.get(item.id) == NOT_APPLICABLE) != (item.status == NOT_APPLICABLE):
            _fail(f"item {item.id} N/A declared={item.id in na} but status {item.status}")
    reviews = {r["item"]: to_decimal(r["score"]) for r in data.get("reviews") or ()}
    for item in result.items:
        if item.id in reviews and (item.override is None or item.override.new != reviews[item.id]):
            _fail(f"item {item.id} was reviewed to {reviews[item.id]} but the result shows {describe_item_result(item)}")
        if item.id not in reviews and item.override is not None:
            _fail(f"item {item.id} shows an override nobody gave")
    selfs = {k: to_decimal(v) for k, v in (data.get("self_assessment") or {}).items()}
    expected_self = _sum(selfs.values()) if selfs else None
    if result.self_total != expected_self:
        _fail(f"self-assessment total {fmt(result.self_total)} should be {fmt(expected_self)}")
    for d in result.differences:
        item = result.item(d.item)
        if d.self_score != selfs.get(d.item) or d.final != item.score:
            _fail(f"self-assessment difference on {d.item} does not match the scores")


def check_complete(pack: Pack, result: Result) -> None:
    """A complete input (every fact a rule needs) gives a complete result, with a total on a scored target.

    Assessed alone, a unit's rows scored against the cohort are not checked (check_units): only the others must be.
    """
    scope = _scope(pack, result)
    if any(where == COHORT for where in scope.values()):
        pending = [i.id for i in result.items if i.id not in scope and not item_complete(i)]
        if pending:
            _fail(f"a complete input left rows not checked that do not depend on the cohort: {', '.join(pending)}")
        return
    if not result.complete or result.not_checked:
        _fail(f"a complete input gave an incomplete result (not checked: {', '.join(result.not_checked) or 'a ledger or zeroing'})", describe_result(result, list(result.not_checked)))
    if result.scored and result.total is None:
        _fail("a complete input on a scored target gave no total")


def check_rejected(pack: Pack, data: Any, target: str | None = None) -> FactsError:
    """An invalid input raises :class:`FactsError` (listing at least one problem) and nothing else."""
    if not isinstance(data, dict) and target is None:
        target = pack.targets[0]
    try:
        result = pack.assess(data, target)
    except FactsError as exc:
        if not exc.problems:
            _fail(f"FactsError without any problem listed: {exc.summary}")
        return exc
    except Exception as exc:  # noqa: BLE001 — the point is to catch everything else
        _fail(f"an invalid input raised {type(exc).__name__}: {exc} instead of FactsError")
    _fail(f"an invalid input was accepted (total {fmt(result.total)})")
    raise AssertionError("unreachable")


def check_survives(pack: Pack, data: Any, target: str | None = None, *, evaluator: str = "durable") -> None:
    """A valid input never crashes the process nor raises anything: run in a forked child (POSIX only)."""
    outcome = run_isolated(lambda: pack.assess(data, target, evaluator=evaluator))
    if outcome.crashed:
        _fail(f"the {evaluator} evaluator crashed the process ({outcome.detail}) on a valid input")
    if outcome.status == "raised":
        _fail(f"a valid input raised {outcome.detail}")


def _json(result: Result) -> str:
    # The compact form carries the same bytes of content as to_json()'s default
    # (indent=2) but goes through json's C encoder: several times faster.
    return result.to_json(indent=None)


def check_deterministic(pack: Pack, data: Any, target: str | None = None) -> None:
    """The same input twice, and as JSON text, gives byte-identical JSON."""
    first = _json(pack.assess(data, target))
    second = _json(pack.assess(data, target))
    if first != second:
        _fail("the same input assessed twice gave different JSON", _diff(first, second))
    text = input_json(data)
    third = _json(pack.assess(text, target))
    if first != third:
        _fail("the input as a dict and as JSON text gave different results", _diff(first, third))


def check_order_independent(pack: Pack, data: Any, reordered: Any, target: str | None = None) -> None:
    """The same input in another order (keys, unordered lists) gives byte-identical JSON."""
    a = _json(pack.assess(data, target))
    b = _json(pack.assess(reordered, target))
    if a != b:
        _fail("the same input in another order (or spelling) gave different JSON", describe_input(pack, _target_of(pack, data, target), reordered, "reordered input"), _diff(a, b))


def check_stable(pack: Pack, data: Any, reordered: Any, target: str | None = None) -> None:
    """The same input twice, in another order, and as JSON text gives byte-identical JSON.

    Three assessments: ``data``, ``data`` again, and ``reordered`` (the same
    input in another order, numbers perhaps spelt otherwise, see
    :func:`~govrules.testing.strategies.respell_numbers`) written as JSON
    text; on a difference, the cause is narrowed down to order or text.
    """
    first = _json(pack.assess(data, target))
    second = _json(pack.assess(data, target))
    if first != second:
        _fail("the same input assessed twice gave different JSON", _diff(first, second))
    third = _json(pack.assess(input_json(reordered), target))
    if third != first:
        check_order_independent(pack, data, reordered, target)
        check_deterministic(pack, data, target)
        _fail(
            "the same input reordered, its numbers spelt otherwise and written as JSON text gave different JSON",
            describe_input(pack, _target_of(pack, data, target), reordered, "rewritten input"),
            _diff(first, third),
        )


def _without_evaluator(result: Result) -> dict[str, Any]:
    data = result.to_dict()
    data["engine"] = {k: v for k, v in data["engine"].items() if k != "evaluator"}
    return data


def check_evaluators_agree(pack: Pack, data: Any, target: str | None = None) -> tuple[Result, Result]:
    """durable_rules and the reference evaluator give the same result (apart from engine.evaluator).

    Returns both results (durable first).
    """
    durable = assess_valid(pack, data, target, evaluator="durable")
    reference = assess_valid(pack, data, target, evaluator="reference")
    a, b = _without_evaluator(durable), _without_evaluator(reference)
    if a != b:
        ja = json.dumps(a, ensure_ascii=False, indent=2)
        jb = json.dumps(b, ensure_ascii=False, indent=2)
        changed = [i.id for i, j in zip(durable.items, reference.items) if i != j]
        _fail(
            "durable_rules and the reference evaluator disagree" + (f" on {', '.join(changed)}" if changed else ""),
            "durable_rules: " + describe_result(durable, changed),
            "reference:     " + describe_result(reference, changed),
            _diff(ja, jb),
        )
    return durable, reference


def check_monotone(pack: Pack, before: Any, after: Any, *, total: bool = False, fact: str | None = None, target: str | None = None) -> None:
    """``after`` adds a violation to ``before``: no item score and no base may rise, no penalty may fall.

    With ``total=True`` (the moved fact feeds no bonus ledger nor, the other
    way, a zeroing condition) the total may not rise either.
    """
    a = pack.assess(before, target)
    b = pack.assess(after, target)
    what = f" (moving {fact})" if fact else ""
    for x, y in zip(a.items, b.items):
        # Missing facts stay missing, but a moved fact may decide (or undecide) a rule
        # in three-valued logic: only scores known on both sides are compared.
        if x.score is not None and y.score is not None and y.score > x.score:
            _fail(f"adding a violation{what} raised item {x.id}（{' / '.join(x.names)}）from {fmt(x.score)} to {fmt(y.score)}", "before: " + describe_item_result(x), "after:  " + describe_item_result(y))
    for label, x, y in (("base sum", a.base_sum, b.base_sum), ("base", a.base, b.base)):
        if x is not None and y is not None and y > x:
            _fail(f"adding a violation{what} raised the {label} from {fmt(x)} to {fmt(y)}", describe_result(a), describe_result(b))
    for x, y in zip(a.ledgers, b.ledgers):
        if x.direction == "penalty" and y.applied < x.applied:
            _fail(f"adding a violation{what} lowered penalty {x.id}（{x.name}）from {fmt(x.applied)} to {fmt(y.applied)}")
    if total and a.total is not None and b.total is not None and b.total > a.total:
        _fail(f"adding a violation{what} raised the total from {fmt(a.total)} to {fmt(b.total)}", describe_result(a), describe_result(b))


def _diff(a: str, b: str, limit: int = 40) -> str:
    import difflib

    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "first", "second", lineterm="", n=2))
    if len(lines) > limit:
        lines = lines[:limit] + [f"… {len(lines) - limit} more lines"]
    return "\n".join(lines)


__all__ = [
    "InvariantError",
    "RESULT_CHECKS",
    "check_complete",
    "check_deterministic",
    "check_evaluators_agree",
    "check_firing",
    "assess_valid",
    "check_input",
    "check_input_result",
    "check_item_arithmetic",
    "check_item_bounds",
    "check_ledgers",
    "check_monotone",
    "check_order_independent",
    "check_rejected",
    "check_result",
    "check_sections",
    "check_stable",
    "check_statuses",
    "check_survives",
    "check_total",
    "check_trace",
    "check_view",
]
