"""Human-readable score sheets (terminal tables and Markdown).

The layout follows the documents: one row per item under its sections, with
its points, the unit's 自评, the score after 复核, the status, and every
deduction with the document's words.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .numbers import fmt
from .result import STATUS_LABELS, Effect, ItemResult, Result


def effect_text(effect: Effect, sign: str = "-") -> str:
    amount = "不计分" if effect.amount is None else f"{sign}{fmt(effect.amount)}"
    detail = effect.label
    if effect.level:
        detail = f"{effect.level}：{detail}"
    if effect.quantity not in (None, 1) and effect.unit_amount is not None:
        detail += f"（{fmt(effect.quantity) if not isinstance(effect.quantity, int) else effect.quantity} × {fmt(effect.unit_amount)}）"
    if effect.reason:
        detail += f"；理由：{effect.reason}"
    return f"{amount} {detail}"


def item_notes(item: ItemResult) -> list[str]:
    notes = [effect_text(e) for e in item.effects]
    for cap in item.caps:
        notes.append(f"+{fmt(cap.cut)} 封顶：{cap.quote}（{fmt(cap.raw)} → {fmt(cap.max)}）")
    if item.floor_cut:
        notes.append(f"+{fmt(item.floor_cut)} 扣完为止：本项最低0分")
    if item.zeroed_by:
        notes.append("本项不计分")
    if item.not_applicable:
        notes.append(f"不适用：{item.not_applicable}")
    if item.unchecked_facts:
        notes.append("缺少事实：" + "、".join(item.unchecked_facts))
    if item.missing_evidence:
        notes.append("缺少佐证：" + "、".join(item.missing_evidence))
    if item.override:
        o = item.override
        notes.append(f"复核调整 {fmt(o.old)} → {fmt(o.new)}（{o.reviewer}，{o.at}）：{o.reason}")
    return notes


def summary_lines(result: Result) -> list[str]:
    lines = []
    if result.scored:
        if result.zeroed:
            lines.append("总分：0（直接归零：" + "；".join(z.name for z in result.zeroed) + "）")
        elif result.total is None:
            lines.append(
                f"总分：未完成——{len(result.not_checked)} 项未检查（已检查项合计 {fmt(result.base_sum)}）"
            )
        else:
            cap = f" / {fmt(result.max_total)}" if result.max_total is not None else ""
            lines.append(f"总分：{fmt(result.total)}{cap}")
        base = f"基础分：{fmt(result.base)} / {fmt(result.base_max)}"
        if result.rescaled:
            base += f"（不适用项按比例折算，合计 {fmt(result.base_sum)}）"
        lines.append(base)
        for ledger in result.ledgers:
            sign = "+" if ledger.direction == "bonus" else "-"
            cap = f"（上限 {fmt(ledger.cap)}）" if ledger.cap is not None else ""
            lines.append(f"{ledger.name}：{sign}{fmt(ledger.applied)}{cap}")
    else:
        counts = result.status_counts
        lines.append("本文件未规定分值，仅逐项检查：" + "，".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items() if n))
    if result.self_total is not None:
        lines.append(f"自评合计：{fmt(result.self_total)}")
    if result.missing_evidence:
        lines.append(f"缺少佐证材料：{len(result.missing_evidence)} 项")
    return lines


def table(result: Result) -> Group:
    title = f"{result.stamp.pack_title}（{result.target_name}）" + (f" — {result.unit}" if result.unit else "")
    t = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=False, expand=False)
    t.add_column("编号", no_wrap=True)
    t.add_column("指标")
    t.add_column("分值", justify="right")
    t.add_column("自评", justify="right")
    t.add_column("得分", justify="right")
    t.add_column("状态", no_wrap=True)
    t.add_column("扣分与说明")
    for item in result.items:
        t.add_row(
            item.id,
            " › ".join(item.names[-2:]) if len(item.names) > 1 else item.names[0],
            fmt(item.max) or "—",
            fmt(item.self_score) or "",
            fmt(item.score) if item.score is not None else "—",
            STATUS_LABELS[item.status],
            "\n".join(item_notes(item)),
        )
    for ledger in result.ledgers:
        for effect in ledger.effects:
            sign = "+" if ledger.direction == "bonus" else "-"
            t.add_row(ledger.id, ledger.name, fmt(ledger.cap) or "", "", "", "", effect_text(effect, sign))
    return Group(t, Text("\n".join(summary_lines(result))))


def render_table(result: Result, console: Console) -> None:
    console.print(table(result))


def markdown(result: Result) -> str:
    lines = [f"# {result.stamp.pack_title}（{result.target_name}）" + (f" — {result.unit}" if result.unit else ""), ""]
    lines.append("| 编号 | 指标 | 分值 | 自评 | 得分 | 状态 | 扣分与说明 |")
    lines.append("|---|---|---:|---:|---:|---|---|")
    for item in result.items:
        notes = "<br>".join(n.replace("|", "\\|") for n in item_notes(item))
        lines.append(
            f"| {item.id} | {' › '.join(item.names)} | {fmt(item.max) or '—'} | {fmt(item.self_score) or ''} | "
            f"{fmt(item.score) if item.score is not None else '—'} | {STATUS_LABELS[item.status]} | {notes} |"
        )
    lines.append("")
    lines.extend(f"- {line}" for line in summary_lines(result))
    lines.append("")
    lines.append(f"<sub>{result.stamp.pack_id} {result.stamp.pack_version} {result.stamp.content_hash[:19]} · govrules {result.stamp.engine_version}</sub>")
    return "\n".join(lines) + "\n"
