"""dev.py and the README follow the packs under packs/: nothing about a pack is listed by hand."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import govrules
from govrules.outputs.describe import packs_markdown
from govrules.rubric.authoring import scaffold

ROOT = Path(__file__).resolve().parent.parent


def _dev():
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_pack_table_is_the_installed_packs():
    dev = _dev()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split(dev.README_BEGIN + "\n", 1)[1].split(dev.README_END, 1)[0]
    assert table == packs_markdown(govrules.Registry.discover().packs), "run: python3 dev.py readme"


def test_every_installed_pack_has_a_shipped_example_that_scores():
    registry = govrules.Registry.discover()
    examples = _dev().examples()
    assert {pack for pack, _ in examples} == set(registry.ids)
    for pack, path in examples:
        result = registry.get(pack).assess(path.read_text(encoding="utf-8"))
        assert result.unit


def test_a_new_pack_needs_no_edit_of_dev_py(tmp_path, monkeypatch):
    dev = _dev()
    scaffold("xx_county_2024", tmp_path / "packs")
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    assert [(pack, path.name) for pack, path in dev.examples()] == [("xx_county_2024", "xiangzhen.json")]
    assert dev.pack_test_dirs() == [tmp_path / "packs" / "xx_county_2024" / "tests"]


def test_dev_py_test_runs_each_packs_own_tests(tmp_path, monkeypatch):
    dev = _dev()
    scaffold("xx_county_2024", tmp_path / "packs")
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "setup", lambda: None)
    runs = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: runs.append(cmd[3:]) or subprocess.CompletedProcess(cmd, 0))
    assert dev.main(["test", "-q"]) == 0
    assert runs == [["-q"], ["-q", str(Path("packs/xx_county_2024/tests"))]]
    runs.clear()
    dev.main(["test", "tests/test_dev.py"])  # tests named on the command line: only those
    assert runs == [["tests/test_dev.py"]]
