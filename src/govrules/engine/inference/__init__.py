"""Inference: which rules fire for an assessment.

Two evaluators implement the same semantics and must agree on every input:

* :class:`~govrules.engine.inference.durable.DurableEvaluator`, the production path,
  compiles a target's rules into a durable_rules (Rete) ruleset;
* :class:`~govrules.engine.inference.reference.ReferenceEvaluator` is plain Python,
  short enough to read in one sitting, and serves as the oracle in tests.

Both return an :class:`Evaluation`; neither computes a score.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from ..compiled import TargetView
from ..facts import scalar
from ..inputs import Assessment


@attrs.frozen
class Evaluation:
    """What inference found: the rules that fired, and evidence that is missing."""

    fired: frozenset[str]
    missing_evidence: tuple[tuple[str, str], ...]


class Evaluator(Protocol):
    name: str

    def evaluate(self, view: TargetView, assessment: Assessment) -> Evaluation: ...


def scalars_of(view: TargetView, assessment: Assessment) -> dict[str, object]:
    """Each present fact's scalar view (what conditions compare)."""
    specs = {f.name: f for f in view.facts}
    return {name: scalar(specs[name], value) for name, value in assessment.facts if name in specs}
