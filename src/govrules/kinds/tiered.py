"""分级扣分: per-occurrence amounts that depend on the issuing level.

    被国务院、省、市通报批评的，每个每次扣1、0.5、0.2分

.. code-block:: yaml

    - id: criticised
      kind: tiered
      quote: 每个每次扣1、0.5、0.2分
      tiers:
        - {level: 国务院, fact: criticism_state_council, amount: 1}
        - {level: 省级, fact: criticism_province, amount: 0.5}
        - {level: 市级, fact: criticism_city, amount: 0.2}

Fires when any tier's count is above 0; each tier with occurrences is one
effect of ``amount × count``, naming its level. A fired rule needs every
tier's count to be known. Docs: docs/mechanisms/tiered.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal, Mapping

from pydantic import Field

from ..engine.conditions import Compare, Or
from ..numbers import fmt, mul
from ..rubric.model import Number, RuleSpec, _Strict
from .base import CheckContext, FactRef, Path_, RuleKind, Wording, effect


class Tier(_Strict):
    level: str = Field(description="The issuing level, e.g. 国务院, 省级, 市级.")
    fact: str
    amount: Number | None = None


class TieredRule(RuleSpec):
    """Per-occurrence amounts that depend on the issuing level (每个每次扣1、0.5、0.2分)."""

    kind: Literal["tiered"]
    tiers: tuple[Tier, ...] = Field(min_length=1)


class Tiered(RuleKind):
    name = "tiered"
    model = TieredRule
    title = "分级扣分"
    doc = "mechanisms/tiered.md"

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return tuple(FactRef(("tiers", j, "fact"), t.fact, ("count",)) for j, t in enumerate(rule.tiers))

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        for j, tier in enumerate(rule.tiers):
            if tier.amount is not None and tier.amount < 0:
                yield ("tiers", j, "amount"), "amounts are written as positive numbers"

    def trigger(self, rule: Any) -> Any:
        parts = tuple(Compare(t.fact, ">", 0) for t in rule.tiers)
        return parts[0] if len(parts) == 1 else Or(parts)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        values = dict(facts)
        out = []
        for tier in compiled.rule.tiers:
            n = values.get(tier.fact, 0)  # a missing tier leaves the rule unchecked (see findings_of)
            if n > 0:
                amount = None if tier.amount is None else mul(tier.amount, n)
                out.append(effect(compiled, amount, ((tier.fact, n),), quantity=n, unit_amount=tier.amount, level=tier.level))
        return tuple(out)

    def words(self, rule: Any, w: Wording) -> str:
        if w.checklist and all(t.amount is None for t in rule.tiers):
            return "、".join(f"{t.level}（{w.label(t.fact)}）" for t in rule.tiers) + "任一多于0时记为不符合"
        return "；".join(f"{t.level}（{w.label(t.fact)}）每{w.unit(t.fact)}{w.amount(t.amount)}" for t in rule.tiers)

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"tiers": [{"level": t.level, "fact": t.fact, "amount": fmt(t.amount)} for t in rule.tiers]}

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        parts = [None if t.fact not in scalars else scalars[t.fact] > 0 for t in rule.tiers]
        return True if True in parts else (False if all(p is False for p in parts) else None)

    def check_effect(self, rule: Any, effect: Any) -> str | None:
        if effect.level not in {t.level for t in rule.tiers}:
            return f"names level {effect.level!r}, which the rule does not have"
        return None
