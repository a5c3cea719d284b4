"""Issue 17, the assessment-input boundary: hostile input never escapes.

Every input to ``Pack.assess`` / ``Pack.validate`` ends in a ``FactsError``
naming the field (or the JSON text's line and column) or in a correct result:
never another exception, never a hang, never a silently wrong score. One test
per reproducer of the issue, then a bounded fuzz over every part of an
assessment of several packs.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import types
from decimal import Decimal as D
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine.facts import COUNT_MAX
from govrules.engine.inputs import MAX_JSON_DEPTH, MAX_JSON_SIZE
from govrules.testing.strategies import can_give, fact_values

from datonghu_facts import XZ_ALL_MET, xz

#: The safety net in inputs.validate: the fuzz must never need it (every
#: hostile value is refused by a check that names it).
SAFETY_NET = "could not be read ("


@contextlib.contextmanager
def finishes_within(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block takes longer than ``seconds``."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refused(pack: govrules.Pack, data: Any, seconds: float = 10) -> dict[str, str]:
    """The problems of an input that must be refused, by place; the error must be writable as UTF-8."""
    with finishes_within(seconds):
        with pytest.raises(govrules.FactsError) as info:
            pack.assess(data)
    exc = info.value
    json.dumps(exc.to_dict(), ensure_ascii=False).encode("utf-8")
    str(exc).encode("utf-8")
    assert exc.problems
    for p in exc.problems:
        assert SAFETY_NET not in p.message, p
    return {p.where: p.message for p in exc.problems}


def mutated(base: dict[str, Any], **parts: Any) -> dict[str, Any]:
    return {**base, **parts}


@pytest.fixture(scope="module")
def miluo(registry: govrules.Registry) -> govrules.Pack:
    return registry.get("miluo_2017")


def _na_item(pack: govrules.Pack, target: str) -> str:
    return next(iter(pack.view(target).input_plan.maxima))


# ------------------------------------------------------------ the reproducers


def test_bytes_that_are_not_utf8(datonghu):
    assert refused(datonghu, b'{"unit":"\xff"}') == {"第9字节": "无法解码（无效的起始字节）；JSON 文本须为 UTF-8"}
    # UTF-8 forbids encoded surrogates; json.loads would let them through ("surrogatepass").
    assert list(refused(datonghu, b'{"target": "xiangzhen", "unit":"\xed\xa0\x80"}')) == ["第32字节"]
    # Other encodings JSON allows still work.
    text = json.dumps(mutated(xz(), unit="北洲子镇"), ensure_ascii=False)
    assert datonghu.assess(text.encode("utf-16")).total == datonghu.assess(text.encode("utf-8")).total == D(100)


@pytest.mark.parametrize("digits", [4301, 5000, 100_000])
def test_huge_integer_in_json_text(datonghu, digits):
    big = "9" * digits
    problems = refused(datonghu, '{"target": "xiangzhen", "facts": {"active_late_count": ' + big + "}}")
    assert problems == {"facts.active_late_count": f"整数有 {digits} 位，太长无法读取；数字应小于 10^9"}
    for text in (
        '{"target": "xiangzhen", "self_assessment": {"xz.1": -' + big + "}}",
        '{"target": "xiangzhen", "reviews": [{"item": "xz.1", "score": ' + big + ', "reviewer": "张三", "at": "2023-12-20", "reason": "复核"}]}',
        '{"target": "xiangzhen", "facts": {"active_quality": {"points": ' + big + ', "reason": "x"}}}',
        '{"target": "xiangzhen", "unit": ' + big + "}",
        '{"target": "xiangzhen", "facts": {"x": [1, ' + big + "]}}",
    ):
        assert len(refused(datonghu, text)) == 1


def test_huge_python_int_anywhere(datonghu, miluo):
    big = 10**5000
    assert refused(datonghu, xz(active_late_count=big)) == {"facts.active_late_count": f"应不大于 {COUNT_MAX}"}
    assert list(refused(datonghu, xz(active_quality={"points": big, "reason": "x"}))) == ["facts.active_quality.points"]
    assert list(refused(datonghu, mutated(xz(), self_assessment={"xz.1": big}))) == ["self_assessment.xz.1"]
    review = {"item": "xz.1", "score": -big, "reviewer": "张三", "at": "2023-12-20", "reason": "复核"}
    assert list(refused(datonghu, mutated(xz(), reviews=[review]))) == ["reviews.0.score"]
    assert list(refused(miluo, {"target": "xiangzhen", "facts": {"performance_weight_percent": big}})) == ["facts.performance_weight_percent"]
    for where in ("unit", "pack", "target"):
        refused(datonghu, mutated(xz(), **{where: big}))
    refused(datonghu, {"target": big})
    # As a key: pydantic cannot print it, the problem is still reported.
    refused(datonghu, {**xz(), big: 1})
    refused(datonghu, mutated(xz(), facts={**XZ_ALL_MET, big: 1}))
    refused(datonghu, mutated(xz(), evidence={big: []}))
    refused(datonghu, xz(new_media_update_dates=[big]))


def test_deep_nesting_in_json_text(datonghu):
    deep = "[" * 100_000 + "]" * 100_000
    for text in ('{"facts":{"x":' + deep + "}}", deep, '{"target": "xiangzhen", "unit": ' + deep + "}", "{" * 100_000):
        problems = refused(datonghu, text, seconds=5)
        ((where, message),) = problems.items()
        assert where.startswith("第1行第") and f"嵌套超过 {MAX_JSON_DEPTH} 层" in message
    # Brackets inside strings are text, not nesting.
    assert datonghu.assess(json.dumps(mutated(xz(), unit="[" * 1000))).total == D(100)
    # Just under the limit: an ordinary problem.
    assert list(refused(datonghu, '{"target": "xiangzhen", "facts": {"x": ' + "[" * 60 + "]" * 60 + "}}")) == ["facts.x"]


def test_deep_nesting_from_python(datonghu):
    deep_list: Any = []
    deep_dict: Any = {}
    deep_tuple: Any = ()
    for _ in range(100_000):
        deep_list, deep_dict, deep_tuple = [deep_list], {"x": deep_dict}, (deep_tuple,)
    for deep in (deep_list, deep_dict):
        with finishes_within(10):
            refused(datonghu, mutated(xz(), facts={**XZ_ALL_MET, "x": deep}))
            refused(datonghu, xz(zone_missing=deep))
            refused(datonghu, xz(new_media_update_dates=[deep]))
            refused(datonghu, xz(active_quality=deep))
            refused(datonghu, mutated(xz(), unit=deep))
            refused(datonghu, mutated(xz(), evidence={"xz.1": deep}))
            refused(datonghu, mutated(xz(), not_applicable=deep))
            refused(datonghu, mutated(xz(), self_assessment={"xz.1": deep}))
            refused(datonghu, mutated(xz(), reviews=[deep]))
            refused(datonghu, mutated(xz(), pack=deep))
            refused(datonghu, {"target": deep})
            refused(datonghu, deep)
    # A deep tuple as a key: pydantic cannot print it either.
    refused(datonghu, {**xz(), deep_tuple: 1})
    refused(datonghu, mutated(xz(), facts={**XZ_ALL_MET, deep_tuple: 1}))
    # A structure holding itself.
    loop: dict[str, Any] = {"target": "xiangzhen"}
    loop["facts"] = loop
    refused(datonghu, loop)


SURROGATES = ["\ud800", "北洲\udfff镇", "\udc00" * 3]


@pytest.mark.parametrize("bad", SURROGATES)
def test_lone_surrogates_everywhere(datonghu, miluo, bad):
    review = {"item": "xz.1", "score": 19, "reviewer": "张三", "at": "2023-12-20", "reason": "复核"}
    na = _na_item(miluo, "xiangzhen")
    cases = [
        (datonghu, mutated(xz(), unit=bad), "unit"),
        (datonghu, mutated(xz(), reviews=[{**review, "reviewer": bad}]), "reviews.0.reviewer"),
        (datonghu, mutated(xz(), reviews=[{**review, "reason": bad}]), "reviews.0.reason"),
        (datonghu, mutated(xz(), reviews=[{**review, "item": bad}]), "reviews[0].item"),
        (datonghu, mutated(xz(), reviews=[{**review, "at": bad}]), "reviews.0.at"),
        (datonghu, xz(active_quality={"points": 0.5, "reason": bad}), "facts.active_quality"),
        (datonghu, xz(active_quality={"points": 0, "reason": bad}), "facts.active_quality"),
        (datonghu, xz(zone_missing=[bad]), "facts.zone_missing.0"),
        (datonghu, xz(new_media_update_dates=[bad]), "facts.new_media_update_dates.0"),
        (datonghu, mutated(xz(), evidence={"xz.1": [bad]}), "evidence.xz.1[0]"),
        (datonghu, mutated(xz(), evidence={bad: []}), None),
        (datonghu, mutated(xz(), self_assessment={bad: 1}), None),
        (datonghu, mutated(xz(), facts={**XZ_ALL_MET, bad: 1}), None),
        (datonghu, mutated(xz(), pack=bad), "pack"),
        (datonghu, {"target": bad}, "target"),
        (miluo, {"target": "xiangzhen", "not_applicable": {na: bad}}, f"not_applicable.{na}"),
        (miluo, {"target": "xiangzhen", "not_applicable": {bad: "书面说明"}}, None),
        (miluo, {"target": "xiangzhen", "facts": {"xz_leading_group": bad}}, "facts.xz_leading_group"),
    ]
    for pack, data, where in cases:
        problems = refused(pack, data)
        if where is not None:
            assert where in problems, (where, problems)
        # The same from JSON text, where the surrogate is an escape.
        text = json.dumps(data, ensure_ascii=True)
        assert "\\ud" in text or "\\udc" in text or "\\udf" in text
        assert refused(pack, text) == problems
    assert refused(datonghu, mutated(xz(), unit=bad))["unit"].startswith("单位名称含有无法作为文字保存的字符")


def test_surrogate_pairs_are_text(datonghu):
    # An escaped pair is one character (😀): JSON's way of writing it, accepted.
    result = datonghu.assess('{"target": "xiangzhen", "unit": "\\ud83d\\ude00镇", "facts": ' + json.dumps(XZ_ALL_MET) + "}")
    assert result.to_json().encode("utf-8")
    assert result.total == D(100)


@pytest.mark.parametrize("blank", ["", " \t", "\u200b", "\u3000", "\u3000\u200b \ufeff\n", "\u2060\u202e"])
def test_blank_texts_are_refused(datonghu, miluo, blank):
    review = {"item": "xz.1", "score": 19, "reviewer": "张三", "at": "2023-12-20", "reason": "复核"}
    for field in ("reviewer", "reason"):
        problems = refused(datonghu, mutated(xz(), reviews=[{**review, field: blank}]))
        assert set(problems) <= {f"reviews[0].{field}", f"reviews.0.{field}"} and len(problems) == 1, problems
    problems = refused(datonghu, xz(active_quality={"points": 0.5, "reason": blank}))
    assert problems == {"facts.active_quality": "酌情扣分须写明扣分理由（reason）"}
    na = _na_item(miluo, "xiangzhen")
    problems = refused(miluo, {"target": "xiangzhen", "not_applicable": {na: blank}})
    assert problems == {f"not_applicable.{na}": "申报不适用的指标须附书面说明"}
    # No deduction, no reason needed (as before).
    assert datonghu.assess(xz(active_quality={"points": 0, "reason": blank})).total == D(100)


def test_texts_are_stored_as_before(datonghu):
    review = {"item": "xz.1", "score": 19, "reviewer": " 张三\u3000", "at": "2023-12-20", "reason": "\t现场复核 "}
    result = datonghu.assess(mutated(xz(active_quality={"points": 0.5, "reason": " 更新不及时 "}), reviews=[review]))
    _, assessment = datonghu.validate(mutated(xz(active_quality={"points": 0.5, "reason": " 更新不及时 "}), reviews=[review]))
    assert (assessment.reviews[0].reviewer, assessment.reviews[0].reason) == ("张三", "现场复核")
    assert dict(assessment.facts)["active_quality"].reason == "更新不及时"
    assert result.item("xz.1").score == D(19)


def test_duplicate_keys_in_json_text(datonghu):
    assert refused(datonghu, '{"target": "xiangzhen", "target": "quzhi"}') == {"target": "键 'target' 在同一对象中出现两次；只写一次"}
    assert refused(datonghu, '{"target": "xiangzhen", "facts": {"active_late_count": 0, "active_late_count": 9}}') == {
        "facts.active_late_count": "键 'active_late_count' 在同一对象中出现两次；只写一次"
    }
    problems = refused(
        datonghu,
        '{"target": "xiangzhen", "facts": {"active_quality": {"points": 1, "reason": "x", "points": 0}},'
        ' "reviews": [{"item": "xz.1", "item": "xz.2", "score": 1, "reviewer": "a", "at": "2023-12-20", "reason": "b"}]}',
    )
    assert set(problems) == {"facts.active_quality.points", "reviews.0.item"}
    # The same key once in each of two objects is fine.
    text = (
        '{"target": "xiangzhen", "facts": {"active_quality": {"points": 0.5, "reason": "更新不及时"}},'
        ' "reviews": [{"item": "xz.1", "score": 19, "reviewer": "张三", "at": "2023-12-20", "reason": "复核"}]}'
    )
    assert datonghu.assess(text).item("xz.1").score == D(19)


def test_counts_are_bounded(datonghu):
    assert refused(datonghu, xz(active_late_count=10**28 + 1)) == {"facts.active_late_count": f"应不大于 {COUNT_MAX}"}
    refused(datonghu, '{"target": "xiangzhen", "facts": {"active_late_count": 10000000000000000000000000001}}')
    refused(datonghu, xz(active_late_count=COUNT_MAX + 1))
    # The largest count is scored exactly: 20 points − 999,999,999 × 0.1, floored at 0.
    assert datonghu.assess(xz(active_late_count=COUNT_MAX)).item("xz.1").score == D(0)
    assert datonghu.assess(xz(active_late_count=3)).total == D("99.7")
    late = datonghu.facts_schema("xiangzhen")["properties"]["active_late_count"]
    assert {"type": "integer", "minimum": 0, "maximum": COUNT_MAX} in late["anyOf"]


def test_number_schema_states_the_bound(miluo):
    weight = miluo.facts_schema("xiangzhen")["properties"]["performance_weight_percent"]["anyOf"][0]
    assert weight["type"] == "number"
    assert weight.get("maximum", weight.get("exclusiveMaximum")) <= 1e9


NON_FINITE = [math.nan, math.inf, -math.inf, D("NaN"), D("sNaN"), D("-Infinity"), D("1E+5000"), D("-1E+5000"), D("1E-5000")]


@pytest.mark.parametrize("value", NON_FINITE, ids=repr)
def test_non_finite_numbers_from_python(datonghu, miluo, value):
    review = {"item": "xz.1", "score": value, "reviewer": "张三", "at": "2023-12-20", "reason": "复核"}
    assert list(refused(datonghu, xz(active_late_count=value))) == ["facts.active_late_count"]
    assert list(refused(datonghu, xz(active_quality={"points": value, "reason": "x"}))) == ["facts.active_quality.points"]
    assert list(refused(datonghu, mutated(xz(), self_assessment={"xz.1": value}))) == ["self_assessment.xz.1"]
    assert list(refused(datonghu, mutated(xz(), reviews=[review]))) == ["reviews.0.score"]
    assert list(refused(miluo, {"target": "xiangzhen", "facts": {"performance_weight_percent": value}})) == ["facts.performance_weight_percent"]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e5000", "-1e5000", "1e99999999999999999999", "1e-99999999999999999999"])
def test_non_finite_numbers_in_json_text(datonghu, miluo, token):
    refused(datonghu, '{"target": "xiangzhen", "self_assessment": {"xz.1": ' + token + "}}")
    refused(datonghu, '{"target": "xiangzhen", "facts": {"active_quality": {"points": ' + token + ', "reason": "x"}}}')
    refused(datonghu, '{"target": "xiangzhen", "facts": {"active_late_count": ' + token + "}}")
    problems = refused(miluo, '{"target": "xiangzhen", "facts": {"performance_weight_percent": ' + token + "}}")
    assert list(problems) == ["facts.performance_weight_percent"]


class _Thing:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


@pytest.mark.parametrize(
    "value",
    [{"a"}, frozenset(), b"bytes", bytearray(b"x"), _Thing(), object, types.MappingProxyType({}), (x for x in ()), 1j, True],
    ids=lambda v: type(v).__name__,
)
def test_python_values_of_the_wrong_kind(datonghu, miluo, value):
    review = {"item": "xz.1", "score": 19, "reviewer": "张三", "at": "2023-12-20", "reason": "复核"}
    cases = [
        xz(zone_missing=value),
        xz(new_media_update_dates=value),
        xz(active_quality=value),
        xz(active_quality={"points": value, "reason": "x"}),
        xz(active_quality={"points": 1, "reason": value}),
        mutated(xz(), unit=value),
        mutated(xz(), evidence=value),
        mutated(xz(), evidence={"xz.1": value}),
        mutated(xz(), self_assessment=value),
        mutated(xz(), reviews=value),
        mutated(xz(), reviews=[{**review, "reviewer": value}]),
        mutated(xz(), facts=value),
        {"target": value},
        mutated(xz(), pack=value),
    ]
    if value is not True:
        cases.append(xz(opinion_response_ok=value))
    cases.append(xz(active_late_count=value))
    for data in cases:
        refused(datonghu, data)
    refused(miluo, {"target": "xiangzhen", "facts": {"xz_leading_group": value}})
    if value is True:
        refused(miluo, {"target": "xiangzhen", "facts": {"performance_weight_percent": True}})
        refused(datonghu, mutated(xz(), self_assessment={"xz.1": True}))
    refused(datonghu, value)


def test_numbers_where_a_count_belongs(datonghu):
    for value in (D(3), 3.0, D("3.5"), "3"):
        assert list(refused(datonghu, xz(active_late_count=value))) == ["facts.active_late_count"]


def test_a_mapping_for_the_facts_is_refused_not_skipped(datonghu):
    # A mapping other than a dict used to pass the envelope and have its facts skipped.
    problems = refused(datonghu, {"target": "xiangzhen", "facts": types.MappingProxyType(dict(XZ_ALL_MET))})
    assert problems == {"facts": "应为对象（{…}）"}


def test_keys_that_are_not_text(datonghu):
    for key in (1, 1.5, None, (1, 2), b"unit", 10**5000, frozenset({1})):
        refused(datonghu, {**xz(), key: 1})
        refused(datonghu, mutated(xz(), facts={**XZ_ALL_MET, key: 1}))
        refused(datonghu, mutated(xz(), evidence={key: []}))
        refused(datonghu, mutated(xz(), self_assessment={key: 1}))


def test_json_text_size_is_bounded(datonghu):
    text = json.dumps(mutated(xz(), unit="x" * MAX_JSON_SIZE))
    problems = refused(datonghu, text)
    assert problems == {"": f"JSON 共 {len(text)} 个字；一份考核输入最多 {MAX_JSON_SIZE}"}
    assert "字节" in refused(datonghu, text.encode())[""]


def test_hostile_sizes_finish(datonghu):
    # Many long unknown names: did-you-mean is bounded, the time stays linear.
    facts = {f"unknown_fact_name_{i}" + "x" * 20: i for i in range(100_000)}
    assert len(refused(datonghu, mutated(xz(), facts=facts), seconds=30)) == 100_000
    refused(datonghu, mutated(xz(), evidence={f"item_{i}": [] for i in range(50_000)}), seconds=30)
    refused(datonghu, mutated(xz(), facts={"x" * 1_000_000: 1}), seconds=10)
    # An unterminated string full of escaped quotes: the depth scan stays linear.
    refused(datonghu, "[" * (MAX_JSON_DEPTH + 1) + '"' + '\\"' * 1_000_000, seconds=10)
    refused(datonghu, '{"target": "xiangzhen", "unit": "' + '\\"' * 1_000_000 + "[" * 100, seconds=10)
    # A date string of a million characters.
    refused(datonghu, xz(new_media_update_dates=["2023-01-01" * 100_000]), seconds=10)


# ------------------------------------------------------------------ the fuzz

_SPECIAL_TEXT = [
    "", " ", " \t", "\u200b", "\u3000", "\ufeff", "\ud800", "a\udfffb", "\x00", "\x1b[2J", "\u202e", "NaN", "Infinity",
    "2023-12-20", "2023-02-30", "xiangzhen", "quzhi", "jiedao", "xz.1", "公开资料", "书面说明", "张三",
]
_SPECIAL_NUMBERS = [
    0, 1, -1, COUNT_MAX, COUNT_MAX + 1, 10**28 + 1, 2**63, math.nan, math.inf, -math.inf, -0.0, 1e-7, 0.1,
    D("NaN"), D("sNaN"), D("Infinity"), D("1E+5000"), D("1E-5000"), D("0.5"), D("19.5"), D("1.0000001"), True, False,
]

# Made when drawn: hypothesis prints the elements of sampled_from, and an int
# of over 4,300 digits cannot be printed.
_huge = st.sampled_from([4301, 5000, -5000]).map(lambda n: 10 ** abs(n) * (1 if n > 0 else -1))
_text = st.one_of(st.sampled_from(_SPECIAL_TEXT), st.text(st.characters(exclude_categories=()), max_size=12))
_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(_SPECIAL_NUMBERS),
    _huge,
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    _text,
    st.binary(max_size=4),
    st.sampled_from([(), ("a",), frozenset({"x"}), object(), 1j, types.MappingProxyType({"a": 1})]),
)
_json_ish = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(_text, inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from([1, None, (1,), b"k"]), _huge), inner, max_size=2),
        st.sets(st.integers(), max_size=3),
    ),
    max_leaves=12,
)

_PACKS = [("datonghu_2023", "xiangzhen"), ("datonghu_2023", "quzhi"), ("miluo_2017", "xiangzhen"), ("taiqian", "xiangzhen"), ("yuelu_2021", "jiedao")]


def _names(registry: govrules.Registry, pack_id: str, target: str) -> tuple[list[str], list[str]]:
    view = registry.get(pack_id).view(target)
    return [f.name for f in view.facts], list(view.item_index)


@st.composite
def _assessment(draw: st.DrawFn, registry: govrules.Registry) -> tuple[str, Any]:
    """An assessment of one of several packs: valid facts (from the testing kit) with hostile values anywhere."""
    pack_id, target = draw(st.sampled_from(_PACKS))
    view = registry.get(pack_id).view(target)
    facts, items = _names(registry, pack_id, target)
    name = st.one_of(st.sampled_from(facts), _text)
    item = st.one_of(st.sampled_from(items), _text)
    value = st.one_of(_json_ish, _leaf)
    data: dict[Any, Any] = {}
    if draw(st.integers(0, 4)) > 0:
        data["target"] = target if draw(st.integers(0, 4)) > 0 else draw(value)
    if draw(st.booleans()):
        data["unit"] = draw(st.one_of(_text, _text, value))  # odd text is a valid unit, and must survive to_json
    if draw(st.integers(0, 5)) == 0:
        data["pack"] = draw(st.one_of(st.just(pack_id), value))
    given = {f.name: fact_values(view, f) for f in view.facts if can_give(view, f) and f.derive is None}
    valid = draw(st.fixed_dictionaries({}, optional=given))
    hostile = draw(st.dictionaries(name, value, max_size=3)) if draw(st.integers(0, 2)) == 0 else {}
    data["facts"] = {**valid, **hostile} if draw(st.integers(0, 9)) > 0 else draw(value)
    parts = {
        "evidence": st.dictionaries(item, st.one_of(st.lists(_text, max_size=3), value), max_size=2),
        "not_applicable": st.dictionaries(item, st.one_of(_text, value), max_size=2),
        "self_assessment": st.dictionaries(item, st.one_of(st.integers(0, 5), value), max_size=2),
        "reviews": st.lists(
            st.fixed_dictionaries(
                {"item": item, "score": st.one_of(st.integers(0, 5), value)},
                optional={"reviewer": st.one_of(_text, value), "at": st.one_of(_text, value), "reason": st.one_of(_text, value), "extra": value},
            ),
            max_size=2,
        ),
    }
    for key, strategy in parts.items():
        if draw(st.integers(0, 4)) == 0:
            data[key] = draw(st.one_of(strategy, strategy, value))
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.one_of(_text, st.sampled_from([1, None, b"x"])))] = draw(value)
    return pack_id, data


def _survives(pack: govrules.Pack, data: Any) -> None:
    """Only a FactsError escapes; a result can be written out; the error too."""
    try:
        with finishes_within(10):
            result = pack.assess(data)
    except govrules.GovrulesError as exc:
        assert isinstance(exc, govrules.FactsError), exc
        json.dumps(exc.to_dict(), ensure_ascii=False).encode("utf-8")
        str(exc).encode("utf-8")
        assert exc.problems and all(SAFETY_NET not in p.message for p in exc.problems), exc
    else:
        result.to_json().encode("utf-8")


def _to_json_text(data: Any) -> str | None:
    try:
        return json.dumps(data, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return None


_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)


@_FUZZ
@given(data=st.data())
def test_fuzz_python_inputs(registry, data):
    pack_id, assessment = data.draw(_assessment(registry))
    _survives(registry.get(pack_id), assessment)


@_FUZZ
@given(data=st.data())
def test_fuzz_json_text(registry, data):
    pack_id, assessment = data.draw(_assessment(registry))
    text = _to_json_text(assessment)
    if text is None:
        return
    pack = registry.get(pack_id)
    _survives(pack, text)
    # Cut or spliced text, and its bytes in several encodings.
    cut = data.draw(st.integers(0, len(text)))
    _survives(pack, text[:cut] + data.draw(st.sampled_from(["", "\\ud800", "\\", '"', "[", "}", "\udc80", "1e5000"])) + text[cut:])
    encoded = text.encode(data.draw(st.sampled_from(["utf-8", "utf-16", "utf-32"])), "surrogatepass")
    _survives(pack, encoded)


@_FUZZ
@given(blob=st.one_of(st.binary(max_size=64), st.text(st.characters(exclude_categories=()), max_size=64)))
def test_fuzz_random_bytes_and_text(datonghu, blob):
    _survives(datonghu, blob)
    _survives(datonghu, blob[:1] + (b"{" if isinstance(blob, bytes) else "{") + blob[1:])


# ------------------------------------------------- the precision of discretionary points


def test_discretionary_points_keep_the_packs_precision(datonghu):
    # datonghu declares no step: 0.01. 5e-05 used to give 100 − 0.00005 = 99.99995.
    problems = refused(datonghu, xz(active_quality={"points": 5e-05, "reason": "质量欠缺"}))
    assert list(problems) == ["facts.active_quality.points"]
    assert "0.00005 不是 0.01 的整数倍" in problems["facts.active_quality.points"]
    # The same from JSON text (read exactly), and one place too many.
    text = json.dumps(xz(active_quality={"points": 0, "reason": "质量欠缺"})).replace('"points": 0', '"points": 0.125')
    assert list(refused(datonghu, text)) == ["facts.active_quality.points"]
    # On the step: 主动公开信息 20 − 0.25 = 19.75, the other four 20 each: 99.75.
    assert datonghu.assess(xz(active_quality={"points": 0.25, "reason": "质量欠缺"})).total == D("99.75")
    points = datonghu.facts_schema("xiangzhen")["$defs"]["Discretion_active_quality"]["properties"]["points"]
    assert points["multipleOf"] == 0.01


def test_a_pack_declares_its_own_step(registry):
    text = """
format: 1
pack: {id: half_points, version: 0.1.0, title: 示例, issuer: 示例, source: 示例, discretionary_step: 0.5}
targets: [{id: xiangzhen, name: 乡镇, total: 10}]
facts:
  - {name: quality, label: 工作质量酌情扣分, type: discretionary, maximum: 2}
indicators:
  - id: "1"
    name: 工作质量
    points: {xiangzhen: 10}
    rules:
      - {id: quality, kind: discretionary, fact: quality, quote: 视情况酌情扣分}
"""
    pack = govrules.load_pack_text(text, "half.yaml")
    # 10 − 1.5 = 8.5; 0.25 is not a multiple of 0.5.
    assert pack.assess({"facts": {"quality": {"points": 1.5, "reason": "欠缺"}}}).total == D("8.5")
    problems = refused(pack, {"facts": {"quality": {"points": 0.25, "reason": "欠缺"}}})
    assert "以 0.5 分为单位" in problems["facts.quality.points"]
    assert pack.facts_schema("xiangzhen")["$defs"]["Discretion_quality"]["properties"]["points"]["multipleOf"] == 0.5
    # A pack that does not use the field keeps the hash it had before the field existed.
    plain = govrules.load_pack_text(text.replace(", discretionary_step: 0.5", ""), "plain.yaml")
    again = govrules.load_pack_text(text.replace("discretionary_step: 0.5", "discretionary_step: 0.01"), "again.yaml")
    assert plain.content_hash == again.content_hash != pack.content_hash


def test_the_schemas_pattern_for_a_reason_agrees_with_the_check():
    # The facts JSON Schema says a deduction's reason must show something (untrusted.SHOWS_SOMETHING);
    # the library refuses blank text (untrusted.is_blank): the two must agree on every character.
    # The pattern uses only escapes that mean the same in Python and in ECMA-262 (JSON Schema's regexes);
    # \s does not (ECMA's leaves out U+001C–U+001F and U+0085: a reason "\x1e" passed the schema).
    import re

    from govrules.untrusted import SHOWS_SOMETHING, is_blank

    assert "\\s" not in SHOWS_SOMETHING
    shows = re.compile(SHOWS_SOMETHING)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        assert (shows.search(c) is not None) == (not is_blank(c)), hex(code)


def test_the_schema_says_a_derived_count_and_its_dates_are_not_both_given(datonghu):
    # The library refuses both (facts.new_media_stale_periods); the facts JSON Schema says so too,
    # so a client (or schemathesis) working from the schema never sends both.
    import jsonschema

    both = {**XZ_ALL_MET, "new_media_update_dates": ["2023-01-05"]}
    assert list(refused(datonghu, {"target": "xiangzhen", "facts": both})) == ["facts.new_media_stale_periods"]
    schema = jsonschema.Draft202012Validator(datonghu.facts_schema("xiangzhen"))
    assert not schema.is_valid(both)
    assert schema.is_valid({**both, "new_media_stale_periods": None}) and schema.is_valid(XZ_ALL_MET)
