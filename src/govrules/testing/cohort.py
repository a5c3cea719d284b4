"""Cohort invariants and strategies: rows scored against the other units of a target (issue 12).

A pack with cohort rules (see :mod:`govrules.kinds.cohort`) is checked on whole
cohorts, drawn by :func:`cohorts`:

* :func:`check_cohort_results`: every result is in input order and passes the
  single-result checks; each cohort row stays within its bounds, names the figures
  of each of its cohort rules, and passes its kind's own check (a ratio-to-best
  row gives the best unit full points, say: :meth:`~govrules.kinds.RuleKind.check_cohort`);
* :func:`check_cohort_permutation`: permuting the cohort changes no unit's result;
* :func:`check_worse_unit`: adding a unit worse than every other on every figure
  pushes nobody up: no unit's rank improves, and no rank-based row scores more.
Both evaluators give the same cohort results (:func:`check_cohort_evaluators_agree`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from ..engine.result import Result
from ..errors import FactsError
from ..numbers import fmt
from ..pack import Pack
from . import invariants as inv
from .strategies import assessments


def cohort_rules(pack: Pack, target: str) -> list[Any]:
    """The target's rules scored against the cohort (compiled)."""
    return list(pack.view(target).cohort_rules)


def has_cohort_rules(pack: Pack, target: str) -> bool:
    return bool(cohort_rules(pack, target))


@st.composite
def cohorts(draw: Any, pack: Pack, target: str, min_size: int = 1, max_size: int = 6, complete: bool | None = None) -> list[dict[str, Any]]:
    """A cohort: complete (or, with ``complete=False`` or None, some partial) inputs of one target, each unit named once."""
    size = draw(st.integers(min_size, max_size))
    out = []
    for n in range(size):
        whole = draw(st.booleans()) if complete is None else complete
        data = draw(assessments(pack, target, complete=whole))
        out.append({**data, "target": target, "unit": f"单位{n + 1}"})
    return out


def _json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.to_json())
    data["engine"]["evaluator"] = None
    return data


def check_cohort_results(pack: Pack, inputs: list[dict[str, Any]], results: list[Result]) -> None:
    """Input order, the single-result checks, bounds, figures, and each kind's own check of the cohort."""
    if [r.unit for r in results] != [i.get("unit") for i in inputs]:
        inv._fail(f"results come as {[r.unit for r in results]}, not in input order {[i.get('unit') for i in inputs]}")
    for result in results:
        inv.check_result(pack, result)
        for item in result.items:
            if item.score is not None and item.override is None:
                top = item.ceiling if item.ceiling is not None else item.max
                if item.max is not None and not (Decimal(0) <= item.score <= top):  # type: ignore[operator]
                    inv._fail(f"{result.unit}: row {item.id} scores {fmt(item.score)}, outside 0..{fmt(top)}")
    view = pack.view(results[0].target) if results else None
    for rule in cohort_rules(pack, results[0].target) if results else ():
        figures = [next((f for f in r.item(rule.owner).cohort if f.rule == rule.uid), None) for r in results]
        if any(f is None for f in figures):
            inv._fail(f"some unit's row {rule.owner} does not name the figures of {rule.uid}")
        effects = [tuple(e for e in r.item(rule.owner).effects if e.rule == rule.uid) for r in results]
        scores = [r.item(rule.owner).score for r in results]
        problem = rule.behaviour.check_cohort(rule.rule, figures, effects, scores, view.item_index[rule.owner].max)  # type: ignore[union-attr]
        if problem:
            inv._fail(f"{rule.uid} ({rule.rule.kind}): {problem}")


def check_cohort_evaluators_agree(pack: Pack, inputs: list[dict[str, Any]]) -> list[Result]:
    durable = pack.assess_cohort(inputs, evaluator="durable")
    reference = pack.assess_cohort(inputs, evaluator="reference")
    for d, r in zip(durable, reference):
        if _json(d) != _json(r):
            inv._fail(f"the evaluators disagree on unit {d.unit!r} of the cohort")
    return durable


def check_cohort_permutation(pack: Pack, inputs: list[dict[str, Any]], order: list[int]) -> None:
    """Permuting the cohort changes no unit's result (byte for byte)."""
    before = {r.unit: r.to_json() for r in pack.assess_cohort(inputs)}
    after = pack.assess_cohort([inputs[i] for i in order])
    for r in after:
        if r.to_json() != before[r.unit]:
            inv._fail(f"unit {r.unit!r} scores differently when the cohort is given in the order {order}")


def worse_unit(pack: Pack, target: str, inputs: list[dict[str, Any]], step: Decimal = Decimal(1)) -> dict[str, Any] | None:
    """A unit worse than (or tied with the worst of) every unit on every fact a cohort rule ranks, else like the first; None if there is none to compare."""
    view = pack.view(target)
    facts = dict(inputs[0].get("facts") or {})
    for rule in view.cohort_rules:
        source, name = rule.cohort  # type: ignore[misc]
        better = getattr(rule.rule, "better", None)
        if source != "fact" or better is None:
            continue
        known = [dict(pack.validate(i)[1].facts) for i in inputs]
        values = [Decimal(k[name]) for k in known if k.get(name) is not None]
        if not values:
            return None
        spec = view.fact_specs[name]
        if better == "higher":
            value = min(values) - step
            if spec.minimum is not None and value < spec.minimum:
                value = spec.minimum
        else:
            value = max(values) + step
            if spec.maximum is not None and value > spec.maximum:
                value = spec.maximum
        facts[name] = int(value) if spec.type == "count" else value
    return {"target": target, "unit": "更差的单位", "facts": facts}


def check_worse_unit(pack: Pack, target: str, inputs: list[dict[str, Any]]) -> None:
    """Adding a unit worse on every figure pushes nobody up: no rank improves, and no row with a rank scores more."""
    extra = worse_unit(pack, target, inputs)
    if extra is None:
        return
    try:
        pack.validate(extra)
    except FactsError:  # one beyond the worst is out of bounds: tie with the worst instead
        extra = worse_unit(pack, target, inputs, step=Decimal(0))
    before = pack.assess_cohort(inputs)
    after = pack.assess_cohort(inputs + [extra])[:-1]
    for b, a in zip(before, after):
        for ib, ia in zip(b.items, a.items):
            for fb, fa in zip(ib.cohort, ia.cohort):
                if fb.rank is None or fa.rank is None or fb.reason is not None or fa.reason is not None:
                    continue
                if fa.rank < fb.rank:
                    inv._fail(f"unit {b.unit!r} moves up from rank {fb.rank} to {fa.rank} on {fb.rule} when a worse unit joins")
                if ib.score is not None and ia.score is not None and ia.score > ib.score:
                    inv._fail(f"unit {b.unit!r} scores {fmt(ia.score)} on {ib.id}, more than {fmt(ib.score)}, when a worse unit joins")
