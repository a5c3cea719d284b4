"""What one pack changes relative to another, in words a reviewer reads (``govrules diff``).

Rows are matched by ``from:`` where the second pack tailors the first, else
by id; bonus and penalty ledgers, zeroing entries and vetoes likewise; readings
by id; grade bands by target.
Every difference is kept twice: as the field that differs (``changes``, for
machines) and as a :class:`Change` saying what it was and what it is, in the
words ``govrules show`` uses (points per target by the target's name, a
rule's amount and threshold in its kind's words, the document's text
quoted). A changed reading is listed with the rest: it changes how a row is
scored even where no row changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Mapping

import attrs

from ..numbers import fmt
from ..rubric.checks import walk_indicators
from .describe import band_condition, cap_words, condition_words, rule_words

#: Each compared field, in words. A field a plugin adds and this list lacks is shown by its name.
FIELD_WORDS = {
    "name": "名称",
    "points": "分值",
    "targets": "考核对象",
    "source": "原文",
    "method": "考核方式（扣分办法）",
    "evaluation": "评估方式",
    "evidence": "佐证",
    "rules": "规则",
    "caps": "扣分上限",
    "floor_reading": "扣完为止的解读",
    "reading": "解读",
    "note": "备注",
    "ceiling": "可超出分值",
    "ceiling_quote": "可超出分值的原文",
    "assessors": "负责考核部门",
    "units": "适用单位",
    "units_quote": "适用单位的原文",
    "units_scoring": "其他单位的计分",
    "floor_quote": "本部分扣完为止的原文",
    "raters": "多名评分人的合并方式",
    "direction": "方向",
    "cap": "上限",
    "cap_quote": "上限的原文",
    "when": "条件",
    "quote": "引文",
    "choice": "选择",
    "alternatives": "其他读法",
    "defect": "原文缺陷",
    "below": "不得评为",
    "at_most": "最高等次",
}
# set_reading (written by a tailoring's set:) is not listed: its readings are the rule's too.
_RULE_FIELD_WORDS = {"label": "说明", "quote": "引文", "reading": "解读"}
_NOT_COMPARED = {"id", "children", "from_"}
_DIRECTION = {"bonus": "加分", "penalty": "减分"}
_UNITS_SCORING = {"full_points": "视为达标（满分）", "rescale": "不计入，基础分折算"}


@attrs.frozen
class Change:
    """One difference: what (in words) and its value before and after, in words (None: absent)."""

    field: str  # the field, for machines: points, source, rules.few, rules.few.quote, choice…
    label: str
    before: str | None
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class RowChange:
    id: str
    parent_id: str | None
    changes: tuple[str, ...]  # field names that differ: points, source, rules, …
    points_before: dict[str, str] | None = None
    points_after: dict[str, str] | None = None
    name: str = ""
    details: tuple[Change, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = attrs.asdict(self, recurse=False)
        out["details"] = [d.to_dict() for d in self.details]
        return out


@attrs.frozen
class ReadingChange:
    id: str
    changes: tuple[str, ...]  # quote, choice, alternatives, defect
    details: tuple[Change, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "changes": list(self.changes), "details": [d.to_dict() for d in self.details]}


@attrs.frozen
class PackDiff:
    """What one pack changes relative to another, row by row, ledger by ledger, reading by reading."""

    base: str
    other: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    reweighted: tuple[RowChange, ...]
    changed: tuple[RowChange, ...]
    ledgers: tuple[RowChange, ...] = ()  # bonus / penalty ledgers whose cap or rules changed, added or removed
    zeroing: tuple[RowChange, ...] = ()
    readings_added: tuple[tuple[str, str, str], ...] = ()  # (id, quote, choice)
    readings_removed: tuple[tuple[str, str, str], ...] = ()
    readings_changed: tuple[ReadingChange, ...] = ()
    grades: tuple[Change, ...] = ()  # per target (field: grades.<target>): its bands before → after, in words
    vetoes: tuple[RowChange, ...] = ()  # 一票否优 / 一票否决 added, removed or changed
    names: Mapping[str, str] = attrs.field(factory=dict)  # row id → name, for the rows added and removed

    def to_dict(self) -> dict[str, Any]:
        def reading(r: tuple[str, str, str]) -> dict[str, str]:
            return {"id": r[0], "quote": r[1], "choice": r[2]}

        return {
            "base": self.base,
            "other": self.other,
            "added": list(self.added),
            "removed": list(self.removed),
            "names": dict(self.names),
            "reweighted": [c.to_dict() for c in self.reweighted],
            "changed": [c.to_dict() for c in self.changed],
            "ledgers": [c.to_dict() for c in self.ledgers],
            "zeroing": [c.to_dict() for c in self.zeroing],
            "readings": {
                "added": [reading(r) for r in self.readings_added],
                "removed": [reading(r) for r in self.readings_removed],
                "changed": [c.to_dict() for c in self.readings_changed],
            },
            "grades": [c.to_dict() for c in self.grades],
            "vetoes": [c.to_dict() for c in self.vetoes],
        }


class _Words:
    """Values in words, with both packs' target names and facts (a rule reads the facts of its own pack)."""

    def __init__(self, base: Any, other: Any):
        self.targets = {t.id: t.name for t in base.spec.targets}
        self.targets.update({t.id: t.name for t in other.spec.targets})
        self.facts = ({f.name: f for f in base.spec.facts}, {f.name: f for f in other.spec.facts})
        self._all_facts = {**self.facts[0], **self.facts[1]}

    def points(self, points: Mapping[str, Decimal] | None) -> str | None:
        if not points:
            return None
        return "、".join(f"{self.targets.get(t, t)}{fmt(v)}分" for t, v in points.items())

    def value(self, field: str, value: Any) -> str | None:
        if value is None or value == () or value == "":
            return None
        if field in ("points", "ceiling"):
            return self.points(value)
        if field == "direction":
            return _DIRECTION.get(value, value)
        if field == "units_scoring":
            return _UNITS_SCORING.get(value, value)
        if field == "targets":
            return "、".join(self.targets.get(t, t) for t in value)
        if field == "caps":
            return "；".join(cap_words(c, {}) + (f"（「{c.quote}」）" if c.quote else "") for c in value)
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, Decimal):
            return f"{fmt(value)}分" if field == "cap" else fmt(value)
        if isinstance(value, str):
            return value if field in ("reading", "units_scoring") else f"「{value}」"
        if isinstance(value, (tuple, list)):
            if all(isinstance(v, str) for v in value):  # evidence, evaluation modes, readings, alternatives: names, not quotes
                return ("；" if field == "alternatives" else "、").join(value)
            return "、".join(self.value(field, v) or "" for v in value)
        if field == "when":
            return condition_words(value, self._all_facts)
        if hasattr(value, "model_dump"):
            return str(value.model_dump(mode="json", exclude_defaults=True))
        return str(value)

    def rule(self, rule: Any, side: int, verb: str, checklist: bool) -> str:
        return rule_words(rule, self.facts[side], verb, None, checklist)


def _fields(model: Any) -> Iterable[str]:
    return [f for f in type(model).model_fields if f not in _NOT_COMPARED]


def _rules(words: _Words, before: Iterable[Any], after: Iterable[Any], verb: str, checklist: tuple[bool, bool]) -> list[Change]:
    """The rules added, removed and changed, each with its words before and after (amounts and thresholds included)."""
    old = {r.id: r for r in before}
    new = {r.id: r for r in after}
    out: list[Change] = []
    for rid, rule in old.items():
        if rid not in new:
            out.append(Change(f"rules.{rid}", f"删除规则 {rid}", words.rule(rule, 0, verb, checklist[0]), None))
    for rid, rule in new.items():
        was = old.get(rid)
        if was is None:
            out.append(Change(f"rules.{rid}", f"新增规则 {rid}", None, words.rule(rule, 1, verb, checklist[1])))
            continue
        a, b = words.rule(was, 0, verb, checklist[0]), words.rule(rule, 1, verb, checklist[1])
        if a != b:
            out.append(Change(f"rules.{rid}", f"规则 {rid}", a, b))
        for key in _fields(rule):
            if key in _RULE_FIELD_WORDS and getattr(was, key, None) != getattr(rule, key, None):
                label = f"规则 {rid} 的{_RULE_FIELD_WORDS[key]}"
                out.append(Change(f"rules.{rid}.{key}", label, words.value(key, getattr(was, key, None)), words.value(key, getattr(rule, key, None))))
        if a == b and was != rule and not any(c.field.startswith(f"rules.{rid}") for c in out):
            out.append(Change(f"rules.{rid}", f"规则 {rid}", a, b + "（说法相同，数据不同）"))
    return out


def _compare(words: _Words, before: Any, after: Any, verb: str, skip: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[Change, ...]]:
    """The fields of two rows (or ledgers, zeroing entries) that differ, and each difference in words."""
    fields: list[str] = []
    details: list[Change] = []
    # A row without points is a checklist row (a rule without an amount marks it 不符合); a ledger is never one.
    checklist = tuple("points" in type(row).model_fields and not row.points for row in (before, after))
    for key in _fields(after):
        if key in skip:
            continue
        a, b = getattr(before, key, None), getattr(after, key, None)
        if a == b:
            continue
        fields.append(key)
        if key == "rules":
            details += _rules(words, a or (), b or (), verb, checklist)
        else:
            details.append(Change(key, FIELD_WORDS.get(key, key), words.value(key, a), words.value(key, b)))
    return tuple(fields), tuple(details)


def diff(base: Any, other: Any) -> PackDiff:
    """Rows, ledgers, zeroing entries and readings of ``other`` added, removed or changed relative to ``base``.

    Rows are matched by ``from:`` where ``other`` derives from ``base``, else by id.
    """
    words = _Words(base, other)
    base_rows = {ind.id: ind for ind, _, _ in walk_indicators(base.spec.indicators)}
    names = {}
    matched: set[str] = set()
    added, reweighted, changed = [], [], []
    for ind, _, _ in walk_indicators(other.spec.indicators):
        origin = ind.from_ or (ind.id if ind.id in base_rows else None)
        if origin is None or origin not in base_rows:
            added.append(ind.id)
            names[ind.id] = ind.name
            continue
        matched.add(origin)
        before = base_rows[origin]
        points_before = {k: fmt(v) for k, v in (before.points or {}).items()}
        points_after = {k: fmt(v) for k, v in (ind.points or {}).items()}
        if points_before != points_after:
            detail = Change("points", FIELD_WORDS["points"], words.points(before.points), words.points(ind.points))
            reweighted.append(RowChange(ind.id, origin, ("points",), points_before or None, points_after or None, ind.name, (detail,)))
        fields, details = _compare(words, before, ind, "扣", skip=("points",))
        if fields:
            changed.append(RowChange(ind.id, origin, fields, name=ind.name, details=details))
    removed = tuple(i for i in base_rows if i not in matched)
    names.update({i: base_rows[i].name for i in removed})
    return PackDiff(
        base.id,
        other.id,
        tuple(added),
        removed,
        tuple(reweighted),
        tuple(changed),
        _entries(words, base.spec.adjustments, other.spec.adjustments, lambda a: "加" if a.direction == "bonus" else "扣"),
        _entries(words, base.spec.zeroing, other.spec.zeroing, lambda z: "扣"),
        *_readings(base.spec.readings, other.spec.readings, words),
        grades=_grades(base, other, words),
        vetoes=_entries(words, base.spec.vetoes, other.spec.vetoes, lambda v: "扣"),
        names=names,
    )


def _bands(pack: Any, target: str) -> str | None:
    """A target's grade bands in the words `govrules show` uses (优秀：总分90分及以上；…；不合格：其余), None where it has none."""
    for grading in pack.spec.grades:
        if grading.targets is None or target in grading.targets:
            return "；".join(f"{band.grade}：{band_condition(band)}" for band in grading.bands)
    return None


def _grades(base: Any, other: Any, words: _Words) -> tuple[Change, ...]:
    targets = dict.fromkeys([t.id for t in base.spec.targets] + [t.id for t in other.spec.targets])
    out = []
    for t in targets:
        a, b = _bands(base, t), _bands(other, t)
        if a != b:
            out.append(Change(f"grades.{t}", f"{words.targets.get(t, t)}的等次", a, b))
    return tuple(out)


def _entries(words: _Words, before: Iterable[Any], after: Iterable[Any], verb: Any) -> tuple[RowChange, ...]:
    """Ledgers or zeroing entries: added, removed, or the fields that changed, in words."""
    old = {e.id: e for e in before}
    out = []
    seen: set[str] = set()
    for entry in after:
        origin = getattr(entry, "from_", None) or entry.id
        was = old.get(origin)
        if was is None:
            out.append(RowChange(entry.id, None, ("added",), name=entry.name))
            continue
        seen.add(origin)
        fields, details = _compare(words, was, entry, verb(entry))
        if fields:
            out.append(RowChange(entry.id, origin, fields, name=entry.name, details=details))
    out.extend(RowChange(i, i, ("removed",), name=e.name) for i, e in old.items() if i not in seen)
    return tuple(out)


def _readings(before: Iterable[Any], after: Iterable[Any], words: _Words) -> tuple[tuple, tuple, tuple[ReadingChange, ...]]:
    old = {r.id: r for r in before}
    new = {r.id: r for r in after}
    added = tuple((r.id, r.quote, r.choice) for i, r in new.items() if i not in old)
    removed = tuple((r.id, r.quote, r.choice) for i, r in old.items() if i not in new)
    changed = []
    for rid, r in new.items():
        was = old.get(rid)
        if was is None or was == r:
            continue
        fields = tuple(k for k in _fields(r) if getattr(was, k) != getattr(r, k))
        details = tuple(Change(k, FIELD_WORDS.get(k, k), words.value(k, getattr(was, k)), words.value(k, getattr(r, k))) for k in fields)
        changed.append(ReadingChange(rid, fields, details))
    return added, removed, tuple(changed)


# ------------------------------------------------------------------- terminal


def lines(d: PackDiff) -> list[str]:
    """The terminal layout: each list under its own heading, one entry per line, before → after in words."""
    out = [f"{d.other} 相对于 {d.base}："]

    def section(title: str, entries: list[list[str]]) -> None:
        out.append(f"  {title}（{len(entries)}）：" + ("无" if not entries else ""))
        for entry in entries:
            out.extend("    " + line for line in entry)

    def change(c: Change) -> list[str]:
        if c.field.count(".") == 1 and c.field.startswith("rules.") and (c.before is None or c.after is None):  # the label says 新增 or 删除
            return [f"  {c.label}：{c.before or c.after}"]
        a, b = c.before or "无", c.after or "无"
        if len(a) + len(b) <= 60:
            return [f"  {c.label}：{a} → {b}"]
        return [f"  {c.label}：", f"    原：{a}", f"    现：{b}"]

    def row(c: RowChange) -> list[str]:
        return [f"{c.id} {c.name}{_origin(c)}"] + [line for detail in c.details for line in change(detail)]

    section("新增指标", [[f"{i} {d.names.get(i, '')}".rstrip()] for i in d.added])
    section("删除指标", [[f"{i} {d.names.get(i, '')}".rstrip()] for i in d.removed])
    section("分值变化", [[f"{c.id} {c.name}{_origin(c)}：{c.details[0].before or '无分值'} → {c.details[0].after or '无分值'}"] for c in d.reweighted])
    section("内容变化", [row(c) for c in d.changed])

    def entry(c: RowChange) -> list[str]:
        if c.changes == ("added",):
            return [f"{c.id} {c.name}：新增"]
        if c.changes == ("removed",):
            return [f"{c.id} {c.name}：删除"]
        return row(c)

    section("加减分变化", [entry(c) for c in d.ledgers])
    if d.zeroing:
        section("归零项变化", [entry(c) for c in d.zeroing])
    if d.grades:
        section("等次变化", [[line.strip() for line in change(c)] for c in d.grades])
    if d.vetoes:
        section("一票否优/否决变化", [entry(c) for c in d.vetoes])
    section("解读新增", [[f"{i}：「{q}」", f"  {c}"] for i, q, c in d.readings_added])
    section("解读删除", [[f"{i}：「{q}」"] for i, q, _ in d.readings_removed])
    section("解读变化", [[r.id] + [line for detail in r.details for line in change(detail)] for r in d.readings_changed])
    return out


def _origin(c: RowChange) -> str:
    return f"（来自 {c.parent_id}）" if c.parent_id and c.parent_id != c.id else ""
