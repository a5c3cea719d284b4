"""Named scoring models for documents that assign no points.

changsha_ref and taiqian give no points: a result is a status per indicator.
A user who needs a number must choose a scoring model explicitly, and the
result says which one it was. Models are applied after scoring and never
change the statuses they are computed from.

Every model's score then goes through the same steps as a scored pack's total
(:func:`adjusted`): the checklist's out-of-total items (taiqian's 特别加分项 /
特别减分项, 「不在总分内，但得分可计入（减）总分」, with the amounts an adopting
county supplies) are added and taken off, each ledger up to its cap; the score
is floored at 0; and a zeroing condition (直接归零项) makes it 0, whatever else
holds. The model's record says which of these changed its score, and why.
"""

from __future__ import annotations

import difflib
from decimal import Decimal
from typing import Any, Callable

import attrs

from ..errors import FactsError, Problem
from ..messages import text, type_name
from ..numbers import ZERO, divide, exact, fmt
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
    """A model's score for one result, and what changed it after the checklist's own count.

    ``checklist_score`` is the model's count alone; ``bonus`` / ``penalty`` what
    the out-of-total ledgers applied; ``floor_cut`` what the floor at 0 gave
    back; ``zeroed`` the zeroing conditions that made it 0; ``notes`` says each in words.
    """

    name: str
    description: str
    passed: int
    failed: int
    not_counted: int
    score: Decimal | None
    max: Decimal
    complete: bool
    checklist_score: Decimal | None = None
    bonus: Decimal = ZERO
    penalty: Decimal = ZERO
    floor_cut: Decimal = ZERO
    zeroed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "name": self.name,
            "description": self.description,
            "passed": self.passed,
            "failed": self.failed,
            "not_counted": self.not_counted,
            "score": fmt(self.score),
            "max": fmt(self.max),
            "complete": self.complete,
        }
        # Only a score something changed after the count carries these: the rest read as before.
        if self.notes:
            data.update(
                {
                    "checklist_score": fmt(self.checklist_score),
                    "bonus": fmt(self.bonus),
                    "penalty": fmt(self.penalty),
                    "floor_cut": fmt(self.floor_cut),
                    "zeroed": list(self.zeroed),
                    "notes": list(self.notes),
                }
            )
        return data


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


#: name → the function computing its count from a result.
COUNTS: dict[str, Callable[[Result], ModelScore]] = {"flat_unweighted": flat_unweighted}


def adjusted(model: ModelScore, result: Result) -> ModelScore:
    """``model`` with the result's out-of-total ledgers, the floor at 0 and zeroing applied, as a scored total is."""
    bonus = penalty = ZERO
    notes: list[str] = []
    for ledger in result.ledgers:
        if not ledger.applied:
            continue
        cap = f"（上限{fmt(ledger.cap)}分，计{fmt(ledger.raw)}分）" if ledger.cap is not None and ledger.raw > ledger.applied else ""
        if ledger.direction == "bonus":
            bonus += ledger.applied
            notes.append(f"{ledger.name}：+{fmt(ledger.applied)}{cap}")
        else:
            penalty += ledger.applied
            notes.append(f"{ledger.name}：-{fmt(ledger.applied)}{cap}")
    score = model.score
    floor_cut = ZERO
    if score is not None and (bonus or penalty):
        score = score + bonus - penalty
        if score < 0:
            floor_cut, score = -score, ZERO
            notes.append(f"扣完为止：最低0分，减分超出的{fmt(floor_cut)}分不计")
    zeroed = tuple(z.id for z in result.zeroed)
    if zeroed:
        score = ZERO
        notes.append("直接归零：" + "；".join(f"{z.name}（「{z.quote}」）" for z in result.zeroed) + "，得分为0")
    if not notes:
        return model
    return attrs.evolve(
        model, score=score, checklist_score=model.score, bonus=bonus, penalty=penalty, floor_cut=floor_cut, zeroed=zeroed, notes=tuple(notes)
    )


def check_model(name: Any) -> str:
    """``name`` if it names a known model; else a :class:`~govrules.FactsError` naming the known ones."""
    if isinstance(name, str) and name in MODELS:
        return name
    shown = repr(name) if isinstance(name, str) and len(name) <= 100 else type_name(name)
    close = difflib.get_close_matches(name, list(MODELS), n=1) if isinstance(name, str) and len(name) <= 100 else []
    hint = text("hint.did_you_mean", name=repr(close[0])) if close else ""
    raise FactsError.coded("models.unknown_summary", [Problem.coded("model", "models.known", names="、".join(MODELS), hint=hint)], value=shown)


@exact
def apply_model(result: Result, name: str) -> Result:
    """The result with the named model's score attached (``result.model``)."""
    check_model(name)
    return attrs.evolve(result, model=adjusted(COUNTS[name](result), result))


__all__ = ["MODELS", "ModelScore", "apply_model", "check_model"]
