"""Whole-pack consistency checks, run at load time.

Shape errors are pydantic's job (:mod:`govrules.rubric.model`); these checks need the
whole pack at once: unique ids, references that resolve, facts of the right
type for each rule, conditions that compare like with like, stated totals and
section maxima equal to the sums of their items, and quotes that really occur
in the source document. Every problem names the file, line and row; all are
reported together.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from decimal import Decimal
from typing import Iterator

from ..engine.conditions import ORDERING, conjunction, facts_of, normalize
from ..errors import Problem
from .model import (
    RESERVED_FACT_NAMES,
    Condition,
    FactSpec,
    Indicator,
    PackSpec,
    Rule,
)
from ..kinds.base import AWARD, DEDUCT, ZERO_ROW, CheckContext
from ..numbers import ZERO, fmt
from .grades import check_grades
from .scope import raters_problems, scope_problems
from .yamlio import Located, Path_

_ORDERED_TYPES = frozenset({"count", "number", "date", "subset", "discretionary"})


#: Curly quotation marks and their ASCII forms are one mark when quotes are compared: a document's
#: text extraction, and an author's keyboard, pick either (NFKC leaves them apart).
_QUOTE_MARKS = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                              "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'"})


def normalize_text(text: str) -> str:
    """Text as compared for quotes: NFKC, curly quotation marks as ASCII ones, without any white space."""
    # str.split() with no argument splits at exactly the characters str.isspace() accepts.
    return "".join(unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS).split())


_PASSAGE_BREAKS = re.compile(r"[\n\t。；;]+")


def nearest_passage(quote: str, document: str) -> str | None:
    """The stretch of ``document`` closest to ``quote``, or None if nothing is close.

    Shown with "quote not found", so a misquote (a changed word, a digit, 和 for 及) is a
    glance at two lines, not a search through the document. Each passage (a line, a table
    cell, a sentence) is lined up with the quote at their longest common stretch, and the
    window of the quote's length there is compared with it.
    """
    wanted = normalize_text(quote)
    if not wanted:
        return None
    quote = quote.strip()
    best: tuple[float, str] | None = None
    for part in _PASSAGE_BREAKS.split(document):
        text = part.strip()
        if not normalize_text(text):
            continue
        match = difflib.SequenceMatcher(None, text, quote, autojunk=False).find_longest_match(0, len(text), 0, len(quote))
        # A little room each side: a quote that left a word out is shorter than the passage it misquotes.
        start = max(0, match.a - match.b - 2)
        end = min(len(text), match.a - match.b + len(quote) + 2)
        ratio = difflib.SequenceMatcher(None, normalize_text(text[start:end]), wanted, autojunk=False).ratio()
        if best is None or ratio > best[0]:
            best = (ratio, ("…" if start else "") + text[start:end] + ("…" if end < len(text) else ""))
    return best[1] if best is not None and best[0] >= 0.5 else None


def walk_indicators(
    indicators: tuple[Indicator, ...], path: Path_ = ("indicators",), ancestors: tuple[Indicator, ...] = ()
) -> Iterator[tuple[Indicator, Path_, tuple[Indicator, ...]]]:
    """Every indicator in document order, with its path in the file and its ancestors."""
    for i, ind in enumerate(indicators):
        here = path + (i,)
        yield ind, here, ancestors
        yield from walk_indicators(ind.children, here + ("children",), ancestors + (ind,))


def applicable_targets(ind: Indicator, ancestors: tuple[Indicator, ...], all_targets: tuple[str, ...]) -> tuple[str, ...]:
    """The targets a row applies to: its own points or targets, else its nearest ancestor's, else all."""
    for node in (ind,) + tuple(reversed(ancestors)):
        if node.points is not None or node.targets is not None:
            declared = set(node.points or ()) | set(node.targets or ())
            return tuple(t for t in all_targets if t in declared)
    return all_targets


def leaf_targets(ind: Indicator, ancestors: tuple[Indicator, ...], all_targets: tuple[str, ...]) -> tuple[str, ...]:
    """The targets of an indicator: for a section, those of any of its leaves."""
    if ind.is_leaf:
        return applicable_targets(ind, ancestors, all_targets)
    found: set[str] = set()
    for child in ind.children:
        found.update(leaf_targets(child, ancestors + (ind,), all_targets))
    return tuple(t for t in all_targets if t in found)


def rows_total(spec: PackSpec, target: str) -> Decimal:
    """The sum of the points of a target's rows (its items that apply to it)."""
    all_targets = tuple(t.id for t in spec.targets)
    total = Decimal(0)
    stack = [(ind, ()) for ind in spec.indicators]
    while stack:
        ind, ancestors = stack.pop()
        if ind.is_leaf:
            if target in applicable_targets(ind, ancestors, all_targets):
                total += (ind.points or {}).get(target, Decimal(0))
        else:
            stack.extend((c, ancestors + (ind,)) for c in ind.children)
    return total


def with_row_totals(spec: PackSpec) -> PackSpec:
    """``spec`` with each target whose document states no total (``total_unstated``) totalled from its rows."""
    if not any(t.total_unstated for t in spec.targets):
        return spec
    targets = tuple(t.model_copy(update={"total": rows_total(spec, t.id)}) if t.total_unstated else t for t in spec.targets)
    return spec.model_copy(update={"targets": targets})


class _Checker:
    def __init__(self, spec: PackSpec, located: Located, documents: dict[str, str]):
        self.spec = spec
        self.loc = located
        self.problems: list[Problem] = []
        self.targets = tuple(t.id for t in spec.targets)
        self.facts: dict[str, FactSpec] = {}
        self.readings = {r.id for r in spec.readings}
        # Quotes are checked against the document of the file they were written in
        # (a tailored pack's inherited rows against its parent's document).
        self.documents = {file: normalize_text(text) for file, text in documents.items()}
        self.raw_documents = documents

    def problem(self, path: Path_, message: str) -> None:
        self.problems.append(self.loc.problem(path, message))

    # ------------------------------------------------------------------ parts

    def check_ids(self) -> None:
        seen: dict[str, Path_] = {}
        for i, t in enumerate(self.spec.targets):
            if t.id in seen:
                self.problem(("targets", i, "id"), f"target id {t.id!r} is used twice")
            seen[t.id] = ("targets", i)
        seen_r: set[str] = set()
        for i, r in enumerate(self.spec.readings):
            if r.id in seen_r:
                self.problem(("readings", i, "id"), f"reading id {r.id!r} is used twice")
            seen_r.add(r.id)
            self.check_quote(("readings", i, "quote"), r.quote)
        ids: dict[str, Path_] = {}
        for ind, path, _ in walk_indicators(self.spec.indicators):
            self._unique(ids, ind.id, path)
        for i, adj in enumerate(self.spec.adjustments):
            self._unique(ids, adj.id, ("adjustments", i))
        for i, z in enumerate(self.spec.zeroing):
            self._unique(ids, z.id, ("zeroing", i))

    def _unique(self, ids: dict[str, Path_], ident: str, path: Path_) -> None:
        if ident in ids:
            first = self.loc.line_of(ids[ident])
            self.problem(path + ("id",), f"id {ident!r} is used twice (first on line {first})")
        else:
            ids[ident] = path

    def check_reading(self, path: Path_, reading: tuple[str, ...]) -> None:
        for rid in reading:
            if rid not in self.readings:
                close = difflib.get_close_matches(rid, sorted(self.readings), n=1)
                hint = f"did you mean {close[0]!r}? or " if close else ""
                self.problem(path, f"unknown reading {rid!r}; {hint}declare it under readings:")

    def check_quote(self, path: Path_, text: str | None) -> None:
        document = self.documents.get(self.loc.file_of(path))
        if text is None or document is None:
            return
        if normalize_text(text) not in document:
            short = text if len(text) <= 40 else text[:40] + "…"
            near = nearest_passage(text, self.raw_documents[self.loc.file_of(path)])
            hint = f"; the nearest passage reads 「{near}」" if near else ""
            self.problem(path, f"quote not found in the source document: 「{short}」{hint}")

    def check_targets_known(self, path: Path_, targets: object) -> None:
        for t in targets or ():  # type: ignore[union-attr]
            if t not in self.targets:
                self.problem(path, f"unknown target {t!r}; the pack's targets are {', '.join(self.targets)}")

    def check_facts(self) -> None:
        for i, f in enumerate(self.spec.facts):
            path = ("facts", i)
            if f.name in self.facts:
                self.problem(path + ("name",), f"fact {f.name!r} is declared twice")
            if f.name in RESERVED_FACT_NAMES:
                self.problem(path + ("name",), f"{f.name!r} is reserved by the engine; choose another fact name")
            self.facts[f.name] = f
            self.check_quote(path + ("quote",), f.quote)
            self.check_reading(path + ("reading",), f.reading)
        from ..engine.facts import check_defaults  # local: facts imports this module's helpers

        bad_defaults = check_defaults(self.spec.facts)
        for i, f in enumerate(self.spec.facts):
            path = ("facts", i)
            if f.derive is not None:
                src = self.facts.get(f.derive.source)
                if src is None:
                    self.problem(path + ("derive", "source"), self._unknown_fact(f.derive.source))
                elif src.type != (wanted := "spans" if f.derive.kind == "late_spans" else "dates"):
                    self.problem(path + ("derive", "source"), f"derives from {src.name!r}, a {src.type} fact; it must be a {wanted} fact")
                self.check_reading(path + ("derive", "reading"), f.derive.reading)
            if i in bad_defaults:
                self.problem(path + ("default",), bad_defaults[i])

    def _unknown_fact(self, name: str) -> str:
        import difflib

        close = difflib.get_close_matches(name, list(self.facts), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown fact {name!r}{hint}"

    def check_condition(self, path: Path_, cond: Condition) -> None:
        if cond.fact is not None:
            fact = self.facts.get(cond.fact)
            if fact is None:
                self.problem(path + ("fact",), self._unknown_fact(cond.fact))
                return
            op, value = cond.operator, cond.operand
            where = path + (("op",) if "op" in cond.model_fields_set else ("is",))
            if cond.than is not None:
                self.check_fact_pair(path, fact, op, cond.than)
                return
            if op in ORDERING and fact.type not in _ORDERED_TYPES:
                self.problem(where, f"{op} does not apply to {fact.name!r}, a {fact.type} fact")
            message = _value_mismatch(fact, value)
            if message:
                self.problem(path + (("value",) if "value" in cond.model_fields_set else ("is",)), message)
            return
        for key in ("all", "any"):
            for i, part in enumerate(getattr(cond, key) or ()):
                self.check_condition(path + (key, i), part)
        if cond.not_ is not None:
            self.check_condition(path + ("not",), cond.not_)

    def check_fact_pair(self, path: Path_, fact: FactSpec, op: str, than: str) -> None:
        """A fact compared with another: both declared, of one comparable kind, the operator fitting it."""
        other = self.facts.get(than)
        if other is None:
            self.problem(path + ("than",), self._unknown_fact(than))
            return
        if other.name == fact.name:
            self.problem(path + ("than",), f"compares {fact.name!r} with itself")
            return
        message = _pair_mismatch(fact, op, other)
        if message:
            self.problem(path + ("than",), message)

    def check_rules(self, owner_path: Path_, rules: tuple[Rule, ...], context: CheckContext) -> set[str]:
        ids: set[str] = set()
        for i, rule in enumerate(rules):
            path = owner_path + ("rules", i)
            if rule.id in ids:
                self.problem(path + ("id",), f"rule id {rule.id!r} is used twice in this row")
            ids.add(rule.id)
            self.check_quote(path + ("quote",), rule.quote)
            self.check_reading(path + ("reading",), rule.reading)
            if rule.when is not None:
                self.check_condition(path + ("when",), rule.when)
            kind = rule.rule_kind
            for ref in kind.fact_refs(rule):
                fact = self.facts.get(ref.name)
                if fact is None:
                    self.problem(path + ref.path, self._unknown_fact(ref.name))
                elif fact.type not in ref.types:
                    self.problem(path + ref.path, f"a {rule.kind} rule needs a {' or '.join(ref.types)} fact; {ref.name!r} is {fact.type}")
            for where, message in kind.check(rule, context):
                self.problem(path + tuple(where), message)
            amount = getattr(rule, "amount", None)
            if amount is not None and amount < 0:
                self.problem(path + ("amount",), "amounts are written as positive numbers; the ledger decides the sign")
            if rule.earned and (context.in_ledger or not set(kind.modes) <= {DEDUCT, ZERO_ROW}):
                self.problem(
                    path + ("earned",),
                    f"earned: true says a row's points were not earned; a {rule.kind} rule {'in a ledger' if context.in_ledger else 'adds or sets points'} takes none",
                )
        return ids

    def check_indicators(self) -> None:
        for ind, path, ancestors in walk_indicators(self.spec.indicators):
            self.check_targets_known(path + ("points",), ind.points)
            self.check_targets_known(path + ("targets",), ind.targets)
            self.check_quote(path + ("source",), ind.source)
            self.check_quote(path + ("method",), ind.method)
            self.check_reading(path + ("floor_reading",), ind.floor_reading)
            self.check_reading(path + ("reading",), ind.reading)
            if ind.points:
                for t, v in ind.points.items():
                    if v < 0:
                        self.problem(path + ("points", t), "points cannot be negative")
            if not ind.is_leaf and ind.rules:
                self.problem(path + ("rules",), "only items (rows without children) carry rules; move them to an item")
            self.check_floor_quote(ind, path)
            self.check_ceiling(ind, path, ancestors)
            for where, message in scope_problems(ind):
                self.problem(path + where, message)
            self.check_quote(path + ("units_quote",), ind.units_quote)
            if ind.raters is not None:
                self.check_quote(path + ("raters", "quote"), ind.raters.quote)
                self.check_reading(path + ("raters", "reading"), ind.raters.reading)
            unpointed = tuple(t for t in applicable_targets(ind, ancestors, self.targets) if t not in (ind.points or {}))
            context = CheckContext(self.facts, ind.points, unpointed, False, _number_limits)
            rule_ids = self.check_rules(path, ind.rules, context)
            capped: dict[str, int] = {}
            for j, cap in enumerate(ind.caps):
                if ind.is_leaf and not cap.rules:
                    self.problem(path + ("caps", j), "a cap on an item names the rules it groups (rules: [...])")
                for rid in cap.rules:
                    if not ind.is_leaf:
                        continue  # a section's caps are checked once every item's are known (check_section_caps)
                    if rid in capped:
                        self.problem(path + ("caps", j, "rules"), f"rule {rid!r} is already in cap {capped[rid]}; a rule belongs to one cap at most")
                    capped[rid] = j
            for j, cap in enumerate(ind.caps if ind.is_leaf else ()):
                cpath = path + ("caps", j)
                awarding = [r.id for r in ind.rules if r.id in cap.rules and AWARD in r.rule_kind.modes]
                if awarding and len(awarding) != len([r for r in ind.rules if r.id in cap.rules]):
                    self.problem(cpath + ("rules",), f"a cap groups rules of one direction: {', '.join(awarding)} award points, the others deduct them")
                self.check_quote(cpath + ("quote",), cap.quote)
                self.check_reading(cpath + ("reading",), cap.reading)
                for rid in cap.rules:
                    if rid not in rule_ids:
                        self.problem(cpath + ("rules",), f"cap refers to rule {rid!r}, which this row does not have")
                for rule in ind.rules:
                    if rule.id in cap.rules and not rule.rule_kind.cappable:
                        self.problem(cpath + ("rules",), f"a {rule.kind} rule ({rule.id!r}) cannot be capped")

    def check_raters(self) -> None:
        rows = [(ind, path) for ind, path, _ in walk_indicators(self.spec.indicators)]
        for path, message in raters_problems(self.spec, rows):
            self.problem(path, message)

    def check_floor_quote(self, ind: Indicator, path: Path_) -> None:
        if ind.floor_quote is None:
            return
        if ind.is_leaf:
            self.problem(path + ("floor_quote",), "floor_quote goes on a section; every item floors at 0 already (the pack's floor: says where the document says so)")
        self.check_quote(path + ("floor_quote",), ind.floor_quote)

    def check_section_caps(self) -> None:
        """A section's caps name rules of rows under it (row#rule), each rule in one cap at most, none of them zeroing or awarding."""
        capped: dict[str, str] = {}
        for ind, path, _ in walk_indicators(self.spec.indicators):
            if ind.is_leaf:
                for cap in ind.caps:
                    for rid in cap.rules:
                        capped.setdefault(f"{ind.id}#{rid}", f"on row {ind.id}")
        for ind, path, ancestors in walk_indicators(self.spec.indicators):
            if ind.is_leaf or not ind.caps:
                continue
            under = {f"{leaf.id}#{r.id}": r for leaf, _, _ in walk_indicators(ind.children) if leaf.is_leaf for r in leaf.rules}
            # A row's points lost are counted by one section's caps only: the nearest capped section above it.
            inner = {
                f"{leaf.id}#{r.id}": sub.id
                for sub, _, _ in walk_indicators(ind.children)
                if not sub.is_leaf and sub.caps
                for leaf, _, _ in walk_indicators(sub.children)
                if leaf.is_leaf
                for r in leaf.rules
            }
            whole = [j for j, cap in enumerate(ind.caps) if not cap.rules]
            for j in whole[1:]:
                self.problem(path + ("caps", j), f"this section already has a cap over all its rows (caps[{whole[0]}]); state it once")
            for j, cap in enumerate(ind.caps):
                cpath = path + ("caps", j)
                self.check_quote(cpath + ("quote",), cap.quote)
                self.check_reading(cpath + ("reading",), cap.reading)
                for rid in cap.rules:
                    rule = under.get(rid)
                    if "#" not in rid:
                        self.problem(cpath + ("rules",), f"a section's cap names rules of its rows as row#rule (e.g. 2.1#{rid}), not {rid!r}")
                    elif rule is None:
                        self.problem(cpath + ("rules",), f"cap refers to rule {rid!r}, which no row under section {ind.id} has")
                    elif rid in capped:
                        self.problem(cpath + ("rules",), f"rule {rid!r} is already in a cap {capped[rid]}; a rule belongs to one cap at most")
                    elif rid in inner:
                        self.problem(cpath + ("rules",), f"rule {rid!r} lies under section {inner[rid]}, which has caps of its own; name it in a cap there")
                    elif not rule.rule_kind.cappable:
                        self.problem(cpath + ("rules",), f"a {rule.kind} rule ({rid!r}) cannot be capped")
                    elif set(rule.rule_kind.modes) - {DEDUCT, ZERO_ROW}:
                        self.problem(cpath + ("rules",), f"a section's cap limits deductions; a {rule.kind} rule ({rid!r}) does more than deduct")
                    capped.setdefault(rid, f"on section {ind.id}")

    def check_ceiling(self, ind: Indicator, path: Path_, ancestors: tuple[Indicator, ...]) -> None:
        """A row rises above its points only where its document says so, and never above the maximum it states."""
        if ind.ceiling is not None:
            self.check_targets_known(path + ("ceiling",), ind.ceiling)
            if not ind.is_leaf:
                self.problem(path + ("ceiling",), "only items (rows without children) have a ceiling")
            if not ind.ceiling_quote:
                self.problem(path + ("ceiling",), "a ceiling needs ceiling_quote: the document's words that let the row rise above its points")
            for t, top in ind.ceiling.items():
                points = (ind.points or {}).get(t)
                if points is None:
                    self.problem(path + ("ceiling", t), f"a ceiling for {t!r}, where the row has no points")
                elif top < points:
                    self.problem(path + ("ceiling", t), f"the ceiling {fmt(top)} is below the row's {fmt(points)} points")
        self.check_quote(path + ("ceiling_quote",), ind.ceiling_quote)
        awarding = [(j, r) for j, r in enumerate(ind.rules) if AWARD in r.rule_kind.modes]
        if awarding:
            scored = [t for t in (ind.points or {}) if t in self.targets]
            lacking = [t for t in scored if t not in (ind.ceiling or {})]
            for j, rule in awarding:
                if lacking:
                    self.problem(
                        path + ("rules", j, "kind"),
                        f"a {rule.kind} rule adds points, so the row needs a ceiling (the most it may score, as its document states) for {', '.join(lacking)}",
                    )

    def check_totals(self) -> None:
        for target in self.spec.targets:
            tid = target.id
            scored = target.total is not None
            top_sum = ZERO
            for i, ind in enumerate(self.spec.indicators):
                value = self._max_of(ind, ("indicators", i), (), tid, scored)
                if value is not None:
                    top_sum += value
            if scored and top_sum != target.total:
                idx = self.targets.index(tid)
                self.problem(
                    ("targets", idx, "total"),
                    f"{target.name} total is stated as {fmt(target.total)}, but its items add up to {fmt(top_sum)}",
                )

    def _max_of(self, ind: Indicator, path: Path_, ancestors: tuple[Indicator, ...], tid: str, scored: bool) -> Decimal | None:
        """The maximum of a row for a target (None where the row does not apply), checking sections on the way."""
        if ind.is_leaf:
            if tid not in applicable_targets(ind, ancestors, self.targets):
                return None
            value = (ind.points or {}).get(tid)
            if scored and value is None:
                self.problem(path + ("points",), f"this item applies to {tid!r}, a scored target, but has no points for it")
            return value
        total = ZERO
        any_child = False
        for j, child in enumerate(ind.children):
            value = self._max_of(child, path + ("children", j), ancestors + (ind,), tid, scored)
            if value is not None:
                total += value
                any_child = True
            elif tid in leaf_targets(child, ancestors + (ind,), self.targets):
                any_child = True
        stated = (ind.points or {}).get(tid)
        if stated is not None:
            if not any_child:
                self.problem(path + ("points", tid), f"states points for {tid!r}, but none of its items applies to it")
            elif stated != total:
                self.problem(
                    path + ("points", tid),
                    f"section maximum for {tid!r} is stated as {fmt(stated)}, but its items add up to {fmt(total)}",
                )
        return total if any_child else None

    def check_outside(self) -> None:
        for i, adj in enumerate(self.spec.adjustments):
            path = ("adjustments", i)
            self.check_targets_known(path + ("targets",), adj.targets)
            self.check_quote(path + ("source",), adj.source)
            self.check_quote(path + ("cap_quote",), adj.cap_quote)
            self.check_reading(path + ("reading",), adj.reading)
            self.check_rules(path, adj.rules, CheckContext(self.facts, None, (), True, _number_limits))
            for j, rule in enumerate(adj.rules):
                if not rule.rule_kind.in_ledgers or set(rule.rule_kind.modes) - {DEDUCT}:
                    self.problem(path + ("rules", j, "kind"), f"a {rule.kind} rule does not fit a bonus or penalty ledger")
        for i, z in enumerate(self.spec.zeroing):
            path = ("zeroing", i)
            self.check_targets_known(path + ("targets",), z.targets)
            self.check_quote(path + ("quote",), z.quote)
            self.check_quote(path + ("source",), z.source)
            self.check_reading(path + ("reading",), z.reading)
            self.check_condition(path + ("when",), z.when)
        na = self.spec.not_applicable
        self.check_quote(("not_applicable", "quote"), na.quote)
        self.check_reading(("not_applicable", "reading"), na.reading)
        self.check_quote(("floor", "quote"), self.spec.floor.quote)
        self.check_reading(("floor", "reading"), self.spec.floor.reading)
        self.check_reading(("floor", "negative_total"), self.spec.floor.negative_total)
        for i, t in enumerate(self.spec.targets):
            self.check_quote(("targets", i, "quote"), t.quote)
            self.check_reading(("targets", i, "reading"), t.reading)
            if t.total_unstated:
                self.check_reading(("targets", i, "total_unstated"), t.total_unstated)
                if not t.total:
                    self.problem(("targets", i, "total_unstated"), f"{t.name} has no rows with points: there is no total to sum")

    def check_cohort_rules(self) -> None:
        """A cohort rule reading a row names a row whose score no other row-reading cohort rule changes (two passes then suffice)."""
        rows = {ind.id: ind for ind, _, _ in walk_indicators(self.spec.indicators)}

        def row_readers(ind: Indicator) -> list[str]:
            found = [f"{ind.id}#{r.id}" for r in ind.rules if r.rule_kind.cohort and r.rule_kind.cohort_figure(r)[0] == "row"]
            for child in ind.children:
                found.extend(row_readers(child))
            return found

        for ind, path, _ in walk_indicators(self.spec.indicators):
            for j, rule in enumerate(ind.rules):
                kind = rule.rule_kind
                if not kind.cohort:
                    continue
                if ind.caps and any(rule.id in c.rules for c in ind.caps) and not kind.cappable:
                    continue  # reported with the caps
                source, name = kind.cohort_figure(rule)
                if source != "row":
                    continue
                where = path + ("rules", j, "row")
                target_row = rows.get(name or ind.id)
                if target_row is None:
                    close = difflib.get_close_matches(name, list(rows), n=1)
                    self.problem(where, f"no row {name!r} in this pack" + (f"; did you mean {close[0]!r}?" if close else ""))
                    continue
                others = [u for u in row_readers(target_row) if u != f"{ind.id}#{rule.id}"]
                if others:
                    self.problem(where, f"row {target_row.id!r} is itself scored by {', '.join(others)}, which read rows too: rank a row whose score comes from its facts")

    def run(self) -> list[Problem]:
        self.check_ids()
        self.check_cohort_rules()
        self.check_facts()
        self.check_indicators()
        self.check_raters()
        self.check_section_caps()
        self.check_totals()
        self.check_outside()
        check_grades(self)
        return self.problems


def _value_mismatch(fact: FactSpec, value: object) -> str | None:
    """Why ``value`` cannot be compared with ``fact``, or None if it can.

    durable_rules compares mismatched types silently (``"10" >= 3`` is just
    false), so a pack may never compare a fact with a value of another type.
    """
    t = fact.type
    if t == "boolean":
        ok = isinstance(value, bool)
    elif t in ("count", "subset"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t in ("number", "discretionary"):
        ok = isinstance(value, (int, Decimal)) and not isinstance(value, bool)
        if ok:
            return _number_limits(Decimal(value))
    elif t == "date":
        ok = isinstance(value, dt.date)
    elif t == "choice":
        ok = isinstance(value, str) and value in (fact.elements or ())
        if isinstance(value, str) and not ok:
            return f"{value!r} is not one of the choices of {fact.name!r}: {', '.join(fact.elements or ())}"
    else:
        return f"{fact.name!r} is a {t} fact and cannot be compared"
    if not ok:
        return f"{fact.name!r} is a {t} fact; {value!r} ({type(value).__name__}) cannot be compared with it"
    return None


#: Fact types one fact may be compared with another of: counts and numbers
#: together (a subset by its size), dates together, booleans (== and != only).
_PAIR_GROUPS = {"count": "number", "subset": "number", "number": "number", "date": "date", "boolean": "boolean"}


def _pair_mismatch(fact: FactSpec, op: str, other: FactSpec) -> str | None:
    """Why ``fact op other`` cannot be compared, or None if it can."""
    for f in (fact, other):
        if f.type not in _PAIR_GROUPS:
            return f"{f.name!r} is a {f.type} fact; only counts, numbers, subsets (by size), dates and booleans are compared with another fact"
    if _PAIR_GROUPS[fact.type] != _PAIR_GROUPS[other.type]:
        return f"{fact.name!r} is a {fact.type} fact and {other.name!r} a {other.type} fact; they cannot be compared"
    if op in ORDERING and fact.type == "boolean":
        return f"{op} does not apply to {fact.name!r} and {other.name!r}, boolean facts"
    return None


def _number_limits(value: Decimal) -> str | None:
    """Why a number in a condition cannot be compared exactly, or None.

    Facts have at most NUMBER_PLACES decimal places and magnitude below
    NUMBER_LIMIT; a value outside that could never be matched exactly, and
    both evaluators must compare it the same way.
    """
    from ..engine.facts import NUMBER_LIMIT, NUMBER_PLACES

    if not value.is_finite() or abs(value) >= NUMBER_LIMIT:
        return f"{value} is out of range: numbers are smaller than {NUMBER_LIMIT}"
    if value.as_tuple().exponent < -NUMBER_PLACES:  # type: ignore[operator]
        return f"{value} has more than {NUMBER_PLACES} decimal places"
    return None


def check_pack(spec: PackSpec, located: Located, documents: dict[str, str] | str | None) -> list[Problem]:
    """All consistency problems of a pack, each naming its file, line and row.

    ``documents`` maps each pack file to its source text (a plain string is the
    document of ``located.file``).
    """
    if documents is None:
        documents = {}
    elif isinstance(documents, str):
        documents = {located.file: documents}
    return _Checker(spec, located, documents).run()


def facts_read(spec: PackSpec) -> set[str]:
    """Every fact some rule, ledger, zeroing or veto of the pack reads, for any target, and the sources of derived ones.

    What the engine's compiled targets read (a rule's kind's trigger and its
    ``when:``), over the whole pack: a fact outside this set is in no target's facts.
    """

    def reads(rule: Rule) -> set[str]:
        own = normalize(rule.when) if rule.when is not None else None
        kind = rule.rule_kind
        if kind.cohort:
            # As compile_rule reads it: not triggered, its figure (a fact, or a row's score) and its own when.
            source, name = kind.cohort_figure(rule)
            return ({name} if source == "fact" else set()) | (set(facts_of(own)) if own is not None else set())
        return set(facts_of(conjunction(kind.trigger(rule), own)))

    names: set[str] = set()
    stack: list[Indicator] = list(spec.indicators)
    while stack:
        ind = stack.pop()
        for r in ind.rules:
            names |= reads(r)
        stack.extend(ind.children)
    for adj in spec.adjustments:
        for r in adj.rules:
            names |= reads(r)
    for z in spec.zeroing:
        names.update(facts_of(normalize(z.when)))
    for v in spec.vetoes:  # a veto's facts are its target's facts too (the grade reads them)
        names.update(facts_of(normalize(v.when)))
    names.update(f.derive.source for f in spec.facts if f.derive is not None and f.name in names)
    return names
