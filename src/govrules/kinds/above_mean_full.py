"""高于平均加幅度的可不扣分: above the cohort's mean plus a margin, the row keeps its points whatever else it lost.

    但本地区中小学教职工编制总量与地区事业编制总量的占比高于各地区平均占比加5%的，可不扣分

.. code-block:: yaml

    - {id: exempt, kind: above_mean_full, fact: teacher_share, better: higher, margin: 5,
       quote: 高于各地区平均占比加5%的，可不扣分}

A cohort kind that exempts: where a unit's figure is above the cohort's mean
plus ``margin`` (strictly: 「高于」), the row scores its full points, whatever
its other rules deduct (「可不扣分」); elsewhere it does nothing. ``margin``
is in the figure's own unit (percentage points for a share: a reading where
the document writes 「加5%」). Docs: docs/mechanisms/above-mean-full.md.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Literal

import attrs
from pydantic import Field

from ..numbers import fmt
from ..rubric.model import Number
from .base import SET, CheckContext, Path_, Wording, effect
from .cohort import FigureKind, CohortRuleSpec, Outcome, missing


class AboveMeanFullRule(CohortRuleSpec):
    """Full points where the figure is above the cohort's mean plus ``margin`` (高于各地区平均占比加5%的，可不扣分)."""

    kind: Literal["above_mean_full"]
    fact: str  # type: ignore[assignment]
    margin: Number = Field(default=Decimal(0), ge=0, description="Added to the mean, in the figure's unit.")


class AboveMeanFull(FigureKind):
    name = "above_mean_full"
    model = AboveMeanFullRule
    title = "高于平均值的可不扣分"
    doc = "mechanisms/above-mean-full.md"
    mode = SET
    decides_row = True
    cappable = False

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        if rule.when is not None:
            yield ("when",), "an above_mean_full rule compares every unit with the mean; it takes no when"
        if rule.better != "higher":
            yield ("better",), "above_mean_full exempts above the mean: more is better (better: higher)"
        if context.unpointed_targets or not context.points:
            yield ("kind",), "an above_mean_full rule gives the row its points, but the row has no points"

    def cohort_effects(self, compiled: Any, cohort: Any, item_max: Decimal | None) -> tuple[Outcome, ...]:
        rule = compiled.rule
        joined = cohort.joined()
        out = []
        for i in range(len(cohort.units)):
            value = cohort.figures[i]
            if value is None:
                out.append(Outcome(missing(compiled.uid, cohort.units[i])))
                continue
            figures = cohort.figures_of(compiled.uid, i, joined, rule.better)
            if not Fraction(value) > cohort.mean(joined) + Fraction(rule.margin):
                out.append(Outcome(figures))
                continue
            made = effect(compiled, item_max, cohort.facts[i], quantity=1)
            words = f"（{figures.text}；高于平均值{fmt(figures.mean)}加{fmt(rule.margin)}，本项不扣分）"
            out.append(Outcome(figures, (attrs.evolve(made, detail=words),)))
        return tuple(out)

    def words(self, rule: Any, w: Wording) -> str:
        return f"{w.label(rule.fact)}高于同批考核单位平均值加{fmt(rule.margin)}的，本项不扣分（得满分）"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"fact": rule.fact, "better": rule.better, "margin": fmt(rule.margin)}
