"""An assessment's input: facts, evidence, N/A declarations, 自评 and 复核.

The input is JSON (or the same structure as Python data)::

    {
      "target": "xiangzhen",
      "unit": "北洲子镇",
      "facts": {"active_late_count": 3, ...},
      "evidence": {"xz.1": ["网页截图"]},
      "not_applicable": {"xz.5": "书面说明：……"},
      "self_assessment": {"xz.1": 20},
      "reviews": [{"item": "xz.1", "score": 19.5, "reviewer": "张三",
                   "at": "2023-12-20", "reason": "……"}]
    }

:func:`validate` checks all of it against one target of a pack and returns a
canonical, frozen :class:`Assessment`, or raises :class:`FactsError` listing
every problem at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from decimal import Decimal
from typing import Annotated, Any

import attrs
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .compiled import InputPlan, TargetView
from ..errors import FactsError, Problem
from .facts import NonNegativeNumberIn, canonical, pydantic_problems
from .timing import OutsideCalendar, derived_count
from ..rubric.model import PackSpec


def _timestamp(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError("must be a date or date-time in ISO form (2023-12-20 or 2023-12-20T15:30:00+08:00)")
    text = value.strip()
    try:
        return (dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.date.fromisoformat(text)).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date or date-time") from None


def _empty(factory: type) -> Any:
    """An empty default, made fresh for each input.

    A literal ``= {}`` is deep-copied by pydantic for every input that leaves
    the key out (most of them); the JSON Schema still shows the empty default.
    """
    return Field(default_factory=factory, json_schema_extra={"default": factory()})


class ReviewIn(BaseModel):
    """A 复核 override of one item's score."""

    model_config = ConfigDict(extra="forbid")
    item: str
    score: NonNegativeNumberIn
    reviewer: Annotated[str, Field(min_length=1, description="复核人")]
    at: Annotated[str, BeforeValidator(_timestamp), Field(description="复核时间")]
    reason: Annotated[str, Field(min_length=1, description="复核理由")]


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pack: str | None = None
    target: str | None = None
    unit: str | None = None
    facts: dict[str, Any] = _empty(dict)
    evidence: dict[str, list[str]] = _empty(dict)
    not_applicable: dict[str, str] = _empty(dict)
    self_assessment: dict[str, NonNegativeNumberIn] = _empty(dict)
    reviews: list[ReviewIn] = _empty(list)


@attrs.frozen
class Review:
    item: str
    score: Decimal
    reviewer: str
    at: str
    reason: str


@attrs.frozen
class Assessment:
    """A validated assessment input, in canonical order (independent of input order)."""

    target: str
    unit: str | None
    facts: tuple[tuple[str, Any], ...]
    derived: tuple[str, ...]
    evidence: frozenset[tuple[str, str]]
    not_applicable: tuple[tuple[str, str], ...]
    self_assessment: tuple[tuple[str, Decimal], ...]
    reviews: tuple[Review, ...]

    @property
    def fact_values(self) -> dict[str, Any]:
        return dict(self.facts)


def parse_json(data: str | bytes) -> Any:
    """Parse JSON with exact numbers (no binary floats)."""
    try:
        return json.loads(data, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise FactsError("the assessment is not valid JSON", [Problem(f"line {exc.lineno} column {exc.colno}", exc.msg)]) from None


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def resolve_target(spec: PackSpec, data: Any, target: str | None) -> str:
    """The target an assessment is for: the argument, the input's ``target``, or the pack's only one."""
    ids = [t.id for t in spec.targets]
    given = data.get("target") if isinstance(data, dict) else None
    if target is not None and given is not None and given != target:
        raise FactsError(
            "the target asked for and the input's target differ",
            [Problem("target", f"asked for {target!r}, the input says {given!r}")],
        )
    chosen = target or given
    if chosen is None:
        if len(ids) == 1:
            return ids[0]
        names = ", ".join(f"{t.id} ({t.name})" for t in spec.targets)
        raise FactsError("which target is assessed?", [Problem("target", f"give one of {names}")])
    if not isinstance(chosen, str) or chosen not in ids:
        names = ", ".join(f"{t.id} ({t.name})" for t in spec.targets)
        raise FactsError(
            f"unknown target {chosen!r} for pack {spec.pack.id}",
            [Problem("target", f"{chosen!r} is not a target of {spec.pack.id}; its targets are {names}{_suggest(str(chosen), ids)}")],
        )
    return chosen


def validate(spec: PackSpec, view: TargetView, data: Any) -> Assessment:
    """Check an assessment input against one target; every problem is reported at once."""
    if not isinstance(data, dict):
        raise FactsError("an assessment is a JSON object", [Problem("", f"got {type(data).__name__}")])
    problems: list[Problem] = []
    try:
        envelope = AssessmentIn.__pydantic_validator__.validate_python(data)  # model_validate without its wrapper
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, "", known=list(AssessmentIn.model_fields)))
        envelope = None
    if data.get("pack") not in (None, spec.pack.id):
        problems.append(Problem("pack", f"this input is for pack {data.get('pack')!r}, not {spec.pack.id!r}"))

    plan = view.input_plan
    raw_facts = data.get("facts", {})
    facts: dict[str, Any] = {}
    if isinstance(raw_facts, dict):
        facts, fact_problems = _validate_facts(spec, view, plan, raw_facts)
        problems.extend(fact_problems)

    items = view.item_index
    if envelope is not None:
        for item_id, kinds in envelope.evidence.items():
            item = items.get(item_id)
            if item is None:
                problems.append(Problem(f"evidence.{item_id}", f"no item {item_id!r} for this target{_suggest(item_id, list(items))}"))
                continue
            allowed = item.indicator.evidence
            for i, kind in enumerate(kinds):
                if kind not in allowed:
                    hint = f"; this item asks for {', '.join(allowed)}" if allowed else "; this item asks for no evidence"
                    problems.append(Problem(f"evidence.{item_id}[{i}]", f"unknown evidence {kind!r}{hint}"))
        policy = spec.not_applicable
        for item_id, why in envelope.not_applicable.items():
            if item_id not in items:
                problems.append(Problem(f"not_applicable.{item_id}", f"no item {item_id!r} for this target{_suggest(item_id, list(items))}"))
            elif not policy.allowed:
                problems.append(Problem(f"not_applicable.{item_id}", f"pack {spec.pack.id} does not allow items to be declared not applicable"))
            elif not why.strip():
                problems.append(Problem(f"not_applicable.{item_id}", "a not-applicable item needs its written explanation (书面说明)"))
        maxima = plan.maxima
        for item_id, score in envelope.self_assessment.items():
            if item_id not in maxima or score > maxima[item_id]:
                problems.append(_score_problem(items, f"self_assessment.{item_id}", item_id, score))
        for i, review in enumerate(envelope.reviews):
            if review.item not in maxima or review.score > maxima[review.item]:
                problems.append(_score_problem(items, f"reviews[{i}].item", review.item, review.score))
        seen: set[str] = set()
        for i, review in enumerate(envelope.reviews):
            if review.item in seen:
                problems.append(Problem(f"reviews[{i}].item", f"{review.item!r} is reviewed twice; keep one review per item"))
            seen.add(review.item)
    if problems:
        raise FactsError(f"{len(problems)} problem(s) in the assessment input for {spec.pack.id} / {view.target.name}", problems)
    assert envelope is not None
    facts, derived = _derive(view, plan, facts)
    # Many inputs carry no evidence, N/A or reviews: skip building those from nothing.
    return Assessment(
        target=view.target.id,
        unit=envelope.unit,
        facts=tuple(facts.items()),  # already in the target's order (see _validate_facts and _derive)
        derived=derived,
        evidence=frozenset((item, kind) for item, kinds in envelope.evidence.items() for kind in kinds) if envelope.evidence else frozenset(),
        not_applicable=tuple(sorted((k, v.strip()) for k, v in envelope.not_applicable.items())) if envelope.not_applicable else (),
        self_assessment=tuple(sorted(envelope.self_assessment.items())),
        reviews=tuple(
            sorted(
                (Review(r.item, r.score, r.reviewer.strip(), r.at, r.reason.strip()) for r in envelope.reviews),
                key=lambda r: r.item,
            )
        )
        if envelope.reviews
        else (),
    )


def _score_problem(items: dict[str, Any], where: str, item_id: str, score: Decimal) -> Problem:
    """What is wrong with a score for an item that is not one of the target's scored items, or above its points."""
    item = items.get(item_id)
    if item is None:
        return Problem(where, f"no item {item_id!r} for this target{_suggest(item_id, list(items))}")
    if item.max is None:
        return Problem(where, f"item {item_id!r} carries no points, so it takes no score")
    return Problem(where, f"score {score} is more than the item's {item.max} points")


def _validate_facts(spec: PackSpec, view: TargetView, plan: InputPlan, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The input's facts, canonical and in the target's order, with defaults filled in (except around derivations)."""
    problems: list[Problem] = []
    validator = view.facts_model.__pydantic_validator__  # model_validate only adds a Python call around it
    try:
        # Most inputs are valid as they are; the model forbids unknown names,
        # so only an input it rejects can name facts of other targets.
        model = validator.validate_python(raw)
    except ValidationError:
        here = view.fact_specs
        elsewhere = {f.name for f in spec.facts} - here.keys()
        given = {}
        for name, value in raw.items():
            if name in elsewhere:
                problems.append(Problem(f"facts.{name}", f"fact {name!r} is not used when assessing {view.target.name}"))
            else:
                given[name] = value
        try:
            model = validator.validate_python(given)
        except ValidationError as exc:
            problems.extend(pydantic_problems(exc, "facts", known=sorted(here)))
            return {}, problems
    values = dict(vars(model))  # every fact of the target, None where the input leaves it out
    for name, f in plan.reshaped:
        value = values[name]
        if value is not None:
            values[name] = canonical(f, value)
    # An explicit null is the same as leaving the fact out. Replacing or
    # deleting a key keeps the others where they are, in the target's order.
    defaults = plan.defaults
    for name in [name for name, value in values.items() if value is None]:
        if name in defaults:
            values[name] = defaults[name]
        else:
            del values[name]
    if not plan.in_order:
        order = view.fact_order
        values = dict(sorted(values.items(), key=lambda kv: order[kv[0]]))
    for f in plan.derived:
        if f.name in values and f.derive.source in values:  # type: ignore[union-attr]
            problems.append(
                Problem(f"facts.{f.name}", f"give either {f.name!r} or the dates in {f.derive.source!r} it is derived from, not both")  # type: ignore[union-attr]
            )
    return values, problems


def _derive(view: TargetView, plan: InputPlan, values: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Derived counts from their dates, then the defaults the plan left for after them."""
    if not plan.derived:
        return values, ()
    derived: list[str] = []
    outside: list[Problem] = []
    for f in plan.derived:
        d = f.derive
        if f.name not in values and d.source in values:  # type: ignore[union-attr]
            try:
                values[f.name] = derived_count(d, values[d.source])  # type: ignore[arg-type,union-attr]
            except OutsideCalendar as exc:
                outside.append(Problem(f"facts.{d.source}", f"{exc}; give {f.name!r} ({f.label}) directly instead"))  # type: ignore[union-attr]
                continue
            derived.append(f.name)
    if outside:
        raise FactsError(f"{len(outside)} problem(s) in the assessment input for {view.pack_id} / {view.target.name}", outside)
    for name, value in view.defaults.items():
        if name not in values:
            values[name] = value
    order = view.fact_order
    return dict(sorted(values.items(), key=lambda kv: order[kv[0]])), tuple(derived)
