"""The documentation's code runs, and its commands exist.

How code blocks are run
-----------------------

* Every ```python block in ``docs/**/*.md`` and ``README.md`` is run. The
  blocks of **one page run in order in one namespace**, fresh for each page:
  a later block may use what an earlier block of the same page defined (a
  pack loaded once, then assessed in the next block). Each page is one test,
  ``test_python_blocks[<page>]``; a failure names the block's first line.
* A block whose first line is ``# not run`` is skipped: fragments, code that
  needs files, a server or a pack that is not there.
* A block whose first line is ``# needs: <module>`` runs only where that
  module can be imported (Flask in ``docs/embedding.md``: not a dependency).
* A block introduced by a line ``File `<path>`:`` (the tutorial's pack files)
  is not run as page code: ``test_tutorial_pack`` writes those files to a
  temporary directory, loads the pack, scores its example and runs the pack's
  own test file from there.
* Blocks run in a temporary working directory, so they may write files.

Commands
--------

Every ``$ govrules …`` line of a ```console block (in every page, and at least
one in ``docs/tutorial.md``) must name a command that exists: ``govrules <cmd>
--help`` exits 0 through click's CliRunner, and every option the line uses is
an option of that command.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
import types
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from govrules.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md")) + [ROOT / "README.md"]

FENCE = re.compile(r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
FILE_LINE = re.compile(r"^File `(?P<path>[^`]+)`:\s*$")
NOT_RUN = "# not run"
NEEDS = re.compile(r"# needs: (?P<module>[A-Za-z_][\w.]*)")


class Block:
    def __init__(self, page: Path, line: int, lang: str, text: str, file: str | None):
        self.page, self.line, self.lang, self.text, self.file = page, line, lang, text, file

    def __repr__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, with the `File `…`:` line before each, if any."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m["fence"], (m["info"].split() or [""])[0].lower()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                break
            body.append(lines[i][len(m["indent"]) :] if lines[i].startswith(m["indent"]) else lines[i])
            i += 1
        i += 1
        prev = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        f = FILE_LINE.match(prev.strip())
        out.append(Block(page, start + 1, lang, "\n".join(body) + "\n", f["path"] if f else None))
    return out


def _frames(tb):  # type: ignore[no-untyped-def]
    while tb is not None:
        yield tb
        tb = tb.tb_next


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def runnable(block: Block) -> bool:
    """A python block of a page's own code that is not marked ``# not run``."""
    return block.lang == "python" and block.file is None and not block.text.lstrip().startswith(NOT_RUN)


PYTHON_PAGES = [p for p in PAGES if any(runnable(b) for b in blocks(p))]


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=page_id)
def test_python_blocks(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    module = types.ModuleType(f"docs_{page.stem}")
    namespace = module.__dict__
    namespace["__file__"] = str(tmp_path / f"{page.stem}.py")
    # A page's code may define classes or dataclasses that look up their module.
    monkeypatch.setitem(sys.modules, module.__name__, module)
    ran, missing = 0, []
    for block in filter(runnable, blocks(page)):
        needs = NEEDS.match(block.text.lstrip())
        if needs and importlib.util.find_spec(needs["module"]) is None:
            missing.append(needs["module"])
            continue
        code = compile(block.text, f"{block!r}", "exec")
        try:
            exec(code, namespace)
        except Exception as exc:  # the failing line's place in the docs, then the real error
            line = next((tb.tb_lineno for tb in _frames(exc.__traceback__) if tb.tb_frame.f_code.co_filename == f"{block!r}"), 1)
            text = block.text.splitlines()[line - 1].strip()
            where = f"{page_id(page)}:{block.line + line}"
            raise AssertionError(f"{where}: {text!r} failed: {type(exc).__name__}: {exc}") from exc
        ran += 1
    if not ran:
        pytest.skip(f"every block needs a module that is not installed: {', '.join(missing)}")


def test_every_mechanism_page_has_a_runnable_example() -> None:
    mechanisms = [p for p in sorted((DOCS / "mechanisms").glob("*.md")) if p.name != "index.md"]
    assert len(mechanisms) >= 21, "docs/mechanisms/ should have a page per mechanism"
    for page in mechanisms:
        assert any(runnable(b) for b in blocks(page)), f"{page_id(page)} has no runnable python example"


# ---------------------------------------------------------------------- the tutorial's pack


def test_tutorial_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tutorial's files, written out, give a pack that lints clean and passes its own tests."""
    from govrules.rubric.authoring import lint_path

    files = [b for b in blocks(DOCS / "tutorial.md") if b.file is not None]
    assert {Path(b.file).name for b in files} >= {"rubric.yaml", "source.txt", "xiangzhen.json"}
    for b in files:
        path = tmp_path / b.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(b.text, encoding="utf-8")
    rubric = next(tmp_path / b.file for b in files if b.file.endswith("rubric.yaml"))
    pack, errors, warnings = lint_path(rubric)
    assert not errors and not warnings, [str(p) for p in errors + warnings]
    tests = [tmp_path / b.file for b in files if b.lang == "python" and "/tests/" in b.file]
    assert tests, "the tutorial shows no test file"
    monkeypatch.chdir(tmp_path)
    for test_file in tests:
        namespace: dict = {"__file__": str(test_file), "__name__": "tutorial_test"}
        exec(compile(test_file.read_text(encoding="utf-8"), str(test_file), "exec"), namespace)
        for name, fn in sorted(namespace.items()):
            if name.startswith("test_") and callable(fn):
                if name == "test_conformance":
                    from govrules.testing import run_conformance

                    run_conformance(pack, max_examples=5, database=None)  # the kit itself, kept short here
                else:
                    fn()


# ---------------------------------------------------------------------- commands


def command_lines() -> list[tuple[str, str]]:
    out = []
    for page in PAGES:
        for b in blocks(page):
            if b.lang != "console":
                continue
            for line in b.text.splitlines():
                if line.startswith("$ govrules"):
                    out.append((f"{b!r}", line[2:].split("  #")[0].strip()))
    return out


COMMANDS = command_lines()


def test_the_tutorial_shows_commands() -> None:
    assert any(where.startswith("docs/tutorial.md") for where, _ in COMMANDS)


@pytest.mark.parametrize("where,line", COMMANDS, ids=[f"{w} {l}" for w, l in COMMANDS])
def test_command_exists(where: str, line: str) -> None:
    words = shlex.split(line)[1:]  # drop "govrules"
    command: click.Command = cli
    path: list[str] = []
    ctx = click.Context(cli)
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        sub = command.get_command(ctx, words[0])
        assert sub is not None, f"{where}: `govrules {' '.join(path + words[:1])}` is not a command"
        command, path, words = sub, path + [words[0]], words[1:]
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, f"{where}: `govrules {' '.join(path)} --help` exited {result.exit_code}: {result.output}"
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}
    for word in words:
        if word.startswith("-") and word != "-":
            name = word.split("=", 1)[0]
            assert name in known, f"{where}: `govrules {' '.join(path)}` has no option {name}"


# ------------------------------------------------------------- commands, run as written

RUN_LANGS = {"", "console", "sh", "shell", "bash", "text"}
#: The tutorial's commands build a pack step by step (lint fails, the files are fixed, lint
#: passes): test_tutorial_pack writes its files and runs them; here they are only checked to exist.
STEPWISE = {DOCS / "tutorial.md"}
PLACEHOLDER = re.compile(r"(?<![\w.-])[A-Z][A-Z_]{2,}(?![\w.-])")  # PACK, FACTS: a word to replace, not run
ERROR_OUTPUT = ("错误", "未完成：", "error:", "Error:", "Usage:", '"ok": false')  # the last: pack lint --format json


def runnable_commands() -> list[tuple[str, str, bool]]:
    """(where, command line, whether the docs show it failing) for every ``govrules …`` line of a code block."""
    out = []
    for page in PAGES:
        if page in STEPWISE:
            continue
        for b in blocks(page):
            if b.lang not in RUN_LANGS or b.file is not None:
                continue
            lines = b.text.splitlines()
            for n, line in enumerate(lines):
                text = line[2:] if line.startswith("$ govrules") else line if line.startswith("govrules ") else None
                if text is None or "[" in text or "…" in text or PLACEHOLDER.search(text):
                    continue  # a synopsis (govrules [--version] COMMAND …, score PACK FACTS), not a command
                if text.split()[1:2] == ["serve"]:
                    continue  # runs until stopped: the service's own tests start it (test_command_exists checks the line)
                shown = []
                for x in lines[n + 1 :]:
                    if x.startswith("$ "):
                        break
                    shown.append(x.strip())
                fails = any(x.startswith(ERROR_OUTPUT) for x in shown)  # the docs show it failing
                out.append((f"{page_id(page)}:{b.line + n + 1}", re.split(r"\s+#\s", text)[0].strip(), fails))
    return out


RUNNABLE = runnable_commands()


def test_every_command_line_is_run() -> None:
    lines = {line for _, line, _ in RUNNABLE}
    # The shipped sample inputs are what the docs score: score, batch from CSV and Excel, PDF.
    assert any(line.startswith("govrules score datonghu_2023 examples/北洲子镇.json") for line in lines)
    assert any("batch" in line and "examples/units.csv" in line for line in lines)
    assert any("batch" in line and "examples/units.xlsx" in line for line in lines)
    assert any(".pdf" in line for line in lines)


@pytest.mark.parametrize("where,line,fails", RUNNABLE, ids=[f"{w} {l}" for w, l, _ in RUNNABLE])
def test_command_runs_as_written(where: str, line: str, fails: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry) -> None:
    """In a copy of a fresh clone's files the docs use (examples/), the command exits as the docs show."""
    import shutil

    import govrules

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry))
    words = shlex.split(line)[1:]
    if "pdf" in line:
        try:
            from govrules.outputs.pdf import check_available

            check_available()
        except govrules.GovrulesError as exc:  # pragma: no cover - a machine without Pango
            pytest.skip(f"PDF output unavailable: {exc.problems[0].message}")
    result = CliRunner().invoke(cli, words, catch_exceptions=False)
    if fails:
        assert result.exit_code in (1, 2), f"{where}: `{line}` should fail as the docs show, exited {result.exit_code}: {result.output}"
    else:
        assert result.exit_code == 0, f"{where}: `{line}` exited {result.exit_code}: {result.output}"
