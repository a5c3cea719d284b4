"""Shape errors told the way an author reads them, and the rest of the pack still checked.

pydantic reports where a value does not fit the models, in its own terms: a
path with union members in it (``when.value.bool``, ``rules.0.fixed.amount``),
one error per member a value failed. This module turns those into one problem
per place in the file, in the file's own path, and then validates *what did
parse*: the parts with shape errors left out, so the whole-pack checks (quotes,
sums, references) of every other part are reported in the same run instead of
one layer per run.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Mapping

from ..errors import Problem
from .fieldhints import unknown_field
from .yamlio import Located, Path_

_MISSING = object()

#: pydantic's "Input should be a valid X" for the types a pack's values take, in words.
_TYPE_WORDS = {
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "date_type": "a date (2024-01-31)",
    "date_from_datetime_parsing": "a date (2024-01-31)",
    "date_parsing": "a date (2024-01-31)",
    "string_type": "text",
    "literal_error": None,  # its message lists the allowed values itself
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def data_path(data: Any, loc: tuple[Any, ...], missing: bool = False) -> Path_:
    """``loc`` as a path in the file: union members and discriminator tags (which are not in the data) left out."""
    path: list[Any] = []
    node = data
    for k, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif missing and isinstance(node, dict) and k == len(loc) - 1:
            node = _MISSING  # a missing field: its name is the place
        else:
            continue  # a union member or a tag
        path.append(part)
    return tuple(path)


def _get(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return data


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(str(value) if isinstance(value, Decimal) else value)
    return text if len(text) <= 40 else text[:40] + "…"


def _same_line_as_previous_key(located: Located, path: Path_) -> bool:
    parent = _get(located.data, path[:-1])
    if not isinstance(parent, dict):
        return False
    keys = list(parent)
    i = keys.index(path[-1]) if path[-1] in keys else 0
    return i > 0 and located.lines.get(path) is not None and located.lines.get(path) == located.lines.get(path[:-1] + (keys[i - 1],))


def shape_problems(errors: list[dict[str, Any]], located: Located, root: type, kinds: Mapping[str, Any]) -> list[Problem]:
    """One problem per place: pydantic's errors grouped by where they are in the file."""
    data = located.data
    by_place: dict[Path_, list[dict[str, Any]]] = {}
    paths = [data_path(data, tuple(e["loc"]), e["type"] == "missing") for e in errors]
    for err, path in zip(errors, paths):
        if err["type"] == "too_short" and any(p != path and p[: len(path)] == path for p in paths):
            continue  # a list emptied by its own members' errors: those errors say it all
        by_place.setdefault(path, []).append(err)
    problems = []
    for path, errs in by_place.items():
        problems.append(located.problem(path, _message(path, errs, located, root, kinds)))
    return problems


def _message(path: Path_, errs: list[dict[str, Any]], located: Located, root: type, kinds: Mapping[str, Any]) -> str:
    err = errs[0]
    value = _get(located.data, path)
    if err["type"] == "extra_forbidden":
        message = unknown_field(root, tuple(err["loc"]), kinds)  # fieldhints follows pydantic's loc, tags and all
        if _same_line_as_previous_key(located, path):
            # {quote: 跟踪督办, 落实到位 reading: r}: in a {…} mapping a half-width comma ends the value.
            message += "; if its text is the rest of the value before it, quote that value (\"…, …\"): inside {…} a half-width comma (,) ends a value"
        return message
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        given = err["input"].get("kind") if isinstance(err["input"], dict) else None
        if "derive" in err["loc"]:
            from .model import DERIVATION_KINDS

            head = f"unknown derivation kind {given!r}" if given is not None else "a derivation needs its kind"
            return f"{head}; the derivation kinds are {', '.join(DERIVATION_KINDS)}"
        if given is None:
            return f"a rule needs its kind: {kinds.suggest('')}"  # type: ignore[attr-defined]
        return f"unknown rule kind {given!r}; {kinds.suggest(given)}"  # type: ignore[attr-defined]
    if err["type"] == "string_type" and path and path[-1] in ("id", "from") and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return f"the id {value} is read as a number: write it in quotes (id: \"{value}\"), so that forms and inputs keep it as the text it is"
    if len(errs) == 1:
        message = err["msg"]
        return message[len("Value error, ") :] if message.startswith("Value error, ") else message
    # A value that fits no member of a union: one line, what was given and what is allowed.
    allowed: list[str] = []
    for e in errs:
        word = _TYPE_WORDS.get(e["type"])
        if word is None:
            word = e["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
        if word not in allowed:
            allowed.append(word)
    return f"got {_shown(value)}; allowed: {', or '.join(allowed)}"


#: Past this many shape errors the file is not a pack with slips in it: its shape errors are reported
#: alone (leaving that much out would make the rest's checks say little, and cost time on hostile files).
MAX_SALVAGED_ERRORS = 200


def salvage(located: Located, errors: list[dict[str, Any]], validate: Callable[[Any], Any], rounds: int = 4) -> tuple[Any, Located, set[Path_]] | None:
    """What parsed: ``(spec, its data with lines, the places left out)``, or None if nothing usable is left.

    A place with a shape error is left out: a field (an unknown field, an
    optional field with a wrong value), or, where that leaves a required
    field missing, the row, rule or entry it is in. A numeric id is kept as
    its text. Lines are renumbered, so the whole-pack checks still name the
    right line.
    """
    from pydantic import ValidationError

    if len(errors) > MAX_SALVAGED_ERRORS:
        return None
    dropped: set[Path_] = set()
    current = located
    for _ in range(rounds):
        drop: set[Path_] = set()
        replace: dict[Path_, Any] = {}
        locs = [tuple(e["loc"]) for e in errors]
        for err, loc in zip(errors, locs):
            if err["type"] == "too_short" and any(other != loc and other[: len(loc)] == loc for other in locs):
                continue  # emptied only by its members' errors, which are dealt with
            path = data_path(current.data, loc, err["type"] == "missing")
            value = _get(current.data, path)
            if err["type"] == "string_type" and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                replace[path] = str(value)
                continue
            if err["type"] == "missing" or err["type"] == "too_short" or not path or path[-1] in ("id", "kind"):
                path = path[:-1]  # the entry itself cannot stand without it
                while path and not isinstance(path[-1], int):
                    path = path[:-1]  # up to the row, rule or entry in its list
            if not path or len(path) == 1:
                return None  # a top-level part (pack:, targets:): nothing stands without it
            drop.add(path)
        current = _without(current, drop, replace)
        dropped |= {p for p in drop}
        try:
            return validate(current.data), current, dropped
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
    return None


def _without(located: Located, drop: set[Path_], replace: dict[Path_, Any]) -> Located:
    """The data without the places ``drop`` (values at ``replace`` replaced), lines renumbered to match."""
    lines: dict[Path_, int] = {}
    files: dict[Path_, str] = {}

    def copy(node: Any, old: Path_, new: Path_) -> Any:
        if old in located.lines:
            lines[new] = located.lines[old]
        if old in located.files:
            files[new] = located.files[old]
        if old in replace:
            return replace[old]
        if isinstance(node, dict):
            return {k: copy(v, old + (k,), new + (k,)) for k, v in node.items() if old + (k,) not in drop}
        if isinstance(node, list):
            out: list[Any] = []
            for i, v in enumerate(node):
                if old + (i,) not in drop:
                    out.append(copy(v, old + (i,), new + (len(out),)))
            return out
        return node

    return Located(located.file, copy(located.data, (), ()), lines, files)


def _row(path: Path_) -> bool:
    """Whether ``path`` is a row of the table, or its points: what sums rest on."""
    return (isinstance(path[-1], int) and len(path) >= 2 and path[-2] in ("indicators", "children")) or path[-1] in ("points", "children")


def consequence(problem: Problem, located: Located, dropped: set[Path_]) -> bool:
    """Whether a whole-pack problem may only follow from leaving out ``dropped`` (a sum short of a dropped row's
    points, a reference to a dropped rule or reading): such problems are not reported, the shape error is."""
    from .yamlio import _format_path

    for path in dropped:
        if _row(path):
            ancestors = {_format_path(path[:k]) for k in range(len(path))}
            if problem.path in ancestors or (problem.path or "").startswith("targets"):
                return True
        entry = _get(located.data, path) if isinstance(path[-1], int) else None
        for key in ("id", "name"):  # rows, rules, readings by id; facts by name
            ident = entry.get(key) if isinstance(entry, dict) else None
            if isinstance(ident, str) and repr(ident) in problem.message:
                return True
    return False
