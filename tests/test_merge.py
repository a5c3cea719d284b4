"""Many inputs for one unit: partial assessments merged, rows rated by several raters, conflicts.

Packs used:

* tests/rowscope: a 20-point 乡镇 rubric written for the tests with a 负责考核部门
  column (source.txt): 一、宣传教育 by 「县委宣传部 县教育局」 (1.1 政策宣传 5分
  「未按要求开展宣传的，每次扣1分」; 1.2 校园宣传 5分, 县教育局 alone,
  「未组织进校园宣传的，扣2分」), 二、河湖长制 by 县河长办 (2.1 河长巡河 6分
  「河长未按要求巡河的，每次扣2分」; 2.2 湖长制 4分, 琴江镇 only,
  「每有一项重点任务未落实的，扣2分」);
* tests/panel: a tailoring of fsou_zfxxgk_pinggu whose notice (source.txt, written for
  the tests) has row 8 「对政府信息公开工作是否满意、服务是否满意」 graded by 评议代表 and
  scored 「以各评议代表所评分值的平均分为该项得分」; every row is graded
  优(10) 良(8) 一般(6) 差(0);
* datonghu_2023 (no 负责考核部门): the unit's 自评, the office's facts and its 复核 as three parts.

Every expected score is worked out by hand from those documents, in the comments.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules.cli import main
from govrules.engine.ratings import combine
from govrules.errors import PackError
from govrules.outputs.report import markdown

from datonghu_facts import XZ_ALL_MET

HERE = Path(__file__).parent
ROWSCOPE = HERE / "rowscope"
PANEL = HERE / "panel"
ROWSCOPE_TEXT = (ROWSCOPE / "rubric.yaml").read_text(encoding="utf-8")
ROWSCOPE_SOURCE = (ROWSCOPE / "source.txt").read_text(encoding="utf-8")

#: The nine rows of the graded form the office grades, all 优 but 主动公开内容 (row 2) 良.
OFFICE_GRADES = {
    "timely_grade": "优", "content_grade": "良", "website_grade": "优", "venues_grade": "优", "archive_grade": "优",
    "requests_grade": "优", "forms_grade": "优", "convenience_grade": "优", "annual_report_grade": "优",
}


@pytest.fixture(scope="module")
def registry() -> govrules.Registry:
    return govrules.Registry.discover()


@pytest.fixture(scope="module")
def rowscope() -> govrules.Pack:
    return govrules.load_pack(ROWSCOPE)


@pytest.fixture(scope="module")
def panel(registry) -> govrules.Pack:
    return govrules.load_pack(PANEL, parents=registry)


def both(pack: govrules.Pack, parts, **kwargs) -> govrules.Result:
    """The merged result with either evaluator, which must agree."""
    durable = pack.assess_merged(parts, **kwargs)
    reference = pack.assess_merged(parts, evaluator="reference", **kwargs)
    assert durable.to_json().replace('"durable_rules"', '"reference"') == reference.to_json()
    return durable


def merge_problems(pack: govrules.Pack, parts, **kwargs) -> dict[str, str]:
    with pytest.raises(govrules.FactsError) as exc:
        pack.merge(parts, **kwargs)
    return {p.where: p.message for p in exc.value.problems}


# -------------------------------------------------------- departments' parts

PUBLICITY = {"assessor": "县委宣传部", "target": "xiangzhen", "unit": "琴江镇", "facts": {"publicity_missed": 2}}
EDUCATION = {"assessor": "县教育局", "unit": "琴江镇", "facts": {"school_visit": False}}
RIVERS = {"assessor": "县河长办", "unit": "琴江镇", "facts": {"patrol_missed": 1, "lake_tasks_missed": 1}}


def test_each_department_gives_its_rows_and_the_parts_make_one_result(rowscope):
    r = both(rowscope, [PUBLICITY, EDUCATION, RIVERS])
    # 1.1: 5 − 2 × 1 = 3 (县委宣传部); 1.2: 5 − 2 = 3 (县教育局);
    # 2.1: 6 − 1 × 2 = 4 and 2.2: 4 − 1 × 2 = 2 (县河长办); 3 + 3 + 4 + 2 = 12 of 20.
    assert [r.item(i).score for i in ("1.1", "1.2", "2.1", "2.2")] == [D(3), D(3), D(4), D(2)]
    assert (r.total, r.complete, r.unit) == (D(12), True, "琴江镇")
    sources = r.to_dict()["sources"]
    assert sources == [
        {"name": "inputs[0]", "assessor": "县委宣传部", "gave": ["facts.publicity_missed"]},
        {"name": "inputs[1]", "assessor": "县教育局", "gave": ["facts.school_visit"]},
        {"name": "inputs[2]", "assessor": "县河长办", "gave": ["facts.patrol_missed", "facts.lake_tasks_missed"]},
    ]
    # The same as the one input the merge makes, scored directly.
    merged = rowscope.merge([PUBLICITY, EDUCATION, RIVERS])
    assert merged["facts"] == {"publicity_missed": 2, "school_visit": False, "patrol_missed": 1, "lake_tasks_missed": 1}
    assert rowscope.assess(merged).to_json() == r.to_json()


def test_a_fact_two_assessors_share_may_come_from_both_when_they_agree(rowscope):
    # 1.1 is assessed by 县委宣传部 and 县教育局 (the section's 负责考核部门): both may give publicity_missed.
    education = {**EDUCATION, "facts": {"school_visit": False, "publicity_missed": 2}}
    r = both(rowscope, [PUBLICITY, education, RIVERS])
    assert r.total == D(12)  # as above: the same value twice is one fact
    assert r.to_dict()["sources"][1]["gave"] == ["facts.school_visit", "facts.publicity_missed"]


def test_two_parts_giving_one_fact_different_values_is_a_conflict_naming_both(rowscope):
    education = {**EDUCATION, "facts": {"school_visit": False, "publicity_missed": 3}}
    problems = merge_problems(rowscope, [PUBLICITY, education, RIVERS], names=["宣传部.json", "教育局.json", "河长办.json"])
    assert problems == {
        "facts.publicity_missed": "宣传部.json（县委宣传部） 给出 2，教育局.json（县教育局） 给出 3：各部分不一致；请改正其中一个"
    }


def test_a_department_giving_another_departments_fact_is_refused(rowscope):
    publicity = {**PUBLICITY, "facts": {"publicity_missed": 2, "school_visit": True}}
    problems = merge_problems(rowscope, [publicity, EDUCATION, RIVERS])
    assert problems == {
        "inputs[0]: facts.school_visit": "县委宣传部 不考核是否组织进校园宣传（school_visit）（由指标 1.2 使用）：由县教育局（负责考核部门）考核；"
        "各部门只给出自己所考核指标的事实"
    }


def test_every_problem_is_reported_at_once_with_did_you_mean_for_a_department(rowscope):
    rivers = {**RIVERS, "assessor": "县河长版"}
    no_one = {"unit": "琴江镇", "facts": {"school_visit": True}}
    problems = merge_problems(rowscope, [PUBLICITY, EDUCATION, rivers, no_one])
    assert problems["inputs[2]: facts.patrol_missed"].endswith("；'县河长版' 不考核本指标包的任何指标；是否想写 '县河长办'？")
    assert "inputs[2]: facts.lake_tasks_missed" in problems
    assert problems["inputs[3]: facts.school_visit"] == "是否组织进校园宣传（school_visit）（由指标 1.2 使用）由县教育局（负责考核部门）考核；这一部分没有写负责考核部门（assessor:）"


def test_the_parts_must_be_of_one_unit(rowscope):
    rivers = {**RIVERS, "unit": "北洲子镇"}
    problems = merge_problems(rowscope, [PUBLICITY, EDUCATION, rivers])
    assert problems == {"inputs[2]（县河长办）: unit": "是 '北洲子镇' 的，inputs[0]（县委宣传部） 是 '琴江镇' 的：只合并同一单位的各部分"}
    # A unit's name compared as row units are (white space aside); a part naming none takes the others'.
    r = rowscope.assess_merged([PUBLICITY, {**EDUCATION, "unit": " 琴江镇"}, {k: v for k, v in RIVERS.items() if k != "unit"}])
    assert (r.unit, r.total) == ("琴江镇", D(12))


@pytest.mark.parametrize(
    "inputs, where, message",
    [
        ([], "inputs", "至少给出一份部分考核输入"),
        ("[]", "inputs", "实际是文字；请给出列表，每部分一项"),
        ({"facts": {}}, "inputs", "实际是对象；请给出列表，每部分一项"),
        ([["not", "an", "object"]], "inputs[0]", "部分考核输入应为 JSON 对象；实际是列表"),
        (['{"facts": {'], "inputs[0]: 第1行第12列", "JSON 格式错误（此处应为用英文双引号括起的键名）"),
        ([{"assessor": "  ", "facts": {}}], "inputs[0]: assessor", "负责考核部门（assessor，送来这一部分的部门或评议人）应为名称：文字，不能空白"),
        ([{"assessor": "县河长办", "facts": {}, "sources": []}], "inputs[0]: sources", "sources 由合并写出；每一部分只给出自己的事实（评议人的评议就是他的事实，写在他的 assessor 下）"),
        ([{"assessor": "县河长办", "facts": {"patrol_missed": -1}}], "inputs[0]: facts.patrol_missed", "应不小于 0"),
    ],
)
def test_bad_parts_give_clear_errors(rowscope, inputs, where, message):
    problems = merge_problems(rowscope, inputs)
    assert problems.get(where) == message, problems


def test_mixed_targets_are_refused(registry):
    datonghu = registry.get("datonghu_2023")
    parts = [{"target": "xiangzhen", "facts": {"active_late_count": 1}}, {"target": "quzhi", "facts": {}}]
    assert merge_problems(datonghu, parts) == {
        "inputs[1]: target": "写的是 'quzhi'，inputs[0] 写的是 'xiangzhen'：同一单位的各部分应为同一考核对象"
    }
    # Parts naming no target, of a pack with two, need it from somewhere.
    assert merge_problems(datonghu, [{"facts": {}}]) == {"target": "请指定以下之一：区直（quzhi）、乡镇（xiangzhen）"}
    assert datonghu.merge([{"facts": {}}], target="xiangzhen")["target"] == "xiangzhen"


def test_a_target_named_by_its_id_or_its_chinese_name_is_one_target(registry):
    # As in one JSON input (and on the command line), 乡镇 is xiangzhen: two parts, or a part and the
    # target asked for, naming it the two ways agree; the merged input keeps the id.
    datonghu = registry.get("datonghu_2023")
    parts = [{"target": "乡镇", "facts": {"active_late_count": 1}}, {"target": "xiangzhen", "facts": {"foi_ok": True}}]
    assert datonghu.merge(parts)["target"] == "xiangzhen"
    assert datonghu.merge(parts, target="乡镇")["target"] == "xiangzhen"
    assert merge_problems(datonghu, [{"target": "乡镇", "facts": {}}, {"target": "区直", "facts": {}}]) == {
        "inputs[1]: target": "写的是 '区直'，inputs[0] 写的是 '乡镇'：同一单位的各部分应为同一考核对象"
    }


# ------------------------------------------------ 自评, facts and 复核 as parts

SELF = {"unit": "北洲子镇", "self_assessment": {"xz.1": 20, "xz.2": 20}}
OFFICE = {"assessor": "区政务公开办", "unit": "北洲子镇", "facts": {**XZ_ALL_MET, "active_late_count": 3}}
REVIEW = {"assessor": "区政务公开办 李明", "reviews": [{"item": "xz.1", "score": 20, "reviewer": "区政务公开办 李明", "at": "2023-12-20", "reason": "现场复核：已整改"}]}


def test_self_assessment_facts_and_review_merge_for_a_pack_without_assessors(registry):
    datonghu = registry.get("datonghu_2023")
    r = both(datonghu, [SELF, {**OFFICE, "target": "xiangzhen"}, REVIEW])
    # 主动公开信息 20 − 3 × 0.1 = 19.7 computed, raised to 20 by the 复核; the other four rows 20 each: 100.
    xz1 = r.item("xz.1")
    assert (xz1.computed, xz1.score, xz1.override.old, xz1.override.new) == (D("19.7"), D(20), D("19.7"), D(20))
    assert r.total == D(100)
    # 自评 20 + 20 = 40, both as final: no differences.
    assert (r.self_total, r.differences) == (D(40), ())
    assert [s["gave"] for s in r.to_dict()["sources"]] == [
        ["self_assessment.xz.1", "self_assessment.xz.2"],
        [f"facts.{name}" for name in XZ_ALL_MET],
        ["reviews.xz.1"],
    ]


def test_differing_self_assessments_and_reviews_of_one_item_conflict(registry):
    datonghu = registry.get("datonghu_2023")
    other_self = {"self_assessment": {"xz.1": 19}}
    other_review = {"reviews": [{**REVIEW["reviews"][0], "score": 19.9}]}
    problems = merge_problems(datonghu, [SELF, OFFICE, REVIEW, other_self, other_review, REVIEW], target="xiangzhen")
    assert problems == {
        "self_assessment.xz.1": "inputs[0] 给出 20，inputs[3] 给出 19：各部分不一致；单位对每个指标只给出一个自评",
        "reviews.xz.1": "inputs[2]（区政务公开办 李明） 给出 20（'区政务公开办 李明'，2023-12-20），inputs[4] 给出 19.9（'区政务公开办 李明'，2023-12-20）："
        "各部分不一致；每个指标只保留一条复核",
    }


def test_na_explanations_conflict_and_evidence_is_joined(registry):
    yuelu = registry.get("yuelu_2021")
    item = next(i for i in yuelu.view("jiedao").items if i.indicator.evidence)
    kinds = list(item.indicator.evidence)
    a = {"target": "jiedao", "evidence": {item.id: kinds[:1]}}
    b = {"target": "jiedao", "evidence": {item.id: kinds}}
    assert yuelu.merge([a, b])["evidence"] == {item.id: kinds}
    miluo = registry.get("miluo_2017")
    why = {"target": "xiangzhen", "not_applicable": {"xz.1.1": "书面说明：本镇无此项工作任务"}}
    assert miluo.merge([why, why])["not_applicable"] == {"xz.1.1": "书面说明：本镇无此项工作任务"}
    other = {"not_applicable": {"xz.1.1": "书面说明：已报市政务公开办认定"}}
    assert merge_problems(miluo, [why, other]) == {
        "not_applicable.xz.1.1": "inputs[0] 给出 '书面说明：本镇无此项工作任务'，inputs[1] 给出 '书面说明：已报市政务公开办认定'："
        "各部分不一致；只保留一份书面说明"
    }


# ------------------------------------------------------ several raters of a row

def raters(*grades: tuple[str, str], unit: str = "市民政局") -> list[dict]:
    return [{"assessor": by, "unit": unit, "facts": {"satisfaction_grade": g}} for by, g in grades]


OFFICE_FORM = {"assessor": "市政府信息公开办", "unit": "市民政局", "facts": OFFICE_GRADES}


def test_the_satisfaction_row_is_the_mean_of_its_raters(panel):
    r = both(panel, [OFFICE_FORM, *raters(("张三", "良"), ("李四", "优"), ("王五", "良"))])
    row = r.item("8")
    # 良 8, 优 10, 良 8: (8 + 10 + 8) / 3 = 8.666… → 8.67 (2 places, ROUND_HALF_UP).
    assert (row.score, row.computed, row.status) == (D("8.67"), D("8.67"), "fail")
    # Rows 1, 3–7, 9, 10 优: 8 × 10 = 80; row 2 良: 8; row 8: 8.67; 80 + 8 + 8.67 = 96.67.
    assert r.total == D("96.67")
    ratings = row.to_dict()["ratings"]
    assert (ratings["combine"], ratings["value"], ratings["quote"]) == ("mean", "8.67", "以各评议代表所评分值的平均分为该项得分")
    assert [(x["by"], x["score"], x["facts"]) for x in ratings["ratings"]] == [
        ("张三", "8", {"satisfaction_grade": "良"}),
        ("李四", "10", {"satisfaction_grade": "优"}),
        ("王五", "8", {"satisfaction_grade": "良"}),
    ]
    # Each rater's 8 traces to the graded rule and its words.
    assert ratings["ratings"][0]["effects"][0]["quote"] == "优(10) 良(8) 一般(6) 差(0)"
    assert "grade_scale_every_row" in [rid for rid, _, _ in r.readings]
    sheet = markdown(r)
    assert "3人评议：张三 8（良）、李四 10（优）、王五 8（良）；取平均值 8.67（「以各评议代表所评分值的平均分为该项得分」）" in sheet
    assert "合并自 4 份评分材料：inputs\\[0\\]（市政府信息公开办）、inputs\\[1\\]（张三）、inputs\\[2\\]（李四）、inputs\\[3\\]（王五）" in sheet


def test_ratings_given_in_one_input_score_the_same(panel):
    merged = panel.merge([OFFICE_FORM, *raters(("张三", "良"), ("李四", "优"), ("王五", "良"))])
    assert merged["ratings"] == {"8": [{"by": "张三", "facts": {"satisfaction_grade": "良"}},
                                       {"by": "李四", "facts": {"satisfaction_grade": "优"}},
                                       {"by": "王五", "facts": {"satisfaction_grade": "良"}}]}
    direct = {"unit": "市民政局", "facts": OFFICE_GRADES, "ratings": merged["ratings"]}
    assert panel.assess(direct).total == D("96.67")  # as above


def test_one_rater_is_that_raters_score_and_a_review_still_overrides(panel):
    one = both(panel, [OFFICE_FORM, *raters(("张三", "一般"))])
    # 一般 6: the mean of one is 6; 80 + 8 + 6 = 94.
    assert (one.item("8").score, one.total) == (D(6), D(94))
    review = {"reviews": [{"item": "8", "score": 10, "reviewer": "市政府信息公开办", "at": "2024-01-10", "reason": "补充评议后改评"}]}
    reviewed = both(panel, [OFFICE_FORM, *raters(("张三", "一般")), review])
    row = reviewed.item("8")
    # The 复核 replaces the combined 6 with 10: 80 + 8 + 10 = 98.
    assert (row.computed, row.score, reviewed.total) == (D(6), D(10), D(98))


def test_raters_who_agree_score_as_one_form_does(panel, registry):
    r = panel.assess_merged([OFFICE_FORM, *raters(("张三", "良"), ("李四", "良"), ("王五", "良"))])
    # (8 + 8 + 8) / 3 = 8; 80 + 8 + 8 = 96: what the shipped form gives one filled-in form with 良 on row 8.
    form = registry.get("fsou_zfxxgk_pinggu").assess({"facts": {**OFFICE_GRADES, "satisfaction_grade": "良"}})
    assert r.total == form.total == D(96)


def test_the_same_rater_in_two_parts_is_one_rating(panel):
    again = raters(("张三", "良"), ("李四", "优"), ("张三", "良"))
    r = panel.assess_merged([OFFICE_FORM, *again])
    # 张三 once (8) and 李四 (10): (8 + 10) / 2 = 9; 80 + 8 + 9 = 97.
    assert (r.item("8").score, r.total) == (D(9), D(97))
    problems = merge_problems(panel, [OFFICE_FORM, *raters(("张三", "良"), ("张三", "差"))])
    assert problems == {"facts.satisfaction_grade": 'inputs[1]（张三） 给出 "良"，inputs[2]（张三） 给出 "差"：各部分不一致；张三 对指标 8只评一次'}


def test_a_rating_needs_its_rater(panel):
    problems = merge_problems(panel, [OFFICE_FORM, {"facts": {"satisfaction_grade": "良"}}])
    assert problems == {
        "inputs[1]: facts.satisfaction_grade": "指标 8 由多名评议人评分（raters:）；这一部分没有写评议人（assessor:），无法与其他评议区分"
    }


@pytest.mark.parametrize(
    "ratings, facts, where, message",
    [
        ({"8": [{"by": "张三", "facts": {"satisfaction_grade": "良"}}, {"by": "张三 ", "facts": {"satisfaction_grade": "优"}}]}, {},
         "ratings.8[1].by", "'张三 ' 对指标 8 评了两次（另见 ratings.8[0]）；每名评议人一条"),
        ({"8": [{"by": "张三", "facts": {"timely_grade": "良"}}]}, {},
         "ratings.8[0].facts.timely_grade", "对指标 8 的评议只给该指标的事实：满意度评估等级（satisfaction_grade）"),
        ({"2": [{"by": "张三", "facts": {"content_grade": "良"}}]}, {},
         "ratings.2", "指标 '2' 不是由多名评议人评分的（指标包未给它 raters:）；它的事实写在 facts 下"),
        ({"80": [{"by": "张三", "facts": {}}]}, {}, "ratings.80", "本考核对象没有指标 '80'；是否想写 '8'？"),
        ({"8": []}, {}, "ratings.8", "这里给出的评议指标至少要有一条评议"),
        ({"8": [{"by": "", "facts": {"satisfaction_grade": "良"}}]}, {}, "ratings.8.0.by", "不能为空"),
        # A rating with none of its row's facts: named by label, with the id.
        ({"8": [{"by": "张三", "facts": {}}]}, {}, "ratings.8[0].facts", "对指标 8 的评议须给出它的事实：满意度评估等级（satisfaction_grade）"),
        ({"8": [{"by": "张三", "facts": {"satisfaction_grade": "很好"}}]}, {},
         "ratings.8[0].facts.satisfaction_grade", None),
        ({"8": [{"by": "张三", "facts": {"satisfaction_grade": "良"}}]}, {"satisfaction_grade": "优"},
         "facts.satisfaction_grade", "指标 8 由评议人在 ratings 下给出；满意度评估等级（satisfaction_grade）写在那里（每名评议人一次），不要在这里重复"),
    ],
)
def test_bad_ratings_give_clear_errors(panel, ratings, facts, where, message):
    with pytest.raises(govrules.FactsError) as exc:
        panel.assess({"facts": {**OFFICE_GRADES, **facts}, "ratings": ratings})
    problems = {p.where: p.message for p in exc.value.problems}
    assert where in problems, problems
    if message is not None:
        assert problems[where] == message


@pytest.mark.parametrize(
    "how, scores, expected",
    [
        ("mean", ["8", "10", "8"], "8.67"),  # 26 / 3 = 8.666… → 8.67
        ("mean", ["8", "6", "6"], "6.67"),  # 20 / 3 = 6.666… → 6.67
        ("mean", ["10", "8", "8", "8"], "8.5"),  # 34 / 4
        ("median", ["8", "10", "6"], "8"),  # 6, 8, 10: the middle one
        ("median", ["6", "10", "8", "10"], "9"),  # 6, 8, 10, 10: (8 + 10) / 2
        ("min", ["8", "10", "6"], "6"),
        ("max", ["8", "10", "6"], "10"),
    ],
)
def test_combinations_are_exact_with_the_one_rounding(how, scores, expected):
    assert combine(how, [D(s) for s in scores]) == D(expected)


# -------------------------------------------- departments rating one row, pack checks

#: 1.1 政策宣传 rated by both of its departments, the lower score kept (a reading: the document is silent).
RATED_TEXT = ROWSCOPE_TEXT.replace(
    "readings:\n",
    "readings:\n"
    "  - id: publicity_lower\n"
    "    quote: 县委宣传部 县教育局\n"
    "    choice: 政策宣传由两个部门分别考核，取较低的一个分数（测试用解读）。\n",
    1,
).replace(
    "        source: 按要求开展河湖保护政策宣传。\n",
    "        source: 按要求开展河湖保护政策宣传。\n        raters: {combine: min, reading: publicity_lower}\n",
    1,
)


def load(text: str) -> govrules.Pack:
    return govrules.load_pack_text(text, "rubric.yaml", ROWSCOPE_SOURCE)


def pack_problems(text: str) -> list[str]:
    with pytest.raises(PackError) as exc:
        load(text)
    return [str(p) for p in exc.value.problems]


def test_two_departments_rate_one_row_and_the_lower_score_counts():
    pack = load(RATED_TEXT)
    publicity = {**PUBLICITY, "facts": {"publicity_missed": 1}}
    education = {**EDUCATION, "facts": {"school_visit": False, "publicity_missed": 3}}
    r = both(pack, [publicity, education, RIVERS])
    # 1.1: 县委宣传部 5 − 1 × 1 = 4, 县教育局 5 − 3 × 1 = 2; the lower: 2.
    # 1.2: 5 − 2 = 3; 2.1: 6 − 2 = 4; 2.2: 4 − 2 = 2; 2 + 3 + 4 + 2 = 11.
    assert (r.item("1.1").score, r.total) == (D(2), D(11))
    assert [(x.by, x.score) for x in r.item("1.1").combined.ratings] == [("县委宣传部", D(4)), ("县教育局", D(2))]
    assert "publicity_lower" in [rid for rid, _, _ in r.readings]
    # 县河长办 does not assess 1.1, so it cannot rate it.
    problems = merge_problems(pack, [publicity, {**RIVERS, "facts": {**RIVERS["facts"], "publicity_missed": 0}}])
    assert problems == {
        "inputs[1]: facts.publicity_missed": "县河长办 不考核指标 1.1：由县委宣传部、县教育局（负责考核部门）考核；各部门只给出自己所考核指标的事实"
    }


def test_a_pack_without_raters_keeps_its_content_hash(registry):
    # raters: is an added field: packs that do not use it hash as before (recorded results unchanged).
    assert load(ROWSCOPE_TEXT).content_hash == govrules.load_pack(ROWSCOPE).content_hash
    assert load(RATED_TEXT).content_hash != load(ROWSCOPE_TEXT).content_hash


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("raters: {combine: min, reading: publicity_lower}", "raters: {combine: min}",
         "how the raters' scores combine needs quote: (the document's words) or reading: (the choice, where the document is silent)"),
        ("raters: {combine: min, reading: publicity_lower}", "raters: {combine: min, reading: nope}", "unknown reading 'nope'; declare it under readings:"),
        ("raters: {combine: min, reading: publicity_lower}", "raters: {combine: min, quote: 取平均分}", "quote not found in the source document: 「取平均分」"),
        ("raters: {combine: min, reading: publicity_lower}", "raters: {combine: average, reading: publicity_lower}", "Input should be 'mean', 'median', 'min' or 'max'"),
        ("    assessors: [县河长办]\n", "    assessors: [县河长办]\n    raters: {combine: mean, reading: publicity_lower}\n",
         "only items (rows without children) are rated; put raters: on each item"),
        ("{id: no_visit, kind: fixed, when: {fact: school_visit, is: false}",
         "{id: no_visit, kind: fixed, when: {all: [{fact: school_visit, is: false}, {fact: publicity_missed, op: '>=', value: 0}]}",
         "fact 'publicity_missed' is also read by 1.2: a rated row's facts are its own, since each rater gives them for this row alone"),
    ],
)
def test_bad_raters_are_pack_errors_naming_the_line(old, new, message):
    text = RATED_TEXT.replace(old, new, 1)
    assert text != RATED_TEXT
    found = pack_problems(text)
    assert any(p.startswith("rubric.yaml:") and p.endswith(message) for p in found), found


# ----------------------------------------------------------------------- CLI


def test_score_takes_the_parts_of_one_unit(tmp_path):
    files = []
    for name, part in (("宣传部.json", PUBLICITY), ("教育局.json", EDUCATION), ("河长办.json", RIVERS)):
        (tmp_path / name).write_text(json.dumps(part, ensure_ascii=False), encoding="utf-8")
        files.append(str(tmp_path / name))
    run = CliRunner().invoke(main, ["score", str(ROWSCOPE), *files, "--format", "json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data["total"] == "12"  # as in the first test
    assert [s["assessor"] for s in data["sources"]] == ["县委宣传部", "县教育局", "县河长办"]
    (tmp_path / "教育局.json").write_text(json.dumps({**EDUCATION, "facts": {"school_visit": False, "publicity_missed": 3}}, ensure_ascii=False), encoding="utf-8")
    run = CliRunner().invoke(main, ["score", str(ROWSCOPE), *files])
    assert run.exit_code != 0
    assert "Traceback" not in run.output
    assert f"{files[0]}（县委宣传部） 给出 2，{files[1]}（县教育局） 给出 3：各部分不一致" in run.output.replace("\n", "")


# --------------------------------------------------------------------- batch


def test_batch_joins_the_parts_of_a_unit_from_files_and_rows(rowscope, tmp_path):
    from govrules.outputs.batch import read_units, score_units

    folder = tmp_path / "units"
    folder.mkdir()
    for name, part in (("a.json", PUBLICITY), ("b.json", EDUCATION), ("c.json", RIVERS)):
        (folder / name).write_text(json.dumps(part, ensure_ascii=False), encoding="utf-8")
    whole = {"target": "xiangzhen", "unit": "北洲子镇", "facts": {"publicity_missed": 0, "school_visit": True, "patrol_missed": 0, "lake_tasks_missed": 0}}
    (folder / "北洲子镇.json").write_text(json.dumps(whole, ensure_ascii=False), encoding="utf-8")
    batch = read_units(folder, rowscope)
    score_units(batch)
    # 琴江镇 from three departments' files: 12, as in the first test; 北洲子镇 in one file, nothing lost: 20.
    # (北洲子镇 has no lake: 2.2 is not applicable, rescaled: 16 of 16 → 20.)
    assert [(u.where, u.unit, u.result.total) for u in batch.units] == [("a.json + b.json + c.json", "琴江镇", D(12)), ("北洲子镇.json", "北洲子镇", D(20))]

    table = tmp_path / "units.csv"
    table.write_text(
        "unit,assessor,publicity_missed,school_visit,patrol_missed,lake_tasks_missed\n"
        "琴江镇,县委宣传部,2,,,\n"
        "琴江镇,县教育局,,否,,\n"
        "琴江镇,县河长办,,,1,1\n"
        "北洲子镇,县河长办,,,1,0\n"
        "北洲子镇,县委宣传部,,,2,\n",
        encoding="utf-8",
    )
    batch = read_units(table, rowscope)
    score_units(batch, target="xiangzhen")
    qinjiang, beizhouzi = batch.units
    assert (qinjiang.where, qinjiang.result.total) == ("units.csv 第2行 + units.csv 第3行 + units.csv 第4行", D(12))
    # A department's row giving another's fact fails the whole unit, naming the row: never scored without it.
    assert beizhouzi.result is None
    assert [(p.where, p.message.split("：")[0]) for p in beizhouzi.problems] == [
        ("units.csv 第6行: facts.patrol_missed", "县委宣传部 不考核河长未按要求巡河次数（patrol_missed）（由指标 2.1 使用）")
    ]


def test_a_part_in_a_batch_folder_names_its_unit(rowscope, tmp_path):
    from govrules.outputs.batch import read_units, score_units

    (tmp_path / "宣传部.json").write_text(json.dumps({"assessor": "县委宣传部", "facts": {"publicity_missed": 1}}, ensure_ascii=False), encoding="utf-8")
    batch = read_units(tmp_path, rowscope)
    score_units(batch, target="xiangzhen")
    (unit,) = batch.units
    assert unit.result is None and "须写明单位" in unit.problems[0].message


# ------------------------------------------ splitting an input changes nothing

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from govrules.testing import assessments  # noqa: E402

_REGISTRY = govrules.Registry.discover()
_TARGETS = [(p.id, t) for p in _REGISTRY.packs for t in p.targets]


@st.composite
def split(draw, pack_id: str, target: str):
    """An assessment of a shipped pack (none names 负责考核部门), and the same cut into parts, some things given twice."""
    pack = _REGISTRY.get(pack_id)
    whole = draw(assessments(pack, target, complete=draw(st.booleans())))
    n = draw(st.integers(1, 4))
    parts: list[dict] = [{"assessor": f"部门{i}", "facts": {}} for i in range(n)]
    parts[draw(st.integers(0, n - 1))]["target"] = target
    if "unit" in whole:
        for i in draw(st.sets(st.integers(0, n - 1), min_size=1)):
            parts[i]["unit"] = whole["unit"]

    def some() -> set[int]:
        return draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=2))  # once, or the same value twice

    for name, value in whole.get("facts", {}).items():
        if value is not None:
            for i in some():
                parts[i]["facts"][name] = value
    for key in ("evidence", "not_applicable", "self_assessment"):
        for item, value in whole.get(key, {}).items():
            for i in some():
                parts[i].setdefault(key, {})[item] = value
    for review in whole.get("reviews", []):
        for i in some():
            parts[i].setdefault("reviews", []).append(review)
    return pack, whole, parts


@pytest.mark.parametrize("pack_id, target", _TARGETS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_an_input_cut_into_parts_and_merged_scores_the_same(pack_id, target, data):
    pack, whole, parts = data.draw(split(pack_id, target))
    merged = pack.assess_merged(parts).to_dict()
    assert len(merged.pop("sources")) == len(parts)
    assert merged == pack.assess(whole).to_dict()


def test_show_says_how_a_rated_row_is_scored(panel):
    from govrules.outputs.describe import describe, show_markdown

    assert "多人评议：各评议人分别计分，取平均值（「以各评议代表所评分值的平均分为该项得分」）" in show_markdown(describe(panel))


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.text(max_size=8) | st.sampled_from(["良", "\ud800", " ", "8", "县教育局"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["facts", "assessor", "unit", "target", "satisfaction_grade", "ratings", "reviews", "by", "x"]), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(inputs=st.lists(_JSONISH, max_size=4) | _JSONISH)
def test_whatever_the_parts_hold_merging_ends_in_a_facts_error_or_a_result(panel, inputs):
    try:
        panel.assess_merged(inputs)
    except govrules.FactsError as exc:
        assert exc.problems and all(isinstance(p.where, str) for p in exc.problems)


def test_a_departments_form_holds_its_own_facts_and_merges_back(tmp_path):
    from openpyxl import load_workbook

    runner = CliRunner()
    out = tmp_path / "河长办.xlsx"
    run = runner.invoke(main, ["template", str(ROWSCOPE), "--assessor", "县河长办", "--format", "xlsx", "--out", str(out)])
    assert run.exit_code == 0, run.output
    wb = load_workbook(out)
    info, facts = wb["基本信息"], wb["事实"]
    assert [r[0].value for r in facts.iter_rows(min_row=2)] == ["patrol_missed", "lake_tasks_missed"]  # 2.1 and 2.2 only
    assert ["assessor", "负责考核部门 / 评议人", "县河长办"] in [[c.value for c in r] for r in info.iter_rows()]
    info["C4"] = "琴江镇"  # the 单位名称 cell
    facts["G2"], facts["G3"] = 1, 1
    wb.save(out)
    parts = []
    for name, part in (("宣传部.json", PUBLICITY), ("教育局.json", EDUCATION)):
        (tmp_path / name).write_text(json.dumps(part, ensure_ascii=False), encoding="utf-8")
        parts.append(str(tmp_path / name))
    run = runner.invoke(main, ["score", str(ROWSCOPE), *parts, str(out), "--format", "json"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.output)["total"] == "12"  # as in the first test, 县河长办's facts from its form

    run = runner.invoke(main, ["template", str(ROWSCOPE), "--assessor", "县河长", "--out", str(tmp_path / "x.yaml")])
    assert run.exit_code == 1 and "是否想写 '县河长办'？" in run.output
    assert not (tmp_path / "x.yaml").exists()
    yaml_form = runner.invoke(main, ["template", str(ROWSCOPE), "--assessor", "县教育局"]).output
    assert 'assessor: "县教育局"' in yaml_form and "publicity_missed: null" in yaml_form and "patrol_missed" not in yaml_form


def test_a_veto_may_not_read_a_rated_rows_fact():
    # A veto deciding the grade from one rater's facts would be a guess: refused at load, like any other reader.
    text = RATED_TEXT + (
        "grades:\n"
        "  - bands:\n"
        "      - {grade: 合格, min: 12, quote: 12分以上为合格}\n"
        "      - {grade: 不合格, quote: 不足12分为不合格}\n"
        "vetoes:\n"
        "  - {id: no_publicity, name: 未开展宣传, when: {fact: publicity_missed, op: '>', value: 3}, at_most: 不合格, quote: 未开展宣传超过3次的为不合格}\n"
    )
    document = ROWSCOPE_SOURCE + "\n12分以上为合格，不足12分为不合格。未开展宣传超过3次的为不合格。\n"
    with pytest.raises(PackError) as exc:
        govrules.load_pack_text(text, "rubric.yaml", document)
    assert [p.message for p in exc.value.problems] == [
        "fact 'publicity_missed' is also read by no_publicity: a rated row's facts are its own, since each rater gives them for this row alone"
    ]
    # Without raters: the same pack loads.
    govrules.load_pack_text(text.replace("        raters: {combine: min, reading: publicity_lower}\n", ""), "rubric.yaml", document)



TWO_FACT_PANEL = """
format: 1
pack: {id: rated, version: "0", title: 测试, issuer: 测试, source: 测试}
targets: [{id: a, name: 甲, total: 10}]
facts:
  - {name: tone_bad, label: 服务态度差, type: boolean}
  - {name: slow, label: 办理迟缓, type: boolean}
indicators:
  - id: "1"
    name: 满意度
    points: {a: 10}
    raters: {combine: mean, quote: 取平均分}
    rules:
      - {id: t, kind: fixed, when: {fact: tone_bad, op: "==", value: true}, amount: 3, quote: 态度差扣3分}
      - {id: s, kind: fixed, when: {fact: slow, op: "==", value: true}, amount: 2, quote: 办理慢扣2分}
"""


def test_a_rater_whose_facts_leave_the_row_unscored_is_named_with_the_facts_missing_by_label():
    pack = govrules.load_pack_text(TWO_FACT_PANEL)
    ratings = {"1": [{"by": "张三", "facts": {"tone_bad": False, "slow": True}}, {"by": "李四", "facts": {"tone_bad": True}}]}
    with pytest.raises(govrules.FactsError) as exc:
        pack.assess({"ratings": ratings})
    # 李四 said nothing of 办理迟缓: row 1 has no score from him (10 − 3 − ? ), so no mean is taken over 张三's 8 alone.
    problems = {p.where: p.message for p in exc.value.problems}
    assert problems == {"ratings.1[1]": "李四 的事实不足以给指标 1 打分（缺少：办理迟缓（slow））"}
