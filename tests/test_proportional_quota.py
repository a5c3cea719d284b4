"""Proportional scoring, quotas with a surplus bonus, and a fact compared with a fact, on a small test pack.

tests/kinds_pack (乡镇, 15 points) reads:

* 编制配备 6分: 「已编制数少于应编制数的，扣2分」 (a fixed rule whose condition compares two facts);
* 水库退养 4分: 「未完成按水库退养完成比例扣分」 (proportional: 4 × done ÷ of, rounded once to 2 places, half up);
* 信息宣传 5分: 「每个乡镇省级用稿1篇，市级用稿2篇，县级用稿2篇，得5分，多投稿一篇按2：1：0.5比例加分」
  (quota; no maximum stated, the pack reads it as at most 10, reading quota_no_maximum).

Expected scores are worked out from those words in the comments.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

import govrules
from govrules.testing import run_conformance

RUBRIC = Path(__file__).parent / "kinds_pack" / "rubric.yaml"
EVALUATORS = ["durable", "reference"]


@pytest.fixture(scope="module")
def pack() -> govrules.Pack:
    return govrules.load_pack(RUBRIC)


def facts(filled=10, required=10, retired=3, due=3, province=1, city=2, county=2, **drop) -> dict:
    values = {
        "staff_filled": filled,
        "staff_required": required,
        "reservoirs_retired": retired,
        "reservoirs_due": due,
        "articles_province": province,
        "articles_city": city,
        "articles_county": county,
    }
    return {"facts": {k: v for k, v in values.items() if k not in drop}}


# ------------------------------------------------------------------ a fact against a fact


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("filled", "required", "score"), [(9, 10, 4), (10, 10, 6), (11, 10, 6), (0, 1, 4), (0, 0, 6)])
def test_fewer_filled_than_required_deducts_2(pack, evaluator, filled, required, score):
    # 已编制数少于应编制数的，扣2分: 9 < 10 → 6 − 2 = 4; 10 or 11 of 10 → 6; 0 of 0 is not fewer → 6.
    result = pack.assess(facts(filled, required), evaluator=evaluator)
    assert result.item("1").score == D(score)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_either_fact_missing_leaves_the_row_unchecked(pack, evaluator):
    for drop in ("staff_filled", "staff_required"):
        item = pack.assess(facts(**{drop: True}), evaluator=evaluator).item("1")
        assert item.status == "notchecked" and item.score is None
        assert item.unchecked_facts == (drop,)


# ------------------------------------------------------------------------- proportional


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("retired", "due", "score", "deducted"),
    [
        (2, 3, "2.67", "1.33"),  # 4 × 2 ÷ 3 = 2.666… → 2.67 (one rounding, half up); deducted 4 − 2.67
        (1, 8, "0.5", "3.5"),  # 4 × 1 ÷ 8 = 0.5 exactly
        (1, 6, "0.67", "3.33"),  # 4 × 1 ÷ 6 = 0.666… → 0.67
        (0, 3, "0", "4"),  # nothing done: 0
        (5, 7, "2.86", "1.14"),  # 4 × 5 ÷ 7 = 2.857… → 2.86
    ],
)
def test_unfinished_retirement_scores_the_share_done(pack, evaluator, retired, due, score, deducted):
    result = pack.assess(facts(retired=retired, due=due), evaluator=evaluator)
    item = result.item("2")
    assert item.score == D(score)
    (effect,) = item.effects
    assert (effect.kind, effect.amount, effect.unit_amount) == ("proportional", D(deducted), D(4))
    assert effect.reading == ("retire_done_over_due", "retire_rounding")


def test_two_of_three_is_exact_not_an_assessors_percentage(pack):
    # The old way: an assessor types 66.67 (%) and the row gets 4 × 0.6667 = 2.6668.
    # Computed from the two counts: 4 × 2 ÷ 3 = 2.666…, rounded once → 2.67.
    assert D(4) * D("0.6667") == D("2.6668")
    assert pack.assess(facts(retired=2, due=3)).item("2").score == D("2.67")


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("retired", "due"), [(3, 3), (4, 3), (0, 0), (2, 0)])
def test_all_done_more_than_due_or_nothing_due_is_full_points(pack, evaluator, retired, due):
    # Readings retire_done_over_due: more done than due is capped at full; nothing due leaves nothing unfinished.
    item = pack.assess(facts(retired=retired, due=due), evaluator=evaluator).item("2")
    assert item.score == D(4) and item.effects == ()


def test_the_sheet_says_how_much_was_done(pack):
    from govrules.outputs.report import markdown

    text = markdown(pack.assess(facts(retired=2, due=3)))
    assert "-1.33 未完成按水库退养完成比例扣分（完成2/3，得2.67分）" in text


# -------------------------------------------------------------------------------- quota


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("province", "city", "county", "score"),
    [
        (1, 2, 2, "5"),  # every quota met exactly: 得5分
        (2, 3, 4, "9"),  # 5 + 1 × 2 + 1 × 1 + 2 × 0.5 = 9
        (3, 2, 2, "9"),  # 5 + 2 × 2 = 9
        (1, 2, 3, "5.5"),  # 5 + 1 × 0.5
        (4, 4, 4, "10"),  # 5 + 3 × 2 + 2 × 1 + 2 × 0.5 = 14, held to the pack's ceiling of 10
        (0, 3, 2, "1"),  # 省级 short: the 5 points are not earned; 市级 1 beyond: + 1 × 1 = 1
        (0, 0, 0, "0"),  # nothing: 5 − 5
        (1, 1, 9, "3.5"),  # 市级 short: 0 + 7 × 0.5 = 3.5
    ],
)
def test_quotas_earn_the_points_and_each_article_beyond_its_rate(pack, evaluator, province, city, county, score):
    item = pack.assess(facts(province=province, city=city, county=county), evaluator=evaluator).item("3")
    assert item.score == D(score)


def test_quota_effects_name_their_levels(pack):
    item = pack.assess(facts(province=0, city=1, county=4)).item("3")
    # 省级 and 市级 short: −5; 县级 2 beyond: + 2 × 0.5 = 1; 5 − 5 + 1 = 1.
    assert [(e.mode, e.level, e.amount, e.quantity) for e in item.effects] == [
        ("deduct", "省级、市级", D(5), None),
        ("award", "县级", D(1), 2),
    ]
    assert item.score == D(1)
    item = pack.assess(facts(province=4, city=4, county=4)).item("3")
    assert item.ceiling == D(10) and item.ceiling_cut == D(4)


def test_the_quota_sheet_and_recoverable_points(pack):
    from govrules.outputs.report import markdown, recoverable

    result = pack.assess(facts(province=0, city=3, county=2))
    text = markdown(result)
    assert "-5 省级：乡镇用稿（未达定额，不得本项分值）" in text
    assert "+1 市级：乡镇用稿（超出定额部分）" in text
    # A bonus is nothing to put right; the shortfall is worth its 5 points back (1 → 6, below the ceiling).
    fixes = [(f.item, f.restores) for f in recoverable(result)]
    assert fixes == [("3", D(5))]


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_a_missing_level_leaves_the_quota_unchecked(pack, evaluator):
    # 省级 0 < 1 fires the rule (不符合), but without the 县级 count its amount cannot be worked out: no score.
    data = facts(province=0)
    del data["facts"]["articles_county"]
    item = pack.assess(data, evaluator=evaluator).item("3")
    assert item.status == "fail" and item.score is None
    assert item.unchecked_facts == ("articles_county",)
    # With every level met but one unknown, nothing can be decided.
    data = facts()
    del data["facts"]["articles_county"]
    item = pack.assess(data, evaluator=evaluator).item("3")
    assert item.status == "notchecked" and item.score is None


def test_totals_add_up(pack):
    # 编制 9 of 10 → 4; 退养 2 of 3 → 2.67; 用稿 2/3/4 → 9: 4 + 2.67 + 9 = 15.67 (above 15 by the bonus inside row 3).
    result = pack.assess(facts(filled=9, retired=2, due=3, province=2, city=3, county=4))
    assert result.total == D("15.67")


def test_show_words(pack):
    from govrules.outputs.describe import describe

    rows = describe(pack)["rows"]
    retire = rows[1]["rules"][0]
    assert retire["words"] == "「已完成退养水库数」少于「应退养水库数」的，按完成比例扣分：得本项分值 × 「已完成退养水库数」 ÷ 「应退养水库数」"
    assert (retire["done"], retire["of"]) == ("reservoirs_retired", "reservoirs_due")
    quota = rows[2]["rules"][0]
    assert quota["words"] == (
        "省级（「省级用稿数」）1篇、市级（「市级用稿数」）2篇、县级（「县级用稿数」）2篇均达到的得本项分值，任一未达到的不得本项分值；"
        "超出定额的每篇省级加2分、市级加1分、县级加0.5分"
    )
    assert quota["levels"][0] == {"level": "省级", "fact": "articles_province", "quota": 1, "rate": "2"}


def test_conformance_kit_passes(pack):
    report = run_conformance(pack, max_examples=60)
    assert report.ok, report


# ------------------------------------------------------------------------ load-time checks


def _problem(text: str) -> tuple[str, str]:
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(text, str(RUBRIC))
    (problem,) = info.value.problems
    return problem.where, problem.message


def _line(needle: str) -> int:
    lines = RUBRIC.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


BASE = RUBRIC.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("of: reservoirs_due,", "of: reservoirs_retired,", "of", "done and of are both 'reservoirs_retired'; name the fact done and the fact due"),
        ("of: reservoirs_due,", "of: reservoirs_due, amount: 5,", "amount", "5 points at stake, more than the row's 4 for 'xiangzhen'"),
        ("of: reservoirs_due,", "of: reservoirs_due, amount: 0,", "amount", "the points at stake must be more than 0"),
        ("of: reservoirs_due,", "of: reservoirs_dues,", "of", "unknown fact 'reservoirs_dues'; did you mean 'reservoirs_due'?"),
    ],
)
def test_proportional_misuse_is_reported_at_its_rule(old, new, field, message):
    where, got = _problem(BASE.replace(old, new))
    assert where == f"{RUBRIC}:{_line('id: retire, kind: proportional')} 指标 2（水库退养） indicators[1].rules[0].{field}"
    assert got == message


def test_proportional_needs_non_negative_numbers():
    text = BASE.replace("{name: reservoirs_due, label: 应退养水库数, type: count, unit: 座}", "{name: reservoirs_due, label: 应退养水库数, type: number}")
    where, message = _problem(text)
    assert where.endswith("indicators[1].rules[0].of")
    assert message == "'reservoirs_due' may be negative; a proportion needs it at least 0 (declare minimum: 0)"
    text = text.replace("type: number}", "type: number, minimum: 0}")
    assert govrules.load_pack_text(text, str(RUBRIC)).assess(facts(retired=2, due=3)).item("2").score == D("2.67")


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("fact: articles_city, quota: 2", "fact: articles_province, quota: 2", "levels.1.fact", "'articles_province' is already the count of level 0; each level counts its own"),
        ("{level: 县级,", "{level: 市级,", "levels.2.level", "level '市级' is listed twice"),
        ("quota: 2, rate: 0.5}", "quota: 2, rate: -0.5}", "levels.2.rate", "rates are written as positive numbers"),
        ("quota: 2, rate: 0.5}", "quota: 2, rate: 0.0000001}", "levels.2.rate", "1E-7 has more than 6 decimal places"),
    ],
)
def test_quota_misuse_is_reported_at_its_level(old, new, field, message):
    where, got = _problem(BASE.replace(old, new))
    path = ".".join(f"[{p}]" if p.isdigit() else p for p in field.split(".")).replace(".[", "[")
    assert where.split(" ", 1)[0].startswith(f"{RUBRIC}:")
    assert where.endswith(f"indicators[2].rules[0].{path}")
    assert got == message


def test_a_quota_row_needs_its_ceiling():
    text = BASE.replace("    ceiling: {xiangzhen: 10}\n    ceiling_quote: 多投稿一篇按2：1：0.5比例加分\n", "")
    where, message = _problem(text)
    assert where.endswith("indicators[2].rules[0].kind")
    assert message == "a quota rule adds points, so the row needs a ceiling (the most it may score, as its document states) for xiangzhen"


def test_neither_kind_may_stand_where_it_does_not_fit():
    ledger = BASE.replace(
        "floor: {quote: 扣完为止}",
        "adjustments:\n  - id: b\n    name: 加分\n    direction: penalty\n    rules:\n"
        "      - {id: r, kind: proportional, done: reservoirs_retired, of: reservoirs_due, quote: 未完成按水库退养完成比例扣分}\n"
        "floor: {quote: 扣完为止}",
    )
    where, message = _problem(ledger)
    assert where.endswith("adjustments[0].rules[0].amount")
    assert message == "in a ledger a proportional rule needs its amount: the points at stake"
