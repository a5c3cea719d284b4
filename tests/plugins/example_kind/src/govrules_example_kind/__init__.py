"""An example govrules plugin: a rule kind of its own, and a pack that uses it.

The kind, ``after_allowance``, reads 「首次发现的予以提醒，第二次起每次扣0.5分」:
the first ``allowance`` occurrences are free, each one after that costs
``amount``. Everything about it is in :class:`AfterAllowance`; nothing in
govrules' core changes for it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping

from pydantic import Field

from govrules import hookimpl
from govrules.engine.conditions import Compare
from govrules.kinds import CheckContext, FactRef, RuleKind, Wording, effect
from govrules.numbers import mul
from govrules.rubric.model import RuleSpec

HERE = Path(__file__).parent


class AfterAllowanceRule(RuleSpec):
    """``amount`` for each occurrence beyond the first ``allowance`` (首次提醒，第二次起每次扣0.5分)."""

    kind: Literal["after_allowance"]
    fact: str
    allowance: int = Field(ge=0, description="Occurrences that cost nothing (首次: 1).")
    amount: Decimal


class AfterAllowance(RuleKind):
    name = "after_allowance"
    model = AfterAllowanceRule
    title = "首次提醒，再次扣分"
    doc = "https://example.invalid/govrules-example-kind"

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("count",)),)

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[tuple[str | int, ...], str]]:
        if rule.amount <= 0:
            yield ("amount",), "after_allowance needs a positive amount"

    def trigger(self, rule: Any) -> Compare:
        return Compare(rule.fact, ">", rule.allowance)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        beyond = dict(facts)[rule.fact] - rule.allowance
        return (effect(compiled, mul(rule.amount, beyond), facts, quantity=beyond, unit_amount=rule.amount),)

    def detail(self, made: Any) -> str:
        return "（前几次予以提醒，不扣分）"

    def words(self, rule: Any, w: Wording) -> str:
        return f"{w.label(rule.fact)}前{rule.allowance}{w.unit(rule.fact)}予以提醒，此后每{w.unit(rule.fact)}{w.amount(rule.amount)}"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {**super().describe(rule), "allowance": rule.allowance}

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        return None if rule.fact not in scalars else scalars[rule.fact] >= rule.allowance + 1


@hookimpl
def govrules_rule_kinds() -> list[RuleKind]:
    return [AfterAllowance()]


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
