"""排名赋分: the row scores the points its rank in the cohort gives.

    在全市排名1-5名的依次赋予60分、57分、54分、51分、48分

.. code-block:: yaml

    - {id: rank, kind: rank_points, fact: performance_score, better: higher, ties: competition,
       points: [60, 57, 54, 51, 48], quote: 在全市排名1-5名的依次赋予60分、57分、54分、51分、48分}

A cohort kind: each unit of the target assessed together is ranked on its
figure, a fact (``fact:``) or the score of a row or section of the same
target (``row:``, 计算编制总量项得分……排名). ``better`` says which way is better,
``ties`` how equal figures rank (competition 1, 1, 3 or dense 1, 1, 2): both
are readings where the document does not say. The row's points are those of
its rank (mode ``set``); the first rank's points are the row's. A rank beyond
the listed ones (a sixth unit where the document lists five) is not scored,
never guessed: the row is not checked, with that reason.
Docs: docs/mechanisms/rank-points.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal

import attrs
from pydantic import Field

from ..numbers import fmt
from ..rubric.model import Number
from .base import SET, CheckContext, Path_, Wording, effect
from .cohort import FigureKind, Figures, FactOrRowSpec, Outcome, Ties, direction_words, missing


class RankPointsRule(FactOrRowSpec):
    """The points of each rank, first to last (在全市排名1-5名的依次赋予60分、57分……)."""

    kind: Literal["rank_points"]
    points: tuple[Number, ...] = Field(min_length=1, description="The points of ranks 1, 2, … as the document lists them.")
    ties: Ties = Field(description="How equal figures rank: competition (1, 1, 3) or dense (1, 1, 2).")


class RankPoints(FigureKind):
    name = "rank_points"
    model = RankPointsRule
    title = "排名赋分"
    doc = "mechanisms/rank-points.md"
    mode = SET
    cappable = False

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        if rule.when is not None:
            yield ("when",), "a rank_points rule ranks every unit of the cohort; it takes no when"
        if any(b > a for a, b in zip(rule.points, rule.points[1:])):
            yield ("points",), "a lower rank never scores more: list the points from the first rank down"
        for target, points in (context.points or {}).items():
            if rule.points[0] != points:
                yield ("points", 0), f"the first rank gives {fmt(rule.points[0])} points, not the row's {fmt(points)} for {target!r}"
        if context.unpointed_targets or not context.points:
            yield ("kind",), "a rank_points rule sets the row's points, but the row has no points"

    def cohort_effects(self, compiled: Any, cohort: Any, item_max: Decimal | None) -> tuple[Outcome, ...]:
        rule = compiled.rule
        joined = cohort.joined()
        out = []
        for i in range(len(cohort.units)):
            if cohort.figures[i] is None:
                out.append(Outcome(missing(compiled.uid, cohort.units[i])))
                continue
            rank = cohort.rank(i, joined, rule.better, rule.ties)
            figures = cohort.figures_of(compiled.uid, i, joined, rule.better, rank)
            if rank > len(rule.points):
                listed = f"文件只列出第1-{len(rule.points)}名的分值" if len(rule.points) > 1 else "文件只列出第1名的分值"
                out.append(Outcome(attrs.evolve(figures, reason=f"{figures.text}：{listed}，第{rank}名未规定分值")))
                continue
            points = rule.points[rank - 1]
            if item_max is not None and points >= item_max:
                out.append(Outcome(figures))
                continue
            made = effect(compiled, points, cohort.facts[i], quantity=1)
            out.append(Outcome(figures, (attrs.evolve(made, detail=f"（{figures.text}；第{rank}名得{fmt(points)}分）"),)))
        return tuple(out)

    def words(self, rule: Any, w: Wording) -> str:
        what = w.label(rule.fact) if rule.fact is not None else f"第{rule.row}项得分"
        scale = "、".join(f"第{n}名{fmt(p)}分" for n, p in enumerate(rule.points, 1))
        ties = "并列者同名次，下一名次顺延" if rule.ties == "competition" else "并列者同名次，下一名次紧接"
        return f"同批考核单位按{what}排名（{direction_words(rule.better)}，{ties}）：{scale}"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"fact": rule.fact, "row": rule.row, "better": rule.better, "ties": rule.ties, "points": [fmt(p) for p in rule.points]}

    def check_cohort(self, rule: Any, figures: list[Any], effects: list[Any], scores: list[Any], item_max: Any) -> str | None:
        # 依次赋予: the first rank keeps the row's points, rank k gets the k-th points, a better figure never ranks lower.
        scored = [f for f in figures if f.reason is None]
        for f, made in zip(figures, effects):
            if f.reason is not None:
                continue
            given = made[0].amount if made else rule.points[0]
            if given != rule.points[f.rank - 1]:
                return f"rank {f.rank} gets {fmt(given)} points, not {fmt(rule.points[f.rank - 1])}"
        for a in scored:
            for b in scored:
                if (a.value > b.value if rule.better == "higher" else a.value < b.value) and not a.rank < b.rank:
                    return f"{fmt(a.value)} ranks {a.rank}, not ahead of {fmt(b.value)} at {b.rank}"
        return None

    def check_effect(self, rule: Any, made: Any) -> str | None:
        if made.amount not in rule.points:
            return f"gives {fmt(made.amount)} points, which no rank of the rule gives"
        return None


__all__ = ["RankPoints", "RankPointsRule", "Figures"]
