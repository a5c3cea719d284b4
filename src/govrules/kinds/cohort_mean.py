"""按平均分得分: where the row does not apply to a unit, it scores the cohort's mean score of that row.

    未新进人员，涉及新进人员指标按市级部门平均分得分

.. code-block:: yaml

    - {id: no_hires, kind: cohort_mean, when: {fact: new_hires, op: "==", value: 0},
       quote: 未新进人员，涉及新进人员指标按市级部门平均分得分}

A cohort kind whose ``when`` says where the row does not apply (未新进人员).
For those units the row scores the mean of the row's scores of the units it
does apply to (those whose row is scored), the quotient rounded once by
:data:`govrules.numbers.ROUNDING`, whatever the row's other rules found (they
describe what such a unit does not have). A unit whose ``when`` cannot be
decided is not checked; with no unit to take the mean of, the row is not
checked either. Docs: docs/mechanisms/cohort-mean.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal

import attrs

from ..numbers import fmt
from ..rubric.model import RuleSpec
from .base import SET, CheckContext, Path_, RuleKind, Wording, effect
from .cohort import Figures, Outcome, shown


class CohortMeanRule(RuleSpec):
    """The row scores the cohort's mean of that row where ``when`` holds (按市级部门平均分得分)."""

    kind: Literal["cohort_mean"]


class CohortMean(RuleKind):
    name = "cohort_mean"
    model = CohortMeanRule
    title = "按平均分得分"
    doc = "mechanisms/cohort-mean.md"
    mode = SET
    cohort = True
    decides_row = True
    in_ledgers = False
    cappable = False
    words_say_when = True  # words() says the when: where the row does not apply

    def cohort_figure(self, rule: Any) -> tuple[str, str]:
        return ("row", "")  # "": the row the rule is on

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        if rule.when is None:
            yield ("when",), "a cohort_mean rule needs its when: where the row does not apply to a unit (未新进人员)"
        if context.unpointed_targets or not context.points:
            yield ("kind",), "a cohort_mean rule gives the row a score, but the row has no points"

    def cohort_effects(self, compiled: Any, cohort: Any, item_max: Decimal | None) -> tuple[Outcome, ...]:
        uid = compiled.uid
        among = tuple(i for i, a in enumerate(cohort.applies) if a is False)
        joined = cohort.joined(among)
        out = []
        for i in range(len(cohort.units)):
            applies = cohort.applies[i]
            if applies is False:
                # The row applies as written: its own score joins the mean, nothing here depends on the cohort.
                out.append(Outcome(Figures(uid, len(joined), cohort.figures[i], None, None, None, relative=False)))
                continue
            if applies is None:
                out.append(Outcome(Figures(uid, reason="缺少判断本项是否适用的事实，未检查")))
                continue
            if not joined:
                out.append(Outcome(Figures(uid, 0, reason="同批考核单位中没有本项已计分的单位，无法取平均分")))
                continue
            mean = shown(cohort.mean(joined))
            figures = Figures(uid, len(joined), None, cohort.best(joined, "higher"), mean, None)
            made = effect(compiled, mean, cohort.facts[i], quantity=1)
            words = f"（本项对本单位不适用，按{len(joined)}个单位本项平均分{fmt(mean)}得分）"
            out.append(Outcome(figures, (attrs.evolve(made, detail=words),)))
        return tuple(out)

    def words(self, rule: Any, w: Wording) -> str:
        return f"{w.condition(rule.when)}的，本项按同批考核单位本项平均分得分"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {}
