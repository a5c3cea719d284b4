"""按完成比例扣分: the points earned in proportion to what was done, out of what was due.

    未完成按水库退养完成比例扣分

.. code-block:: yaml

    - {id: retire, kind: proportional, done: reservoirs_retired, of: reservoirs_due,
       quote: 未完成按水库退养完成比例扣分}

Fires when ``done`` is below ``of`` (a comparison of the two facts, which
both evaluators run). The points at stake (``amount``, by default the row's
points) are earned in proportion: ``amount × done ÷ of``, one quotient
rounded once by :data:`govrules.numbers.ROUNDING`; the rule deducts the rest.
2 of 3 reservoirs on a 4-point row earn 8 ÷ 3 = 2.67 and deduct 1.33.

Readings it makes (docs/mechanisms/proportional.md): more done than due is
full points (the rule does not fire); nothing due (``of`` = 0) is full points
too, since nothing is unfinished.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal, Mapping

from ..engine.conditions import CompareFacts
from ..numbers import ROUNDING, divide, fmt, mul
from ..rubric.model import Number, RuleSpec
from .base import CheckContext, FactRef, Path_, RuleKind, Wording, effect


class ProportionalRule(RuleSpec):
    """Points earned in proportion to ``done`` out of ``of`` (未完成按水库退养完成比例扣分)."""

    kind: Literal["proportional"]
    done: str
    of: str
    amount: Number | None = None  # the points at stake; the row's points when left out


def _number(value: Any) -> Decimal:
    return Decimal(value)


def earned(stake: Decimal, done: Decimal, of: Decimal) -> Decimal:
    """The points earned: ``stake × done ÷ of``, the one quotient, rounded once."""
    return divide(mul(stake, done), of)


class Proportional(RuleKind):
    name = "proportional"
    model = ProportionalRule
    title = "按完成比例扣分"
    doc = "mechanisms/proportional.md"

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("done",), rule.done, ("count", "number")), FactRef(("of",), rule.of, ("count", "number")))

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        if rule.done == rule.of:
            yield ("of",), f"done and of are both {rule.done!r}; name the fact done and the fact due"
        for field in ("done", "of"):
            fact = context.facts.get(getattr(rule, field))
            if fact is not None and fact.type == "number" and (fact.minimum is None or fact.minimum < 0):
                yield (field,), f"{fact.name!r} may be negative; a proportion needs it at least 0 (declare minimum: 0)"
        if rule.amount is None:
            if context.in_ledger:
                yield ("amount",), "in a ledger a proportional rule needs its amount: the points at stake"
            return
        if rule.amount <= 0:
            yield ("amount",), "the points at stake must be more than 0"
            return
        message = context.number_limits(rule.amount)
        if message:
            yield ("amount",), message
        for target, points in (context.points or {}).items():
            if rule.amount > points:
                yield ("amount",), f"{fmt(rule.amount)} points at stake, more than the row's {fmt(points)} for {target!r}"

    def trigger(self, rule: Any) -> CompareFacts:
        return CompareFacts(rule.done, "<", rule.of)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        values = dict(facts)
        done, of = _number(values[rule.done]), _number(values[rule.of])
        stake = rule.amount if rule.amount is not None else item_max
        # Fired means done < of, so of > 0: the quotient is defined.
        amount = None if stake is None else stake - earned(stake, done, of)
        shown = ((rule.done, values[rule.done]), (rule.of, values[rule.of]))
        rest = tuple(pair for pair in facts if pair[0] not in (rule.done, rule.of))
        return (effect(compiled, amount, shown + rest, quantity=None, unit_amount=stake),)

    def detail(self, effect: Any) -> str:
        (_, done), (_, of) = effect.facts[:2]
        ratio = f"完成{fmt(_number(done))}/{fmt(_number(of))}"
        if effect.amount is None or effect.unit_amount is None:
            return f"（{ratio}）"
        return f"（{ratio}，得{fmt(effect.unit_amount - effect.amount)}分）"

    def words(self, rule: Any, w: Wording) -> str:
        due = f"{w.label(rule.done)}少于{w.label(rule.of)}的"
        if w.checklist and rule.amount is None:
            return f"{due}记为不符合"
        stake = f"{fmt(rule.amount)}分" if rule.amount is not None else "本项分值"
        return f"{due}，按完成比例{w.verb}分：得{stake} × {w.label(rule.done)} ÷ {w.label(rule.of)}"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"done": rule.done, "of": rule.of, "amount": fmt(rule.amount)}

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        if rule.done not in scalars or rule.of not in scalars:
            return None
        return scalars[rule.done] < scalars[rule.of]

    def violation_directions(self, rule: Any) -> Mapping[str, Any]:
        return {rule.done: "down", rule.of: "up"}

    def check_effect(self, rule: Any, effect: Any) -> str | None:
        (done_name, done), (of_name, of) = effect.facts[:2]
        if (done_name, of_name) != (rule.done, rule.of):
            return f"reports {done_name!r} and {of_name!r}, not {rule.done!r} done of {rule.of!r}"
        if not _number(done) < _number(of):
            return f"fired with {done} done of {of}"
        if effect.amount is None:
            return None
        # Naively: the row keeps stake × done / of, rounded once; the rest is deducted.
        kept = ROUNDING.apply(effect.unit_amount * _number(done) / _number(of))
        if effect.amount != effect.unit_amount - kept:
            return f"deducts {fmt(effect.amount)} of {fmt(effect.unit_amount)} for {done}/{of}; it keeps {fmt(kept)}"
        return None
