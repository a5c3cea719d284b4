"""Pack discovery through pluggy: entry points, validation, broken packs, duplicates."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import govrules
from govrules import registry as registry_module

SRC = Path(__file__).parent.parent / "src" / "govrules"

MINI = """\
format: 1
pack: {{id: {id}, version: "1", title: 测, issuer: 测, source: 测}}
targets: [{{id: t, name: 对象, total: 1}}]
facts: [{{name: ok, label: 按要求, type: boolean}}]
indicators:
  - id: a
    name: 项
    points: {{t: 1}}
    rules: [{{id: r, kind: all_or_nothing, when: {{fact: ok, is: false}}, quote: q}}]
"""


def plugin_for(*paths):
    class Plugin:
        @govrules.hookimpl
        def govrules_packs(self):
            return list(paths)

    return Plugin()


def write(tmp_path, name, text):
    path = tmp_path / name / "rubric.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


def test_installed_packs_are_found_through_entry_points(registry):
    assert {"datonghu_2023", "miluo_2017", "taiqian"} <= set(registry.ids)
    assert registry.broken == ()


def test_the_core_never_imports_a_pack_by_name():
    import re

    pattern = re.compile(r"^\s*(import|from)\s+govrules_pack_|import_module\(\s*[\"']govrules_pack_", re.M)
    for path in SRC.rglob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_a_broken_pack_does_not_hide_the_others(tmp_path):
    good = write(tmp_path, "good", MINI.format(id="good"))
    bad = write(tmp_path, "bad", MINI.format(id="bad").replace("total: 1", "total: 2"))
    reg = govrules.Registry.discover(group="govrules.none", plugins=[("p", plugin_for(good, bad))])
    assert reg.ids == ("good",)
    (broken,) = reg.broken
    assert broken.plugin == "p" and broken.where.endswith("bad/rubric.yaml")
    assert "add up to 1" in str(broken)
    with pytest.raises(govrules.PackNotFound) as err:
        reg.get("bad")
    assert "无法加载：p" in str(err.value)


def test_duplicate_pack_ids_are_refused_whatever_the_order(tmp_path):
    one = write(tmp_path, "one", MINI.format(id="same"))
    two = write(tmp_path, "two", MINI.format(id="same"))
    for order in ((one, two), (two, one)):
        reg = govrules.Registry.discover(group="govrules.none", plugins=[("a", plugin_for(order[0])), ("b", plugin_for(order[1]))])
        assert "same" not in reg
        assert len(reg.broken) == 2 and all("provided more than once" in b.summary for b in reg.broken)


def test_invalid_hook_implementations_are_rejected():
    class Wrong:
        @govrules.hookimpl
        def govrules_packs(self, extra):  # the spec takes no argument
            return []

    class Unknown:
        @govrules.hookimpl
        def govrules_no_such_hook(self):
            return []

    reg = govrules.Registry.discover(group="govrules.none", plugins=[("wrong", Wrong()), ("unknown", Unknown())])
    assert sorted(b.plugin for b in reg.broken) == ["unknown", "wrong"]
    assert all(b.summary.startswith("invalid plugin") for b in reg.broken)


def test_a_plugin_that_cannot_import_is_listed(monkeypatch):
    fake = [EntryPoint(name="ghost", value="govrules_no_such_module_xyz", group="govrules.packs")]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: fake)
    reg = govrules.Registry.discover()
    (broken,) = reg.broken
    assert broken.plugin == "ghost" and "cannot import" in broken.summary


def test_a_plugin_check_can_reject_a_pack(tmp_path):
    good = write(tmp_path, "good", MINI.format(id="good"))

    class HouseRules:
        @govrules.hookimpl
        def govrules_check_pack(self, pack):
            return [govrules.Problem(pack.origin, "本县要求每个包写明文号")] if not pack.spec.pack.document_number else []

    reg = govrules.Registry.discover(group="govrules.none", plugins=[("p", plugin_for(good)), ("house", HouseRules())])
    assert reg.ids == ()
    assert "本县要求每个包写明文号" in str(reg.broken[0])


def test_a_hook_that_raises_is_reported():
    class Raises:
        @govrules.hookimpl
        def govrules_packs(self):
            raise RuntimeError("disk on fire")

    reg = govrules.Registry.discover(group="govrules.none", plugins=[("r", Raises())])
    assert "disk on fire" in reg.broken[0].summary


def test_registries_are_independent(tmp_path):
    good = write(tmp_path, "good", MINI.format(id="good"))
    a = govrules.Registry.discover(group="govrules.none", plugins=[("p", plugin_for(good))])
    b = govrules.Registry.discover(group="govrules.none")
    assert "good" in a and "good" not in b


def test_a_pack_under_development_loads_from_a_path(tmp_path):
    path = write(tmp_path, "dev", MINI.format(id="dev"))
    assert govrules.load_pack(path.parent).id == "dev"


def test_loading_packs_does_not_import_the_assessment_machinery():
    # Commands that only list or lint packs start faster without it (cold start, issue 7).
    import subprocess
    import sys

    code = (
        "import sys, govrules; govrules.Registry.discover(); import govrules.cli; "
        "print(sorted(m for m in ('govrules.engine.compiled', 'govrules.engine.result', 'govrules.engine.inputs', 'govrules.engine.scoring', "
        "'govrules.engine.findings', 'govrules.engine.inference.durable', 'govrules.outputs.forms', 'durable_rules_engine') if m in sys.modules)); "
        "print(govrules.Result.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "Result"]
