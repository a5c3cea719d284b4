"""Hypothesis strategies for invalid assessment inputs: each one must raise :class:`govrules.FactsError`.

:func:`invalid_assessments` starts from a valid input (:func:`~govrules.testing.strategies.assessments`)
and breaks exactly one thing, chosen among the mistakes that apply to the
target: an unknown fact, a value of the wrong type or out of its bounds, a
discretionary deduction without a reason or above its bound, a derived count
given together with its dates, a span in a year the holiday calendar does not cover, unknown items or evidence, an N/A declaration
the pack does not allow or without an explanation, a self-assessment or a
review above the item's points, a broken envelope.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import attrs
from hypothesis import strategies as st

from ..engine.compiled import TargetView
from ..engine.timing import calendar_years
from ..rubric.model import FactSpec
from ..pack import Pack
from .strategies import (
    _derived_groups,
    _specs,
    assessments,
    can_give,
    count_range,
    discretion_bound,
    fact_values,
    number_range,
    texts,
)


@attrs.frozen
class Invalid:
    """An input that must be rejected, and what is wrong with it."""

    why: str
    data: Any


_names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)


def _wrong_values(view: TargetView, spec: FactSpec) -> list[tuple[str, Any]]:
    """Values of the wrong type or out of bounds for one fact, each with why it is wrong."""
    t = spec.type
    lists = ("subset", "dates", "spans")
    out: list[tuple[str, Any]] = [("a list where a single value belongs" if t not in lists else "a number where a list belongs", [1] if t not in lists else 3)]
    if t == "count":
        rng = count_range(spec)
        out += [
            ("a string for a count", "3"),
            ("a float for a count", 1.5),
            ("an integral float for a count", 2.0),
            ("a Decimal for a count", Decimal("2")),
            ("a boolean for a count", True),
            ("a negative count", -1),
        ]
        if spec.maximum is not None:
            out.append(("a count above its maximum", int(rng.high) + 1))
        if spec.minimum is not None and int(spec.minimum) >= 1:
            out.append(("a count below its minimum", int(spec.minimum) - 1))
    elif t == "number":
        rng = number_range(spec)
        out += [
            ("a boolean for a number", True),
            ("a boolean (false) for a number", False),
            ("a string for a number", "1.5"),
            ("seven decimal places", Decimal("1.0000001")),
            ("a number of 1e9", Decimal(10) ** 9),
            ("a number of -1e9", -(Decimal(10) ** 9)),
            ("NaN", float("nan")),
            ("infinity", float("inf")),
        ]
        if spec.maximum is not None:
            out.append(("a number above its maximum", spec.maximum + 1))
        if spec.minimum is not None:
            out.append(("a number below its minimum", spec.minimum - 1))
    elif t == "boolean":
        out += [("the string 'true' for a boolean", "true"), ("1 for a boolean", 1), ("0 for a boolean", 0), ("'是' for a boolean", "是")]
    elif t == "date":
        out += [
            ("February 30th", "2023-02-30"),
            ("a number for a date", 20230101),
            ("slashes in a date", "2023/01/01"),
            ("a date and time for a date", "2023-01-01T10:00:00"),
            ("a boolean for a date", True),
        ]
    elif t == "choice":
        first = (spec.elements or ("x",))[0]
        out += [("a value that is not one of the choices", first + "（其他）"), ("a number for a choice", 0), ("a list of choices", [first])]
    elif t == "subset":
        elements = list(spec.elements or ("x",))
        out += [
            ("an element that is not listed", [elements[0] + "（其他）"]),
            ("an element listed twice", [elements[0], elements[0]]),
            ("a string for a subset", elements[0]),
        ]
    elif t == "dates":
        out += [("a date listed twice", ["2023-03-01", "2023-03-01"]), ("not a date in a dates list", ["2023-13-01"]), ("a string for a dates list", "2023-03-01")]
    elif t == "spans":
        out += [
            ("a span that ends before it starts", ["2024-10-28/2024-09-27"]),
            ("a span without its end", ["2024-09-27"]),
            ("a span of three dates", ["2024-09-27/2024-10-08/2024-10-28"]),
            ("a span as a pair of dates", [["2024-09-27", "2024-10-28"]]),
            ("not a date in a span", ["2024-02-30/2024-03-05"]),
            ("a string for a spans list", "2024-09-27/2024-10-28"),
        ]
        if any(f.derive is not None and f.derive.kind == "late_spans" and f.derive.source == spec.name for f in view.facts):
            # Counted in working days: a year the holiday calendar does not cover is refused, never guessed.
            first, last = calendar_years()
            out += [
                ("a span in a year after the holiday calendar's last", [f"{last + 1}-03-02/{last + 1}-04-15"]),
                ("a span starting in a year before the holiday calendar's first", [f"{first - 1}-12-30/{first}-01-20"]),
            ]
    elif t == "discretionary":
        bound = discretion_bound(view, spec)
        out += [
            ("a discretionary deduction without a reason", {"points": 1}),
            ("a discretionary deduction with an empty reason", {"points": Decimal("0.5"), "reason": ""}),
            ("a discretionary deduction with a blank reason", {"points": Decimal("0.5"), "reason": "  \u3000"}),
            ("negative discretionary points", {"points": -1, "reason": "理由"}),
            ("a discretionary deduction given as a bare number", 1),
            ("an unknown key in a discretionary deduction", {"points": 0, "reason": "", "note": "x"}),
            ("a boolean for discretionary points", {"points": True, "reason": "理由"}),
        ]
        if bound is not None:
            out.append(("a discretionary deduction above its bound", {"points": bound + 1, "reason": "理由"}))
            out.append(("a discretionary deduction just above its bound", {"points": bound + Decimal("0.000001"), "reason": "理由"}))
    return out


Mutation = Callable[[Any, dict[str, Any]], Invalid | None]


def _with(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    new = dict(data)
    new.update(changes)
    return new


def _mutations(pack: Pack, view: TargetView) -> list[tuple[str, Mutation]]:
    specs = _specs(view)
    items = list(view.items)
    scored = [i for i in items if i.max is not None]
    unscored = [i for i in items if i.max is None]
    item_ids = {i.id for i in items}
    other_facts = [f.name for f in pack.spec.facts if f.name not in specs]
    out: list[tuple[str, Mutation]] = []

    def unknown_fact(draw: Any, data: dict[str, Any]) -> Invalid:
        name = draw(_names.filter(lambda n: n not in specs))
        return Invalid(f"unknown fact {name!r}", _with(data, facts={**data["facts"], name: draw(st.sampled_from([0, 1, True, "x"]))}))

    out.append(("unknown fact", unknown_fact))

    if other_facts:

        def foreign_fact(draw: Any, data: dict[str, Any]) -> Invalid:
            name = draw(st.sampled_from(other_facts))
            spec = next(f for f in pack.spec.facts if f.name == name)
            value = 0 if spec.type == "count" else True if spec.type == "boolean" else None
            return Invalid(f"fact {name!r} of another target", _with(data, facts={**data["facts"], name: value if value is not None else 1}))

        out.append(("fact of another target", foreign_fact))

    wrong = [(spec, why, value) for spec in view.facts for why, value in _wrong_values(view, spec)]
    if wrong:

        def wrong_value(draw: Any, data: dict[str, Any]) -> Invalid:
            spec, why, value = draw(st.sampled_from(wrong))
            return Invalid(f"{spec.name} ({spec.label}): {why}", _with(data, facts={**data["facts"], spec.name: value}))

        out.append(("wrong value", wrong_value))

    both = [(source, name) for source, names in _derived_groups(view).items() for name in names]
    both = [(s, n) for s, n in both if can_give(view, specs[n])]
    if both:

        def derived_and_source(draw: Any, data: dict[str, Any]) -> Invalid:
            source, name = draw(st.sampled_from(both))
            facts = dict(data["facts"])
            facts[source] = draw(fact_values(view, specs[source]))
            facts[name] = draw(fact_values(view, specs[name]))
            return Invalid(f"both {name!r} and the dates {source!r} it is derived from", _with(data, facts=facts))

        out.append(("derived and source", derived_and_source))

    def unknown_item_in(draw: Any, data: dict[str, Any]) -> Invalid:
        where = draw(st.sampled_from(["evidence", "not_applicable", "self_assessment", "reviews"]))
        name = draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,8}", fullmatch=True).filter(lambda n: n not in item_ids))
        if where == "evidence":
            return Invalid(f"evidence for unknown item {name!r}", _with(data, evidence={**data.get("evidence", {}), name: []}))
        if where == "not_applicable":
            return Invalid(f"unknown item {name!r} declared N/A", _with(data, not_applicable={**data.get("not_applicable", {}), name: "书面说明"}))
        if where == "self_assessment":
            return Invalid(f"self-assessment of unknown item {name!r}", _with(data, self_assessment={**data.get("self_assessment", {}), name: 1}))
        review = {"item": name, "score": 0, "reviewer": "复核人", "at": "2023-12-20", "reason": "理由"}
        return Invalid(f"review of unknown item {name!r}", _with(data, reviews=[r for r in data.get("reviews", []) if r["item"] != name] + [review]))

    out.append(("unknown item", unknown_item_in))

    if items:

        def unknown_evidence(draw: Any, data: dict[str, Any]) -> Invalid:
            item = draw(st.sampled_from(items))
            kind = draw(st.sampled_from(["现场照片（未列）", "unknown", ""]).filter(lambda k: k not in item.indicator.evidence))
            return Invalid(f"evidence {kind!r} that item {item.id} does not ask for", _with(data, evidence={**data.get("evidence", {}), item.id: [kind]}))

        out.append(("unknown evidence", unknown_evidence))

        if not pack.spec.not_applicable.allowed:

            def na_not_allowed(draw: Any, data: dict[str, Any]) -> Invalid:
                item = draw(st.sampled_from(items))
                return Invalid(f"{item.id} declared N/A, which pack {pack.id} does not allow", _with(data, not_applicable={item.id: draw(texts)}))

            out.append(("N/A not allowed", na_not_allowed))
        else:

            def na_blank(draw: Any, data: dict[str, Any]) -> Invalid:
                item = draw(st.sampled_from(items))
                blank = draw(st.sampled_from(["", " ", "\u3000", "\n"]))
                return Invalid(f"{item.id} declared N/A without an explanation", _with(data, not_applicable={**data.get("not_applicable", {}), item.id: blank}))

            out.append(("N/A without explanation", na_blank))

    if scored:

        def over_max(draw: Any, data: dict[str, Any]) -> Invalid:
            item = draw(st.sampled_from(scored))
            extra = draw(st.sampled_from([Decimal("0.01"), Decimal(1), Decimal("0.000001")]))
            top = item.max if item.ceiling is None else item.ceiling  # a row with a bonus inside it may score up to its ceiling
            score = top + extra  # type: ignore[operator]
            if draw(st.booleans()):
                return Invalid(f"self-assessment of {item.id} above its {top} points", _with(data, self_assessment={**data.get("self_assessment", {}), item.id: score}))
            review = {"item": item.id, "score": score, "reviewer": "复核人", "at": "2023-12-20", "reason": "理由"}
            return Invalid(f"review of {item.id} above its {top} points", _with(data, reviews=[r for r in data.get("reviews", []) if r["item"] != item.id] + [review]))

        out.append(("score above max", over_max))

        def bad_review(draw: Any, data: dict[str, Any]) -> Invalid:
            item = draw(st.sampled_from(scored))
            review = {"item": item.id, "score": 0, "reviewer": "复核人", "at": "2023-12-20", "reason": "理由"}
            what = draw(st.sampled_from(["twice", "no reviewer", "no reason", "bad time", "negative", "extra key", "missing score"]))
            rest = [r for r in data.get("reviews", []) if r["item"] != item.id]
            if what == "twice":
                reviews = rest + [review, dict(review)]
            elif what == "no reviewer":
                reviews = rest + [dict(review, reviewer="")]
            elif what == "no reason":
                reviews = rest + [{k: v for k, v in review.items() if k != "reason"}]
            elif what == "bad time":
                reviews = rest + [dict(review, at="昨天")]
            elif what == "negative":
                reviews = rest + [dict(review, score=-1)]
            elif what == "extra key":
                reviews = rest + [dict(review, note="x")]
            else:
                reviews = rest + [{k: v for k, v in review.items() if k != "score"}]
            return Invalid(f"review of {item.id}: {what}", _with(data, reviews=reviews))

        out.append(("bad review", bad_review))

        def negative_self(draw: Any, data: dict[str, Any]) -> Invalid:
            item = draw(st.sampled_from(scored))
            return Invalid(f"negative self-assessment of {item.id}", _with(data, self_assessment={item.id: -1}))

        out.append(("negative self-assessment", negative_self))

    if unscored:

        def unscored_score(draw: Any, data: dict[str, Any]) -> Invalid:
            item = draw(st.sampled_from(unscored))
            return Invalid(f"self-assessment of {item.id}, which carries no points", _with(data, self_assessment={item.id: 0}))

        out.append(("score for an unscored item", unscored_score))

    def envelope(draw: Any, data: dict[str, Any]) -> Invalid:
        what = draw(st.sampled_from(["unknown key", "unknown target", "other pack", "facts list", "not an object", "bad json", "evidence not a list", "bad unit"]))
        if what == "unknown key":
            key = draw(_names.filter(lambda k: k not in ("pack", "target", "unit", "facts", "evidence", "not_applicable", "self_assessment", "reviews")))
            return Invalid(f"unknown top-level key {key!r}", _with(data, **{key: 1}))
        if what == "unknown target":
            name = draw(_names.filter(lambda n: n not in pack.targets))
            return Invalid(f"unknown target {name!r}", _with(data, target=name))
        if what == "other pack":
            return Invalid("an input for another pack", _with(data, pack=pack.id + "_other"))
        if what == "facts list":
            return Invalid("facts given as a list", _with(data, facts=list(data["facts"])))
        if what == "not an object":
            return Invalid("an input that is not an object", draw(st.sampled_from([[], [data], 3, None])))
        if what == "bad json":
            return Invalid("text that is not JSON", draw(st.sampled_from(['{"target": ', "not json", '{"facts": {"a": 1,}}'])))
        if what == "evidence not a list":
            return Invalid("evidence of an item given as a string", _with(data, evidence={(items[0].id if items else "x"): "网页截图"}))
        return Invalid("a unit name that is not text", _with(data, unit=123))

    out.append(("envelope", envelope))
    return out


@st.composite
def _invalid(draw: Any, pack: Pack, target: str) -> Invalid:
    view = pack.view(target)
    base = draw(assessments(pack, target, complete=False))
    base.setdefault("facts", {})
    name, mutate = draw(st.sampled_from(_mutations(pack, view)), label="mistake")
    return mutate(draw, base)  # type: ignore[return-value]


def invalid_assessments(pack: Pack, target: str) -> st.SearchStrategy[Invalid]:
    """Inputs for one target of a pack that must raise :class:`govrules.FactsError`, each with why."""
    pack.view(target)
    return _invalid(pack, target)


def mistakes(pack: Pack, target: str) -> tuple[str, ...]:
    """The kinds of mistake :func:`invalid_assessments` makes for this target."""
    return tuple(name for name, _ in _mutations(pack, pack.view(target)))
