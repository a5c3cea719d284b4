"""The ``govrules`` command.

Exit codes: 0 success; 1 bad input (pack, facts, a file that cannot be read),
reported on stderr as a list of problems; 2 bad usage (unknown option or
command), reported by click.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from . import __version__
from .errors import GovrulesError, Problem
from .pack import Pack, load_pack
from .registry import Registry

FORMATS = ("table", "json", "markdown")


class InputError(GovrulesError):
    """A command-line input (file, argument) cannot be used."""


def _fail(exc: GovrulesError) -> None:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    err.print(f"[bold red]错误[/]：{exc.summary}", markup=True)
    for p in exc.problems:
        err.print(f"  - {p}", markup=False)
    sys.exit(1)


def _pack(spec: str) -> Pack:
    """A pack by id (installed) or by path (a pack file or directory under development)."""
    path = Path(spec)
    if path.exists() and (path.is_dir() or path.suffix in (".yaml", ".yml")):
        return load_pack(path)
    return Registry.discover().get(spec)


def _read_input(path: str) -> Any:
    p = Path(path)
    try:
        text = sys.stdin.read() if path == "-" else p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"facts file not found: {path}", [Problem(path, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}", [Problem(path, str(exc))]) from None
    if p.suffix in (".yaml", ".yml"):
        from .yamlio import load_yaml_text

        try:
            return load_yaml_text(text, path).data
        except GovrulesError as exc:
            raise InputError(f"{path} is not valid YAML", exc.problems) from None
    from .inputs import parse_json

    try:
        return parse_json(text)
    except GovrulesError as exc:
        raise InputError(f"{path} is not valid JSON", [Problem(f"{path} {p.where}", p.message) for p in exc.problems]) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govrules")
def main() -> None:
    """govrules：政务公开考核评分（score 政务公开 assessment rubrics）."""


@main.command("packs")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True)
def packs_cmd(fmt_: str) -> None:
    """List installed packs (and broken ones, with their errors)."""
    registry = Registry.discover()
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "issuer": p.spec.pack.issuer,
            "year": p.spec.pack.year,
            "targets": [{"id": t.id, "name": t.name, "total": None if t.total is None else str(t.total)} for t in p.spec.targets],
            "version": p.version,
            "source": p.origin,
        }
        for p in registry.packs
    ]
    broken = [{"plugin": b.plugin, "where": b.where, "error": b.summary, "problems": [str(x) for x in b.problems]} for b in registry.broken]
    if fmt_ == "json":
        click.echo(json.dumps({"packs": rows, "broken": broken}, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    console = Console(highlight=False)
    t = Table(title="已安装的考核指标包")
    for col in ("编号", "名称", "发文单位", "年度", "考核对象", "版本"):
        t.add_column(col)
    for r in rows:
        targets = "、".join(f"{x['name']}({x['id']})" for x in r["targets"])
        t.add_row(r["id"], r["title"], r["issuer"], str(r["year"] or ""), targets, r["version"])
    console.print(t)
    for b in registry.broken:
        console.print(f"[red]无法加载[/] {b}", markup=True)


@main.command("schema")
@click.argument("pack")
@click.option("--target", "-t", required=True, help="考核对象 id, e.g. xiangzhen")
def schema_cmd(pack: str, target: str) -> None:
    """JSON Schema of a pack's facts for one target (for building forms)."""
    try:
        click.echo(json.dumps(_pack(pack).facts_schema(target), ensure_ascii=False, indent=2))
    except GovrulesError as exc:
        _fail(exc)


@main.command("score")
@click.argument("pack")
@click.argument("facts", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--target", "-t", default=None, help="考核对象 id (default: the input's target)")
@click.option("--format", "fmt_", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--evaluator", type=click.Choice(["durable", "reference"]), default="durable", show_default=True, hidden=True)
def score_cmd(pack: str, facts: str, target: str | None, fmt_: str, evaluator: str) -> None:
    """Score one unit: PACK is an installed pack id or a pack path; FACTS a JSON/YAML file (- for stdin)."""
    try:
        p = _pack(pack)
        result = p.assess(_read_input(facts), target, evaluator=evaluator)
    except GovrulesError as exc:
        _fail(exc)
        return
    if fmt_ == "json":
        click.echo(result.to_json())
    elif fmt_ == "markdown":
        from .report import markdown

        click.echo(markdown(result), nl=False)
    else:
        from .report import render_table

        # Wide enough for the document layout when piped or redirected.
        render_table(result, Console(highlight=False, width=None if sys.stdout.isatty() else 160))


if __name__ == "__main__":  # pragma: no cover
    main()
