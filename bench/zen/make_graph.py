"""Write a pack's target as a GoRules JDM decision graph (zen-engine's format), for bench/zen/run.py.

The graph is generated from the compiled target (``pack.view(target)``), not
written by hand, so that it says what the pack says: each item's points, each
rule's amount, each cap and the floor at 0, a derived count worked out from
its dates, a 复核 replacing an item's score, and a total that is null when a
fact an item needs is missing (as ``Result.total`` is None then). It
translates the rule kinds datonghu_2023 / 乡镇 uses (per_occurrence,
per_missing, tiered, discretionary, all_or_nothing, the missed_periods
derivation) and refuses any other, rather than guess.

The graph is one input node, one expression node and one output node. The
expression node reads the same input dict ``pack.assess`` takes and computes,
in order (``$.name`` reads a value computed above it in the same node):

* each derived count: ``facts.<name>`` if given, else from its dates;
* each item's score: null if a fact it needs is missing, else its points less
  its deductions (each cap cutting its group), floored at 0; an
  all-or-nothing rule that fires makes it 0; a 复核 replaces it;
* ``total``: null if any item is null, else their sum.

zen's numbers are decimals (rust_decimal), so 20 − 7 × 0.1 is 19.3 exactly,
as in govrules. Only the total is compared; zen explains nothing.

    .venv/bin/python bench/zen/make_graph.py [--pack datonghu_2023 --target xiangzhen] [-o bench/zen/datonghu_2023.xiangzhen.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import benchlib  # noqa: E402
from govrules.engine.conditions import And, Compare, Node, Or  # noqa: E402

TRANSLATED = ("per_occurrence", "per_missing", "tiered", "discretionary", "all_or_nothing")


class Untranslatable(Exception):
    pass


def _num(value: Decimal | int) -> str:
    return format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else str(value)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return _num(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace('"', "'")
    raise Untranslatable(f"a condition compares with {value!r}")


class Graph:
    """The expressions of one target, in the order they may read each other."""

    def __init__(self, view: Any):
        self.view = view
        self.specs = view.fact_specs
        self.expressions: list[tuple[str, str]] = []
        self.derived: set[str] = set()
        for f in view.facts:
            if f.derive is not None:
                self._derive(f)

    # ---- facts

    def fact(self, name: str) -> str:
        """The expression of a fact's value (null when missing), with its default."""
        ref = f"$.{name}" if name in self.derived else f"facts.{name}"
        default = self.specs[name].default
        return f"({ref} ?? {_literal(default)})" if default is not None else ref

    def scalar(self, name: str) -> str:
        """A fact as a condition compares it (the scalar view of govrules.engine.facts)."""
        kind = self.specs[name].type
        if kind == "subset":
            return f"len({self.fact(name)})"
        if kind == "discretionary":
            return f"{self.fact(name)}.points"
        if kind in ("count", "number", "boolean", "choice"):
            return self.fact(name)
        raise Untranslatable(f"fact {name} of type {kind}")

    def _derive(self, f: Any) -> None:
        d = f.derive
        if d.kind != "missed_periods":
            raise Untranslatable(f"derivation {d.kind} of {f.name}")
        windows = ((d.end - d.start).days + 1) // d.period_days
        hit = f"hit_{f.name}"
        # Which window each date falls in (dates before the start give negative
        # numbers, after the last whole window numbers ≥ windows: neither counts).
        self.expressions.append((hit, f"map(facts.{d.source} ?? [], floor(d(#).diff(d('{d.start.isoformat()}'), 'day') / {d.period_days}))"))
        every = ", ".join(str(k) for k in range(windows))
        self.expressions.append(
            (f.name, f"facts.{f.name} ?? (facts.{d.source} == null ? null : {windows} - len(filter([{every}], # in $.{hit})))")
        )
        self.derived.add(f.name)

    # ---- conditions and amounts

    def condition(self, node: Node) -> str:
        if isinstance(node, Compare):
            return f"{self.scalar(node.fact)} {node.op} {_literal(node.value)}"
        if isinstance(node, And):
            return "(" + " and ".join(self.condition(p) for p in node.parts) + ")"
        if isinstance(node, Or):
            return "(" + " or ".join(self.condition(p) for p in node.parts) + ")"
        raise Untranslatable(f"condition {node!r}")

    def amount(self, compiled: Any) -> str:
        """What a deducting rule takes off (0 when it does not fire)."""
        rule = compiled.rule
        kind = rule.kind
        if kind == "per_occurrence":
            return f"{_num(rule.amount)} * {self.fact(rule.fact)}"
        if kind == "per_missing":
            return f"{_num(rule.amount)} * len({self.fact(rule.fact)})"
        if kind == "tiered":
            return "(" + " + ".join(f"{_num(t.amount)} * {self.fact(t.fact)}" for t in rule.tiers) + ")"
        if kind == "discretionary":
            return f"({self.fact(rule.fact)}.points ?? 0)"
        raise Untranslatable(f"rule kind {kind} ({compiled.uid})")

    # ---- rows

    def item(self, item: Any) -> None:
        if item.max is None or item.ceiling is not None or item.units:
            raise Untranslatable(f"item {item.id}: only scored rows without a ceiling or named units are translated")
        for rule in item.rules:
            if rule.rule is None or rule.rule.kind not in TRANSLATED or rule.mode not in ("deduct", "zero"):
                raise Untranslatable(f"rule {rule.uid} ({rule.kind}); translated: {', '.join(TRANSLATED)}")
        needed = sorted({n for r in item.rules for n in r.reads + r.quantity if n not in r.optional})
        zeroing = [r for r in item.rules if r.rule.kind == "all_or_nothing"]
        deducting = [r for r in item.rules if r.rule.kind != "all_or_nothing"]
        amounts = {r.uid: self.amount(r) for r in deducting}
        terms = []
        for cap, group in item.cap_groups:
            terms.append(f"min([{_num(cap.max)}, " + " + ".join(amounts.pop(uid) for uid in group) + "])")
        terms.extend(amounts.values())
        points = _num(item.max)
        score = f"max([0, {points} - ({' + '.join(terms)})])" if terms else points
        if zeroing:
            score = f"({' or '.join(self.condition(r.condition) for r in zeroing)}) ? 0 : {score}"
        if needed:
            score = f"({' or '.join(f'{self.fact(n)} == null' for n in needed)}) ? null : {score}"
        key = _key(item.id)
        self.expressions.append((f"review_{key}", f"filter(reviews ?? [], #.item == '{item.id}')"))
        self.expressions.append((key, f"len($.review_{key}) > 0 ? $.review_{key}[0].score : ({score})"))

    def total(self) -> None:
        keys = [_key(i.id) for i in self.view.items]
        if self.view.ledgers or self.view.zeroings or self.view.target.total is None:
            raise Untranslatable("ledgers, zeroing conditions and unscored targets are not translated")
        self.expressions.append(("total", f"({' or '.join(f'$.{k} == null' for k in keys)}) ? null : " + " + ".join(f"$.{k}" for k in keys)))

    def jdm(self, name: str) -> dict[str, Any]:
        expressions = [{"id": f"e{i}", "key": k, "value": v} for i, (k, v) in enumerate(self.expressions)]
        return {
            "name": name,
            "nodes": [
                {"id": "input", "type": "inputNode", "name": "评估输入", "position": {"x": 100, "y": 100}},
                {
                    "id": "score",
                    "type": "expressionNode",
                    "name": "计分",
                    "position": {"x": 400, "y": 100},
                    "content": {"expressions": expressions, "passThrough": False, "inputField": None, "outputPath": None, "executionMode": "single"},
                },
                {"id": "output", "type": "outputNode", "name": "结果", "position": {"x": 700, "y": 100}},
            ],
            "edges": [
                {"id": "e-in", "type": "edge", "sourceId": "input", "targetId": "score"},
                {"id": "e-out", "type": "edge", "sourceId": "score", "targetId": "output"},
            ],
        }


def _key(item_id: str) -> str:
    return "item_" + item_id.replace(".", "_")


def build(pack: Any, target: str) -> dict[str, Any]:
    """The JDM graph of one target of a pack (raises Untranslatable for what it does not translate)."""
    view = pack.view(target)
    g = Graph(view)
    for item in view.items:
        g.item(item)
    g.total()
    return g.jdm(f"{pack.title}（{view.target.name}）— generated by bench/zen/make_graph.py from {pack.id} {pack.version}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default="datonghu_2023")
    ap.add_argument("--target", default="xiangzhen")
    ap.add_argument("-o", "--out", type=Path, default=None)
    args = ap.parse_args()
    pack = benchlib.registry().get(args.pack)
    try:
        graph = build(pack, args.target)
    except Untranslatable as exc:
        raise SystemExit(f"cannot write {args.pack}/{args.target} as a zen graph: {exc}") from None
    out = args.out or HERE / f"{args.pack}.{args.target}.json"
    out.write_text(json.dumps(graph, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(graph['nodes'][1]['content']['expressions'])} expressions)")


if __name__ == "__main__":
    main()
