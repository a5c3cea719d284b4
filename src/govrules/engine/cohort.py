"""The cohort stage: rows scored against the other units of the target assessed together.

A further pure stage after the evaluators (facts → findings → cohort → score):

1. each unit is validated, evaluated and turned into findings as when it is
   assessed alone (its cohort rows not checked, 「scored against the cohort」);
2. each cohort rule (a rule whose kind is :attr:`~govrules.kinds.RuleKind.cohort`)
   whose figure is a fact is given the cohort — every unit's figure, in input
   order — and returns each unit's outcome (:meth:`~govrules.kinds.RuleKind.cohort_effects`);
3. every unit is scored, a pure function of its findings and its outcomes;
4. cohort rules whose figure is a row's score (a rank on a section's score,
   the mean of a row) take those scores from step 3, and every unit is scored again.

Since the stage reads only findings, both evaluators give the same cohort
results. A rule reading a row never reads one that another row-reading rule
changes (checked at load), so two passes suffice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Sequence

from ..errors import FactsError, Problem
from ..kinds.cohort import Cohort, Figures, Outcome
from ..rubric.scope import unit_key
from .compiled import CompiledRule, TargetView
from .conditions import decide
from .findings import Findings
from .inference import scalars_of


def check_cohort(units: Sequence[tuple[str, str | None, str]]) -> None:
    """Refuse a cohort that cannot be scored: (pack id, unit, target) of each input, in order."""
    if not units:
        raise FactsError.coded("cohort.empty_summary", [Problem.coded("inputs", "cohort.empty")])
    problems = []
    first_pack, _, first_target = units[0]
    seen: dict[str, int] = {}
    for index, (pack, unit, target) in enumerate(units):
        where = f"inputs[{index}]" + (f" ({unit})" if unit is not None else "")
        if pack != first_pack:
            problems.append(Problem.coded(where, "cohort.other_pack", pack=repr(pack), first=repr(first_pack)))
        if target != first_target:
            problems.append(Problem.coded(where, "cohort.other_target", target=repr(target), first=repr(first_target)))
        if unit is None:
            problems.append(Problem.coded(where + ".unit", "cohort.needs_unit"))
            continue
        key = unit_key(unit)
        if key in seen:
            problems.append(Problem.coded(where + ".unit", "cohort.unit_twice", unit=repr(unit), other=f"inputs[{seen[key]}]"))
        else:
            seen[key] = index
    if problems:
        raise FactsError.coded("cohort.problems_summary", problems, count=len(problems))


def cohort_outcomes(
    view: TargetView, findings: Sequence[Findings], results: Sequence[Any] | None
) -> list[dict[str, Outcome]]:
    """Each unit's outcome on each cohort rule: those reading facts, or (given the first pass's ``results``) those reading rows."""
    per_unit: list[dict[str, Outcome]] = [{} for _ in findings]
    units = tuple(f.assessment.unit for f in findings)
    scalars = [scalars_of(view, f.assessment) for f in findings]
    for rule in view.cohort_rules:
        source, name = rule.cohort  # type: ignore[misc]
        if source == "row" and results is None:
            # First pass: leave the row to its other rules, so its score can be read.
            for i in range(len(findings)):
                per_unit[i][rule.uid] = Outcome(Figures(rule.uid))
            continue
        if source == "fact":
            figures = tuple(_number(f.values.get(name)) for f in findings)
        else:
            figures = tuple(_row_score(r, name) for r in results)  # type: ignore[union-attr]
        applies = tuple(True if rule.condition is None else decide(rule.condition, s, rule.optional) for s in scalars)
        cohort = Cohort(units, figures, applies, tuple(f.facts_read(rule) for f in findings))
        outcomes = rule.behaviour.cohort_effects(rule, cohort, view.item_index[rule.owner].max)
        for i, outcome in enumerate(outcomes):
            per_unit[i][rule.uid] = outcome
    return per_unit


def has_row_rules(view: TargetView) -> bool:
    return any(r.cohort is not None and r.cohort[0] == "row" for r in view.cohort_rules)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _row_score(result: Any, row: str) -> Decimal | None:
    for group in (result.items, result.sections):
        for r in group:
            if r.id == row:
                return r.score  # type: ignore[no-any-return]
    return None


def score_cohort(view: TargetView, findings: Sequence[Findings], scorer: Callable[[Findings], Any]) -> list[Any]:
    """Every unit's result, in the cohort's order: the cohort stage, then scoring (twice where rules read rows)."""
    import attrs

    outcomes = cohort_outcomes(view, findings, None)
    results = [scorer(attrs.evolve(f, cohort=o)) for f, o in zip(findings, outcomes)]
    if has_row_rules(view):
        second = cohort_outcomes(view, findings, results)
        results = [scorer(attrs.evolve(f, cohort={**o, **s})) for f, o, s in zip(findings, outcomes, second)]
    return results


__all__ = ["check_cohort", "cohort_outcomes", "score_cohort", "CompiledRule"]
