"""定额加分: quotas by level, the row's points for meeting them, a bonus per piece beyond them.

    每个乡镇省级用稿1篇，市级用稿2篇，县级用稿2篇，得5分，多投稿一篇按2：1：0.5比例加分

.. code-block:: yaml

    - id: articles
      kind: quota
      quote: 每个乡镇省级用稿1篇，市级用稿2篇，县级用稿2篇，得5分，多投稿一篇按2：1：0.5比例加分
      levels:
        - {level: 省级, fact: articles_province, quota: 1, rate: 2}
        - {level: 市级, fact: articles_city, quota: 2, rate: 1}
        - {level: 县级, fact: articles_county, quota: 2, rate: 0.5}

Fires when any level's count differs from its quota. Its effects:

* a level short of its quota: the row's points are not earned (one deduction
  of the row's points, naming the levels short) — the row's points are earned
  only when every quota is met;
* each level beyond its quota: ``rate × (count − quota)`` is awarded, naming
  the level, whether or not another level is short.

Awards raise the row above its points, so the row needs a ``ceiling``.
Every level's count must be known once the rule fires. Docs:
docs/mechanisms/quota.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal, Mapping

from pydantic import Field

from ..engine.conditions import Compare, Or
from ..numbers import fmt, mul
from ..rubric.model import Number, RuleSpec, _Strict
from .base import AWARD, DEDUCT, CheckContext, FactRef, Path_, RuleKind, Wording, effect


class Level(_Strict):
    level: str = Field(description="The level, e.g. 省级, 市级, 县级.")
    fact: str
    quota: int = Field(ge=0, description="How many the level asks for (省级用稿1篇).")
    rate: Number = Field(description="Points for each one beyond the quota (多投稿一篇按2：1：0.5比例加分).")


class QuotaRule(RuleSpec):
    """Quotas by level; the row's points when every one is met; ``rate`` for each piece beyond a level's quota."""

    kind: Literal["quota"]
    levels: tuple[Level, ...] = Field(min_length=1)


class Quota(RuleKind):
    name = "quota"
    model = QuotaRule
    title = "定额加分"
    doc = "mechanisms/quota.md"
    mode = AWARD
    modes = (DEDUCT, AWARD)
    in_ledgers = False
    cappable = False  # its effects go both ways; a cap groups rules of one direction

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return tuple(FactRef(("levels", j, "fact"), lv.fact, ("count",)) for j, lv in enumerate(rule.levels))

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        facts: dict[str, int] = {}
        names: dict[str, int] = {}
        for j, lv in enumerate(rule.levels):
            if lv.fact in facts:
                yield ("levels", j, "fact"), f"{lv.fact!r} is already the count of level {facts[lv.fact]}; each level counts its own"
            facts.setdefault(lv.fact, j)
            if lv.level in names:
                yield ("levels", j, "level"), f"level {lv.level!r} is listed twice"
            names.setdefault(lv.level, j)
            if lv.rate < 0:
                yield ("levels", j, "rate"), "rates are written as positive numbers"
            else:
                message = context.number_limits(lv.rate)
                if message:
                    yield ("levels", j, "rate"), message

    def trigger(self, rule: Any) -> Any:
        parts = tuple(Compare(lv.fact, "!=", lv.quota) for lv in rule.levels)
        return parts[0] if len(parts) == 1 else Or(parts)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        # A level whose count is missing leaves the rule unchecked (see findings_of); the others still show.
        values = dict(facts)
        levels = [lv for lv in rule.levels if lv.fact in values]
        short = [lv for lv in levels if values[lv.fact] < lv.quota]
        out = []
        if short:
            # One deduction naming every level short: the row's points hang on all the quotas together.
            shown = tuple((lv.fact, values[lv.fact]) for lv in short)
            out.append(effect(compiled, item_max, shown, quantity=None, level="、".join(lv.level for lv in short), mode=DEDUCT))
        for lv in levels:
            n = values[lv.fact]
            if n > lv.quota:
                beyond = n - lv.quota
                amount = None if item_max is None else mul(lv.rate, beyond)
                out.append(effect(compiled, amount, ((lv.fact, n),), quantity=beyond, unit_amount=lv.rate, level=lv.level, mode=AWARD))
        return tuple(out)

    def detail(self, effect: Any) -> str:
        if effect.mode == DEDUCT:
            return "（未达定额，不得本项分值）"
        return "（超出定额部分）"

    def words(self, rule: Any, w: Wording) -> str:
        quotas = "、".join(f"{lv.level}（{w.label(lv.fact)}）{lv.quota}{w.unit(lv.fact, '篇')}" for lv in rule.levels)
        if w.checklist:
            return f"{quotas}均达到的记为符合"
        rates = "、".join(f"{lv.level}加{fmt(lv.rate)}分" for lv in rule.levels)
        return f"{quotas}均达到的得本项分值，任一未达到的不得本项分值；超出定额的每{w.unit(rule.levels[0].fact, '篇')}{rates}"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"levels": [{"level": lv.level, "fact": lv.fact, "quota": lv.quota, "rate": fmt(lv.rate)} for lv in rule.levels]}

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        parts = [None if lv.fact not in scalars else scalars[lv.fact] != lv.quota for lv in rule.levels]
        return True if True in parts else (False if all(p is False for p in parts) else None)

    def violation_directions(self, rule: Any) -> Mapping[str, Any]:
        return {lv.fact: "down" for lv in rule.levels}  # fewer pieces never earn more

    def check_effect(self, rule: Any, effect: Any) -> str | None:
        levels = {lv.level: lv for lv in rule.levels}
        if effect.mode == DEDUCT:
            named = []
            for name, n in effect.facts:
                lv = next((x for x in rule.levels if x.fact == name), None)
                if lv is None or not n < lv.quota:
                    return f"deducts for {name}={n}, which is not a level short of its quota"
                named.append(lv.level)
            if effect.level != "、".join(named):
                return f"names levels {effect.level!r}, not those short: {'、'.join(named)}"
            return None
        lv = levels.get(effect.level)
        if lv is None:
            return f"names level {effect.level!r}, which the rule does not have"
        ((name, n),) = effect.facts
        if name != lv.fact or effect.quantity != n - lv.quota or effect.quantity <= 0:
            return f"awards {effect.quantity} beyond the {lv.level} quota of {lv.quota} for {name}={n}"
        if effect.amount is not None and effect.amount != lv.rate * effect.quantity:
            return f"awards {fmt(effect.amount)} for {effect.quantity} beyond the {lv.level} quota at {fmt(lv.rate)} each"
        return None
