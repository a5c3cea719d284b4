"""扣分至不得分: a deduction for each occurrence, until a count at which the row scores nothing.

    发现一次的，扣0.5分；发现有两次及以上的，此项不得分

.. code-block:: yaml

    - {id: interfered, kind: deduct_then_zero, fact: interference_count, amount: 0.5, zero_from: 2,
       quote: 发现一次的，扣0.5分；发现有两次及以上的，此项不得分}

Fires when the count is above 0. Below ``zero_from`` it deducts ``amount ×
count`` (「发现一次的，扣0.5分」 is the one occurrence below two); at
``zero_from`` or more (「两次及以上」: ``zero_from`` itself included) its one
effect zeroes the row, as an all-or-nothing rule does, whatever else fired.
So one kind holds both halves of the sentence, and the explanation says which
applied. ``zero_from`` is at least 2 (at 1 every occurrence zeroes the row:
that is ``all_or_nothing``). It cannot be capped (its zeroing decides the
row) nor stand in a ledger. Docs: docs/mechanisms/deduct-then-zero.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, Mapping

from pydantic import Field

from ..engine.conditions import Compare, Or
from ..numbers import fmt, mul
from ..rubric.model import Number, RuleSpec
from .base import DEDUCT, ZERO_ROW, FactRef, RuleKind, Wording, effect


class DeductThenZeroRule(RuleSpec):
    """``amount`` for each occurrence below ``zero_from``; from ``zero_from`` on the row scores 0 (一次扣0.5分，两次及以上不得分)."""

    kind: Literal["deduct_then_zero"]
    fact: str
    amount: Number = Field(description="Deducted for each occurrence below zero_from (发现一次的，扣0.5分); 0 where the document only warns.")
    zero_from: int = Field(ge=2, description="The count at which the row scores nothing, itself included (两次及以上: 2).")


class DeductThenZero(RuleKind):
    name = "deduct_then_zero"
    model = DeductThenZeroRule
    title = "扣分，达到次数不得分"
    doc = "mechanisms/deduct-then-zero.md"
    mode = DEDUCT
    modes = (DEDUCT, ZERO_ROW)
    in_ledgers = False  # a ledger has no row to zero
    cappable = False  # its zeroing decides the row alone

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("count",)),)

    def trigger(self, rule: Any) -> Or:
        # Either half of the sentence fires the rule; the second comparison also
        # tells the conformance kit where the deduction turns into zeroing.
        return Or((Compare(rule.fact, ">=", rule.zero_from), Compare(rule.fact, ">", 0)))

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        n = dict(facts)[rule.fact]
        if n >= rule.zero_from:
            return (effect(compiled, item_max, facts, quantity=n, mode=ZERO_ROW),)
        return (effect(compiled, mul(rule.amount, n), facts, quantity=n, unit_amount=rule.amount),)

    def detail(self, made: Any) -> str:
        n = made.quantity
        if made.mode == ZERO_ROW:
            return f"（发现{n}次，达到不得分的次数）"
        return ""

    def words(self, rule: Any, w: Wording) -> str:
        u = w.unit(rule.fact)
        return f"按{w.label(rule.fact)}，每{u}{w.amount(rule.amount)}；{rule.zero_from}{u}及以上的，本项不计分"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {**super().describe(rule), "zero_from": rule.zero_from}

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        return None if rule.fact not in scalars else scalars[rule.fact] >= 1

    def check_effect(self, rule: Any, made: Any) -> str | None:
        n = made.quantity
        zeroes = made.mode == ZERO_ROW
        if zeroes != (n >= rule.zero_from):
            return f"{'zeroes' if zeroes else 'does not zero'} the row at {n} occurrence(s); it zeroes from {rule.zero_from}"
        if not zeroes and made.amount != mul(rule.amount, n):
            return f"deducts {fmt(made.amount)} for {n} occurrence(s) of {fmt(rule.amount)}"
        return None
