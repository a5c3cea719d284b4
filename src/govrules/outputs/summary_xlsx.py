"""summary.xlsx, written as a stream with XlsxWriter, ready to print and with native charts.

Sheets: 排名, 等次统计 (where the pack grades), 未完成, 出错, 得分明细（per
target）, 扣分明细, 复核记录, 可挽回分值, 同批比较 (where rows are scored against
the cohort), 按考核部门 (where the pack names assessors) and 图表.

Why XlsxWriter: its ``constant_memory`` mode writes each row to disk as it is
added, so the workbook of 100,000 units costs the memory of one row, and it
writes native Excel charts (openpyxl's write-only mode streams too, but a
profile had openpyxl writing summary.xlsx at a third of a batch's time, and
XlsxWriter is several times faster). Rows must then be written top to bottom,
one sheet after another, which is how this module writes them; the detail
rows come back from the batch's spill file in the order each sheet needs.

Every sheet is print-ready as offices file the yearly 通报: A4, landscape where
it is wide, the header row repeated on each printed page, fitted to the page
width, with an autofilter over the table. Text cells go through
:func:`.xlsx.safe` (never a formula), and strings are never turned into links
or numbers.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .assessors import ASSESSOR_HEADER, assessor_sheet_rows
from .xlsx import EFFECT_HEADER, FIX_HEADER, safe, safe_row, sheet_title

if TYPE_CHECKING:
    from .batch import Batch
    from .charts import Figure
    from .outcome import Spill

A4 = 9  # Excel's paper code
WIDE = 6  # a sheet with more columns than this prints landscape


class _Sheet:
    """One worksheet written top to bottom, made print-ready when closed."""

    def __init__(self, book: Any, title: str, header: list[str], widths: Iterable[float], bold: Any) -> None:
        self.ws = book.add_worksheet(title)
        self.title = title
        self.cols = len(header)
        self.row = 0
        self.ws.write_row(0, 0, safe_row(header), bold)
        self.row = 1
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, w)

    def add(self, values: list[Any]) -> None:
        # By type rather than through write()'s dispatch: a province's workbook has over a million cells.
        ws, row = self.ws, self.row
        for c, v in enumerate(values):
            if v is None or v == "":
                continue  # an empty cell, as openpyxl wrote it
            if type(v) is str:
                ws.write_string(row, c, safe(v))
            elif isinstance(v, (Decimal, int)) and not isinstance(v, bool):
                ws.write_number(row, c, v)
            else:
                ws.write(row, c, safe(v))
        if len(values) > self.cols:
            self.cols = len(values)
        self.row += 1

    def finish(self) -> None:
        ws = self.ws
        ws.set_paper(A4)
        if self.cols > WIDE:
            ws.set_landscape()
        ws.repeat_rows(0)
        ws.fit_to_pages(1, 0)  # the page width; as many pages down as it takes
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(self.row - 1, 0), max(self.cols - 1, 0))


def write_summary_workbook(batch: Batch, path: Path, spill: Spill, assessors: list[dict[str, Any]], figures: dict[str, list[Figure]], cohort: list[list[Any]]) -> None:
    import xlsxwriter

    from .batch import COHORT_HEADER, graded_row, ranking_header, ranking_rows

    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_urls": False, "strings_to_formulas": False, "strings_to_numbers": False, "nan_inf_to_errors": True},
    )
    # A fixed creation time: the same batch gives the same bytes (Excel shows it as the file's 创建时间).
    book.set_properties({"created": _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc), "title": batch.pack.title})
    bold = book.add_format({"bold": True})
    names = {t.id: t.name for t in batch.pack.spec.targets}
    taken: list[str] = []

    def sheet(title: str, header: list[str], widths: Iterable[float] = ()) -> _Sheet:
        title = sheet_title(title, taken)
        taken.append(title)
        return _Sheet(book, title, header, widths, bold)

    header = ranking_header(batch)
    s = sheet("排名", header, graded_row(batch, [10, 6, 24, 8, 8, 10, 40, 30], 8))
    spans: dict[str, tuple[int, int]] = {}  # target → its ranked rows in 排名 (for the scatter chart)
    ranked_targets = {tid for tid, _n, _u in batch.groups() if batch.ranked(tid)}
    row_target: list[str | None] = [tid for tid, _n, _u in batch.groups() for _ in batch.ranked(tid)]
    for n, row in enumerate(ranking_rows(batch)):
        tid = row_target[n] if n < len(row_target) else None
        if tid in ranked_targets:
            first, _last = spans.get(tid, (s.row, s.row))
            spans[tid] = (first, s.row)
        s.add(row)
    s.finish()

    if batch.graded:
        s = sheet("等次统计", ["考核对象", "等次", "单位数"], [10, 10, 8])
        for g in batch.grade_counts():
            if g["unstated"]:
                s.add([g["target_name"], "本文件未规定等次", sum(1 for u in batch.units if u.outcome is not None and u.outcome.target == g["target"])])
                continue
            for grade, n in g["counts"].items():
                s.add([g["target_name"], grade, n])
            s.add([g["target_name"], "待定", g["pending"]])
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
        scored = [u for u in units if u.detail_at is not None]
        if not scored:
            continue
        items, ledgers = spill.get(scored[0].detail_at).heading  # type: ignore[arg-type]
        s = sheet(f"得分明细（{name}）", ["排名", "单位", *items, "基础分", *ledgers, "总分", *(["等次"] if batch.graded else []), "自评合计", "来源"], [6, 24])
        for u in batch.ranked(tid) + [u for u in scored if u.state != "ranked"]:
            d = spill.get(u.detail_at)  # type: ignore[arg-type]
            r = u.outcome
            assert r is not None
            s.add([u.rank, u.unit, *d.scores, *([r.grade_cell] if batch.graded else []), r.self_cell, u.where])
        s.finish()

    # Three sheets in input order, filled in one pass over the details: each sheet streams its own rows.
    effects = sheet("扣分明细", ["单位", "考核对象", *EFFECT_HEADER], [24, 10, 10, 20, 10, 8, 50, 8, 6, 8, 40, 50, 20])
    reviews = sheet("复核记录", ["单位", "考核对象", "编号", "指标", "自评", "原分", "复核分", "复核人", "复核时间", "理由"], [24, 10, 10, 20, 8, 8, 8, 20, 20, 60])
    fixes = sheet("可挽回分值", ["单位", *FIX_HEADER], [24, 8, 10, 20, 60, 8, 60])
    for u in batch.units:
        if u.detail_at is None:
            continue
        d = spill.get(u.detail_at)
        r = u.outcome
        assert r is not None
        for row in d.effects:
            effects.add([u.unit, r.target_name, *row])
        for row in d.reviews:
            reviews.add([u.unit, r.target_name, *row])
        if r.state == "ranked":
            for row in d.fixes:
                fixes.add([u.unit or "", *row])
    for s in (effects, reviews, fixes):
        s.finish()

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

    if figures:
        _charts_sheet(book, sheet, figures, spans, header)
    book.close()


def _charts_sheet(book: Any, sheet: Any, figures: dict[str, list[Figure]], spans: dict[str, tuple[int, int]], ranking_header: list[str]) -> None:
    """图表: each figure's numbers as a small table, and a native chart beside it drawn from them."""
    s = sheet("图表", ["图", "类别", "数值"], [40, 30, 10, 10, 10, 10, 10, 10])
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
                elif len(f.series) == 1:
                    chart.set_legend({"none": True})
            chart.set_title({"name": f.title})
            chart.set_size({"width": 720, "height": 360 if f.kind != "items" else max(360, 24 * len(f.labels) + 80)})
            s.ws.insert_chart(top, 4, chart)
            rows_needed = 19 if f.kind != "items" else max(19, (24 * len(f.labels) + 80) // 20 + 1)
            while s.row < top + rows_needed:
                s.add([])
    s.finish()
