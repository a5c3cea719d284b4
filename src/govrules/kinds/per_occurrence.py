"""每次扣分: an amount for each occurrence a count fact records.

    未按时限完成的，每次扣0.1分

.. code-block:: yaml

    - {id: late, kind: per_occurrence, fact: active_late_count, amount: 0.1, quote: 未按时限完成的,每次扣0.1分}

Fires when the count is above 0; deducts ``amount × count`` (the caps and the
item's floor then apply). ``amount: null`` where the document names none: the
rule still marks the row 不符合. Docs: docs/mechanisms/per-occurrence.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, Mapping

from pydantic import Field

from ..engine.conditions import Compare
from ..numbers import mul
from ..rubric.model import Number, RuleSpec
from .base import FactRef, RuleKind, Wording, effect


class PerOccurrenceRule(RuleSpec):
    """``amount`` for each occurrence counted by a count fact (每次扣0.1分)."""

    kind: Literal["per_occurrence"]
    fact: str
    amount: Number | None = Field(default=None, description="Null where the document names no amount.")


class PerOccurrence(RuleKind):
    name = "per_occurrence"
    model = PerOccurrenceRule
    title = "每次扣分"
    doc = "mechanisms/per-occurrence.md"

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("count",)),)

    def trigger(self, rule: Any) -> Compare:
        return Compare(rule.fact, ">", 0)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        n = dict(facts)[rule.fact]
        amount = None if rule.amount is None else mul(rule.amount, n)
        return (effect(compiled, amount, facts, quantity=n, unit_amount=rule.amount),)

    def words(self, rule: Any, w: Wording) -> str:
        if w.checklist and rule.amount is None:
            return f"{w.label(rule.fact)}多于0时记为不符合"
        return f"按{w.label(rule.fact)}，每{w.unit(rule.fact)}{w.amount(rule.amount)}"

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        return None if rule.fact not in scalars else scalars[rule.fact] > 0
