"""The reference evaluator: the rule semantics in plain Python.

A rule fires when its condition is true in three-valued logic over the facts
present (see :func:`govrules.engine.conditions.decide`). An evidence requirement is
missing when the assessment lists no such evidence for the item. This is the
oracle the durable_rules evaluator is tested against.
"""

from __future__ import annotations

from ..compiled import TargetView
from ..conditions import decide
from ..inputs import Assessment
from . import Evaluation, scalars_of


class ReferenceEvaluator:
    name = "reference"

    def evaluate(self, view: TargetView, assessment: Assessment) -> Evaluation:
        scalars = scalars_of(view, assessment)
        fired = frozenset(rule.uid for rule in view.rules if decide(rule.condition, scalars, rule.optional) is True)
        missing = tuple(pair for pair in view.evidence if pair not in assessment.evidence)
        return Evaluation(fired=fired, missing_evidence=missing)
