"""The straight-line checks of well-formed inputs (govrules.engine.wellformed) give what the full way gives.

``validate(..., shortcuts=False)`` is the full way alone: pydantic for the
envelope and the facts, then the Python checks. With the shortcuts, an input
they recognise is checked and built without pydantic, and any other takes the
full way. Either way the outcome must be the same: an equal assessment (equal
``repr``, so the same types and the same Decimal exponents) for an accepted
input, the same problems (place, code, parameters, wording, order) for a
refused one. Checked on generated valid inputs of every pack and target, on
invalid ones (``govrules.testing.invalid_assessments``), and on valid ones
with hostile values put in (subclasses, bools, NaN, huge ints, exponents,
surrogates, blank text, unknown keys).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine import wellformed
from govrules.engine.inputs import resolve_target, validate
from govrules.numbers import exact
from govrules.testing import assessments, invalid_assessments
from govrules.testing.strategies import fact_values

PACK_TARGETS = [(p.id, t) for p in govrules.Registry.discover().packs for t in p.targets]


class _Str(str):
    pass


class _Int(int):
    pass


class _Float(float):
    pass


class _Dict(dict):
    pass


class _List(list):
    pass


class _Decimal(Decimal):
    pass


HOSTILE: list[Any] = [
    None, True, False, 0, 1, -1, 3, 10**9 - 1, 10**9, -(10**9), 10**30, 0.0, -0.0, 0.5, 1.5, 17.25, 1e-7, 1e-6, 2.5e-3, 1e20, 1e9,
    math.nan, math.inf, -math.inf, Decimal("NaN"), Decimal("Infinity"), Decimal("1E+3"), Decimal("0.1234567"), Decimal("-0"),
    Decimal("2.50"), Decimal("1E-7"), "", " ", "\u3000", "\u200b", "\ud800", "x", "3", "2023-01-01", " 2023-01-01 ", "２０２３-01-01",
    "2023-02-30", "2023-01-01T10:00:00", "2023-01-01/2023-02-01", "2023-02-01/2023-01-01", _Str("x"), _Str("2023-01-01"), _Int(3),
    _Float(1.5), _Decimal("1.5"), [], _List(), ["2023-01-01"], ["2023-01-01", "2023-01-01"], ["2023-01-02", "2023-01-01"], [1], [None],
    {}, {"points": 0}, {"points": 1}, {"points": 0.5, "reason": "迟报"}, {"points": 0.005, "reason": "r"}, {"points": 1, "reason": " "},
    {"points": 1, "reason": "\ud800"}, {"points": 1, "reason": "r", "x": 1}, {"reason": "r"}, {"points": -1, "reason": "r"},
    {"points": True, "reason": "r"}, _Dict(points=0), dt.date(2023, 1, 1), dt.datetime(2023, 1, 1), {"a": 1}, (1,), {1, 2}, b"x",
]


def _outcome(pack: govrules.Pack, target: str, data: Any, shortcuts: bool) -> tuple[Any, ...]:
    try:
        # As Pack.validate does, with the shortcuts on or off.
        target_id = resolve_target(pack.spec, data, target)
        assessment = exact(validate)(pack.spec, pack.view(target_id), data, shortcuts=shortcuts)
    except govrules.FactsError as exc:
        return ("refused", str(exc), [(p.where, p.code, repr(p.params), p.message) for p in exc.problems])
    return ("accepted", repr(assessment), [type(v) for _, v in assessment.facts])


def _same_both_ways(pack: govrules.Pack, target: str, data: Any) -> tuple[Any, ...]:
    full = _outcome(pack, target, data, shortcuts=False)
    assert _outcome(pack, target, data, shortcuts=True) == full
    return full


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=40)
@given(data=st.data())
def test_valid_inputs_give_the_same_assessment_both_ways(registry, pack_id, target, data):
    pack = registry.get(pack_id)
    given_input = data.draw(assessments(pack, target, complete=data.draw(st.booleans())))
    outcome = _same_both_ways(pack, target, given_input)
    # Most of them take the shortcut (else it would be tested on nothing).
    if outcome[0] == "accepted" and "ratings" not in given_input and "sources" not in given_input:
        plan = pack.view(target).input_plan
        assert wellformed.facts(plan, given_input["facts"]) is not None or _has_exotic_value(given_input["facts"])


def _has_exotic_value(facts: dict[str, Any]) -> bool:
    """A value the shortcut leaves to the full way although it is valid (a date object in a list, say)."""
    return any(type(v) not in (int, float, str, bool, list, dict, Decimal, dt.date, type(None)) for v in facts.values()) or any(
        type(x) not in (str, dt.date) for v in facts.values() if type(v) is list for x in v
    )


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=30)
@given(data=st.data())
def test_invalid_inputs_give_the_same_problems_both_ways(registry, pack_id, target, data):
    pack = registry.get(pack_id)
    invalid = data.draw(invalid_assessments(pack, target))
    assert _same_both_ways(pack, target, invalid.data)[0] == "refused"


@st.composite
def _mutated(draw: Any, pack: govrules.Pack, target: str) -> dict[str, Any]:
    view = pack.view(target)
    data = draw(assessments(pack, target, complete=draw(st.booleans())))
    specs = list(view.facts)
    other_names = [f.name for f in pack.spec.facts if f.name not in view.fact_specs]
    hostile = st.sampled_from(HOSTILE)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["fact", "fact", "fact", "name", "envelope", "evidence", "na", "score", "review", "container"]))
        for key in ("facts", "evidence"):  # an earlier mutation may have put something else there
            if not isinstance(data.get(key), dict):
                data[key] = {}
        facts = data["facts"]
        if where == "fact" and specs:
            spec = draw(st.sampled_from(specs))
            facts[spec.name] = draw(hostile | fact_values(view, spec))
        elif where == "name":
            facts[draw(st.sampled_from(other_names + ["no_such_fact", _Str(specs[0].name) if specs else "x", 1]))] = draw(hostile)
        elif where == "envelope":
            key = draw(st.sampled_from(["pack", "target", "unit", "facts", "evidence", "not_applicable", "self_assessment", "reviews", "ratings", "sources", "extra"]))
            data[key] = draw(hostile | st.just(pack.id) | st.just(target))
        elif where == "evidence" and view.items:
            item = draw(st.sampled_from([i.id for i in view.items] + ["no_such_item"]))
            data["evidence"][item] = draw(hostile | st.just([k for i, k in view.evidence if i == item]))
        elif where == "na" and view.items:
            data["not_applicable"] = {draw(st.sampled_from([i.id for i in view.items])): draw(hostile | st.just("书面说明：无此项工作"))}
        elif where == "score" and view.items:
            data["self_assessment"] = {draw(st.sampled_from([i.id for i in view.items] + [_Str(view.items[0].id)])): draw(hostile)}
        elif where == "review" and view.items:
            review = {"item": view.items[0].id, "score": 0, "reviewer": "李明", "at": "2023-12-20", "reason": "复核"}
            field = draw(st.sampled_from(list(review) + ["extra"]))
            if draw(st.booleans()):
                review[field] = draw(hostile)
            else:
                review.pop(field, None)
            data["reviews"] = draw(st.sampled_from([[review], [review, dict(review)], [dict(review, at="2023-12-20 10:00")]]))
        elif where == "container":
            kind = draw(st.sampled_from([_Dict, dict]))
            data = kind(data) if draw(st.booleans()) else dict(data, facts=kind(facts))
    return data


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=60)
@given(data=st.data())
def test_hostile_values_give_the_same_outcome_both_ways(registry, pack_id, target, data):
    pack = registry.get(pack_id)
    _same_both_ways(pack, target, data.draw(_mutated(pack, target)))


def test_the_shortcut_leaves_subclasses_and_bools_to_the_full_way(datonghu):
    plan = datonghu.view("xiangzhen").input_plan
    counts = {"active_late_count": 1}
    assert wellformed.facts(plan, counts) is not None
    for value in (True, _Int(1), 1.0, Decimal(1), "1"):
        assert wellformed.facts(plan, {"active_late_count": value}) is None
    assert wellformed.facts(plan, _Dict(counts)) is None
    assert wellformed.number(True) is None and wellformed.number(_Float(1.5)) is None and wellformed.number(math.nan) is None
    assert wellformed.parts(plan, {"unit": _Str("x"), "facts": counts}, datonghu.id, True) is None
    assert wellformed.parts(plan, {"unit": "x", "facts": counts, "extra": 1}, datonghu.id, True) is None
    assert wellformed.parts(plan, {"unit": "x", "facts": counts}, datonghu.id, True) is not None


def _target_outcome(fn):  # type: ignore[no-untyped-def]
    try:
        return ("ok", fn())
    except govrules.FactsError as exc:
        return ("refused", [(p.where, p.code, p.message) for p in exc.problems])


@pytest.mark.parametrize("argument", [None, "xiangzhen", "乡镇", " 乡镇 ", "quzhi", "nowhere", _Str("xiangzhen")])
@pytest.mark.parametrize("named", ["(absent)", None, "xiangzhen", "乡镇", "quzhi", "nowhere", 3, _Str("xiangzhen")])
def test_the_target_chosen_without_the_search_is_the_one_resolve_target_chooses(datonghu, argument, named):
    # Pack._validate takes a plain target id as it is (from the input, or the argument when the input
    # names none or the same); every other combination goes through resolve_target.
    data: dict[str, Any] = {"facts": {}}
    if named != "(absent)":
        data["target"] = named
    expected = _target_outcome(lambda: resolve_target(datonghu.spec, data, argument))
    got = _target_outcome(lambda: datonghu._validate(data, argument)[0].target.id)
    assert got == expected
