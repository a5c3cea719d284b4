"""The compiled speed-ups (govrules/speedups.py): the same results either way, and never a stale extension."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from govrules import speedups

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(os.environ.get(speedups.PURE_ENV, "") not in ("", "0"), reason="pure Python asked for")
def test_the_suite_runs_the_compiled_modules():
    # python3 dev.py setup compiles them (durable-rules needs the same C compiler): the suite tests what users run.
    assert speedups.compiled(), speedups.status()


def test_pure_python_gives_the_recorded_results_byte_for_byte():
    # The suite runs compiled; the recorded results of every shipped pack are checked here as pure Python too.
    env = {**os.environ, speedups.PURE_ENV: "1", "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "recorded" / "record.py"), "--check"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and "byte-identical" in run.stdout, run.stdout + run.stderr
    probe = subprocess.run([sys.executable, "-c", "from govrules import speedups; print(speedups.compiled())"], env=env, capture_output=True, text=True)
    assert probe.stdout.strip() == "False"


@pytest.mark.skipif(not speedups.compiled(), reason="no compiled modules here")
def test_an_extension_compiled_from_another_version_of_its_source_is_not_imported(tmp_path):
    # An editable install after an edit: the .so beside the .py was compiled from the old source. The edited .py runs.
    copy = tmp_path / "govrules"
    shutil.copytree(ROOT / "src" / "govrules", copy, ignore=shutil.ignore_patterns("*.c", "__pycache__"))
    scoring = copy / "engine" / "scoring.py"
    scoring.write_text(scoring.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    code = "import govrules.engine.scoring as s, govrules.engine.result as r; from govrules import speedups; print(s.EDITED, s.__file__.endswith('.py'), r.__file__.endswith('.py'), speedups.status()['govrules.engine.scoring'])"
    run = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    edited, from_source, result_from_source, why = run.stdout.strip().split(" ", 3)
    assert (edited, from_source, result_from_source) == ("True", "True", "False")  # the unedited result module stays compiled
    assert why.startswith("source (its extension was compiled from another version")


def test_no_compiled_module_calls_super_without_arguments():
    # attrs' slotted classes are new classes: CPython's methods have their __class__ cell moved to them by attrs,
    # a compiled method's cannot be, and its super() then fails ("obj must be an instance or subtype of type").
    import ast

    for module in speedups.COMPILED:
        tree = ast.parse(speedups.source_of(module).read_text(encoding="utf-8"))
        bare = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "super" and not n.args]
        assert bare == [], (module, bare)
