"""Named scoring models for documents that assign no points.

changsha_ref and taiqian give no points: a result is a status per indicator.
A user who needs a number must choose a scoring model explicitly, and the
result says which one it was. Models are applied after scoring and never
change the statuses they are computed from.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from ..errors import GovrulesError, Problem
from ..numbers import divide, exact, fmt
from .result import FAIL, PASS, Result

#: name → description (Chinese, for reports).
MODELS = {
    "flat_unweighted": (
        "等权计分（XCCDF flat-unweighted）：每个适用且已检查的指标权重相同，"
        "得分 = 符合项数 ÷（符合项数 + 不符合项数）× 100；不适用与未检查的指标不计入。"
    ),
}


@attrs.frozen
class ModelScore:
    name: str
    description: str
    passed: int
    failed: int
    not_counted: int
    score: Decimal | None
    max: Decimal
    complete: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "passed": self.passed,
            "failed": self.failed,
            "not_counted": self.not_counted,
            "score": fmt(self.score),
            "max": fmt(self.max),
            "complete": self.complete,
        }


def flat_unweighted(result: Result) -> ModelScore:
    passed = sum(1 for i in result.items if i.status == PASS)
    failed = sum(1 for i in result.items if i.status == FAIL)
    other = len(result.items) - passed - failed
    hundred = Decimal(100)
    score = divide(Decimal(passed) * hundred, Decimal(passed + failed)) if passed + failed else None
    return ModelScore(
        "flat_unweighted",
        MODELS["flat_unweighted"],
        passed,
        failed,
        other,
        score,
        hundred,
        complete=result.complete,
    )


@exact
def apply_model(result: Result, name: str) -> Result:
    """The result with the named model's score attached (``result.model``)."""
    if name not in MODELS:
        raise GovrulesError(f"unknown scoring model {name!r}", [Problem("model", f"known models: {', '.join(MODELS)}")])
    return attrs.evolve(result, model=flat_unweighted(result))


__all__ = ["MODELS", "ModelScore", "apply_model"]
