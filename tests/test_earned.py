"""Points the document phrases as earned (「……，得2分」) read as earned, not as 「−2 …得2分」.

The rule is the same deduction (the row loses the 2 points when the condition
holds); only its words change. Hand-worked from a two-row rubric of 10 points:
专题研究 「每年专题研究政务公开工作1次以上的，得2分」 out of 4, and 年度报告
「按时发布年度报告的，得6分」 (all or nothing) out of 6.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import govrules
from govrules.outputs.describe import describe
from govrules.outputs.report import markdown
from govrules.outputs.xlsx import score_workbook

PACK = """\
format: 1
pack: {id: earned_demo, version: "1", title: 示例, issuer: 示例办, source: 示例}
targets:
  - {id: town, name: 乡镇, total: 10}
facts:
  - {name: studied, label: 是否专题研究, type: boolean}
  - {name: report_on_time, label: 是否按时发布年度报告, type: boolean}
indicators:
  - id: "1"
    name: 专题研究
    points: {town: 4}
    rules:
      - {id: study, kind: fixed, earned: true, when: {fact: studied, is: false}, amount: 2,
         quote: 每年专题研究政务公开工作1次以上的，得2分}
  - id: "2"
    name: 年度报告
    points: {town: 6}
    rules:
      - {id: report, kind: all_or_nothing, earned: true, when: {fact: report_on_time, is: false}, quote: 按时发布年度报告的，得6分}
"""


@pytest.fixture(scope="module")
def pack() -> govrules.Pack:
    return govrules.load_pack_text(PACK, "earned.yaml")


def test_points_not_earned_read_as_not_earned(pack: govrules.Pack) -> None:
    # 未专题研究: 4 − 2 = 2; 年度报告 not on time: 0 of 6; total 2.
    result = pack.assess({"facts": {"studied": False, "report_on_time": False}})
    assert result.total == Decimal(2)
    text = markdown(result)
    assert "未得2分 每年专题研究政务公开工作1次以上的，得2分" in text
    assert "未得6分 按时发布年度报告的，得6分" in text
    assert "-2 每年专题研究" not in text
    effect = result.item("1").effects[0]
    assert effect.earned and effect.to_dict()["earned"] is True
    cells = [str(c.value) for ws in score_workbook(result).worksheets for row in ws.iter_rows() for c in row if c.value]
    assert any(c.startswith("未得2分：") for c in cells)


def test_show_says_the_points_are_not_earned(pack: govrules.Pack) -> None:
    rule = describe(pack)["rows"][0]["rules"][0]
    assert rule["words"] == "「是否专题研究」为“否”时不得2分"


def test_a_rule_without_earned_reads_as_before(pack: govrules.Pack) -> None:
    plain = govrules.load_pack_text(PACK.replace("earned: true, ", ""), "plain.yaml")
    result = plain.assess({"facts": {"studied": False, "report_on_time": True}})
    assert "-2 每年专题研究" in markdown(result)
    assert "earned" not in result.item("1").effects[0].to_dict()
    assert plain.content_hash != pack.content_hash


def test_earned_on_a_rule_that_adds_points_is_refused() -> None:
    text = PACK.replace("kind: fixed, earned: true,", "kind: fixed, earned: true,").replace(
        "indicators:", "adjustments:\n  - {id: b, name: 加分, direction: bonus, rules: [{id: x, kind: fixed, earned: true, when: {fact: studied, is: true}, amount: 1, quote: 得1分}]}\nindicators:"
    )
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(text, "bad.yaml")
    assert any(p.where.startswith("bad.yaml:9") and p.where.endswith("rules[0].earned") and "in a ledger" in p.message for p in info.value.problems)
