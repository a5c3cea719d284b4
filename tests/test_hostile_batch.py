"""``govrules batch`` under hostile input (issue 17): one bad cell, row or file fails alone.

Every reproducer of the issue has a test: huge and exponent numbers in cells,
hostile JSON / YAML files in a folder input, invalid UTF-8 and lone
surrogates, merged Excel cells, negative numbers in ranking.csv, rich markup
and control characters in unit names, and an output folder that is replaced
whole (never stale files beside new ones, never a half-written folder after
Ctrl-C). A bounded hypothesis fuzz test ends the file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

import govrules
from govrules.outputs import batch as batch_mod
from govrules.outputs.batch import read_units, score_units, write_outputs
from govrules.cli import main
from govrules.errors import InputError
from govrules.outputs.xlsx import csv_field, write_csv

from datonghu_facts import XZ_ALL_MET

FACTS = list(XZ_ALL_MET)
GOOD_CELLS = {
    "active_late_count": "1",
    "zone_missing": "无",
    "new_media_incident_count": "0",
    "new_media_criticism_state_council": "0",
    "new_media_criticism_province": "0",
    "new_media_criticism_city": "0",
    "new_media_stale_periods": "0",
    "opinion_response_ok": "是",
    "foi_ok": "是",
}
HEADER = ["unit", "target", *FACTS]


def good_row(name: str, **cells: str) -> list[str]:
    """A 乡镇 row with every fact given: 99.9 (one late disclosure), unless ``cells`` change it."""
    values = {**GOOD_CELLS, **cells}
    return [name, "xiangzhen", *[values[f] for f in FACTS]]


def write_units_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture()
def runner(registry, monkeypatch) -> CliRunner:
    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry))
    return CliRunner()


def run(runner: CliRunner, *args: object):
    result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def ranked_units(out: Path) -> dict[str, str]:
    return {u["unit"]: u["total"] for g in summary(out)["rankings"] for u in g["units"]}


def failures(out: Path) -> dict[str, list[str]]:
    return {f["where"]: [f"{p['where']}: {p['message']}" for p in f["problems"]] for f in summary(out)["failures"]}


# ------------------------------------------------------------ numbers in cells


def test_huge_and_exponent_cells_fail_alone(runner, tmp_path):
    """1e5000 (ValueError past 4,300 digits), 1e99999999 (hung computing 10**99999999), 1e3 (read as 1000)."""
    rows = [
        good_row("甲镇"),
        good_row("乙镇", active_late_count="1e5000"),
        good_row("丙镇", active_late_count="1e99999999"),
        good_row("丁镇", active_late_count="1e3"),
        good_row("戊镇", active_late_count="9" * 5000),
        good_row("己镇", active_late_count="99999999999"),
        good_row("庚镇", new_media_incident_count="2.5"),
        good_row("辛镇"),
    ]
    started = time.monotonic()
    result = run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "u.csv", rows), "--out", tmp_path / "out")
    assert time.monotonic() - started < 20
    assert result.exit_code == 1
    out = tmp_path / "out"
    assert ranked_units(out) == {"甲镇": "99.9", "辛镇": "99.9"}
    failed = failures(out)
    assert set(failed) == {f"u.csv 第{n}行" for n in range(3, 9)}
    for n in (3, 4, 5):
        assert any("列「active_late_count」" in p and "科学计数法" in p for p in failed[f"u.csv 第{n}行"]), failed
    assert any("列「active_late_count」" in p and "超过" in p for p in failed["u.csv 第6行"])
    assert any("列「active_late_count」" in p and "太大" in p for p in failed["u.csv 第7行"])
    assert any("不是整数" in p for p in failed["u.csv 第8行"])
    assert "u.csv 第5行" in result.output and "科学计数法" in result.output


def test_cell_number_parsing_is_bounded():
    from govrules.outputs.forms import _to_int, _to_number

    assert _to_int("3") == 3 and _to_int(" 3.0 ") == 3 and _to_int(3.0) == 3
    assert _to_number("0.5") == D("0.5") and _to_number(-2) == D(-2)
    for bad in ("1e3", "1E99999999", "1e5000", "9" * 100, "inf", "NaN", "0x10", "1,000", float("inf"), 1e300, 10**5000):
        started = time.monotonic()
        with pytest.raises(ValueError):
            _to_int(bad)
        with pytest.raises(ValueError):
            _to_number(bad)
        assert time.monotonic() - started < 1


# ------------------------------------------------------------- folder inputs

HOSTILE_FILES: dict[str, str | bytes] = {
    "b_inf.yaml": "target: xiangzhen\nfacts:\n  active_late_count: .inf\n",
    "c_date.yaml": "target: xiangzhen\nfacts:\n  active_late_count: 2023-02-30\n",
    "d_digits.json": '{"target": "xiangzhen", "facts": {"active_late_count": 1' + "0" * 5000 + "}}",
    "e_nested.json": "[" * 100000,
    "f_surrogate.json": '{"target": "xiangzhen", "unit": "\\ud800", "facts": {}}',
    "g_laughs.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi")),
    "h_deep.yaml": "".join("  " * i + "k:\n" for i in range(990)) + "  " * 990 + "v\n",
    "i_nan.json": '{"target": "xiangzhen", "facts": {"active_late_count": NaN}}',
    "j_list.json": "[1, 2, 3]",
    "k_binary.json": b"\xff\xfe\x00garbage",
    "l_reason.json": '{"target": "xiangzhen", "facts": {"active_quality": {"points": 0.5, "reason": "\\udcff"}}}',
}


def write_folder(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir()
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")
    return folder


def good_file(unit: str) -> str:
    return json.dumps({"target": "xiangzhen", "unit": unit, "facts": {**XZ_ALL_MET, "active_late_count": 1}}, ensure_ascii=False)


def test_hostile_files_in_a_folder_fail_alone(runner, tmp_path):
    folder = write_folder(tmp_path / "in", {"a_good.json": good_file("好镇"), **HOSTILE_FILES, "z_good.json": good_file("也好镇")})
    started = time.monotonic()
    result = run(runner, "batch", "datonghu_2023", folder, "--out", tmp_path / "out")
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    out = tmp_path / "out"
    assert ranked_units(out) == {"好镇": "99.9", "也好镇": "99.9"}
    failed = failures(out)
    assert set(failed) == set(HOSTILE_FILES)
    assert any("b_inf.yaml:3" in p and "不是有限的数字" in p for p in failed["b_inf.yaml"])
    assert any("c_date.yaml:3" in p and "不是有效日期（没有这一天）" in p for p in failed["c_date.yaml"])
    assert any("数字有 5001 个字符" in p for p in failed["d_digits.json"])
    assert any("嵌套太深" in p for p in failed["e_nested.json"])
    assert any("不是有效的文字" in p for p in failed["f_surrogate.json"])
    assert any("别名" in p for p in failed["g_laughs.yaml"])
    assert any("不是有效的文字" in p for p in failed["l_reason.json"])
    for where in HOSTILE_FILES:
        assert where in result.output
    # every file written is valid UTF-8
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".csv"):
            path.read_text(encoding="utf-8")


def test_file_names_that_are_not_utf8(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    named = os.fsdecode(b"\xff\xfe\xe9.json")
    (folder / named).write_text(good_file("有名镇"), encoding="utf-8")
    (folder / os.fsdecode(b"\xfa\xfb.json")).write_text(json.dumps({"target": "xiangzhen", "facts": XZ_ALL_MET}), encoding="utf-8")
    (folder / "ok.json").write_text(good_file("好镇"), encoding="utf-8")
    result = run(runner, "batch", "datonghu_2023", folder, "--out", tmp_path / "out")
    assert result.exit_code == 1
    out = tmp_path / "out"
    assert ranked_units(out) == {"有名镇": "99.9", "好镇": "99.9"}
    (where,) = failures(out)
    assert "\\xfa" in where and "不是有效的文字" in " ".join(failures(out)[where])
    assert all("\\x" in u["where"] or u["where"] == "ok.json" for g in summary(out)["rankings"] for u in g["units"])


# -------------------------------------------------------- invalid UTF-8 in CSV


def test_invalid_utf8_row_fails_alone(runner, tmp_path):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerow(good_row("甲镇"))
    w.writerow(good_row("@@BAD@@"))
    w.writerow(good_row("乙镇"))
    raw = buf.getvalue().encode("utf-8").replace(b"@@BAD@@", b"\xff\xfe\xc3(")
    path = tmp_path / "u.csv"
    path.write_bytes(raw)
    result = run(runner, "batch", "datonghu_2023", path, "--out", tmp_path / "out")
    assert result.exit_code == 1
    out = tmp_path / "out"
    assert ranked_units(out) == {"甲镇": "99.9", "乙镇": "99.9"}
    assert any("列「unit」" in p and "不是有效的文字" in p for p in failures(out)["u.csv 第3行"])


def test_a_row_the_csv_module_refuses_fails_alone(runner, tmp_path):
    rows = [good_row("甲镇"), good_row("x" * 200_000), good_row("乙镇")]
    result = run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "u.csv", rows), "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert ranked_units(tmp_path / "out") == {"甲镇": "99.9", "乙镇": "99.9"}
    # In the catalogue's words (the csv module's own are English), with its limit.
    assert any(f"有一格超过 {csv.field_size_limit()} 个字符" in p for p in failures(tmp_path / "out")["u.csv 第3行"])


def test_bytes_that_are_not_utf8_in_a_header_or_cell_never_crash_a_writer(registry, tmp_path):
    pack = registry.get("datonghu_2023")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*HEADER, "@@H@@"])
    w.writerow(good_row("甲镇"))
    w.writerow(good_row("乙镇", zone_missing="专人负责@@C@@"))
    w.writerow(good_row("丙镇"))
    path = tmp_path / "u.csv"
    path.write_bytes(buf.getvalue().encode("utf-8").replace(b"@@H@@", b"x\xff").replace(b"@@C@@", b"\xfe"))
    batch = read_units(path, pack)
    score_units(batch)
    write_outputs(batch, tmp_path / "out")
    out = tmp_path / "out"
    assert ranked_units(out) == {"甲镇": "99.9", "丙镇": "99.9"}
    assert any("列「zone_missing」" in p and "不是有效的文字" in p for p in failures(out)["u.csv 第3行"])
    assert any("x\\xff" in p["where"] for p in summary(out)["input_problems"])


def test_an_unreadable_workbook_in_a_folder_fails_alone(runner, tmp_path):
    """openpyxl writes a lone surrogate as &#55296;, which no XML parser reads back: that file alone fails."""
    folder = write_folder(tmp_path / "in", {"a.json": good_file("好镇")})
    pack_form = tmp_path / "form.xlsx"
    assert run(runner, "template", "datonghu_2023", "-t", "乡镇", "-f", "xlsx", "-o", pack_form).exit_code == 0
    from openpyxl import load_workbook

    wb = load_workbook(pack_form)
    wb["基本信息"]["C4"] = "\ud800镇"
    wb.save(folder / "b.xlsx")
    (folder / "c.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    result = run(runner, "batch", "datonghu_2023", folder, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert ranked_units(tmp_path / "out") == {"好镇": "99.9"}
    assert set(failures(tmp_path / "out")) == {"b.xlsx", "c.xlsx"}


def test_a_workbook_that_is_not_one_is_named_in_words_not_by_an_exception(runner, registry, tmp_path):
    """A .xlsx that is CSV text, a broken zip or an old .xls: the catalogue's words (the service reads uploads with the same code)."""
    text = write_units_csv(tmp_path / "u.csv", [good_row("甲镇")]).read_bytes()
    for body, code in ((text, "forms.xlsx_is_text"), (b"PK\x03\x04nonsense", "forms.xlsx_damaged"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "forms.xlsx_is_xls")):
        path = tmp_path / "单位.xlsx"
        path.write_bytes(body)
        result = run(runner, "batch", "datonghu_2023", path, "--out", tmp_path / "out")
        assert result.exit_code == 1
        words = govrules.messages.render(code, {})
        assert f"错误：无法读取 Excel 文件：{path}" in result.output and f"  - {path}: {words}" in result.output, result.output
        assert "BadZipFile" not in result.output and "Error" not in result.output
        with pytest.raises(InputError) as err:
            read_units(path, registry.get("datonghu_2023"))
        assert [(p.code, p.params) for p in err.value.problems] == [(code, {})]


def test_a_csv_that_is_not_text_is_refused_whole_saying_what_it_looks_like(runner, registry, tmp_path):
    """A workbook saved as .csv was read as text: its ZIP bytes, NULs and all, became "columns" named in problems."""
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(good_row("甲镇"))
    book.save(tmp_path / "book.xlsx")
    cases = {
        "batch.csv_is_xlsx": (tmp_path / "book.xlsx").read_bytes(),
        "batch.csv_is_xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "batch.csv_utf16": "unit,target\n甲镇,xiangzhen\n".encode("utf-16"),
        "batch.csv_binary": b"unit,\x00target\n",
    }
    for code, body in cases.items():
        path = tmp_path / "单位.csv"
        path.write_bytes(body)
        result = run(runner, "batch", "datonghu_2023", path, "--out", tmp_path / "out")
        assert result.exit_code == 1
        words = govrules.messages.render(code, {})
        assert result.output == f"错误：{path} 不是 CSV 文本\n  - {path}: {words}\n", result.output
        with pytest.raises(InputError) as err:
            read_units(path, registry.get("datonghu_2023"))
        assert [(p.code, p.params) for p in err.value.problems] == [(code, {})]
    # A NUL in a later row is that row's problem alone; a control in a header cell is shown escaped.
    path = write_units_csv(tmp_path / "u.csv", [good_row("甲镇"), good_row("乙\x00镇", active_late_count="\x00"), good_row("丙镇")], [*HEADER, "x\x1b[2J"])
    result = run(runner, "batch", "datonghu_2023", path, "--out", tmp_path / "out")
    assert ranked_units(tmp_path / "out") == {"甲镇": "99.9", "丙镇": "99.9"}
    problems = [q for f in summary(tmp_path / "out")["failures"] for q in f["problems"]] + summary(tmp_path / "out")["input_problems"]
    assert problems and not any(re.search("[\x00-\x1f\x7f-\x9f]", q["where"] + q["message"]) for q in problems), problems
    assert any("x\\x1b[2J" in q["where"] for q in problems)


# ----------------------------------------------------------------- unexpected


def test_an_unexpected_exception_is_a_problem_of_its_unit(runner, tmp_path, monkeypatch):
    real = govrules.Pack.assess

    def assess(self, data, *a, **k):
        if data.get("unit") == "炸镇":
            raise RuntimeError("boom")
        return real(self, data, *a, **k)

    monkeypatch.setattr(govrules.Pack, "assess", assess)
    rows = [good_row("甲镇"), good_row("炸镇"), good_row("乙镇")]
    result = run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "u.csv", rows), "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert ranked_units(tmp_path / "out") == {"甲镇": "99.9", "乙镇": "99.9"}
    assert failures(tmp_path / "out")["u.csv 第3行"] == ["u.csv 第3行: 无法读取或评分（RuntimeError：boom）"]
    assert "RuntimeError：boom" in result.output


# ------------------------------------------------------------------ ranking.csv


def test_ranking_csv_escapes_text_never_numbers(tmp_path):
    path = tmp_path / "r.csv"
    write_csv(path, ["a", "b"], [[D("-49"), "-49", "=1+1", "+x", "@x", "\tx", "\rx", -2, 3.5, None, "普通"]])
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == ["-49", "'-49", "'=1+1", "'+x", "'@x", "'\tx", "'\rx", "-2", "3.5", "", "普通"]
    assert csv_field(D("0")) == "0" and csv_field(True) == "True"


def test_ranking_csv_negative_total(registry, tmp_path, monkeypatch):
    """A total below zero (a pack whose penalties are uncapped) is written as a number."""
    pack = registry.get("datonghu_2023")
    batch = read_units(write_units_csv(tmp_path / "u.csv", [good_row("甲镇"), good_row("-乙镇")]), pack)
    score_units(batch)
    import attrs

    for u in batch.units:  # what the batch keeps of each result (its Outcome) is what the ranking writes
        u.outcome = attrs.evolve(u.outcome, total=D("-49"))
    path = tmp_path / "ranking.csv"
    batch_mod._ranking_csv(batch, path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][3] == "-49" and rows[2][2] == "'-乙镇"


# ----------------------------------------------------------- merged Excel cells


def test_merged_cells_fill_their_whole_range(runner, tmp_path):
    path = tmp_path / "u.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(HEADER)
    ws.append(good_row("甲镇"))
    ws.append(good_row("乙镇"))
    ws.append(good_row("丙镇"))
    for row in (3, 4):
        for col in range(2, len(HEADER) + 1):
            ws.cell(row, col).value = None
    ws.merge_cells(start_row=2, start_column=2, end_row=4, end_column=2)  # target
    for col in range(3, len(HEADER) + 1):
        ws.merge_cells(start_row=2, start_column=col, end_row=4, end_column=col)  # every fact
    wb.save(path)
    result = run(runner, "batch", "datonghu_2023", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert ranked_units(tmp_path / "out") == {"甲镇": "99.9", "乙镇": "99.9", "丙镇": "99.9"}


def test_a_huge_merged_range_is_refused(runner, tmp_path):
    path = tmp_path / "u.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(good_row("甲镇"))
    ws.merge_cells("A10:B11")
    wb.save(tmp_path / "small.xlsx")
    # openpyxl would build 17 billion cells to write this range: patch it into the sheet's XML instead.
    import zipfile

    with zipfile.ZipFile(tmp_path / "small.xlsx") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                assert b'ref="A10:B11"' in data
                data = data.replace(b'ref="A10:B11"', b'ref="A10:XFD1048576"')
            dst.writestr(info, data)
    started = time.monotonic()
    result = run(runner, "batch", "datonghu_2023", path, "--out", tmp_path / "out")
    assert time.monotonic() - started < 20
    assert result.exit_code == 1 and "合并单元格超过" in result.output


# ------------------------------------------------------- terminal and HTML text


def test_markup_and_controls_are_printed_as_typed(runner, tmp_path):
    rows = [good_row("[bold red]甲[/]\x1b[2J镇"), good_row("[link=http://evil.example]乙[/link]", active_late_count="三"), good_row("<script>x</script>")]
    result = run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "u.csv", rows), "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "[bold red]甲[/]" in result.output and "[link=http://evil.example]乙[/link]" in result.output
    assert "\x1b" not in result.output
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<script>x</script>" not in index and "&lt;script&gt;x&lt;/script&gt;" in index


# ------------------------------------------------------------- the out folder


def unit_files(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "units").iterdir())


def test_a_rerun_leaves_no_stale_files(runner, tmp_path):
    out = tmp_path / "out"
    run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "a.csv", [good_row("甲镇"), good_row("乙镇"), good_row("丙镇")]), "--out", out)
    assert unit_files(out) == ["001_甲镇.html", "001_甲镇.json", "002_乙镇.html", "002_乙镇.json", "003_丙镇.html", "003_丙镇.json"]
    run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "b.csv", [good_row("丁镇")]), "--out", out)
    assert unit_files(out) == ["001_丁镇.html", "001_丁镇.json"]
    assert ranked_units(out) == {"丁镇": "99.9"}
    assert not [p for p in tmp_path.iterdir() if ".govrules-" in p.name]


def test_a_folder_govrules_did_not_write_is_never_replaced(runner, tmp_path):
    units = write_units_csv(tmp_path / "a.csv", [good_row("甲镇")])
    out = tmp_path / "mine"
    out.mkdir()
    (out / "论文.docx").write_text("keep me", encoding="utf-8")
    result = run(runner, "batch", "datonghu_2023", units, "--out", out)
    assert result.exit_code == 1 and "不覆盖" in result.output
    assert [p.name for p in out.iterdir()] == ["论文.docx"]
    # an empty folder is fine
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(runner, "batch", "datonghu_2023", units, "--out", empty).exit_code == 0
    # a file added to a previous output is not deleted silently either
    (empty / "笔记.txt").write_text("mine", encoding="utf-8")
    result = run(runner, "batch", "datonghu_2023", units, "--out", empty)
    assert result.exit_code == 1 and "笔记.txt" in result.output
    assert (empty / "笔记.txt").read_text(encoding="utf-8") == "mine"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("where", ["units", "summary_workbook", "index"])
def test_an_interruption_leaves_the_previous_output_untouched(runner, tmp_path, monkeypatch, where):
    out = tmp_path / "out"
    run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "a.csv", [good_row("甲镇"), good_row("乙镇")]), "--out", out)
    before = snapshot(out)

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    if where == "units":
        import govrules.outputs.html

        calls = iter(range(100))
        real = govrules.outputs.html.score_html
        monkeypatch.setattr(govrules.outputs.html, "score_html", lambda r: real(r) if next(calls) < 1 else interrupt())
    elif where == "summary_workbook":
        monkeypatch.setattr(batch_mod, "summary_workbook", interrupt)
    else:
        import govrules.outputs.html

        monkeypatch.setattr(govrules.outputs.html, "write_batch_html", interrupt)
    b = write_units_csv(tmp_path / "b.csv", [good_row("丙镇"), good_row("丁镇")])  # interrupted after 丙镇's sheets
    result = runner.invoke(main, ["batch", "datonghu_2023", str(b), "--out", str(out)])
    assert result.exit_code == 130
    assert "已中断" in result.output and "保持原样" in result.output and "Traceback" not in result.output
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "out"]


def test_an_interrupted_batch_leaves_no_working_file_in_the_system_temporary_folder(runner, tmp_path, monkeypatch):
    """summary.xlsx's rows wait in XlsxWriter's temporary files until it closes: a batch keeps them in its output's
    temporary folder, removed whole when interrupted, not in the system's (which XlsxWriter would leave them in)."""
    import tempfile

    import govrules.outputs.html

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    calls = iter(range(100))
    real = govrules.outputs.html.score_html
    monkeypatch.setattr(govrules.outputs.html, "score_html", lambda r: real(r) if next(calls) < 1 else (_ for _ in ()).throw(KeyboardInterrupt))
    b = write_units_csv(tmp_path / "b.csv", [good_row("丙镇"), good_row("丁镇")])
    result = runner.invoke(main, ["batch", "datonghu_2023", str(b), "--out", str(tmp_path / "out")])
    assert result.exit_code == 130
    assert list(system_tmp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv", "system-tmp"]


def test_a_write_error_leaves_the_previous_output_untouched(runner, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "a.csv", [good_row("甲镇")]), "--out", out)
    before = snapshot(out)

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(batch_mod, "_ranking_csv", full)
    result = run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "b.csv", [good_row("丙镇")]), "--out", out)
    assert result.exit_code == 1 and "No space left on device" in result.output and "保持原样" in result.output
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "out"]


# --------------------------------------------------------------------- fuzzing

HOSTILE_CELLS = st.one_of(
    st.sampled_from(["1e5000", "1e99999999", "1e3", "-1e-9", "9" * 5000, "NaN", "inf", "-0", "0x1F", "1,5", "", " ", "无", "是", "否", "三",
                     "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\t=1", "[bold]x[/]", "[link=http://e.x]y[/link]", "\x1b[31m", "\x00", "<script>",
                     "2023-02-30", "专人负责、不存在", "\u202e", "..", "/etc/passwd"]),
    st.text(max_size=30),
    st.text(alphabet="0123456789eE.+-", max_size=40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bad_rows=st.lists(st.lists(HOSTILE_CELLS, min_size=0, max_size=len(HEADER) + 2), min_size=1, max_size=4), invalid=st.binary(min_size=1, max_size=4))
def test_fuzz_csv_rows(registry, tmp_path_factory, bad_rows, invalid):
    pack = registry.get("datonghu_2023")
    tmp = tmp_path_factory.mktemp("fuzz")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerow(good_row("好甲镇"))
    for i, row in enumerate(bad_rows):
        w.writerow([f"坏{i}镇", *row])
    w.writerow(good_row("好乙镇"))
    raw = buf.getvalue().encode("utf-8")
    raw = raw.replace(b"\xe5\x9d\x8f0", b"\xe5\x9d\x8f0" + invalid, 1)  # arbitrary bytes (often not UTF-8) in one bad row
    path = tmp / "u.csv"
    path.write_bytes(raw)
    batch = read_units(path, pack)
    score_units(batch, "xiangzhen")
    write_outputs(batch, tmp / "out")
    scored = {u.unit for u in batch.units if u.result is not None}
    assert {"好甲镇", "好乙镇"} <= scored
    assert not batch.input_problems
    for u in batch.failed:
        assert u.problems and all(p.where for p in u.problems)
    json.loads((tmp / "out" / "summary.json").read_text(encoding="utf-8"))


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20), st.sampled_from(["\ud800", "\x1b[2J", "[bold]"])),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=20,
)
FILE_TEXTS = st.one_of(
    st.builds(lambda facts, unit: json.dumps({"target": "xiangzhen", "unit": unit, "facts": facts}), st.dictionaries(st.sampled_from(FACTS + ["x"]), JSON_VALUES, max_size=5), JSON_VALUES),
    st.builds(json.dumps, JSON_VALUES),
    st.sampled_from([t for t in HOSTILE_FILES.values() if isinstance(t, str)]),
    st.text(max_size=200),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(0, 3000)),
    st.builds(lambda s: f"target: xiangzhen\nunit: {s}\nfacts: {{active_late_count: {s}}}\n", st.text(max_size=20)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.tuples(st.sampled_from([".json", ".yaml", ".yml"]), FILE_TEXTS), min_size=1, max_size=4))
def test_fuzz_folder_files(registry, tmp_path_factory, files):
    pack = registry.get("datonghu_2023")
    tmp = tmp_path_factory.mktemp("fuzz")
    contents = {"a_good.json": good_file("好甲镇"), "z_good.json": good_file("好乙镇")}
    for i, (suffix, text) in enumerate(files):
        contents[f"m{i}{suffix}"] = text.encode("utf-8", "surrogatepass")
    folder = write_folder(tmp / "in", contents)
    batch = read_units(folder, pack)
    score_units(batch)
    write_outputs(batch, tmp / "out")
    scored = {u.unit for u in batch.units if u.result is not None}
    assert {"好甲镇", "好乙镇"} <= scored
    for u in batch.failed:
        assert u.problems
    json.loads((tmp / "out" / "summary.json").read_text(encoding="utf-8"))


def test_sheet_names_excel_refuses_are_made_acceptable() -> None:
    # A target named 乡[镇] made create_sheet raise (Excel forbids []:*?/\ in sheet names);
    # names also stay within 31 characters and unique, as Excel compares them (ignoring case).
    from govrules.outputs.xlsx import sheet_title

    assert sheet_title("得分明细（乡[镇]:*?/\\）") == "得分明细（乡［镇］：＊？／＼）"
    assert sheet_title("得分明细（乡镇）", ["得分明细（乡镇）"]) == "得分明细（乡镇）（2）"
    assert sheet_title("Sheet", ["sheet"]) == "Sheet（2）"
    assert len(sheet_title("长" * 40)) == 31


def test_cell_text_beyond_excels_limit_is_cut() -> None:
    # Excel calls a file with a cell over 32,767 characters corrupt.
    from govrules.outputs.xlsx import CELL_TEXT_MAX, safe

    cut = safe("理" * 40_000)
    assert len(cut) == CELL_TEXT_MAX and cut.endswith("…")
    assert safe("=1+1") == "'=1+1"


def test_a_target_name_excel_refuses_as_a_sheet_name_still_writes_the_summary(tmp_path: Path) -> None:
    # Found after the first fixes: a pack whose target is named 乡[镇] made summary.xlsx fail (exit 70).
    import openpyxl

    from govrules.outputs.batch import read_units, score_units, write_outputs

    text = (Path(__file__).parent / "test_hostile_packs.py").read_text(encoding="utf-8")
    mini = text.split('GOOD = """\\\n', 1)[1].split('"""', 1)[0].replace("source_text: source.txt, ", "").replace("name: 乡镇", "name: '乡[镇]'")
    pack = govrules.load_pack_text(mini, "mini.yaml")
    units = tmp_path / "u.csv"
    units.write_text("unit,late_count,ok\n甲镇,2,true\n", encoding="utf-8")
    batch = read_units(units, pack)
    score_units(batch)
    write_outputs(batch, tmp_path / "out")
    book = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")
    assert "得分明细（乡［镇］）" in book.sheetnames


_SURROGATE_TEXT = st.one_of(st.text(max_size=4), st.sampled_from(["\ud800", "a\udfffb", "\udc80", "镇\ud83d"]))
_NESTED = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _SURROGATE_TEXT, st.decimals(allow_nan=False), st.dates(), st.binary(max_size=3)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(_SURROGATE_TEXT, st.integers(), st.tuples(st.integers())), inner, max_size=4),
    ),
    max_leaves=20,
)


@given(data=_NESTED)
def test_the_surrogate_check_finds_what_the_walk_finds(data):
    """batch._surrogate_paths searches the input's JSON text first: where it says there is none, the walk agrees."""
    from govrules.outputs import batch as batch_mod

    assert batch_mod._surrogate_paths(data) == batch_mod._surrogate_walk(data, 100_000)


def test_a_unit_whose_workbook_rows_cannot_be_made_fails_alone(runner, tmp_path, monkeypatch):
    """An exception after the unit was scored (making its rows of summary.xlsx) fails that unit whole: not ranked, not in the sheets."""
    from govrules.outputs import summary_xlsx

    real = summary_xlsx.score_row

    def score_row(unit, *a, **k):
        if unit == "炸镇":
            raise RuntimeError("boom")
        return real(unit, *a, **k)

    monkeypatch.setattr(summary_xlsx, "score_row", score_row)
    rows = [good_row("甲镇"), good_row("炸镇"), good_row("乙镇")]
    result = run(runner, "batch", "datonghu_2023", write_units_csv(tmp_path / "u.csv", rows), "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert ranked_units(tmp_path / "out") == {"甲镇": "99.9", "乙镇": "99.9"}
    assert failures(tmp_path / "out")["u.csv 第3行"] == ["u.csv 第3行: 无法读取或评分（RuntimeError：boom）"]
    book = load_workbook(tmp_path / "out" / "summary.xlsx", read_only=True)
    units_in = {r[1] for name in book.sheetnames if name.startswith("得分明细") for r in book[name].iter_rows(min_row=2, values_only=True)}
    assert units_in == {"甲镇", "乙镇"}
    assert not list((tmp_path / "out" / "units").glob("*炸镇*"))
