"""taiqian: 台前县政务公开工作考核表（适用乡﹝镇﹞政府）, an unscored checklist.

The document gives no points at all, so every expectation below is a status
(pass / fail / notchecked), worked out by hand from the row's words and the
pack's recorded readings, never copied from the program's output.

Status of an item (docs/pack-format.md, scoring.py): fail if any of its rules
fires; else notchecked if a rule could not be decided for want of a fact; else
pass.

Evaluators: tests run on the default (durable_rules) evaluator; the tests that
take a few rows' facts run on both, and test_durable_takes_a_complete_assessment
compares the two on the full checklist.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

import govrules
import govrules_pack_taiqian

EXAMPLES = Path(govrules_pack_taiqian.__file__).parent / "examples"
EVALUATORS = ["durable", "reference"]

# Every fact, every row met, no special item, no fraud.
ALL_MET: dict[str, object] = {
    # 组织领导
    "zzld_reports_heard": 1,
    "zzld_deployed": True,
    "zzld_spokesperson": True,
    "zzld_division_listed": True,
    "zzld_division_posted": True,
    "zzld_weight_percent": 4,
    "zzld_trainings_held": 1,
    "zzld_supervision": True,
    "zzld_office_designated": True,
    "zzld_staff_adequate": True,
    "zzld_funding_ensured": True,
    # 制度建设
    "zdjs_leading_group": True,
    "zdjs_foi_systems_missing": [],
    "zdjs_documents_five_open": True,
    "zdjs_documents_interpretation": True,
    "zdjs_meetings_five_open": True,
    "zdjs_opinion_rules_missing": [],
    "zdjs_opinion_mechanism_missing": [],
    "zdjs_rapid_linkage": True,
    "zdjs_participation_rules": True,
    # 平台建设
    "ptjs_board_compliant": True,
    "ptjs_board_updated": True,
    "ptjs_letters_handled": True,
    "ptjs_hotline_regular": True,
    "ptjs_new_media_missing": [],
    "ptjs_reading_room": True,
    # 政府信息公开
    "xxgk_guide_missing": [],
    "xxgk_key_areas": True,
    "xxgk_active_max_days": 20,
    "xxgk_active_accurate_complete": True,
    "xxgk_copies_supplied": True,
    "xxgk_request_channel_open": True,
    "xxgk_requests_lawful": True,
    "xxgk_complaints_lawful": True,
    "xxgk_attribute_reviews": 1,
    "xxgk_attribute_converted": True,
    # 政策解读
    "zcjd_column_set": True,
    "zcjd_column_linked": True,
    "zcjd_press_broadcast": True,
    "zcjd_new_media": True,
    "zcjd_head_participates": True,
    "zcjd_commentator_team": True,
    "zcjd_experts_involved": True,
    "zcjd_uninterpreted_count": 0,
    "zcjd_quality": True,
    "zcjd_media_linkage": True,
    # 政务舆情监测处置
    "yqcz_monitoring_effective": True,
    "yqcz_letters_timely": True,
    "yqcz_response_hours": 24,
    "yqcz_major_info_hours": 5,
    "yqcz_major_press_hours": 24,
    "yqcz_head_responds": True,
    "yqcz_wide_coverage": True,
    "yqcz_follow_up": True,
    # 公众参与
    "gzcy_online_platform": True,
    "gzcy_feedback_timely": True,
    "gzcy_meetings_attended": True,
    "gzcy_channels_missing": [],
    "gzcy_hearings_lawful": True,
    "gzcy_adoption_published": True,
    "gzcy_rejection_explained": True,
    # 政务服务
    "zwfw_rules_procedures": True,
    "zwfw_lists_missing": [],
    "zwfw_info_sharing_rules": True,
    "zwfw_halls_count": 1,
    "zwfw_hall_shortfalls": [],
    "zwfw_one_stop_high": True,
    "zwfw_center_standard": True,
    "zwfw_villages_without_point": 0,
    "zwfw_free_agency": True,
    "zwfw_public_units_rules": True,
    "zwfw_public_docs_missing": [],
    # 特别项 and 直接归零项
    "tb_positive_reports": 0,
    "tb_leader_praise": 0,
    "tb_office_praise": 0,
    "tb_negative_reports": 0,
    "tb_leader_criticism": 0,
    "tb_office_criticism": 0,
    "tb_noncompliance": 0,
    "fraud_found": False,
}

# Rows of the table, counted by hand from source.txt (二级指标 rows; 加强经费保障 is its own row):
# 组织领导 9 (2 + 1 + 3 + 2 + 1), 制度建设 9 (1 + 1 + 3 + 3 + 1), 平台建设 5 (1 + 2 + 1 + 1),
# 政府信息公开 8 (4 + 3 + 1), 政策解读 9 (3 + 3 + 3), 政务舆情监测处置 6 (2 + 4),
# 公众参与 5 (3 + 2), 政务服务 8 (3 + 2 + 3) = 59.
ROWS = 59

# The six rows the example xiangzhen.json fails, each worked out from its words:
EXAMPLE_FAILS = {
    "ptjs.3.1",  # 缺 政务客户端: 「政务微博、微信、客户端建设」, each required (reading new_media_each)
    "zzld.3.1",  # 权重 3.5%: 「所占分值权重不低于4%」, 3.5 < 4
    "xxgk.1.3",  # 最长 23 个工作日: 「20个工作日内」, 23 > 20
    "yqcz.2.1",  # 回应最长 30 小时: 「24小时内回应」, 30 > 24
    "gzcy.1.3",  # 缺 广播电视问政: 「政府热线电话、乡（镇）长热线、广播电视问政」, each required
    "zwfw.3.2",  # 2 个村未设代办点: 「城乡社区（村）设便民代办点」
}


@pytest.fixture(scope="module")
def taiqian(registry: govrules.Registry) -> govrules.Pack:
    return registry.get("taiqian")


def complete(**changes: object) -> dict[str, object]:
    """A complete assessment: every fact given, all rows met, with ``changes``."""
    return {"target": "xiangzhen", "facts": {**ALL_MET, **changes}}


def only(**facts: object) -> dict[str, object]:
    """An assessment giving only ``facts``; rows whose facts are left out are not checked."""
    return {"target": "xiangzhen", "facts": facts}


def example(name: str) -> dict[str, object]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def status(pack: govrules.Pack, item: str, evaluator: str, **facts: object) -> str:
    return pack.assess(only(**facts), evaluator=evaluator).item(item).status


# --------------------------------------------------------------------------- the pack


def test_pack_loads_with_its_source_and_has_no_points(taiqian):
    # The document has no points anywhere: the target's total is null, no row has points,
    # and no rule (items, 特别加分项, 特别减分项) names an amount.
    assert taiqian.document is not None  # source.txt was read, so every quote was checked
    assert [(t.id, t.total) for t in taiqian.spec.targets] == [("xiangzhen", None)]
    view = taiqian.view("xiangzhen")
    assert len(view.items) == ROWS
    assert all(item.max is None for item in view.items)
    for rule in view.rules:
        if rule.rule is not None:
            assert getattr(rule.rule, "amount", None) is None, rule.uid
    assert {l.adjustment.cap for l in view.ledgers} == {None}


def test_sections_follow_the_table(taiqian):
    # 内容 column, in document order; 加强经费保障 (no 二级指标) is an item directly under 组织领导.
    view = taiqian.view("xiangzhen")
    assert view.top == ("zzld", "zdjs", "ptjs", "xxgk", "zcjd", "yqcz", "gzcy", "zwfw")
    assert [ind.name for ind in taiqian.spec.indicators] == [
        "组织领导", "制度建设", "平台建设", "政府信息公开", "政策解读", "政务舆情监测处置", "公众参与", "政务服务",
    ]
    assert view.item("zzld.5").indicator.name == "加强经费保障"
    assert [a.name for a in view.item("zzld.5").ancestors] == ["组织领导"]


def test_all_met_passes_every_row_and_is_not_scored(taiqian):
    # Every row met, at the edge of every threshold (4%, 20 days, 24 h, 5 h, 24 h, once a year).
    result = taiqian.assess(complete())
    assert result.scored is False
    assert result.total is None
    assert result.complete is True
    assert result.status_counts == {"pass": ROWS, "fail": 0, "notapplicable": 0, "notchecked": 0, "error": 0}
    assert result.zeroed == ()
    assert [(l.id, l.unscored, l.applied) for l in result.ledgers] == [
        ("special_bonus", (), D(0)),
        ("special_penalty", (), D(0)),
    ]


# --------------------------------------------------------------------------- the examples


def test_example_status_counts(taiqian):
    # xiangzhen.json gives all 80 facts; six rows fail (EXAMPLE_FAILS), the other 59 − 6 = 53 pass.
    result = taiqian.assess(example("xiangzhen.json"))
    assert result.scored is False and result.total is None
    assert result.complete is True
    assert result.status_counts == {"pass": 53, "fail": 6, "notapplicable": 0, "notchecked": 0, "error": 0}
    assert {i.id for i in result.items if i.status == "fail"} == EXAMPLE_FAILS
    # zzld.3.1: only 「不低于4%」 fires; 3.5 is not 0, so 「纳入……综合考评」 holds.
    assert [e.rule for e in result.item("zzld.3.1").effects] == ["zzld.3.1#weight_low"]
    # Sections fail where one of their rows fails: 组织领导, 平台建设, 政府信息公开, 政务舆情监测处置, 公众参与, 政务服务.
    assert {s.id for s in result.sections if s.status == "fail"} == {
        "zzld", "zzld.3", "ptjs", "ptjs.3", "xxgk", "xxgk.1", "yqcz", "yqcz.2", "gzcy", "gzcy.1", "zwfw", "zwfw.3",
    }
    assert result.section("zdjs").status == "pass"
    # One 正面宣传报道 and one 不按要求参加: reported, not scored.
    bonus, penalty = result.ledger("special_bonus"), result.ledger("special_penalty")
    assert bonus.unscored == ("special_bonus#positive_reports",)
    assert penalty.unscored == ("special_penalty#noncompliance",)
    assert bonus.applied == penalty.applied == D(0)
    assert result.zeroed == ()


def test_fraud_example_is_zeroed(taiqian):
    # xiangzhen_fraud.json is xiangzhen.json with 弄虚作假 found: 「直接归零项」. The checklist has no
    # total to zero, so the result lists the zeroing; the rows' statuses are still reported.
    result = taiqian.assess(example("xiangzhen_fraud.json"))
    assert [(z.id, z.name) for z in result.zeroed] == [("fraud", "弄虚作假")]
    assert result.zeroed[0].quote == "在日常工作和考核、检查中弄虚作假的"
    assert result.total is None and result.scored is False
    assert result.status_counts["pass"] == 53 and result.status_counts["fail"] == 6


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_fraud_example_model_score_is_zeroed(taiqian, evaluator):
    # Without fraud the example counts 53 of 53 + 6 rows (EXAMPLE_FAILS): 53 × 100 / 59 = 89.8305… → 89.83.
    # With fraud (「直接归零项 在日常工作和考核、检查中弄虚作假的」) the model's score is 0,
    # and it says why; the count it would have given stays on record.
    plain = taiqian.assess(example("xiangzhen.json"), evaluator=evaluator, model="flat_unweighted").model
    assert (plain.score, plain.notes) == (D("89.83"), ())
    model = taiqian.assess(example("xiangzhen_fraud.json"), evaluator=evaluator, model="flat_unweighted").model
    assert (model.score, model.checklist_score, model.zeroed) == (D(0), D("89.83"), ("fraud",))
    assert model.notes == ("直接归零：弄虚作假（「在日常工作和考核、检查中弄虚作假的」），得分为0",)
    data = model.to_dict()
    assert (data["score"], data["zeroed"]) == ("0", ["fraud"])


def test_fraud_zeroes_the_model_score_of_an_incomplete_checklist(taiqian):
    # Only the fraud finding given: no row checked, no count (None), yet zeroed: 0.
    model = taiqian.assess(only(fraud_found=True), model="flat_unweighted").model
    assert (model.checklist_score, model.score, model.complete) == (None, D(0), False)


def test_durable_takes_a_complete_assessment(taiqian):
    # Both evaluators must give the same result for the full 80-fact checklist
    # (durable_rules once overflowed its 64-entry alpha stack here, error 303).
    durable = taiqian.assess(example("xiangzhen.json"), evaluator="durable").to_dict()
    reference = taiqian.assess(example("xiangzhen.json")).to_dict()
    durable["engine"].pop("evaluator")
    reference["engine"].pop("evaluator")
    assert durable == reference


# --------------------------------------------------------------------------- thresholds, both sides


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        (D("3.5"), "fail"),  # 3.5 < 4
        (D("3.999999"), "fail"),  # still below 4
        (4, "pass"),  # 「不低于4%」: 4% is not below 4%
        (D("4.5"), "pass"),
        (0, "fail"),  # not in the 综合考评 at all
    ],
)
def test_weight_not_below_4_percent(taiqian, evaluator, weight, expected):
    assert status(taiqian, "zzld.3.1", evaluator, zzld_weight_percent=weight) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_weight_zero_fails_both_requirements(taiqian, evaluator):
    # 0%: not 纳入年度综合考评, and below 4%: both rules of the row fire.
    item = taiqian.assess(only(zzld_weight_percent=0), evaluator=evaluator).item("zzld.3.1")
    assert [e.rule for e in item.effects] == ["zzld.3.1#not_included", "zzld.3.1#weight_low"]
    assert all(e.amount is None for e in item.effects)


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("count", "expected"), [(0, "fail"), (1, "pass"), (3, "pass")])
def test_at_least_once_a_year(taiqian, evaluator, count, expected):
    # 「每年至少听取一次专题汇报」「每年至少开展一次政务公开业务培训」「每年自查……」: 0 < 1 fails, 1 is enough.
    assert status(taiqian, "zzld.1.1", evaluator, zzld_reports_heard=count, zzld_deployed=True) == expected
    assert status(taiqian, "zzld.3.2", evaluator, zzld_trainings_held=count) == expected
    assert status(taiqian, "xxgk.3.1", evaluator, xxgk_attribute_reviews=count, xxgk_attribute_converted=True) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("days", "expected"), [(0, "pass"), (20, "pass"), (21, "fail"), (23, "fail")])
def test_twenty_working_days(taiqian, evaluator, days, expected):
    # 「20个工作日内」 includes the 20th working day (「以内」包括本数): 20 passes, 21 fails.
    facts = dict(xxgk_active_max_days=days, xxgk_active_accurate_complete=True)
    assert status(taiqian, "xxgk.1.3", evaluator, **facts) == expected


HOT_OK = dict(yqcz_response_hours=0, yqcz_major_info_hours=0, yqcz_major_press_hours=0)


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("fact", "hours", "expected"),
    [
        # 「24小时内回应」: 24 h is within 24 h; anything more is not.
        ("yqcz_response_hours", 24, "pass"),
        ("yqcz_response_hours", D("24.5"), "fail"),
        ("yqcz_response_hours", D("24.000001"), "fail"),
        # 「最迟要在5小时内发布权威信息」: 5 h is the latest allowed.
        ("yqcz_major_info_hours", 5, "pass"),
        ("yqcz_major_info_hours", D("5.5"), "fail"),
        # 「在24小时内举行新闻发布会」
        ("yqcz_major_press_hours", 24, "pass"),
        ("yqcz_major_press_hours", 25, "fail"),
    ],
)
def test_hot_response_hours(taiqian, evaluator, fact, hours, expected):
    assert status(taiqian, "yqcz.2.1", evaluator, **{**HOT_OK, fact: hours}) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_hot_response_names_each_late_requirement(taiqian, evaluator):
    # 30 h to respond and 6 h to publish 权威信息, 发布会 in 20 h: two of the row's three limits missed.
    facts = dict(yqcz_response_hours=30, yqcz_major_info_hours=6, yqcz_major_press_hours=20)
    item = taiqian.assess(only(**facts), evaluator=evaluator).item("yqcz.2.1")
    assert item.status == "fail"
    assert [e.rule for e in item.effects] == ["yqcz.2.1#response_late", "yqcz.2.1#info_late"]


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("halls", "expected"), [(0, "fail"), (1, "pass"), (2, "fail")])
def test_single_service_hall(taiqian, evaluator, halls, expected):
    # 「乡（镇）本级只建设一个实体服务大厅」: exactly one.
    assert status(taiqian, "zwfw.2.1", evaluator, zwfw_halls_count=halls, zwfw_hall_shortfalls=[]) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("missing", "expected"),
    [([], "pass"), (["政务客户端"], "fail"), (["政务微博", "政务客户端"], "fail"), (["政务微博", "政务微信", "政务客户端"], "fail")],
)
def test_new_media_each_platform(taiqian, evaluator, missing, expected):
    # Reading new_media_each, as enumerations_each and channels_each: 政务微博、微信、客户端 each required.
    assert status(taiqian, "ptjs.3.1", evaluator, ptjs_new_media_missing=missing) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("missing", "expected"), [([], "pass"), (["广播电视问政"], "fail")])
def test_participation_channels_each(taiqian, evaluator, missing, expected):
    # Reading channels_each: all three channels are required.
    assert status(taiqian, "gzcy.1.3", evaluator, gzcy_channels_missing=missing) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("count", "expected"), [(0, "pass"), (1, "fail")])
def test_counts_that_must_be_zero(taiqian, evaluator, count, expected):
    # 「……政策性文件全部解读」: one 未解读 fails; 「城乡社区（村）设便民代办点」: one village without fails.
    assert status(taiqian, "zcjd.3.1", evaluator, zcjd_uninterpreted_count=count) == expected
    assert status(taiqian, "zwfw.3.2", evaluator, zwfw_villages_without_point=count, zwfw_free_agency=True) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_enumerated_systems_each_required(taiqian, evaluator):
    # 「建立健全……保密审查、主动公开、依申请公开、信息发布协调、年度报告、责任追究等制度」: one missing fails.
    assert status(taiqian, "zdjs.2.1", evaluator, zdjs_foi_systems_missing=[]) == "pass"
    assert status(taiqian, "zdjs.2.1", evaluator, zdjs_foi_systems_missing=["责任追究"]) == "fail"


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_yes_no_rows(taiqian, evaluator):
    # 加强经费保障 (the 一级指标 that is its own row) and a two-requirement row (列入分工 / 公示).
    assert status(taiqian, "zzld.5", evaluator, zzld_funding_ensured=True) == "pass"
    assert status(taiqian, "zzld.5", evaluator, zzld_funding_ensured=False) == "fail"
    assert status(taiqian, "zzld.2.1", evaluator, zzld_division_listed=True, zzld_division_posted=True) == "pass"
    assert status(taiqian, "zzld.2.1", evaluator, zzld_division_listed=True, zzld_division_posted=False) == "fail"


# --------------------------------------------------------------------------- missing facts


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_missing_fact_leaves_the_row_not_checked(taiqian, evaluator):
    # Only the 培训 row's fact is given: that row is checked, every other row is not.
    result = taiqian.assess(only(zzld_trainings_held=1), evaluator=evaluator)
    assert result.item("zzld.3.2").status == "pass"
    weight = result.item("zzld.3.1")
    assert weight.status == "notchecked"
    assert weight.unchecked_facts == ("zzld_weight_percent",)
    assert result.status_counts["notchecked"] == ROWS - 1
    assert result.complete is False
    assert result.total is None


def test_missing_fact_in_a_complete_assessment(taiqian):
    # The complete assessment less one fact: that row alone is not checked.
    facts = dict(ALL_MET)
    del facts["yqcz_major_press_hours"]
    result = taiqian.assess({"target": "xiangzhen", "facts": facts})
    assert result.item("yqcz.2.1").status == "notchecked"
    assert result.status_counts == {"pass": ROWS - 1, "fail": 0, "notapplicable": 0, "notchecked": 1, "error": 0}
    assert result.not_checked == ("yqcz.2.1",)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_a_row_half_known_fails_on_what_is_known(taiqian, evaluator):
    # 「每年至少听取一次专题汇报，研究部署推进工作」: 0 汇报 fires, 研究部署 is not given.
    # One requirement of the row definitely fails, so the row fails whatever the other
    # turns out to be; the missing fact is still listed.
    item = taiqian.assess(only(zzld_reports_heard=0), evaluator=evaluator).item("zzld.1.1")
    assert item.status == "fail"
    assert item.unchecked_facts == ("zzld_deployed",)
    assert [e.rule for e in item.effects] == ["zzld.1.1#reports"]


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_a_row_with_nothing_failed_and_a_fact_missing_is_not_checked(taiqian, evaluator):
    # 1 汇报 heard (met), 研究部署 not given: nothing failed, one requirement unknown.
    item = taiqian.assess(only(zzld_reports_heard=1), evaluator=evaluator).item("zzld.1.1")
    assert item.status == "notchecked"
    assert item.unchecked_facts == ("zzld_deployed",)


# --------------------------------------------------------------------------- 特别项


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_special_items_default_to_none(taiqian, evaluator):
    # Reading special_default_none / fraud_default_false: nothing recorded, nothing happened;
    # the ledgers and the zeroing are complete without any of their facts.
    result = taiqian.assess(only(), evaluator=evaluator)
    for ledger in result.ledgers:
        assert ledger.complete is True
        assert ledger.unscored == () and ledger.effects == ()
        assert ledger.raw == ledger.applied == D(0)
    assert result.zeroed == ()


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_special_items_are_reported_not_scored(taiqian, evaluator):
    # 「不在总分内，但得分可计入（减）总分」 with no amounts: every occurrence is listed, nothing is added or taken.
    facts = dict(tb_positive_reports=2, tb_office_praise=1, tb_leader_criticism=1, tb_noncompliance=3)
    result = taiqian.assess(only(**facts), evaluator=evaluator)
    bonus = result.ledger("special_bonus")
    assert bonus.direction == "bonus" and bonus.cap is None
    assert bonus.unscored == ("special_bonus#positive_reports", "special_bonus#office_praise")
    assert [(e.quantity, e.amount) for e in bonus.effects] == [(2, None), (1, None)]
    assert bonus.raw == bonus.applied == D(0)
    penalty = result.ledger("special_penalty")
    assert penalty.direction == "penalty" and penalty.cap is None
    assert penalty.unscored == ("special_penalty#leader_criticism", "special_penalty#noncompliance")
    assert [(e.quantity, e.amount) for e in penalty.effects] == [(1, None), (3, None)]
    assert penalty.raw == penalty.applied == D(0)
    # The readings on the special items, and the pack-wide ones (referred to by nothing,
    # so they concern every result): the document has no points at all, and the defaults.
    assert [r[0] for r in result.readings] == [
        "no_points",
        "special_outside_total",
        "special_default_none",
        "fraud_default_false",
        "fraud_zeroes_unscored",
    ]


# --------------------------------------------------------------------------- 直接归零项


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_fraud_zeroes_whatever_else_holds(taiqian, evaluator):
    # 「直接归零项：在日常工作和考核、检查中弄虚作假的」: zeroed with nothing else given …
    result = taiqian.assess(only(fraud_found=True), evaluator=evaluator)
    assert [z.id for z in result.zeroed] == ["fraud"]
    assert dict(result.zeroed[0].facts) == {"fraud_found": True}


def test_fraud_zeroes_a_perfect_checklist(taiqian):
    # … and with every row met and a 特别加分 occurrence.
    result = taiqian.assess(complete(fraud_found=True, tb_office_praise=1))
    assert [z.id for z in result.zeroed] == ["fraud"]
    assert result.status_counts["pass"] == ROWS
    assert result.total is None and result.scored is False


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_no_fraud_no_zeroing(taiqian, evaluator):
    assert taiqian.assess(only(fraud_found=False), evaluator=evaluator).zeroed == ()
