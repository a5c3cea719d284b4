"""The ``govrules`` command.

Commands: ``packs``, ``show``, ``schema``, ``template``, ``score``, ``batch``
(see ``docs/cli.md``).

Exit codes: 0 success; 1 bad input (a pack, facts, a file that cannot be read
or written, a batch row that failed), reported on stderr as a list of every
problem, without a traceback; 2 bad usage (unknown command or option, a
missing argument), reported by click; 70 an internal error (a bug: one line
on stderr, the traceback only with ``GOVRULES_DEBUG=1``); 130 interrupted
(Ctrl-C); 141 standard output closed early (``| head``), nothing printed.

Everything printed comes from people and files govrules does not control
(unit names, reasons, paths, pack text, arguments quoted in error messages):
it is printed as typed, never read as rich markup, and without control
characters (:mod:`govrules.untrusted`).
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn

import click
from rich.console import Console
from rich.text import Text

from . import __version__
from .errors import GovrulesError, InputError, Problem
from .messages import clicktext, text
from .pack import Pack
from .registry import Registry
from .untrusted import one_line, strip_controls, terminal_text
from .rubric.yamlio import ParseCache

clicktext.install()  # click's Usage/Error/Options in the catalogue's words, before any command is made

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in govrules
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_PIPE = 141  # 128 + SIGPIPE: whoever read the output went away
DEBUG_ENV = "GOVRULES_DEBUG"
WIDE = 160  # columns when the output is not a terminal (a file or a pipe)

_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain(text: object) -> str:
    """Text for the terminal: controls removed, undecodable bytes (lone surrogates from argv) shown as U+FFFD."""
    return _SURROGATE.sub("\ufffd", strip_controls(str(text)))


def _line(text: object) -> str:
    """Like :func:`_plain`, on one line."""
    return _SURROGATE.sub("\ufffd", one_line(str(text)))


#: Characters JSON does not escape but a terminal may act on (C1 controls, bidi overrides, …).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _json_safe(text: str) -> str:
    """JSON text with every control or invisible character written as a ``\\uXXXX`` escape (the same JSON value)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _json_text(data: Any) -> str:
    return _json_safe(json.dumps(data, ensure_ascii=False, indent=2))


SUFFIX_FORMATS = {
    ".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".xlsx": "xlsx",
    ".yaml": "yaml", ".yml": "yaml", ".txt": "table", ".pdf": "pdf", ".csv": "csv",
}  # fmt: skip


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def _fail(exc: GovrulesError) -> NoReturn:
    """Exit 1 with ``错误：<summary>`` and one line per problem on stderr (each quoting user text as typed)."""
    err = _stderr()
    err.print(Text.assemble(("错误", "bold red"), "：" + _line(exc.summary)))
    for p in exc.problems:
        err.print(Text("  - " + _line(p)))
    sys.exit(EXIT_INPUT)


def _cannot_write(out: str, why: str) -> NoReturn:
    _fail(InputError(f"无法写入 {out}", [Problem(out, why)]))


class _Path(click.Path):
    """A path argument, looked at only when it is used (click.Path's own checks exit 2, or crash on a NUL).

    A missing, unreadable or unwritable path is bad input (exit 1), reported
    by the command; a path holding a NUL character is refused here, exit 1.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        value = os.fsdecode(value) if isinstance(value, bytes) else str(value)
        if "\0" in value:
            name = param.opts[0] if param is not None and param.opts else "PATH"
            if param is not None and param.param_type_name == "argument":
                name = param.metavar or (param.name or "PATH").upper()
            what = "无法写入" if param is not None and param.name == "out" else "无法使用路径"
            _fail(InputError(f"{what} {value}", [Problem(name, text("cli.path_nul"))]))
        return value


def _check_out(out: str | None) -> None:
    """Refuse an --out that can never be written (exit 1), before any work is done."""
    if out is None:
        return
    if "\0" in out:
        _cannot_write(out, text("cli.path_nul"))
    try:
        is_dir = Path(out).is_dir()
    except (OSError, ValueError) as exc:
        _cannot_write(out, getattr(exc, "strerror", None) or str(exc))
    if is_dir:
        _cannot_write(out, text("cli.out_is_dir"))


def _installed() -> Registry:
    """The installed packs, their parsed files kept between runs (GOVRULES_CACHE=off: none kept)."""
    return Registry.discover(cache=ParseCache.default())


def _is_pack_path(path: Path) -> bool:
    try:
        return path.exists() and (path.is_dir() or path.suffix in (".yaml", ".yml"))
    except (OSError, ValueError):  # a name too long for a path, a NUL: not a path, so an id
        return False


#: Prefix that makes an argument an installed pack's id even where a directory has the same name.
INSTALLED_PREFIX = "id:"


def _pack_source(spec: str) -> tuple[str, str]:
    """Whether ``spec`` names a pack file or directory (``("path", spec)``) or an installed pack (``("id", id)``).

    A path that exists wins, as it always has; where a bare name is both an
    existing directory (or file) and the id of an installed pack, say so on
    stderr, and how to choose the other (``./NAME`` for the path, ``id:NAME``
    for the installed pack, either of which is never ambiguous).
    """
    if spec.startswith(INSTALLED_PREFIX):
        return "id", spec[len(INSTALLED_PREFIX) :]
    path = Path(spec)
    if not _is_pack_path(path):
        return "id", spec
    bare = "/" not in spec and os.sep not in spec and not spec.startswith(".") and path.suffix not in (".yaml", ".yml")
    if bare and spec in _installed():
        _stderr().print(
            Text(
                _line(
                    f"注意：{spec} 既是已安装的指标包，也是当前目录下的 {spec}；使用的是目录 ./{spec}"
                    f"（要用已安装的指标包，写 {INSTALLED_PREFIX}{spec}；要明确用目录，写 ./{spec}）"
                )
            )
        )
    return "path", spec


def _pack(spec: str) -> Pack:
    """A pack by id (installed) or by path (a pack file or directory under development)."""
    how, name = _pack_source(spec)
    if how == "path":
        from .pack import build_pack, read_pack_file

        located, document, origin = read_pack_file(Path(name))
        # A tailored pack under development extends an installed one.
        extends = located.data.get("extends") if isinstance(located.data, dict) else None
        return build_pack(located, document, origin, _installed() if extends else None)
    return _installed().get(name)


def _target(pack: Pack, given: str | None) -> str:
    """The target to use: the one given (id or Chinese name), or the pack's only one."""
    from .outputs.forms import check_target

    return check_target(pack, given)


def _format(fmt_: str | None, out: str | None, allowed: tuple[str, ...], default: str) -> str:
    """The output format: as given, else from the --out file's suffix, else the default.

    An --out whose suffix names a format the command cannot write (``score -o x.docx``,
    ``show -o rubric.xlsx``), or another format than the --format given (``-f json -o
    x.pdf``), is refused (exit 2) with the suffixes the command can write: a file is never
    written in a format its name does not say.
    """
    suffix = Path(out).suffix.lower() if out else ""
    if not suffix:  # no suffix (结果, -): the format given, or the default
        return fmt_ or default
    guessed = SUFFIX_FORMATS.get(suffix)
    writable = "、".join(s for s, f in SUFFIX_FORMATS.items() if f in allowed)
    if guessed not in allowed:
        raise click.UsageError(f"无法写入 {_line(out)}：不能写 {suffix} 文件；可写的文件后缀：{writable}")
    if fmt_ is not None and fmt_ != guessed:
        raise click.UsageError(f"无法写入 {_line(out)}：--format {fmt_} 与文件后缀 {suffix}（{guessed}）不符；可写的文件后缀：{writable}")
    return guessed  # type: ignore[return-value]


def _console(out: Any = None) -> Console:
    """A console that never reads markup or emoji codes in what it prints (user text is printed as typed)."""
    if out is not None:
        return Console(file=out, width=WIDE, color_system=None, highlight=False, soft_wrap=False, markup=False, emoji=False)
    return Console(highlight=False, width=None if _isatty(sys.stdout) else WIDE, markup=False, emoji=False)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _write_text(text: str, out: str | None) -> None:
    if out is None:
        click.echo(strip_controls(text), nl=False)  # our writers already escape; this is the last net
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except (OSError, ValueError) as exc:
        _cannot_write(out, getattr(exc, "strerror", None) or str(exc))


def _write_rich(renderable: Any, out: str | None) -> None:
    if out is None:
        _console().print(renderable)
        return
    try:
        with open(out, "w", encoding="utf-8") as fh:
            _console(fh).print(renderable)
    except (OSError, ValueError) as exc:
        _cannot_write(out, getattr(exc, "strerror", None) or str(exc))


def _save_workbook(wb: Any, out: str) -> None:
    try:
        wb.save(out)
    except (OSError, ValueError) as exc:
        _cannot_write(out, getattr(exc, "strerror", None) or str(exc))


def _need_out(fmt_: str, out: str | None) -> None:
    if fmt_ == "xlsx" and not out:
        raise click.UsageError("--format xlsx writes a workbook: give --out FILE.xlsx")
    if fmt_ == "pdf" and not out:
        raise click.UsageError("--format pdf 写入 PDF 文件：请用 --out 文件名.pdf 指定")


def _write_bytes(data: bytes, out: str) -> None:
    try:
        Path(out).write_bytes(data)
    except (OSError, ValueError) as exc:
        _cannot_write(out, getattr(exc, "strerror", None) or str(exc))
    _stderr().print(Text("已写入 " + _line(out)))



def _write_pdf(render: Callable[[], bytes], out: str | None) -> None:
    """A PDF rendered and written; a font or renderer that is missing is a clean error, not a traceback."""
    assert out is not None  # _need_out has asked for --out
    try:
        data = render()
    except GovrulesError as exc:
        _fail(exc)
    _write_bytes(data, out)

_FORMAT_HELP = "输出格式（默认：按 --out 的文件后缀，否则 {default}）"
_OUT_HELP = "写入文件，而不是标准输出"
_TARGET_HELP = "考核对象，写名称或编号（如 乡镇 或 xiangzhen）；指标包只有一类考核对象时可省略"


# ------------------------------------------------------------ the last resort


class _Interrupted(Exception):
    """Ctrl-C while a command ran (click would otherwise print a blank line and "Aborted!")."""


class _PipeClosed(Exception):
    """Standard output was closed by its reader (``govrules show … | head -1``)."""


def _quiet_stdout() -> None:
    """Point standard output at /dev/null so that flushing it at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(EXIT_PIPE)
    except (AttributeError, OSError, ValueError):
        pass


def _internal_error(exc: BaseException) -> NoReturn:
    """Exit 70 with one line naming the error; the traceback only when GOVRULES_DEBUG is set."""
    err = _stderr()
    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
        import traceback

        err.print(Text(_plain("".join(traceback.format_exception(exc)))))
    what = _line(f"{type(exc).__name__}: {exc}")
    if len(what) > 300:
        what = what[:300] + "…"
    err.print(
        Text.assemble(
            ("内部错误", "bold red"),
            f"：{what} —— 这是 govrules 的缺陷，请报告（附上命令和输入文件）；设置 {DEBUG_ENV}=1 可显示调用栈。",
        )
    )
    sys.exit(EXIT_INTERNAL)


class _Command(click.Command):
    """A command whose usage line says [选项] (click writes [OPTIONS])."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class _Group(click.Group):
    """A group of commands: [选项] 命令 [参数]... in its usage line, its commands made as :class:`_Command`."""

    command_class = _Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)


_Group.group_class = _Group


class _Guarded(_Group):
    """The ``govrules`` group: whatever happens, one clear message and a documented exit code.

    click's own messages (usage errors quoting an argument) are printed
    without control characters; Ctrl-C exits 130 with one line; a closed
    standard output exits 141 quietly; any other exception is a bug in
    govrules and exits 70 with one line (the traceback with GOVRULES_DEBUG=1).
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None
        except BrokenPipeError:
            raise _PipeClosed() from None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except SystemExit:
            _flush_stdout()
            raise
        except click.ClickException as exc:
            _flush_stdout()
            buf = io.StringIO()
            exc.show(file=buf)
            sys.stderr.write(_plain(buf.getvalue()))
            sys.exit(exc.exit_code)
        except click.exceptions.Abort as exc:
            if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
                self._interrupted()
            sys.stderr.write(text("cli.aborted") + "\n")
            sys.exit(EXIT_INPUT)
        except (KeyboardInterrupt, _Interrupted):
            self._interrupted()
        except (BrokenPipeError, _PipeClosed):
            _quiet_stdout()
            sys.exit(EXIT_PIPE)
        except Exception as exc:  # noqa: BLE001 - the last resort: a bug, reported in one line
            _internal_error(exc)
        _flush_stdout()
        # In this mode click returns the code of an explicit exit (--help, --version: 0).
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)

    @staticmethod
    def _interrupted() -> NoReturn:
        try:
            sys.stderr.write(text("cli.interrupted") + "\n")
        except (OSError, ValueError):
            pass
        sys.exit(EXIT_INTERRUPTED)


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="govrules", help="显示版本并退出。")
def main() -> None:
    """govrules：政务公开考核评分。

    \b
    指标包 是已安装指标包的编号（见 govrules packs），或正在编写的指标包目录、rubric.yaml 的路径。

    \b
    退出码：0 成功；1 输入有误（所有问题列在标准错误输出）；
    2 用法有误（未知的命令或选项、缺少参数）；
    70 内部错误（程序缺陷，请报告；设置 GOVRULES_DEBUG=1 可看到详细信息）；
    130 被中断；141 输出被提前关闭（如 | head）。
    """


# --------------------------------------------------------------------- packs


@main.command("packs")
@click.option("--format", "-f", "fmt_", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True, help="输出格式（markdown：项目说明中的指标包表）")
def packs_cmd(fmt_: str) -> None:
    """列出已安装的指标包，以及无法加载的指标包和它们的错误。

    \b
    示例：
      govrules packs
      govrules packs --format json
      govrules packs --format markdown   # 项目说明（README.md）中的表
    """
    from .outputs.catalogue import listing

    registry = _installed()
    if fmt_ == "markdown":
        from .outputs.describe import packs_markdown

        click.echo(packs_markdown(registry.packs), nl=False)
        return
    data = listing(registry)
    rows = data["packs"]
    if fmt_ == "json":
        click.echo(_json_text(data))
        return
    from rich.table import Table

    console = _console()
    t = Table(title=Text("已安装的考核指标包"))
    for col, kw in (("编号", {"no_wrap": True}), ("名称", {}), ("发文单位", {}), ("年度", {"no_wrap": True}), ("考核对象", {}), ("版本", {"no_wrap": True}), ("来源", {})):
        t.add_column(col, overflow="fold", **kw)
    for r in rows:
        targets = "、".join(f"{x['name']}({x['id']}{'，' + x['total'] + '分' if x['total'] else '，不计分'})" for x in r["targets"])
        issuer = r["issuer"] + (f"\n{r['document_number']}" if r["document_number"] else "")
        t.add_row(*[terminal_text(c) for c in (r["id"], r["title"], issuer, str(r["year"] or ""), targets, r["version"], r["source"])])
    if rows:
        console.print(t)
    else:
        console.print("没有已安装的指标包 (no packs installed).")
    for b in registry.broken:
        console.print(Text.assemble(("无法加载", "red"), " " + _line(f"{b.plugin}（{b.where}）：{b.summary}")))
        for p in b.problems:
            console.print(Text("  - " + _line(p)))


# ---------------------------------------------------------------------- show


@main.command("show")
@click.argument("pack", metavar="指标包")
@click.option("--target", "-t", default=None, help="只显示一类考核对象，写名称或编号")
@click.option("--format", "-f", "fmt_", type=click.Choice(["table", "json", "markdown", "html", "pdf"]), default=None, help=_FORMAT_HELP.format(default="table"))
@click.option("--out", "-o", default=None, type=_Path(), help=_OUT_HELP + "（pdf 必须指定）")
def show_cmd(pack: str, target: str | None, fmt_: str | None, out: str | None) -> None:
    """按原文件的版式显示考核细则。

    每个一级、二级、三级指标一行，列出各考核对象的分值、考核内容和评分办法，每条规则的文字说明、封顶、佐证和考核方式；然后是加分、减分、直接归零项、不适用和扣完为止的规定，以及指标包的各项解读。没有分值的文件按检查表显示。

    \b
    示例：
      govrules show datonghu_2023 --target 乡镇
      govrules show datonghu_2023 --format markdown --out rubric.md
      govrules show datonghu_2023 --target 乡镇 --out 考核细则.pdf
    """
    from .outputs.describe import describe, show_html, show_markdown, show_table

    fmt_ = _format(fmt_, out, ("table", "json", "markdown", "html", "pdf"), "table")
    _need_out(fmt_, out)
    _check_out(out)
    try:
        p = _pack(pack)
        desc = describe(p, _target(p, target) if target is not None else None)
    except GovrulesError as exc:
        _fail(exc)
    if fmt_ == "json":
        _write_text(_json_text(desc) + "\n", out)
    elif fmt_ == "markdown":
        _write_text(show_markdown(desc), out)
    elif fmt_ == "html":
        _write_text(show_html(desc), out)
    elif fmt_ == "pdf":
        from .outputs.pdf import rubric_pdf

        _write_pdf(lambda: rubric_pdf(desc), out)
    else:
        _write_rich(show_table(desc), out)


# -------------------------------------------------------------------- schema


@main.command("schema")
@click.argument("pack", metavar="指标包")
@click.option("--target", "-t", default=None, help=_TARGET_HELP)
@click.option("--out", "-o", default=None, type=_Path(), help=_OUT_HELP)
def schema_cmd(pack: str, target: str | None, out: str | None) -> None:
    """输出一类考核对象的事实的 JSON Schema（供制作填报表单）。

    \b
    示例：
      govrules schema datonghu_2023 --target xiangzhen
    """
    _format(None, out, ("json",), "json")
    _check_out(out)
    try:
        p = _pack(pack)
        schema = p.facts_schema(_target(p, target))
    except GovrulesError as exc:
        _fail(exc)
    _write_text(_json_text(schema) + "\n", out)


# ------------------------------------------------------------------ template


@main.command("template")
@click.argument("pack", metavar="指标包")
@click.option("--target", "-t", default=None, help=_TARGET_HELP)
@click.option("--format", "-f", "fmt_", type=click.Choice(["yaml", "json", "xlsx", "csv"]), default=None, help=_FORMAT_HELP.format(default="yaml；用 --units 时为 xlsx"))
@click.option("--out", "-o", default=None, type=_Path(), help=_OUT_HELP + "（xlsx 必须指定）")
@click.option("--assessor", "-a", default=None, help="负责考核部门或评议人：只含它所考核指标的事实的填报表，写明部门，供与其他部门的合并（见 score）")
@click.option("--units", is_flag=True, help="多单位填报表：每行一个单位（xlsx 或 csv），供 govrules batch 读取")
def template_cmd(pack: str, target: str | None, fmt_: str | None, out: str | None, assessor: str | None, units: bool) -> None:
    """生成一类考核对象的空白填报表。

    YAML（列出每个事实，以注释写明名称和填法）、JSON（每个事实为 null）或Excel 填报表（每个事实一行，值一列留空，另有自评、复核工作表）。留空（null）的事实为“未记录”：用到它的指标为未检查。score 和 batch 都能读回这三种格式。

    用 --assessor 时，生成一个部门（或评议人）的填报表：只含它所考核的指标（指标包写明负责考核部门的）的事实，并写明部门名称，以便score 指标包 部门1 部门2 … 合并各部分。

    \b
    示例：
      govrules template datonghu_2023 --target 乡镇 --out 北洲子镇.yaml
      govrules template datonghu_2023 --target quzhi --format xlsx --out 区直.xlsx

    用 --units 时：为一批单位生成每行一个单位的填报表，每个事实一列，列名为事实的中文名称，单元格带输入校验，另有“说明”工作表（xlsx），或只有表头行（csv）；govrules batch 能读回。

    \b
      govrules template datonghu_2023 --target 乡镇 --units --out 乡镇.xlsx
      govrules template datonghu_2023 --target 乡镇 --units --out 乡镇.csv
    """
    from .outputs.forms import template_json, template_xlsx, template_yaml

    if units and assessor is not None:
        raise click.UsageError("--units（多单位填报表）与 --assessor（一个部门的填报表）不能同时使用")
    if units:
        fmt_ = _format(fmt_, out, ("xlsx", "csv"), "xlsx")
    else:
        if fmt_ == "csv":
            raise click.UsageError("--format csv 只用于多单位填报表：请加 --units")
        fmt_ = _format(fmt_, out, ("yaml", "json", "xlsx"), "yaml")
    _need_out(fmt_, out)
    _check_out(out)
    try:
        p = _pack(pack)
        t = _target(p, target)
        if assessor is not None:
            assessor = assessor.strip()
            from .engine.merge import assessor_facts

            assessor_facts(p.view(t), assessor)  # an unknown department fails here, before any file is written
    except GovrulesError as exc:
        _fail(exc)
    if units:
        from .outputs.unitsheet import units_csv, units_xlsx

        if fmt_ == "csv":
            _write_text(units_csv(p, t), out)
            return
        assert out is not None
        try:
            units_xlsx(p, t, out)
        except OSError as exc:
            _cannot_write(out, exc.strerror or str(exc))
        _stderr().print(Text("已写入 " + _line(out)))
    elif fmt_ == "xlsx":
        assert out is not None
        try:
            template_xlsx(p, t, out, assessor)
        except OSError as exc:
            _cannot_write(out, exc.strerror or str(exc))
        _stderr().print(Text("已写入 " + _line(out)))
    elif fmt_ == "json":
        _write_text(template_json(p, t, assessor), out)
    else:
        _write_text(template_yaml(p, t, assessor), out)


# --------------------------------------------------------------------- score


@main.command("score")
@click.argument("pack", metavar="指标包")
@click.argument("facts", metavar="考核输入...", nargs=-1, required=True, type=_Path(allow_dash=True))
@click.option("--target", "-t", default=None, help="考核对象，写名称或编号（默认：输入中写明的考核对象）")
@click.option(
    "--format", "-f", "fmt_", type=click.Choice(["table", "json", "markdown", "html", "xlsx", "pdf"]), default=None, help=_FORMAT_HELP.format(default="table")
)
@click.option("--out", "-o", default=None, type=_Path(), help=_OUT_HELP + "（xlsx 和 pdf 必须指定）")
@click.option("--evaluator", type=click.Choice(["durable", "reference"]), default="durable", show_default=True, hidden=True)
@click.option(
    "--model",
    type=click.Choice(["flat_unweighted"]),
    default=None,
    help="评分模型，用于没有分值的文件：flat_unweighted = 符合项 ÷ 已检查项 × 100（结果中注明所用模型）",
)
def score_cmd(pack: str, facts: tuple[str, ...], target: str | None, fmt_: str | None, out: str | None, evaluator: str, model: str | None) -> None:
    """为一个单位评分并输出评分表。

    考核输入 是 JSON 或 YAML 考核输入、填好的 Excel 填报表（由 govrules template --format xlsx 生成），或 -（从标准输入读 JSON/YAML）。

    给出多个考核输入文件时，它们是同一单位考核的各部分（各部门考核的指标、各评议人的评议、自评、复核），各自写明送来的部门（assessor:）：先合并为一份考核输入，各部分之间的任何不一致都会报告，绝不自行取舍。

    评分表按原文件的版式，含自评、复核两列，每项扣分都有理由和原文，标出不适用和缺少佐证的指标，复核调整（谁、何时、原分 → 新分、理由），以及可挽回分值：每项整改可以挽回的分数，从多到少排列。

    \b
    示例：
      govrules score datonghu_2023 北洲子镇.json
      govrules score datonghu_2023 北洲子镇.yaml --format html --out 北洲子镇.html
      govrules score datonghu_2023 北洲子镇.xlsx --format json
      govrules score datonghu_2023 宣传部.json 教育局.json 河长办.json
      govrules score datonghu_2023 北洲子镇.json --out 北洲子镇.pdf
    """
    fmt_ = _format(fmt_, out, ("table", "json", "markdown", "html", "xlsx", "pdf"), "table")
    _need_out(fmt_, out)
    _check_out(out)
    try:
        from .outputs.forms import read_assessment, target_id

        p = _pack(pack)
        parts = [read_assessment(f, p) for f in facts]
        if len(parts) > 1 or (isinstance(parts[0], dict) and "assessor" in parts[0]):
            result = p.assess_merged(parts, list(facts), target_id(p, target), evaluator=evaluator, model=model)
        else:
            result = p.assess(parts[0], target_id(p, target), evaluator=evaluator, model=model)
    except GovrulesError as exc:
        _fail(exc)
    _name_blank_form_cells(result, facts)
    if fmt_ == "json":
        from .outputs.report import result_json

        _write_text(_json_safe(result_json(result)) + "\n", out)
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
        _stderr().print(Text("已写入 " + _line(out)))
    elif fmt_ == "pdf":
        from .outputs.pdf import score_pdf

        _write_pdf(lambda: score_pdf(result), out)
    else:
        from .outputs.report import table

        _write_rich(table(result), out)


def _name_blank_form_cells(result: Any, files: tuple[str, ...]) -> None:
    """For an incomplete result scored from Excel forms: each missing fact's 值 cell, on stderr, as batch names them."""
    if result.total is not None or not result.scored:
        return
    from .outputs.forms import form_cells, kind_of, open_workbook
    from .outputs.outcome import missing_facts

    cells: dict[str, str] = {}
    for f in files:
        if kind_of(f) == "xlsx":
            try:
                cells.update(form_cells(open_workbook(f), Path(f).name))
            except GovrulesError:
                continue
    lines = [f"  {cells[n]}：未填（{result.fact_label(n)}，{n}）" for n in missing_facts(result) if n in cells]
    if lines:
        _stderr().print(terminal_text("未完成：请填写以下单元格后重新评分\n" + "\n".join(lines)))


# --------------------------------------------------------------------- batch


@main.command("diff")
@click.argument("base", metavar="原指标包")
@click.argument("other", metavar="改编指标包")
@click.option("--format", "-f", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True)
def diff_cmd(base: str, other: str, fmt_: str) -> None:
    """比较两个指标包：新增、删除或改变的指标、加减分和解读，前后对照。

    改编指标包 通常是 原指标包 的改编（按各行注明的来源对应）；两者都可以是已安装指标包的编号或指标包路径。

    \b
    示例：
      govrules diff changsha_ref yuelu_2021
    """
    from .outputs.packdiff import diff, lines

    try:
        d = diff(_pack(base), _pack(other))
    except GovrulesError as exc:
        _fail(exc)
    if fmt_ == "json":
        click.echo(_json_text(d.to_dict()))
        return
    # One entry a line, never wrapped: a wrapped line would split a heading from its count.
    for line in lines(d):
        click.echo(_line(line))


@main.group("pack")
def pack_group() -> None:
    """编写和检查指标包：new（新建）、lint（检查）、test（一致性测试）、schema（格式说明）。"""


@pack_group.command("new")
@click.argument("pack_id", metavar="编号")
@click.option("--dir", "parent", default="packs", show_default=True, type=_Path(file_okay=False), help="在哪个目录下创建")
@click.option("--title", default=None, help="文件标题")
@click.option("--target", default="xiangzhen", show_default=True, help="第一类考核对象的编号")
@click.option("--target-name", default="乡镇", show_default=True, help="它的中文名称")
def pack_new(pack_id: str, parent: str, title: str | None, target: str, target_name: str) -> None:
    """新建一个可安装的指标包：含入口点的 pyproject、rubric.yaml、source.txt、一份示例考核输入和用一致性测试工具写的测试。

    \b
    示例：
      govrules pack new xx_county_2024 --title "某县2024年政务公开考核细则"
      pip install -e packs/xx_county_2024
    """
    from .rubric.authoring import scaffold

    try:
        root = scaffold(pack_id, parent, title, target, target_name)
    except GovrulesError as exc:
        _fail(exc)
    except (OSError, ValueError) as exc:  # scaffold reports these itself; this is the net
        _fail(InputError(f"cannot create the pack under {parent}", [Problem(parent, getattr(exc, "strerror", None) or str(exc))]))
    here = _line(root)
    click.echo(f"created {here}")
    click.echo(f"next: edit {here}/src/govrules_pack_{pack_id}/rubric.yaml and source.txt, then")
    click.echo(f"  govrules pack lint {here}")
    click.echo(f"  pip install -e {here} && pytest {here}/tests")


@pack_group.command("lint")
@click.argument("pack_", metavar="指标包")
@click.option("--strict", is_flag=True, help="有警告也以退出码 1 结束")
@click.option("--format", "-f", "fmt_", type=click.Choice(["text", "json"]), default="text", show_default=True, help="json：一个对象，列出每个问题的文件、行、指标、级别和说明（供持续集成和编辑器使用）")
def pack_lint(pack_: str, strict: bool, fmt_: str) -> None:
    """检查指标包：一次列出所有错误（文件、行、指标）和警告。

    指标包 是指标包目录、rubric.yaml 或已安装指标包的编号。错误是使指标包无法加载的问题：未知的字段和事实（附“是否想写”）、与所写总分不符的合计、重复的编号、引用不存在的规则或解读、原文中找不到的引文（附最接近的段落）。警告：有分值但没有规则的指标、未使用的事实、大于指标分值的扣分额、新建模板中未改的占位文字。
    """
    from .rubric.authoring import lint_path

    how, name = _pack_source(pack_)
    if how == "id":
        try:
            registry = _installed()
            path: str = registry.get(name).origin
        except GovrulesError as exc:
            if fmt_ != "json":
                _fail(exc)
            # Not a file: one problem with no place, saying what was asked for and what is installed.
            pack, errors, warnings = None, [Problem("", "; ".join([exc.summary, *map(str, exc.problems)]))], []
        else:
            pack, errors, warnings = lint_path(path, registry)
    else:
        pack, errors, warnings = lint_path(name)
    if fmt_ == "json":
        problems = [{"severity": severity, **p.located(), "message": p.message, "where": p.where}
                    for severity, group in (("error", errors), ("warning", warnings)) for p in group]
        report = {"pack": pack.id if pack is not None else None, "ok": not errors and not (strict and warnings),
                  "errors": len(errors), "warnings": len(warnings), "problems": problems}
        click.echo(_json_text(report))
    else:
        for p in errors:
            click.echo(f"error: {_line(p)}")
        for p in warnings:
            click.echo(f"warning: {_line(p)}")
        if errors:
            click.echo(f"{len(errors)} error(s), {len(warnings)} warning(s)", err=True)
        else:
            click.echo(f"{pack.id}: ok, {len(warnings)} warning(s)")  # type: ignore[union-attr]
    if errors or (warnings and strict):
        sys.exit(EXIT_INPUT)


@pack_group.command("schema")
@click.option("--out", "-o", default=None, type=_Path(), help=_OUT_HELP)
def pack_schema(out: str | None) -> None:
    """输出指标包格式（rubric.yaml）的 JSON Schema，含已安装的全部规则类型。

    供编辑器使用：在指标包第一行写 # yaml-language-server: $schema=pack.schema.json，并把本输出保存在它旁边。govrules 自带只含自身规则类型的格式说明（govrules/rubric/pack.schema.json）；本命令的输出还包括已安装插件的规则类型。

    \b
    示例：
      govrules pack schema -o packs/xx_county_2024/src/govrules_pack_xx_county_2024/pack.schema.json
    """
    from .kinds.vocabulary import Kinds
    from .rubric.formatschema import dumps, pack_format_schema

    _check_out(out)
    _write_text(dumps(pack_format_schema(Kinds.installed())), out)


@pack_group.command("test")
@click.argument("path", metavar="指标包")
@click.option("--max-examples", default=50, show_default=True, type=click.IntRange(1, 100_000), help="每条性质生成的测试样例数（hypothesis）")
def pack_test(path: str, max_examples: int) -> None:
    """对指标包运行一致性测试（govrules.testing）：指标包 为路径或已安装指标包的编号。"""
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
        click.echo(_plain(exc), err=True)
        sys.exit(1)
    click.echo(_plain(report))


#: Ranked units the terminal shows per target from the top, and as many from the bottom; the rest are in ranking.csv.
TERMINAL_RANKING = 20


@main.command("batch")
@click.argument("pack", metavar="指标包")
@click.argument("input_", metavar="输入", type=_Path())
@click.option("--out", "-o", required=True, type=_Path(file_okay=False), help="输出目录，存放评分表和汇总（不存在时新建）")
@click.option("--target", "-t", default=None, help="未写考核对象的行所用的考核对象，写名称或编号")
@click.option("--format", "-f", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True, help="标准输出的格式：排名表（table）或 summary.json（json）")
@click.option("--jobs", "-j", default=None, type=click.IntRange(1, 256), help="并行评分的进程数（默认：处理器核数）")
@click.option("--unit-sheets/--no-unit-sheets", default=None, help="是否写每个单位的评分表 units/NNN_<单位>.json 和 .html（默认：不超过 20000 个单位时写，超过时不写并提示）")
@click.option("--show", default=TERMINAL_RANKING, show_default=True, type=click.IntRange(0, 1_000_000), help="终端显示的排名行数：每个考核对象显示前 N 名和后 N 名；未完成、出错和逐项检查的单位最多显示 2N 个（标准输出和标准错误输出）")
@click.option("--pdf", "pdf", is_flag=True, help="另写 PDF 供归档：summary.pdf（排名汇总）和每个单位的考核表 units/NNN_单位.pdf")
def batch_cmd(pack: str, input_: str, out: str, target: str | None, fmt_: str, jobs: int | None, unit_sheets: bool | None, show: int, pdf: bool) -> None:
    """为多个单位批量评分并排名。

    输入 是考核输入文件所在的目录（.json / .yaml / .xlsx 填报表，每个文件一个单位）、CSV 文件，或每行一个单位的 Excel 工作簿：一列“单位”（unit），可选一列“考核对象”（target），每个事实一列（列名写事实的中文名称或名称；列表用“、”分隔；是否类写 是/否），酌情扣分写 <事实>.points 和 <事实>.reason 两列，可选 self.<指标>、na.<指标>、evidence.<指标> 和review.<指标>.score|reviewer|at|reason 各列。

    写入 --out 目录：每个评分单位的 units/NNN_<单位>.json 和 .html（默认只在不超过 20000 个单位时写）、summary.xlsx（可直接打印，含图表）、ranking.csv、summary.json、index.html 和每个考核对象的 targets/<考核对象>.html（排名和图表）；加 --pdf 时另写 summary.pdf 和 units/NNN_<单位>.pdf。按考核对象分别排名（同分同名次）；未完成的单位单独列出，不参加排名。出错的行会报告其文件和行号，其余照常评分，退出码为 1。单位分批读入、评分和写出，由 --jobs 个进程并行；结果与 --jobs 1 完全相同。

    \b
    示例：
      govrules batch datonghu_2023 units.csv --target 乡镇 --out results/
      govrules batch datonghu_2023 forms/ --out results/
      govrules batch datonghu_2023 province.csv --out 全省/ --no-unit-sheets
      govrules batch datonghu_2023 units.xlsx --target 乡镇 --out results/ --pdf
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from .outputs.streaming import run_batch

    try:
        p = _pack(pack)
        t = _target(p, target) if target is not None else None
        if pdf:
            from .outputs.pdf import check_available

            check_available()
    except GovrulesError as exc:
        _fail(exc)

    err = _stderr()
    progress = Progress(
        TextColumn("评分中"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    task: list[Any] = []

    def on_start(n: int) -> None:
        progress.start()  # after the workers are forked: the bar's thread is not copied into them
        task.append(progress.add_task("score", total=n))

    out_dir = Path(out)
    # What is loaded by now (the packs) outlives the batch: the cyclic collector leaves it alone until the batch is
    # done (the parent's CPU -6% at 20,000 units; the workers do the same, streaming._worker_init). The command's
    # own choice: the library's run_batch leaves its caller's collector as it is.
    gc.freeze()
    try:
        batch, written = run_batch(input_, p, out, target=t, jobs=jobs, unit_sheets=unit_sheets, pdf=pdf, on_start=on_start, advance=lambda k: progress.advance(task[0], k))
    except KeyboardInterrupt:
        progress.stop()
        err.print(Text(_line(f"已中断：{out} 保持原样（之前的结果未改动），写了一半的临时目录已删除。")))
        sys.exit(130)
    except GovrulesError as exc:
        progress.stop()
        _fail(exc)
    except OSError as exc:
        progress.stop()
        why = getattr(exc, "strerror", None) or str(exc)
        _fail(InputError(f"无法写入 {out}：{out} 保持原样（之前的结果未改动），临时目录已删除", [Problem(out, why)]))
    finally:
        gc.unfreeze()
    progress.stop()

    if fmt_ == "json":
        click.echo(_json_safe((out_dir / "summary.json").read_text(encoding="utf-8")), nl=False)
    else:
        _write_rich(_batch_table(batch, show), None)
        sheets = "、units/" if batch.unit_sheets else ""
        click.echo(_line(f"已写入 {out_dir}：{len(written)} 个文件（summary.xlsx、ranking.csv、summary.json、index.html{'、summary.pdf' if pdf else ''}、targets/{sheets}）"))

    if unit_sheets is None and not batch.unit_sheets:
        from .outputs.batch import UNIT_SHEETS_UP_TO

        err.print(Text.assemble(("提示", "yellow"), _line(f"：单位超过 {UNIT_SHEETS_UP_TO} 个，未写每个单位的评分表 units/（每个单位两个文件）；需要时加 --unit-sheets 重新运行")))
    for note in batch.skipped:
        err.print(Text.assemble(("跳过", "yellow"), " " + _line(note)))
    if batch.input_problems:
        err.print(Text.assemble(("错误", "bold red"), _line(f"：输入 {batch.source} 有 {len(batch.input_problems)} 处问题")))
        for pr in batch.input_problems:
            err.print(Text("  - " + _line(pr)))
    # Failed and incomplete units are listed as far as 2 × show units each, as the ranking is: a province's
    # thousand incomplete rows would bury the terminal (and cost the run a second); every one is in the files.
    if batch.failed:
        err.print(Text.assemble(("错误", "bold red"), f"：{len(batch.failed)} 个单位未能评分（其余 {len(batch.units) - len(batch.failed)} 个已评分）"))
        for u in batch.failed[: 2 * show]:
            err.print(Text(_line(f"  {u.where}" + (f"（{u.unit}）" if u.unit else "") + "：")))
            for pr in u.problems:
                err.print(Text("    - " + _line(pr)))
        if len(batch.failed) > 2 * show:
            err.print(Text(f"  …（其余 {len(batch.failed) - 2 * show} 个单位略，完整列表见 summary.xlsx「出错」、summary.json）"))
    if batch.incomplete:
        # The results are written (incomplete units listed apart); the exit code says the work is not done.
        from .outputs.batch import blank_cells

        err.print(Text.assemble(("未完成", "bold yellow"), _line(f"：{len(batch.incomplete)} 个单位有未填的必填项，不参加排名（结果已写入）")))
        for u in batch.incomplete[: 2 * show]:
            err.print(Text(_line(f"  {u.unit or u.where}：")))
            for cell in blank_cells(u, p):
                err.print(Text("    - " + _line(cell)))
        if len(batch.incomplete) > 2 * show:
            err.print(Text(f"  …（其余 {len(batch.incomplete) - 2 * show} 个单位略，完整列表见 summary.xlsx「未完成」、index.html）"))
    if not batch.ok or batch.incomplete:
        sys.exit(EXIT_INPUT)


#: A path prefix: segments of letters, digits and - . _ ~ (the characters a URL path never escapes), each after
#: a /, none of them only dots (a browser would resolve /a/.. away).
_ROOT_PATH = re.compile(r"(?:/(?!\.+(?:/|$))[A-Za-z0-9._~-]+)+")

#: An origin as a browser sends it: http or https, a host name or IPv4 address or [IPv6], an optional port; no path.
_ORIGIN = re.compile(r"https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?")


def _free_to_listen(host: str, port: int) -> int:
    """The port ``govrules serve`` will listen on, bound once and let go before uvicorn starts (as uvicorn binds it).

    uvicorn reports an unknown host or a port in use only after the banner, in English, with exit 3; here each is
    exit 1 naming the option. Port 0 becomes the free port the system gives, which the banner can then show.
    """
    import errno
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a port in TIME_WAIT is free
            s.bind((host, port))
            return int(s.getsockname()[1])
    except (OSError, UnicodeError, ValueError, OverflowError) as exc:
        code = getattr(exc, "errno", None)
        if code == errno.EADDRINUSE:
            _fail(InputError(f"无法监听端口 {port}", [Problem("--port", text("cli.port_in_use", port=port))]))
        if code == errno.EACCES:
            _fail(InputError(f"无法监听端口 {port}", [Problem("--port", text("cli.port_denied", port=port))]))
        _fail(InputError(f"无法监听地址 {host}", [Problem("--host", text("cli.host_unusable", host=host))]))


def _trusted_proxies(value: str) -> bool:
    """Whether ``value`` is ``*`` or a comma-separated list of IP addresses and networks (10.1.0.0/16, not 10.1.2.3/16).

    uvicorn would take anything else as a name no peer ever has, and trust no proxy without a word.
    """
    import ipaddress

    if value.strip() == "*":
        return True
    parts = [p.strip() for p in value.split(",")]
    try:
        for p in parts:
            if not p or not p.isascii():
                return False
            ipaddress.ip_network(p) if "/" in p else ipaddress.ip_address(p)
    except ValueError:
        return False
    return True


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（0.0.0.0：所有网络接口）")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="工作进程数；每个进程各自加载指标包，互不共享")
@click.option("--max-body", default=None, type=click.IntRange(1, 1 << 34), help="请求体上限（字节，默认 8 MiB）；超过的返回 413")
@click.option("--root-path", default="", help="经反向代理以路径前缀提供时的前缀，如 /govrules（代理转发时去掉该前缀）")
@click.option("--cors-origin", "cors_origins", multiple=True, help="允许其网页在浏览器中调用本接口的来源，如 https://portal.example（可重复；* 为任意来源）")
@click.option(
    "--forwarded-allow-ips",
    default=None,
    help="信任其 X-Forwarded-For 的反向代理地址（逗号分隔的 IP 或网段，如 10.0.0.5,10.1.0.0/16；* 为任意），访问日志记录其转发的客户端地址；默认 127.0.0.1",
)
def serve_cmd(
    host: str, port: int, workers: int, max_body: int | None, root_path: str, cors_origins: tuple[str, ...], forwarded_allow_ips: str | None
) -> None:
    """通过 HTTP 提供已安装的指标包，并在浏览器中提供填报表单。

    \b
    GET  /                                    指标包和它们的填报表单
    GET  /packs/{id}/targets/{target}/form    一类考核对象的填报表单：填入事实时得分随之更新
    POST /packs/{id}/assess                   送入考核输入，返回结果的 JSON（?format=html|markdown|xlsx 返回评分表）
    POST /packs/{id}/targets/{target}/assess  同上，/openapi.json 中列出该考核对象的事实类型
    POST /packs/{id}/batch                    上传 CSV 或 Excel，返回汇总
    GET  /openapi.json, /docs                 接口说明和 Swagger UI（本地提供）

    需要安装 serve 附加组件：pip install 'govrules[serve]'。见 docs/service.md。

    \b
    示例：
      govrules serve --port 8000
      curl -s localhost:8000/packs
      govrules serve --root-path /govrules    # 代理把 /govrules/… 转发到本服务的 /…
      govrules serve --cors-origin https://portal.example    # 该来源的网页可在浏览器中调用接口
      govrules serve --forwarded-allow-ips 10.0.0.5    # 信任该代理的 X-Forwarded-For：访问日志记录原客户端地址
    """
    if root_path and not _ROOT_PATH.fullmatch(root_path):
        _fail(InputError(f"无法使用路径前缀 {root_path}", [Problem("--root-path", text("cli.root_path"))]))
    for origin in cors_origins:
        match = _ORIGIN.fullmatch(origin)
        if origin != "*" and (match is None or int(match.group(1) or 0) > 65535):  # group 1: the port
            _fail(InputError(f"无法使用来源 {origin}", [Problem("--cors-origin", text("cli.cors_origin"))]))
    if forwarded_allow_ips is not None and not _trusted_proxies(forwarded_allow_ips):
        _fail(InputError(f"无法使用代理地址 {forwarded_allow_ips}", [Problem("--forwarded-allow-ips", text("cli.forwarded_allow_ips"))]))
    try:
        import uvicorn

        from .service.accesslog import uvicorn_log_config
        from .service.app import CORS_ENV, MAX_BODY_ENV
        from .service.body import DEFAULT_MAX_BODY
    except ImportError as exc:
        _fail(InputError("无法启动 govrules serve", [Problem.coded("serve", "cli.serve_extra_missing", module=exc.name)]))
    os.environ[MAX_BODY_ENV] = str(max_body or DEFAULT_MAX_BODY)  # the worker processes read them
    os.environ[CORS_ENV] = " ".join(cors_origins)
    port = _free_to_listen(host, port)
    via = f"；页面经代理以 {root_path}/ 访问" if root_path else ""
    shown_host = f"[{host}]" if ":" in host else host  # an IPv6 address, bracketed as in a URL
    _stderr().print(Text(_line(f"govrules serve: http://{shown_host}:{port}/ （{workers} 个进程{via}；Ctrl-C 停止）")))
    # uvicorn's access line has no request id: the app logs its own (govrules.service.accesslog).
    proxies = {"forwarded_allow_ips": forwarded_allow_ips} if forwarded_allow_ips is not None else {}
    uvicorn.run(
        "govrules.service.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        root_path=root_path,
        log_level="info",
        log_config=uvicorn_log_config(),
        access_log=False,
        **proxies,
    )


def _batch_table(batch: Any, show: int = 20) -> Any:
    """The ranking tables; every cell a plain Text (unit names and sources printed as typed).

    A long ranking shows its first and last ``show`` units and says where the
    whole of it is: printing 40,000 rows took a sixth of a province's run.
    """
    from rich import box
    from rich.console import Group
    from rich.table import Table as RichTable

    from .numbers import fmt

    class Table(RichTable):
        def __init__(self, *args: Any, title: str = "", **kw: Any) -> None:
            super().__init__(*args, title=terminal_text(title), **kw)

        def add_row(self, *cells: Any, **kw: Any) -> None:
            super().add_row(*[terminal_text(c) for c in cells], **kw)

    parts: list[Any] = []
    for tid, name, units in batch.groups():
        ranked = batch.ranked(tid)
        if ranked:
            t = Table(title=f"{batch.pack.title}（{name}）排名", box=box.SIMPLE_HEAVY)
            graded = batch.graded
            columns = (("排名", {"justify": "right"}), ("单位", {}), ("总分", {"justify": "right"}), *((("等次", {}),) if graded else ()), ("满分", {"justify": "right"}), ("自评合计", {"justify": "right"}), ("来源", {}))
            for col, kw in columns:
                t.add_column(col, overflow="fold", **kw)
            shown = ranked if len(ranked) <= 2 * show else ranked[:show] + [None] + ranked[-show:]
            for u in shown:
                if u is None:
                    t.add_row("…", f"（中间 {len(ranked) - 2 * show} 个单位略，完整排名见 ranking.csv、summary.xlsx）", "", *(("",) if graded else ()), "", "", "")
                    continue
                r = u.outcome
                grade = (r.grade_cell or "",) if graded else ()
                t.add_row(str(u.rank), u.unit or "", fmt(r.total), *grade, fmt(r.max_total) or "", r.self_cell if isinstance(r.self_cell, str) else fmt(r.self_cell) or "", u.where)
            parts.append(t)
        checklist = batch.in_state("checklist", tid)
        if checklist:
            t = Table(title=f"{batch.pack.title}（{name}）逐项检查", box=box.SIMPLE_HEAVY)
            for col in ("单位", "符合", "不符合", "未检查", "不适用", "来源"):
                t.add_column(col, overflow="fold")
            listed = checklist if len(checklist) <= 2 * show else checklist[: 2 * show]
            for u in listed:
                c = u.outcome.status_counts
                t.add_row(u.unit or "", str(c["pass"]), str(c["fail"]), str(c["notchecked"]), str(c["notapplicable"]), u.where)
            if len(listed) < len(checklist):
                t.add_row("…", f"（其余 {len(checklist) - len(listed)} 个单位略，完整列表见 ranking.csv、index.html）", "", "", "", "")
            parts.append(t)
    incomplete = batch.incomplete
    if incomplete:
        # Listed as far as 2 × show units, as a ranking is: a province's thousand incomplete rows are in the files.
        t = Table(title="未完成（不参加排名）", box=box.SIMPLE)
        columns = ("单位", "考核对象", "未检查的指标", *(("等次",) if batch.graded else ()), "来源")
        for col in columns:
            t.add_column(col, overflow="fold")
        listed = incomplete if len(incomplete) <= 2 * show else incomplete[: 2 * show]
        for u in listed:
            grade = (u.outcome.grade_cell or "",) if batch.graded else ()
            t.add_row(u.unit or "", u.outcome.target_name, "、".join(u.outcome.not_checked), *grade, u.where)
        if len(listed) < len(incomplete):
            t.add_row("…", f"（其余 {len(incomplete) - len(listed)} 个单位略，完整列表见 summary.xlsx「未完成」、index.html）", *[""] * (len(columns) - 2))
        parts.append(t)
    for g in batch.grade_counts() if batch.graded else ():
        if g["unstated"]:
            parts.append(terminal_text(f"等次（{g['target_name']}）：本文件未规定等次"))
            continue
        parts.append(terminal_text(f"等次（{g['target_name']}）：" + "，".join([f"{k} {n}" for k, n in g["counts"].items()] + [f"{text('grade.pending')} {g['pending']}"])))
    c = batch.counts()
    parts.append(Text(f"共 {c['total']} 个单位：已排名 {c['ranked']}，未完成 {c['incomplete']}" + (f"，逐项检查 {c['checklist']}" if c["checklist"] else "") + f"，出错 {c['failed']}"))
    return Group(*parts)


if __name__ == "__main__":  # pragma: no cover
    main()
