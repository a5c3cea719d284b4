"""Fillable facts files, and reading assessments from files and spreadsheet cells.

* :func:`template_yaml`, :func:`template_json`, :func:`template_xlsx`: a blank
  assessment for one target of a pack, with every fact (null = not recorded).
* :func:`read_assessment`: an assessment from a JSON, YAML or filled-in Excel
  form, as the dict :meth:`govrules.Pack.assess` takes.
* :func:`cell_fact`: one spreadsheet cell (or CSV field) as a fact value:
  ``是``/``否`` for booleans, ``、``-separated lists, dates as dates.

The Excel form has four sheets: 基本信息 (pack, target, unit), 事实 (one row
per fact: name, label, type, unit, allowed values, the items that use it, an
empty 值 column, and a 理由 column for discretionary deductions), 指标 (自评分,
不适用说明 and evidence provided, per item) and 复核 (review overrides).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..engine.compiled import TargetView
from ..errors import InputError, Problem
from ..messages import json_reason, os_reason, text as text_, yaml_reason
from ..rubric.model import FactSpec
from ..untrusted import shown
from ..numbers import fmt, to_decimal
from ..pack import Pack


#: A cell that says nothing: the fact is not recorded.
MISSING = object()


class CellError(ValueError):
    """A value that cannot be read, with its catalogue code: ``str()`` is the message (as a ValueError's), ``code``/``params`` travel on."""

    def __init__(self, code: str, params: dict[str, Any]):
        super().__init__(text_(code, **params))
        self.code, self.params = code, params


def _coded(code: str, /, **params: Any) -> CellError:
    return CellError(code, params)


def cell_problem(where: str, exc: ValueError) -> Problem:
    """The problem of a value that could not be read, keeping its code where it has one."""
    if isinstance(exc, CellError):
        return Problem.coded(where, exc.code, **exc.params)
    return Problem(where, str(exc))


class Formula(str):
    """An Excel formula with no computed value saved (a workbook written by a program, never opened in Excel).

    Where text is expected (a unit name, a reason) it is taken as the text it
    is; where a number, a yes/no or a date is expected it is an error, never a
    blank.
    """


def _no_formula(raw: Any) -> None:
    if isinstance(raw, Formula):
        raise _coded("forms.formula_no_value", formula=str(raw))

TRUE_WORDS = frozenset({"是", "true", "yes", "y", "1", "√", "✓", "✔", "对", "t"})
FALSE_WORDS = frozenset({"否", "false", "no", "n", "0", "×", "✗", "✘", "错", "f"})
EMPTY_LIST_WORDS = frozenset({"无", "none", "[]", "（无）", "(无)"})
LIST_SPLIT = re.compile(r"[、,，;；\n]+")

YAML_TYPE_LABELS = {
    "count": "次数（非负整数）",
    "number": "数值",
    "boolean": "是否（true / false）",
    "date": "日期（YYYY-MM-DD）",
    "choice": "单选",
    "subset": "缺少的项（列表 [a, b]；都不缺写 []）",
    "discretionary": "酌情扣分（{points: 扣分, reason: 理由}，扣分时理由必填）",
    "dates": "日期列表（[2023-01-02, 2023-01-16]）",
    "spans": "起止日期列表（[2024-09-27/2024-10-28, …]）",
}

TYPE_LABELS = {
    "count": "次数（非负整数）",
    "number": "数值",
    "boolean": "是否（是/否）",
    "date": "日期（YYYY-MM-DD）",
    "choice": "单选",
    "subset": "缺少的项（用、分隔；都不缺填“无”）",
    "discretionary": "酌情扣分（值填扣分，理由必填）",
    "dates": "日期列表（用、分隔）",
    "spans": "起止日期列表（每项写“开始至结束”，如 2024-09-27至2024-10-28，用、分隔）",
}

FORM_SHEETS = ("基本信息", "事实", "指标", "复核")
FACT_HEADERS = ("事实", "名称", "类型", "单位", "可选值", "使用指标", "值", "理由", "填写说明")
ITEM_HEADERS = ("编号", "指标", "分值", "考核内容", "评分办法", "自评分", "不适用说明", "要求佐证", "已提供佐证")
REVIEW_HEADERS = ("编号", "复核分", "复核人", "复核时间", "复核理由")
INFO_HEADERS = ("字段", "名称", "值")


# ------------------------------------------------------------------- targets


def target_id(pack: Pack, given: str | None) -> str | None:
    """A target given by id or by its Chinese name (``乡镇``), as its id; unknown ones are left for the core to report."""
    if given is None:
        return None
    given = given.strip()
    for t in pack.spec.targets:
        if given in (t.id, t.name):
            return t.id
    return given


def check_target(pack: Pack, given: str | None) -> str:
    """The target's id (given by id or name, or the pack's only target); else a :class:`~govrules.errors.FactsError` naming the pack's targets, with did-you-mean."""
    from ..engine.inputs import resolve_target

    return resolve_target(pack.spec, {}, target_id(pack, given))


# --------------------------------------------------------------- cell values


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        return text or None
    return None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_text(raw: Any) -> str:
    """A date cell as YYYY-MM-DD; a cell already written so (a CSV's usual dates) is checked by :meth:`date.fromisoformat` alone."""
    if type(raw) is str and _ISO_DATE.fullmatch(raw):  # not "2023-W01-1", which fromisoformat also reads
        try:
            dt.date.fromisoformat(raw)
        except ValueError:
            pass  # not a valid date: the long way names the problem
        else:
            return raw  # a valid date written YYYY-MM-DD is its own isoformat()
    return _to_date(raw).isoformat()


def _to_date(raw: Any) -> dt.date:
    _no_formula(raw)
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0):
            raise _coded("forms.date_has_time", value=raw.isoformat(sep=" "))
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not m:
        raise _coded("forms.not_a_date", value=f"“{text}”")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise _coded("forms.no_such_date", value=f"“{text}”") from None


#: A number written in a cell: digits with an optional sign and decimal point (no exponent).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
#: A count written in a cell: digits (``3``, also ``3.0`` as some programs save it).
_PLAIN_COUNT = re.compile(r"[+-]?\d+(?:\.0*)?")
#: Exponent notation (``1e3``, ``2.5E-1``): refused in cells, never computed.
_EXPONENT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+")
#: The longest text read as a number: far more digits than any fact can have.
NUMBER_TEXT_MAX = 40


def _show(raw: Any) -> str:
    """A cell value for a message: at most 30 characters."""
    text = str(raw).strip()
    return text if len(text) <= 30 else text[:30] + "…"


def _number_limit() -> Decimal:
    from ..engine.facts import NUMBER_LIMIT

    return NUMBER_LIMIT


def _count_max() -> int:
    """The largest count a fact may hold (``govrules.engine.facts.COUNT_MAX``; below the number bound if absent)."""
    from ..engine import facts

    most = getattr(facts, "COUNT_MAX", None)
    return int(most) if most is not None else int(facts.NUMBER_LIMIT) - 1


# Read once, at first use (the engine's bounds are constants): a batch reads tens of thousands of number cells.
_BOUNDS: tuple[Decimal, int] | None = None


def _bounds() -> tuple[Decimal, int]:
    """(the number limit, the largest count)."""
    global _BOUNDS
    if _BOUNDS is None:
        _BOUNDS = (_number_limit(), _count_max())
    return _BOUNDS


def _check_number_text(raw: str, what: str, example: str) -> str:
    """The cell's text, checked for length and exponents; ``what`` is the catalogue code of what the cell holds (worded only in an error)."""
    text = raw.strip()
    if len(text) > NUMBER_TEXT_MAX:
        raise _coded("forms.number_text_too_long", value=f"“{_show(raw)}”", what=text_(what), limit=NUMBER_TEXT_MAX)
    if _EXPONENT.fullmatch(text):
        raise _coded("forms.exponent", value=f"“{text}”", what=text_(what), example=example)
    return text


def _decimal_of(raw: Any, what: str) -> Decimal:
    """A cell's number as a Decimal, without ever computing a huge power (``what``: as for :func:`_check_number_text`)."""
    if isinstance(raw, int):
        if abs(raw) >= 10**NUMBER_TEXT_MAX:
            raise _coded("forms.too_large", what=text_(what))
        return Decimal(raw)
    if isinstance(raw, (float, Decimal)):
        d = to_decimal(raw)
        if not d.is_finite():
            raise _coded("forms.cell_not_finite", value=f"“{raw}”")
        return d
    raise TypeError(type(raw).__name__)


def _to_int(raw: Any) -> int:
    """A count from a cell: digits only (no exponent, no fraction), below the count limit."""
    _no_formula(raw)
    if isinstance(raw, bool):
        raise _coded("forms.not_a_count", value=f"{raw} ")
    most = _bounds()[1]
    if isinstance(raw, str):
        text = _check_number_text(raw, "forms.what_count", "1000")
        if not _PLAIN_COUNT.fullmatch(text):
            if _PLAIN_NUMBER.fullmatch(text):
                raise _coded("forms.not_whole", value=f"“{text}”")
            raise _coded("forms.not_a_count", value=f"“{text}”")
        d = Decimal(text)
    else:
        try:
            d = _decimal_of(raw, "forms.what_count")
        except TypeError:
            raise _coded("forms.not_a_count", value=f"“{_show(raw)}”") from None
        if d != d.to_integral_value():
            raise _coded("forms.not_whole", value=f"“{_show(raw)}”")
    if abs(d) > most:
        raise _coded("forms.count_too_large", value=f"“{_show(raw)}”", most=most)
    return int(d)


def _to_number(raw: Any) -> Decimal:
    """A number from a cell: plain decimal notation (no exponent), below the number limit."""
    _no_formula(raw)
    if isinstance(raw, bool):
        raise _coded("forms.not_a_number", value=f"{raw} ")
    if isinstance(raw, str):
        text = _check_number_text(raw, "forms.what_number", "0.5")
        if not _PLAIN_NUMBER.fullmatch(text):
            raise _coded("forms.not_a_number", value=f"“{text}”")
        d = Decimal(text)
    else:
        try:
            d = _decimal_of(raw, "forms.what_number")
        except TypeError:
            raise _coded("forms.not_a_number", value=f"“{_show(raw)}”") from None
    limit = _bounds()[0]
    if abs(d) >= limit:
        raise _coded("forms.number_too_large", value=f"“{_show(raw)}”", limit=fmt(limit))
    return d


def _to_bool(raw: Any) -> bool:
    _no_formula(raw)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float, Decimal)) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise _coded("forms.not_yes_no", value=f"“{raw}”")


_DAY = r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
_SPAN = re.compile(rf"({_DAY})\s*(?:/|至|到|~|～|—|－)\s*({_DAY})")


def _to_span(text: str) -> str:
    """One span of a spans cell: start and end, joined by 至, ~ or / (ISO ``start/end`` for the core)."""
    m = _SPAN.fullmatch(text.strip())
    if not m:
        raise _coded("forms.not_a_span", value=f"“{text}”")
    return f"{_to_date(m.group(1)).isoformat()}/{_to_date(m.group(2)).isoformat()}"


def split_list(raw: Any) -> list[str]:
    """A ``、``-separated cell as a list (``无`` for an empty list)."""
    if isinstance(raw, (list, tuple)):
        return [str(x).strip() for x in raw]
    text = str(raw).strip()
    if text.lower() in EMPTY_LIST_WORDS:
        return []
    return [p.strip() for p in LIST_SPLIT.split(text) if p.strip()]


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def cell_fact(spec: FactSpec, raw: Any) -> Any:
    """One cell as a fact value (for the core to validate), :data:`MISSING` if blank; ValueError if unreadable.

    Discretionary facts take two cells; see :func:`cell_discretion`.
    """
    if is_blank(raw):
        return MISSING
    return cell_reader(spec.type)(raw)


def _choice(raw: Any) -> str:
    _no_formula(raw)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _subset(raw: Any) -> list[str]:
    _no_formula(raw)
    return split_list(raw)


def _dates(raw: Any) -> list[str]:
    _no_formula(raw)
    return [_date_text(x) for x in split_list(raw)]


def _spans(raw: Any) -> list[str]:
    _no_formula(raw)
    return [_to_span(x) for x in split_list(raw)]


_READERS: dict[str, Any] = {
    "count": _to_int,
    "number": _to_number,
    "boolean": _to_bool,
    "date": _date_text,
    "choice": _choice,
    "subset": _subset,
    "dates": _dates,
    "spans": _spans,
    "discretionary": lambda raw: cell_discretion(raw, None),
}


def cell_reader(fact_type: str) -> Any:
    """What reads a non-blank cell of a fact of this type (:func:`cell_fact` without its blank check): a table's reader
    looks it up once per column, not once per cell."""
    try:
        return _READERS[fact_type]
    except KeyError:
        raise AssertionError(fact_type) from None


#: Cell texts a remembering reader keeps (:func:`remembering_reader`), per column of a table.
CELL_TEXTS = 4096


def remembering_reader(fact_type: str) -> Any:
    """:func:`cell_reader`'s reader for one column of a table, remembering what each cell text read as (bounded).

    A province's table repeats its cells (0, 是, 否, 20.0, the days of one
    year): each is read once per column. Only values that cannot be changed in
    place are remembered whole; a dates cell (a list) remembers each date. An
    unreadable cell raises each time.
    """
    if fact_type == "dates":
        date = _remembering(_date_text)

        def dates(raw: Any) -> list[str]:
            _no_formula(raw)
            return [date(x) for x in split_list(raw)]

        return dates
    read = cell_reader(fact_type)
    return read if fact_type in ("subset", "spans", "discretionary") else _remembering(read)


def _remembering(read: Any) -> Any:
    memo: dict[str, Any] = {}

    def remembered(raw: Any) -> Any:
        if type(raw) is not str:  # by exact type: a cell's number or date object reads as itself, not as its text
            return read(raw)
        got = memo.get(raw)
        if got is None:
            got = read(raw)
            if len(memo) < CELL_TEXTS:
                memo[raw] = got
        return got

    return remembered


def cell_discretion(points: Any, reason: Any) -> Any:
    """A discretionary deduction from its 扣分 and 理由 cells; :data:`MISSING` if both are blank."""
    if is_blank(points) and is_blank(reason):
        return MISSING
    if is_blank(points):
        raise _coded("forms.reason_without_points")
    value = _to_number(points)
    return {"points": value, "reason": "" if is_blank(reason) else str(reason).strip()}


def fact_where(spec: FactSpec) -> str:
    return f"{spec.name}（{spec.label}）"


# ---------------------------------------------------------------- templates


def _users(view: TargetView, name: str) -> list[str]:
    return list(view.fact_users.get(name, ()))


def _item_names(view: TargetView) -> dict[str, str]:
    names = {i.id: i.indicator.name for i in view.items}
    names.update({l.id: l.adjustment.name for l in view.ledgers})
    names.update({z.owner: z.zeroing.name for z in view.zeroings if z.zeroing is not None})
    if view.grading is not None:
        names.update({v.id: f"{v.name}（一票否优/否决）" for v, _ in view.grading.vetoes})
    return names


def _bound(view: TargetView, spec: FactSpec) -> Decimal | None:
    from ..engine.compiled import discretion_bounds

    return discretion_bounds((spec,), list(view.items)).get(spec.name)


def fact_hint(view: TargetView, spec: FactSpec, yaml: bool = False) -> str:
    """How to fill one fact, in words (for the YAML template or the Excel form)."""
    parts = [(YAML_TYPE_LABELS if yaml else TYPE_LABELS)[spec.type]]
    if spec.unit:
        parts.append(f"单位：{spec.unit}")
    if spec.elements:
        parts.append("可选：" + "、".join(spec.elements))
    if spec.type == "discretionary":
        bound = _bound(view, spec)
        if bound is not None:
            parts.append(f"最多扣{fmt(bound)}分")
    if spec.minimum is not None:
        parts.append(f"最小 {fmt(spec.minimum)}")
    if spec.maximum is not None and spec.type in ("count", "number"):
        parts.append(f"最大 {fmt(spec.maximum)}")
    if spec.default is not None:
        parts.append(f"不填时按 {spec.default}")
    if spec.derive is not None:
        parts.append(f"也可不填，由 {spec.derive.source} 推算（二者只填其一）")
    for f in view.facts:
        if f.derive is not None and f.derive.source == spec.name:
            parts.append(f"填写后据此推算 {f.name}（二者只填其一）")
    if spec.description:
        parts.append(spec.description)
    names = _item_names(view)
    users = _users(view, spec.name)
    if users:
        parts.append("用于 " + "、".join(f"{u} {names.get(u, '')}".strip() for u in users))
    return "；".join(parts)


def _form_facts(view: TargetView, assessor: str | None) -> tuple[FactSpec, ...]:
    """The facts a form asks for: every fact, or a department's own (the rows it assesses)."""
    if assessor is None:
        return view.facts
    from ..engine.merge import assessor_facts

    names = set(assessor_facts(view, assessor))
    return tuple(f for f in view.facts if f.name in names)


def template_data(pack: Pack, target: str, assessor: str | None = None) -> dict[str, Any]:
    view = pack.view(target)
    data: dict[str, Any] = {"pack": pack.id, "target": target, "unit": None}
    if assessor is not None:
        data["assessor"] = assessor
    data["facts"] = {f.name: None for f in _form_facts(view, assessor)}
    return data


def template_json(pack: Pack, target: str, assessor: str | None = None) -> str:
    data = template_data(pack, target, assessor)
    data.update({"evidence": {}, "not_applicable": {}, "self_assessment": {}, "reviews": []})
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _yaml_scalar(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _yaml_key(item_id: str) -> str:
    """An item id as a YAML key or value that reads back as the same text: ``7`` or ``1.10`` would read as numbers."""
    import yaml

    try:
        same = yaml.safe_load(item_id) == item_id
    except yaml.YAMLError:
        same = False
    return item_id if same else _yaml_scalar(item_id)


def template_yaml(pack: Pack, target: str, assessor: str | None = None) -> str:
    view = pack.view(target)
    t = view.target
    facts = _form_facts(view, assessor)
    lines = [
        f"# {pack.title}（{t.name}）事实填报表" + (f"：{assessor}" if assessor is not None else ""),
        f"# 指标包 {pack.id} {pack.version}；填好后运行：govrules score {pack.id} 本文件.yaml"
        + ("（与其他部门的填报表一起）" if assessor is not None else ""),
        "# 每个事实留空（null）表示“未检查”：用到它的指标不计分，总分暂不给出。",
        "# 列表写作 [a, b]，都不缺时写 []；是否写 true / false；酌情扣分写作 {points: 0.5, reason: 扣分理由}。",
        f"pack: {pack.id}",
        f"target: {target}",
        "unit: null            # 单位名称",
        *([f"assessor: {_yaml_scalar(assessor)}   # 负责考核部门 / 评议人"] if assessor is not None else []),
        "facts:" if facts else "facts: {}",
    ]
    for f in facts:
        lines.append(f"  # {f.label}：{fact_hint(view, f, yaml=True)}")
        lines.append(f"  {f.name}: null")
    lines.append("")
    lines.append("# 自评分（可选）：取消下面几行的注释并填写")
    lines.append("# self_assessment:")
    for item in view.items:
        if item.max is not None:
            lines.append(f"#   {_yaml_key(item.id)}: {fmt(item.max)}        # {item.indicator.name}（满分{fmt(item.max)}）")
    asks = [(i, i.indicator.evidence) for i in view.items if i.indicator.evidence]
    if asks:
        lines.append("")
        lines.append("# 已提供的佐证材料（可选）：")
        lines.append("# evidence:")
        for item, kinds in asks:
            lines.append(f"#   {_yaml_key(item.id)}: [{', '.join(kinds)}]        # {item.indicator.name}")
    if pack.spec.not_applicable.allowed:
        lines.append("")
        lines.append("# 不适用项（须附书面说明）：")
        lines.append("# not_applicable:")
        lines.append(f"#   {_yaml_key(view.items[0].id)}: 书面说明……")
    lines.append("")
    lines.append("# 复核调整（可选）：")
    lines.append("# reviews:")
    first = next((i for i in view.items if i.max is not None), None)
    if first is not None:
        lines.append(f"#   - {{item: {_yaml_key(first.id)}, score: {fmt(first.max)}, reviewer: 复核人, at: 2023-12-20, reason: 复核理由}}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------- Excel form


def template_xlsx(pack: Pack, target: str, path: str | Path, assessor: str | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from .xlsx import safe

    view = pack.view(target)
    names = _item_names(view)
    wb = Workbook()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    wrap = Alignment(wrap_text=True, vertical="top")

    info = wb.active
    info.title = FORM_SHEETS[0]
    info.append(list(INFO_HEADERS))
    info.append(["pack", "指标包", safe(pack.id)])
    info.append(["target", "考核对象", safe(target)])
    info.append(["unit", "单位名称", None])
    info.append(["version", "指标包版本（仅供参考）", safe(pack.version)])
    info.append(["title", "考核细则（仅供参考）", safe(f"{pack.title}（{view.target.name}）")])
    if assessor is not None:
        info.append(["assessor", "负责考核部门 / 评议人", safe(assessor)])
    info["C4"].fill = fill
    for c in info[1]:
        c.font = bold
    info.column_dimensions["A"].width = 10
    info.column_dimensions["B"].width = 24
    info.column_dimensions["C"].width = 50

    ws = wb.create_sheet(FORM_SHEETS[1])
    ws.append(list(FACT_HEADERS))
    for c in ws[1]:
        c.font = bold
    bool_dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True, errorTitle="是否", error="请填“是”或“否”")
    count_dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True, showErrorMessage=True, error="次数应为非负整数")
    ws.add_data_validation(bool_dv)
    ws.add_data_validation(count_dv)
    for row, f in enumerate(_form_facts(view, assessor), start=2):
        users = _users(view, f.name)
        ws.append(
            [
                safe(f.name),
                safe(f.label),
                safe(TYPE_LABELS[f.type]),
                safe(f.unit or ""),
                safe("、".join(f.elements) if f.elements else ""),
                safe("、".join(f"{u} {names.get(u, '')}".strip() for u in users)),
                None,
                None,
                safe(fact_hint(view, f)),
            ]
        )
        ws.cell(row, 7).fill = fill
        if f.type == "discretionary":
            ws.cell(row, 8).fill = fill
            bound = _bound(view, f)
            if bound is not None:
                dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(bound), allow_blank=True, showErrorMessage=True, error=f"扣分应在 0 至 {fmt(bound)} 之间")
                ws.add_data_validation(dv)
                dv.add(ws.cell(row, 7))
        elif f.type == "boolean":
            bool_dv.add(ws.cell(row, 7))
        elif f.type == "count":
            count_dv.add(ws.cell(row, 7))
        elif f.type == "choice" and f.elements:
            listed = ",".join(f.elements)
            if len(listed) <= 250 and not any(ch in listed for ch in '",'):
                dv = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True, showErrorMessage=True)
                ws.add_data_validation(dv)
                dv.add(ws.cell(row, 7))
        for col in (2, 5, 6, 9):
            ws.cell(row, col).alignment = wrap
    for col, width in zip("ABCDEFGHI", (28, 36, 18, 8, 30, 20, 14, 30, 60)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C2"

    items = wb.create_sheet(FORM_SHEETS[2])
    items.append(list(ITEM_HEADERS))
    for c in items[1]:
        c.font = bold
    for row, item in enumerate(view.items, start=2):
        # The row's own words (考核内容, 评分办法) beside the 自评 cell: a town scoring itself sees the rule.
        items.append(
            [safe(item.id), safe(" › ".join(a.name for a in item.ancestors) + (" › " if item.ancestors else "") + item.indicator.name),
             item.max, safe(item.indicator.source or ""), safe(item.indicator.method or ""), None, None, safe("、".join(item.indicator.evidence)), None]
        )
        for col in (2, 4, 5):
            items.cell(row, col).alignment = wrap
        if item.max is not None:
            items.cell(row, 6).fill = fill
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(item.max), allow_blank=True, showErrorMessage=True)
            items.add_data_validation(dv)
            dv.add(items.cell(row, 6))
    for col, width in zip("ABCDEFGHI", (10, 30, 8, 50, 40, 10, 24, 24, 24)):
        items.column_dimensions[col].width = width
    items.freeze_panes = "C2"

    rev = wb.create_sheet(FORM_SHEETS[3])
    rev.append(list(REVIEW_HEADERS))
    for c in rev[1]:
        c.font = bold
    for col, width in zip("ABCDE", (10, 10, 16, 14, 60)):
        rev.column_dimensions[col].width = width
    wb.save(path)


#: Bounds on an Excel workbook read as input: its unzipped size, the cells
#: that merged ranges cover, and the cells of one sheet's used area.
XLSX_UNZIPPED_MAX = 200_000_000
XLSX_MERGED_CELLS_MAX = 1_000_000
XLSX_SHEET_CELLS_MAX = 5_000_000


class Book:
    """An Excel workbook as rows of cell values; a formula stands for its saved value, or is a :class:`Formula`.

    A merged range's value (held by its top-left cell) is the value of every
    cell of the range, as it shows in Excel.
    """

    def __init__(self, values: Any, formulas: Any):
        self._values = values
        self._formulas = formulas

    @property
    def sheetnames(self) -> list[str]:
        return list(self._values.sheetnames)

    def first_sheet(self) -> str:
        return self._values.worksheets[0].title

    def rows(self, sheet: str) -> list[list[Any]]:
        vws, fws = self._values[sheet], self._formulas[sheet]
        cells: dict[tuple[int, int], Any] = {}
        # Only cells that hold something: a styled empty cell far away does not make the sheet huge.
        for (r, c), cell in getattr(fws, "_cells", {}).items():
            f = cell.value
            v = vws._cells[(r, c)].value if (r, c) in vws._cells else None
            if v is None and isinstance(f, str) and f.startswith("="):
                v = Formula(f)
            if v is not None:
                cells[(r, c)] = v
        for rng in vws.merged_cells.ranges:
            v = cells.get((rng.min_row, rng.min_col))
            if v is None:
                continue
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    cells[(r, c)] = v
        if not cells:
            return []
        height = max(r for r, _c in cells)
        width = max(c for _r, c in cells)
        if height * width > XLSX_SHEET_CELLS_MAX:
            raise InputError.coded(
                "forms.summary.sheet_too_large",
                [Problem.coded(f"工作表「{sheet}」", "forms.sheet_too_large", height=height, width=width, limit=XLSX_SHEET_CELLS_MAX)],
                sheet=sheet,
            )
        out: list[list[Any]] = [[] for _ in range(height)]
        for (r, c), v in sorted(cells.items()):
            row = out[r - 1]
            if len(row) < c:
                row.extend([None] * (c - len(row)))
            row[c - 1] = v
        return out


def _check_xlsx(path: str | Path) -> None:
    """Refuse, before openpyxl builds it, a workbook that unzips too large or whose merged ranges cover too many cells."""
    import zipfile

    from openpyxl.utils import range_boundaries

    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > XLSX_UNZIPPED_MAX:
                raise InputError.coded("forms.summary.excel_too_large", [Problem.coded(str(path), "forms.unzips_to", total=total, limit=XLSX_UNZIPPED_MAX)], path=path)
            merged = 0
            for info in infos:
                if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                    continue
                xml = z.read(info).decode("utf-8", "replace")
                for ref in re.findall(r"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([^\"]{1,40})\"", xml):
                    try:
                        c1, r1, c2, r2 = range_boundaries(ref)
                    except (ValueError, TypeError):
                        continue
                    if None in (c1, r1, c2, r2):
                        raise InputError.coded("forms.summary.excel_unreadable", [Problem.coded(str(path), "forms.merged_whole", ref=ref)], path=path)
                    merged += (c2 - c1 + 1) * (r2 - r1 + 1)  # type: ignore[operator]
                    if merged > XLSX_MERGED_CELLS_MAX:
                        raise InputError.coded("forms.summary.excel_unreadable", [Problem.coded(str(path), "forms.merged_too_many", limit=XLSX_MERGED_CELLS_MAX)], path=path)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return  # load_workbook reports what is wrong with the file


def _header_map(rows: list[list[Any]], sheet: str, wanted: tuple[str, ...], where: str) -> dict[str, int]:
    header = [(_text(v) or "") for v in rows[0]] if rows else []
    cols = {name: i for i, name in enumerate(header) if name}
    missing = [h for h in wanted if h not in cols]
    if missing:
        raise InputError.coded("forms.summary.not_a_form", [Problem.coded(f"{where} 工作表「{sheet}」第1行", "forms.missing_columns", columns="、".join(missing))], path=where)
    return cols


def is_form(book: Book) -> bool:
    """Is this workbook a govrules facts form (rather than a batch of units)?"""
    return FORM_SHEETS[1] in book.sheetnames and FORM_SHEETS[0] in book.sheetnames


#: How a file starts: a ZIP archive (every .xlsx is one), or an OLE2 compound file (an old .xls, or a workbook saved with a password).
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def file_head(path: str | Path, size: int = 8192) -> bytes:
    """The first ``size`` bytes of a file (none if it cannot be read: whoever reads it next says why)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


def content_kind(head: bytes) -> str:
    """What a file's first bytes look like: ``zip``, ``ole2``, ``utf16`` (text Excel saves as "Unicode"), ``binary`` (a NUL byte) or ``text``."""
    if head.startswith(ZIP_SIGNATURES):
        return "zip"
    if head.startswith(OLE2_SIGNATURE):
        return "ole2"
    if head.startswith(UTF16_BOMS):
        return "utf16"
    return "binary" if b"\x00" in head else "text"


#: Why a file named .xlsx is not one, by what it starts like (a ZIP that openpyxl cannot read is damaged).
_NOT_XLSX = {"zip": "forms.xlsx_damaged", "ole2": "forms.xlsx_is_xls", "utf16": "forms.xlsx_is_text", "text": "forms.xlsx_is_text", "binary": "forms.xlsx_not_zip"}


def open_workbook(path: str | Path) -> Book:
    """An Excel workbook's cell values (formulas as their last computed values)."""
    from openpyxl import load_workbook

    _check_xlsx(path)
    try:
        return Book(load_workbook(path, data_only=True), load_workbook(path, data_only=False))
    except FileNotFoundError:
        raise InputError.coded("forms.summary.not_found", [Problem.coded(str(path), "os.ENOENT")], path=path) from None
    except Exception:  # any failure to load (bad zip, bad XML, a value openpyxl cannot convert) means the file is unreadable
        # Said by what the file is, never by the exception's name (BadZipFile means nothing to whoever saved the file).
        code = _NOT_XLSX[content_kind(file_head(path))]
        raise InputError.coded("forms.summary.excel_unreadable", [Problem.coded(str(path), code)], path=path) from None


def _cells(row: list[Any], cols: dict[str, int]) -> Any:
    def cell(name: str) -> Any:
        i = cols.get(name)
        return row[i] if i is not None and i < len(row) else None

    return cell


def read_form(book: Book, pack: Pack, where: str) -> tuple[dict[str, Any], list[Problem]]:
    """An assessment from a filled-in Excel form, and the problems found reading its cells."""
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    rows = book.rows(FORM_SHEETS[0])
    cols = _header_map(rows, FORM_SHEETS[0], ("字段", "值"), where)
    for row in rows[1:]:
        cell = _cells(row, cols)
        key, value = _text(cell("字段")), cell("值")
        if key in ("pack", "target", "unit", "assessor") and not is_blank(value):
            data[key] = str(value).strip()
    if "target" in data:
        data["target"] = target_id(pack, data["target"])

    specs = {f.name: f for f in pack.spec.facts}
    rows = book.rows(FORM_SHEETS[1])
    cols = _header_map(rows, FORM_SHEETS[1], ("事实", "值"), where)
    facts: dict[str, Any] = {}
    for r, row in enumerate(rows[1:], start=2):
        cell = _cells(row, cols)
        name = _text(cell("事实"))
        value, reason = cell("值"), cell("理由")
        if name is None:
            if not (is_blank(value) and is_blank(reason)):
                problems.append(Problem.coded(f"{where} 事实!第{r}行", "forms.value_without_fact"))
            continue
        spec = specs.get(name)
        if spec is None:
            if not is_blank(value):
                facts[name] = value  # the core reports the unknown name, with did-you-mean
            continue
        try:
            v = cell_discretion(value, reason) if spec.type == "discretionary" else cell_fact(spec, value)
        except ValueError as exc:
            problems.append(cell_problem(f"{where} 事实!第{r}行 {fact_where(spec)}", exc))
            continue
        if v is not MISSING:
            facts[name] = v
    data["facts"] = facts

    if FORM_SHEETS[2] in book.sheetnames:
        rows = book.rows(FORM_SHEETS[2])
        cols = _header_map(rows, FORM_SHEETS[2], ("编号",), where)
        self_scores: dict[str, Any] = {}
        na: dict[str, str] = {}
        evidence: dict[str, list[str]] = {}
        for r, row in enumerate(rows[1:], start=2):
            cell = _cells(row, cols)
            item = _text(cell("编号"))
            if item is None:
                continue
            score = cell("自评分")
            if not is_blank(score):
                try:
                    self_scores[item] = _to_number(score)
                except ValueError as exc:
                    problems.append(cell_problem(f"{where} 指标!第{r}行 {item} 自评分", exc))
            why = cell("不适用说明")
            if not is_blank(why):
                na[item] = str(why).strip()
            given = cell("已提供佐证")
            if not is_blank(given):
                evidence[item] = split_list(given)
        if self_scores:
            data["self_assessment"] = self_scores
        if na:
            data["not_applicable"] = na
        if evidence:
            data["evidence"] = evidence

    if FORM_SHEETS[3] in book.sheetnames:
        rows = book.rows(FORM_SHEETS[3])
        cols = _header_map(rows, FORM_SHEETS[3], REVIEW_HEADERS, where)
        reviews = []
        for r, row in enumerate(rows[1:], start=2):
            cell = _cells(row, cols)
            values = {h: cell(h) for h in REVIEW_HEADERS}
            if all(is_blank(v) for v in values.values()):
                continue
            review, review_problems = review_from_cells(
                values["编号"], values["复核分"], values["复核人"], values["复核时间"], values["复核理由"], f"{where} 复核!第{r}行"
            )
            problems.extend(review_problems)
            if review is not None:
                reviews.append(review)
        if reviews:
            data["reviews"] = reviews
    return data, problems


def form_cells(book: Book, where: str) -> dict[str, str]:
    """Each fact's 值 cell in a filled-in form (「北洲子镇.xlsx 事实!第35行 G列」): where a blank one is filled in."""
    from openpyxl.utils import get_column_letter

    rows = book.rows(FORM_SHEETS[1])
    try:
        cols = _header_map(rows, FORM_SHEETS[1], ("事实", "值"), where)
    except InputError:
        return {}
    letter = get_column_letter(cols["值"] + 1)
    out: dict[str, str] = {}
    for r, row in enumerate(rows[1:], start=2):
        name = _text(_cells(row, cols)("事实"))
        if name is not None:
            out.setdefault(name, f"{where} 事实!第{r}行 {letter}列")
    return out


def review_from_cells(item: Any, score: Any, reviewer: Any, at: Any, reason: Any, where: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    problems = []
    out: dict[str, Any] = {"item": "" if is_blank(item) else str(item).strip()}
    for key, value, label in (("reviewer", reviewer, "复核人"), ("reason", reason, "复核理由")):
        out[key] = "" if is_blank(value) else str(value).strip()
    if is_blank(score):
        problems.append(Problem.coded(where, "forms.review_no_score"))
    else:
        try:
            out["score"] = _to_number(score)
        except ValueError as exc:
            problems.append(cell_problem(f"{where} 复核分", exc))
    if is_blank(at):
        problems.append(Problem.coded(where, "forms.review_no_time"))
    elif isinstance(at, (dt.date, dt.datetime)):
        out["at"] = at.isoformat() if isinstance(at, dt.datetime) and at.time() != dt.time(0) else _to_date(at).isoformat()
    elif isinstance(at, Formula):
        problems.append(Problem.coded(f"{where} 复核时间", "forms.formula_no_value", formula=str(at)))
    else:
        out["at"] = str(at).strip()
    return (None if problems else out), problems


# ------------------------------------------------------------ reading files


def read_text_file(path: str) -> str:
    p = Path(path)
    try:
        return sys.stdin.read() if path == "-" else p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.coded("forms.summary.not_found", [Problem.coded(path, "os.ENOENT")], path=path) from None
    except IsADirectoryError:
        raise InputError.coded("forms.summary.is_dir", [Problem.coded(path, "os.EISDIR")], path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError.coded("forms.summary.not_utf8", [Problem(path, str(exc))], path=path) from None
    except OSError as exc:
        raise InputError.coded("forms.summary.unreadable", [Problem(path, os_reason(exc))], path=path) from None


#: The largest assessment file read (characters): a facts file is a few kilobytes.
ASSESSMENT_TEXT_MAX = 2_000_000
#: Most YAML nodes an assessment may have, counting every use of an alias (no "billion laughs").
YAML_NODES_MAX = 200_000
#: The longest scalar read as a number from JSON or YAML (an int of more digits is never built).
NUMBER_SCALAR_MAX = 100


def _json_number(text: str) -> Decimal | int:
    if len(text) > NUMBER_SCALAR_MAX:
        raise _coded("forms.number_too_long", length=len(text), limit=NUMBER_SCALAR_MAX)
    return int(text) if text.lstrip("-").isdigit() else Decimal(text)


def _json_constant(name: str) -> Any:
    raise ValueError(text_("forms.not_json_number", value=name))


class _DuplicateKey(ValueError):
    pass


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


def parse_json_text(text: str, path: str) -> Any:
    """JSON with exact numbers; numbers longer than :data:`NUMBER_SCALAR_MAX`, NaN, Infinity and a key given twice refused.

    A key given twice would otherwise be read silently as its last value
    (``{"target": "xiangzhen", "target": "quzhi"}`` scored 区直), as
    :func:`govrules.engine.inputs.parse_json` refuses it for ``Pack.assess``.
    """
    try:
        return json.loads(text, parse_float=_json_number, parse_int=_json_number, parse_constant=_json_constant, object_pairs_hook=_once)
    except _DuplicateKey:
        from ..engine.inputs import duplicate_keys

        raise InputError.coded("forms.summary.json_duplicate_keys", [Problem(f"{path} {p.where}", p.message) for p in duplicate_keys(text)], path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError.coded("forms.summary.bad_json", [Problem.coded(f"{path} " + text_("input.where_line_column", line=exc.lineno, column=exc.colno), "input.json_syntax", reason=json_reason(exc.msg))], path=path) from None
    except RecursionError:
        raise InputError.coded("forms.summary.bad_json", [Problem.coded(path, "batch.too_deep")], path=path) from None
    except (ValueError, ArithmeticError) as exc:
        raise InputError.coded("forms.summary.bad_json", [Problem(path, str(exc)[:200])], path=path) from None


def _yaml_loader() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class AssessmentLoader(base):  # type: ignore[misc,valid-type]
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            # A constructor's ValueError (2023-02-30), ArithmeticError (.inf) or
            # TypeError becomes a YAML error naming the line.
            try:
                return super().construct_object(node, deep)
            except (ValueError, ArithmeticError, TypeError, OverflowError) as exc:
                # Python's own reason ("day is out of range for month") is English: say it in the catalogue's words.
                if isinstance(exc, CellError):
                    reason = str(exc)
                elif node.tag == "tag:yaml.org,2002:timestamp":
                    reason = text_("forms.yaml_no_such_date", value=shown(node.value))
                else:
                    reason = text_("forms.yaml_unreadable", value=shown(node.value) if isinstance(node.value, str) else text_("type.other"))
                raise yaml.constructor.ConstructorError(None, None, reason, node.start_mark) from None

    def number(loader: Any, node: Any) -> Any:
        text = str(loader.construct_scalar(node)).replace("_", "")
        if len(text) > NUMBER_SCALAR_MAX:
            raise _coded("forms.number_too_long", length=len(text), limit=NUMBER_SCALAR_MAX)
        if node.tag.endswith(":int"):
            return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
        try:
            d = Decimal(text)
        except ArithmeticError:
            d = Decimal("NaN")
        if not d.is_finite():
            raise _coded("forms.not_finite", value=text)
        return d

    AssessmentLoader.add_constructor("tag:yaml.org,2002:float", number)
    AssessmentLoader.add_constructor("tag:yaml.org,2002:int", number)
    return AssessmentLoader


def _check_yaml_nodes(root: Any, path: str) -> list[Problem]:
    """Duplicate keys, and the node count with aliases expanded (bounded), walked without recursion."""
    import yaml

    problems: list[Problem] = []
    stack = [root]
    seen_maps: set[int] = set()
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        if count > YAML_NODES_MAX:
            return [Problem.coded(path, "forms.yaml_too_many", limit=YAML_NODES_MAX)]
        if isinstance(node, yaml.MappingNode):
            if id(node) not in seen_maps:
                seen_maps.add(id(node))
                keys: dict[Any, int] = {}
                for k, _v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                        if k.value in keys:
                            problems.append(Problem.coded(f"{path}:{k.start_mark.line + 1}", "forms.duplicate_key", key=repr(k.value[:50]), line=keys[k.value]))
                        else:
                            keys[k.value] = k.start_mark.line + 1
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


def parse_yaml_text(text: str, path: str) -> Any:
    """An assessment's YAML: safe tags only, exact numbers, no duplicate keys, bounded size; InputError naming the line."""
    import yaml

    try:
        loader = _yaml_loader()(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise InputError.coded("forms.summary.empty", [Problem.coded(path, "forms.empty")], path=path)
            problems = _check_yaml_nodes(node, path)
            if problems:
                raise InputError.coded("forms.summary.bad_input", problems, path=path)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else path
        reason = getattr(exc, "problem", None) or str(exc)
        raise InputError.coded("forms.summary.bad_yaml", [Problem(where, yaml_reason(str(reason))[:300])], path=path) from None
    except RecursionError:
        raise InputError.coded("forms.summary.bad_yaml", [Problem.coded(path, "batch.too_deep")], path=path) from None
    except (ValueError, ArithmeticError, TypeError) as exc:
        raise InputError.coded("forms.summary.bad_yaml", [Problem(path, str(exc)[:200])], path=path) from None


def parse_text(text: str, path: str, kind: str) -> Any:
    """JSON or YAML text as data, exact numbers; :class:`InputError` naming the line on a syntax error.

    Bounded for text from anywhere: at most :data:`ASSESSMENT_TEXT_MAX`
    characters, numbers of at most :data:`NUMBER_SCALAR_MAX` characters, no
    NaN or infinity, YAML aliases expanded to at most :data:`YAML_NODES_MAX`
    values; too deep a nesting is an error, not a crash.
    """
    if len(text) > ASSESSMENT_TEXT_MAX:
        raise InputError.coded("forms.summary.too_large", [Problem.coded(path, "forms.file_too_large", size=len(text), limit=ASSESSMENT_TEXT_MAX)], path=path)
    if kind == "yaml":
        return parse_yaml_text(text, path)
    return parse_json_text(text, path)


def kind_of(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".csv":
        return "csv"
    return "json"


def read_assessment(path: str, pack: Pack) -> dict[str, Any] | Any:
    """An assessment from a JSON, YAML or Excel-form file (``-``: JSON or YAML on stdin)."""
    kind = kind_of(path)
    if kind == "xlsx":
        book = open_workbook(path)
        if not is_form(book):
            raise InputError.coded(
                "forms.summary.not_a_form",
                [Problem.coded(path, "forms.not_a_form", sheets="、".join(FORM_SHEETS), pack=pack.id)],
                path=path,
            )
        data, problems = read_form(book, pack, Path(path).name)
        if problems:
            raise InputError.coded("forms.summary.unreadable_count", problems, path=path, count=len(problems))
        return data
    if kind == "csv":
        raise InputError.coded("forms.summary.csv", [Problem.coded(path, "forms.csv_use_batch")], path=path)
    text = read_text_file(path)
    if path == "-":
        kind = "json" if text.lstrip().startswith(("{", "[")) else "yaml"
    return drop_null_facts(parse_text(text, path, kind))


def drop_null_facts(data: Any) -> Any:
    """Leave out facts given as null: null means "not recorded", the same as leaving the fact out.

    (The core treats them alike, except that a null derived count and a null
    list of dates it derives from are refused as "both given"; templates have
    both, so they are dropped here.)
    """
    if isinstance(data, dict) and isinstance(data.get("facts"), dict):
        data = dict(data)
        data["facts"] = {k: v for k, v in data["facts"].items() if v is not None}
    return data
