"""Scoring: a pure function of findings.

Order of operations, for each item:

1. not applicable (declared with a written explanation): scored by the pack's
   N/A policy, rules ignored;
2. a rule whose facts are missing: the item is *not checked* and has no score;
3. an all-or-nothing rule fired: the item scores 0;
4. otherwise the fired rules' amounts are summed, each cap cuts its group of
   rules down to its maximum, and the item is floored at 0 (扣完为止): an item
   never goes below 0 nor above its points;
5. a 复核 override replaces the score and is recorded (who, when, old → new, why).

Then sections and the base total are sums of their items; if the N/A policy
is ``rescale``, the base is scaled back to the target's total (the only
division, rounded once by :data:`~govrules.numbers.ROUNDING`); bonus and
penalty ledgers are added outside the base, each up to its cap; a zeroing
condition makes the total 0, whatever else holds.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from .compiled import ItemView, SectionView, TargetView
from .findings import Findings, effects_of
from .model import PackSpec
from .numbers import ROUNDING, ZERO, add, divide
from .result import (
    FAIL,
    NOT_APPLICABLE,
    NOT_CHECKED,
    PASS,
    CapApplied,
    Difference,
    Effect,
    ItemResult,
    LedgerResult,
    Override,
    Result,
    SectionResult,
    Stamp,
    Zeroed,
)


def _sum(values: list[Decimal]) -> Decimal:
    return add(*values) if values else ZERO


class _PerAssessment:
    """What every item looks up in the assessment, indexed once per assessment."""

    def __init__(self, findings: Findings):
        a = findings.assessment
        self.na = dict(a.not_applicable)
        self.self_scores = dict(a.self_assessment)
        self.reviews = {r.item: r for r in a.reviews}
        self.missing_evidence: dict[str, list[str]] = {}
        for item_id, kind in findings.missing_evidence:
            self.missing_evidence.setdefault(item_id, []).append(kind)


def _score_item(item: ItemView, findings: Findings, spec: PackSpec, per: _PerAssessment) -> ItemResult:
    ind = item.indicator
    na = per.na.get(item.id)
    base = dict(
        id=item.id,
        names=item.names,
        max=item.max,
        evidence=ind.evidence,
        evaluation=ind.evaluation,
        missing_evidence=tuple(per.missing_evidence.get(item.id, ())),
        floor_quote=spec.floor.quote,
        floor_reading=ind.floor_reading or spec.floor.reading,
    )
    if na is not None:
        score = item.max if spec.not_applicable.scoring == "full_points" else None
        return ItemResult(score=score, computed=score, status=NOT_APPLICABLE, not_applicable=na, **base)  # type: ignore[arg-type]

    rule_findings = [findings.rules[r.uid] for r in item.rules]
    unchecked = tuple(dict.fromkeys(n for f in rule_findings for n in f.missing))
    effects: list[Effect] = []
    for f in rule_findings:
        effects.extend(effects_of(f, item.max))
    fired = any(f.fired for f in rule_findings)
    # A fired rule is a definite failure; a rule that could not be decided
    # leaves the score (and, if nothing fired, the status) unknown.
    status = FAIL if fired else (NOT_CHECKED if unchecked else PASS)

    zeroed_by = next((e.rule for e in effects if e.kind == "all_or_nothing"), None)
    if item.max is None:  # an unscored checklist row: a status, no points
        return ItemResult(score=None, computed=None, status=status, effects=tuple(effects), unchecked_facts=unchecked, **base)  # type: ignore[arg-type]
    if unchecked and zeroed_by is None:  # an all-or-nothing rule that fired decides the score alone
        return ItemResult(score=None, computed=None, status=status, effects=tuple(effects), unchecked_facts=unchecked, **base)  # type: ignore[arg-type]

    caps: list[CapApplied] = []
    floor_cut = ZERO
    if zeroed_by is not None:
        score = ZERO
    else:
        deduction = _sum([e.amount for e in effects if e.amount is not None])
        for cap in item.caps:
            group = {f"{item.id}#{rid}" for rid in cap.rules}
            raw = _sum([e.amount for e in effects if e.rule in group and e.amount is not None])
            if raw > cap.max:
                cut = raw - cap.max
                deduction -= cut
                caps.append(CapApplied(tuple(sorted(group)), raw, cap.max, cut, cap.quote, cap.reading))
        if deduction > item.max:
            floor_cut = deduction - item.max
            deduction = item.max
        score = item.max - deduction
    return ItemResult(
        score=score,
        computed=score,
        status=status,
        effects=tuple(effects),
        caps=tuple(caps),
        floor_cut=floor_cut,
        zeroed_by=zeroed_by,
        unchecked_facts=unchecked,
        **base,  # type: ignore[arg-type]
    )


def _apply_review(result: ItemResult, per: _PerAssessment) -> ItemResult:
    review = per.reviews.get(result.id)
    self_score = per.self_scores.get(result.id)
    if review is None and self_score is None:
        return result
    changes: dict[str, object] = {"self_score": self_score}
    if review is not None:
        changes["override"] = Override(review.reviewer, review.at, result.score, review.score, review.reason)
        changes["score"] = review.score
        if result.status != NOT_APPLICABLE:
            changes["status"] = PASS if review.score == result.max else FAIL
    return attrs.evolve(result, **changes)  # type: ignore[arg-type]


def _section_status(statuses: list[str]) -> str:
    if FAIL in statuses:
        return FAIL
    if NOT_CHECKED in statuses:
        return NOT_CHECKED
    if PASS in statuses:
        return PASS
    return NOT_APPLICABLE


def _score_sections(view: TargetView, items: dict[str, ItemResult]) -> dict[str, SectionResult]:
    out: dict[str, SectionResult] = {}
    by_id: dict[str, ItemResult | SectionResult] = dict(items)
    # Sections are listed parent first; score them children first.
    for section in reversed(view.sections):
        children = [by_id[c] for c in section.children]
        scores = [c.score for c in children if c.score is not None]
        score = _sum(scores) if (scores and view.scored) else None
        result = SectionResult(
            id=section.id,
            names=section.names,
            max=section.max,
            stated_max=section.stated_max,
            score=score,
            status=_section_status([c.status for c in children]),
            children=section.children,
        )
        out[section.id] = result
        by_id[section.id] = result
    return out


def _score_ledgers(view: TargetView, findings: Findings) -> tuple[LedgerResult, ...]:
    out = []
    for ledger in view.ledgers:
        adj = ledger.adjustment
        effects: list[Effect] = []
        complete = True
        for rule in ledger.rules:
            f = findings.rules[rule.uid]
            complete = complete and f.checked
            effects.extend(effects_of(f, None))
        raw = _sum([e.amount for e in effects if e.amount is not None])
        applied = raw if adj.cap is None else min(raw, adj.cap)
        unscored = tuple(dict.fromkeys(e.rule for e in effects if e.amount is None))
        out.append(LedgerResult(adj.id, adj.name, adj.direction, adj.cap, raw, applied, tuple(effects), complete, unscored, adj.cap_quote))
    return tuple(out)


def _readings(spec: PackSpec, items: list[ItemResult], ledgers: tuple[LedgerResult, ...], findings: Findings) -> tuple[tuple[str, str, str], ...]:
    """The readings that shaped this result: those standing for the target, and those of what applied."""
    used: set[str] = set(findings.view.standing_readings)
    for item in items:
        for e in item.effects:
            used.update(e.reading)
        for c in item.caps:
            used.update(c.reading)
        if item.floor_cut:
            used.update(item.floor_reading)
        if item.not_applicable is not None:
            used.update(spec.not_applicable.reading)
    for ledger in ledgers:
        for e in ledger.effects:
            used.update(e.reading)
    for name in findings.assessment.derived:
        fact = next(f for f in findings.view.facts if f.name == name)
        if fact.derive is not None:
            used.update(fact.derive.reading)
    return tuple((r.id, r.quote, r.choice) for r in spec.readings if r.id in used)


def score(spec: PackSpec, findings: Findings, stamp: Stamp) -> Result:
    """The score sheet for one assessment: a pure function of its findings."""
    view = findings.view
    a = findings.assessment
    per = _PerAssessment(findings)
    items_list = [_apply_review(_score_item(item, findings, spec, per), per) for item in view.items]
    items = {i.id: i for i in items_list}
    sections = _score_sections(view, items)
    tops: list[ItemResult | SectionResult] = [sections.get(t) or items[t] for t in view.top]

    scored = view.scored
    not_checked = tuple(i.id for i in items_list if not i.complete)
    rescaled = False
    base_max = view.target.total
    base_sum = base = None
    if scored:
        base_sum = _sum([t.score for t in tops if t.score is not None])
        base = base_sum
        na_excluded = [i for i in items_list if i.status == NOT_APPLICABLE and i.score is None and i.max is not None]
        if na_excluded and spec.not_applicable.scoring == "rescale":
            applicable_max = base_max - _sum([i.max for i in na_excluded])  # type: ignore[operator,misc]
            rescaled = True
            base = divide(base_sum * base_max, applicable_max) if applicable_max > 0 else ZERO  # type: ignore[operator]

    ledgers = _score_ledgers(view, findings)
    zeroed = []
    zero_complete = True
    for rule in view.zeroings:
        f = findings.rules[rule.uid]
        zero_complete = zero_complete and f.checked
        if f.fired:
            z = rule.zeroing
            zeroed.append(Zeroed(z.id, z.name, z.quote, f.facts))  # type: ignore[union-attr]

    complete = not not_checked and all(l.complete for l in ledgers) and zero_complete
    total = max_total = None
    if scored:
        bonus = _sum([l.applied for l in ledgers if l.direction == "bonus"])
        penalty = _sum([l.applied for l in ledgers if l.direction == "penalty"])
        if zeroed:
            total = ZERO  # zeroing wins over everything, complete or not
        elif complete:
            # An incomplete assessment has no total: a sum over the checked items
            # only would look like a score and be wrong. base_sum still shows it.
            total = base + bonus - penalty  # type: ignore[operator]
        bonus_caps = [l.adjustment.cap for l in view.ledgers if l.adjustment.direction == "bonus"]
        max_total = None if any(c is None for c in bonus_caps) else base_max + _sum(bonus_caps)  # type: ignore[operator,arg-type]
    self_scores = a.self_assessment
    self_total = _sum([s for _, s in self_scores]) if self_scores else None
    differences = tuple(
        Difference(i.id, i.self_score, i.score) for i in items_list if i.self_score is not None and i.self_score != i.score
    )
    return Result(
        stamp=stamp,
        target=view.target.id,
        target_name=view.target.name,
        unit=a.unit,
        scored=scored,
        items=tuple(items_list),
        sections=tuple(sections[s.id] for s in view.sections),
        ledgers=ledgers,
        base_max=base_max,
        base_sum=base_sum,
        base=base,
        rescaled=rescaled,
        zeroed=tuple(zeroed),
        total=total,
        max_total=max_total,
        complete=complete,
        not_checked=not_checked,
        missing_evidence=findings.missing_evidence,
        self_total=self_total,
        differences=differences,
        facts=a.facts,
        derived_facts=a.derived,
        readings=_readings(spec, items_list, ledgers, findings),
    )


__all__ = ["score", "ROUNDING"]
