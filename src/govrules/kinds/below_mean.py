"""以平均值为基准: below the cohort's mean, an amount for each step below it.

    以各地区乡镇（街道）编制……占地区编制资源总量配比的平均值为基准，不低于平均值的得2分；每低1%，扣0.1分

.. code-block:: yaml

    - {id: mean, kind: below_mean, fact: township_share, better: higher, step: 1, amount: 0.1, percent: points,
       quote: 不低于平均值的得2分；每低1%，扣0.1分}

A cohort kind. The threshold is the mean of the figures of the units of the
cohort (plus ``margin``, where the document adds one); a unit at or above it
keeps the row; below it, the rule deducts ``amount`` for each ``step`` below.
Only ``better: higher`` is meaningful (「不低于平均值」). ``percent`` says what
「每低1%」 counts: ``points`` — percentage points of the figure (the figure is
a percentage: 28% against a mean of 30% is 2 below) — or ``relative`` — per
cent of the threshold (28 against 30 is 6.67% below). ``partial`` as for
``per_step``: a part of a step ignored, or counted as one. Each is a reading
where the document does not say. Exact: the mean is a fraction and never
rounded before the comparison; only the figures shown in words are rounded.
Docs: docs/mechanisms/below-mean.md.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Literal

import attrs
from pydantic import Field

from ..numbers import fmt, mul
from ..rubric.model import Number
from .base import CheckContext, Path_, Wording, effect
from .cohort import FigureKind, CohortRuleSpec, Outcome, missing, shown


class BelowMeanRule(CohortRuleSpec):
    """``amount`` for each ``step`` below the cohort's mean (每低1%，扣0.1分)."""

    kind: Literal["below_mean"]
    fact: str  # type: ignore[assignment]
    step: Number = Field(gt=0, description="One step (每低1%: 1).")
    amount: Number = Field(gt=0, description="What each step deducts.")
    percent: Literal["points", "relative"] = Field(description="What 每低1% counts: percentage points of the figure, or per cent of the threshold.")
    partial: Literal["ignored", "counted"] = Field(default="ignored", description="A part of a step: ignored, or counted as one.")
    margin: Number = Field(default=Decimal(0), ge=0, description="Added to the mean: the threshold is mean + margin.")


def steps_below(value: Decimal, threshold: Fraction, rule: Any) -> tuple[int, Fraction]:
    """The steps ``value`` counts below ``threshold`` and how far below it is (in points, or per cent of it)."""
    below = threshold - Fraction(value)
    if below <= 0:
        return 0, Fraction(0)
    if rule.percent == "relative":
        below = below * 100 / threshold
    n = below / Fraction(rule.step)
    whole = math.floor(n)
    return whole + (1 if rule.partial == "counted" and n != whole else 0), below


class BelowMean(FigureKind):
    name = "below_mean"
    model = BelowMeanRule
    title = "以平均值为基准扣分"
    doc = "mechanisms/below-mean.md"
    cappable = True

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        if rule.when is not None:
            yield ("when",), "a below_mean rule compares every unit of the cohort with the mean; it takes no when"
        if rule.better != "higher":
            yield ("better",), "below_mean deducts below the mean: more is better (better: higher)"
        fact = context.facts.get(rule.fact)
        if rule.percent == "relative" and fact is not None and (fact.minimum is None or fact.minimum < 0):
            yield ("fact",), f"{fact.name!r} may be negative; per cent of the mean needs it at least 0 (declare minimum: 0)"

    def cohort_effects(self, compiled: Any, cohort: Any, item_max: Decimal | None) -> tuple[Outcome, ...]:
        rule = compiled.rule
        joined = cohort.joined()
        threshold = cohort.mean(joined) + Fraction(rule.margin) if joined else None
        out = []
        for i in range(len(cohort.units)):
            value = cohort.figures[i]
            if value is None:
                out.append(Outcome(missing(compiled.uid, cohort.units[i])))
                continue
            figures = cohort.figures_of(compiled.uid, i, joined, rule.better)
            if rule.percent == "relative" and threshold == 0:
                out.append(Outcome(attrs.evolve(figures, reason=f"{figures.text}：平均值为0，无法按百分比计算低于平均值的幅度")))
                continue
            n, below = steps_below(value, threshold, rule)  # type: ignore[arg-type]
            if n == 0:
                out.append(Outcome(figures))
                continue
            against = f"平均值{fmt(figures.mean)}" + (f"加{fmt(rule.margin)}" if rule.margin else "")
            how = f"低{fmt(shown(below))}{'个百分点' if rule.percent == 'points' else '%'}"
            made = effect(compiled, mul(rule.amount, n), cohort.facts[i], quantity=n, unit_amount=rule.amount)
            out.append(Outcome(figures, (attrs.evolve(made, detail=f"（{figures.text}；比{against}{how}，按每{fmt(rule.step)}计{n}次）"),)))
        return tuple(out)

    def words(self, rule: Any, w: Wording) -> str:
        margin = f"加{fmt(rule.margin)}" if rule.margin else ""
        unit = "个百分点" if rule.percent == "points" else "%（相对平均值）"
        part = "不足一档的按一档计" if rule.partial == "counted" else "不足一档的不计"
        return f"以同批考核单位{w.label(rule.fact)}的平均值{margin}为基准，不低于的不扣分；每低{fmt(rule.step)}{unit}{w.amount(rule.amount)}（{part}）"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"fact": rule.fact, "step": fmt(rule.step), "amount": fmt(rule.amount), "percent": rule.percent, "partial": rule.partial, "margin": fmt(rule.margin)}

    def check_effect(self, rule: Any, made: Any) -> str | None:
        if not isinstance(made.quantity, int) or made.quantity < 1 or made.amount != mul(rule.amount, made.quantity):
            return f"deducts {fmt(made.amount)} for {made.quantity!r} steps of {fmt(rule.amount)}"
        return None
