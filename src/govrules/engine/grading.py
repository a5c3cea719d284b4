"""Grading: a result's grade (等次), a pure function of the result.

Runs after scoring (and after a scoring model): the total picks its band, then
each veto that holds caps the grade (一票否优: not 优秀; 一票否决: the lowest
grade). Nothing here changes a score.

A grade is given only where every way the unknowns could turn out gives the
same one, never guessed:

* an incomplete result has no total, so any band is possible; only a veto that
  holds and caps at the lowest grade (一票否决) settles it;
* a veto whose facts are missing may or may not hold: the grade stands only if
  it is at or below that veto's cap anyway.

A zeroed result (直接归零) has the total 0 and so the lowest grade.
Vetoes read the result's facts with the condition language's three-valued
logic (:func:`govrules.engine.conditions.decide`), as the reference evaluator does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from ..numbers import fmt
from ..rubric.model import Band, Grading, PackSpec, Veto
from .conditions import Node, decide, facts_of, normalize
from .facts import scalar
from .result import Facts, Result, _facts_json


@attrs.frozen
class TargetGrading:
    """One target's bands (None where none are declared) and vetoes, compiled once."""

    grading: Grading | None
    vetoes: tuple[tuple[Veto, Node], ...]

    @property
    def bands(self) -> tuple[Band, ...]:
        return self.grading.bands if self.grading is not None else ()


def compile_grading(spec: PackSpec, target_id: str) -> TargetGrading | None:
    grading = next((g for g in spec.grades if g.targets is None or target_id in g.targets), None)
    vetoes = tuple((v, normalize(v.when)) for v in spec.vetoes if v.targets is None or target_id in v.targets)
    if grading is None and not vetoes:
        return None
    return TargetGrading(grading, vetoes)


def veto_facts(spec: PackSpec, target_id: str) -> dict[str, tuple[str, ...]]:
    """The facts each veto of a target reads (so that inputs, schemas and forms take them)."""
    out: dict[str, tuple[str, ...]] = {}
    for v in spec.vetoes:
        if v.targets is None or target_id in v.targets:
            out[v.id] = facts_of(normalize(v.when))
    return out


@attrs.frozen
class VetoApplied:
    """A veto that holds (or, ``checked`` false, may hold: its facts are missing)."""

    id: str
    name: str
    quote: str
    caps_at: str | None  # the best grade it leaves; None where the target has no bands
    below: str | None
    at_most: str | None
    facts: Facts
    reading: tuple[str, ...]
    checked: bool = True
    fails: bool = False  # 一票否决: it leaves only the lowest grade

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": "一票否决" if self.fails else "一票否优",
            **({"below": self.below} if self.below is not None else {"at_most": self.at_most}),
            "caps_at": self.caps_at,
            "facts": _facts_json(self.facts),
            "quote": self.quote,
            "reading": list(self.reading),
        }


@attrs.frozen
class Grade:
    """A result's grade, the band its total fell in, and the vetoes that applied."""

    grade: str | None
    scale: tuple[str, ...]  # the target's grades, best first; () where it has no bands
    by_total: str | None  # the band of the total alone, before vetoes
    band: Band | None
    vetoes: tuple[VetoApplied, ...]  # those that hold
    unchecked_vetoes: tuple[VetoApplied, ...]  # those whose facts are missing
    reason: str | None  # why there is no grade

    def to_dict(self) -> dict[str, Any]:
        band = self.band
        return {
            "grade": self.grade,
            "scale": list(self.scale),
            "by_total": self.by_total,
            "band": None
            if band is None
            else {"grade": band.grade, "min": fmt(band.min), "above": fmt(band.above), "quote": band.quote, "reading": list(band.reading)},
            "vetoes": [v.to_dict() for v in self.vetoes],
            "unchecked_vetoes": [v.to_dict() for v in self.unchecked_vetoes],
            "reason": self.reason,
        }


def band_of(bands: tuple[Band, ...], total: Decimal) -> int:
    """The index of the band ``total`` falls in (bands best first; the last takes the rest)."""
    for i, band in enumerate(bands[:-1]):
        if (band.min is not None and total >= band.min) or (band.above is not None and total > band.above):
            return i
    return len(bands) - 1


def _cap_index(veto: Veto, scale: tuple[str, ...]) -> int:
    return scale.index(veto.below) + 1 if veto.below is not None else scale.index(veto.at_most)  # type: ignore[arg-type]


def grade(result: Result, view: Any) -> Result:
    """``result`` with its grade (``result.grading``); unchanged where its target has no bands and no vetoes."""
    tg: TargetGrading | None = view.grading
    if tg is None:
        return result
    scale = tuple(b.grade for b in tg.bands)
    specs = view.fact_specs
    scalars = {name: scalar(specs[name], value) for name, value in result.facts if name in specs}
    values = dict(result.facts)
    held: list[VetoApplied] = []
    unknown: list[VetoApplied] = []
    for veto, node in tg.vetoes:
        holds = decide(node, scalars)
        if holds is False:
            continue
        caps = _cap_index(veto, scale) if scale else None
        applied = VetoApplied(
            veto.id,
            veto.name,
            veto.quote,
            scale[caps] if caps is not None else None,
            veto.below,
            veto.at_most,
            tuple((f, values[f]) for f in facts_of(node) if f in values),
            veto.reading,
            holds is True,
            caps is not None and caps == len(scale) - 1,
        )
        (held if holds else unknown).append(applied)
    if not scale:
        info = Grade(None, (), None, None, tuple(held), tuple(unknown), "未规定等次")
        return _with(result, info, view)
    # The best and the worst grade still possible (indices into the scale, 0 the best).
    by_total = band_of(tg.bands, result.total) if result.total is not None else None
    best, worst = (by_total, by_total) if by_total is not None else (0, len(scale) - 1)
    for v in held:
        c = scale.index(v.caps_at)  # type: ignore[arg-type]
        best, worst = max(best, c), max(worst, c)
    for v in unknown:
        worst = max(worst, scale.index(v.caps_at))  # type: ignore[arg-type]
    reason = None
    if best != worst:
        if by_total is None:
            reason = "评分未完成（" + (f"{len(result.not_checked)}项未检查" if result.not_checked else "有未检查的事项") + "），等次待定"
        else:
            names = "、".join(f"「{v.name}」" for v in unknown)
            reason = f"一票否优/否决事项{names}未检查（缺少事实），等次待定"
    band = tg.bands[by_total] if by_total is not None else None
    info = Grade(scale[best] if best == worst else None, scale, scale[by_total] if by_total is not None else None, band, tuple(held), tuple(unknown), reason)
    return _with(result, info, view)


def _with(result: Result, info: Grade, view: Any) -> Result:
    """The result with its grade, and the readings behind what applied added to its readings."""
    used: set[str] = set()
    tg: TargetGrading = view.grading
    if info.band is not None:
        used.update(info.band.reading)
        used.update(tg.grading.reading)  # type: ignore[union-attr]
    for v in info.vetoes + info.unchecked_vetoes:
        used.update(v.reading)
    readings = result.readings
    if used - {r[0] for r in readings}:
        used.update(r[0] for r in readings)
        readings = tuple(r for r in view.reading_rows if r[0] in used)
    return attrs.evolve(result, grading=info, readings=readings)


__all__ = ["Grade", "TargetGrading", "VetoApplied", "band_of", "compile_grading", "grade", "veto_facts"]
