"""Grades (等次) and vetoes (一票否优 / 一票否决): bands, vetoes, office overlays, load-time checks.

No shipped document states grade bands, so the bands here come from an office's
overlay: docs/examples/datonghu_office_grades (a made-up notice, labelled 示例,
setting ≥ 90 优秀, ≥ 80 良好, ≥ 60 合格, else 不合格 over 大通湖区's 乡镇 rubric), and
small packs written here. Every expected total is worked out from the 大通湖区 乡镇
table: five rows of 20 (xz.1 主动公开 −0.1 per late item, plus discretionary
deductions; xz.2 专区 −0.1 per missing element; xz.3 新媒体 −1 per 国务院 通报; xz.4
and xz.5 all-or-nothing).
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import attrs
import pytest

import govrules
import govrules.testing
from govrules.testing import InvariantError, check_grade, check_result

from datonghu_facts import xz

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "docs" / "examples" / "datonghu_office_grades"


@pytest.fixture(scope="module")
def registry() -> govrules.Registry:
    return govrules.Registry.discover()


@pytest.fixture(scope="module")
def office(registry: govrules.Registry) -> govrules.Pack:
    return govrules.load_pack(OVERLAY, parents=registry)


def graded(pack: govrules.Pack, data: dict, evaluator: str = "durable") -> govrules.Result:
    result = pack.assess(data, evaluator=evaluator)
    check_result(pack, result)
    return result


def quality(points: str) -> dict:
    return {"points": D(points), "reason": "内容质量有欠缺"}


# ---------------------------------------------------------------- band boundaries


@pytest.mark.parametrize(
    ("facts", "total", "grade"),
    [
        ({}, "100", "优秀"),  # nothing lost
        ({"active_late_count": 100}, "90", "优秀"),  # 100 − 100 × 0.1 = 90: 「90分以上（含90分）」
        ({"active_late_count": 100, "active_quality": quality("0.01")}, "89.99", "良好"),  # 90 − 0.01
        ({"active_late_count": 200}, "80", "良好"),  # xz.1 20 − 200 × 0.1 = 0 → 80: 「80分以上（含80分）」
        ({"active_late_count": 200, "zone_missing": ["专人负责"]}, "79.9", "合格"),  # 80 − 0.1
        ({"active_late_count": 200, "opinion_response_ok": False}, "60", "合格"),  # 100 − 20 − 20
        ({"active_late_count": 200, "opinion_response_ok": False, "zone_missing": ["专人负责"]}, "59.9", "不合格"),  # 60 − 0.1
        ({"active_late_count": 200, "opinion_response_ok": False, "foi_ok": False}, "40", "不合格"),  # 100 − 3 × 20
    ],
)
def test_the_total_picks_its_band_at_the_boundaries(office, facts, total, grade):
    for evaluator in ("durable", "reference"):
        result = graded(office, xz(**facts), evaluator)
        assert result.total == D(total)
        assert result.grade == grade
        assert result.grading.by_total == grade
        assert result.grading.vetoes == ()


def test_the_grade_names_its_band_and_quote(office):
    data = graded(office, xz(active_late_count=100)).to_dict()
    assert data["grade"] == "优秀"
    assert data["grading"]["band"] == {"grade": "优秀", "min": "90", "above": None, "quote": "总分90分以上（含90分）为优秀", "reading": []}
    assert data["grading"]["scale"] == ["优秀", "良好", "合格", "不合格"]
    assert data["grading"]["reason"] is None


def test_a_pack_without_grades_says_null(registry):
    result = registry.get("datonghu_2023").assess(xz())
    data = json.loads(result.to_json())
    assert data["grade"] is None and data["grading"] is None
    assert result.grade is None


# ------------------------------------------------------------------------- vetoes


def test_one_vote_against_excellent_caps_at_the_grade_below(office):
    # One 国务院 通报 on the 新媒体 row: xz.3 loses 1 → 99, 优秀 by the total; the notice's
    # 「不得评为优秀」 leaves at most 良好.
    result = graded(office, xz(new_media_criticism_state_council=1))
    assert result.total == D("99")
    assert (result.grading.by_total, result.grade) == ("优秀", "良好")
    (veto,) = result.grading.vetoes
    assert veto.id == "criticized" and veto.caps_at == "良好" and not veto.fails
    data = result.to_dict()["grading"]["vetoes"][0]
    assert data["kind"] == "一票否优"
    assert data["facts"] == {"new_media_criticism_state_council": 1}
    assert data["quote"] == "乡镇政务新媒体被国务院政务新媒体主管部门通报批评的，年度考核不得评为优秀"


def test_a_veto_never_raises_a_grade(office):
    # 100 − 1 (xz.3: one 国务院 通报) − 20 (xz.4 不计分) − 10 (xz.1: 100 × 0.1) = 69 → 合格;
    # the 一票否优 veto holds but leaves 合格 as it is.
    result = graded(office, xz(new_media_criticism_state_council=1, opinion_response_ok=False, active_late_count=100))
    assert result.total == D("69")
    assert result.grade == "合格"
    assert [v.id for v in result.grading.vetoes] == ["criticized"]


def test_one_vote_veto_fails_the_unit_whatever_the_total(office):
    result = graded(office, xz(fraud=True))
    assert result.total == D("100")
    assert (result.grading.by_total, result.grade) == ("优秀", "不合格")
    (veto,) = result.grading.vetoes
    assert veto.fails and veto.to_dict()["kind"] == "一票否决"


def test_a_veto_for_one_target_only(office):
    # The 新媒体 veto names xiangzhen only; 区直 is graded by the same bands without it.
    view = office.view("quzhi")
    assert [v.id for v, _ in view.grading.vetoes] == ["fraud"]


# ------------------------------------------------------------- incomplete results


def test_an_incomplete_result_has_no_grade_and_says_why(office):
    data = xz()
    del data["facts"]["foi_ok"]
    result = graded(office, data)
    assert result.total is None and result.grade is None
    assert result.grading.reason == "评分未完成（1项未检查），等次待定"


def test_a_failing_veto_settles_an_incomplete_result(office):
    # Whatever xz.5 turns out to be, 弄虚作假 leaves only 不合格.
    data = xz(fraud=True)
    del data["facts"]["foi_ok"]
    result = graded(office, data)
    assert result.total is None
    assert result.grade == "不合格" and result.grading.reason is None


SMALL = """\
format: 1
pack: {id: small, version: "1", title: 小表, issuer: 某办, source: 小表原文, source_text: small.txt}
targets: [{id: town, name: 镇, total: 10}]
readings:
  - {id: office_bands, quote: 考核结果分优秀、合格、不合格三个等次, choice: 文件只列等次名称；分数线由本办设定：8分以上（含8分）为优秀，6分以上为合格}
facts:
  - {name: late, label: 逾期次数, type: count}
  - {name: incident, label: 发生重大事故, type: boolean}
  - {name: fraud, label: 弄虚作假, type: boolean, default: false}
indicators:
  - id: a
    name: 甲
    points: {town: 10}
    rules:
      - {id: late, kind: per_occurrence, fact: late, amount: 1, quote: 每次扣1分}
zeroing:
  - {id: z, name: 弄虚作假, when: {fact: fraud, is: true}, quote: 弄虚作假的直接归零}
grades:
  - quote: 考核结果分优秀、合格、不合格三个等次
    reading: office_bands
    bands:
      - {grade: 优秀, min: 8}
      - {grade: 合格, above: 5.5}
      - {grade: 不合格}
vetoes:
  - {id: incident, name: 发生重大事故, when: {fact: incident, is: true}, below: 优秀, quote: 发生重大事故的不得评为优秀}
"""
SMALL_DOC = "小表 每次扣1分 弄虚作假的直接归零 考核结果分优秀、合格、不合格三个等次 发生重大事故的不得评为优秀"


def small(text: str = SMALL, doc: str = SMALL_DOC) -> govrules.Pack:
    return govrules.load_pack_text(text, "small.yaml", document=doc)


def test_an_undecided_veto_leaves_the_grade_open_only_where_it_matters():
    pack = small()
    # 10 − 1 = 9 → 优秀, but 「发生重大事故」 is not recorded: 优秀 or 合格, not settled.
    r = graded(pack, {"facts": {"late": 1}})
    assert r.total == D("9") and r.grade is None
    assert r.grading.reason == "一票否优/否决事项「发生重大事故」未检查（缺少事实），等次待定"
    assert [v.id for v in r.grading.unchecked_vetoes] == ["incident"]
    # 10 − 4 = 6 > 5.5 → 合格 either way: the undecided veto changes nothing.
    r = graded(pack, {"facts": {"late": 4}})
    assert r.total == D("6") and r.grade == "合格"


def test_above_is_strict():
    pack = small()
    # 10 − 4.5 cannot happen with whole deductions; 10 − 5 = 5 is not above 5.5 → 不合格; 6 is → 合格.
    assert graded(pack, {"facts": {"late": 5, "incident": False}}).grade == "不合格"
    assert graded(pack, {"facts": {"late": 4, "incident": False}}).grade == "合格"


def test_a_zeroed_result_gets_the_lowest_grade():
    # 直接归零: total 0, below every threshold → 不合格, with the zeroing named in the result.
    r = graded(small(), {"facts": {"late": 0, "incident": False, "fraud": True}})
    assert r.total == D("0") and r.grade == "不合格"
    assert [z.id for z in r.zeroed] == ["z"]


def test_an_office_reading_comes_with_the_grade():
    r = graded(small(), {"facts": {"late": 0, "incident": False}})
    assert r.grade == "优秀"
    assert "office_bands" in [rid for rid, _, _ in r.readings]
    # Where the result has no band (no total), the reading behind the bands is not listed.
    r = graded(small(), {"facts": {"incident": False}})
    assert r.grade is None and "office_bands" not in [rid for rid, _, _ in r.readings]


def test_vetoes_without_bands_are_recorded_and_give_no_grade():
    # The 湖州 table's shape: 一票否优事项 as one boolean or count fact each, and no bands stated.
    text = """\
format: 1
pack: {id: hz, version: "1", title: 评估, issuer: 某办, source: 评估原文}
targets: [{id: county, name: 区县, total: 10}]
facts:
  - {name: criticized_count, label: 受到通报批评次数, type: count}
  - {name: major_accident, label: 发生重大事故, type: boolean}
indicators:
  - {id: a, name: 甲, points: {county: 10}}
vetoes:
  - {id: "3.1", name: 受到通报批评, when: {fact: criticized_count, op: ">", value: 0}, below: 优秀, quote: 受到党中央、国务院以及国家部委，省委、省政府以及省级部门，或市委、市政府通报批评的}
  - {id: "3.2", name: 发生重大事故, when: {fact: major_accident, is: true}, below: 优秀, quote: 本地区发生重大环境污染、食品安全、生产安全、公共卫生安全、政府债务违约等事故（事件）}
"""
    pack = govrules.load_pack_text(text, "hz.yaml")
    r = graded(pack, {"facts": {"criticized_count": 2, "major_accident": False}})
    assert r.total == D("10") and r.grade is None
    assert r.grading.reason == "未规定等次"
    assert [(v.id, v.caps_at) for v in r.grading.vetoes] == [("3.1", None)]
    # An office's overlay adds the bands; the vetoes, written against 优秀, then cap at 良好.
    overlay = """\
format: 1
extends: hz
pack: {id: hz_office, version: "1", title: 评估（本办等次）, issuer: 本办, source: 本办通知}
readings:
  - {id: bands, quote: 本办等次, choice: 9分以上为优秀，8分以上为良好，其余为一般（本办设定）}
grades:
  - reading: bands
    bands: [{grade: 优秀, min: 9}, {grade: 良好, min: 8}, {grade: 一般}]
"""
    office = govrules.load_pack_text(overlay, "hz_office.yaml", parents={"hz": pack})
    r = graded(office, {"facts": {"criticized_count": 2, "major_accident": False}})
    assert (r.grading.by_total, r.grade) == ("优秀", "良好")


# ------------------------------------------------------------------------ overlays


def test_an_overlay_replaces_the_bands_of_the_targets_it_names(office):
    child = """\
format: 1
extends: datonghu_2023_office_grades
pack: {id: stricter, version: "1", title: 乡镇从严, issuer: 本办, source: 本办通知}
readings:
  - {id: town_bands, quote: 乡镇, choice: 乡镇95分以上为优秀，85分以上为良好，60分以上为合格，其余为不合格（本办设定，比区直从严）}
grades:
  - targets: [xiangzhen]
    reading: town_bands
    bands: [{grade: 优秀, min: 95}, {grade: 良好, min: 85}, {grade: 合格, min: 60}, {grade: 不合格}]
vetoes:
  - {id: criticized, name: 通报批评, targets: [xiangzhen], when: {fact: new_media_criticism_state_council, op: ">", value: 0}, at_most: 合格, quote: 从严}
"""
    pack = govrules.load_pack_text(child, "stricter.yaml", parents={office.id: office})
    # 乡镇: 90 is 良好 under the stricter bands (95 > 90 ≥ 85).
    assert graded(pack, xz(active_late_count=100)).grade == "良好"
    # The child's veto of the same id replaces the parent's: 通报 now caps at 合格.
    assert graded(pack, xz(new_media_criticism_state_council=1)).grade == "合格"
    assert graded(pack, xz(fraud=True)).grade == "不合格"
    # 区直 keeps the parent's bands (90 优秀 there, where 乡镇 needs 95), and its 弄虚作假 veto.
    assert [b.min for b in pack.view("quzhi").grading.bands] == [D(90), D(80), D(60), None]
    assert [v.id for v, _ in pack.view("quzhi").grading.vetoes] == ["fraud"]


def test_the_overlay_leaves_the_rubric_and_its_hash_alone(registry, office):
    parent = registry.get("datonghu_2023")
    assert parent.spec.grades == () and parent.spec.vetoes == ()
    assert office.content_hash != parent.content_hash
    # Same facts, same total: grading adds a grade and changes no score.
    assert office.assess(xz(active_late_count=3)).total == parent.assess(xz(active_late_count=3)).total == D("99.7")


def test_veto_facts_are_accepted_and_in_the_schema(office):
    assert "fraud" in office.facts_schema("xiangzhen")["properties"]
    with pytest.raises(govrules.FactsError):
        govrules.Registry.discover().get("datonghu_2023").assess(xz(fraud=True))


# ---------------------------------------------------------------- bad declarations


BAD = """\
format: 1
pack: {id: bad, version: "1", title: t, issuer: i, source: s}
targets: [{id: town, name: 镇, total: 10}, {id: dept, name: 部门, total: null}]
facts:
  - {name: late, label: 逾期, type: count}
indicators:
  - id: a
    name: A
    points: {town: 10}
    rules:
      - {id: late, kind: per_occurrence, fact: late, amount: 1, quote: 每次扣1分}
  - {id: b, name: B, targets: [dept]}
grades:
%s
vetoes:
%s
"""


def problems(grades: str, vetoes: str = "  []") -> list[str]:
    with pytest.raises(govrules.PackError) as err:
        govrules.load_pack_text(BAD % (grades, vetoes), "bad.yaml")
    return [str(p) for p in err.value.problems]


GOOD_BANDS = """\
  - targets: [town]
    bands:
      - {grade: 优秀, min: 9, quote: q}
      - {grade: 合格, min: 6, quote: q}
      - {grade: 不合格, quote: q}"""


def test_bands_out_of_order_or_overlapping():
    found = problems("  - targets: [town]\n    bands:\n      - {grade: 优秀, min: 6, quote: q}\n      - {grade: 合格, min: 6, quote: q}\n      - {grade: 不合格, quote: q}")
    assert found == ["bad.yaml:17 grades[0].bands[1].min: bands run from the best grade down: 6 is not below the band before it (6)"]


def test_a_threshold_beyond_the_total_or_at_zero():
    found = problems("  - targets: [town]\n    bands:\n      - {grade: 优秀, min: 10.5, quote: q}\n      - {grade: 合格, min: 0, quote: q}\n      - {grade: 不合格, quote: q}")
    assert found == [
        "bad.yaml:16 grades[0].bands[0].min: no total of target 'town' reaches 10.5: its total is 10",
        "bad.yaml:17 grades[0].bands[1].min: 0 leaves no total for the bands below it: a threshold lies above 0",
    ]


def test_thresholds_and_the_last_band():
    found = problems("  - targets: [town]\n    bands:\n      - {grade: 优秀, quote: q}\n      - {grade: 不合格, min: 5, quote: q}")
    assert found == [
        "bad.yaml:16 grades[0].bands[0]: band '优秀' needs its threshold (min: or above:); only the last band has none",
        "bad.yaml:17 grades[0].bands[1].min: the last band (不合格) takes every total below the one before it: it has no threshold",
    ]


def test_a_band_needs_its_quote_or_reading_and_an_unscored_target_cannot_be_graded():
    found = problems("  - bands:\n      - {grade: 优秀, min: 9}\n      - {grade: 优秀, quote: q}")
    assert found == [
        "bad.yaml:15 grades[0].bands[0]: band '优秀' needs its quote (the document's words) or a reading (where an office sets it)",
        "bad.yaml:16 grades[0].bands[1].grade: grade '优秀' is listed twice",
        "bad.yaml:14 grades[0]: target 'dept' states no total: there is no total to grade",
    ]


def test_a_target_graded_twice_and_an_unknown_target():
    found = problems(GOOD_BANDS + "\n  - targets: [town, nowhere]\n    bands: [{grade: 优, min: 5, quote: q}, {grade: 差, quote: q}]")
    assert found == [
        "bad.yaml:19 grades[1].targets: unknown target 'nowhere'; the pack's targets are town, dept",
        "bad.yaml:19 grades[1].targets: target 'town' already has its grades (grades[0]); a target is graded by one list of bands",
    ]


def test_a_veto_names_a_declared_grade_and_declared_facts():
    vetoes = (
        "  - {id: v1, name: n, targets: [town], when: {fact: lat, op: '>', value: 0}, below: 不合格, quote: q}\n"
        "  - {id: v2, name: n, targets: [town], when: {fact: late, op: '>', value: 0}, at_most: 良好, quote: q}\n"
        "  - {id: v2, name: n, targets: [town], when: {fact: late, op: '>', value: 0}, at_most: 合格, quote: q}"
    )
    found = problems(GOOD_BANDS, vetoes)
    assert found == [
        "bad.yaml:20 vetoes[0].when.fact: unknown fact 'lat'; did you mean 'late'?",
        "bad.yaml:20 vetoes[0].below: '不合格' is the lowest grade of target 'town': there is no grade below it (一票否决 is at_most: 不合格)",
        "bad.yaml:21 vetoes[1].at_most: '良好' is not a grade of target 'town'; its grades are 优秀, 合格, 不合格",
        "bad.yaml:22 vetoes[2].id: veto id 'v2' is used twice",
    ]


def test_shape_errors_name_the_field():
    found = problems(
        "  - targets: [town]\n    bands:\n      - {grade: 优秀, min: 9, above: 8, quote: q}\n      - {grade: 不合格, quote: q}",
        "  - {id: v, name: n, when: {fact: late, op: '>', value: 0}, below: 优秀, at_most: 不合格, quote: q}",
    )
    assert len(found) == 2
    assert found[0].startswith("bad.yaml:16 grades[0].bands[0]: a band's threshold is either min: (at least) or above: (more than)")
    assert found[1].startswith("bad.yaml:19 vetoes[0]: a veto caps the grade with either below: <grade>")


# --------------------------------------------------------------- the kit and sheets


def test_the_conformance_kit_catches_a_wrong_grade(office):
    result = office.assess(xz(new_media_criticism_state_council=1))
    check_grade(office, result)
    raised = attrs.evolve(result, grading=attrs.evolve(result.grading, grade="优秀"))
    with pytest.raises(InvariantError, match="expected '良好'"):
        check_grade(office, raised)
    with pytest.raises(InvariantError, match="declares grades or vetoes, but the result has no grading"):
        check_grade(office, attrs.evolve(result, grading=None))


def test_the_conformance_kit_passes_on_the_example_overlay(office):
    govrules.testing.run_conformance(office, max_examples=25)  # raises on a failure


def test_score_sheets_show_the_grade(office):
    from govrules.outputs.html import score_html
    from govrules.outputs.report import markdown
    from govrules.outputs.xlsx import score_workbook

    result = office.assess(xz(new_media_criticism_state_council=1))
    md = markdown(result)
    assert "等次：良好" in md and "一票否优：政务新媒体被国务院主管部门通报批评" in md and "总分所在等次：优秀" in md
    assert "等次：良好" in score_html(result)
    ws = score_workbook(result)["评分表"]
    assert ["等次", "良好"] in [[c.value for c in row][:2] for row in ws.iter_rows()]


def test_batch_counts_units_per_grade(office, tmp_path):
    from click.testing import CliRunner

    from govrules.cli import main

    units = tmp_path / "units"
    units.mkdir()
    cases = {
        "甲镇": {},  # 100 → 优秀
        "乙镇": {"active_late_count": 101},  # 100 − 10.1 = 89.9 → 良好
        "丙镇": {"new_media_criticism_state_council": 1},  # 99, 一票否优 → 良好
        "丁镇": {"foi_ok": None},  # xz.5 not checked → 待定
        "戊镇": {"fraud": True},  # 100, 一票否决 → 不合格
    }
    for name, facts in cases.items():
        data = xz(**facts)
        data["facts"] = {k: v for k, v in data["facts"].items() if v is not None}
        data["unit"] = name
        (units / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(OVERLAY), str(units), "--out", str(out)])
    # 丁镇 is incomplete (foi_ok blank): batch writes everything, names it and exits 1 (issue 15).
    assert result.exit_code == 1, result.output
    assert "未完成：1 个单位有未填的必填项" in result.output
    assert "等次（乡镇）：优秀 1，良好 2，合格 0，不合格 1，待定 1" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["grades"] == [{"target": "xiangzhen", "target_name": "乡镇", "counts": {"优秀": 1, "良好": 2, "合格": 0, "不合格": 1}, "pending": 1, "unstated": False}]
    ranking = (out / "ranking.csv").read_text(encoding="utf-8-sig").splitlines()
    assert ranking[0].split(",")[:5] == ["考核对象", "排名", "单位", "总分", "等次"]
    assert {line.split(",")[2]: line.split(",")[4] for line in ranking[1:]} == {"甲镇": "优秀", "乙镇": "良好", "丙镇": "良好", "丁镇": "待定", "戊镇": "不合格"}
    from openpyxl import load_workbook

    wb = load_workbook(out / "summary.xlsx")
    counts = [[c.value for c in row] for row in wb["等次统计"].iter_rows()]
    assert counts == [["考核对象", "等次", "单位数"], ["乡镇", "优秀", 1], ["乡镇", "良好", 2], ["乡镇", "合格", 0], ["乡镇", "不合格", 1], ["乡镇", "待定", 1]]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "等次统计" in page and "<th>等次</th>" in page and "<td>不合格</td>" in page


def test_show_lists_the_bands_and_vetoes(office):
    from govrules.outputs.describe import describe, show_markdown

    md = show_markdown(describe(office, "xiangzhen"))
    assert "## 等次（乡镇）" in md
    assert "- 优秀：总分90分及以上（「总分90分以上（含90分）为优秀」）" in md
    assert "- 不合格：其余（「60分以下为不合格」）" in md
    assert "弄虚作假：「在考核中弄虚作假」为“是”时至多评为不合格" in md
    assert "等次" not in show_markdown(describe(govrules.Registry.discover().get("datonghu_2023"), "xiangzhen"))


@pytest.mark.parametrize("targets", ["", "targets: 7\n", "targets: [{id: [1], name: x, total: 1}]\n"])
@pytest.mark.parametrize("grades", ["1", '"x"', "[1, 2]", "[{a: 1}]", "{a: 1}", "[[1]]", "[{targets: 5, bands: 3}]", "[{targets: [{a: 1}], bands: [{grade: 优}]}]"])
def test_a_malformed_overlay_is_a_pack_error(registry, targets, grades):
    text = f'format: 1\nextends: datonghu_2023\npack: {{id: o, version: "1", title: t, issuer: i, source: s}}\n{targets}grades: {grades}\nvetoes: {grades}\n'
    with pytest.raises(govrules.PackError):
        govrules.load_pack_text(text, "o.yaml", parents=registry)


@pytest.mark.parametrize("word, code", [("待定", "grade.pending"), ("未规定", "grade.unstated")])
def test_a_band_cannot_take_a_word_the_outputs_print_for_a_unit_without_a_grade(word, code):
    # The batch counts units not yet graded as 待定 (and prints 未规定 where no bands are stated): a band so named
    # would be counted with them, so the loader refuses it at its file and line.
    found = problems(GOOD_BANDS.replace("{grade: 合格,", "{grade: %s," % word))
    assert found == [
        f"bad.yaml:17 grades[0].bands[1].grade: grade '{word}' is a word the outputs print for a unit without a grade ({code}); "
        "a band so named would be counted with those units: name the band another way and record the choice in a reading"
    ]


def test_an_office_overlay_cannot_name_a_band_so_either(registry):
    text = (
        'format: 1\nextends: datonghu_2023\npack: {id: o, version: "1", title: t, issuer: i, source: s}\n'
        "readings:\n  - {id: office, quote: 考核, choice: 本办设定等次}\n"
        "grades:\n  - targets: [xiangzhen]\n    reading: office\n    bands:\n      - {grade: 优秀, min: 90}\n      - {grade: 待定}\n"
    )
    with pytest.raises(govrules.PackError) as err:
        govrules.load_pack_text(text, "o.yaml", parents=registry)
    assert any(str(p).startswith("o.yaml:11 grades[0].bands[1].grade: grade '待定' is a word the outputs print") for p in err.value.problems)
