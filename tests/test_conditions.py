"""Conditions: three-valued logic, and durable_rules vs the reference evaluator.

The property test generates packs whose rules carry random condition trees
(all / any / not over every comparable fact type), and assessments with any
subset of the facts present. Three evaluations must agree: durable_rules, the
reference evaluator, and an independent oracle written here directly on the
pack's condition model (with ``not`` kept, not pushed down).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import yaml
from hypothesis import given
from hypothesis import strategies as st

import govrules
from govrules.engine.conditions import And, Compare, Or, decide, normalize
from govrules.rubric.model import Condition

FACTS = {
    "n": ("count", [0, 1, 2, 12]),
    "x": ("number", [D("0"), D("3.5"), D("4"), D("4.000001")]),
    "b": ("boolean", [True, False]),
    "d": ("date", [dt.date(2021, 5, 27), dt.date(2021, 5, 28), dt.date(2021, 5, 29)]),
    "c": ("choice", ["国家级", "省级", "市级"]),
}
ORDERED = {"n", "x", "d"}


def leaf(name: str) -> st.SearchStrategy[dict]:
    _, values = FACTS[name]
    ops = ["==", "!="] + (["<", "<=", ">", ">="] if name in ORDERED else [])
    return st.builds(lambda op, v: {"fact": name, "op": op, "value": v}, st.sampled_from(ops), st.sampled_from(values))


leaves = st.sampled_from(sorted(FACTS)).flatmap(leaf)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x}),
    ),
    max_leaves=6,
)


def to_yaml_value(v):
    if isinstance(v, D):
        return float(v)  # the loader reads the float's text back into Decimal exactly
    return v


def plain(cond):
    if "fact" in cond:
        return {**cond, "value": to_yaml_value(cond["value"])}
    key = next(iter(cond))
    return {key: [plain(c) for c in cond[key]]} if key != "not" else {"not": plain(cond["not"])}


def make_pack(conds: list[dict]) -> govrules.Pack:
    spec = {
        "format": 1,
        "pack": {"id": "gen", "version": "1", "title": "生成", "issuer": "测", "source": "测"},
        "targets": [{"id": "t", "name": "对象", "total": None}],
        "facts": [
            {"name": n, "label": n, "type": t, **({"elements": vals} if t == "choice" else {})} for n, (t, vals) in FACTS.items()
        ],
        "indicators": [
            {"id": f"i{k}", "name": f"项{k}", "rules": [{"id": "r", "kind": "fixed", "when": plain(c), "quote": "q"}]}
            for k, c in enumerate(conds)
        ],
    }
    return govrules.load_pack_text(yaml.safe_dump(spec, allow_unicode=True), "gen.yaml")


def oracle(cond: Condition, facts: dict) -> bool | None:
    """Kleene logic straight on the pack model: None is unknown."""
    if cond.fact is not None:
        if cond.fact not in facts:
            return None
        a, b, op = facts[cond.fact], cond.operand, cond.operator
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if cond.not_ is not None:
        inner = oracle(cond.not_, facts)
        return None if inner is None else not inner
    results = [oracle(c, facts) for c in (cond.all or cond.any)]
    if cond.all is not None:
        return False if False in results else (True if all(r is True for r in results) else None)
    return True if True in results else (False if all(r is False for r in results) else None)


def to_input(v):
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


assessments = st.fixed_dictionaries(
    {}, optional={name: st.sampled_from(values) for name, (_, values) in FACTS.items()}
)


@given(conds=st.lists(conditions, min_size=1, max_size=4), facts=st.lists(assessments, min_size=1, max_size=4))
def test_durable_reference_and_oracle_agree(conds, facts):
    pack = make_pack(conds)
    models = [ind.rules[0].when for ind in pack.spec.indicators]
    used = {spec.name for spec in pack.view("t").facts}
    for f in facts:
        f = {k: v for k, v in f.items() if k in used}  # a fact no rule reads is refused
        data = {"facts": {k: to_input(v) for k, v in f.items()}}
        durable = pack.assess(data)
        reference = pack.assess(data, evaluator="reference")
        for k, model in enumerate(models):
            expected = oracle(model, f)
            want = {True: "fail", False: "pass", None: "notchecked"}[expected]
            assert durable.items[k].status == want, (model, f)
            assert reference.items[k].status == want, (model, f)


def test_kleene_any_and_all():
    x, y = Compare("x", ">", 1), Compare("y", ">", 1)
    assert decide(Or((x, y)), {"x": 2}) is True  # decided without y
    assert decide(Or((x, y)), {"x": 0}) is None
    assert decide(And((x, y)), {"x": 0}) is False  # decided without y
    assert decide(And((x, y)), {"x": 2}) is None
    assert decide(x, {}, optional=("x",)) is False


def test_not_is_pushed_down():
    cond = Condition.model_validate({"not": {"all": [{"fact": "a", "op": "<", "value": 1}, {"fact": "b", "is": True}]}})
    assert normalize(cond) == Or((Compare("a", ">=", 1), Compare("b", "!=", True)))
