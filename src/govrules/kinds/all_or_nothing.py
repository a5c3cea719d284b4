"""不得分: the row scores nothing when a condition holds.

    未按要求开展的，此项不得分

.. code-block:: yaml

    - {id: not_done, kind: all_or_nothing, when: {fact: done, is: false}, quote: 未按要求开展的，此项不得分}

Fires when ``when`` holds; the row scores 0 whatever else fired (it decides
the score alone, even where other rules could not be checked). It cannot be
capped and does not fit a ledger. Docs: docs/mechanisms/all-or-nothing.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from ..rubric.model import Condition, RuleSpec
from .base import ZERO_ROW, RuleKind, Wording, effect


class AllOrNothingRule(RuleSpec):
    """The item scores nothing when the condition holds (未按要求不计分)."""

    kind: Literal["all_or_nothing"]
    when: Condition


class AllOrNothing(RuleKind):
    name = "all_or_nothing"
    model = AllOrNothingRule
    title = "不得分"
    words_say_when = True
    doc = "mechanisms/all-or-nothing.md"
    mode = ZERO_ROW
    in_ledgers = False
    cappable = False

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        return (effect(compiled, item_max, facts, quantity=1),)

    def words(self, rule: Any, w: Wording) -> str:
        return f"{w.condition(rule.when)}时" + ("记为不符合" if w.checklist else "本项不计分")

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"fact": None, "amount": None}
