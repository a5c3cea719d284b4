"""A table row is read through a plan made once per table (each fact column's reader looked up once), and reads as cell by cell.

Checked on every installed pack with rows of cells of every kind a county
types (numbers, dates, words, lists, blanks, formulas without a value, text
that is none of these): each fact's value, or the problem naming its cell, is
what :func:`govrules.outputs.forms.cell_fact` gives for that cell alone.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.errors import Problem
from govrules.outputs.batch import parse_header, row_assessment
from govrules.outputs.forms import MISSING, Formula, cell_fact

PACK_IDS = sorted(p.id for p in govrules.Registry.discover().packs)

CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", "  ", "0", "1", "3", "2.5", "-1", "1e3", "12345678901234567890123456789012345", "是", "否", "true", "√", "×",
                     "2023-01-16", "2023/1/6", "2023年1月6日", "2023-02-30", "2023-01-02、2023-01-16", "2024-09-27至2024-10-28", "无",
                     "a、b", "网站,微博", "公开", "x", "\u3000"]),
    st.builds(Formula, st.sampled_from(["=A1", "  "])),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 10**30),
    st.text(max_size=6),
)


def _alone(spec, v, where):
    """What one fact cell gives read by itself: (value or MISSING, problems)."""
    try:
        return cell_fact(spec, v), []
    except ValueError as exc:
        return MISSING, [Problem(where, str(exc))]


def _cells_alone(specs, columns, cells, where):
    """What a row's fact cells give each read by itself: (facts, problems)."""
    facts, problems = {}, []
    for c, v in zip(columns, cells):
        value, cell_problems = _alone(specs[c.key], v, f"{where} 列「{c.header}」")
        if value is not MISSING:
            facts[c.key] = value
        problems += cell_problems
    return facts, problems


@pytest.mark.parametrize("pack_id", PACK_IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_row_reads_as_each_cell_alone(registry, pack_id, data):
    pack = registry.get(pack_id)
    specs = {f.name: f for f in pack.spec.facts if f.type != "discretionary"}
    names = data.draw(st.lists(st.sampled_from(sorted(specs)), min_size=1, max_size=8, unique=True))
    columns, header_problems = parse_header(["单位", *names], pack, "t.csv")
    assert not header_problems
    cells = [data.draw(CELLS) for _ in names]
    unit, got, problems = row_assessment(columns, ["甲镇", *cells], pack, "t.csv 第2行")
    assert unit == "甲镇"
    want_facts, want_problems = _cells_alone(specs, columns[1:], cells, "t.csv 第2行")
    assert got["facts"] == want_facts
    assert problems == want_problems


def test_tables_read_in_turn_each_use_their_own_columns(datonghu):
    # The plan last used is found by the list of columns it was made for: another table's list gets its own.
    a, _ = parse_header(["单位", "active_late_count"], datonghu, "a.csv")
    b, _ = parse_header(["单位", "active_late_count", "foi_ok"], datonghu, "b.csv")
    for _ in range(2):
        assert row_assessment(a, ["甲镇", "2", "3"], datonghu, "a.csv 第2行")[1]["facts"] == {"active_late_count": 2}
        assert row_assessment(b, ["乙镇", "1", "是"], datonghu, "b.csv 第2行")[1]["facts"] == {"active_late_count": 1, "foi_ok": True}


@pytest.mark.parametrize("pack_id", PACK_IDS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_rows_read_through_one_plan_read_as_each_cell_alone(registry, pack_id, data):
    """A plan's readers remember each cell text's value (forms.remembering_reader): a text met again, in any row,
    reads as it did alone, of the same type; an unreadable one is named again; no row's list is another's."""
    from govrules.outputs.batch import _read_row, row_plan

    pack = registry.get(pack_id)
    specs = {f.name: f for f in pack.spec.facts if f.type != "discretionary"}
    names = data.draw(st.lists(st.sampled_from(sorted(specs)), min_size=1, max_size=6, unique=True))
    columns, _ = parse_header(["单位", *names], pack, "t.csv")
    plan = row_plan(columns, pack)
    pool = data.draw(st.lists(CELLS, min_size=1, max_size=4))  # few texts, so that rows repeat them
    seen: list[dict] = []
    for row in range(4):
        cells = [data.draw(st.sampled_from(pool)) for _ in names]
        _, got, problems = _read_row(plan, ["甲镇", *cells], f"t.csv 第{row + 2}行")
        want_facts, want_problems = _cells_alone(specs, columns[1:], cells, f"t.csv 第{row + 2}行")
        assert got["facts"] == want_facts
        assert {k: type(v) for k, v in got["facts"].items()} == {k: type(v) for k, v in want_facts.items()}
        assert problems == want_problems
        for earlier in seen:
            for k, v in got["facts"].items():
                if isinstance(v, list):
                    assert v is not earlier.get(k)
        seen.append(got["facts"])


def test_a_remembering_reader_keeps_a_bounded_number_of_texts(monkeypatch):
    from govrules.outputs import forms

    monkeypatch.setattr(forms, "CELL_TEXTS", 3)
    read = forms.remembering_reader("count")
    assert [read(str(n)) for n in range(10)] == list(range(10))
    assert [read(str(n)) for n in range(10)] == list(range(10))  # the first three from memory, the rest read again
    assert read.__closure__ is not None and len([c for c in read.__closure__ if isinstance(c.cell_contents, dict)][0].cell_contents) == 3
