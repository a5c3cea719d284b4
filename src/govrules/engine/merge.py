"""Many inputs for one unit: partial assessments merged into one assessment input.

A rubric's rows are often scored by different departments (负责考核部门, a
pack's ``assessors:``), some rows by a panel of raters (a pack's
``raters:``), and the unit's 自评 and the office's 复核 come on their own
forms. Each of those is a *partial assessment*: the assessment JSON
(:mod:`govrules.engine.inputs`) with what its sender knows, plus who sent it::

    {"assessor": "县教育局", "unit": "琴江镇", "facts": {"school_visit": false}}

:func:`merge` checks every part, then builds the one assessment input they
make together, or raises :class:`~govrules.errors.FactsError` listing every
problem at once. What it holds to:

* every part is for the same pack, target and unit (parts that name no unit
  or target take the others');
* a fact is taken from the part that gives it. Where the pack names the
  departments that assess the rows reading a fact, only those departments may
  give it: a part giving a fact of another department's row is refused, not
  taken (a department's form sent for the wrong rows is a mistake to correct,
  not a score to keep). A fact read by any row without assessors, a bonus
  ledger or a zeroing condition may come from any part;
* two parts giving one fact different values is a conflict, reported with
  both parts and both values, never settled by order; the same value twice is
  fine;
* a row several raters score (``raters:``): each part giving its facts is one
  rater's rating, named by the part's ``assessor``, and the ratings combine as
  the pack says (:mod:`govrules.engine.ratings`). Where the row names
  assessors, only they may rate it;
* evidence lists are joined; a not-applicable explanation, a 自评 score or a
  复核 of one item given differently by two parts is a conflict;
* the merged input lists its ``sources``: each part's name, assessor and what
  it gave, which the result carries, so every fact traces to who gave it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from ..errors import FactsError, Problem
from ..messages import text, type_name
from ..numbers import fmt
from ..rubric.scope import unit_key
from ..untrusted import has_lone_surrogate, is_blank, shown
from .compiled import TargetView
from .facts import to_jsonable
from .inputs import Assessment, canonical_target, parse_json, resolve_target, validate

#: The key naming who sent a partial assessment.
ASSESSOR = "assessor"
#: Keys only merging writes: a part gives its own facts, not other parts' ratings or sources.
_MERGED_ONLY = ("ratings", "sources")


class _Part:
    def __init__(self, name: str, assessor: str | None, data: dict[str, Any]):
        self.name = name
        self.assessor = assessor
        self.data = data
        self.assessment: Assessment | None = None
        self.gave: list[str] = []

    @property
    def who(self) -> str:
        return f"{self.name}（{self.assessor}）" if self.assessor else self.name


def _shown_value(value: Any) -> str:
    """A validated value as its input would write it (true, 3, 0.5, "良"), bounded, controls escaped."""
    text = fmt(value) if isinstance(value, Decimal) else json.dumps(to_jsonable(value), ensure_ascii=False)
    assert text is not None
    if not text.isprintable():
        return shown(text, 60)
    return text if len(text) <= 60 else text[:60] + "…"


def merge(pack: Any, inputs: Sequence[Any], names: Sequence[str] | None = None, target: str | None = None) -> dict[str, Any]:
    """One assessment input from partial assessments of one unit (see the module's docstring).

    ``inputs``: each a dict or JSON text; ``names``: what to call each in
    problems and in the result's ``sources`` (file names, say; default
    ``inputs[0]``, ``inputs[1]``…); ``target``: the target, if the parts do
    not say. Raises :class:`FactsError` listing every problem.
    """
    if isinstance(inputs, (str, bytes, dict)) or not isinstance(inputs, Sequence):
        raise FactsError.coded("merge.not_a_list_summary", [Problem.coded("inputs", "merge.not_a_list", kind=type_name(inputs))])
    if not inputs:
        raise FactsError.coded("merge.nothing_summary", [Problem.coded("inputs", "merge.nothing")])
    if names is None:
        names = [f"inputs[{i}]" for i in range(len(inputs))]
    elif len(names) != len(inputs):
        raise FactsError.coded("merge.names_summary", [Problem.coded("names", "merge.names", names=len(names), parts=len(inputs))])
    spec = pack.spec
    problems: list[Problem] = []
    parts: list[_Part] = []
    for name, raw in zip(names, inputs):
        try:
            data = parse_json(raw) if isinstance(raw, (str, bytes)) else raw
        except FactsError as exc:
            problems.extend(_under(name, exc.problems))
            continue
        if not isinstance(data, dict):
            problems.append(Problem.coded(name, "merge.part_not_object", kind=type_name(data)))
            continue
        assessor = data.get(ASSESSOR)
        if assessor is not None and (not isinstance(assessor, str) or has_lone_surrogate(assessor) or is_blank(assessor)):
            problems.append(Problem.coded(f"{name}: {ASSESSOR}", "merge.assessor_not_name"))
            assessor = None
        for key in _MERGED_ONLY:
            if key in data:
                problems.append(Problem.coded(f"{name}: {key}", "merge.merged_only", key=key))
        parts.append(_Part(name, assessor.strip() if assessor else None, {k: v for k, v in data.items() if k != ASSESSOR and k not in _MERGED_ONLY}))
    if problems:
        raise FactsError.coded("merge.parts_summary", problems, count=len(problems), pack=spec.pack.id)

    target_id = _agreed_target(spec, parts, target)
    view: TargetView = pack.view(target_id)
    unit = _agreed_unit(parts, problems)
    for part in parts:
        try:
            part.assessment = validate(spec, view, {**part.data, "target": target_id})
        except FactsError as exc:
            problems.extend(_under(part.name, exc.problems))
    if problems:
        raise FactsError.coded("merge.parts_target_summary", problems, count=len(problems), pack=spec.pack.id, target=view.target.name)

    merged = _Merged(view)
    for part in parts:
        merged.take(part)
    if merged.problems:
        raise FactsError.coded(
            "merge.merging_summary", merged.problems, count=len(merged.problems), parts=len(parts), pack=spec.pack.id, target=view.target.name
        )
    return merged.result(spec.pack.id, target_id, unit, parts)


def _under(name: str, problems: Sequence[Problem]) -> list[Problem]:
    return [attrs.evolve(p, where=f"{name}: {p.where}" if p.where else name) for p in problems]


def _agreed_target(spec: Any, parts: list[_Part], target: str | None) -> str:
    given = [(p, p.data["target"]) for p in parts if p.data.get("target") is not None]
    if target is not None:
        given.insert(0, (None, target))
    first: tuple[Any, Any] | None = None
    for part, value in given:
        if first is None:
            first = (part, value)
        elif canonical_target(spec, value) != canonical_target(spec, first[1]):  # 乡镇 and xiangzhen are one target
            where = text("merge.target_asked") if first[0] is None else first[0].who
            raise FactsError.coded(
                "merge.targets_differ_summary",
                [Problem.coded(f"{part.who}: target", "merge.targets_differ", value=shown(value), other=where, other_value=shown(first[1]))],
            )
    return resolve_target(spec, {"target": first[1]} if first else {}, None)


def _agreed_unit(parts: list[_Part], problems: list[Problem]) -> str | None:
    first: _Part | None = None
    for part in parts:
        unit = part.data.get("unit")
        if not isinstance(unit, str):
            continue  # absent (the others' holds), or not text: validation says so
        if first is None:
            first = part
        elif unit_key(unit) != unit_key(first.data["unit"]):
            problems.append(Problem.coded(f"{part.who}: unit", "merge.units_differ", unit=shown(unit), other=first.who, other_unit=shown(first.data["unit"])))
    return first.data["unit"] if first is not None else None


class _Merged:
    """The merged input, built part by part, and the problems found on the way."""

    def __init__(self, view: TargetView):
        self.view = view
        self.problems: list[Problem] = []
        self.facts: dict[str, Any] = {}
        self.fact_from: dict[str, tuple[_Part, Any]] = {}
        self.ratings: dict[str, dict[str, tuple[str, dict[str, Any], dict[str, tuple[_Part, Any]]]]] = {}
        self.evidence: dict[str, list[str]] = {}
        self.not_applicable: dict[str, tuple[_Part, str]] = {}
        self.self_assessment: dict[str, tuple[_Part, Any, Any]] = {}  # item -> (part, score, as given)
        self.reviews: dict[str, tuple[_Part, Any, dict[str, Any]]] = {}
        self.departments = sorted({d for i in view.items for d in i.assessors})

    # ------------------------------------------------------------ responsibility

    def responsible(self, fact: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The departments that may give a fact and the rows reading it, or None where any part may."""
        rows = self.view.fact_users.get(fact, ())
        items = [self.view.item_index.get(r) for r in rows]
        if not items or any(i is None or not i.assessors for i in items):
            return None
        departments: dict[str, None] = {}
        for i in items:
            departments.update(dict.fromkeys(i.assessors))  # type: ignore[union-attr]
        return tuple(departments), tuple(rows)

    def fact_named(self, name: str) -> str:
        spec = next((f for f in self.view.facts if f.name == name), None)
        return f"{spec.label}（{name}）" if spec is not None else name

    def refuse(self, part: _Part, where: str, departments: tuple[str, ...], what: str) -> None:
        allowed = "、".join(departments)
        if part.assessor is None:
            self.problems.append(Problem.coded(f"{part.name}: {where}", "merge.no_assessor", what=what, allowed=allowed))
            return
        hint = ""
        if unit_key(part.assessor) not in {unit_key(d) for d in self.departments}:
            close = difflib.get_close_matches(part.assessor, self.departments, n=1)
            hint = text("merge.assesses_no_row", assessor=shown(part.assessor)) + (text("hint.did_you_mean", name=repr(close[0])) if close else "")
        self.problems.append(Problem.coded(f"{part.name}: {where}", "merge.not_its_row", assessor=part.assessor, what=what, allowed=allowed, hint=hint))

    def conflict(self, where: str, first: _Part, first_text: str, part: _Part, given: str, fix: str = "merge.fix_one") -> None:
        """Two parts giving one thing differently: both named, both values shown, neither taken."""
        self.problems.append(Problem.coded(where, "merge.conflict", first=first.who, first_value=first_text, other=part.who, value=given, fix=text(fix)))

    # ------------------------------------------------------------------- parts

    def take(self, part: _Part) -> None:
        a = part.assessment
        assert a is not None
        values = a.fact_values
        raw_facts = part.data.get("facts") or {}
        for name, raw in raw_facts.items():
            if raw is None:
                continue  # not recorded: gives nothing
            value = values.get(name)
            item_id = self.view.rated_fact_item.get(name)
            if item_id is not None:
                self.rate(part, item_id, name, raw, value)
                continue
            responsible = self.responsible(name)
            if responsible is not None and (part.assessor is None or unit_key(part.assessor) not in {unit_key(d) for d in responsible[0]}):
                self.refuse(part, f"facts.{name}", responsible[0], text("merge.fact_of_rows", fact=self.fact_named(name), rows="、".join(responsible[1])))
                continue
            part.gave.append(f"facts.{name}")
            if name in self.fact_from:
                first, first_value = self.fact_from[name]
                if first_value != value:
                    self.conflict(f"facts.{name}", first, _shown_value(first_value), part, _shown_value(value))
                continue
            self.fact_from[name] = (part, value)
            self.facts[name] = raw
        for item_id, kinds in (part.data.get("evidence") or {}).items():
            have = self.evidence.setdefault(item_id, [])
            have.extend(k for k in kinds if k not in have)
            part.gave.append(f"evidence.{item_id}")
        for item_id, why in a.not_applicable:
            part.gave.append(f"not_applicable.{item_id}")
            if item_id in self.not_applicable:
                first, first_why = self.not_applicable[item_id]
                if first_why != why:
                    self.conflict(f"not_applicable.{item_id}", first, shown(first_why), part, shown(why), "merge.fix_explanation")
            else:
                self.not_applicable[item_id] = (part, why)
        raw_self = part.data.get("self_assessment") or {}
        for item_id, score in a.self_assessment:
            part.gave.append(f"self_assessment.{item_id}")
            if item_id in self.self_assessment:
                first, first_score, _ = self.self_assessment[item_id]
                if first_score != score:
                    self.conflict(f"self_assessment.{item_id}", first, _shown_value(first_score), part, _shown_value(score), "merge.fix_self")
            else:
                self.self_assessment[item_id] = (part, score, raw_self[item_id])
        raw_reviews = {r.get("item"): r for r in part.data.get("reviews") or [] if isinstance(r, dict)}
        for review in a.reviews:
            part.gave.append(f"reviews.{review.item}")
            key = (review.score, review.reviewer, review.at, review.reason)
            if review.item in self.reviews:
                first, first_key, _ = self.reviews[review.item]
                if first_key != key:
                    shown_first = f"{fmt(first_key[0])}（{shown(first_key[1])}，{first_key[2]}）"
                    shown_this = f"{fmt(key[0])}（{shown(key[1])}，{key[2]}）"
                    self.conflict(f"reviews.{review.item}", first, shown_first, part, shown_this, "merge.fix_review")
            else:
                self.reviews[review.item] = (part, key, raw_reviews[review.item])

    def rate(self, part: _Part, item_id: str, name: str, raw: Any, value: Any) -> None:
        item = self.view.item_index[item_id]
        what = text("merge.row", item=item_id)
        if part.assessor is None:
            self.problems.append(Problem.coded(f"{part.name}: facts.{name}", "merge.rated_no_assessor", item=item_id))
            return
        if item.assessors and unit_key(part.assessor) not in {unit_key(d) for d in item.assessors}:
            self.refuse(part, f"facts.{name}", item.assessors, what)
            return
        part.gave.append(f"ratings.{item_id}")
        raters = self.ratings.setdefault(item_id, {})
        by, facts, given = raters.setdefault(unit_key(part.assessor), (part.assessor, {}, {}))
        if name in given:  # the same rater again, in another part
            first, first_value = given[name]
            if first_value != value:
                self.problems.append(
                    Problem.coded(
                        f"facts.{name}", "merge.conflict", first=first.who, first_value=_shown_value(first_value), other=part.who,
                        value=_shown_value(value), fix=text("merge.fix_rating", rater=by, what=what),
                    )
                )
            return
        given[name] = (part, value)
        facts[name] = raw

    # ------------------------------------------------------------------ result

    def result(self, pack_id: str, target: str, unit: str | None, parts: list[_Part]) -> dict[str, Any]:
        order = self.view.item_order
        out: dict[str, Any] = {"pack": pack_id, "target": target}
        if unit is not None:
            out["unit"] = unit
        out["facts"] = self.facts
        if self.evidence:
            out["evidence"] = self.evidence
        if self.not_applicable:
            out["not_applicable"] = {k: v for k, (_, v) in self.not_applicable.items()}
        if self.self_assessment:
            out["self_assessment"] = {k: raw for k, (_, _, raw) in self.self_assessment.items()}
        if self.reviews:
            out["reviews"] = [raw for _, _, raw in self.reviews.values()]
        if self.ratings:
            out["ratings"] = {
                item_id: [{"by": by, "facts": facts} for by, facts, _ in self.ratings[item_id].values()]
                for item_id in sorted(self.ratings, key=order.__getitem__)
            }
        out["sources"] = [{"name": p.name, "assessor": p.assessor, "gave": list(dict.fromkeys(p.gave))} for p in parts]
        return out


def assessor_facts(view: TargetView, assessor: str) -> tuple[str, ...]:
    """The facts a department's part gives, in the target's order: those read by the rows it assesses.

    (A derived count's dates come with it.) Where the pack names no
    负责考核部门, every fact. A name that assesses no row raises
    :class:`FactsError` naming the departments, with a did-you-mean.
    """
    departments = sorted({d for i in view.items for d in i.assessors})
    if not departments:
        return tuple(f.name for f in view.facts)
    key = unit_key(assessor)
    own = {i.id for i in view.items if key in {unit_key(d) for d in i.assessors}}
    if not own:
        close = difflib.get_close_matches(assessor, departments, n=1)
        hint = text("hint.did_you_mean", name=repr(close[0])) if close else ""
        raise FactsError.coded(
            "merge.assessor_unknown_summary",
            [Problem.coded("assessor", "merge.departments", departments="、".join(departments), hint=hint)],
            assessor=shown(assessor),
            pack=view.pack_id,
            target=view.target.name,
        )
    return tuple(f.name for f in view.facts if own & set(view.fact_users.get(f.name, ())))

