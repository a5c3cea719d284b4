"""Hostile input never escapes: the command line and the documents it writes (issue 17).

One test per reproducer from the issue, then two bounded hypothesis runs:
random command lines drawn from the real commands and options plus junk
(markup, control characters, very long strings, missing paths, ``-``), and
random unit names / reasons / reviewers through every score format.

The promises checked (docs/cli.md "Exit codes" and "Safety of exported
reports", docs/security.md): no traceback, an exit code from the documented
table, user text printed as typed — never read as rich markup, never a
Markdown link or a table row break, never an HTML element, never a
spreadsheet formula — and no control character reaching the terminal.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from openpyxl import load_workbook
from rich.console import Console

import govrules
from govrules.cli import main

ROOT = Path(__file__).resolve().parent.parent

#: What must never reach the terminal: C0 controls but tab and newline, DEL, C1,
#: and the invisible format characters (bidi overrides, zero-width).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
SGR = re.compile("\x1b\\[[0-9;]*m")  # the colours rich itself emits on a terminal

HOSTILE = [
    "[/]",
    "[link=https://evil.example]x[/link]",
    "[bold]b[/bold]",
    "[x](javascript:alert(1))",
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
    "\x9b2J",
    "\u202eevil\u202c",
    "a|b",
    "a\rb",
    "a\nb",
    "a\r\nb",
    "`code`",
    "<script>alert(1)</script>",
    "&lt;b&gt;",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "\x01=1+1",
    ":smile:",
    "# heading",
    "**bold**",
    "\\|",
    "x" * 3000,
]


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def examples() -> Path:
    pack = govrules.Registry.discover().get("datonghu_2023")
    return Path(pack.origin).parent / "examples"


@pytest.fixture(scope="module")
def base_input(examples: Path) -> dict:
    return json.loads((examples / "xiangzhen.json").read_text(encoding="utf-8"))


@pytest.fixture()
def runner(registry, monkeypatch) -> CliRunner:
    # In-process runs share one registry (discovering the installed packs takes a second).
    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry))
    return CliRunner()


def run(runner: CliRunner, *args: object, input: str | None = None):
    return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def hostile_input(base: dict, unit: str | None = None, reason: str | None = None, reviewer: str | None = None, review_reason: str | None = None) -> dict:
    data = copy.deepcopy(base)
    if unit is not None:
        data["unit"] = unit
    if reason is not None:
        data["facts"]["active_quality"] = {"points": 0.5, "reason": reason}
    if reviewer is not None:
        data["reviews"][0]["reviewer"] = reviewer
    if review_reason is not None:
        data["reviews"][0]["reason"] = review_reason
    return data


def write_input(tmp_path: Path, data: dict, name: str = "unit.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def clean(result) -> None:
    """No exception escaped, no traceback printed, nothing the terminal would act on."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert not CONTROL.search(out), repr(CONTROL.search(out))


def rendered(renderable) -> str:
    """What a library user's own console (markup on, a colour terminal) prints."""
    buf = io.StringIO()
    Console(file=buf, force_terminal=True, color_system="truecolor", width=200).print(renderable)
    return buf.getvalue()


def documented_exit_codes() -> set[int]:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m.group(1)) for m in re.finditer(r"^\|\s*(\d+)\s*\|", table, re.M)}


# ------------------------------------------------------------ the terminal


def test_markup_in_a_unit_name_or_a_reason_is_printed_as_typed(runner, base_input, tmp_path):
    path = write_input(tmp_path, hostile_input(base_input, unit="[/]", reason="原因 [/] 与 [bold]b[/bold]"))
    result = run(runner, "score", "datonghu_2023", path)
    clean(result)
    assert result.exit_code == 0
    assert "— [/]" in result.stdout
    assert "原因 [/] 与 [bold]b[/bold]" in result.stdout


def test_show_with_markup_as_the_pack_id_is_an_error_message(runner):
    result = run(runner, "show", "[/]")
    clean(result)
    assert result.exit_code == 1
    assert "错误：没有指标包 '[/]'" in result.stderr


def test_a_link_in_a_unit_name_is_not_a_hyperlink(runner, base_input, datonghu, tmp_path):
    unit = "[link=https://evil.example]点此[/link]"
    result = run(runner, "score", "datonghu_2023", write_input(tmp_path, hostile_input(base_input, unit=unit)))
    clean(result)
    assert unit in result.stdout
    # On a real terminal, with a console that reads markup: still no OSC 8 hyperlink.
    from govrules.outputs.report import table

    out = rendered(table(datonghu.assess(hostile_input(base_input, unit=unit))))
    assert "\x1b]8;" not in out and unit in SGR.sub("", out)


@pytest.mark.parametrize("text", ["\x1b[2J清屏", "\x1b]8;;https://evil.example\x07链接\x1b]8;;\x07", "\x9b2J", "\u202e反转\u202c", "\x07\x08响铃"])
def test_escape_sequences_in_user_text_never_reach_the_terminal(runner, base_input, datonghu, tmp_path, text):
    data = hostile_input(base_input, unit=text, reason=text, reviewer=text, review_reason=text)
    for fmt_ in ("table", "json", "markdown", "html"):
        result = run(runner, "score", "datonghu_2023", write_input(tmp_path, data), "--format", fmt_)
        clean(result)
        assert result.exit_code == 0
    from govrules.outputs.report import table

    out = SGR.sub("", rendered(table(datonghu.assess(data))))
    assert not CONTROL.search(out), repr(CONTROL.search(out))


@pytest.mark.parametrize(
    "args",
    [
        ["show", "\x1b[2Jnope"],
        ["show", "[bold]nope[/bold]", "--target", "\x1b]8;;x\x07t"],
        ["score", "datonghu_2023", "/nonexistent/\x1b[2J[/].json"],
        ["score", "nope\x9b", "-"],
        ["show", "datonghu_2023", "--target", "[/]\x1b[2J"],
        ["\x1b[2J[/]"],
        ["show", "datonghu_2023", "--format", "\x1b[2J"],
        ["show", "datonghu_2023", "--\x1b]8;;x\x07"],
        ["pack", "lint", "/nonexistent/\x1b[2J"],
        ["pack", "new", "\x1b[2J"],
    ],
)
def test_error_messages_quote_user_input_without_markup_or_controls(runner, args):
    result = run(runner, *args)
    clean(result)
    assert result.exit_code in (1, 2)
    assert result.stderr.strip() or result.stdout.strip()


def test_packs_lists_a_hostile_broken_pack_as_typed(runner, registry, monkeypatch):
    from govrules.errors import Problem
    from govrules.registry import BrokenPack, Registry

    broken = BrokenPack("[/]plugin\x1b[2J", "/x/[bold]rubric.yaml", "summary [/] \x1b]8;;x\x07", (Problem("rubric.yaml:3", "bad [link=x]y[/link]\r\nnext"),))
    monkeypatch.setattr(Registry, "discover", classmethod(lambda cls, *a, **k: Registry(registry.packs, [broken])))
    result = run(runner, "packs")
    clean(result)
    assert result.exit_code == 0
    assert "无法加载 [/]plugin[2J（/x/[bold]rubric.yaml）：summary [/] ]8;;x" in result.stdout
    assert "  - rubric.yaml:3: bad [link=x]y[/link] next" in result.stdout
    data = json.loads(run(runner, "packs", "--format", "json").stdout)
    assert data["broken"][0]["plugin"] == "[/]plugin\x1b[2J"  # JSON keeps the text, escaped


HOSTILE_PACK = """\
format: 1
pack:
  id: hostile_show
  version: 0.0.1
  title: "标题 [/] [link=https://evil.example]链接[/link] \\e[2J"
  issuer: "发文 | `code`"
  source: 测试用检查表
targets:
  - {id: town, name: "乡镇[/]"}
facts:
  - {name: trained, label: "是否培训 [bold]b[/bold] | x", type: boolean}
indicators:
  - id: zz
    name: "组织 [/] | [x](javascript:alert(1))"
    targets: [town]
    children:
      - id: zz.1
        name: "培训 \\e]8;;https://evil.example\\a点\\e]8;;\\a"
        source: "每年 | 至少 [/] 一次"
        rules:
          - {id: trained, kind: fixed, when: {fact: trained, is: false}, quote: "每年 | 至少 [/] 一次"}
"""


def test_show_prints_hostile_pack_text_as_typed(runner, tmp_path):
    d = tmp_path / "hostile_show"
    d.mkdir()
    (d / "rubric.yaml").write_text(HOSTILE_PACK, encoding="utf-8")
    try:
        govrules.load_pack(d / "rubric.yaml")
    except govrules.PackError:
        pytest.skip("pack loading refuses this text: nothing to show")
    table = run(runner, "show", d)
    clean(table)
    assert table.exit_code == 0, table.output
    assert "标题 [/] [link=https://evil.example]链接[/link] [2J" in table.stdout
    md = run(runner, "show", d, "--format", "markdown")
    clean(md)
    html = _md_html(md.stdout)
    assert "<a " not in html and "<code>" not in html
    row = next(line for line in md.stdout.splitlines() if line.startswith("| zz |"))
    header = next(line for line in md.stdout.splitlines() if line.startswith("| 编号 |"))
    assert row.count(" | ") == header.count(" | ")  # no pipe of theirs splits a cell


# --------------------------------------------------------------- Markdown


def _md_html(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").render(text)


def _md_rows(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("|"))


def test_line_breaks_and_pipes_in_a_reason_do_not_split_a_markdown_row(runner, base_input, tmp_path):
    plain = run(runner, "score", "datonghu_2023", write_input(tmp_path, base_input, "a.json"), "-f", "markdown").stdout
    for reason in ("前\r后", "前\n后", "前\r\n后", "前|后", "前\u2028后\x85尾", "前\\|后"):
        data = hostile_input(base_input, reason=reason, review_reason=reason, reviewer=reason)
        result = run(runner, "score", "datonghu_2023", write_input(tmp_path, data), "-f", "markdown")
        clean(result)
        out = result.stdout
        assert "\r" not in out
        assert _md_rows(out) == _md_rows(plain)
        assert _md_html(out).count("<tr>") == _md_html(plain).count("<tr>")
        xz1 = next(line for line in out.splitlines() if line.startswith("| xz.1 "))
        assert xz1.count(" | ") == next(line for line in plain.splitlines() if line.startswith("| xz.1 ")).count(" | ")


def test_a_javascript_link_in_a_reason_is_text_in_markdown(runner, base_input, tmp_path):
    data = hostile_input(base_input, unit="[单位](javascript:alert(1))", reason="见 [x](javascript:alert(1)) 与 <javascript:alert(1)> 和 `c`")
    result = run(runner, "score", "datonghu_2023", write_input(tmp_path, data), "-f", "markdown")
    clean(result)
    html = _md_html(result.stdout)
    assert "<a " not in html and "javascript:alert(1)" in html
    assert "<javascript" not in html and "&lt;javascript:alert(1)&gt;" in html
    assert "[x](javascript:alert(1))" in html  # shown as typed


# ------------------------------------------------------------------- HTML


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.unit: list[str] = []
        self._in_unit = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_unit = tag == "strong" and dict(attrs).get("class") == "unit"

    def handle_endtag(self, tag):
        self._in_unit = False

    def handle_data(self, data):
        if self._in_unit:
            self.unit.append(data)


def _parse_html(text: str) -> _Tags:
    p = _Tags()
    p.feed(text)
    p.close()
    return p


def test_html_escapes_every_user_string_and_links_none(runner, base_input, tmp_path):
    evil = '"><script>alert(1)</script><a href="javascript:alert(1)" style="x">'
    plain = _parse_html(run(runner, "score", "datonghu_2023", write_input(tmp_path, base_input, "a.json"), "-f", "html").stdout)
    data = hostile_input(base_input, unit=evil, reason=evil, reviewer=evil, review_reason=evil)
    result = run(runner, "score", "datonghu_2023", write_input(tmp_path, data), "-f", "html")
    clean(result)
    page = _parse_html(result.stdout)
    assert [t for t, _ in page.tags] == [t for t, _ in plain.tags]  # the same elements, no more
    assert "".join(page.unit) == evil
    for _, attrs in page.tags:
        for name in ("href", "src", "style"):
            assert name not in attrs


# ------------------------------------------------------------ pack new


def test_pack_new_into_an_impossible_directory_is_an_error_message(runner):
    result = run(runner, "pack", "new", "ok", "--dir", "/proc/nope")
    clean(result)
    assert result.exit_code == 1
    assert "错误：" in result.stderr and "/proc/nope" in result.stderr


def test_pack_new_with_a_hostile_title_still_loads(runner, tmp_path):
    title = 'a: "b" """ \\ {x} # c\n- [/] \x1b[2J'
    result = run(runner, "pack", "new", "hostile", "--dir", tmp_path, "--title", title, "--target-name", "乡镇: {y}\r\n")
    clean(result)
    assert result.exit_code == 0, result.output
    pack = govrules.load_pack(tmp_path / "hostile" / "src" / "govrules_pack_hostile" / "rubric.yaml")
    assert pack.title == 'a: "b" """ \\ {x} # c - [/] [2J'
    lint = run(runner, "pack", "lint", tmp_path / "hostile")
    assert lint.exit_code == 0, lint.output


# ------------------------------------------------------------------ Excel


FORMULAS = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\t=1+1", "\r=1+1", "\x01=1+1", "\x00\x0b=2"]


def _cells(path: Path):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


@pytest.mark.parametrize("text", FORMULAS)
def test_xlsx_never_holds_a_formula_from_user_text(runner, base_input, tmp_path, text):
    data = hostile_input(base_input, unit=text, reason=text, reviewer=text, review_reason=text)
    out = tmp_path / "s.xlsx"
    result = run(runner, "score", "datonghu_2023", write_input(tmp_path, data), "-o", out)
    clean(result)
    assert result.exit_code == 0, result.output
    texts = []
    for _, cell in _cells(out):
        assert cell.data_type != "f", cell.value
        if isinstance(cell.value, str):
            texts.append(cell.value)
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    assert any(t.startswith("'") for t in texts)


def test_xlsx_drops_the_control_characters_openpyxl_refuses(runner, base_input, tmp_path):
    text = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "单位"
    data = hostile_input(base_input, unit=text, reason="理由" + text, reviewer=text, review_reason=text)
    out = tmp_path / "s.xlsx"
    result = run(runner, "score", "datonghu_2023", write_input(tmp_path, data), "-o", out)
    clean(result)
    assert result.exit_code == 0, result.output
    assert any(cell.value == "单位" for _, cell in _cells(out))


# ------------------------------------------------------------ --out


def test_out_to_a_directory_an_unwritable_path_or_a_nul_is_exit_1(runner, examples, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    # Each command's own suffix (a suffix it cannot write is refused earlier, exit 2: test_office.py).
    for where in (lambda sfx: tmp_path, lambda sfx: blocker / f"x{sfx}", lambda sfx: f"/proc/x{sfx}", lambda sfx: str(tmp_path / f"a\x00b{sfx}")):
        for args in (
            ["score", "datonghu_2023", examples / "xiangzhen.json", "-f", "markdown", "-o", where(".md")],
            ["score", "datonghu_2023", examples / "xiangzhen.json", "-f", "xlsx", "-o", where(".xlsx")],
            ["show", "datonghu_2023", "-o", where(".md")],
            ["schema", "datonghu_2023", "-t", "xiangzhen", "-o", where(".json")],
            ["template", "datonghu_2023", "-t", "xiangzhen", "-f", "xlsx", "-o", where(".xlsx")],
        ):
            result = run(runner, *args)
            clean(result)
            assert result.exit_code == 1, (args, result.output)
            assert "错误：无法写入" in result.stderr


def test_a_nul_in_an_input_path_is_exit_1(runner):
    for args in (["score", "datonghu_2023", "a\x00b.json"], ["show", "a\x00b"], ["pack", "lint", "a\x00b"], ["score", "x" * 5000, "-"]):
        result = run(runner, *args)
        clean(result)
        assert result.exit_code == 1, (args, result.output)


# --------------------------------------------------- the last resort (subprocess)


def _env(**extra: str) -> dict:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env.pop("GOVRULES_DEBUG", None)
    env.update(extra)
    return env


_CRASH = """\
import sys
import govrules.cli as cli

def boom(spec):
    raise RuntimeError("boom [/] \\x1b[2J")

cli._pack = boom
sys.argv = ["govrules", "show", "datonghu_2023"]
cli.main()
"""


def test_an_unexpected_exception_is_one_line_and_exit_70():
    p = subprocess.run([sys.executable, "-c", _CRASH], capture_output=True, text=True, encoding="utf-8", env=_env(), timeout=120)
    assert p.returncode == 70 and 70 in documented_exit_codes()
    assert "Traceback" not in p.stderr and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("内部错误：RuntimeError: boom [/] [2J") and "请报告" in lines[0] and "GOVRULES_DEBUG=1" in lines[0]
    debug = subprocess.run([sys.executable, "-c", _CRASH], capture_output=True, text=True, encoding="utf-8", env=_env(GOVRULES_DEBUG="1"), timeout=120)
    assert debug.returncode == 70
    assert "Traceback" in debug.stderr and "RuntimeError: boom" in debug.stderr and "\x1b" not in debug.stderr


def _script() -> str:
    here = Path(sys.executable).parent / "govrules"
    assert here.exists(), "the govrules script is not installed"
    return str(here)


def test_ctrl_c_is_one_line_and_exit_130():
    p = subprocess.Popen([_script(), "score", "datonghu_2023", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until it is reading its standard input
            try:
                if "pipe" in Path(f"/proc/{p.pid}/wchan").read_text():
                    break
            except OSError:
                pass
            time.sleep(0.05)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 130 and 130 in documented_exit_codes()
    assert err.decode().strip().splitlines() == ["已中断"], err
    assert out == b""


def test_a_closed_standard_output_exits_quietly():
    p = subprocess.Popen([_script(), "show", "datonghu_2023", "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    p.stdout.close()  # like `| head -1`, closed before anything is read
    err = p.stderr.read()
    p.wait(timeout=120)
    assert err == b""
    assert p.returncode == 141 and 141 in documented_exit_codes()


def test_undecodable_bytes_in_arguments_are_an_error_message():
    p = subprocess.run([_script().encode(), b"show", b"\xff\xfe[/]"], capture_output=True, env=_env(), timeout=120)
    assert p.returncode == 1
    err = p.stderr.decode("utf-8")
    assert "Traceback" not in err and "错误：没有指标包" in err and "[/]" in err


# ------------------------------------------------------------- fuzz: argv

JUNK = st.sampled_from(
    [
        "[/]",
        "[bold]MK[/bold]",
        "[link=https://evil.example]LK[/link]",
        "\x1b[2J",
        "\x1b]8;;https://evil.example\x07E\x1b]8;;\x07",
        "\x9b1m",
        "\u202e",
        "a\x00b",
        "\r\n",
        "x" * 5000,
        "",
        " ",
        "-",
        "--",
        ".",
        "/",
        "/nonexistent/x.json",
        "/proc/nope",
        "in.json",
        "out.md",
        "out.xlsx",
        ":smile:",
        "%s{}",
        "乡镇",
    ]
) | st.text(max_size=20)

PACKS = st.sampled_from(["datonghu_2023", "taiqian", "datonghu_203"])
VALUES = st.sampled_from(["table", "json", "markdown", "html", "xlsx", "yaml", "xiangzhen", "乡镇", "quzhi", "flat_unweighted", "durable", "reference", "1"])
OPTIONS = st.sampled_from(
    ["--target", "-t", "--format", "-f", "--out", "-o", "--model", "--evaluator", "--dir", "--title", "--target-name", "--strict", "--max-examples", "-h", "--version", "--formt"]
)
COMMANDS = st.sampled_from([["packs"], ["show"], ["schema"], ["template"], ["score"], ["diff"], ["batch"], ["pack", "new"], ["pack", "lint"], ["pack", "test"], ["pack"], [], ["scor"]])


@st.composite
def argvs(draw) -> list[str]:
    command = draw(COMMANDS)
    rest = draw(st.lists(st.one_of(PACKS, JUNK, VALUES, OPTIONS), max_size=6))
    if command == ["pack", "test"]:  # the kit on a real pack takes seconds: junk only
        rest = [a for a in rest if a not in ("datonghu_2023", "taiqian")]
        rest.insert(0, draw(JUNK))
    return command + rest


def _markup_shown_as_typed(out: str) -> None:
    """A marker from the argv appears only with its markup around it (printed as typed, or escaped)."""
    for marker, tag in (("MK", "[bold]MK[/bold]"), ("LK", "[link=https://evil.example]LK[/link]")):
        escaped = tag.replace("[", "\\[").replace("]", "\\]")
        assert out.count(marker) == out.count(tag) + out.count(escaped), out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=argvs())
def test_fuzz_any_command_line_is_a_clean_exit(runner, examples, tmp_path_factory, argv):
    documented = documented_exit_codes()
    with contextlib.chdir(tmp_path_factory.mktemp("argv")):
        Path("in.json").write_text((examples / "xiangzhen.json").read_text(encoding="utf-8"), encoding="utf-8")
        result = run(runner, *argv)
    clean(result)
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.output)
    assert result.exit_code in documented
    if result.exit_code == 1:
        assert result.stderr.strip(), argv  # bad input is said on stderr
    if result.exit_code == 2:
        assert "错误：" in result.stderr or "用法：" in result.stderr, argv  # click's error, or the help of a bare group
    _markup_shown_as_typed(result.stdout + result.stderr)


# ------------------------------------------------- fuzz: every score format

TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))


def _visible(text: str) -> str:
    from govrules.untrusted import strip_controls

    return "".join(strip_controls(re.sub("[\r\n\x85\u2028\u2029]", " ", text)).split())


@pytest.mark.parametrize("char", ["\ufffe", "\uffff"])
def test_a_noncharacter_in_a_unit_name_leaves_a_workbook_that_opens(datonghu, base_input, char):
    # Found by the fuzz test below: XML 1.0 cannot hold U+FFFE or U+FFFF, and openpyxl wrote them raw.
    from govrules.outputs import xlsx

    result = datonghu.assess({**base_input, "unit": f"北洲{char}子镇"})
    buf = io.BytesIO()
    xlsx.score_workbook(result).save(buf)
    buf.seek(0)
    assert load_workbook(buf)["评分表"]["B2"].value == "北洲子镇"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(unit=TEXT, reason=TEXT, reviewer=TEXT, review_reason=TEXT)
def test_fuzz_user_text_through_every_score_format(datonghu, base_input, unit, reason, reviewer, review_reason):
    from govrules.outputs import html
    from govrules.outputs import report
    from govrules.outputs import xlsx

    try:
        result = datonghu.assess(hostile_input(base_input, unit=unit, reason=reason, reviewer=reviewer, review_reason=review_reason))
    except govrules.FactsError:
        assume(False)  # refused at the boundary (blank text, …): nothing to write
    plain = datonghu.assess(base_input)

    # table: a library user's console (markup on, colour terminal) prints it as typed
    out = rendered(report.table(result))
    assert not CONTROL.search(SGR.sub("", out)) and "\x1b]" not in out
    assert _visible(result.unit or "") in "".join(SGR.sub("", out).split())

    # json: round-trips
    data = json.loads(report.result_json(result))
    assert data["unit"] == result.unit

    # markdown: the same rows, no link, no code, no emphasis of theirs
    md, md_plain = report.markdown(result), report.markdown(plain)
    assert _md_rows(md) == _md_rows(md_plain)
    rendered_md, rendered_plain = _md_html(md), _md_html(md_plain)
    for tag in ("<tr>", "<a ", "<code>", "<em>", "<strong>", "<s>", "<del>", "<h1>", "<h2>", "<li>"):
        assert rendered_md.count(tag) == rendered_plain.count(tag), tag

    # html: the same elements, the unit shown as typed
    page, page_plain = _parse_html(html.score_html(result)), _parse_html(html.score_html(plain))
    assert [t for t, _ in page.tags] == [t for t, _ in page_plain.tags]
    from govrules.untrusted import strip_controls

    assert "".join(page.unit) == (strip_controls(result.unit) if result.unit else "（未填）")

    # xlsx: writes, and no cell is a formula
    buf = io.BytesIO()
    xlsx.score_workbook(result).save(buf)
    buf.seek(0)
    wb = load_workbook(buf)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    expected = xlsx.safe(result.unit or "").replace("\r\n", "\n").replace("\r", "\n")  # XML keeps no CR
    assert wb["评分表"]["B2"].value == (expected or None)


def test_a_key_given_twice_is_refused_by_score_and_batch(runner, tmp_path):
    # Issue 13: `govrules score` read {"target": "xiangzhen", "target": "quzhi"} as 区直, silently.
    twice = tmp_path / "twice.json"
    twice.write_text('{"target": "xiangzhen", "unit": "北洲子镇", "target": "quzhi", "facts": {"active_late_count": 1, "active_late_count": 2}}', encoding="utf-8")
    result = run(runner, "score", "datonghu_2023", twice)
    assert result.exit_code == 1
    assert "target: 键 'target' 在同一对象中出现两次" in result.output
    assert "facts.active_late_count: 键 'active_late_count' 在同一对象中出现两次" in result.output
    # The same file in a batch folder fails alone, with the same words.
    folder = tmp_path / "units"
    folder.mkdir()
    (folder / "a.json").write_text(twice.read_text(encoding="utf-8"), encoding="utf-8")
    result = run(runner, "batch", "datonghu_2023", folder, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "出现两次" in result.output


def test_a_number_with_more_places_than_the_pack_takes_is_refused(runner, tmp_path):
    # Issue 13: {"points": 5e-05} gave 99.99995; datonghu takes discretionary points in steps of 0.01.
    data = {"target": "xiangzhen", "facts": {"active_late_count": 0, "active_quality": {"points": 5e-05, "reason": "质量欠缺"}}}
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run(runner, "score", "datonghu_2023", path)
    assert result.exit_code == 1 and "facts.active_quality.points" in result.output and "0.01" in result.output


@pytest.mark.parametrize("prefix", ["govrules", "/govrules/", "/", "/a b", "/a\x1b[31m", "/政务", "//x", "/a/../b?x=1", "/..", "/a/.", "/a/..."])
def test_serve_refuses_a_root_path_that_is_not_a_plain_prefix(runner, prefix):
    result = run(runner, "serve", "--root-path", prefix)
    assert result.exit_code == 1
    assert "--root-path: 应以 / 开头" in result.output and "\x1b" not in result.output


@pytest.mark.parametrize("origin", ["https://portal.example:99999", "portal.example", "https://portal.example/", "https://portal.example/path", "ftp://portal.example", "https://a b", "https://x\x1b[31m", "null"])
def test_serve_refuses_a_cors_origin_that_is_not_an_origin(runner, origin):
    result = run(runner, "serve", "--cors-origin", "https://portal.example", "--cors-origin", origin)
    assert result.exit_code == 1
    assert "--cors-origin: 应为网页的来源" in result.output and "\x1b" not in result.output


@pytest.mark.parametrize("proxies", ["", "proxy.example", "10.0.0.1/8", "10.0.0.300", "10.0.0.5,", "10.0.0.5;10.0.0.6", "１０.0.0.5", "10.0.0.5\x1b[31m", "* ,10.0.0.5"])
def test_serve_refuses_proxies_that_are_not_addresses(runner, proxies):
    # uvicorn takes anything as a name no peer has, and trusts no proxy without a word.
    result = run(runner, "serve", "--forwarded-allow-ips", proxies)
    assert result.exit_code == 1
    assert "--forwarded-allow-ips: 应为反向代理的 IP 地址或网段" in result.output and "\x1b" not in result.output


def test_serve_says_which_option_when_it_cannot_listen(runner):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = run(runner, "serve", "--port", str(port))
    assert taken.exit_code == 1 and f"--port: 端口 {port} 已被占用" in taken.output and "Errno" not in taken.output
    # (uvicorn would print the banner, then an English error, and exit 3.)
    for host in ("bad host", "10.99.99.99", "\x1b[31mx"):
        refused = run(runner, "serve", "--host", host)
        assert refused.exit_code == 1 and "--host: 无法在" in refused.output and "\x1b" not in refused.output and "govrules serve: http" not in refused.output


def test_serve_s_banner_shows_the_port_it_listens_on():
    from govrules.cli import _free_to_listen

    # Port 0 is the free port the system gives: the banner (and uvicorn) are given that one, never ":0".
    assert _free_to_listen("127.0.0.1", 0) > 0
