"""datonghu_2023: scores worked out by hand from 大政公办发〔2023〕4号.

Each expected value below is derived in its comment from the document's
评分办法, not from the program's output.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import govrules

from datonghu_facts import XZ_ALL_MET, xz


def test_three_late_items_score_19_7(datonghu):
    # 乡镇 主动公开信息 20分; 「未按时限完成的,每次扣0.1分」: 3 × 0.1 = 0.3 → 19.7.
    result = datonghu.assess(xz(active_late_count=3))
    assert result.item("xz.1").score == D("19.7")
    assert str(result.item("xz.1").score) == "19.7"  # exact, not 19.699999…
    assert result.total == D("99.7")


def test_no_rule_fires_scores_full_marks(datonghu):
    # Every requirement met: nothing is deducted, 5 × 20 = 100.
    result = datonghu.assess(xz())
    assert result.total == D(100)
    assert result.complete
    assert all(i.status == "pass" and not i.effects for i in result.items)


def test_shipped_xiangzhen_example(datonghu):
    # xz.1: 20 − 3×0.1 (late) − 0.5 (酌情) = 19.2
    # xz.2: 20 − 1×0.1 (one element missing) = 19.9, then 复核 sets it to 20
    # xz.3: incidents 2×1 + 省级 2×0.5 + 市级 1×0.2 = 3.2, capped at 3 (「最高扣分不超过3分」);
    #       4 fortnights without updates × 0.1 = 0.4 outside the cap → 20 − 3 − 0.4 = 16.6
    # xz.4, xz.5: met → 20 + 20
    # total 19.2 + 20 + 16.6 + 20 + 20 = 95.8; 自评 20+20+18+20+20 = 98
    import json
    from pathlib import Path

    path = Path(__file__).parent.parent / "packs/datonghu_2023/src/govrules_pack_datonghu_2023/examples/xiangzhen.json"
    result = datonghu.assess(json.loads(path.read_text(encoding="utf-8")))
    assert [i.score for i in result.items] == [D("19.2"), D(20), D("16.6"), D(20), D(20)]
    assert result.item("xz.2").computed == D("19.9")
    override = result.item("xz.2").override
    assert (override.old, override.new, override.reviewer, override.at) == (D("19.9"), D(20), "区政务公开办 李明", "2023-12-20")
    cap = result.item("xz.3").caps[0]
    assert (cap.raw, cap.max, cap.cut) == (D("3.2"), D(3), D("0.2"))
    assert result.total == D("95.8")
    assert result.self_total == D(98)
    # 自评 differs from the final score on xz.1 (20 vs 19.2) and xz.3 (18 vs 16.6).
    assert [(d.item, d.self_score, d.final) for d in result.differences] == [("xz.1", D(20), D("19.2")), ("xz.3", D(18), D("16.6"))]


def test_shipped_quzhi_example_derives_stale_fortnights(datonghu):
    # Updates every Monday of 2023 except July and August. Fortnights from 2023-01-01 (a Sunday):
    # window k covers days 14k..14k+13. Windows 13 (Jul 2–15), 14 (Jul 16–29), 15 (Jul 30–Aug 12)
    # and 16 (Aug 13–26) hold no Monday update; window 12 (Jun 18–Jul 1) has Jun 19 and 26,
    # window 17 (Aug 27–Sep 9) has Sep 4. So 4 misses × 0.1: qz.3 = 10 − 0.4 = 9.6.
    # qz.4.4: 2 late × 0.1 → 1.8, qz.4 = 9.8; qz.5.5: 酌情 0.5 → 1.5, qz.5 = 9.5;
    # qz.6: 1 late → 19.9; qz.8: foi_ok false → 未按要求不计分 → 0.
    # total 10 + 10 + 9.6 + 9.8 + 9.5 + 19.9 + 10 + 0 + 10 = 88.8
    import json
    from pathlib import Path

    path = Path(__file__).parent.parent / "packs/datonghu_2023/src/govrules_pack_datonghu_2023/examples/quzhi.json"
    result = datonghu.assess(json.loads(path.read_text(encoding="utf-8")))
    assert dict(result.facts)["new_media_stale_periods"] == 4
    assert result.derived_facts == ("new_media_stale_periods",)
    assert result.item("qz.3").score == D("9.6")
    assert result.section("qz.4").score == D("9.8")
    assert result.section("qz.5").score == D("9.5")
    assert result.item("qz.8").score == 0 and result.item("qz.8").zeroed_by == "qz.8#unmet"
    assert result.total == D("88.8")
    assert "new_media_fortnights" in [r[0] for r in result.readings]


def test_cap_covers_incidents_and_criticism_only(datonghu):
    # Reading new_media_cap_scope: 5 incidents (5) + 国务院 1 (1) = 6 → capped at 3;
    # 30 stale fortnights × 0.1 = 3 are outside the cap → 20 − 3 − 3 = 14.
    result = datonghu.assess(xz(new_media_incident_count=5, new_media_criticism_state_council=1, new_media_stale_periods=30))
    item = result.item("xz.3")
    assert item.score == D(14)
    assert item.caps[0].cut == D(3)
    assert "new_media_cap_scope" in [r[0] for r in result.readings]


def test_tiered_criticism_amounts(datonghu):
    # 国务院 1 + 省 2 × 0.5 + 市 3 × 0.2 = 1 + 1 + 0.6 = 2.6 (under the cap) → 20 − 2.6 = 17.4
    result = datonghu.assess(
        xz(new_media_criticism_state_council=1, new_media_criticism_province=2, new_media_criticism_city=3)
    )
    item = result.item("xz.3")
    assert [(e.level, e.amount) for e in item.effects] == [("国务院", D(1)), ("省级", D(1)), ("市级", D("0.6"))]
    assert item.score == D("17.4")


def test_sub_item_floors_at_zero(datonghu):
    # qz.4.4 财政预决算 has 2 points; 25 late × 0.1 = 2.5 > 2 → floored at 0, 0.5 cut by the floor.
    facts = {"basic_budget_late_count": 25}
    result = datonghu.assess({"target": "quzhi", "facts": facts})
    item = result.item("qz.4.4")
    assert item.score == 0
    assert item.floor_cut == D("0.5")
    assert result.total is None  # the other items were not checked


def test_all_or_nothing(datonghu):
    # 「未按要求不计分」: the item scores 0 whatever else.
    result = datonghu.assess(xz(opinion_response_ok=False))
    assert result.item("xz.4").score == 0
    assert result.total == D(80)


def test_zone_missing_elements(datonghu):
    # 6 listed elements, each 0.1: all missing → 0.6 → 19.4
    everything = ["专人负责", "公开设施设备", "公开资料", "提供政策咨询查阅", "提供办事服务指引", "提供指导申请公开"]
    result = datonghu.assess(xz(zone_missing=everything))
    assert result.item("xz.2").score == D("19.4")


def test_discretionary_needs_reason(datonghu):
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess(xz(active_quality={"points": 1}))
    assert any(p.where == "facts.active_quality" and "reason" in p.message for p in err.value.problems)


def test_discretionary_bound_is_item_points(datonghu):
    # 乡镇 主动公开 has 20 points, so at most 20 may be deducted at discretion; 区直 has 10.
    datonghu.assess(xz(active_quality={"points": 20, "reason": "全年未更新"}))
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess({"target": "quzhi", "facts": {"active_quality": {"points": 11, "reason": "x"}}})
    assert any(p.where.startswith("facts.active_quality") and "10" in p.message for p in err.value.problems)


def test_discretionary_with_reason_is_traced(datonghu):
    result = datonghu.assess(xz(active_quality={"points": 0.3, "reason": "栏目分类错误"}))
    effect = result.item("xz.1").effects[0]
    assert (effect.kind, effect.amount, effect.reason) == ("discretionary", D("0.3"), "栏目分类错误")
    assert effect.quote == "工作质量有欠缺的,视情况酌情扣分"


def test_invalid_facts_list_every_problem(datonghu):
    bad = {
        "target": "xiangzhen",
        "facts": {
            "active_late_count": -1,
            "zone_missing": ["专人负责", "不存在的项"],
            "foi_ok": "yes",
            "new_media_incident_count": "10",
            "new_media_criticism_city": 1.5,
            "active_late": 3,
            "window_missing": [],
        },
    }
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess(bad)
    where = sorted(p.where for p in err.value.problems)
    assert where == sorted(
        [
            "facts.active_late_count",
            "facts.zone_missing.1",
            "facts.foi_ok",
            "facts.new_media_incident_count",
            "facts.new_media_criticism_city",
            "facts.active_late",
            "facts.window_missing",
        ]
    )
    messages = {p.where: p.message for p in err.value.problems}
    assert "是否想写 'active_late_count'" in messages["facts.active_late"]
    assert "不用于考核乡镇" in messages["facts.window_missing"]


def test_unknown_target_is_named(datonghu):
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess({"target": "xiangzen", "facts": {}})
    assert "是否想写 'xiangzhen'" in str(err.value)


def test_incomplete_assessment_has_no_total(datonghu):
    result = datonghu.assess({"target": "xiangzhen", "facts": {"active_late_count": 0}})
    assert not result.complete
    assert result.total is None
    assert result.not_checked == ("xz.2", "xz.3", "xz.4", "xz.5")
    assert result.item("xz.3").unchecked_facts == (
        "new_media_incident_count",
        "new_media_criticism_state_council",
        "new_media_criticism_province",
        "new_media_criticism_city",
        "new_media_stale_periods",
    )


def test_derived_and_direct_count_conflict(datonghu):
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess(xz(new_media_update_dates=["2023-01-02"]))
    assert err.value.problems[0].code == "facts.derived_and_source"


def test_json_is_byte_identical_whatever_the_order(datonghu):
    a = xz(active_late_count=2, zone_missing=["公开资料", "专人负责"])
    facts = dict(reversed(list(a["facts"].items())))
    facts["zone_missing"] = ["专人负责", "公开资料"]
    b = {"facts": facts, "target": "xiangzhen"}
    assert datonghu.assess(a).to_json() == datonghu.assess(b).to_json()
    assert datonghu.assess(a).to_json() == datonghu.assess(a).to_json()


def test_result_is_stamped(datonghu):
    import json

    data = json.loads(datonghu.assess(xz()).to_json())
    assert data["pack"]["id"] == "datonghu_2023"
    assert data["pack"]["version"] == "1.0.0"
    assert data["pack"]["content_hash"].startswith("sha256:")
    assert data["engine"] == {"name": "govrules", "version": govrules.__version__, "evaluator": "durable_rules"}
    assert data["rounding"] == "2 decimal places, ROUND_HALF_UP"


def test_json_input_text_keeps_decimals_exact(datonghu):
    text = '{"target": "xiangzhen", "facts": {"active_late_count": 0, "zone_missing": [], "new_media_incident_count": 0,' \
        ' "new_media_criticism_state_council": 0, "new_media_criticism_province": 0, "new_media_criticism_city": 0,' \
        ' "new_media_stale_periods": 0, "opinion_response_ok": true, "foi_ok": true,' \
        ' "active_quality": {"points": 0.1, "reason": "r"}}}'
    # 20 − 0.1 = 19.9 exactly
    assert datonghu.assess(text).item("xz.1").score == D("19.9")


def test_review_records_who_when_old_new_why(datonghu):
    data = xz(active_late_count=3)
    data["reviews"] = [{"item": "xz.1", "score": 19, "reviewer": "王五", "at": "2023-12-21T10:00:00+08:00", "reason": "另查实一次迟报"}]
    result = datonghu.assess(data)
    item = result.item("xz.1")
    assert item.computed == D("19.7") and item.score == D(19)
    assert item.override.to_dict() == {"reviewer": "王五", "at": "2023-12-21T10:00:00+08:00", "old": "19.7", "new": "19", "reason": "另查实一次迟报"}
    assert result.total == D(99)


@pytest.mark.parametrize(
    "review, where",
    [
        ({"item": "xz.1", "score": 21, "reviewer": "王五", "at": "2023-12-21", "reason": "r"}, "reviews[0].item"),
        ({"item": "xz.9", "score": 1, "reviewer": "王五", "at": "2023-12-21", "reason": "r"}, "reviews[0].item"),
        ({"item": "xz.1", "score": 1, "reviewer": "", "at": "2023-12-21", "reason": "r"}, "reviews.0.reviewer"),
        ({"item": "xz.1", "score": 1, "reviewer": "王五", "at": "yesterday", "reason": "r"}, "reviews.0.at"),
        ({"item": "xz.1", "score": 1, "reviewer": "王五", "at": "2023-12-21"}, "reviews.0.reason"),
    ],
)
def test_bad_reviews_are_rejected(datonghu, review, where):
    data = xz()
    data["reviews"] = [review]
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess(data)
    assert where in [p.where for p in err.value.problems]


def test_not_applicable_is_refused_when_the_document_has_no_such_clause(datonghu):
    data = xz()
    data["not_applicable"] = {"xz.5": "本年度未收到申请"}
    with pytest.raises(govrules.FactsError, match="不允许申报指标不适用"):
        datonghu.assess(data)


def test_facts_schema_for_forms(datonghu):
    import jsonschema

    schema = datonghu.facts_schema("xiangzhen")
    props = schema["properties"]
    assert "window_missing" not in props  # 区直 only
    assert props["active_late_count"]["title"] == "主动公开信息未按时限完成次数"
    assert props["active_late_count"]["x-indicators"] == ["xz.1"]
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(XZ_ALL_MET)
    assert not validator.is_valid({"active_late_count": -1})
    assert not validator.is_valid({"active_late_count": "3"})
    assert not validator.is_valid({"nonsense": 1})
    assert not validator.is_valid({"zone_missing": ["不存在"]})


def test_zone_and_window_elements_are_read_from_their_own_tables(datonghu):
    # 乡镇专区: 「提供政策咨询查阅、办事服务指引、指导申请公开」 — 「政策咨询查阅」 has no 顿号: one element,
    # 6 in all; 区直窗口: 「提供政策解读、咨询查阅、…」 — two elements, 8 in all (with 窗口管理制度).
    zone = datonghu.view("xiangzhen").fact_specs["zone_missing"]
    window = datonghu.view("quzhi").fact_specs["window_missing"]
    assert len(zone.elements) == 6 and "提供政策咨询查阅" in zone.elements
    assert len(window.elements) == 8 and {"提供政策解读", "提供咨询查阅"} <= set(window.elements)
    # The whole 政策咨询查阅 service missing: one element × 0.1 → 20 − 0.1 = 19.9; both readings recorded.
    result = datonghu.assess(xz(zone_missing=["提供政策咨询查阅"]))
    assert result.item("xz.2").score == D("19.9")
    assert {"missing_item_each_time", "zone_elements"} <= {r[0] for r in result.readings}
    assert "window_elements" in {r.id for r in datonghu.spec.readings}


def test_xiangzhen_rows_in_the_first_column_are_read_as_items(datonghu):
    # 「3. 政 务 新媒体(20 分)」 and 「5. 依 申 请公开(20 分)」 sit in the 一级指标 column like 区直 item 9:
    # read as 二级 under 「1. 政务公开 (100分)」: 5 × 20 = 100. foi_ok false → 「未按要求不计分」: 100 − 20 = 80.
    result = datonghu.assess(xz(foi_ok=False))
    assert [s.id for s in result.sections] == ["xz"]
    assert result.item("xz.5").score == 0 and result.total == D(80)
    assert "xz_slid_headings" in {r[0] for r in result.readings}
