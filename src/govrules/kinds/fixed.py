"""扣固定分值: a fixed amount when a condition holds.

    未专题研究的扣1分

.. code-block:: yaml

    - {id: no_study, kind: fixed, when: {fact: studied, is: false}, amount: 1, quote: 未专题研究的扣1分}

Fires when ``when`` holds; deducts ``amount`` once. Docs: docs/mechanisms/fixed.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from ..rubric.model import Condition, Number, RuleSpec
from .base import RuleKind, Wording, effect


class FixedRule(RuleSpec):
    """A fixed ``amount`` when a condition holds (未专题研究的扣1分)."""

    kind: Literal["fixed"]
    when: Condition
    amount: Number | None = None


class Fixed(RuleKind):
    name = "fixed"
    model = FixedRule
    title = "扣固定分值"
    words_say_when = True
    doc = "mechanisms/fixed.md"

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        return (effect(compiled, rule.amount, facts, quantity=1, unit_amount=rule.amount),)

    def words(self, rule: Any, w: Wording) -> str:
        return f"{w.condition(rule.when)}时" + ("记为不符合" if w.checklist and rule.amount is None else w.amount(rule.amount))
