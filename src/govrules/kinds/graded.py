"""评估等级: the assessor records a grade, and the row scores the grade's points.

    评 估 内 容  评估等级  优(10) 良(8) 一般(6) 差(0)

.. code-block:: yaml

    facts:
      - {name: timely_grade, label: 及时公开评估等级, type: choice, elements: [优, 良, 一般, 差]}
    ...
      rules:
        - {id: grade, kind: graded, fact: timely_grade, grades: {优: 10, 良: 8, 一般: 6, 差: 0}, quote: 优(10) 良(8) 一般(6) 差(0)}

The fact is a choice fact whose elements are the grades; ``grades`` gives each
its points. The best grade is the row's full points and does not fire (the
row is met); any other grade fires and the row's points become that grade's
(mode ``set``: deductions of other rules on the row are then taken from the
grade's points, and the floor applies). The explanation reads 「评为良，得8分」.

Checked at load: the fact is a choice fact; every grade has points and every
graded element is one of the fact's; no grade is above the row's points, and
the best grade gives exactly the row's points (else a unit graded best would
lose points no rule names); the row has points (a grade on an unscored row
or in a ledger means nothing). Docs: docs/mechanisms/graded.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Literal, Mapping

import attrs
from pydantic import Field

from ..engine.conditions import Compare, Or
from ..numbers import fmt
from ..rubric.model import Number, RuleSpec
from .base import SET, CheckContext, FactRef, Path_, RuleKind, Wording, effect


class GradedRule(RuleSpec):
    """The row scores the points of the grade the assessor records (优(10) 良(8) 一般(6) 差(0))."""

    kind: Literal["graded"]
    fact: str
    grades: dict[str, Number] = Field(min_length=2, description="Each grade (an element of the choice fact) and its points, as the document lists them.")


def _best(rule: Any) -> Decimal:
    return max(rule.grades.values())


def _lower(rule: Any) -> list[str]:
    best = _best(rule)
    return [g for g, points in rule.grades.items() if points < best]


class Graded(RuleKind):
    name = "graded"
    model = GradedRule
    title = "评估等级"
    doc = "mechanisms/graded.md"
    mode = SET
    in_ledgers = False  # a ledger adds or takes points; a grade is a row's score
    cappable = False  # a grade is not an amount a cap could share out

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("choice",)),)

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        for grade, points in rule.grades.items():
            if points < 0:
                yield ("grades", grade), f"grade {grade!r} gives {fmt(points)} points; points are written as positive numbers"
        fact = context.facts.get(rule.fact)
        if fact is not None and fact.type == "choice":
            elements = tuple(fact.elements or ())
            missing = [e for e in elements if e not in rule.grades]
            if missing:
                yield ("grades",), f"every grade of {rule.fact!r} needs its points; {'、'.join(missing)} has none"
            for grade in rule.grades:
                if grade not in elements:
                    yield ("grades", grade), f"{grade!r} is not a grade of {rule.fact!r} (its elements are {'、'.join(elements)})"
        if context.in_ledger:
            return  # the core refuses the kind in a ledger
        if context.unpointed_targets or not context.points:
            where = "、".join(context.unpointed_targets) or "any target"
            yield ("kind",), f"a graded rule sets the row's points, but the row has no points for {where}"
            return
        best = _best(rule)
        for target, points in context.points.items():
            for grade, given in rule.grades.items():
                if given > points:
                    yield ("grades", grade), f"grade {grade!r} gives {fmt(given)} points, above the row's {fmt(points)} for {target!r}"
            if best < points:
                yield ("grades",), f"the best grade gives {fmt(best)} points, below the row's {fmt(points)} for {target!r}: a unit graded best would lose points no rule names"
        if not _lower(rule):
            yield ("grades",), "every grade gives the same points: the grade changes nothing"

    def trigger(self, rule: Any) -> Any:
        # Only grades below the best fire: a unit graded best has met the row.
        # (A scale whose grades all give the same points is refused at load.)
        parts = tuple(Compare(rule.fact, "==", g) for g in _lower(rule) or rule.grades)
        return parts[0] if len(parts) == 1 else Or(parts)

    def effects(self, compiled: Any, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Any, ...]:
        rule = compiled.rule
        grade = dict(facts)[rule.fact]
        points = rule.grades[grade]
        made = effect(compiled, points, facts, quantity=1)
        # The explanation names the grade, which only the rule's own fact holds.
        return (attrs.evolve(made, detail=f"（评为{grade}，得{fmt(points)}分）"),)

    def words(self, rule: Any, w: Wording) -> str:
        scale = "、".join(f"{g}{fmt(p)}分" for g, p in rule.grades.items())
        return f"按{w.label(rule.fact)}评定等级，得该等级的分值：{scale}"

    def describe(self, rule: Any) -> dict[str, Any]:
        return {"fact": rule.fact, "grades": {g: fmt(p) for g, p in rule.grades.items()}}

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        if rule.fact not in scalars:
            return None
        return rule.grades[scalars[rule.fact]] != max(rule.grades.values())

    def check_effect(self, rule: Any, made: Any) -> str | None:
        grade = dict(made.facts).get(rule.fact)
        if grade not in rule.grades:
            return f"records grade {grade!r}, which the rule does not have"
        if made.amount != rule.grades[grade]:
            return f"gives {fmt(made.amount)} points for {grade!r}; the rule says {fmt(rule.grades[grade])}"
        return None

    def violation_directions(self, rule: Any) -> Mapping[str, Any]:
        # A lower grade never scores more: the grades from best to worst (see testing.violations).
        order = sorted(rule.grades, key=lambda g: -rule.grades[g])
        return {rule.fact: tuple(order)}
