"""Rows several raters score: each rater's score of the row, and how they combine.

A row the pack marks ``raters:`` (a panel's 「对政府信息公开工作是否满意」, say)
may be given once per rater (an assessment's ``ratings``, or several partial
assessments merged: :mod:`govrules.engine.merge`). Each rater's facts are
scored by the row's own rules as if that rater had filled the row in alone;
the row then scores their combination, as the pack says: ``mean``, ``median``,
``min`` or ``max``. A mean, and the median of an even number of ratings, is a
quotient: it is rounded once by the declared rule
(:data:`govrules.numbers.ROUNDING`); the others are exact.

The row's result (:class:`~govrules.engine.result.Combined`) keeps every
rater's score, the facts it came from and the effects that took points, beside
the combination and its quote or reading, so every point still traces to a
rater, a rule and the document's words.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

import attrs

from ..errors import FactsError, Problem
from ..numbers import ZERO, divide, exact
from .compiled import TargetView
from .inputs import Assessment
from .result import NOT_APPLICABLE, Combined, Rating, Result


@exact
def combine(how: str, scores: list[Decimal]) -> Decimal:
    """The scores of one row's raters combined; ``scores`` is not empty."""
    if not scores:
        raise ValueError("no ratings to combine")
    ordered = sorted(scores)
    n = len(ordered)
    if how == "mean":
        return divide(sum(ordered, ZERO), Decimal(n))
    if how == "median":
        middle = n // 2
        return ordered[middle] if n % 2 else divide(ordered[middle - 1] + ordered[middle], Decimal(2))
    if how == "min":
        return ordered[0]
    if how == "max":
        return ordered[-1]
    raise ValueError(f"unknown combination {how!r}")


def rate(view: TargetView, assessment: Assessment, score_alone: Callable[[Assessment], Result]) -> dict[str, Combined]:
    """Each rated row's combination, from its raters' facts in ``assessment.ratings``.

    ``score_alone`` scores an assessment holding one rater's facts only (the
    pack's own pipeline); the row's result in it is that rater's score. A
    rater whose facts leave the row without a score is refused, naming the
    rater and the facts missing: a combination over the others would look
    right and be wrong.
    """
    out: dict[str, Combined] = {}
    problems: list[Problem] = []
    for item_id, raters in assessment.ratings:
        item = view.item_index[item_id]
        raters_spec = item.raters
        assert raters_spec is not None
        ratings: list[Rating] = []
        for i, (by, facts, derived) in enumerate(raters):
            alone = attrs.evolve(
                assessment, facts=facts, derived=derived, evidence=frozenset(), not_applicable=(), self_assessment=(), reviews=(), ratings=()
            )
            row = score_alone(alone).item(item_id)
            if row.score is None or row.status == NOT_APPLICABLE:
                # By label, with the id (as merge names them): the office reads 满意度评估等级, the id finds the field.
                missing = "、".join(f"{view.fact_labels.get(n, n)}（{n}）" for n in row.unchecked_facts) or "—"
                problems.append(Problem.coded(f"ratings.{item_id}[{i}]", "ratings.missing", rater=by, item=item_id, missing=missing))
                continue
            ratings.append(Rating(by, row.score, facts, row.effects))
        if len(ratings) == len(raters):
            value = combine(raters_spec.combine, [r.score for r in ratings])
            out[item_id] = Combined(raters_spec.combine, value, tuple(ratings), raters_spec.quote, raters_spec.reading)
    if problems:
        raise FactsError.coded("ratings.problems_summary", problems, count=len(problems), pack=view.pack_id, target=view.target.name)
    return out
