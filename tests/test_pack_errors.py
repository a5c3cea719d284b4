"""What a new author hits: each problem told once, plainly, with every other problem of the same run.

The pack below is the scaffold's two-row rubric (source.txt and rubric.yaml as
`govrules pack new` writes them); each test breaks it the way an author did
when packing a held-out county's rubric.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

import govrules
from govrules.outputs.forms import template_yaml
from govrules.outputs.report import signed
from govrules.rubric.checks import nearest_passage

DOC = """\
某县政务公开工作考核细则
一级指标	二级指标	考核内容	分值	评分办法
组织领导	领导重视	主要负责人每年至少听取一次专题汇报。	4	未听取专题汇报的扣2分。
信息公开	主动公开	及时公开本单位政府信息。	6	未按时限公开的，每次扣0.5分，扣完为止。
跟踪督办，落实到位。他说“好的”。
"""

PACK = """\
format: 1
pack: {id: county, version: 0.1.0, title: 某县政务公开工作考核细则, issuer: 某县, source: 某县考核细则}
targets:
  - {id: xiangzhen, name: 乡镇, total: 10}
readings:
  - {id: track_both, quote: 跟踪督办，落实到位, choice: 两者都做到才算}
facts:
  - {name: briefings_heard, label: 听取专题汇报次数, type: count}
  - {name: late_count, label: 未按时限公开次数, type: count}
indicators:
  - id: "1"
    name: 组织领导
    points: {xiangzhen: 4}
    rules:
      - {id: no_briefing, kind: fixed, when: {fact: briefings_heard, op: "<", value: 1}, amount: 2, quote: 未听取专题汇报的扣2分}
  - id: "2"
    name: 主动公开
    points: {xiangzhen: 6}
    reading: track_both
    rules:
      - {id: late, kind: per_occurrence, fact: late_count, amount: 0.5, quote: 未按时限公开的，每次扣0.5分}
"""


def load(text: str) -> govrules.Pack:
    return govrules.load_pack_text(text, "rubric.yaml", DOC)


def problems(text: str) -> list[str]:
    with pytest.raises(govrules.PackError) as caught:
        load(text)
    return [str(p) for p in caught.value.problems]


def test_the_pack_loads_as_written():
    # 组织领导 4 (one briefing) + 主动公开 6 − 2 × 0.5 = 5 → 9
    data = {"target": "xiangzhen", "facts": {"briefings_heard": 1, "late_count": 2}}
    assert load(PACK).assess(data).total == Decimal("9")


def test_a_shape_error_does_not_hide_the_checks_of_what_parsed():
    broken = (
        PACK.replace("    points: {xiangzhen: 4}\n", "    points: {xiangzhen: 4}\n    department: 办公室\n")  # shape
        .replace("每次扣0.5分}", "每次扣1分}")  # a misquote
        .replace("total: 10", "total: 12")  # a bad sum
        .replace("reading: track_both", "reading: track_bothh")  # an unknown reading
    )
    found = problems(broken)
    assert len(found) == 4, found
    assert any("unknown field 'department' (did you mean 'assessors'?)" in p for p in found)
    assert any("quote not found in the source document: 「未按时限公开的，每次扣1分」" in p for p in found)
    assert any("乡镇 total is stated as 12, but its items add up to 10" in p for p in found)  # 4 + 6
    assert any("unknown reading 'track_bothh'; did you mean 'track_both'?" in p for p in found)


def test_what_follows_from_a_part_left_out_is_not_reported():
    # Row 2's kind is mistyped: the row is left out of the checks, and the sum it leaves short is not a problem.
    found = problems(PACK.replace("kind: per_occurrence", "kind: per_occurence"))
    assert len(found) == 1
    assert "unknown rule kind 'per_occurence'; did you mean 'per_occurrence'?" in found[0]


def test_unknown_field_lists_the_fields_there():
    (found,) = problems(PACK.replace("    points: {xiangzhen: 4}\n", "    points: {xiangzhen: 4}\n    department: 办公室\n"))
    assert "rubric.yaml:14 指标 1（组织领导） indicators[0].department" in found
    assert "the fields here are: id, name, points, targets, source, method" in found and "note" in found


def test_note_is_a_documented_field_shown_by_show():
    pack = load(PACK.replace("    points: {xiangzhen: 4}\n", "    points: {xiangzhen: 4}\n    note: 备注栏的话\n"))
    assert pack.spec.indicators[0].note == "备注栏的话"


def test_numeric_ids_say_to_quote_them_and_the_rest_is_still_checked():
    found = problems(PACK.replace('id: "1"', "id: 1").replace("每次扣0.5分}", "每次扣1分}"))
    assert len(found) == 2
    assert 'the id 1 is read as a number: write it in quotes (id: "1")' in found[0]
    assert "quote not found" in found[1]


def test_generated_templates_quote_ids_that_yaml_would_read_as_numbers():
    pack = load(PACK.replace("not_applicable", "x"))
    text = template_yaml(pack, "xiangzhen")
    assert '#   "1": 4' in text and '#   "2": 6' in text
    # uncommented, the block reads back with text keys
    block = "\n".join(line[2:] for line in text.splitlines() if line.startswith('#   "'))
    assert yaml.safe_load(block) == {"1": 4, "2": 6}


def test_an_unquoted_half_width_comma_says_to_quote_the_value():
    text = PACK.replace("quote: 未听取专题汇报的扣2分}", "quote: 跟踪督办, 落实到位 reading: track_both}")
    (found,) = problems(text)
    assert "unknown field '落实到位 reading'" in found
    assert "quote that value" in found and "inside {…} a half-width comma (,) ends a value" in found


def test_a_union_error_is_one_line_naming_the_field_and_what_is_allowed():
    (found,) = problems(PACK.replace('op: "<", value: 1}', 'op: "<", value: {a: 1}}'))
    assert found.endswith("indicators[0].rules[0].when.value: got a mapping; allowed: true or false, or a whole number, or a number, or a date (2024-01-31), or text")


def test_quote_not_found_shows_the_nearest_passage():
    (found,) = problems(PACK.replace("每次扣0.5分}", "每次扣1分}"))
    assert found.endswith("quote not found in the source document: 「未按时限公开的，每次扣1分」; the nearest passage reads 「未按时限公开的，每次扣0.5分…」")
    assert nearest_passage("完全无关的一句话", DOC) is None


def test_curly_and_ascii_quotation_marks_match_alike():
    load(PACK.replace("quote: 跟踪督办，落实到位", 'quote: 他说"好的"'))  # the document has “好的”
    load(PACK.replace("quote: 跟踪督办，落实到位", "quote: '他说“好的”'"))


def test_a_tab_in_unquoted_text_fails_as_it_does_without_libyaml():
    text = PACK.replace("choice: 两者都做到才算", "choice: 两者\t都做到才算")
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=yaml.SafeLoader)  # the pure-Python parser
    (found,) = problems(text)
    assert found.startswith("rubric.yaml:6: a tab inside unquoted text")
    load(PACK.replace("choice: 两者都做到才算", 'choice: "两者\t都做到才算"'))  # quoted, both parsers read it


def test_a_deduction_of_nothing_is_never_a_negative_zero():
    assert signed("-", Decimal("0")) == "0" and signed("-", Decimal("-0")) == "0"
    assert signed("-", Decimal("0.5")) == "-0.5" and signed("+", Decimal("2")) == "+2"


def test_an_unquoted_numeric_item_id_in_an_input_means_that_item():
    # A form filled in by hand: `1: 4` under self_assessment, `- {item: 2, …}` under reviews.
    data = yaml.safe_load(
        "target: xiangzhen\nfacts: {briefings_heard: 1, late_count: 2}\nself_assessment: {1: 4, 2: 5}\n"
        "reviews:\n  - {item: 2, score: 6, reviewer: 复核人, at: 2024-12-20, reason: 材料补齐}\n"
    )
    result = load(PACK).assess(data)
    # 组织领导 4; 主动公开 6 − 2 × 0.5 = 5, reviewed to 6 → 10
    assert result.item("2").score == Decimal("6") and result.total == Decimal("10")
    assert result.item("1").self_score == Decimal("4")


def test_a_file_with_hundreds_of_shape_errors_reports_them_without_salvaging():
    rows = "".join(f"  - {{id: r{i}, name: 行{i}, points: {{xiangzhen: 0}}, departmnt: x}}\n" for i in range(300))
    found = problems(PACK + rows)
    assert len(found) == 300 and all("unknown field 'departmnt'" in p for p in found)
