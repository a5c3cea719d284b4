"""Tailoring: a pack derived from another pack, without copying it.

A tailored pack names its parent with ``extends:`` and says only what differs.
Resolution works on the raw pack data, before validation, so the merged pack
is validated like any other (its stated totals included) and every error
still names the file and line it came from: the child's, or the parent's for
what was inherited unchanged.

What a child may say (see docs/tailoring.md):

* ``pack:`` its own metadata (required), ``targets:`` (else the parent's),
  ``not_applicable:`` / ``floor:`` (else the parent's);
* ``readings:`` and ``facts:`` are added to the parent's (same id or name:
  the child's replaces the parent's);
* ``indicators:`` absent: the parent's whole tree. Present: the child's own
  tree, in its document's order, where a row may say ``from: <parent row id>``
  to take that row (its text, rules, caps, evidence, and its children unless
  the child lists ``children:``) and override any field it gives;
* ``adjustments:`` / ``zeroing:`` likewise: absent, the parent's; present, the
  child's list, where an entry may say ``from: <parent id>``;
* ``grades:`` the child's bands replace the parent's for the targets they
  name (an office sets its own thresholds); ``vetoes:`` are added to the
  parent's (same id: the child's replaces the parent's);
* ``set:`` small changes without restating rows: ``{"<row id>": {points: …}}``
  or ``{"<row or ledger id>#<rule id>": {amount: …, threshold: …, reading: …}}`` or
  ``{"<ledger id>": {cap: …}}``. A rule whose amount or threshold changes keeps
  the parent's words, which do not say the new value: the change names the
  tailoring's reading behind it, which its effects then cite (``set_reading``).

Rows keep ``from:`` in the resolved pack, so ``govrules diff``
(:mod:`govrules.outputs.packdiff`) can say which rows were added, removed,
re-weighted or changed.
"""

from __future__ import annotations

import copy
import difflib
import weakref
from typing import Any, Iterator


from ..errors import PackError, Problem
from .yamlio import Located, Path_

TREE_KEYS = ("indicators", "children")


class _Merger:
    def __init__(self, child: Located, parent: Located):
        self.child = child
        self.parent = parent
        self.lines: dict[Path_, int] = {}
        self.files: dict[Path_, str] = {}
        self.problems: list[Problem] = []
        self.parent_rows = dict(_index(parent.data.get("indicators") or [], ("indicators",)))

    # ----------------------------------------------------------- provenance

    def take(self, src: Located, src_path: Path_, dst_path: Path_) -> Any:
        """Copy the value at ``src_path`` of ``src`` to ``dst_path``, keeping its lines and file."""
        value = _get(src.data, src_path)
        cut = len(src_path)
        for path in _subtree(src).get(src_path, (src_path,)):
            if path in src.lines:
                self.lines[dst_path + path[cut:]] = src.lines[path]
        self.files[dst_path] = src.file_of(src_path)
        return copy.deepcopy(value)

    def problem(self, located: Located, path: Path_, message: str) -> None:
        self.problems.append(located.problem(path, message))

    # ---------------------------------------------------------------- parts

    def merged_list(self, key: str, ident: str) -> list[Any]:
        """The parent's entries plus the child's; the child's replaces one with the same ``ident``."""
        out: list[Any] = []
        position: dict[Any, int] = {}
        for src in (self.parent, self.child):
            for i, entry in enumerate(src.data.get(key) or []):
                name = entry.get(ident) if isinstance(entry, dict) else None
                name = name if isinstance(name, str) else None  # not an id: validation says so
                at = position.get(name) if name is not None else None
                if at is None:
                    at = len(out)
                    out.append(None)
                    if name is not None:
                        position[name] = at
                out[at] = self.take(src, (key, i), (key, at))
        return out

    def row(self, node: Any, src_path: Path_, dst_path: Path_) -> Any:
        """A child's row, resolving ``from:`` against the parent's rows."""
        if not isinstance(node, dict) or "from" not in node:
            # The child's own row; its children may still take rows from the parent.
            value = self.take(self.child, src_path, dst_path)
            if isinstance(node, dict) and isinstance(node.get("children"), list):
                value["children"] = [
                    self.row(c, src_path + ("children", j), dst_path + ("children", j)) for j, c in enumerate(node["children"])
                ]
            return value
        origin = node["from"]
        if not isinstance(origin, str):
            self.problem(self.child, src_path + ("from",), f"from: names a row of the parent by its id, not {_kind(origin)}")
            return self.take(self.child, src_path, dst_path)
        found = self.parent_rows.get(origin)
        if found is None:
            close = _close(origin, list(self.parent_rows))
            self.problem(self.child, src_path + ("from",), f"the parent has no row {origin!r}{close}")
            return self.take(self.child, src_path, dst_path)
        parent_path = found
        value = self.take(self.parent, parent_path, dst_path)
        for key, given in node.items():
            if key == "children":
                continue
            value[key] = copy.deepcopy(given)
            self.take(self.child, src_path + (key,), dst_path + (key,))
        if isinstance(node.get("children"), list):
            value["children"] = [
                self.row(c, src_path + ("children", j), dst_path + ("children", j)) for j, c in enumerate(node["children"])
            ]
            self.lines[dst_path + ("children",)] = self.child.lines.get(src_path + ("children",), 0)
        value.setdefault("id", origin)
        self.lines[dst_path] = self.child.lines.get(src_path, self.lines.get(dst_path, 0))
        return value

    def entries(self, key: str) -> list[Any]:
        """Adjustments or zeroing: the parent's, or the child's list with ``from:``."""
        if key not in self.child.data:
            return [self.take(self.parent, (key, i), (key, i)) for i in range(len(self.parent.data.get(key) or []))]
        by_id = {e.get("id"): i for i, e in enumerate(self.parent.data.get(key) or []) if isinstance(e, dict)}
        out = []
        for i, node in enumerate(self.child.data.get(key) or []):
            if isinstance(node, dict) and "from" in node:
                if not isinstance(node["from"], str):
                    self.problem(self.child, (key, i, "from"), f"from: names a {key} entry of the parent by its id, not {_kind(node['from'])}")
                    out.append(self.take(self.child, (key, i), (key, i)))
                    continue
                j = by_id.get(node["from"])
                if j is None:
                    self.problem(self.child, (key, i, "from"), f"the parent has no {key} entry {node['from']!r}{_close(node['from'], [k for k in by_id if k])}")
                    out.append(self.take(self.child, (key, i), (key, i)))
                    continue
                value = self.take(self.parent, (key, j), (key, i))
                for k, given in node.items():
                    value[k] = copy.deepcopy(given)
                    self.take(self.child, (key, i, k), (key, i, k))
                value.setdefault("id", node["from"])
                out.append(value)
            else:
                out.append(self.take(self.child, (key, i), (key, i)))
        return out

    def grades(self, merged: dict[str, Any]) -> list[Any]:
        """The child's grade bands, then the parent's for the targets the child's do not grade.

        Thresholds are often the office's, not the rubric's: an overlay replaces
        the bands of the targets it names and leaves the others' as they were.
        """
        own = [self.take(self.child, ("grades", i), ("grades", i)) for i in range(len(self.child.data.get("grades") or []))]
        targets = merged.get("targets")
        every = [t.get("id") for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []
        covered: set[Any] = set()
        for g in own:
            named = g.get("targets") if isinstance(g, dict) else None
            # Anything but a list of names is left for validation to report.
            covered.update(t for t in (named if isinstance(named, list) else every) if isinstance(t, str))
        out = list(own)
        for i, g in enumerate(self.parent.data.get("grades") or []):
            named = g.get("targets") if isinstance(g, dict) else None
            named = named if isinstance(named, list) else every
            left = [t for t in named if not (isinstance(t, str) and t in covered)]
            if not left:
                continue
            value = self.take(self.parent, ("grades", i), ("grades", len(out)))
            if isinstance(value, dict) and left != named:
                value["targets"] = left
            out.append(value)
        return out

    def apply_set(self, merged: dict[str, Any]) -> None:
        changes = self.child.data.get("set") or {}
        if not isinstance(changes, dict):
            self.problem(self.child, ("set",), "set: is a mapping of ids to the fields to change")
            return
        rows = dict(_index(merged.get("indicators") or [], ("indicators",)))
        for i, entry in enumerate(merged.get("adjustments") or []):
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                rows[entry["id"]] = ("adjustments", i)
        for target, fields in changes.items():
            where = ("set", target)
            if not isinstance(fields, dict):
                self.problem(self.child, where, "give the fields to change as a mapping")
                continue
            row_id, _, rule_id = str(target).partition("#")
            path = rows.get(row_id)
            if path is None:
                self.problem(self.child, where, f"no row or ledger {row_id!r}{_close(row_id, [r for r in rows if r])}")
                continue
            node = _get(merged, path)
            if rule_id:
                rules = node.get("rules") or []
                if not isinstance(rules, list):
                    self.problem(self.child, where, f"{row_id!r} has no list of rules")
                    continue
                k = next((k for k, r in enumerate(rules) if isinstance(r, dict) and r.get("id") == rule_id), None)
                if k is None:
                    self.problem(self.child, where, f"{row_id!r} has no rule {rule_id!r}")
                    continue
                node, path = rules[k], path + ("rules", k)
                if not self.set_rule(node, path, where, target, fields):
                    continue
                fields = {k: v for k, v in fields.items() if k != "reading"}
            for key, value in fields.items():
                node[key] = copy.deepcopy(value)
                self.take(self.child, where + (key,), path + (key,))

    def set_rule(self, rule: dict[str, Any], path: Path_, where: Path_, target: Any, fields: dict[str, Any]) -> bool:
        """A ``set:`` on one rule: one changing what it scores (an amount, a threshold) without new words names the reading behind it.

        The rule keeps the parent's words, which do not say the new value: the
        reading is added to the rule's own (its effects list it, and the sheets
        say the amount follows it: ``set_reading``). False if it names none.
        """
        reading = fields.get("reading")
        changed = [str(k) for k in fields if k not in ("reading", "label", "quote")]
        if not changed or "quote" in fields:
            if reading is not None:  # only readings, or new words: the reading is the rule's own, as written
                rule["reading"] = copy.deepcopy(reading)
                self.take(self.child, where + ("reading",), path + ("reading",))
            return True
        ids = [reading] if isinstance(reading, str) else list(reading) if isinstance(reading, list) else []
        if not ids or not all(isinstance(i, str) and i for i in ids):
            readings = [r.get("id") for r in self.child.data.get("readings") or [] if isinstance(r, dict) and isinstance(r.get("id"), str)]
            known = f" (this pack's readings: {', '.join(readings)})" if readings else " (add one under readings:, with the quote it is about)"
            self.problem(
                self.child,
                where,
                f"set: changes {', '.join(changed)} of {target!r}, whose words 「{rule.get('quote', '')}」 are the parent's and do not say the new value:"
                f" name the reading behind it (reading: <id>){known}",
            )
            return False
        own = rule.get("reading")
        own = [own] if isinstance(own, str) else list(own) if isinstance(own, list) else []
        rule["reading"] = own + [i for i in ids if i not in own]
        rule["set_reading"] = ids
        self.take(self.child, where + ("reading",), path + ("reading",))
        self.take(self.child, where + ("reading",), path + ("set_reading",))
        return True

    def run(self) -> Located:
        c = self.child.data
        for key in ("readings", "facts", "indicators", "adjustments", "zeroing", "grades", "vetoes"):
            if c.get(key) is not None and not isinstance(c[key], list):
                self.problem(self.child, (key,), f"{key}: is a list, not {_kind(c[key])}")
        if self.problems:
            raise PackError(f"{self.child.file}: {len(self.problems)} problem(s) in the tailoring", self.problems)
        merged: dict[str, Any] = {"format": c.get("format", 1)}
        for key in ("pack",):
            merged[key] = self.take(self.child, (key,), (key,))
        for key in ("targets", "not_applicable", "floor"):
            src = self.child if key in c else self.parent
            if key in src.data:
                merged[key] = self.take(src, (key,), (key,))
        merged["readings"] = self.merged_list("readings", "id")
        merged["facts"] = self.merged_list("facts", "name")
        if "indicators" in c:
            merged["indicators"] = [self.row(n, ("indicators", i), ("indicators", i)) for i, n in enumerate(c["indicators"] or [])]
            self.lines[("indicators",)] = self.child.lines.get(("indicators",), 0)
        else:
            merged["indicators"] = self.take(self.parent, ("indicators",), ("indicators",))
        for key in ("adjustments", "zeroing"):
            merged[key] = self.entries(key)
        self.apply_set(merged)
        grades = self.grades(merged)
        if grades:
            merged["grades"] = grades
        vetoes = self.merged_list("vetoes", "id")
        if vetoes:
            merged["vetoes"] = vetoes
        merged["extends"] = c.get("extends")
        known = ("format", "extends", "pack", "targets", "readings", "facts", "indicators", "adjustments", "zeroing", "not_applicable", "floor", "set", "grades", "vetoes")
        for key in sorted(set(c) - set(known), key=str):
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(self.child, (key,), f"unknown field {key!r} in a tailored pack{hint}; the fields here are: {', '.join(known)}")
        # A `set:` entry or a field that could not be applied is left out, and the pack it leaves is
        # still checked: its problems are reported with everything else's, not instead of it.
        self.files[()] = self.child.file
        return Located(self.child.file, merged, self.lines, self.files)


_SUBTREES: "weakref.WeakKeyDictionary[Located, dict[Path_, list[Path_]]]" = weakref.WeakKeyDictionary()


def _subtree(located: Located) -> dict[Path_, list[Path_]]:
    """For every path of a file, the paths below it (itself included): built once per file."""
    index = _SUBTREES.get(located)
    if index is None:
        index = {}
        for path in located.lines:
            for k in range(len(path) + 1):
                index.setdefault(path[:k], []).append(path)
        _SUBTREES[located] = index
    return index


def _get(data: Any, path: Path_) -> Any:
    for key in path:
        data = data[key]
    return data


def _index(rows: list[Any], path: Path_) -> Iterator[tuple[str, Path_]]:
    for i, row in enumerate(rows):
        if isinstance(row, dict):
            here = path + (i,)
            if isinstance(row.get("id"), str):
                yield row["id"], here
            children = row.get("children")
            if isinstance(children, list):
                yield from _index(children, here + ("children",))


def _kind(value: object) -> str:
    """What a value is, for a message (the value itself may be long or odd)."""
    return {dict: "a mapping", list: "a list", str: "text"}.get(type(value), f"a {type(value).__name__}")


def _close(name: str, known: list[str]) -> str:
    import difflib

    match = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


def drop_entries(located: Located, key: str, ident: str, ids: set[str]) -> Located:
    """The same data without the ``key`` entries (readings, facts) whose ``ident`` is in ``ids``, its line and file index renumbered to match."""
    entries = located.data.get(key) or []
    keep = [i for i, r in enumerate(entries) if not (isinstance(r, dict) and r.get(ident) in ids)]
    if len(keep) == len(entries):
        return located
    new_index = {old: new for new, old in enumerate(keep)}

    def remap(path: Path_) -> Path_ | None:
        if len(path) >= 2 and path[0] == key:
            new = new_index.get(path[1])  # type: ignore[arg-type]
            return None if new is None else (key, new) + path[2:]
        return path

    data = dict(located.data)
    data[key] = [entries[i] for i in keep]
    lines = {q: line for p, line in located.lines.items() if (q := remap(p)) is not None}
    files = {q: f for p, f in located.files.items() if (q := remap(p)) is not None}
    return Located(located.file, data, lines, files)


def merge(child: Located, parent: Located) -> tuple[Located, list[Problem]]:
    """Resolve a tailored pack's raw data against its parent's: the merged data, and what could not be applied.

    What cannot be merged at all (a list given as a mapping) is a :class:`PackError`.
    """
    merger = _Merger(child, parent)
    return merger.run(), merger.problems
