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

from .compiled import TargetView
from .errors import FactsError, Problem
from .facts import NumberIn, canonical, missed_periods, pydantic_problems
from .model import PackSpec


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


class ReviewIn(BaseModel):
    """A 复核 override of one item's score."""

    model_config = ConfigDict(extra="forbid")
    item: str
    score: Annotated[NumberIn, Field(ge=0)]
    reviewer: Annotated[str, Field(min_length=1, description="复核人")]
    at: Annotated[str, BeforeValidator(_timestamp), Field(description="复核时间")]
    reason: Annotated[str, Field(min_length=1, description="复核理由")]


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pack: str | None = None
    target: str | None = None
    unit: str | None = None
    facts: dict[str, Any] = {}
    evidence: dict[str, list[str]] = {}
    not_applicable: dict[str, str] = {}
    self_assessment: dict[str, Annotated[NumberIn, Field(ge=0)]] = {}
    reviews: list[ReviewIn] = []


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
        envelope = AssessmentIn.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, "", known=list(AssessmentIn.model_fields)))
        envelope = None
    if data.get("pack") not in (None, spec.pack.id):
        problems.append(Problem("pack", f"this input is for pack {data.get('pack')!r}, not {spec.pack.id!r}"))

    raw_facts = data.get("facts", {})
    facts: dict[str, Any] = {}
    if isinstance(raw_facts, dict):
        facts, fact_problems = _validate_facts(spec, view, raw_facts)
        problems.extend(fact_problems)

    items = {item.id: item for item in view.items}
    item_ids = list(items)
    if envelope is not None:
        for item_id, kinds in envelope.evidence.items():
            item = items.get(item_id)
            if item is None:
                problems.append(Problem(f"evidence.{item_id}", f"no item {item_id!r} for this target{_suggest(item_id, item_ids)}"))
                continue
            allowed = list(item.indicator.evidence)
            for i, kind in enumerate(kinds):
                if kind not in allowed:
                    hint = f"; this item asks for {', '.join(allowed)}" if allowed else "; this item asks for no evidence"
                    problems.append(Problem(f"evidence.{item_id}[{i}]", f"unknown evidence {kind!r}{hint}"))
        policy = spec.not_applicable
        for item_id, why in envelope.not_applicable.items():
            if item_id not in items:
                problems.append(Problem(f"not_applicable.{item_id}", f"no item {item_id!r} for this target{_suggest(item_id, item_ids)}"))
            elif not policy.allowed:
                problems.append(Problem(f"not_applicable.{item_id}", f"pack {spec.pack.id} does not allow items to be declared not applicable"))
            elif not why.strip():
                problems.append(Problem(f"not_applicable.{item_id}", "a not-applicable item needs its written explanation (书面说明)"))
        for item_id, score in envelope.self_assessment.items():
            problems.extend(_check_item_score(items, item_ids, f"self_assessment.{item_id}", item_id, score))
        for i, review in enumerate(envelope.reviews):
            problems.extend(_check_item_score(items, item_ids, f"reviews[{i}].item", review.item, review.score))
        seen: set[str] = set()
        for i, review in enumerate(envelope.reviews):
            if review.item in seen:
                problems.append(Problem(f"reviews[{i}].item", f"{review.item!r} is reviewed twice; keep one review per item"))
            seen.add(review.item)
    if problems:
        raise FactsError(f"{len(problems)} problem(s) in the assessment input for {spec.pack.id} / {view.target.name}", problems)
    assert envelope is not None
    facts, derived = _derive(view, facts)
    order = {f.name: i for i, f in enumerate(view.facts)}
    return Assessment(
        target=view.target.id,
        unit=envelope.unit,
        facts=tuple(sorted(facts.items(), key=lambda kv: order[kv[0]])),
        derived=derived,
        evidence=frozenset((item, kind) for item, kinds in envelope.evidence.items() for kind in kinds),
        not_applicable=tuple(sorted((k, v.strip()) for k, v in envelope.not_applicable.items())),
        self_assessment=tuple(sorted(envelope.self_assessment.items())),
        reviews=tuple(
            sorted(
                (Review(r.item, r.score, r.reviewer.strip(), r.at, r.reason.strip()) for r in envelope.reviews),
                key=lambda r: r.item,
            )
        ),
    )


def _check_item_score(items: dict[str, Any], item_ids: list[str], where: str, item_id: str, score: Decimal) -> list[Problem]:
    item = items.get(item_id)
    if item is None:
        return [Problem(where, f"no item {item_id!r} for this target{_suggest(item_id, item_ids)}")]
    if item.max is None:
        return [Problem(where, f"item {item_id!r} carries no points, so it takes no score")]
    if score > item.max:
        return [Problem(where, f"score {score} is more than the item's {item.max} points")]
    return []


def _validate_facts(spec: PackSpec, view: TargetView, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    here = {f.name for f in view.facts}
    elsewhere = {f.name for f in spec.facts} - here
    given = {}
    for name, value in raw.items():
        if name in elsewhere:
            problems.append(Problem(f"facts.{name}", f"fact {name!r} is not used when assessing {view.target.name}"))
        else:
            given[name] = value
    try:
        model = view.facts_model.model_validate(given)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, "facts", known=sorted(here)))
        return {}, problems
    specs = {f.name: f for f in view.facts}
    values: dict[str, Any] = {}
    for name in given:
        value = getattr(model, name)
        if value is not None:  # an explicit null is the same as leaving the fact out
            values[name] = canonical(specs[name], value)
    for f in view.facts:
        if f.derive is not None and f.name in values and f.derive.source in values:
            problems.append(
                Problem(f"facts.{f.name}", f"give either {f.name!r} or the dates in {f.derive.source!r} it is derived from, not both")
            )
    return values, problems


def _derive(view: TargetView, values: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    derived: list[str] = []
    for f in view.facts:
        d = f.derive
        if d is not None and f.name not in values and d.source in values:
            values[f.name] = missed_periods(values[d.source], d.start, d.end, d.period_days)
            derived.append(f.name)
    for name, value in view.defaults.items():
        if name not in values:
            values[name] = value
    return values, tuple(derived)
