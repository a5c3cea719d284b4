"""A row's few states: what scoring made of a row, remembered by what it was made from.

A touched row's state (its score, status, effects, caps, 自评, 复核 …, see
:func:`govrules.engine.scoring._item_result`) is a pure function of a small
*key*: its missing evidence, why it does not apply (named units, N/A), its
复核, and, where its rules decide it, which of them fired, the values
of the facts each fired rule read, and which could not be checked (with the
facts they lack). Rule kinds' :meth:`~govrules.kinds.base.RuleKind.effects`
are pure functions of the rule, those facts and the row's points, so the same
key always gives the same state, the same JSON text and the same readings.
The row's 自评 is not part of the key: most inputs give one, with any value,
and it changes nothing but its own place in the state and in the text, so a
row remembers its state without one and its text in two halves around it.

Most assessments repeat a row's key (a count of 2, say): each row of a
compiled target remembers, for up to :data:`ROW_KEYS` keys, its state and its
readings (``ItemView.states``), and, once a result with that key is written
as JSON, its text (in a one-place list in the same entry, so that writing it
costs no second look-up by key); a repeated key costs a dict
look-up instead of building effects, the row's arithmetic and its text. When
the table is full it takes no more keys (memory stays flat): a new key is
scored the long way, as every key was before. What is stored is immutable
(tuples of frozen records and strings; the text's place is filled once, with
a function of the key) and a function of its key alone, so
results are the same whatever the order of assessments or threads, and two
threads storing the same key at once store equal entries.

Rows scored against the cohort, and rows several raters score (whose
combination depends on every rater's facts), are always scored the long way.

A row whose key is new (its rules' facts in a new combination) is scored the
long way, but each fired rule's effects are remembered the same way, by the
values of the facts it read (``CompiledRule.effects_made``, up to
:data:`RULE_KEYS`): a rule's own facts repeat far more often than a row's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .facts import Discretion

#: How many keys each row of a compiled target remembers. With a few hundred
#: rows per target and a few hundred bytes to a few KB per entry (its text
#: holds its effects' quotes), a full table is a few MB at most per target.
ROW_KEYS = 128

#: How many keys each rule remembers its effects by (``CompiledRule.effects_made``):
#: a row missing its table (a new combination of its rules' facts) still finds
#: each fired rule's effects there when that rule's own facts have been seen.
RULE_KEYS = 128

# Markers that tag a key's parts by type: a marker equals only itself, so
# ``True`` never matches ``1``, nor ``Decimal("1.0")`` ``Decimal("1")``
# (equal numbers whose text differs), nor a list of facts with one missing
# a list with none missing.
_BOOL = object()
_DECIMAL = object()
_TUPLE = object()
_DISCRETION = object()
_PARTIAL = object()


class Unkeyable(Exception):
    """A fact value of a type the key does not know how to tell apart exactly: the row is scored the long way."""


def value_key(v: Any) -> Any:
    """A fact value as a key: equal keys only for values that read, compute and write the same."""
    t = type(v)
    if t is str or t is int or v is None or t is dt.date:
        return v  # equal only to the same value of the same type (a date is never equal to a datetime)
    if t is Decimal:
        return (_DECIMAL, str(v))  # its exact text: 1.0 and 1 are equal numbers, written differently
    if t is bool:
        return (_BOOL, v)
    if t is tuple:  # most are choices: strings, their own keys
        return (_TUPLE, *[x if type(x) is str else value_key(x) for x in v])
    if t is Discretion:
        return (_DISCRETION, str(v.points), v.reason)
    raise Unkeyable(t)


#: Values that are their own key (most facts: counts and choices, and a fact not given); the rest go through value_key.
_OWN_KEY = frozenset({int, str, type(None)})


def read_key(rule: Any, read: tuple[tuple[str, Any], ...]) -> tuple[Any, ...]:
    """The facts a fired rule read (``Findings.facts_read``) as a key."""
    if len(read) == len(rule.reads):  # the names are the rule's: only the values vary
        return tuple([v if type(v) in _OWN_KEY else value_key(v) for _, v in read])
    return (_PARTIAL, *[(n, value_key(v)) for n, v in read])


def facts_key(rule: Any, read: tuple[tuple[str, Any], ...], item_max: Decimal | None, key: tuple[Any, ...] | None = None) -> tuple[Any, ...]:
    """What a fired rule's effects are made from, but the rule itself: its facts (``key``: their :func:`read_key`, if known) and its row's points."""
    return (read_key(rule, read) if key is None else key, None if item_max is None else str(item_max))


def row_key(item: Any, findings: Any, per: Any) -> tuple[Any, ...]:
    """Everything a touched row's state is made from (see the module's docs); raises :class:`Unkeyable`."""
    item_id = item.id
    if per.plain:  # no N/A, missing evidence, 复核 or named units in this assessment (most): only its rules tell rows apart
        if item_id not in per.ruled:
            return UNRULED
        kinds = na = review = None
        why = ""
    else:
        kinds = per.missing_evidence.get(item_id)
        why = per.out_of_scope.get(item_id, "")
        na = per.na.get(item_id)
        review = per.reviews.get(item_id)
    rules: tuple[Any, ...] | None = None
    if why == "" and na is None and item_id in per.ruled:  # its rules decide it
        fired = findings.fired
        unchecked = findings.unchecked
        parts: list[Any] = []
        read_keys = per.read_keys
        value_of = findings.values.__getitem__
        for rule in item.rules:
            if rule.uid in fired:
                reads = rule.reads
                try:  # every fact it reads given (most rules): read_key of facts_read, without the pairs
                    if len(reads) == 1:  # most rules: without a list made for one value
                        v = value_of(reads[0])
                        k = (v if type(v) in _OWN_KEY else value_key(v),)
                    else:
                        k = tuple([v if type(v) in _OWN_KEY else value_key(v) for v in map(value_of, reads)])
                except KeyError:
                    k = read_key(rule, findings.facts_read(rule))
                # Kept for the rule's own table, should the row's key be new (Findings.effects).
                read_keys[rule.uid] = k
                parts.append(k)
            else:
                parts.append(False)
            if unchecked:
                parts.append(unchecked.get(rule.uid))
        rules = tuple(parts)
    return (
        tuple(kinds) if kinds else None,
        why,
        na,
        (review.reviewer, review.at, str(review.score), review.reason) if review is not None else None,
        rules,
    )


#: The key of a row nothing but its 自评 touched, in an assessment with no N/A, missing evidence, 复核 or named units.
UNRULED = (None, "", None, None, None)


__all__ = ["ROW_KEYS", "RULE_KEYS", "Unkeyable", "facts_key", "read_key", "row_key", "value_key"]
