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
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
import threading
import uuid
from collections.abc import Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, overload
from urllib.parse import quote as url_quote

import attrs

from .. import __version__
from ..errors import GovrulesError, Problem
from ..messages import csv_reason, library_reason, os_reason, text, type_name
from .forms import (
    form_cells,
    MISSING,
    content_kind,
    file_head,
    InputError,
    cell_discretion,
    remembering_reader,
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
)
from ..numbers import fmt
from ..pack import Pack
from .assessors import assessor_view
from ..engine.result import Result
from ..rubric.model import FactSpec
from .outcome import Losses, Outcome, Spill, detail_of, missing_facts, outcome_of, reduced
from ..fileio import write_all
from ..untrusted import has_lone_surrogate
from .unitstore import UnitStore

#: Shared by every settled unit without problems or parts (never appended to: reading is over).
_NONE: list[Any] = []
_NO_CELLS: dict[str, str] = {}  # shared by settled units (never written to)

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
    """Where in ``data`` (keys or text values) a lone surrogate is; walked without recursion, bounded.

    Almost no input holds one: its JSON text (made in C, every text and key of
    every dict, list and tuple in it, other values left out) is searched once
    first, and only an input where it finds one, or that it cannot encode, is
    walked to say where.
    """
    try:
        whole = json.dumps(data, ensure_ascii=False, default=_nothing)
    except (TypeError, ValueError, RecursionError):  # a key json cannot take, a cycle, too deep: the walk says
        pass
    else:
        if not has_lone_surrogate(whole):
            return []
    return _surrogate_walk(data, limit)


def _surrogate_walk(data: Any, limit: int) -> list[str]:
    """:func:`_surrogate_paths` the long way: every key and text of ``data`` looked at."""
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


def pack_graded(pack: Pack) -> bool:
    """Whether ``pack`` declares grades (等次) or vetoes: then every table shows 等次."""
    return bool(pack.spec.grades or pack.spec.vetoes)


def _nothing(value: Any) -> None:
    return None  # a value other than text, a number, a dict, a list or a tuple: no text the walk would look into


class Written(Sequence[Path]):
    """The paths a batch wrote: its folder joined to each name as it is read.

    A province writes 40,000 files and the command only counts them: making
    each path at once took 0.1 s at the run's very end.
    """

    def __init__(self, folder: Path, names: list[str]) -> None:
        self.folder, self.names = folder, names

    def __len__(self) -> int:
        return len(self.names)

    @overload
    def __getitem__(self, i: int) -> Path: ...
    @overload
    def __getitem__(self, i: slice) -> list[Path]: ...
    def __getitem__(self, i: int | slice) -> Path | list[Path]:
        if isinstance(i, slice):
            return [self.folder / n for n in self.names[i]]
        return self.folder / self.names[i]


def sheet_files(stem: str, pdf: bool) -> dict[str, str]:
    """A unit's sheets in the output folder by kind, from their stem (``NNN_<unit>``)."""
    files = {"json": f"units/{stem}.json", "html": f"units/{stem}.html"}
    if pdf:
        files["pdf"] = f"units/{stem}.pdf"
    return files


@attrs.define
class Unit:
    """One unit of a batch: where it came from, its input, and what became of it.

    Once scored, a unit keeps its :class:`Outcome` (the figures the ranking and
    summaries need) and where its detail rows were spilled; its input and, in a
    streaming run, its full result are let go (see :mod:`.outcome`).
    """

    index: int  # 1-based, in input order
    where: str  # "units.csv 第3行" or "北洲子镇.json"
    unit: str | None
    data: dict[str, Any] | None
    problems: list[Problem] = attrs.field(factory=list)
    result: Result | None = None  # kept by score_units (the in-memory API); a streaming run keeps none
    rank: int | None = None
    stem: str | None = None  # its sheets' file name in units/ (NNN_<unit>), once written
    # A unit given in parts (files or rows naming their assessor): each part's place and input.
    parts: list[tuple[str, dict[str, Any]]] = attrs.field(factory=list)
    outcome: Outcome | None = None
    detail_at: int | None = None  # where its Detail is in the batch's Spill
    pending: list[Any] | None = None  # a table row's cells, read into ``data`` by :func:`prepare` (in a worker, in a streaming run)
    # Where each fact is filled in (a table's cell, a form's row), so that a blank one is named by its cell.
    cells: Mapping[str, str] = attrs.field(factory=dict)
    pdf: bool = False  # its 考核表 as PDF is written too (batch --pdf)
    # Its row of 得分明细 as a worker made it (summary_xlsx.score_row), pickled, on its way into the store (not kept on the unit).
    score_row: Any = None
    # Its input was read from a table row whose cells were searched for lone surrogates (a cell holding one is left
    # out, with a problem): nothing in ``data`` can hold one, so scoring it need not search again.
    searched: bool = False

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled by its fields in order and rebuilt through __init__: each chunk of a streamed batch goes to a worker
        # pickled, and attrs' state dict, set back field by field, took the worker 11 µs a unit to read against 2.
        return (Unit, tuple([getattr(self, f) for f in _UNIT_FIELDS]))

    @property
    def failed(self) -> bool:
        return self.outcome is None

    @property
    def files(self) -> dict[str, str]:
        """Its sheets in the output folder (made from ``stem``: a province's units keep one string each, not a dict)."""
        return sheet_files(self.stem, self.pdf) if self.stem is not None else {}

    def settled(self) -> None:
        """Let go of what a scored unit no longer needs (its input; empty lists shared)."""
        self.data = self.pending = None
        self.parts = _NONE
        self.cells = _NO_CELLS
        if not self.problems:
            self.problems = _NONE

    @property
    def state(self) -> str:
        """``ranked``, ``incomplete``, ``checklist`` (unscored pack) or ``failed``."""
        return "failed" if self.outcome is None else self.outcome.state

    def fail(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.result = None
        self.outcome = None
        self.detail_at = None


_UNIT_FIELDS = tuple(f.name for f in attrs.fields(Unit))


@attrs.define
class Batch:
    pack: Pack
    source: str
    units: list[Unit] | UnitStore  # a streamed batch's are stored (:mod:`.unitstore`), one row each
    input_problems: list[Problem] = attrs.field(factory=list)  # problems with the input as a whole (its header)
    skipped: list[str] = attrs.field(factory=list)
    columns: list[Column] = attrs.field(factory=list)  # a table input's columns (parse_header)
    losses: Losses = attrs.field(factory=lambda: Losses())  # points lost per indicator, for the charts
    unit_sheets: bool = True  # whether units/ was written (by default not above UNIT_SHEETS_UP_TO units)

    @property
    def stored(self) -> UnitStore | None:
        """The store a streamed batch keeps its units in (None where they are a list: :func:`score_units`)."""
        return self.units if isinstance(self.units, UnitStore) else None

    @property
    def failed(self) -> Sequence[Unit]:
        return self.in_state("failed")

    def in_state(self, state: str, target: str | None = None) -> Sequence[Unit]:
        """The units in ``state`` (see :attr:`Unit.state`), of ``target`` where given, in input order."""
        if self.stored is not None:
            return self.stored.in_state(state, target)
        return [u for u in self.units if u.state == state and (target is None or (u.outcome is not None and u.outcome.target == target))]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.input_problems

    def groups(self) -> list[tuple[str, str, list[Unit]]]:
        """(target id, name, units) for each target scored, in the pack's target order."""
        out: list[tuple[str, str, Any]] = []
        if self.stored is not None:
            store, scored = self.stored, self.stored.targets()
            return [(t.id, t.name, store.of_target(t.id)) for t in self.pack.spec.targets if t.id in scored]
        for t in self.pack.spec.targets:
            units = [u for u in self.units if u.outcome is not None and u.outcome.target == t.id]
            if units:
                out.append((t.id, t.name, units))
        return out

    def ranked(self, target: str) -> Sequence[Unit]:
        """The ranked units of ``target``, highest total first, input order among equals."""
        if self.stored is not None:
            return self.stored.ranked(target)
        return sorted(
            (u for u in self.units if u.outcome is not None and u.outcome.state == "ranked" and u.outcome.target == target),
            key=lambda u: (-(u.outcome.total), u.index),  # type: ignore[union-attr,operator]
        )

    def ranked_with_self_total(self, target: str) -> int:
        """How many of :meth:`ranked` have a 自评合计 (a stored batch counts them without reading its units)."""
        if self.stored is not None:
            return self.stored.ranked_with_self_total(target)
        return sum(1 for u in self.ranked(target) if u.outcome is not None and u.outcome.self_total is not None)

    @property
    def incomplete(self) -> Sequence[Unit]:
        return self.in_state("incomplete")

    @property
    def graded(self) -> bool:
        """Whether the pack declares grades (等次) or vetoes: then every table shows 等次."""
        return pack_graded(self.pack)

    def grade_counts(self) -> list[dict[str, Any]]:
        """Per target: how many units got each grade, best first, and how many have none yet (待定)."""
        out = []
        for tid, name, units in self.groups():
            view = self.pack.view(tid)
            scale = [b.grade for b in view.grading.bands] if view.grading is not None else []
            counts = dict.fromkeys(scale, 0)
            pending = 0
            for u in units:
                grade = u.outcome.grade if u.outcome is not None else None
                if grade is None:
                    pending += 1
                else:
                    counts[grade] += 1
            out.append({"target": tid, "target_name": name, "counts": counts, "pending": pending if scale else 0, "unstated": not scale})
        return out

    def counts(self) -> dict[str, int]:
        if self.stored is not None:
            return {"total": len(self.units), **self.stored.state_counts()}
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
    from xlsxwriter.utility import xl_col_to_name  # not openpyxl's: importing openpyxl costs a CSV batch 0.12 s

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
        col = xl_col_to_name(i)
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


#: Above this many units (rows of a table, files of a folder) a batch leaves out the per-unit sheets unless
#: asked for them (``--unit-sheets``): a province's 乡镇 and 部门 stay well within it, and beyond it the two
#: files a unit would be hundreds of thousands of files that nobody opens one by one. docs/cli.md says why.
UNIT_SHEETS_UP_TO = 20_000


def unit_sheets_by_default(units: int) -> bool:
    """Whether a batch of (at most) this many units writes each unit's sheets when not told."""
    return units <= UNIT_SHEETS_UP_TO


@attrs.frozen
class _Plan:
    """What reading a table's rows needs of its columns, worked out once per table rather than once per row."""

    pack: Pack
    columns: tuple[Column, ...]
    # Per column: the column, what reads its non-blank cells (fact columns: forms.remembering_reader of the fact's type), its header as problems name it.
    cells: tuple[tuple[Column, Any, str], ...]
    # Per fact or 扣分 column: its fact -> the cell's name after the row's place (「C列「…」」).
    places: dict[str, str]
    # What reads a 自评 cell (forms._to_number, remembering the table's cell texts).
    number: Any


def row_plan(columns: list[Column], pack: Pack) -> _Plan:
    """The plan for reading a table's rows, made once per table by whoever reads them (a batch's workers get it
    with their job), so that no row works it out again and nothing is kept between tables."""
    from xlsxwriter.utility import xl_col_to_name

    specs = {f.name: f for f in pack.spec.facts}
    cells = tuple((c, _reader(specs.get(c.key)) if c.kind == "fact" else None, clean(c.header)) for c in columns)
    places = {c.key: f"{xl_col_to_name(c.index)}列「{clean(c.header)}」" for c in columns if c.kind in ("fact", "points")}
    return _Plan(pack, tuple(columns), cells, places, remembering_reader("number"))


def _reader(spec: FactSpec | None) -> Any:
    assert spec is not None  # parse_header makes a fact column only of a fact the pack declares
    return remembering_reader(spec.type)


def row_assessment(columns: list[Column], values: list[Any], pack: Pack, where: str) -> tuple[str | None, dict[str, Any], list[Problem]]:
    """One table row as (unit, assessment input, problems reading its cells)."""
    return _read_row(row_plan(columns, pack), values, where)


def _read_row(plan: _Plan, values: list[Any], where: str) -> tuple[str | None, dict[str, Any], list[Problem]]:
    pack, columns = plan.pack, plan.columns
    data: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    discretion: dict[str, dict[str, Any]] = {}
    reviews: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    unit = None

    extra = [i for i in range(len(columns), len(values)) if not is_blank(values[i])]
    if extra:
        problems.append(Problem.coded(where, "batch.beyond_header", count=len(extra), column=extra[0] + 1))

    width = len(values)
    # One search over the row's text: most rows hold no lone surrogate, and then no cell needs its own.
    try:
        joined = "\n".join(values)  # a CSV row's cells are all text
    except TypeError:
        joined = "\n".join(v for v in values if isinstance(v, str))
    surrogates = has_lone_surrogate(joined)
    for c, read, header in plan.cells:
        v = values[c.index] if c.index < width else None
        if surrogates and isinstance(v, str) and has_lone_surrogate(v):
            problems.append(Problem.coded(f"{where} 列「{header}」", "batch.not_text_value"))
            if c.kind == "unit":
                unit = clean(v).strip()
            continue
        if read is not None:  # a fact's column, most of a table's (checked first; what follows is as for every other column)
            if v is None or (isinstance(v, str) and not v.strip()):  # is_blank, inline: a row has dozens of cells
                continue
            try:
                facts[c.key] = read(v)
            except ValueError as exc:
                problems.append(Problem(f"{where} 列「{header}」", str(exc)))
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
            if v is not None and (not isinstance(v, str) or v.strip()):  # is_blank, inline: a table has 4 columns per reviewable row
                reviews.setdefault(c.key, {})[c.field] = v
            continue
        if is_blank(v):
            continue
        try:
            if c.kind == "self":
                data.setdefault("self_assessment", {})[c.key] = plan.number(v)
            elif c.kind == "na":
                data.setdefault("not_applicable", {})[c.key] = str(v).strip()
            elif c.kind == "evidence":
                data.setdefault("evidence", {})[c.key] = split_list(v)
        except ValueError as exc:
            problems.append(Problem(f"{where} 列「{header}」", str(exc)))
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
    votes = [_utf8_vote(line) for line in raw.split(b"\n")]
    return votes.count(1) > votes.count(-1)


def _utf8_vote(line: bytes) -> int:
    """A line's say in :func:`_looks_utf8`: none if it is ASCII, for if it decodes as UTF-8, against if not."""
    if line.isascii():
        return 0
    return 1 if _decodes(line, "utf-8") else -1


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


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _csv_records(text: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(record number, fields, error) for each CSV record; a record the csv module refuses is an error of that record alone."""
    # Lines cut from the text one at a time, as io.StringIO(text, newline="") gives them (at \n, \r or \r\n,
    # kept): a StringIO copies the whole text, at four bytes a character (84 MB for 100,000 rows).
    return _records(csv.reader(m.group() for m in _LINES.finditer(text)))


def _csv_file_records(p: Path, encoding: str, errors: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """:func:`_csv_records` of the file's text as :func:`_decode` gives it, read as it goes (newline="": the same lines)."""
    with open(p, encoding=encoding, errors=errors, newline="") as fh:
        yield from _records(csv.reader(fh))


@attrs.frozen
class _CsvScan:
    """What a pass over a CSV file's bytes found: the encoding :func:`_decode` would choose, its lines, whether it quotes."""

    encoding: str
    errors: str
    lines: int  # as _csv_rows counts them: "\n"s, one more for a last line without one, less the header
    quoted: bool

    def rows(self, p: Path) -> int:
        """:func:`_csv_rows` of its text."""
        if self.lines <= UNIT_SHEETS_UP_TO or not self.quoted:
            return self.lines
        return sum(1 for _ in _csv_file_records(p, self.encoding, self.errors)) - 1


def _csv_scan(p: Path) -> _CsvScan:
    """:func:`_decode`'s choice for a file, made line by line: neither UTF-8 nor GB18030 has a newline byte inside
    a character, so the whole decodes exactly when each line does, and :func:`_looks_utf8` counts the same lines."""
    good = bad = newlines = 0
    quoted = False
    last = b""
    with open(p, "rb") as fh:
        for line in fh:
            last = line
            newlines += line.endswith(b"\n")
            quoted = quoted or b'"' in line
            vote = _utf8_vote(line)
            good += vote == 1
            bad += vote == -1
    lines = newlines + (not last.endswith(b"\n")) - 1
    if not bad:
        return _CsvScan("utf-8-sig", "strict", lines, quoted)
    if not good > bad:
        with open(p, "rb") as fh:  # a second pass, for a file that is not UTF-8 only
            if all(_decodes(line, "gb18030") for line in fh):
                return _CsvScan("gb18030", "strict", lines, quoted)
    return _CsvScan("utf-8-sig", "surrogateescape", lines, quoted)


def _decodes(line: bytes, encoding: str) -> bool:
    try:
        line.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str] | None, str | None]]:
    n = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            n += 1
            yield n, None, csv_reason(exc)
            continue
        n += 1
        yield n, row, None


def _csv_rows(text: str) -> int:
    """How many rows a CSV has below its header: its lines, unless a quoted cell may run over several lines
    and the count decides whether per-unit sheets are written (:data:`UNIT_SHEETS_UP_TO`); then its records."""
    lines = text.count("\n") + (not text.endswith("\n")) - 1
    if lines <= UNIT_SHEETS_UP_TO or '"' not in text:
        return lines
    return sum(1 for _ in _csv_records(text)) - 1


def _table_units(rows: Iterable[tuple[int, list[Any] | None, str | None]], name: str, number: Iterator[int]) -> Iterator[Unit]:
    """A unit per row, its cells still to be read (:func:`prepare`): reading them is a worker's job in a streaming run."""
    for rownum, values, error in rows:
        where = f"{name} 第{rownum}行"
        if values is None:
            yield Unit(next(number), where, None, None, [Problem.coded(where, "batch.row_unreadable", error=error)])
            continue
        if all(is_blank(v) for v in values):
            continue  # an empty row is not a unit
        yield Unit(next(number), where, None, None, pending=values)


def prepare(u: Unit, plan: _Plan) -> None:
    """Read a table row's cells into the unit's input (problems, never an exception); ``plan`` is its table's :func:`row_plan`."""
    if u.pending is None:
        return
    values, u.pending = u.pending, None
    try:
        unit, data, row_problems = _read_row(plan, values, u.where)
    except Exception as exc:  # one row never stops the others
        unit, data, row_problems = None, None, [_unexpected(u.where, exc)]
    u.unit, u.data, u.problems = unit, data, row_problems
    u.searched = data is not None
    u.cells = _RowCells(u.where, plan.places)


class _RowCells(Mapping[str, str]):
    """Each fact's cell in a table row (「units.csv 第7行 C列「…」」), named when asked: only an incomplete unit's
    blank cells ever are (:func:`blank_cells`), and a province has tens of thousands of rows."""

    __slots__ = ("where", "places")

    def __init__(self, where: str, places: dict[str, str]) -> None:
        self.where, self.places = where, places

    def __getitem__(self, key: str) -> str:
        return f"{self.where} {self.places[key]}"

    def __iter__(self) -> Iterator[str]:
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)


def blank_cells(u: Unit, pack: Pack) -> list[str]:
    """The facts an incomplete unit left blank, each with its cell: what to fill in for it to be ranked.

    A streamed unit's are worked out where it was scored (its cells are let go once it is: :attr:`.outcome.Outcome.blanks`)."""
    if u.outcome is not None and u.outcome.blanks:
        return list(u.outcome.blanks)
    if u.result is not None:
        missing = missing_facts(u.result)
    else:
        assert u.outcome is not None
        missing = list(u.outcome.missing_facts)
    labels = {f.name: f.label for f in pack.spec.facts}
    return [
        f"{u.cells[name]}：未填（{labels.get(name, name)}，{name}）" if name in u.cells else f"{u.where}：缺少「{labels.get(name, name)}」（{name}）：表中没有这一列"
        for name in missing
    ]


def _header(batch: Batch, header: list[Any], pack: Pack, name: str) -> None:
    batch.columns, problems = parse_header(header, pack, name)
    batch.input_problems.extend(problems)


def _read_bytes(p: Path, limit: int) -> bytes:
    with open(p, "rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise InputError(f"{clean(p)} 太大", [Problem.coded(clean(p), "batch.too_large", limit=limit)])
    return raw


#: Why a CSV input is not CSV text, by what its first bytes look like (:func:`.forms.content_kind`).
_NOT_CSV = {"zip": "batch.csv_is_xlsx", "ole2": "batch.csv_is_xls", "utf16": "batch.csv_utf16", "binary": "batch.csv_binary"}


def _refuse_binary(p: Path, head: bytes | None) -> None:
    """Raise :class:`InputError` if a CSV input's first bytes are not text (``head`` None: not looked at).

    A file is refused whole when it starts as a workbook or as UTF-16 does, or
    when its header line holds a NUL byte; a NUL in a later row is that row's
    problem alone (one bad row never stops the others).
    """
    kind = content_kind(head) if head else "text"
    if kind == "binary" and b"\x00" not in head.split(b"\n", 1)[0]:  # type: ignore[union-attr]
        kind = "text"
    code = _NOT_CSV.get(kind)
    if code is not None:
        raise InputError.coded("batch.summary.not_csv", [Problem.coded(clean(p), code)], path=clean(p))


def read_units(path: str | Path, pack: Pack) -> Batch:
    """The units of a batch input: a directory of files, a CSV file, or an Excel workbook.

    Whatever a file or row holds, it becomes a unit with problems (reported
    with its file and row), never an exception; only an input that cannot be
    read at all (missing, not CSV/Excel, no header) raises :class:`InputError`.
    """
    batch, units, _count = open_units(path, pack)
    plan = row_plan(batch.columns, pack)
    for u in units:
        prepare(u, plan)
        batch.units.append(u)
    return batch


def open_units(path: str | Path, pack: Pack) -> tuple[Batch, Iterator[Unit], int]:
    """The batch (no units yet), its units one at a time, and how many there are at most (for a progress bar).

    The input as a whole is checked here (an :class:`InputError` is raised at
    once); each unit is read only when the iterator reaches it, so a streaming
    run holds one chunk of inputs at a time.
    """
    p = Path(path)
    batch = Batch(pack, clean(path), [])
    number = itertools.count(1)
    if not p.exists():
        raise InputError(f"找不到输入：{clean(path)}", [Problem.coded(clean(path), "os.ENOENT")])
    if p.is_dir():
        try:
            entries = sorted(p.iterdir(), key=lambda x: x.name)
        except OSError as exc:
            raise InputError(f"无法读取 {clean(path)}", [Problem(clean(path), os_reason(exc))]) from None
        return batch, _folder_units(entries, pack, batch, clean(path), number), len(entries)
    kind = kind_of(str(p))
    if kind == "csv":
        try:
            # Bytes that are not text (a workbook, a NUL) would be read as a header of binary "columns": refused, saying what they look like.
            _refuse_binary(p, file_head(p) if p.is_file() else None)
            if p.is_file():
                # Read as it is scored, never held whole: its encoding and rows are found by a first pass over its bytes.
                if p.stat().st_size > CSV_BYTES_MAX:
                    raise InputError(f"{clean(p)} 太大", [Problem.coded(clean(p), "batch.too_large", limit=CSV_BYTES_MAX)])
                scan = _csv_scan(p)
                records = _csv_file_records(p, scan.encoding, scan.errors)
                rows: Callable[[], int] = lambda: scan.rows(p)
            else:  # a pipe can be read once: its text is held
                raw = _read_bytes(p, CSV_BYTES_MAX)
                _refuse_binary(p, raw[:8192])
                text = _decode(raw, clean(p.name))
                del raw
                records = _csv_records(text)
                rows = lambda: _csv_rows(text)
            first = next(records, None)
        except OSError as exc:
            raise InputError(f"无法读取 {clean(path)}", [Problem(clean(path), os_reason(exc))]) from None
        if first is None:
            raise InputError(f"{clean(path)} 是空文件", [Problem.coded(clean(path), "batch.no_header")])
        if first[1] is None:
            raise InputError(f"{clean(path)} 不是有效的 CSV", [Problem.coded(f"{clean(p.name)} 第1行", "batch.header_unreadable", error=first[2])])
        _header(batch, first[1], pack, clean(p.name))
        return batch, _table_units(records, clean(p.name), number), rows()
    if kind == "xlsx":
        book = open_workbook(p)
        if is_form(book):
            return batch, iter([_file_unit(p, pack, 1, book)]), 1
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
        _header(batch, list(rows[0]), pack, name)
        return batch, _table_units(((i, list(r), None) for i, r in enumerate(rows[1:], start=2)), name, number), len(rows) - 1
    # A single JSON / YAML assessment file: a batch of one.
    try:
        unit = _file_unit(p, pack, 1)
    except Exception as exc:
        unit = Unit(1, clean(p.name), None, None, [_unexpected(clean(p.name), exc)])
    return batch, iter([unit]), 1


def _folder_units(entries: list[Path], pack: Pack, batch: Batch, given: str, number: Iterator[int]) -> Iterator[Unit]:
    any_unit = False
    for f in entries:
        if f.name.startswith(".") or f.name.startswith("~$") or f.is_dir():
            continue
        if f.suffix.lower() not in FILE_SUFFIXES:
            batch.skipped.append(f"{clean(f.name)}：不是 .json / .yaml / .yml / .xlsx，未读取")
            continue
        index = next(number)
        any_unit = True
        try:
            yield _file_unit(f, pack, index)
        except Exception as exc:  # one file never stops the others
            yield Unit(index, clean(f.name), None, None, [_unexpected(clean(f.name), exc)])
    if not any_unit:
        batch.input_problems.append(Problem.coded(given, "batch.empty_directory"))


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


def _checked_input(u: Unit, target: str | None) -> tuple[str, Any] | None:
    """What both ways of scoring a unit start from: ``("parts", (inputs, names, default target))`` or ``("one", input)``.

    None with the unit's problems set where some text cannot be written to any file (a lone surrogate).
    """
    if u.parts:
        bad = [f"{w} {b}" for w, d in u.parts for b in _surrogate_paths(d)]
        if bad:
            u.problems = [Problem.coded(b, "batch.surrogate") for b in bad]
            return None
        # --target is the default for units whose parts name none.
        default = None if any(d.get("target") for _, d in u.parts) else target
        return "parts", ([d for _, d in u.parts], [w for w, _ in u.parts], default)
    data = u.data
    assert data is not None
    if target is not None and not data.get("target"):
        data = {**data, "target": target}  # --target is the default for rows that name none
    bad = [] if u.searched else _surrogate_paths(data)
    if bad:
        u.problems = [Problem.coded(f"{u.where} {b}", "batch.surrogate") for b in bad]
        return None
    return "one", data


def _for_unit(u: Unit, call: Callable[[], Any]) -> Any:
    """``call()``, or None with the unit's problems set from what it raised: one unit never stops the others."""
    try:
        return call()
    except GovrulesError as exc:
        if u.parts:
            u.problems = list(exc.problems) or [Problem(u.where, exc.summary)]  # each names its part already
        else:
            u.problems = [attrs.evolve(p, where=f"{u.where} {p.where}".strip()) for p in exc.problems] or [Problem(u.where, exc.summary)]
    except Exception as exc:
        u.problems = [_unexpected(u.where, exc)]
    return None


def assess_unit(pack: Pack, u: Unit, target: str | None) -> Result | None:
    """One unit's result, or None with its problems set (prefixed with where it came from); never raises.

    A unit given in parts (:func:`gather_parts`) is scored from all of them.
    """
    got = _for_unit(u, lambda: _checked_input(u, target))
    if got is None:
        return None
    kind, given = got
    return _for_unit(u, (lambda: pack.assess_merged(*given)) if kind == "parts" else (lambda: pack.assess(given)))


def score_units(batch: Batch, target: str | None = None, advance: Callable[[], None] | None = None) -> None:
    """Score every readable unit, keeping each result (the in-memory API; ``govrules batch`` streams, see :mod:`.streaming`).

    ``target`` is used for the units whose input names no target. Any
    exception while scoring one unit becomes a problem of that unit; the
    others are still scored.
    """
    batch.units = gather_parts(batch.units)
    cohort = batch.pack.has_cohort_rules
    inputs: list[tuple[Unit, dict[str, Any]]] = []
    for u in batch.units:
        try:
            if u.problems or (u.data is None and not u.parts):
                continue
            if cohort:  # validated now, scored with its cohort below once every unit is read
                data = cohort_input(batch.pack, u, target)
                if data is not None:
                    inputs.append((u, data))
                continue
            result = assess_unit(batch.pack, u, target)
            if result is not None:
                u.result, u.outcome = result, outcome_of(result)
        finally:
            if advance is not None and not cohort:
                advance()
    if cohort:
        score_cohorts(batch.pack, inputs)
        for u, _ in inputs:
            if u.result is not None:
                u.outcome = outcome_of(u.result)
        if advance is not None:
            for _ in batch.units:
                advance()
    seen: dict[tuple[str, str], Unit] = {}
    for u in batch.units:
        duplicate(seen, u)
    settle(batch)


def duplicate(seen: dict[tuple[str, str], Unit] | UnitStore, u: Unit) -> bool:
    """Whether ``u`` names a unit already scored for the same target (then it fails; the first one stands).

    ``seen``: the units so far, by (target, name), or the store they were put in (asked by its index).
    """
    if u.outcome is None or u.unit is None:
        return False
    key = (u.outcome.target, u.unit)
    if isinstance(seen, UnitStore):
        other = seen.first_named(*key)
    else:
        other = seen[key].where if key in seen else None
        if other is None:
            seen[key] = u
    if other is not None:
        u.fail([Problem.coded(u.where, "batch.unit_twice", unit=repr(u.unit), other=other)])
        return True
    return False


def settle(batch: Batch) -> None:
    """Once every unit is scored: rank, and make every text encodable."""
    _rank(batch)
    _clean_texts(batch)


def gather_parts(units: list[Unit]) -> list[Unit]:
    """Join the parts of one unit (files or rows naming their ``assessor``) into one unit, in the place of its first part.

    Units of one name where none names an assessor stay apart: the check
    below reports the name given twice, as before. A part that cannot be
    read fails its whole unit: a unit scored without one of its parts would
    look complete and be wrong.
    """
    from ..rubric.scope import unit_key

    groups: dict[str, list[Unit]] = {}
    for u in units:
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
        units[units.index(first)] = joined
        drop.update(id(m) for m in members[1:])
    return [u for u in units if id(u) not in drop]


def cohort_input(pack: Pack, u: Unit, target: str | None) -> dict[str, Any] | None:
    """A unit's validated input (its parts merged), to be scored with its cohort; None with its problems set."""
    got = _for_unit(u, lambda: _checked_input(u, target))
    if got is None:
        return None
    kind, given = got

    def validated() -> dict[str, Any]:
        data = pack.merge(*given) if kind == "parts" else given
        pack.validate(data)
        return data

    return _for_unit(u, validated)


def score_cohorts(pack: Pack, inputs: list[tuple[Unit, dict[str, Any]]]) -> None:
    """Score a pack with cohort rules: the cohort of each target is its units in the batch that validated, named once each."""
    from ..rubric.scope import unit_key

    by_target: dict[str, list[tuple[Unit, dict[str, Any]]]] = {}
    seen: dict[tuple[str, str], Unit] = {}
    for u, data in inputs:
        view, assessment = pack.validate(data)
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
            results = pack.assess_cohort([data for _, data in group])
        except GovrulesError as exc:  # each input validated alone: only the cohort as a whole can still be refused
            for u, _ in group:
                u.problems = [attrs.evolve(p, where=f"{u.where} {p.where}".strip()) for p in exc.problems] or [Problem(u.where, exc.summary)]
            continue
        except Exception as exc:
            for u, _ in group:
                u.problems = [_unexpected(u.where, exc)]
            continue
        for (u, _), result in zip(group, results):
            u.result = result


def _rank(batch: Batch) -> None:
    if batch.stored is not None:
        batch.stored.rank()
        return
    for u in batch.units:
        u.rank = None
    for target_id_, _name, _units in batch.groups():
        rank = 0
        previous: Decimal | None = None
        for n, u in enumerate(batch.ranked(target_id_), start=1):
            assert u.outcome is not None and u.outcome.total is not None
            if previous is None or u.outcome.total != previous:
                rank = n  # ties share a rank; the next rank skips (1, 2, 2, 4)
                previous = u.outcome.total
            u.rank = rank


def clean_unit(u: Unit) -> bool:
    """Make a unit's texts encodable (a problem may quote the input it refuses); True if one changed."""
    before = (u.where, u.unit, u.problems)
    u.where = clean(u.where)
    if u.unit is not None:
        u.unit = clean(u.unit)
    if u.problems:
        u.problems = [Problem(clean(p.where), clean(p.message)) for p in u.problems]
    return (u.where, u.unit, u.problems) != before


def _clean_texts(batch: Batch) -> None:
    """Make every text a writer will meet encodable."""
    if batch.stored is not None:
        if not batch.stored.cleaned:  # a streamed batch cleans each unit as it is stored
            batch.stored.update_each(clean_unit)  # a stored unit is written back only where a text changed
    else:
        for u in batch.units:
            clean_unit(u)
    batch.input_problems = [Problem(clean(p.where), clean(p.message)) for p in batch.input_problems]
    batch.skipped = [clean(t) for t in batch.skipped]
    batch.source = clean(batch.source)


# --------------------------------------------------------------------- writing


def slug(text: str) -> str:
    s = re.sub(r'[\\/:*?"<>|#%&{}$!\'`=+@\x00-\x1f\s]+', "_", text).strip("._-")
    return s[:40] or "unit"


def unit_json(result: Result) -> bytes:
    """A unit's JSON sheet: ``result.to_json(recoverable=True)``, one line, and a newline.

    The same text the library and ``POST /packs/{id}/assess`` give for the
    result, with the 可挽回分值 its HTML sheet and workbook rows list
    (:meth:`.Result.recoverable`, worked out once and kept) added last.
    Compact rather than indented: put together from each row's text
    (:meth:`.Result.to_json`), where indenting re-encodes every value of the
    unit's dict. Measured with callgrind on datonghu 乡镇 units of
    bench/province.py, a batch worker's instructions a unit with its sheets
    went from 3.47 to 3.37 million (session 9, docs/performance.md).
    """
    return (result.to_json(recoverable=True) + "\n").encode("utf-8")


def _write_new(path: str, data: bytes) -> None:
    """Write a file with one ``open`` and one ``write``, no Python file object (a province writes 40,000 of these).

    Measured writing 4,000 files of 8 KB: some 5 µs of CPU a file less than
    pathlib's ``write_bytes`` (15 against 20 µs on a quiet disk); what the
    kernel spends creating each file (50–200 µs here, varying with the disk's
    load) is the same either way.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)


def unit_sheets(result: Result, u: Unit, pdf: bool = False) -> tuple[str, list[tuple[str, bytes]]]:
    """One unit's sheets made, not yet written: their stem and each file's name in the output folder (:func:`sheet_files`) with its bytes.

    All are made before any is written (:func:`write_unit_sheets`): a unit
    whose sheet cannot be made raises and leaves no file.
    """
    from .html import score_html

    stem = f"{u.index:03d}_{slug(u.unit or 'unit')}"
    names = sheet_files(stem, pdf)
    files = [(names["json"], unit_json(result)), (names["html"], score_html(result).encode("utf-8"))]
    if pdf:
        from .pdf import score_pdf

        files.append((names["pdf"], score_pdf(result)))
    return stem, files


def write_unit_sheets(out: Path, files: list[tuple[str, bytes]]) -> None:
    """Write sheets :func:`unit_sheets` made into ``out``."""
    for name, data in files:
        _write_new(os.path.join(out, name), data)


def unit_files(result: Result, u: Unit, out: Path, sheets: bool = True, pdf: bool = False) -> str | None:
    """Write one unit's sheets (units/NNN_<unit>.json and .html, and .pdf with ``pdf``) into ``out``; their stem, or None when ``sheets`` is off."""
    if not sheets:
        return None
    stem, files = unit_sheets(result, u, pdf)
    write_unit_sheets(out, files)
    return stem


class Lazy(list):  # type: ignore[type-arg]
    """A list whose items are made each time it is iterated, never held.

    summary.json and the pages of a province's 100,000 units are written from
    these (:func:`write_summary_json` and Jinja2 both just iterate), so the
    ranking's dicts exist one at a time.
    """

    def __init__(self, make: Callable[[], Iterable[Any]], size: int) -> None:
        super().__init__()
        self._make, self._size = make, size

    def __iter__(self) -> Iterator[Any]:
        return iter(self._make())

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0


def write_summary_json(data: dict[str, Any], fh: Any) -> None:
    """Write summary.json to ``fh``: ``data`` indented by two spaces as ``json.dumps(indent=2)`` writes it, except
    that each entry of a :class:`Lazy` list (a unit) is on one line of its own; parsing it gives the same value.

    A province's units are written one at a time, never all in memory. json's
    indenting encoder is pure Python; without ``indent``, ``json.dumps`` uses
    the C encoder, several times faster on a unit's entry (docs/performance.md, session 9).
    """
    lazies: list[Lazy] = []
    # Each Lazy list stands in the indented text as a string of its own: a NUL (which json writes \u0000), a
    # token made for this call (no text of the data can hold it) and the list's number.
    token = secrets.token_hex(8)
    parts = re.split(rf'"\\u0000{token}:([0-9]+)\\u0000"', json.dumps(_stand_in(data, lazies, token), ensure_ascii=False, indent=2))
    assert parts[1::2] == [str(n) for n in range(len(lazies))]  # each list once, in order
    for n, part in enumerate(parts):
        if n % 2 == 0:
            fh.write(part)
            continue
        entries = lazies[int(part)]
        if not entries:
            fh.write("[]")
            continue
        line = parts[n - 1].rsplit("\n", 1)[-1]  # the line the list opens on: its indent is the list's
        indent = line[: len(line) - len(line.lstrip(" "))]
        fh.write("[")
        comma = "\n"
        for entry in entries:
            fh.write(f"{comma}{indent}  {json.dumps(entry, ensure_ascii=False)}")
            comma = ",\n"
        fh.write(f"\n{indent}]")
    fh.write("\n")


def _stand_in(value: Any, lazies: list[Lazy], token: str) -> Any:
    """``value`` with each Lazy list in it put in ``lazies`` and replaced by its stand-in (:func:`write_summary_json`).

    A module function, not a closure calling itself: that would be a reference
    cycle holding the batch's unit store (and its file) until the collector runs.
    """
    if isinstance(value, Lazy):
        lazies.append(value)
        return f"\x00{token}:{len(lazies) - 1}\x00"
    if isinstance(value, dict):
        return {k: _stand_in(v, lazies, token) for k, v in value.items()}
    if isinstance(value, list):
        return [_stand_in(v, lazies, token) for v in value]
    return value


def _lazy(units: Sequence[Unit], row: Callable[[Unit], Any]) -> Lazy:
    return Lazy(lambda: (row(u) for u in units), len(units))


def summary_data(batch: Batch, assessors: list[dict[str, Any]] | None = None, cohort: list[list[Any]] | None = None, *, lazy: bool = False) -> dict[str, Any]:
    """summary.json: rankings, incomplete, checklist and failed units, grade counts, the 负责考核部门 view and the cohort figures.

    Without ``assessors`` and ``cohort`` (a batch scored in memory by :func:`score_units`), both are worked out from its results.
    ``lazy``: the long lists are :class:`Lazy` (for :func:`write_summary_json` and the pages, which iterate
    them; ``json.dumps`` would see them empty), else plain lists.
    """
    listed: Callable[[Sequence[Unit], Callable[[Unit], Any]], Any] = _lazy if lazy else (lambda units, row: [row(u) for u in units])
    pack = batch.pack
    if assessors is None:
        assessors = assessor_view(batch)
    if cohort is None:
        cohort = cohort_rows(batch)
    rankings = []
    for tid, name, _units in batch.groups():
        rankings.append(
            {
                "target": tid,
                "target_name": name,
                "units": listed(
                    batch.ranked(tid),
                    lambda u: {
                        "rank": u.rank,
                        "unit": u.unit,
                        "total": fmt(u.outcome.total),  # type: ignore[union-attr]
                        **({"grade": u.outcome.grade} if batch.graded else {}),  # type: ignore[union-attr]
                        "max_total": fmt(u.outcome.max_total),  # type: ignore[union-attr]
                        "self_total": fmt(u.outcome.self_total),  # type: ignore[union-attr]
                        "where": u.where,
                        "files": u.files,
                    },
                ),
            }
        )
    data = {
        "pack": {"id": pack.id, "version": pack.version, "title": pack.title, "content_hash": pack.content_hash},
        "engine": {"name": "govrules", "version": __version__},
        "source": batch.source,
        "counts": batch.counts(),
        "rankings": rankings,
        "incomplete": listed(
            batch.incomplete,
            lambda u: {
                "unit": u.unit,
                "target": u.outcome.target,  # type: ignore[union-attr]
                "where": u.where,
                "not_checked": list(u.outcome.not_checked),  # type: ignore[union-attr]
                "missing_facts": list(u.outcome.missing_facts),  # type: ignore[union-attr]
                "base_sum": fmt(u.outcome.base_sum),  # type: ignore[union-attr]
                **({"grade": u.outcome.grade} if batch.graded else {}),  # type: ignore[union-attr]
                "files": u.files,
            },
        ),
        "checklist": listed(
            batch.in_state("checklist"),
            lambda u: {"unit": u.unit, "target": u.outcome.target, "where": u.where, "status_counts": u.outcome.status_counts, "files": u.files},  # type: ignore[union-attr]
        ),
        "failures": listed(batch.failed, lambda u: {"where": u.where, "unit": u.unit, "problems": [p.to_dict() for p in u.problems]}),
        "input_problems": [p.to_dict() for p in batch.input_problems],
        "skipped": list(batch.skipped),
    }
    if batch.graded:
        data["grades"] = batch.grade_counts()
    if assessors:  # only where the pack names 负责考核部门
        data["assessors"] = assessors
    if batch.pack.has_cohort_rules:  # only where rows are scored against the cohort
        data["cohort"] = [dict(zip(COHORT_KEYS, row)) for row in cohort or []]
    return data


COHORT_HEADER = ["考核对象", "单位", "编号", "指标", "规则", "本单位数值", "名次", "最优", "平均", "参加比较单位数", "得分", "说明"]
COHORT_KEYS = ("target", "unit", "item", "name", "rule", "value", "rank", "best", "mean", "n", "score", "text")


def cohort_rows(batch: Batch, spill: Spill | None = None) -> list[list[Any]]:
    """Each cohort row of each scored unit with the figures it was scored against, by target then input order (none without cohort rules).

    From the spilled details, or without ``spill`` from the results :func:`score_units` kept.
    """
    rows: list[list[Any]] = []
    if not batch.pack.has_cohort_rules:
        return rows
    for _tid, name, units in batch.groups():
        for u in units:
            if spill is not None and u.detail_at is not None:
                rows.extend([name, u.unit, *row] for row in spill.get(u.detail_at).cohort)
            elif spill is None and u.result is not None:
                rows.extend([name, u.unit, *row] for row in detail_of(u.result).cohort)
    return rows


def html_context(batch: Batch, assessors: list[dict[str, Any]], charts: dict[str, Any] | None = None) -> dict[str, Any]:
    groups = []
    names = {t.id: t.name for t in batch.pack.spec.targets}
    for tid, name, units in batch.groups():
        groups.append(
            {
                "target": tid,
                "target_name": name,
                "page": target_page(tid),
                "charts": (charts or {}).get(tid, []),
                "ranked": _lazy(
                    batch.ranked(tid),
                    lambda u: {"rank": u.rank, "unit": u.unit, "total": u.outcome.total, "grade": u.outcome.grade, "max_total": u.outcome.max_total, "self_total": u.outcome.self_cell, "where": u.where, "html": _href(u)},  # type: ignore[union-attr]
                ),
                "checklist": _lazy(
                    batch.in_state("checklist", tid),
                    lambda u: {"unit": u.unit, "counts": u.outcome.status_counts, "where": u.where, "html": _href(u)},  # type: ignore[union-attr]
                ),
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
        # Made as the page is written (Lazy): a province's incomplete and failed units are not listed at once.
        "incomplete": _lazy(batch.incomplete, lambda u: _incomplete_entry(u, names)),
        "failures": Lazy(
            lambda: itertools.chain(
                ({"where": u.where, "unit": u.unit, "problems": [str(p) for p in u.problems]} for u in batch.failed),
                [{"where": batch.source, "unit": None, "problems": [str(p) for p in batch.input_problems]}] if batch.input_problems else [],
            ),
            len(batch.failed) + bool(batch.input_problems),
        ),
        "assessors": assessors,
        "has_grades": batch.graded,
        "pending_word": text("grade.pending"),  # a graded unit without a grade yet; the loader keeps bands from this word
        "grade_counts": batch.grade_counts() if batch.graded else [],
        "up": "",  # how a page reaches the output folder (a target's page is in targets/)
        "target_page": False,
    }


def _incomplete_entry(u: Unit, names: dict[str, str]) -> dict[str, Any]:
    r = u.outcome
    assert r is not None
    return {
        "unit": u.unit,
        "target_name": names.get(r.target, r.target),
        "not_checked": r.not_checked,
        "missing_facts": r.missing_labels,  # the page names them by label
        "base_sum": r.base_sum,
        "grade": r.grade,
        "where": u.where,
        "html": _href(u),
    }


def target_page(target: str) -> str:
    """The file name of a target's own summary page (its ranking and charts)."""
    return f"targets/{slug(target)}.html"


def _href(u: Unit, up: str = "") -> str | None:
    html = u.files.get("html")
    return up + url_quote(html) if html else None


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


@contextmanager
def output_folder(out: str | Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write into, put in place of ``out`` only when the block completes.

    ``out`` is either the previous output, untouched, or the new one, whole —
    never a mix, never a truncated file. An error or an interruption
    (KeyboardInterrupt) removes the temporary folder and leaves ``out`` as it
    was. ``out`` must be missing, empty, or a previous output of
    ``govrules batch`` (see :func:`check_out`); its previous content is replaced.
    The block writes the :data:`MARKER` last (:func:`write_marker`).
    """
    final = check_out(out)
    final.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(final.stat().st_mode) if final.is_dir() else _mode_for_new_folder()
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.govrules-tmp-", dir=final.parent))
    try:
        os.chmod(tmp, mode)
        (tmp / "units").mkdir()
        yield tmp
        if not (tmp / MARKER).is_file():
            raise RuntimeError("the batch output was not finished (no marker written)")
        _swap_into_place(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_marker(out: Path, batch: Batch, written: list[str]) -> None:
    (out / MARKER).write_text(
        json.dumps({"written_by": "govrules batch", "version": __version__, "pack": batch.pack.id, "files": written}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )


def write_outputs(batch: Batch, out: Path, *, unit_sheets: bool = True, pdf: bool = False) -> Sequence[Path]:
    """Write every output file of a scored batch (:func:`score_units`) into ``out``; returns the paths written.

    Written whole or not at all (see :func:`output_folder`). ``unit_sheets``
    off leaves out the per-unit sheets (units/), for runs of many thousands.
    ``pdf`` adds each unit's 考核表 as PDF (units/NNN_<unit>.pdf) and summary.pdf.
    """
    final = check_out(out)
    with output_folder(out) as tmp:
        spill = Spill(tmp.parent)
        try:
            dropped = False
            lost: dict[int, Any] = {}
            for u in batch.units:
                if u.result is None:
                    continue
                try:
                    u.stem = unit_files(u.result, u, tmp, unit_sheets, pdf)
                    u.pdf = pdf and u.stem is not None
                    _, detail, lost[u.index] = reduced(u.result)
                    u.detail_at = spill.put(detail)
                except (OSError, KeyboardInterrupt):
                    raise
                except Exception as exc:  # a unit whose sheet cannot be written fails alone
                    u.fail([_unexpected(u.where, exc)])
                    dropped = True
            if dropped:
                _rank(batch)
            for u in batch.units:
                if u.result is not None and u.outcome is not None:
                    batch.losses.add(u.outcome, lost[u.index])
            written = [f for u in batch.units for f in u.files.values()]
            written += write_summaries(batch, tmp, spill, pdf)
            write_marker(tmp, batch, written)
        finally:
            spill.close()
    return Written(final, written)


def write_summaries(batch: Batch, out: Path, spill: Spill, pdf: bool = False, book: Any = None, side_by_side: bool = False) -> list[str]:
    """summary.json, ranking.csv, summary.xlsx, index.html and a page per target, from the units' outcomes and spilled details;
    with ``pdf``, summary.pdf too (index.html as it prints, for filing). ``book``: summary.xlsx as opened before
    scoring, its input-order sheets already written (:class:`.summary_xlsx.SummaryBook`).

    ``side_by_side`` (a streamed batch, every unit in): summary.xlsx is written
    here while a forked process (:mod:`.forked`) writes the rest, on a second
    core; the files are the same either way.
    """
    from . import charts as charts_mod

    def items_of(u: Unit) -> list[Any]:
        assert u.detail_at is not None
        return spill.get(u.detail_at).items

    assessors = assessor_view(batch, items_of)
    cohort = cohort_rows(batch, spill)

    if not (side_by_side and batch.stored is not None):
        figures = charts_mod.figures(batch, assessors)
        summary_workbook(batch, out / "summary.xlsx", spill, assessors, figures, cohort, book)
        written = _write_pages(batch, out, assessors, cohort, figures, pdf)
        return written[:2] + ["summary.xlsx"] + written[2:]  # in the order the files were always listed (the marker's list)

    from .forked import Forked
    from .xlsx import csv_rows

    store = batch.stored

    def pages(tell: Callable[[Any], None]) -> list[str]:
        store.reopen_read_only()
        figures = charts_mod.figures(batch, assessors)
        tell(figures)  # the workbook's last sheet draws them: worked out once, here, while the parent writes the sheets before it
        return _write_pages(batch, out, assessors, cohort, figures, pdf, ranking_csv=False)

    spill.flush()  # the child reads what was spilled
    side = Forked(pages)
    try:
        # ranking.csv here rather than in the child, from the rows of the workbook's 排名 (one pass over the units
        # for both): the two halves then take about as long (docs/performance.md, sessions 9 and 10).
        with csv_rows(out / "ranking.csv", ranking_header(batch)) as ranking_csv:
            summary_workbook(batch, out / "summary.xlsx", spill, assessors, side.told, cohort, book, ranking_csv)
        written = side.result()
    finally:
        side.stop()
    return written[:1] + ["ranking.csv", "summary.xlsx"] + written[1:]


def _write_pages(batch: Batch, out: Path, assessors: list[dict[str, Any]], cohort: list[list[Any]], figures: Any, pdf: bool, ranking_csv: bool = True) -> list[str]:
    """What :func:`write_summaries` writes besides summary.xlsx (and ranking.csv, unless ``ranking_csv`` is off); the names written, in order."""
    from . import charts as charts_mod
    from .html import write_batch_html

    written: list[str] = []
    with open(out / "summary.json", "w", encoding="utf-8") as fh:
        write_summary_json(summary_data(batch, assessors, cohort, lazy=True), fh)
    written.append("summary.json")

    if ranking_csv:
        _ranking_csv(batch, out / "ranking.csv")
        written.append("ranking.csv")

    svgs = charts_mod.svgs(figures)
    context = html_context(batch, assessors, svgs)
    write_batch_html(context, out / "index.html")
    written.append("index.html")
    if pdf:
        from .pdf import batch_pdf

        (out / "summary.pdf").write_bytes(batch_pdf(context))
        written.append("summary.pdf")

    if context["groups"]:
        (out / "targets").mkdir(exist_ok=True)
    for group in context["groups"]:
        write_batch_html(target_context(context, group), out / group["page"])
        written.append(group["page"])
    return written


def target_context(context: dict[str, Any], group: dict[str, Any]) -> dict[str, Any]:
    """A target's own page (targets/<target>.html) from the index page's context (:func:`html_context`) and its group."""
    return {
        **context,
        "groups": [group],
        "up": "../",
        "target_page": True,
        "incomplete": Lazy(
            lambda: (u for u in context["incomplete"] if u["target_name"] == group["target_name"]),
            sum(1 for u in context["incomplete"] if u["target_name"] == group["target_name"]),
        ),
        "assessors": [a for a in context["assessors"] if a["target"] == group["target"]],
        "failures": [],
    }


def summary_workbook_bytes(batch: Batch) -> bytes:
    """summary.xlsx of a batch scored in memory (:func:`score_units`), as bytes (for the HTTP service: no folder written)."""
    from . import charts as charts_mod

    with tempfile.TemporaryDirectory(prefix="govrules-summary-") as folder:
        spill = Spill(folder)
        try:
            for u in batch.units:
                if u.result is not None:
                    _, detail, lost = reduced(u.result)
                    u.detail_at = spill.put(detail)
                    if u.outcome is not None:
                        batch.losses.add(u.outcome, lost)
            assessors = assessor_view(batch, lambda u: spill.get(u.detail_at).items)  # type: ignore[arg-type]
            path = Path(folder) / "summary.xlsx"
            summary_workbook(batch, path, spill, assessors, charts_mod.figures(batch, assessors), cohort_rows(batch, spill))
            return path.read_bytes()
        finally:
            spill.close()


def summary_workbook(
    batch: Batch, path: Path, spill: Spill, assessors: list[dict[str, Any]], figures: Any, cohort: list[list[Any]], book: Any = None, ranking_to: Any = None
) -> None:
    """summary.xlsx (see :mod:`.summary_xlsx`); a module-level name so that a test can interrupt it."""
    from .summary_xlsx import write_summary_workbook

    write_summary_workbook(batch, path, spill, assessors, figures, cohort, book, ranking_to)


RANKING_HEADER = ["考核对象", "排名", "单位", "总分", "满分", "自评合计", "状态", "来源"]
GRADE_COLUMN = 4  # where 等次 goes, after 总分, for a pack that declares grades


def ranking_header(batch: Batch) -> list[str]:
    return graded_row(batch, RANKING_HEADER, "等次")


def graded_row(batch: Batch, row: list[Any], grade: Any) -> list[Any]:
    """``row`` with its 等次 cell after 总分, where the pack declares grades."""
    return row[:GRADE_COLUMN] + [grade] + row[GRADE_COLUMN:] if batch.graded else row


def grade_cell(result: Any) -> str | None:
    """等次 as the sheets print it, for a result (see :attr:`.outcome.Outcome.grade_cell` for what a batch keeps)."""
    if result is None or result.grading is None:
        return None
    if result.grade is not None:
        return result.grade
    # No bands declared (vetoes only, as the 湖州 table): nothing is pending.
    return text("grade.unstated") if not result.grading.scale else text("grade.pending")


def ranking_rows(batch: Batch) -> Iterator[list[Any]]:
    """排名: ranked units per target, then incomplete, checklist and failed units (one row each, made as they are written)."""
    names = {t.id: t.name for t in batch.pack.spec.targets}
    for tid, name, _units in batch.groups():
        for u in batch.ranked(tid):
            r = u.outcome
            assert r is not None
            yield graded_row(batch, [name, u.rank, u.unit, r.total, r.max_total, r.self_cell, "已排名", u.where], r.grade_cell)
    for u in batch.incomplete:
        r = u.outcome
        assert r is not None
        yield graded_row(batch, [names.get(r.target, r.target), None, u.unit, None, r.max_total, r.self_cell, "未完成：" + "、".join(r.not_checked) + " 未检查", u.where], r.grade_cell)
    for u in batch.in_state("checklist"):
        r = u.outcome
        assert r is not None
        c = r.status_counts
        yield graded_row(batch, [names.get(r.target, r.target), None, u.unit, None, None, None, f"逐项检查：不符合 {c['fail']}，未检查 {c['notchecked']}", u.where], r.grade_cell)
    for u in batch.failed:
        yield graded_row(batch, [None, None, u.unit, None, None, None, "出错：" + "；".join(str(p) for p in u.problems), u.where], None)


def _ranking_csv(batch: Batch, path: Path) -> None:
    from .xlsx import write_csv

    write_csv(path, ranking_header(batch), ranking_rows(batch))
