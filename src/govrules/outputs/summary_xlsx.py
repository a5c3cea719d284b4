"""summary.xlsx, written as a stream with XlsxWriter, ready to print and with native charts.

Sheets: 排名, 等次统计 (where the pack grades), 未完成, 出错, 得分明细（per
target）, 扣分明细, 复核记录, 可挽回分值, 同批比较 (where rows are scored against
the cohort), 按考核部门 (where the pack names assessors) and 图表.

Why XlsxWriter: its ``constant_memory`` mode writes each row to disk as it is
added, so the workbook of 100,000 units costs the memory of one row, and it
writes native Excel charts (openpyxl's write-only mode streams too, but a
profile had openpyxl writing summary.xlsx at a third of a batch's time, and
XlsxWriter is several times faster). Rows must then be written top to bottom
within each sheet. The input-order sheets (扣分明细, 复核记录, 可挽回分值: most
of a province's cells) are written while the units are scored
(:class:`SummaryBook`); the others at the end, from the units' outcomes and
the details read back from the batch's spill file in the order each needs.
A sheet longer than Excel's 1,048,576 rows goes on in 扣分明细（2）, （3）…

Why the rows are written as text (:mod:`.xlsxrows`): XlsxWriter's per-cell
path (a call, a cell tuple, then escaping and writing each cell's XML when
the next row comes) was over a third of a batch's CPU, all of it in the
parent. A row is now made into the XML XlsxWriter would write for it, in one
pass, and the input-order sheets' rows are made in the worker processes (the
row number left open: :func:`unit_rows`), so the parent only numbers them
and writes the bytes. XlsxWriter still writes the header rows, styles,
column widths, print setup, autofilter, charts and the package, and the file
is the same, byte for byte, as its own calls write (``FAST_ROWS = False``
writes it that way; ``tests/test_xlsx_rows.py`` compares the two). This
relies on XlsxWriter's private worksheet state, as :meth:`SummaryBook.close`
does for sheet order and :func:`fast_zip_workbook` for the zip level:
pyproject pins ``XlsxWriter>=3.3.1,<4``.

Every sheet is print-ready as offices file the yearly 通报: A4, landscape where
it is wide, the header row repeated on each printed page, fitted to the page
width, with an autofilter over the table. Text cells go through
:func:`.xlsx.safe` (never a formula), and strings are never turned into links
or numbers.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..messages import text
from .assessors import ASSESSOR_HEADER, assessor_sheet_rows
from .xlsx import EFFECT_HEADER, FIX_HEADER, safe_row, sheet_title
from .xlsxrows import RowText, RowWriter, Unwritable, plain_cells, row_text, with_number

if TYPE_CHECKING:
    from .batch import Batch
    from .charts import Figure
    from .outcome import Detail, Outcome, Spill

A4 = 9  # Excel's paper code
WIDE = 6  # a sheet with more columns than this prints landscape


#: Rows written as text by :mod:`.xlsxrows` (True), or through XlsxWriter's own calls (False: the same bytes, slower; tests compare the two).
FAST_ROWS = True

#: Excel's rows per worksheet: a longer sheet continues on 扣分明细（2）, （3）… (a test injects a small one).
ROWS_MAX = 1_048_576


class _Sheet:
    """One table written top to bottom, made print-ready when closed; past :data:`ROWS_MAX` rows it continues on a new worksheet."""

    def __init__(self, new: Callable[[str], Any], title: str, header: list[str], widths: Iterable[float], bold: Any, split: bool = True, fast: bool = True) -> None:
        self._new, self._header, self._widths, self._bold = new, header, list(widths), bold
        self.title = title
        self.fast = fast
        self.parts: list[Any] = []  # its worksheets, in order
        # A sheet whose rows are placed (图表: charts drawn beside them) is never split; it has a few dozen rows.
        self.rows_max = ROWS_MAX if split else None
        self._start(title)

    def _start(self, title: str) -> None:
        self.ws = self._new(title)
        self.parts.append(self.ws)
        self.cols = len(self._header)
        self.ws.write_row(0, 0, safe_row(self._header), self._bold)
        self.row = 1
        for i, w in enumerate(self._widths):
            self.ws.set_column(i, i, w)
        # The header (bold) goes through XlsxWriter; the rows after it as text (RowWriter writes the header out first).
        self.out = RowWriter(self.ws) if self.fast else None

    def _next_row(self) -> None:
        if self.rows_max is not None and self.row >= self.rows_max:
            self._finish_part()
            self._start(self.title)  # the title is taken: sheet_title numbers it 扣分明细（2）

    def add(self, values: list[Any]) -> None:
        self._next_row()
        if self.out is not None:
            self.out.values(self.row, values)
        else:
            plain_cells(self.ws, self.row, values)
        if len(values) > self.cols:
            self.cols = len(values)
        self.row += 1

    def add_text(self, row: RowText | list[Any]) -> None:
        """A row made by :func:`.xlsxrows.row_text` (in a worker, say), or its values where it could not be."""
        if type(row) is list:
            self.add(row)
            return
        assert self.out is not None, "row text given to a sheet written through XlsxWriter's calls"
        self._next_row()
        self.out.text(self.row, row)  # type: ignore[arg-type]
        if row[1] > self.cols:
            self.cols = row[1]
        self.row += 1

    def add_texts(self, rows: list[RowText | list[Any]]) -> None:
        """Rows as :meth:`add_text` takes them, written together where they fit on the current worksheet."""
        assert self.out is not None, "row text given to a sheet written through XlsxWriter's calls"
        start = 0
        while start < len(rows):
            self._next_row()  # a full worksheet is finished here and the next one started
            room = len(rows) - start if self.rows_max is None else min(len(rows) - start, self.rows_max - self.row)
            part = rows[start : start + room]
            if any(type(r) is list for r in part):
                for r in part:
                    self.add_text(r)
            else:
                self.out.texts(self.row, part)  # type: ignore[arg-type]
                width = max(r[1] for r in part)
                if width > self.cols:
                    self.cols = width
                self.row += len(part)
            start += room

    def _finish_part(self) -> None:
        ws = self.ws
        if self.out is not None:
            self.out.check()
        ws.set_paper(A4)
        if self.cols > WIDE:
            ws.set_landscape()
        ws.repeat_rows(0)
        ws.fit_to_pages(1, 0)  # the page width; as many pages down as it takes
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(self.row - 1, 0), max(self.cols - 1, 0))

    def finish(self) -> None:
        self._finish_part()


#: The sheets in input order, one row per effect, review or recoverable point of each unit: most of a province's cells.
INPUT_ORDER = ("扣分明细", "复核记录", "可挽回分值")

#: A unit's rows of the input-order sheets, each as row text (or its values, for a row that row_text does not write).
UnitRows = tuple[list[Any], list[Any], list[Any]]


def _prepared(values: list[Any]) -> RowText | list[Any]:
    try:
        return row_text(values)
    except Unwritable:
        return values


def unit_rows(unit: str | None, outcome: Outcome, detail: Detail) -> UnitRows:
    """A scored unit's rows of 扣分明细, 复核记录 and 可挽回分值 as text (``unit`` as the sheets print it): a worker makes them, the parent numbers and writes them."""
    return (
        [_prepared([unit, outcome.target_name, *row]) for row in detail.effects],
        [_prepared([unit, outcome.target_name, *row]) for row in detail.reviews],
        [_prepared([unit or "", *row]) for row in detail.fixes] if outcome.state == "ranked" else [],
    )


def score_row_values(rank: int | None, unit: str | None, outcome: Outcome, scores: list[Any], graded: bool, where: str) -> list[Any]:
    """A unit's row of 得分明细 (得分明细（<target>）): rank, unit, its scores, 等次 where the pack grades, 自评合计, where it came from."""
    return [rank, unit, *scores, *([outcome.grade_cell] if graded else []), outcome.self_cell, where]


def score_row(unit: str | None, outcome: Outcome, scores: list[Any], graded: bool, where: str) -> RowText | list[Any]:
    """That row as text with its rank cell empty (a worker makes it; the parent puts the rank in with :func:`.xlsxrows.with_number`)."""
    return _prepared(score_row_values(None, unit, outcome, scores, graded, where))


def _ranked(rank: int | None, row: RowText | list[Any]) -> RowText | list[Any]:
    if type(row) is list:
        return [rank, *row[1:]]
    return with_number(row, 0, rank)  # type: ignore[arg-type]


#: The deflate level summary.xlsx is zipped at. XlsxWriter zips at zlib's default (6): on the 87 MB of XML of
#: 20,000 units that took 0.67 s of the batch's last, serial seconds; level 1 takes 0.24 s, for a file of 8.6 MB
#: instead of 6.7 MB (docs/performance.md, session 9).
ZIP_LEVEL = 1


@functools.lru_cache(maxsize=1)
def fast_zip_workbook() -> type:
    """XlsxWriter's ``Workbook`` zipping its file at :data:`ZIP_LEVEL`.

    XlsxWriter has no option for it: its ``_store_workbook`` makes a
    ``ZipFile`` named in its module. Here that same function is given a copy
    of its module's names in which ``ZipFile`` passes the level, so no module
    is changed (other workbooks in the process zip as before) and no code of
    XlsxWriter is copied. tests/test_xlsx_rows.py checks the level is used.
    """
    import types
    import zipfile

    import xlsxwriter.workbook as xw

    class LevelZipFile(zipfile.ZipFile):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("compresslevel", ZIP_LEVEL)
            super().__init__(*args, **kwargs)

    names = dict(vars(xw), ZipFile=LevelZipFile)
    store = xw.Workbook._store_workbook
    rebound = types.FunctionType(store.__code__, names, store.__name__, store.__defaults__, store.__closure__)
    return type("FastZipWorkbook", (xw.Workbook,), {"_store_workbook": rebound, "__module__": __name__})


class SummaryBook:
    """summary.xlsx, open while the units are scored, so that its input-order sheets are written as units come back.

    扣分明细, 复核记录 and 可挽回分值 list each unit's rows in input order, so a
    streaming batch writes them (:meth:`add_unit`) while the workers score the
    next units, instead of after scoring on one core while the other idles.
    The sheets that need every unit (排名, 得分明细…) are written at the end;
    XlsxWriter writes worksheets in the order they were created, so
    :meth:`close` puts them back in the order the workbook shows
    (:attr:`order`), each worksheet's position renumbered, before it closes.
    """

    def __init__(self, path: Path, title: str, fast: bool | None = None, tmpdir: Path | None = None) -> None:
        self.fast = FAST_ROWS if fast is None else fast
        options: dict[str, Any] = {"constant_memory": True, "strings_to_urls": False, "strings_to_formulas": False, "strings_to_numbers": False, "nan_inf_to_errors": True}
        if tmpdir is not None:
            # Each worksheet's rows wait in a temporary file until the workbook closes: 87 MB at 20,000 units, over 400 MB at
            # 100,000. A batch keeps them in its output's temporary folder, not in a system /tmp that may be small, and an
            # interrupted batch's removal of that folder takes them with it (XlsxWriter removes them only when it closes).
            options["tmpdir"] = str(tmpdir)
        self.book = fast_zip_workbook()(str(path), options)
        # A fixed creation time: the same batch gives the same bytes (Excel shows it as the file's 创建时间).
        self.book.set_properties({"created": _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc), "title": title})
        self.bold = self.book.add_format({"bold": True})
        self.taken: list[str] = []
        self.order: list[_Sheet] = []  # as the workbook shows them
        self.effects = self._sheet("扣分明细", ["单位", "考核对象", *EFFECT_HEADER], [24, 10, 10, 20, 10, 8, 50, 8, 6, 8, 40, 50, 20])
        self.reviews = self._sheet("复核记录", ["单位", "考核对象", "编号", "指标", "自评", "原分", "复核分", "复核人", "复核时间", "理由"], [24, 10, 10, 20, 8, 8, 8, 20, 20, 60])
        self.fixes = self._sheet("可挽回分值", ["单位", *FIX_HEADER], [24, 8, 10, 20, 60, 8, 60])

    def _new(self, title: str) -> Any:
        title = sheet_title(title, self.taken)
        self.taken.append(title)
        return self.book.add_worksheet(title)

    def _sheet(self, title: str, header: list[str], widths: Iterable[float] = (), split: bool = True) -> _Sheet:
        return _Sheet(self._new, title, header, widths, self.bold, split, self.fast)

    def sheet(self, title: str, header: list[str], widths: Iterable[float] = (), split: bool = True) -> _Sheet:
        """A sheet written now, shown after those before it."""
        s = self._sheet(title, header, widths, split)
        self.order.append(s)
        return s

    def add_unit(self, unit: str | None, outcome: Outcome, detail: Detail) -> None:
        """A scored unit's rows of the input-order sheets (``unit`` as the sheets print it)."""
        if self.fast:
            self.add_rows(unit_rows(unit, outcome, detail))
            return
        for row in detail.effects:
            self.effects.add([unit, outcome.target_name, *row])
        for row in detail.reviews:
            self.reviews.add([unit, outcome.target_name, *row])
        if outcome.state == "ranked":
            for row in detail.fixes:
                self.fixes.add([unit or "", *row])

    def add_rows(self, rows: UnitRows) -> None:
        """A scored unit's rows of the input-order sheets, made by :func:`unit_rows`."""
        effects, reviews, fixes = rows
        self.effects.add_texts(effects)
        self.reviews.add_texts(reviews)
        self.fixes.add_texts(fixes)

    def input_order_sheets(self) -> None:
        """The input-order sheets are done: they are shown here, after those written so far."""
        for s in (self.effects, self.reviews, self.fixes):
            s.finish()
            self.order.append(s)

    def close(self) -> None:
        shown = [ws for s in self.order for ws in s.parts]
        assert len(shown) == len(self.book.worksheets_objs), "a sheet made but not placed"
        # XlsxWriter has no call to move a sheet; its list and each sheet's index are only read when it closes.
        self.book.worksheets_objs[:] = shown
        for i, ws in enumerate(shown):
            ws.index = i
        self.book.close()


def write_summary_workbook(
    batch: Batch,
    path: Path,
    spill: Spill,
    assessors: list[dict[str, Any]],
    figures: dict[str, list[Figure]] | Callable[[], dict[str, list[Figure]]],
    cohort: list[list[Any]],
    book: SummaryBook | None = None,
    ranking_to: Callable[[list[Any]], None] | None = None,
) -> None:
    """The workbook; ``book``, where given, is the one its input-order sheets were written to as the units were scored.

    ``figures`` may be a function giving them, called only when the last sheet (图表) is written. ``ranking_to``
    is handed each row of 排名 as it is written (ranking.csv holds the same rows: one pass over the units for both).
    """
    from .batch import COHORT_HEADER, graded_row, ranking_header, ranking_rows

    if book is None:
        book = SummaryBook(path, batch.pack.title, tmpdir=path.parent)
        for u in batch.units:
            if u.detail_at is not None:
                assert u.outcome is not None
                book.add_unit(u.unit, u.outcome, spill.get(u.detail_at))
    names = {t.id: t.name for t in batch.pack.spec.targets}
    sheet = book.sheet

    header = ranking_header(batch)
    s = sheet("排名", header, graded_row(batch, [10, 6, 24, 8, 8, 10, 40, 30], 8))
    spans: dict[str, tuple[int, int]] = {}  # target → its ranked rows in 排名 (for the scatter chart)
    # 排名 begins with each target's ranked rows, target after target: where each target's end (not a list per row).
    ranked_counts = [(tid, len(batch.ranked(tid))) for tid, _n, _u in batch.groups()]
    ends = list(itertools.accumulate(k for _tid, k in ranked_counts))
    g = 0
    for n, row in enumerate(ranking_rows(batch)):
        while g < len(ends) and n >= ends[g]:
            g += 1
        if g < len(ends):
            tid = ranked_counts[g][0]
            first, _last = spans.get(tid, (s.row, s.row))
            spans[tid] = (first, s.row)
        s.add(row)
        if ranking_to is not None:
            ranking_to(row)
    s.finish()

    if batch.graded:
        s = sheet("等次统计", ["考核对象", "等次", "单位数"], [10, 10, 8])
        for g in batch.grade_counts():
            if g["unstated"]:
                s.add([g["target_name"], "本文件未规定等次", sum(len(units) for tid, _n, units in batch.groups() if tid == g["target"])])
                continue
            for grade, n in g["counts"].items():
                s.add([g["target_name"], grade, n])
            s.add([g["target_name"], text("grade.pending"), g["pending"]])
        s.finish()

    s = sheet("未完成", ["单位", "考核对象", "未检查的指标", "缺少的事实", "已检查项合计", "来源"], [24, 10, 30, 50, 12, 30])
    for u in batch.incomplete:
        r = u.outcome
        assert r is not None
        s.add([u.unit, names.get(r.target, r.target), "、".join(r.not_checked), "、".join(r.missing_labels), r.base_sum, u.where])
    s.finish()

    s = sheet("出错", ["来源", "单位", "位置", "问题"], [24, 24, 40, 80])
    for u in batch.failed:
        for p in u.problems:
            s.add([u.where, u.unit, p.where, p.message])
    for p in batch.input_problems:
        s.add([batch.source, None, p.where, p.message])
    s.finish()

    for tid, name, units in batch.groups():
        head = next((u for u in units if u.detail_at is not None), None)
        if head is None:
            continue
        items, ledgers = spill.get(head.detail_at).heading  # type: ignore[arg-type]
        s = sheet(f"得分明细（{name}）", ["排名", "单位", *items, "基础分", *ledgers, "总分", *(["等次"] if batch.graded else []), "自评合计", "来源"], [6, 24])
        stored = batch.stored
        if stored is not None and stored.score_rows_kept and s.out is not None:
            # The rows as the workers made them; only the rank is put in here.
            for rank, row in stored.score_rows(tid):
                s.add_text(_ranked(rank, row))
        else:
            # Ranked first, then the others in input order (read as written, not listed).
            scored = itertools.chain(batch.ranked(tid), (u for u in units if u.detail_at is not None and u.state != "ranked"))
            for u in scored:
                d = spill.get(u.detail_at)  # type: ignore[arg-type]
                assert u.outcome is not None
                s.add(score_row_values(u.rank, u.unit, u.outcome, d.scores, batch.graded, u.where))
        s.finish()

    book.input_order_sheets()  # written as the units came (or above)

    if batch.pack.has_cohort_rules:  # only where rows are scored against the cohort
        s = sheet("同批比较", COHORT_HEADER, [10, 16, 10, 30, 16, 12, 6, 10, 10, 8, 8, 60])
        for row in cohort:
            s.add(row)
        s.finish()

    if assessors:  # only where the pack names 负责考核部门
        s = sheet("按考核部门", ASSESSOR_HEADER, [10, 16, 16, 24, 8, 10, 50, 20])
        for row in assessor_sheet_rows(assessors):
            s.add(row)
        s.finish()

    if callable(figures):  # worked out elsewhere meanwhile (a forked process: .batch.write_summaries), asked for only now
        figures = figures()
    if figures:
        _charts_sheet(book.book, sheet, figures, spans, header)
    book.close()


def _charts_sheet(book: Any, sheet: Any, figures: dict[str, list[Figure]], spans: dict[str, tuple[int, int]], ranking_header: list[str]) -> None:
    """图表: each figure's numbers as a small table, and a native chart beside it drawn from them."""
    s = sheet("图表", ["图", "类别", "数值"], [40, 30, 10, 10, 10, 10, 10, 10], split=False)
    title = s.title
    total_col = ranking_header.index("总分")
    self_col = ranking_header.index("自评合计")
    for tid, figs in figures.items():
        for f in figs:
            top = s.row
            if f.kind == "self":
                if tid not in spans:
                    continue
                first, last = spans[tid]
                s.add([f.title + f.note.replace("图中", "网页图中"), "见「排名」工作表", None])
                chart = book.add_chart({"type": "scatter"})
                chart.add_series({
                    "name": "单位",
                    "categories": ["排名", first, self_col, last, self_col],
                    "values": ["排名", first, total_col, last, total_col],
                    "marker": {"type": "circle", "size": 3},
                })
                chart.set_x_axis({"name": "自评合计"})
                chart.set_y_axis({"name": "总分"})
            else:
                s.add([f.title + f.note, *[name for name, _ in f.series]])
                for i, label in enumerate(f.labels):
                    s.add([None, label, *[values[i] for _, values in f.series]])
                kind = {"distribution": {"type": "column", "subtype": "stacked"}}.get(f.kind, {"type": "bar"})
                chart = book.add_chart(kind)
                for c, (name, _values) in enumerate(f.series, start=2):
                    chart.add_series({
                        "name": [title, top, c],
                        "categories": [title, top + 1, 1, top + len(f.labels), 1],
                        "values": [title, top + 1, c, top + len(f.labels), c],
                    })
                if f.kind != "distribution":
                    chart.set_y_axis({"reverse": True})  # largest first, on top
                    chart.set_legend({"none": True})
                else:
                    peak = max((sum(values[i] for _, values in f.series) for i in range(len(f.labels))), default=0)
                    chart.set_y_axis({"min": 0, "major_unit": whole_step(peak), "num_format": "0"})  # units are counted whole
                    if len(f.series) == 1:
                        chart.set_legend({"none": True})
            chart.set_title({"name": f.title})
            chart.set_size({"width": 720, "height": 360 if f.kind != "items" else max(360, 24 * len(f.labels) + 80)})
            s.ws.insert_chart(top, 4, chart)
            rows_needed = 19 if f.kind != "items" else max(19, (24 * len(f.labels) + 80) // 20 + 1)
            while s.row < top + rows_needed:
                s.add([])
    s.finish()


def whole_step(peak: int) -> int:
    """A whole-number tick step giving about five ticks up to ``peak`` (1, 2, 5, 10, 20, 50…): Excel's own choice graduates small counts in halves."""
    step = 1
    while peak > step * 5:
        for m in (2, 5, 10):
            if peak <= step * m * 5 or m == 10:
                step *= m
                break
        else:  # pragma: no cover - the loop always breaks
            break
    return step
