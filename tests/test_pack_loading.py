"""Pack validation: every problem, with the pack file, line and row."""

from __future__ import annotations

import textwrap

import pytest

import govrules

DOC = "考核表\n主动公开 10分 未按时限完成的，每次扣0.1分 专题 未按要求不计分 最高扣分不超过3分\n"

GOOD = """\
format: 1
pack: {id: mini, version: "1", title: 测试, issuer: 测试办, source: 测试文件}
targets:
  - {id: town, name: 乡镇, total: 10}
facts:
  - {name: late_count, label: 迟报次数, type: count}
  - {name: ok, label: 按要求, type: boolean}
indicators:
  - id: s
    name: 主动公开
    points: {town: 10}
    children:
      - id: s.1
        name: 迟报
        points: {town: 6}
        rules:
          - {id: late, kind: per_occurrence, fact: late_count, amount: 0.1, quote: 未按时限完成的，每次扣0.1分}
      - id: s.2
        name: 按要求
        points: {town: 4}
        rules:
          - {id: unmet, kind: all_or_nothing, when: {fact: ok, is: false}, quote: 未按要求不计分}
"""


def load(text, document=DOC):
    return govrules.load_pack_text(textwrap.dedent(text), "mini.yaml", document)


def problems(text, document=DOC):
    with pytest.raises(govrules.PackError) as err:
        load(text, document)
    return [str(p) for p in err.value.problems]


def test_good_pack_loads():
    pack = load(GOOD)
    assert pack.id == "mini"
    from decimal import Decimal

    # 10 − 2 × 0.1 = 9.8
    assert pack.assess({"facts": {"late_count": 2, "ok": True}}).total == Decimal("9.8")


def test_wrong_target_total_names_file_and_line():
    text = GOOD.replace("total: 10}", "total: 12}")
    (p,) = problems(text)
    assert p.startswith("mini.yaml:4 考核对象 town（乡镇） targets[0].total")
    assert "stated as 12, but its items add up to 10" in p


def test_wrong_section_maximum_names_the_row():
    text = GOOD.replace("points: {town: 6}", "points: {town: 5}")
    ps = problems(text)
    assert any("指标 s（主动公开）" in p and "section maximum for 'town' is stated as 10, but its items add up to 9" in p for p in ps)
    assert any("total is stated as 10, but its items add up to 9" in p for p in ps)


def test_unknown_fact_has_did_you_mean_and_line():
    text = GOOD.replace("fact: late_count,", "fact: late_cnt,")
    (p,) = problems(text)
    assert p.startswith("mini.yaml:17 指标 s.1（迟报）")
    assert "unknown fact 'late_cnt'; did you mean 'late_count'?" in p


def test_every_problem_at_once():
    text = GOOD.replace("fact: late_count,", "fact: late_cnt,").replace("id: s.2", "id: s.1").replace("total: 10}", "total: 11}")
    ps = problems(text)
    assert len(ps) == 3
    assert any("is used twice" in p for p in ps)


def test_quote_must_be_in_the_document():
    text = GOOD.replace("quote: 未按要求不计分", "quote: 未按要求扣5分")
    (p,) = problems(text)
    assert "quote not found in the source document: 「未按要求扣5分」" in p
    assert "mini.yaml:22" in p


def test_quote_check_ignores_white_space_and_width():
    # The document has a full-width comma; a pack may write it half-width or with spaces.
    load(GOOD.replace("quote: 未按时限完成的，每次扣0.1分", 'quote: "未按时限完成的, 每次扣 0.1分"'))


def test_type_mismatch_in_condition_is_refused():
    # durable_rules would compare "false" with a boolean silently; the loader refuses it.
    text = GOOD.replace("when: {fact: ok, is: false}", 'when: {fact: ok, is: "false"}')
    (p,) = problems(text)
    assert "'ok' is a boolean fact; 'false' (str) cannot be compared with it" in p


def test_ordering_on_boolean_is_refused():
    text = GOOD.replace("when: {fact: ok, is: false}", 'when: {fact: ok, op: "<", value: true}')
    assert any("< does not apply to 'ok', a boolean fact" in p for p in problems(text))


def test_rule_kind_needs_the_right_fact_type():
    text = GOOD.replace("fact: late_count, amount", "fact: ok, amount")
    assert any("a per_occurrence rule needs a count fact; 'ok' is boolean" in p for p in problems(text))


def test_cap_must_name_rules_of_its_row():
    text = GOOD.replace(
        "          - {id: late, kind: per_occurrence, fact: late_count, amount: 0.1, quote: 未按时限完成的，每次扣0.1分}\n",
        "          - {id: late, kind: per_occurrence, fact: late_count, amount: 0.1, quote: 未按时限完成的，每次扣0.1分}\n"
        "        caps:\n          - {rules: [lat], max: 3, quote: 最高扣分不超过3分}\n",
    )
    assert any("cap refers to rule 'lat'" in p for p in problems(text))


def test_unknown_field_and_bad_kind():
    text = GOOD.replace("amount: 0.1,", "amont: 0.1,")
    assert any("unknown field 'amont'" in p for p in problems(text))
    text = GOOD.replace("kind: per_occurrence", "kind: per_occurence")
    ps = problems(text)
    assert any("per_occurence" in p or "does not match any of the expected tags" in p for p in ps)


def test_negative_amount_refused():
    text = GOOD.replace("amount: 0.1,", "amount: -0.1,")
    assert any("positive" in p for p in problems(text))


def test_malformed_yaml_names_the_line():
    with pytest.raises(govrules.PackError) as err:
        govrules.load_pack_text("format: 1\npack: {id: x\n", "bad.yaml")
    assert str(err.value.problems[0]).startswith("bad.yaml:")


def test_duplicate_yaml_keys_refused():
    text = GOOD.replace("  - {id: town, name: 乡镇, total: 10}\n", "  - {id: town, name: 乡镇, name: 镇, total: 10}\n")
    with pytest.raises(govrules.PackError) as err:
        load(text)
    assert "given twice" in str(err.value)


def test_item_without_points_for_a_scored_target():
    text = GOOD.replace("        points: {town: 4}\n", "")
    assert any("has no points" in p or "add up to" in p for p in problems(text))


def test_amounts_are_decimal_not_float():
    pack = load(GOOD)
    rule = pack.spec.indicators[0].children[0].rules[0]
    from decimal import Decimal

    assert rule.amount == Decimal("0.1") and isinstance(rule.amount, Decimal)


def test_missing_pack_file():
    with pytest.raises(govrules.PackError, match="not found"):
        govrules.load_pack("/nonexistent/rubric.yaml")


def test_shipped_pack_has_no_problems(datonghu):
    assert datonghu.document is not None  # quotes were checked against source.txt


def test_one_shape_error_is_reported_once():
    text = GOOD.replace("amount: 0.1,", "amount: abc,")
    ps = problems(text)
    assert len(ps) == 1 and "amount" in ps[0]


def test_readings_are_checked_and_listed():
    text = GOOD.replace(
        "indicators:\n",
        "readings:\n"
        "  - {id: whole, quote: 考核表, choice: 全表的解读}\n"
        "  - {id: late_r, quote: 未按时限完成的，每次扣0.1分, choice: 按件计}\n"
        "  - {id: row_r, quote: 专题, choice: 本行的解读}\n"
        "  - {id: stray, quote: 专题, choice: 无所附}\n"
        "indicators:\n",
    ).replace("quote: 未按时限完成的，每次扣0.1分}", "quote: 未按时限完成的，每次扣0.1分, reading: [late_r]}").replace(
        "        name: 按要求\n", "        name: 按要求\n        reading: row_r\n"
    ).replace("  - {id: town, name: 乡镇, total: 10}\n", "  - {id: town, name: 乡镇, total: 10, reading: whole}\n")
    pack = load(text)
    met = pack.assess({"facts": {"late_count": 0, "ok": True}})
    # whole: about the whole table, attached to the target; row_r: the row is in every result;
    # stray: attached to nothing, so in no result (lint warns).
    assert [r[0] for r in met.readings] == ["whole", "row_r"]
    late = pack.assess({"facts": {"late_count": 1, "ok": True}})
    assert [r[0] for r in late.readings] == ["whole", "late_r", "row_r"]
    assert late.item("s.1").effects[0].reading == ("late_r",)
    bad = text.replace("reading: [late_r]", "reading: [late_r, nope]")
    assert any("unknown reading 'nope'" in p for p in problems(bad))


def test_bad_defaults_are_each_reported_at_their_row():
    text = GOOD.replace(
        "  - {name: ok, label: 按要求, type: boolean}\n",
        "  - {name: ok, label: 按要求, type: boolean, default: 'yes'}\n"
        "  - {name: extra_count, label: 次数, type: count, default: -1}\n"
        "  - {name: level, label: 等级, type: choice, elements: [好, 差], default: 中}\n"
        "  - {name: fine_count, label: 次数, type: count, default: 2}\n"
        "  - {name: judged, label: 酌情, type: discretionary, maximum: 1, default: {points: 0}}\n",
    )
    found = problems(text)
    rows = [p for p in found if ".default" in p]
    assert len(rows) == 4, found
    assert "facts[1].default" in rows[0] and "default: Input should be a valid boolean" in rows[0]
    assert "facts[2].default" in rows[1] and "greater than or equal to 0" in rows[1]
    assert "facts[3].default" in rows[2] and "'好' or '差'" in rows[2]
    assert "facts[5].default" in rows[3] and "an assessor's judgement is never assumed" in rows[3]


def test_checking_defaults_together_says_what_checking_each_says():
    from govrules.engine.facts import check_default, check_defaults
    from govrules.rubric.model import FactSpec

    specs = [
        FactSpec(name="a", label="a", type="count", default=3),
        FactSpec(name="b", label="b", type="count", default=-2),
        FactSpec(name="c", label="c", type="boolean", default="no"),
        FactSpec(name="d", label="d", type="number", minimum=0, maximum=5, default=7),
        FactSpec(name="b", label="b again", type="boolean", default=1),  # declared twice: checked on its own
        FactSpec(name="e", label="e", type="subset", elements=["x", "y"], default=["x", "x"]),
    ]
    together = check_defaults(specs)
    each = {i: m for i, s in enumerate(specs) if (m := check_default(s))}
    assert together == each
    assert sorted(together) == [1, 2, 3, 4, 5]
