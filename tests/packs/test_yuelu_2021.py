"""yuelu_2021: 岳麓区基层政务公开标准化规范化工作考核指标 (2021), a tailoring of changsha_ref.

Every expected score below is worked out by hand in its comment from the document's
「考核对象及分值」 column and the pack's recorded readings, never copied from the
program's output. The document gives each row's points but no deduction method; the
pack reads it as all-or-nothing (reading all_or_nothing_rows): a row whose requirement
is met in full scores its points, else 0.

Points per row, as printed (街道（镇） / 区直相关部门; 「—」: the row names the other type only):

  工作组织与推进  部署推进  zz.bs.1 责任领导…      4 / 5
                            zz.bs.train 参加培训    — / 5
                            zz.bs.2 上级培训、本级培训 4 / —
                            zz.bs.3 统筹社区（村）  4 / —
                  推进实效  zz.sx.1                 4 / 10        → 16 / 20
  公开内容        目录      nr.ml.1 2021版目录     10 / 20
                            nr.ml.2 社区（村）目录  4 / —
                  内容发布  nr.fb.1                 2 / 10
                            nr.fb.2                 4 / —         → 20 / 30
  公开渠道        线下专区  qd.zq.1 5, qd.zq.2–6 2 each = 15 / —
                  线上专栏  qd.zl.1 所属领域       — / 10
                            qd.zl.2 各领域         10 / —
                  其它平台  qd.qt.1                 4 / —         → 29 / 10
  公开管理        主动公开  gl.zd.1                10 / 10
                            gl.zd.2 专区管理机制    4 / —
                  渠道管理  gl.qd.2                 4 / 10
                            gl.qd.3                 2 / —
                  监督考评  gl.kp.1                 5 / —         → 25 / 20
  工作推进响应情况 平时工作 xy.xy.1               10 / 20        → 10 / 20
  街道（镇）16 + 20 + 29 + 25 + 10 = 100; 区直相关部门 20 + 30 + 10 + 20 + 20 = 100.
  加分项: 国家级 5 / 省级 3 / 市级 2 per 推介, 「加分项最多5分」 → at most 105.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

import govrules
import govrules_pack_yuelu_2021
from govrules.outputs.packdiff import diff
from govrules.testing import run_conformance

EXAMPLES = Path(govrules_pack_yuelu_2021.__file__).parent / "examples"
EVALUATORS = ["durable", "reference"]

# Every fact a 街道（镇） is assessed on, each row met (deadlines met on the last day allowed).
JIEDAO_ALL_MET: dict[str, object] = {
    "zz_org_missing": [],
    "zz_upper_trainings_missed": 0,
    "zz_trainings": 1,  # 「组织本级基层政务公开培训」: once is enough (reading own_training_once)
    "zz_villages_coordinated": True,
    "zz_tasks_unfinished": 0,
    "nr_catalogue_missing": [],
    "nr_catalogue_done": True,
    "nr_catalogue_on": "2021-05-28",  # 「于5月28日前」 includes the day (reading deadline_day_included)
    "nr_villages_without_catalogue": 0,
    "nr_village_catalogue_done": True,
    "nr_village_catalogue_on": "2021-06-28",  # 「于6月28日前」
    "nr_carriers_failing": [],
    "nr_village_areas_missing": [],
    "qd_halls_without_zone": 0,
    "qd_zone_content_gathered": True,
    "qd_zone_layout_missing": [],
    "qd_zone_equipment_missing": [],
    "qd_zone_equipment_working": True,
    "qd_zone_functions_missing": [],
    "qd_zone_staffed": True,
    "qd_zone_materials_missing": [],
    "qd_zone_materials_order_missing": [],
    "qd_column_empty_subdirs": 0,
    "qd_column_consistent": True,
    "qd_village_media": True,
    "gl_procedures_missing": [],
    "gl_procedures_effective": True,
    "gl_zone_management_missing": [],
    "gl_column_mechanism_missing": [],
    "gl_column_updated": True,
    "gl_board_ledger": True,
    "gl_evaluation_missing": [],
    "xy_other_late_count": 0,
    # 加分项 left out: no 推介 recorded (default 0)
}

# Every fact a 区直相关部门 is assessed on, each row met.
QUZHI_ALL_MET: dict[str, object] = {
    "zz_org_missing": [],
    "zz_trainings_missed": 0,
    "zz_tasks_unfinished": 0,
    "nr_catalogue_missing": [],
    "nr_catalogue_done": True,
    "nr_catalogue_on": "2021-05-28",
    "nr_carriers_failing": [],
    "qd_column_empty_subdirs": 0,
    "qd_column_consistent": True,
    "gl_procedures_missing": [],
    "gl_procedures_effective": True,
    "gl_column_mechanism_missing": [],
    "gl_column_updated": True,
    "xy_other_late_count": 0,
}

JIEDAO_ITEMS = {
    "zz.bs.1": 4, "zz.bs.2": 4, "zz.bs.3": 4, "zz.sx.1": 4,
    "nr.ml.1": 10, "nr.ml.2": 4, "nr.fb.1": 2, "nr.fb.2": 4,
    "qd.zq.1": 5, "qd.zq.2": 2, "qd.zq.3": 2, "qd.zq.4": 2, "qd.zq.5": 2, "qd.zq.6": 2,
    "qd.zl.2": 10, "qd.qt.1": 4,
    "gl.zd.1": 10, "gl.zd.2": 4, "gl.qd.2": 4, "gl.qd.3": 2, "gl.kp.1": 5,
    "xy.xy.1": 10,
}  # fmt: skip
QUZHI_ITEMS = {
    "zz.bs.1": 5, "zz.bs.train": 5, "zz.sx.1": 10,
    "nr.ml.1": 20, "nr.fb.1": 10,
    "qd.zl.1": 10,
    "gl.zd.1": 10, "gl.qd.2": 10,
    "xy.xy.1": 20,
}  # fmt: skip
# Sections (一级 and 二级), their maxima summed by hand from the rows above.
JIEDAO_SECTIONS = {
    "zz": 16, "zz.bs": 12, "zz.sx": 4,
    "nr": 20, "nr.ml": 14, "nr.fb": 6,
    "qd": 29, "qd.zq": 15, "qd.zl": 10, "qd.qt": 4,
    "gl": 25, "gl.zd": 14, "gl.qd": 6, "gl.kp": 5,
    "xy": 10, "xy.xy": 10,
}  # fmt: skip
QUZHI_SECTIONS = {
    "zz": 20, "zz.bs": 10, "zz.sx": 10,
    "nr": 30, "nr.ml": 20, "nr.fb": 10,
    "qd": 10, "qd.zl": 10,
    "gl": 20, "gl.zd": 10, "gl.qd": 10,
    "xy": 20, "xy.xy": 20,
}  # fmt: skip


@pytest.fixture(scope="module")
def yuelu(registry: govrules.Registry) -> govrules.Pack:
    return registry.get("yuelu_2021")


@pytest.fixture(scope="module")
def changsha(registry: govrules.Registry) -> govrules.Pack:
    return registry.get("changsha_ref")


def jiedao(**changes: object) -> dict[str, object]:
    return {"target": "jiedao", "facts": {**JIEDAO_ALL_MET, **changes}}


def quzhi(**changes: object) -> dict[str, object]:
    return {"target": "quzhi", "facts": {**QUZHI_ALL_MET, **changes}}


def example(name: str) -> dict[str, object]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the pack


def test_pack_extends_changsha_ref_and_reads_its_own_document(yuelu):
    assert yuelu.extends == "changsha_ref"
    assert yuelu.document is not None  # source.txt read: every quote written here was checked against it
    assert [(t.id, t.name, t.total) for t in yuelu.spec.targets] == [("jiedao", "街道（镇）", D(100)), ("quzhi", "区直相关部门", D(100))]


@pytest.mark.parametrize(
    ("target", "items", "sections"),
    [("jiedao", JIEDAO_ITEMS, JIEDAO_SECTIONS), ("quzhi", QUZHI_ITEMS, QUZHI_SECTIONS)],
)
def test_tree_in_the_documents_order_with_points_per_target(yuelu, target, items, sections):
    view = yuelu.view(target)
    assert {i.id: i.max for i in view.items} == {k: D(v) for k, v in items.items()}
    assert [i.id for i in view.items] == list(items)  # 岳麓's order
    assert {s.id: s.max for s in view.sections} == {k: D(v) for k, v in sections.items()}
    assert view.top == ("zz", "nr", "qd", "gl", "xy")
    assert sum(items.values()) == 100


def test_sections_carry_the_documents_names(yuelu):
    view = yuelu.view("jiedao")
    names = {s.id: s.indicator.name for s in view.sections}
    # 岳麓 renames 长沙's 「市级工作推进响应情况 / 响应情况」 and replaces 「推进方案」 by 「推进实效」.
    assert names["xy"] == "工作推进响应情况" and names["xy.xy"] == "平时工作"
    assert names["zz.sx"] == "推进实效"
    # The 专区管理机制 row sits under 主动公开管理 in 岳麓's table (reading zone_management_row).
    assert [a.name for a in view.item("gl.zd.2").ancestors] == ["公开管理", "主动公开管理"]
    # Rows without a 二级指标 cell, placed as in changsha_ref (defect readings).
    assert [a.name for a in view.item("qd.qt.1").ancestors] == ["公开渠道", "其它公开平台"]
    assert [a.name for a in view.item("gl.kp.1").ancestors] == ["公开管理", "监督考评"]
    defects = {r.id for r in yuelu.spec.readings if r.defect}
    assert {"other_platforms_row", "supervision_row", "update_requirements_typo"} <= defects


def test_inherited_rows_keep_changsha_text_and_get_yuelu_method(yuelu, changsha):
    # qd.zq.4's text is the same in both documents: inherited. Its 考核方式 is 岳麓's.
    row = yuelu.view("jiedao").item("qd.zq.4").indicator
    assert row.source == changsha.view("quxian").item("qd.zq.4").indicator.source == "专区有专人提供公开信息咨询服务。"
    assert row.method == "提交相关照片、实地察看"
    assert (row.evidence, row.evaluation) == (("相关照片",), ("实地察看",))
    # 岳麓's own wording replaces 长沙's where it differs (the doubled 「新」 kept verbatim).
    assert "动态更新新要求" in yuelu.view("quzhi").item("gl.qd.2").indicator.source


# --------------------------------------------------------------------------- full marks


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_everything_met_scores_100_for_both_targets(yuelu, evaluator):
    for data, items in ((jiedao(), JIEDAO_ITEMS), (quzhi(), QUZHI_ITEMS)):
        result = yuelu.assess(data, evaluator=evaluator)
        assert result.complete
        assert {i.id: i.score for i in result.items} == {k: D(v) for k, v in items.items()}
        assert (result.base, result.total, result.max_total) == (D(100), D(100), D(105))
        assert result.ledger("jf").applied == D(0)


# --------------------------------------------------------------------------- all-or-nothing


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("target", "change", "item", "total"),
    [
        # 街道 zz.bs.2 (4): one 上级 training missed → 0 → 96
        ("jiedao", {"zz_upper_trainings_missed": 1}, "zz.bs.2", 96),
        # 街道 zz.bs.2 (4): no 本级 training organised → 0 → 96
        ("jiedao", {"zz_trainings": 0}, "zz.bs.2", 96),
        # 街道 qd.zq.3 (2): equipment there, but not working → 0 → 98
        ("jiedao", {"qd_zone_equipment_working": False}, "qd.zq.3", 98),
        # 街道 qd.zq.3 (2): one function of three missing → 0 (not 2/3 of 2) → 98
        ("jiedao", {"qd_zone_functions_missing": ["依申请公开"]}, "qd.zq.3", 98),
        # 街道 nr.ml.2 (4): 2 社区（村） without a catalogue → 0 → 96
        ("jiedao", {"nr_villages_without_catalogue": 2}, "nr.ml.2", 96),
        # 区直 zz.bs.1 (5): 经费 not settled → 0 → 95
        ("quzhi", {"zz_org_missing": ["明确工作经费"]}, "zz.bs.1", 95),
        # 区直 nr.ml.1 (20): not 细化至三级事项 → 0 → 80
        ("quzhi", {"nr_catalogue_missing": ["全面、深入梳理并细化至三级事项"]}, "nr.ml.1", 80),
        # 区直 xy.xy.1 (20): one late submission in 日常考评 → 0 → 80
        ("quzhi", {"xy_other_late_count": 1}, "xy.xy.1", 80),
        # 区直 qd.zl.1 (10): one empty 所属领域 二级目录 → 0 → 90
        ("quzhi", {"qd_column_empty_subdirs": 1}, "qd.zl.1", 90),
    ],
)
def test_a_row_not_met_scores_nothing(yuelu, evaluator, target, change, item, total):
    data = jiedao(**change) if target == "jiedao" else quzhi(**change)
    result = yuelu.assess(data, evaluator=evaluator)
    row = result.item(item)
    assert (row.status, row.score, row.zeroed_by) == ("fail", D(0), f"{item}#unmet")
    assert result.total == D(total)
    assert [i.id for i in result.items if i.status == "fail"] == [item]
    assert "all_or_nothing_rows" in [r[0] for r in result.readings]


def test_one_part_failing_decides_the_row_even_with_another_part_unknown(yuelu):
    # qd.zq.1: a hall without a 专区 fails the row; whether the content is gathered is not given.
    facts = {k: v for k, v in JIEDAO_ALL_MET.items() if k != "qd_zone_content_gathered"}
    result = yuelu.assess({"target": "jiedao", "facts": {**facts, "qd_halls_without_zone": 1}})
    assert result.item("qd.zq.1").score == D(0)
    assert result.total == D(95)  # 100 − 5
    # Without the failing part, the row is not checked and the total is withheld.
    result = yuelu.assess({"target": "jiedao", "facts": facts})
    assert result.item("qd.zq.1").status == "notchecked"
    assert result.item("qd.zq.1").unchecked_facts == ("qd_zone_content_gathered",)
    assert result.total is None


# --------------------------------------------------------------------------- one target only


def test_quzhi_only_training_row_is_absent_for_jiedao(yuelu):
    # 「积极参加基层政务公开业务培训。 区直相关部门 5分」: 区直 only.
    jd = yuelu.assess(jiedao())
    assert "zz.bs.train" not in [i.id for i in jd.items]
    assert "zz.bs.train" in [i.id for i in yuelu.assess(quzhi()).items]
    # 区直 missing one training: 5 → 0, total 95.
    assert yuelu.assess(quzhi(zz_trainings_missed=1)).total == D(95)
    # Its fact is refused for a 街道（镇）, with a message naming the target.
    with pytest.raises(govrules.FactsError) as err:
        yuelu.assess(jiedao(zz_trainings_missed=0))
    (problem,) = err.value.problems
    assert problem.where == "facts.zz_trainings_missed"
    assert problem.message == "事实 zz_trainings_missed（区直相关部门应参加而未参加的基层政务公开业务培训次数）不用于考核街道（镇）"


def test_jiedao_only_rows_are_absent_for_quzhi(yuelu):
    # 线下公开专区 (15), 社区（村） rows, 监督考评 (5) …: 街道（镇） only.
    ids = [i.id for i in yuelu.assess(quzhi()).items]
    assert not any(i.startswith(("qd.zq", "qd.qt", "gl.kp")) for i in ids)
    assert "qd.zl.2" not in ids and "nr.ml.2" not in ids
    with pytest.raises(govrules.FactsError, match="不用于考核区直相关部门"):
        yuelu.assess(quzhi(qd_zone_staffed=True))
    # Evidence for a row the target does not have is refused too.
    data = quzhi()
    data["evidence"] = {"qd.zq.1": ["相关照片"]}
    with pytest.raises(govrules.FactsError) as err:
        yuelu.assess(data)
    assert [p.where for p in err.value.problems] == ["evidence.qd.zq.1"]


def test_changsha_facts_dropped_by_yuelu_are_refused(yuelu):
    # 长沙's dated tasks (rw.*) and its 26-domain count are not part of 岳麓's table: the tailoring
    # drops them with the rows that read them, so 岳麓 does not know them at all.
    assert not {"task_catalogue_done", "nr_catalogue_domains"} & {f.name for f in yuelu.spec.facts}
    for fact, value in (("task_catalogue_done", True), ("nr_catalogue_domains", 26)):
        with pytest.raises(govrules.FactsError, match=f"没有名为 '{fact}' 的项"):
            yuelu.assess(quzhi(**{fact: value}))


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("target", "item", "points", "prefix", "deadline", "late"),
    [
        ("jiedao", "nr.ml.1", 10, "nr_catalogue", "2021-05-28", "2021-05-29"),  # 「于5月28日前报区政务公开办」
        ("quzhi", "nr.ml.1", 20, "nr_catalogue", "2021-05-28", "2021-05-29"),
        ("jiedao", "nr.ml.2", 4, "nr_village_catalogue", "2021-06-28", "2021-06-29"),  # 「于6月28日前报区政务公开办」
    ],
)
def test_deadline_includes_its_day(yuelu, evaluator, target, item, points, prefix, deadline, late):
    make = jiedao if target == "jiedao" else quzhi
    # On the day: on time (「前」 includes the day) → full points, total 100.
    on_time = yuelu.assess(make(**{f"{prefix}_done": True, f"{prefix}_on": deadline}), evaluator=evaluator)
    assert on_time.item(item).score == D(points) and on_time.total == D(100)
    # The day after: late → 0, total 100 − points.
    result = yuelu.assess(make(**{f"{prefix}_done": True, f"{prefix}_on": late}), evaluator=evaluator)
    assert result.item(item).score == D(0)
    assert result.item(item).status == "fail"
    assert result.total == D(100 - points)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_not_submitted_fails_without_a_date(yuelu, evaluator):
    # Not reported at all: decided without a date → 0 (区直 nr.ml.1, 20) → 80, complete.
    facts = {k: v for k, v in QUZHI_ALL_MET.items() if k != "nr_catalogue_on"}
    result = yuelu.assess({"target": "quzhi", "facts": {**facts, "nr_catalogue_done": False}}, evaluator=evaluator)
    assert result.item("nr.ml.1").score == D(0)
    assert result.item("nr.ml.1").unchecked_facts == ()
    assert result.complete and result.total == D(80)
    # Reported, date unknown: on time or late cannot be decided → not checked, no total.
    result = yuelu.assess({"target": "quzhi", "facts": facts}, evaluator=evaluator)
    assert result.item("nr.ml.1").status == "notchecked"
    assert result.item("nr.ml.1").unchecked_facts == ("nr_catalogue_on",)
    assert result.total is None


# --------------------------------------------------------------------------- 加分项


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("target", "national", "provincial", "city", "raw", "applied"),
    [
        ("jiedao", 1, 1, 0, 8, 5),  # 5 + 3 = 8 → 「加分项最多5分」 → 5
        ("quzhi", 1, 1, 0, 8, 5),
        ("quzhi", 0, 1, 0, 3, 3),  # 省级 once: 3
        ("jiedao", 0, 0, 1, 2, 2),  # 市级 once: 2
        ("jiedao", 0, 0, 2, 4, 4),  # 市级 twice: 2 × 2 = 4 (per 推介, reading bonus_per_recommendation)
        ("quzhi", 0, 1, 1, 5, 5),  # 3 + 2 = 5: exactly the cap
        ("quzhi", 0, 2, 0, 6, 5),  # 2 × 3 = 6 → 5
    ],
)
def test_bonus_tiers_and_cap(yuelu, evaluator, target, national, provincial, city, raw, applied):
    make = jiedao if target == "jiedao" else quzhi
    result = yuelu.assess(make(jf_national=national, jf_provincial=provincial, jf_city=city), evaluator=evaluator)
    ledger = result.ledger("jf")
    assert (ledger.raw, ledger.applied) == (D(raw), D(applied))
    assert result.base == D(100)
    assert result.total == D(100 + applied)
    assert result.max_total == D(105)


def test_bonus_is_traced_by_level(yuelu):
    ledger = yuelu.assess(jiedao(jf_national=1, jf_provincial=1)).ledger("jf")
    assert [(e.level, e.quantity, e.amount) for e in ledger.effects] == [("国家级", 1, D(5)), ("省级", 1, D(3))]
    assert (ledger.cap, ledger.cap_quote) == (D(5), "加分项最多5分")


# --------------------------------------------------------------------------- evidence


def test_missing_evidence_is_reported_not_deducted(yuelu):
    data = quzhi()
    # Everything 区直 must show, less the 图片 of zz.sx.1 and the 网页截图 of gl.zd.1.
    data["evidence"] = {item.id: list(item.indicator.evidence) for item in yuelu.view("quzhi").items if item.indicator.evidence}
    data["evidence"]["zz.sx.1"] = ["文字材料", "照片"]
    data["evidence"]["gl.zd.1"] = ["文字材料"]
    result = yuelu.assess(data)
    assert result.missing_evidence == (("zz.sx.1", "图片"), ("gl.zd.1", "网页截图"))
    assert result.item("zz.sx.1").missing_evidence == ("图片",)
    assert result.item("gl.zd.1").missing_evidence == ("网页截图",)
    assert result.item("zz.bs.1").missing_evidence == ()
    assert result.total == D(100)  # evidence does not change the score
    # 日常考评 is how xy.xy.1 is assessed, not a material to submit.
    assert result.item("xy.xy.1").evidence == () and result.item("xy.xy.1").evaluation == ("日常考评",)


def test_evidence_not_asked_for_is_refused(yuelu):
    data = quzhi()
    data["evidence"] = {"zz.bs.train": ["照片"]}  # 「查看培训签到表」 only
    with pytest.raises(govrules.FactsError) as err:
        yuelu.assess(data)
    (problem,) = err.value.problems
    assert problem.where == "evidence.zz.bs.train[0]"
    assert "培训签到表" in problem.message


# --------------------------------------------------------------------------- the examples


def test_jiedao_example(yuelu):
    # 望月湖街道:
    #   nr.ml.1 2021版目录 reported 2021-05-28, the last day allowed → 10
    #   nr.ml.2 社区（村）目录 reported 2021-06-30, after 「6月28日前」 → 0 (−4)
    #   qd.zq.5 政府公报 not on display → 0 (−2)
    #   gl.qd.3 no 台账 for the 公示栏 → 0 (−2)
    #   every other row met → base 100 − 4 − 2 − 2 = 92
    #   加分 国家级 1 × 5 + 省级 1 × 3 = 8 → capped at 5 → total 97
    result = yuelu.assess(example("jiedao.json"))
    assert result.unit == "望月湖街道"
    assert [i.id for i in result.items if i.status == "fail"] == ["nr.ml.2", "qd.zq.5", "gl.qd.3"]
    assert {s.id: s.score for s in result.sections if s.score != s.max} == {
        "nr": D(16), "nr.ml": D(10), "qd": D(27), "qd.zq": D(13), "gl": D(23), "gl.qd": D(4),
    }  # fmt: skip
    assert result.base == D(92)
    assert (result.ledger("jf").raw, result.ledger("jf").applied) == (D(8), D(5))
    assert result.total == D(97)
    # Evidence: the 组织培训照片 of zz.bs.2 and the 文字材料 of gl.kp.1 are missing.
    assert result.missing_evidence == (("zz.bs.2", "组织培训照片"), ("gl.kp.1", "文字材料"))


def test_quzhi_example(yuelu):
    # 岳麓区民政局:
    #   zz.bs.train one training missed → 0 (−5)
    #   nr.ml.1 2021版目录 reported 2021-05-31, after 「5月28日前」 → 0 (−20)
    #   every other row met → base 100 − 5 − 20 = 75
    #   加分 国家级 1 × 5 + 省级 2 × 3 = 11 → capped at 5 → total 80
    result = yuelu.assess(example("quzhi.json"))
    assert [i.id for i in result.items if i.status == "fail"] == ["zz.bs.train", "nr.ml.1"]
    assert {s.id: s.score for s in result.sections if s.score != s.max} == {
        "zz": D(15), "zz.bs": D(5), "nr": D(10), "nr.ml": D(0),
    }  # fmt: skip
    assert result.base == D(75)
    assert (result.ledger("jf").raw, result.ledger("jf").applied) == (D(11), D(5))
    assert result.total == D(80)
    assert result.missing_evidence == (("zz.sx.1", "图片"), ("gl.zd.1", "网页截图"))


@pytest.mark.parametrize("name", ["jiedao.json", "quzhi.json"])
def test_durable_and_reference_agree_on_the_examples(yuelu, name):
    durable = yuelu.assess(example(name), evaluator="durable").to_dict()
    reference = yuelu.assess(example(name), evaluator="reference").to_dict()
    assert durable["engine"].pop("evaluator") != reference["engine"].pop("evaluator")
    assert durable == reference


# --------------------------------------------------------------------------- readings


def test_results_carry_yuelus_readings_not_changshas_dropped_ones(yuelu):
    ids = [r[0] for r in yuelu.assess(example("jiedao.json")).readings]
    for reading in ("two_targets", "annual_105", "all_or_nothing_rows", "deadline_day_included", "bonus_per_recommendation", "bonus_cap"):
        assert reading in ids
    assert {"other_platforms_row", "supervision_row"} <= set(ids)  # rows of this 街道 result
    # 长沙's readings about its unscored checklist and its dated tasks do not shape 岳麓's results.
    for reading in ("no_points", "bonus_outside", "tasks_2021_only", "end_of_month", "village_row_slid"):
        assert reading not in ids
    # 长沙's pack-wide reading about 评估方式 is replaced by 岳麓's about 考核方式.
    quote = dict((r[0], r[1]) for r in yuelu.assess(example("jiedao.json")).readings)["evaluation_modes"]
    assert quote == "考核方式"


def test_every_reading_has_a_choice_and_the_defects_are_marked(yuelu):
    own = {r.id: r for r in yuelu.spec.readings}
    for rid in ("all_or_nothing_rows", "deadline_day_included", "bonus_per_recommendation", "plan_replaced_by_results", "zone_management_row"):
        assert own[rid].choice and own[rid].alternatives
    assert own["deadline_day_included"].quote == "于5月28日前报区政务公开办"
    assert own["all_or_nothing_rows"].quote == "街道（镇） 4分 区直相关部门 5分"


# --------------------------------------------------------------------------- against changsha_ref


def test_diff_against_changsha_ref(yuelu, changsha):
    d = diff(changsha, yuelu)
    # 岳麓's own rows: the 区直 training row and the 推进实效 二级指标 with its row.
    assert d.added == ("zz.bs.train", "zz.sx", "zz.sx.1")
    # Dropped: 长沙's 推进方案 and the notice's dated tasks.
    assert d.removed == ("zz.fa", "zz.fa.1", "rw", "rw.1a", "rw.1b", "rw.2", "rw.3", "rw.4", "rw.5a", "rw.5b", "rw.6", "rw.7")
    # Every row taken from 长沙 gets points (长沙 has none); qd.zl.1 is split into two rows.
    expected_points = {**JIEDAO_ITEMS, **JIEDAO_SECTIONS}
    reweighted = {c.id: (c.parent_id, c.points_before, c.points_after) for c in d.reweighted}
    own_rows = {"zz.bs.train", "zz.sx", "zz.sx.1"}
    assert set(reweighted) == (set(JIEDAO_ITEMS) | set(JIEDAO_SECTIONS) | set(QUZHI_ITEMS) | set(QUZHI_SECTIONS)) - own_rows
    for row, (parent, before, after) in reweighted.items():
        assert before is None
        want = {}
        if row in expected_points:
            want["jiedao"] = str(expected_points[row])
        if row in {**QUZHI_ITEMS, **QUZHI_SECTIONS}:
            want["quzhi"] = str({**QUZHI_ITEMS, **QUZHI_SECTIONS}[row])
        assert after == want, row
    assert reweighted["qd.zl.1"][0] == reweighted["qd.zl.2"][0] == "qd.zl.1"
    assert reweighted["gl.zd.2"][0] == "gl.qd.1"
    changed = {c.id: c.changes for c in d.changed}
    # Rows whose wording 岳麓 changed: text and name; the others: 考核方式 and rules only;
    # rows where 岳麓 reads the row differently: its readings too.
    assert changed["zz.bs.1"] == ("name", "source", "method", "evaluation", "evidence", "rules")
    assert changed["nr.fb.2"] == ("name", "source", "method", "evaluation", "evidence", "rules", "reading")
    assert changed["qd.zl"] == ("reading",)  # column_rows_per_target: one 长沙 row became two
    assert changed["qd.zq.4"] == ("method", "evaluation", "evidence", "rules")
    assert changed["gl.qd.2"] == ("source", "method", "evaluation", "evidence", "rules", "reading")  # update_requirements_typo
    assert changed["xy"] == changed["xy.xy"] == ("name", "source")
    assert changed["xy.xy.1"] == ("method", "rules")  # 日常考评 in both
    assert sorted(changed) == sorted(
        [
            "zz.bs.1", "zz.bs.2", "zz.bs.3", "nr.ml.1", "nr.ml.2", "nr.fb.1", "nr.fb.2", "qd.zl",
            "qd.zq.1", "qd.zq.2", "qd.zq.3", "qd.zq.4", "qd.zq.5", "qd.zq.6", "qd.zl.1", "qd.zl.2", "qd.qt.1",
            "gl.zd.1", "gl.zd.2", "gl.qd.2", "gl.qd.3", "gl.kp.1", "xy", "xy.xy", "xy.xy.1",
        ]
    )  # fmt: skip


def test_diff_shows_where_yuelu_words_a_row_differently(yuelu, changsha):
    # 岳麓's 「社区（村）级利用…」 against 长沙's 「村（社区）级利用…」: a reviewer sees both texts.
    d = diff(changsha, yuelu)
    row = next(c for c in d.changed if c.id == "nr.fb.2")
    source = next(x for x in row.details if x.field == "source")
    assert source.before == "「村（社区）级利用公开栏、微信群等渠道，重点公开乡村振兴、村级财务、惠农政策、养老服务、社会救助等方面的内容。」"
    assert source.after == "「社区（村）级利用公开栏、微信群等渠道，重点公开乡村振兴、村级财务、惠农政策、养老服务、社会救助等方面的内容。」"
    assert next(x for x in row.details if x.field == "reading").before == "village_row_slid"  # 长沙's slid cell: not in 岳麓
    # The quote is 岳麓's own, checked against 岳麓's source.txt.
    ind = yuelu.view("jiedao").item_index["nr.fb.2"].indicator
    assert ind.source.startswith("社区（村）级利用") and ind.source in yuelu.document
    # Readings: 岳麓's own added, 长沙's about dropped rows removed, three re-read.
    assert {r[0] for r in d.readings_added} >= {"all_or_nothing_rows", "two_targets", "village_catalogues_all"}
    assert {r[0] for r in d.readings_removed} >= {"village_row_slid", "all_26_domains", "trainings_at_least_two"}
    assert [r.id for r in d.readings_changed] == ["evaluation_modes", "other_platforms_row", "supervision_row"]
    assert next(r for r in d.readings_changed if r.id == "supervision_row").changes == ("quote", "choice", "alternatives")


def test_changsha_ref_is_unchanged(changsha):
    # Tailoring leaves the parent an unscored checklist.
    assert [(t.id, t.total) for t in changsha.spec.targets] == [("quxian", None)]
    assert changsha.spec.adjustments[0].cap is None


# --------------------------------------------------------------------------- conformance


def test_conformance(yuelu):
    run_conformance(yuelu, max_examples=30)
