"""The JSON text of results: one encoder, built once, and text pieces worked out once.

``Result.to_json()`` must equal ``json.dumps(result.to_dict(),
ensure_ascii=False)`` byte for byte. ``json.dumps`` with any argument builds a
new ``JSONEncoder`` (and its C encoder) on every call, and a result is put
together from several pieces; :func:`dumps` calls the C encoder the json
module itself uses (``json.encoder.c_make_encoder``), built once with the
same settings, so each piece costs only its encoding.

The encoder is shared by every thread: it is built without a circular-
reference check (``markers=None``), the only state a C encoder keeps, since a
result's dict is a tree made fresh from frozen records. Where the C encoder
is missing (another Python implementation), :func:`dumps` is
``json.dumps``.
"""

from __future__ import annotations

import json
import json.encoder
from decimal import Decimal
from typing import Any

from ..numbers import fmt


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_make = json.encoder.c_make_encoder
if _make is not None:
    # The arguments of json.encoder.JSONEncoder.iterencode's one-shot path
    # for json.dumps(data, ensure_ascii=False): no indent, ": " and ", ".
    _ENCODER = _make(None, _refuse, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)

    def dumps(data: Any) -> str:
        """``json.dumps(data, ensure_ascii=False)``, without building an encoder each time."""
        return "".join(_ENCODER(data, 0))

else:  # pragma: no cover - CPython always has the C encoder

    def dumps(data: Any) -> str:
        return json.dumps(data, ensure_ascii=False)


def string(text: str) -> str:
    """One JSON string, as :func:`dumps` writes it."""
    return json.encoder.encode_basestring(text)  # type: ignore[no-any-return]


def number(value: Any) -> str:
    """A score's text as :func:`dumps` writes ``fmt(value)``: ``"19.7"``, or ``null``.

    A Decimal's canonical text (digits, a sign, a point) needs no escaping,
    so it is quoted without going through the encoder.
    """
    if type(value) is Decimal:
        own = str(value)
        text = NUMBER_TEXTS.get(own)
        if text is None:
            text = '"' + fmt(value) + '"'  # type: ignore[operator]
            if len(NUMBER_TEXTS) < NUMBER_KEYS:
                NUMBER_TEXTS[own] = text  # racing threads store the same text
        return text
    if value is None:
        return "null"
    return '"' + fmt(value) + '"'  # type: ignore[operator]


#: A bounded memo of :func:`number`'s text of a Decimal by the Decimal's own text
#: (``str``), of which it is a pure function (a Decimal's text gives back its
#: value exactly). Keyed by text rather than by the Decimal: most scores are
#: new Decimal objects, and a Decimal's hash costs several times its ``str``.
#: A result's scores are a handful of values (a row's points, its usual
#: deductions, 自评); once full, a new value's text is written each time.
NUMBER_TEXTS: dict[str, str] = {}
NUMBER_KEYS = 4096


#: Each XCCDF status as a JSON string.
STATUS_TEXTS = {s: string(s) for s in ("pass", "fail", "notapplicable", "notchecked", "error")}


def scalar(value: Any) -> str:
    """A number's text (``fmt``'s, a string in JSON), text, an int, a bool or None, as :func:`dumps` writes it."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    return dumps(value)


class EffectTexts:
    """The text of what every effect of one compiled rule shares: worked out once per compiled target.

    An effect's JSON is ``{"rule", "kind", "label", "amount", "quantity",
    "unit_amount", "level", "reason", "reading", "facts", "quote"}`` (then
    ``mode`` and ``earned`` where they apply); the rule, kind, label, reading
    and quote are the rule's, the same in every assessment, and are the
    longest part of it (the document's words). Immutable once made, so the
    threads sharing a compiled target share it.
    """

    __slots__ = ("key", "head", "reading", "quote")

    def __init__(self, uid: str, kind: str, label: str, quote: str, reading: tuple[str, ...]):
        #: What an effect must carry for these texts to be its own (an effect
        #: changed after it was made, e.g. by attrs.evolve, is encoded in full).
        self.key = (uid, kind, label, quote, reading)
        self.head = f'{{"rule": {string(uid)}, "kind": {string(kind)}, "label": {string(label)}, "amount": '
        self.reading = f', "reading": {dumps(list(reading))}, "facts": '
        self.quote = f', "quote": {string(quote)}'

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (a result sent back by a worker process) as what it is made
        # from, which the effect itself holds: pickle writes those once.
        return (EffectTexts, self.key)


#: Stand-ins for text already encoded (see :func:`dumps_with`): control
#: characters that dumps writes as \u escapes, so that the stand-in's JSON is
#: plain ASCII and found with one search.
_MARKS = tuple(f"\x00govrules-{i}\x00" for i in range(8))
_MARK_TEXTS = tuple(dumps(m) for m in _MARKS)
_MARK_PREFIX = dumps("\x00govrules-")[1:-1]


def dumps_with(data: dict[str, Any], texts: dict[str, str]) -> str:
    """``dumps(data)`` with the value at each key of ``texts`` written as that text, JSON already encoded.

    One encoder pass over ``data`` with a stand-in at each such key (``texts``
    in the data's order), which is then replaced. Should a stand-in's text
    occur elsewhere in the encoded data (only a string holding its control
    characters could make it so), the pieces between the keys are encoded
    apart instead.
    """
    marks = []
    for mark, key in zip(_MARKS, texts):
        data[key] = mark
        marks.append(key)
    if len(marks) < len(texts):
        raise ValueError(f"at most {len(_MARKS)} texts")
    out = dumps(data)
    # Each stand-in once, and nothing else that looks like one: then each is where its key is.
    if out.count(_MARK_PREFIX) != len(marks):
        return _dumps_apart(data, texts)
    pieces = []
    start = 0
    for mark_text, key in zip(_MARK_TEXTS, marks):  # in the data's order, as the keys were given
        at = out.find(mark_text, start)
        if at < 0:
            return _dumps_apart(data, texts)
        pieces.append(out[start:at])
        pieces.append(texts[key])
        start = at + len(mark_text)
    pieces.append(out[start:])
    return "".join(pieces)


def _dumps_apart(data: dict[str, Any], texts: dict[str, str]) -> str:
    parts = []
    plain: dict[str, Any] = {}
    for key, value in data.items():
        if key in texts:
            if plain:
                parts.append(dumps(plain)[1:-1])
                plain = {}
            parts.append(f"{string(key)}: {texts[key]}")
        else:
            plain[key] = value
    if plain:
        parts.append(dumps(plain)[1:-1])
    return "{" + ", ".join(parts) + "}"


class TargetTexts:
    """Text that the results of one compiled target share, encoded once (immutable once made).

    ``readings``: each reading's row of ``Result.readings`` → its JSON object.
    """

    __slots__ = ("rows", "readings", "lists")

    def __init__(self, reading_rows: tuple[tuple[str, str, str], ...]):
        self.rows = reading_rows
        self.readings = {row: dumps({"id": row[0], "quote": row[1], "choice": row[2]}) for row in reading_rows}
        #: A bounded memo of :meth:`readings_text` (READING_LISTS): a target's results
        #: bring in the same few combinations of its readings.
        self.lists: dict[tuple[tuple[str, str, str], ...], str] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (TargetTexts, (self.rows,))

    def readings_text(self, rows: tuple[tuple[str, str, str], ...]) -> str:
        """The JSON list of these rows of ``Result.readings``."""
        text = self.lists.get(rows)
        if text is None:
            known = self.readings
            text = "[" + ", ".join([known.get(row) or dumps({"id": row[0], "quote": row[1], "choice": row[2]}) for row in rows]) + "]"
            if len(self.lists) < READING_LISTS:
                self.lists[rows] = text  # racing threads store the same text
        return text


#: How many lists of readings each target remembers the text of (TargetTexts.readings_text).
READING_LISTS = 256


def strings(values: tuple[Any, ...]) -> str:
    """A tuple as a JSON list, as :func:`dumps` writes it (most are empty)."""
    return dumps(list(values)) if values else "[]"


class RowTexts:
    """The text of what every result of one row shares: worked out once per compiled target.

    A row's JSON starts ``{"id", "names", "status"`` and has its points,
    ``evidence`` and ``evaluation`` (the document's words) in fixed places;
    those are the row's, the same in every assessment. With them encoded once,
    the rest of a touched row is a few values put between constant keys
    (``ItemResult._json_text``) rather than a dict made only to be encoded.
    Immutable once made, so the threads sharing a compiled target share it.
    """

    __slots__ = ("key", "head", "max", "evidence", "evaluation", "plain_tail")

    def __init__(self, row_id: str, names: tuple[str, ...], maximum: Any, evidence: tuple[str, ...], evaluation: tuple[str, ...]):
        #: What a row's result must carry for these texts to be its own (a
        #: result changed after it was made, e.g. by attrs.evolve, is encoded in full).
        self.key = (row_id, names, maximum, evidence, evaluation)
        self.head = f'{{"id": {string(row_id)}, "names": {strings(names)}, "status": '
        self.max = scalar(fmt(maximum))
        self.evidence = strings(evidence)
        self.evaluation = strings(evaluation)
        #: Everything after the effects of a row with no cap, floor cut, zeroing,
        #: N/A, undecided fact, missing evidence or 复核 (most touched rows).
        self.plain_tail = (
            '], "caps": [], "floor_cut": "0", "floor_quote": null, "floor_reading": [], "zeroed_by": null, "not_applicable": null, '
            f'"unchecked_facts": [], "evidence": {self.evidence}, "missing_evidence": [], "evaluation": {self.evaluation}, "override": null}}'
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (RowTexts, self.key)


class SectionTexts:
    """The text of what every result of one section shares (its id, names, points, children): once per compiled target.

    A plain section's JSON is that text with its status and score put in
    (:meth:`text`), so a result writes a rescored section without building
    its record. Immutable once made.
    """

    __slots__ = ("key", "head", "middle", "tail", "known")

    def __init__(self, section_id: str, names: tuple[str, ...], maximum: Any, stated_max: Any, children: tuple[str, ...]):
        self.key = (section_id, names, maximum, stated_max, children)
        self.head = f'{{"id": {string(section_id)}, "names": {strings(names)}, "status": '
        self.middle = f', "max": {scalar(fmt(maximum))}, "stated_max": {scalar(fmt(stated_max))}, "score": '
        self.tail = f', "children": {strings(children)}}}'
        #: A bounded memo of :meth:`text` by (status, the score's text): a section's scores are
        #: few, and ``fmt`` writes a score from its text alone.
        self.known: dict[tuple[str, Any], str] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (SectionTexts, self.key)

    def text(self, status: str, score: Any) -> str:
        """``dumps(SectionResult(...).to_dict())`` of a plain section with this status and score."""
        # By the score's own text: a Decimal's hash costs several times its str, and a section's sum is a new Decimal.
        key = (status, None if score is None else str(score))
        text = self.known.get(key)
        if text is None:
            text = "".join([self.head, string(status), self.middle, scalar(fmt(score)), self.tail])
            if len(self.known) < SECTION_KEYS:
                self.known[key] = text  # racing threads store the same text
        return text


#: How many (status, score) texts each section remembers (SectionTexts.text).
SECTION_KEYS = 256
