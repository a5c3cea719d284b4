"""Guards for the fast paths of input validation (govrules.engine.inputs, govrules.engine.facts).

Each fast path must give exactly what the full way gives: the number and date
validators' shortcuts for plain ``int``/``float``/``str`` values, the
per-target plan that puts facts in order and fills in defaults without
sorting, and the facts model tried on the input as it is before sorting out
the names of other targets.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal as D
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine.compiled import compile_target
from govrules.engine.facts import _date, _number, missed_periods
from govrules.engine.inputs import AssessmentIn, validate
from govrules.testing import assessments

from datonghu_facts import xz


class _Int(int):
    pass


class _Float(float):
    pass


class _Str(str):
    pass


def _outcome(check: Any, value: Any) -> tuple[str, str]:
    try:
        return ("ok", repr(check(value)))
    except ValueError as exc:
        return ("error", str(exc))


def _floats() -> list[float]:
    rnd = random.Random(0)
    edges = [0.0, -0.0, 0.1, 1.5, 2.0, 1e-6, 1e-7, 1.0000001, 123456.123456, 123456.1234567, 0.1 + 0.2, 1e9, -1e9, 1e16, 1e-5]
    edges += [math.nextafter(1e9, 0), math.nextafter(-1e9, 0), math.inf, -math.inf, math.nan]
    rand = [rnd.uniform(-2e9, 2e9) for _ in range(2000)] + [round(rnd.uniform(-1000, 1000), rnd.randint(0, 8)) for _ in range(2000)]
    return edges + rand


@pytest.mark.parametrize("value", [0, 1, -1, 10**9 - 1, 10**9, -(10**9) + 1, -(10**9), 10**20])
def test_number_int_fast_path_is_the_full_check(value):
    assert _outcome(_number, value) == _outcome(_number, _Int(value))


def test_number_float_fast_path_is_the_full_check():
    for value in _floats():
        assert _outcome(_number, value) == _outcome(_number, _Float(value)), value


# Ten characters with dashes at 4 and 7 take the shortest way (fromisoformat alone):
# other digits than ASCII, a week date, a day out of range must still be refused.
@pytest.mark.parametrize(
    "text",
    ["2023-01-01", " 2023-12-31 ", "2023-02-30", "2023-1-1", "2023/01/01", "20230101", "2023-01-01T10:00:00", "", "x",
     "２０２３-01-01", "2023-01-0５", "2023-W01-1", "2021-W01-1", "2023-13-01", "+023-01-01", "2023-01-1 "],
)
def test_date_str_fast_path_is_the_full_check(text):
    assert _outcome(_date, text) == _outcome(_date, _Str(text))


def test_facts_come_out_in_the_targets_order_with_defaults(registry):
    pack = registry.get("taiqian")
    view = pack.view("xiangzhen")
    defaulted = next(iter(view.defaults))
    facts = {f.name: None for f in reversed(view.facts)}  # every fact given as null, in reverse order
    _, assessment = pack.validate({"target": "xiangzhen", "facts": facts})
    # An explicit null is the same as leaving the fact out: only the defaults remain, in the target's order.
    assert assessment.facts == tuple((name, value) for name, value in view.defaults.items())
    assert [name for name, _ in assessment.facts] == [f.name for f in view.facts if f.name in view.defaults]
    _, left_out = pack.validate({"target": "xiangzhen", "facts": {}})
    assert left_out.facts == assessment.facts
    assert defaulted in dict(assessment.facts)


def test_a_view_whose_model_is_in_another_order_still_gives_the_targets_order(registry):
    pack = registry.get("datonghu_2023")
    view = pack.view("xiangzhen")
    reordered = attrs.evolve(view, facts=tuple(reversed(view.facts)))
    assessment = validate(pack.spec, reordered, xz(active_late_count=2))
    assert [name for name, _ in assessment.facts] == [f.name for f in reordered.facts if f.name in dict(assessment.facts)]
    assert dict(assessment.facts) == dict(validate(pack.spec, view, xz(active_late_count=2)).facts)


def test_defaults_around_a_derivation_wait_for_it(registry):
    pack = registry.get("datonghu_2023")
    view = pack.view("xiangzhen")
    # No pack gives a derived count a default today; one that does must still derive it from dates given.
    with_default = attrs.evolve(view, defaults={**view.defaults, "new_media_stale_periods": 7})
    facts = {k: v for k, v in xz()["facts"].items() if k != "new_media_stale_periods"}
    left_out = validate(pack.spec, with_default, {"facts": facts})
    assert dict(left_out.facts)["new_media_stale_periods"] == 7 and left_out.derived == ()
    dated = validate(pack.spec, with_default, {"facts": {**facts, "new_media_update_dates": ["2023-01-02"]}})
    plain = validate(pack.spec, view, {"facts": {**facts, "new_media_update_dates": ["2023-01-02"]}})
    assert dated.derived == ("new_media_stale_periods",)
    assert dated.facts == plain.facts
    with pytest.raises(govrules.FactsError, match="只能填一个"):
        validate(pack.spec, with_default, {"facts": {**facts, "new_media_stale_periods": 0, "new_media_update_dates": ["2023-01-02"]}})


def test_a_fact_of_another_target_next_to_other_mistakes(datonghu):
    data = xz(new_media_update_dates=["2023-01-02"], window_missing=[])
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess(data)
    assert [(p.where, p.message) for p in err.value.problems] == [
        ("facts.window_missing", "事实 window_missing（政务公开窗口缺少的项）不用于考核乡镇"),
        (
            "facts.new_media_stale_periods",
            "new_media_stale_periods（政务新媒体账号每两周未及时更新次数）与推算它的日期 new_media_update_dates 只能填一个",
        ),
    ]
    data = xz(window_missing=[], active_late_cout=1)
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess(data)
    assert [(p.where, p.message) for p in err.value.problems] == [
        ("facts.window_missing", "事实 window_missing（政务公开窗口缺少的项）不用于考核乡镇"),
        ("facts.active_late_cout", "没有名为 'active_late_cout' 的项；是否想写 'active_late_count'？"),
    ]


def test_scores_are_checked_against_the_items_points(datonghu):
    data = xz()
    data["self_assessment"] = {"xz.1": 20, "xz.2": D("20.01"), "xz.9": 1}
    data["reviews"] = [{"item": "xz.3", "score": -1, "reviewer": "r", "at": "2023-12-20", "reason": "r"}]
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess(data)
    assert [(p.where, p.message) for p in err.value.problems] == [
        ("reviews.0.score", "应不小于 0"),
    ]
    del data["reviews"]
    with pytest.raises(govrules.FactsError) as err:
        datonghu.assess(data)
    assert [(p.where, p.message) for p in err.value.problems] == [
        ("self_assessment.xz.2", "得分 20.01 超过该指标的分值 20"),
        ("self_assessment.xz.9", "本考核对象没有指标 'xz.9'；是否想写 'xz.5'？"),
    ]


def test_each_compiled_view_carries_its_own_input_plan(registry):
    pack = registry.get("datonghu_2023")
    view = compile_target(pack.spec, "xiangzhen")
    assert view.input_plan == pack.view("xiangzhen").input_plan
    assert view.input_plan is not pack.view("xiangzhen").input_plan
    assert view.input_plan.in_order


def test_the_envelope_schema_keeps_its_empty_defaults():
    properties = AssessmentIn.model_json_schema()["properties"]
    assert [properties[k]["default"] for k in ("facts", "evidence", "not_applicable", "self_assessment", "reviews")] == [{}, {}, {}, {}, []]
    first = AssessmentIn.model_validate({})
    first.evidence["x"] = ["y"]
    assert AssessmentIn.model_validate({}).evidence == {}  # a fresh default for each input


def test_the_facts_schema_states_each_default_as_the_pack_declares_it():
    # A form built from the schema must show the pack's default, not null.
    pack = govrules.load_pack_text(
        """
format: 1
pack: {id: defaults_demo, version: 0.1.0, title: 示例, issuer: 示例, source: 示例}
targets: [{id: xiangzhen, name: 乡镇, total: 10}]
facts:
  - {name: praised, label: 表扬次数, type: count, default: 0}
  - {name: fraud, label: 弄虚作假, type: boolean, default: false}
  - {name: rate, label: 比例, type: number, default: 0.5}
  - {name: missing, label: 缺项, type: subset, elements: [甲, 乙], default: []}
  - {name: late, label: 逾期次数, type: count}
indicators:
  - id: a
    name: 示例
    points: {xiangzhen: 10}
    rules:
      - {id: late, kind: per_occurrence, fact: late, amount: 1, quote: 每次扣1分}
      - {id: missing, kind: per_missing, fact: missing, amount: 1, quote: 每缺一项扣1分}
      - {id: rate, kind: fixed, amount: 1, when: {fact: rate, op: "<", value: 0.4}, quote: 低于四成扣1分}
adjustments:
  - {id: bonus, name: 加分, direction: bonus, rules: [{id: p, kind: per_occurrence, fact: praised, amount: 1, quote: 每次加1分}]}
zeroing:
  - {id: fraud, name: 弄虚作假, when: {fact: fraud, is: true}, quote: 弄虚作假的}
""",
        "defaults.yaml",
        document="每次扣1分 每缺一项扣1分 低于四成扣1分 每次加1分 弄虚作假的",
    )
    props = pack.facts_schema("xiangzhen")["properties"]
    assert [props[n].get("default") for n in ("praised", "fraud", "rate", "missing", "late")] == [0, False, 0.5, [], None]
    # The schema still accepts a fact left out (the default then applies when scoring).
    assert pack.assess({"facts": {"late": 0, "missing": []}}).total == D(10)
    # Each default is a valid value of its own schema.
    import jsonschema

    schema = pack.facts_schema("xiangzhen")
    jsonschema.Draft202012Validator(schema).validate({n: p["default"] for n, p in props.items() if "default" in p and p["default"] is not None})


def test_validated_facts_are_always_in_the_targets_order(registry):
    # _derive returns the facts as _validate_facts ordered them when it adds nothing
    # (no count derived, no default filled in); whatever it adds, they stay in order.
    pack = registry.get("datonghu_2023")
    for target in pack.targets:
        order = pack.view(target).fact_order

        @settings(max_examples=60, deadline=None)
        @given(data=assessments(pack, target, complete=False))
        def check(data: dict[str, Any]) -> None:
            _, assessment = pack.validate(data, target)
            names = [name for name, _ in assessment.facts]
            assert names == sorted(names, key=order.__getitem__)

        check()


def _missed_periods_window_by_window(dates, start, end, period_days):  # type: ignore[no-untyped-def]
    """The count as the document states it: each complete window of ``period_days`` from ``start``, and whether a date falls in it."""
    windows = ((end - start).days + 1) // period_days
    missed = 0
    for k in range(windows):
        first = start + dt.timedelta(days=k * period_days)
        last = first + dt.timedelta(days=period_days - 1)
        missed += not any(first <= d <= last for d in dates)
    return missed


@settings(max_examples=300)
@given(
    start=st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)),
    length=st.integers(0, 400),  # a derivation's end is never before its start (the pack model refuses that)
    period_days=st.integers(1, 40),
    offsets=st.lists(st.integers(-30, 450), max_size=40),
)
def test_missed_periods_counts_the_empty_windows(start, length, period_days, offsets):
    end = start + dt.timedelta(days=length)
    dates = tuple(sorted({start + dt.timedelta(days=o) for o in offsets}))
    assert missed_periods(dates, start, end, period_days) == _missed_periods_window_by_window(dates, start, end, period_days)
