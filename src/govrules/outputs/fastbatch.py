"""A batch's ranking pages (index.html, targets/*.html), the same text as ``batch.html.j2`` rendered by Jinja2, at a fraction of its cost.

A province's index.html has a row per unit, written by the parent alone after
every unit is scored: Jinja2 spent some 36 generator steps, a ``finalize``
call and an escape per printed value on each row (docs/performance.md,
section 6). Here each row is put together from its values, each escaped as the
template does, and the page is written in pieces as it is made (a province's
page is never held whole).

How the template prints a value, and so how this module does:

* ``{{ x }}``: control characters removed from text (the environment's
  ``finalize``), then escaped (autoescape): :func:`_e`;
* ``{{ x | e }}``: the same (the environment's ``e`` filter removes them too):
  :func:`_e`;
* ``{{ x | fmt }}``: the number's text: :func:`_n`.

``batch.html.j2`` stays the definition of the page: :func:`govrules.outputs.html.jinja_batch_html`
renders it, and ``tests/test_fast_batch.py`` checks on batches of every pack
and target, with hostile unit names, sources and problems, that this module
writes the same text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator


from .fastsheet import _e, _n

_TITLE, _BODY = "\x00title\x00", "\x00body\x00"


def _joined(values: Any) -> str:
    """``{{ values | join("、") }}`` of plain texts: joined, then printed as ``{{ x }}``."""
    return _e("、".join([v if type(v) is str else str(v) for v in values]))


@lru_cache(maxsize=1)
def _frame() -> tuple[str, str, str]:
    """The base template's text before the title, between the title and the body (the ``batch`` class included), and after the body."""
    from .html import environment

    child = (
        '{% extends "_base.html.j2" %}{% block title %}' + _TITLE + '{% endblock %}{% block body_class %} class="batch"{% endblock %}'
        "{% block body %}" + _BODY + "{% endblock %}"
    )
    page = environment().from_string(child).render()
    head, rest = page.split(_TITLE)
    middle, tail = rest.split(_BODY)
    return head, middle, tail


def _view(html: Any, up: str) -> str:
    """The 评分表 link cell's content: ``{% if u.html %}<a href="{{ up ~ u.html | e }}">查看</a>{% endif %}``."""
    return f'<a href="{_e(up)}{_e(html)}">查看</a>' if html else ""


def batch_page(context: dict[str, Any]) -> Iterator[str]:
    """The page's text in pieces (a few rows each): ``"".join(batch_page(c)) == jinja_batch_html(c)``."""
    c = context
    head, middle, tail = _frame()
    up = c["up"]
    has_grades = c["has_grades"]
    pending = c["pending_word"]
    target_page = c["target_page"]
    groups = c["groups"]
    counts = c["counts"]
    out = [head, _e(c["title"]), " — 排名", middle]
    out += ["<h1>", _e(c["title"]), "</h1>\n"]
    out += ['<p class="meta">指标包 ', _e(c["pack_id"]), " ", _e(c["pack_version"]), " · 输入 ", _e(c["source"]), " · 共 ", _e(counts["total"])]
    out += [" 个单位：已排名 ", _e(counts["ranked"]), "，未完成 ", _e(counts["incomplete"]), "，出错 ", _e(counts["failed"]), "</p>\n\n"]
    if c["grade_counts"]:
        out.append('<h2>等次统计</h2>\n<ul class="grades">\n')
        for g in c["grade_counts"]:
            out += ["<li>", _e(g["target_name"]), "："]
            if g["unstated"]:
                out.append("本文件未规定等次")
            else:
                for grade, n in g["counts"].items():
                    out += [_e(grade), " ", _e(n), "，"]
                out += [_e(pending), " ", _e(g["pending"])]
            out.append("</li>\n")
        out.append("</ul>\n")
    out.append("\n")
    if not target_page and len(groups) > 1:
        links = [f'<a href="{_e(g["page"])}">{_e(g["target_name"])}</a>' for g in groups]
        out += ['<p class="meta">各考核对象的排名与图表：', "、".join(links), "</p>\n"]
    if target_page:
        out += ['<p class="meta"><a href="', _e(up), 'index.html">全部考核对象</a></p>\n']
    out.append("\n")
    yield "".join(out)
    for group in groups:
        out = []
        if group["charts"]:
            out += ["<h2>图表（", _e(group["target_name"]), "）</h2>\n", '<div class="charts">\n']
            for chart in group["charts"]:
                out += ['<figure class="chart"><figcaption>', _e(chart["title"]), _e(chart["note"]), "</figcaption>\n", chart["svg"], "\n</figure>\n"]  # {{ c.svg | safe }}
            out.append("</div>\n")
        out += ["<h2>排名（", _e(group["target_name"]), "）"]
        if not target_page:
            out += [' <a class="meta" href="', _e(group["page"]), '">单独查看</a>']
        out.append("</h2>\n")
        ranked = group["ranked"]
        if ranked:
            grade_head = "<th>等次</th>" if has_grades else ""
            out.append(
                f'<table class="ranking">\n<thead><tr><th>排名</th><th>单位</th><th>总分</th>{grade_head}<th>满分</th><th>自评合计</th><th>来源</th><th>评分表</th></tr></thead>\n<tbody>\n'
            )
            yield "".join(out)
            out = []
            for u in ranked:
                self_total = u["self_total"]
                grade = f"<td>{_e(u['grade'] or pending)}</td>" if has_grades else ""
                out.append(
                    f'<tr><td class="num">{_e(u["rank"])}</td><td class="unit">{_e(u["unit"])}</td><td class="num">{_n(u["total"])}</td>{grade}'
                    f'<td class="num">{_n(u["max_total"])}</td><td class="num">{_e(self_total) if isinstance(self_total, str) else _n(self_total)}</td><td>{_e(u["where"])}</td>\n'
                    f"<td>{_view(u['html'], up)}</td></tr>\n"
                )
                if len(out) >= 256:
                    yield "".join(out)
                    out = []
            out.append("</tbody>\n</table>\n")
        else:
            out.append("<p>（无可排名的单位）</p>\n")
        if group["checklist"]:
            out.append(
                '<table class="checklist">\n<thead><tr><th>单位</th><th>符合</th><th>不符合</th><th>未检查</th><th>不适用</th><th>来源</th><th>评分表</th></tr></thead>\n<tbody>\n'
            )
            for u in group["checklist"]:
                n = u["counts"]
                out.append(
                    f'<tr><td class="unit">{_e(u["unit"])}</td><td class="num">{_e(n["pass"])}</td><td class="num">{_e(n["fail"])}</td>'
                    f'<td class="num">{_e(n["notchecked"])}</td><td class="num">{_e(n["notapplicable"])}</td><td>{_e(u["where"])}</td><td>{_view(u["html"], up)}</td></tr>\n'
                )
            out.append("</tbody>\n</table>\n")
        yield "".join(out)
    out = ["\n"]
    if c["assessors"]:
        out.append(
            '<h2>按考核部门</h2>\n<p class="meta">每个负责考核部门所负责指标上各单位的失分（指标分值减得分，未折算；一项由几个部门共同负责的，各部门都计入）。</p>\n'
            '<table class="assessors">\n<thead><tr><th>考核对象</th><th>负责考核部门</th><th>负责指标</th><th>失分合计</th><th>不符合项数</th><th>各单位失分</th></tr></thead>\n<tbody>\n'
        )
        for a in c["assessors"]:
            lost = a["lost"]
            out += ["<tr><td>", _e(a["target_name"]), "</td><td>", _e(a["assessor"]), "</td><td>", _joined(a["items"]), '</td><td class="num">']
            out += [_e(lost if lost is not None else "—"), '</td><td class="num">', _e(a["failed"]), "</td>\n", '<td><ul class="notes">']
            for u in a["units"]:
                if not (u["rows"] or u["not_checked"]):
                    continue
                out += ['<li><span class="unit">', _e(u["unit"]), "</span>"]
                if u["lost"] is not None:
                    out += [" -", _e(u["lost"])]
                if u["rows"]:
                    out += ["：", "；".join([f"{_e(r['item'])} {_e(r['name'])} -{_e(r['lost'])}" for r in u["rows"]])]
                if u["not_checked"]:
                    out += ["（未检查：", _joined(u["not_checked"]), "）"]
                out.append("</li>")
            out.append("</ul></td></tr>\n")
            if len(out) >= 256:
                yield "".join(out)
                out = []
        out.append("</tbody>\n</table>\n")
    if c["incomplete"]:
        grade_head = "<th>等次</th>" if has_grades else ""
        out.append(
            f'<h2>未完成（不参加排名）</h2>\n<table class="incomplete">\n<thead><tr><th>单位</th><th>考核对象</th><th>未检查的指标</th><th>缺少的事实</th><th>已检查项合计</th>{grade_head}<th>来源</th><th>评分表</th></tr></thead>\n<tbody>\n'
        )
        for u in c["incomplete"]:
            grade = f"<td>{_e(u['grade'] or pending)}</td>" if has_grades else ""
            out.append(
                f'<tr><td class="unit">{_e(u["unit"])}</td><td>{_e(u["target_name"])}</td><td>{_joined(u["not_checked"])}</td><td>{_joined(u["missing_facts"])}</td>'
                f'<td class="num">{_n(u["base_sum"])}</td>{grade}<td>{_e(u["where"])}</td><td>{_view(u["html"], up)}</td></tr>\n'
            )
            if len(out) >= 256:
                yield "".join(out)
                out = []
        out.append("</tbody>\n</table>\n")
    out.append("\n")
    if c["failures"]:
        out.append('<h2>出错的行（未评分）</h2>\n<table class="failures">\n<thead><tr><th>来源</th><th>单位</th><th>问题</th></tr></thead>\n<tbody>\n')
        for f in c["failures"]:
            problems = "".join([f"<li>{_e(p)}</li>" for p in f["problems"]])
            out.append(f'<tr><td>{_e(f["where"])}</td><td class="unit">{_e(f["unit"] or "")}</td><td><ul class="notes">{problems}</ul></td></tr>\n')
            if len(out) >= 256:
                yield "".join(out)
                out = []
        out.append("</tbody>\n</table>\n")
    out += ["\n<footer>", _e(c["pack_id"]), " ", _e(c["pack_version"]), " · govrules ", _e(c["engine_version"]), "</footer>\n", tail]
    yield "".join(out)


__all__ = ["batch_page"]
