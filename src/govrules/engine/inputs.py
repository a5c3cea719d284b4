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
every problem at once. The usual well-formed input is checked in straight-line
code instead (:mod:`govrules.engine.wellformed`, the same outcome); any other
takes the full way here, which alone reports problems.

Every input ends in a :class:`FactsError` or a correct assessment, whatever
it holds (see docs/security.md): JSON text is bounded in size
(:data:`MAX_JSON_SIZE`) and nesting (:data:`MAX_JSON_DEPTH`), must be UTF-8
with no key given twice; text holding a lone surrogate is refused, and so
are blank reasons, reviewers and N/A explanations; numbers and counts are
finite and bounded (see :mod:`govrules.engine.facts`); values of the wrong Python
type (bytes, sets, objects, ``True`` for a number) are refused, not coerced.
"""

from __future__ import annotations

import collections
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import attrs
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StrictStr, ValidationError

from . import records, wellformed
from .compiled import InputPlan, TargetView
from ..errors import FactsError, Problem
from ..messages import json_reason, library_reason, text, type_name

text_ = text  # where a local ``text`` (the JSON being read) hides the catalogue's
from .facts import NonNegativeNumberIn, canonical, pydantic_problems, timestamp
from .timing import OutsideCalendar, derived_count
from ..rubric.model import PackSpec
from ..untrusted import closest, has_lone_surrogate, is_blank, shown


def _empty(factory: type) -> Any:
    """An empty default, made fresh for each input.

    A literal ``= {}`` is deep-copied by pydantic for every input that leaves
    the key out (most of them); the JSON Schema still shows the empty default.
    """
    return Field(default_factory=factory, json_schema_extra={"default": factory()})


def _item_id(value: Any) -> Any:
    # An item id the document numbers 1–23 reaches here as the number 7 when a YAML form
    # leaves it unquoted (`7: 书面说明`): it can only mean item "7". A float (1.10) is not
    # turned into text: 1.1 and 1.10 would be one key; the error then says a string is needed.
    return str(value) if type(value) is int else value


#: An item's id where an input names one (a key, or a review's item): text, or a whole number meaning its text.
ItemId = Annotated[StrictStr, BeforeValidator(_item_id)]


class ReviewIn(BaseModel):
    """A 复核 override of one item's score."""

    model_config = ConfigDict(extra="forbid")
    item: ItemId
    score: NonNegativeNumberIn
    reviewer: Annotated[StrictStr, Field(min_length=1, description="复核人")]
    at: Annotated[str, BeforeValidator(timestamp), Field(description="复核时间")]
    reason: Annotated[StrictStr, Field(min_length=1, description="复核理由")]


class RatingIn(BaseModel):
    """One rater's facts for a row several raters score."""

    model_config = ConfigDict(extra="forbid")
    by: Annotated[StrictStr, Field(min_length=1, description="评议人")]
    facts: Annotated[dict[StrictStr, Any], Strict()]


class SourceIn(BaseModel):
    """A partial assessment merged into this one (written by govrules.engine.merge)."""

    model_config = ConfigDict(extra="forbid")
    name: StrictStr
    assessor: StrictStr | None = None
    gave: Annotated[list[StrictStr], Strict()]


# Strict: text is str (not bytes), objects are dicts (not other mappings, whose
# facts would otherwise be skipped), arrays are lists (not sets or generators).
class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pack: StrictStr | None = None
    target: StrictStr | None = None
    unit: StrictStr | None = None
    facts: Annotated[dict[StrictStr, Any], Strict()] = _empty(dict)
    evidence: Annotated[dict[ItemId, Annotated[list[StrictStr], Strict()]], Strict()] = _empty(dict)
    not_applicable: Annotated[dict[ItemId, StrictStr], Strict()] = _empty(dict)
    self_assessment: Annotated[dict[ItemId, NonNegativeNumberIn], Strict()] = _empty(dict)
    reviews: Annotated[list[ReviewIn], Strict()] = _empty(list)
    ratings: Annotated[dict[StrictStr, Annotated[list[RatingIn], Strict()]], Strict()] = _empty(dict)
    sources: Annotated[list[SourceIn], Strict()] = _empty(list)


@attrs.frozen
class Review:
    item: str
    score: Decimal
    reviewer: str
    at: str
    reason: str


# No __weakref__ slot: made by govrules.engine.records' builder, which needs the layout without one.
@attrs.frozen(weakref_slot=False)
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
    # Rows several raters score: (item, ((rater, facts, derived), ...)), in item order.
    ratings: tuple[tuple[str, tuple[tuple[str, tuple[tuple[str, Any], ...], tuple[str, ...]], ...]], ...] = ()
    # The partial assessments merged into this one: (name, assessor, what it gave).
    sources: tuple[tuple[str, str | None, tuple[str, ...]], ...] = ()

    @property
    def fact_values(self) -> dict[str, Any]:
        return dict(self.facts)


#: ``Assessment(...)``, made without attrs' per-field ``object.__setattr__`` (govrules.engine.records).
_new_assessment = records.builder(Assessment)


#: Longest JSON text :func:`parse_json` reads: characters of a str, or bytes
#: before decoding. An assessment of one unit is a few kilobytes; a long
#: 书面说明 or a year of dates is tens of kilobytes.
MAX_JSON_SIZE = 4 * 1024 * 1024

#: Deepest nesting of arrays and objects in JSON text. An assessment nests 3
#: deep (``facts`` → a discretionary deduction → its ``points``); the bound
#: keeps far from the recursion limit of Python's JSON parser.
MAX_JSON_DEPTH = 64


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


# One decoder for every call (json.loads with arguments builds one each time),
# as the json module shares its own; it holds no state between calls.
_DECODER = json.JSONDecoder(parse_float=Decimal, object_pairs_hook=_no_duplicates)


def parse_json(data: str | bytes) -> Any:
    """Parse JSON with exact numbers (no binary floats), refusing hostile text.

    Refused, each as a :class:`FactsError` naming the place: text longer than
    :data:`MAX_JSON_SIZE`, bytes that are not UTF-8 (or UTF-16/32 with its
    byte order), nesting deeper than :data:`MAX_JSON_DEPTH`, a key given twice
    in one object, integers too long for Python to read (over 4,300 digits)
    and exponents too large for a decimal.
    """
    if len(data) > MAX_JSON_SIZE:
        unit = text_("input.unit.bytes" if isinstance(data, bytes) else "input.unit.characters")
        raise FactsError.coded(
            "input.too_large_summary",
            [Problem.coded("", "input.too_large", size=len(data), unit=unit, limit=MAX_JSON_SIZE)],
        )
    if isinstance(data, bytes):
        try:
            text = data.decode(json.detect_encoding(data))
        except UnicodeDecodeError as exc:
            raise FactsError.coded(
                "input.not_encoded_summary",
                [Problem.coded(text_("input.where_byte", offset=exc.start), "input.not_utf8", reason=library_reason("utf8.", exc.reason))],
                encoding=exc.encoding.upper().replace("-SIG", ""),
            ) from None
    else:
        text = data
    if text.startswith("\ufeff"):
        raise FactsError.coded("input.not_json_summary", [Problem.coded(text_("input.where_line_column", line=1, column=1), "input.bom")])
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:  # else it cannot nest that deep
        _check_depth(text)
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        where = text_("input.where_line_column", line=exc.lineno, column=exc.colno)
        raise FactsError.coded("input.not_json_summary", [Problem.coded(where, "input.json_syntax", reason=json_reason(exc.msg))]) from None
    except (ValueError, ArithmeticError, RecursionError):
        # A key given twice, an integer too long for int() or an exponent too
        # large for Decimal (InvalidOperation), or a stack nearly used up by
        # the caller: read again, slowly, to say where.
        raise FactsError.coded("input.inexact_summary", _diagnose(text)) from None


#: A JSON string (to the end of the text if it is never closed, so that
#: scanning stays linear) or a bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)


def _line_column(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return text_("input.where_line_column", line=line, column=offset - text.rfind(chr(10), 0, offset))


def _check_depth(text: str) -> None:
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        c = text[m.start()]
        if c == "[" or c == "{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise FactsError.coded(
                    "input.too_deep_summary",
                    [Problem.coded(_line_column(text, m.start()), "input.too_deep", limit=MAX_JSON_DEPTH)],
                )
        elif c == "]" or c == "}":
            depth -= 1


class _Unreadable:
    """A number :func:`_diagnose` could not read, in place of its value."""

    def __init__(self, why: str):
        self.why = why


def _int_or_mark(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return _Unreadable(text_("input.integer_too_long", digits=len(text.lstrip("-"))))


def _decimal_or_mark(text: str) -> Any:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return _Unreadable(text_("input.exponent_out_of_range", value=shown(text, 40)))


def _diagnose(text: str) -> list[Problem]:
    """Where ``text`` holds what :data:`_DECODER` refused: duplicate keys and unreadable numbers, by path."""
    duplicates: dict[int, list[str]] = {}

    def record(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            duplicates[id(out)] = [k for k, n in collections.Counter(k for k, _ in pairs).items() if n > 1]
        return out

    try:
        root = json.loads(text, parse_int=_int_or_mark, parse_float=_decimal_or_mark, object_pairs_hook=record)
    except RecursionError:
        return [Problem.coded("", "input.stack_used_up")]
    problems: list[Problem] = []
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:  # iterative: the text may nest up to MAX_JSON_DEPTH
        where, value = stack.pop()
        if isinstance(value, _Unreadable):
            problems.append(Problem(where, value.why))
        elif isinstance(value, dict):
            for key in duplicates.get(id(value), ()):
                problems.append(Problem.coded(f"{where}.{key}" if where else key, "input.key_twice", key=shown(key)))
            stack.extend((f"{where}.{k}" if where else k, v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{where}.{i}" if where else str(i), v) for i, v in reversed(list(enumerate(value))))
    return problems or [Problem.coded("", "input.unreadable")]


def target_names(targets: Any) -> str:
    """The targets an office user may name, by their Chinese names (the id in brackets, as -t and JSON also take it)."""
    return "、".join(f"{t.name}（{t.id}）" for t in targets)


def _label(spec: PackSpec, name: str) -> str:
    return next((f.label for f in spec.facts if f.name == name), name)


def _fact_named(spec: PackSpec, name: str) -> str:
    """A fact as a message names it: its Chinese label, and the name the input uses."""
    return f"{_label(spec, name)}（{name}）"


def duplicate_keys(text: str) -> list[Problem]:
    """Where JSON text that parses gives a key twice in one object, by path (for readers other than :func:`parse_json`)."""
    return [p for p in _diagnose(text) if p.code == "input.key_twice"] or [Problem.coded("", "input.some_key_twice")]


def _suggest(name: str, known: list[str]) -> str:
    close = closest(name, known)
    return text("hint.did_you_mean", name=repr(close)) if close is not None else ""


def canonical_target(spec: PackSpec, given: Any) -> Any:
    """A target's id for its id or its Chinese name (surrounding blanks ignored); anything else as given."""
    if not isinstance(given, str):
        return given
    stripped = given.strip()
    for t in spec.targets:
        if stripped in (t.id, t.name):
            return t.id
    return given


def resolve_target(spec: PackSpec, data: Any, target: str | None) -> str:
    """The target an assessment is for: the argument, the input's ``target``, or the pack's only one."""
    ids = [t.id for t in spec.targets]
    given = data.get("target") if isinstance(data, dict) else None
    # A target is named by its id (xiangzhen) or, as an office writes it, by its name (乡镇):
    # the same in JSON input as on the command line. The result keeps the id.
    target, given = canonical_target(spec, target), canonical_target(spec, given)
    if target is not None and given is not None and given != target:
        raise FactsError.coded(
            "input.targets_differ_summary",
            [Problem.coded("target", "input.targets_differ", asked=shown(target), given=shown(given))],
        )
    chosen = target or given
    if chosen is None:
        if len(ids) == 1:
            return ids[0]
        raise FactsError.coded("input.which_target_summary", [Problem.coded("target", "input.give_target", names=target_names(spec.targets))])
    if not isinstance(chosen, str) or chosen not in ids:
        names = target_names(spec.targets)
        hint = _suggest(chosen, ids + [t.name for t in spec.targets]) if isinstance(chosen, str) else ""
        raise FactsError.coded(
            "input.unknown_target_summary",
            [Problem.coded("target", "input.unknown_target", value=shown(chosen), pack=spec.pack.id, names=names, hint=hint)],
            value=shown(chosen),
            pack=spec.pack.id,
        )
    return chosen


def validate(spec: PackSpec, view: TargetView, data: Any, *, shortcuts: bool = True) -> Assessment:
    """Check an assessment input against one target; every problem is reported at once.

    ``shortcuts``: whether well-formed inputs may take the straight-line checks of
    :mod:`govrules.engine.wellformed` (the same outcome; off only to test that).
    """
    if shortcuts:
        quick = _quick(spec, view, data)
        if quick is not None:
            return quick
    try:
        return _validate(spec, view, data, shortcuts)
    except (RecursionError, ValueError, TypeError, ArithmeticError) as exc:
        # A safety net: the checks below refuse hostile values by name, and
        # the fuzz tests (tests/test_hostile_facts.py) never reach this.
        raise FactsError.coded(
            "input.uncheckable_summary",
            [Problem.coded("", "input.uncheckable", kind=type(exc).__name__)],
            pack=spec.pack.id,
            target=view.target.name,
        ) from None


def _validate(spec: PackSpec, view: TargetView, data: Any, shortcuts: bool = True) -> Assessment:
    if not isinstance(data, dict):
        raise FactsError.coded("input.not_an_object_summary", [Problem.coded("", "input.got", kind=type_name(data))])
    problems: list[Problem] = []
    try:
        envelope = AssessmentIn.__pydantic_validator__.validate_python(data)  # model_validate without its wrapper
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, "", known=list(AssessmentIn.model_fields)))
        envelope = None
    if data.get("pack") not in (None, spec.pack.id):
        problems.append(Problem.coded("pack", "input.other_pack", given=shown(data.get("pack")), pack=spec.pack.id))

    plan = view.input_plan
    raw_facts = data.get("facts", {})
    # Well-formed facts next to an envelope the shortcut left here (ratings, say) still take theirs.
    facts: dict[str, Any] | None = wellformed.facts(plan, raw_facts) if shortcuts else None
    if facts is None:
        facts = {}
        if isinstance(raw_facts, dict):
            facts, fact_problems = _validate_facts(spec, view, plan, raw_facts)
            problems.extend(fact_problems)

    items = view.item_index
    if envelope is not None:
        if envelope.unit and has_lone_surrogate(envelope.unit):
            problems.append(Problem.coded("unit", "input.unit_surrogate"))
        for item_id, kinds in envelope.evidence.items():
            item = items.get(item_id)
            if item is None:
                problems.append(Problem.coded(f"evidence.{item_id}", "input.no_item", item=shown(item_id), hint=_suggest(item_id, list(items))))
                continue
            allowed = item.indicator.evidence
            for i, kind in enumerate(kinds):
                if kind not in allowed:
                    hint = text("input.evidence_asked", allowed="、".join(allowed)) if allowed else text("input.no_evidence_asked")
                    problems.append(Problem.coded(f"evidence.{item_id}[{i}]", "input.unknown_evidence", value=shown(kind), hint=hint))
        policy = spec.not_applicable
        for item_id, why in envelope.not_applicable.items():
            if item_id not in items:
                problems.append(Problem.coded(f"not_applicable.{item_id}", "input.no_item", item=shown(item_id), hint=_suggest(item_id, list(items))))
            elif not policy.allowed:
                problems.append(Problem.coded(f"not_applicable.{item_id}", "input.na_not_allowed", pack=spec.pack.id))
            elif has_lone_surrogate(why):
                problems.append(Problem.coded(f"not_applicable.{item_id}", "input.na_surrogate"))
            elif is_blank(why):  # white space and invisible characters explain nothing
                problems.append(Problem.coded(f"not_applicable.{item_id}", "input.na_needs_explanation"))
        maxima = plan.maxima
        for item_id, score in envelope.self_assessment.items():
            if item_id not in maxima or score > maxima[item_id]:
                problems.append(_score_problem(items, f"self_assessment.{item_id}", item_id, score))
        for i, review in enumerate(envelope.reviews):
            if review.item not in maxima or review.score > maxima[review.item]:
                problems.append(_score_problem(items, f"reviews[{i}].item", review.item, review.score))
            for name, given, what in (("reviewer", review.reviewer, "input.reviewer"), ("reason", review.reason, "input.review_reason")):
                if has_lone_surrogate(given):
                    problems.append(Problem.coded(f"reviews[{i}].{name}", "input.text_surrogate"))
                elif is_blank(given):
                    problems.append(Problem.coded(f"reviews[{i}].{name}", "input.review_blank", what=text(what)))
        seen: set[str] = set()
        for i, review in enumerate(envelope.reviews):
            if review.item in seen:
                problems.append(Problem.coded(f"reviews[{i}].item", "input.reviewed_twice", item=shown(review.item)))
            seen.add(review.item)
        ratings: list[Any] = []
        if envelope.ratings:
            ratings, rating_problems = _validate_ratings(spec, view, plan, envelope.ratings, raw_facts if isinstance(raw_facts, dict) else {})
            problems.extend(rating_problems)
        for i, source in enumerate(envelope.sources):
            if any(has_lone_surrogate(t) for t in (source.name, source.assessor or "", *source.gave)):
                problems.append(Problem.coded(f"sources[{i}]", "input.text_surrogate"))
    if problems:
        raise FactsError.coded("input.problems_summary", problems, count=len(problems), pack=spec.pack.id, target=view.target.name)
    assert envelope is not None
    facts, derived = _derive(view, plan, facts)
    rated: tuple[Any, ...] = ()
    if envelope.ratings:
        # A row given by its raters takes its facts from them alone (not from a default here).
        rated = tuple(ratings)
        given_by_raters = {f for item_id, _ in rated for f in view.item_index[item_id].rated_facts}
        facts = {k: v for k, v in facts.items() if k not in given_by_raters}
        derived = tuple(d for d in derived if d not in given_by_raters)
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
        ratings=rated,
        sources=tuple((s.name, s.assessor, tuple(s.gave)) for s in envelope.sources),
    )


def _quick(spec: PackSpec, view: TargetView, data: Any) -> Assessment | None:
    """The assessment of a well-formed input, checked by :mod:`govrules.engine.wellformed`; None for the full way.

    The full way alone reports problems: a date outside its derivation's
    calendar, the one check left after the shortcut, sends the input there too.
    """
    plan = view.input_plan
    parts = wellformed.parts(plan, data, spec.pack.id, spec.not_applicable.allowed)
    if parts is None:
        return None
    unit, values, evidence, not_applicable, self_assessment, reviews = parts
    try:
        facts, derived = _derive(view, plan, values)
    except FactsError:
        return None
    # Positionally (a call naming its arguments costs more): target, unit, facts, derived, evidence, N/A, 自评, 复核.
    return _new_assessment(
        view.target.id,
        unit,
        tuple(facts.items()),  # in the target's order, as the full way leaves them
        derived,
        evidence,
        not_applicable,
        self_assessment,
        tuple([Review(*r) for r in reviews]) if reviews else (),
    )


def _validate_ratings(
    spec: PackSpec, view: TargetView, plan: InputPlan, ratings: dict[str, list[RatingIn]], main_facts: dict[str, Any]
) -> tuple[list[Any], list[Problem]]:
    """The raters of each rated row, checked: (item, ((rater, facts, derived), ...)) in item order, and the problems."""
    from ..rubric.scope import unit_key

    problems: list[Problem] = []
    out: list[Any] = []
    rated = view.rated_items
    for item_id in sorted(ratings, key=lambda i: view.item_order.get(i, -1)):
        entries = ratings[item_id]
        where = f"ratings.{item_id}"
        item = rated.get(item_id)
        if item is None:
            if item_id in view.item_index:
                problems.append(Problem.coded(where, "input.not_rated", item=shown(item_id)))
            else:
                problems.append(Problem.coded(where, "input.no_item", item=shown(item_id), hint=_suggest(item_id, list(rated) or list(view.item_index))))
            continue
        for name in sorted(item.rated_facts & {k for k, v in main_facts.items() if v is not None}):
            problems.append(Problem.coded(f"facts.{name}", "input.rated_here_too", item=item_id, name=_fact_named(spec, name)))
        if not entries:
            problems.append(Problem.coded(where, "input.rated_needs_rating"))
            continue
        seen: dict[str, int] = {}
        raters = []
        for i, entry in enumerate(entries):
            here = f"{where}[{i}]"
            if has_lone_surrogate(entry.by):
                problems.append(Problem.coded(f"{here}.by", "input.rater_surrogate"))
                continue
            if is_blank(entry.by):
                problems.append(Problem.coded(f"{here}.by", "input.rater_blank"))
                continue
            key = unit_key(entry.by)
            if key in seen:
                problems.append(Problem.coded(f"{here}.by", "input.rated_twice", rater=shown(entry.by), item=item_id, other=f"{where}[{seen[key]}]"))
                continue
            seen[key] = i
            foreign = [n for n in entry.facts if n not in item.rated_facts]
            # By label, with the id (as merge and the rated rows name them): the office reads the label, the id finds the field.
            own = "、".join(f"{view.fact_labels.get(n, n)}（{n}）" for n in sorted(item.rated_facts))
            for name in foreign:
                problems.append(Problem.coded(f"{here}.facts.{name}", "input.rating_own_facts", item=item_id, own=own))
            if foreign:
                continue
            values, fact_problems = _validate_facts(spec, view, plan, entry.facts, f"{here}.facts")
            if fact_problems:
                problems.extend(fact_problems)
                continue
            try:
                values, derived = _derive(view, plan, values)
            except FactsError as exc:
                problems.extend(attrs.evolve(p, where=f"{here}.{p.where}") for p in exc.problems)
                continue
            own_values = tuple((k, v) for k, v in values.items() if k in item.rated_facts)
            if not own_values:
                problems.append(Problem.coded(f"{here}.facts", "input.rating_facts", item=item_id, facts=own))
                continue
            raters.append((entry.by.strip(), own_values, tuple(d for d in derived if d in item.rated_facts)))
        out.append((item_id, tuple(raters)))
    return out, problems


def _score_problem(items: dict[str, Any], where: str, item_id: str, score: Decimal) -> Problem:
    """What is wrong with a score for an item that is not one of the target's scored items, or above its points."""
    item = items.get(item_id)
    if item is None:
        return Problem.coded(where, "input.no_item", item=shown(item_id), hint=_suggest(item_id, list(items)))
    if item.max is None:
        return Problem.coded(where, "input.item_no_points", item=item_id)
    return Problem.coded(where, "input.score_above_max", score=score, max=item.max)


def _validate_facts(
    spec: PackSpec, view: TargetView, plan: InputPlan, raw: dict[str, Any], prefix: str = "facts"
) -> tuple[dict[str, Any], list[Problem]]:
    """The input's facts, canonical and in the target's order, with defaults filled in (except around derivations).

    ``prefix``: where the facts are in the input (``facts``, or a rater's ``ratings.8[1].facts``).
    """
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
                problems.append(Problem.coded(f"{prefix}.{name}", "facts.fact_of_other_target", name=name, label=_label(spec, name), target=view.target.name))
            else:
                given[name] = value
        try:
            model = validator.validate_python(given)
        except ValidationError as exc:
            problems.extend(pydantic_problems(exc, prefix, known=sorted(here)))
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
                Problem.coded(f"{prefix}.{f.name}", "facts.derived_and_source", name=f.name, label=f.label, source=f.derive.source)  # type: ignore[union-attr]
            )
    return values, problems


def _derive(view: TargetView, plan: InputPlan, values: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Derived counts from their dates, then the defaults the plan left for after them."""
    if not plan.derived:
        return values, ()
    given = len(values)
    derived: list[str] = []
    outside: list[Problem] = []
    for f in plan.derived:
        d = f.derive
        if f.name not in values and d.source in values:  # type: ignore[union-attr]
            try:
                values[f.name] = derived_count(d, values[d.source])  # type: ignore[arg-type,union-attr]
            except OutsideCalendar as exc:
                outside.append(Problem.coded(f"facts.{d.source}", "facts.outside_calendar", why=str(exc), name=f.name, label=f.label))  # type: ignore[union-attr]
                continue
            derived.append(f.name)
    if outside:
        raise FactsError.coded("input.problems_summary", outside, count=len(outside), pack=view.pack_id, target=view.target.name)
    for name, value in view.defaults.items():
        if name not in values:
            values[name] = value
    if len(values) == given:
        # Nothing derived or defaulted: still in the target's order, as _validate_facts left them.
        return values, tuple(derived)
    order = view.fact_order
    return dict(sorted(values.items(), key=lambda kv: order[kv[0]])), tuple(derived)
