"""Who assesses a row, and which units a row is for.

Two things a document says about a row besides its points and rules:

* 负责考核部门 (``assessors:``): the departments that assess it, one to
  three a row in the documents; a section's apply to every row under it that
  names none of its own;
* a row for one named unit only (``units:``, with ``units_quote:``), such as
  「落实湖长制重点任务（琴江镇温坊人工湖）」: for any other unit the row is not
  applicable, and an assessment that names no unit leaves it not checked.

Unit names are compared as quotes are (:func:`unit_key`): NFKC, without white
space, so 「琴江镇」 and 「琴江镇 」 are one unit; nothing else is guessed.
"""

from __future__ import annotations

import unicodedata
from typing import Iterator

from .model import Indicator

Path_ = tuple[object, ...]


def unit_key(name: str) -> str:
    """A unit name as compared with a row's ``units``."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def row_assessors(ind: Indicator, ancestors: tuple[Indicator, ...]) -> tuple[str, ...]:
    """The row's own assessors, else its nearest section's, else none."""
    for node in (ind,) + tuple(reversed(ancestors)):
        if node.assessors is not None:
            return node.assessors
    return ()


def pack_has_assessors(indicators: tuple[Indicator, ...]) -> bool:
    stack = list(indicators)
    while stack:
        ind = stack.pop()
        if ind.assessors:
            return True
        stack.extend(ind.children)
    return False


def _names(field: str, names: tuple[str, ...], what: str) -> Iterator[tuple[Path_, str]]:
    if not names:
        yield (field,), f"{field}: names at least one {what}; leave the field out if the document names none"
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = unit_key(name)
        if not key:
            yield (field, i), f"a blank {what} name"
        elif key in seen:
            yield (field, i), f"{name!r} is listed twice (also {field}[{seen[key]}])"
        else:
            seen[key] = i


def scope_problems(ind: Indicator) -> Iterator[tuple[Path_, str]]:
    """What is wrong with a row's ``assessors`` and ``units`` fields, as (path under the row, message)."""
    if ind.assessors is not None:
        yield from _names("assessors", ind.assessors, "department (负责考核部门)")
    if ind.units is not None:
        yield from _names("units", ind.units, "unit")
        if not ind.is_leaf:
            yield ("units",), "only items (rows without children) are restricted to named units; put units: on each item"
        if not ind.units_quote:
            yield ("units",), "a row for named units only needs units_quote: the document's words that say so"
    else:
        for field in ("units_quote", "units_scoring"):
            if getattr(ind, field) is not None:
                yield (field,), f"{field} goes with units: (the units the row is for), which this row does not have"
