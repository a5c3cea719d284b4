"""The reference evaluator: the rule semantics in plain Python.

A rule fires when every fact it reads is present and its condition holds. An
evidence requirement is missing when the assessment lists no such evidence for
the item. This is the oracle the durable_rules evaluator is tested against.
"""

from __future__ import annotations

from ..compiled import TargetView
from ..conditions import evaluate
from ..inputs import Assessment
from . import Evaluation, scalars_of


class ReferenceEvaluator:
    name = "reference"

    def evaluate(self, view: TargetView, assessment: Assessment) -> Evaluation:
        scalars = scalars_of(view, assessment)
        fired = frozenset(
            rule.uid
            for rule in view.rules
            if all(name in scalars for name in rule.reads) and evaluate(rule.condition, scalars)
        )
        missing = tuple(pair for pair in view.evidence if pair not in assessment.evidence)
        return Evaluation(fired=fired, missing_evidence=missing)
