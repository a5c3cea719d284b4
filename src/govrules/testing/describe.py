"""Inputs and results in pack terms, for failure reports.

When a property fails, the shrunk example is shown as the reader of the pack
would want it: the input as JSON, each fact with its Chinese label, type and
the items that use it, and the items and rules (with the document's words)
involved in the failure.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from ..engine.compiled import TargetView
from ..numbers import fmt
from ..pack import Pack
from ..engine.result import Effect, ItemResult, Result


_MARK = "\u0000govrules-decimal:"


def _plain(value: Any) -> Any:
    """Python data as JSON-ready data; a Decimal becomes a marked string, unquoted afterwards."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return _MARK + (format(value, "f") if value.is_finite() else str(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def input_json(data: Any, indent: int | None = 2) -> str:
    """An assessment input as JSON text, numbers written exactly (Decimals included)."""
    text = json.dumps(_plain(data), ensure_ascii=False, indent=indent, default=repr)
    return re.sub('"' + re.escape(json.dumps(_MARK)[1:-1]) + '([^"]*)"', lambda m: m.group(1), text)


def describe_facts(pack: Pack, target: str, facts: Any) -> str:
    """One line per fact of the input: name, label, type, value, and the items using it."""
    view = pack.view(target)
    specs = {f.name: f for f in view.facts}
    lines = []
    for name, value in (facts or {}).items() if isinstance(facts, dict) else ():
        spec = specs.get(name)
        shown = input_json(value, indent=None)
        if spec is None:
            lines.append(f"  {name} = {shown}   (not a fact of {view.target.name})")
            continue
        unit = f"，{spec.unit}" if spec.unit else ""
        users = ", ".join(view.fact_users.get(name, ()))
        lines.append(f"  {name}（{spec.label}；{spec.type}{unit}）= {shown}" + (f"   → {users}" if users else ""))
    return "\n".join(lines)


def describe_input(pack: Pack, target: str, data: Any, title: str = "input") -> str:
    """An assessment input in pack terms: the JSON, then each fact with its label and users."""
    view = pack.view(target)
    head = f"{title} for {pack.id} / {view.target.id}（{view.target.name}）:"
    body = input_json(data)
    facts = describe_facts(pack, target, data.get("facts") if isinstance(data, dict) else None)
    return head + "\n" + body + ("\nfacts:\n" + facts if facts else "")


def describe_effect(effect: Effect) -> str:
    amount = fmt(effect.amount) if effect.amount is not None else "（无分值）"
    level = f" [{effect.level}]" if effect.level else ""
    reason = f" 理由：{effect.reason}" if effect.reason else ""
    sign = {"award": "+", "set": "="}.get(effect.mode, "−")
    if effect.mode == "zero":
        amount, sign = "不计分", " "
    return f"{effect.rule}{level} {sign}{amount}「{effect.quote}」{reason}"


def describe_item_result(item: ItemResult) -> str:
    """An item's score line with the rules that fired, caps, floor and override."""
    lines = [
        f"{item.id}（{' / '.join(item.names)}）status={item.status} score={fmt(item.score)} max={fmt(item.max)} computed={fmt(item.computed)}"
    ]
    for e in item.effects:
        lines.append("    " + describe_effect(e))
    for c in item.caps:
        lines.append(f"    cap {'+'.join(c.rules)} raw={fmt(c.raw)} max={fmt(c.max)} cut={fmt(c.cut)}「{c.quote}」")
    if item.floor_cut:
        lines.append(f"    floor cut {fmt(item.floor_cut)}")
    if item.zeroed_by:
        lines.append(f"    zeroed by {item.zeroed_by}")
    if item.not_applicable is not None:
        lines.append(f"    not applicable: {item.not_applicable}")
    if item.override is not None:
        o = item.override
        lines.append(f"    override {fmt(o.old)} → {fmt(o.new)} by {o.reviewer}: {o.reason}")
    if item.unchecked_facts:
        lines.append(f"    not checked, missing {', '.join(item.unchecked_facts)}")
    return "\n".join(lines)


def describe_rule(view: TargetView, uid: str) -> str:
    """A declared rule by uid: its owner (with names) and its quote."""
    for rule in view.rules:
        if rule.uid == uid:
            owner = view.item(rule.owner)
            names = " / ".join(owner.names) if owner is not None else rule.owner
            return f"{uid}（{names}，{rule.kind}）「{rule.quote}」"
    return f"{uid} (not a rule of {view.pack_id} / {view.target.id})"


def describe_result(result: Result, items: list[str] | None = None) -> str:
    """The totals of a result and the lines of some (default: all) items."""
    head = (
        f"result: total={fmt(result.total)} base={fmt(result.base)} base_sum={fmt(result.base_sum)} "
        f"complete={result.complete} zeroed={[z.id for z in result.zeroed]}"
    )
    chosen = [i for i in result.items if items is None or i.id in items]
    lines = [head] + [describe_item_result(i) for i in chosen]
    for ledger in result.ledgers:
        lines.append(f"ledger {ledger.id}（{ledger.name}，{ledger.direction}）raw={fmt(ledger.raw)} applied={fmt(ledger.applied)} cap={fmt(ledger.cap)}")
        for e in ledger.effects:
            lines.append("    " + describe_effect(e))
    return "\n".join(lines)
