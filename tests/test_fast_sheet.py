"""The per-unit HTML sheet written by :mod:`govrules.outputs.fastsheet` is the text Jinja2 renders from ``score.html.j2``.

``govrules batch`` writes one sheet per unit with the fast writer; the template
stays the page's definition. Checked on generated assessments of every
installed pack and target (and a test pack whose sections are capped and
floored), with unit names holding markup, quotes and control characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.outputs import fastsheet, html
from govrules.testing import assessments

PACK_TARGETS = [(p.id, t) for p in govrules.Registry.discover().packs for t in p.targets]
SECTION_CAPS = Path(__file__).parent / "section_caps" / "rubric.yaml"

# Unit names an office might type, and some it should not: markup, quotes, ampersands, controls, bidi overrides.
UNIT_NAMES = st.one_of(
    st.none(),
    st.sampled_from(["城关镇", "<script>alert(1)</script>", "A & B \"镇\" 'x'", "镇\x1b[31m\u202e名", "\ufeff  "]),
    st.text(min_size=1, max_size=12),
)


def _same(pack: govrules.Pack, raw: dict, unit: str | None) -> None:
    if unit is not None and unit.strip():
        raw = {**raw, "unit": unit}
    try:
        result = pack.assess(raw)
    except govrules.FactsError:
        return  # a unit name the boundary refuses (e.g. a lone surrogate) never reaches a sheet
    assert fastsheet.score_html(result) == html.jinja_score_html(result)


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_fast_sheet_is_the_template_rendered(registry, pack_id, target, data):
    pack = registry.get(pack_id)
    raw = data.draw(assessments(pack, target, complete=data.draw(st.booleans())))
    _same(pack, raw, data.draw(UNIT_NAMES))


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_fast_sheet_where_sections_are_capped(data):
    pack = govrules.load_pack(SECTION_CAPS)
    _same(pack, data.draw(assessments(pack, "xiangzhen", complete=data.draw(st.booleans()))), data.draw(UNIT_NAMES))


def test_score_html_is_the_fast_sheet(registry):
    # Every caller (score --format html, batch, the service, PDFs) gets the fast sheet.
    pack = registry.get("datonghu_2023")
    result = pack.assess({"pack": "datonghu_2023", "target": "xiangzhen", "unit": "北洲子镇", "facts": {}})
    assert html.score_html(result) == html.jinja_score_html(result) == fastsheet.score_html(result)


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_sheets_of_several_packs_written_in_turn_are_each_the_template(registry, data):
    """The parts the fast sheet remembers (a row's notes, a status cell, the page's head and footer, the readings
    listed) are keyed by all they depend on: sheets of several packs and targets written in turn, then again in
    the other order, are each still the template rendered."""
    results = []
    for pack_id, target in data.draw(st.lists(st.sampled_from(PACK_TARGETS), min_size=2, max_size=5)):
        pack = registry.get(pack_id)
        raw = data.draw(assessments(pack, target, complete=data.draw(st.booleans())))
        try:
            results.append(pack.assess(raw))
        except govrules.FactsError:
            continue
    for result in results + results[::-1]:
        assert fastsheet.score_html(result) == html.jinja_score_html(result)
