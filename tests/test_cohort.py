"""Rows scored against the cohort (issue 12): the 湖州 区县 pack's example cohort, worked by hand, and the kinds on small packs.

The 湖州 table (source.txt, TABLE 1) is reconstructed from a demo application's
data; its example cohort (examples/quxian.csv) holds made-up figures for the five
湖州 区县. Every expected score below is worked out from the table's words and the
pack's readings, never copied from what the code printed.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

import govrules
from govrules import FactsError, hookimpl
from govrules.kinds import SET, Outcome, RuleKind, effect
from govrules.kinds.cohort import Figures, FactOrRowSpec

EXAMPLES = Path(__file__).parents[1] / "packs" / "huzhou_bianzhi_2021" / "src" / "govrules_pack_huzhou_bianzhi_2021" / "examples"
EVALUATORS = ["durable", "reference"]
D = Decimal

# Booleans in the example CSV are written 是 / 否, as an office types them.
_BOOL = {"是": True, "否": False}
_COUNTS = {"grassroots_added", "grassroots_removed", "unauthorised_staffing", "key_tasks_unfinished", "report_violations", "reform_workarounds"}


def cohort_inputs() -> list[dict]:
    out = []
    with open(EXAMPLES / "quxian.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            facts = {}
            for name, text in row.items():
                if name in ("unit", "target"):
                    continue
                facts[name] = _BOOL[text] if text in _BOOL else (int(text) if name in _COUNTS else D(text))
            out.append({"target": row["target"], "unit": row["unit"], "facts": facts})
    return out


@pytest.fixture(scope="module")
def huzhou(registry: govrules.Registry) -> govrules.Pack:
    return registry.get("huzhou_bianzhi_2021")


def _by_unit(results: list) -> dict:
    return {r.unit: r for r in results}


# ------------------------------------------------------------ the 湖州 cohort


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_ratio_to_best_fewer_is_better(huzhou: govrules.Pack, evaluator: str) -> None:
    # 1.21 「第1名得6分，第2-5名按第1名的比例得分」, fewer 编制/村 is better (reading fewer_is_better),
    # 得分 = 6 × 最低比值 ÷ 本区县比值 (reading ratio_to_best_lower):
    # 10 → 6; 12 → 6×10/12 = 5; 15 → 6×10/15 = 4; 20 → 6×10/20 = 3; 25 → 6×10/25 = 2.4.
    results = _by_unit(huzhou.assess_cohort(cohort_inputs(), evaluator=evaluator))
    expected = {"吴兴区": "6", "南浔区": "5", "德清县": "4", "长兴县": "3", "安吉县": "2.4"}
    assert {u: r.item("1.21").score for u, r in results.items()} == {u: D(v) for u, v in expected.items()}
    # 1.22: 常住人口 ratios 40, 30, 32, 48, 36, best 30: 6×30/40 = 4.5; 6; 6×30/32 = 5.625 → 5.63 (四舍五入, once);
    # 6×30/48 = 3.75; 6×30/36 = 5.
    assert [results[u].item("1.22").score for u in expected] == [D("4.5"), D("6"), D("5.63"), D("3.75"), D("5")]


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_the_example_cohort_totals(huzhou: govrules.Pack, evaluator: str) -> None:
    results = _by_unit(huzhou.assess_cohort(cohort_inputs(), evaluator=evaluator))
    # 1.1 rank on 考核得分 95, 90, 92, 90, 88 (competition ties: reading performance_rank_from_score):
    #   吴兴 1st 60, 德清 2nd 57, 南浔 and 长兴 tied 3rd 54, 安吉 5th 48.
    assert [results[u].item("1.1").score for u in ("吴兴区", "德清县", "南浔区", "长兴县", "安吉县")] == [D(60), D(57), D(54), D(54), D(48)]
    # 1.2 (sum of 1.21–1.23; 1.23 ratios 2, 2, 3, 4, 6 give 6, 6, 4, 3, 2):
    #   吴兴 6 + 4.5 + 6 = 16.5; 南浔 5 + 6 + 6 = 17; 德清 4 + 5.63 + 4 = 13.63; 长兴 3 + 3.75 + 3 = 9.75; 安吉 2.4 + 5 + 2 = 9.4.
    # 2.1 ranks those: 南浔 20, 吴兴 19, 德清 18, 长兴 17, 安吉 16.
    assert [results[u].section("1.2").score for u in ("吴兴区", "南浔区", "德清县", "长兴县", "安吉县")] == [D("16.5"), D(17), D("13.63"), D("9.75"), D("9.4")]
    assert [results[u].item("2.1").score for u in ("南浔区", "吴兴区", "德清县", "长兴县", "安吉县")] == [D(20), D(19), D(18), D(17), D(16)]
    # 2.211: 教职工编制占比 30, 38, 30, 28, 29: mean 31, + 5 = 36. 南浔 38 > 36 is exempt (可不扣分) although its
    #   保障率 97.5 is 2 whole points short (would be −0.2): 2. 德清 95: −0.5 → 1.5; 安吉 90: −1 → 1; 吴兴, 长兴 100: 2.
    assert [results[u].item("2.211").score for u in ("吴兴区", "南浔区", "德清县", "长兴县", "安吉县")] == [D(2), D(2), D("1.5"), D(2), D(1)]
    # 2.221: 乡镇编制占比 40, 35, 38, 30, 32: mean 175 / 5 = 35. 南浔 at the mean keeps 2 (不低于平均值);
    #   长兴 5 points below: −0.5 → 1.5; 安吉 3 below: −0.3 → 1.7.
    assert [results[u].item("2.221").score for u in ("吴兴区", "南浔区", "德清县", "长兴县", "安吉县")] == [D(2), D(2), D(2), D("1.5"), D("1.7")]
    # 2.234: 紧缺专业 10, 8, 12, 6, 9: mean 9; 南浔 1 below −0.1 → 1.9; 长兴 3 below −0.3 → 1.7; 安吉 at the mean: 2.
    assert [results[u].item("2.234").score for u in ("吴兴区", "南浔区", "德清县", "长兴县", "安吉县")] == [D(2), D("1.9"), D(2), D("1.7"), D(2)]
    # Totals (out of 114: reading total_from_rows):
    # 吴兴 60 + 16.5 + 19 + 2 + 1 + 2 + 1.7 (1.5 + 4×0.05) + 1 + 1 + 2 + 1 + 1 + 2 + 1 + 0.5 = 111.7
    # 南浔 54 + 17 + 20 + 2 + 1 + 2 + 1.5 + 0.9 (18.5%: one whole point under 20) + 1 + 2 + 1 + 0.5 (25%: 5 under 30) + 1.9 + 1 + 0.5 = 106.3
    # 德清 57 + 13.63 + 18 + 1.5 + 1 + 2 + 2 (1.5 + 12×0.05 = 0.6, 加分不超过0.5) + 1 + 1 + 1.6 (93%: −0.4) + 1 + 1 + 2 + 0.5 (1 例) + 0.5 = 103.73
    # 长兴 54 + 9.75 + 17 + 2 + 0 (逆向减少) + 1.5 + 1.2 (3 fewer: −0.3) + 1 + 1 + 2 + 0.8 (8%: −0.2) + 1 + 1.7 + 1 + 0.5 = 94.45, less 1.5 (减分 2.31, 1 例) = 92.95
    # 安吉 48 + 9.4 + 16 + 1 + 1 + 1.7 + 1.5 + 0.5 (15%: −0.5) + 0.8 (28%: −0.2) + 2 + 1 + 1 + 2 + 1 + 0.3 (2 项: −0.2) = 87.2
    assert {u: r.total for u, r in results.items()} == {"吴兴区": D("111.7"), "南浔区": D("106.3"), "德清县": D("103.73"), "长兴县": D("92.95"), "安吉县": D("87.2")}
    assert all(r.max_total == D(114) for r in results.values())


def test_both_evaluators_agree_on_the_cohort(huzhou: govrules.Pack) -> None:
    inputs = cohort_inputs()
    durable = [r.to_dict() for r in huzhou.assess_cohort(inputs, evaluator="durable")]
    reference = [r.to_dict() for r in huzhou.assess_cohort(inputs, evaluator="reference")]
    for d in durable + reference:
        d["engine"]["evaluator"] = None
    assert durable == reference


def test_results_come_in_input_order_and_do_not_depend_on_it(huzhou: govrules.Pack) -> None:
    inputs = cohort_inputs()
    forward = huzhou.assess_cohort(inputs)
    backward = huzhou.assess_cohort(list(reversed(inputs)))
    assert [r.unit for r in forward] == [i["unit"] for i in inputs]
    assert [r.to_json() for r in forward] == [r.to_json() for r in reversed(backward)]


def test_a_unit_alone_leaves_cohort_rows_not_checked(huzhou: govrules.Pack) -> None:
    result = huzhou.assess(cohort_inputs()[0])
    for row in ("1.1", "1.21", "1.22", "1.23", "2.1", "2.211", "2.221", "2.234"):
        item = result.item(row)
        assert item.status == "notchecked" and item.score is None
        assert "单独评估时不检查" in item.cohort[0].text
    assert result.total is None and not result.complete
    # The rows that do not depend on the cohort score as usual: 2.222 is 1.5 + 4 × 0.05 = 1.7.
    assert result.item("2.222").score == D("1.7")


def test_every_cohort_row_names_its_figures_in_every_output(huzhou: govrules.Pack, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from rich.console import Console

    from govrules.outputs.html import score_html
    from govrules.outputs.report import markdown, table
    from govrules.outputs.xlsx import save, score_workbook

    results = _by_unit(huzhou.assess_cohort(cohort_inputs()))
    nanxun = results["南浔区"]
    data = json.loads(nanxun.to_json())
    row = next(i for i in data["items"] if i["id"] == "1.21")
    # 南浔 12 编制/村: best 10, mean (10 + 12 + 15 + 20 + 25) / 5 = 16.4.
    words = "本单位12，共5个单位，最优10，平均16.4"
    assert row["cohort"] == [{"rule": "1.21#ratio", "n": 5, "value": "12", "best": "10", "mean": "16.4", "rank": None, "reason": None, "text": words}]
    assert words in markdown(nanxun)
    assert words in score_html(nanxun)
    console = Console(file=open(tmp_path / "t.txt", "w", encoding="utf-8"), width=1000)
    console.print(table(nanxun))
    console.file.close()
    assert words in (tmp_path / "t.txt").read_text(encoding="utf-8")
    save(score_workbook(nanxun), tmp_path / "s.xlsx")
    cells = [str(c.value) for ws in load_workbook(tmp_path / "s.xlsx").worksheets for r in ws.iter_rows() for c in r if c.value is not None]
    assert any(words in c for c in cells)
    # A rank row names the rank: 1.1 南浔 90 tied third of five, best 95, mean (95 + 90 + 92 + 90 + 88) / 5 = 91.
    assert nanxun.item("1.1").cohort[0].text == "本单位90，第3名，共5个单位，最优95，平均91"
    # The best unit loses nothing, and its row still names what it was scored against.
    wuxing = results["吴兴区"].item("1.21")
    assert wuxing.effects == () and wuxing.cohort[0].text == "本单位10，共5个单位，最优10，平均16.4"
    assert "同批比较：本单位10，共5个单位" in markdown(results["吴兴区"])


# ------------------------------------------------------------- bad cohorts


def test_bad_cohorts_are_refused_naming_each_input(huzhou: govrules.Pack) -> None:
    inputs = cohort_inputs()
    with pytest.raises(FactsError, match="考核组为空"):
        huzhou.assess_cohort([])
    with pytest.raises(FactsError) as twice:
        huzhou.assess_cohort(inputs + [inputs[1]])
    assert any(p.where == "inputs[5] (南浔区).unit" and "inputs[1]" in p.message for p in twice.value.problems)
    nameless = {k: v for k, v in inputs[2].items() if k != "unit"}
    with pytest.raises(FactsError) as unnamed:
        huzhou.assess_cohort(inputs[:2] + [nameless])
    assert [p.where for p in unnamed.value.problems] == ["inputs[2].unit"]
    other = {**inputs[3], "pack": "datonghu_2023"}
    bad = {**inputs[4], "facts": {**inputs[4]["facts"], "staff_per_village": "many"}}
    with pytest.raises(FactsError) as invalid:
        huzhou.assess_cohort(inputs[:3] + [other, bad])
    wheres = [p.where for p in invalid.value.problems]
    assert "inputs[3] (长兴县).pack" in wheres and "inputs[4] (安吉县).facts.staff_per_village" in wheres


MIXED = """
format: 1
pack: {id: mixed_cohort, version: "0", title: 测试, issuer: 测试, source: 测试}
targets:
  - {id: a, name: 甲, total: 6}
  - {id: b, name: 乙, total: 6}
facts:
  - {name: v, label: 数值, type: number, minimum: 0}
indicators:
  - id: "1"
    name: 比例
    points: {a: 6, b: 6}
    rules:
      - {id: r, kind: ratio_to_best, fact: v, better: higher, quote: 第1名得6分，第2-5名按第1名的比例得分}
"""


def test_a_cohort_is_one_target() -> None:
    pack = govrules.load_pack_text(MIXED)
    with pytest.raises(FactsError) as mixed:
        pack.assess_cohort([{"target": "a", "unit": "甲1", "facts": {"v": 1}}, {"target": "b", "unit": "乙1", "facts": {"v": 2}}])
    assert [p.where for p in mixed.value.problems] == ["inputs[1] (乙1)"]
    assert "考核对象是 'b'" in mixed.value.problems[0].message


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_ratio_to_best_more_is_better_and_a_missing_figure(evaluator: str) -> None:
    pack = govrules.load_pack_text(MIXED)
    results = pack.assess_cohort(
        [{"target": "a", "unit": u, "facts": f} for u, f in (("x", {"v": 8}), ("y", {"v": 6}), ("z", {}), ("w", {"v": 0}))], evaluator=evaluator
    )
    # More is better, best 8: 8 → 6; 6 → 6×6/8 = 4.5; 0 → 0. z has no figure: it does not join, its row is not checked.
    assert [r.item("1").score for r in results] == [D(6), D("4.5"), None, D(0)]
    assert results[2].item("1").status == "notchecked" and results[2].total is None
    assert results[1].item("1").cohort[0].n == 3



@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_ratio_to_best_that_rounds_to_full_points_loses_nothing(evaluator: str) -> None:
    pack = govrules.load_pack_text(MIXED)
    results = pack.assess_cohort([{"target": "a", "unit": u, "facts": {"v": v}} for u, v in (("x", 2000), ("y", 1999))], evaluator=evaluator)
    # y: 6 × 1999 ÷ 2000 = 5.997, rounded once (2 places, half up) to 6.00 — full points: no deduction of 0 on the sheet
    # (the conformance kit found one: an effect deducting 0 of 6, and a score printed 6.00).
    row = results[1].item("1")
    assert row.score == D(6) and str(row.score) == "6" and row.effects == () and row.status == "pass"
    assert row.cohort[0].text == "本单位1999，共2个单位，最优2000，平均1999.5"  # (2000 + 1999) ÷ 2


# ------------------------------------------------------------- the kinds


RANKS = """
format: 1
pack: {id: ranks, version: "0", title: 测试, issuer: 测试, source: 测试}
targets:
  - {id: a, name: 甲, total_unstated: no_total}
readings:
  - {id: no_total, quote: 排名, choice: 总分为各项之和}
facts:
  - {name: v, label: 数值, type: number}
  - {name: hires, label: 新进人员数, type: count}
  - {name: young, label: 新进人员中35岁及以下占比, type: number, minimum: 0, maximum: 100}
  - {name: share, label: 占比, type: number, minimum: 0}
indicators:
  - id: "1"
    name: 排名
    points: {a: 3}
    rules:
      - {id: r, kind: rank_points, fact: v, better: lower, ties: dense, points: [3, 2, 1], quote: 排名}
  - id: "2"
    name: 新进人员
    points: {a: 1}
    rules:
      - {id: young, kind: per_step, fact: young, at_least: 80, step: 1, amount: 0.1, quote: 每低1%，扣0.1分}
      - {id: none, kind: cohort_mean, when: {fact: hires, op: "==", value: 0}, quote: 未新进人员，涉及新进人员指标按市级部门平均分得分}
  - id: "3"
    name: 平均
    points: {a: 2}
    rules:
      - {id: m, kind: below_mean, fact: share, better: higher, step: 1, amount: 0.1, percent: relative, partial: counted, quote: 每低1%，扣0.1分}
"""


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_dense_ranks_the_mean_of_a_row_and_relative_steps(evaluator: str) -> None:
    pack = govrules.load_pack_text(RANKS)
    assert pack.spec.targets[0].total == D(6)  # 3 + 1 + 2: the document states no total (total_unstated)
    units = [
        ("p", {"v": 5, "hires": 3, "young": 78, "share": 30}),
        ("q", {"v": 5, "hires": 2, "young": 80, "share": 20}),
        ("r", {"v": 7, "hires": 0, "share": 25}),
        ("s", {"v": 9, "hires": 4, "young": 77.5, "share": 25}),
    ]
    results = pack.assess_cohort([{"target": "a", "unit": u, "facts": f} for u, f in units], evaluator=evaluator)
    # Fewer is better, dense ties: p and q tie 1st (3), r is 2nd (2), s 3rd (1).
    assert [r.item("1").score for r in results] == [D(3), D(3), D(2), D(1)]
    # 2: p 78%: −0.2 → 0.8; q 80%: 1; s 77.5%: two whole points under → 0.8. r has no new hires (未新进人员):
    #   the mean of the others, (0.8 + 1 + 0.8) / 3 = 0.8666… → 0.87, rounded once.
    assert [r.item("2").score for r in results] == [D("0.8"), D(1), D("0.87"), D("0.8")]
    assert results[2].item("2").status == "fail" and "平均分0.87" in results[2].item("2").effects[0].detail
    # 3: mean share (30 + 20 + 25 + 25) / 4 = 25. q is 5 below: 5 / 25 = 20% below (relative): 20 steps → −2 → 0.
    assert [r.item("3").score for r in results] == [D(2), D(0), D(2), D(2)]


def test_a_rank_beyond_the_listed_points_is_not_guessed() -> None:
    pack = govrules.load_pack_text(RANKS)
    units = [(u, {"v": v, "hires": 1, "young": 90, "share": 1}) for u, v in (("p", 1), ("q", 2), ("r", 3), ("s", 4))]
    results = pack.assess_cohort([{"target": "a", "unit": u, "facts": f} for u, f in units])
    last = results[3].item("1")
    assert last.status == "notchecked" and last.score is None
    assert "第4名未规定分值" in last.cohort[0].text


def test_totals_the_document_does_not_state() -> None:
    with pytest.raises(govrules.PackError, match="leave total out"):
        govrules.load_pack_text(RANKS.replace("total_unstated: no_total", "total: 6, total_unstated: no_total"))
    with pytest.raises(govrules.PackError, match="unknown reading 'nope'"):
        govrules.load_pack_text(RANKS.replace("total_unstated: no_total", "total_unstated: nope"))
    # A stated total is still checked against the rows.
    with pytest.raises(govrules.PackError, match="add up to 6"):
        govrules.load_pack_text(RANKS.replace("total_unstated: no_total", "total: 7"))
    result = govrules.load_pack_text(RANKS).assess_cohort([{"target": "a", "unit": "p", "facts": {"v": 1, "hires": 1, "young": 90, "share": 1}}])[0]
    assert result.total == D(6) and ("no_total", "排名", "总分为各项之和") in result.readings


def test_load_time_checks_of_cohort_rules() -> None:
    bad = RANKS.replace("fact: v, better: lower, ties: dense", "row: \"9\", better: lower, ties: dense")
    with pytest.raises(govrules.PackError, match="no row '9'"):
        govrules.load_pack_text(bad)
    with pytest.raises(govrules.PackError, match="not the row's 3"):
        govrules.load_pack_text(RANKS.replace("points: [3, 2, 1]", "points: [2, 1]"))
    with pytest.raises(govrules.PackError, match="needs its when"):
        govrules.load_pack_text(RANKS.replace(', when: {fact: hires, op: "==", value: 0}', ""))


# ------------------------------------------------------ a third-party cohort kind


class TopHalf(RuleKind):
    """前一半得满分，后一半得一半: a cohort kind a plugin adds through the same hook."""

    name = "top_half"
    title = "前一半得满分"
    mode = SET
    cohort = True
    in_ledgers = False
    cappable = False

    def __init__(self) -> None:
        from typing import Literal

        class Model(FactOrRowSpec):
            kind: Literal["top_half"]

        type(self).model = Model
        super().__init__()

    def cohort_figure(self, rule):  # type: ignore[no-untyped-def]
        return ("fact", rule.fact)

    def cohort_effects(self, compiled, cohort, item_max):  # type: ignore[no-untyped-def]
        joined = cohort.joined()
        out = []
        for i in range(len(cohort.units)):
            rank = cohort.rank(i, joined, compiled.rule.better, "competition")
            figures = cohort.figures_of(compiled.uid, i, joined, compiled.rule.better, rank)
            half = rank * 2 > len(joined)
            out.append(Outcome(figures, (effect(compiled, item_max / 2, cohort.facts[i]),) if half else ()))
        return tuple(out)

    def words(self, rule, w):  # type: ignore[no-untyped-def]
        return "前一半得满分"


class _Plugin:
    @hookimpl
    def govrules_rule_kinds(self) -> list:
        return [TopHalf()]


def test_a_plugin_adds_a_cohort_kind() -> None:
    registry = govrules.Registry.discover(plugins=[("top_half", _Plugin())])
    assert "top_half" in registry.kinds and registry.kinds["top_half"].cohort
    pack = govrules.load_pack_text(MIXED.replace("kind: ratio_to_best", "kind: top_half"), kinds=registry.kinds)
    results = pack.assess_cohort([{"target": "a", "unit": u, "facts": {"v": v}} for u, v in (("x", 1), ("y", 4), ("z", 3), ("w", 2))])
    # More is better: y and z are the top half (6), x and w score half the row (3).
    assert [r.item("1").score for r in results] == [D(3), D(6), D(6), D(3)]
    assert isinstance(results[0].item("1").cohort[0], Figures)


# --------------------------------------------------------------------- batch


def test_batch_scores_each_target_as_a_cohort(huzhou: govrules.Pack, tmp_path: Path) -> None:
    from govrules.outputs.batch import read_units, score_units, summary_data, write_outputs

    batch = read_units(EXAMPLES / "quxian.csv", huzhou)
    score_units(batch)
    assert [(u.rank, u.unit, u.result.total) for u in batch.ranked("quxian")] == [
        (1, "吴兴区", D("111.7")), (2, "南浔区", D("106.3")), (3, "德清县", D("103.73")), (4, "长兴县", D("92.95")), (5, "安吉县", D("87.2"))
    ]
    cohort = summary_data(batch)["cohort"]
    row = next(c for c in cohort if c["unit"] == "安吉县" and c["item"] == "1.21")
    assert (row["value"], row["best"], row["mean"], row["n"], row["score"]) == ("25", "10", "16.4", 5, "2.4")
    write_outputs(batch, tmp_path / "out")
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "out" / "summary.xlsx")["同批比较"]
    assert sheet.max_row == 1 + 5 * 8  # eight cohort rules for each of five 区县
    # The table states vetoes (一票否优) but no bands: 等次 is 未规定 for every unit, not 待定 (pending).
    book = load_workbook(tmp_path / "out" / "summary.xlsx")
    assert {row[0] for row in book["排名"].iter_rows(min_row=2, values_only=True)} == {"区县"}
    header = [c.value for c in book["排名"][1]]
    assert {row[header.index("等次")] for row in book["排名"].iter_rows(min_row=2, values_only=True)} == {"未规定"}
    assert [[c.value for c in r] for r in book["等次统计"].iter_rows()] == [["考核对象", "等次", "单位数"], ["区县", "本文件未规定等次", 5]]
    assert summary_data(batch)["grades"] == [{"target": "quxian", "target_name": "区县", "counts": {}, "pending": 0, "unstated": True}]


def test_batch_of_a_cohort_with_a_unit_twice(huzhou: govrules.Pack, tmp_path: Path) -> None:
    from govrules.outputs.batch import read_units, score_units

    text = (EXAMPLES / "quxian.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    (tmp_path / "u.csv").write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")
    batch = read_units(tmp_path / "u.csv", huzhou)
    score_units(batch)
    assert [u.unit for u in batch.failed] == ["吴兴区"] and "出现两次" in batch.failed[0].problems[0].message
    assert len(batch.ranked("quxian")) == 5


# ------------------------------------------------------------- the kit


def test_the_kit_runs_the_cohort_invariants_on_the_huzhou_pack(huzhou: govrules.Pack) -> None:
    from govrules.testing import run_conformance

    report = run_conformance(huzhou, properties=["cohort", "results"], max_examples=15)
    assert [o.status for o in report.outcomes] == ["passed", "passed"]
    skipped = run_conformance("datonghu_2023", properties=["cohort"], max_examples=1, targets=["xiangzhen"])
    assert skipped.outcomes[0].status == "skipped" and "cohort" in skipped.outcomes[0].message


def test_the_cohort_invariants_catch_a_kind_that_misreads_the_document(huzhou: govrules.Pack) -> None:
    from govrules.kinds.ratio_to_best import RatioToBest
    from govrules.testing import InvariantError
    from govrules.testing.cohort import check_cohort_permutation, check_cohort_results

    class BestLosesTooMuch(RatioToBest):
        # Misreads 「第1名得6分」: the best unit loses a tenth of a point, and the first unit in the input order a little more.
        def cohort_effects(self, compiled, cohort, item_max):  # type: ignore[no-untyped-def]
            out = []
            for i, o in enumerate(super().cohort_effects(compiled, cohort, item_max)):
                made = effect(compiled, D("0.1") + (D("0.1") if i == 0 else 0), cohort.facts[i], quantity=None, unit_amount=item_max)
                out.append(Outcome(o.figures, o.effects or (made,)))
            return tuple(out)

    inputs = cohort_inputs()
    view = huzhou.view("quxian")
    broken = next(r for r in view.cohort_rules if r.uid == "1.21#ratio")
    original = broken.behaviour
    object.__setattr__(broken, "behaviour", BestLosesTooMuch.__new__(BestLosesTooMuch))
    try:
        with pytest.raises(InvariantError, match="the best unit"):
            check_cohort_results(huzhou, inputs, huzhou.assess_cohort(inputs))
        with pytest.raises(InvariantError, match="scores differently"):
            check_cohort_permutation(huzhou, inputs, [4, 3, 2, 1, 0])
    finally:
        object.__setattr__(broken, "behaviour", original)


# ------------------------------------------------------------- 一票否优


def test_the_vetoes_are_recorded_and_an_offices_bands_grade_the_cohort(huzhou: govrules.Pack) -> None:
    results = _by_unit(huzhou.assess_cohort(cohort_inputs()))
    # The table states no bands: no grade, and 长兴县's 通报批评 (3.1, 一票否优) is listed.
    assert {u: r.grade for u, r in results.items()} == dict.fromkeys(results, None)
    assert [v.id for v in results["长兴县"].grading.vetoes] == ["3.1"]
    assert all(not r.grading.vetoes for u, r in results.items() if u != "长兴县")
    # An office sets bands in an overlay (made up here: 90 优秀, 80 良好, 60 合格).
    overlay = """\
format: 1
extends: huzhou_bianzhi_2021
pack: {id: huzhou_office, version: "1", title: 示例等次, issuer: 示例, source: 示例}
readings:
  - {id: bands, quote: 示例, choice: 90分以上为优秀，80分以上为良好，60分以上为合格，其余为不合格（示例，办公室设定）}
grades:
  - reading: bands
    bands: [{grade: 优秀, min: 90}, {grade: 良好, min: 80}, {grade: 合格, min: 60}, {grade: 不合格}]
"""
    office = govrules.load_pack_text(overlay, "huzhou_office.yaml", parents={huzhou.id: huzhou})
    graded = _by_unit(office.assess_cohort(cohort_inputs()))
    # 111.7, 106.3, 103.73 ≥ 90: 优秀. 长兴 92.95 would be 优秀, but 3.1 (否优) caps it at 良好. 安吉 87.2: 良好.
    assert {u: r.grade for u, r in graded.items()} == {"吴兴区": "优秀", "南浔区": "优秀", "德清县": "优秀", "长兴县": "良好", "安吉县": "良好"}


def test_cohort_mean_names_the_cohort_only_where_the_row_takes_its_mean() -> None:
    from govrules.outputs.report import markdown

    pack = govrules.load_pack_text(RANKS)
    units = [("p", {"v": 5, "hires": 3, "young": 78, "share": 30}), ("q", {"v": 5, "hires": 2, "young": 80, "share": 20}), ("r", {"v": 7, "hires": 0, "share": 25})]
    p, q, r = pack.assess_cohort([{"target": "a", "unit": u, "facts": f} for u, f in units])
    # Row 2 applies to p (78%: −0.2 → 0.8) and q (80%: 1) as written; nothing there depends on the cohort,
    # so neither sheet says 同批比较, though the figures stay in the data (the mean is taken over them).
    for unit in (p, q):
        row_line = next(line for line in markdown(unit).splitlines() if line.startswith("| 2 | 新进人员"))
        assert "同批比较" not in row_line
        assert "同批比较：本单位5，第1名" in markdown(unit)  # the rank row beside it is scored against the cohort and says so
        assert unit.item("2").cohort[0].to_dict()["relative"] is False
    # r has no new hires (未新进人员): its row is the mean (0.8 + 1) / 2 = 0.9, named in the effect itself.
    row = r.item("2")
    assert row.score == D("0.9") and "按2个单位本项平均分0.9得分" in markdown(r)
    assert "relative" not in row.cohort[0].to_dict()
