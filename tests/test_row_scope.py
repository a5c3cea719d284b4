"""Who assesses a row (负责考核部门), rows for one named unit only, and the pack author's unknown fields.

The pack is tests/rowscope: a small 乡镇 rubric of 20 points written for these
tests (source.txt), with the issue's words: a 负责考核部门 column
(「县委宣传部 县教育局」 on a section, 「县教育局」 on one of its rows,
「县河长办」) and the row 「对标中央、省、市，落实湖长制重点任务（琴江镇温坊人工湖）」
(4 points), which only 琴江镇 has. Its reading lake_row_other_towns leaves the
row out for other towns and rescales their base (the pack's default N/A
scoring); a variant takes ``units_scoring: full_points`` instead.

Every expected score is worked out by hand from source.txt:

* 1.1 政策宣传 5分, 「未按要求开展宣传的，每次扣1分」;
* 1.2 校园宣传 5分, 「未组织进校园宣传的，扣2分」;
* 2.1 河长巡河 6分, 「河长未按要求巡河的，每次扣2分」;
* 2.2 湖长制 4分 (琴江镇 only), 「每有一项重点任务未落实的，扣2分」.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import govrules
from govrules.cli import main
from govrules.errors import PackError
from govrules.outputs.describe import describe, show_markdown
from govrules.outputs.report import markdown
from govrules.outputs.xlsx import score_workbook

PACK_DIR = Path(__file__).parent / "rowscope"
TEXT = (PACK_DIR / "rubric.yaml").read_text(encoding="utf-8")
SOURCE = (PACK_DIR / "source.txt").read_text(encoding="utf-8")
LAKE = "对标中央、省、市，落实湖长制重点任务（琴江镇温坊人工湖）"

#: Publicity missed twice, no school visit, one patrol missed, one lake task missed.
FACTS = {"publicity_missed": 2, "school_visit": False, "patrol_missed": 1, "lake_tasks_missed": 1}


@pytest.fixture(scope="module")
def pack() -> govrules.Pack:
    return govrules.load_pack(PACK_DIR)


def load(text: str) -> govrules.Pack:
    return govrules.load_pack_text(text, "rubric.yaml", SOURCE)


def assess(pack: govrules.Pack, unit: str | None, facts: dict = FACTS, **extra):
    data = {"target": "xiangzhen", "facts": facts, **extra}
    if unit is not None:
        data["unit"] = unit
    durable = pack.assess(data)
    reference = pack.assess(data, evaluator="reference")
    assert durable.to_json().replace('"durable_rules"', '"reference"') == reference.to_json()
    return durable


def problems(text: str) -> list[str]:
    with pytest.raises(PackError) as exc:
        load(text)
    return [str(p) for p in exc.value.problems]


# ------------------------------------------------------------- one unit only


def test_the_named_unit_is_scored_on_the_row(pack):
    r = assess(pack, "琴江镇")
    # 1.1: 5 − 2×1 = 3; 1.2: 5 − 2 = 3; 2.1: 6 − 1×2 = 4; 2.2: 4 − 1×2 = 2; 3 + 3 + 4 + 2 = 12 of 20.
    assert [r.item(i).score for i in ("1.1", "1.2", "2.1", "2.2")] == [D(3), D(3), D(4), D(2)]
    assert r.item("2.2").status == "fail"
    assert (r.total, r.rescaled) == (D(12), False)


def test_another_unit_finds_the_row_not_applicable_with_the_documents_words(pack):
    r = assess(pack, "长岭镇")  # reports a lake task missed too: the row is not its to fail
    lake = r.item("2.2")
    assert lake.status == "notapplicable" and lake.score is None and not lake.effects
    assert LAKE in lake.not_applicable and "琴江镇" in lake.not_applicable
    # 3 + 3 + 4 = 10 of the 16 points that apply; rescaled: 10 × 20 / 16 = 12.5.
    assert (r.base_sum, r.base, r.rescaled, r.total) == (D(10), D("12.5"), True, D("12.5"))
    assert "lake_row_other_towns" in [rid for rid, _, _ in r.readings]


def test_without_a_unit_name_the_row_is_not_checked_never_guessed(pack):
    r = assess(pack, None)
    lake = r.item("2.2")
    assert (lake.status, lake.score, lake.computed) == ("notchecked", None, None)
    # The other rows: 3 + 3 + 4 = 10 checked; no total while 2.2 is unknown.
    assert (r.total, r.base_sum, r.complete, r.not_checked) == (None, D(10), False, ("2.2",))
    assert "本评估未写单位名称" in markdown(r)


def test_unit_names_compare_as_written_less_white_space(pack):
    # 「琴江镇 」 is 琴江镇; 「琴江」 is another name, not a guess at 琴江镇.
    assert assess(pack, " 琴江镇 ").item("2.2").status == "fail"
    assert assess(pack, "琴江").item("2.2").status == "notapplicable"


def test_a_written_na_settles_the_row_when_the_unit_is_unknown():
    text = TEXT.replace("floor: {quote: 各项扣分扣完为止}", "floor: {quote: 各项扣分扣完为止}\nnot_applicable: {allowed: true}")
    r = assess(load(text), None, not_applicable={"2.2": "书面说明：本镇无人工湖"})
    # Declared N/A (rescale): 10 × 20 / 16 = 12.5, complete.
    assert (r.item("2.2").status, r.total) == ("notapplicable", D("12.5"))


def test_full_points_for_other_units_is_a_row_level_choice():
    text = TEXT.replace("        reading: lake_row_other_towns\n", "        reading: lake_row_other_towns\n        units_scoring: full_points\n")
    r = assess(load(text), "长岭镇")
    # 2.2 counts as met for 长岭镇: 3 + 3 + 4 + 4 = 14, nothing rescaled.
    assert (r.item("2.2").status, r.item("2.2").score, r.total, r.rescaled) == ("notapplicable", D(4), D(14), False)


def test_a_review_still_overrides_the_row(pack):
    review = {"item": "2.2", "score": 3, "reviewer": "复核组", "at": "2024-12-01", "reason": "琴江镇已整改一项"}
    r = assess(pack, "琴江镇", reviews=[review])
    # 3 + 3 + 4 + 3 = 13.
    assert (r.item("2.2").score, r.total) == (D(3), D(13))


# ------------------------------------------------------------------ assessors


def test_assessors_come_from_the_row_else_its_section(pack):
    r = assess(pack, "琴江镇")
    assert r.item("1.1").assessors == ("县委宣传部", "县教育局")  # the section's
    assert r.item("1.2").assessors == ("县教育局",)  # its own
    assert r.item("2.2").assessors == ("县河长办",)
    data = json.loads(r.to_json())
    assert data["items"][1]["assessors"] == ["县教育局"]
    assert data["items"][3]["units"] == ["琴江镇"] and data["items"][3]["units_quote"] == LAKE


def test_results_of_packs_without_them_carry_no_new_keys():
    pack = govrules.Registry.discover().get("yuelu_2021")
    target = pack.targets[0]
    item = json.loads(pack.assess({"target": target, "facts": {}}).to_json())["items"][0]
    assert not {"assessors", "units", "units_quote"} & set(item)


def test_sheets_show_assessors_only_where_the_pack_names_them(pack):
    r = assess(pack, "琴江镇")
    md = markdown(r)
    assert "| 负责考核部门 |" in md and "| 县委宣传部、县教育局 |" in md
    rows = list(score_workbook(r)["评分表"].iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "编号")
    assert "负责考核部门" in header
    other = govrules.Registry.discover().get("yuelu_2021")
    assert "负责考核部门" not in markdown(other.assess({"target": other.targets[0], "facts": {}}))


def test_show_lists_assessors_and_named_units(pack):
    rows = {r["id"]: r for r in describe(pack)["rows"]}
    assert rows["1"]["assessors"] == ["县委宣传部", "县教育局"]
    assert rows["1.2"]["assessors"] == ["县教育局"]
    assert rows["2.2"]["units"] == ["琴江镇"] and rows["2.2"]["units_scoring"] == "rescale"
    text = show_markdown(describe(pack))
    assert "负责考核部门：县河长办" in text and "只考核：琴江镇" in text


# ------------------------------------------------------------------- batch


@pytest.fixture()
def batch_out(tmp_path) -> Path:
    units = tmp_path / "units"
    units.mkdir()
    (units / "a.json").write_text(json.dumps({"target": "xiangzhen", "unit": "琴江镇", "facts": FACTS}, ensure_ascii=False), encoding="utf-8")
    changling = {"publicity_missed": 2, "school_visit": True, "patrol_missed": 1}
    (units / "b.json").write_text(json.dumps({"target": "xiangzhen", "unit": "长岭镇", "facts": changling}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(PACK_DIR), str(units), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_batch_ranks_with_the_named_unit_row(batch_out):
    summary = json.loads((batch_out / "summary.json").read_text(encoding="utf-8"))
    # 长岭镇: 3 + 5 + 4 = 12 of 16, × 20 / 16 = 15; 琴江镇: 12 (above).
    assert [(u["unit"], u["total"]) for u in summary["rankings"][0]["units"]] == [("长岭镇", "15"), ("琴江镇", "12")]


def test_batch_per_assessor_view(batch_out):
    summary = json.loads((batch_out / "summary.json").read_text(encoding="utf-8"))
    view = {a["assessor"]: a for a in summary["assessors"]}
    # 县教育局 (1.1 via its section, 1.2): 琴江镇 2 + 2 = 4, 长岭镇 2 + 0 = 2; 6 in all, 3 rows failed.
    # 县河长办 (2.1, 2.2): 琴江镇 2 + 2 = 4, 长岭镇 2 (2.2 not applicable: nothing lost); 6, 3 failed.
    # 县委宣传部 (1.1): 2 + 2 = 4, 2 failed. Most lost first, pack order among equals.
    assert [(a["assessor"], a["lost"], a["failed"]) for a in summary["assessors"]] == [("县教育局", "6", 3), ("县河长办", "6", 3), ("县委宣传部", "4", 2)]
    assert view["县河长办"]["items"] == ["2.1", "2.2"]
    assert [(u["unit"], u["lost"]) for u in view["县河长办"]["units"]] == [("琴江镇", "4"), ("长岭镇", "2")]
    assert [r["item"] for r in view["县河长办"]["units"][1]["rows"]] == ["2.1"]
    sheet = list(load_workbook(batch_out / "summary.xlsx")["按考核部门"].iter_rows(values_only=True))
    assert sheet[1][:6] == ("乡镇", "县教育局", "1.1、1.2", "（合计）", 6, 3)
    assert ("乡镇", "县河长办", None, "长岭镇", 2, 1) == sheet[6][:6]
    assert "按考核部门" in (batch_out / "index.html").read_text(encoding="utf-8")


def test_batch_without_assessors_has_no_per_assessor_view(tmp_path):
    plain = tmp_path / "pack"
    plain.mkdir()
    (plain / "rubric.yaml").write_text("".join(l for l in TEXT.splitlines(True) if "assessors:" not in l), encoding="utf-8")
    (plain / "source.txt").write_text(SOURCE, encoding="utf-8")
    units = tmp_path / "units"
    units.mkdir()
    (units / "x.json").write_text(json.dumps({"target": "xiangzhen", "unit": "琴江镇", "facts": FACTS}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(plain), str(units), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "assessors" not in json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "按考核部门" not in load_workbook(out / "summary.xlsx").sheetnames
    assert "按考核部门" not in (out / "index.html").read_text(encoding="utf-8")


# ------------------------------------------------------------ load-time checks


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("assessors: [县河长办]", "assessors: []", "names at least one department"),
        ("assessors: [县河长办]", 'assessors: [县河长办, "县河长办 "]', "'县河长办 ' is listed twice"),
        ("assessors: [县河长办]", "assessors: [县河长办, ' ']", "a blank department (负责考核部门) name"),
        ("        units: [琴江镇]\n", "        units: [琴江镇, 琴江镇]\n", "'琴江镇' is listed twice"),
        ("        units_quote: 对标中央、省、市，落实湖长制重点任务（琴江镇温坊人工湖）\n", "", "needs units_quote"),
        ("        units_quote: 对标中央、省、市，落实湖长制重点任务（琴江镇温坊人工湖）\n", "        units_quote: 落实湖长制（琴江镇）\n", "quote not found"),
        ("    assessors: [县河长办]\n", "    assessors: [县河长办]\n    units: [琴江镇]\n    units_quote: 琴江镇温坊人工湖\n", "only items"),
        ("        units: [琴江镇]\n", "", "goes with units:"),
    ],
)
def test_bad_scope_fields_are_refused_at_load(old, new, expected):
    assert old in TEXT
    found = problems(TEXT.replace(old, new, 1))
    assert any(expected in p for p in found), found


def test_an_unknown_field_lists_the_fields_there_with_a_did_you_mean():
    found = problems(TEXT.replace("assessors: [县河长办]", "department: [县河长办]"))
    assert len(found) == 1
    assert "unknown field 'department' (did you mean 'assessors'?)" in found[0]
    assert "the fields here are: id, name, points" in found[0] and "units_quote" in found[0]
    found = problems(TEXT.replace("amount: 2, quote: 河长", "amont: 2, quote: 河长"))
    assert "unknown field 'amont' (did you mean 'amount'?); the fields here are: id, quote, label, when, reading, earned, kind, fact, amount" in found[0]


def test_unused_fields_leave_the_content_hash_alone():
    # The same pack with the new fields spelt out at their defaults hashes alike.
    plain = load(TEXT)
    text = TEXT.replace("        name: 河长巡河\n", "        name: 河长巡河\n        units: null\n        units_scoring: null\n")
    assert load(text).content_hash == plain.content_hash


# ------------------------------------------------------------- conformance


@pytest.mark.parametrize("scoring", ["rescale", "full_points"])
def test_conformance_kit_on_named_unit_rows(scoring):
    from hypothesis import settings

    from govrules.testing import run_property

    text = TEXT if scoring == "rescale" else TEXT.replace("        reading: lake_row_other_towns\n", "        reading: lake_row_other_towns\n        units_scoring: full_points\n")
    for prop in ("results", "stable", "monotone"):
        run_property(load(text), "xiangzhen", prop, settings=settings(max_examples=40))


def test_lint_asks_how_other_units_score_a_named_unit_row():
    from govrules.rubric.authoring import lint

    bare = load(TEXT.replace("        reading: lake_row_other_towns\n", ""))
    assert any("is for 琴江镇 only: say how other units score it" in p.message for p in lint(bare))
    assert not any("琴江镇" in p.message for p in lint(load(TEXT)))
