"""Reading a table's cells: the shortcuts taken per table (the columns' plan) and per cell (dates already YYYY-MM-DD) read what the long way reads and report the same problems."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from govrules.outputs import batch
from govrules.outputs.forms import _to_date, cell_fact


@pytest.mark.parametrize("text", ["2023-01-05", "2024-02-29", "２０２３-01-05", "2023/1/5", " 2023-01-05 ", "2023年1月5日"])
def test_date_cells_read_as_the_long_way(datonghu, text):
    spec = next(f for f in datonghu.spec.facts if f.type == "dates")
    assert cell_fact(spec, text) == [_to_date(text).isoformat()]


@pytest.mark.parametrize("text", ["2023-W01-1", "2023-02-30", "2023-13-01", "2023-01-5x"])
def test_bad_date_cells_are_named_as_before(datonghu, text):
    spec = next(f for f in datonghu.spec.facts if f.type == "dates")
    with pytest.raises(ValueError) as long_way:
        _to_date(text)
    with pytest.raises(ValueError, match=re.escape(str(long_way.value))):
        cell_fact(spec, text)


@pytest.mark.parametrize("row,column", [(["镇\udcff", "xiangzhen", ""], "unit"), (["镇", "xiangzhen", "x\ud800"], "extra")])
def test_a_lone_surrogate_is_named_in_whichever_cell_it_is(datonghu, row, column):
    columns, _ = batch.parse_header(["unit", "target", "extra"], datonghu, "units.csv")
    _, _, problems = batch.row_assessment(columns, row, datonghu, "units.csv 第2行")
    assert [(p.where, p.code) for p in problems if p.code == "batch.not_text_value"] == [(f"units.csv 第2行 列「{column}」", "batch.not_text_value")]


_CELL = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["\ud800", "是", "否", "3", "2.5", "a\udcffb", "、\udfff", "2023-01-05"]))


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(_CELL, min_size=3, max_size=16))
def test_a_read_row_holds_no_lone_surrogate_so_scoring_need_not_search_it(datonghu, cells):
    """A table row's input (Unit.searched) skips the surrogate search when scored: no text in it can hold one."""
    header = ["unit", "target", "active_late_count", "active_quality.points", "active_quality.reason", "zone_missing", "self.xz.1", "review.xz.2.reason", "review.xz.2.reviewer", "new_media_stale_periods", "opinion_response_ok", "extra", "", "foi_ok", "na.xz.3", "evidence.xz.1"]
    columns, _ = batch.parse_header(header[: len(cells)], datonghu, "units.csv")
    plan = batch.row_plan(columns, datonghu)
    u = batch.Unit(1, "units.csv 第2行", None, None, pending=list(cells))
    batch.prepare(u, plan)
    assert u.searched == (u.data is not None)
    if u.data is not None:
        assert batch._surrogate_paths(u.data) == []
