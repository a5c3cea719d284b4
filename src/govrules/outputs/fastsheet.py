"""One unit's HTML score sheet, the same bytes as ``score.html.j2`` rendered by Jinja2, at a fraction of its cost.

``govrules batch`` writes a sheet per unit, and Jinja2 rendering the template
cost more than scoring the unit (docs/performance.md, section 6): a loop, a
``finalize`` call and an escape per printed value, on some 250 values a sheet.
Here the parts of the 考核表 that every unit of a target shares (the head of
the page, the header row, each row's id and name cells with their merged-cell
spans) are made once per layout and kept; a unit's sheet is those parts with
its own values put between them, each value escaped as the template does
(control characters removed, then :func:`markupsafe.escape`).

``score.html.j2`` stays the definition of the page: :func:`govrules.outputs.html.jinja_score_html`
renders it, and ``tests/test_fast_sheet.py`` checks on generated results of
every pack and target that this module writes the same text.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from ..engine.result import Result
from ..numbers import fmt, rounding_words
from ..untrusted import _CONTROL, strip_controls
from .naming import Naming
from .report import SheetRow, depth_of, recoverable, items_under, effect_text, has_assessors, level_name, self_total_label, self_total_text, sheet_rows, summary_lines

_TITLE, _BODY = "\x00title\x00", "\x00body\x00"


# What the template's finalize (strip_controls) or autoescape would change; most values hold none of it.
_SPECIAL = re.compile("[&<>\"'" + _CONTROL.pattern[1:-1] + "]")


def _e(value: Any) -> str:
    """A value as the template prints it: controls removed from text, then escaped (Jinja2's finalize and autoescape)."""
    if type(value) is str:
        if _SPECIAL.search(value) is None:
            return value
        return str(escape(strip_controls(value)))
    if isinstance(value, str) and not isinstance(value, Markup):
        value = strip_controls(value)
    return str(escape(value))


def _n(value: Any) -> str:
    """The template's ``fmt`` filter; its text (digits, a sign, a point) has nothing to escape."""
    return "" if value is None else (fmt(value) or "0")


@lru_cache(maxsize=1)
def _frame() -> tuple[str, str, str]:
    """The base template's text before the title, between the title and the body, and after the body (rendered once)."""
    from .html import environment

    child = '{% extends "_base.html.j2" %}{% block title %}' + _TITLE + "{% endblock %}{% block body %}" + _BODY + "{% endblock %}"
    page = environment().from_string(child).render()
    head, rest = page.split(_TITLE)
    middle, tail = rest.split(_BODY)
    return head, middle, tail


class _Layout:
    """What every sheet with these rows shares: the header row and, per item, its id and name cells with their spans."""

    def __init__(self, rows: list[SheetRow], scored: bool, assessors: bool) -> None:
        depth = depth_of(rows)
        self.depth = depth
        width = min(8, max(3, math.ceil(max((len(r.id) for r in rows), default=4) * 0.56 + 0.8)))
        head = [f'<table class="sheet">\n<thead><tr>\n  <th class="id w{width}">编号</th>\n']
        head += [f'  <th class="level name">{_e(level_name(d))}</th>\n' for d in range(depth)]
        if scored:
            head.append('  <th class="num">分值</th><th class="num">自评</th><th class="num">得分</th>\n')
        head.append('  <th class="status">状态</th>' + ('<th class="assessors">负责考核部门</th>' if assessors else "") + '<th class="notes">扣分与说明</th>\n')
        head.append("</tr></thead>\n<tbody>\n")
        self.head = "".join(head)
        # The merged cells (govrules.outputs.html.merged_rows): per item, its index in rows, the sections
        # whose cell opens on it (their index in rows and the cell's constant start), and its own cells' start.
        spans = items_under(rows)
        pending: dict[int, int] = {}
        self.items: list[tuple[int, list[tuple[int, str]], str, str]] = []
        for n, row in enumerate(rows):
            if row.kind == "section":
                for d in [d for d in pending if d >= row.depth]:
                    del pending[d]
                if spans[n]:
                    pending[row.depth] = n
                continue
            opened = [pending.pop(d) for d in sorted(pending) if d < row.depth]
            cells = [(s, f'  <td class="level section name" rowspan="{spans[s]}">{_e(rows[s].name)}') for s in opened]
            colspan = depth - row.depth
            start = f'<tr class="item">\n  <td class="id">{_e(row.id)}</td>\n'
            name = f'  <td class="level name"{f" colspan={chr(34)}{colspan}{chr(34)}" if colspan > 1 else ""}>{_e(row.name)}</td>\n'
            self.items.append((n, cells, start, name))


def _notes(notes: tuple[str, ...] | list[str]) -> str:
    if not notes:
        return ""
    key = tuple(notes)
    text = _NOTES_HTML.get(key)
    if text is None:
        text = '<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"
        if len(_NOTES_HTML) >= _MEMO_MAX:
            _NOTES_HTML.clear()
        _NOTES_HTML[key] = text
    return text


# The parts of a sheet that repeat from unit to unit, each written once (bounded memos, emptied when full; racing
# threads store equal texts): a row's notes (the document's words), its status cell, the page's head and footer,
# the readings listed. Each is a function of its key alone.
_MEMO_MAX = 4096
_NOTES_HTML: dict[tuple[str, ...], str] = {}
_STATUS_CELLS: dict[tuple[str, str], str] = {}
_READINGS_HTML: dict[tuple[Any, ...], tuple[Any, str]] = {}


def _status_cell(status: str, label: str) -> str:
    key = (status, label)
    text = _STATUS_CELLS.get(key)
    if text is None:
        text = _STATUS_CELLS[key] = f'  <td class="status {_e(status)}">{_e(label)}</td>\n'  # a handful of statuses
    return text


@lru_cache(maxsize=64)
def _head(title: str, target_name: str) -> tuple[str, str, str]:
    """The page up to its unit's name in the title, from there to the unit's name in the text, and on to 满分."""
    head, middle, _ = _frame()
    before = f"{head}{_e(title)}（{_e(target_name)}）"
    between = f'{middle}<h1>{_e(title)}</h1>\n<p class="meta head">被考核单位：<strong class="unit">'
    return before, between, f"</strong>　考核对象：{_e(target_name)}"


@lru_cache(maxsize=64)
def _footer(pack_id: str, pack_version: str, content_hash: str, engine_version: str, rounding: str) -> str:
    return f"<footer>{_e(pack_id)} {_e(pack_version)} · {_e(content_hash[:19])} · govrules {_e(engine_version)} · 取整：{_e(rounding_words(rounding))}</footer>\n"


def _readings(result: Result) -> str:
    """本结果依据的解读, by the result's readings and the pack's names for them (kept in the entry, checked by identity)."""
    labels = result.reading_labels
    got = _READINGS_HTML.get(result.readings)
    if got is not None and got[0] is labels:
        return got[1]  # type: ignore[no-any-return]
    names = result.reading_names()
    out = ['<h2>本结果依据的解读</h2>\n<ul class="readings">\n']
    for rid, quote, choice in result.readings:
        out += ["  <li>", _e(names[rid]), " 「", _e(quote), "」：", _e(choice), "</li>\n"]
    out.append("</ul>\n")
    text = "".join(out)
    if len(_READINGS_HTML) >= _MEMO_MAX:
        _READINGS_HTML.clear()
    _READINGS_HTML[result.readings] = (labels, text)
    return text


def score_html(result: Result) -> str:
    """A standalone HTML page with one unit's score sheet: the text ``score.html.j2`` renders, byte for byte."""
    rows = sheet_rows(result)
    scored = bool(result.scored)
    assessors = has_assessors(result)
    key = tuple((r.kind, r.id, r.depth, r.names) for r in rows)
    layout = _cached(key, rows, scored, assessors)
    stamp = result.stamp
    tail = _frame()[2]
    unit = result.unit
    before, between, after = _head(stamp.pack_title, result.target_name)
    out = [before]
    if unit:
        out += [" — ", _e(unit)]
    out += [between, _e(unit or "（未填）"), after]
    if result.scored and result.max_total is not None:
        out += ["　满分：", _n(result.max_total), "分"]
    out.append('</p>\n<div class="summary">\n')
    for n, line in enumerate(summary_lines(result)):
        out += ["  <div", ' class="total"' if n == 0 else "", ">", _e(line), "</div>\n"]
    out.append("</div>\n\n<h2>评分表</h2>\n")
    out.append(layout.head)
    for n, cells, start, name in layout.items:
        row = rows[n]
        out.append(start)
        for s, cell in cells:
            section = rows[s]
            out.append(cell)
            if result.scored and section.max is not None:
                out += ['<div class="points">（', _n(section.max), "分"]
                if section.score is not None:
                    out += ["，得", _n(section.score), "分"]
                out.append("）</div>")
            out += [_notes(section.notes), "</td>\n"]
        out.append(name)
        if result.scored:
            out += ['  <td class="num">', _n(row.max), '</td>\n  <td class="num">', _n(row.self_score), "</td>\n"]
            out += ['  <td class="num', " differs" if row.differs else "", '">', "—" if row.score is None else _n(row.score), "</td>\n"]
        out.append(_status_cell(row.status, row.status_label))
        if assessors:
            out += ["  <td>", _e(row.assessors), "</td>\n"]
        out += ["  <td>", _notes(row.notes), "</td>\n</tr>\n"]
    depth = layout.depth
    naming = None
    for ledger in result.ledgers:
        sign = "+" if ledger.direction == "bonus" else "-"
        for effect in ledger.effects:
            naming = naming or Naming.of(result)
            out += ['<tr class="ledger">\n  <td class="id">', _e(ledger.id), '</td><td class="level" colspan="', str(depth), '">', _e(ledger.name), "</td>\n"]
            if result.scored:
                out += ['  <td class="num">', _n(ledger.cap), "</td><td></td><td></td>\n"]
            out += ["  <td></td>", "<td></td>" if assessors else "", "<td>", _e(effect_text(effect, sign, naming=naming)), "</td>\n</tr>\n"]
    if result.scored:
        out += ['<tr class="totals">\n  <td colspan="', str(depth + 1), '">合计</td>\n  <td class="num">', _n(result.max_total), "</td>\n"]
        out += ['  <td class="num">', _e(self_total_text(result)), '</td>\n  <td class="num">', "未完成" if result.total is None else _n(result.total), "</td>\n"]
        label = self_total_label(result)
        out += ["  <td></td>", "<td></td>" if assessors else "", "<td>", _e(label) if label != "自评合计" and result.self_total is not None else "", "</td>\n</tr>\n"]
    out.append("</tbody>\n</table>\n\n")
    fixes = recoverable(result)
    if fixes:
        out.append(
            '<h2>可挽回分值</h2>\n<p class="meta">每一行：若只整改这一项、其余不变，总分可增加的分数（已计入封顶、扣完为止和“不计分”规则）。</p>\n'
            '<table class="fixes">\n<thead><tr><th class="num">可挽回</th><th class="id">编号</th><th class="level">指标</th><th>整改事项</th><th class="num">现扣分</th></tr></thead>\n<tbody>\n'
        )
        for f in fixes:
            out += ['<tr><td class="num">', _n(f.restores_total), "</td><td>", _e(f.item), "</td><td>", _e(f.names[-1]), "</td><td>", _e(f.text), '</td><td class="num">', _n(f.lost), "</td></tr>\n"]
        out.append("</tbody>\n</table>\n")
    out.append("\n")
    reviews = [i for i in result.items if i.override]
    if reviews:
        out.append('<h2>复核调整</h2>\n<table class="reviews">\n<thead><tr><th class="id">编号</th><th class="level">复核人</th><th class="date">时间</th><th class="num">原分</th><th class="num">调整后</th><th>理由</th></tr></thead>\n<tbody>\n')
        for i in reviews:
            o = i.override
            out += ["<tr><td>", _e(i.id), "</td><td>", _e(o.reviewer), "</td><td>", _e(o.at), '</td><td class="num">', _n(o.old), '</td><td class="num">', _n(o.new), "</td><td>", _e(o.reason), "</td></tr>\n"]
        out.append("</tbody>\n</table>\n")
    out.append("\n")
    if result.readings:
        out.append(_readings(result))
    out.append('\n<div class="signatures"><span>考核人：</span><span>复核人：</span><span>日期：　　年　　月　　日</span></div>\n\n')
    out.append(_footer(stamp.pack_id, stamp.pack_version, stamp.content_hash, stamp.engine_version, stamp.rounding))
    out.append(tail)
    return "".join(out)


_LAYOUTS: dict[tuple[Any, ...], _Layout] = {}


def _cached(key: tuple[Any, ...], rows: list[SheetRow], scored: bool, assessors: bool) -> _Layout:
    full = (key, scored, assessors)
    layout = _LAYOUTS.get(full)
    if layout is None:
        if len(_LAYOUTS) >= 64:  # a long-lived process (the service) scoring many packs keeps the latest few
            _LAYOUTS.clear()
        layout = _LAYOUTS[full] = _Layout(rows, scored, assessors)
    return layout


__all__ = ["score_html"]
