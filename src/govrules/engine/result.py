"""Result records: frozen, traceable, and serialised to deterministic JSON.

A :class:`Result` carries, for every item, each effect (a deduction or a
bonus) with the rule that produced it, the fact values that fired it and the
document's words; how caps, the floor at zero, all-or-nothing rules, N/A and
review overrides changed the score; and stamps of the pack and engine that
produced it. ``to_json()`` is byte-identical for the same input, whatever the
order the input listed its facts in.

Statuses follow XCCDF: ``pass``, ``fail``, ``notapplicable``, ``notchecked``,
``error``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, ClassVar, Mapping

import attrs

from .facts import Discretion, to_jsonable
from ..rubric.scope import COMBINE_LABELS
from .jsontext import STATUS_TEXTS, EffectTexts, RowTexts, TargetTexts, dumps as _dumps, dumps_with, number as _number, scalar as _scalar, string as _string, strings as _strings
from ..numbers import exact, fmt, sub


PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "notapplicable"
NOT_CHECKED = "notchecked"
ERROR = "error"
STATUSES = (PASS, FAIL, NOT_APPLICABLE, NOT_CHECKED, ERROR)

#: Chinese labels for reports.
STATUS_LABELS = {PASS: "符合", FAIL: "不符合", NOT_APPLICABLE: "不适用", NOT_CHECKED: "未检查", ERROR: "错误"}

Facts = tuple[tuple[str, Any], ...]


#: Fact values that are their own JSON (most facts: counts, choices, yes/no).
_PLAIN = frozenset({int, str, bool, type(None)})


def _facts_json(facts: Facts) -> dict[str, Any]:
    return {name: value if type(value) in _PLAIN else to_jsonable(value) for name, value in facts}


def _discretion_text(d: Discretion) -> str:
    if type(d.points) is Decimal and type(d.reason) is str:
        return '{"points": "' + fmt(d.points) + '", "reason": ' + _string(d.reason) + "}"
    return _dumps(to_jsonable(d))


def _tuple_text(values: tuple[Any, ...]) -> str:
    if not values:
        return "[]"
    for v in values:
        if type(v) is not str:
            return _dumps(to_jsonable(values))
    return "[" + ", ".join(map(_string, values)) + "]"  # choices (a subset fact)


#: Each fact value's JSON text by its exact type, as ``dumps(_facts_json(...))`` writes it; any other type through to_jsonable.
_VALUE_TEXTS: dict[type, Any] = {
    int: int.__repr__,
    str: _string,
    bool: lambda v: "true" if v else "false",
    type(None): lambda v: "null",
    Discretion: _discretion_text,
    tuple: _tuple_text,
}


def _facts_text(facts: Facts) -> str:
    """``dumps(_facts_json(facts))``, each value written by its type without the dict (tests/test_json_text.py)."""
    known = _FACT_PARTS
    remembered = _REMEMBERED
    parts = []
    for pair in facts:
        value = pair[1]
        kind = type(value)
        if kind in remembered and type(pair) is tuple:
            try:
                hit = known.get(pair)
            except TypeError:  # a tuple holding a list, say
                parts.append(_fact_text(*pair))
                continue
            # An equal pair of another type (True and 1, 1 and Decimal(1)) is written apart.
            if hit is not None and hit[1] is kind:
                parts.append(hit[0])
                continue
            text = _fact_text(*pair)
            # Only choices (strings) of tuples: a tuple equal to one of them holds equal strings, written alike.
            if hit is None and len(known) < _FACT_PART_LIMIT and (kind is not tuple or all([type(v) is str for v in value])):
                known[pair] = (text, kind)  # racing threads store the same text
        elif kind is Discretion and type(value.points) is Decimal and type(value.reason) is str:
            # By the points' text (a new Decimal's hash costs several times its str), of which its text is a function.
            key = (pair[0], str(value.points), value.reason)
            text = _DISCRETIONS.get(key)
            if text is None:
                text = _fact_text(*pair)
                if len(_DISCRETIONS) < _FACT_PART_LIMIT:
                    _DISCRETIONS[key] = text  # racing threads store the same text
        else:
            text = _fact_text(*pair)
        parts.append(text)
    return "{" + ", ".join(parts) + "}"


def _fact_text(name: str, value: Any) -> str:
    """One fact's ``"name": value`` in ``dumps(_facts_json(...))``."""
    keys = _FACT_KEYS
    key = keys.get(name)
    if key is None:
        key = _string(name) + ": "
        if len(keys) < _FACT_KEY_LIMIT:
            keys[name] = key
    write = _VALUE_TEXTS.get(type(value))
    return key + (write(value) if write is not None else _dumps(to_jsonable(value)))


#: A bounded memo of each fact name's JSON text and colon (names are a pack's few identifiers).
_FACT_KEYS: dict[str, str] = {}
_FACT_KEY_LIMIT = 4096

#: A bounded memo of a fact's ``"name": value`` text by its (name, value) pair and
#: the value's type, for the values whose text is a function of their value and
#: type alone (counts, yes/no, text, choices: tuples of strings only, as a
#: tuple of other values may be equal to one written otherwise): most facts
#: repeat across inputs (a count of 0, a yes). Once full, a new pair's text is
#: written each time. ``_DISCRETIONS`` likewise holds a discretionary
#: deduction's by its name, its points' text and its reason (up to the same
#: number; only Decimal points and a reason: float points may equal a Decimal).
_FACT_PARTS: dict[tuple[str, Any], tuple[str, type]] = {}
_FACT_PART_LIMIT = 4096
_REMEMBERED = frozenset({int, bool, str, type(None), tuple})
_DISCRETIONS: dict[tuple[str, str, str], str] = {}


def kept_text(record: Any) -> str:
    """A frozen record's JSON text: written by its ``_write_text()`` the first time, then kept in its ``_text`` field.

    The field is no part of the record's value (``eq=False``), and ``attrs.evolve`` makes a new record without it.
    (Not a functools.cached_property: on a slotted attrs class that adds a __getattr__, which every attribute
    read then goes through.)
    """
    text = record._text
    if text is None:
        text = record._write_text()
        object.__setattr__(record, "_text", text)  # one store of a whole string: racing threads store equal ones
    return text  # type: ignore[no-any-return]


@attrs.frozen
class Effect:
    """One deduction, bonus or penalty, and where it came from."""

    rule: str
    kind: str
    label: str
    quote: str
    amount: Decimal | None  # positive; None where the document names no amount
    quantity: Decimal | int | None = None
    unit_amount: Decimal | None = None
    level: str | None = None
    reason: str | None = None
    reading: tuple[str, ...] = ()
    facts: Facts = ()
    # What it does to its row ("deduct", or "zero" for an all-or-nothing
    # kind), and words its kind adds to the explanation: set by the rule's
    # kind (govrules.kinds), so that no output needs to know kinds by name.
    mode: str = "deduct"
    detail: str = ""
    earned: bool = False  # the document phrases the points as earned (得2分): sheets say 未得, not −
    set_reading: tuple[str, ...] = ()  # a tailoring changed this rule's amount or threshold by these readings (set:)
    # The rule's share of the effect's JSON text, worked out once per compiled
    # target (govrules.engine.jsontext); no part of the effect's value.
    texts: EffectTexts | None = attrs.field(default=None, eq=False, repr=False)
    # Its JSON text once written: a rule's effects are remembered by their facts
    # (engine.rowcache) and shared by every result with those facts, so their
    # text is written once. No part of its value; attrs.evolve makes a new effect without it.
    _text: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "label": self.label,
            "amount": fmt(self.amount),
            "quantity": fmt(self.quantity) if isinstance(self.quantity, Decimal) else self.quantity,
            "unit_amount": fmt(self.unit_amount),
            "level": self.level,
            "reason": self.reason,
            "reading": list(self.reading),
            "facts": _facts_json(self.facts),
            "quote": self.quote,
            # Deductions (and all-or-nothing zeroing, which the row's zeroed_by
            # names) carry no mode: results from before modes read the same.
            **({"mode": self.mode} if self.mode in ("award", "set") else {}),
            **({"earned": True} if self.earned else {}),
            **({"set_reading": list(self.set_reading)} if self.set_reading else {}),
        }

    def _json_text(self) -> str:
        """``dumps(self.to_dict())``, from the rule's texts and this effect's own values (written once, then kept)."""
        return kept_text(self)

    def _write_text(self) -> str:
        t = self.texts
        if t is None or t.key != (self.rule, self.kind, self.label, self.quote, self.reading):
            return _dumps(self.to_dict())
        q = self.quantity
        parts = [
            t.head,
            _number(self.amount),
            ', "quantity": ',
            _scalar(fmt(q) if isinstance(q, Decimal) else q),
            ', "unit_amount": ',
            _number(self.unit_amount),
            ', "level": ',
            _scalar(self.level),
            ', "reason": ',
            _scalar(self.reason),
            t.reading,
            _facts_text(self.facts),
            t.quote,
        ]
        if self.mode in ("award", "set"):
            parts.append(f', "mode": {_scalar(self.mode)}')
        if self.earned:
            parts.append(', "earned": true')
        if self.set_reading:
            parts.append(f', "set_reading": {_dumps(list(self.set_reading))}')
        parts.append("}")
        return "".join(parts)


@attrs.frozen
class CapApplied:
    """A cap that cut a group of deductions down to its maximum."""

    rules: tuple[str, ...]
    raw: Decimal
    max: Decimal
    cut: Decimal
    quote: str
    reading: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": list(self.rules),
            "raw": fmt(self.raw),
            "max": fmt(self.max),
            "cut": fmt(self.cut),
            "quote": self.quote,
            "reading": list(self.reading),
        }


@attrs.frozen
class Override:
    """A 复核 override: who changed which score, when, from what to what, and why."""

    reviewer: str
    at: str
    old: Decimal | None
    new: Decimal
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"reviewer": self.reviewer, "at": self.at, "old": fmt(self.old), "new": fmt(self.new), "reason": self.reason}


@attrs.frozen
class Rating:
    """One rater's score of a rated row, from that rater's facts (see govrules.engine.ratings)."""

    by: str
    score: Decimal
    facts: Facts
    effects: tuple[Effect, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "score": fmt(self.score), "facts": _facts_json(self.facts), "effects": [e.to_dict() for e in self.effects]}


@attrs.frozen
class Combined:
    """A rated row's raters and their combination, the row's computed score."""

    how: str
    value: Decimal
    ratings: tuple[Rating, ...]
    quote: str | None = None
    reading: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return COMBINE_LABELS[self.how]

    def to_dict(self) -> dict[str, Any]:
        return {
            "combine": self.how,
            "value": fmt(self.value),
            "quote": self.quote,
            "reading": list(self.reading),
            "ratings": [r.to_dict() for r in self.ratings],
        }

    def describe(self) -> str:
        """The combination in words: 「3人评议：张三 8（良）、李四 10（优）、王五 8（良）；取平均值 8.67」."""
        each = "、".join(f"{r.by} {fmt(r.score)}（{'、'.join(str(to_jsonable(v)) for _, v in r.facts)}）" for r in self.ratings)
        return f"{len(self.ratings)}人评议：{each}；取{self.label} {fmt(self.value)}"


@attrs.frozen
class Source:
    """One partial assessment merged into this one: who submitted it and what it gave (see govrules.engine.merge)."""

    name: str
    assessor: str | None
    gave: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "assessor": self.assessor, "gave": list(self.gave)}


# No __weakref__ slot: made by govrules.engine.records' builder, which needs the layout without one.
@attrs.frozen(weakref_slot=False)
class ItemResult:
    id: str
    names: tuple[str, ...]
    max: Decimal | None
    score: Decimal | None
    status: str
    computed: Decimal | None = None  # the score from the facts, before any override
    effects: tuple[Effect, ...] = ()
    caps: tuple[CapApplied, ...] = ()
    floor_cut: Decimal = Decimal(0)
    zeroed_by: str | None = None  # the all-or-nothing rule that zeroed the item
    not_applicable: str | None = None
    unchecked_facts: tuple[str, ...] = ()
    missing_evidence: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    evaluation: tuple[str, ...] = ()
    self_score: Decimal | None = None
    override: Override | None = None
    floor_quote: str | None = None
    floor_reading: tuple[str, ...] = ()
    ceiling: Decimal | None = None  # the most the row may score with a bonus inside it, where its document allows one
    ceiling_cut: Decimal = Decimal(0)
    ceiling_quote: str | None = None
    assessors: tuple[str, ...] = ()  # 负责考核部门, where the pack names them
    units: tuple[str, ...] = ()  # the only units the row is for, where its document names some
    units_quote: str | None = None
    combined: Combined | None = None  # a rated row: each rater's score and their combination
    #: For a row scored against the cohort: the figures each of its cohort rules
    #: was scored against (govrules.kinds.cohort.Figures), or why it was not.
    cohort: tuple[Any, ...] = ()
    # The row's share of its JSON text, worked out once per compiled target
    # (govrules.engine.jsontext.RowTexts); no part of the row's value.
    texts: RowTexts | None = attrs.field(default=None, eq=False, repr=False)
    # Its JSON text once written (kept_text).
    _text: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    @property
    def complete(self) -> bool:
        """Whether everything this row needs is known: its score, or for an unscored row its status."""
        return row_complete(self.max, self.score, self.status, self.override)

    @property
    def deducted(self) -> Decimal | None:
        if self.max is None or self.score is None:
            return None
        # In govrules' context without entering it (numbers.sub): a batch asks every row of every unit.
        return sub(self.max, self.score)

    def to_dict(self, effects: bool = True) -> dict[str, Any]:
        """The row as JSON data (``effects=False``: the effects' place kept, empty, for _json_text)."""
        return {
            "id": self.id,
            "names": list(self.names),
            "status": self.status,
            "complete": self.complete,
            "max": fmt(self.max),
            "score": fmt(self.score),
            "computed": fmt(self.computed),
            "self_score": fmt(self.self_score),
            "effects": [e.to_dict() for e in self.effects] if effects else None,
            "caps": [c.to_dict() for c in self.caps],
            "floor_cut": fmt(self.floor_cut),
            "floor_quote": self.floor_quote if self.floor_cut else None,
            "floor_reading": list(self.floor_reading) if self.floor_cut else [],
            "zeroed_by": self.zeroed_by,
            "not_applicable": self.not_applicable,
            "unchecked_facts": list(self.unchecked_facts),
            "evidence": list(self.evidence),
            "missing_evidence": list(self.missing_evidence),
            "evaluation": list(self.evaluation),
            "override": self.override.to_dict() if self.override else None,
            # Only rows whose document lets them rise above their points carry these.
            **({"ceiling": fmt(self.ceiling), "ceiling_cut": fmt(self.ceiling_cut), "ceiling_quote": self.ceiling_quote} if self.ceiling is not None else {}),
            # Likewise only rows with assessors, or for named units only.
            **({"assessors": list(self.assessors)} if self.assessors else {}),
            **({"units": list(self.units), "units_quote": self.units_quote} if self.units else {}),
            # Only rows scored from several raters.
            **({"ratings": self.combined.to_dict()} if self.combined is not None else {}),
            **({"cohort": [f.to_dict() for f in self.cohort]} if self.cohort else {}),
        }

    @property
    def _json_text(self) -> str:
        return kept_text(self)

    def _write_text(self) -> str:
        # Rows nothing happened to are shared by every result of their target
        # (see TargetView.untouched_items), so their text is encoded once.
        t = self.texts
        if (
            t is not None
            and self.ceiling is None
            and not self.assessors
            and not self.units
            and self.combined is None
            and not self.cohort
            and t.key == (self.id, self.names, self.max, self.evidence, self.evaluation)
        ):
            return self._row_text(t)
        if not self.effects:
            return _dumps(self.to_dict())
        # The effects' texts are put together from their rules' (see
        # Effect._json_text); the rest of the row around them is encoded as usual.
        return dumps_with(self.to_dict(effects=False), {"effects": "[" + ", ".join([e._json_text() for e in self.effects]) + "]"})

    def _row_text(self, t: RowTexts) -> str:
        """``dumps(self.to_dict())`` for a row with none of the optional fields that follow ``override`` (see :func:`row_text`)."""
        return row_text(
            t, self.status, self.complete, self.score, self.computed, self.self_score, self.effects, self.caps, self.floor_cut,
            self.floor_quote, self.floor_reading, self.zeroed_by, self.not_applicable, self.unchecked_facts, self.missing_evidence, self.override,
        )


def row_complete(maximum: Decimal | None, score: Decimal | None, status: str, override: Override | None) -> bool:
    """Whether everything a row needs is known (:attr:`ItemResult.complete`), from its values."""
    if override is not None or status == NOT_APPLICABLE:
        return True
    if maximum is None:
        return status != NOT_CHECKED
    return score is not None


def row_text(
    t: RowTexts,
    status: str,
    complete: bool,
    score: Decimal | None,
    computed: Decimal | None,
    self_score: Decimal | None,
    effects: tuple[Effect, ...],
    caps: tuple[CapApplied, ...],
    cut: Decimal,
    floor_quote: str | None,
    floor_reading: tuple[str, ...],
    zeroed_by: str | None,
    not_applicable: str | None,
    unchecked: tuple[str, ...],
    missing: tuple[str, ...],
    override: Override | None,
) -> str:
    """A row's ``dumps(to_dict())`` from its values, for a row with none of the optional fields that follow ``override``.

    The row's constant text (``t``) and its own values put between the keys:
    no dict is made only to be encoded, and no :class:`ItemResult` needs to
    exist (a result writes its touched rows from scoring's state, see
    :class:`Rows`). tests/test_json_text.py checks it against the dict's encoding.
    """
    parts = [
        t.head,
        STATUS_TEXTS.get(status) or _scalar(status),
        ', "complete": true, "max": ' if complete else ', "complete": false, "max": ',
        t.max,
        ', "score": ',
        _number(score),
        ', "computed": ',
        _number(computed),
        ', "self_score": ',
        _number(self_score),
        ', "effects": [',
    ]
    if effects:
        parts.append(", ".join([e._text or e._json_text() for e in effects]))
    if not (caps or cut or zeroed_by is not None or not_applicable is not None or unchecked or missing or override is not None):
        parts.append(t.plain_tail)  # most rows: the rest is the row's constant text
        return "".join(parts)
    # (Each helper called only where its value is not the usual null or empty list.)
    parts += [
        '], "caps": ',
        _dumps([c.to_dict() for c in caps]) if caps else "[]",
        ', "floor_cut": ',
        _number(cut) if cut or cut is None else '"0"',
        ', "floor_quote": ',
        _scalar(floor_quote) if cut and floor_quote is not None else "null",
        ', "floor_reading": ',
        _strings(floor_reading) if cut and floor_reading else "[]",
        ', "zeroed_by": ',
        "null" if zeroed_by is None else _scalar(zeroed_by),
        ', "not_applicable": ',
        "null" if not_applicable is None else _scalar(not_applicable),
        ', "unchecked_facts": ',
        _strings(unchecked) if unchecked else "[]",
        ', "evidence": ',
        t.evidence,
        ', "missing_evidence": ',
        _strings(missing) if missing else "[]",
        ', "evaluation": ',
        t.evaluation,
        ', "override": ',
        _dumps(override.to_dict()) if override is not None else "null",
        "}",
    ]
    return "".join(parts)


# No __weakref__ slot: made by govrules.engine.records' builder, which needs the layout without one.
@attrs.frozen(weakref_slot=False)
class SectionResult:
    id: str
    names: tuple[str, ...]
    max: Decimal | None
    stated_max: Decimal | None
    score: Decimal | None
    status: str
    children: tuple[str, ...]
    # Most sections have no caps or floor: class attributes cost them nothing
    # to build. A section whose document caps or floors it is an AdjustedSectionResult.
    caps: ClassVar[tuple[CapApplied, ...]] = ()
    floor_quote: ClassVar[str | None] = None
    floor_cut: ClassVar[Decimal] = Decimal(0)
    # Its JSON text once written (kept_text).
    _text: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    @property
    @exact
    def rows_sum(self) -> Decimal | None:
        """What its children score together, before its caps and floor."""
        if self.score is None:
            return None
        return self.score - sum((c.cut for c in self.caps), Decimal(0)) - self.floor_cut

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "names": list(self.names),
            "status": self.status,
            "max": fmt(self.max),
            "stated_max": fmt(self.stated_max),
            "score": fmt(self.score),
            "children": list(self.children),
        }

    @property
    def _json_text(self) -> str:
        return kept_text(self)

    def _write_text(self) -> str:
        return _dumps(self.to_dict())


@attrs.frozen
class AdjustedSectionResult(SectionResult):
    """A section whose document caps or floors it (govrules.engine.sections).

    ``caps``: every cap (rules () for one over all its rows) with what it
    counted and gave back, cut 0 where it did not cut; ``floor_quote`` the
    document's words that it never goes below 0, and ``floor_cut`` what that gave back.
    """

    caps: tuple[CapApplied, ...] = ()  # type: ignore[misc]
    floor_quote: str | None = None  # type: ignore[misc]
    floor_cut: Decimal = Decimal(0)  # type: ignore[misc]

    def to_dict(self) -> dict[str, Any]:
        # Named, not super(): attrs makes a new slotted class, and a compiled method's __class__ cell
        # (govrules.speedups) still names the one it replaced, so super() would fail there.
        data = SectionResult.to_dict(self)
        if self.caps:
            data["caps"] = [c.to_dict() for c in self.caps]
        if self.floor_quote is not None:
            data["floor_cut"] = fmt(self.floor_cut)
            data["floor_quote"] = self.floor_quote
        return data


@attrs.frozen
class LedgerResult:
    """A bonus or penalty ledger outside the base total."""

    id: str
    name: str
    direction: str
    cap: Decimal | None
    raw: Decimal
    applied: Decimal
    effects: tuple[Effect, ...]
    complete: bool
    unscored: tuple[str, ...]  # rules that fired but whose amount the document does not name
    cap_quote: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "direction": self.direction,
            "cap": fmt(self.cap),
            "cap_quote": self.cap_quote,
            "raw": fmt(self.raw),
            "applied": fmt(self.applied),
            "complete": self.complete,
            "unscored": list(self.unscored),
            "effects": [e.to_dict() for e in self.effects],
        }


@attrs.frozen
class Zeroed:
    id: str
    name: str
    quote: str
    facts: Facts

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "quote": self.quote, "facts": _facts_json(self.facts)}


@attrs.frozen
class Difference:
    """An item whose 自评 score differs from its final score."""

    item: str
    self_score: Decimal
    final: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        diff = None if self.final is None else sub(self.final, self.self_score)
        return {"item": self.item, "self_score": fmt(self.self_score), "final": fmt(self.final), "difference": fmt(diff)}

    def _json_text(self) -> str:
        """``dumps(self.to_dict())``, its values put between its keys (remembered by value: see _DIFFERENCE_TEXTS)."""
        return _difference_text(self.item, self.self_score, self.final)


def _difference_text(item: str, self_score: Decimal, final: Decimal | None) -> str:
    """:meth:`Difference._json_text` of the difference of these fields, without the record."""
    # The scores' own texts, of which the text is a function: a Decimal's hash costs several times its str.
    key = (item, str(self_score), None if final is None else str(final))
    text = _DIFFERENCE_TEXTS.get(key)
    if text is None:
        text = "".join([
            '{"item": ',
            _scalar(item),
            ', "self_score": ',
            _number(self_score),
            ', "final": ',
            _number(final),
            ', "difference": ',
            _number(None if final is None else sub(final, self_score)),
            "}",
        ])
        if len(_DIFFERENCE_TEXTS) < _DIFFERENCE_KEYS:
            _DIFFERENCE_TEXTS[key] = text  # racing threads store the same text
    return text


class Differences:
    """A result's 自评 differences as ``(item, self_score, final)``, their :class:`Difference` records made on first use.

    Half of all inputs give a 自评 for every row, and most of those differ
    from the final scores; a caller reading only the total or the items never
    pays for their records, and ``to_json()`` writes them from the triples.
    Shared read-only between threads as :class:`Rows` are: a racing read
    builds equal tuples, one kept. Pickled or copied, it is the tuple of its records.
    """

    __slots__ = ("triples", "_built")

    def __init__(self, triples: list[tuple[str, Decimal, Decimal | None]]):
        self.triples = triples
        self._built: tuple[Difference, ...] | None = None

    def get(self) -> tuple[Difference, ...]:
        built = self._built
        if built is None:
            built = self._built = tuple([Difference(*t) for t in self.triples])
        return built

    def texts(self) -> list[str]:
        """Each difference's JSON text, in order, without its record."""
        return [_difference_text(*t) for t in self.triples]

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self.get(),))


#: A bounded memo of :meth:`Difference._json_text`, a pure function of the
#: row id and the two scores' texts (a Decimal's text gives back its value).
#: 自评 and final scores repeat across units (a row's points, its usual
#: deductions); once full, a new key's text is written each time.
_DIFFERENCE_TEXTS: dict[tuple[str, str, str | None], str] = {}
_DIFFERENCE_KEYS = 4096


@attrs.frozen
class Stamp:
    pack_id: str
    pack_version: str
    pack_title: str
    content_hash: str
    engine_version: str
    evaluator: str
    rounding: str
    # Its JSON text once written (kept_text).
    _text: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": {"id": self.pack_id, "version": self.pack_version, "title": self.pack_title, "content_hash": self.content_hash},
            "engine": {"name": "govrules", "version": self.engine_version, "evaluator": self.evaluator},
            "rounding": self.rounding,
        }

    @property
    def _json_text(self) -> str:
        return kept_text(self)

    def _write_text(self) -> str:
        # One stamp per pack and evaluator, shared by all its results: encoded once.
        return _dumps(self.to_dict())


class Untouched:
    """A target's untouched rows (its items, or its sections), as every result of it shares them, with what ``to_json`` reads of them.

    Every untouched row is a pass (see ``TargetView.untouched_items``); a result
    replaces the few rows something happened to, by position, in the list of
    the others' texts and in their status counts, instead of going over every row.
    """

    __slots__ = ("rows", "positions", "counts", "_texts", "counts_texts")

    def __init__(self, rows: Mapping[str, Any]):
        self.rows = rows  # id → record, in the rows' order
        self.positions = {key: n for n, key in enumerate(rows)}
        counts = {s: 0 for s in STATUSES}
        for row in rows.values():
            counts[row.status] += 1
        self.counts = counts
        self._texts: tuple[str, ...] | None = None
        #: A bounded memo of the status counts' JSON text by the touched rows'
        #: statuses, in order (Rows.counts_text): with every untouched row a pass,
        #: they are all a result's counts depend on, and a target's results
        #: have few of them (COUNTS_KEYS). None where some untouched row is not a pass.
        self.counts_texts: dict[tuple[str, ...], str] | None = {} if counts[PASS] == len(rows) else None

    def texts(self) -> tuple[str, ...]:
        """Each row's JSON text, in order (worked out on first use; threads racing to it work out equal tuples)."""
        texts = self._texts
        if texts is None:
            texts = self._texts = tuple([row._json_text for row in self.rows.values()])
        return texts

    def __reduce__(self) -> tuple[Any, ...]:
        return (Untouched, (self.rows,))


class Rows:
    """A result's rows (its items, or its sections), their records built on first use.

    Scoring works out what a caller reads first (each row's score and status,
    the sections', the total, the grade) and keeps, for each row something
    happened to, the state its record is made of: ``touched`` maps a row's id to
    that state, a tuple starting ``(view, score, status, …)``. The records
    (:class:`ItemResult`, :class:`SectionResult`) are made by ``make`` only when
    a caller first reads :attr:`Result.items` or :attr:`Result.sections`;
    ``to_json()`` writes each touched row from its state (``text``; None for
    sections, whose state ``(section, score, status)`` its section's
    ``SectionTexts`` writes) without them. Every other row is its target's shared untouched record.

    Results are shared read-only between threads: two threads asking at once
    may both build the records; each gets a complete tuple and one is kept
    (a single attribute store), never a half-built one. A pickled or copied
    ``Rows`` is the tuple of its records.
    """

    __slots__ = ("shared", "untouched", "touched", "make", "text", "known", "halves", "_built")

    def __init__(
        self, shared: Untouched, touched: dict[str, tuple[Any, ...]], make: Any, text: Any, known: Mapping[str, Any] | None = None, halves: Any = None
    ):
        self.shared = shared
        self.untouched = shared.rows  # every row's untouched record, in the rows' order
        self.touched = touched
        self.make = make
        self.text = text
        # Touched rows remembered by key (engine.rowcache; items only): ``halves(known[id], state)``
        # gives the row's text in halves around its 自评's value, written once per key.
        self.known = known or {}
        self.halves = halves
        self._built: tuple[Any, ...] | None = None

    def get(self) -> tuple[Any, ...]:
        """The records, in order (built once)."""
        built = self._built
        if built is None:
            rows = dict(self.untouched)
            make = self.make
            for key, state in self.touched.items():
                rows[key] = make(state)
            built = self._built = tuple(rows.values())
        return built

    def texts(self) -> list[str]:
        """Each row's JSON text, in order, without building the records."""
        built = self._built
        if built is not None:
            return [r._json_text for r in built]
        shared = self.shared
        texts = list(shared._texts or shared.texts())
        positions = shared.positions
        known = self.known
        text = self.text
        for key, state in self.touched.items():
            ref = known.get(key)
            if ref is not None:
                # A remembered row's text comes in halves around its 自评's value, which is no part of its key
                # (kept in its entry's one-place list once written: see scoring._text_halves).
                halves = ref[1][0]  # scoring._text_halves's kept value, without its call (most rows)
                if halves is None:
                    halves = self.halves(ref, state)
                if halves:
                    self_score = state[12]
                    texts[positions[key]] = (
                        halves[2] if self_score is None else "".join((halves[0], _number(self_score), halves[1]))
                    )
                    continue
            texts[positions[key]] = text(state) if text is not None else state[0].texts.text(state[2], state[1])
        return texts

    def status_counts(self) -> dict[str, int]:
        """How many rows have each status, without building the records or going over the untouched ones."""
        counts = dict(self.shared.counts)
        untouched = self.untouched
        for key, state in self.touched.items():
            counts[untouched[key].status] -= 1
            counts[state[2]] += 1
        return counts

    def counts_text(self) -> str:
        """:meth:`status_counts` as ``to_json`` writes it, remembered by the touched rows' statuses (see ``Untouched.counts_texts``)."""
        known = self.shared.counts_texts
        if known is None:
            return _counts_text(self.status_counts())
        key = tuple([state[2] for state in self.touched.values()])
        text = known.get(key)
        if text is None:
            text = _counts_text(self.status_counts())
            if len(known) < COUNTS_KEYS:
                known[key] = text  # racing threads store the same text
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self.get(),))


def _built(rows: Any) -> Any:
    """A result's rows (or differences) as records (for equality and repr): a tuple as it is, a :class:`Rows` (or :class:`Differences`) built."""
    return rows if type(rows) is tuple else rows.get()


def _kept(result: Any, field: str, rows: Any) -> tuple[Any, ...]:
    """A result's rows (or differences) as records, kept in its ``field`` once built: one store, so a thread sees what builds them or the tuple, both whole."""
    built = _built(rows)
    if built is not rows:
        object.__setattr__(result, field, built)
    return built  # type: ignore[no-any-return]


def _built_repr(rows: Any) -> str:
    return repr(_built(rows))


# No __weakref__ slot: results are made by govrules.engine.records' builder, which needs the layout without one.
@attrs.frozen(weakref_slot=False)
class Result:
    stamp: Stamp
    target: str
    target_name: str
    unit: str | None
    scored: bool
    # The rows: a tuple of records, or Rows that builds them on first use
    # (read them through .items and .sections; the constructor and
    # attrs.evolve take them as items= and sections=).
    _items: tuple[ItemResult, ...] | Rows = attrs.field(eq=_built, repr=_built_repr)
    _sections: tuple[SectionResult, ...] | Rows = attrs.field(eq=_built, repr=_built_repr)
    ledgers: tuple[LedgerResult, ...]
    base_max: Decimal | None
    base_sum: Decimal | None  # the plain sum of item scores
    base: Decimal | None  # after the N/A policy (rescaling), if any
    rescaled: bool
    zeroed: tuple[Zeroed, ...]
    total: Decimal | None
    max_total: Decimal | None
    complete: bool
    not_checked: tuple[str, ...]
    missing_evidence: tuple[tuple[str, str], ...]
    self_total: Decimal | None
    # Read through .differences (the constructor and attrs.evolve take differences=): a tuple, or Differences that builds it on first use.
    _differences: tuple[Difference, ...] | Differences = attrs.field(eq=_built, repr=_built_repr)
    facts: Facts
    derived_facts: tuple[str, ...]
    readings: tuple[tuple[str, str, str], ...]  # (id, quote, choice) of readings that shaped this result
    model: Any = None  # a ModelScore when a named scoring model was asked for (govrules.engine.models)
    # What the floor at 0 gave back to a total its penalties took below 0, and
    # the pack's words (or reading) for the floor (None / () where it states none:
    # no score goes below 0 all the same).
    total_floor_cut: Decimal = Decimal(0)
    total_floor_quote: str | None = None
    total_floor_reading: tuple[str, ...] = ()
    grading: Any = None  # a Grade where the pack declares grades or vetoes for the target (govrules.engine.grading)
    sources: tuple[Source, ...] = ()  # the partial assessments merged into this one, if it was merged
    #: The Chinese label of each of the target's facts, for sheets naming a missing fact; not in the JSON (which names facts by id).
    fact_labels: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    #: Each of the pack's readings as sheets name it (解读1 …, the pack's order, as `govrules show` numbers them); not in the JSON.
    reading_labels: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def grade(self) -> str | None:
        """The grade (等次), or None: none declared, or not settled (``grading.reason`` says why)."""
        return self.grading.grade if self.grading is not None else None
    # Text its target's results share, encoded once (govrules.engine.jsontext); no part of its value.
    texts: TargetTexts | None = attrs.field(default=None, eq=False, repr=False)
    # The 可挽回分值 once worked out (recoverable()); no part of its value, and not carried by attrs.evolve.
    _fixes: tuple[Any, ...] | None = attrs.field(default=None, init=False, eq=False, repr=False)

    @property
    def items(self) -> tuple[ItemResult, ...]:
        """Every item's result, in the target's order (built on first use: see :class:`Rows`)."""
        return _kept(self, "_items", self._items)

    @property
    def differences(self) -> tuple[Difference, ...]:
        """The items whose 自评 differs from their final score, in the target's order (built on first use: see :class:`Differences`)."""
        return _kept(self, "_differences", self._differences)

    @property
    def sections(self) -> tuple[SectionResult, ...]:
        """Every section's result, in the target's order (built on first use: see :class:`Rows`)."""
        return _kept(self, "_sections", self._sections)

    def fact_label(self, name: str) -> str:
        """A fact as a sheet names it: its Chinese label (its name where the result knows none)."""
        return self.fact_labels.get(name, name)

    def reading_names(self) -> dict[str, str]:
        """Each reading that shaped this result as sheets name it: 解读N, N its place in the pack (as `govrules show` numbers it); ids are for JSON."""
        return {rid: self.reading_labels.get(rid, rid) for rid, _, _ in self.readings}

    def item(self, item_id: str) -> ItemResult:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def section(self, section_id: str) -> SectionResult:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def ledger(self, ledger_id: str) -> LedgerResult:
        for ledger in self.ledgers:
            if ledger.id == ledger_id:
                return ledger
        raise KeyError(ledger_id)

    @property
    def status_counts(self) -> dict[str, int]:
        rows = self._items
        if type(rows) is not tuple:
            return rows.status_counts()  # type: ignore[union-attr]
        counts = {s: 0 for s in STATUSES}
        for row in rows:
            counts[row.status] += 1
        return counts

    def total_floor_dict(self) -> dict[str, Any]:
        return {"cut": fmt(self.total_floor_cut), "quote": self.total_floor_quote, "reading": list(self.total_floor_reading)}

    def _head(self) -> dict[str, Any]:
        """The sheet's fields before its sections and items."""
        data = self.stamp.to_dict()
        data.update(self._own_head())
        return data

    def _own_head(self) -> dict[str, Any]:
        """The head's fields after the stamp's."""
        return {
            "target": {"id": self.target, "name": self.target_name},
            "unit": self.unit,
            "scored": self.scored,
            "complete": self.complete,
            "total": fmt(self.total),
            # Only a total the floor cut carries this: results of every other total read as before.
            **({"total_floor": self.total_floor_dict()} if self.total_floor_cut else {}),
            "max_total": fmt(self.max_total),
            "base": {
                "max": fmt(self.base_max),
                "sum": fmt(self.base_sum),
                "score": fmt(self.base),
                "rescaled": self.rescaled,
            },
            "zeroed": [z.to_dict() for z in self.zeroed],
            "grade": self.grade,
            "grading": self.grading.to_dict() if self.grading is not None else None,
            "status_counts": self.status_counts,
            "not_checked": list(self.not_checked),
            "missing_evidence": [{"item": i, "evidence": k} for i, k in self.missing_evidence],
            "self_assessment": {
                "total": fmt(self.self_total),
                "differences": [d.to_dict() for d in self.differences],
            },
        }

    def _tail(self) -> dict[str, Any]:
        """The sheet's fields after its sections and items."""
        return {
            "ledgers": [l.to_dict() for l in self.ledgers],
            "facts": _facts_json(self.facts),
            "derived_facts": list(self.derived_facts),
            "readings": [{"id": i, "quote": q, "choice": c} for i, q, c in self.readings],
            "model": self.model.to_dict() if self.model is not None else None,
            # Only a merged assessment's result: results of one input read as before.
            **({"sources": [s.to_dict() for s in self.sources]} if self.sources else {}),
        }

    def recoverable(self) -> list[Any]:
        """可挽回分值: what putting each finding right would restore, most first (a list of ``Fix``).

        A pure function of this result (:mod:`govrules.engine.recoverable`),
        worked out on the first call and kept (a batch lists them in a unit's
        JSON, its sheet and its workbook rows); each call returns a new list
        of the same frozen ``Fix`` records. Empty for an unscored result.
        """
        fixes = self._fixes
        if fixes is None:
            from .recoverable import recoverable

            fixes = tuple(recoverable(self))
            object.__setattr__(self, "_fixes", fixes)  # one store of a whole tuple: racing threads keep equal ones
        return list(fixes)

    def to_dict(self, *, recoverable: bool = False) -> dict[str, Any]:
        """The result as JSON data; ``recoverable=True`` adds the 可挽回分值 list at the end (``"recoverable"``)."""
        data = self._head()
        data["sections"] = [s.to_dict() for s in self.sections]
        data["items"] = [i.to_dict() for i in self.items]
        data.update(self._tail())
        if recoverable:
            data["recoverable"] = [f.to_dict() for f in self.recoverable()]
        return data

    def to_json(self, indent: int | None = None, *, recoverable: bool = False) -> str:
        """Deterministic JSON: the same assessment always gives the same bytes.

        Compact by default; ``indent=2`` for people. The compact text is
        ``json.dumps(self.to_dict(), ensure_ascii=False)``, put together from
        each row's text, which is encoded once per row (and once per target
        for the rows nothing happened to), and text encoded once per pack or
        target (govrules.engine.jsontext). ``recoverable=True`` adds the
        可挽回分值 list (opt-in: the plain JSON stays what existing callers read).
        """
        if indent is not None:
            return json.dumps(self.to_dict(recoverable=recoverable), ensure_ascii=False, indent=indent)
        text = self._compact_text()
        if recoverable:
            # The list to_dict puts last, put before the closing brace (a batch's units/ files are this text).
            text = "".join([text[:-1], ', "recoverable": [', ", ".join([f.json_text() for f in self.recoverable()]), "]}"])
        return text

    def _compact_text(self) -> str:
        # The sheet's own values put between its constant keys (no dict made
        # only to be encoded, most of its lists empty); the rows' text (each
        # encoded once, see ItemResult._json_text), the stamp's and the
        # readings' (once per pack or target) put in their places.
        # tests/test_json_text.py checks it against the dict's encoding.
        rows = self._items
        sections = self._sections
        counts = rows.counts_text() if type(rows) is not tuple else _counts_text(self.status_counts)
        zeroed = _dumps([z.to_dict() for z in self.zeroed]) if self.zeroed else "[]"
        grading = _dumps(self.grading.to_dict()) if self.grading is not None else "null"
        missing = _dumps([{"item": i, "evidence": k} for i, k in self.missing_evidence]) if self.missing_evidence else "[]"
        differences = self._differences
        if not differences:
            differences = "[]"
        else:
            texts = [d._json_text() for d in differences] if type(differences) is tuple else differences.texts()  # type: ignore[union-attr]
            differences = "[" + ", ".join(texts) + "]"
        ledgers = _dumps([l.to_dict() for l in self.ledgers]) if self.ledgers else "[]"
        if self.texts is not None:
            readings = self.texts.readings_text(self.readings)
        else:
            readings = _dumps([{"id": i, "quote": q, "choice": c} for i, q, c in self.readings])
        stamp = self.stamp._json_text
        head_key = (stamp, self.target, self.target_name)
        head = _HEADS.get(head_key)
        if head is None:
            head = "".join([stamp[:-1], ', "target": {"id": ', _scalar(self.target), ', "name": ', _scalar(self.target_name), '}, "unit": '])
            if len(_HEADS) < _HEAD_KEYS:
                _HEADS[head_key] = head  # racing threads store the same text
        parts = [
            head,
            _scalar(self.unit),
            _SCORED_COMPLETE[not self.scored, not self.complete],
            _number(self.total),
        ]
        if self.total_floor_cut:
            parts += [', "total_floor": ', _dumps(self.total_floor_dict())]
        parts += [
            ', "max_total": ',
            _number(self.max_total),
            ', "base": {"max": ',
            _number(self.base_max),
            ', "sum": ',
            _number(self.base_sum),
            ', "score": ',
            _number(self.base),
            ', "rescaled": true}, "zeroed": ' if self.rescaled else ', "rescaled": false}, "zeroed": ',
            zeroed,
            ', "grade": ',
            "null" if self.grading is None else _scalar(self.grading.grade),
            ', "grading": ',
            grading,
            ', "status_counts": ',
            counts,
            ', "not_checked": ',
            _strings(self.not_checked) if self.not_checked else "[]",
            ', "missing_evidence": ',
            missing,
            ', "self_assessment": {"total": ',
            _number(self.self_total),
            ', "differences": ',
            differences,
            '}, "sections": [',
            ", ".join(_row_texts(sections)),
            '], "items": [',
            ", ".join(_row_texts(rows)),
            '], "ledgers": ',
            ledgers,
            ', "facts": ',
            _facts_text(self.facts),
            ', "derived_facts": ',
            _strings(self.derived_facts) if self.derived_facts else "[]",
            ', "readings": ',
            readings,
        ]
        if self.model is not None:
            parts += [', "model": ', _dumps(self.model.to_dict())]
        else:
            parts.append(', "model": null')
        if self.sources:
            parts += [', "sources": ', _dumps([s.to_dict() for s in self.sources])]
        parts.append("}")
        return "".join(parts)


#: The sheet's text from its start to its unit's value, by (stamp's text, target, target name):
#: the same for every result of a target (a bounded memo: a process has few packs and targets).
_HEADS: dict[tuple[str, str, str], str] = {}
_HEAD_KEYS = 256

#: What follows the unit, up to the total's value, by (not scored, not complete).
_SCORED_COMPLETE = {
    (not scored, not complete): f', "scored": {"true" if scored else "false"}, "complete": {"true" if complete else "false"}, "total": '
    for scored in (True, False)
    for complete in (True, False)
}

#: How many texts of its status counts each target's rows remember (Untouched.counts_texts).
COUNTS_KEYS = 256


def _counts_text(counts: Mapping[str, int]) -> str:
    return _STATUS_COUNTS.format(*[counts[s] for s in STATUSES])


def _row_texts(rows: Any) -> list[str]:
    """Each row's JSON text: the records' where built, else from scoring's state (:meth:`Rows.texts`)."""
    return [r._json_text for r in rows] if type(rows) is tuple else rows.texts()


#: The sheet's status counts, as dumps writes the dict (counts are ints).
_STATUS_COUNTS = "{{" + ", ".join(f'"{s}": {{}}' for s in STATUSES) + "}}"
