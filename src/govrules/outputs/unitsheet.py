"""The one-row-per-unit sheet an office circulates: its template, and the column names read back.

``govrules template PACK -t T --units`` writes it as a workbook (a 「单位」 sheet
with one column per fact under its Chinese label, the cells validated, and a
「说明」 sheet) or as CSV (the header row only). ``govrules batch`` reads it back
(:func:`govrules.outputs.batch.parse_header`), accepting for each fact its name,
its label, and the label's short form: the label without its parenthesised
explanation (「依申请公开是否按要求」 for 「依申请公开是否按要求（依法依规办理，……）」),
as offices shorten headers by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..numbers import fmt
from ..pack import Pack
from ..rubric.model import FactSpec

#: Rows of the workbook whose cells are validated (an office's cohort fits well within).
ROWS = 500

_PAREN = re.compile(r"[（(].*$")


def short_label(label: str) -> str | None:
    """A label without its parenthesised explanation, or None where there is none to drop."""
    short = _PAREN.sub("", label).strip()
    return short if short and short != label.strip() else None


def normalise(header: str) -> str:
    """A header as labels are written: full-width parentheses, no blanks (hand-typed headers vary)."""
    return re.sub(r"\s+", "", header).replace("(", "（").replace(")", "）")


def header_names(facts: tuple[FactSpec, ...] | list[FactSpec]) -> dict[str, str]:
    """Every column name that means a fact -> the fact's name: names, labels and unambiguous short forms."""
    names: dict[str, str] = {}
    for f in facts:
        names[normalise(f.label)] = f.name
    shorts: dict[str, set[str]] = {}
    for f in facts:
        short = short_label(f.label)
        if short is not None:
            shorts.setdefault(normalise(short), set()).add(f.name)
    for short, owners in shorts.items():
        if len(owners) == 1 and short not in names:  # a short form two facts share names neither
            names[short] = next(iter(owners))
    for f in facts:
        names[f.name] = f.name
    return names


def columns(pack: Pack, target: str) -> list[dict[str, Any]]:
    """The template's columns: (header, what it holds, how to fill it, the fact), in the form's order."""
    from .forms import TYPE_LABELS, _bound, fact_hint

    view = pack.view(target)
    cols: list[dict[str, Any]] = [{"header": "单位", "kind": "unit", "hint": "被考核单位的名称（必填，每行一个单位）"}]
    if len(pack.spec.targets) > 1:
        cols.append({"header": "考核对象", "kind": "target", "hint": f"本表为{view.target.name}；可不填（批量评分时用 --target {view.target.name}）", "choices": [view.target.name]})
    for f in view.facts:
        hint = fact_hint(view, f)
        if f.type == "discretionary":
            bound = _bound(view, f)
            cols.append({"header": f"{f.label}.扣分", "kind": "points", "fact": f, "hint": hint, "bound": bound})
            cols.append({"header": f"{f.label}.理由", "kind": "reason", "fact": f, "hint": "扣分的理由（扣分时必填）"})
        else:
            cols.append({"header": f.label, "kind": "fact", "fact": f, "hint": hint, "type": TYPE_LABELS[f.type]})
    for item in view.items:
        if item.max is not None:
            cols.append({"header": f"自评.{item.id}", "kind": "self", "hint": f"{item.id} {item.indicator.name} 的自评分（0 至 {fmt(item.max)} 分，可不填）", "max": item.max})
    return cols


def _validation(col: dict[str, Any]) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    f: FactSpec | None = col.get("fact")
    if col["kind"] == "target":
        return DataValidation(type="list", formula1='"' + ",".join(col["choices"]) + '"', allow_blank=True, showErrorMessage=True, error="请选择考核对象")
    if col["kind"] == "self":
        return DataValidation(type="decimal", operator="between", formula1="0", formula2=str(col["max"]), allow_blank=True, showErrorMessage=True, error=f"自评分应在 0 至 {fmt(col['max'])} 之间")
    if col["kind"] == "points" and col.get("bound") is not None:
        return DataValidation(type="decimal", operator="between", formula1="0", formula2=str(col["bound"]), allow_blank=True, showErrorMessage=True, error=f"扣分应在 0 至 {fmt(col['bound'])} 之间")
    if f is None or col["kind"] != "fact":
        return None
    if f.type == "boolean":
        return DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True, errorTitle="是否", error="请填“是”或“否”")
    if f.type == "count":
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True, showErrorMessage=True, error="次数应为非负整数")
    if f.type == "number":
        low = "0" if f.minimum is None else str(f.minimum)
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=low, allow_blank=True, showErrorMessage=True, error=f"应为不小于 {low} 的数")
    if f.type == "choice" and f.elements:
        listed = ",".join(f.elements)
        if len(listed) <= 250 and not any(ch in listed for ch in '",'):
            return DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True, showErrorMessage=True, error="请从下拉列表中选择")
    return None


def units_xlsx(pack: Pack, target: str, path: str | Path) -> None:
    """The many-unit workbook: 「单位」 (one row per unit, cells validated) and 「说明」."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .xlsx import safe

    view = pack.view(target)
    cols = columns(pack, target)
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append([safe(c["header"]) for c in cols])
    head = Alignment(wrap_text=True, vertical="top")
    for n, c in enumerate(cols, start=1):
        cell = ws.cell(1, n)
        cell.font = Font(bold=True)
        cell.alignment = head
        cell.fill = PatternFill("solid", fgColor="FFF2CC" if c["kind"] != "self" else "E2EFDA")
        ws.column_dimensions[get_column_letter(n)].width = 12 if c["kind"] == "unit" else 16
        dv = _validation(c)
        if dv is not None:
            ws.add_data_validation(dv)
            letter = get_column_letter(n)
            dv.add(f"{letter}2:{letter}{ROWS + 1}")
    ws.row_dimensions[1].height = 90
    ws.freeze_panes = "B2"

    info = wb.create_sheet("说明")
    lines = [
        [f"{pack.title}（{view.target.name}）多单位填报表"],
        [f"指标包 {pack.id} {pack.version}；考核对象：{view.target.name}（{view.target.id}）"],
        ["在「单位」工作表中每行填一个单位。留空的事实视为“未记录”：用到它的指标不检查，该单位不参加排名。"],
        [f"填好后评分：govrules batch {pack.id} 本文件.xlsx --target {view.target.name} --out 结果/"],
        ["列名可用事实名称、完整名称或去掉括号说明的简称；是非题填“是”或“否”；列表用“、”分隔。"],
        [],
        ["列名", "事实", "类型", "填写说明"],
    ]
    for row in lines:
        info.append([safe(x) for x in row])
    info.cell(1, 1).font = Font(bold=True, size=13)
    info.cell(len(lines), 1).font = info.cell(len(lines), 2).font = info.cell(len(lines), 3).font = info.cell(len(lines), 4).font = Font(bold=True)
    for c in cols:
        f = c.get("fact")
        kind = {"unit": "单位名称", "target": "考核对象", "points": "酌情扣分", "reason": "扣分理由", "self": "自评分"}.get(c["kind"], c.get("type", ""))
        info.append([safe(c["header"]), safe(f.name if f is not None else ""), safe(kind), safe(c["hint"])])
        info.cell(info.max_row, 4).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (40, 30, 12, 80)):
        info.column_dimensions[letter].width = width
    wb.save(path)


def units_csv(pack: Pack, target: str) -> str:
    """The many-unit CSV: the header row (UTF-8 with a BOM, so that Excel opens the Chinese headers)."""
    import csv
    import io

    from .xlsx import csv_field

    buf = io.StringIO()
    csv.writer(buf).writerow([csv_field(c["header"]) for c in columns(pack, target)])
    return "\ufeff" + buf.getvalue()


__all__ = ["short_label", "header_names", "columns", "units_xlsx", "units_csv"]
