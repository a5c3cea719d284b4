"""The rubric itself, in the document's layout (``govrules show``).

:func:`describe` turns a pack (optionally one target of it) into plain data:
every row (一级 / 二级 / 三级指标) in document order with its points per
assessed-object type, the 考核内容 and 评分办法 text, each rule in words, caps,
the evidence required and the evaluation modes; then the ledgers outside the
base total, the zeroing conditions, the N/A and floor policies, and the
readings. A pack with no points (an unscored checklist) is shown as a
checklist. The renderers below (rich table, Markdown) read that data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table

from ..kinds.base import AWARD, Wording
from ..rubric.model import Cap, Condition, FactSpec, PackSpec
from ..numbers import fmt
from ..rubric.checks import leaf_targets, walk_indicators
from ..rubric.scope import COMBINE_LABELS, row_assessors
from ..pack import Pack
from .report import level_name
from ..untrusted import for_markdown, markdown_line, terminal_text

_OPS = {"==": "为", "!=": "不为", "<": "少于", "<=": "不超过", ">": "多于", ">=": "不少于"}
_DATE_OPS = {"<": "早于", "<=": "不晚于", ">": "晚于", ">=": "不早于"}
TYPE_LABELS = {
    "count": "次数",
    "number": "数值",
    "boolean": "是否",
    "date": "日期",
    "choice": "单选",
    "subset": "缺少的项",
    "discretionary": "酌情扣分",
    "dates": "日期列表",
    "spans": "起止日期列表",
}


def _value_words(value: object) -> str:
    if value is True:
        return "“是”"
    if value is False:
        return "“否”"
    if isinstance(value, Decimal):
        return fmt(value) or "0"
    if isinstance(value, str):
        return f"“{value}”"
    return str(value)


def condition_words(cond: Condition, facts: dict[str, FactSpec]) -> str:
    """A condition in plain Chinese: 「依申请公开是否按要求」为“否”."""
    if cond.fact is not None:
        spec = facts.get(cond.fact)
        label = spec.label if spec else cond.fact
        op = cond.operator
        if spec is not None and spec.type in ("date",) and op in _DATE_OPS:
            word = _DATE_OPS[op]
        elif spec is not None and spec.type == "subset" and op in _OPS and op not in ("==", "!="):
            word = "所缺项数" + _OPS[op]
        else:
            word = _OPS.get(op, op)
        if cond.than is not None:  # one fact against another: 「已编制数」少于「应编制数」
            other = facts.get(cond.than)
            return f"「{label}」{word}「{other.label if other else cond.than}」"
        return f"「{label}」{word}{_value_words(cond.operand)}"
    if cond.not_ is not None:
        return f"并非（{condition_words(cond.not_, facts)}）"
    if cond.all:
        return "（" + " 且 ".join(condition_words(c, facts) for c in cond.all) + "）"
    if cond.any:
        return "（" + " 或 ".join(condition_words(c, facts) for c in cond.any) + "）"
    return ""


def rule_words(rule: Any, facts: dict[str, FactSpec], verb: str = "扣", bound: Decimal | None = None, checklist: bool = False) -> str:
    """A rule in plain Chinese, from its data (not its quote), in its kind's words.

    On a row without points (an unscored checklist) a rule with no amount
    marks the row as not met (记为不符合) instead of deducting.
    """
    kind = rule.rule_kind
    # Points the document phrases as earned (「……，得2分」) are said as not earned where the rule applies.
    wording = Wording(facts, "不得" if rule.earned and verb == "扣" else verb, bound, checklist, lambda cond: condition_words(cond, facts))
    text = kind.words(rule, wording)
    if rule.when is not None and not kind.words_say_when:
        text += f"，且仅当{condition_words(rule.when, facts)}"
    return text


def cap_words(cap: Cap, names: dict[str, str], verb: str = "扣") -> str:
    if not cap.rules:  # a section's cap over all its rows
        return f"本部分各项合计最多扣{fmt(cap.max)}分，超出部分在本部分退回"
    rules = "、".join(names.get(r, r) for r in cap.rules)
    return f"{rules}合计最多{verb}{fmt(cap.max)}分"


def _cap_verb(cap: Cap, rules: tuple[Any, ...]) -> str:
    """加 for a cap on rules that add a bonus inside the row (a cap groups rules of one direction), else 扣."""
    return "加" if any(r.id in cap.rules and AWARD in r.rule_kind.modes for r in rules) else "扣"


def _rule_dict(rule: Any, facts: dict[str, FactSpec], verb: str, bound: Decimal | None, checklist: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rule.id,
        "kind": rule.kind,
        "words": rule_words(rule, facts, verb, bound, checklist),
        "label": rule.label,
        "quote": rule.quote,
        "reading": list(rule.reading),
    }
    out.update(rule.rule_kind.describe(rule))
    return out


def _short_rule_name(rule: Any, facts: dict[str, FactSpec]) -> str:
    if rule.label:
        return f"「{rule.label}」"
    fact = getattr(rule, "fact", None)
    if fact and fact in facts:
        return f"「{facts[fact].label}」"
    return f"「{rule.quote[:24]}」"


def _scope(ind: Any, ancestors: tuple[Any, ...], spec: PackSpec) -> dict[str, Any]:
    """A row's 负责考核部门 (its own, else its section's) and the units it is for, as keys only where the pack has them."""
    out: dict[str, Any] = {}
    assessors = row_assessors(ind, ancestors)
    if assessors:
        out["assessors"] = list(assessors)
    if ind.units:
        out.update({"units": list(ind.units), "units_quote": ind.units_quote, "units_scoring": ind.units_scoring or spec.not_applicable.scoring})
    if ind.raters is not None:
        out["raters"] = {"combine": ind.raters.combine, "quote": ind.raters.quote, "reading": list(ind.raters.reading)}
    return out


def describe(pack: Pack, target: str | None = None) -> dict[str, Any]:
    """The rubric as plain data, in document order; only ``target``'s rows when it is given."""
    spec: PackSpec = pack.spec
    all_targets = tuple(t.id for t in spec.targets)
    chosen = [t for t in spec.targets if target is None or t.id == target]
    chosen_ids = tuple(t.id for t in chosen)
    scored_ids = [t.id for t in chosen if t.total is not None]
    facts = {f.name: f for f in spec.facts}
    used: set[str] = set()
    if target is not None:
        used = {f.name for f in pack.view(target).facts}

    rows: list[dict[str, Any]] = []
    for ind, _path, ancestors in walk_indicators(spec.indicators):
        applies = leaf_targets(ind, ancestors, all_targets)
        here = [t for t in applies if t in chosen_ids]
        if not here:
            continue
        points = {t: fmt((ind.points or {}).get(t)) for t in here if (ind.points or {}).get(t) is not None}
        item_points = [v for t, v in (ind.points or {}).items() if t in here]
        bound = min(item_points) if item_points else None
        if ind.is_leaf:
            names = {r.id: _short_rule_name(r, facts) for r in ind.rules}
        else:  # a section's caps name rules of its rows as row#rule
            names = {f"{leaf.id}#{r.id}": f"{leaf.id}{leaf.name}：{_short_rule_name(r, facts)}" for leaf, _, _ in walk_indicators(ind.children) for r in leaf.rules}
        rows.append(
            {
                "id": ind.id,
                "kind": "item" if ind.is_leaf else "section",
                "depth": len(ancestors),
                "names": [a.name for a in ancestors] + [ind.name],
                "points": points,
                "targets": list(here),
                "source": ind.source,
                "method": ind.method,
                "rules": [_rule_dict(r, facts, "扣", bound, checklist=not points) for r in ind.rules],
                "caps": [
                    {"rules": list(c.rules), "max": fmt(c.max), "words": cap_words(c, names, _cap_verb(c, ind.rules)), "quote": c.quote, "reading": list(c.reading)}
                    for c in ind.caps
                ],
                # Only rows whose document lets a bonus inside them rise above their points.
                **({"ceiling": {t: fmt(v) for t, v in ind.ceiling.items() if t in here}, "ceiling_quote": ind.ceiling_quote} if ind.ceiling else {}),
                "evidence": list(ind.evidence),
                "evaluation": list(ind.evaluation),
                "note": ind.note,
                "floor_reading": list(ind.floor_reading),
                **_scope(ind, ancestors, spec),
                **({"floor_quote": ind.floor_quote} if ind.floor_quote is not None else {}),
            }
        )

    def applies_to(targets: tuple[str, ...] | None) -> bool:
        return targets is None or any(t in chosen_ids for t in targets)

    adjustments = []
    for adj in spec.adjustments:
        if not applies_to(adj.targets):
            continue
        verb = "加" if adj.direction == "bonus" else "减"
        adjustments.append(
            {
                "id": adj.id,
                "name": adj.name,
                "direction": adj.direction,
                "direction_label": "加分" if adj.direction == "bonus" else "减分",
                "cap": fmt(adj.cap),
                "cap_quote": adj.cap_quote,
                "targets": list(adj.targets) if adj.targets else list(chosen_ids),
                "source": adj.source,
                "rules": [_rule_dict(r, facts, verb, None) for r in adj.rules],
            }
        )
    zeroing = [
        {"id": z.id, "name": z.name, "words": condition_words(z.when, facts), "quote": z.quote, "source": z.source}
        for z in spec.zeroing
        if applies_to(z.targets)
    ]
    names = {t.id: t.name for t in spec.targets}
    grades = [
        {
            "targets": [names[t] for t in (g.targets or chosen_ids) if t in chosen_ids],
            "quote": g.quote,
            "bands": [_band_words(b, g.reading, reading_names(list(spec.readings))) for b in g.bands],
        }
        for g in spec.grades
        if applies_to(g.targets)
    ]
    vetoes = [
        {
            "id": v.id,
            "name": v.name,
            "words": condition_words(v.when, facts),
            "effect": f"不得评为{v.below}及以上" if v.below is not None else f"至多评为{v.at_most}",
            "quote": v.quote,
        }
        for v in spec.vetoes
        if applies_to(v.targets)
    ]
    meta = spec.pack
    return {
        **({"grades": grades} if grades else {}),
        **({"vetoes": vetoes} if vetoes else {}),
        "pack": {
            "id": meta.id,
            "version": meta.version,
            "title": meta.title,
            "issuer": meta.issuer,
            "document_number": meta.document_number,
            "date": meta.date.isoformat() if meta.date else None,
            "year": meta.year,
            "source": meta.source,
            "description": meta.description,
            "content_hash": pack.content_hash,
        },
        "targets": [{"id": t.id, "name": t.name, "total": fmt(t.total)} for t in chosen],
        "scored": bool(scored_ids),
        "scored_targets": scored_ids,
        "levels": [level_name(d) for d in range(max((r["depth"] + 1 for r in rows), default=1))],
        "rows": rows,
        "adjustments": adjustments,
        "zeroing": zeroing,
        "not_applicable": {
            "allowed": spec.not_applicable.allowed,
            "scoring": spec.not_applicable.scoring,
            "quote": spec.not_applicable.quote,
            "reading": list(spec.not_applicable.reading),
        },
        "floor": {
            "quote": spec.floor.quote,
            "reading": list(spec.floor.reading),
            **({"negative_total": list(spec.floor.negative_total)} if spec.floor.negative_total else {}),
        },
        "readings": [
            {"id": r.id, "quote": r.quote, "choice": r.choice, "alternatives": list(r.alternatives), "defect": r.defect}
            for r in spec.readings
        ],
        "facts": [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "type_label": TYPE_LABELS[f.type],
                "unit": f.unit,
                "elements": list(f.elements) if f.elements else None,
                "derived_from": f.derive.source if f.derive else None,
            }
            for f in spec.facts
            if target is None or f.name in used
        ],
    }


# ------------------------------------------------------------------ renderers


def _points_columns(desc: dict[str, Any]) -> list[tuple[str, str]]:
    """(target id, column title) for each scored target shown."""
    targets = {t["id"]: t for t in desc["targets"]}
    ids = desc["scored_targets"]
    if len(ids) == 1:
        return [(ids[0], "分值")]
    return [(t, f"分值（{targets[t]['name']}）") for t in ids]


def reading_names(readings: list[Any]) -> dict[str, str]:
    """The pack's readings as the rubric names them: 解读1, 解读2 … in the order its 解读 part lists them (ids are for JSON)."""
    return {(r["id"] if isinstance(r, dict) else r.id): f"解读{i}" for i, r in enumerate(readings, 1)}


def _named(ids: Any, names: dict[str, str]) -> str:
    return "、".join(names.get(r, r) for r in ids)


def _content(row: dict[str, Any], names: dict[str, str]) -> list[str]:
    lines = []
    if row["kind"] == "item" and row["source"]:
        lines.append(f"考核内容：{row['source']}")
    if row["method"]:
        lines.append(f"评分办法：{row['method']}")
    if row["note"]:
        lines.append(f"注：{row['note']}")
    return lines + _scope_lines(row, names)


def _scope_lines(row: dict[str, Any], names: dict[str, str]) -> list[str]:
    lines = []
    if row.get("units"):
        other = "视为满分" if row["units_scoring"] == "full_points" else "不计入，基础分按比例折算"
        lines.append(f"只考核：{'、'.join(row['units'])}（「{row['units_quote']}」）；其他单位本项不适用，{other}")
    if row.get("assessors"):
        lines.append("负责考核部门：" + "、".join(row["assessors"]))
    if row.get("raters"):
        r = row["raters"]
        why = f"「{r['quote']}」" if r["quote"] else _named(r["reading"], names)
        lines.append(f"多人评议：各评议人分别计分，取{COMBINE_LABELS[r['combine']]}（{why}）")
    return lines


def _rules(row: dict[str, Any], names: dict[str, str]) -> list[str]:
    lines = [f"{i}.{r['words']}" + (f"〔{_named(r['reading'], names)}〕" if r["reading"] else "") for i, r in enumerate(row["rules"], 1)]
    lines += [f"封顶：{c['words']}（「{c['quote']}」）" + (f"〔{_named(c['reading'], names)}〕" if c["reading"] else "") for c in row["caps"]]
    if row.get("ceiling"):
        lines.append(f"本项最高：{'、'.join(f'{v}分' for v in row['ceiling'].values())}（「{row['ceiling_quote']}」）")
    if row.get("floor_quote"):
        lines.append(f"扣完为止：本部分最低0分（「{row['floor_quote']}」）")
    return lines


def _check(row: dict[str, Any]) -> list[str]:
    out = []
    if row["evidence"]:
        out.append("佐证：" + "、".join(row["evidence"]))
    if row["evaluation"]:
        out.append("评估方式：" + "、".join(row["evaluation"]))
    return out


def _title(desc: dict[str, Any]) -> str:
    p = desc["pack"]
    names = "、".join(t["name"] for t in desc["targets"])
    return f"{p['title']}（{names}）"


def _heading(desc: dict[str, Any]) -> list[str]:
    p = desc["pack"]
    bits = [p["issuer"]]
    if p["document_number"]:
        bits.append(p["document_number"])
    if p["date"]:
        bits.append(p["date"])
    lines = ["，".join(bits), f"来源：{p['source']}", f"指标包：{p['id']} {p['version']}"]
    totals = [f"{t['name']} {t['total']}分" if t["total"] is not None else f"{t['name']}（不计分，逐项检查）" for t in desc["targets"]]
    lines.append("考核对象：" + "；".join(totals))
    return lines


def band_condition(band: Any) -> str:
    """The totals a grade band takes, in words: 总分90分及以上, 总分高于90分, 其余."""
    if band.min is not None:
        return f"总分{fmt(band.min)}分及以上"
    if band.above is not None:
        return f"总分高于{fmt(band.above)}分"
    return "其余"


def _band_words(band: Any, reading: tuple[str, ...], names: dict[str, str]) -> str:
    why = f"「{band.quote}」" if band.quote else "〔" + _named(band.reading or reading, names) + "〕"
    return f"{band.grade}：{band_condition(band)}（{why}）"


def _tail(desc: dict[str, Any]) -> list[tuple[str, list[str]]]:
    names = reading_names(desc["readings"])
    """The parts after the table, as (heading, lines)."""
    parts: list[tuple[str, list[str]]] = []
    for adj in desc["adjustments"]:
        cap = f"，上限{adj['cap']}分（「{adj['cap_quote']}」）" if adj["cap"] is not None else "，不设上限"
        lines = [f"{adj['direction_label']}，计入总分之外{cap}"]
        if adj["source"]:
            lines.append(f"原文：{adj['source']}")
        lines += [f"{i}. {r['words']}（「{r['quote']}」）" for i, r in enumerate(adj["rules"], 1)]
        parts.append((f"{adj['name']}（{adj['id']}）", lines))
    if desc["zeroing"]:
        parts.append(("直接归零项", [f"{z['name']}：{z['words']}时总分为0（「{z['quote']}」）" for z in desc["zeroing"]]))
    for g in desc.get("grades", ()):
        lines = ([f"「{g['quote']}」"] if g["quote"] else []) + g["bands"]
        parts.append((f"等次（{'、'.join(g['targets'])}）", lines))
    if desc.get("vetoes"):
        parts.append(("一票否优 / 一票否决", [f"{v['name']}：{v['words']}时{v['effect']}（「{v['quote']}」）" for v in desc["vetoes"]]))
    na = desc["not_applicable"]
    if na["allowed"]:
        how = "按比例折算：不适用项不计入，基础分按适用项满分折算" if na["scoring"] == "rescale" else "视为满分"
        lines = [f"允许，须附书面说明；{how}"]
        if na["quote"]:
            lines.append(f"原文：「{na['quote']}」")
    else:
        lines = ["本文件未规定不适用项"]
    parts.append(("不适用项", lines))
    floor = desc["floor"]
    if desc["scored"]:
        if floor["quote"]:
            lines = [f"每项最低0分（「{floor['quote']}」）"]
        else:
            lines = ["每项最低0分" + (f"〔{_named(floor['reading'], names)}〕" if floor["reading"] else "")]
        if floor.get("negative_total"):
            lines.append(f"总分可低于0分〔{_named(floor['negative_total'], names)}〕")
        else:
            lines.append("总分最低0分：减分减至0分为止")
        parts.append(("扣完为止", lines))
    if desc["readings"]:
        lines = []
        for r in desc["readings"]:
            flag = "〔原文缺陷〕" if r["defect"] else ""
            lines.append(f"{names[r['id']]}{flag}：「{r['quote']}」→ {r['choice']}")
            lines += [f"    另一种读法：{a}" for a in r["alternatives"]]
        parts.append(("解读（文件有歧义之处本包的取舍）", lines))
    return parts


def show_table(desc: dict[str, Any]) -> Group:
    rows = desc["rows"]
    levels = desc["levels"]
    points = _points_columns(desc)
    t = Table(title=terminal_text(_title(desc)), box=box.SIMPLE_HEAVY, show_lines=True)
    t.add_column("编号", no_wrap=True)
    for name in levels:
        t.add_column(name, overflow="fold", max_width=14)
    for _, title in points:
        t.add_column(title, justify="right", no_wrap=True)
    multi = len(desc["targets"]) > 1
    if not desc["scored"] and multi:
        t.add_column("适用对象", overflow="fold")
    t.add_column("考核内容与评分办法", overflow="fold", ratio=3)
    t.add_column("评分规则", overflow="fold", ratio=3)
    t.add_column("佐证与评估方式", overflow="fold", ratio=1)
    if not desc["scored"]:
        t.add_column("检查", no_wrap=True)
    names = {x["id"]: x["name"] for x in desc["targets"]}
    rnames = reading_names(desc["readings"])
    for row in rows:
        cells = [""] * len(levels)
        cells[row["depth"]] = row["names"][-1]
        out: list[Any] = [row["id"], *cells]
        out += [row["points"].get(tid, "") for tid, _ in points]
        if not desc["scored"] and multi:
            out.append("、".join(names[x] for x in row["targets"]))
        out += ["\n".join(_content(row, rnames)), "\n".join(_rules(row, rnames)), "\n".join(_check(row))]
        if not desc["scored"]:
            out.append("☐" if row["kind"] == "item" else "")
        # Pack text is shown as written: never read as rich markup, controls removed.
        t.add_row(*[terminal_text(c) for c in out], style="bold" if row["kind"] == "section" else None)
    parts: list[Any] = [terminal_text("\n".join(_heading(desc))), t]
    for heading, lines in _tail(desc):
        parts.append(terminal_text(heading, style="bold"))
        parts.append(terminal_text("\n".join("  " + line for line in lines)))
    return Group(*parts)


def _md(text: str | None) -> str:
    """Pack text for a Markdown cell, shown as written (:func:`govrules.untrusted.for_markdown`)."""
    return for_markdown(text or "")


def show_markdown(desc: dict[str, Any]) -> str:
    levels = desc["levels"]
    points = _points_columns(desc)
    multi = len(desc["targets"]) > 1
    out = [f"# {_md(_title(desc))}", ""]
    out += [f"{markdown_line(line)}  " for line in _heading(desc)]
    out.append("")
    head = ["编号", *levels, *[_md(title) for _, title in points]]
    if not desc["scored"] and multi:
        head.append("适用对象")
    head += ["考核内容", "评分办法", "评分规则", "佐证材料", "评估方式"]
    if not desc["scored"]:
        head.append("检查")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---:" if h.startswith("分值") else "---" for h in head) + "|")
    names = {x["id"]: x["name"] for x in desc["targets"]}
    rnames = reading_names(desc["readings"])
    for row in desc["rows"]:
        cells = [""] * len(levels)
        cells[row["depth"]] = f"**{_md(row['names'][-1])}**" if row["kind"] == "section" else _md(row["names"][-1])
        line = [_md(row["id"]), *cells, *[row["points"].get(tid, "") for tid, _ in points]]
        if not desc["scored"] and multi:
            line.append(_md("、".join(names[x] for x in row["targets"])))
        line += [
            _md(row["source"]) if row["kind"] == "item" else "",
            "<br>".join(_md(x) for x in ([row["method"]] if row["method"] else []) + _scope_lines(row, rnames)),
            "<br>".join(_md(x) for x in _rules(row, rnames)),
            _md("、".join(row["evidence"])),
            _md("、".join(row["evaluation"])),
        ]
        if not desc["scored"]:
            line.append("☐" if row["kind"] == "item" else "")
        out.append("| " + " | ".join(line) + " |")
    for heading, lines in _tail(desc):
        out += ["", f"## {_md(heading)}", ""]
        out += [f"- {markdown_line(line.strip())}" for line in lines]
    return "\n".join(out) + "\n"


def packs_markdown(packs: Any) -> str:
    """The installed packs as the README's table: id, document, targets with their totals, whether it scores.

    Generated, so the README follows the packs (``python3 dev.py readme``; a test
    checks it): a pack added under packs/ needs no edit of the README by hand.
    """
    lines = ["| id | document | targets | points |", "|---|---|---|---|"]
    for pack in sorted(packs, key=lambda p: p.id):
        meta = pack.spec.pack
        document = pack.title + (f"（{meta.document_number}）" if meta.document_number else "") + (f" ({meta.year})" if meta.year and str(meta.year) not in pack.title else "")
        if pack.extends:
            document += f" — a tailoring of `{pack.extends}`"
        targets = ", ".join(t.name + (f" {fmt(t.total)}" if t.total is not None else "") for t in pack.spec.targets)
        extras = []
        for ledger in pack.spec.adjustments:
            cap = f" ≤ {fmt(ledger.cap)}" if ledger.cap is not None else " (uncapped)"
            if f"{ledger.name}{cap}" not in extras:  # one ledger per target: said once
                extras.append(f"{ledger.name}{cap}")
        if extras:
            targets += " (+ " + "; ".join(extras) + ")"
        scored = any(t.total is not None for t in pack.spec.targets)
        points = "yes" if scored else "none: a checklist" + (" with 直接归零项 " + "、".join(z.name for z in pack.spec.zeroing) if pack.spec.zeroing else "")
        cells = [f"`{pack.id}`", document, targets, points]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def show_html(desc: dict[str, Any]) -> str:
    """The rubric as a standalone HTML page (printed on A4 landscape; the PDF of ``show -o rubric.pdf``)."""
    from .html import environment

    levels = desc["levels"]
    points = _points_columns(desc)
    names = {x["id"]: x["name"] for x in desc["targets"]}
    multi = not desc["scored"] and len(desc["targets"]) > 1
    rnames = reading_names(desc["readings"])
    rows = []
    for row in desc["rows"]:
        cells = [""] * len(levels)
        cells[row["depth"]] = row["names"][-1]
        rows.append(
            {
                "kind": row["kind"],
                "id": row["id"],
                "levels": cells,
                "points": [row["points"].get(tid, "") for tid, _ in points],
                "targets": "、".join(names[x] for x in row["targets"]) if multi else None,
                "source": row["source"] if row["kind"] == "item" else "",
                "method": ([row["method"]] if row["method"] else []) + _scope_lines(row, rnames),
                "rules": _rules(row, rnames),
                "evidence": "、".join(row["evidence"]),
                "evaluation": "、".join(row["evaluation"]),
            }
        )
    return environment().get_template("rubric.html.j2").render(
        title=_title(desc),
        heading=_heading(desc),
        levels=levels,
        points=[title for _, title in points],
        multi=multi,
        rows=rows,
        tail=_tail(desc),
        checklist=not desc["scored"],
    )
