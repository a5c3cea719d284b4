"""The four rule kinds of issue 11, on a test pack of rows quoted from two references (tests/packs/newkinds).

Rows (source.txt holds both reference texts):

* 2.232 (2分), per_step: 「新进人员中35周岁以下占比不低于95%的，得2分；每低1%，扣0.2分」;
  reading whole_percents: 每低1% counts whole percents.
* 2.222 (1.5分, ceiling 2), award_each + per_occurrence: 「保持基层人员编制稳定的，得1.5分；
  …每增加1名人员编制的，加0.05分，加分不超过0.5分；对比上年度，每减少1名人员编制的，扣0.1分，扣分不超过2分」.
* 3.241 (1.5分), deduct_then_zero: 「发现一次的，扣0.5分；发现有两次及以上的，此项不得分」.
* 10 (10分), graded: 「优(10) 良(8) 一般(6) 差(0)」.

The total is 2 + 1.5 + 1.5 + 10 = 15. Every expected score is worked out from
those words in the comment beside it.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find, settings

import govrules
from govrules.outputs.describe import describe
from govrules.outputs.report import markdown, recoverable
from govrules.testing import run_conformance
from govrules.testing.strategies import fact_values, thresholds
from govrules.testing.violations import violation_directions

HERE = Path(__file__).parent / "packs" / "newkinds"
RUBRIC = HERE / "rubric.yaml"
EVALUATORS = ["durable", "reference"]


@pytest.fixture(scope="module")
def pack() -> govrules.Pack:
    return govrules.load_pack(RUBRIC)


def facts(share: Any = 95, interfered: int = 0, added: int = 0, removed: int = 0, grade: str = "优") -> dict[str, Any]:
    return {
        "target": "unit",
        "facts": {
            "young_share": share,
            "interference_count": interfered,
            "staff_added_count": added,
            "staff_removed_count": removed,
            "annual_report_grade": grade,
        },
    }


def test_all_met_scores_the_stated_total(pack: govrules.Pack) -> None:
    # 2 + 1.5 + 1.5 + 10 = 15, nothing fired
    for evaluator in EVALUATORS:
        result = pack.assess(facts(), evaluator=evaluator)
        assert result.total == D(15)
        assert all(i.status == "pass" and not i.effects for i in result.items)


# --------------------------------------------------------------------------- per_step


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("share", "score", "steps"),
    [
        (95, "2", None),  # 不低于95%: met
        ("99.5", "2", None),  # above: met, nothing extra
        ("94.5", "2", None),  # 0.5% below: no whole percent below, nothing deducted (reading whole_percents)
        ("94.000001", "2", None),  # just short of one whole percent
        (94, "1.8", 1),  # one whole percent: 2 − 1 × 0.2 = 1.8
        ("92.5", "1.6", 2),  # 2.5% below: 2 whole percents, 2 − 2 × 0.2 = 1.6
        (85, "0", 10),  # 10 × 0.2 = 2: all of the row
        (80, "0", 15),  # 15 × 0.2 = 3 > 2: 0, the floor takes back 1
    ],
)
def test_per_step_counts_whole_percents(pack: govrules.Pack, evaluator: str, share: Any, score: str, steps: int | None) -> None:
    item = pack.assess(facts(share=D(str(share))), evaluator=evaluator).item("2.232")
    assert item.score == D(score)
    if steps is None:
        assert item.effects == () and item.status == "pass"
    else:
        (e,) = item.effects
        assert (e.kind, e.quantity, e.unit_amount, e.amount) == ("per_step", steps, D("0.2"), D("0.2") * steps)
        assert e.reading == ("whole_percents",)


def test_per_step_explains_the_steps_it_counted(pack: govrules.Pack) -> None:
    text = markdown(pack.assess(facts(share=D("92.5"))))
    # 95 − 92.5 = 2.5, two whole steps of 1, each 0.2
    assert "-0.4 新进人员中35周岁以下占比不低于95%的，得2分；每低1%，扣0.2分（2 × 0.2）（92.5，低于95共2.5，按每1计2次，不足1的部分不计）" in text
    result = pack.assess(facts(share=D("92.5")))
    assert f"- {result.reading_names()['whole_percents']} " in text  # the reading, by its place in the pack (解读N)


def test_per_step_partial_counted_and_at_most(pack: govrules.Pack) -> None:
    # partial: counted (不足1%的按1%计): 92.5 is 2.5 below, three begun steps → 2 − 3 × 0.2 = 1.4;
    # 94.5 is one begun step → 1.8.
    counted = govrules.load_pack_text(RUBRIC.read_text(encoding="utf-8").replace("amount: 0.2, reading", "amount: 0.2, partial: counted, reading"), str(RUBRIC))
    for evaluator in EVALUATORS:
        assert counted.assess(facts(share=D("92.5")), evaluator=evaluator).item("2.232").score == D("1.4")
        assert counted.assess(facts(share=D("94.5")), evaluator=evaluator).item("2.232").score == D("1.8")
        assert counted.assess(facts(share=D(95)), evaluator=evaluator).item("2.232").score == D(2)
    # at_most (不高于): at_most 5, step 1, 0.2 each; 7.9 is 2.9 above → 2 whole steps → 1.6
    above = govrules.load_pack_text(RUBRIC.read_text(encoding="utf-8").replace("at_least: 95", "at_most: 5"), str(RUBRIC))
    for evaluator in EVALUATORS:
        assert above.assess(facts(share=D("7.9")), evaluator=evaluator).item("2.232").score == D("1.6")
        assert above.assess(facts(share=D("5.9")), evaluator=evaluator).item("2.232").score == D(2)


# -------------------------------------------------------------------- deduct_then_zero


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("count", "score"), [(0, "1.5"), (1, "1.0"), (2, "0"), (5, "0")])
def test_one_occurrence_deducts_two_zero_the_row(pack: govrules.Pack, evaluator: str, count: int, score: str) -> None:
    # 发现一次的，扣0.5分: 1.5 − 0.5 = 1.0; 发现有两次及以上的，此项不得分: 0
    item = pack.assess(facts(interfered=count), evaluator=evaluator).item("3.241")
    assert item.score == D(score)
    if count >= 2:
        assert item.zeroed_by == "3.241#interfered"
        assert [e.mode for e in item.effects] == ["zero"]
    elif count == 1:
        assert [(e.mode, e.amount) for e in item.effects] == [("deduct", D("0.5"))]
        assert item.zeroed_by is None


def test_zeroing_is_explained_with_the_count(pack: govrules.Pack) -> None:
    text = markdown(pack.assess(facts(interfered=3)))
    assert "不计分 发现一次的，扣0.5分；发现有两次及以上的，此项不得分（发现3次，达到不得分的次数）" in text
    # 可挽回: putting it right restores the row's 1.5
    (fix,) = [f for f in recoverable(pack.assess(facts(interfered=3))) if f.item == "3.241"]
    assert fix.restores == D("1.5")


# -------------------------------------------------------------------------- award_each


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_twelve_more_staff_reach_the_ceiling(pack: govrules.Pack, evaluator: str) -> None:
    # 1.5 + 0.05 × 12 = 2.1; 加分不超过0.5分: the bonus 0.6 is cut to 0.5 → 2.0 (the row's ceiling)
    result = pack.assess(facts(added=12), evaluator=evaluator)
    item = result.item("2.222")
    assert item.score == D("2.0")
    (e,) = item.effects
    assert (e.kind, e.mode, e.amount, e.quantity) == ("award_each", "award", D("0.60"), 12)
    (cap,) = item.caps
    assert (cap.raw, cap.max, cap.cut) == (D("0.60"), D("0.5"), D("0.10"))
    assert item.status == "pass"  # a bonus is no failure
    assert result.total == D("15.5")  # 2 + 2.0 + 1.5 + 10


def test_the_cut_bonus_is_shown_as_taken_back(pack: govrules.Pack) -> None:
    text = markdown(pack.assess(facts(added=12)))
    assert "+0.6 每增加1名人员编制的，加0.05分（12 × 0.05）<br>-0.1 封顶：加分不超过0.5分（0.6 → 0.5）" in text
    # a bonus is nothing to put right
    assert not [f for f in recoverable(pack.assess(facts(added=12))) if f.item == "2.222"]


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_without_the_cap_the_ceiling_cuts_and_says_why(evaluator: str) -> None:
    # Only the ceiling (2): 1.5 + 0.6 = 2.1 → 2.0, 0.1 cut, with the ceiling's words
    text = RUBRIC.read_text(encoding="utf-8").replace("      - {rules: [more_staff], max: 0.5, quote: 加分不超过0.5分}\n", "")
    pack = govrules.load_pack_text(text, str(RUBRIC))
    item = pack.assess(facts(added=12), evaluator=evaluator).item("2.222")
    assert (item.score, item.ceiling_cut, item.caps) == (D("2.0"), D("0.1"), ())
    assert "-0.1 本项最高2分：加分不超过0.5分" in markdown(pack.assess(facts(added=12)))


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("added", "removed", "score"),
    [
        (4, 0, "1.7"),  # 1.5 + 4 × 0.05
        (10, 0, "2.0"),  # 1.5 + 0.5: at the cap, nothing cut
        (0, 3, "1.2"),  # 1.5 − 3 × 0.1
        (0, 30, "0"),  # 3 → 扣分不超过2分 → 2 > 1.5 → 0
    ],
)
def test_staff_change_both_ways(pack: govrules.Pack, evaluator: str, added: int, removed: int, score: str) -> None:
    assert pack.assess(facts(added=added, removed=removed), evaluator=evaluator).item("2.222").score == D(score)


# ------------------------------------------------------------------------------ graded


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("grade", "score"), [("优", "10"), ("良", "8"), ("一般", "6"), ("差", "0")])
def test_the_row_scores_its_grade(pack: govrules.Pack, evaluator: str, grade: str, score: str) -> None:
    item = pack.assess(facts(grade=grade), evaluator=evaluator).item("10")
    assert item.score == D(score)
    assert item.status == ("pass" if grade == "优" else "fail")
    if grade != "优":
        (e,) = item.effects
        assert (e.kind, e.mode, e.amount) == ("graded", "set", D(score))


def test_the_grade_reads_as_earned(pack: govrules.Pack) -> None:
    result = pack.assess(facts(grade="良"))
    assert "得8分 优(10) 良(8) 一般(6) 差(0)（评为良，得8分）" in markdown(result)
    (fix,) = [f for f in recoverable(result) if f.item == "10"]
    assert (fix.lost, fix.restores) == (D(2), D(2))  # 10 − 8
    rule = [r for row in describe(pack)["rows"] if row["id"] == "10" for r in row["rules"]][0]
    assert rule["words"] == "按「年度报告评估等级」评定等级，得该等级的分值：优10分、良8分、一般6分、差0分"
    assert rule["grades"] == {"优": "10", "良": "8", "一般": "6", "差": "0"}


# --------------------------------------------------------------- load-time errors


def _problems(old: str, new: str) -> list[Any]:
    text = RUBRIC.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(text.replace(old, new), "rubric.yaml")
    return list(info.value.problems)


def test_a_grade_without_points_is_refused_at_its_line() -> None:
    (p,) = _problems("一般: 6, 差: 0}", "一般: 6}")
    assert p.where == "rubric.yaml:66 指标 10（年度报告） indicators[3].rules[0].grades"
    assert p.message == "every grade of 'annual_report_grade' needs its points; 差 has none"


def test_a_grade_above_the_row_is_refused() -> None:
    # a row of 8 points graded 优(10): 优 gives more than the row has (and the stated total 15 no longer adds up)
    found = {(q.where, q.message) for q in _problems("points: {unit: 10}", "points: {unit: 8}")}
    assert ("rubric.yaml:66 指标 10（年度报告） indicators[3].rules[0].grades.优", "grade '优' gives 10 points, above the row's 8 for 'unit'") in found
    problems = _problems("{优: 10, 良: 8", "{优: 12, 良: 8")
    messages = {q.message for q in problems}
    assert "grade '优' gives 12 points, above the row's 10 for 'unit'" in messages
    assert all(q.where == "rubric.yaml:66 指标 10（年度报告） indicators[3].rules[0].grades.优" for q in problems)


def test_the_best_grade_must_be_the_rows_points() -> None:
    (p,) = _problems("{优: 10, 良: 8", "{优: 9, 良: 8")
    assert p.where == "rubric.yaml:66 指标 10（年度报告） indicators[3].rules[0].grades"
    assert "the best grade gives 9 points, below the row's 10" in p.message


def test_a_graded_rule_needs_a_choice_fact() -> None:
    (p,) = _problems("kind: graded, fact: annual_report_grade", "kind: graded, fact: young_share")
    assert p.where == "rubric.yaml:66 指标 10（年度报告） indicators[3].rules[0].fact"
    assert p.message == "a graded rule needs a choice fact; 'young_share' is number"


def test_a_grade_that_is_not_an_element_is_refused() -> None:
    problems = _problems("差: 0}", "差: 0, 较差: 0}")
    assert [(q.where, q.message) for q in problems] == [
        ("rubric.yaml:66 指标 10（年度报告） indicators[3].rules[0].grades.较差", "'较差' is not a grade of 'annual_report_grade' (its elements are 优、良、一般、差)")
    ]


def test_deduct_then_zero_needs_a_count_of_two_or_more() -> None:
    (p,) = _problems("zero_from: 2", "zero_from: 1")
    assert p.where.startswith("rubric.yaml:59 指标 3.241（严格落实党管机构编制原则） indicators[2].rules[0]")
    assert "zero_from" in p.where + p.message and "greater than or equal to 2" in p.message


def test_deduct_then_zero_cannot_be_capped() -> None:
    (p,) = _problems("    name: 严格落实党管机构编制原则\n    points: {unit: 1.5}\n", "    name: 严格落实党管机构编制原则\n    points: {unit: 1.5}\n    caps: [{rules: [interfered], max: 1, quote: 扣分不超过2分}]\n")
    assert p.where.startswith("rubric.yaml:") and "indicators[2].caps[0].rules" in p.where
    assert p.message == "a deduct_then_zero rule ('interfered') cannot be capped"


def test_per_step_takes_one_threshold() -> None:
    (p,) = _problems("at_least: 95, step: 1", "at_least: 95, at_most: 99, step: 1")
    assert p.where.startswith("rubric.yaml:39 指标 2.232（新进人员年龄结构） indicators[0].rules[0]")
    assert "either at_least (不低于) or at_most (不高于)" in p.message
    (p,) = _problems("step: 1, amount: 0.2", "step: 0, amount: 0.2")
    assert p.where.startswith("rubric.yaml:39 指标 2.232（新进人员年龄结构） indicators[0].rules[0]") and "step" in p.where + p.message


def test_per_step_on_a_count_takes_whole_numbers() -> None:
    # a count with whole numbers loads (95 and 1); a half step does not
    problems = _problems("kind: per_step, fact: young_share, at_least: 95, step: 1", "kind: per_step, fact: interference_count, at_least: 95, step: 0.5")
    assert [(q.where, q.message) for q in problems] == [
        ("rubric.yaml:39 指标 2.232（新进人员年龄结构） indicators[0].rules[0].step", "'interference_count' is a count; its step must be a whole number")
    ]


def test_an_award_needs_the_rows_ceiling() -> None:
    (p,) = _problems("    ceiling: {unit: 2}\n    ceiling_quote: 加分不超过0.5分\n", "")
    assert p.where == "rubric.yaml:46 指标 2.222（基层人员编制） indicators[1].rules[0].kind"
    assert "a award_each rule adds points, so the row needs a ceiling" in p.message


def test_new_kinds_stay_out_of_ledgers() -> None:
    text = RUBRIC.read_text(encoding="utf-8") + (
        "adjustments:\n  - id: bonus\n    name: 加分项\n    direction: bonus\n    rules:\n"
        "      - {id: more, kind: award_each, fact: staff_added_count, amount: 0.05, quote: 每增加1名人员编制的，加0.05分}\n"
    )
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(text, "rubric.yaml")
    (p,) = info.value.problems
    assert p.where.endswith("adjustments[0].rules[0].kind")
    assert p.message == "a award_each rule does not fit a bonus or penalty ledger"


# ------------------------------------------------------------------ conformance kit


def test_the_kit_draws_values_either_side_of_each_threshold(pack: govrules.Pack) -> None:
    view = pack.view("unit")
    near = thresholds(view)
    assert near["young_share"] == (D(94),)  # one whole step below 95
    assert near["interference_count"] == (0, 2)  # where the deduction starts, and where it turns into zeroing
    specs = {f.name: f for f in view.facts}

    def draws(name: str, pred: Any) -> Any:
        return find(fact_values(view, specs[name]), pred, settings=settings(max_examples=2000, database=None))

    # either side of one whole percent below 95, and of 95 itself
    for wanted in (D(94), D("94.000001"), D("93.999999"), D(95)):
        assert D(str(draws("young_share", lambda v, w=wanted: D(str(v)) == w))) == wanted
    for wanted in (0, 1, 2, 3):
        assert draws("interference_count", lambda v, w=wanted: v == w) == wanted
    for grade in ("优", "差"):
        assert draws("annual_report_grade", lambda v, g=grade: v == g) == grade


def test_every_new_kinds_fact_has_a_worse_direction(pack: govrules.Pack) -> None:
    ways = violation_directions(pack.view("unit"))
    assert ways == {
        "young_share": "down",
        "interference_count": "up",
        "staff_added_count": "down",  # fewer added staff, a smaller bonus
        "staff_removed_count": "up",
        "annual_report_grade": ("优", "良", "一般", "差"),
    }


def test_the_conformance_kit_passes(pack: govrules.Pack) -> None:
    report = run_conformance(pack, max_examples=150)
    assert report.ok, report


def test_show_says_each_rule_in_words(pack: govrules.Pack) -> None:
    rows = {row["id"]: row for row in describe(pack)["rows"]}
    assert rows["2.232"]["rules"][0]["words"] == "「新进人员中35周岁以下占比」不低于95%，每低1%扣0.2分（不足1%的不计）"
    assert rows["2.232"]["rules"][0]["at_least"] == "95"
    assert rows["3.241"]["rules"][0]["words"] == "按「干预下级机构编制的次数」，每次扣0.5分；2次及以上的，本项不计分"
    assert rows["3.241"]["rules"][0]["zero_from"] == 2
    award = rows["2.222"]
    assert award["rules"][0]["words"] == "按「对比上年度增加的人员编制数」，每名加0.05分（本项最高分以内）"
    assert [c["words"] for c in award["caps"]] == ["「对比上年度增加的人员编制数」合计最多加0.5分", "「对比上年度减少的人员编制数」合计最多扣2分"]
    assert (award["ceiling"], award["ceiling_quote"]) == ({"unit": "2"}, "加分不超过0.5分")
    assert "ceiling" not in rows["3.241"]


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_a_deduction_beside_a_grade_comes_off_the_grades_points(evaluator: str) -> None:
    # Row 10 graded 良 (8) with a second rule on the row deducting 1 per late report
    # (wording borrowed from row 3.243's 「每例扣0.1分」, amount 1 for easy arithmetic): 8 − 2 × 1 = 6;
    # graded 差 (0): 0 − 2 → floored at 0.
    text = RUBRIC.read_text(encoding="utf-8").replace(
        "  - {name: annual_report_grade,", "  - {name: late_count, label: 未按规定进行用编用职审核的例数, type: count}\n  - {name: annual_report_grade,"
    ).replace(
        "         quote: 优(10) 良(8) 一般(6) 差(0)}\n",
        "         quote: 优(10) 良(8) 一般(6) 差(0)}\n      - {id: late, kind: per_occurrence, fact: late_count, amount: 1, quote: 未按规定进行用编用职审核的，每例扣0.1分}\n",
    )
    pack = govrules.load_pack_text(text, str(RUBRIC))
    good = facts(grade="良")
    good["facts"]["late_count"] = 2
    assert pack.assess(good, evaluator=evaluator).item("10").score == D(6)
    poor = facts(grade="差")
    poor["facts"]["late_count"] = 2
    item = pack.assess(poor, evaluator=evaluator).item("10")
    assert (item.score, item.floor_cut) == (D(0), D(2))


def test_a_grade_on_a_row_without_points_is_refused() -> None:
    problems = _problems("    points: {unit: 10}\n    source: 10、", "    targets: [unit]\n    source: 10、")
    found = {(q.where, q.message) for q in problems}
    assert ("rubric.yaml:66 指标 10（年度报告） indicators[3].rules[0].kind", "a graded rule sets the row's points, but the row has no points for unit") in found


def test_a_worse_grade_is_a_later_one(pack: govrules.Pack) -> None:
    from govrules.testing import check_monotone, violations

    start = facts(grade="良")
    worse = find(
        violations(pack, "unit", start),
        lambda v: v is not None and v.fact == "annual_report_grade" and v.after != "良",
        settings=settings(max_examples=2000, database=None),
    )
    assert worse.after in ("一般", "差")  # never 优: moving a grade the worse way never improves it
    check_monotone(pack, start, worse.data, fact=worse.fact)


def test_an_award_of_nothing_or_on_an_unscored_row_is_refused() -> None:
    (p,) = _problems("fact: staff_added_count, amount: 0.05", "fact: staff_added_count, amount: 0")
    assert (p.where, p.message) == (
        "rubric.yaml:48 指标 2.222（基层人员编制） indicators[1].rules[0].amount",
        "an award of 0 points adds nothing; the amount is the points each occurrence adds",
    )
    problems = _problems("    points: {unit: 1.5}\n    ceiling: {unit: 2}\n    ceiling_quote: 加分不超过0.5分\n", "    targets: [unit]\n")
    found = {(q.where, q.message) for q in problems}
    assert ("rubric.yaml:46 指标 2.222（基层人员编制） indicators[1].rules[0].kind", "an award_each rule adds points to the row, but the row has no points for unit") in found


@pytest.mark.parametrize(
    "old, new",
    [
        ("at_least: 95, step: 1, amount: 0.2", 'at_least: 95, step: "1e999999999", amount: 0.2'),
        ("at_least: 95, step: 1, amount: 0.2", "at_least: .inf, step: 1, amount: 0.2"),
        ("差: 0}", '差: "-1e999999999"}'),
    ],
)
def test_the_new_kinds_numbers_are_bounded_like_every_pack_number(old: str, new: str) -> None:
    # Issue 17: a quoted 1e999999999 overflowed the sums; every number in a pack is finite and at most 28 digits.
    text = RUBRIC.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(text.replace(old, new), str(RUBRIC))
    assert any("digits" in p.message or "finite" in p.message or "number" in p.message for p in info.value.problems)


def test_a_kind_that_sets_its_own_mode_does_not_inherit_its_bases_modes():
    # Cohort kinds share a base (FigureKind, mode deduct); rank_points says mode: set.
    from govrules.kinds.base import DEDUCT, SET, ZERO_ROW, RuleKind

    class Base(RuleKind):
        pass

    class Sets(Base):
        mode = SET

    class Same(Sets):
        pass

    class Both(Base):
        modes = (DEDUCT, ZERO_ROW)

    assert (Base.modes, Sets.modes, Same.modes, Both.modes) == ((DEDUCT,), (SET,), (SET,), (DEDUCT, ZERO_ROW))
