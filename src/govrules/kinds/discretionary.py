"""酌情扣分: an assessor's judgement, bounded, with a written reason.

    视情况酌情扣分

.. code-block:: yaml

    - {id: quality, kind: discretionary, fact: active_quality, quote: 视情况酌情扣分}

The fact is a discretionary fact: ``{points, reason}``, at most the fact's
``maximum`` (or the row's points). No deduction recorded means none made, so
the rule is never "not checked" for want of it. Docs: docs/mechanisms/discretionary.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal, Mapping

from ..engine.conditions import Compare
from ..numbers import fmt
from ..rubric.model import RuleSpec
from .base import CheckContext, FactRef, Path_, RuleKind, Wording, effect


class DiscretionaryRule(RuleSpec):
    """An assessor's judgement, bounded by the fact's maximum, with a mandatory reason (视情况酌情扣分)."""

    kind: Literal["discretionary"]
    fact: str


class Discretionary(RuleKind):
    name = "discretionary"
    model = DiscretionaryRule
    title = "酌情扣分"
    doc = "mechanisms/discretionary.md"
    in_ledgers = False  # a ledger's amounts are the document's, not an assessor's

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("discretionary",)),)

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        fact = context.facts.get(rule.fact)
        if fact is not None and fact.type == "discretionary" and fact.maximum is None and context.unpointed_targets:
            yield ("fact",), f"discretionary fact {fact.name!r} needs a maximum: this row has no points to bound it for {', '.join(context.unpointed_targets)}"

    def trigger(self, rule: Any) -> Compare:
        return Compare(rule.fact, ">", 0)

    def optional_facts(self, rule: Any) -> tuple[str, ...]:
        # An assessor who records no discretionary deduction deducts nothing:
        # the document makes such a deduction optional (视情况酌情扣分).
        return (rule.fact,)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        d = dict(facts)[compiled.rule.fact]
        return (effect(compiled, d.points, facts, quantity=1, reason=d.reason),)

    def words(self, rule: Any, w: Wording) -> str:
        spec = w.facts.get(rule.fact)
        most = spec.maximum if spec is not None and spec.maximum is not None else w.bound
        limit = f"，最多{w.verb}{fmt(most)}分" if most is not None else ""
        return f"按{w.label(rule.fact)}酌情{w.verb}分，须写明理由{limit}"

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        return False if rule.fact not in scalars else scalars[rule.fact] > 0
