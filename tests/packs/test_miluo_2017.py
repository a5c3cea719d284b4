"""miluo_2017: scores worked out by hand from 汨罗市2017年政务公开政务服务工作考核细则.

Every expected value below is derived in its comment from the document's 分值 and
扣分办法 columns (「倒扣分，扣完为止」), not from the program's output.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal as D
from importlib import resources

import pytest

import govrules

PACK_FILES = resources.files("govrules_pack_miluo_2017")


@pytest.fixture(scope="module")
def miluo() -> govrules.Pack:
    return govrules.Registry.discover().get("miluo_2017")


# Every fact at its "met" value: a unit that did everything scores 100 on each table.
XZ_ALL_MET = {
    "leader_briefed": True,
    "leader_in_division": True,
    "division_published": True,
    "xz_leading_group": "已成立并及时调整",
    "xz_management_body": True,
    "budget_listed": True,
    "xz_training_held": True,
    "xz_shadowing_sent": True,
    "performance_weight_percent": 4,
    "xz_inspection_count": 2,
    "xz_results_circulated": True,
    "xz_work_points_issued": True,
    "xz_disclosure_rules_missing": [],
    "xz_guide": "本级政府和工作部门均已公开",
    "xz_annual_report": "本级政府和工作部门均已公开",
    "xz_platform_set_up": True,
    "response_late_count": 0,
    "xz_active_missing": [],
    "foi_overdue_count": 0,
    "foi_liability_case_count": 0,
    "xz_ips_plan_made": True,
    "xz_ips_leadership_defined": True,
    "xz_ips_safeguards_missing": [],
    "catalog_list_made": True,
    "implementation_list_made": True,
    "service_guide_made": True,
    "service_guide_missing": [],
    "review_rules_done": True,
    "review_rules_missing": [],
    "paper_results_digitized": True,
    "website_consolidated": True,
    "portal_connected": True,
    "data_docking": "已全面对接",
    "internet_supervision": True,
    "xz_center_facilities_adequate": True,
    "two_centralizations": "已实施且事项全部进驻",
    "chief_representative": "已推行且授权充分",
    "joint_approval": True,
    "xz_window_reviews_regular": True,
    "xz_window_reviews_circulated": True,
    "xz_window_staff_assessed_separately": True,
    "process_optimized": True,
    "materials_electronic": True,
    "online_handling": True,
    "xz_township_center_covered": True,
    "xz_village_coverage_percent": 100,
    "e_license": True,
    "xz_data_sharing": True,
    "digital_city_platforms": True,
    "xz_extranet_township_2017": True,
    "xz_extranet_community_2017": True,
    "info_security": True,
    "xz_site_disclosed": True,
    "xz_site_disclosure_missing": [],
    "xz_service_items_missing_count": 0,
    "xz_door_and_proxy_service": True,
    "xz_info_reports_count": 12,
    "xz_late_reports_count": 0,
}

SZ_ALL_MET = {
    "leader_briefed": True,
    "leader_in_division": True,
    "division_published": True,
    "sz_work_body_defined": True,
    "sz_staff_assigned": True,
    "budget_listed": True,
    "performance_weight_percent": 5,
    "sz_self_inspection_held": True,
    "sz_work_points_made": True,
    "sz_disclosure_rules_missing": [],
    "sz_guide": "已公开并及时更新",
    "sz_annual_report": "在规定期限公开",
    "sz_interpretation": "均在3个工作日内公开解读材料",
    "response_late_count": 0,
    "sz_active_missing": [],
    "foi_overdue_count": 0,
    "foi_liability_case_count": 0,
    "sz_query_site": "已设立并提供查询咨询服务",
    "catalog_list_made": True,
    "implementation_list_made": True,
    "service_guide_made": True,
    "service_guide_missing": [],
    "review_rules_done": True,
    "review_rules_missing": [],
    "paper_results_digitized": True,
    "website_consolidated": True,
    "portal_connected": True,
    "sz_data_pooling": "已按要求汇集数据、建好专业库",
    "data_docking": "已全面对接",
    "internet_supervision": True,
    "two_centralizations": "已实施且事项全部进驻",
    "joint_approval": True,
    "chief_representative": "已推行且授权充分",
    "sz_center_criticism_count": 0,
    "process_optimized": True,
    "materials_electronic": True,
    "online_handling": True,
    "sz_data_sharing_systems": True,
    "e_license": True,
    "digital_city_platforms": True,
    "sz_fiber_4g": True,
    "info_security": True,
    "sz_late_reports_count": 0,
    "sz_meetings_missed_count": 0,
}

GUIDE_ELEMENTS = [
    "事项名称", "事项类型", "设定依据", "实施机构", "法定办结时限", "承诺办结时限", "结果名称", "结果样本",
    "收费标准", "收费依据", "申请材料", "办理流程", "办理形式", "审查标准", "通办范围", "预约办理",
    "网上支付", "物流快递", "办理地点", "办理时间", "咨询电话", "监督电话",
]  # fmt: skip


def xz(**facts):
    return {"target": "xiangzhen", "facts": {**XZ_ALL_MET, **facts}}


def sz(**facts):
    return {"target": "shizhi", "facts": {**SZ_ALL_MET, **facts}}


def example(name: str) -> dict:
    return json.loads((PACK_FILES / "examples" / f"{name}.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------- loading, maxima


def test_all_met_scores_100_on_both_tables(miluo):
    # Nothing deducted: 乡镇 15 + 35 + 39 + 6 + 5 = 100; 市直 10 + 35 + 50 + 5 = 100.
    for data in (xz(), sz()):
        result = miluo.assess(data)
        assert result.complete
        assert result.total == D(100)
        assert result.ledgers and all(l.applied == 0 for l in result.ledgers)


def test_section_maxima_are_as_stated(miluo):
    # The document's headings: 组织保障（15分）信息公开（35分）互联网+政务服务（39分）
    # 政务公开便民服务（6分）工作衔接（5分）; 市直 （10分）（35分）（50分）（5分）.
    xz_result = miluo.assess(xz())
    stated = {s.id: s.stated_max for s in xz_result.sections if s.stated_max is not None}
    assert stated == {"xz.1": 15, "xz.2": 35, "xz.3": 39, "xz.4": 6, "xz.5": 5}
    # The 39 checked item by item: 2 + (2+2+2+2) + (2+2+1) + (1+2+2+2+3) + (2+2+2) + (2+2+1+2+1).
    assert xz_result.section("xz.3").max == D(39)
    sz_result = miluo.assess(sz())
    stated = {s.id: s.stated_max for s in sz_result.sections if s.stated_max is not None}
    assert stated == {"sz.1": 10, "sz.2": 35, "sz.3": 50, "sz.4": 5}
    # 市直 互联网+: (3+3+3+2) + (2+4+3+3) + (3+2+2+3) + (2+3) + (3+3+2+2+2) = 50.
    assert sz_result.section("sz.3").max == D(50)
    # 「全面推进事项清单标准化、办事指南规范化、」 | page break | 「全面推进审查工作细则化、办事结果标准化」
    # is one 二级指标, as in the 乡镇 table (reading sz_page_break): 事项清单 3 + 办事指南 3 + 审查工作细则 3
    # + 办事结果电子化 2 = 11, and no section of its own for the second half.
    assert sz_result.section("sz.3.1").max == D(11)
    assert [i.id for i in sz_result.items if i.id.startswith(("sz.3.1.", "sz.3.2."))] == ["sz.3.1.1", "sz.3.1.2", "sz.3.2.1", "sz.3.2.2"]
    assert "sz.3.2" not in {s.id for s in sz_result.sections}
    assert sz_result.section("sz.3.1").names[-1] == xz_result.section("xz.3.2").names[-1]
    # 乡镇 机构建设 is 4 (分值 column), not the stray 「2」 after 核定机构职能.
    assert xz_result.item("xz.1.2").max == D(4)


def test_wrong_section_maximum_fails_to_load_naming_file_and_row():
    text = (PACK_FILES / "rubric.yaml").read_text(encoding="utf-8")
    document = (PACK_FILES / "source.txt").read_text(encoding="utf-8")
    assert text.count("points: {xiangzhen: 39}") == 1
    broken = text.replace("points: {xiangzhen: 39}", "points: {xiangzhen: 38}")
    line = broken.splitlines().index("    points: {xiangzhen: 38}") + 1
    with pytest.raises(govrules.PackError) as caught:
        govrules.load_pack_text(broken, "miluo_rubric.yaml", document)
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.startswith(f"miluo_rubric.yaml:{line} ")
    assert "xz.3（互联网+政务服务）" in problem
    assert "stated as 38" in problem and "add up to 39" in problem


def test_every_quote_is_checked_against_the_document():
    # A deduction the document does not contain (培训 扣2分 instead of 扣1分) is refused.
    text = (PACK_FILES / "rubric.yaml").read_text(encoding="utf-8")
    document = (PACK_FILES / "source.txt").read_text(encoding="utf-8")
    broken = text.replace("quote: 未开展业务培训的扣1分}", "quote: 未开展业务培训的扣2分}")
    with pytest.raises(govrules.PackError) as caught:
        govrules.load_pack_text(broken, "miluo_rubric.yaml", document)
    assert any("quote not found" in p.message for p in caught.value.problems)


def test_defect_readings_are_recorded(miluo):
    readings = {r.id: r for r in miluo.spec.readings}
    assert readings["xz_stray_2"].defect and readings["xz_stray_2"].quote == "按省、市要求核定机构职能2"
    assert readings["poverty_listed_twice"].defect
    assert readings["xz_leader_run_together"].defect
    assert miluo.spec.floor.quote == "倒扣分，扣完为止"


# ----------------------------------------------------------------- floors


def test_supervision_deductions_beyond_points_floor_at_zero(miluo):
    # 乡镇 监督考核 4分. Not in 综合绩效考评 (weight 0%) −4, no 专项督查 −1, results not
    # circulated −1: 4 + 1 + 1 = 6 > 4 → 0, never −2 (「扣完为止」); 2 cut by the floor.
    # Under reading not_included_vs_weight the 「分值权重不达标的扣2分」 does not also fire.
    result = miluo.assess(xz(performance_weight_percent=0, xz_inspection_count=0, xz_results_circulated=False))
    item = result.item("xz.1.5")
    assert item.score == D(0)
    assert item.floor_cut == D(2)
    fired = {e.rule.split("#")[1] for e in item.effects}
    assert fired == {"not_included", "no_inspection", "not_circulated"}
    assert result.total == D(96)  # 100 − 4: the floor keeps the other items whole


def test_supervision_underweight_and_other_deductions(miluo):
    # Weight 3% < 「赋予4%的考核分值」 −2, no 督查 −1, not circulated −1 → 4 − 4 = 0, nothing cut.
    item = miluo.assess(xz(performance_weight_percent=3, xz_inspection_count=0, xz_results_circulated=False)).item("xz.1.5")
    assert item.score == D(0) and item.floor_cut == D(0)
    # Weight 3.5%, one 督查 held, circulated → 4 − 2 = 2. One inspection is enough (xz_inspection_any).
    item = miluo.assess(xz(performance_weight_percent=D("3.5"), xz_inspection_count=1)).item("xz.1.5")
    assert item.score == D(2)


def test_shizhi_organisation_two_deductions_of_two_on_two_points(miluo):
    # 市直 机构建设 2分: 未明确工作机构 −2 and 未配备专（兼）职工作人员 −2 → 4 > 2 → 0.
    item = miluo.assess(sz(sz_work_body_defined=False, sz_staff_assigned=False)).item("sz.1.2")
    assert item.score == D(0) and item.floor_cut == D(2)


def test_foi_one_overdue_and_one_lost_case_scores_0_of_8(miluo):
    # 乡镇 依申请公开 8分: 超期回复 每件次扣4分 × 1 = 4; 复议、诉讼需承担责任 每起扣8分 × 1 = 8;
    # 12 > 8 → 0 of 8. Total 100 − 8 = 92.
    result = miluo.assess(xz(foi_overdue_count=1, foi_liability_case_count=1))
    item = result.item("xz.2.6")
    assert item.max == D(8)
    assert item.score == D(0)
    assert item.floor_cut == D(4)
    assert result.total == D(92)


def test_foi_shizhi_amounts(miluo):
    # 市直 依申请公开 4分: 每件次扣2分 × 1 = 2 → 2 left.
    assert miluo.assess(sz(foi_overdue_count=1)).item("sz.2.6").score == D(2)


# ----------------------------------------------------------------- per missing element


def test_service_guide_three_missing_elements(miluo):
    # 乡镇 办事指南 2分, 「每缺一项扣0.5分」: 3 × 0.5 = 1.5 → 0.5.
    item = miluo.assess(xz(service_guide_missing=["网上支付", "物流快递", "监督电话"])).item("xz.3.2.2")
    assert item.score == D("0.5")
    assert str(item.score) == "0.5"


def test_service_guide_five_missing_elements_floor_at_zero(miluo):
    # 5 × 0.5 = 2.5 > 2 → 0, 0.5 cut by the floor.
    item = miluo.assess(xz(service_guide_missing=GUIDE_ELEMENTS[:5])).item("xz.3.2.2")
    assert item.score == D(0) and item.floor_cut == D("0.5")
    # 市直 办事指南 is 3分: 5 × 0.5 = 2.5 → 0.5.
    assert miluo.assess(sz(service_guide_missing=GUIDE_ELEMENTS[:5])).item("sz.3.1.2").score == D("0.5")


def test_service_guide_lists_22_elements_and_no_guide_takes_the_2(miluo):
    fact = next(f for f in miluo.spec.facts if f.name == "service_guide_missing")
    assert list(fact.elements) == GUIDE_ELEMENTS and len(GUIDE_ELEMENTS) == 22
    # No guide at all: 「未编制办事指南的扣2分」 only (graded_failures); listed elements are not also counted.
    item = miluo.assess(xz(service_guide_made=False, service_guide_missing=GUIDE_ELEMENTS[:2])).item("xz.3.2.2")
    assert item.score == D(0)
    assert [e.rule for e in item.effects] == ["xz.3.2.2#no_guide"]


def test_review_rules_eleven_elements(miluo):
    fact = next(f for f in miluo.spec.facts if f.name == "review_rules_missing")
    assert len(fact.elements) == 11
    # 市直 审查工作细则 3分: 2 missing × 0.5 = 1 → 2.
    assert miluo.assess(sz(review_rules_missing=["受理", "咨询"])).item("sz.3.2.1").score == D(2)


def test_disclosure_rules_lists_differ_between_tables(miluo):
    # 乡镇 lists 6 制度, 市直 7 (adds 政策解读). 每缺一项扣1分, item 3分.
    assert miluo.assess(xz(xz_disclosure_rules_missing=["保密审查", "新闻发言人"])).item("xz.2.1").score == D(1)
    # 未制定要点 −2 plus 政策解读 missing −1 → 0.
    assert miluo.assess(sz(sz_work_points_made=False, sz_disclosure_rules_missing=["政策解读"])).item("sz.2.1").score == D(0)
    with pytest.raises(govrules.FactsError):
        miluo.assess(xz(xz_disclosure_rules_missing=["政策解读"]))  # not in the 乡镇 list


def test_active_disclosure_poverty_counted_once(miluo):
    # 「扶贫工作信息」 appears twice in the document's list; it is one element, so missing it
    # costs 每缺一项扣3分 once: 15 − 3 = 12 (乡镇), 19 − 1 = 18 (市直).
    for name in ("xz_active_missing", "sz_active_missing"):
        fact = next(f for f in miluo.spec.facts if f.name == name)
        assert fact.elements.count("扶贫工作信息") == 1
        assert len(fact.elements) == 25  # 6 基础信息 + 19 领域信息
    assert miluo.assess(xz(xz_active_missing=["扶贫工作信息"])).item("xz.2.5").score == D(12)
    assert miluo.assess(sz(sz_active_missing=["扶贫工作信息"])).item("sz.2.5").score == D(18)
    # Five categories missing in 乡镇: 5 × 3 = 15 → 0.
    five = ["规范性文件", "市场监管信息", "财政资金信息", "环境保护信息", "土地、房屋征收信息"]
    assert miluo.assess(xz(xz_active_missing=five)).item("xz.2.5").score == D(0)
    # The readings that decide how the missing items are counted are the 主动公开 rules' own.
    readings = {r[0] for r in miluo.assess(xz(xz_active_missing=five)).readings}
    assert {"poverty_listed_twice", "list_items_split", "five_publics_not_items", "active_missing_means_not_timely"} <= readings


def test_readings_show_only_where_they_apply(miluo):
    # The 乡镇-only stray 「2」 (xz_stray_2) is on 乡镇 results, not on 市直 ones; deduction_column_only is
    # on both (each table has rows it names); the 主动公开 readings only when 主动公开 loses points.
    xz_readings = {r[0] for r in miluo.assess(xz()).readings}
    sz_readings = {r[0] for r in miluo.assess(sz()).readings}
    assert "xz_stray_2" in xz_readings and "xz_stray_2" not in sz_readings
    assert "deduction_column_only" in xz_readings and "deduction_column_only" in sz_readings
    assert "sz_page_break" in sz_readings and "sz_page_break" not in xz_readings
    assert not {"list_items_split", "five_publics_not_items", "active_missing_means_not_timely"} & (xz_readings | sz_readings)
    # Every reading is attached to something it is about.
    assert {r.id for r in miluo.spec.readings} <= miluo.spec.referenced_readings()


def test_center_criticism_counts_once(miluo):
    # 「被市政务中心通报批评的每次扣0.5分」 (服务质量评议 3分): two criticisms → 3 − 1 = 2; recorded once, not also
    # as a 市级 减分 (reading center_criticism_once), so the input leaves sz_criticism_city_count at 0: total 100 − 1 = 99.
    result = miluo.assess(sz(sz_center_criticism_count=2))
    assert result.item("sz.3.4.4").score == D(2)
    assert result.ledger("sz.penalty").applied == D(0) and result.total == D(99)
    assert "center_criticism_once" in {r[0] for r in result.readings}


def test_internet_plus_safeguards(miluo):
    # 乡镇 强化组织保障 2分: 未制定方案 −0.5, 未明确领导机构 −0.5, 队伍、经费、考评 all missing
    # 3 × 0.5 = 1.5: 2.5 > 2 → 0.
    item = miluo.assess(
        xz(xz_ips_plan_made=False, xz_ips_leadership_defined=False, xz_ips_safeguards_missing=["队伍", "经费", "考评"])
    ).item("xz.3.1")
    assert item.score == D(0) and item.floor_cut == D("0.5")


def test_service_site_disclosure_list(miluo):
    # 乡镇 政务公开（便民服务场所）3分: 2 missing × 1 = 2 → 1.
    assert miluo.assess(xz(xz_site_disclosure_missing=["乡镇概况", "计划生育"])).item("xz.4.1").score == D(1)


# ----------------------------------------------------------------- per occurrence, shortfall


def test_information_reports_shortfall(miluo):
    # 信息报送 5分: 「少于12条的，每少一条扣1分」: 9 条 → 3 short → 5 − 3 = 2.
    assert miluo.assess(xz(xz_info_reports_count=9)).item("xz.5.1").score == D(2)
    # 12 or more: nothing deducted, and no credit for extra.
    assert miluo.assess(xz(xz_info_reports_count=12)).item("xz.5.1").score == D(5)
    assert miluo.assess(xz(xz_info_reports_count=20)).item("xz.5.1").score == D(5)
    # 9 条 and two late reports: 3 + 2 = 5 → 0.
    assert miluo.assess(xz(xz_info_reports_count=9, xz_late_reports_count=2)).item("xz.5.1").score == D(0)


def test_per_occurrence_amounts_differ_by_table(miluo):
    # 回应关切: 乡镇 3分 每件次扣2分 → 1 late → 1; 市直 2分 每件次扣1分 → 1.
    assert miluo.assess(xz(response_late_count=1)).item("xz.2.4").score == D(1)
    assert miluo.assess(sz(response_late_count=1)).item("sz.2.4").score == D(1)
    # 市直 评议: 被市政务中心通报批评的每次扣0.5分, 3分: 5 × 0.5 = 2.5 → 0.5.
    assert miluo.assess(sz(sz_center_criticism_count=5)).item("sz.3.4.4").score == D("0.5")
    # 市直 情况报送 5分: 2 late + 缺席会议 1 → 5 − 3 = 2.
    assert miluo.assess(sz(sz_late_reports_count=2, sz_meetings_missed_count=1)).item("sz.4.1").score == D(2)


def test_service_items_missing_one_zeroes_the_item(miluo):
    # 便民服务 3分: 「办事服务事项进驻不全的每缺一项扣3分」 × 1 = 3, plus 未开展上门办理 1 → 0.
    item = miluo.assess(xz(xz_service_items_missing_count=1, xz_door_and_proxy_service=False)).item("xz.4.2")
    assert item.score == D(0) and item.floor_cut == D(1)


# ----------------------------------------------------------------- fixed, thresholds, deadlines


def test_leader_three_deductions(miluo):
    # 领导重视 3分: 「未专题研究的扣1未列入分工的扣1分工未在政府网站公开的扣1」 read as three × 1.
    assert miluo.assess(xz(leader_briefed=False)).item("xz.1.1").score == D(2)
    assert miluo.assess(xz(leader_briefed=False, leader_in_division=False, division_published=False)).item("xz.1.1").score == D(0)


def test_leading_group_not_set_up_takes_2_only(miluo):
    # 机构建设 4分: 未成立领导小组 −2 (not also 未及时调整 −1) → 2; with no 管理机构 −1 → 1.
    assert miluo.assess(xz(xz_leading_group="未成立")).item("xz.1.2").score == D(2)
    assert miluo.assess(xz(xz_leading_group="未成立", xz_management_body=False)).item("xz.1.2").score == D(1)
    assert miluo.assess(xz(xz_leading_group="已成立但未及时调整")).item("xz.1.2").score == D(3)


def test_village_coverage_threshold(miluo):
    # 「村（社区）便民服务中心覆盖率低于90%的扣1分」: 89.5% → −1 → 1 of 2; 90% → 2.
    assert miluo.assess(xz(xz_village_coverage_percent=D("89.5"))).item("xz.3.5.3").score == D(1)
    assert miluo.assess(xz(xz_village_coverage_percent=90)).item("xz.3.5.3").score == D(2)


def test_2017_deadline_extranet(miluo):
    # 「2017年底前，县级电子政务外网未延伸至乡镇（街道）的扣1分，未延伸到社区的扣1分」:
    # not extended to communities by 2017-12-31 → 2 − 1 = 1; the reading says it only fits 2017.
    result = miluo.assess(xz(xz_extranet_community_2017=False))
    assert result.item("xz.3.6.4").score == D(1)
    assert "deadline_2017" in [r[0] for r in result.readings]


def test_graded_choice_data_docking(miluo):
    # 数据对接: 乡镇 2分 (未实施 −2 / 不全面 −1); 市直 3分 (−3 / −1).
    assert miluo.assess(xz(data_docking="对接不全面")).item("xz.3.3.2").score == D(1)
    assert miluo.assess(xz(data_docking="未实施数据对接")).item("xz.3.3.2").score == D(0)
    assert miluo.assess(sz(data_docking="对接不全面")).item("sz.3.3.3").score == D(2)
    # 市直 指南和年报 3分: 未公开指南 −1.5, 年报公开不及时 −1 → 0.5.
    assert miluo.assess(sz(sz_guide="未公开", sz_annual_report="公开不及时")).item("sz.2.2").score == D("0.5")


def test_guide_and_report_tiers_xiangzhen_add_up_shizhi_exclusive(miluo):
    # 乡镇 指南和年报公开 3分, 「未公开指南的扣1分，公开部门不全面的扣1分；未公开年报的扣1分，公开部门不全面的扣1分」
    # (reading guide_report_tiers: the two equal tiers add up, so publishing nothing is worse than missing one department).
    # Guide published by no one: 未公开 1 + 公开部门不全面 1 = 2 → 3 − 2 = 1.
    result = miluo.assess(xz(xz_guide="未公开"))
    assert result.item("xz.2.2").score == D(1)
    assert [e.rule for e in result.item("xz.2.2").effects] == ["xz.2.2#no_guide", "xz.2.2#guide_partial"]
    # Guide missing for some departments only: 1 → 2.
    assert miluo.assess(xz(xz_guide="公开部门不全面")).item("xz.2.2").score == D(2)
    # Guide and report both published by no one: 2 + 2 = 4 > 3, 「倒扣分，扣完为止」 → 0.
    assert miluo.assess(xz(xz_guide="未公开", xz_annual_report="未公开")).item("xz.2.2").score == D(0)
    # Both missing for some departments: 1 + 1 = 2 → 1.
    assert miluo.assess(xz(xz_guide="公开部门不全面", xz_annual_report="公开部门不全面")).item("xz.2.2").score == D(1)
    # Total with the guide published by no one, everything else met: 100 − 2 = 98.
    assert miluo.assess(xz(xz_guide="未公开")).total == D(98)
    # 市直 3分, tiers exclusive (1.5 already heavier than 1): 未公开指南 −1.5 only → 1.5;
    # 未公开指南 −1.5 and 未公开年报 −1.5 → 0; 更新不及时 −1 → 2.
    assert miluo.assess(sz(sz_guide="未公开")).item("sz.2.2").score == D("1.5")
    assert miluo.assess(sz(sz_guide="未公开", sz_annual_report="未公开")).item("sz.2.2").score == D(0)
    assert miluo.assess(sz(sz_guide="更新不及时")).item("sz.2.2").score == D(2)


# ----------------------------------------------------------------- 加、减分


def test_bonus_and_penalty_outside_the_100(miluo):
    # 乡镇: two 省、地级 commendations × 2 = +4; one 市级 criticism × 1 = −1.
    # Outside the 100 and uncapped: 100 + 4 − 1 = 103.
    result = miluo.assess(xz(xz_commend_prov_pref_count=2, xz_criticism_city_count=1))
    assert result.base == D(100)
    assert result.ledger("xz.bonus").applied == D(4)
    assert result.ledger("xz.penalty").applied == D(1)
    assert result.total == D(103)
    assert result.max_total is None  # no cap: no maximum total
    # 市直: 省级 × 2 = +4, 市级 criticism × 1 = −1 → 103 as well.
    result = miluo.assess(sz(sz_commend_prov_count=2, sz_criticism_city_count=1))
    assert result.total == D(103)


def test_bonus_is_not_capped(miluo):
    # Six 省、地级 commendations and three 市级: 6 × 2 + 3 × 1 = 15, no cap → 115.
    result = miluo.assess(xz(xz_commend_prov_pref_count=6, xz_commend_city_count=3))
    assert result.total == D(115)


# ----------------------------------------------------------------- the total floored at 0


def test_xiangzhen_200_provincial_criticisms_total_is_0_not_negative(miluo):
    # The issue's case: 长乐镇's example with 200 「受到省、地级批评的，每次扣2分」.
    # base 69 + 加分 3 − 减分 (200 × 2 + 市级 1 × 1 = 401) = −329: penalties take the
    # total to 0 and no further (「倒扣分，扣完为止」); the floor gives back 329.
    data = example("xiangzhen")
    data["facts"]["xz_criticism_prov_pref_count"] = 200
    result = miluo.assess(data)
    assert result.ledger("xz.penalty").applied == D(401)
    assert result.base == D(69)
    assert result.total == D(0)
    assert result.total_floor_cut == D(329)
    assert result.total_floor_quote == "倒扣分，扣完为止"
    data_json = json.loads(result.to_json())
    assert data_json["total"] == "0"
    assert data_json["total_floor"] == {"cut": "329", "quote": "倒扣分，扣完为止", "reading": []}


@pytest.mark.parametrize(
    "prov, city, total, cut",
    [
        # every item met: base 100 (15 + 35 + 39 + 6 + 5); 省、地级 × 2, 市级 × 1 taken outside the 100.
        (49, 1, D(1), D(0)),  # 100 − 98 − 1 = 1: just above 0, nothing cut
        (50, 0, D(0), D(0)),  # 100 − 100 = 0 exactly: nothing for the floor to cut
        (50, 1, D(0), D(1)),  # 100 − 100 − 1 = −1 → 0, the floor gives back 1
        (200, 0, D(0), D(300)),  # 100 − 400 = −300 → 0
    ],
)
def test_xiangzhen_total_at_the_floor(miluo, prov, city, total, cut):
    result = miluo.assess(xz(xz_criticism_prov_pref_count=prov, xz_criticism_city_count=city))
    assert result.base == D(100)
    assert (result.total, result.total_floor_cut) == (total, cut)
    assert ("total_floor" in json.loads(result.to_json())) == bool(cut)


@pytest.mark.parametrize(
    "prov, city, total, cut",
    [
        # 市直, every item met: base 100 (10 + 35 + 50 + 5); 「受到省级批评的每次扣2分，市级扣1分」.
        (0, 99, D(1), D(0)),  # 100 − 99 = 1
        (50, 1, D(0), D(1)),  # 100 − 100 − 1 = −1 → 0
        (200, 0, D(0), D(300)),  # 100 − 400 = −300 → 0
    ],
)
def test_shizhi_total_at_the_floor(miluo, prov, city, total, cut):
    result = miluo.assess(sz(sz_criticism_prov_count=prov, sz_criticism_city_count=city))
    assert result.base == D(100)
    assert (result.total, result.total_floor_cut) == (total, cut)


def test_shizhi_example_with_a_bonus_just_keeps_the_total_above_0(miluo):
    # The 市直 example: base 76.04 (rescaled, see test_shizhi_example_total) + 加分 2.
    # 38 省级 criticisms × 2 + 市级 1 = 77: 76.04 + 2 − 77 = 1.04, above 0 and left alone;
    # 39 → 79: 76.04 + 2 − 79 = −0.96 → 0, the floor gives back 0.96.
    data = example("shizhi")
    data["facts"]["sz_criticism_prov_count"] = 38
    assert (miluo.assess(data).total, miluo.assess(data).total_floor_cut) == (D("1.04"), D(0))
    data["facts"]["sz_criticism_prov_count"] = 39
    result = miluo.assess(data)
    assert (result.total, result.total_floor_cut) == (D(0), D("0.96"))


def test_recoverable_points_of_a_floored_total(miluo):
    # All met (base 100) with 51 省、地级 criticisms (× 2 = 102) and 2 市级 (× 1 = 2): 100 − 104 = −4 → 0,
    # the floor gives back 4. Each tier is one finding: putting right the 市级 ones restores 2 to the
    # ledger, yet the total stays at 0 (100 − 102 = −2 → 0); the 省、地级 ones restore 102, the total 100 − 2 = 98.
    result = miluo.assess(xz(xz_criticism_prov_pref_count=51, xz_criticism_city_count=2))
    assert (result.total, result.total_floor_cut) == (D(0), D(4))
    fixes = {f.level: f for f in result.recoverable()}
    assert (fixes["市级"].restores, fixes["市级"].restores_total) == (D(2), D(0))
    assert (fixes["省、地级"].restores, fixes["省、地级"].restores_total) == (D(102), D(98))
    data = json.loads(result.to_json(recoverable=True))
    assert data["recoverable"][0]["restores_total"] == "98"
    assert "recoverable" not in json.loads(result.to_json())  # opt-in: the plain JSON reads as before


def test_the_floor_shows_on_the_sheet(miluo):
    from govrules.outputs import report

    result = miluo.assess(xz(xz_criticism_prov_pref_count=200))
    text = report.markdown(result)
    assert "总分：0" in text
    assert "扣完为止：总分最低0分，减分超出的300分不计（「倒扣分，扣完为止」）" in text


def test_adjustment_counts_default_to_zero(miluo):
    # XZ_ALL_MET gives no 加、减分 facts: default 0, the result is still complete.
    result = miluo.assess(xz())
    assert result.complete
    assert result.ledger("xz.bonus").raw == 0 and result.ledger("xz.penalty").raw == 0


def test_omitted_fact_leaves_the_item_not_checked(miluo):
    facts = dict(XZ_ALL_MET)
    del facts["foi_overdue_count"]
    result = miluo.assess({"target": "xiangzhen", "facts": facts})
    assert result.item("xz.2.6").status == "notchecked"
    assert result.total is None


# ----------------------------------------------------------------- not applicable


NA_EXPLANATION = "书面说明：本单位不承担政务业务数据资源汇聚和建专业库任务，经市政务公开办认定。"


def test_not_applicable_item_is_rescaled(miluo):
    # 市直 政务资源共享数据库 (4分) declared not applicable with a written explanation.
    # Reading na_rescale: the item is left out; applicable maximum 100 − 4 = 96.
    data = sz()
    del data["facts"]["sz_data_pooling"]
    data["not_applicable"] = {"sz.3.3.2": NA_EXPLANATION}
    result = miluo.assess(data)
    item = result.item("sz.3.3.2")
    assert item.status == "notapplicable"
    assert item.not_applicable == NA_EXPLANATION
    assert item.score is None
    # Everything else met: 96 of 96 → 96 × 100 / 96 = 100.
    assert result.base_sum == D(96)
    assert result.rescaled
    assert result.total == D(100)
    assert "na_rescale" in [r[0] for r in result.readings]


def test_not_applicable_with_a_deduction_rounds_once(miluo):
    # Same N/A, plus one 未及时回应 (−1 of 回应关切): 95 of 96 → 95 × 100 / 96 = 98.958333… → 98.96.
    data = sz(response_late_count=1)
    del data["facts"]["sz_data_pooling"]
    data["not_applicable"] = {"sz.3.3.2": NA_EXPLANATION}
    result = miluo.assess(data)
    assert result.base_sum == D(95)
    assert result.total == D("98.96")


# ----------------------------------------------------------------- the examples


def test_xiangzhen_example_total(miluo):
    # 长乐镇, by hand:
    # 组织保障 15: 领导重视 3−1 (分工未公开) = 2; 机构建设 4−1 (未及时调整) = 3; 经费 2;
    #   教育培训 2−1 (未跟班学习) = 1; 监督考核 4−2 (权重3%) = 2          → 10
    # 信息公开 35: 制度 3−1 (新闻发言人) = 2; 指南和年报 3−1 (年报部门不全面) = 2; 平台 3;
    #   回应 3; 主动公开 15−2×3 = 9; 依申请 8−4 (超期1件) = 4              → 23
    # 互联网+ 39: 组织保障 2−0.5 (考评) = 1.5; 指南 2−3×0.5 = 0.5; 数据对接 2−1 = 1;
    #   互联网+监督 1−1 = 0; 评议 3−1−1 = 1; 基层覆盖 2−1 (85%<90%) = 1; 数字化平台 1−1 = 0;
    #   外网 2−1 (未延伸到社区) = 1; the rest full; 39 − 9 = 30                 → 30
    # 便民服务 6: 政务公开 3−1 (计划生育) = 2; 便民服务 3−1 (未上门代办) = 2      → 4
    # 工作衔接 5: 信息10条 −2, 报送不及时1次 −1 → 2                              → 2
    # base 10 + 23 + 30 + 4 + 2 = 69; 加分 省、地级1×2 + 市级1×1 = 3; 减分 市级1×1 = 1.
    # total 69 + 3 − 1 = 71.
    result = miluo.assess(example("xiangzhen"))
    assert result.complete
    assert result.unit == "长乐镇"
    sections = {s.id: s.score for s in result.sections if s.id.count(".") == 1}
    assert sections == {"xz.1": 10, "xz.2": 23, "xz.3": 30, "xz.4": 4, "xz.5": 2}
    assert result.base == D(69)
    assert result.ledger("xz.bonus").applied == D(3)
    assert result.ledger("xz.penalty").applied == D(1)
    assert result.total == D(71)
    # 自评: xz.1.5 4 (final 2), xz.2.5 12 (final 9), xz.5.1 3 (final 2).
    assert {d.item: (d.self_score, d.final) for d in result.differences} == {
        "xz.1.5": (4, 2),
        "xz.2.5": (12, 9),
        "xz.5.1": (3, 2),
    }


def test_shizhi_example_total(miluo):
    # 市人力资源和社会保障局, by hand:
    # 组织保障 10: 领导重视 3−1 (未专题研究) = 2; 机构 2; 经费 2−2 = 0; 监督考核 3−1 (未自查) = 2 → 6
    # 信息公开 35: 制度 3−2 (发布协调、政策解读) = 1; 指南和年报 3−1 (更新不及时) = 2;
    #   政策解读 2−1 (不及时) = 1; 回应 2−1 = 1; 主动公开 19−3×1 = 16; 依申请 4; 查询场所 2 → 27
    # 互联网+ 50, 政务资源共享数据库 (4分) not applicable → 46 applicable:
    #   实施清单 −1.5; 审查细则未实施 −3; 两集中不彻底 −1; 首席代表授权不充分 −1;
    #   市政务中心通报批评3次 × 0.5 = −1.5; 46 − 8 = 38                          → 38
    # 工作衔接 5: 报送不及时1次 −1, 缺席会议2次 −2 → 2                         → 2
    # base sum 6 + 27 + 38 + 2 = 73 of 96 applicable; rescaled 73 × 100 / 96 = 76.041666… → 76.04.
    # 加分 省级1×2 = 2; 减分 市级1×1 = 1. total 76.04 + 2 − 1 = 77.04.
    result = miluo.assess(example("shizhi"))
    assert result.complete
    sections = {s.id: s.score for s in result.sections if s.id.count(".") == 1}
    assert sections == {"sz.1": 6, "sz.2": 27, "sz.3": 38, "sz.4": 2}
    assert result.base_sum == D(73)
    assert result.rescaled
    assert result.base == D("76.04")
    assert result.total == D("77.04")
    assert result.item("sz.3.3.2").not_applicable.startswith("书面说明")
    # 自评: sz.1.3 2 (final 0), sz.2.5 17 (final 16), sz.3.4.4 3 (final 1.5).
    assert {d.item: (d.self_score, d.final) for d in result.differences} == {
        "sz.1.3": (2, 0),
        "sz.2.5": (17, 16),
        "sz.3.4.4": (3, D("1.5")),
    }


@pytest.mark.parametrize("name", ["xiangzhen", "shizhi"])
def test_examples_agree_across_evaluators(miluo, name):
    durable = miluo.assess(example(name), evaluator="durable")
    reference = miluo.assess(example(name), evaluator="reference")
    assert durable.total == reference.total
    assert re.sub(r'"evaluator": "\w+"', "", durable.to_json()) == re.sub(r'"evaluator": "\w+"', "", reference.to_json())
