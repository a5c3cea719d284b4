"""Who assesses a row, and which units a row is for.

Two things a document says about a row besides its points and rules:

* 负责考核部门 (``assessors:``): the departments that assess it, one to
  three a row in the documents; a section's apply to every row under it that
  names none of its own;
* a row for one named unit only (``units:``, with ``units_quote:``), such as
  「落实湖长制重点任务（琴江镇温坊人工湖）」: for any other unit the row is not
  applicable, and an assessment that names no unit leaves it not checked;
* a row several raters score (``raters:``), such as the public's satisfaction
  「对政府信息公开工作是否满意」 rated by a panel: each rater's facts for it are
  scored alone and combined as the pack says (see
  :mod:`govrules.engine.ratings`). Its facts are its own: no other rule reads
  them, so a rater's facts can never reach another row.

Unit names are compared as quotes are (:func:`unit_key`): NFKC, without white
space, so 「琴江镇」 and 「琴江镇 」 are one unit; nothing else is guessed.
"""

from __future__ import annotations

import unicodedata
from typing import Iterator

from .model import Condition, Indicator, PackSpec, Rule

Path_ = tuple[object, ...]

#: How each way of combining several raters' scores (``raters: {combine: …}``) reads on a sheet.
COMBINE_LABELS = {"mean": "平均值", "median": "中位数", "min": "最低分", "max": "最高分"}


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


def condition_facts(cond: Condition | None) -> set[str]:
    """Every fact a condition names (``fact:`` and ``than:``)."""
    out: set[str] = set()
    stack = [cond] if cond is not None else []
    while stack:
        c = stack.pop()
        out.update(n for n in (c.fact, c.than) if n is not None)
        stack.extend(c.all or ())
        stack.extend(c.any or ())
        if c.not_ is not None:
            stack.append(c.not_)
    return out


def rule_facts(rule: Rule) -> set[str]:
    """Every fact a rule reads: those its kind names, and those of its ``when:``."""
    return {ref.name for ref in rule.rule_kind.fact_refs(rule)} | condition_facts(rule.when)


def rated_facts(spec: PackSpec, ind: Indicator) -> set[str]:
    """The facts a rated row's raters give: those its rules read, and the dates a derived count of them comes from."""
    names: set[str] = set()
    for rule in ind.rules:
        names |= rule_facts(rule)
    for f in spec.facts:
        if f.name in names and f.derive is not None:
            names.add(f.derive.source)
    return names


def raters_problems(spec: PackSpec, rows: list[tuple[Indicator, Path_]]) -> Iterator[tuple[Path_, str]]:
    """What is wrong with the pack's ``raters:`` fields, as (path, message); ``rows`` is every row with its path."""
    rated = [(ind, path) for ind, path in rows if ind.raters is not None]
    if not rated:
        return
    readers: dict[str, list[str]] = {}  # fact -> the rows, ledgers, zeroing conditions and vetoes that read it

    def note(names: set[str], owner: str) -> None:
        for name in names:
            readers.setdefault(name, []).append(owner)

    for ind, _ in rows:
        for rule in ind.rules:
            note(rule_facts(rule), ind.id)
    for adj in spec.adjustments:
        for rule in adj.rules:
            note(rule_facts(rule), adj.id)
    for z in spec.zeroing:
        note(condition_facts(z.when), z.id)
    for v in spec.vetoes:  # a veto deciding the grade from one rater's facts would be a guess
        note(condition_facts(v.when), v.id)
    for f in spec.facts:  # a derived count's dates are read wherever the count is
        if f.derive is not None:
            for owner in readers.get(f.name, ()):
                readers.setdefault(f.derive.source, []).append(owner)
    for ind, path in rated:
        raters = ind.raters
        assert raters is not None
        if not ind.is_leaf:
            yield path + ("raters",), "only items (rows without children) are rated; put raters: on each item"
            continue
        if not ind.rules:
            yield path + ("raters",), "a rated row needs rules: each rater's facts are scored by them"
        if raters.quote is None and not raters.reading:
            yield path + ("raters",), "how the raters' scores combine needs quote: (the document's words) or reading: (the choice, where the document is silent)"
        for name in sorted(rated_facts(spec, ind)):
            others = sorted({o for o in readers.get(name, ()) if o and o != ind.id})
            if others:
                yield path + ("raters",), (
                    f"fact {name!r} is also read by {', '.join(others)}: a rated row's facts are its own, "
                    "since each rater gives them for this row alone"
                )
