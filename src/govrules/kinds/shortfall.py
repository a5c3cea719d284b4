"""每少一条扣分: an amount for each unit a value falls short of a threshold.

    少于12条的，每少一条扣1分

.. code-block:: yaml

    - {id: few, kind: shortfall, fact: items_published, threshold: 12, amount: 1, quote: 少于12条的，每少一条扣1分}

Fires when the value is below ``threshold``; deducts ``amount × (threshold − value)``.
Docs: docs/mechanisms/shortfall.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal, Mapping

from ..engine.conditions import Compare
from ..numbers import fmt, mul
from ..rubric.model import Number, RuleSpec
from .base import CheckContext, FactRef, Path_, RuleKind, Wording, effect


class ShortfallRule(RuleSpec):
    """``amount`` for each unit a value falls short of a threshold (少于12条的，每少一条扣1分)."""

    kind: Literal["shortfall"]
    fact: str
    threshold: Number
    amount: Number | None = None


class Shortfall(RuleKind):
    name = "shortfall"
    model = ShortfallRule
    title = "每少一条扣分"
    doc = "mechanisms/shortfall.md"

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("count", "number")),)

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        fact = context.facts.get(rule.fact)
        if fact is None:
            return
        if fact.type == "count" and rule.threshold != rule.threshold.to_integral_value():
            yield ("threshold",), f"{fact.name!r} is a count; its threshold must be a whole number"
            return
        message = context.number_limits(rule.threshold)
        if message:
            yield ("threshold",), message

    def trigger(self, rule: Any) -> Compare:
        return Compare(rule.fact, "<", rule.threshold)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        short = Decimal(rule.threshold) - Decimal(dict(facts)[rule.fact])
        amount = None if rule.amount is None else mul(rule.amount, short)
        return (effect(compiled, amount, facts, quantity=short, unit_amount=rule.amount),)

    def words(self, rule: Any, w: Wording) -> str:
        u = w.unit(rule.fact, "")
        if w.checklist and rule.amount is None:
            return f"{w.label(rule.fact)}少于{fmt(rule.threshold)}{u}时记为不符合"
        return f"{w.label(rule.fact)}少于{fmt(rule.threshold)}{u}的，每少1{u}{w.amount(rule.amount)}"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {**super().describe(rule), "threshold": fmt(rule.threshold)}

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        return None if rule.fact not in scalars else scalars[rule.fact] < rule.threshold
