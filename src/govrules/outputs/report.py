"""Human-readable score sheets: the rows in the document's layout, and 可挽回分值.

The layout follows the documents' tables: sections (一级指标) and items (二级 /
三级指标) in document order, each name in its level's column, with the item's
points, the unit's 自评, the score after 复核, its status, and every deduction
with the document's words. :func:`sheet_rows` builds those rows once; the
terminal table, Markdown, HTML (:mod:`govrules.outputs.html`) and Excel
(:mod:`govrules.outputs.xlsx`) renderers all read them.

:func:`recoverable` (computed by :mod:`govrules.engine.recoverable`, and
``Result.recoverable()``) lists what each fix would restore (可挽回分值); the
sheets here print it.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

import attrs
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .. import messages
from ..numbers import add, fmt
from ..engine.result import FAIL, NOT_APPLICABLE, NOT_CHECKED, STATUS_LABELS, Effect, ItemResult, Result, SectionResult
from ..kinds.base import AWARD, DEDUCT, SET, ZERO_ROW
from ..untrusted import for_markdown, markdown_line, terminal_text
from ..engine.recoverable import Fix
from .naming import IDS, Naming

#: Column names of the indicator levels, as the documents write them.
LEVEL_NAMES = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标", "六级指标")


def level_name(depth: int) -> str:
    return LEVEL_NAMES[depth] if depth < len(LEVEL_NAMES) else f"{depth + 1}级指标"


# --------------------------------------------------------------------- notes


def quantity_text(effect: Effect) -> str:
    if effect.quantity in (None, 1) or effect.unit_amount is None:
        return ""
    q = effect.quantity if isinstance(effect.quantity, int) else fmt(effect.quantity)
    return f"（{q} × {fmt(effect.unit_amount)}）"


def effect_detail(effect: Effect, quote: bool = True, naming: Naming = IDS) -> str:
    """What a deduction is for: its label, level, how counted, the elements missing, the reason, the document's words."""
    detail = effect.label
    if effect.level:
        detail = f"{effect.level}：{detail}"
    detail += quantity_text(effect)
    detail += effect.detail  # what the rule's kind adds (the elements missing, say)
    if effect.reason:
        detail += f"；理由：{effect.reason}"
    if quote and effect.quote and effect.quote != effect.label:
        detail += f"（原文：「{effect.quote}」）"
    if effect.set_reading:
        # The words are the parent document's; the amount is the tailoring's: say whose.
        detail += f"（按本文件{naming.readings_text(effect.set_reading)}调整，原文未写此值）"
    return detail


def effect_text(effect: Effect, sign: str = "-", quote: bool = True, naming: Naming = IDS) -> str:
    """One deduction (or bonus) in words: amount, what, how counted, the reason, the document's words."""
    return f"{effect_amount(effect, sign)} {effect_detail(effect, quote, naming)}"


def signed(sign: str, value: Decimal | None) -> str:
    """``value`` with its sign (-0.3, +2), where a deduction of nothing is 0, never a negative zero (扣分：-0)."""
    text = fmt(value) or ""
    return text if sign == "-" and value == 0 else f"{sign}{text}"


def effect_amount(effect: Effect, sign: str = "-", verb: str | None = None) -> str:
    """What an effect does to its row: −0.3, +0.05, 得8分, 不计分, 未得2分; with ``verb`` (扣), in words
    that start with a word, as Excel sheets write them: 扣0.3分, 加0.05分, 本项不计分."""
    amount = effect.amount
    if effect.earned and amount is not None and effect.mode in (DEDUCT, ZERO_ROW):
        return f"未得{fmt(amount)}分"  # the document says 「……，得2分」: the unit did not earn them
    if effect.mode == ZERO_ROW:
        return "本项不计分" if verb else "不计分"
    if amount is None:
        return "未定分值"
    if effect.mode == AWARD:
        return f"加{fmt(amount)}分" if verb else f"+{fmt(amount)}"
    if effect.mode == SET:
        return f"得{fmt(amount)}分"
    return f"{verb}{fmt(amount)}分" if verb else signed(sign, amount)


#: Each effect's :func:`effect_text`, by the effect (a bounded memo, emptied when full): a rule's effects are shared
#: by every result with the same facts (engine/rowcache.py), so a batch writes each line once, not once per unit.
#: The effect is kept in its entry, so no other object can have its id while the entry lives.
_NOTES: dict[int, tuple[Effect, str]] = {}
_NOTES_MAX = 4096


def _effect_note(effect: Effect, naming: Naming) -> str:
    if effect.set_reading:  # names readings the way this result's sheet numbers them
        return effect_text(effect, naming=naming)
    got = _NOTES.get(id(effect))
    if got is not None and got[0] is effect:
        return got[1]
    text = effect_text(effect)
    if len(_NOTES) >= _NOTES_MAX:
        _NOTES.clear()
    _NOTES[id(effect)] = (effect, text)  # racing threads store equal entries
    return text


def item_notes(item: ItemResult, naming: Naming = IDS) -> list[str]:
    """Everything that shaped an item's score, one line each."""
    notes = [_effect_note(e, naming) for e in item.effects]
    for cap in item.caps:
        # A cap on a bonus takes points back; a cap on deductions gives them back.
        sign = "-" if caps_award(item, cap) else "+"
        notes.append(f"{sign}{fmt(cap.cut)} 封顶：{cap.quote}（{fmt(cap.raw)} → {fmt(cap.max)}）")
    if item.floor_cut:
        notes.append(f"+{fmt(item.floor_cut)} 扣完为止：本项最低0分")
    if item.ceiling_cut:
        notes.append(f"-{fmt(item.ceiling_cut)} 本项最高{fmt(item.ceiling)}分：{item.ceiling_quote or ''}")
    if item.zeroed_by and not any(e.mode == ZERO_ROW for e in item.effects):
        notes.append("本项不计分")
    return notes + status_notes(item, naming)


def caps_award(item: ItemResult, cap: Any) -> bool:
    """Whether a cap that cut groups rules adding a bonus (a cap groups rules of one direction)."""
    return any(e.mode == AWARD for e in item.effects if e.rule in cap.rules)


def section_notes(section: SectionResult) -> list[str]:
    """What its caps gave back and its floor, one line each (nothing for most sections)."""
    notes = [f"+{fmt(c.cut)} 封顶：{c.quote}（{fmt(c.raw)} → {fmt(c.max)}）" for c in section.caps if c.cut]
    if section.floor_cut:
        notes.append(f"+{fmt(section.floor_cut)} 扣完为止：{section.floor_quote}")
    return notes


def status_notes(item: ItemResult, naming: Naming = IDS) -> list[str]:
    """N/A, missing facts and evidence, and the 复核 override of an item, one line each."""
    notes = []
    explained = {e.rule for e in item.effects}
    for figures in item.cohort:  # a cohort row's figures, unless an effect of its rule already names them or they decided nothing
        if figures.rule not in explained and (figures.relative or figures.reason is not None):
            notes.append(f"{'未检查' if figures.reason is not None else '同批比较'}：{figures.text}")
    if item.not_applicable:
        notes.append(f"不适用：{item.not_applicable}")
    if item.unchecked_facts:
        notes.append("未检查，缺少事实：" + naming.facts_text(item.unchecked_facts))
    elif item.units and item.status == NOT_CHECKED:
        notes.append(f"未检查：本项只考核{'、'.join(item.units)}（「{item.units_quote}」），本评估未写单位名称")
    if item.missing_evidence:
        notes.append("缺少佐证：" + "、".join(item.missing_evidence))
    if item.combined is not None:
        c = item.combined
        why = f"「{c.quote}」" if c.quote else naming.readings_text(c.reading)
        notes.append(f"{c.describe()}（{why}）")
    if item.override:
        o = item.override
        notes.append(f"复核调整 {fmt(o.old) if o.old is not None else '—'} → {fmt(o.new)}（{o.reviewer}，{o.at}）：{o.reason}")
    return notes


def total_floor_text(result: Result) -> str:
    """What the floor at 0 gave back to the total, with the pack's words (or reading) for it."""
    why = f"（「{result.total_floor_quote}」）" if result.total_floor_quote else (f"（{Naming.of(result).readings_text(result.total_floor_reading)}）" if result.total_floor_reading else "")
    return f"扣完为止：总分最低0分，减分超出的{fmt(result.total_floor_cut)}分不计{why}"


def grade_lines(result: Result) -> list[str]:
    """The grade (等次), the band the total fell in and each veto, one line each (none where the pack declares neither)."""
    g = result.grading
    if g is None:
        return []
    lines = []
    if g.scale:
        lines.append(f"等次：{g.grade}" if g.grade is not None else f"等次：{messages.text('grade.pending')}——{g.reason}")
    elif g.vetoes or g.unchecked_vetoes:
        lines.append("等次：本文件未规定等次")
    if g.band is not None:
        band = g.band
        why = f"「{band.quote}」" if band.quote else Naming.of(result).readings_text(band.reading or ())
        lines.append(f"总分所在等次：{g.by_total}（{why}）")
    for v in g.vetoes:
        caps = f"，至多{v.caps_at}" if v.caps_at is not None else ""
        lines.append(f"{'一票否决' if v.fails else '一票否优'}：{v.name}（「{v.quote}」）{caps}")
    for v in g.unchecked_vetoes:
        lines.append(f"未检查（缺少事实）：{v.name}（「{v.quote}」）")
    return lines


def self_counts(result: Result) -> tuple[int, int]:
    """(items with a 自评, items) of a result."""
    return sum(1 for i in result.items if i.self_score is not None), len(result.items)


def self_total_label(result: Result) -> str:
    """「自评合计」, or 「自评合计（5项中2项）」 where the unit scored itself on some items only:
    a sum over 2 of 5 rows beside a total over all 5 must not read as a whole self-assessment."""
    given, items = self_counts(result)
    return "自评合计" if given == items else f"自评合计（{items}项中{given}项）"


def self_total_text(result: Result) -> str:
    """The 自评合计 as a cell shows it: 38, or 38（5项中2项） where it is partial; empty where there is none."""
    if result.self_total is None:
        return ""
    given, items = self_counts(result)
    return fmt(result.self_total) + ("" if given == items else f"（{items}项中{given}项）")


def summary_lines(result: Result) -> list[str]:
    lines = []
    if result.scored:
        if result.zeroed:
            lines.append("总分：0（直接归零：" + "；".join(z.name for z in result.zeroed) + "）")
        elif result.total is None:
            lines.append(f"总分：未完成——{len(result.not_checked)} 项未检查（已检查项合计 {fmt(result.base_sum)}）")
        else:
            cap = f" / {fmt(result.max_total)}" if result.max_total is not None else ""
            lines.append(f"总分：{fmt(result.total)}{cap}")
        if result.total is not None:
            base = f"基础分：{fmt(result.base)} / {fmt(result.base_max)}"
            if result.rescaled:
                base += f"（不适用项按比例折算，合计 {fmt(result.base_sum)}）"
            lines.append(base)
        for ledger in result.ledgers:
            sign = "+" if ledger.direction == "bonus" else "-"
            cap = f"（上限 {fmt(ledger.cap)}）" if ledger.cap is not None else ""
            lines.append(f"{ledger.name}：{signed(sign, ledger.applied)}{cap}")
        if result.total_floor_cut:
            lines.append(total_floor_text(result))
    else:
        counts = result.status_counts
        lines.append("本文件未规定分值，仅逐项检查：" + "，".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items() if n))
        if result.zeroed:
            lines.append("直接归零：" + "；".join(f"{z.name}（「{z.quote}」）" for z in result.zeroed))
        for ledger in result.ledgers:
            if ledger.effects:
                occurrences = "，".join(f"{e.label} ×{e.quantity}" for e in ledger.effects)
                lines.append(f"{ledger.name}（文件未规定分值，仅记录）：{occurrences}")
    lines.extend(grade_lines(result))
    if result.model is not None:
        m = result.model
        score = fmt(m.score) if m.score is not None else "—"
        lines.append(f"评分模型 {m.name}：{score} / {fmt(m.max)}（符合 {m.passed}，不符合 {m.failed}，不计入 {m.not_counted}）— {m.description}")
        if m.notes:
            counted = fmt(m.checklist_score) if m.checklist_score is not None else "—"
            lines.append(f"评分模型得分：按符合项计 {counted}；" + "；".join(m.notes))
    if result.self_total is not None:
        lines.append(f"{self_total_label(result)}：{fmt(result.self_total)}")
    if result.not_checked:
        lines.append("未检查的指标：" + "、".join(result.not_checked))
    if result.missing_evidence:
        lines.append(f"缺少佐证材料：{len(result.missing_evidence)} 项")
    if result.sources:
        parts = "、".join(f"{s.name}（{s.assessor}）" if s.assessor else s.name for s in result.sources)
        lines.append(f"合并自 {len(result.sources)} 份评分材料：{parts}")
    return lines


# ---------------------------------------------------------------- the layout


@attrs.define
class SheetRow:
    """One row of a score sheet, in document order: a section (一级指标) or an item.

    Made for each sheet and only read (never changed) by the renderers. Not ``attrs.frozen``: a frozen class sets
    each field through ``object.__setattr__``, four times as long, and a batch makes a sheet per unit.
    """

    kind: str  # "section" or "item"
    id: str
    depth: int  # 0 for 一级指标
    names: tuple[str, ...]
    max: Decimal | None
    self_score: Decimal | None
    score: Decimal | None
    status: str
    notes: tuple[str, ...]
    item: ItemResult | None = None
    section: SectionResult | None = None  # only where its caps or floor gave points back

    @property
    def assessors(self) -> str:
        """负责考核部门, for an item whose pack names them."""
        return "、".join(self.item.assessors) if self.item is not None else ""

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def differs(self) -> bool:
        return self.self_score is not None and self.self_score != self.score


def sheet_rows(result: Result) -> list[SheetRow]:
    """Sections and items in document order, parents first."""
    items = {i.id: i for i in result.items}
    sections = {s.id: s for s in result.sections}
    naming = Naming.of(result)
    rows: list[SheetRow] = []
    for node_id, leaves in _sheet_order(tuple(items), tuple((s.id, s.children) for s in result.sections)):
        if leaves is not None:
            s = sections[node_id]
            self_scores = [items[c].self_score for c in leaves]
            # A section's 自评 is the sum of its items' only when every item has one.
            self_sum = add(*self_scores) if self_scores and all(x is not None for x in self_scores) else None  # type: ignore[arg-type]
            notes = tuple(section_notes(s)) if s.caps or s.floor_cut else ()
            rows.append(SheetRow("section", s.id, len(s.names) - 1, s.names, s.max, self_sum, s.score, s.status, notes, None, s if notes else None))
        else:
            i = items[node_id]
            rows.append(SheetRow("item", i.id, len(i.names) - 1, i.names, i.max, i.self_score, i.score, i.status, tuple(item_notes(i, naming)), i))
    return rows


@lru_cache(maxsize=64)
def _sheet_order(item_ids: tuple[str, ...], section_children: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    """The sheet's rows in document order, parents first: (id, a section's items below it, or None for an item).

    The same for every result of a target, so worked out once (a batch makes a sheet per unit)."""
    order = {i: n for n, i in enumerate(item_ids)}
    sections = dict(section_children)
    children = {c for _, kids in section_children for c in kids}

    def first_item(node_id: str) -> int:
        if node_id in order:
            return order[node_id]
        return min((first_item(c) for c in sections[node_id]), default=len(order))

    roots = sorted((n for n in list(sections) + list(item_ids) if n not in children), key=first_item)
    out: list[tuple[str, tuple[str, ...] | None]] = []

    def visit(node_id: str) -> None:
        if node_id in sections:
            out.append((node_id, tuple(_leaves(node_id, sections))))
            for c in sections[node_id]:
                visit(c)
        else:
            out.append((node_id, None))

    for r in roots:
        visit(r)
    return tuple(out)


def _leaves(section_id: str, sections: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for c in sections[section_id]:
        if c in sections:
            out.extend(_leaves(c, sections))
        else:
            out.append(c)
    return out


def has_assessors(result: Result) -> bool:
    """Whether the sheet shows a 负责考核部门 column: only where the pack names assessors."""
    return any(i.assessors for i in result.items)


def items_under(rows: list[SheetRow]) -> dict[int, int]:
    """For each section row (its index in ``rows``, document order, parents first): how many items it holds, the rows its merged cell spans."""
    spans: dict[int, int] = {}
    for n, row in enumerate(rows):
        if row.kind == "section":
            count = 0
            for later in rows[n + 1 :]:
                if later.depth <= row.depth:
                    break
                count += later.kind == "item"
            spans[n] = count
    return spans


def depth_of(rows: list[SheetRow]) -> int:
    """How many level columns the sheet needs."""
    return max((r.depth + 1 for r in rows), default=1)


def level_cells(row: SheetRow, depth: int) -> list[str]:
    """The row's name in its own level's column, the others blank (the document's merged cells)."""
    cells = [""] * depth
    cells[row.depth] = row.name
    return cells


# --------------------------------------------------------- points recoverable
# Computed by the engine (govrules.engine.recoverable), a pure function of the
# result, so that the public Result carries it; the sheets below print it.

def recoverable(result: Result) -> list[Fix]:
    """The result's 可挽回分值 (:meth:`.Result.recoverable`: worked out once per result, then kept on it)."""
    return result.recoverable()


# ----------------------------------------------------------- terminal and md


def _title(result: Result) -> str:
    return f"{result.stamp.pack_title}（{result.target_name}）" + (f" — {result.unit}" if result.unit else "")


def table(result: Result) -> Group:
    """The score sheet as a rich renderable.

    Every text is a :class:`rich.text.Text` without control characters, so a
    unit name or a reason is printed as typed: ``[/]`` or ``[link=…]`` is
    never read as rich markup, and no escape sequence reaches the terminal.
    """
    rows = sheet_rows(result)
    depth = depth_of(rows)
    t = Table(title=terminal_text(_title(result)), box=box.SIMPLE_HEAVY, show_lines=False, expand=False)
    t.add_column("编号", no_wrap=True)
    for d in range(depth):
        t.add_column(level_name(d), overflow="fold", max_width=16)
    if result.scored:
        t.add_column("分值", justify="right", no_wrap=True)
        t.add_column("自评", justify="right", no_wrap=True)
        t.add_column("复核", justify="right", no_wrap=True)
    t.add_column("状态", no_wrap=True)
    assessors = has_assessors(result)
    if assessors:
        t.add_column("负责考核部门", overflow="fold", max_width=12)
    t.add_column("扣分与说明", overflow="fold")
    for row in rows:
        style = "bold" if row.kind == "section" else None
        status_style = {FAIL: "red", NOT_CHECKED: "yellow", NOT_APPLICABLE: "dim"}.get(row.status, "green")
        cells: list[Any] = [terminal_text(c) for c in (row.id, *level_cells(row, depth))]
        if result.scored:
            score = fmt(row.score) if row.score is not None else "—"
            cells += [
                Text(fmt(row.max) or "—"),
                Text(fmt(row.self_score) or ""),
                Text(score, style="yellow" if row.differs and row.kind == "item" else ""),
            ]
        cells += [Text(row.status_label, style=status_style), terminal_text("\n".join(row.notes))]
        if assessors:
            cells.insert(-1, terminal_text(row.assessors))
        t.add_row(*cells, style=style)
    for ledger in result.ledgers:
        sign = "+" if ledger.direction == "bonus" else "-"
        for effect in ledger.effects:
            cells = [ledger.id, ledger.name, *[""] * (depth - 1)]
            if result.scored:
                cells += [fmt(ledger.cap) or "", "", ""]
            cells += ["", effect_text(effect, sign, naming=Naming.of(result))]
            if assessors:
                cells.insert(-1, "")
            t.add_row(*[terminal_text(c) for c in cells])
    parts: list[Any] = [t, terminal_text("\n".join(summary_lines(result)))]
    fixes = recoverable(result)
    if fixes:
        parts.append(recoverable_table(result, fixes))
    return Group(*parts)


def recoverable_table(result: Result, fixes: list[Fix]) -> Table:
    t = Table(title=Text("可挽回分值（按可挽回分数排序）"), box=box.SIMPLE, title_justify="left")
    t.add_column("可挽回", justify="right", no_wrap=True)
    t.add_column("编号", no_wrap=True)
    t.add_column("指标", overflow="fold", max_width=20)
    t.add_column("整改事项", overflow="fold")
    t.add_column("现扣分", justify="right", no_wrap=True)
    for f in fixes:
        t.add_row(*[terminal_text(c) for c in (fmt(f.restores_total), f.item, f.names[-1], f.text, fmt(f.lost) if f.lost is not None else "")])
    return t


def render_table(result: Result, console: Console) -> None:
    console.print(table(result))


def _md(text: str | None) -> str:
    """Text for a Markdown table cell, shown as typed (:func:`govrules.untrusted.for_markdown`)."""
    return for_markdown(text or "")


def markdown(result: Result) -> str:
    rows = sheet_rows(result)
    depth = depth_of(rows)
    lines = [f"# {_md(_title(result))}", ""]
    head = ["编号", *[level_name(d) for d in range(depth)]]
    align = ["---"] * (depth + 1)
    if result.scored:
        head += ["分值", "自评", "复核"]
        align += ["---:", "---:", "---:"]
    assessors = has_assessors(result)
    head += ["状态", *(["负责考核部门"] if assessors else []), "扣分与说明"]
    align += ["---"] * (3 if assessors else 2)
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(align) + "|")
    for row in rows:
        names = [_md(c) for c in level_cells(row, depth)]
        if row.kind == "section":
            names = [f"**{c}**" if c else "" for c in names]
        cells = [_md(row.id), *names]
        if result.scored:
            cells += [fmt(row.max) or "—", fmt(row.self_score) or "", fmt(row.score) if row.score is not None else "—"]
        cells += [row.status_label, *([_md(row.assessors)] if assessors else []), "<br>".join(_md(n) for n in row.notes)]
        lines.append("| " + " | ".join(cells) + " |")
    for ledger in result.ledgers:
        sign = "+" if ledger.direction == "bonus" else "-"
        for effect in ledger.effects:
            cells = [_md(ledger.id), _md(ledger.name), *[""] * (depth - 1)]
            if result.scored:
                cells += [fmt(ledger.cap) or "", "", ""]
            cells += ["", *([""] if assessors else []), _md(effect_text(effect, sign, naming=Naming.of(result)))]
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.extend(f"- {markdown_line(line)}" for line in summary_lines(result))
    fixes = recoverable(result)
    if fixes:
        lines += ["", "## 可挽回分值", "", "| 可挽回 | 编号 | 指标 | 整改事项 | 现扣分 |", "|---:|---|---|---|---:|"]
        for f in fixes:
            lines.append(f"| {fmt(f.restores_total)} | {_md(f.item)} | {_md(f.names[-1])} | {_md(f.text)} | {fmt(f.lost) or ''} |")
    reviews = [i for i in result.items if i.override]
    if reviews:
        lines += ["", "## 复核调整", "", "| 编号 | 复核人 | 时间 | 原分 | 调整后 | 理由 |", "|---|---|---|---:|---:|---|"]
        for i in reviews:
            o = i.override
            assert o is not None
            lines.append(f"| {_md(i.id)} | {_md(o.reviewer)} | {_md(o.at)} | {fmt(o.old) or '—'} | {fmt(o.new)} | {_md(o.reason)} |")
    if result.readings:
        lines += ["", "## 本结果依据的解读", ""]
        names = result.reading_names()
        lines.extend(f"- {names[rid]} 「{_md(quote)}」：{_md(choice)}" for rid, quote, choice in result.readings)
    lines.append("")
    stamp = result.stamp
    lines.append(f"<sub>{_md(stamp.pack_id)} {_md(stamp.pack_version)} {stamp.content_hash[:19]} · govrules {_md(stamp.engine_version)}</sub>")
    return "\n".join(lines) + "\n"


def result_json(result: Result, indent: int | None = 2) -> str:
    """The result's JSON with the 可挽回分值 list added at the end (``recoverable``)."""
    return result.to_json(indent=indent, recoverable=True)
