"""Facts: validating what an assessor recorded, and the JSON Schema of it.

Each pack declares the facts it accepts (:class:`~govrules.rubric.model.FactSpec`).
For one target, the facts its rows use become a strict pydantic model: unknown
names, wrong types (a string where a count belongs, ``true`` where a number
belongs), negative counts, a discretionary deduction above its bound or
without a reason are all errors, reported together. The same model gives the
JSON Schema that embedding systems use to build forms.
"""

from __future__ import annotations

import collections
import datetime as dt
import difflib
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, Mapping, Sequence

import attrs
from pydantic_core import PydanticCustomError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)

from .conditions import Scalar
from ..errors import Problem
from ..messages import render, text
from ..rubric.model import FactSpec
from ..numbers import fmt, to_decimal
from ..untrusted import SHOWS_SOMETHING, has_lone_surrogate, is_blank, shown

#: Most digits after the point a number fact may have; keeps every comparison
#: exact in both evaluators (durable_rules compares binary floats).
NUMBER_PLACES = 6
NUMBER_LIMIT = Decimal(10) ** 9
#: Largest count: counts are bounded like numbers, so that a count times a
#: pack's amount stays exact (28 significant digits) and durable_rules, which
#: compares binary floats, sees the same integer.
COUNT_MAX = int(NUMBER_LIMIT) - 1

#: What is wrong with text holding a lone surrogate (``"\\ud800"``): Python
#: strings and JSON escapes can hold one, UTF-8 cannot, so every writer of the
#: result would fail on it later.
SURROGATE_MESSAGE = text("facts.surrogate")


def _coded(code: str, **params: object) -> PydanticCustomError:
    """A validator's error as pydantic carries it: the catalogue's code as its type, the parameters as its context."""
    return PydanticCustomError(code, render(code, params).replace("{", "{{").replace("}", "}}"), params)  # type: ignore[arg-type]


@attrs.frozen
class Discretion:
    """An assessor's discretionary deduction: how much, and why."""

    points: Decimal
    reason: str


_INT_LIMIT = int(NUMBER_LIMIT)
_FLOAT_LIMIT = float(NUMBER_LIMIT)  # exact: 10**9 is a binary float


def _number(value: object) -> Decimal:
    # Fast paths for what callers' dicts hold: each returns what the checks
    # below would, for values that pass them; anything else takes the full way.
    kind = type(value)
    if kind is int:
        if -_INT_LIMIT < value < _INT_LIMIT:  # type: ignore[operator]
            return Decimal(value)  # type: ignore[arg-type]
    elif kind is float and -_FLOAT_LIMIT < value < _FLOAT_LIMIT:  # type: ignore[operator]
        # Finite and, through its shortest repr, below the limit; a float's
        # repr without an exponent has its decimal places after the point.
        text = repr(value)
        if "e" not in text and len(text) - text.index(".") - 1 <= NUMBER_PLACES:
            return Decimal(text)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise _coded("facts.not_a_number")
    try:
        d = to_decimal(value)
    except (InvalidOperation, TypeError):
        raise _coded("facts.unreadable_number") from None
    if not d.is_finite():
        raise _coded("facts.not_finite")
    if abs(d) >= NUMBER_LIMIT:
        raise _coded("facts.number_too_large", limit=str(NUMBER_LIMIT))
    if d.as_tuple().exponent < -NUMBER_PLACES:  # type: ignore[operator]
        raise _coded("facts.too_many_places", places=NUMBER_PLACES)
    return d


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: object) -> dt.date:
    if type(value) is str:  # what JSON gives, so checked first; the same checks as below
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            # YYYY-MM-DD with ASCII digits, the only 10-character text with
            # those dashes that fromisoformat reads (the pattern's \d would
            # also match other digits, which fromisoformat then refuses).
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        text = value.strip()
        if _ISO_DATE.match(text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        raise _coded("facts.not_a_date", value=shown(value))
    if isinstance(value, dt.datetime):
        raise _coded("facts.date_not_datetime")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise _coded("facts.not_a_date", value=shown(value))
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise _coded("facts.not_a_date", value=shown(value)) from None


def timestamp(value: object) -> str:
    """A 复核's time as ISO text: a date or date-time, given as such or as ISO text (blanks around it ignored)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if not isinstance(value, str):
        raise PydanticCustomError("input.bad_timestamp", text("input.bad_timestamp"))
    stripped = value.strip()
    try:
        return (dt.datetime.fromisoformat(stripped) if "T" in stripped or " " in stripped else dt.date.fromisoformat(stripped)).isoformat()
    except ValueError:
        raise PydanticCustomError("input.bad_timestamp_value", text("input.bad_timestamp_value", value="{value}"), {"value": shown(value)}) from None


NumberIn = Annotated[Decimal, BeforeValidator(_number), WithJsonSchema({"type": "number"})]
#: A number of at least 0 (a score). The bound comes before the validator so
#: that pydantic-core checks it natively rather than through a Python function.
NonNegativeNumberIn = Annotated[Decimal, Field(ge=0), BeforeValidator(_number), WithJsonSchema({"type": "number"})]
DateIn = Annotated[dt.date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]


@attrs.frozen(order=True)
class Span:
    """A span of days, from ``start`` to ``end`` (a request received and answered): ``2024-09-27/2024-10-28``."""

    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def _span(value: object) -> Span:
    # One string, not a [start, end] pair: lists in an input are unordered, a span is not.
    if isinstance(value, Span):
        return value
    parts = value.split("/") if isinstance(value, str) else ()
    if len(parts) != 2:
        raise _coded("facts.not_a_span", value=shown(value))
    start, end = _date(parts[0]), _date(parts[1])
    if end < start:
        raise _coded("facts.span_backwards", value=shown(value))
    return Span(start, end)


_SPAN_SCHEMA = {
    "type": "string",
    "pattern": r"^\s*\d{4}-\d{2}-\d{2}\s*/\s*\d{4}-\d{2}-\d{2}\s*$",
    "description": "起止日期（开始/结束），如 2024-09-27/2024-10-28",
}
SpanIn = Annotated[Span, PlainValidator(_span), WithJsonSchema(_SPAN_SCHEMA)]


def _unique(values: list[Any]) -> list[Any]:
    seen = set()
    for v in values:
        if v in seen:
            raise _coded("facts.listed_twice", value=shown(v) if isinstance(v, str) else str(v))
        seen.add(v)
    return values


class _DiscretionBase(BaseModel):
    """An assessor's discretionary deduction as entered: points and the reason for them."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _reason(self) -> "_DiscretionBase":
        reason = self.reason  # type: ignore[attr-defined]
        if reason and has_lone_surrogate(reason):
            raise _coded("facts.reason_surrogate")
        # Blank means nothing shows: white space and invisible characters
        # (U+3000, zero-width spaces) are not a reason either.
        if self.points > 0 and is_blank(reason):  # type: ignore[attr-defined]
            raise _coded("facts.discretion_needs_reason")
        return self


#: The precision of discretionary points when a pack declares none (``pack.discretionary_step``).
DISCRETIONARY_STEP = Decimal("0.01")


def _in_steps(step: Decimal) -> AfterValidator:
    """Points that are a whole number of ``step``: 5e-05 would give a total of 99.99995 that no sheet can show."""

    def check(points: Decimal) -> Decimal:
        if points % step:
            raise _coded("facts.not_in_steps", points=fmt(points), step=fmt(step))
        return points

    return AfterValidator(check)


def _discretion_model(spec: FactSpec, maximum: Decimal, step: Decimal = DISCRETIONARY_STEP) -> type[BaseModel]:
    words = f"扣分，0 至 {fmt(maximum)}，以 {fmt(step)} 为单位"
    points = Annotated[
        Decimal,
        # Bounds before the validator, so pydantic-core checks them natively
        # (after it they would run as Python functions); same messages once
        # pydantic_problems has dropped the Decimal('…') around the bound.
        Field(ge=0, le=maximum, description=words),
        BeforeValidator(_number),
        _in_steps(step),
        WithJsonSchema({"type": "number", "minimum": 0, "maximum": float(maximum), "multipleOf": float(step), "description": words}),
    ]
    reason = Annotated[StrictStr, Field(default="", description="扣分理由（扣分时必填）")]
    # Named after the fact, so the JSON Schema's $defs read Discretion_<fact>.
    model = create_model(  # type: ignore[call-overload]
        f"Discretion_{spec.name}",
        __base__=_DiscretionBase,
        __module__="govrules.engine.facts",
        __config__=ConfigDict(extra="forbid", json_schema_extra=_REASON_WHEN_DEDUCTING),
        points=(points, ...),
        reason=(reason, ""),
    )
    return model  # type: ignore[no-any-return]


#: In the JSON Schema, what _DiscretionBase checks: a deduction above 0 needs a
#: reason that shows something (white space and invisible characters do not).
_REASON_WHEN_DEDUCTING = {
    "if": {"properties": {"points": {"exclusiveMinimum": 0}}, "required": ["points"]},
    "then": {
        "required": ["reason"],
        "properties": {"reason": {"pattern": SHOWS_SOMETHING}},
    },
}


def _annotation(spec: FactSpec, bound: Decimal | None = None, step: Decimal = DISCRETIONARY_STEP) -> Any:
    """The pydantic type of one fact."""
    bounds: dict[str, Any] = {}
    if spec.minimum is not None:
        bounds["ge"] = spec.minimum
    if spec.maximum is not None and spec.type in ("count", "number"):
        bounds["le"] = spec.maximum
    if spec.type == "count":
        low = max(0, math.ceil(spec.minimum)) if spec.minimum is not None else 0
        high = min(math.floor(spec.maximum), COUNT_MAX) if spec.maximum is not None else COUNT_MAX
        return Annotated[StrictInt, Field(ge=low, le=high)]
    if spec.type == "number":
        schema: dict[str, Any] = {"type": "number"}
        # The declared bounds, else the bound every number has (see _number).
        if "ge" in bounds:
            schema["minimum"] = float(bounds["ge"])
        else:
            schema["exclusiveMinimum"] = -float(NUMBER_LIMIT)
        if "le" in bounds:
            schema["maximum"] = float(bounds["le"])
        else:
            schema["exclusiveMaximum"] = float(NUMBER_LIMIT)
        return Annotated[Decimal, BeforeValidator(_number), Field(**bounds), WithJsonSchema(schema)]
    if spec.type == "boolean":
        return StrictBool
    if spec.type == "date":
        return DateIn
    if spec.type == "choice":
        return Literal[tuple(spec.elements or ())]  # type: ignore[misc]
    if spec.type == "subset":
        element = Literal[tuple(spec.elements or ())]  # type: ignore[misc]
        return Annotated[list[element], Strict(), AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True})]  # type: ignore[valid-type]
    if spec.type == "dates":
        return Annotated[list[DateIn], Strict(), AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True})]
    if spec.type == "spans":
        return Annotated[list[SpanIn], Strict()]  # two requests may well share their dates
    if spec.type == "discretionary":
        maximum = bound if bound is not None else spec.maximum
        if maximum is None:
            raise AssertionError(f"discretionary fact {spec.name} has no bound")
        return _discretion_model(spec, maximum, step)
    raise AssertionError(spec.type)


def _description(spec: FactSpec, used_by: tuple[str, ...]) -> str:
    parts = [spec.description or spec.label]
    if spec.unit:
        parts.append(f"单位：{spec.unit}")
    if spec.type == "subset":
        parts.append("列出缺少的项")
    if spec.type == "spans":
        parts.append("每项写起止日期，如 2024-09-27/2024-10-28")
    if spec.derive is not None:
        parts.append(f"可由 {spec.derive.source} 推算")
    return "；".join(parts)


def _schema_default(value: Any) -> Any:
    """A declared default as the facts schema writes it: a number as a JSON number (the input takes no text for it)."""
    if isinstance(value, Decimal) and value.is_finite():
        if value == value.to_integral_value():
            return int(value)
        if Decimal(repr(float(value))) == value:  # exact as a JSON number: written as such
            return float(value)
    return to_jsonable(value)


def build_model(
    name: str,
    specs: tuple[FactSpec, ...],
    used_by: Mapping[str, tuple[str, ...]],
    bounds: Mapping[str, Decimal] | None = None,
    step: Decimal = DISCRETIONARY_STEP,
) -> type[BaseModel]:
    """A strict pydantic model accepting exactly ``specs``, each optional.

    ``bounds`` gives the bound of each discretionary fact for this target;
    ``step`` the precision of discretionary points (the pack's ``discretionary_step``).
    """
    fields: dict[str, Any] = {}
    for spec in specs:
        extra: dict[str, Any] = {"x-govrules-type": spec.type, "x-indicators": list(used_by.get(spec.name, ()))}
        if spec.unit:
            extra["x-unit"] = spec.unit
        if spec.derive is not None:
            extra["x-derived-from"] = spec.derive.source
        if spec.default is not None:
            # The schema states the default the pack declares (a form built from it
            # shows it); the model's own default stays None, so that a fact left
            # out is told apart from one given, and the pack's default is applied once, in inputs.
            extra["default"] = _schema_default(spec.default)
        fields[spec.name] = (
            Annotated[
                _annotation(spec, (bounds or {}).get(spec.name), step) | None,
                Field(
                    default=None,
                    title=spec.label,
                    description=_description(spec, used_by.get(spec.name, ())),
                    json_schema_extra=extra,
                ),
            ],
            None,
        )
    # A derived count and the dates it is derived from are not both given
    # (inputs._validate_facts refuses that); null is the same as left out.
    given = {"not": {"type": "null"}}
    either = [
        {"not": {"required": [spec.name, spec.derive.source], "properties": {spec.name: given, spec.derive.source: given}}}
        for spec in specs
        if spec.derive is not None and spec.derive.source in fields
    ]
    return create_model(  # type: ignore[call-overload,no-any-return]
        name,
        __config__=ConfigDict(extra="forbid", title=name, json_schema_extra={"allOf": either} if either else None),
        **fields,
    )


def check_defaults(specs: Sequence[FactSpec]) -> dict[int, str]:
    """Why declared defaults are not valid values of their facts: by position in ``specs``, only the bad ones.

    The same messages as :func:`check_default` for each, but one model checks
    all the defaults of a pack at once (building a pydantic model costs about
    a millisecond, and pack loading is part of every command's start-up).
    """
    out: dict[int, str] = {}
    counts = collections.Counter(s.name for s in specs)
    batch: list[tuple[int, FactSpec]] = []
    for i, spec in enumerate(specs):
        if spec.default is None:
            continue
        if spec.type == "discretionary" or counts[spec.name] > 1:  # a name declared twice has a model of its own
            message = check_default(spec)
            if message:
                out[i] = message
            continue
        batch.append((i, spec))
    if not batch:
        return out
    model = build_model("Defaults", tuple(s for _, s in batch), {})
    try:
        model.model_validate({s.name: s.default for _, s in batch})
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors():
            errors.setdefault(str(e["loc"][0]), []).append(e["msg"])
        for i, s in batch:
            if s.name in errors:
                out[i] = "default: " + "; ".join(errors[s.name])
    return out


def check_default(spec: FactSpec) -> str | None:
    """Why a fact's declared default is not a valid value of it, or None."""
    if spec.type == "discretionary":
        return "a discretionary fact takes no default: an assessor's judgement is never assumed"
    model = build_model("Default", (spec,), {})
    try:
        model.model_validate({spec.name: spec.default})
    except ValidationError as exc:
        return "default: " + "; ".join(e["msg"] for e in exc.errors())
    return None


_DECIMAL_REPR = re.compile(r"Decimal\('([^']*)'\)")


def pydantic_problems(exc: ValidationError, prefix: str, known: tuple[str, ...] = ()) -> list[Problem]:
    """Turn pydantic's errors into our problems, with did-you-mean for unknown names.

    The input values are left out of pydantic's errors (a caller's value may
    not survive ``repr``: an int of 5,000 digits, a list nested 100,000
    deep), names in paths are cut to :data:`_NAME_SHOWN` characters, and only
    the first :data:`_SUGGESTIONS` unknown names get a did-you-mean, so an
    input of many long unknown names costs time in proportion to its size.
    """
    out: list[Problem] = []
    suggestions = _SUGGESTIONS
    for err in exc.errors(include_url=False, include_input=False):
        loc = [_name(p) for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        # pydantic puts the union arm or literal in the path; the reader wants the field.
        loc = [p for p in loc if p not in ("constrained-int", "is-instance[date]")]
        where = ".".join([prefix] + loc) if prefix else ".".join(loc)
        kind = err["type"]
        if kind == "extra_forbidden" and loc:
            name = str(err["loc"][-1])
            close = difflib.get_close_matches(name, list(known), n=1) if suggestions > 0 and len(name) <= _NAME_SHOWN else []
            suggestions -= 1
            hint = render("hint.did_you_mean", {"name": repr(close[0])}) if close else ""
            out.append(Problem.coded(where, "facts.unknown_name", name=shown(name, _NAME_SHOWN), hint=hint))
            continue
        out.append(_translated(where, kind, err.get("ctx") or {}))
    return out


def _translated(where: str, kind: str, ctx: Mapping[str, Any]) -> Problem:
    """One of pydantic's errors in the catalogue's words: our validators' codes as they are, pydantic's own by its type.

    pydantic's English ``msg`` is never shown: its type names the check, its
    context the bound (``ge``, ``expected``), which the catalogue fills in.
    """
    if kind.split(".")[0] in ("facts", "input"):
        return Problem.coded(where, kind, **ctx)
    if kind == "value_error" and "error" in ctx:
        # A validator's own ValueError (a plugin's, say): its words are all there is.
        return Problem(where, str(ctx["error"]), code="pydantic.value_error", params={"error": str(ctx["error"])})
    code = "pydantic." + kind
    if render(code) == code:
        code = "pydantic.other"
    params = {k: _ctx_value(v) for k, v in ctx.items()}
    problem = Problem.coded(where, code, **params)
    return attrs.evolve(problem, code=code, params={**params, "type": kind}) if code == "pydantic.other" else problem


def _ctx_value(value: Any) -> str:
    """A bound or an expectation from pydantic's context, as a message shows it (a number as written, no ``Decimal('…')``)."""
    if isinstance(value, Decimal):
        return fmt(value)
    # literal_error's expected reads "'a', 'b' or 'c'": the catalogue lists with 、
    return _DECIMAL_REPR.sub(r"\1", str(value)).replace(" or ", "、").replace(", ", "、")


#: Longest name shown whole in a problem's place or message.
_NAME_SHOWN = 100
#: How many unknown names of one input get a did-you-mean.
_SUGGESTIONS = 20


def _name(part: object) -> str:
    """One step of pydantic's error path, as a problem's place shows it."""
    text = str(part)
    return text if len(text) <= _NAME_SHOWN else text[:_NAME_SHOWN] + "…"


#: The fact types whose validated value :func:`canonical` reshapes; a value of
#: any other type is already canonical as pydantic returns it.
RESHAPED_TYPES = frozenset({"subset", "dates", "spans", "discretionary"})


def canonical(spec: FactSpec, value: Any) -> Any:
    """A validated fact value in the one form results and evaluators use."""
    if value is None:
        return None
    if spec.type == "subset":
        # The elements are validated: listed, each once (see FactSpec), so a
        # position in the list is its order.
        return tuple(sorted(value, key=spec.elements.index)) if len(value) > 1 else tuple(value)  # type: ignore[union-attr]
    if spec.type in ("dates", "spans"):
        return tuple(sorted(value))
    if spec.type == "discretionary":
        return Discretion(points=value.points, reason=value.reason.strip())
    return value


def scalar(spec: FactSpec, value: Any) -> Scalar:
    """The value a condition compares (see :mod:`govrules.engine.conditions`)."""
    if spec.type == "subset":
        return len(value)
    if spec.type == "discretionary":
        return value.points  # type: ignore[no-any-return]
    return value  # type: ignore[no-any-return]


def missed_periods(dates: tuple[dt.date, ...], start: dt.date, end: dt.date, period_days: int) -> int:
    """How many consecutive, complete ``period_days`` windows from ``start`` to ``end`` hold no date.

    Windows start at ``start``; a last window shorter than ``period_days`` is
    not a period and is not counted. Dates outside the windows are ignored.
    """
    windows = ((end - start).days + 1) // period_days
    # By day numbers (a difference of ordinals is one of dates, in days): a year of dates in one comprehension.
    first, last = start.toordinal(), min(end.toordinal(), start.toordinal() + windows * period_days - 1)
    return windows - len({(day - first) // period_days for day in map(dt.date.toordinal, dates) if first <= day <= last})


def to_jsonable(value: Any) -> Any:
    """A fact value as it appears in a result's JSON (exact numbers as text)."""
    # By exact type first: what validation makes (every result writes every
    # fact); subclasses and anything else take the checks below.
    convert = _JSONABLE.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Discretion):
        return {"points": fmt(value.points), "reason": value.reason}
    if isinstance(value, Span):
        return str(value)
    if isinstance(value, tuple):
        return [to_jsonable(v) for v in value]
    return value


def _same(value: Any) -> Any:
    return value


def _tuple(value: tuple[Any, ...]) -> list[Any]:
    if value and type(value[0]) is dt.date:  # a list of dates, the longest facts there are
        return [d.isoformat() if type(d) is dt.date else to_jsonable(d) for d in value]
    return [to_jsonable(v) for v in value]


_JSONABLE: dict[type, Any] = {
    bool: _same,
    int: _same,
    str: _same,
    type(None): _same,
    Decimal: fmt,
    dt.date: dt.date.isoformat,
    tuple: _tuple,
    Discretion: lambda d: {"points": fmt(d.points), "reason": d.reason},
    Span: str,
}
