"""A section's arithmetic where its document caps or floors it.

A section scores the sum of its rows. Where its document caps what the rows
lose (本部分最多扣10分) or what some rules of its rows take together, the rows
keep their own scores and the section gets back what the cap cuts; where its
document says the section never goes below 0 (本部分扣完为止), it is floored.

The caps are applied in the order compile puts them: those naming rules
first, each over its own rules, then the one over all its rows, on what the
rows lose less what the named caps gave back.

What a group of rules "took" from a row is what they deducted, but no more
than the row lost after its other deductions: where a row floored at 0
(扣完为止) lost less than all its deductions, the floor is taken from the
capped rules first. So a cap never gives back points its rules did not take,
and a unit with more failings never scores more. A row
an all-or-nothing rule zeroed, or whose score a 复核 set, lost nothing to the
named rules (their deductions did not make its score); it still counts, with
every point it lost, towards a cap over all the section's rows.

A row not checked yet counts as having lost all its points, its rules as
having taken nothing: the section of an incomplete assessment then scores the
least it can once every row is known (as the sum of the checked rows does where
no cap holds), and deciding a row never lowers what it gets back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Mapping

import attrs

from ..kinds.base import DEDUCT
from ..numbers import ZERO, exact
from .result import NOT_APPLICABLE, AdjustedSectionResult, CapApplied, SectionResult


@exact
def adjusted_section(plain: SectionResult, section: Any, rows: Mapping[str, Any]) -> SectionResult:
    """``plain`` (its rows' sum) with ``section``'s caps and floor (a compiled SectionView) applied."""
    fields = {name: getattr(plain, name) for name in _PLAIN}
    children = [rows[c] for c in section.children]
    total = plain.score
    if total is None:
        # No row scored yet: with every row not checked it has lost them all so
        # far, and its caps already give back what they would; else (unscored,
        # or every row left out as not applicable) there is nothing to cap.
        if section.max is None or not section.caps or not any(lost(c) for c in children):
            return AdjustedSectionResult(**fields, floor_quote=section.floor_quote)
        total = ZERO
    score, caps, floor_cut = section_score(total, section.caps, section.floor_quote, children, rows)
    fields["score"] = score
    return AdjustedSectionResult(**fields, caps=caps, floor_quote=section.floor_quote, floor_cut=floor_cut)


_PLAIN = tuple(f.name for f in attrs.fields(SectionResult) if f.init)  # (not its JSON text once written)


def section_score(
    total: Decimal, caps: Iterable[CapApplied], floor_quote: str | None, children: Iterable[Any], rows: Mapping[str, Any]
) -> tuple[Decimal, tuple[CapApplied, ...], Decimal]:
    """The section's score from its rows' sum ``total``, each cap (as compiled: rules, max, quote, reading) and its floor.

    ``children`` are the section's rows' results, ``rows`` every row's result
    by id. Returns the score, every cap with what it counted and cut, and the floor cut.
    """
    applied: list[CapApplied] = []
    returned = ZERO
    for cap in caps:
        if cap.rules:
            raw = ZERO
            for owner in dict.fromkeys(u.split("#", 1)[0] for u in cap.rules):
                row = rows.get(owner)
                if row is not None:
                    raw += taken(row, cap.rules)
        else:
            raw = -returned
            for c in children:
                raw += lost(c)
        cut = raw - cap.max if raw > cap.max else ZERO
        returned += cut
        applied.append(CapApplied(cap.rules, raw, cap.max, cut, cap.quote, cap.reading))
    score = total + returned
    floor_cut = ZERO
    if floor_quote is not None and score < 0:
        floor_cut, score = -score, ZERO
    return score, tuple(applied), floor_cut


def lost(row: Any) -> Decimal:
    """The points a row lost: 0 at or above its points, all of them while it is not checked (see the module's notes)."""
    if row.max is None:
        return ZERO
    if row.score is None:
        return ZERO if row.status == NOT_APPLICABLE else row.max  # type: ignore[no-any-return]
    if row.score >= row.max:
        return ZERO
    return row.max - row.score  # type: ignore[no-any-return]


def taken(row: Any, rules: tuple[str, ...]) -> Decimal:
    """What ``rules`` took from one row's score (see the module's notes)."""
    if row.max is None or row.score is None or row.zeroed_by is not None or row.override is not None:
        return ZERO
    mine = others = ZERO
    for e in row.effects:
        if e.amount is not None and e.mode == DEDUCT:
            if e.rule in rules:
                mine += e.amount
            else:
                others += e.amount
    # The row's own caps cut only its other rules (a rule is in one cap at most).
    for c in row.caps:
        others -= c.cut
    rest = lost(row) - others
    return min(mine, rest) if rest > 0 else ZERO
