"""Excel and CSV exports, safe against formula injection.

Any text cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return) would be read by a spreadsheet as a formula; :func:`safe` prefixes such
text with ``'`` so it stays text. Every text a unit supplies (unit names,
reasons, reviewer names) and every other text cell goes through it. Numbers
are written as numbers, so a negative score is not touched.
"""

from __future__ import annotations

import contextlib
import csv
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .. import messages
from ..numbers import ZERO, fmt
from ..numbers import rounding_words
from .naming import IDS, Naming
from .report import Fix, caps_award, depth_of, has_assessors, level_cells, level_name, recoverable, sheet_rows, status_notes, summary_lines
from ..engine.result import Effect, ItemResult, Result, SectionResult
from ..kinds.base import AWARD, SET
from ..untrusted import one_line

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters Excel refuses, and U+FFFE and U+FFFF, which XML 1.0 cannot hold (openpyxl would write them
# raw: a workbook no reader opens).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


#: The most characters Excel keeps in a cell; a longer one makes it call the whole file corrupt.
CELL_TEXT_MAX = 32_767


def safe(value: Any) -> Any:
    """A cell value that no spreadsheet will run as a formula (control characters Excel refuses and U+FFFE/U+FFFF are dropped, long text cut)."""
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
        if _SURROGATE.search(value):  # no writer can encode a lone surrogate: show its escape
            value = value.encode("utf-8", "backslashreplace").decode("utf-8")
        if value.startswith(FORMULA_START):
            value = "'" + value
        if len(value) > CELL_TEXT_MAX:
            value = value[: CELL_TEXT_MAX - 1] + "…"
    return value


#: Characters Excel refuses in a sheet's name, and the full-width forms a reader takes for them.
_SHEET_NAME = str.maketrans({"[": "［", "]": "］", ":": "：", "*": "＊", "?": "？", "/": "／", "\\": "＼"})


def sheet_title(text: str, taken: Iterable[str] = ()) -> str:
    """A sheet name Excel accepts: no []:*?/\\, at most 31 characters, not one of ``taken`` (compared as Excel does, ignoring case)."""
    base = one_line(text).translate(_SHEET_NAME).strip("'") or "Sheet"
    used = {t.lower() for t in taken}
    title, n = base[:31], 1
    while title.lower() in used:
        n += 1
        suffix = f"（{n}）"
        title = base[: 31 - len(suffix)] + suffix
    return title


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe(v) for v in values]


def csv_field(value: Any) -> str:
    """One CSV field: a number as its digits (``-49`` stays a number), text through :func:`safe`."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return fmt(value) or "0"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return safe(str(value))


def write_csv(path: str | Path, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    """A CSV file Excel opens correctly (UTF-8 with BOM): text fields neutralised, numbers written as numbers."""
    with csv_rows(path, header) as add:
        for row in rows:
            add(row)


@contextlib.contextmanager
def csv_rows(path: str | Path, header: list[str]) -> Iterator[Callable[[Iterable[Any]], None]]:
    """:func:`write_csv`'s file, its rows handed over one at a time by whoever makes them (another file's rows, say)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([csv_field(h) for h in header])
        yield lambda row: w.writerow([csv_field(v) for v in row])


def effect_words(effect: Effect, verb: str = "扣", naming: Naming = IDS) -> str:
    """A deduction in words that starts with a word, not a sign (``扣0.3分：…``)."""
    from .report import effect_amount, effect_detail

    return f"{effect_amount(effect, verb=verb)}：{effect_detail(effect, naming=naming)}"


def item_notes_words(item: ItemResult, naming: Naming = IDS) -> list[str]:
    notes = [effect_words(e, naming=naming) for e in item.effects]
    for cap in item.caps:
        back = "超出加分上限不计" if caps_award(item, cap) else "封顶退回"
        notes.append(f"{back}{fmt(cap.cut)}分：{cap.quote}（{fmt(cap.raw)} → {fmt(cap.max)}）")
    if item.floor_cut:
        notes.append(f"扣完为止退回{fmt(item.floor_cut)}分：本项最低0分")
    if item.ceiling_cut:
        notes.append(f"超出本项最高{fmt(item.ceiling)}分的{fmt(item.ceiling_cut)}分不计：{item.ceiling_quote or ''}")
    return notes + status_notes(item, naming)


def section_notes_words(section: SectionResult) -> list[str]:
    notes = [f"本部分封顶退回{fmt(c.cut)}分：{c.quote}（{fmt(c.raw)} → {fmt(c.max)}）" for c in section.caps if c.cut]
    if section.floor_cut:
        notes.append(f"扣完为止退回{fmt(section.floor_cut)}分：{section.floor_quote}")
    return notes


def _style_header(ws: Any) -> None:
    from openpyxl.styles import Font

    for c in ws[1]:
        c.font = Font(bold=True)
    ws.freeze_panes = "A2"
    print_ready(ws, 1)


#: A sheet with more columns than this prints landscape.
WIDE = 6


def print_ready(ws: Any, header_row: int | None, last_row: int | None = None) -> None:
    """Set up a sheet to print and file as offices do: A4 (landscape where wide), fitted to the page width,
    its header row repeated on every page and an autofilter over its table (header row to ``last_row``)."""
    from openpyxl.utils import get_column_letter

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if ws.max_column > WIDE else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"
        last = max(last_row or ws.max_row, header_row)
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(ws.max_column)}{last}"


def _widths(ws: Any, widths: Iterable[int]) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def fill_score_sheet(ws: Any, result: Result) -> None:
    """The score sheet in the document's layout on one worksheet."""
    from openpyxl.styles import Alignment, Font

    rows = sheet_rows(result)
    depth = depth_of(rows)
    title = f"{result.stamp.pack_title}（{result.target_name}）"
    ws.append(safe_row([title]))
    ws.append(safe_row(["单位", result.unit or ""]))
    ws.append([])
    header = ["编号", *[level_name(d) for d in range(depth)]]
    if result.scored:
        header += ["分值", "自评", "复核"]
    assessors = has_assessors(result)
    naming = Naming.of(result)
    header += ["状态", *(["负责考核部门"] if assessors else []), "扣分与说明"]
    ws.append(header)
    head_row = ws.max_row
    for c in ws[head_row]:
        c.font = Font(bold=True)
    ws["A1"].font = Font(bold=True, size=13)
    placed: list[tuple[int, int]] = []  # (sheet row, depth) of each row of the rubric
    for row in rows:
        placed.append((ws.max_row + 1, row.depth))
        values: list[Any] = [row.id, *level_cells(row, depth)]
        if result.scored:
            values += [row.max, row.self_score, row.score]
        notes = item_notes_words(row.item, naming) if row.item is not None else (section_notes_words(row.section) if row.section is not None else [])
        values += [row.status_label, *([row.assessors] if assessors else []), "\n".join(notes)]
        ws.append(safe_row(values))
        r = ws.max_row
        if row.kind == "section":
            for c in ws[r]:
                c.font = Font(bold=True)
        ws.cell(r, len(values)).alignment = Alignment(wrap_text=True, vertical="top")
    for ledger in result.ledgers:
        verb = "加" if ledger.direction == "bonus" else "减"
        for effect in ledger.effects:
            values = [ledger.id, ledger.name, *[""] * (depth - 1)]
            if result.scored:
                values += [ledger.cap, None, None]
            values += ["", *([""] if assessors else []), effect_words(effect, verb, naming)]
            ws.append(safe_row(values))
    table_end = ws.max_row
    _merge_levels(ws, rows, placed)
    ws.append([])
    for line in summary_lines(result):
        ws.append(safe_row([line]))
    total_row = ["总分", result.total] if result.scored else ["结果", "不计分"]
    ws.append(safe_row(total_row))
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    if result.grading is not None:
        ws.append(safe_row(["等次", result.grade if result.grade is not None else messages.text("grade.pending")]))
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.freeze_panes = ws.cell(head_row + 1, 1)
    _widths(ws, [10, *[16] * depth, *([8, 8, 8] if result.scored else []), 8, *([16] if assessors else []), 90])
    print_ready(ws, head_row, table_end)
    # The score sheet prints landscape however few its columns (issue 15): A4, one page wide.
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE


def _merge_levels(ws: Any, rows: list[Any], placed: list[tuple[int, int]]) -> None:
    """Merge each 一级指标 / 二级指标 cell down the rows under it, as the document's table does."""
    from openpyxl.styles import Alignment

    for n, (row, (at, d)) in enumerate(zip(rows, placed)):
        if row.kind != "section":
            continue
        end = at
        for later_at, later_d in placed[n + 1:]:
            if later_d <= d:
                break
            end = later_at
        if end > at:
            col = 2 + d  # column A is 编号; the levels follow
            ws.merge_cells(start_row=at, start_column=col, end_row=end, end_column=col)
            ws.cell(at, col).alignment = Alignment(vertical="top", wrap_text=True)


def fill_fixes(ws: Any, fixes: list[Fix], unit: str | None = None) -> None:
    for f in fixes:
        values = ([unit] if unit is not None else []) + [f.restores_total, f.item, f.names[-1], f.text, f.lost, f.quote or ""]
        ws.append(safe_row(values))


FIX_HEADER = ["可挽回", "编号", "指标", "整改事项", "现扣分", "原文"]
EFFECT_HEADER = ["编号", "指标", "扣分/加分", "类别", "说明", "层级", "数量", "单位分值", "理由", "原文", "解读"]


def effect_rows(result: Result) -> list[list[Any]]:
    out = []
    naming = Naming.of(result)
    for item in result.items:
        for e in item.effects:
            change, what = (None if e.amount is None else ZERO - e.amount), "扣分"  # ZERO − 0 is 0, where −0 would show as -0
            if e.mode == AWARD:
                change, what = e.amount, "加分"
            elif e.mode == SET and e.amount is not None and item.max is not None:
                change, what = e.amount - item.max, f"评定得{fmt(e.amount)}分"  # a grade: what it leaves of the row's points
            out.append([item.id, item.names[-1], change, what, e.label, e.level, e.quantity, e.unit_amount, e.reason, e.quote, naming.readings_text(e.reading)])
    for ledger in result.ledgers:
        sign = 1 if ledger.direction == "bonus" else -1
        for e in ledger.effects:
            out.append([ledger.id, ledger.name, None if e.amount is None else ZERO + sign * e.amount, ledger.name, e.label, e.level, e.quantity, e.unit_amount, e.reason, e.quote, naming.readings_text(e.reading)])
    return out


def score_workbook(result: Result) -> Any:
    """A workbook for one unit: 评分表, 可挽回分值, 扣分明细, 复核记录."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    fill_score_sheet(ws, result)

    ws = wb.create_sheet("可挽回分值")
    ws.append(FIX_HEADER)
    fill_fixes(ws, recoverable(result))
    _style_header(ws)
    _widths(ws, [8, 10, 20, 60, 8, 60])

    ws = wb.create_sheet("扣分明细")
    ws.append(EFFECT_HEADER)
    for row in effect_rows(result):
        ws.append(safe_row(row))
    _style_header(ws)
    _widths(ws, [10, 20, 10, 8, 50, 8, 6, 8, 40, 50, 20])

    ws = wb.create_sheet("复核记录")
    ws.append(["编号", "指标", "自评", "原分", "复核分", "复核人", "复核时间", "理由"])
    for item in result.items:
        if item.override:
            o = item.override
            ws.append(safe_row([item.id, item.names[-1], item.self_score, o.old, o.new, o.reviewer, o.at, o.reason]))
    _style_header(ws)
    _widths(ws, [10, 20, 8, 8, 8, 20, 20, 60])

    ws = wb.create_sheet("信息")
    stamp = result.stamp
    for key, value in (
        ("指标包", stamp.pack_id),
        ("版本", stamp.pack_version),
        ("内容摘要", stamp.content_hash),
        ("考核对象", f"{result.target_name}（{result.target}）"),
        ("单位", result.unit or ""),
        ("govrules", stamp.engine_version),
        ("取整规则", rounding_words(stamp.rounding)),
    ):
        ws.append(safe_row([key, value]))
    names = result.reading_names()
    for rid, quote, choice in result.readings:
        ws.append(safe_row([names[rid], f"「{quote}」{choice}"]))
    _widths(ws, [16, 90])
    print_ready(ws, None)
    return wb


def save(wb: Any, path: str | Path) -> None:
    wb.save(path)


__all__ = ["safe", "safe_row", "csv_field", "write_csv", "score_workbook", "fill_score_sheet", "effect_words"]
