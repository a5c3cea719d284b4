"""What a batch worker makes of each unit, made faster, is what the slower, plainer code made.

The 可挽回分值 are worked out once per unit and shared by its JSON, its HTML
sheet and its workbook rows; the outcome, the
workbook's detail rows and the points lost come from one pass over the rows.
Each is checked against the plain definition on generated assessments of every
installed pack and target, unit names holding markup, quotes and controls.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine.recoverable import recoverable as engine_recoverable
from govrules.engine.result import NOT_CHECKED
from govrules.numbers import ZERO, fmt
from govrules.outputs import report
from govrules.outputs.batch import unit_json
from govrules.outputs.outcome import ItemLoss, detail_of, lost_points, missing_facts, outcome_of, reduced
from govrules.outputs.xlsx import effect_rows
from govrules.testing import assessments

PACK_TARGETS = [(p.id, t) for p in govrules.Registry.discover().packs for t in p.targets]

UNIT_NAMES = st.one_of(
    st.none(),
    st.sampled_from(["城关镇", "<script>alert(1)</script>", "A & B \"镇\" 'x'", "镇\x1b[31m\u202e名", "\ufeff  ", "\\u0000"]),
    st.text(min_size=1, max_size=12),
)


def _result(pack, data, unit):
    raw = data.draw(assessments(pack, data.draw(st.sampled_from(list(pack.targets))), complete=data.draw(st.booleans())))
    if unit is not None and unit.strip():
        raw = {**raw, "unit": unit}
    try:
        return pack.assess(raw)
    except govrules.FactsError:
        return None  # a unit name the boundary refuses never reaches a sheet


def _plain_detail_rows(result):
    """The workbook rows of one unit as detail_of made them before it shared a pass with outcome_of and lost_points."""
    ranked = result.scored and result.total is not None
    return {
        "heading": ([f"{i.id} {i.names[-1]}" for i in result.items], [led.name for led in result.ledgers]),
        "scores": [*[i.score for i in result.items], result.base, *[led.applied for led in result.ledgers], result.total],
        "effects": effect_rows(result),
        "reviews": [[i.id, i.names[-1], i.self_score, i.override.old, i.override.new, i.override.reviewer, i.override.at, i.override.reason] for i in result.items if i.override is not None],
        "fixes": [[f.restores_total, f.item, f.names[-1], f.text, f.lost, f.quote or ""] for f in engine_recoverable(result)] if ranked else [],
        "items": [ItemLoss(i.id, i.names[-1], tuple(i.assessors), i.status, i.deducted if i.status != NOT_CHECKED else None, i.override is not None) for i in result.items],
        "cohort": [[i.id, i.names[-1], f.rule, fmt(f.value), f.rank, fmt(f.best), fmt(f.mean), f.n, fmt(i.score), f.text] for i in result.items for f in i.cohort],
    }


def _plain_lost(result):
    if not result.scored:
        return []
    return [(n, i.id, i.names[-1], i.deducted) for n, i in enumerate(result.items) if i.status != NOT_CHECKED and i.deducted is not None and i.deducted > ZERO]


@pytest.mark.parametrize("pack_id", sorted({p for p, _ in PACK_TARGETS}))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_what_a_worker_sends_back_is_the_plain_definition(registry, pack_id, data):
    pack = registry.get(pack_id)
    result = _result(pack, data, data.draw(UNIT_NAMES))
    if result is None:
        return
    # The unit's JSON: the compact encoding of to_dict(recoverable=True), which works its fixes out anew, so the same value too.
    assert unit_json(result) == (json.dumps(result.to_dict(recoverable=True), ensure_ascii=False) + "\n").encode("utf-8")
    assert json.loads(unit_json(result)) == result.to_dict(recoverable=True)
    outcome, detail, lost = reduced(result)
    assert outcome == outcome_of(result)
    assert list(outcome.missing_facts) == missing_facts(result)
    plain = _plain_detail_rows(result)
    assert {k: getattr(detail, k) for k in plain} == plain
    assert detail.base == result.base
    assert lost == _plain_lost(result) == lost_points(result)
    assert detail_of(result) == detail


def test_the_fixes_are_worked_out_once_per_result(registry, monkeypatch):
    import govrules.engine.recoverable as engine

    pack = registry.get("datonghu_2023")
    calls = []
    real = engine.recoverable
    monkeypatch.setattr(engine, "recoverable", lambda r: calls.append(r) or real(r))
    a = pack.assess({"pack": "datonghu_2023", "target": "xiangzhen", "unit": "甲镇", "facts": {}})
    b = pack.assess({"pack": "datonghu_2023", "target": "xiangzhen", "unit": "乙镇", "facts": {}})
    first = report.recoverable(a)
    assert report.recoverable(a) == first == real(a) and a.recoverable() == first
    assert report.recoverable(b) == real(b)  # another result: its own
    assert report.recoverable(b) == b.recoverable()
    assert calls == [a, b]
    # Kept on the result, not shared: a caller changing its list changes nobody else's.
    import json
    from pathlib import Path

    example = next(json.loads(f.read_text(encoding="utf-8")) for f in sorted((Path(pack.origin).parent / "examples").glob("*.json")))
    c = pack.assess(example)
    mine = c.recoverable()
    assert mine, "an example with points to win back"
    mine.clear()
    assert c.recoverable() == real(c) != []
    # Neither part of its value nor carried to a changed copy.
    import attrs

    assert attrs.evolve(a, unit="丙镇")._fixes is None and a == attrs.evolve(a)


def test_a_batch_works_the_fixes_out_once_per_unit(registry, tmp_path, monkeypatch):
    from govrules.outputs.streaming import run_batch

    pack = registry.get("datonghu_2023")
    src = tmp_path / "u.csv"
    src.write_text("单位,考核对象\n甲镇,乡镇\n乙镇,乡镇\n丙镇,乡镇\n", encoding="utf-8")
    calls = []
    import govrules.engine.recoverable as engine

    real = engine.recoverable
    monkeypatch.setattr(engine, "recoverable", lambda r: calls.append(r.unit) or real(r))
    run_batch(src, pack, tmp_path / "out", jobs=1)
    assert calls == ["甲镇", "乙镇", "丙镇"]


@pytest.mark.parametrize("pack_id", sorted({p for p, _ in PACK_TARGETS}))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_remembered_fixes_are_the_ones_worked_out_anew(registry, pack_id, data):
    # A row's fixes are remembered by its state (engine/recoverable.py _FIXED): a second result of the same input
    # shares its rows' states and gets them from the memo. They are the ones worked out with the memo empty.
    from govrules.engine import recoverable as rec

    pack = registry.get(pack_id)
    raw = data.draw(assessments(pack, data.draw(st.sampled_from(list(pack.targets))), complete=data.draw(st.booleans())))
    first, second = pack.assess(raw), pack.assess(raw)
    engine_recoverable(first)
    remembered = engine_recoverable(second)
    rec._FIXED.clear()
    assert engine_recoverable(second) == remembered
