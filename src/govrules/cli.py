"""The ``govrules`` command.

Commands: ``packs``, ``show``, ``schema``, ``template``, ``score``, ``batch``
(see ``docs/cli.md``).

Exit codes: 0 success; 1 bad input (a pack, facts, a file that cannot be read
or written, a batch row that failed), reported on stderr as a list of every
problem, without a traceback; 2 bad usage (unknown command or option, a
missing argument), reported by click.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from . import __version__
from .errors import GovrulesError, InputError, Problem
from .pack import Pack
from .registry import Registry
from .rubric.yamlio import ParseCache

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
WIDE = 160  # columns when the output is not a terminal (a file or a pipe)

SUFFIX_FORMATS = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml", ".txt": "table"}


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(exc: GovrulesError) -> NoReturn:
    err = _stderr()
    err.print(f"[bold red]错误[/]：{exc.summary}", markup=True, highlight=False)
    for p in exc.problems:
        err.print(f"  - {p}", markup=False)
    sys.exit(EXIT_INPUT)


def _installed() -> Registry:
    """The installed packs, their parsed files kept between runs (GOVRULES_CACHE=off: none kept)."""
    return Registry.discover(cache=ParseCache.default())


def _pack(spec: str) -> Pack:
    """A pack by id (installed) or by path (a pack file or directory under development)."""
    path = Path(spec)
    if path.exists() and (path.is_dir() or path.suffix in (".yaml", ".yml")):
        from .pack import build_pack, read_pack_file

        located, document, origin = read_pack_file(path)
        # A tailored pack under development extends an installed one.
        extends = located.data.get("extends") if isinstance(located.data, dict) else None
        return build_pack(located, document, origin, _installed() if extends else None)
    return _installed().get(spec)


def _target(pack: Pack, given: str | None) -> str:
    """The target to use: the one given (id or Chinese name), or the pack's only one."""
    from .outputs.forms import check_target

    return check_target(pack, given)


def _format(fmt_: str | None, out: str | None, allowed: tuple[str, ...], default: str) -> str:
    """The output format: as given, else from the --out file's suffix, else the default."""
    if fmt_ is not None:
        return fmt_
    if out:
        guessed = SUFFIX_FORMATS.get(Path(out).suffix.lower())
        if guessed in allowed:
            return guessed
    return default


def _console(out: Any = None) -> Console:
    if out is not None:
        return Console(file=out, width=WIDE, color_system=None, highlight=False, soft_wrap=False)
    return Console(highlight=False, width=None if sys.stdout.isatty() else WIDE)


def _write_text(text: str, out: str | None) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(InputError(f"无法写入 {out}", [Problem(out, exc.strerror or str(exc))]))


def _write_rich(renderable: Any, out: str | None) -> None:
    if out is None:
        _console().print(renderable)
        return
    try:
        with open(out, "w", encoding="utf-8") as fh:
            _console(fh).print(renderable)
    except OSError as exc:
        _fail(InputError(f"无法写入 {out}", [Problem(out, exc.strerror or str(exc))]))


def _save_workbook(wb: Any, out: str) -> None:
    try:
        wb.save(out)
    except OSError as exc:
        _fail(InputError(f"无法写入 {out}", [Problem(out, exc.strerror or str(exc))]))


def _need_out(fmt_: str, out: str | None) -> None:
    if fmt_ == "xlsx" and not out:
        raise click.UsageError("--format xlsx writes a workbook: give --out FILE.xlsx")


_FORMAT_HELP = "输出格式 output format (default: from --out's suffix, else {default})"
_OUT_HELP = "写入文件 write to FILE instead of standard output"
_TARGET_HELP = "考核对象 target, by id or name (e.g. xiangzhen or 乡镇); optional when the pack has one"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="govrules")
def main() -> None:
    """govrules：政务公开考核评分（score 政务公开 assessment rubrics）.

    \b
    PACK is an installed pack id (see `govrules packs`) or the path of a pack
    directory / rubric.yaml under development.

    \b
    Exit codes: 0 ok; 1 bad input (every problem listed on stderr);
    2 bad usage (unknown command or option, missing argument).
    """


# --------------------------------------------------------------------- packs


@main.command("packs")
@click.option("--format", "-f", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True, help="输出格式 output format")
def packs_cmd(fmt_: str) -> None:
    """已安装的指标包 List installed packs, and broken ones with their errors.

    \b
    Example:
      govrules packs
      govrules packs --format json
    """
    registry = _installed()
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "issuer": p.spec.pack.issuer,
            "document_number": p.spec.pack.document_number,
            "year": p.spec.pack.year,
            "targets": [{"id": t.id, "name": t.name, "total": None if t.total is None else str(t.total)} for t in p.spec.targets],
            "version": p.version,
            "document": p.spec.pack.source,
            "source": p.origin,
        }
        for p in registry.packs
    ]
    broken = [{"plugin": b.plugin, "where": b.where, "error": b.summary, "problems": [str(x) for x in b.problems]} for b in registry.broken]
    if fmt_ == "json":
        click.echo(json.dumps({"packs": rows, "broken": broken}, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    console = _console()
    t = Table(title="已安装的考核指标包")
    for col, kw in (("编号", {"no_wrap": True}), ("名称", {}), ("发文单位", {}), ("年度", {"no_wrap": True}), ("考核对象", {}), ("版本", {"no_wrap": True}), ("来源", {})):
        t.add_column(col, overflow="fold", **kw)
    for r in rows:
        targets = "、".join(f"{x['name']}({x['id']}{'，' + x['total'] + '分' if x['total'] else '，不计分'})" for x in r["targets"])
        issuer = r["issuer"] + (f"\n{r['document_number']}" if r["document_number"] else "")
        t.add_row(r["id"], r["title"], issuer, str(r["year"] or ""), targets, r["version"], r["source"])
    if rows:
        console.print(t)
    else:
        console.print("没有已安装的指标包 (no packs installed).")
    for b in registry.broken:
        console.print(f"[red]无法加载[/] {b.plugin}（{b.where}）：{b.summary}", markup=True, highlight=False)
        for p in b.problems:
            console.print(f"  - {p}", markup=False)


# ---------------------------------------------------------------------- show


@main.command("show")
@click.argument("pack")
@click.option("--target", "-t", default=None, help="只显示一个考核对象 show one target only, by id or name")
@click.option("--format", "-f", "fmt_", type=click.Choice(["table", "json", "markdown"]), default=None, help=_FORMAT_HELP.format(default="table"))
@click.option("--out", "-o", default=None, type=click.Path(dir_okay=False, writable=True), help=_OUT_HELP)
def show_cmd(pack: str, target: str | None, fmt_: str | None, out: str | None) -> None:
    """显示考核细则 Show a pack's rubric in the document's layout.

    One row per 一级 / 二级 / 三级指标 with its points per target, the 考核内容
    and 评分办法 text, each rule in words, caps, evidence and evaluation modes;
    then 加分 / 减分, 直接归零项, N/A and floor policies and the pack's readings.
    A pack without points is shown as a checklist.

    \b
    Example:
      govrules show datonghu_2023 --target 乡镇
      govrules show datonghu_2023 --format markdown --out rubric.md
    """
    from .outputs.describe import describe, show_markdown, show_table

    fmt_ = _format(fmt_, out, ("table", "json", "markdown"), "table")
    try:
        p = _pack(pack)
        desc = describe(p, _target(p, target) if target is not None else None)
    except GovrulesError as exc:
        _fail(exc)
    if fmt_ == "json":
        _write_text(json.dumps(desc, ensure_ascii=False, indent=2) + "\n", out)
    elif fmt_ == "markdown":
        _write_text(show_markdown(desc), out)
    else:
        _write_rich(show_table(desc), out)


# -------------------------------------------------------------------- schema


@main.command("schema")
@click.argument("pack")
@click.option("--target", "-t", default=None, help=_TARGET_HELP)
@click.option("--out", "-o", default=None, type=click.Path(dir_okay=False, writable=True), help=_OUT_HELP)
def schema_cmd(pack: str, target: str | None, out: str | None) -> None:
    """事实的 JSON Schema: the JSON Schema of a pack's facts for one target (for building forms).

    \b
    Example:
      govrules schema datonghu_2023 --target xiangzhen
    """
    try:
        p = _pack(pack)
        schema = p.facts_schema(_target(p, target))
    except GovrulesError as exc:
        _fail(exc)
    _write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", out)


# ------------------------------------------------------------------ template


@main.command("template")
@click.argument("pack")
@click.option("--target", "-t", default=None, help=_TARGET_HELP)
@click.option("--format", "-f", "fmt_", type=click.Choice(["yaml", "json", "xlsx"]), default=None, help=_FORMAT_HELP.format(default="yaml"))
@click.option("--out", "-o", default=None, type=click.Path(dir_okay=False, writable=True), help=_OUT_HELP + " (required for xlsx)")
def template_cmd(pack: str, target: str | None, fmt_: str | None, out: str | None) -> None:
    """空白填报表 Write a fillable facts file for one target.

    YAML (every fact, its label and how to fill it as comments), JSON (every
    fact, null), or an Excel form (one row per fact with an empty 值 column,
    plus 自评 and 复核 sheets). A fact left empty (null) is "not recorded":
    the items using it are not checked. `score` and `batch` read all three back.

    \b
    Example:
      govrules template datonghu_2023 --target 乡镇 --out 北洲子镇.yaml
      govrules template datonghu_2023 --target quzhi --format xlsx --out 区直.xlsx
    """
    from .outputs.forms import template_json, template_xlsx, template_yaml

    fmt_ = _format(fmt_, out, ("yaml", "json", "xlsx"), "yaml")
    _need_out(fmt_, out)
    try:
        p = _pack(pack)
        t = _target(p, target)
    except GovrulesError as exc:
        _fail(exc)
    if fmt_ == "xlsx":
        assert out is not None
        try:
            template_xlsx(p, t, out)
        except OSError as exc:
            _fail(InputError(f"无法写入 {out}", [Problem(out, exc.strerror or str(exc))]))
        _stderr().print(f"已写入 {out}", markup=False)
    elif fmt_ == "json":
        _write_text(template_json(p, t), out)
    else:
        _write_text(template_yaml(p, t), out)


# --------------------------------------------------------------------- score


@main.command("score")
@click.argument("pack")
@click.argument("facts", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--target", "-t", default=None, help="考核对象 target, by id or name (default: the input's target)")
@click.option(
    "--format", "-f", "fmt_", type=click.Choice(["table", "json", "markdown", "html", "xlsx"]), default=None, help=_FORMAT_HELP.format(default="table")
)
@click.option("--out", "-o", default=None, type=click.Path(dir_okay=False, writable=True), help=_OUT_HELP + " (required for xlsx)")
@click.option("--evaluator", type=click.Choice(["durable", "reference"]), default="durable", show_default=True, hidden=True)
@click.option(
    "--model",
    type=click.Choice(["flat_unweighted"]),
    default=None,
    help="评分模型 for a document that assigns no points: flat_unweighted = 符合项 ÷ 已检查项 × 100 (the result names it)",
)
def score_cmd(pack: str, facts: str, target: str | None, fmt_: str | None, out: str | None, evaluator: str, model: str | None) -> None:
    """评分 Score one unit and print its score sheet.

    FACTS is a JSON or YAML assessment, a filled-in Excel form (from
    `govrules template --format xlsx`), or - for JSON/YAML on stdin.

    The sheet follows the document's layout with 自评 and 复核 columns, every
    deduction with its reason and the document's words, N/A and missing
    evidence flagged, 复核 overrides (who, when, old → new, why), and 可挽回分值:
    the points each fix would restore, most first.

    \b
    Example:
      govrules score datonghu_2023 北洲子镇.json
      govrules score datonghu_2023 北洲子镇.yaml --format html --out 北洲子镇.html
      govrules score datonghu_2023 北洲子镇.xlsx --format json
    """
    fmt_ = _format(fmt_, out, ("table", "json", "markdown", "html", "xlsx"), "table")
    _need_out(fmt_, out)
    try:
        from .outputs.forms import read_assessment, target_id

        p = _pack(pack)
        data = read_assessment(facts, p)
        result = p.assess(data, target_id(p, target), evaluator=evaluator, model=model)
    except GovrulesError as exc:
        _fail(exc)
    if fmt_ == "json":
        from .outputs.report import result_json

        _write_text(result_json(result) + "\n", out)
    elif fmt_ == "markdown":
        from .outputs.report import markdown

        _write_text(markdown(result), out)
    elif fmt_ == "html":
        from .outputs.html import score_html

        _write_text(score_html(result), out)
    elif fmt_ == "xlsx":
        from .outputs.xlsx import score_workbook

        assert out is not None
        _save_workbook(score_workbook(result), out)
        _stderr().print(f"已写入 {out}", markup=False)
    else:
        from .outputs.report import table

        _write_rich(table(result), out)


# --------------------------------------------------------------------- batch


@main.command("diff")
@click.argument("base")
@click.argument("other")
@click.option("--format", "-f", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True)
def diff_cmd(base: str, other: str, fmt_: str) -> None:
    """比较 Compare two packs: rows added, removed, re-weighted or changed.

    OTHER is usually a tailoring of BASE (rows matched by their `from:`);
    either may be an installed pack id or a pack path.

    \b
    Example:
      govrules diff changsha_ref yuelu_2021
    """
    from .rubric.tailoring import diff

    try:
        d = diff(_pack(base), _pack(other))
    except GovrulesError as exc:
        _fail(exc)
    if fmt_ == "json":
        click.echo(json.dumps(d.to_dict(), ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    console.print(f"{d.other} 相对于 {d.base}：")
    console.print(f"  新增 {len(d.added)}：" + ("、".join(d.added) or "无"))
    console.print(f"  删除 {len(d.removed)}：" + ("、".join(d.removed) or "无"))
    console.print(f"  分值变化 {len(d.reweighted)}：")
    for c in d.reweighted:
        console.print(f"    {c.id}（来自 {c.parent_id}）：{c.points_before or '无分值'} → {c.points_after or '无分值'}")
    console.print(f"  内容变化 {len(d.changed)}：")
    for c in d.changed:
        console.print(f"    {c.id}（来自 {c.parent_id}）：{'、'.join(c.changes)}")
    console.print(f"  加减分变化 {len(d.ledgers)}：")
    for c in d.ledgers:
        console.print(f"    {c.id}：{'、'.join(c.changes)}")


@main.group("pack")
def pack_group() -> None:
    """编写指标包 Write and check packs: new, lint, test."""


@pack_group.command("new")
@click.argument("pack_id", metavar="ID")
@click.option("--dir", "parent", default="packs", show_default=True, type=click.Path(file_okay=False), help="where to create it")
@click.option("--title", default=None, help="the document's title")
@click.option("--target", default="xiangzhen", show_default=True, help="the first 考核对象 id")
@click.option("--target-name", default="乡镇", show_default=True, help="its Chinese name")
def pack_new(pack_id: str, parent: str, title: str | None, target: str, target_name: str) -> None:
    """Scaffold an installable pack: pyproject with the entry point, rubric.yaml,
    source.txt, an example facts file and a test using the conformance kit.

    \b
    Example:
      govrules pack new xx_county_2024 --title "某县2024年政务公开考核细则"
      pip install -e packs/xx_county_2024
    """
    from .rubric.authoring import scaffold

    try:
        root = scaffold(pack_id, parent, title, target, target_name)
    except GovrulesError as exc:
        _fail(exc)
    click.echo(f"created {root}")
    click.echo(f"next: edit {root}/src/govrules_pack_{pack_id}/rubric.yaml and source.txt, then")
    click.echo(f"  govrules pack lint {root}")
    click.echo(f"  pip install -e {root} && pytest {root}/tests")


@pack_group.command("lint")
@click.argument("path", type=click.Path(exists=True))
@click.option("--strict", is_flag=True, help="exit 1 on warnings too")
def pack_lint(path: str, strict: bool) -> None:
    """Check a pack file: every error (file, line, row) and warning at once.

    Errors are what stops the pack from loading: unknown facts (with
    did-you-mean), sums that do not match stated totals, duplicate ids,
    references to missing rules or readings, quotes not in the document.
    Warnings: an item with points but no rule, an unused fact, an amount
    larger than its item.
    """
    from .rubric.authoring import lint_path

    pack, errors, warnings = lint_path(path)
    for p in errors:
        click.echo(f"error: {p}")
    for p in warnings:
        click.echo(f"warning: {p}")
    if errors:
        click.echo(f"{len(errors)} error(s), {len(warnings)} warning(s)", err=True)
        sys.exit(1)
    click.echo(f"{pack.id}: ok, {len(warnings)} warning(s)")  # type: ignore[union-attr]
    if warnings and strict:
        sys.exit(1)


@pack_group.command("test")
@click.argument("path")
@click.option("--max-examples", default=50, show_default=True, help="hypothesis examples per property")
def pack_test(path: str, max_examples: int) -> None:
    """Run the conformance kit (govrules.testing) on a pack: PATH or installed id."""
    from .testing import run_conformance

    try:
        pack = _pack(path)
    except GovrulesError as exc:
        _fail(exc)
    try:
        report = run_conformance(pack, max_examples=max_examples)
    except GovrulesError as exc:
        _fail(exc)
    except AssertionError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(str(report))


@main.command("batch")
@click.argument("pack")
@click.argument("input_", metavar="INPUT", type=click.Path())
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False), help="输出目录 directory for the sheets and summaries (created if missing)")
@click.option("--target", "-t", default=None, help="考核对象 for rows that do not name one, by id or name")
@click.option("--format", "-f", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True, help="标准输出格式 what to print: the ranking table, or summary.json")
def batch_cmd(pack: str, input_: str, out: str, target: str | None, fmt_: str) -> None:
    """批量评分与排名 Score many units and rank them.

    INPUT is a directory of assessment files (.json / .yaml / .xlsx forms,
    one unit each), a CSV file, or an Excel workbook with one row per unit: a
    `unit` (单位) column, an optional `target` (考核对象) column, one column per
    fact (name or Chinese label; lists as 、-separated text; booleans 是/否),
    discretionary deductions as `<fact>.points` and `<fact>.reason`, and
    optional `self.<item>`, `na.<item>`, `evidence.<item>` and
    `review.<item>.score|reviewer|at|reason` columns.

    Writes into --out: units/NNN_<unit>.json and .html for every unit scored,
    summary.xlsx, ranking.csv, summary.json and index.html. Units are ranked
    per target (ties share a rank); incomplete units are listed apart, not
    ranked. A row that fails is reported with its file and row number, the
    rest are still scored, and the exit code is 1.

    \b
    Example:
      govrules batch datonghu_2023 units.csv --target 乡镇 --out results/
      govrules batch datonghu_2023 forms/ --out results/
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .outputs.batch import read_units, score_units, summary_data, write_outputs

    try:
        p = _pack(pack)
        t = _target(p, target) if target is not None else None
        batch = read_units(input_, p)
    except GovrulesError as exc:
        _fail(exc)

    err = _stderr()
    progress = Progress(
        TextColumn("评分中"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    with progress:
        task = progress.add_task("score", total=len(batch.units))
        score_units(batch, t, advance=lambda: progress.advance(task))

    out_dir = Path(out)
    try:
        if out_dir.exists() and not out_dir.is_dir():
            raise NotADirectoryError(f"{out} exists and is not a directory")
        written = write_outputs(batch, out_dir)
    except OSError as exc:
        _fail(InputError(f"无法写入 {out}", [Problem(out, getattr(exc, "strerror", None) or str(exc))]))

    if fmt_ == "json":
        click.echo(json.dumps(summary_data(batch), ensure_ascii=False, indent=2))
    else:
        _write_rich(_batch_table(batch), None)
        click.echo(f"已写入 {out_dir}：{len(written)} 个文件（summary.xlsx、ranking.csv、summary.json、index.html、units/）")

    for note in batch.skipped:
        err.print(f"[yellow]跳过[/] {note}", markup=True, highlight=False)
    if batch.input_problems:
        err.print(f"[bold red]错误[/]：输入 {batch.source} 有 {len(batch.input_problems)} 处问题", markup=True, highlight=False)
        for pr in batch.input_problems:
            err.print(f"  - {pr}", markup=False)
    if batch.failed:
        err.print(f"[bold red]错误[/]：{len(batch.failed)} 个单位未能评分（其余 {len(batch.units) - len(batch.failed)} 个已评分）", markup=True, highlight=False)
        for u in batch.failed:
            err.print(f"  {u.where}" + (f"（{u.unit}）" if u.unit else "") + "：", markup=False)
            for pr in u.problems:
                err.print(f"    - {pr}", markup=False)
    if not batch.ok:
        sys.exit(EXIT_INPUT)


def _batch_table(batch: Any) -> Any:
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from .numbers import fmt

    parts: list[Any] = []
    for tid, name, units in batch.groups():
        ranked = batch.ranked(tid)
        if ranked:
            t = Table(title=f"{batch.pack.title}（{name}）排名", box=box.SIMPLE_HEAVY)
            for col, kw in (("排名", {"justify": "right"}), ("单位", {}), ("总分", {"justify": "right"}), ("满分", {"justify": "right"}), ("自评合计", {"justify": "right"}), ("来源", {})):
                t.add_column(col, overflow="fold", **kw)
            for u in ranked:
                r = u.result
                t.add_row(str(u.rank), u.unit or "", fmt(r.total), fmt(r.max_total) or "", fmt(r.self_total) or "", u.where)
            parts.append(t)
        checklist = [u for u in units if u.state == "checklist"]
        if checklist:
            t = Table(title=f"{batch.pack.title}（{name}）逐项检查", box=box.SIMPLE_HEAVY)
            for col in ("单位", "符合", "不符合", "未检查", "不适用", "来源"):
                t.add_column(col, overflow="fold")
            for u in checklist:
                c = u.result.status_counts
                t.add_row(u.unit or "", str(c["pass"]), str(c["fail"]), str(c["notchecked"]), str(c["notapplicable"]), u.where)
            parts.append(t)
    if batch.incomplete:
        t = Table(title="未完成（不参加排名）", box=box.SIMPLE)
        for col in ("单位", "考核对象", "未检查的指标", "来源"):
            t.add_column(col, overflow="fold")
        for u in batch.incomplete:
            t.add_row(u.unit or "", u.result.target_name, "、".join(u.result.not_checked), u.where)
        parts.append(t)
    c = batch.counts()
    parts.append(Text(f"共 {c['total']} 个单位：已排名 {c['ranked']}，未完成 {c['incomplete']}" + (f"，逐项检查 {c['checklist']}" if c["checklist"] else "") + f"，出错 {c['failed']}"))
    return Group(*parts)


if __name__ == "__main__":  # pragma: no cover
    main()
