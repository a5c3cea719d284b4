"""Scoring: a pure function of findings.

Order of operations, for each item:

0. a row for named units only (``units:``), assessed for another unit: not
   applicable with the document's words, scored by the row's ``units_scoring``
   (else the pack's N/A policy), rules ignored; with no unit name, not checked
   (unless declared N/A);
1. not applicable (declared with a written explanation): scored by the pack's
   N/A policy, rules ignored;
2. a rule whose facts are missing: the item is *not checked* and has no score;
3. an all-or-nothing rule fired: the item scores 0;
4. otherwise the fired rules' amounts are summed, each cap cuts its group of
   rules down to its maximum, and the item is floored at 0 (扣完为止): an item
   never goes below 0 nor above its points;
5. a row several raters score, given by its raters (``ratings``): the
   combination of their scores (:mod:`.ratings`) is its computed score;
6. a 复核 override replaces the score and is recorded (who, when, old → new, why).

Then sections and the base total are sums of their items (a section whose
document caps or floors it gets back what its caps cut: :mod:`.sections`); if the N/A policy
is ``rescale``, the base is scaled back to the target's total (the only
division, rounded once by :data:`~govrules.numbers.ROUNDING`); bonus and
penalty ledgers are added outside the base, each up to its cap, and the total
is floored at 0 (a score never goes below 0, unless the pack records a reading
that its document allows it: ``floor.negative_total``); a zeroing condition
makes the total 0, whatever else holds.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter
from typing import Any, Iterable

import attrs

from . import records, rowcache
from .compiled import ItemView, TargetView
from ..kinds.base import AWARD, DEDUCT, SET, ZERO_ROW
from .findings import Findings
from .sections import adjusted_section
from ..rubric.model import PackSpec
from ..rubric.scope import unit_key
from ..numbers import ROUNDING, ZERO, divide, exact
from .result import (
    FAIL,
    NOT_APPLICABLE,
    NOT_CHECKED,
    PASS,
    CapApplied,
    Differences,
    Effect,
    ItemResult,
    LedgerResult,
    Combined,
    Override,
    Result,
    Rows,
    SectionResult,
    Source,
    Stamp,
    Zeroed,
    row_text,
)


def _sum(values: list[Decimal]) -> Decimal:
    # Plain addition is exact here: score() runs under numbers.exact.
    return sum(values, ZERO)


class _PerAssessment:
    """What every item looks up in the assessment, indexed once per assessment."""

    __slots__ = ("combined", "na", "self_scores", "reviews", "missing_evidence", "read_keys", "ruled", "out_of_scope", "plain", "touched")

    def __init__(self, findings: Findings, combined: dict[str, Combined] | None = None):
        # (Each value is read into a local first: a compiled attribute look-up costs more than a local's.)
        a = findings.assessment
        view = findings.view
        self.combined = combined = combined or {}
        self.na = na = dict(a.not_applicable)
        self.self_scores = self_scores = dict(a.self_assessment)
        reviews = a.reviews
        self.reviews = reviews = {r.item: r for r in reviews} if reviews else {}
        missing_evidence: dict[str, list[str]] = {}
        for item_id, kind in findings.missing_evidence:
            missing_evidence.setdefault(item_id, []).append(kind)
        self.missing_evidence = missing_evidence
        # Each fired rule's facts as a key, where a row's key was worked out (engine.rowcache): its rule's table reads it.
        self.read_keys = {}
        # The items something happened to: a rule fired or could not be
        # checked, N/A, missing evidence, 自评 or 复核. Every other item's
        # result is its untouched one (see TargetView.untouched_items).
        owner = view.rule_item.get
        # The items whose rules have something to say: one fired or could not be
        # checked, or one is scored against the cohort. Every other touched item
        # (自评 or 复核 only, say) scores as if none of its rules fired.
        # (A ledger's or zeroing's rule has no row: None, taken out.)
        ruled = set(map(owner, findings.fired))
        unchecked = findings.unchecked
        if unchecked:
            ruled.update(map(owner, unchecked))
        ruled.discard(None)
        cohort_rules = view.cohort_rules
        if cohort_rules:
            ruled.update(r.owner for r in cohort_rules)
        self.ruled = ruled
        touched = set(na)
        touched.update(missing_evidence, self_scores, reviews, combined, ruled)
        # Items for named units only, when this assessment is for another unit or names none.
        # (Most packs have none: no call then, on the hot path.)
        self.out_of_scope = outside = out_of_scope(view, a.unit) if view.unit_items else {}
        if outside:
            touched.update(outside)
        # Nothing but rules and 自评 tells this assessment's rows apart (most assessments): rowcache.row_key's short way.
        self.plain = not (na or missing_evidence or reviews or outside)
        # (A cohort row, in ruled, is never its untouched self: it is pending, or scored against the cohort.)
        self.touched = sorted(touched, key=view.item_order.__getitem__)


def out_of_scope(view: Any, unit: str | None) -> dict[str, str | None]:
    """The items for named units only that this unit is not one of: item id → the reason it is not applicable.

    With no unit name the reason is None: whether the item applies cannot be told, and is never guessed.
    """
    if not view.unit_items:
        return {}
    key = unit_key(unit) if unit is not None else None
    out: dict[str, str | None] = {}
    for item in view.unit_items:
        if key is None:
            out[item.id] = None
        elif key not in item.unit_keys:
            out[item.id] = f"本项只考核{'、'.join(item.units)}：「{item.indicator.units_quote}」"
    return out


def _score_item(item: ItemView, findings: Findings, spec: PackSpec, per: _PerAssessment) -> tuple[Any, ...]:
    """The row's state (see :func:`_item_result`): its score and status, and what its record is made of."""
    item_id = item.id
    kinds = per.missing_evidence.get(item_id)
    missing_evidence = tuple(kinds) if kinds else ()
    why = per.out_of_scope.get(item_id, "")
    if why is None and item_id not in per.na:  # no unit name: the row may or may not apply (a written N/A still settles it)
        return _item_result(item, per, None, NOT_CHECKED, missing_evidence=missing_evidence)
    if why:
        score = item.max if item.units_scoring == "full_points" else None
        return _item_result(item, per, score, NOT_APPLICABLE, not_applicable=why, missing_evidence=missing_evidence)
    na = per.na.get(item_id)
    if na is not None:
        score = item.max if spec.not_applicable.scoring == "full_points" else None
        return _item_result(item, per, score, NOT_APPLICABLE, not_applicable=na, missing_evidence=missing_evidence)
    combined = per.combined.get(item_id)
    if combined is not None:  # its raters' scores, each from the row's rules, combined
        status = PASS if combined.value == item.max else FAIL
        return _item_result(item, per, combined.value, status, missing_evidence=missing_evidence, combined=combined)
    if item_id not in per.ruled:  # no rule fired or was left undecided: its points (no score for an unscored row), a pass
        return _item_result(item, per, item.max, PASS, missing_evidence=missing_evidence)

    fired_uids = findings.fired
    unchecked_rules = findings.unchecked
    read_keys = per.read_keys
    effects: list[Effect] = []
    unchecked: dict[str, None] = {}
    fired = False
    zeroed_by = None
    figures: list[Any] = []
    pending = False
    deciding: list[Effect] = []
    for rule in item.rules:
        uid = rule.uid
        if rule.cohort is not None:
            outcome = findings.cohort.get(uid) if findings.cohort is not None else None
            if outcome is None:
                from ..kinds.cohort import ALONE, Figures

                figures.append(Figures(uid, reason=ALONE))
                pending = True
                continue
            figures.append(outcome.figures)
            if not outcome.scored:
                pending = True
                continue
            if outcome.effects:
                effects.extend(outcome.effects)
                if rule.behaviour.decides_row:
                    deciding.extend(outcome.effects)
                else:
                    fired = fired or any(e.mode != AWARD for e in outcome.effects)
            continue
        if unchecked_rules:
            unchecked.update(dict.fromkeys(unchecked_rules.get(uid, ())))
        if uid in fired_uids:
            made = findings.effects(rule, item.max, read_keys.get(uid))
            # A bonus inside the row is no failure: only what else a rule did makes it 不符合.
            fired = fired or rule.mode != AWARD or any(e.mode != AWARD for e in made)
            # The first rule whose effect zeroes the row (all-or-nothing) decides it.
            if zeroed_by is None and rule.may_zero and any(e.mode == ZERO_ROW for e in made):
                zeroed_by = uid
            effects.extend(made)
    if deciding:
        # A cohort rule that decides the row alone (N/A scored as the cohort's mean, 可不扣分) has fired:
        # its amount is the row's score, whatever the other rules found.
        score = deciding[0].amount
        return _item_result(
            item, per, score, PASS if score == item.max else FAIL, effects=tuple(deciding), missing_evidence=missing_evidence, cohort=tuple(figures)
        )
    if pending:
        # A cohort rule not scored against its cohort (assessed alone, or its figure unknown) leaves
        # the row not checked: what its other rules found is not its score, nor its status.
        return _item_result(item, per, None, NOT_CHECKED, unchecked=tuple(unchecked), missing_evidence=missing_evidence, cohort=tuple(figures))
    # A fired rule (other than a bonus) is a definite failure; a rule that could not be decided
    # leaves the score (and, if nothing fired, the status) unknown.
    status = FAIL if fired else (NOT_CHECKED if unchecked else PASS)

    caps: tuple[CapApplied, ...] = ()
    floor_cut = ceiling_cut = ZERO
    if item.max is None or (unchecked and zeroed_by is None):
        # An unscored checklist row has a status and no points; a row with a
        # rule that could not be decided has no score, unless an
        # all-or-nothing rule fired, which decides the score alone.
        score = None
    elif zeroed_by is not None:
        score = ZERO
    elif not effects:
        score = item.max
    else:
        score, caps, floor_cut, ceiling_cut = row_score(item.max, item.ceiling, effects, item.cap_groups, item.deducts_only)
    return _item_result(
        item,
        per,
        score,
        status,
        effects=tuple(effects),
        caps=caps,
        floor_cut=floor_cut,
        ceiling_cut=ceiling_cut,
        zeroed_by=zeroed_by if score is not None else None,
        unchecked=tuple(unchecked),
        missing_evidence=missing_evidence,
        cohort=tuple(figures),
    )


def _row_key(item: ItemView, findings: Findings, per: _PerAssessment) -> Any:
    """The row's key in its table (:func:`.rowcache.row_key`), or None: a row with no table (cohort or several raters) or no key."""
    if item.cacheable and rowcache.ROW_KEYS and item.id not in per.combined:
        try:
            return rowcache.row_key(item, findings, per)
        except rowcache.Unkeyable:
            return None
    return None


def _row_entry(item: ItemView, findings: Findings, spec: PackSpec, per: _PerAssessment) -> tuple[Any, ...]:
    """A touched row's ``(state, ref, readings)``: from its table by key (:mod:`.rowcache`), else scored.

    ``ref`` is ``(bare, box)`` for a row in its table: its state without a
    自评 and the one-place list its entry keeps its JSON text in, written once
    per key (:func:`_text_halves`); else None. ``readings`` are the ids of the
    readings it brings into the result.
    """
    key = _row_key(item, findings, per)
    if key is not None:
        table = item.states
        entry = table.get(key)
        if entry is None:
            state = _score_item(item, findings, spec, per)
            used = _row_readings(spec, state, per.out_of_scope)
            if len(table) >= rowcache.ROW_KEYS:  # full: no more keys, the long way
                return (state, None, used)
            bare = state if state[12] is None else state[:12] + (None,) + state[13:]
            box: list[Any] = [None]
            table[key] = (bare, used, box)  # two threads may store the same key at once: equal entries, one kept
            return (state, (bare, box), used)
        bare, used, box = entry
        self_score = per.self_scores.get(item.id)
        # The 自评 is no part of the key: put in its place in the state (and, by Rows.texts, between the text's halves).
        return (bare if self_score is None else bare[:12] + (self_score,) + bare[13:], (bare, box), used)
    state = _score_item(item, findings, spec, per)
    return (state, None, _row_readings(spec, state, per.out_of_scope))


#: What a row's text holds between its 自评 and its effects: where a remembered text is cut in two (see _text_halves).
_SELF_SCORE = ', "self_score": null, "effects": '
_CUT = len(', "self_score": ')


def _text_halves(ref: tuple[Any, Any], state: tuple[Any, ...]) -> tuple[str, str, str] | None:
    """A remembered row's JSON text, in halves around its 自评's value, and whole with none: written the first time a result asks, then kept in its entry.

    None where the text cannot be cut there (no row's is: ItemResult.to_dict);
    the row is then written from its state each time.
    """
    bare, box = ref
    halves = box[0]
    if halves is None:
        # The first occurrence is the field itself: the id and names before it
        # are encoded strings, whose quotes are escaped.
        head, found, tail = _item_text(bare).partition(_SELF_SCORE)
        # One store of a whole value, a function of the entry's key: threads racing here store equal ones.
        before, after = head + _SELF_SCORE[:_CUT], _SELF_SCORE[_CUT + 4:] + tail
        # (and whole, with no 自评: most rows)
        halves = box[0] = (before, after, before + "null" + after) if found else False
    return halves or None


def _item_result(
    item: ItemView,
    per: _PerAssessment,
    computed: Decimal | None,
    status: str,
    *,
    effects: tuple[Effect, ...] = (),
    caps: tuple[CapApplied, ...] = (),
    floor_cut: Decimal = ZERO,
    ceiling_cut: Decimal = ZERO,
    zeroed_by: str | None = None,
    not_applicable: str | None = None,
    unchecked: tuple[str, ...] = (),
    missing_evidence: tuple[str, ...] = (),
    combined: Combined | None = None,
    cohort: tuple[Any, ...] = (),
) -> tuple[Any, ...]:
    """An item's state from its computed score and status, with its 自评 and any 复核 override applied.

    The state is a plain tuple (making one costs a tenth of a record):
    ``(item, score, status, computed, effects, caps, floor_cut, ceiling_cut,
    zeroed_by, not_applicable, unchecked, missing_evidence, self_score,
    override, combined, cohort)``. Scoring reads its score and status; the
    :class:`ItemResult` is made from it (:func:`_item_record`) only when a
    caller reads the result's items (:class:`~govrules.engine.result.Rows`).
    """
    item_id = item.id
    score, override = computed, None
    review = per.reviews.get(item_id)
    if review is not None:
        override = Override(review.reviewer, review.at, computed, review.score, review.reason)
        score = review.score
        if status != NOT_APPLICABLE:
            status = PASS if review.score == item.max else FAIL
    return (
        item, score, status, computed, effects, caps, floor_cut, ceiling_cut, zeroed_by,
        not_applicable, unchecked, missing_evidence, per.self_scores.get(item_id), override, combined, cohort,
    )


def _item_record(state: tuple[Any, ...]) -> ItemResult:
    """The :class:`ItemResult` of a row's state (see :func:`_item_result`)."""
    (item, score, status, computed, effects, caps, floor_cut, ceiling_cut, zeroed_by,
     not_applicable, unchecked, missing_evidence, self_score, override, combined, cohort) = state
    ind = item.indicator
    return _new_item(
        id=item.id,
        names=item.names,
        max=item.max,
        score=score,
        status=status,
        computed=computed,
        effects=effects,
        caps=caps,
        floor_cut=floor_cut,
        zeroed_by=zeroed_by,
        not_applicable=not_applicable,
        unchecked_facts=unchecked,
        missing_evidence=missing_evidence,
        evidence=ind.evidence,
        evaluation=ind.evaluation,
        self_score=self_score,
        override=override,
        floor_quote=item.floor_quote,
        floor_reading=item.floor_reading,
        texts=item.texts,
        # Most rows have no ceiling, assessors or named units: the defaults then stand, at no cost.
        **({"ceiling": item.ceiling, "ceiling_cut": ceiling_cut, "ceiling_quote": item.ceiling_quote} if item.ceiling is not None else {}),
        **({"assessors": item.assessors} if item.assessors else {}),
        **({"units": item.units, "units_quote": ind.units_quote} if item.units else {}),
        **({"combined": combined} if combined is not None else {}),
        **({"cohort": cohort} if cohort else {}),
    )


def _item_text(state: tuple[Any, ...]) -> str:
    """A row's JSON text from its state, as its record would write it (``ItemResult._json_text``)."""
    (item, score, status, computed, effects, caps, floor_cut, _, zeroed_by,
     not_applicable, unchecked, missing_evidence, self_score, override, combined, cohort) = state
    if item.ceiling is None and not item.assessors and not item.units and combined is None and not cohort:
        # row_complete, in place
        complete = (
            override is not None or status == NOT_APPLICABLE or (status != NOT_CHECKED if item.max is None else score is not None)
        )
        return row_text(
            item.texts, status, complete, score, computed, self_score, effects, caps, floor_cut, item.floor_quote,
            item.floor_reading, zeroed_by, not_applicable, unchecked, missing_evidence, override,
        )
    return _item_record(state)._json_text  # the rare rows with optional fields: through their record


def _section_record(state: tuple[Any, ...]) -> SectionResult:
    """The :class:`SectionResult` of a rescored plain section's state ``(section, score, status)``."""
    section, score, status = state
    return _new_section(section.id, section.names, section.max, section.stated_max, score, status, section.children)


def row_score(
    maximum: Decimal, ceiling: Decimal | None, effects: list[Effect], caps: Iterable[tuple[Any, tuple[str, ...]]], deducts_only: bool = False
) -> tuple[Decimal, tuple[CapApplied, ...], Decimal, Decimal]:
    """A scored row's score from the effects of its rules, none of which zeroes it.

    The row starts from its points (or the points a ``set`` effect gives it, a
    grade's say); deductions are taken off and awards added, each cap cutting
    its group of rules down to its maximum; then the row is floored at 0
    (扣完为止) and held to its ceiling (its points, or the higher maximum its
    document states for a bonus inside the row). Returns the score, the caps
    that cut, the floor cut and the ceiling cut. ``caps`` pairs each cap (with
    ``max``, ``quote``, ``reading``) with the uids of the rules it groups.
    ``deducts_only``: every effect is known to be a deduction (most rows; the
    same arithmetic, without looking at modes).
    """
    base = maximum
    award = ZERO
    if deducts_only:
        deduction = _sum([e.amount for e in effects if e.amount is not None])  # type: ignore[misc]
    else:
        deduction = ZERO
        for e in effects:
            amount = e.amount
            if amount is None:
                continue
            mode = e.mode
            if mode == DEDUCT:
                deduction += amount
            elif mode == AWARD:
                award += amount
            elif mode == SET:
                base = amount if base is maximum else min(base, amount)
    applied: list[CapApplied] = []
    for cap, group in caps:
        grouped = [e for e in effects if e.rule in group and e.amount is not None and e.mode in (DEDUCT, AWARD)]
        raw = _sum([e.amount for e in grouped])  # type: ignore[misc]
        if raw > cap.max:
            cut = raw - cap.max
            if grouped[0].mode == AWARD:  # a cap groups rules of one direction (checked at load)
                award -= cut
            else:
                deduction -= cut
            applied.append(CapApplied(group, raw, cap.max, cut, cap.quote, cap.reading))
    score = base - deduction + award
    floor_cut = ceiling_cut = ZERO
    if score < 0:
        floor_cut, score = -score, ZERO
    top = maximum if ceiling is None else ceiling
    if score > top:
        ceiling_cut, score = score - top, top
    return score, tuple(applied), floor_cut, ceiling_cut


def _section_status(statuses: set[str]) -> str:
    if FAIL in statuses:
        return FAIL
    if NOT_CHECKED in statuses:
        return NOT_CHECKED
    if PASS in statuses:
        return PASS
    return NOT_APPLICABLE


def _affected(view: TargetView, items: dict[str, tuple[Any, ...]]) -> set[str]:
    """The sections enclosing an item whose score or status changed: the only ones that need scoring.

    A section's result depends only on its children's scores and statuses.
    """
    untouched = view.untouched_items
    affected: set[str] = set()
    for i, state in items.items():
        if state[1] is not untouched[i].score or state[2] != PASS:
            affected.update(view.enclosing[i])
    return affected


def _section_states(view: TargetView, items: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    """Each rescored section's state ``(section, score, status)``, for a target none of whose sections is capped or floored."""
    affected = _affected(view, items)
    states: dict[str, tuple[Any, ...]] = {}
    if not affected:
        return states
    untouched_items = view.untouched_items
    untouched_sections = view.untouched_sections
    scored = view.scored
    item_state = items.get
    section_state = states.get
    for section in view.sections_children_first:
        if section.id not in affected:
            continue
        scores = []
        statuses = set()
        for c in section.children:
            state = item_state(c) or section_state(c)
            if state is not None:
                score = state[1]
                statuses.add(state[2])
            else:
                row = untouched_items[c] if c in untouched_items else untouched_sections[c]
                score = row.score
                statuses.add(row.status)
            if score is not None:
                scores.append(score)
        states[section.id] = (section, sum(scores, ZERO) if (scores and scored) else None, _section_status(statuses))
    return states


def _score_sections(view: TargetView, items: dict[str, ItemResult], touched: dict[str, tuple[Any, ...]]) -> dict[str, SectionResult]:
    """Each section's record, for a target some of whose sections are capped or floored (their caps read the rows' effects)."""
    sections = dict(view.untouched_sections)
    affected = _affected(view, touched)
    if not affected:
        return sections
    rows: dict[str, ItemResult | SectionResult] = {**items, **sections}
    scored = view.scored
    for section in view.sections_children_first:
        section_id = section.id
        if section_id not in affected:
            continue
        children = [rows[c] for c in section.children]
        scores = [c.score for c in children if c.score is not None]
        rows[section_id] = sections[section_id] = SectionResult(
            section_id,
            section.names,
            section.max,
            section.stated_max,
            sum(scores, ZERO) if (scores and scored) else None,
            _section_status({c.status for c in children}),
            section.children,
        )
        if section.adjusts:
            # Its caps read the effects and scores of rows under it, which only
            # touched rows change: the shortcut above still holds.
            rows[section_id] = sections[section_id] = adjusted_section(sections[section_id], section, rows)
    return sections


def _score_ledgers(view: TargetView, findings: Findings) -> tuple[LedgerResult, ...]:
    out = []
    for ledger in view.ledgers:
        adj = ledger.adjustment
        effects: list[Effect] = []
        complete = True
        for rule in ledger.rules:
            complete = complete and rule.uid not in findings.unchecked
            if rule.uid in findings.fired:
                effects.extend(findings.effects(rule, None))
        raw = _sum([e.amount for e in effects if e.amount is not None])
        applied = raw if adj.cap is None else min(raw, adj.cap)
        unscored = tuple(dict.fromkeys(e.rule for e in effects if e.amount is None))
        out.append(LedgerResult(adj.id, adj.name, adj.direction, adj.cap, raw, applied, tuple(effects), complete, unscored, adj.cap_quote))
    return tuple(out)


def _row_readings(spec: PackSpec, state: tuple[Any, ...], out: dict[str, str | None]) -> frozenset[str]:
    """The readings a touched row's state brings into its result (its effects', caps', floor's, N/A's, raters')."""
    item, _, _, _, effects, caps, floor_cut, _, _, not_applicable, _, _, _, _, combined, _ = state
    used: set[str] = set()
    for e in effects:
        used.update(e.reading)
    for c in caps:
        used.update(c.reading)
    if combined is not None:
        used.update(combined.reading)
        for rating in combined.ratings:
            for e in rating.effects:
                used.update(e.reading)
    if floor_cut:
        used.update(item.floor_reading)
    if not_applicable is not None and not (item.id in out and item.indicator.units_scoring):
        used.update(spec.not_applicable.reading)  # unless the row's own units_scoring decided it
    return frozenset(used)


def _readings(
    spec: PackSpec,
    items: Iterable[frozenset[str]],
    ledgers: tuple[LedgerResult, ...],
    findings: Findings,
    sections: Iterable[SectionResult] = (),
    total: Iterable[str] = (),
) -> tuple[tuple[str, str, str], ...]:
    """The readings that shaped this result: those standing for the target, and those of what applied (``items``: the touched rows' :func:`_row_readings`)."""
    used: set[str] = set(findings.view.standing_readings)
    used.update(total)
    for section in sections:
        for c in section.caps:
            if c.cut:
                used.update(c.reading)
    for row in items:
        used.update(row)
    for ledger in ledgers:
        for e in ledger.effects:
            used.update(e.reading)
    for name in findings.assessment.derived:
        fact = findings.view.fact_specs[name]
        if fact.derive is not None:
            used.update(fact.derive.reading)
    return tuple([r for r in findings.view.reading_rows if r[0] in used])


#: How many results' readings each target remembers by what brought them in (``TargetView.readings_known``).
READINGS_KEYS = 512


def _result_readings(
    spec: PackSpec, rows: list[frozenset[str]], ledgers: tuple[LedgerResult, ...], findings: Findings, sections: Any, total: tuple[str, ...]
) -> tuple[tuple[str, str, str], ...]:
    """:func:`_readings`, remembered by the touched rows' readings and the total's where nothing else brings any in (most results)."""
    view = findings.view
    if view.capped_sections or findings.assessment.derived or (ledgers and any(l.effects for l in ledgers)):
        return _readings(spec, rows, ledgers, findings, sections if view.capped_sections else (), total)
    # The rows' readings are frozensets, most of them their table's (engine.rowcache): their hash is kept.
    key = (*rows, total)
    known = view.readings_known
    readings = known.get(key)
    if readings is None:
        readings = _readings(spec, rows, ledgers, findings, (), total)
        if len(known) < READINGS_KEYS:
            known[key] = readings  # racing threads store equal tuples
    return readings


def score_in_context(spec: PackSpec, findings: Findings, stamp: Stamp, combined: dict[str, Combined] | None = None) -> Result:
    """:func:`score`, for a caller already in govrules' decimal context (``numbers.exact``).

    What a caller reads first (scores, statuses, caps and floors, the total)
    is worked out from each touched row's state; the rows' records are built
    when first read (:class:`~govrules.engine.result.Rows`), except for a
    target whose sections are capped or floored: their caps read the rows'
    effects, so its records are built here.
    """
    view = findings.view
    a = findings.assessment
    per = _PerAssessment(findings, combined)
    item_index = view.item_index
    states = {}  # in item order
    refs = {}
    row_readings = []
    # What the sheet reads of the touched rows, gathered in the one pass over them
    # (untouched items are complete, pass, and carry nothing else).
    not_checked = []
    na_excluded = []
    differences = []
    for item_id in per.touched:
        state, ref, used = _row_entry(item_index[item_id], findings, spec, per)
        if ref is not None:
            refs[item_id] = ref
        states[item_id] = state
        row_readings.append(used)
        item, row_score_, status = state[0], state[1], state[2]
        # row_complete, inline
        if state[13] is None and status != NOT_APPLICABLE and (row_score_ is None if item.max is not None else status == NOT_CHECKED):
            not_checked.append(item_id)
        if status == NOT_APPLICABLE and row_score_ is None and item.max is not None:
            na_excluded.append(item.max)
        self_score = state[12]
        if self_score is not None and self_score != row_score_:
            differences.append((item_id, self_score, row_score_))  # their records made when read (result.Differences)
    items: tuple[ItemResult, ...] | Rows = Rows(view.shared_items, states, _item_record, _item_text, refs, _text_halves)
    section_rows: tuple[SectionResult, ...] | Rows
    if view.adjusting_sections:
        items = items.get()  # type: ignore[union-attr]
        records = {i.id: i for i in items}
        section_results = _score_sections(view, records, states)
        section_rows = tuple(section_results.values())
        tops = [(section_results[t] if t in section_results else records[t]).score for t in view.top]
        top_scores = [s for s in tops if s is not None]
    else:
        section_states = _section_states(view, states)
        section_rows = Rows(view.shared_sections, section_states, _section_record, None)  # text None: written by the section's SectionTexts
        untouched_items, untouched_sections = view.untouched_items, view.untouched_sections
        top_scores = []
        for t in view.top:
            state = states.get(t) or section_states.get(t)
            top = state[1] if state is not None else (untouched_items[t] if t in untouched_items else untouched_sections[t]).score
            if top is not None:
                top_scores.append(top)
    scored = view.scored
    rescaled = False
    base_max = view.target.total
    base_sum = base = None
    if scored:
        base_sum = sum(top_scores, ZERO)  # the scored ones (exact: see _sum)
        base = base_sum
        # An N/A row has no score only where its policy (the pack's, or a
        # named-units row's own) leaves it out and rescales the base.
        if na_excluded:
            applicable_max = base_max - _sum(na_excluded)  # type: ignore[operator]
            rescaled = True
            base = divide(base_sum * base_max, applicable_max) if applicable_max > 0 else ZERO  # type: ignore[operator]

    ledgers = _score_ledgers(view, findings) if view.ledgers else ()
    zeroed = []
    zero_complete = True
    for rule in view.zeroings:
        zero_complete = zero_complete and rule.uid not in findings.unchecked
        if rule.uid in findings.fired:
            z = rule.zeroing
            zeroed.append(Zeroed(z.id, z.name, z.quote, findings.facts_read(rule)))  # type: ignore[union-attr]

    complete = not not_checked and zero_complete and (not ledgers or all(l.complete for l in ledgers))
    total = max_total = None
    total_floor_cut = ZERO
    if scored:
        bonus = _sum([l.applied for l in ledgers if l.direction == "bonus"]) if ledgers else ZERO
        penalty = _sum([l.applied for l in ledgers if l.direction == "penalty"]) if ledgers else ZERO
        if zeroed:
            total = ZERO  # zeroing wins over everything, complete or not
        elif complete:
            # An incomplete assessment has no total: a sum over the checked items
            # only would look like a score and be wrong. base_sum still shows it.
            total = base + bonus - penalty  # type: ignore[operator]
            if total < 0 and not spec.floor.negative_total:
                # Penalties outside the base take it down to 0 and no further (扣完为止),
                # unless the pack records that its document allows a negative total.
                total_floor_cut, total = -total, ZERO
        max_total = view.max_total
    self_scores = a.self_assessment
    self_total = sum(map(itemgetter(1), self_scores), ZERO) if self_scores else None  # (exact: see _sum)
    # The readings behind the total's floor where it cut, or behind a total the pack lets go below 0.
    total_readings = spec.floor.reading if total_floor_cut else spec.floor.negative_total if total is not None and total < 0 else ()
    readings = _result_readings(spec, row_readings, ledgers, findings, section_rows, total_readings)
    # Positionally, in _RESULT_ORDER (checked against the record's fields below): a call naming 32 arguments costs half as much again.
    return _new_result(
        stamp,
        view.target.id,
        view.target.name,
        a.unit,
        scored,
        items,
        section_rows,
        ledgers,
        base_max,
        base_sum,
        base,
        rescaled,
        tuple(zeroed),
        total,
        max_total,
        complete,
        tuple(not_checked),
        findings.missing_evidence,
        self_total,
        Differences(differences) if differences else (),
        a.facts,
        a.derived,
        readings,
        None,  # model
        # Only a total the floor cut carries the floor's words (the fields' defaults otherwise).
        total_floor_cut,
        spec.floor.quote if total_floor_cut else None,
        spec.floor.reading if total_floor_cut else (),
        None,  # grading
        tuple([Source(*s) for s in a.sources]) if a.sources else (),
        view.fact_labels,
        view.reading_names,
        view.texts,
    )


#: The order of Result's fields, in which score_in_context passes them.
_RESULT_ORDER = (
    "stamp", "target", "target_name", "unit", "scored", "items", "sections", "ledgers", "base_max", "base_sum", "base",
    "rescaled", "zeroed", "total", "max_total", "complete", "not_checked", "missing_evidence", "self_total", "differences",
    "facts", "derived_facts", "readings", "model", "total_floor_cut", "total_floor_quote", "total_floor_reading", "grading",
    "sources", "fact_labels", "reading_labels", "texts",
)
if tuple(a.alias for a in attrs.fields(Result) if a.init) != _RESULT_ORDER:  # pragma: no cover - a field added or moved
    raise ImportError("Result's fields are not those score_in_context passes in order: update it and _RESULT_ORDER")
#: ``Result(...)``, ``ItemResult(...)``, ``SectionResult(...)``, made without attrs' per-field ``object.__setattr__`` (govrules.engine.records).
_new_result = records.builder(Result)
_new_item = records.builder(ItemResult)
_new_section = records.builder(SectionResult)


@exact
def score(spec: PackSpec, findings: Findings, stamp: Stamp, combined: dict[str, Combined] | None = None) -> Result:
    """The score sheet for one assessment: a pure function of its findings.

    ``combined``: the rows several raters scored, each with its raters' scores
    and their combination (:func:`govrules.engine.ratings.rate`).
    """
    return score_in_context(spec, findings, stamp, combined)


__all__ = ["score", "score_in_context", "ROUNDING"]
