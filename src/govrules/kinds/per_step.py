"""每低1%扣分: an amount for each whole step a value falls below (or rises above) a threshold.

    新进人员中35周岁以下占比不低于95%的，得2分；每低1%，扣0.2分

.. code-block:: yaml

    - {id: young, kind: per_step, fact: young_share, at_least: 95, step: 1, amount: 0.2,
       quote: 新进人员中35周岁以下占比不低于95%的，得2分；每低1%，扣0.2分}

``at_least`` (不低于) or ``at_most`` (不高于、不超过) is the threshold, ``step``
the size of one step (每低1%: 1, in the fact's own unit), ``amount`` what each
step deducts. 「每低1%」 counts whole steps: 92.5% is 2.5% below 95%, two whole
percents, so it deducts 2 × 0.2 = 0.4; 94.5% is no whole percent below and
deducts nothing (the rule does not fire). Where a document says a part step
counts as one (「不足1%的按1%计」), ``partial: counted`` makes 92.5% three steps.
A pack records its reading of 每低 where the document is silent.

Fires at one whole step beyond the threshold (``value ≤ at_least − step``; with
``partial: counted``, any value below ``at_least``); deducts ``amount × steps``
(caps and the floor then apply). The fact is a number or a count.
Docs: docs/mechanisms/per-step.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal, Mapping

import attrs
from pydantic import Field, model_validator

from ..engine.conditions import Compare
from ..numbers import fmt, mul
from ..rubric.model import Number, RuleSpec
from .base import CheckContext, FactRef, Path_, RuleKind, Wording, effect


class PerStepRule(RuleSpec):
    """``amount`` for each whole ``step`` a value is below ``at_least`` or above ``at_most`` (不低于95%……每低1%，扣0.2分)."""

    kind: Literal["per_step"]
    fact: str
    at_least: Number | None = Field(default=None, description="不低于: the value should be at least this; each step below deducts.")
    at_most: Number | None = Field(default=None, description="不高于 / 不超过: the value should be at most this; each step above deducts.")
    step: Number = Field(gt=0, description="One step, in the fact's unit (每低1%: 1).")
    amount: Number = Field(description="What each step deducts.")
    partial: Literal["ignored", "counted"] = Field(
        default="ignored", description="A part of a step: ignored (每低1% counts whole percents) or counted as one (不足1%的按1%计)."
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> PerStepRule:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a per_step rule takes either at_least (不低于) or at_most (不高于), not both or neither")
        return self


def _threshold(rule: Any) -> Decimal:
    return rule.at_least if rule.at_least is not None else rule.at_most


def _beyond(rule: Any, value: Any) -> Decimal:
    """How far the value is on the wrong side of the threshold (negative: on the right side)."""
    v = Decimal(value)
    return rule.at_least - v if rule.at_least is not None else v - rule.at_most


def steps(rule: Any, value: Any) -> int:
    """The steps a value counts for: whole steps, or with ``partial: counted`` every begun step."""
    beyond = _beyond(rule, value)
    if beyond <= 0:
        return 0
    whole, rest = divmod(beyond, rule.step)
    return int(whole) + (1 if rest and rule.partial == "counted" else 0)


class PerStep(RuleKind):
    name = "per_step"
    model = PerStepRule
    title = "每低（每超）一档扣分"
    doc = "mechanisms/per-step.md"

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("number", "count")),)

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        where = ("at_least",) if rule.at_least is not None else ("at_most",)
        fact = context.facts.get(rule.fact)
        if fact is not None and fact.type == "count":
            for field, value in ((where, _threshold(rule)), (("step",), rule.step)):
                if value != value.to_integral_value():
                    yield field, f"{rule.fact!r} is a count; its {field[0]} must be a whole number"
            return
        edge = self._edge(rule)
        for field, value in ((where, _threshold(rule)), (("step",), rule.step), (where, edge)):
            message = context.number_limits(value)
            if message:
                yield field, message
                return

    def _edge(self, rule: Any) -> Decimal:
        """The first value that counts one step (partial ignored), or the threshold itself (partial counted)."""
        if rule.partial == "counted":
            return _threshold(rule)
        return rule.at_least - rule.step if rule.at_least is not None else rule.at_most + rule.step

    def trigger(self, rule: Any) -> Compare:
        edge = self._edge(rule)
        if rule.partial == "counted":
            return Compare(rule.fact, "<" if rule.at_least is not None else ">", edge)
        return Compare(rule.fact, "<=" if rule.at_least is not None else ">=", edge)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        value = dict(facts)[rule.fact]
        n = steps(rule, value)
        made = effect(compiled, mul(rule.amount, n), facts, quantity=n, unit_amount=rule.amount)
        side = "低于" if rule.at_least is not None else "高于"
        step = fmt(rule.step)
        part = f"不足{step}的按{step}计" if rule.partial == "counted" else f"不足{step}的部分不计"
        words = f"（{fmt(Decimal(value))}，{side}{fmt(_threshold(rule))}共{fmt(_beyond(rule, value))}，按每{step}计{n}次，{part}）"
        return (attrs.evolve(made, detail=words),)

    def words(self, rule: Any, w: Wording) -> str:
        u = w.facts[rule.fact].unit if rule.fact in w.facts and w.facts[rule.fact].unit else ""
        low = rule.at_least is not None
        part = "不足一档的按一档计" if rule.partial == "counted" else f"不足{fmt(rule.step)}{u}的不计"
        return f"{w.label(rule.fact)}{'不低于' if low else '不高于'}{fmt(_threshold(rule))}{u}，每{'低' if low else '高'}{fmt(rule.step)}{u}{w.amount(rule.amount)}（{part}）"

    def describe(self, rule: Any) -> dict[str, Any]:
        out = {**super().describe(rule), "step": fmt(rule.step), "partial": rule.partial}
        out["at_least" if rule.at_least is not None else "at_most"] = fmt(_threshold(rule))
        return out

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        if rule.fact not in scalars:
            return None
        value = Decimal(scalars[rule.fact])
        if rule.at_least is not None:
            short = rule.at_least - value
        else:
            short = value - rule.at_most
        # One whole step beyond the threshold, or any part of one where part steps count.
        return short > 0 if rule.partial == "counted" else short >= rule.step

    def check_effect(self, rule: Any, made: Any) -> str | None:
        value = dict(made.facts).get(rule.fact)
        if value is None:
            return "does not record the value it counted"
        n = made.quantity
        if not isinstance(n, int) or n < 1:
            return f"counts {n!r} steps"
        beyond = _beyond(rule, value)
        # n whole steps fit in the distance, and one more does not (partial ignored);
        # or the distance lies within n steps and beyond n − 1 (partial counted).
        fits = n * rule.step <= beyond < (n + 1) * rule.step if rule.partial == "ignored" else (n - 1) * rule.step < beyond <= n * rule.step
        if not fits:
            return f"counts {n} steps of {fmt(rule.step)} for {fmt(Decimal(value))} against {fmt(_threshold(rule))}"
        if made.amount != mul(rule.amount, n):
            return f"deducts {fmt(made.amount)} for {n} steps of {fmt(rule.amount)}"
        return None
