"""The JSON text of results, put together from pieces encoded once, is what dumping the dict gives.

``Result.to_json()`` is byte-identical to ``json.dumps(result.to_dict(),
ensure_ascii=False)`` (tests/test_scoring_shortcuts.py checks it on generated
assessments of every pack, tests/test_recorded.py on the recorded set). These
check the pieces of govrules.engine.jsontext on their own, and the ways round
them: an effect changed after it was made, a stand-in's text occurring in the
data, pickling.
"""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govrules.engine import jsontext
from govrules.engine.facts import Discretion
from govrules.engine.recoverable import Fix

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_dumps_is_json_dumps(value):
    assert jsontext.dumps(value) == json.dumps(value, ensure_ascii=False)


def test_dumps_refuses_what_json_dumps_refuses():
    with pytest.raises(TypeError, match="Decimal is not JSON serializable"):
        jsontext.dumps({"a": Decimal(1)})


@given(st.dictionaries(st.text(max_size=5), JSON_VALUES, min_size=1, max_size=6), st.data())
def test_dumps_with_puts_each_text_in_its_place(data, draw):
    keys = draw.draw(st.lists(st.sampled_from(sorted(data)), unique=True, max_size=3))
    texts = {k: json.dumps(data[k], ensure_ascii=False) for k in keys}
    assert jsontext.dumps_with(dict(data), texts) == json.dumps(data, ensure_ascii=False)


def test_dumps_with_when_the_data_holds_a_stand_in():
    # Only a string holding the stand-in's control characters could; the pieces are then encoded apart.
    data = {"a": jsontext._MARKS[0], "b": [1, 2], "c": "x"}
    assert jsontext.dumps_with(dict(data), {"b": "[1, 2]"}) == json.dumps(data, ensure_ascii=False)
    data = {"b": [1, 2], "c": jsontext._MARKS[0]}
    assert jsontext.dumps_with(dict(data), {"b": "[1, 2]"}) == json.dumps(data, ensure_ascii=False)


def test_dumps_with_when_a_string_looks_like_a_stand_in():
    data = {"a": "\\u0000govrules-0\\u0000", "b": [1], "c": "\x00govrules-"}
    assert jsontext.dumps_with(dict(data), {"b": "[1]"}) == json.dumps(data, ensure_ascii=False)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: abs(d) < 10**12 and len(d.as_tuple().digits) <= 28))  # scores: at most 28 digits
def test_fmt_shortcut_is_normalize_and_format(value):
    from govrules.numbers import exact, fmt

    @exact
    def both(v):  # type: ignore[no-untyped-def]
        return fmt(v), ("0" if not v else format(v.normalize(), "f"))

    short, long = both(value)
    assert short == long


def _fired_result(registry):
    pack = registry.get("datonghu_2023")
    facts = {
        "active_late_count": 3,
        "active_quality": {"points": 0.5, "reason": "信息更新不规范"},
        "zone_missing": ["公开资料"],
        "new_media_incident_count": 1,
        "new_media_criticism_state_council": 0,
        "new_media_criticism_province": 2,
        "new_media_criticism_city": 0,
        "new_media_stale_periods": 0,
        "opinion_response_ok": True,
        "foi_ok": False,
    }
    return pack.assess({"target": "xiangzhen", "unit": "北洲子镇", "facts": facts})


def test_effects_use_their_rules_texts(registry):
    result = _fired_result(registry)
    effects = [e for item in result.items for e in item.effects]
    assert len(effects) >= 4 and all(e.texts is not None for e in effects)
    for e in effects:
        assert e._json_text() == json.dumps(e.to_dict(), ensure_ascii=False)
    assert result.to_json() == json.dumps(result.to_dict(), ensure_ascii=False)


def test_an_effect_changed_after_it_was_made_is_encoded_in_full(registry):
    e = next(e for item in _fired_result(registry).items for e in item.effects)
    changed = attrs.evolve(e, label="另一个说法", quote="另一句原文", reading=("floor_at_zero",))
    assert changed.texts is e.texts  # carried along, but no longer this effect's
    assert changed._json_text() == json.dumps(changed.to_dict(), ensure_ascii=False)


def test_texts_pickle_as_what_they_are_made_from(registry):
    result = _fired_result(registry)
    text = result.to_json()
    for clone in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
        assert clone == result
        assert clone.to_json() == text
        assert clone.texts.readings == result.texts.readings
        assert [i.texts.head for i in clone.items] == [i.texts.head for i in result.items]


# A row's result from its texts (ItemResult._row_text) against the dict's encoding, over
# every value a row's own fields may take: any text, any score, caps and overrides.
TEXTS = st.text(max_size=8) | st.sampled_from(["不符合", "\x00govrules-0\x00", '"\\'])
SCORES = st.none() | st.decimals(min_value=-100, max_value=100, places=2)


@st.composite
def _changed_rows(draw):
    from govrules.engine.result import FAIL, STATUSES, CapApplied, Override

    cut = draw(st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(3)]))
    return dict(
        status=draw(st.sampled_from(STATUSES + (FAIL,))),
        score=draw(SCORES),
        computed=draw(SCORES),
        self_score=draw(SCORES),
        floor_cut=cut,
        floor_quote=draw(st.none() | TEXTS),
        floor_reading=tuple(draw(st.lists(TEXTS, max_size=2))),
        zeroed_by=draw(st.none() | TEXTS),
        not_applicable=draw(st.none() | TEXTS),
        unchecked_facts=tuple(draw(st.lists(TEXTS, max_size=3))),
        missing_evidence=tuple(draw(st.lists(TEXTS, max_size=2))),
        caps=tuple(draw(st.lists(st.builds(CapApplied, st.tuples(TEXTS), SCORES.filter(bool), SCORES.filter(bool), SCORES.filter(bool), TEXTS, st.tuples(TEXTS)), max_size=1))),
        override=draw(st.none() | st.builds(Override, TEXTS, TEXTS, SCORES, SCORES.filter(bool), TEXTS)),
        effects=draw(st.sampled_from([(), "fired"])),
    )


@given(changes=_changed_rows())
def test_a_rows_text_is_its_dicts_encoding(registry, changes):
    result = _fired_result(registry)
    fired = next(i for i in result.items if i.effects)
    row = result.items[0]
    if changes.pop("effects") == "fired":
        row = fired
    changed = attrs.evolve(row, **changes)
    assert changed.texts is row.texts is not None and changed.ceiling is None and not changed.assessors  # the short way is taken
    assert changed._json_text == json.dumps(changed.to_dict(), ensure_ascii=False)


def test_every_row_uses_its_texts(registry):
    result = _fired_result(registry)
    for item in result.items:
        assert item.texts is not None and item.texts.key == (item.id, item.names, item.max, item.evidence, item.evaluation)
        assert item._json_text == json.dumps(item.to_dict(), ensure_ascii=False)


def test_a_row_changed_after_it_was_made_is_encoded_in_full(registry):
    row = next(i for i in _fired_result(registry).items if i.effects)
    for change in ({"names": ("另一个名称",)}, {"evidence": ("另一份材料",)}, {"max": Decimal(7)}, {"assessors": ("县政务公开办",)}):
        changed = attrs.evolve(row, **change)
        assert changed.texts is row.texts  # carried along, but no longer this row's
        assert changed._json_text == json.dumps(changed.to_dict(), ensure_ascii=False)


@st.composite
def _changed_sheets(draw):
    from govrules.engine.result import Difference, Source, Zeroed

    return dict(
        target=draw(TEXTS),
        target_name=draw(TEXTS),
        unit=draw(st.none() | TEXTS),
        scored=draw(st.booleans()),
        complete=draw(st.booleans()),
        total=draw(SCORES),
        max_total=draw(SCORES),
        base_max=draw(SCORES),
        base_sum=draw(SCORES),
        base=draw(SCORES),
        rescaled=draw(st.booleans()),
        zeroed=tuple(draw(st.lists(st.builds(Zeroed, TEXTS, TEXTS, TEXTS, st.just((("a", 1), ("b", Decimal("0.5"))))), max_size=2))),
        not_checked=tuple(draw(st.lists(TEXTS, max_size=2))),
        missing_evidence=tuple(draw(st.lists(st.tuples(TEXTS, TEXTS), max_size=2))),
        self_total=draw(SCORES),
        differences=tuple(draw(st.lists(st.builds(Difference, TEXTS, SCORES.filter(bool), SCORES), max_size=2))),
        derived_facts=tuple(draw(st.lists(TEXTS, max_size=2))),
        readings=tuple(draw(st.lists(st.tuples(TEXTS, TEXTS, TEXTS), max_size=2))),
        total_floor_cut=draw(st.sampled_from([Decimal(0), Decimal("1.5")])),
        total_floor_quote=draw(st.none() | TEXTS),
        total_floor_reading=tuple(draw(st.lists(TEXTS, max_size=1))),
        sources=tuple(draw(st.lists(st.builds(Source, TEXTS, st.none() | TEXTS, st.tuples(TEXTS)), max_size=1))),
        texts=draw(st.sampled_from(["kept", None])),
    )


@given(changes=_changed_sheets())
def test_a_sheets_text_is_its_dicts_encoding(registry, changes):
    result = _fired_result(registry)
    if changes["texts"] == "kept":
        changes["texts"] = result.texts
        changes["readings"] += result.readings  # those its target's texts hold, and others
    changed = attrs.evolve(result, **changes)
    assert changed.to_json() == json.dumps(changed.to_dict(), ensure_ascii=False)


# Graded sheets, models and every pack's rows: tests/test_scoring_shortcuts.py (test_json_put_together_from_rows_is_the_dumped_dict).


# Every fact value a result holds (what validation makes, and others a caller may put in an
# evolved result), written by its type without the dict, against the dict's encoding.
FACT_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | TEXTS
    | st.decimals(min_value=-100, max_value=100, places=2)
    | st.dates()
    | st.builds(Discretion, st.decimals(min_value=0, max_value=20, places=1), TEXTS | st.none()),
    lambda inner: st.lists(inner, max_size=3).map(tuple) | st.lists(TEXTS, max_size=3).map(tuple),
    max_leaves=6,
)


@given(st.lists(st.tuples(TEXTS, FACT_VALUES), max_size=6))
def test_facts_text_is_the_facts_dicts_encoding(facts):
    from govrules.engine.result import _facts_json, _facts_text

    facts = tuple(dict(facts).items())  # a fact once, as results hold them
    assert _facts_text(facts) == json.dumps(_facts_json(facts), ensure_ascii=False)


def test_a_sections_remembered_text_is_its_dicts_encoding():
    # SectionTexts.text remembers texts by (status, score): equal scores written differently share one text.
    from govrules.engine.result import SectionResult

    children = ("a.1", "a.2")
    texts = jsontext.SectionTexts("a", ("甲",), Decimal(20), None, children)
    for score in (Decimal(20), Decimal("20.0"), Decimal("2E+1"), Decimal("19.5"), Decimal("19.50"), Decimal("-0"), Decimal(0), None) * 2:
        for status in ("pass", "fail", "notchecked"):
            record = SectionResult("a", ("甲",), Decimal(20), None, score, status, children)
            assert texts.text(status, score) == json.dumps(record.to_dict(), ensure_ascii=False)


def test_remembered_fact_texts_tell_equal_values_of_other_types_apart():
    # _facts_text remembers a fact's text by its (name, value) pair and the value's type: True == 1 == Decimal(1)
    # == 1.0, and a discretionary deduction's float points equal a Decimal's, but each is written as its own.
    from govrules.engine.result import _facts_json, _facts_text

    values = [1, True, Decimal(1), 1.0, Decimal("1.0"), ("x", "y"), ("x", 1), ("x", True), Discretion(Decimal("0.5"), "r"),
              Discretion(0.5, "r"), Discretion(Decimal("0.50"), "r"), Discretion(Decimal("0.5"), None), None, "1"]
    for _ in range(2):  # the second time round from the memos
        for first in values:
            for second in values:
                facts = (("remembered_fact", first), ("other_fact", second))
                assert _facts_text(facts) == json.dumps(_facts_json(facts), ensure_ascii=False)


def test_a_numbers_remembered_text_is_fmts():
    # number() remembers a Decimal's text by its own text: equal numbers written differently give fmt's one text.
    from govrules.numbers import fmt

    for _ in range(2):
        for value in (Decimal(20), Decimal("20.0"), Decimal("2E+1"), Decimal("19.50"), Decimal("-0"), Decimal("0.00"), Decimal("1E-7"), 3, None):
            assert jsontext.number(value) == ("null" if value is None else '"' + fmt(value) + '"')


def test_a_number_first_written_under_a_callers_low_precision_is_remembered_right():
    # fmt normalizes in govrules' context: a text remembered while a caller's context had a precision
    # of 2 (test_decimal_context's) is the one every later result writes.
    import decimal

    from govrules.numbers import fmt

    value = Decimal("13.750")  # not remembered yet: its text takes fmt's long way (a trailing zero)
    with decimal.localcontext(decimal.Context(prec=2, rounding=decimal.ROUND_FLOOR, traps=[])):
        under = jsontext.number(value)
    assert under == jsontext.number(value) == '"13.75"' == '"' + fmt(value) + '"'


_OPTIONAL_TEXT = st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["「引号」\"\\", "\x00\u2028", "复核评分 18（张三，2023-12-01）"]))
_SOME_POINTS = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-100, max_value=100)
_POINTS = st.one_of(st.none(), _SOME_POINTS)


@given(
    st.builds(
        Fix,
        st.text(min_size=1, max_size=6), st.lists(st.text(max_size=6), max_size=3).map(tuple), st.sampled_from(["rule", "review", "penalty", "zeroing"]),
        _OPTIONAL_TEXT, st.text(max_size=8), _OPTIONAL_TEXT, _OPTIONAL_TEXT, _OPTIONAL_TEXT, _POINTS,
        _SOME_POINTS, _SOME_POINTS,  # (drawn, not filtered out of _POINTS: that discarded three in four, and the health check failed)
    )
)  # fmt: skip
def test_a_fixs_text_is_its_dicts_encoding(fix):
    """A 可挽回分值 entry is written field by field (Fix.json_text): the text json.dumps gives its dict."""
    assert fix.json_text() == json.dumps(fix.to_dict(), ensure_ascii=False)
