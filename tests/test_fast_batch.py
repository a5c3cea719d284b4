"""The batch pages written by :mod:`govrules.outputs.fastbatch` are the text Jinja2 renders from ``batch.html.j2``.

``govrules batch`` writes index.html and a page per target with the fast
writer; the template stays the pages' definition. Checked on batches of
generated assessments of every installed pack (every target, complete and
incomplete units, 复核, failures, charts), with unit names, places, the
source and problems holding markup, quotes, ampersands and control characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.errors import Problem
from govrules.outputs import charts, fastbatch, html
from govrules.outputs.assessors import assessor_view
from govrules.outputs.batch import Batch, Unit, html_context, score_units, target_context
from govrules.testing import assessments

HERE = Path(__file__).parent
# Every installed pack, and the test packs with 负责考核部门 (the 按考核部门 table) and with capped sections.
PACKS = sorted(p.id for p in govrules.Registry.discover().packs) + [str(HERE / "rowscope" / "rubric.yaml"), str(HERE / "section_caps" / "rubric.yaml")]

HOSTILE = st.one_of(
    st.sampled_from(["城关镇", "<script>alert(1)</script>", "A & B \"镇\" 'x'", "镇\x1b[31m\u202e名", "\ufeff  ", "a\x00b\x7f", "</td></tr>", "{{ 1 }}"]),
    st.text(min_size=1, max_size=10),
)


@st.composite
def batches(draw, pack):
    """A batch scored in memory: 1–6 units of any of the pack's targets, some failing, every text possibly hostile."""
    units = []
    for n in range(draw(st.integers(1, 6))):
        target = draw(st.sampled_from(list(pack.targets)))
        data = draw(assessments(pack, target, complete=draw(st.booleans())))
        name = draw(HOSTILE)
        data = {**data, "unit": name} if name.strip() else data
        u = Unit(n + 1, draw(HOSTILE), name, data)
        if draw(st.integers(0, 5)) == 0:
            u.problems = [Problem(draw(HOSTILE), draw(HOSTILE)) for _ in range(draw(st.integers(1, 2)))]
        units.append(u)
    batch = Batch(pack, draw(HOSTILE), units)
    if draw(st.booleans()):
        batch.input_problems = [Problem(draw(HOSTILE), draw(HOSTILE))]
    score_units(batch)
    for u in batch.units:
        if u.outcome is not None and draw(st.booleans()):
            u.stem = f"{u.index:03d}_{draw(HOSTILE)}"  # a link to its sheet (the name url-quoted, then escaped)
    return batch


def _pages(batch, with_charts):
    assessors = assessor_view(batch)
    svgs = charts.svgs(charts.figures(batch, assessors)) if with_charts else None
    context = html_context(batch, assessors, svgs)
    yield context
    for group in context["groups"]:
        yield target_context(context, group)


@pytest.mark.parametrize("pack_id", PACKS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_fast_batch_page_is_the_template_rendered(registry, pack_id, data):
    pack = govrules.load_pack(pack_id) if pack_id.endswith(".yaml") else registry.get(pack_id)
    batch = data.draw(batches(pack))
    for context in _pages(batch, with_charts=data.draw(st.integers(0, 4)) == 0):
        assert "".join(fastbatch.batch_page(context)) == html.jinja_batch_html(context)


def test_batch_html_and_the_written_page_are_the_fast_page(registry, tmp_path):
    pack = registry.get("datonghu_2023")
    batch = Batch(pack, "u.csv", [Unit(1, "u.csv 第2行", "<b>甲镇</b>", {"target": "xiangzhen", "unit": "<b>甲镇</b>", "facts": {}})])
    score_units(batch)
    context = next(_pages(batch, with_charts=True))
    html.write_batch_html(context, tmp_path / "index.html")
    assert html.batch_html(context) == html.jinja_batch_html(context) == (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;甲镇&lt;/b&gt;" in html.batch_html(context)


def test_no_control_character_reaches_a_batch_page(registry):
    # A unit's name, its place and the input's name are printed with `| e`; an ESC or a bidi override in them
    # must not reach the page (the template's and the fast writer's alike).
    pack = registry.get("datonghu_2023")
    name = "镇\x1b[31m\u202e名"
    batch = Batch(pack, "u\x1b.csv", [Unit(1, "u.csv 第2行\x07", name, {"target": "xiangzhen", "unit": name, "facts": {}})])
    score_units(batch)
    for context in _pages(batch, with_charts=False):
        for page in ("".join(fastbatch.batch_page(context)), html.jinja_batch_html(context)):
            assert not any(c in page for c in "\x1b\u202e\x07"), page
            assert "镇[31m名" in page
