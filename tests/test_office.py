"""What an office meets: the many-unit sheet, Chinese target names, partial 自评合计,
blank cells named, the form's rules beside 自评, outputs refusing what they cannot write.

Expected scores are worked out from 大通湖区2023年政务公开考核细则 (乡镇, five rows of 20):
主动公开信息 「未按时限完成的,每次扣0.1分」, 政务公开专区 「缺一项每次扣0.1分」,
依申请公开 all or nothing (20 or 0).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import govrules
from govrules.cli import main

from datonghu_facts import XZ_ALL_MET

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "packs" / "datonghu_2023" / "src" / "govrules_pack_datonghu_2023" / "examples" / "xiangzhen.json"

ALL_GOOD = XZ_ALL_MET  # every fact given, every requirement met (100 points)


@pytest.fixture
def runner(registry, monkeypatch) -> CliRunner:
    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry))
    return CliRunner()


def run(runner: CliRunner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def datonghu(registry):
    return registry.get("datonghu_2023")


# ------------------------------------------------------------ a target by its Chinese name


def test_json_input_names_its_target_in_chinese(datonghu):
    # 100 − 3 × 0.1 (主动公开信息 「每次扣0.1分」) = 99.7
    result = datonghu.assess(json.dumps({"target": "乡镇", "unit": "北洲子镇", "facts": {**ALL_GOOD, "active_late_count": 3}}))
    assert str(result.total) == "99.7"
    assert json.loads(result.to_json())["target"] == {"id": "xiangzhen", "name": "乡镇"}  # the JSON keeps the id
    # The argument and the input may each use either name; they agree.
    assert datonghu.assess({"target": "乡镇", "facts": ALL_GOOD}, "xiangzhen").target == "xiangzhen"
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess({"target": "乡镇", "facts": ALL_GOOD}, "区直")
    assert err.value.problems[0].where == "target"
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess({"target": "乡", "facts": ALL_GOOD})
    assert "乡镇（xiangzhen）" in err.value.problems[0].message  # the targets listed, in Chinese (issue 15)


# ------------------------------------------------------------------- partial 自评合计


def test_a_partial_self_total_says_so_in_every_sheet(datonghu):
    from openpyxl import Workbook

    from govrules.outputs import html, report, xlsx

    result = datonghu.assess({"target": "xiangzhen", "facts": ALL_GOOD, "self_assessment": {"xz.1": 18, "xz.2": 20}})
    # 2 of the 5 rows self-scored: 18 + 20 = 38, beside a total of 100 over all five.
    label = "自评合计（5项中2项）：38"
    assert label in report.summary_lines(result)
    assert label in report.markdown(result)
    assert label in html.score_html(result)
    ws = Workbook().active
    xlsx.fill_score_sheet(ws, result)
    assert label in [c.value for row in ws.iter_rows() for c in row]
    assert "38（5项中2项）" in html.score_html(result)  # the 合计 row of the 考核表
    # All five: no qualifier.
    whole = datonghu.assess({"target": "xiangzhen", "facts": ALL_GOOD, "self_assessment": {f"xz.{n}": 20 for n in range(1, 6)}})
    assert "自评合计：100" in report.summary_lines(whole)


def test_a_partial_self_total_in_the_batch_summaries(runner, tmp_path):
    out = tmp_path / "out"
    result = run(runner, "batch", "datonghu_2023", ROOT / "examples" / "units.csv", "--out", out)
    assert result.exit_code == 0, result.output
    # 南湾湖办事处 scored itself on xz.1 and xz.2 only: 20 + 20 = 40 of 2 rows.
    assert "40（5项中2项）" in result.output
    rows = list(csv.reader((out / "ranking.csv").read_text(encoding="utf-8-sig").splitlines()))
    by_unit = {r[2]: r for r in rows[1:]}
    assert by_unit["南湾湖办事处"][5] == "40（5项中2项）" and by_unit["北洲子镇"][5] == "98"
    assert "40（5项中2项）" in (out / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------- the sample cohort


def test_the_sample_cohort_scores_as_worked_out_by_hand(runner, tmp_path):
    for name in ("units.csv", "units.xlsx"):
        out = tmp_path / name
        result = run(runner, "batch", "datonghu_2023", ROOT / "examples" / name, "--out", out, "--format", "json")
        assert result.exit_code == 0, result.output
        units = {u["unit"]: u for u in json.loads(result.output)["rankings"][0]["units"]}
        # 南湾湖办事处: nothing late or missing → 5 × 20 = 100.
        # 北洲子镇 (examples/北洲子镇.json without its 复核): 主动公开信息 20 − 3 × 0.1 − 0.5 = 19.2; 政务公开专区
        #   20 − 0.1 = 19.9; 政务新媒体 16.6 (tests/test_datonghu.py); 舆情 20; 依申请 20 → 95.7.
        # 河坝镇: 主动公开信息 20 − 1 × 0.1 = 19.9; 依申请公开 否 → 0; the rest 60 → 79.9.
        assert {k: (u["rank"], u["total"]) for k, u in units.items()} == {"南湾湖办事处": (1, "100"), "北洲子镇": (2, "95.7"), "河坝镇": (3, "79.9")}


# ------------------------------------------------------------------ the many-unit template


def test_units_template_workbook(runner, tmp_path):
    out = tmp_path / "乡镇.xlsx"
    result = run(runner, "template", "datonghu_2023", "-t", "乡镇", "--units", "-o", out)
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["单位", "说明"]
    ws = wb["单位"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["单位", "考核对象", "主动公开信息未按时限完成次数"]
    assert "依申请公开是否按要求（依法依规办理，未因违法违规操作引起行政复议、诉讼、投诉举报）" in header
    assert "主动公开信息工作质量酌情扣分.扣分" in header and "自评.xz.1" in header
    validations = [(dv.type, dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation]
    col = lambda h: chr(ord("A") + header.index(h))  # noqa: E731 - fewer than 26 columns here
    foi = col("依申请公开是否按要求（依法依规办理，未因违法违规操作引起行政复议、诉讼、投诉举报）")
    assert ("list", '"是,否"', f"{foi}2:{foi}501") in validations  # booleans: 是/否
    late = col("主动公开信息未按时限完成次数")
    assert ("whole", "0", f"{late}2:{late}501") in validations  # counts: whole numbers ≥ 0
    self1 = col("自评.xz.1")
    assert ("decimal", "0", f"{self1}2:{self1}501") in validations  # 自评: 0 to the row's 20 points
    readme = [[c.value for c in row] for row in wb["说明"].iter_rows()]
    assert any(r[0] == "主动公开信息未按时限完成次数" and r[1] == "active_late_count" for r in readme)


def test_units_template_csv_reads_back_with_every_header_form(runner, tmp_path):
    out = tmp_path / "乡镇.csv"
    assert run(runner, "template", "datonghu_2023", "-t", "乡镇", "--units", "-o", out).exit_code == 0
    header = next(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    values = {
        "单位": "甲镇", "考核对象": "乡镇", "主动公开信息未按时限完成次数": "2", "政务公开专区缺少的项": "无",
        "政务新媒体严重表述错误、安全泄密事故、反动色情内容、严重负面舆情次数": "0",
        "被国务院政务新媒体主管部门通报批评（个·次）": "0", "被省级政府政务新媒体主管部门通报批评（个·次）": "0",
        "被市级政府政务新媒体主管部门通报批评（个·次）": "0", "政务新媒体账号每两周未及时更新次数": "0",
        "政务舆情回应是否按要求（及时妥善回应、处置公众关注热点或重点舆情）": "是",
        "依申请公开是否按要求（依法依规办理，未因违法违规操作引起行政复议、诉讼、投诉举报）": "是",
    }  # fmt: skip
    with open(out, "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow([values.get(h, "") for h in header])
    result = run(runner, "batch", "datonghu_2023", out, "--out", tmp_path / "r", "--format", "json")
    assert result.exit_code == 0, result.output
    # 100 − 2 × 0.1 = 99.8
    assert json.loads(result.output)["rankings"][0]["units"][0]["total"] == "99.8"


def test_short_headers_and_fact_names_are_accepted_with_did_you_mean(runner, tmp_path):
    units = tmp_path / "units.csv"
    rows = [
        # short forms (the label without its parenthesis), half-width parentheses, and fact names
        ["单位", "政务舆情回应是否按要求", "依申请公开是否按要求", "被国务院政务新媒体主管部门通报批评(个·次)", "active_late_count",
         "zone_missing", "new_media_incident_count", "new_media_criticism_province", "new_media_criticism_city", "new_media_stale_periods"],
        ["甲镇", "是", "否", "0", "0", "无", "0", "0", "0", "0"],
    ]  # fmt: skip
    units.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    result = run(runner, "batch", "datonghu_2023", units, "--target", "乡镇", "--out", tmp_path / "r", "--format", "json")
    assert result.exit_code == 0, result.output
    # 依申请公开 否 → 0 of 20: 80.
    assert json.loads(result.output)["rankings"][0]["units"][0]["total"] == "80"

    units.write_text("单位,政务舆情回应是否按时,依申请公开是否按要求\n甲镇,是,是\n", encoding="utf-8")
    result = run(runner, "batch", "datonghu_2023", units, "--target", "乡镇", "--out", tmp_path / "r2")
    assert result.exit_code == 1
    assert "B列「政务舆情回应是否按时」" in result.output and "是否想写 '政务舆情回应是否按要求'" in result.output


def test_a_short_form_two_facts_share_names_neither():
    from govrules.outputs.unitsheet import header_names
    from govrules.rubric.model import FactSpec

    facts = [FactSpec(name="a", label="次数（甲）", type="count"), FactSpec(name="b", label="次数（乙）", type="count"), FactSpec(name="c", label="是否（丙）", type="boolean")]
    names = header_names(facts)
    assert "次数" not in names and names["是否"] == "c" and names["次数（甲）"] == "a"


# -------------------------------------------------------------------- blank cells named


def test_a_blank_form_cell_is_named_and_batch_exits_non_zero(runner, tmp_path):
    form = tmp_path / "forms" / "甲镇.xlsx"
    form.parent.mkdir()
    assert run(runner, "template", "datonghu_2023", "-t", "乡镇", "-f", "xlsx", "-o", form).exit_code == 0
    wb = load_workbook(form)
    ws = wb["事实"]
    header = [c.value for c in ws[1]]
    values = {**{k: ("是" if v is True else "无" if v == [] else v) for k, v in ALL_GOOD.items()}, "foi_ok": None}
    foi_row = None
    for row in ws.iter_rows(min_row=2):
        name = row[header.index("事实")].value
        if name in values:
            row[header.index("值")].value = values[name]
        if name == "foi_ok":
            foi_row = row[0].row
    wb["基本信息"]["C4"] = "甲镇"
    wb.save(form)
    result = run(runner, "batch", "datonghu_2023", form.parent, "--out", tmp_path / "r")
    assert result.exit_code == 1  # the results are written all the same
    assert (tmp_path / "r" / "summary.xlsx").exists()
    assert "未完成：1 个单位有未填的必填项" in result.output
    assert f"甲镇.xlsx 事实!第{foi_row}行 G列：未填（依申请公开是否按要求" in result.output


def test_a_blank_table_cell_is_named(runner, tmp_path):
    units = tmp_path / "units.csv"
    head = ["单位", *ALL_GOOD]
    row = ["甲镇", *["是" if v is True else "无" if v == [] else str(v) for v in ALL_GOOD.values()]]
    row[head.index("foi_ok")] = ""
    units.write_text(",".join(head) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    result = run(runner, "batch", "datonghu_2023", units, "-t", "乡镇", "--out", tmp_path / "r")
    assert result.exit_code == 1
    letter = chr(ord("A") + head.index("foi_ok"))
    assert f"units.csv 第2行 {letter}列「foi_ok」：未填" in result.output


# --------------------------------------------------------------- the form's 指标 sheet


def test_the_form_shows_each_rows_rules_beside_self(runner, tmp_path):
    form = tmp_path / "表.xlsx"
    assert run(runner, "template", "datonghu_2023", "-t", "xiangzhen", "-f", "xlsx", "-o", form).exit_code == 0
    ws = load_workbook(form)["指标"]
    header = [c.value for c in ws[1]]
    assert header[3:6] == ["考核内容", "评分办法", "自评分"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "每次扣0.1分" in (rows["xz.1"][4] or "") or "每次扣0.1分" in (rows["xz.1"][3] or "")


# ---------------------------------------------------- outputs refuse what they cannot write


@pytest.mark.parametrize(
    "args,suffix",
    [
        (["score", "datonghu_2023", EXAMPLE], "x.docx"),
        (["score", "datonghu_2023", EXAMPLE], "x.csv"),
        (["show", "datonghu_2023"], "rubric.xlsx"),
        (["schema", "datonghu_2023", "-t", "xiangzhen"], "schema.yaml"),
        (["template", "datonghu_2023", "-t", "xiangzhen"], "form.docx"),
        (["template", "datonghu_2023", "-t", "xiangzhen", "--units"], "units.json"),
    ],
)
def test_every_output_refuses_a_suffix_it_cannot_write(runner, tmp_path, args, suffix):
    out = tmp_path / suffix
    result = run(runner, *args, "-o", out)
    assert result.exit_code == 2, result.output
    assert f"不能写 {Path(suffix).suffix} 文件" in result.output and "可写的文件后缀" in result.output
    assert not out.exists()


def test_a_format_and_a_suffix_that_disagree_are_refused(runner, tmp_path):
    result = run(runner, "score", "datonghu_2023", EXAMPLE, "-f", "json", "-o", tmp_path / "x.html")
    assert result.exit_code == 2 and "--format json 与文件后缀 .html" in result.output
    result = run(runner, "template", "datonghu_2023", "-t", "xiangzhen", "-f", "csv", "-o", tmp_path / "x.csv")
    assert result.exit_code == 2 and "--units" in result.output
    # No suffix: the format given (or the default) is written.
    assert run(runner, "score", "datonghu_2023", EXAMPLE, "-f", "json", "-o", tmp_path / "结果").exit_code == 0
    assert json.loads((tmp_path / "结果").read_text(encoding="utf-8"))["total"] == "95.8"


def test_the_score_workbook_prints_on_a4_one_page_wide(datonghu, tmp_path):
    from govrules.outputs.xlsx import score_workbook

    path = tmp_path / "s.xlsx"
    score_workbook(datonghu.assess(json.loads(EXAMPLE.read_text(encoding="utf-8")))).save(path)
    ws = load_workbook(path)["评分表"]
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"  # 9: A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$4:$4"  # the header row (编号 一级指标 …) on every page


def test_score_of_a_form_names_its_blank_cells(runner, tmp_path):
    # A 乡镇 form straight from `template`: every fact blank, so all five rows are unchecked;
    # the 事实 sheet lists the facts from row 2, their values in column G.
    form = tmp_path / "北洲子镇.xlsx"
    assert run(runner, "template", "datonghu_2023", "-t", "乡镇", "-o", form).exit_code == 0
    result = run(runner, "score", "datonghu_2023", form)
    assert result.exit_code == 0  # the sheet is written; it says 未完成
    assert "未完成：请填写以下单元格后重新评分" in result.output
    assert "北洲子镇.xlsx 事实!第2行 G列：未填（主动公开信息未按时限完成次数，active_late_count）" in result.output
