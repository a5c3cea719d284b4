"""``govrules batch``: many units from a CSV file, an Excel workbook or a directory.

Every expected total is worked out by hand from 大政公办发〔2023〕4号 (乡镇: five
items of 20; see the derivations beside UNITS). A bad row in the middle is
reported with its row number; the other rows are still scored and ranked.
"""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

import govrules
from govrules.cli import main

FACT_COLUMNS = [
    "active_late_count",
    "active_quality.points",
    "active_quality.reason",
    "zone_missing",
    "new_media_incident_count",
    "new_media_criticism_state_council",
    "new_media_criticism_province",
    "new_media_criticism_city",
    "new_media_stale_periods",
    "opinion_response_ok",
    "foi_ok",
]
HEADER = ["unit", "target", *FACT_COLUMNS, "self.xz.3", "review.xz.2.score", "review.xz.2.reviewer", "review.xz.2.at", "review.xz.2.reason"]
ALL_MET = ["0", "", "", "无", "0", "0", "0", "0", "0", "是", "是"]
NO_REVIEW = ["", "", "", "", ""]

UNITS = [
    # row 2 — 北洲子镇, the shipped example: xz.1 20 − 0.3 − 0.5 = 19.2; xz.2 19.9 reviewed to 20;
    #   xz.3 20 − min(2 + 1 + 0.2, 3) − 0.4 = 16.6; xz.4 20; xz.5 20 → 95.8.
    ["北洲子镇", "乡镇", "3", "0.5", "机构信息中负责人姓名未随人事调整更新", "提供指导申请公开", "2", "0", "2", "1", "4", "是", "是",
     "18", "20", "+李明", "2023-12-20", "@现场复核：已整改"],
    # row 3 — 河坝镇: discretionary 0.3 on xz.1 → 19.7 → 99.7 (its reason starts with "-").
    ["河坝镇", "乡镇", "0", "0.3", "-整改不力", *ALL_MET[3:], *NO_REVIEW],
    # row 4 — BAD: "三" is not a count. Reported with its row number; not scored.
    ["坏行镇", "乡镇", "三", *ALL_MET[1:], *NO_REVIEW],
    # row 5 — 金盆镇: 依申请公开 not met → xz.5 0 → 80.
    ["金盆镇", "乡镇", *ALL_MET[:-1], "否", *NO_REVIEW],
    # row 6 — BAD: an element the document does not list (caught by the core's validation).
    ["错项镇", "乡镇", "0", "", "", "不存在的项", *ALL_MET[4:], *NO_REVIEW],
    # row 7 — 南湾湖办事处: active_late_count left blank → xz.1 not checked → incomplete, not ranked.
    ["南湾湖办事处", "乡镇", "", *ALL_MET[1:], *NO_REVIEW],
    # row 8 — 千山红镇: as 金盆镇 → 80, sharing rank 5.
    ["千山红镇", "乡镇", *ALL_MET[:-1], "否", *NO_REVIEW],
    # row 9 — a formula as a unit name, everything met → 100.
    ['=HYPERLINK("http://evil.example/","点我")', "xiangzhen", *ALL_MET, *NO_REVIEW],
    # row 10 — a script tag as a unit name: 5 late → xz.1 19.5 → 99.5.
    ["<script>alert(1)</script>镇", "xiangzhen", "5", *ALL_MET[1:], *NO_REVIEW],
]

EXPECTED_RANKING = [
    (1, '=HYPERLINK("http://evil.example/","点我")', "100"),
    (2, "河坝镇", "99.7"),
    (3, "<script>alert(1)</script>镇", "99.5"),
    (4, "北洲子镇", "95.8"),
    (5, "金盆镇", "80"),
    (5, "千山红镇", "80"),
]


@pytest.fixture()
def runner(registry, monkeypatch) -> CliRunner:
    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry))
    return CliRunner()


@pytest.fixture(scope="module")
def examples() -> Path:
    pack = govrules.Registry.discover().get("datonghu_2023")
    return Path(pack.origin).parent / "examples"


def write_csv(path: Path, header=HEADER, rows=UNITS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def run(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def check_outputs(out: Path, source: str) -> None:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"] == {"total": 9, "ranked": 6, "incomplete": 1, "checklist": 0, "failed": 2}
    (ranking,) = summary["rankings"]
    assert ranking["target"] == "xiangzhen"
    assert [(u["rank"], u["unit"], u["total"]) for u in ranking["units"]] == EXPECTED_RANKING
    assert [u["unit"] for u in summary["incomplete"]] == ["南湾湖办事处"]
    assert summary["incomplete"][0]["not_checked"] == ["xz.1"]
    assert summary["incomplete"][0]["missing_facts"] == ["active_late_count"]
    failures = {f["where"]: f for f in summary["failures"]}
    assert set(failures) == {f"{source} 第4行", f"{source} 第6行"}
    assert "“三”不是次数" in failures[f"{source} 第4行"]["problems"][0]["message"]
    assert failures[f"{source} 第6行"]["problems"][0]["where"].startswith(f"{source} 第6行 facts.zone_missing")
    # A sheet for every unit scored (ranked or incomplete), none for the failed rows.
    names = sorted(p.name for p in (out / "units").iterdir())
    assert len(names) == 14 and not any("坏行镇" in n or "错项镇" in n for n in names)
    sheet = json.loads((out / "units" / "001_北洲子镇.json").read_text(encoding="utf-8"))
    assert sheet["total"] == "95.8" and sheet["recoverable"][0]["restores"] == "1.8"


def test_csv_with_bad_rows_in_the_middle(runner, tmp_path):
    units = write_csv(tmp_path / "units.csv")
    out = tmp_path / "out"
    result = run(runner, "batch", "datonghu_2023", units, "--out", out)
    assert result.exit_code == 1  # some rows failed …
    assert "Traceback" not in result.output
    assert "units.csv 第4行" in result.output and "units.csv 第6行" in result.output
    assert "2 个单位未能评分（其余 7 个已评分）" in result.output
    # … and everything else was scored, ranked and written.
    assert "河坝镇" in result.output and "未完成（不参加排名）" in result.output
    check_outputs(out, "units.csv")
    for name in ("summary.xlsx", "ranking.csv", "summary.json", "index.html"):
        assert (out / name).exists()


def test_the_command_leaves_the_garbage_collector_as_it_found_it(runner, tmp_path):
    """`govrules batch` keeps what it loaded out of the collector's passes while it runs (gc.freeze), and gives it back
    after, ended well or not: a program calling the command in its own process is not left with a frozen heap."""
    import gc

    assert gc.get_freeze_count() == 0
    assert run(runner, "batch", "datonghu_2023", write_csv(tmp_path / "units.csv"), "--out", tmp_path / "out").exit_code == 1
    assert gc.get_freeze_count() == 0
    assert run(runner, "batch", "datonghu_2023", tmp_path / "missing.csv", "--out", tmp_path / "out2").exit_code != 0
    assert gc.get_freeze_count() == 0


def test_excel_workbook_of_units(runner, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(HEADER)
    for row in UNITS:
        # Numbers as numbers, as a person typing into Excel would have them.
        ws.append([int(v) if v.isdigit() else (float(v) if v.replace(".", "", 1).isdigit() else (v or None)) for v in row])
    wb.create_sheet("说明").append(["这张表不是单位表"])
    path = tmp_path / "units.xlsx"
    wb.save(path)
    out = tmp_path / "out"
    result = run(runner, "batch", "datonghu_2023", path, "--out", out)
    assert result.exit_code == 1
    check_outputs(out, "units.xlsx 工作表「单位」")


def test_formula_injection_is_neutralised_in_csv_and_xlsx(runner, tmp_path):
    out = tmp_path / "out"
    run(runner, "batch", "datonghu_2023", write_csv(tmp_path / "units.csv"), "--out", out)
    with open(out / "ranking.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["考核对象", "排名", "单位", "总分"]
    assert rows[1][2] == "'=HYPERLINK(\"http://evil.example/\",\"点我\")"
    assert rows[1][3] == "100"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    wb = load_workbook(out / "summary.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    assert all(c.data_type != "f" for c in cells)  # no formulas at all
    assert "'=HYPERLINK(\"http://evil.example/\",\"点我\")" in texts
    assert "'-整改不力" in texts  # a reason
    assert "'+李明" in texts and "'@现场复核：已整改" in texts  # a reviewer and a review reason
    # Deductions are written as negative numbers, which need no neutralising.
    effects = list(wb["扣分明细"].iter_rows(min_row=2, values_only=True))
    hb = next(r for r in effects if r[0] == "河坝镇")
    assert hb[4] == pytest.approx(-0.3)


def test_script_in_unit_name_is_escaped_in_html(runner, tmp_path):
    out = tmp_path / "out"
    run(runner, "batch", "datonghu_2023", write_csv(tmp_path / "units.csv"), "--out", out)
    pages = [out / "index.html", *sorted((out / "units").glob("*.html"))]
    for page in pages:
        assert "<script>" not in page.read_text(encoding="utf-8"), page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;镇" in index
    unit_page = next(p for p in pages if "alert" in p.name)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;镇" in unit_page.read_text(encoding="utf-8")


def test_directory_of_fact_files(runner, tmp_path, examples):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(examples / "xiangzhen.json", src / "a_北洲子镇.json")
    quzhi = json.loads((examples / "quzhi.json").read_text(encoding="utf-8"))
    (src / "b_财政局.yaml").write_text(yaml.safe_dump(quzhi, allow_unicode=True), encoding="utf-8")
    # An Excel form for a second 乡镇 with the same facts → also 95.8, sharing rank 1.
    from test_cli import _fill_form

    form = src / "c_form.xlsx"
    assert run(runner, "template", "datonghu_2023", "-t", "xiangzhen", "-o", form).exit_code == 0
    _fill_form(form, unit="北洲子镇二")
    (src / "d_broken.json").write_text('{"facts": ', encoding="utf-8")
    nameless = json.loads((examples / "xiangzhen.json").read_text(encoding="utf-8"))
    del nameless["unit"]
    nameless["facts"]["foi_ok"] = False  # 依申请公开 not met: 95.8 − 20 = 75.8
    (src / "e_无名.json").write_text(json.dumps(nameless, ensure_ascii=False), encoding="utf-8")
    (src / "README.md").write_text("not an assessment", encoding="utf-8")

    out = tmp_path / "out"
    result = run(runner, "batch", "datonghu_2023", src, "--out", out)
    assert result.exit_code == 1
    assert "d_broken.json" in result.output and "此处缺少值" in result.output
    assert "跳过" in result.output and "README.md" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by_target = {r["target"]: [(u["rank"], u["unit"], u["total"]) for u in r["units"]] for r in summary["rankings"]}
    assert by_target == {
        "quzhi": [(1, "区财政局", "88.8")],
        "xiangzhen": [(1, "北洲子镇", "95.8"), (1, "北洲子镇二", "95.8"), (3, "e_无名", "75.8")],
    }
    assert [f["where"] for f in summary["failures"]] == ["d_broken.json"]


def test_unknown_column_is_reported_and_rows_still_scored(runner, tmp_path):
    header = ["unit", "active_late_cout", *FACT_COLUMNS[1:]]
    rows = [["甲镇", "0", *ALL_MET[1:]]]
    units = write_csv(tmp_path / "u.csv", header, rows)
    result = run(runner, "batch", "datonghu_2023", units, "--out", tmp_path / "out", "--target", "乡镇")
    assert result.exit_code == 1
    assert "active_late_cout" in result.output and "是否想写 'active_late_count'" in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    # The misspelt column's values are not used, so xz.1 is not checked: listed as incomplete.
    assert [u["unit"] for u in summary["incomplete"]] == ["甲镇"]


def test_chinese_labels_as_columns_and_json_output(runner, tmp_path, datonghu):
    labels = {f.name: f.label for f in datonghu.spec.facts}
    header = ["单位", "考核对象", *[labels[c] for c in FACT_COLUMNS if "." not in c]]
    values = [v for c, v in zip(FACT_COLUMNS, ALL_MET) if "." not in c]
    rows = [["甲镇", "乡镇", *values], ["乙镇", "乡镇", *values[:-1], "否"]]
    units = write_csv(tmp_path / "u.csv", header, rows)
    result = run(runner, "batch", "datonghu_2023", units, "--out", tmp_path / "out", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(u["rank"], u["unit"], u["total"]) for u in data["rankings"][0]["units"]] == [(1, "甲镇", "100"), (2, "乙镇", "80")]


def test_duplicate_unit_is_a_failed_row(runner, tmp_path):
    rows = [["甲镇", "乡镇", *ALL_MET, *NO_REVIEW], ["甲镇", "乡镇", *ALL_MET, *NO_REVIEW]]
    result = run(runner, "batch", "datonghu_2023", write_csv(tmp_path / "u.csv", rows=rows), "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "出现两次" in result.output and "u.csv 第3行" in result.output


def test_missing_input(runner, tmp_path):
    result = run(runner, "batch", "datonghu_2023", tmp_path / "nope.csv", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "找不到输入" in result.output


def test_batch_summary_workbook_sheets(runner, tmp_path):
    out = tmp_path / "out"
    run(runner, "batch", "datonghu_2023", write_csv(tmp_path / "units.csv"), "--out", out)
    wb = load_workbook(out / "summary.xlsx")
    assert wb.sheetnames == ["排名", "未完成", "出错", "得分明细（乡镇）", "扣分明细", "复核记录", "可挽回分值", "图表"]
    ranking = list(wb["排名"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[3]) for r in ranking[:6]] == [(1, 100), (2, pytest.approx(99.7)), (3, pytest.approx(99.5)), (4, pytest.approx(95.8)), (5, 80), (5, 80)]
    errors = list(wb["出错"].iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in errors} == {"units.csv 第4行", "units.csv 第6行"}
    detail = list(wb["得分明细（乡镇）"].iter_rows(values_only=True))
    assert detail[0][:3] == ("排名", "单位", "xz.1 主动公开信息")
    bz = next(r for r in detail if r[1] == "北洲子镇")
    assert [D(str(x)) for x in bz[2:7]] == [D("19.2"), D("20"), D("16.6"), D("20"), D("20")]


def test_gb18030_csv_as_saved_by_chinese_excel(runner, tmp_path):
    # Excel on a Chinese Windows saves "CSV" in GB18030 (GBK); it is read as such.
    path = tmp_path / "gbk.csv"
    text = "单位,考核对象," + ",".join(c for c in FACT_COLUMNS if "." not in c) + "\n"
    text += "甲镇,乡镇," + ",".join(v for c, v in zip(FACT_COLUMNS, ALL_MET) if "." not in c) + "\n"
    path.write_bytes(text.encode("gb18030"))
    result = run(runner, "batch", "datonghu_2023", path, "--out", tmp_path / "out", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rankings"][0]["units"][0]["unit"] == "甲镇"


def test_mixed_targets_are_ranked_separately(runner, tmp_path, datonghu):
    # Every fact of both targets as a column; each row fills its own target's facts.
    qz = [f.name for f in datonghu.view("quzhi").facts if f.type not in ("discretionary", "dates")]
    xz = [f.name for f in datonghu.view("xiangzhen").facts if f.type not in ("discretionary", "dates")]
    names = list(dict.fromkeys(qz + xz))
    met = {"window_missing": "无", "zone_missing": "无", "opinion_response_ok": "是", "foi_ok": "是"}

    def row(unit, target, facts, **changes):
        values = {n: (changes.get(n) or met.get(n, "0")) if n in facts else "" for n in names}
        return [unit, target, *values.values()]

    rows = [
        row("甲镇", "", xz),  # no target: --target 乡镇 applies → all met, 100
        row("区财政局", "区直", qz, basic_budget_late_count="2"),  # qz.4.4 2 − 0.2 → 99.8
        row("区教育局", "quzhi", qz),  # all met → 100
        row("乙镇", "乡镇", xz, foi_ok="否"),  # xz.5 0 → 80
    ]
    units = write_csv(tmp_path / "u.csv", ["unit", "target", *names], rows)
    result = run(runner, "batch", "datonghu_2023", units, "--out", tmp_path / "out", "--target", "乡镇", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    got = {r["target"]: [(u["rank"], u["unit"], u["total"]) for u in r["units"]] for r in data["rankings"]}
    assert got == {
        "quzhi": [(1, "区教育局", "100"), (2, "区财政局", "99.8")],
        "xiangzhen": [(1, "甲镇", "100"), (2, "乙镇", "80")],
    }


def test_stderr_lists_failed_and_incomplete_units_as_far_as_the_ranking_shows(runner, tmp_path):
    # Five incomplete units (only foi_ok given) and three failed ones (an unreadable count): with --show 1, two of
    # each are listed with their cells or problems, then a line with how many were left out and where all are.
    units = tmp_path / "units.csv"
    rows = [f"{n}镇,乡镇,是," for n in "甲乙丙丁戊"] + [f"坏{n}镇,乡镇,是,三" for n in "一二三"]
    units.write_text("unit,target,foi_ok,active_late_count\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run(runner, "batch", "datonghu_2023", units, "--out", tmp_path / "out", "--show", "1", "--jobs", "1")
    assert result.exit_code == 1
    err = result.stderr
    assert "3 个单位未能评分（其余 5 个已评分）" in err and "“三”不是次数" in err
    assert "坏一镇" in err and "坏二镇" in err and "坏三镇" not in err
    assert "…（其余 1 个单位略，完整列表见 summary.xlsx「出错」、summary.json）" in err
    assert "未完成：5 个单位有未填的必填项" in err
    assert "  甲镇：" in err and "  乙镇：" in err and "  丙镇：" not in err
    assert "…（其余 3 个单位略，完整列表见 summary.xlsx「未完成」、index.html）" in err
    # Every one is in the files.
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["failures"]) == 3 and len(summary["incomplete"]) == 5
