"""Caps and floors above a row: a section's cap over all its rows, a cap over rules of several rows, a section's floor.

The test pack (tests/section_caps: 某县 示例, 20 points) reads:

    一、主动公开（10分） 本部分最多扣4分。
      1.1 信息发布（4分）：信息发布不及时的，每次扣1分；发布内容错误的，每次扣1分；
          未公开政府信息公开工作年度报告的，此项不得分。
      1.2 政策解读（3分）：政策解读不及时的，每次扣1分。
          信息发布不及时、政策解读不及时的，合计最多扣2分。
      1.3 专栏建设（3分）：专栏内容未及时更新的，每次扣0.5分。
    二、依申请公开（10分） 本部分扣完为止。
      2.1 答复时限（5分）：未按时答复的，每次扣1分。
      2.2 答复规范（5分）：答复不规范的，每次扣1分。
    各项倒扣分，扣完为止。

Expected scores are worked out from those words; each test says how.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import govrules
from govrules.outputs.describe import describe, show_markdown
from govrules.outputs.report import markdown, recoverable, result_json
from govrules.testing import run_conformance

HERE = Path(__file__).parent / "section_caps"
RUBRIC = HERE / "rubric.yaml"
SOURCE = (HERE / "source.txt").read_text(encoding="utf-8")
NAMED = "信息发布不及时、政策解读不及时的，合计最多扣2分"
WHOLE = "本部分最多扣4分"


@pytest.fixture(scope="module")
def pack() -> govrules.Pack:
    return govrules.load_pack(RUBRIC)


def _facts(late=0, error=0, interp=0, stale=0, foi_late=0, foi_bad=0, report=True) -> dict:  # type: ignore[no-untyped-def]
    return {
        "facts": {
            "late_count": late,
            "error_count": error,
            "annual_report": report,
            "interp_late_count": interp,
            "stale_count": stale,
            "foi_late_count": foi_late,
            "foi_bad_count": foi_bad,
        }
    }


def _caps(result: govrules.Result, section: str) -> list[tuple[Decimal, Decimal]]:
    return [(c.raw, c.cut) for c in result.section(section).caps]


@pytest.mark.parametrize("evaluator", ["durable", "reference"])
def test_under_both_caps_nothing_is_given_back(pack: govrules.Pack, evaluator: str) -> None:
    # 信息发布 1 late: 4 − 1 = 3; 政策解读 1 late: 3 − 1 = 2; 专栏 3.
    # The two late rules took 1 + 1 = 2 ≤ 2; the rows lost 1 + 1 = 2 ≤ 4. 一 = 3 + 2 + 3 = 8; total 8 + 10 = 18.
    result = pack.assess(_facts(late=1, interp=1), evaluator=evaluator)
    assert result.section("1").score == 8
    assert _caps(result, "1") == [(2, 0), (2, 0)]
    assert result.total == 18
    assert result.readings == ()  # the cap's reading only where it cut


@pytest.mark.parametrize("evaluator", ["durable", "reference"])
def test_a_cap_over_rules_of_two_rows_gives_back_at_the_section(pack: govrules.Pack, evaluator: str) -> None:
    # 信息发布 3 late: 4 − 3 = 1; 政策解读 2 late: 3 − 2 = 1; 专栏 2 × 0.5: 3 − 1 = 2. Rows add up to 4.
    # 合计最多扣2分: the late rules took 3 + 2 = 5, so 5 − 2 = 3 comes back at 一.
    # 本部分最多扣4分: the rows lost 3 + 2 + 1 = 6, less the 3 given back = 3 ≤ 4: nothing more.
    # 一 = 4 + 3 = 7. 二: 5 − 3 = 2, 5 − 1 = 4: 6. Total 7 + 6 = 13.
    result = pack.assess(_facts(late=3, interp=2, stale=2, foi_late=3, foi_bad=1), evaluator=evaluator)
    assert [result.item(i).score for i in ("1.1", "1.2", "1.3")] == [1, 1, 2]  # the rows keep their own scores
    assert result.section("1").score == 7
    assert result.section("1").rows_sum == 4
    assert _caps(result, "1") == [(5, 3), (3, 0)]
    assert result.section("2").score == 6
    assert result.total == 13
    assert [r[0] for r in result.readings] == ["late_cap_counts_what_was_taken"]


@pytest.mark.parametrize("evaluator", ["durable", "reference"])
def test_both_caps_cut(pack: govrules.Pack, evaluator: str) -> None:
    # 信息发布 6 late: 4 − 6 → 0 (扣完为止), so the late rule took 4; 专栏 6 × 0.5 = 3: 0. Rows: 0 + 3 + 0 = 3.
    # 合计最多扣2分: took 4 → 2 back. 本部分最多扣4分: lost 4 + 0 + 3 = 7, less 2 = 5 → 1 back.
    # 一 = 3 + 2 + 1 = 6 (10 less the 4 the section may lose); total 6 + 10 = 16.
    result = pack.assess(_facts(late=6, stale=6), evaluator=evaluator)
    assert result.item("1.1").floor_cut == 2
    assert _caps(result, "1") == [(4, 2), (5, 1)]
    assert result.section("1").score == 6
    assert result.total == 16


@pytest.mark.parametrize("evaluator", ["durable", "reference"])
def test_a_row_floored_at_zero_gives_up_the_capped_rules_first(pack: govrules.Pack, evaluator: str) -> None:
    # 信息发布 2 late + 3 errors = 5 > 4 → 0: the errors (not capped) took 3, the late rule the 1 left.
    # 政策解读 2 late: 3 − 2 = 1. Rows: 0 + 1 + 3 = 4.
    # 合计最多扣2分: took 1 + 2 = 3 → 1 back. 本部分最多扣4分: lost 4 + 2 = 6, less 1 = 5 → 1 back. 一 = 4 + 1 + 1 = 6.
    result = pack.assess(_facts(late=2, error=3, interp=2), evaluator=evaluator)
    assert _caps(result, "1") == [(3, 1), (5, 1)]
    assert result.section("1").score == 6
    assert result.total == 16


@pytest.mark.parametrize("evaluator", ["durable", "reference"])
def test_a_zeroed_row_counts_for_the_section_cap_only(pack: govrules.Pack, evaluator: str) -> None:
    # 年度报告未公开: 信息发布 不得分 (0), whatever its late count; its late deductions took nothing.
    # 政策解读 1 late: 2. Rows: 0 + 2 + 3 = 5. 合计最多扣2分: took 0 + 1 = 1: nothing.
    # 本部分最多扣4分: lost 4 + 1 = 5 → 1 back. 一 = 6; total 16.
    result = pack.assess(_facts(late=3, interp=1, report=False), evaluator=evaluator)
    assert result.item("1.1").zeroed_by == "1.1#no_report"
    assert _caps(result, "1") == [(1, 0), (5, 1)]
    assert result.section("1").score == 6
    assert result.total == 16


def test_a_review_counts_what_the_row_lost(pack: govrules.Pack) -> None:
    # 信息发布 3 late: 1 (the late rule took 3 → 1 back); 复核 sets 专栏 to 0.
    # 本部分最多扣4分: lost 3 + 0 + 3 = 6, less 1 = 5 → 1 back. 一 = 1 + 3 + 0 + 1 + 1 = 6.
    data = _facts(late=3)
    data["reviews"] = [{"item": "1.3", "score": 0, "reviewer": "张三", "at": "2025-12-20", "reason": "专栏长期未更新"}]
    result = pack.assess(data)
    assert _caps(result, "1") == [(3, 1), (5, 1)]
    assert result.section("1").score == 6
    # Putting the review right gives 专栏 its 3 points; 一 then loses 3 − 1 = 2 ≤ 4: 一 = 8, 2 more.
    (fix,) = [f for f in recoverable(result) if f.kind == "review"]
    assert (fix.restores, fix.restores_total) == (3, 2)


def test_a_fix_inside_a_capped_section_restores_only_what_the_caps_let_through(pack: govrules.Pack) -> None:
    # As in test_both_caps_cut: 一 = 6.
    # Fix 信息发布's late: the row regains 4 (→ 4); the late rules took 0; lost 0 + 0 + 3 = 3 ≤ 4: 一 = 7, +1.
    # Fix 专栏: the row regains 3; the late rules still took 4 → 2 back; lost 4 − 2 = 2: 一 = 6 + 2 = 8, +2.
    result = pack.assess(_facts(late=6, stale=6))
    fixes = {f.rule: f for f in recoverable(result)}
    assert (fixes["1.1#late"].restores, fixes["1.1#late"].restores_total) == (4, 1)
    assert (fixes["1.3#stale"].restores, fixes["1.3#stale"].restores_total) == (3, 2)


def test_a_fix_the_cap_absorbs_restores_nothing(pack: govrules.Pack) -> None:
    # As in the second test (一 = 7): fixing 政策解读's late leaves the late rules 3 > 2: still 2 taken, 一 = 7.
    # Fixing 信息发布's late likewise (2 left, 2 taken). 专栏 (1) and 2.1 (3) come back in full.
    result = pack.assess(_facts(late=3, interp=2, stale=2, foi_late=3, foi_bad=1))
    restores = [(f.rule, f.restores, f.restores_total) for f in recoverable(result)]
    assert restores == [
        ("2.1#late", 3, 3),
        ("1.3#stale", 1, 1),
        ("2.2#bad", 1, 1),
        ("1.1#late", 3, 0),
        ("1.2#late", 2, 0),
    ]
    assert "受封顶或扣完为止所限" in markdown(result)


def test_the_sheets_say_what_came_back_and_why(pack: govrules.Pack) -> None:
    from openpyxl import Workbook

    from govrules.outputs.html import score_html
    from govrules.outputs.xlsx import fill_score_sheet

    result = pack.assess(_facts(late=6, stale=6))
    md = markdown(result)
    assert f"| 1 | **主动公开** |  | 10 |  | 6 | 不符合 | +2 封顶：{NAMED}（4 → 2）<br>+1 封顶：{WHOLE}（5 → 4） |" in md
    html = score_html(result)
    assert f"<li>+2 封顶：{NAMED}（4 → 2）</li><li>+1 封顶：{WHOLE}（5 → 4）</li>" in html
    ws = Workbook().active
    fill_score_sheet(ws, result)
    cells = [c.value for row in ws.iter_rows() for c in row]
    assert f"本部分封顶退回2分：{NAMED}（4 → 2）\n本部分封顶退回1分：{WHOLE}（5 → 4）" in cells


def test_result_json_carries_caps_and_floor_only_where_the_pack_has_them(pack: govrules.Pack) -> None:
    import json

    data = json.loads(result_json(pack.assess(_facts(late=3, interp=2))))
    one, two = data["sections"]
    assert one["caps"][0] == {"rules": ["1.1#late", "1.2#late"], "raw": "5", "max": "2", "cut": "3", "quote": NAMED, "reading": ["late_cap_counts_what_was_taken"]}
    assert one["caps"][1]["rules"] == [] and "floor_cut" not in one
    assert two["floor_cut"] == "0" and two["floor_quote"] == "本部分扣完为止" and "caps" not in two
    # Shipped packs, whose sections have neither, keep their bytes: tests/test_recorded.py.


def test_show_prints_section_caps_and_floor_in_words(pack: govrules.Pack) -> None:
    text = show_markdown(describe(pack))
    assert "封顶：1.1信息发布：「信息发布不及时次数」、1.2政策解读：「政策解读不及时次数」合计最多扣2分" in text
    assert f"封顶：本部分各项合计最多扣4分，超出部分在本部分退回（「{WHOLE}」）" in text
    assert "扣完为止：本部分最低0分（「本部分扣完为止」）" in text


def test_the_conformance_kit_passes(pack: govrules.Pack) -> None:
    report = run_conformance(pack, max_examples=40)
    assert report.ok, report


# A pack whose capped sections nest, with an item cap, all-or-nothing, two targets and N/A.
NESTED = """
format: 1
pack: {id: nested_section_caps, version: 0.1.0, title: 示例, issuer: 示例, source: 示例}
targets: [{id: xiangzhen, name: 乡镇, total: 20}, {id: shizhi, name: 市直, total: 14}]
facts:
  - {name: a, label: 甲次数, type: count}
  - {name: b, label: 乙次数, type: count}
  - {name: c, label: 丙次数, type: count}
  - {name: d, label: 丁次数, type: count}
  - {name: ok, label: 已完成, type: boolean, default: true}
indicators:
  - id: T
    name: 总
    caps: [{max: 5, quote: 本部分最多扣5分}]
    floor_quote: 本部分扣完为止
    children:
      - id: S
        name: 分一
        caps: [{rules: ["S.1#a", "S.2#a"], max: 1, quote: 合计最多扣1分}]
        children:
          - id: S.1
            name: 一
            points: {xiangzhen: 4, shizhi: 4}
            rules:
              - {id: a, kind: per_occurrence, fact: a, amount: 1, quote: 每次扣1分}
              - {id: b, kind: per_occurrence, fact: b, amount: 0.5, quote: 每次扣0.5分}
              - {id: zero, kind: all_or_nothing, when: {fact: ok, is: false}, quote: 此项不得分}
          - id: S.2
            name: 二
            points: {xiangzhen: 3}
            rules:
              - {id: a, kind: per_occurrence, fact: a, amount: 1, quote: 每次扣1分}
      - id: U
        name: 分二
        children:
          - id: U.1
            name: 三
            points: {xiangzhen: 6, shizhi: 6}
            rules:
              - {id: c, kind: per_occurrence, fact: c, amount: 2, quote: 每次扣2分}
              - {id: d, kind: per_occurrence, fact: d, amount: 1, quote: 每次扣1分}
            caps: [{rules: [d], max: 2, quote: 合计最多扣1分}]
  - id: V
    name: 其他
    caps: [{rules: ["V.1#c"], max: 1, quote: 合计最多扣1分}, {max: 3, quote: 本部分最多扣5分}]
    children:
      - id: V.1
        name: 四
        points: {xiangzhen: 7, shizhi: 4}
        rules:
          - {id: c, kind: per_occurrence, fact: c, amount: 1, quote: 每次扣1分}
          - {id: d, kind: per_occurrence, fact: d, amount: 1, quote: 每次扣1分}
not_applicable: {allowed: true, scoring: rescale}
"""
DOC = "本部分最多扣5分 本部分扣完为止 合计最多扣1分 每次扣1分 每次扣0.5分 此项不得分 每次扣2分"


def test_nested_sections_compose() -> None:
    pack = govrules.load_pack_text(NESTED, "nested.yaml", document=DOC)
    result = pack.assess({"target": "xiangzhen", "facts": {"a": 3, "b": 2, "c": 2, "d": 5}})
    # S.1 (4): a 3 + b 1 = 4 → 0; b took 1 first, so a took 3. S.2 (3): a 3 → 0, took 3.
    # S: 合计最多扣1分 over 3 + 3 = 6 → 5 back; S = 0 + 5 = 5.
    # U.1 (6): c 2 × 2 = 4, d 5 capped at 2 in the row → 6 → 0; U = 0.
    # T: rows 5 + 0; S lost 7 − 5 = 2, U lost 6: 8 > 5 → 3 back; T = 8 (13 less 5).
    # V.1 (7): c 2 + d 5 = 7 → 0; d took 5 first, c the 2 left: over 1 → 1 back;
    #   本部分 (max 3): lost 7 − 1 = 6 → 3 back; V = 0 + 1 + 3 = 4 (7 less 3). Total 8 + 4 = 12.
    assert [(s.id, s.score, [(c.raw, c.cut) for c in s.caps]) for s in result.sections] == [
        ("T", 8, [(8, 3)]),
        ("S", 5, [(6, 5)]),
        ("U", 0, []),
        ("V", 4, [(2, 1), (6, 3)]),
    ]
    assert result.total == 12


def test_the_conformance_kit_passes_on_nested_caps() -> None:
    report = run_conformance(govrules.load_pack_text(NESTED, "nested.yaml", document=DOC), max_examples=60)
    assert report.ok, report


def test_a_section_cap_may_not_reach_into_a_capped_section() -> None:
    text = NESTED.replace('caps: [{max: 5, quote: 本部分最多扣5分}]', 'caps: [{rules: ["S.1#b"], max: 5, quote: 本部分最多扣5分}]')
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(text, "nested.yaml", document=DOC)
    (problem,) = info.value.problems
    assert problem.message == "rule 'S.1#b' lies under section S, which has caps of its own; name it in a cap there"


def test_a_row_not_checked_counts_as_having_lost_everything(pack: govrules.Pack) -> None:
    # 信息发布 not checked (no late count): its rules took nothing, it counts as having lost its 4 points.
    # 政策解读 3 late: 0 (took 3); 专栏 3. Rows: 3. 合计最多扣2分: took 3 → 1 back.
    # 本部分最多扣4分: lost 4 + 3 = 7, less 1 = 6 → 2 back. 一 = 3 + 1 + 2 = 6: the least it can score
    # once 信息发布 is known (年度报告未公开 gives 6; no late gives 4 + 0 + 3 + 1 = 8). The total waits.
    data = _facts(interp=3)
    del data["facts"]["late_count"]
    result = pack.assess(data)
    assert (result.section("1").score, _caps(result, "1"), result.total) == (6, [(3, 1), (6, 2)], None)


# ------------------------------------------------------------------ load errors


def _problems(old: str, new: str, source: str = SOURCE) -> list[govrules.errors.Problem]:
    text = RUBRIC.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(text.replace(old, new), "rubric.yaml", document=source)
    return list(info.value.problems)


CAP = '      - {rules: ["1.1#late", "1.2#late"], max: 2, quote: 信息发布不及时、政策解读不及时的，合计最多扣2分, reading: late_cap_counts_what_was_taken}'


def _one(old: str, new: str, source: str = SOURCE) -> tuple[str, str]:
    (problem,) = _problems(old, new, source)
    return problem.where, problem.message


def test_a_section_cap_names_rules_of_its_own_rows() -> None:
    where, message = _one(CAP, CAP.replace('"1.2#late"', '"2.1#late"'))
    assert where.startswith("rubric.yaml:33 指标 1（主动公开） indicators[0].caps[0].rules")
    assert message == "cap refers to rule '2.1#late', which no row under section 1 has"


def test_a_section_cap_names_rules_as_row_hash_rule() -> None:
    where, message = _one(CAP, CAP.replace('"1.2#late"', '"late"'))
    assert "indicators[0].caps[0].rules" in where
    assert message == "a section's cap names rules of its rows as row#rule (e.g. 2.1#late), not 'late'"


def test_a_rule_belongs_to_one_cap_at_most() -> None:
    item = '          - {id: late, kind: per_occurrence, fact: interp_late_count, amount: 1, quote: 政策解读不及时的，每次扣1分}\n'
    where, message = _one(item, item + "        caps:\n          - {rules: [late], max: 1, quote: 政策解读不及时的，每次扣1分}\n")
    assert "indicators[0].caps[0].rules" in where
    assert message == "rule '1.2#late' is already in a cap on row 1.2; a rule belongs to one cap at most"


def test_an_all_or_nothing_rule_cannot_be_capped() -> None:
    where, message = _one(CAP, CAP.replace('"1.2#late"', '"1.1#no_report"'))
    assert message == "a all_or_nothing rule ('1.1#no_report') cannot be capped"


def test_one_cap_over_all_rows_per_section() -> None:
    whole = "      - {max: 4, quote: 本部分最多扣4分}\n"
    where, message = _one(whole, whole + whole)
    assert "indicators[0].caps[2]" in where
    assert message == "this section already has a cap over all its rows (caps[1]); state it once"


def test_a_section_cap_quote_is_in_the_document() -> None:
    where, message = _one("{max: 4, quote: 本部分最多扣4分}", "{max: 4, quote: 本部分最多扣5分}")
    assert "indicators[0].caps[1].quote" in where
    assert "本部分最多扣5分" in message


def test_floor_quote_goes_on_a_section() -> None:
    where, message = _one("        name: 专栏建设\n", "        name: 专栏建设\n        floor_quote: 本部分扣完为止\n")
    assert "indicators[0].children[2].floor_quote" in where
    assert message.startswith("floor_quote goes on a section")


def test_an_item_cap_names_its_rules() -> None:
    item = '          - {id: stale, kind: per_occurrence, fact: stale_count, amount: 0.5, quote: 专栏内容未及时更新的，每次扣0.5分}\n'
    where, message = _one(item, item + "        caps:\n          - {max: 1, quote: 专栏内容未及时更新的，每次扣0.5分}\n")
    assert "indicators[0].children[2].caps[0]" in where
    assert message == "a cap on an item names the rules it groups (rules: [...])"


def test_sections_still_carry_no_rules() -> None:
    where, message = _one(
        "    floor_quote: 本部分扣完为止\n",
        "    floor_quote: 本部分扣完为止\n    rules:\n      - {id: bad, kind: per_occurrence, fact: foi_bad_count, amount: 1, quote: 答复不规范的，每次扣1分}\n",
    )
    assert "indicators[1].rules" in where
    assert message.startswith("only items (rows without children) carry rules")
