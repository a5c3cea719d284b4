"""changsha_ref: 长沙市 基层政务公开标准化规范化工作评估参考指标体系 (长政务公开办发〔2021〕1号).

The 附件 gives no points at all (columns 一级指标 / 二级指标 / 三级指标 / 评估方式 / 备注),
so every expectation below is a status (pass / fail / notchecked), worked out by hand
from the row's words and the pack's recorded readings, never copied from the
program's output. The notice's own dated tasks (正文 一 … 七) are the section rw.

Status of an item (docs/pack-format.md): fail if any of its rules fires; else
notchecked if a rule could not be decided for want of a fact; else pass. Conditions
are three-valued: a task not done fails even when its date is missing.

Evaluators: tests on a few facts run on both (durable_rules and the reference
evaluator); the examples are compared between the two in full.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

import govrules
import govrules_pack_changsha_ref

EXAMPLES = Path(govrules_pack_changsha_ref.__file__).parent / "examples"
EVALUATORS = ["durable", "reference"]

# The dated tasks of the notice, read by hand from its parenthesised deadlines
# (reading end_of_month: 「某月底前」 = on or before that month's last day, year 2021):
#   item, fact prefix, deadline, first late day
TASKS = [
    ("rw.1a", "task_catalogue", "2021-05-31", "2021-06-01"),  # 一：2021年5月底前，完成公开目录更新
    ("rw.1b", "task_content", "2021-06-30", "2021-07-01"),  # 一：6月底前，完成内容全面发布及村（社区）级公开目录梳理与发布
    ("rw.2", "task_column", "2021-06-30", "2021-07-01"),  # 二：2021年6月底前，完成专栏升级和填报内容准确性自查
    ("rw.3", "task_zone", "2021-06-30", "2021-07-01"),  # 三：2021年6月底前，完成和提质本级及镇街政务公开专区建设
    ("rw.4", "task_mechanism", "2021-10-31", "2021-11-01"),  # 四：2021年10月底前，完成机制建设并将相关材料报市政务公开办
    ("rw.5a", "task_brand_topic", "2021-04-30", "2021-05-01"),  # 五：2021年4月底前，报创品牌的选题方案
    ("rw.5b", "task_brand_result", "2021-11-30", "2021-12-01"),  # 五：11月底前，报品牌打造成果至市政务公开办
    ("rw.6", "task_self_assessment", "2021-11-30", "2021-12-01"),  # 六：2021年11月底前，完成自查自评并将自评报告报市政务公开办
    ("rw.7", "task_taskforce", "2021-06-30", "2021-07-01"),  # 七：2021年6月底前，完成情况报市政务公开办
]

# Every task done on the last day allowed.
TASKS_ON_TIME: dict[str, object] = {}
for _item, _prefix, _deadline, _late in TASKS:
    TASKS_ON_TIME[f"{_prefix}_done"] = True
    TASKS_ON_TIME[f"{_prefix}_on"] = _deadline

# Every fact, every row met at the edge of its threshold, every task done on its deadline.
ALL_MET: dict[str, object] = {
    # 工作组织与推进
    "zz_org_missing": [],
    "zz_trainings": 2,  # 「不少于2次」: 2 is enough
    "zz_guidance_missing": [],
    "zz_plan_missing": [],
    # 公开内容
    "nr_catalogue_domains": 26,  # 「26个领域」: all of them
    "nr_catalogue_missing": [],
    "nr_towns_without_catalogue": 0,
    "nr_villages_without_catalogue": 0,
    "nr_carriers_failing": [],
    "nr_village_areas_missing": [],
    # 公开渠道
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
    # 公开管理
    "gl_procedures_missing": [],
    "gl_procedures_effective": True,
    "gl_zone_management_missing": [],
    "gl_column_mechanism_missing": [],
    "gl_column_updated": True,
    "gl_board_ledger": True,
    "gl_evaluation_missing": [],
    # 市级工作推进响应情况
    "xy_other_late_count": 0,
    # 加分项: left out on purpose (default 0: no 推介 recorded)
    # 时限任务
    **TASKS_ON_TIME,
}

# 附件 rows counted by hand from source.txt (三级指标 rows, 加分项 excluded):
# 工作组织与推进 4 (3 + 1), 公开内容 4 (2 + 2, with the slid 村（社区）级 row), 公开渠道 8 (6 + 1 + 1),
# 公开管理 5 (1 + 3 + 1), 市级工作推进响应情况 1 = 22; plus the notice's 9 dated tasks = 31.
ANNEX_ROWS = 22
TASK_ROWS = 9
ROWS = ANNEX_ROWS + TASK_ROWS

# The tree, in document order (一级 → 二级 → 三级; rw: the notice's 一 … 七).
ITEM_IDS = [
    "zz.bs.1", "zz.bs.2", "zz.bs.3", "zz.fa.1",
    "nr.ml.1", "nr.ml.2", "nr.fb.1", "nr.fb.2",
    "qd.zq.1", "qd.zq.2", "qd.zq.3", "qd.zq.4", "qd.zq.5", "qd.zq.6", "qd.zl.1", "qd.qt.1",
    "gl.zd.1", "gl.qd.1", "gl.qd.2", "gl.qd.3", "gl.kp.1",
    "xy.xy.1",
    "rw.1a", "rw.1b", "rw.2", "rw.3", "rw.4", "rw.5a", "rw.5b", "rw.6", "rw.7",
]

OFF, ON, DAILY = "线下评估", "线上评估", "日常考评"
# The 评估方式 column, row by row; 「线下评估/ 线上评估」 is both, in the printed order.
EVALUATION = {
    "zz.bs.1": (OFF, ON),  # 线下评估/ 线上评估
    "zz.bs.2": (OFF,),
    "zz.bs.3": (OFF,),
    "zz.fa.1": (ON,),
    "nr.ml.1": (OFF, ON),
    "nr.ml.2": (OFF,),
    "nr.fb.1": (OFF, ON),
    "nr.fb.2": (OFF,),  # the slid row: 「……社会救助等方面的内容。 线下评估」
    "qd.zq.1": (OFF,),
    "qd.zq.2": (OFF,),
    "qd.zq.3": (OFF,),
    "qd.zq.4": (OFF,),
    "qd.zq.5": (OFF,),
    "qd.zq.6": (OFF,),
    "qd.zl.1": (ON, OFF),  # printed 「线上评估/ 线下评估」
    "qd.qt.1": (OFF,),
    "gl.zd.1": (OFF,),
    "gl.qd.1": (OFF,),
    "gl.qd.2": (OFF,),
    "gl.qd.3": (OFF, ON),
    "gl.kp.1": (OFF,),
    "xy.xy.1": (DAILY,),
    # the notice's tasks are not in the 附件: no 评估方式
    **{item: () for item, *_ in TASKS},
}

# quxian.json, worked out by hand from its facts:
EXAMPLE_FAILS = {
    "zz.bs.2",  # 1 培训: 「不少于2次」, 1 < 2
    "nr.ml.2",  # 3 个村（社区） without a published 标准目录
    "qd.zq.5",  # 政府公报 not on display: 「办事指南、“一件事一次办”办事一本通和政府公报」, each required
    "qd.zl.1",  # 2 二级目录 empty: 「各二级目录下均有具体公开信息」
    "xy.xy.1",  # two dated tasks missed (rw.1a late, rw.5b not done): not 「按要求及时完成……工作任务」
    "rw.1a",  # 公开目录更新 on 2021-06-03: after 「2021年5月底前」 (2021-05-31)
    "rw.5b",  # 品牌打造成果 not reported, no date: missed
}
# quxian_partial.json: quxian.json less some facts, and 2021-05-31 for the 目录 (on time).
PARTIAL_FAILS = {
    "nr.ml.2",  # 3 村（社区） without 目录 fires, even though the 乡镇（街道） count is missing
    "qd.zq.5",  # 政府公报 not on display
    "xy.xy.1",  # rw.5b not done decides it, although rw.3's date is missing
    "rw.5b",  # not done, no date: missed
}
PARTIAL_NOT_CHECKED = (
    "zz.bs.2",  # zz_trainings missing
    "qd.zl.1",  # 0 empty 二级目录 (met), qd_column_consistent missing
    "gl.qd.3",  # gl_board_ledger missing
    "rw.3",  # 专区建设 done, but no date: on time or late is unknown
)


@pytest.fixture(scope="module")
def changsha(registry: govrules.Registry) -> govrules.Pack:
    return registry.get("changsha_ref")


def complete(**changes: object) -> dict[str, object]:
    """A complete assessment: every fact given, every row met, with ``changes``."""
    return {"target": "quxian", "facts": {**ALL_MET, **changes}}


def only(**facts: object) -> dict[str, object]:
    """An assessment giving only ``facts``; rows whose facts are left out are not checked."""
    return {"target": "quxian", "facts": facts}


def example(name: str) -> dict[str, object]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def status(pack: govrules.Pack, item: str, evaluator: str, **facts: object) -> str:
    return pack.assess(only(**facts), evaluator=evaluator).item(item).status


def without(facts: dict[str, object], *names: str) -> dict[str, object]:
    return {k: v for k, v in facts.items() if k not in names}


# --------------------------------------------------------------------------- the pack


def test_pack_loads_with_its_source_and_has_no_points(changsha):
    # 「评估参考指标体系」: only 评估方式, no points anywhere. One target, total null; no row has
    # points; no rule (items or the 加分项 ledger) names an amount; the ledger has no cap.
    assert changsha.document is not None  # source.txt was read, so every quote was checked
    assert changsha.spec.pack.document_number == "长政务公开办发〔2021〕1号"
    assert changsha.spec.pack.date == dt.date(2021, 4, 15)
    assert [(t.id, t.total) for t in changsha.spec.targets] == [("quxian", None)]
    view = changsha.view("quxian")
    assert len(view.items) == ROWS
    assert all(item.max is None for item in view.items)
    for rule in view.rules:
        assert rule.rule is not None
        assert getattr(rule.rule, "amount", None) is None, rule.uid
        for tier in getattr(rule.rule, "tiers", ()):
            assert tier.amount is None, rule.uid
    assert [(l.id, l.adjustment.direction, l.adjustment.cap) for l in view.ledgers] == [("jf", "bonus", None)]
    assert view.zeroings == ()


def test_tree_follows_the_table(changsha):
    view = changsha.view("quxian")
    assert view.top == ("zz", "nr", "qd", "gl", "xy", "rw")
    assert [ind.name for ind in changsha.spec.indicators] == [
        "工作组织与推进", "公开内容", "公开渠道", "公开管理", "市级工作推进响应情况",
        "2021年基层政务公开重点工作（通知正文的时限任务）",
    ]
    assert [item.id for item in view.items] == ITEM_IDS
    # 二级指标 of each 一级, as printed (其它公开平台 and 监督考评 placed by reading, below).
    sections = {s.id: list(s.children) for s in view.sections}
    assert sections["zz"] == ["zz.bs", "zz.fa"]
    assert sections["nr"] == ["nr.ml", "nr.fb"]
    assert sections["qd"] == ["qd.zq", "qd.zl", "qd.qt"]
    assert sections["gl"] == ["gl.zd", "gl.qd", "gl.kp"]
    assert sections["xy"] == ["xy.xy"]
    assert sections["rw"] == [item for item, *_ in TASKS]
    # Every 三级指标 carries the row's words.
    assert view.item("zz.bs.2").indicator.source == "组织开展基层政务公开业务培训不少于2次。"


def test_slid_rows_are_placed_where_the_table_means_them(changsha):
    # 「村（社区）级利用公开栏……」 sits in the 一级 column → 公开内容 / 内容发布;
    # 「其它公开平台」 and 「监督考评」 rows have no 二级 cell → 二级 under 公开渠道 / 公开管理.
    view = changsha.view("quxian")
    assert [a.name for a in view.item("nr.fb.2").ancestors] == ["公开内容", "内容发布"]
    assert [a.name for a in view.item("qd.qt.1").ancestors] == ["公开渠道", "其它公开平台"]
    assert [a.name for a in view.item("gl.kp.1").ancestors] == ["公开管理", "监督考评"]
    defects = {r.id: r for r in changsha.spec.readings if r.defect}
    assert set(defects) == {"village_row_slid", "other_platforms_row", "supervision_row"}
    assert defects["other_platforms_row"].quote.startswith("其它公开平台 村（社区）积极利用公开栏")
    assert defects["supervision_row"].quote.startswith("监督考评 建立考核激励机制")
    # Each placement is reported with every result.
    ids = [r[0] for r in changsha.assess(complete()).readings]
    assert {"village_row_slid", "other_platforms_row", "supervision_row"} <= set(ids)


def test_evaluation_modes_are_on_the_items(changsha):
    view = changsha.view("quxian")
    assert {item.id: item.indicator.evaluation for item in view.items} == EVALUATION
    result = changsha.assess(complete())
    assert {item.id: item.evaluation for item in result.items} == EVALUATION
    assert result.to_dict()["items"][0]["evaluation"] == ["线下评估", "线上评估"]


# --------------------------------------------------------------------------- no points


def test_all_met_passes_every_row_and_assigns_no_points(changsha):
    result = changsha.assess(complete())
    assert result.scored is False
    assert result.total is None
    assert result.max_total is None and result.base is None and result.base_sum is None
    assert all(item.score is None and item.max is None for item in result.items)
    assert result.complete is True
    assert result.status_counts == {"pass": ROWS, "fail": 0, "notapplicable": 0, "notchecked": 0, "error": 0}
    data = result.to_dict()
    assert data["scored"] is False and data["total"] is None
    # 加分项: no 推介 recorded → nothing listed, nothing added.
    (ledger,) = result.ledgers
    assert (ledger.id, ledger.unscored, ledger.raw, ledger.applied, ledger.complete) == ("jf", (), D(0), D(0), True)
    # The readings every result carries: the pack-wide one (evaluation modes), the target's
    # (one target; no points), the rows' (the three placements, the tasks' year and deadlines),
    # the 加分项 ledger's and its facts' default.
    assert [r[0] for r in result.readings] == [
        "no_points",
        "target_quxian",
        "evaluation_modes",
        "village_row_slid",
        "other_platforms_row",
        "supervision_row",
        "bonus_outside",
        "bonus_default_none",
        "tasks_2021_only",
        "end_of_month",
        "task_done_and_date",
    ]


# --------------------------------------------------------------------------- the examples


def test_example_status_counts(changsha):
    # quxian.json gives every fact except the date of the task not done; 7 rows fail.
    result = changsha.assess(example("quxian.json"))
    assert result.scored is False and result.total is None
    assert result.complete is True  # rw.5b is decided (not done) without its date
    assert result.status_counts == {"pass": 24, "fail": 7, "notapplicable": 0, "notchecked": 0, "error": 0}
    assert {i.id for i in result.items if i.status == "fail"} == EXAMPLE_FAILS
    # xy.xy.1 names each missed task; rw.5b fails with no date and nothing unchecked.
    assert [e.rule for e in result.item("xy.xy.1").effects] == ["xy.xy.1#task_1a", "xy.xy.1#task_5b"]
    assert [e.rule for e in result.item("rw.5b").effects] == ["rw.5b#missed"]
    assert result.item("rw.5b").unchecked_facts == ()
    assert all(e.amount is None for i in result.items for e in i.effects)
    # Sections fail where one of their rows fails; 公开管理 is all met.
    assert {s.id for s in result.sections if s.status == "fail"} == {
        "zz", "zz.bs", "nr", "nr.ml", "qd", "qd.zq", "qd.zl", "xy", "xy.xy", "rw",
    }
    assert result.section("gl").status == "pass"
    # One 市级推介: listed, not scored.
    ledger = result.ledger("jf")
    assert ledger.unscored == ("jf#recommended",)
    assert [(e.level, e.quantity, e.amount) for e in ledger.effects] == [("市级", 1, None)]
    assert ledger.applied == D(0)


def test_partial_example_is_incomplete(changsha):
    result = changsha.assess(example("quxian_partial.json"))
    assert result.complete is False
    assert result.total is None and result.scored is False
    assert result.status_counts == {"pass": 23, "fail": 4, "notapplicable": 0, "notchecked": 4, "error": 0}
    assert {i.id for i in result.items if i.status == "fail"} == PARTIAL_FAILS
    assert result.not_checked == PARTIAL_NOT_CHECKED
    assert result.item("zz.bs.2").unchecked_facts == ("zz_trainings",)
    assert result.item("qd.zl.1").unchecked_facts == ("qd_column_consistent",)
    assert result.item("rw.3").unchecked_facts == ("task_zone_on",)
    # A row half known fails on what is known, and still lists what is missing.
    assert result.item("nr.ml.2").unchecked_facts == ("nr_towns_without_catalogue",)
    assert result.item("rw.1a").status == "pass"  # 2021-05-31: the last day allowed
    assert result.ledger("jf").complete is True  # 推介 counts default to 0


@pytest.mark.parametrize("name", ["quxian.json", "quxian_partial.json"])
def test_durable_and_reference_agree_on_the_examples(changsha, name):
    durable = changsha.assess(example(name), evaluator="durable").to_dict()
    reference = changsha.assess(example(name), evaluator="reference").to_dict()
    assert durable["engine"].pop("evaluator") != reference["engine"].pop("evaluator")
    assert durable == reference


# --------------------------------------------------------------------------- thresholds, both sides


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("count", "expected"), [(0, "fail"), (1, "fail"), (2, "pass"), (5, "pass")])
def test_trainings_not_fewer_than_two(changsha, evaluator, count, expected):
    # 「组织开展基层政务公开业务培训不少于2次」: 1 < 2 fails, 2 is enough.
    assert status(changsha, "zz.bs.2", evaluator, zz_trainings=count) == expected


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("domains", "expected"), [(0, "fail"), (25, "fail"), (26, "pass")])
def test_all_26_domains(changsha, evaluator, domains, expected):
    # 「上级标准要求（26个领域基层政务公开事项目录）」: 25 of 26 fails.
    facts = dict(nr_catalogue_domains=domains, nr_catalogue_missing=[])
    assert status(changsha, "nr.ml.1", evaluator, **facts) == expected


def test_more_than_26_domains_is_refused(changsha):
    with pytest.raises(govrules.FactsError):
        changsha.assess(only(nr_catalogue_domains=27))


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("fact", "item", "others"),
    [
        ("nr_towns_without_catalogue", "nr.ml.2", {"nr_villages_without_catalogue": 0}),
        ("nr_villages_without_catalogue", "nr.ml.2", {"nr_towns_without_catalogue": 0}),
        ("qd_halls_without_zone", "qd.zq.1", {"qd_zone_content_gathered": True}),
        ("qd_column_empty_subdirs", "qd.zl.1", {"qd_column_consistent": True}),
        ("xy_other_late_count", "xy.xy.1", TASKS_ON_TIME),
    ],
)
@pytest.mark.parametrize(("count", "expected"), [(0, "pass"), (1, "fail"), (3, "fail")])
def test_counts_that_must_be_zero(changsha, evaluator, fact, item, others, count, expected):
    # 「指导下辖乡镇（街道）、村（社区）……批准发布」, 「在本级及镇街实体政务大厅建设……专区」,
    # 「各二级目录下均有具体公开信息」, 「按要求及时完成……或报送……有关材料」: one is one too many.
    assert status(changsha, item, evaluator, **{fact: count, **others}) == expected


# --------------------------------------------------------------------------- deadlines, both sides


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("item", "prefix", "deadline", "late"), TASKS)
def test_task_on_its_deadline_is_on_time(changsha, evaluator, item, prefix, deadline, late):
    # 「某月底前」 includes the month's last day.
    assert status(changsha, item, evaluator, **{f"{prefix}_done": True, f"{prefix}_on": deadline}) == "pass"
    early = (dt.date.fromisoformat(deadline) - dt.timedelta(days=1)).isoformat()
    assert status(changsha, item, evaluator, **{f"{prefix}_done": True, f"{prefix}_on": early}) == "pass"


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("item", "prefix", "deadline", "late"), TASKS)
def test_task_the_day_after_is_late(changsha, evaluator, item, prefix, deadline, late):
    result = changsha.assess(only(**{f"{prefix}_done": True, f"{prefix}_on": late}), evaluator=evaluator)
    row = result.item(item)
    assert row.status == "fail"
    assert [e.rule for e in row.effects] == [f"{item}#missed"]
    assert row.effects[0].amount is None


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("item", "prefix", "deadline", "late"), TASKS)
def test_task_not_done_is_missed_even_without_a_date(changsha, evaluator, item, prefix, deadline, late):
    # {any: [not done, done after the deadline]}: «not done» alone decides it.
    row = changsha.assess(only(**{f"{prefix}_done": False}), evaluator=evaluator).item(item)
    assert row.status == "fail"
    assert row.unchecked_facts == ()
    assert dict(row.effects[0].facts) == {f"{prefix}_done": False}


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(("item", "prefix", "deadline", "late"), TASKS)
def test_task_done_without_a_date_is_not_checked(changsha, evaluator, item, prefix, deadline, late):
    # Done, but when? On time or late cannot be decided.
    row = changsha.assess(only(**{f"{prefix}_done": True}), evaluator=evaluator).item(item)
    assert row.status == "notchecked"
    assert row.unchecked_facts == (f"{prefix}_on",)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_catalogue_update_may_31_on_time_june_1_late(changsha, evaluator):
    # 「2021年5月底前，完成公开目录更新」, spelled out.
    facts = dict(task_catalogue_done=True)
    assert status(changsha, "rw.1a", evaluator, **facts, task_catalogue_on="2021-05-31") == "pass"
    assert status(changsha, "rw.1a", evaluator, **facts, task_catalogue_on="2021-06-01") == "fail"
    assert status(changsha, "rw.1a", evaluator, task_catalogue_done=False) == "fail"
    # A late date decides it even if whether it was done is not recorded; an on-time date does not.
    assert status(changsha, "rw.1a", evaluator, task_catalogue_on="2021-06-01") == "fail"
    assert status(changsha, "rw.1a", evaluator, task_catalogue_on="2021-05-31") == "notchecked"


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_not_done_with_an_early_date_is_still_missed(changsha, evaluator):
    assert status(changsha, "rw.4", evaluator, task_mechanism_done=False, task_mechanism_on="2021-10-01") == "fail"


# --------------------------------------------------------------------------- 市级工作推进响应情况


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_response_row_follows_the_tasks(changsha, evaluator):
    base = dict(TASKS_ON_TIME, xy_other_late_count=0)
    assert status(changsha, "xy.xy.1", evaluator, **base) == "pass"
    # One task late (目录 on 2021-06-01) → 未按要求及时完成; named by its task.
    item = changsha.assess(only(**{**base, "task_catalogue_on": "2021-06-01"}), evaluator=evaluator).item("xy.xy.1")
    assert item.status == "fail"
    assert [e.rule for e in item.effects] == ["xy.xy.1#task_1a"]
    # One other 市级 task or material late (日常考评).
    item = changsha.assess(only(**{**base, "xy_other_late_count": 1}), evaluator=evaluator).item("xy.xy.1")
    assert [e.rule for e in item.effects] == ["xy.xy.1#other_late"]
    # A task's date missing, everything else on time: unknown.
    item = changsha.assess(only(**without(base, "task_zone_on")), evaluator=evaluator).item("xy.xy.1")
    assert item.status == "notchecked"
    assert item.unchecked_facts == ("task_zone_on",)
    # … unless another task was not done: then it fails whatever the missing date is.
    facts = {**without(base, "task_zone_on"), "task_taskforce_done": False}
    item = changsha.assess(only(**facts), evaluator=evaluator).item("xy.xy.1")
    assert item.status == "fail"
    assert [e.rule for e in item.effects] == ["xy.xy.1#task_7"]


# --------------------------------------------------------------------------- enumerations and yes/no rows


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("item", "fact", "element", "others"),
    [
        ("zz.bs.1", "zz_org_missing", "配备工作经费", {}),
        ("zz.bs.3", "zz_guidance_missing", "村（社区）", {}),
        ("nr.fb.2", "nr_village_areas_missing", "社会救助", {}),
        ("qd.zq.5", "qd_zone_materials_missing", "政府公报", {}),
        ("gl.zd.1", "gl_procedures_missing", "政府信息公开属性标识源头认定", {"gl_procedures_effective": True}),
        ("gl.kp.1", "gl_evaluation_missing", "建立考核激励机制", {}),
    ],
)
def test_each_listed_element_is_required(changsha, evaluator, item, fact, element, others):
    assert status(changsha, item, evaluator, **{fact: [], **others}) == "pass"
    assert status(changsha, item, evaluator, **{fact: [element], **others}) == "fail"


ZONE_EQUIPMENT_OK = dict(qd_zone_equipment_missing=[], qd_zone_equipment_working=True, qd_zone_functions_missing=[])


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("change", "fired"),
    [
        ({}, []),
        ({"qd_zone_equipment_missing": ["打印机"]}, ["qd.zq.3#equipment"]),
        ({"qd_zone_equipment_working": False}, ["qd.zq.3#working"]),
        ({"qd_zone_functions_missing": ["依申请公开"]}, ["qd.zq.3#functions"]),
    ],
)
def test_zone_equipment_row(changsha, evaluator, change, fired):
    # 「专区配置电脑、打印机……，保证设施设备正常使用，确保专区可实现……等功能」: three requirements.
    item = changsha.assess(only(**{**ZONE_EQUIPMENT_OK, **change}), evaluator=evaluator).item("qd.zq.3")
    assert item.status == ("fail" if fired else "pass")
    assert [e.rule for e in item.effects] == fired


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("item", "fact"),
    [("qd.zq.4", "qd_zone_staffed"), ("qd.qt.1", "qd_village_media"), ("gl.qd.3", "gl_board_ledger")],
)
def test_yes_no_rows(changsha, evaluator, item, fact):
    assert status(changsha, item, evaluator, **{fact: True}) == "pass"
    assert status(changsha, item, evaluator, **{fact: False}) == "fail"


# --------------------------------------------------------------------------- missing facts


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_missing_fact_leaves_the_row_not_checked(changsha, evaluator):
    # Only the 培训 row's fact is given: that row is checked, every other row is not.
    result = changsha.assess(only(zz_trainings=2), evaluator=evaluator)
    assert result.item("zz.bs.2").status == "pass"
    assert result.item("zz.bs.1").unchecked_facts == ("zz_org_missing",)
    assert result.status_counts["notchecked"] == ROWS - 1
    assert result.complete is False
    assert result.total is None


def test_missing_fact_in_a_complete_assessment(changsha):
    # The complete assessment less one fact: that row alone is not checked.
    result = changsha.assess({"target": "quxian", "facts": without(ALL_MET, "qd_zone_staffed")})
    assert result.item("qd.zq.4").status == "notchecked"
    assert result.item("qd.zq.4").unchecked_facts == ("qd_zone_staffed",)
    assert result.status_counts == {"pass": ROWS - 1, "fail": 0, "notapplicable": 0, "notchecked": 1, "error": 0}
    assert result.not_checked == ("qd.zq.4",)
    assert result.complete is False


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_a_row_half_known_fails_on_what_is_known(changsha, evaluator):
    # 25 领域 fails 「26个领域」 whatever the other requirements of the row turn out to be.
    item = changsha.assess(only(nr_catalogue_domains=25), evaluator=evaluator).item("nr.ml.1")
    assert item.status == "fail"
    assert [e.rule for e in item.effects] == ["nr.ml.1#domains"]
    assert item.unchecked_facts == ("nr_catalogue_missing",)
    # 26 领域 and nothing known about the rest: not checked.
    item = changsha.assess(only(nr_catalogue_domains=26), evaluator=evaluator).item("nr.ml.1")
    assert item.status == "notchecked"


# --------------------------------------------------------------------------- 加分项


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_bonus_is_recorded_not_scored(changsha, evaluator):
    # 「基层政务公开工作经验获得国家、省、市级推介」: a 加分项, not a requirement. No amounts in
    # the document: each 推介 is listed by level, nothing is added, and nothing fails without one.
    result = changsha.assess(complete(jf_national=1, jf_city=2), evaluator=evaluator)
    ledger = result.ledger("jf")
    assert ledger.direction == "bonus" and ledger.cap is None
    assert ledger.unscored == ("jf#recommended",)
    assert [(e.level, e.quantity, e.amount) for e in ledger.effects] == [("国家级", 1, None), ("市级", 2, None)]
    assert ledger.raw == ledger.applied == D(0)
    assert result.total is None
    assert result.status_counts["pass"] == ROWS
    assert "bonus_outside" in [r[0] for r in result.readings]
