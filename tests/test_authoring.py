"""Pack authoring: scaffold, lint, conformance on a new pack."""

from __future__ import annotations

import json
from decimal import Decimal as D

from click.testing import CliRunner

import govrules
from govrules.rubric.authoring import lint, lint_path, scaffold
from govrules.cli import main


def test_scaffold_is_a_working_pack(tmp_path):
    root = scaffold("xx_county_2024", tmp_path, title="某县2024年政务公开考核细则")
    module = root / "src" / "govrules_pack_xx_county_2024"
    assert (root / "pyproject.toml").read_text(encoding="utf-8").count('xx_county_2024 = "govrules_pack_xx_county_2024"') == 1
    pack = govrules.load_pack(root)  # the project directory is enough
    assert pack.document is not None
    data = json.loads((module / "examples" / "xiangzhen.json").read_text(encoding="utf-8"))
    # 领导重视 4 (one briefing heard); 主动公开 6 − 3 × 0.5 = 4.5
    assert pack.assess(data).total == D("8.5")
    # Only the placeholders the author must replace: a fresh scaffold does not pass --strict.
    assert [w.path for w in lint(pack)] == ["pack.issuer", "pack.source"]


def test_scaffold_refuses_bad_ids_and_existing_dirs(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(main, ["pack", "new", "Bad-Id", "--dir", str(tmp_path)])
    assert bad.exit_code == 1 and "invalid pack id" in bad.output + (bad.stderr if bad.stderr_bytes else "")
    ok = runner.invoke(main, ["pack", "new", "good", "--dir", str(tmp_path)])
    assert ok.exit_code == 0
    again = runner.invoke(main, ["pack", "new", "good", "--dir", str(tmp_path)])
    assert again.exit_code == 1


def test_lint_warns_about_items_that_cannot_lose_points(tmp_path):
    root = scaffold("warned", tmp_path)
    rubric = root / "src" / "govrules_pack_warned" / "rubric.yaml"
    text = rubric.read_text(encoding="utf-8")
    text = text.replace(
        "        rules:\n          - {id: late,", "        rules_removed_for_test: 1\n        rules:\n          - {id: late,"
    )
    # drop the rules of xxgk.1 and add an unused fact
    text = text.split("        rules_removed_for_test: 1\n")[0] + "\n"
    text = text.replace("facts:\n", "facts:\n  - {name: unused, label: 未用, type: boolean}\n")
    rubric.write_text(text, encoding="utf-8")
    pack, errors, warnings = lint_path(root)
    assert errors == []
    messages = [str(w) for w in warnings]
    assert any("'late_count' is declared but no rule reads it" in m for m in messages)
    assert any("'unused' is declared but no rule reads it" in m for m in messages)
    assert any("xxgk.1 (主动公开) has points but no rule" in m and "rubric.yaml:" in m for m in messages)
    result = CliRunner().invoke(main, ["pack", "lint", str(root), "--strict"])
    assert result.exit_code == 1


def test_lint_reports_every_error_with_line(tmp_path):
    root = scaffold("broken", tmp_path)
    rubric = root / "src" / "govrules_pack_broken" / "rubric.yaml"
    text = rubric.read_text(encoding="utf-8").replace("fact: late_count", "fact: late_cnt").replace("total: 10", "total: 12")
    rubric.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["pack", "lint", str(root)])
    assert result.exit_code == 1
    assert "did you mean 'late_count'" in result.output
    assert "stated as 12, but its items add up to 10" in result.output
    assert result.output.count("error: ") == 2


def test_pack_test_runs_the_conformance_kit(tmp_path):
    root = scaffold("checked", tmp_path)
    result = CliRunner().invoke(main, ["pack", "test", str(root), "--max-examples", "10"])
    assert result.exit_code == 0, result.output


def _placeholders_filled(root, pack_id):
    rubric = root / "src" / f"govrules_pack_{pack_id}" / "rubric.yaml"
    text = rubric.read_text(encoding="utf-8").replace("（发文单位）", "某县政务公开办").replace("（文件名称与文号）", "某政办发〔2024〕1号")
    rubric.write_text(text, encoding="utf-8")
    return rubric


def test_the_scaffolds_placeholders_fail_strict_until_replaced(tmp_path):
    root = scaffold("placeholders", tmp_path)
    result = CliRunner().invoke(main, ["pack", "lint", str(root), "--strict"])
    assert result.exit_code == 1
    assert "issuer is still the scaffold's placeholder （发文单位）" in result.output
    assert "source is still the scaffold's placeholder （文件名称与文号）" in result.output
    _placeholders_filled(root, "placeholders")
    assert CliRunner().invoke(main, ["pack", "lint", str(root), "--strict"]).exit_code == 0


def test_lint_json_gives_each_problem_its_file_line_row_and_severity(tmp_path):
    root = scaffold("jsonlint", tmp_path)
    rubric = _placeholders_filled(root, "jsonlint")
    text = rubric.read_text(encoding="utf-8").replace("fact: late_count", "fact: late_cnt")
    rubric.write_text(text + "  - {id: extra, name: 多余, points: {xiangzhen: 0}}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["pack", "lint", str(root), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False and report["pack"] is None and report["errors"] == 1
    (problem,) = report["problems"]
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "fact: late_cnt" in t)
    assert problem["severity"] == "error"
    assert problem["file"] == str(rubric) and problem["line"] == line
    assert problem["row"] == "指标 xxgk.1（主动公开）"
    assert problem["path"] == "indicators[1].children[0].rules[0].fact"
    assert "did you mean 'late_count'" in problem["message"]


def test_lint_json_of_a_clean_installed_pack_by_id():
    result = CliRunner().invoke(main, ["pack", "lint", "datonghu_2023", "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report == {"pack": "datonghu_2023", "ok": True, "errors": 0, "warnings": 0, "problems": []}


def test_lint_json_warnings_carry_their_place(tmp_path):
    root = scaffold("warnjson", tmp_path)
    report = json.loads(CliRunner().invoke(main, ["pack", "lint", str(root), "-f", "json", "--strict"]).output)
    assert report["ok"] is False and report["errors"] == 0 and report["warnings"] == 2
    assert {(p["severity"], p["path"], p["row"]) for p in report["problems"]} == {("warning", "pack.issuer", None), ("warning", "pack.source", None)}
    assert all(isinstance(p["line"], int) for p in report["problems"])


def test_lint_of_a_yaml_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "rubric.yaml"
    bad.write_text("format: 1\npack: [\n", encoding="utf-8")
    report = json.loads(CliRunner().invoke(main, ["pack", "lint", str(bad), "-f", "json"]).output)
    assert report["errors"] >= 1 and report["problems"][0]["file"].endswith("rubric.yaml")


def test_lint_takes_an_installed_id_and_names_an_unknown_one():
    ok = CliRunner().invoke(main, ["pack", "lint", "taiqian"])
    assert ok.exit_code == 0 and "taiqian: ok" in ok.output
    unknown = CliRunner().invoke(main, ["pack", "lint", "taiqan"])
    assert unknown.exit_code == 1 and "taiqian" in unknown.output  # did you mean


def test_a_name_that_is_both_an_installed_id_and_a_directory_says_which_was_used(tmp_path, monkeypatch):
    scaffold("taiqian_copy", tmp_path)
    (tmp_path / "taiqian_copy").rename(tmp_path / "taiqian")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    used_dir = runner.invoke(main, ["pack", "lint", "taiqian"])
    assert "taiqian_copy: ok" in used_dir.output  # the directory, as before
    assert "使用的是目录 ./taiqian" in used_dir.output and "id:taiqian" in used_dir.output
    installed = runner.invoke(main, ["pack", "lint", "id:taiqian"])
    assert installed.exit_code == 0 and "taiqian: ok" in installed.output and "注意" not in installed.output
    explicit = runner.invoke(main, ["pack", "lint", "./taiqian"])
    assert "taiqian_copy: ok" in explicit.output and "注意" not in explicit.output
    # every command that takes a pack says the same
    shown = runner.invoke(main, ["show", "taiqian"])
    assert "使用的是目录 ./taiqian" in shown.output
    assert "使用的是目录" not in runner.invoke(main, ["show", "id:taiqian"]).output


def test_lint_json_of_an_unknown_id_is_json_too():
    result = CliRunner().invoke(main, ["pack", "lint", "taiqan", "-f", "json"])
    assert result.exit_code == 1
    (problem,) = json.loads(result.output)["problems"]
    assert problem["file"] is None and problem["message"].startswith("没有指标包 'taiqan'; 是否想写: taiqian")
