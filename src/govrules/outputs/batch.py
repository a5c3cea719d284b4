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
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import quote as url_quote

import attrs

from .. import __version__
from ..errors import GovrulesError, Problem
from .forms import (
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

UNIT_HEADERS = ("unit", "单位", "单位名称")
TARGET_HEADERS = ("target", "考核对象")
POINTS_SUFFIXES = (".points", ".扣分")
REASON_SUFFIXES = (".reason", ".理由")
SELF_PREFIXES = ("self.", "自评.")
NA_PREFIXES = ("na.", "不适用.")
EVIDENCE_PREFIXES = ("evidence.", "佐证.")
REVIEW_PREFIXES = ("review.", "复核.")
REVIEW_FIELDS = {"score": "score", "复核分": "score", "reviewer": "reviewer", "复核人": "reviewer", "at": "at", "复核时间": "at", "reason": "reason", "理由": "reason"}
FILE_SUFFIXES = (".json", ".yaml", ".yml", ".xlsx")


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

    specs = {f.name: f for f in pack.spec.facts}
    by_label = {f.label: f.name for f in pack.spec.facts}

    def fact_name(text: str) -> str | None:
        return text if text in specs else by_label.get(text)

    columns: list[Column] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], str] = {}
    for i, raw in enumerate(headers):
        h = "" if raw is None else str(raw).strip()
        col = get_column_letter(i + 1)
        here = f"{where} 第1行 {col}列「{h}」"
        if not h:
            columns.append(Column(i, h, "blank"))
            continue
        low = h.lower()
        c: Column | None = None
        if low in UNIT_HEADERS:
            c = Column(i, h, "unit")
        elif low in TARGET_HEADERS:
            c = Column(i, h, "target")
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
                problems.append(Problem(here, "a review column is review.<item>.score / .reviewer / .at / .reason"))
                columns.append(Column(i, h, "blank"))
                continue
        if c is None:
            known = list(specs) + list(by_label)
            close = difflib.get_close_matches(h.split(".")[0], known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(here, f"unknown column: not unit, target, a fact of {pack.id} or a known column form{hint}; its values are not used"))
            columns.append(Column(i, h, "unknown"))
            continue
        key = (c.kind, c.key, c.field)
        if key in seen:
            problems.append(Problem(here, f"the same as column「{seen[key]}」; its values are not used"))
            columns.append(Column(i, h, "unknown"))
            continue
        seen[key] = h
        columns.append(c)
    if not any(c.kind == "unit" for c in columns):
        problems.append(Problem(f"{where} 第1行", "no unit column (unit / 单位): every row needs the unit's name"))
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
        problems.append(Problem(where, f"{len(extra)} value(s) beyond the last column of the header (column {extra[0] + 1}); a stray separator?"))

    for c in columns:
        v = value(c)
        here = f"{where} 列「{c.header}」"
        if c.kind in ("unknown", "blank"):
            if c.kind == "blank" and not is_blank(v):
                problems.append(Problem(f"{where} 第{c.index + 1}列", "a value in a column with no header"))
            continue
        if c.kind == "unit":
            if not is_blank(v):
                unit = (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
            continue
        if c.kind == "target":
            if not is_blank(v):
                data["target"] = target_id(pack, str(v))
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
        problems.append(Problem(where, "no unit name (the unit / 单位 column is empty)"))
    return unit, data, problems


def _decode(raw: bytes, where: str) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{where} 既不是 UTF-8 也不是 GB18030 编码", [Problem(where, "cannot decode the file")])


def _table_units(rows: Iterable[tuple[int, list[Any]]], header: list[Any], pack: Pack, name: str, batch: Batch) -> None:
    columns, problems = parse_header(header, pack, name)
    batch.input_problems.extend(problems)
    for rownum, values in rows:
        if all(is_blank(v) for v in values):
            continue  # an empty row is not a unit
        where = f"{name} 第{rownum}行"
        unit, data, row_problems = row_assessment(columns, values, pack, where)
        batch.units.append(Unit(len(batch.units) + 1, where, unit, data, row_problems))


def read_units(path: str | Path, pack: Pack) -> Batch:
    """The units of a batch input: a directory of files, a CSV file, or an Excel workbook."""
    p = Path(path)
    batch = Batch(pack, str(path), [])
    if not p.exists():
        raise InputError(f"找不到输入：{path}", [Problem(str(path), "no such file or directory")])
    if p.is_dir():
        for f in sorted(p.iterdir(), key=lambda x: x.name):
            if f.name.startswith(".") or f.name.startswith("~$") or f.is_dir():
                continue
            if f.suffix.lower() not in FILE_SUFFIXES:
                batch.skipped.append(f"{f.name}：不是 .json / .yaml / .yml / .xlsx，未读取")
                continue
            batch.units.append(_file_unit(f, pack, len(batch.units) + 1))
        if not batch.units:
            batch.input_problems.append(Problem(str(path), "no .json, .yaml, .yml or .xlsx assessment files in this directory"))
        return batch
    kind = kind_of(str(p))
    if kind == "csv":
        try:
            text = _decode(p.read_bytes(), p.name)
        except OSError as exc:
            raise InputError(f"无法读取 {path}", [Problem(str(path), exc.strerror or str(exc))]) from None
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise InputError(f"{path} 不是有效的 CSV", [Problem(str(path), str(exc))]) from None
        if not records:
            raise InputError(f"{path} 是空文件", [Problem(str(path), "no header row")])
        _table_units(((i, r) for i, r in enumerate(records[1:], start=2)), records[0], pack, p.name, batch)
        return batch
    if kind == "xlsx":
        book = open_workbook(p)
        if is_form(book):
            batch.units.append(_file_unit(p, pack, 1, book))
            return batch
        sheet = next((n for n in ("单位", "units") if n in book.sheetnames), book.first_sheet())
        rows = book.rows(sheet)
        if not rows:
            raise InputError(f"{path} 的工作表「{sheet}」是空的", [Problem(str(path), "no header row")])
        name = f"{p.name} 工作表「{sheet}」" if len(book.sheetnames) > 1 else p.name
        _table_units(((i, list(r)) for i, r in enumerate(rows[1:], start=2)), list(rows[0]), pack, name, batch)
        return batch
    # A single JSON / YAML assessment file: a batch of one.
    batch.units.append(_file_unit(p, pack, 1))
    return batch


def _file_unit(f: Path, pack: Pack, index: int, book: Any = None) -> Unit:
    where = f.name
    try:
        if kind_of(str(f)) == "xlsx":
            book = book if book is not None else open_workbook(f)
            if not is_form(book):
                return Unit(index, where, None, None, [Problem(where, "not a govrules facts form (a workbook of many units goes to batch on its own)")])
            data, problems = read_form(book, pack, where)
        else:
            try:
                text = f.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as exc:
                return Unit(index, where, None, None, [Problem(where, f"not UTF-8 text: {exc}")])
            data = drop_null_facts(parse_text(text, where, kind_of(str(f))))
            problems = []
    except GovrulesError as exc:
        return Unit(index, where, None, None, list(exc.problems) or [Problem(where, exc.summary)])
    if not isinstance(data, dict):
        return Unit(index, where, None, None, [Problem(where, f"an assessment is a mapping (JSON object), not {type(data).__name__}")])
    if not data.get("unit"):
        data["unit"] = f.stem
    return Unit(index, where, str(data["unit"]), data, problems)


# --------------------------------------------------------------------- scoring


def score_units(batch: Batch, target: str | None = None, advance: Callable[[], None] | None = None) -> None:
    """Score every readable unit; failures keep their problems, prefixed with where they came from.

    ``target`` is used for the units whose input names no target.
    """
    for u in batch.units:
        try:
            if u.problems or u.data is None:
                continue
            data = u.data
            if target is not None and not data.get("target"):
                data = {**data, "target": target}  # --target is the default for rows that name none
            try:
                u.result = batch.pack.assess(data)
            except GovrulesError as exc:
                u.problems = [Problem(f"{u.where} {p.where}".strip(), p.message) for p in exc.problems] or [Problem(u.where, exc.summary)]
        finally:
            if advance is not None:
                advance()
    seen: dict[tuple[str, str], Unit] = {}
    for u in batch.units:
        if u.result is None or u.unit is None:
            continue
        key = (u.result.target, u.unit)
        if key in seen:
            u.problems = [Problem(u.where, f"unit {u.unit!r} is given twice (also {seen[key].where}); rename one")]
            u.result = None
        else:
            seen[key] = u
    for target_id_, _name, _units in batch.groups():
        rank = 0
        previous: Decimal | None = None
        for n, u in enumerate(batch.ranked(target_id_), start=1):
            assert u.result is not None and u.result.total is not None
            if previous is None or u.result.total != previous:
                rank = n  # ties share a rank; the next rank skips (1, 2, 2, 4)
                previous = u.result.total
            u.rank = rank


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
    by_assessor = assessor_view(batch)
    if by_assessor:  # only where the pack names 负责考核部门
        data["assessors"] = by_assessor
    return data


def html_context(batch: Batch) -> dict[str, Any]:
    groups = []
    names = {t.id: t.name for t in batch.pack.spec.targets}
    for tid, name, units in batch.groups():
        groups.append(
            {
                "target_name": name,
                "ranked": [
                    {"rank": u.rank, "unit": u.unit, "total": u.result.total, "max_total": u.result.max_total, "self_total": u.result.self_total, "where": u.where, "html": _href(u)}  # type: ignore[union-attr]
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
                "missing_facts": _missing_facts(u.result),  # type: ignore[arg-type]
                "base_sum": u.result.base_sum,  # type: ignore[union-attr]
                "where": u.where,
                "html": _href(u),
            }
            for u in batch.incomplete
        ],
        "failures": [{"where": u.where, "unit": u.unit, "problems": [str(p) for p in u.problems]} for u in batch.failed]
        + ([{"where": batch.source, "unit": None, "problems": [str(p) for p in batch.input_problems]}] if batch.input_problems else []),
        "assessors": assessor_view(batch),
    }


def _href(u: Unit) -> str | None:
    html = u.files.get("html")
    return url_quote(html) if html else None


def write_outputs(batch: Batch, out: Path) -> list[Path]:
    """Write every output file into ``out``; returns the paths written."""
    from .html import batch_html, score_html
    from .report import result_json

    written: list[Path] = []
    units_dir = out / "units"
    units_dir.mkdir(parents=True, exist_ok=True)
    for u in batch.units:
        if u.result is None:
            continue
        stem = f"{u.index:03d}_{slug(u.unit or 'unit')}"
        j = units_dir / f"{stem}.json"
        j.write_text(result_json(u.result) + "\n", encoding="utf-8")
        h = units_dir / f"{stem}.html"
        h.write_text(score_html(u.result), encoding="utf-8")
        u.files = {"json": f"units/{j.name}", "html": f"units/{h.name}"}
        written += [j, h]

    summary = summary_data(batch)
    path = out / "summary.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(path)

    path = out / "ranking.csv"
    _ranking_csv(batch, path)
    written.append(path)

    path = out / "summary.xlsx"
    summary_workbook(batch).save(path)
    written.append(path)

    path = out / "index.html"
    path.write_text(batch_html(html_context(batch)), encoding="utf-8")
    written.append(path)
    return written


RANKING_HEADER = ["考核对象", "排名", "单位", "总分", "满分", "自评合计", "状态", "来源"]


def _ranking_rows(batch: Batch) -> list[list[Any]]:
    rows: list[list[Any]] = []
    names = {t.id: t.name for t in batch.pack.spec.targets}
    for tid, name, _units in batch.groups():
        for u in batch.ranked(tid):
            r = u.result
            assert r is not None
            rows.append([name, u.rank, u.unit, r.total, r.max_total, r.self_total, "已排名", u.where])
    for u in batch.incomplete:
        r = u.result
        assert r is not None
        rows.append([names.get(r.target, r.target), None, u.unit, None, r.max_total, r.self_total, "未完成：" + "、".join(r.not_checked) + " 未检查", u.where])
    for u in batch.units:
        if u.state == "checklist":
            r = u.result
            assert r is not None
            c = r.status_counts
            rows.append([names.get(r.target, r.target), None, u.unit, None, None, None, f"逐项检查：不符合 {c['fail']}，未检查 {c['notchecked']}", u.where])
    for u in batch.failed:
        rows.append([None, None, u.unit, None, None, None, "出错：" + "；".join(str(p) for p in u.problems), u.where])
    return rows


def _ranking_csv(batch: Batch, path: Path) -> None:
    from .xlsx import write_csv

    write_csv(path, RANKING_HEADER, _ranking_rows(batch))


def summary_workbook(batch: Batch) -> Any:
    """排名 / 未完成 / 出错 / 得分明细（per target） / 扣分明细 / 可挽回分值."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .report import recoverable
    from .xlsx import EFFECT_HEADER, FIX_HEADER, _style_header, _widths, effect_rows, fill_fixes, safe_row

    names = {t.id: t.name for t in batch.pack.spec.targets}
    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    ws.append(RANKING_HEADER)
    for row in _ranking_rows(batch):
        ws.append(safe_row(row))
    _style_header(ws)
    _widths(ws, [10, 6, 24, 8, 8, 10, 40, 30])

    ws = wb.create_sheet("未完成")
    ws.append(["单位", "考核对象", "未检查的指标", "缺少的事实", "已检查项合计", "来源"])
    for u in batch.incomplete:
        r = u.result
        assert r is not None
        ws.append(safe_row([u.unit, names.get(r.target, r.target), "、".join(r.not_checked), "、".join(_missing_facts(r)), r.base_sum, u.where]))
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
        ws = wb.create_sheet(f"得分明细（{name}）"[:31])
        items = list(first.items)
        ws.append(["排名", "单位", *[f"{i.id} {i.names[-1]}" for i in items], "基础分", *[l.name for l in first.ledgers], "总分", "自评合计", "来源"])
        ordered = batch.ranked(tid) + [u for u in scored if u.state != "ranked"]
        for u in ordered:
            r = u.result
            assert r is not None
            ws.append(safe_row([u.rank, u.unit, *[i.score for i in r.items], r.base, *[l.applied for l in r.ledgers], r.total, r.self_total, u.where]))
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

    by_assessor = assessor_view(batch)
    if by_assessor:  # only where the pack names 负责考核部门
        ws = wb.create_sheet("按考核部门")
        ws.append(ASSESSOR_HEADER)
        for row in assessor_sheet_rows(by_assessor):
            ws.append(safe_row(row))
        _style_header(ws)
        _widths(ws, [10, 16, 16, 24, 8, 10, 50, 20])
    return wb
