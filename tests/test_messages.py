"""The message catalogue, and no English in what an office user reads.

Every shipped pack's examples and a few generated inputs are scored and
written in every office-facing format (terminal, Markdown, HTML, the Excel
workbook's cells, `show`, the fillable forms, the batch pages and workbook),
and every error a bad facts file, CSV row or workbook cell produces, and the
CLI's own usage and error text, are scanned for English words: runs of two or
more ASCII letters. Allowed are the pack's own ids (row, fact, target, reading
and pack ids, shown where they are ids), the document's own ASCII (its quotes
and source text), format and unit names (JSON, PDF, A4 …), option names and
the values a user types for them, file names, hashes and version stamps.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import re
import string
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from rich.console import Console

import govrules
from govrules import messages
from govrules.cli import main
from govrules.messages import clicktext, zh

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "govrules"
sys.path.insert(0, str(ROOT / "bench"))

WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
#: Words an office user meets as they are: formats, units, literals JSON and forms take, the program's name.
ALLOWED = {
    "JSON", "YAML", "Excel", "CSV", "XLSX", "PDF", "HTML", "UTF", "BOM", "ASCII",
    "json", "yaml", "yml", "xlsx", "xls", "csv", "html", "htm", "md", "markdown", "txt", "table", "text", "pdf",
    "true", "false", "null", "govrules", "sha256", "A4", "utf8", "Schema", "GOVRULES_DEBUG", "GOVRULES_CACHE", "head",
    "durable", "reference", "flat_unweighted", "points", "reason", "assessor", "raters", "ratings",
    "unit", "target", "facts", "self", "na", "evidence", "review", "score", "reviewer", "at",
    "packs", "show", "schema", "template", "batch", "diff", "pack", "new", "lint", "test", "serve", "install",
    "rubric", "source", "dev", "readme", "results", "forms", "units", "targets", "summary", "ranking", "index", "py",
    "yaml_language_server", "language", "server",
    "version", "title",  # the keys of a form's 基本信息 sheet, read back by name
    "HTTP", "GET", "POST", "Swagger", "UI", "MiB", "format", "pip", "curl", "localhost", "IP",  # serve's help: for whoever runs the service
}  # fmt: skip
#: Not words to read: hashes, file names, option names, HTTP header names, markup, URLs.
NOT_TEXT = re.compile(
    r"\b(?:facts|self_assessment|reviews|evidence|not_applicable|ratings)(?:\.[^\s:：]+|\[\d+\])+|'[^'\n]*'|\"[^\"\n]*\"|(?:/[\w.@{}-]+)+/?|sha256:[0-9a-f]+|\b[0-9a-f]{12,}\b|https?://\S+|--?[a-z][a-z-]*|\bX-[A-Z][A-Za-z-]*|<[^>]+>|\$schema=\S+"
    r"|[\w./-]+\.(?:json|yaml|yml|xlsx|csv|html|md|txt|pdf|py)\b|\bNNN_\S+|\b\w+\.(?:points|reason|score|reviewer|at)\b"
)


def pack_words(pack: govrules.Pack) -> set[str]:
    """The ASCII words a pack's sheets may show: its ids, and its document's own text."""
    spec = pack.spec
    out = {spec.pack.id}

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in ("id", "name", "fact", "facts", "reading", "rules", "source", "targets", "extends", "from_", "from", "done", "of", "set_reading"):
            out.update(WORD.findall(value))

    walk(spec.model_dump())
    # A tailoring's readings speak of its parent's rows.
    parent = re.search(r"^extends:\s*(\S+)", Path(pack.origin).read_text(encoding="utf-8"), re.M)
    if parent:
        out |= pack_words(govrules.Registry.discover().get(parent.group(1)))
    origin = Path(pack.origin).parent
    for f in origin.glob("*.txt"):
        out.update(WORD.findall(f.read_text(encoding="utf-8")))
    for q in re.findall(r"quote: *(.*)", Path(pack.origin).read_text(encoding="utf-8")):
        out.update(WORD.findall(q))
    return out


def english(text: str, allowed: set[str]) -> list[str]:
    lines = []
    for line in text.splitlines():
        words = [w for w in WORD.findall(NOT_TEXT.sub(" ", line)) if w not in ALLOWED and w not in allowed]
        if words:
            lines.append(f"{words}: {line.strip()[:160]}")
    return lines


def html_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def workbook_text(path_or_book: Any) -> str:
    wb = load_workbook(path_or_book) if isinstance(path_or_book, (str, Path)) else path_or_book
    out = []
    for ws in wb.worksheets:
        out.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            out.extend(str(v) for v in row if isinstance(v, str))
        for footer in (ws.oddFooter, ws.oddHeader):
            out.extend(p.text or "" for p in (footer.left, footer.center, footer.right))
    return "\n".join(out)


def inputs(pack: govrules.Pack) -> Iterator[dict[str, Any]]:
    import benchlib

    for f in sorted((Path(pack.origin).parent / "examples").glob("*.json")):
        yield json.loads(f.read_text(encoding="utf-8"))
    for target in pack.targets:
        yield from benchlib.InputGen(pack, target, seed=15, p_incomplete=0.3).batch(3)


@pytest.fixture(scope="module")
def registry_() -> govrules.Registry:
    return govrules.Registry.discover()


@pytest.fixture()
def cli(registry_, monkeypatch):
    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry_))
    runner = CliRunner()

    def run(*args: Any) -> Any:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, prog_name="govrules")

    return run


# ---------------------------------------------------------------- the catalogue


def _codes_used() -> set[str]:
    """Every literal catalogue code a call site in the library names."""
    code = re.compile(r"""(?:coded\(\s*(?:[^,()]+|[^,]*\([^()]*\)[^,]*),\s*|coded\(\s*|text_?\(\s*|render\(\s*|_coded\(\s*)"([a-z_]+\.[a-zA-Z_.]+)\"""")
    used = set()
    for f in SRC.rglob("*.py"):
        used.update(code.findall(f.read_text(encoding="utf-8")))
    return used


def test_every_code_a_call_site_names_is_in_the_catalogue():
    used = _codes_used()
    assert len(used) > 100  # the pattern finds the call sites
    missing = sorted(c for c in used if c not in zh.MESSAGES)
    assert missing == [], "\n".join(missing)


def test_every_template_formats_and_renders():
    for code, template in zh.MESSAGES.items():
        if code.startswith("click."):
            continue  # click formats these itself ({name!r})
        names = messages.placeholders(template)
        assert messages.render(code, {n: "X" for n in names}).count("{") == template.count("{{"), code
        list(string.Formatter().parse(template))


def test_a_problem_keeps_its_code_and_params_for_another_locale(datonghu):
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess({"target": "xiangzhen", "facts": {"foi_ok": "yes", "active_late_cout": 1}})
    problems = {p.where: p for p in err.value.problems}
    assert problems["facts.foi_ok"].code == "pydantic.bool_type" and problems["facts.foi_ok"].message == "应为 是 或 否（true 或 false）"
    unknown = problems["facts.active_late_cout"]
    assert unknown.code == "facts.unknown_name" and unknown.params["name"] == "'active_late_cout'"
    # Another locale is another catalogue with the same codes.
    messages.CATALOGUES["en"] = {"facts.unknown_name": "unknown name {name}{hint}", "hint.did_you_mean": "; did you mean {name}?"}
    try:
        assert messages.render(unknown.code, unknown.params, locale="en") == "unknown name 'active_late_cout'；是否想写 'active_late_count'？"
        assert messages.render("hint.did_you_mean", {"name": "'x'"}, locale="en") == "; did you mean 'x'?"
    finally:
        del messages.CATALOGUES["en"]
    assert err.value.code == "input.problems_summary" and err.value.to_dict()["code"] == "input.problems_summary"
    assert err.value.to_dict()["problems"][0]["code"]


def test_every_pydantic_error_type_a_facts_input_can_meet_is_translated(datonghu):
    # One wrong value of each kind of fact, and of the envelope: none falls back to the generic words.
    bad = [
        {"target": "xiangzhen", "facts": {"foi_ok": 1, "active_late_count": "3", "zone_missing": ["无此项"], "active_quality": {"points": 9, "reason": "x"}}},
        {"target": "xiangzhen", "facts": [], "evidence": 3, "reviews": [{"item": "xz.1"}], "self_assessment": {"xz.1": "二十"}},
        {"target": "xiangzhen", "unit": 5, "not_applicable": [], "reviews": {}},
    ]
    for data in bad:
        with pytest.raises(govrules.FactsError) as err:
            datonghu.assess(data)
        for p in err.value.problems:
            assert p.code not in (None, "pydantic.other"), (p, p.params)
            assert not english(p.message, pack_words(datonghu)), p


def test_click_s_own_messages_are_in_the_catalogue():
    import click

    folder = Path(click.__file__).parent
    msgid = re.compile(r'(?<![A-Za-z])n?g?e?t?t?e?x?t?_?\(\s*"((?:[^"\\]|\\.)*)"', re.S)
    found: set[str] = set()
    for name in clicktext.CLICK_MODULES:
        text = (folder / f"{name}.py").read_text(encoding="utf-8")
        found.update(m.encode().decode("unicode_escape") for m in re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)*)"', text))
        for singular, plural in re.findall(r'ngettext\(\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"', text):
            found.update((singular, plural))
    assert msgid  # (kept simple: the two patterns above)
    # Words only an interactive prompt or the editor prints: govrules never prompts.
    prompts = {"Aborted!", "Repeat for confirmation", "Error: The two entered values do not match.", "Error: invalid input", "Press any key to continue...",
               "Do you want to continue?", "{editor}: Editing failed", "{editor}: Editing failed: {e}", "Confirm the action without prompting.",
               "Unknown color {colour!r}", "Unknown standard stream '{name}'", "(dynamic)", "deprecated", "Windows error: {error}",
               "Name '{name}' defined twice", "Value must be an iterable.", "{value!r} is not a valid UUID.", "Choice({choices})",
               "{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}.", "d",
               "Invalid start character for option ({option})", "{name} {filename!r} is not executable.",
               # Errors in a command's own definition (a bug in govrules, not a user's mistake):
               "Arguments take exactly one parameter declaration, got", "Boolean option {decl!r} cannot use the",
               "Could not determine name for option with declarations {decls!r}", "No options defined but a name was passed ({name}).",
               "DeprecationWarning: The command {name!r} is deprecated.{extra_message}", "DeprecationWarning: The {param_type} {name!r} is deprecated.",
               "{len_type} values are required, but {len_value} was given.", "{len_type} values are required, but {len_value} were given."}  # fmt: skip
    missing = sorted(m for m in found - prompts if "click." + m not in zh.MESSAGES)
    assert missing == [], "\n".join(missing)


# ------------------------------------------------------------ office outputs


@pytest.mark.parametrize("pack_id", sorted(govrules.Registry.discover().ids))
def test_no_english_in_any_sheet_of_a_shipped_pack(registry_, pack_id):
    from govrules.outputs import html, report, xlsx
    from govrules.outputs.describe import describe, show_markdown, show_table

    pack = registry_.get(pack_id)
    allowed = pack_words(pack)
    found: list[str] = []
    for data in inputs(pack):
        result = pack.assess(data)
        buf = io.StringIO()
        report.render_table(result, Console(file=buf, width=160, color_system=None, highlight=False, soft_wrap=False))
        for name, text in (
            ("table", buf.getvalue()),
            ("markdown", report.markdown(result)),
            ("html", html_text(html.score_html(result))),
            ("xlsx", workbook_text(xlsx.score_workbook(result))),
        ):
            found += [f"{name}: {line}" for line in english(text, allowed)]
    for target in pack.targets:
        desc = describe(pack, target)
        buf = io.StringIO()
        Console(file=buf, width=200, color_system=None).print(show_table(desc))
        found += [f"show: {line}" for line in english(buf.getvalue() + "\n" + show_markdown(desc), allowed)]
    assert sorted(set(found)) == [], "\n".join(sorted(set(found)))


def test_no_english_in_forms_batch_pages_and_their_errors(registry_, cli, tmp_path):
    pack = registry_.get("datonghu_2023")
    allowed = pack_words(pack)
    found: list[str] = []
    # The fillable forms (their keys are the facts' names: ids where a file needs them).
    r = cli("template", "datonghu_2023", "-t", "乡镇", "-o", tmp_path / "表.xlsx")
    assert r.exit_code == 0
    found += english(workbook_text(tmp_path / "表.xlsx"), allowed)
    yaml_form = cli("template", "datonghu_2023", "-t", "乡镇").output
    found += english("\n".join(line.split(":", 1)[-1] for line in yaml_form.splitlines()), allowed)
    # A batch with a good row, an incomplete row and bad rows.
    (tmp_path / "units.csv").write_text(
        "单位,考核对象,active_late_count,zone_missing,new_media_incident_count,new_media_criticism_state_council,new_media_criticism_province,"
        "new_media_criticism_city,new_media_stale_periods,opinion_response_ok,foi_ok\n"
        "北洲子镇,乡镇,3,,0,0,0,0,0,是,是\n"
        "南湾湖,乡镇,1,,0,0,0,0,0,是,\n"
        "金盆镇,乡镇,三,无此项,0,0,0,0,0,也许,是\n"
        "千山红镇,乡镇长,0,,0,0,0,0,0,是,是\n",
        encoding="utf-8",
    )
    r = cli("batch", "datonghu_2023", tmp_path / "units.csv", "--out", tmp_path / "out")
    assert r.exit_code == 1
    found += english(r.stderr if r.stderr_bytes is not None else r.output, allowed)
    found += english(r.stdout, allowed)
    found += english(workbook_text(tmp_path / "out" / "summary.xlsx"), allowed)
    for page in [tmp_path / "out" / "index.html", *sorted((tmp_path / "out" / "units").glob("*.html"))]:
        found += english(html_text(page.read_text(encoding="utf-8")), allowed)
    # Bad facts: JSON syntax, wrong values, an unknown target.
    for text in ('{"facts": {', '{"target": "xiangzhen", "facts": {"foi_ok": "yes", "active_late_count": -1, "activ_late": 1, "zone_missing": "x"}}', '{"target": "xiangzen"}'):
        (tmp_path / "bad.json").write_text(text, encoding="utf-8")
        r = cli("score", "datonghu_2023", tmp_path / "bad.json")
        assert r.exit_code == 1
        found += english(r.output, allowed)
    assert sorted(set(found)) == [], "\n".join(sorted(set(found)))


def test_no_english_in_the_cli_s_usage_and_errors(cli, registry_):
    # The examples in --help name installed packs and their targets by id, as a user types them.
    ids = {w for pid in registry_.ids for w in (pid, *registry_.get(pid).targets)}
    found: list[str] = []
    for args in (["--help"], *[[c, "--help"] for c in ("packs", "show", "schema", "template", "score", "batch", "diff", "serve")],
                 ["score"], ["scroe"], ["show", "datonghu_2023", "--format", "docx"], ["show", "datonghu_2023", "--frmat", "x"],
                 ["score", "datonghu_2023", "a.json", "b"] , ["batch", "datonghu_2023"]):  # fmt: skip
        r = cli(*args)
        assert r.exit_code in (0, 1, 2), args
        assert "用法：" in r.output or "错误" in r.output, args
        found += [f"{args}: {line}" for line in english(r.output, ids)]
    assert sorted(set(found)) == [], "\n".join(sorted(set(found)))


# ---------------------------------------------------------------- the service

#: What a problem from the service names besides words: the parts of an HTTP request
#: (headers, methods) and the media types a client sends, as HTTP spells them.
HTTP_NAMES = {"Content", "Type", "Length", "Accept", "HEAD", "PUT", "DELETE", "application", "multipart", "image", "png",
              "path", "method", "body", "file", "parts", "names", "model", "docx", "x", "JavaScript"}  # fmt: skip
#: The form's texts: what form.js writes into the page (text:, placeholder:, text nodes, textContent) and its column heads.
FORM_TEXT = re.compile(r"""(?:\b(?:text|placeholder)\s*:\s*|createTextNode\(\s*|textContent\s*=\s*(?:[\w.]+\s*\|\|\s*)?)"((?:[^"\\\n]|\\.)*)"|\[((?:\s*"[^"\n]*",?)+)\]\.map""")


def service_answers(client: Any) -> Iterator[Any]:
    """One answer of each status the service gives besides 200, with the refusals office staff may meet in the form."""
    from datonghu_facts import xz

    assess = "/packs/datonghu_2023/assess"
    as_json = {"Content-Type": "application/json"}
    yield client.get("/no/such/path")  # 404
    yield client.get("/packs/datonghu_2032")  # 404, did-you-mean
    yield client.get("/packs/datonghu_2023/targets/xiangzen/schema")
    yield client.put(assess)  # 405
    yield client.post(assess + "?format=docx", json=xz())  # 400
    yield client.post(assess + "?model=x", json=xz())
    yield client.post(assess, content=b'{"facts": {', headers=as_json)
    yield client.post(assess, json=xz(), headers={"Accept": "image/png"})  # 406
    yield client.post(assess, content=b"{" * 5000, headers=as_json)  # 413 from Content-Length
    yield client.post(assess, content=iter([b"{" * 3000, b"{" * 3000]), headers=as_json)  # 413 while reading
    yield client.post(assess, content=b"a=b", headers={"Content-Type": "application/x-www-form-urlencoded"})  # 415
    yield client.post("/packs/datonghu_2023/batch", content=b"x", headers={"Content-Type": "text/plain"})
    yield client.post("/packs/datonghu_2023/batch", files={"other": ("a.csv", b"x", "text/csv")})  # 422: no file
    yield client.post("/packs/datonghu_2023/batch", content=b"--x\r\nbroken", headers={"Content-Type": "multipart/form-data; boundary=x"})
    yield client.post("/packs/datonghu_2023/batch", content="单位,备注\n甲,x\n".encode(), headers={"Content-Type": "text/csv"})
    yield client.post("/packs/datonghu_2023/batch", files=[("file", ("a.csv", b"x", "text/csv")), ("other", ("b.csv", b"x", "text/csv"))])  # two files
    yield client.post("/packs/datonghu_2023/batch?target=xiangzen", content="单位\n甲\n".encode(), headers={"Content-Type": "text/csv"})  # 400
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for body in ("单位\n甲\n".encode(), b"PK\x03\x04x", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), b"\x00\x01"):  # not workbooks
        yield client.post("/packs/datonghu_2023/batch", content=body, headers={"Content-Type": xlsx})
    for body in (b"PK\x03\x04\x00\x00", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "单位\n".encode("utf-16"), b"unit\x00\n"):  # not CSV text
        yield client.post("/packs/datonghu_2023/batch", content=body, headers={"Content-Type": "text/csv"})
    yield client.post(assess, json=xz(active_late_count=-1, foi_ok="yes"))  # 422
    yield client.post("/packs/datonghu_2023/cohort", json={"unit": "甲"})
    merged = "/packs/datonghu_2023/targets/乡镇/assess/merged"
    yield client.post(merged, json=[xz()])
    yield client.post(merged, json={"parts": 3, "names": [" "], "x": 1})
    yield client.post(merged, json={"parts": []})
    yield client.post(merged, json={"parts": [xz(), xz(active_late_count=2)]})  # a conflict


def test_no_english_in_the_service_s_answers_pages_and_form(registry_):
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from govrules.service import create_app
    from govrules.service.pages import ASSETS, TEMPLATES, _env

    client = TestClient(create_app(registry_, max_body=4096))
    # Every pack's id (the list of packs, a did-you-mean): ids, shown as ids.
    allowed = pack_words(registry_.get("datonghu_2023")) | HTTP_NAMES | set(registry_.ids)
    found: list[str] = []
    statuses = set()
    for answer in service_answers(client):
        body = answer.json()
        statuses.add(answer.status_code)
        texts = [body["summary"]] + [f"{p['where']}：{p['message']}" for p in body["problems"]]
        found += [f"{answer.status_code}: {line}" for line in english("\n".join(texts), allowed)]
    assert statuses == {400, 404, 405, 406, 413, 415, 422}
    # The pages, and the page shown when Swagger UI is not installed.
    for page in (client.get("/").text, client.get("/packs/datonghu_2023/targets/乡镇/form").text, _env().get_template("nodocs.html").render()):
        found += english(html_text(page), allowed)
    # The form's own texts, as form.js writes them into the page.
    script = (ASSETS / "form.js").read_text(encoding="utf-8")
    shown_texts = [a or b for a, b in FORM_TEXT.findall(script)]
    assert len(shown_texts) > 15 and any("均不缺少" in t for t in shown_texts) and any("编号" in t for t in shown_texts)
    found += [f"form.js: {line}" for line in english("\n".join(shown_texts), allowed)]
    assert (TEMPLATES / "form.html").exists()
    assert sorted(set(found)) == [], "\n".join(sorted(set(found)))
