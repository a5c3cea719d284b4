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
    assert lint(pack) == []


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
