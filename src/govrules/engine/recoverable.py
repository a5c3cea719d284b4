"""可挽回分值 (points recoverable): what each fix would restore, a pure function of a result.

For a scored result, for every deduction: the points its item would regain if
that one finding were put right and everything else stayed as it is, after the
item's caps, its floor at 0 and any all-or-nothing rule; where a section's
caps or floor hold, only what they let through; and what that adds to the
total, through rescaling and the total's own floor at 0 (a total the penalties
took below 0 regains only what lifts it above 0; a zeroed one, nothing until
its zeroing is lifted). Each penalty of a ledger, a
复核 score below the maximum, and a single zeroing are fixes too. Ordered by
points restored to the total, document order among equals.

:meth:`govrules.Result.recoverable` returns this list; ``Result.to_dict(recoverable=True)``
adds it to the JSON (see docs/embedding.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import attrs

from ..kinds.base import AWARD, SET, ZERO_ROW
from ..numbers import ZERO, add, divide, exact, fmt
from . import records
from .jsontext import number, scalar, string, strings
from .result import NOT_APPLICABLE, NOT_CHECKED, Effect, ItemResult, Result, Rows, kept_text


# No __weakref__ slot: made by govrules.engine.records' builder, which needs the layout without one.
@attrs.frozen(weakref_slot=False)
class Fix:
    """One thing a unit could put right, and the points it would restore (可挽回分值)."""

    item: str  # item id, ledger id, or zeroing id
    names: tuple[str, ...]
    kind: str  # "rule" (a deduction), "review" (a 复核 score below the maximum), "penalty", "zeroing"
    rule: str | None
    label: str
    level: str | None
    reason: str | None
    quote: str | None
    lost: Decimal | None  # what this finding deducts before caps and floors
    restores: Decimal  # points the item (or ledger) regains if only this is put right
    restores_total: Decimal  # what that adds to the total (differs when the base is rescaled, or a section's caps hold it back)
    zeroed: bool = False  # the assessment is zeroed: nothing but lifting the zeroing restores the total
    # Its JSON text once written: a row's fixes are shared by the results that share its state (_row_fixes), and a
    # batch writes every unit's. No part of its value; attrs.evolve makes a new fix without it.
    _text: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "names": list(self.names),
            "kind": self.kind,
            "rule": self.rule,
            "label": self.label,
            "level": self.level,
            "reason": self.reason,
            "quote": self.quote,
            "lost": fmt(self.lost),
            "restores": fmt(self.restores),
            "restores_total": fmt(self.restores_total),
        }

    def json_text(self) -> str:
        """``dumps(self.to_dict())``, written field by field (a batch writes every unit's 可挽回分值 into its JSON), once."""
        return kept_text(self)

    def _write_text(self) -> str:
        return "".join(
            [
                '{"item": ', string(self.item), ', "names": ', strings(self.names), ', "kind": ', string(self.kind),
                ', "rule": ', scalar(self.rule), ', "label": ', string(self.label), ', "level": ', scalar(self.level),
                ', "reason": ', scalar(self.reason), ', "quote": ', scalar(self.quote), ', "lost": ', number(self.lost),
                ', "restores": ', number(self.restores), ', "restores_total": ', number(self.restores_total), "}",
            ]
        )  # fmt: skip

    @property
    def text(self) -> str:
        what = f"{self.level}：{self.label}" if self.level else self.label
        if self.reason:
            what += f"；理由：{self.reason}"
        if self.restores_total == 0 and self.lost:
            what += "（已直接归零，单独整改此项不能挽回总分）" if self.zeroed else "（受封顶或扣完为止所限，单独整改此项不能挽回分数）"
        return what


#: ``Fix(...)``, made without attrs' per-field ``object.__setattr__`` (govrules.engine.records).
_new_fix = records.builder(Fix)


def _item_score(item: ItemResult, effects: list[Effect]) -> Decimal:
    """An item's score from a set of its effects, by the rules of :mod:`govrules.engine.scoring`."""
    from .scoring import row_score

    assert item.max is not None
    if any(e.mode == ZERO_ROW for e in effects):
        return ZERO
    if not effects:
        return item.max
    # The caps that cut with every effect are the only ones that can cut with fewer.
    return row_score(item.max, item.ceiling, effects, [(c, c.rules) for c in item.caps])[0]


#: Each row's :func:`_fixed_scores` by its tuple of effects (a bounded memo, emptied when full). Results that share
#: a row's state (scoring remembers each row's few states: engine/rowcache.py) share that tuple, and a fix is
#: worked out once per state, not once per result. The tuple is kept in its entry, so while the entry lives no
#: other tuple can have its id; the row's id, maximum, ceiling and caps (all the fixed scores depend on) are checked too.
_FIXED: dict[int, tuple[Any, ...]] = {}
_FIXED_MAX = 4096


def _by_effects(table: dict[int, tuple[Any, ...]], item: ItemResult, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """``make()``, remembered in ``table`` by the row's tuple of effects and ``key`` (what else it depends on of the row).

    The tuple is kept in its entry, so while the entry lives no other tuple can
    have its id; a bounded memo, emptied when full.
    """
    effects = item.effects
    got = table.get(id(effects))
    if got is not None and got[0] is effects and got[1] == key:
        return got[2]
    made = make()
    if len(table) >= _FIXED_MAX:
        table.clear()
    table[id(effects)] = (effects, key, made)  # racing threads store equal entries
    return made


def _fixed_scores(item: ItemResult) -> tuple[tuple[int, Effect, Decimal], ...]:
    """(position, effect, the row's score were that effect put right, everything else as it is) of each of the row's effects but bonuses."""
    effects = item.effects
    if not effects:
        return ()  # every untouched row's: nothing to put right
    # A bonus earned is nothing to put right.
    return _by_effects(  # type: ignore[no-any-return]
        _FIXED,
        item,
        (item.id, item.max, item.ceiling, item.caps),
        lambda: tuple((k, e, _item_score(item, [x for j, x in enumerate(effects) if j != k])) for k, e in enumerate(effects) if e.mode != AWARD),
    )


def _rule_fix(item: ItemResult, effect: Effect, gain: Decimal, total_gain: Decimal) -> Fix:
    """The fix of one of a row's effects: its points back in the row (``gain``) and in the total."""
    # A grade's points are what it leaves, not what it takes.
    lost = item.max - effect.amount if effect.mode == SET and effect.amount is not None else effect.amount  # type: ignore[operator]
    return _new_fix(item.id, item.names, "rule", effect.rule, effect.label, effect.level, effect.reason, effect.quote, lost, gain, total_gain)


#: Each row's fixes where the total takes a row's gain as it is (no rescaling, capped section, zeroing or
#: total floor: most results), by its tuple of effects, as _FIXED keeps its fixed scores.
#: They depend on nothing but the row, and are frozen: results sharing a row's state share its fixes.
_ROW_FIXES: dict[int, tuple[Any, ...]] = {}


def _row_fixes(item: ItemResult) -> tuple[Fix, ...]:
    """The fixes of a row's effects, each restoring to the total what it restores to the row."""
    current = item.score
    return _by_effects(  # type: ignore[no-any-return]
        _ROW_FIXES,
        item,
        (item.id, item.names, item.max, item.ceiling, item.caps, current),
        lambda: tuple(_rule_fix(item, effect, fixed - current, fixed - current) for _, effect, fixed in _fixed_scores(item)),  # type: ignore[operator]
    )


@exact
def recoverable(result: Result) -> list[Fix]:
    """What each fix would restore, most first (document order among equals)."""
    if not result.scored:
        return []
    scale_num = scale_den = None
    if result.rescaled and result.base_max is not None:
        excluded = [i.max for i in result.items if i.status == NOT_APPLICABLE and i.score is None and i.max is not None]
        scale_num, scale_den = result.base_max, result.base_max - add(*excluded)

    def to_total(points: Decimal) -> Decimal:
        if scale_num is None or not scale_den:
            return points
        return divide(points * scale_num, scale_den)

    def above_floor(points: Decimal) -> Decimal:
        # A zeroed assessment's total stays 0 whatever else is put right: only
        # lifting the zeroing (its own fix, below) restores it.
        if result.zeroed:
            return ZERO
        # A total the penalties took below 0 was floored there: a fix lifts it
        # only once it has made up what the floor gave back.
        cut = result.total_floor_cut
        return max(ZERO, points - cut) if cut else points

    # Where a section's caps or floor hold, a fix inside it restores only what
    # they let through: its gain is carried up through the enclosing sections.
    through = _through_sections(result)
    # The total takes a row's gain as it is (most results): each row's fixes are its own (_row_fixes).
    plain = through is None and scale_num is None and not result.zeroed and not result.total_floor_cut

    fixes: list[tuple[int, Fix]] = []
    n = 0
    for item in result.items:
        if item.max is None or item.score is None or item.status in (NOT_APPLICABLE, NOT_CHECKED):
            continue
        if item.override is not None:
            if item.override.new < item.max:
                gain = item.max - item.override.new
                o = item.override
                total_gain = above_floor(to_total(through(item, attrs.evolve(item, score=item.max)) if through is not None else gain))
                fixes.append((n, Fix(item.id, item.names, "review", None, f"复核评分 {fmt(o.new)}（{o.reviewer}，{o.at}）", None, o.reason, None, gain, gain, total_gain)))
                n += 1
            continue
        if not item.effects:
            continue
        if plain:
            for fix in _row_fixes(item):
                fixes.append((n, fix))
                n += 1
            continue
        current = item.score
        for k, effect, fixed in _fixed_scores(item):
            gain = fixed - current
            if through is not None:
                rest = [e for j, e in enumerate(item.effects) if j != k]
                zeroed = item.zeroed_by if any(e.mode == ZERO_ROW for e in rest) else None
                total_gain = to_total(through(item, attrs.evolve(item, effects=tuple(rest), score=fixed, zeroed_by=zeroed)))
            else:
                total_gain = to_total(gain)
            fixes.append((n, _rule_fix(item, effect, gain, above_floor(total_gain))))
            n += 1
    for ledger in result.ledgers:
        if ledger.direction != "penalty":
            continue
        for k, effect in enumerate(ledger.effects):
            rest = [e.amount for j, e in enumerate(ledger.effects) if j != k and e.amount is not None]
            raw = add(*rest) if rest else ZERO
            applied = raw if ledger.cap is None else min(raw, ledger.cap)
            gain = ledger.applied - applied
            fixes.append((n, Fix(ledger.id, (ledger.name,), "penalty", effect.rule, effect.label, effect.level, effect.reason, effect.quote, effect.amount, gain, above_floor(gain))))
            n += 1
    if result.zeroed and result.complete and result.base is not None:
        bonus = add(*[l.applied for l in result.ledgers if l.direction == "bonus"]) if result.ledgers else ZERO
        penalty = add(*[l.applied for l in result.ledgers if l.direction == "penalty"]) if result.ledgers else ZERO
        # Without the zeroing the total would be this, floored at 0 like any total.
        unzeroed = max(ZERO, result.base + bonus - penalty)
        if len(result.zeroed) == 1:
            z = result.zeroed[0]
            fixes.append((n, Fix(z.id, (z.name,), "zeroing", None, f"直接归零：{z.name}", None, None, z.quote, None, unzeroed, unzeroed)))
    if result.zeroed:
        fixes = [(k, f if f.kind == "zeroing" else attrs.evolve(f, zeroed=True)) for k, f in fixes]
    fixes.sort(key=lambda p: (-p[1].restores_total, p[0]))
    return [f for _, f in fixes]


def _through_sections(result: Result) -> Any:
    """For a result with capped or floored sections: how much a changed item adds to the base, through its sections; else None."""
    if type(result._sections) is Rows:
        # Sections kept unbuilt: scoring keeps them so only for a target none of whose sections is capped or
        # floored (score_in_context), and reading them here would build every section's record.
        return None
    if not any(s.caps or s.floor_quote is not None for s in result.sections):
        return None
    from .sections import section_score
    sections = {s.id: s for s in result.sections}
    parent = {c: s.id for s in result.sections for c in s.children}

    def gain(item: ItemResult, changed: ItemResult) -> Decimal:
        rows: dict[str, Any] = {i.id: i for i in result.items}
        rows.update(sections)
        rows[item.id] = changed
        node, before, after = item.id, item.score, changed.score
        while node in parent:
            s = sections[parent[node]]
            if s.score is None or before is None or after is None:
                return after - before if (after is not None and before is not None) else ZERO
            total = s.rows_sum + after - before  # type: ignore[operator]
            if s.caps or s.floor_quote is not None:
                score, _, _ = section_score(total, s.caps, s.floor_quote, [rows[c] for c in s.children], rows)
            else:
                score = total
            rows[s.id] = attrs.evolve(s, score=score)
            node, before, after = s.id, s.score, score
        return after - before

    return gain


__all__ = ["Fix", "recoverable"]
