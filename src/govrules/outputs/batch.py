"""Scoring many units at once: inputs, ranking, and the files written.

Inputs (:func:`read_units`):

* a directory of assessment files (``*.json``, ``*.yaml``/``*.yml``, filled-in
  Excel forms ``*.xlsx``), one unit per file, in file-name order; a file
  without ``unit`` is named after the file;
* a CSV file or an Excel workbook with one row per unit: a ``unit`` (单位)
  column, an optional ``target`` (考核对象) column, one column per fact (its
  name or its Chinese label), discretionary deductions as ``<fact>.points`` and
  ``<fact>.reason``, and optionally ``self.<item>`` (自评), ``na.<item>``
  (不适用说明), ``evidence.<item>`` (佐证) and ``review.<item>.score`` /
  ``.reviewer`` / ``.at`` / ``.reason`` (复核). See ``docs/cli.md``.

A row that cannot be read or scored is reported with its file and row number
and the others are still scored; nothing is dropped silently.

Outputs (:func:`write_outputs`): per-unit sheets (JSON and HTML), a summary
workbook, ``ranking.csv``, ``summary.json`` and ``index.html``.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import quote as url_quote

import attrs

from .. import __version__
from ..errors import GovrulesError, Problem
from ..messages import library_reason, os_reason, text, type_name
from .forms import (
    form_cells,
    MISSING,
    InputError,
    cell_discretion,
    cell_fact,
    drop_null_facts,
    is_blank,
    is_form,
    kind_of,
    open_workbook,
    parse_text,
    read_form,
    review_from_cells,
    split_list,
    target_id,
    _to_number,
)
from ..numbers import fmt
from ..pack import Pack
from .assessors import ASSESSOR_HEADER, assessor_sheet_rows, assessor_view
from ..engine.result import Result
from ..untrusted import has_lone_surrogate

UNIT_HEADERS = ("unit", "单位", "单位名称")
ASSESSOR_HEADERS = ("assessor", "负责考核部门", "考核部门", "评议人", "提交人")
TARGET_HEADERS = ("target", "考核对象")
POINTS_SUFFIXES = (".points", ".扣分")
REASON_SUFFIXES = (".reason", ".理由")
SELF_PREFIXES = ("self.", "自评.")
NA_PREFIXES = ("na.", "不适用.")
EVIDENCE_PREFIXES = ("evidence.", "佐证.")
REVIEW_PREFIXES = ("review.", "复核.")
REVIEW_FIELDS = {"score": "score", "复核分": "score", "reviewer": "reviewer", "复核人": "reviewer", "at": "at", "复核时间": "at", "reason": "reason", "理由": "reason"}
FILE_SUFFIXES = (".json", ".yaml", ".yml", ".xlsx")

#: The largest CSV input and the largest single assessment file read (bytes).
CSV_BYTES_MAX = 100_000_000
FILE_BYTES_MAX = 8_000_000

#: The file that marks a folder as written by ``govrules batch`` (and lists what it wrote).
MARKER = ".govrules-batch"
#: Files an operating system or Excel leaves in a folder; never a reason to refuse it.
_LITTER = re.compile(r"^(~\$.*|\.DS_Store|Thumbs\.db|desktop\.ini)$", re.IGNORECASE)


_SURROGATES = re.compile("[\ud800-\udfff]")


def _escape_surrogate(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    # A byte that was not UTF-8 (kept by surrogateescape: file names, CSV bytes) shows as that byte.
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def clean(text: Any) -> str:
    """Text that every writer can encode: a lone surrogate is shown as its escape (``\\ud800``, or ``\\xff`` for a byte that was not UTF-8)."""
    text = str(text)
    return _SURROGATES.sub(_escape_surrogate, text) if has_lone_surrogate(text) else text


def _unexpected(where: str, exc: BaseException) -> Problem:
    """An exception nobody foresaw, as a problem of one unit (never a traceback)."""
    if isinstance(exc, RecursionError):
        return Problem.coded(where, "batch.too_deep")
    text = clean(str(exc))
    text = text if len(text) <= 300 else text[:300] + "…"
    return Problem.coded(where, "batch.unexpected", kind=type(exc).__name__, text=text)


def _surrogate_paths(data: Any, limit: int = 100_000) -> list[str]:
    """Where in ``data`` (keys or text values) a lone surrogate is; walked without recursion, bounded."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", data)]
    seen = 0
    while stack and seen < limit and len(found) < 10:
        path, value = stack.pop()
        seen += 1
        if isinstance(value, str):
            if has_lone_surrogate(value):
                found.append(path or "(the input)")
        elif isinstance(value, dict):
            for k, v in value.items():
                key = clean(k)
                if isinstance(k, str) and has_lone_surrogate(k):
                    found.append(f"{path}.{key}".lstrip("."))
                stack.append((f"{path}.{key}".lstrip("."), v))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{path}.{i}".lstrip("."), v) for i, v in enumerate(value))
    return found


@attrs.define
class Unit:
    """One unit of a batch: where it came from, its input, and what became of it."""

    index: int  # 1-based, in input order
    where: str  # "units.csv 第3行" or "北洲子镇.json"
    unit: str | None
    data: dict[str, Any] | None
    problems: list[Problem] = attrs.field(factory=list)
    result: Result | None = None
    rank: int | None = None
    files: dict[str, str] = attrs.field(factory=dict)
    # A unit given in parts (files or rows naming their assessor): each part's place and input.
    parts: list[tuple[str, dict[str, Any]]] = attrs.field(factory=list)
    # Where each fact is filled in (a table's cell, a form's row), so that a blank one is named by its cell.
    cells: dict[str, str] = attrs.field(factory=dict)

    @property
    def failed(self) -> bool:
        return self.result is None

    @property
    def state(self) -> str:
        """``ranked``, ``incomplete``, ``checklist`` (unscored pack) or ``failed``."""
        if self.result is None:
            return "failed"
        if not self.result.scored:
            return "checklist"
        return "ranked" if self.result.total is not None else "incomplete"


@attrs.define
class Batch:
    pack: Pack
    source: str
    units: list[Unit]
    input_problems: list[Problem] = attrs.field(factory=list)  # problems with the input as a whole (its header)
    skipped: list[str] = attrs.field(factory=list)

    @property
    def failed(self) -> list[Unit]:
        return [u for u in self.units if u.failed]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.input_problems

    def groups(self) -> list[tuple[str, str, list[Unit]]]:
        """(target id, name, units) for each target scored, in the pack's target order."""
        out = []
        for t in self.pack.spec.targets:
            units = [u for u in self.units if u.result is not None and u.result.target == t.id]
            if units:
                out.append((t.id, t.name, units))
        return out

    def ranked(self, target: str) -> list[Unit]:
        return sorted(
            (u for u in self.units if u.state == "ranked" and u.result is not None and u.result.target == target),
            key=lambda u: (-(u.result.total), u.index),  # type: ignore[union-attr,operator]
        )

    @property
    def incomplete(self) -> list[Unit]:
        return [u for u in self.units if u.state == "incomplete"]

    @property
    def graded(self) -> bool:
        """Whether the pack declares grades (等次) or vetoes: then every table shows 等次."""
        return bool(self.pack.spec.grades or self.pack.spec.vetoes)

    def grade_counts(self) -> list[dict[str, Any]]:
        """Per target: how many units got each grade, best first, and how many have none yet (待定)."""
        out = []
        for tid, name, units in self.groups():
            view = self.pack.view(tid)
            scale = [b.grade for b in view.grading.bands] if view.grading is not None else []
            counts = dict.fromkeys(scale, 0)
            pending = 0
            for u in units:
                grade = u.result.grade if u.result is not None else None
                if grade is None:
                    pending += 1
                else:
                    counts[grade] += 1
            out.append({"target": tid, "target_name": name, "counts": counts, "pending": pending if scale else 0, "unstated": not scale})
        return out

    def counts(self) -> dict[str, int]:
        states = [u.state for u in self.units]
        return {
            "total": len(self.units),
            "ranked": states.count("ranked"),
            "incomplete": states.count("incomplete"),
            "checklist": states.count("checklist"),
            "failed": states.count("failed"),
        }


# --------------------------------------------------------------------- reading


@attrs.frozen
class Column:
    index: int
    header: str
    kind: str  # unit, target, fact, points, reason, self, na, evidence, review, blank
    key: str = ""
    field: str = ""


def _strip_prefix(header: str, prefixes: tuple[str, ...]) -> str | None:
    for p in prefixes:
        if header.lower().startswith(p) and len(header) > len(p):
            return header[len(p):].strip()
    return None


def _strip_suffix(header: str, suffixes: tuple[str, ...]) -> str | None:
    for s in suffixes:
        if header.lower().endswith(s) and len(header) > len(s):
            return header[: -len(s)].strip()
    return None


def parse_header(headers: list[Any], pack: Pack, where: str) -> tuple[list[Column], list[Problem]]:
    """What each column of a units table holds; unknown columns are problems (with did-you-mean)."""
    from openpyxl.utils import get_column_letter

    from .unitsheet import header_names, normalise

    specs = {f.name: f for f in pack.spec.facts}
    # A fact's column is headed by its name, its label or the label's short form (unitsheet).
    by_label = header_names(pack.spec.facts)

    def fact_name(text: str) -> str | None:
        return text if text in specs else by_label.get(normalise(text))

    columns: list[Column] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], str] = {}
    for i, raw in enumerate(headers):
        h = "" if raw is None else str(raw).strip()
        col = get_column_letter(i + 1)
        here = f"{where} 第1行 {col}列「{clean(h)}」"
        if not h:
            columns.append(Column(i, h, "blank"))
            continue
        low = h.lower()
        c: Column | None = None
        if low in UNIT_HEADERS:
            c = Column(i, h, "unit")
        elif low in TARGET_HEADERS:
            c = Column(i, h, "target")
        elif low in ASSESSOR_HEADERS:
            c = Column(i, h, "assessor")
        elif fact_name(h):
            name = fact_name(h)
            assert name is not None
            c = Column(i, h, "points" if specs[name].type == "discretionary" else "fact", name)
        elif (base := _strip_suffix(h, POINTS_SUFFIXES)) is not None and fact_name(base):
            c = Column(i, h, "points", fact_name(base))  # type: ignore[arg-type]
        elif (base := _strip_suffix(h, REASON_SUFFIXES)) is not None and fact_name(base):
            c = Column(i, h, "reason", fact_name(base))  # type: ignore[arg-type]
        elif (item := _strip_prefix(h, SELF_PREFIXES)) is not None:
            c = Column(i, h, "self", item)
        elif (item := _strip_prefix(h, NA_PREFIXES)) is not None:
            c = Column(i, h, "na", item)
        elif (item := _strip_prefix(h, EVIDENCE_PREFIXES)) is not None:
            c = Column(i, h, "evidence", item)
        elif (rest := _strip_prefix(h, REVIEW_PREFIXES)) is not None:
            item, _, fieldname = rest.rpartition(".")
            if item and fieldname in REVIEW_FIELDS:
                c = Column(i, h, "review", item, REVIEW_FIELDS[fieldname])
            else:
                problems.append(Problem.coded(here, "batch.review_column"))
                columns.append(Column(i, h, "blank"))
                continue
        if c is None:
            known = list(specs) + list(by_label)
            close = difflib.get_close_matches(normalise(h.split(".")[0]), known, n=1, cutoff=0.5)
            hint = text("hint.did_you_mean", name=repr(close[0])) if close else ""
            problems.append(Problem.coded(here, "batch.unknown_column", pack=pack.id, hint=hint))
            columns.append(Column(i, h, "unknown"))
            continue
        key = (c.kind, c.key, c.field)
        if key in seen:
            problems.append(Problem.coded(here, "batch.same_column", other=clean(seen[key])))
            columns.append(Column(i, h, "unknown"))
            continue
        seen[key] = h
        columns.append(c)
    if not any(c.kind == "unit" for c in columns):
        problems.append(Problem.coded(f"{where} 第1行", "batch.no_unit_column"))
    return columns, problems


def row_assessment(columns: list[Column], values: list[Any], pack: Pack, where: str) -> tuple[str | None, dict[str, Any], list[Problem]]:
    """One table row as (unit, assessment input, problems reading its cells)."""
    specs = {f.name: f for f in pack.spec.facts}
    data: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    discretion: dict[str, dict[str, Any]] = {}
    reviews: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    unit = None

    def value(c: Column) -> Any:
        return values[c.index] if c.index < len(values) else None

    extra = [i for i in range(len(columns), len(values)) if not is_blank(values[i])]
    if extra:
        problems.append(Problem.coded(where, "batch.beyond_header", count=len(extra), column=extra[0] + 1))

    for c in columns:
        v = value(c)
        here = f"{where} 列「{clean(c.header)}」"
        if isinstance(v, str) and has_lone_surrogate(v):
            problems.append(Problem.coded(here, "batch.not_text_value"))
            if c.kind == "unit":
                unit = clean(v).strip()
            continue
        if c.kind in ("unknown", "blank"):
            if c.kind == "blank" and not is_blank(v):
                problems.append(Problem.coded(f"{where} 第{c.index + 1}列", "batch.no_header_value"))
            continue
        if c.kind == "unit":
            if not is_blank(v):
                unit = (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
            continue
        if c.kind == "target":
            if not is_blank(v):
                data["target"] = target_id(pack, str(v))
            continue
        if c.kind == "assessor":
            if not is_blank(v):
                data["assessor"] = str(v).strip()
            continue
        if c.kind in ("points", "reason"):
            discretion.setdefault(c.key, {})[c.kind] = v
            continue
        if c.kind == "review":
            if not is_blank(v):
                reviews.setdefault(c.key, {})[c.field] = v
            continue
        if is_blank(v):
            continue
        try:
            if c.kind == "fact":
                got = cell_fact(specs[c.key], v)
                if got is not MISSING:
                    facts[c.key] = got
            elif c.kind == "self":
                data.setdefault("self_assessment", {})[c.key] = _to_number(v)
            elif c.kind == "na":
                data.setdefault("not_applicable", {})[c.key] = str(v).strip()
            elif c.kind == "evidence":
                data.setdefault("evidence", {})[c.key] = split_list(v)
        except ValueError as exc:
            problems.append(Problem(here, str(exc)))
    for name, parts in discretion.items():
        try:
            got = cell_discretion(parts.get("points"), parts.get("reason"))
        except ValueError as exc:
            problems.append(Problem(f"{where} {name}", str(exc)))
            continue
        if got is not MISSING:
            facts[name] = got
    review_list = []
    for item, fields in reviews.items():
        review, review_problems = review_from_cells(item, fields.get("score"), fields.get("reviewer"), fields.get("at"), fields.get("reason"), f"{where} 复核 {item}")
        problems.extend(review_problems)
        if review is not None:
            review_list.append(review)
    if review_list:
        data["reviews"] = review_list
    data["facts"] = facts
    if unit is not None:
        data["unit"] = unit
    else:
        problems.append(Problem.coded(where, "batch.no_unit_name"))
    return unit, data, problems


def _looks_utf8(raw: bytes) -> bool:
    """Do most lines with non-ASCII bytes decode as UTF-8? (Then a line that does not is a bad row, not a GB18030 file.)"""
    good = bad = 0
    for line in raw.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return good > bad


def _decode(raw: bytes, where: str) -> str:
    """A CSV file's text: UTF-8 (with or without BOM) or GB18030.

    A UTF-8 file with a few rows that are not UTF-8 keeps its bytes as lone
    surrogates (``surrogateescape``): those rows fail alone, the others are read.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if not _looks_utf8(raw):
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8-sig", "surrogateescape")


def _csv_records(text: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(record number, fields, error) for each CSV record; a record the csv module refuses is an error of that record alone."""
    reader = csv.reader(io.StringIO(text, newline=""))
    n = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            n += 1
            yield n, None, str(exc)
            continue
        n += 1
        yield n, row, None


def _table_units(rows: Iterable[tuple[int, list[Any] | None, str | None]], header: list[Any], pack: Pack, name: str, batch: Batch) -> None:
    columns, problems = parse_header(header, pack, name)
    batch.input_problems.extend(problems)
    for rownum, values, error in rows:
        where = f"{name} 第{rownum}行"
        if values is None:
            batch.units.append(Unit(len(batch.units) + 1, where, None, None, [Problem.coded(where, "batch.row_unreadable", error=error)]))
            continue
        if all(is_blank(v) for v in values):
            continue  # an empty row is not a unit
        try:
            unit, data, row_problems = row_assessment(columns, values, pack, where)
        except Exception as exc:  # one row never stops the others
            unit, data, row_problems = None, None, [_unexpected(where, exc)]
        batch.units.append(Unit(len(batch.units) + 1, where, unit, data, row_problems, cells=_row_cells(columns, where)))


def _row_cells(columns: list[Column], where: str) -> dict[str, str]:
    """Each fact's cell in one row of a units table (「units.csv 第7行 C列「…」」)."""
    from openpyxl.utils import get_column_letter

    return {c.key: f"{where} {get_column_letter(c.index + 1)}列「{clean(c.header)}」" for c in columns if c.kind in ("fact", "points")}


def blank_cells(u: Unit, pack: Pack) -> list[str]:
    """The facts an incomplete unit left blank, each with its cell: what to fill in for it to be ranked."""
    assert u.result is not None
    labels = {f.name: f.label for f in pack.spec.facts}
    return [
        f"{u.cells[name]}：未填（{labels.get(name, name)}，{name}）" if name in u.cells else f"{u.where}：缺少「{labels.get(name, name)}」（{name}）：表中没有这一列"
        for name in _missing_facts(u.result)
    ]


def _read_bytes(p: Path, limit: int) -> bytes:
    with open(p, "rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise InputError(f"{clean(p)} 太大", [Problem.coded(clean(p), "batch.too_large", limit=limit)])
    return raw


def read_units(path: str | Path, pack: Pack) -> Batch:
    """The units of a batch input: a directory of files, a CSV file, or an Excel workbook.

    Whatever a file or row holds, it becomes a unit with problems (reported
    with its file and row), never an exception; only an input that cannot be
    read at all (missing, not CSV/Excel, no header) raises :class:`InputError`.
    """
    p = Path(path)
    batch = Batch(pack, clean(path), [])
    if not p.exists():
        raise InputError(f"找不到输入：{clean(path)}", [Problem.coded(clean(path), "os.ENOENT")])
    if p.is_dir():
        try:
            entries = sorted(p.iterdir(), key=lambda x: x.name)
        except OSError as exc:
            raise InputError(f"无法读取 {clean(path)}", [Problem(clean(path), os_reason(exc))]) from None
        for f in entries:
            if f.name.startswith(".") or f.name.startswith("~$") or f.is_dir():
                continue
            if f.suffix.lower() not in FILE_SUFFIXES:
                batch.skipped.append(f"{clean(f.name)}：不是 .json / .yaml / .yml / .xlsx，未读取")
                continue
            index = len(batch.units) + 1
            try:
                batch.units.append(_file_unit(f, pack, index))
            except Exception as exc:  # one file never stops the others
                batch.units.append(Unit(index, clean(f.name), None, None, [_unexpected(clean(f.name), exc)]))
        if not batch.units:
            batch.input_problems.append(Problem.coded(clean(path), "batch.empty_directory"))
        return batch
    kind = kind_of(str(p))
    if kind == "csv":
        try:
            raw = _read_bytes(p, CSV_BYTES_MAX)
        except OSError as exc:
            raise InputError(f"无法读取 {clean(path)}", [Problem(clean(path), os_reason(exc))]) from None
        records = _csv_records(_decode(raw, clean(p.name)))
        first = next(records, None)
        if first is None:
            raise InputError(f"{clean(path)} 是空文件", [Problem.coded(clean(path), "batch.no_header")])
        if first[1] is None:
            raise InputError(f"{clean(path)} 不是有效的 CSV", [Problem.coded(f"{clean(p.name)} 第1行", "batch.header_unreadable", error=first[2])])
        _table_units(records, first[1], pack, clean(p.name), batch)
        return batch
    if kind == "xlsx":
        book = open_workbook(p)
        if is_form(book):
            batch.units.append(_file_unit(p, pack, 1, book))
            return batch
        sheet = next((n for n in ("单位", "units") if n in book.sheetnames), book.first_sheet())
        try:
            rows = book.rows(sheet)
        except GovrulesError:
            raise
        except Exception as exc:
            raise InputError(f"无法读取 Excel 文件：{clean(path)}", [_unexpected(f"{clean(p.name)} 工作表「{clean(sheet)}」", exc)]) from None
        if not rows:
            raise InputError(f"{clean(path)} 的工作表「{clean(sheet)}」是空的", [Problem.coded(clean(path), "batch.no_header")])
        name = f"{clean(p.name)} 工作表「{clean(sheet)}」" if len(book.sheetnames) > 1 else clean(p.name)
        _table_units(((i, list(r), None) for i, r in enumerate(rows[1:], start=2)), list(rows[0]), pack, name, batch)
        return batch
    # A single JSON / YAML assessment file: a batch of one.
    try:
        batch.units.append(_file_unit(p, pack, 1))
    except Exception as exc:
        batch.units.append(Unit(1, clean(p.name), None, None, [_unexpected(clean(p.name), exc)]))
    return batch


def _file_unit(f: Path, pack: Pack, index: int, book: Any = None) -> Unit:
    where = clean(f.name)
    cells: dict[str, str] = {}
    try:
        if book is None and not f.is_file():
            return Unit(index, where, None, None, [Problem.coded(where, "batch.not_a_file")])
        if kind_of(str(f)) == "xlsx":
            book = book if book is not None else open_workbook(f)
            if not is_form(book):
                return Unit(index, where, None, None, [Problem.coded(where, "batch.not_a_form")])
            data, problems = read_form(book, pack, where)
            cells = form_cells(book, where)
        else:
            raw = _read_bytes(f, FILE_BYTES_MAX)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                return Unit(index, where, None, None, [Problem.coded(where, "batch.not_utf8", reason=library_reason("utf8.", exc.reason))])
            data = drop_null_facts(parse_text(text, where, kind_of(str(f))))
            problems = []
    except GovrulesError as exc:
        return Unit(index, where, None, None, [Problem(clean(p.where), clean(p.message)) for p in exc.problems] or [Problem(where, clean(exc.summary))])
    except OSError as exc:
        return Unit(index, where, None, None, [Problem.coded(where, "batch.file_unreadable", reason=os_reason(exc))])
    if not isinstance(data, dict):
        return Unit(index, where, None, None, [Problem.coded(where, "batch.not_a_mapping", kind=type_name(data))])
    if not data.get("unit"):
        if data.get("assessor") is not None:
            return Unit(index, where, None, None, [Problem.coded(where, "batch.part_needs_unit")])
        if has_lone_surrogate(f.stem):
            return Unit(index, where, None, None, [Problem.coded(where, "batch.file_name_not_text")])
        data["unit"] = f.stem
    unit = data["unit"]
    if not isinstance(unit, str):
        return Unit(index, where, clean(unit)[:100], None, [Problem.coded(f"{where} unit", "batch.unit_not_text", kind=type_name(unit))])
    if has_lone_surrogate(unit):
        return Unit(index, where, clean(unit), None, [Problem.coded(f"{where} unit", "batch.surrogate")])
    return Unit(index, where, unit, data, problems, cells=cells)


# --------------------------------------------------------------------- scoring


def score_units(batch: Batch, target: str | None = None, advance: Callable[[], None] | None = None) -> None:
    """Score every readable unit; failures keep their problems, prefixed with where they came from.

    ``target`` is used for the units whose input names no target. Any
    exception while scoring one unit becomes a problem of that unit; the
    others are still scored.
    """
    _gather_parts(batch)
    cohort = batch.pack.has_cohort_rules
    inputs: list[tuple[Unit, dict[str, Any]]] = []
    for u in batch.units:
        try:
            if u.parts:
                bad = [f"{w} {b}" for w, d in u.parts for b in _surrogate_paths(d)]
                if bad:
                    u.problems = [Problem.coded(b, "batch.surrogate") for b in bad]
                if not u.problems:
                    # --target is the default for units whose parts name none.
                    default = None if any(d.get("target") for _, d in u.parts) else target
                    try:
                        if cohort:  # one merged input, scored with its cohort below
                            merged = batch.pack.merge([d for _, d in u.parts], [w for w, _ in u.parts], default)
                            batch.pack.validate(merged)
                            inputs.append((u, merged))
                        else:
                            u.result = batch.pack.assess_merged([d for _, d in u.parts], [w for w, _ in u.parts], default)
                    except GovrulesError as exc:
                        u.problems = list(exc.problems) or [Problem(u.where, exc.summary)]  # each names its part already
                    except Exception as exc:  # one unit never stops the others
                        u.problems = [_unexpected(u.where, exc)]
                continue
            if u.problems or u.data is None:
                continue
            data = u.data
            if target is not None and not data.get("target"):
                data = {**data, "target": target}  # --target is the default for rows that name none
            bad = _surrogate_paths(data)
            if bad:
                u.problems = [Problem.coded(f"{u.where} {b}", "batch.surrogate") for b in bad]
                continue
            try:
                if cohort:
                    batch.pack.validate(data)  # scored with its cohort below, once every unit is read
                    inputs.append((u, data))
                else:
                    u.result = batch.pack.assess(data)
            except GovrulesError as exc:
                u.problems = [attrs.evolve(p, where=f"{u.where} {p.where}".strip()) for p in exc.problems] or [Problem(u.where, exc.summary)]
            except Exception as exc:  # one unit never stops the others
                u.problems = [_unexpected(u.where, exc)]
        finally:
            if advance is not None and not cohort:
                advance()
    if cohort:
        _score_cohorts(batch, inputs, advance)
    seen: dict[tuple[str, str], Unit] = {}
    for u in batch.units:
        if u.result is None or u.unit is None:
            continue
        key = (u.result.target, u.unit)
        if key in seen:
            u.problems = [Problem.coded(u.where, "batch.unit_twice", unit=repr(u.unit), other=seen[key].where)]
            u.result = None
        else:
            seen[key] = u
    _rank(batch)
    _clean_texts(batch)


def _gather_parts(batch: Batch) -> None:
    """Join the parts of one unit (files or rows naming their ``assessor``) into one unit, in the place of its first part.

    Units of one name where none names an assessor stay apart: the check
    below reports the name given twice, as before. A part that cannot be
    read fails its whole unit: a unit scored without one of its parts would
    look complete and be wrong.
    """
    from ..rubric.scope import unit_key

    groups: dict[str, list[Unit]] = {}
    for u in batch.units:
        if u.unit is not None and not has_lone_surrogate(u.unit):
            groups.setdefault(unit_key(u.unit), []).append(u)
    drop: set[int] = set()
    for members in groups.values():
        if not any(m.data is not None and m.data.get("assessor") is not None for m in members):
            continue
        first = members[0]
        joined = Unit(first.index, " + ".join(m.where for m in members), first.unit, None)
        for m in members:
            joined.problems.extend(m.problems)
            if m.data is not None:
                joined.parts.append((m.where, m.data))
        batch.units[batch.units.index(first)] = joined
        drop.update(id(m) for m in members[1:])
    batch.units = [u for u in batch.units if id(u) not in drop]
def _score_cohorts(batch: Batch, inputs: list[tuple[Unit, dict[str, Any]]], advance: Callable[[], None] | None) -> None:
    """Score a pack with cohort rules: the cohort of each target is its units in the batch that validated, named once each."""
    from ..rubric.scope import unit_key

    by_target: dict[str, list[tuple[Unit, dict[str, Any]]]] = {}
    seen: dict[tuple[str, str], Unit] = {}
    for u, data in inputs:
        view, assessment = batch.pack.validate(data)
        name = assessment.unit
        if name is None:
            u.problems = [Problem.coded(u.where, "batch.cohort_needs_unit")]
            continue
        key = (view.target.id, unit_key(name))
        if key in seen:
            u.problems = [Problem.coded(u.where, "batch.unit_twice", unit=repr(name), other=seen[key].where)]
            continue
        seen[key] = u
        by_target.setdefault(view.target.id, []).append((u, data))
    for group in by_target.values():
        try:
            results = batch.pack.assess_cohort([data for _, data in group])
        except GovrulesError as exc:  # each input validated alone: only the cohort as a whole can still be refused
            for u, _ in group:
                u.problems = [Problem(f"{u.where} {p.where}".strip(), p.message) for p in exc.problems] or [Problem(u.where, exc.summary)]
            continue
        except Exception as exc:
            for u, _ in group:
                u.problems = [_unexpected(u.where, exc)]
            continue
        for (u, _), result in zip(group, results):
            u.result = result
    if advance is not None:
        for _ in batch.units:
            advance()


def _rank(batch: Batch) -> None:
    for u in batch.units:
        u.rank = None
    for target_id_, _name, _units in batch.groups():
        rank = 0
        previous: Decimal | None = None
        for n, u in enumerate(batch.ranked(target_id_), start=1):
            assert u.result is not None and u.result.total is not None
            if previous is None or u.result.total != previous:
                rank = n  # ties share a rank; the next rank skips (1, 2, 2, 4)
                previous = u.result.total
            u.rank = rank


def _clean_texts(batch: Batch) -> None:
    """Make every text a writer will meet encodable (a problem may quote the input it refuses)."""
    for u in batch.units:
        u.where = clean(u.where)
        if u.unit is not None:
            u.unit = clean(u.unit)
        u.problems = [Problem(clean(p.where), clean(p.message)) for p in u.problems]
    batch.input_problems = [Problem(clean(p.where), clean(p.message)) for p in batch.input_problems]
    batch.skipped = [clean(t) for t in batch.skipped]
    batch.source = clean(batch.source)


# --------------------------------------------------------------------- writing


def slug(text: str) -> str:
    s = re.sub(r'[\\/:*?"<>|#%&{}$!\'`=+@\x00-\x1f\s]+', "_", text).strip("._-")
    return s[:40] or "unit"


def _missing_facts(result: Result) -> list[str]:
    return list(dict.fromkeys(n for i in result.items for n in i.unchecked_facts))


def summary_data(batch: Batch) -> dict[str, Any]:
    pack = batch.pack
    rankings = []
    for tid, name, _units in batch.groups():
        ranked = batch.ranked(tid)
        rankings.append(
            {
                "target": tid,
                "target_name": name,
                "units": [
                    {
                        "rank": u.rank,
                        "unit": u.unit,
                        "total": fmt(u.result.total),  # type: ignore[union-attr]
                        **({"grade": u.result.grade} if batch.graded else {}),  # type: ignore[union-attr]
                        "max_total": fmt(u.result.max_total),  # type: ignore[union-attr]
                        "self_total": fmt(u.result.self_total),  # type: ignore[union-attr]
                        "where": u.where,
                        "files": dict(u.files),
                    }
                    for u in ranked
                ],
            }
        )
    data = {
        "pack": {"id": pack.id, "version": pack.version, "title": pack.title, "content_hash": pack.content_hash},
        "engine": {"name": "govrules", "version": __version__},
        "source": batch.source,
        "counts": batch.counts(),
        "rankings": rankings,
        "incomplete": [
            {
                "unit": u.unit,
                "target": u.result.target,  # type: ignore[union-attr]
                "where": u.where,
                "not_checked": list(u.result.not_checked),  # type: ignore[union-attr]
                "missing_facts": _missing_facts(u.result),  # type: ignore[arg-type]
                "base_sum": fmt(u.result.base_sum),  # type: ignore[union-attr]
                **({"grade": u.result.grade} if batch.graded else {}),  # type: ignore[union-attr]
                "files": dict(u.files),
            }
            for u in batch.incomplete
        ],
        "checklist": [
            {"unit": u.unit, "target": u.result.target, "where": u.where, "status_counts": u.result.status_counts, "files": dict(u.files)}  # type: ignore[union-attr]
            for u in batch.units
            if u.state == "checklist"
        ],
        "failures": [{"where": u.where, "unit": u.unit, "problems": [p.to_dict() for p in u.problems]} for u in batch.failed],
        "input_problems": [p.to_dict() for p in batch.input_problems],
        "skipped": list(batch.skipped),
    }
    if batch.graded:
        data["grades"] = batch.grade_counts()
    by_assessor = assessor_view(batch)
    if by_assessor:  # only where the pack names 负责考核部门
        data["assessors"] = by_assessor
    if batch.pack.has_cohort_rules:  # only where rows are scored against the cohort
        data["cohort"] = [dict(zip(COHORT_KEYS, row)) for row in cohort_rows(batch)]
    return data


COHORT_HEADER = ["考核对象", "单位", "编号", "指标", "规则", "本单位数值", "名次", "最优", "平均", "参加比较单位数", "得分", "说明"]
COHORT_KEYS = ("target", "unit", "item", "name", "rule", "value", "rank", "best", "mean", "n", "score", "text")


def cohort_rows(batch: Batch) -> list[list[Any]]:
    """Each cohort row of each scored unit with the figures it was scored against, by target then input order."""
    rows: list[list[Any]] = []
    for _tid, name, units in batch.groups():
        for u in units:
            for item in u.result.items:  # type: ignore[union-attr]
                for f in item.cohort:
                    rows.append([name, u.unit, item.id, item.names[-1], f.rule, fmt(f.value), f.rank, fmt(f.best), fmt(f.mean), f.n, fmt(item.score), f.text])
    return rows


def html_context(batch: Batch) -> dict[str, Any]:
    groups = []
    names = {t.id: t.name for t in batch.pack.spec.targets}
    for tid, name, units in batch.groups():
        groups.append(
            {
                "target_name": name,
                "ranked": [
                    {"rank": u.rank, "unit": u.unit, "total": u.result.total, "grade": u.result.grade, "max_total": u.result.max_total, "self_total": self_cell(u.result), "where": u.where, "html": _href(u)}  # type: ignore[union-attr]
                    for u in batch.ranked(tid)
                ],
                "checklist": [
                    {"unit": u.unit, "counts": u.result.status_counts, "where": u.where, "html": _href(u)}  # type: ignore[union-attr]
                    for u in units
                    if u.state == "checklist"
                ],
            }
        )
    return {
        "title": batch.pack.title,
        "pack_id": batch.pack.id,
        "pack_version": batch.pack.version,
        "engine_version": __version__,
        "source": batch.source,
        "counts": batch.counts(),
        "groups": groups,
        "incomplete": [
            {
                "unit": u.unit,
                "target_name": names.get(u.result.target, u.result.target),  # type: ignore[union-attr]
                "not_checked": u.result.not_checked,  # type: ignore[union-attr]
                "missing_facts": [u.result.fact_label(n) for n in _missing_facts(u.result)],  # type: ignore[union-attr,arg-type]  # the page names them by label
                "base_sum": u.result.base_sum,  # type: ignore[union-attr]
                "grade": u.result.grade,  # type: ignore[union-attr]
                "where": u.where,
                "html": _href(u),
            }
            for u in batch.incomplete
        ],
        "failures": [{"where": u.where, "unit": u.unit, "problems": [str(p) for p in u.problems]} for u in batch.failed]
        + ([{"where": batch.source, "unit": None, "problems": [str(p) for p in batch.input_problems]}] if batch.input_problems else []),
        "assessors": assessor_view(batch),
        "has_grades": batch.graded,
        "grade_counts": batch.grade_counts() if batch.graded else [],
    }


def _href(u: Unit) -> str | None:
    html = u.files.get("html")
    return url_quote(html) if html else None


def check_out(out: str | Path) -> Path:
    """The folder to write into (its real path), if it may be written: missing, empty, or a previous ``govrules batch`` output.

    A folder that holds files govrules batch did not write is refused
    (:class:`InputError`): replacing it would delete them.
    """
    given = clean(out)
    final = Path(os.path.realpath(os.path.abspath(out)))
    if final.parent == final:
        raise InputError(f"不能写入 {given}", [Problem.coded(given, "batch.out_root")])
    if final.exists() and not final.is_dir():
        raise InputError(f"无法写入 {given}", [Problem.coded(given, "batch.out_not_dir")])
    if not final.is_dir():
        return final
    try:
        entries = [e for e in final.iterdir() if not _LITTER.match(e.name)]
    except OSError as exc:
        raise InputError(f"无法写入 {given}", [Problem(given, os_reason(exc))]) from None
    if not entries:
        return final
    marker = final / MARKER
    if not marker.is_file():
        raise InputError(
            f"{given} 不是空目录，也不是 govrules batch 的输出目录，不覆盖",
            [Problem.coded(given, "batch.out_foreign", marker=MARKER)],
        )
    try:
        listed = set(json.loads(marker.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"{given} 的 {MARKER} 无法读取，不覆盖", [Problem.coded(f"{given}/{MARKER}", "batch.out_bad_marker")]) from None
    foreign = []
    for root, dirs, files in os.walk(final):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            rel = os.path.relpath(os.path.join(root, name), final).replace(os.sep, "/")
            if rel != MARKER and rel not in listed and not _LITTER.match(name):
                foreign.append(clean(rel))
        if len(foreign) > 5:
            break
    if foreign:
        raise InputError(
            f"{given} 中有不是 govrules batch 写入的文件，不覆盖",
            [Problem.coded(f"{given}/{f}", "batch.out_foreign_file") for f in foreign[:5]],
        )
    return final


def _mode_for_new_folder() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C back for the two renames that put the new folder in place (they are never left half done)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _swap_into_place(tmp: Path, final: Path) -> None:
    """Replace ``final`` (if any) by ``tmp``; the previous folder is removed only once the new one is in place."""
    old: Path | None = None
    with _sigint_deferred():
        if final.exists():
            old = final.parent / f".{final.name}.govrules-old-{uuid.uuid4().hex[:8]}"
            os.rename(final, old)
        try:
            os.rename(tmp, final)
        except BaseException:
            if old is not None:
                os.rename(old, final)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_outputs(batch: Batch, out: Path, pdf: bool = False) -> list[Path]:
    """Write every output file into ``out``; returns the paths written.

    Everything is written into a temporary folder beside ``out`` and moved into
    place only when complete: ``out`` is either the previous output, untouched,
    or the new one, whole — never a mix, never a truncated file. An error or an
    interruption (KeyboardInterrupt) removes the temporary folder and leaves
    ``out`` as it was. ``out`` must be missing, empty, or a previous output of
    ``govrules batch`` (see :func:`check_out`); its previous content is replaced.
    """
    final = check_out(out)
    final.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(final.stat().st_mode) if final.is_dir() else _mode_for_new_folder()
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.govrules-tmp-", dir=final.parent))
    try:
        os.chmod(tmp, mode)
        written = _write_into(batch, tmp)
        if pdf:
            written += _write_pdfs(batch, tmp)
        (tmp / MARKER).write_text(
            json.dumps({"written_by": "govrules batch", "version": __version__, "pack": batch.pack.id, "files": written}, ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
        _swap_into_place(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [final / w for w in written]


def _write_into(batch: Batch, out: Path) -> list[str]:
    from .html import batch_html, score_html
    from .report import result_json

    written: list[str] = []
    units_dir = out / "units"
    units_dir.mkdir()
    dropped = False
    for u in batch.units:
        if u.result is None:
            continue
        stem = f"{u.index:03d}_{slug(u.unit or 'unit')}"
        j = units_dir / f"{stem}.json"
        h = units_dir / f"{stem}.html"
        try:
            j_text = result_json(u.result) + "\n"
            h_text = score_html(u.result)
            j_bytes, h_bytes = j_text.encode("utf-8"), h_text.encode("utf-8")
        except Exception as exc:  # a unit whose sheet cannot be written fails alone
            u.problems = [_unexpected(u.where, exc)]
            u.result = None
            dropped = True
            continue
        j.write_bytes(j_bytes)
        h.write_bytes(h_bytes)
        u.files = {"json": f"units/{j.name}", "html": f"units/{h.name}"}
        written += [u.files["json"], u.files["html"]]
    if dropped:
        _rank(batch)

    summary = summary_data(batch)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append("summary.json")

    _ranking_csv(batch, out / "ranking.csv")
    written.append("ranking.csv")

    summary_workbook(batch).save(out / "summary.xlsx")
    written.append("summary.xlsx")

    (out / "index.html").write_text(batch_html(html_context(batch)), encoding="utf-8")
    written.append("index.html")
    return written


def _write_pdfs(batch: Batch, out: Path) -> list[str]:
    """summary.pdf (the ranking, as index.html prints) and each unit's 考核表 as PDF, for filing."""
    from .pdf import batch_pdf, score_pdf

    written: list[str] = []
    for u in batch.units:
        if u.result is None or "html" not in u.files:
            continue
        name = u.files["html"][: -len(".html")] + ".pdf"
        (out / name).write_bytes(score_pdf(u.result))
        u.files["pdf"] = name
        written.append(name)
    (out / "summary.pdf").write_bytes(batch_pdf(html_context(batch)))
    written.append("summary.pdf")
    return written


def self_cell(result: Any) -> Any:
    """A unit's 自评合计 in a summary: the number, or 「38（5项中2项）」 where it covers some rows only."""
    from .report import self_counts, self_total_text

    given, items = self_counts(result)
    return result.self_total if given == items else self_total_text(result)


RANKING_HEADER = ["考核对象", "排名", "单位", "总分", "满分", "自评合计", "状态", "来源"]
GRADE_COLUMN = 4  # where 等次 goes, after 总分, for a pack that declares grades


def ranking_header(batch: Batch) -> list[str]:
    return _graded(batch, RANKING_HEADER, "等次")


def _graded(batch: Batch, row: list[Any], grade: Any) -> list[Any]:
    """``row`` with its 等次 cell after 总分, where the pack declares grades."""
    return row[:GRADE_COLUMN] + [grade] + row[GRADE_COLUMN:] if batch.graded else row


def grade_cell(result: Any) -> str | None:
    if result is None or result.grading is None:
        return None
    if result.grade is not None:
        return result.grade
    # No bands declared (vetoes only, as the 湖州 table): nothing is pending.
    return "未规定" if not result.grading.scale else "待定"


def _ranking_rows(batch: Batch) -> list[list[Any]]:
    rows: list[list[Any]] = []
    names = {t.id: t.name for t in batch.pack.spec.targets}
    for tid, name, _units in batch.groups():
        for u in batch.ranked(tid):
            r = u.result
            assert r is not None
            rows.append(_graded(batch, [name, u.rank, u.unit, r.total, r.max_total, self_cell(r), "已排名", u.where], grade_cell(r)))
    for u in batch.incomplete:
        r = u.result
        assert r is not None
        rows.append(_graded(batch, [names.get(r.target, r.target), None, u.unit, None, r.max_total, self_cell(r), "未完成：" + "、".join(r.not_checked) + " 未检查", u.where], grade_cell(r)))
    for u in batch.units:
        if u.state == "checklist":
            r = u.result
            assert r is not None
            c = r.status_counts
            rows.append(_graded(batch, [names.get(r.target, r.target), None, u.unit, None, None, None, f"逐项检查：不符合 {c['fail']}，未检查 {c['notchecked']}", u.where], grade_cell(r)))
    for u in batch.failed:
        rows.append(_graded(batch, [None, None, u.unit, None, None, None, "出错：" + "；".join(str(p) for p in u.problems), u.where], None))
    return rows


def _ranking_csv(batch: Batch, path: Path) -> None:
    from .xlsx import write_csv

    write_csv(path, ranking_header(batch), _ranking_rows(batch))


def summary_workbook(batch: Batch) -> Any:
    """排名 / 未完成 / 出错 / 得分明细（per target） / 扣分明细 / 可挽回分值."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .report import recoverable
    from .xlsx import EFFECT_HEADER, FIX_HEADER, _style_header, _widths, effect_rows, fill_fixes, safe_row, sheet_title

    names = {t.id: t.name for t in batch.pack.spec.targets}
    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    ws.append(ranking_header(batch))
    for row in _ranking_rows(batch):
        ws.append(safe_row(row))
    _style_header(ws)
    _widths(ws, _graded(batch, [10, 6, 24, 8, 8, 10, 40, 30], 8))

    if batch.graded:
        ws = wb.create_sheet("等次统计")
        ws.append(["考核对象", "等次", "单位数"])
        for g in batch.grade_counts():
            if g["unstated"]:
                ws.append(safe_row([g["target_name"], "本文件未规定等次", len([u for u in batch.units if u.result is not None and u.result.target == g["target"]])]))
                continue
            for grade, n in g["counts"].items():
                ws.append(safe_row([g["target_name"], grade, n]))
            ws.append(safe_row([g["target_name"], "待定", g["pending"]]))
        _style_header(ws)
        _widths(ws, [10, 10, 8])

    ws = wb.create_sheet("未完成")
    ws.append(["单位", "考核对象", "未检查的指标", "缺少的事实", "已检查项合计", "来源"])
    for u in batch.incomplete:
        r = u.result
        assert r is not None
        ws.append(safe_row([u.unit, names.get(r.target, r.target), "、".join(r.not_checked), "、".join(r.fact_label(n) for n in _missing_facts(r)), r.base_sum, u.where]))
    _style_header(ws)
    _widths(ws, [24, 10, 30, 50, 12, 30])

    ws = wb.create_sheet("出错")
    ws.append(["来源", "单位", "位置", "问题"])
    for u in batch.failed:
        for p in u.problems:
            ws.append(safe_row([u.where, u.unit, p.where, p.message]))
    for p in batch.input_problems:
        ws.append(safe_row([batch.source, None, p.where, p.message]))
    _style_header(ws)
    _widths(ws, [24, 24, 40, 80])

    for tid, name, units in batch.groups():
        scored = [u for u in units if u.result is not None]
        first = scored[0].result
        assert first is not None
        ws = wb.create_sheet(sheet_title(f"得分明细（{name}）", wb.sheetnames))
        items = list(first.items)
        ws.append(["排名", "单位", *[f"{i.id} {i.names[-1]}" for i in items], "基础分", *[l.name for l in first.ledgers], "总分", *(["等次"] if batch.graded else []), "自评合计", "来源"])
        ordered = batch.ranked(tid) + [u for u in scored if u.state != "ranked"]
        for u in ordered:
            r = u.result
            assert r is not None
            ws.append(safe_row([u.rank, u.unit, *[i.score for i in r.items], r.base, *[l.applied for l in r.ledgers], r.total, *([grade_cell(r)] if batch.graded else []), self_cell(r), u.where]))
        _style_header(ws)
        ws.cell(1, 1).font = Font(bold=True)

    ws = wb.create_sheet("扣分明细")
    ws.append(["单位", "考核对象", *EFFECT_HEADER])
    for u in batch.units:
        if u.result is None:
            continue
        for row in effect_rows(u.result):
            ws.append(safe_row([u.unit, u.result.target_name, *row]))
    _style_header(ws)

    ws = wb.create_sheet("复核记录")
    ws.append(["单位", "考核对象", "编号", "指标", "自评", "原分", "复核分", "复核人", "复核时间", "理由"])
    for u in batch.units:
        if u.result is None:
            continue
        for item in u.result.items:
            if item.override is not None:
                o = item.override
                ws.append(safe_row([u.unit, u.result.target_name, item.id, item.names[-1], item.self_score, o.old, o.new, o.reviewer, o.at, o.reason]))
    _style_header(ws)

    ws = wb.create_sheet("可挽回分值")
    ws.append(["单位", *FIX_HEADER])
    for u in batch.units:
        if u.result is not None and u.state == "ranked":
            fill_fixes(ws, recoverable(u.result), unit=u.unit or "")
    _style_header(ws)

    if batch.pack.has_cohort_rules:
        ws = wb.create_sheet("同批比较")
        ws.append(COHORT_HEADER)
        for row in cohort_rows(batch):
            ws.append(safe_row(row))
        _style_header(ws)
        _widths(ws, [10, 16, 10, 30, 16, 12, 6, 10, 10, 8, 8, 60])

    by_assessor = assessor_view(batch)
    if by_assessor:  # only where the pack names 负责考核部门
        ws = wb.create_sheet("按考核部门")
        ws.append(ASSESSOR_HEADER)
        for row in assessor_sheet_rows(by_assessor):
            ws.append(safe_row(row))
        _style_header(ws)
        _widths(ws, [10, 16, 16, 24, 8, 10, 50, 20])
    return wb
