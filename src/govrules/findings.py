"""Findings: the result of each rule for one assessment, before any scoring.

This is the middle layer (facts → findings → score). A finding says whether a
rule was checked (all its facts present), whether it fired, and the fact
values it read; the amounts it implies are worked out by
:func:`effects_of`, and everything after that (caps, floors, totals) by
:mod:`govrules.scoring`, a pure function of the findings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from .compiled import CompiledRule, TargetView
from .facts import Discretion
from .conditions import decide
from .inference import Evaluation, scalars_of
from .inputs import Assessment
from .numbers import mul
from .result import Effect


@attrs.frozen
class RuleFinding:
    """One rule's result: checked (its condition could be decided), fired, and the facts it read."""

    rule: CompiledRule
    checked: bool
    fired: bool
    facts: tuple[tuple[str, Any], ...]
    missing: tuple[str, ...] = ()  # facts it reads that the assessment lacks

    @property
    def uid(self) -> str:
        return self.rule.uid


@attrs.frozen
class Findings:
    view: TargetView
    assessment: Assessment
    rules: dict[str, RuleFinding]
    missing_evidence: tuple[tuple[str, str], ...]
    evaluator: str


def findings_of(view: TargetView, assessment: Assessment, evaluation: Evaluation, evaluator: str) -> Findings:
    values = assessment.fact_values
    scalars = scalars_of(view, assessment)
    out: dict[str, RuleFinding] = {}
    for rule in view.rules:
        fired = rule.uid in evaluation.fired
        # Whether the condition could be decided depends only on which facts
        # are present, not on the evaluator; a fired rule was decided.
        # With every fact present the condition is decided; only otherwise is it worth evaluating.
        decided = fired or all(name in values for name in rule.reads) or decide(rule.condition, scalars, rule.optional) is not None
        # A fired rule is only fully known when its amount is: a tiered rule
        # fired by one tier still needs the other tiers' counts.
        checked = decided and (not fired or all(name in values for name in rule.quantity))
        facts = tuple((name, values[name]) for name in rule.reads if name in values)
        missing = tuple(name for name in rule.reads if name not in values and name not in rule.optional) if not checked else ()
        out[rule.uid] = RuleFinding(rule, checked, fired, facts, missing)
    return Findings(view, assessment, out, evaluation.missing_evidence, evaluator)


def _times(amount: Decimal | None, quantity: Decimal | int) -> Decimal | None:
    return None if amount is None else mul(amount, quantity)


def effects_of(finding: RuleFinding, item_max: Decimal | None) -> tuple[Effect, ...]:
    """The deductions (or bonuses) a fired rule implies, before caps and floors."""
    if not finding.fired:
        return ()
    rule = finding.rule.rule
    values = dict(finding.facts)
    if rule is None:  # a zeroing condition: no amount of its own
        z = finding.rule.zeroing
        return (Effect(finding.uid, "zeroing", z.name, z.quote, None, facts=finding.facts),)  # type: ignore[union-attr]
    label = rule.label or rule.quote
    common = dict(rule=finding.uid, kind=rule.kind, label=label, quote=rule.quote, reading=rule.reading, facts=finding.facts)
    kind = rule.kind
    if kind == "per_occurrence":
        n = values[rule.fact]  # type: ignore[union-attr]
        return (Effect(amount=_times(rule.amount, n), quantity=n, unit_amount=rule.amount, **common),)  # type: ignore[union-attr,arg-type]
    if kind == "per_missing":
        n = len(values[rule.fact])  # type: ignore[union-attr]
        return (Effect(amount=_times(rule.amount, n), quantity=n, unit_amount=rule.amount, **common),)  # type: ignore[union-attr,arg-type]
    if kind == "shortfall":
        short = Decimal(rule.threshold) - Decimal(values[rule.fact])  # type: ignore[union-attr]
        return (Effect(amount=_times(rule.amount, short), quantity=short, unit_amount=rule.amount, **common),)  # type: ignore[union-attr,arg-type]
    if kind == "fixed":
        return (Effect(amount=rule.amount, quantity=1, unit_amount=rule.amount, **common),)  # type: ignore[union-attr,arg-type]
    if kind == "all_or_nothing":
        return (Effect(amount=item_max, quantity=1, **common),)  # type: ignore[arg-type]
    if kind == "discretionary":
        d: Discretion = values[rule.fact]  # type: ignore[union-attr]
        return (Effect(amount=d.points, quantity=1, reason=d.reason, **common),)  # type: ignore[arg-type]
    if kind == "tiered":
        effects = []
        for tier in rule.tiers:  # type: ignore[union-attr]
            n = values.get(tier.fact, 0)  # a missing tier leaves the rule unchecked (see findings_of)
            if n > 0:
                tier_common = dict(common, facts=((tier.fact, n),))
                effects.append(
                    Effect(amount=_times(tier.amount, n), quantity=n, unit_amount=tier.amount, level=tier.level, **tier_common)  # type: ignore[arg-type]
                )
        return tuple(effects)
    raise AssertionError(kind)
