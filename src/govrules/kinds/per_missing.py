"""每缺一项扣分: an amount for each element missing from a list the document enumerates.

    专人负责、公开设施设备……每缺一项扣0.5分

.. code-block:: yaml

    - {id: zone, kind: per_missing, fact: zone_missing, amount: 0.5, quote: 每缺一项扣0.5分}

The fact is a subset fact: the elements the unit lacks. Fires when any is
listed; deducts ``amount × missing``, and the explanation names them.
Docs: docs/mechanisms/per-missing.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, Mapping

from ..engine.conditions import Compare
from ..numbers import mul
from ..rubric.model import Number, RuleSpec
from .base import FactRef, RuleKind, Wording, effect


class PerMissingRule(RuleSpec):
    """``amount`` for each element missing from an enumerated list (每缺一项扣0.5分)."""

    kind: Literal["per_missing"]
    fact: str
    amount: Number | None = None


class PerMissing(RuleKind):
    name = "per_missing"
    model = PerMissingRule
    title = "每缺一项扣分"
    doc = "mechanisms/per-missing.md"
    in_ledgers = False  # a ledger counts occurrences, not missing elements

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("subset",)),)

    def trigger(self, rule: Any) -> Compare:
        return Compare(rule.fact, ">", 0)  # a subset compares by its size

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        n = len(dict(facts)[rule.fact])
        amount = None if rule.amount is None else mul(rule.amount, n)
        return (effect(compiled, amount, facts, quantity=n, unit_amount=rule.amount),)

    def detail(self, effect: Any) -> str:
        listed = [v for _, value in effect.facts if isinstance(value, (tuple, list)) for v in value]
        return "（缺：" + "、".join(str(v) for v in listed) + "）" if listed else ""

    def words(self, rule: Any, w: Wording) -> str:
        spec = w.facts.get(rule.fact)
        elements = f"（共{len(spec.elements)}项：{'、'.join(spec.elements)}）" if spec and spec.elements else ""
        if w.checklist and rule.amount is None:
            return f"{w.label(rule.fact)}有缺项时记为不符合{elements}"
        return f"{w.label(rule.fact)}每缺一项{w.amount(rule.amount)}{elements}"

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        return None if rule.fact not in scalars else scalars[rule.fact] > 0
