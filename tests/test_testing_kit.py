"""The conformance kit itself (govrules.testing): its strategies, its invariants, its runners.

* the valid strategies only generate inputs the pack accepts (and complete
  ones give complete results);
* the invalid strategies only generate inputs that raise FactsError;
* a deliberately broken result, evaluator or scorer is caught by the invariants;
* ``run_conformance`` and the pytest plugin report failures in pack terms;
* the core bugs the kit found are reproduced here, each as a strict xfail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine.inference.reference import ReferenceEvaluator
from govrules.engine.result import Effect
from govrules.testing import (
    PROPERTIES,
    ConformanceFailure,
    InvariantError,
    assessments,
    check_deterministic,
    check_evaluators_agree,
    check_firing,
    check_input,
    check_item_arithmetic,
    check_item_bounds,
    check_ledgers,
    check_models,
    check_monotone,
    check_order_independent,
    check_rejected,
    check_result,
    check_sections,
    check_statuses,
    check_survives,
    check_total,
    check_trace,
    describe_input,
    fact_values,
    input_json,
    invalid_assessments,
    run_conformance,
    run_isolated,
    shuffle_input,
    thresholds,
    violations,
)
from govrules.testing.invalid import mistakes
from govrules.testing.strategies import edge_assessments
from govrules.testing.violations import total_directions, violation_directions

# A pack using every fact type and every mechanism: caps, floor, all-or-nothing,
# discretionary deductions, tiers, a derived count, a checklist target, bonus and
# penalty ledgers, zeroing, N/A with rescaling, evidence. Its own text serves as
# its document, so every quote is checked.
SINK = textwrap.dedent(
    """\
    format: 1
    pack: {id: sink, version: 0.0.1, title: 测试用综合考核表, issuer: 测试, source: 测试}
    readings:
      - {id: fortnights, quote: 每两周未更新扣0.1分, choice: 按14天一期}
      - {id: na_rule, quote: 书面说明, choice: 按比例折算}
    targets:
      - {id: town, name: 乡镇, total: 30}
      - {id: dept, name: 部门, total: 20}
      - {id: check, name: 清单}
    facts:
      - {name: late, label: 逾期次数, type: count, unit: 次}
      - {name: reports, label: 报送条数, type: count, maximum: 100}
      - {name: weight, label: 分值权重, type: number, minimum: 0, maximum: 100}
      - {name: hours, label: 回应小时数, type: number}
      - {name: studied, label: 是否专题研究, type: boolean}
      - {name: fraud, label: 弄虚作假, type: boolean, default: false}
      - {name: submitted, label: 报送日期, type: date}
      - {name: level, label: 评定等级, type: choice, elements: [优秀, 良好, 一般, 差]}
      - {name: missing, label: 缺少要素, type: subset, elements: [甲, 乙, 丙, 丁]}
      - {name: quality, label: 质量酌情扣分, type: discretionary}
      - {name: quality2, label: 其他酌情扣分, type: discretionary, maximum: 1.5}
      - name: stale
        label: 未更新期数
        type: count
        derive: {kind: missed_periods, source: updates, period_days: 14, start: 2023-01-01, end: 2023-03-31, reading: fortnights}
      - {name: updates, label: 更新日期, type: dates}
      - {name: praise_province, label: 省级表扬, type: count}
      - {name: praise_city, label: 市级表扬, type: count}
      - {name: blame, label: 通报批评, type: count}
      - {name: trained, label: 参加培训, type: boolean}
    indicators:
      - id: a
        name: 组织
        points: {town: 20, dept: 10}
        children:
          - id: a.1
            name: 专题研究
            points: {town: 5, dept: 5}
            evidence: [会议纪要, 照片]
            rules:
              - {id: not_studied, kind: fixed, amount: 2, when: {fact: studied, is: false}, quote: 未专题研究的扣2分}
              - {id: late, kind: per_occurrence, fact: late, amount: 0.5, quote: 每次扣0.5分}
              - {id: weight, kind: fixed, amount: 1, when: {fact: weight, op: "<", value: 4}, quote: 权重不低于4%}
              - {id: quality, kind: discretionary, fact: quality, quote: 酌情扣分}
            caps:
              - {rules: [late, weight], max: 2, quote: 最高扣2分}
          - id: a.2
            name: 信息报送
            points: {town: 10, dept: 5}
            rules:
              - {id: short, kind: shortfall, fact: reports, threshold: 12, amount: 1, quote: 少于12条的每少一条扣1分}
              - {id: missing, kind: per_missing, fact: missing, amount: 0.5, quote: 每缺一项扣0.5分}
          - id: a.3
            name: 按时报送
            points: {town: 5}
            rules:
              - {id: deadline, kind: all_or_nothing, when: {fact: submitted, op: ">", value: 2023-05-28}, quote: 5月28日前报送}
              - id: level
                kind: fixed
                amount: 1
                when: {any: [{fact: level, is: 差}, {not: {fact: level, op: "!=", value: 一般}}]}
                quote: 等级差或一般扣1分
      - id: b
        name: 公开
        points: {town: 10, dept: 10}
        children:
          - id: b.1
            name: 回应
            points: {town: 6, dept: 10}
            rules:
              - id: slow
                kind: fixed
                amount: 3
                when: {all: [{fact: hours, op: ">", value: 24}, {not: {fact: studied, is: true}}]}
                quote: 24小时内回应
              - {id: slow2, kind: fixed, amount: 1.25, when: {fact: hours, op: ">=", value: 5.5}, quote: 最迟5小时内}
              - {id: stale, kind: per_occurrence, fact: stale, amount: 0.1, quote: 每两周未更新扣0.1分, reading: fortnights}
              - {id: q2, kind: discretionary, fact: quality2, quote: 视情况扣分}
          - id: b.2
            name: 新媒体
            points: {town: 4}
            rules:
              - id: crit
                kind: tiered
                quote: 通报批评每次扣1、0.5分
                tiers:
                  - {level: 省级, fact: blame, amount: 1}
                  - {level: 市级, fact: late, amount: 0.5}
              - {id: unknown_amount, kind: per_occurrence, fact: blame, quote: 视情节扣分}
      - id: c
        name: 清单项
        targets: [check]
        children:
          - id: c.1
            name: 培训
            rules:
              - {id: untrained, kind: fixed, when: {fact: trained, is: false}, quote: 未参加培训}
          - id: c.2
            name: 目录
            evidence: [网页截图]
            rules:
              - {id: weight, kind: fixed, when: {fact: weight, op: "<", value: 4}, quote: 权重不低于4%}
    adjustments:
      - id: bonus
        name: 加分项
        direction: bonus
        cap: 3
        cap_quote: 加分最多3分
        rules:
          - id: praise
            kind: tiered
            quote: 省级加2分市级加1分
            tiers:
              - {level: 省级, fact: praise_province, amount: 2}
              - {level: 市级, fact: praise_city, amount: 1}
      - id: penalty
        name: 减分项
        direction: penalty
        rules:
          - {id: blame, kind: per_occurrence, fact: blame, amount: 1, quote: 通报批评每次减1分}
          - {id: studied, kind: fixed, amount: 0.5, when: {fact: studied, is: false}, quote: 未研究减0.5分}
    zeroing:
      - {id: fraud, name: 弄虚作假, when: {fact: fraud, is: true}, quote: 弄虚作假的}
    not_applicable: {allowed: true, scoring: rescale, quote: 书面说明, reading: na_rule}
    floor: {quote: 扣完为止}
    """
)

# The small pack of docs/testing.md.
TINY = textwrap.dedent(
    """\
    format: 1
    pack: {id: tiny, version: 0.1.0, title: 某县乡镇政务公开考核表, issuer: 某县政务公开办, source: 某县政务公开考核表}
    targets:
      - {id: town, name: 乡镇, total: 10}
    facts:
      - {name: reports, label: 信息报送条数, type: count, unit: 条}
      - {name: wrong_posts, label: 政务新媒体错误信息条数, type: count, unit: 条}
      - {name: fraud, label: 是否弄虚作假, type: boolean, default: false}
    indicators:
      - id: t.1
        name: 信息报送
        points: {town: 4}
        rules:
          - {id: short, kind: shortfall, fact: reports, threshold: 12, amount: 1, quote: 信息报送少于12条的，每少一条扣1分}
      - id: t.2
        name: 政务新媒体
        points: {town: 6}
        rules:
          - {id: wrong, kind: per_occurrence, fact: wrong_posts, amount: 1, quote: 发布错误信息的，每条扣1分}
        caps:
          - {rules: [wrong], max: 3, quote: 最高扣3分}
    zeroing:
      - {id: fraud, name: 弄虚作假, when: {fact: fraud, is: true}, quote: 弄虚作假的，考核结果为零分}
    floor: {quote: 扣完为止}
    """
)

KIT_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

REGISTRY = govrules.Registry.discover()
SINK_PACK = govrules.load_pack_text(SINK, "sink.yaml", document=SINK)
TINY_PACK = govrules.load_pack_text(TINY, "tiny.yaml", document=TINY)
PACKS = [SINK_PACK, TINY_PACK, *REGISTRY.packs]
TARGETS = [pytest.param(p, t, id=f"{p.id}-{t}") for p in PACKS for t in p.targets]

TOWN_OK: dict[str, Any] = {
    "late": 0,
    "reports": 12,
    "weight": 5,
    "hours": 2,
    "studied": True,
    "submitted": "2023-05-01",
    "level": "优秀",
    "missing": [],
    "stale": 0,
    "praise_province": 0,
    "praise_city": 0,
    "blame": 0,
}


def town(**facts: Any) -> dict[str, Any]:
    return {"target": "town", "facts": {**TOWN_OK, **facts}}


# ------------------------------------------------------------------ strategies


@pytest.mark.parametrize(("pack", "target"), TARGETS)
@pytest.mark.parametrize("complete", [True, False], ids=["complete", "partial"])
def test_generated_inputs_validate(pack: govrules.Pack, target: str, complete: bool) -> None:
    @KIT_SETTINGS
    @given(assessments(pack, target, complete=complete))
    def run(data: dict[str, Any]) -> None:
        pack.validate(data)
        if complete:
            # Rows scored against the cohort are not checked alone: a cohort of one scores them.
            alone = pack.has_cohort_rules
            result = pack.assess_cohort([{**data, "unit": "单位"}], evaluator="reference")[0] if alone else pack.assess(data, evaluator="reference")
            assert result.complete, describe_input(pack, target, data)

    run()


@pytest.mark.parametrize(("pack", "target"), TARGETS)
def test_edge_inputs_validate(pack: govrules.Pack, target: str) -> None:
    for data in edge_assessments(pack, target, small_numbers=True):
        if pack.has_cohort_rules:  # not checked alone: a cohort of one scores its cohort rows
            assert pack.assess_cohort([{**data, "unit": "单位"}], evaluator="reference")[0].complete
        else:
            assert pack.assess(data, evaluator="reference").complete


@pytest.mark.parametrize(("pack", "target"), TARGETS)
def test_invalid_inputs_always_raise_facts_error(pack: govrules.Pack, target: str) -> None:
    @KIT_SETTINGS
    @given(invalid_assessments(pack, target))
    def run(case: Any) -> None:
        with pytest.raises(govrules.FactsError):  # and nothing else: any other exception fails the test
            pack.assess(case.data, None if isinstance(case.data, dict) else target)

    run()


def test_invalid_inputs_cover_every_mistake() -> None:
    kinds = set(mistakes(SINK_PACK, "town"))
    assert {
        "unknown fact",
        "fact of another target",
        "wrong value",
        "derived and source",
        "unknown item",
        "unknown evidence",
        "N/A without explanation",
        "score above max",
        "bad review",
        "envelope",
    } <= kinds
    assert "N/A not allowed" in mistakes(TINY_PACK, "town")
    assert "score for an unscored item" in mistakes(SINK_PACK, "check")


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("late", 0, None), ("reports", 0, 100), ("weight", 0, 100), ("hours", None, None)],
)
def test_numbers_stay_within_declared_bounds(name: str, low: Any, high: Any) -> None:
    view = SINK_PACK.view("town")
    spec = next(f for f in view.facts if f.name == name)

    @KIT_SETTINGS
    @given(fact_values(view, spec))
    def run(value: Any) -> None:
        d = D(repr(value)) if isinstance(value, float) else D(value)
        assert not isinstance(value, bool)
        if spec.type == "count":
            assert isinstance(value, int)
        if spec.type == "number":
            assert d.as_tuple().exponent >= -6  # type: ignore[operator]
            assert abs(d) < D(10) ** 9
        assert low is None or d >= low
        assert high is None or d <= high

    run()


def test_discretionary_values_respect_their_bound_and_need_a_reason() -> None:
    view = SINK_PACK.view("town")
    for name, bound in (("quality", D(5)), ("quality2", D("1.5"))):
        spec = next(f for f in view.facts if f.name == name)

        @KIT_SETTINGS
        @given(fact_values(view, spec))
        def run(value: dict[str, Any]) -> None:
            points = D(repr(value["points"])) if isinstance(value["points"], float) else D(value["points"])
            assert 0 <= points <= bound
            if points > 0:
                assert value["reason"].strip()

        run()


def test_thresholds_come_from_the_compiled_conditions() -> None:
    found = thresholds(SINK_PACK.view("town"))
    assert found["weight"] == (D(4),)
    assert D(12) in found["reports"]
    assert found["submitted"] == (__import__("datetime").date(2023, 5, 28),)
    assert found["hours"] == (D("5.5"), D(24))


def test_violation_directions_follow_every_rule_reading_the_fact() -> None:
    ways = violation_directions(SINK_PACK.view("town"))
    assert ways["studied"] is False  # 未专题研究 deducts; so does not(studied is true)
    assert ways["weight"] == "down" and ways["reports"] == "down"
    assert ways["late"] == "up" and ways["submitted"] == "up" and ways["missing"] == "up"
    assert "level" not in ways  # a choice has no direction
    assert "praise_province" not in ways  # bonus only
    assert "praise_province" not in total_directions(SINK_PACK.view("town"))


@given(st.data())
@KIT_SETTINGS
def test_shuffled_inputs_hold_the_same_content(data: st.DataObject) -> None:
    original = data.draw(assessments(SINK_PACK, "town", complete=False))
    shuffled = shuffle_input(original, data.draw(st.randoms(use_true_random=False)))
    assert input_json(_sorted(original)) == input_json(_sorted(shuffled))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return sorted((_sorted(v) for v in value), key=lambda v: input_json(v))
    return value


@given(st.data())
@KIT_SETTINGS
def test_violations_only_move_one_fact_the_bad_way(data: st.DataObject) -> None:
    base = data.draw(assessments(SINK_PACK, "town"))
    worse = data.draw(violations(SINK_PACK, "town", base))
    if worse is None:
        return
    changed = [k for k in worse.data["facts"] if worse.data["facts"][k] != base["facts"].get(k)]
    assert changed in ([], [worse.fact])
    SINK_PACK.validate(worse.data)


# ------------------------------------------------------------------ invariants catch broken results


@pytest.fixture(scope="module")
def result() -> govrules.Result:
    # a.1: late 3 × 0.5 = 1.5 and weight < 4 → 1, capped at 2 (cut 0.5); quality 2 → 5 − 4 = 1.
    # a.2: 12 − 9 = 3 short → 3; missing 2 × 0.5 → 1: 10 − 4 = 6. b.2: blame 1 → 1; late 3 × 0.5 → 1.5: 4 − 2.5.
    data = town(late=3, weight=3, reports=9, missing=["甲", "乙"], blame=1, praise_province=2, quality={"points": 2, "reason": "材料不全"})
    return check_input(SINK_PACK, data)


def _item(result: govrules.Result, item_id: str, **changes: Any) -> govrules.Result:
    items = tuple(attrs.evolve(i, **changes) if i.id == item_id else i for i in result.items)
    return attrs.evolve(result, items=items)


def test_the_fixture_result_is_right(result: govrules.Result) -> None:
    assert result.item("a.1").score == D(1)
    assert result.item("a.1").caps[0].cut == D("0.5")
    assert result.item("a.2").score == D(6)
    assert result.item("b.2").score == D("1.5")
    assert result.ledger("bonus").applied == D(3)  # 2 × 2 = 4, capped at 3


def test_score_above_max_is_caught(result: govrules.Result) -> None:
    broken = _item(result, "a.2", score=D(11))
    with pytest.raises(InvariantError, match=r"a\.2.*outside \[0, 10\]"):
        check_item_bounds(SINK_PACK, broken)
    with pytest.raises(InvariantError):
        check_result(SINK_PACK, broken)


def test_negative_score_is_caught(result: govrules.Result) -> None:
    with pytest.raises(InvariantError, match="outside"):
        check_item_bounds(SINK_PACK, _item(result, "a.1", score=D(-1), computed=D(-1)))


def test_score_that_does_not_add_up_is_caught(result: govrules.Result) -> None:
    broken = _item(result, "a.2", score=D(7), computed=D(7))
    with pytest.raises(InvariantError, match="a.2: computed 7"):
        check_item_arithmetic(SINK_PACK, broken)


def test_a_cap_left_unapplied_is_caught(result: govrules.Result) -> None:
    broken = _item(result, "a.1", caps=(), score=D("0.5"), computed=D("0.5"))
    with pytest.raises(InvariantError, match="最高扣2分"):
        check_item_arithmetic(SINK_PACK, broken)


def test_section_that_is_not_the_sum_of_its_items_is_caught(result: govrules.Result) -> None:
    sections = tuple(attrs.evolve(s, score=s.score + 1) if s.id == "a" else s for s in result.sections)  # type: ignore[operator]
    with pytest.raises(InvariantError, match="section a"):
        check_sections(SINK_PACK, attrs.evolve(result, sections=sections))
    with pytest.raises(InvariantError, match="base sum"):
        check_sections(SINK_PACK, attrs.evolve(result, base_sum=result.base_sum + 1))  # type: ignore[operator]


def test_ledger_over_its_cap_is_caught(result: govrules.Result) -> None:
    ledgers = tuple(attrs.evolve(l, applied=D(4)) if l.id == "bonus" else l for l in result.ledgers)
    with pytest.raises(InvariantError, match="bonus"):
        check_ledgers(SINK_PACK, attrs.evolve(result, ledgers=ledgers))


def test_zeroing_that_does_not_win_is_caught() -> None:
    zeroed = check_input(SINK_PACK, town(fraud=True))
    assert zeroed.total == 0
    with pytest.raises(InvariantError, match="弄虚作假的"):
        check_total(SINK_PACK, attrs.evolve(zeroed, total=D(30)))


def test_total_that_is_not_base_plus_bonus_minus_penalty_is_caught(result: govrules.Result) -> None:
    with pytest.raises(InvariantError, match="total"):
        check_total(SINK_PACK, attrs.evolve(result, total=result.total + D("0.01")))  # type: ignore[operator]


def test_a_total_below_0_is_caught(result: govrules.Result) -> None:
    with pytest.raises(InvariantError, match="below 0"):
        check_total(SINK_PACK, attrs.evolve(result, total=D(-5)))


def test_a_total_floored_without_saying_so_is_caught() -> None:
    # town(blame=40): b.2 loses its 4 (40 × 1 省级, floored at 0); base 30 − 4 = 26;
    # 减分项 40 × 1 = 40: 26 − 40 = −14 → 0, the floor gives back 14 (「扣完为止」).
    floored = check_input(SINK_PACK, town(blame=40, quality={"points": 0, "reason": "无"}))
    assert (floored.base, floored.ledger("penalty").applied) == (D(26), D(40))
    assert (floored.total, floored.total_floor_cut, floored.total_floor_quote) == (D(0), D(14), "扣完为止")
    with pytest.raises(InvariantError, match="floor at 0 records a cut of 0"):
        check_total(SINK_PACK, attrs.evolve(floored, total_floor_cut=D(0)))


def test_a_model_score_left_standing_by_zeroing_is_caught() -> None:
    from govrules.engine.models import ModelScore

    zeroed = check_input(SINK_PACK, {"target": "check", "facts": {"trained": True, "weight": 5, "fraud": True}})
    assert zeroed.zeroed and apply_model_score(zeroed) == D(0)
    standing = ModelScore("flat_unweighted", "", 2, 0, 0, D(100), D(100), True)
    with pytest.raises(InvariantError, match="弄虚作假的.*flat_unweighted scores 100, not 0"):
        check_models(SINK_PACK, attrs.evolve(zeroed, model=standing))


def apply_model_score(result: govrules.Result) -> Any:
    from govrules.engine.models import apply_model

    return apply_model(result, "flat_unweighted").model.score


def test_effects_must_trace_to_a_declared_rule_and_its_words(result: govrules.Result) -> None:
    effect = result.item("a.2").effects[0]
    forged = Effect(rule="a.2#forged", kind="fixed", label="x", quote="x", amount=D(1))
    with pytest.raises(InvariantError, match="not a declared rule"):
        check_trace(SINK_PACK, _item(result, "a.2", effects=result.item("a.2").effects + (forged,)))
    misquoted = attrs.evolve(effect, quote="少于10条的每少一条扣1分")
    with pytest.raises(InvariantError, match="the rule says"):
        check_trace(SINK_PACK, _item(result, "a.2", effects=(misquoted,) + result.item("a.2").effects[1:]))
    elsewhere = attrs.evolve(effect, rule="a.1#late", quote="每次扣0.5分", kind="per_occurrence")
    with pytest.raises(InvariantError, match="a rule of a.1"):
        check_trace(SINK_PACK, _item(result, "a.2", effects=(elsewhere,)))


def test_quotes_must_occur_in_the_document() -> None:
    # The same pack, but its document lacks one rule's words.
    document = SINK.replace("少于12条的每少一条扣1分", "")
    pack = govrules.Pack(SINK_PACK.spec, "sink.yaml", SINK_PACK.content_hash, {"sink.yaml": document})
    result = pack.assess(town(reports=3), evaluator="reference")
    with pytest.raises(InvariantError, match="does not occur in the pack's document"):
        check_trace(pack, result)


def test_a_rule_that_should_have_fired_is_caught(result: govrules.Result) -> None:
    with pytest.raises(InvariantError, match="should fire"):
        check_firing(SINK_PACK, _item(result, "a.2", effects=result.item("a.2").effects[1:]))


def test_a_wrong_status_is_caught(result: govrules.Result) -> None:
    with pytest.raises(InvariantError, match="expected fail"):
        check_statuses(SINK_PACK, _item(result, "a.2", status="pass"))
    with pytest.raises(InvariantError, match="complete"):
        check_statuses(SINK_PACK, attrs.evolve(result, complete=False))


def test_a_disagreeing_evaluator_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ReferenceEvaluator.evaluate

    def forgetful(self: ReferenceEvaluator, view: Any, assessment: Any) -> Any:
        ev = original(self, view, assessment)
        return attrs.evolve(ev, fired=frozenset(u for u in ev.fired if u != "a.2#short"))

    monkeypatch.setattr(ReferenceEvaluator, "evaluate", forgetful)
    with pytest.raises(InvariantError, match="disagree on a.2"):
        check_evaluators_agree(SINK_PACK, town(reports=3))
    check_evaluators_agree(SINK_PACK, town(reports=12))  # the rule does not fire: nothing to forget


class _Broken(govrules.Pack):
    """The sink pack with a broken assess(), for checking that the invariants notice."""

    def __init__(self, how: str, base: govrules.Pack = SINK_PACK):
        super().__init__(base.spec, "broken.yaml", base.content_hash, {"broken.yaml": base.document or ""})
        self.how = how
        self.calls = 0

    def assess(self, data: Any, target: str | None = None, *, evaluator: str = "durable") -> govrules.Result:
        self.calls += 1
        if self.how == "raises":
            raise ValueError("boom")
        if self.how == "accepts":
            return SINK_PACK.assess({"target": "town", "facts": {}}, evaluator="reference")
        if self.how == "crashes":
            os.kill(os.getpid(), signal.SIGSEGV)
        result = super().assess(data, target, evaluator=evaluator)
        if self.how == "counter":
            return attrs.evolve(result, unit=f"run {self.calls}")
        if self.how == "order":
            return attrs.evolve(result, unit=str(list(data.get("facts", {}))[:1]) if isinstance(data, dict) else "text")
        if self.how == "inverted":  # deductions become credits
            items = tuple(attrs.evolve(i, score=i.max - i.score) if i.score is not None and i.max is not None else i for i in result.items)
            return attrs.evolve(result, items=items)
        return result


def test_nondeterminism_is_caught() -> None:
    with pytest.raises(InvariantError, match="twice"):
        check_deterministic(_Broken("counter"), town())


def test_order_dependence_is_caught() -> None:
    data = town()
    reordered = {**data, "facts": dict(reversed(list(data["facts"].items())))}
    with pytest.raises(InvariantError, match="another order"):
        check_order_independent(_Broken("order"), data, reordered)


def test_a_scorer_that_rewards_violations_is_caught() -> None:
    with pytest.raises(InvariantError, match="raised item a.2"):
        check_monotone(_Broken("inverted"), town(reports=11), town(reports=5), fact="reports")
    check_monotone(SINK_PACK, town(reports=11), town(reports=5), total=True, fact="reports")


def test_rejection_must_be_a_facts_error() -> None:
    invalid = town(late="3")
    with pytest.raises(InvariantError, match="ValueError"):
        check_rejected(_Broken("raises"), invalid)
    with pytest.raises(InvariantError, match="accepted"):
        check_rejected(_Broken("accepts"), invalid)
    error = check_rejected(SINK_PACK, invalid)
    assert any(p.where == "facts.late" for p in error.problems)


def test_a_crash_is_caught_in_a_child_process() -> None:
    assert run_isolated(lambda: None).status == "returned"
    raised = run_isolated(lambda: 1 / 0)
    assert raised.status == "raised" and "ZeroDivisionError" in raised.detail
    crashed = run_isolated(lambda: os.kill(os.getpid(), signal.SIGSEGV))
    assert crashed.crashed and "SIGSEGV" in crashed.detail
    with pytest.raises(InvariantError, match="crashed the process"):
        check_survives(_Broken("crashes"), town())


# ------------------------------------------------------------------ runners


def test_run_conformance_passes_on_a_sound_pack() -> None:
    report = run_conformance(TINY_PACK, max_examples=30)
    assert report.ok
    assert {o.property for o in report.outcomes} == set(PROPERTIES)


def test_run_conformance_exercises_every_mechanism() -> None:
    properties = [p for p in PROPERTIES if p != "survives"]  # see test_small_number_reaches_durable_rules_intact
    report = run_conformance(SINK_PACK, properties=properties, max_examples=25)
    assert report.ok, str(report)


def test_run_conformance_reports_failures_in_pack_terms() -> None:
    with pytest.raises(ConformanceFailure) as failure:
        run_conformance(_Broken("inverted", TINY_PACK), properties=["results", "monotone"], max_examples=30)
    text = str(failure.value)
    assert "tiny / town / results" in text and "tiny / town / monotone" in text
    assert '"target": "town"' in text  # the input as JSON
    assert "信息报送条数" in text or "政务新媒体错误信息条数" in text  # facts with their labels
    assert "「信息报送少于12条的，每少一条扣1分」" in text or "「发布错误信息的，每条扣1分」" in text  # rules with the document's words
    assert failure.value.report.failures


# A pack whose 减分 lies outside its 2 points, uncapped: a few criticisms take the total below 0.
FLOOR = textwrap.dedent(
    """\
    format: 1
    pack: {id: floor_demo, version: 0.1.0, title: 某县考核表, issuer: 某县, source: 某县考核表}
    targets:
      - {id: town, name: 乡镇, total: 2}
    facts:
      - {name: late, label: 逾期次数, type: count}
      - {name: blame, label: 通报批评次数, type: count}
    indicators:
      - id: t.1
        name: 按时办理
        points: {town: 2}
        rules:
          - {id: late, kind: per_occurrence, fact: late, amount: 1, quote: 逾期的，每次扣1分}
    adjustments:
      - id: penalty
        name: 减分
        direction: penalty
        rules:
          - {id: blame, kind: per_occurrence, fact: blame, amount: 1, quote: 受到通报批评的，每次扣1分}
    floor: {quote: 扣完为止}
    """
)


class _Unfloored(govrules.Pack):
    """A pack scored as before issue 16: its total goes below 0."""

    def __init__(self, base: govrules.Pack):
        super().__init__(base.spec, "floor.yaml", base.content_hash, {"floor.yaml": base.document or ""})

    def assess(self, data: Any, target: str | None = None, *, evaluator: str = "durable", model: str | None = None) -> govrules.Result:
        result = super().assess(data, target, evaluator=evaluator, model=model)
        if result.total_floor_cut:
            return attrs.evolve(result, total=-result.total_floor_cut, total_floor_cut=D(0))
        return result


def test_pack_test_catches_a_total_below_0() -> None:
    pack = govrules.load_pack_text(FLOOR, "floor.yaml", document=FLOOR)
    # 2 − 1 − (3 × 1) = −2 → 0: the sound pack floors it, and the kit passes.
    assert pack.assess({"facts": {"late": 1, "blame": 3}}).total == D(0)
    assert run_conformance(pack, properties=["results"], max_examples=40).ok
    with pytest.raises(ConformanceFailure) as failure:
        run_conformance(_Unfloored(pack), properties=["results"], max_examples=60)
    assert "below 0" in str(failure.value) and "floor_demo / town / results" in str(failure.value)


def test_a_pack_may_allow_a_negative_total_only_by_a_reading() -> None:
    # The same pack, whose (made-up) document says the total may go below 0: with the reading, 2 − 1 − 3 = −2 stands.
    doc = FLOOR + " 减分不设下限，总分可为负数"
    text = FLOOR.replace(
        "floor: {quote: 扣完为止}\n",
        "readings:\n  - {id: below_zero, quote: 减分不设下限，总分可为负数, choice: 总分不设下限}\n"
        "floor: {quote: 扣完为止, negative_total: below_zero}\n",
    )
    assert "negative_total" in text
    pack = govrules.load_pack_text(text, "floor.yaml", document=doc)
    result = check_input(pack, {"facts": {"late": 1, "blame": 3}})
    assert (result.total, result.total_floor_cut) == (D(-2), D(0))
    assert "below_zero" in [r[0] for r in result.readings]
    assert "below_zero" not in [r[0] for r in pack.assess({"facts": {"late": 0, "blame": 0}}).readings]
    assert run_conformance(pack, properties=["results"], max_examples=30).ok
    from govrules.outputs.describe import describe, show_markdown

    desc = describe(pack)
    number = 1 + [r["id"] for r in desc["readings"]].index("below_zero")
    assert f"总分可低于0分〔解读{number}〕" in show_markdown(desc)
    with pytest.raises(govrules.PackError, match="no_such"):
        govrules.load_pack_text(text.replace("negative_total: below_zero", "negative_total: no_such"), "floor.yaml", document=doc)


def test_pytest_plugin_runs_the_kit_on_a_pack_file(tmp_path: Path) -> None:
    (tmp_path / "rubric.yaml").write_text(TINY, encoding="utf-8")
    broken = TINY.replace("{id: tiny,", "{id: tiny_broken,")
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--govrules-pack", "rubric.yaml", "--govrules-max-examples", "5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(PROPERTIES) - 1} passed" in run.stdout  # all but cohort: tiny has no row scored against the cohort
    # A scorer that gives 信息报送 one point too many, for tiny_broken only: the kit must say so in pack terms.
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """\
            import govrules.engine.scoring as scoring

            _score_item = scoring._score_item

            def _broken(item, findings, *rest):
                # The row's state: (item, score, status, computed, …), see scoring._item_result.
                state = _score_item(item, findings, *rest)
                if findings.view.pack_id == "tiny_broken" and item.id == "t.1" and state[1] is not None:
                    return (item, state[1] + 1, state[2], state[1] + 1, *state[4:])
                return state

            scoring._score_item = _broken
            """
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--govrules-pack", "broken.yaml", "--govrules-property", "results", "--govrules-max-examples", "5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "govrules[tiny_broken/town/results]" in run.stdout
    assert "信息报送条数" in run.stdout and "信息报送少于12条的" in run.stdout


# ------------------------------------------------------------------ core bugs found by the kit


def test_small_number_reaches_durable_rules_intact() -> None:
    # Was a crash: 0.00005 reached durable_rules as the JSON text 5e-05. Numbers now go as
    # integers scaled by 10^6. datonghu takes discretionary points in steps of 0.01 (issue 13),
    # so the tiny pack below declares a finer step: 信息报送 4 − 0.00005 = 3.99995, the same in
    # both evaluators.
    text = TINY.replace("source: 某县政务公开考核表}", "source: 某县政务公开考核表, discretionary_step: 0.00001}").replace(
        "  - {name: fraud,", "  - {name: quality, label: 工作质量, type: discretionary, maximum: 1}\n  - {name: fraud,"
    ).replace(
        "      - {id: short, kind: shortfall,", "      - {id: quality, kind: discretionary, fact: quality, quote: 信息报送少于12条的}\n      - {id: short, kind: shortfall,"
    )
    pack = govrules.load_pack_text(text, "tiny_step.yaml", document=text)
    data = {"facts": {"reports": 12, "wrong_posts": 0, "quality": {"points": 0.00005, "reason": "r"}}}
    outcome = run_isolated(lambda: pack.assess(data))
    assert outcome.status == "returned", outcome.detail
    assert pack.assess(data).item("t.1").score == D("3.99995")
    check_evaluators_agree(pack, data)


def test_threshold_beyond_float_precision_is_refused_at_load() -> None:
    # Was an evaluator disagreement: 12 < 12.00000000000000001 is true in Decimal, false in floats.
    text = TINY.replace("threshold: 12", "threshold: 12.00000000000000001")
    with pytest.raises(govrules.PackError, match="whole number"):
        govrules.load_pack_text(text, document=text)


def test_small_thresholds_on_numbers_compile() -> None:
    # Was error 204 at the first assessment: a threshold below 1e-4 reached durable_rules as 5e-05.
    text = TINY.replace("{name: reports, label: 信息报送条数, type: count, unit: 条}", "{name: reports, label: 信息报送条数, type: number, unit: 条}").replace(
        "threshold: 12", "threshold: 0.00005"
    )
    pack = govrules.load_pack_text(text, document=text)
    # 0.00001 reports: 0.00004 short of 0.00005 → 1 × 0.00004 deducted from 信息报送 4 points.
    result = pack.assess({"facts": {"reports": 0.00001, "wrong_posts": 0}})
    assert result.item("t.1").score == D("3.99996")
    check_evaluators_agree(pack, {"facts": {"reports": 0.00001, "wrong_posts": 0}})
    with pytest.raises(govrules.PackError, match="more than 6 decimal places"):
        govrules.load_pack_text(text.replace("threshold: 0.00005", "threshold: 0.0000005"), document=text)


def test_row_with_points_and_targets_is_refused_at_load() -> None:
    # Was a bare AssertionError on view("b"): the discretionary fact has no bound for target b.
    text = textwrap.dedent(
        """\
        format: 1
        pack: {id: mixed, version: "1", title: 混合, issuer: 测试, source: 测试}
        targets: [{id: a, name: 部门, total: 10}, {id: b, name: 清单}]
        facts: [{name: quality, label: 质量酌情扣分, type: discretionary}]
        indicators:
          - {id: x, name: 质量, points: {a: 10}, targets: [b], rules: [{id: q, kind: discretionary, fact: quality, quote: 酌情扣分}]}
        """
    )
    with pytest.raises(govrules.PackError, match="no points to bound it for b"):
        govrules.load_pack_text(text)
