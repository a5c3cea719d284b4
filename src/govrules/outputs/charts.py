"""The batch's charts: what they show (:func:`figures`, pure data) and how they are drawn as SVG (:func:`svgs`).

Four figures per target, the ones an office puts in its yearly 通报:

* 总分分布: units per tenth of the full marks, split by 等次 where the pack grades;
* 各指标失分: points lost on each indicator across all units, largest first;
* 自评与最终得分: each ranked unit's 自评合计 against its total;
* 各考核部门失分: points lost on each 负责考核部门's rows, where the pack names them.

The same figures feed the native charts of summary.xlsx (:mod:`.summary_xlsx`).

The SVG is drawn by pygal: a small, pure-Python and maintained library that
writes SVG with its text as ``<text>`` (the browser draws the Chinese with its
own fonts, nothing is embedded or fetched) and needs nothing compiled, where
matplotlib would bring numpy and its own font machinery that has no CJK glyphs
to measure with. Its output is made deterministic and inert here: the chart's
random id is replaced by one made from the target and figure, and its
``<script>`` and comments (a date among them) are removed — the page runs no
script and loads nothing from the network.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from .. import messages
from ..numbers import ZERO, fmt

if TYPE_CHECKING:
    from .batch import Batch

BINS = 10
TOP_ITEMS = 20
SCATTER_MAX = 1000  # points drawn in a page's scatter; the workbook's native chart has every unit
PENDING = messages.text("grade.pending")  # a band cannot be named so (rubric/grades.py): its bar would merge with theirs


@attrs.frozen
class Figure:
    target: str
    kind: str  # distribution, items, self, assessors
    title: str
    labels: list[str]  # x labels (bars) or nothing (scatter)
    series: list[tuple[str, list[Any]]]  # (name, values): numbers for bars, (自评, 总分) pairs for the scatter
    note: str = ""


def _bins(top: Decimal) -> list[tuple[Decimal, Decimal]]:
    width = top / BINS
    return [(width * i, width * (i + 1)) for i in range(BINS)]


def _bin_of(total: Decimal, top: Decimal) -> int:
    return min(BINS - 1, max(0, int(total * BINS / top)))


def figures(batch: Batch, assessors: list[dict[str, Any]]) -> dict[str, list[Figure]]:
    """Per target id, its figures in the order above (from the units' outcomes and the points lost summed as they were scored)."""
    lost = batch.losses.by_target
    out: dict[str, list[Figure]] = {}
    for tid, name, _units in batch.groups():
        figs: list[Figure] = []
        ranked = batch.ranked(tid)
        grades: list[str] = []
        if batch.graded:
            view = batch.pack.view(tid)
            grades = [b.grade for b in view.grading.bands] if view.grading is not None else []
            grades.append(PENDING)
        # One pass for the full marks, the totals (counted by value: a province's totals repeat) and the scatter's
        # pairs, every step-th of the units with a 自评 (counted first, without reading them): a stored batch reads
        # its units back from disk, so each pass over them costs.
        selfs = batch.ranked_with_self_total(tid)
        step = math.ceil(selfs / SCATTER_MAX) if selfs else 1
        top: Decimal | None = None
        tally: dict[str, dict[Decimal, int]] = {}  # by grade (in the order first met), then by total
        pairs: list[tuple[Decimal, Decimal]] = []
        with_self = 0
        for u in ranked:
            o = u.outcome
            assert o is not None and o.total is not None
            if o.max_total and (top is None or o.max_total > top):
                top = o.max_total
            by_total = tally.setdefault((o.grade or PENDING) if grades else "单位数", {})
            by_total[o.total] = by_total.get(o.total, 0) + 1
            if o.self_total is not None:
                if with_self % step == 0:
                    pairs.append((o.self_total, o.total))
                with_self += 1
        assert with_self == selfs, "the units with a 自评合计 were miscounted"
        if tally and top:
            bins = _bins(top)
            labels = [f"{fmt(lo)}–{fmt(hi)}" for lo, hi in bins]
            counts = {g: [0] * BINS for g in grades} if grades else {"单位数": [0] * BINS}
            for key, by_total in tally.items():
                row = counts.setdefault(key, [0] * BINS)
                for total, n in by_total.items():
                    row[_bin_of(total, top)] += n
            series = [(k, v) for k, v in counts.items() if any(v)]
            figs.append(Figure(tid, "distribution", f"总分分布（{name}，满分 {fmt(top)}）", labels, series))
        items = sorted(((v[1], v[2], k, v[0]) for k, v in lost.get(tid, {}).items() if v[1] > ZERO), key=lambda t: (-t[0], t[1]))
        if items:
            shown = items[:TOP_ITEMS]
            note = f"（失分最多的 {len(shown)} 项，共 {len(items)} 项失分）" if len(items) > len(shown) else ""
            figs.append(Figure(tid, "items", f"各指标失分合计（{name}）", [f"{k} {n}" for _, _, k, n in shown], [("失分", [v for v, _, _, _ in shown])], note))
        # Every step-th pair taken (above): a province's pairs are never listed whole.
        if selfs:
            note = f"（共 {selfs} 个单位，图中每 {step} 个取 1 个）" if step > 1 else ""
            figs.append(Figure(tid, "self", f"自评合计与最终得分（{name}）", [], [("单位", pairs)], note))
        depts = [(a["assessor"], Decimal(a["lost"])) for a in assessors if a["target"] == tid and a["lost"] is not None]
        if depts:
            figs.append(Figure(tid, "assessors", f"各负责考核部门失分合计（{name}）", [d for d, _ in depts], [("失分", [v for _, v in depts])]))
        if figs:
            out[tid] = figs
    return out


# --------------------------------------------------------------------- SVG

FONTS = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", sans-serif'
_ID = re.compile(r"[^A-Za-z0-9_-]+")


def svgs(figs: dict[str, list[Figure]]) -> dict[str, list[dict[str, str]]]:
    """Per target id, each figure as ``{"title", "note", "svg"}`` (the SVG markup, to embed as it is)."""
    return {tid: [{"title": f.title, "note": f.note, "svg": svg(f)} for f in fs] for tid, fs in figs.items()}


def svg(fig: Figure) -> str:
    import pygal
    from pygal.style import Style

    style = Style(font_family=FONTS, background="white", plot_background="white", title_font_size=15, label_font_size=11, major_label_font_size=11, legend_font_size=12)
    common: dict[str, Any] = {
        "style": style,
        "js": [],
        "disable_xml_declaration": True,
        "show_legend": len(fig.series) > 1,
        "legend_at_bottom": True,
        "width": 820,
        "truncate_label": -1,
        "print_values": False,
    }
    if fig.kind == "distribution":
        # order_min=0: ticks at least 10**0 apart, so a count of 2 units is not graduated 0.2, 0.4…
        chart = pygal.StackedBar(height=360, x_title="总分", y_title="单位数", x_label_rotation=0, order_min=0, **common)
        chart.x_labels = fig.labels
    elif fig.kind == "self":
        chart = pygal.XY(height=460, stroke=False, x_title="自评合计", y_title="总分", dots_size=2.5, **common)
    else:
        height = 80 + 22 * len(fig.labels)
        chart = pygal.HorizontalBar(height=max(240, height), x_title="失分", **common)
        chart.x_labels = list(reversed(fig.labels))  # largest on top
    chart.title = None
    for name, values in fig.series:
        if fig.kind == "self":
            chart.add(name, [(float(a), float(b)) for a, b in values])
        elif fig.kind == "distribution":
            chart.add(name, list(values))
        else:
            chart.add(name, [float(v) for v in reversed(values)])
    chart.uuid = _ID.sub("-", f"{fig.target}-{fig.kind}")  # deterministic: the same batch draws the same bytes
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)  # comments (one carries today's date) and the config script
            elif child.tag.rsplit("}", 1)[-1] == "title" and child.text == "Pygal":
                child.text = fig.title  # an untitled chart is titled with the library's name (a tooltip in Chinese instead)
    from xml.etree import ElementTree

    if hasattr(tree, "getroottree"):  # lxml
        from lxml import etree as lxml_etree  # type: ignore[import-not-found]

        text = lxml_etree.tostring(tree, encoding="unicode")
    else:
        text = ElementTree.tostring(tree, encoding="unicode")
    return text
