"""每增加一次加分: points added inside a row for each occurrence, up to the row's stated ceiling.

    保持基层人员编制稳定的，得1.5分；推动区县部门人员力量下沉的，对比上年度，
    每增加1名人员编制的，加0.05分，加分不超过0.5分

.. code-block:: yaml

    - id: "2.222"
      points: {quxian: 1.5}
      ceiling: {quxian: 2}                   # 1.5 + 加分不超过0.5分
      ceiling_quote: 加分不超过0.5分
      rules:
        - {id: more_staff, kind: award_each, fact: staff_added_count, amount: 0.05,
           quote: 每增加1名人员编制的，加0.05分}
      caps:
        - {rules: [more_staff], max: 0.5, quote: 加分不超过0.5分}

Fires when the count is above 0; adds ``amount × count`` to the row (mode
``award``). A row may rise above its points only where its document says how
far: the row needs a ``ceiling`` (checked at load), and the score is held to
it, the excess shown as cut with the ceiling's words. Where the document caps
the bonus itself (「加分不超过0.5分」), a cap over the award rules cuts the
bonus first, so that deductions on the same row come off the capped bonus.
It does not stand in a ledger (a ledger's bonus is a ledger of its own,
``direction: bonus``). Docs: docs/mechanisms/award-each.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal, Mapping

from ..engine.conditions import Compare
from ..numbers import fmt, mul
from ..rubric.model import Number, RuleSpec
from .base import AWARD, CheckContext, FactRef, Path_, RuleKind, Wording, effect


class AwardEachRule(RuleSpec):
    """``amount`` added for each occurrence counted by a count fact (每增加1名人员编制的，加0.05分)."""

    kind: Literal["award_each"]
    fact: str
    amount: Number


class AwardEach(RuleKind):
    name = "award_each"
    model = AwardEachRule
    title = "每次加分（本项内）"
    doc = "mechanisms/award-each.md"
    mode = AWARD
    in_ledgers = False  # a ledger adds points with direction: bonus and the deduction kinds

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("count",)),)

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        if rule.amount == 0:
            yield ("amount",), "an award of 0 points adds nothing; the amount is the points each occurrence adds"
        if context.unpointed_targets:
            yield ("kind",), f"an award_each rule adds points to the row, but the row has no points for {'、'.join(context.unpointed_targets)}"

    def trigger(self, rule: Any) -> Compare:
        return Compare(rule.fact, ">", 0)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        n = dict(facts)[rule.fact]
        return (effect(compiled, mul(rule.amount, n), facts, quantity=n, unit_amount=rule.amount),)

    def words(self, rule: Any, w: Wording) -> str:
        return f"按{w.label(rule.fact)}，每{w.unit(rule.fact)}加{fmt(rule.amount)}分（本项最高分以内）"

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        return None if rule.fact not in scalars else scalars[rule.fact] >= 1

    def check_effect(self, rule: Any, made: Any) -> str | None:
        if made.amount != mul(rule.amount, made.quantity):
            return f"adds {fmt(made.amount)} for {made.quantity} occurrence(s) of {fmt(rule.amount)}"
        return None

    def violation_directions(self, rule: Any) -> Mapping[str, Any]:
        # Fewer occurrences, a smaller bonus: moving the count down never raises the row.
        return {rule.fact: "down"}
