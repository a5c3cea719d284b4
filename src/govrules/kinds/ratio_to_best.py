"""按第1名的比例得分: the first in the cohort scores full points, the others in proportion to it.

    按各地区编制资源总量/所辖村（社区）总数进行排名，第1名得6分，第2-5名按第1名的比例得分

.. code-block:: yaml

    - {id: ratio, kind: ratio_to_best, fact: staff_per_village, better: lower,
       quote: 第1名得6分，第2-5名按第1名的比例得分}

A cohort kind. The points at stake (``amount``, by default the row's points)
are earned in proportion to the best figure of the cohort: ``stake × value ÷
best`` where more is better, ``stake × best ÷ value`` where fewer is better
(编制/村 10, 12, 15, 20, 25 give 6, 5, 4, 3, 2.4 on 6 points), the one
quotient rounded once by :data:`govrules.numbers.ROUNDING`; the rule deducts
the rest. The best unit keeps full points. Which way is better, and what
「按第1名的比例」 means where fewer is better (best ÷ value), are readings.
Figures are at least 0 (checked at load); where more is better and the best
is 0, every unit is best; where fewer is better a unit at 0 is best and every
other earns 0. Docs: docs/mechanisms/ratio-to-best.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal

import attrs

from ..numbers import divide, fmt, mul
from ..rubric.model import Number
from .base import CheckContext, Path_, Wording, effect
from .cohort import FigureKind, CohortRuleSpec, Outcome, direction_words, missing


class RatioToBestRule(CohortRuleSpec):
    """Points in proportion to the cohort's best figure (第1名得6分，第2-5名按第1名的比例得分)."""

    kind: Literal["ratio_to_best"]
    fact: str  # type: ignore[assignment]
    amount: Number | None = None  # the points at stake; the row's points when left out


def earned(stake: Decimal, value: Decimal, best: Decimal, better: str) -> Decimal:
    """The points a figure earns against the best: one quotient, rounded once."""
    if value == best:
        return stake
    if better == "higher":
        return divide(mul(stake, value), best)  # best > value ≥ 0
    return divide(mul(stake, best), value)  # value > best ≥ 0


class RatioToBest(FigureKind):
    name = "ratio_to_best"
    model = RatioToBestRule
    title = "按第1名的比例得分"
    doc = "mechanisms/ratio-to-best.md"
    cappable = False

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        if rule.when is not None:
            yield ("when",), "a ratio_to_best rule scores every unit of the cohort; it takes no when"
        fact = context.facts.get(rule.fact)
        if fact is not None and fact.type == "number" and (fact.minimum is None or fact.minimum < 0):
            yield ("fact",), f"{fact.name!r} may be negative; a ratio needs it at least 0 (declare minimum: 0)"
        if rule.amount is not None:
            if rule.amount <= 0:
                yield ("amount",), "the points at stake must be more than 0"
            for target, points in (context.points or {}).items():
                if rule.amount > points:
                    yield ("amount",), f"{fmt(rule.amount)} points at stake, more than the row's {fmt(points)} for {target!r}"
        elif context.unpointed_targets or not context.points:
            yield ("amount",), "the row has no points: name the points at stake (amount)"

    def cohort_effects(self, compiled: Any, cohort: Any, item_max: Decimal | None) -> tuple[Outcome, ...]:
        rule = compiled.rule
        stake = rule.amount if rule.amount is not None else item_max
        joined = cohort.joined()
        out = []
        for i in range(len(cohort.units)):
            value = cohort.figures[i]
            if value is None:
                out.append(Outcome(missing(compiled.uid, cohort.units[i])))
                continue
            figures = cohort.figures_of(compiled.uid, i, joined, rule.better)
            best = figures.best
            if value == best or (rule.better == "higher" and best == 0):
                out.append(Outcome(figures))
                continue
            got = earned(stake, value, best, rule.better)
            if got == stake:  # the quotient rounds to full points (6 × 1999 ÷ 2000 = 5.997 → 6): nothing is lost, no effect of 0
                out.append(Outcome(figures))
                continue
            ratio = f"{fmt(value)}÷{fmt(best)}" if rule.better == "higher" else f"{fmt(best)}÷{fmt(value)}"
            made = effect(compiled, stake - got, cohort.facts[i], quantity=None, unit_amount=stake)
            out.append(Outcome(figures, (attrs.evolve(made, detail=f"（{figures.text}；{fmt(stake)}×{ratio}，得{fmt(got)}分）"),)))
        return tuple(out)

    def words(self, rule: Any, w: Wording) -> str:
        stake = f"{fmt(rule.amount)}分" if rule.amount is not None else "本项分值"
        ratio = "本单位数值 ÷ 最优数值" if rule.better == "higher" else "最优数值 ÷ 本单位数值"
        return f"同批考核单位按{w.label(rule.fact)}比较（{direction_words(rule.better)}）：最优者得{stake}，其余得{stake} × {ratio}"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"fact": rule.fact, "better": rule.better, "amount": fmt(rule.amount)}

    def check_cohort(self, rule: Any, figures: list[Any], effects: list[Any], scores: list[Any], item_max: Any) -> str | None:
        # 第1名得6分: a unit whose figure is the best loses nothing on this rule.
        for f, made in zip(figures, effects):
            if f.reason is None and f.value == f.best and made:
                return f"the best unit ({fmt(f.value)}) loses {fmt(made[0].amount)}"
            if f.reason is None and f.value != f.best and made and made[0].amount > made[0].unit_amount:
                return "a unit loses more than the points at stake"
        return None

    def check_effect(self, rule: Any, made: Any) -> str | None:
        if made.amount is None or made.unit_amount is None or not (0 < made.amount <= made.unit_amount):
            return f"deducts {fmt(made.amount)} of {fmt(made.unit_amount)}"
        return None
