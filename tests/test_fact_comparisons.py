"""Conditions that compare one fact with another (已编制数少于应编制数): loading, both evaluators, words.

The property test generates conditions mixing comparisons with values and
comparisons of two facts (counts with numbers and subsets, dates with dates,
booleans with booleans), and assessments with any facts missing; durable_rules,
the reference evaluator and an oracle written here on the pack model must agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine.conditions import CompareFacts, decide, normalize
from govrules.engine.inference.durable import record_keys, ruleset_definition
from govrules.rubric.model import Condition, hash_data

ELEMENTS = ["甲", "乙", "丙", "丁"]
FACTS = {
    "n": ("count", [0, 1, 2, 3, 999_999_999]),  # the largest: the most an input may give (facts.COUNT_MAX)
    "m": ("count", [0, 1, 2, 3]),
    "x": ("number", [D("0"), D("1"), D("1.5"), D("2"), D("2.999999"), D("-1"), D("999999999.999999")]),
    "s": ("subset", [[], ["甲"], ["甲", "乙"], ["乙", "丙", "丁"]]),
    "d": ("date", [dt.date(2021, 5, 27), dt.date(2021, 5, 28), dt.date(2021, 5, 29)]),
    "e": ("date", [dt.date(2021, 5, 28), dt.date(2021, 5, 29)]),
    "b": ("boolean", [True, False]),
    "c": ("boolean", [True, False]),
}
GROUPS = [["n", "m", "x", "s"], ["d", "e"], ["b", "c"]]


def scalar(name, value):
    return len(value) if FACTS[name][0] == "subset" else value


@st.composite
def pair_leaf(draw):
    group = draw(st.sampled_from(GROUPS))
    a, b = draw(st.permutations(group))[:2]
    ops = ["==", "!="] + (["<", "<=", ">", ">="] if group[0] != "b" else [])
    return {"fact": a, "op": draw(st.sampled_from(ops)), "than": b}


@st.composite
def value_leaf(draw):
    name = draw(st.sampled_from(["n", "x", "d", "b"]))
    ops = ["==", "!="] + (["<", "<=", ">", ">="] if name != "b" else [])
    value = draw(st.sampled_from(FACTS[name][1]))
    return {"fact": name, "op": draw(st.sampled_from(ops)), "value": float(value) if isinstance(value, D) else value}


conditions = st.recursive(
    st.one_of(pair_leaf(), pair_leaf(), value_leaf()),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x}),
    ),
    max_leaves=5,
)


def make_pack(conds: list[dict]) -> govrules.Pack:
    spec = {
        "format": 1,
        "pack": {"id": "gen", "version": "1", "title": "生成", "issuer": "测", "source": "测"},
        "targets": [{"id": "t", "name": "对象", "total": None}],
        "facts": [{"name": n, "label": n, "type": t, **({"elements": ELEMENTS} if t == "subset" else {})} for n, (t, _) in FACTS.items()],
        "indicators": [
            {"id": f"i{k}", "name": f"项{k}", "rules": [{"id": "r", "kind": "fixed", "when": c, "quote": "q"}]} for k, c in enumerate(conds)
        ],
    }
    return govrules.load_pack_text(yaml.safe_dump(spec, allow_unicode=True), "gen.yaml")


def oracle(cond: Condition, facts: dict) -> bool | None:
    """Kleene logic on the pack model, ``not`` kept: a comparison with a missing fact on either side is unknown."""
    if cond.fact is not None:
        right_known = cond.than is None or cond.than in facts
        if cond.fact not in facts or not right_known:
            return None
        a = scalar(cond.fact, facts[cond.fact])
        b = scalar(cond.than, facts[cond.than]) if cond.than is not None else cond.operand
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[cond.operator]
    if cond.not_ is not None:
        inner = oracle(cond.not_, facts)
        return None if inner is None else not inner
    results = [oracle(c, facts) for c in (cond.all or cond.any)]
    if cond.all is not None:
        return False if False in results else (True if all(r is True for r in results) else None)
    return True if True in results else (False if all(r is False for r in results) else None)


assessments = st.fixed_dictionaries({}, optional={name: st.sampled_from(values) for name, (_, values) in FACTS.items()})


@settings(max_examples=150, deadline=None)
@given(conds=st.lists(conditions, min_size=1, max_size=4), facts=st.lists(assessments, min_size=1, max_size=5))
def test_durable_reference_and_oracle_agree_on_fact_comparisons(conds, facts):
    pack = make_pack(conds)
    models = [ind.rules[0].when for ind in pack.spec.indicators]
    used = {spec.name for spec in pack.view("t").facts}
    for f in facts:
        f = {k: v for k, v in f.items() if k in used}
        data = {"facts": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in f.items()}}
        durable = pack.assess(data)
        reference = pack.assess(data, evaluator="reference")
        for k, model in enumerate(models):
            want = {True: "fail", False: "pass", None: "notchecked"}[oracle(model, f)]
            assert durable.items[k].status == want, (model, f)
            assert reference.items[k].status == want, (model, f)


def test_compiles_to_a_comparison_of_two_facts_and_negates():
    cond = Condition.model_validate({"not": {"fact": "filled", "op": "<", "than": "required"}})
    assert normalize(cond) == CompareFacts("filled", ">=", "required")
    node = CompareFacts("filled", "<", "required")
    assert decide(node, {"filled": 2, "required": D("3")}) is True
    assert decide(node, {"filled": 3, "required": D("3")}) is False
    assert decide(node, {"filled": 2}) is None  # unknown when either fact is missing
    assert decide(node, {"required": 3}) is None


def test_a_count_meets_a_number_through_its_scaled_field_and_others_directly():
    pack = make_pack([{"fact": "n", "op": "<", "than": "x"}, {"fact": "n", "op": "<", "than": "m"}, {"fact": "d", "op": ">", "than": "e"}])
    view = pack.view("t")
    definition, _, _, reads = ruleset_definition(view)
    text = str(definition)
    k = record_keys(view)  # the record's short keys for the facts
    assert f"{{'$lt': {{'{k['n~e6']}': {{'$m': '{k['x']}'}}}}}}" in text  # a count scaled like a number, in the same record
    assert f"{{'$lt': {{'{k['n']}': {{'$m': '{k['m']}'}}}}}}" in text and f"{{'$gt': {{'{k['d']}': {{'$m': '{k['e']}'}}}}}}" in text
    assert "n~e6" in reads[0] and "n" in reads[0]


def test_packs_without_it_keep_their_content_hash():
    plain = Condition.model_validate({"fact": "n", "op": "<", "value": 3})
    assert "than" not in hash_data(plain)
    assert hash_data(Condition.model_validate({"fact": "n", "op": "<", "than": "m"}))["than"] == "m"


PACK = """\
format: 1
pack: {id: bianzhi, version: "1", title: 编制, issuer: 测, source: 测}
targets: [{id: t, name: 对象, total: 10}]
facts:
  - {name: filled, label: 已编制数, type: count}
  - {name: required, label: 应编制数, type: count}
  - {name: flag, label: 是否, type: boolean}
  - {name: other_flag, label: 另一, type: boolean}
  - {name: day, label: 日期, type: date}
  - {name: level, label: 级别, type: choice, elements: [省级, 市级]}
indicators:
  - id: "1"
    name: 编制
    points: {t: 10}
    rules:
      - {id: r, kind: fixed, amount: 2, quote: q, when: WHEN}
"""


@pytest.mark.parametrize(
    ("when", "where", "message"),
    [
        ('{fact: filled, op: "<", than: requird}', "than", "unknown fact 'requird'; did you mean 'required'?"),
        ('{fact: filled, op: "<", than: day}', "than", "'filled' is a count fact and 'day' a date fact; they cannot be compared"),
        ('{fact: flag, op: "<", than: other_flag}', "than", "< does not apply to 'flag' and 'other_flag', boolean facts"),
        ('{fact: filled, op: "<", than: filled}', "than", "compares 'filled' with itself"),
        ('{fact: level, op: "==", than: level}', "than", "compares 'level' with itself"),
        ('{fact: filled, op: "==", than: level}', "than", "'level' is a choice fact; only counts, numbers, subsets (by size), dates and booleans are compared with another fact"),
    ],
)
def test_load_time_errors_name_file_line_and_field(when: str, where: str, message: str) -> None:
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(PACK.replace("WHEN", when), "bianzhi.yaml")
    (problem,) = info.value.problems
    assert problem.where == f"bianzhi.yaml:16 指标 1（编制） indicators[0].rules[0].when.{where}"
    assert problem.message == message


@pytest.mark.parametrize(
    "when",
    ['{fact: filled, op: "<", than: required, value: 3}', '{fact: filled, is: 3, than: required}', "{all: [{fact: filled, op: '<', value: 1}], than: required}"],
)
def test_than_goes_with_fact_and_op_only(when: str) -> None:
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(PACK.replace("WHEN", when), "bianzhi.yaml")
    assert "than" in str(info.value)


def test_words_read_like_the_document() -> None:
    from govrules.outputs.describe import describe

    pack = govrules.load_pack_text(PACK.replace("WHEN", '{fact: filled, op: "<", than: required}'), "bianzhi.yaml")
    rule = describe(pack)["rows"][0]["rules"][0]
    assert rule["words"] == "「已编制数」少于「应编制数」时扣2分"


def test_raw_durable_rules_compares_two_fields_of_one_record():
    # What the compiler relies on: {"$m": field} reads a field of the same record; a missing field never matches.
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import json, durable_rules_engine as dre
        rules = {"end": {"all": [{"e": {"t": "end"}}]},
                 "r": {"all": [{"m": {"$and": [{"t": "a"}, {"$ex": {"x": 1}}, {"$ex": {"y": 1}}, {"$lt": {"x": {"$m": "y"}}}]}}]}}
        h = dre.create_ruleset("x", json.dumps(rules))
        out = []
        for sid, rec in enumerate([{"x": 1, "y": 2}, {"x": 2, "y": 2}, {"x": 1}, {"y": 2}], 1):
            code, state = dre.assert_facts(h, json.dumps([dict(sid=str(sid), id="a", t="a", **rec), {"sid": str(sid), "id": "end", "t": "end"}]))
            fired = []
            r = dre.start_action_for_state(h, state)
            while r:
                fired += list(json.loads(r[1]))
                dre.update_state(h, r[0])
                nxt = dre.complete_and_start_action(h, state)
                r = (r[0], nxt) if nxt else dre.start_action_for_state(h, state)
            out.append("r" in fired)
        print(out)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[True, False, False, False]", proc.stderr


@pytest.mark.parametrize("evaluator", ["durable", "reference"])
def test_a_zeroing_condition_may_compare_two_facts(evaluator):
    text = PACK.replace("WHEN", '{fact: flag, is: true}') + (
        "zeroing:\n  - {id: z, name: 弄虚作假, quote: q, when: {fact: day, op: \">\", than: other_day}}\n"
    )
    text = text.replace("  - {name: day, label: 日期, type: date}", "  - {name: day, label: 日期, type: date}\n  - {name: other_day, label: 截止日期, type: date}")
    pack = govrules.load_pack_text(text, "bianzhi.yaml")
    late = pack.assess({"facts": {"flag": False, "day": "2024-05-29", "other_day": "2024-05-28"}}, evaluator=evaluator)
    on_time = pack.assess({"facts": {"flag": False, "day": "2024-05-28", "other_day": "2024-05-28"}}, evaluator=evaluator)
    unknown = pack.assess({"facts": {"flag": False, "day": "2024-05-28"}}, evaluator=evaluator)
    # 5月29日 is later than 5月28日: zeroed; the same day is not; without the deadline it cannot be decided.
    assert (late.total, on_time.total, unknown.total) == (D(0), D(10), None)
