"""Conditions as data: normal form, type checks, and plain-Python evaluation.

A pack's ``when:`` is a tree of comparisons joined by ``all`` / ``any`` /
``not``. It is compiled once, at load, into a negation-free tree of
:class:`Compare`, :class:`And` and :class:`Or` (``not`` is pushed down to the
comparisons), which both evaluators read: the plain-Python reference evaluator
here and the durable_rules compiler in :mod:`govrules.engine.inference.durable`.

Missing facts follow three-valued (Kleene) logic: a comparison on a missing
fact is *unknown*; ``all`` is false as soon as one part is false, ``any`` true
as soon as one part is true, and unknown otherwise. A rule fires when its
condition is true; a rule whose condition is unknown is *not checked*, never
silently false or true.

A fact is compared through its *scalar view*: the value itself for count,
number, boolean, date and choice facts; the number of listed elements for a
subset fact; the points for a discretionary fact.

A comparison of one fact with another (``{fact: filled, op: "<", than:
required}``, 已编制数少于应编制数) compiles to :class:`CompareFacts`; it is
unknown when either fact is missing. Conditions without one never meet it, so
evaluating them costs what it did before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Mapping, Union

import attrs

from ..rubric.model import Condition

Scalar = Union[bool, int, Decimal, dt.date, str]

_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
ORDERING = frozenset({"<", "<=", ">", ">="})


@attrs.frozen
class Compare:
    fact: str
    op: str
    value: Scalar


@attrs.frozen
class CompareFacts:
    """``fact op other``: a fact compared with another fact's value (both through their scalar views)."""

    fact: str
    op: str
    other: str


@attrs.frozen
class And:
    parts: tuple["Node", ...]


@attrs.frozen
class Or:
    parts: tuple["Node", ...]


Node = Union[Compare, CompareFacts, And, Or]

#: The nodes that compare (the leaves of a condition).
LEAVES = (Compare, CompareFacts)


def normalize(cond: Condition, negate: bool = False) -> Node:
    """Compile a pack condition to negation-free normal form."""
    if cond.fact is not None:
        op = cond.operator
        if cond.than is not None:
            return CompareFacts(cond.fact, _NEGATE[op] if negate else op, cond.than)
        return Compare(cond.fact, _NEGATE[op] if negate else op, cond.operand)  # type: ignore[arg-type]
    if cond.not_ is not None:
        return normalize(cond.not_, not negate)
    parts = tuple(normalize(c, negate) for c in (cond.all or cond.any or ()))
    is_all = cond.all is not None
    # De Morgan: not(all) is any(not), not(any) is all(not).
    if is_all != negate:
        return parts[0] if len(parts) == 1 else And(parts)
    return parts[0] if len(parts) == 1 else Or(parts)


def conjunction(*nodes: Node | None) -> Node:
    present = tuple(n for n in nodes if n is not None)
    if not present:
        raise ValueError("empty conjunction")
    return present[0] if len(present) == 1 else And(present)


def facts_of(node: Node) -> tuple[str, ...]:
    """The facts a condition reads, in first-mention order, each once."""
    seen: dict[str, None] = {}

    def visit(n: Node) -> None:
        if isinstance(n, Compare):
            seen.setdefault(n.fact, None)
        elif isinstance(n, CompareFacts):
            seen.setdefault(n.fact, None)
            seen.setdefault(n.other, None)
        else:
            for p in n.parts:
                visit(p)

    visit(node)
    return tuple(seen)


def _compare(left: Scalar, op: str, right: Scalar) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right  # type: ignore[operator]
    if op == "<=":
        return left <= right  # type: ignore[operator]
    if op == ">":
        return left > right  # type: ignore[operator]
    if op == ">=":
        return left >= right  # type: ignore[operator]
    raise ValueError(f"unknown operator {op!r}")


def decide(node: Node, scalars: Mapping[str, Scalar], optional: frozenset[str] | tuple[str, ...] = ()) -> bool | None:
    """Evaluate a normal-form condition in three-valued logic: True, False, or None (unknown).

    A comparison on a missing fact is unknown, unless the fact is ``optional``
    (its absence means "nothing recorded"), where it is false.
    """
    if isinstance(node, Compare):
        if node.fact in scalars:
            return _compare(scalars[node.fact], node.op, node.value)
        return False if node.fact in optional else None
    try:
        parts = node.parts  # type: ignore[union-attr]
    except AttributeError:  # a CompareFacts: kept off the path of conditions that have none (try costs nothing)
        # Discretionary facts (the only optional ones) are never compared with another fact (checked at load).
        if node.fact in scalars and node.other in scalars:  # type: ignore[union-attr]
            return _compare(scalars[node.fact], node.op, scalars[node.other])  # type: ignore[union-attr]
        return None
    results = [decide(p, scalars, optional) for p in parts]
    if isinstance(node, And):
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if any(r is True for r in results):
        return True
    return False if all(r is False for r in results) else None


def describe(node: Node) -> str:
    """A compact human-readable form, for reports and error messages."""
    if isinstance(node, Compare):
        value = node.value
        text = "true" if value is True else "false" if value is False else str(value)
        return f"{node.fact} {node.op} {text}"
    if isinstance(node, CompareFacts):
        return f"{node.fact} {node.op} {node.other}"
    joiner = " and " if isinstance(node, And) else " or "
    return "(" + joiner.join(describe(p) for p in node.parts) + ")"
