"""The pack format: what a rubric file may say, as pydantic models.

These models check the *shape* of a pack file (field names, types, one rule
kind per rule). Whether the pack is *consistent* (ids unique, references
resolve, stated totals equal the sums of their items, quotes appear in the
source text) is checked afterwards by :mod:`govrules.rubric.checks`, which can see
the whole pack at once.

Nothing in a pack is ever evaluated as code: conditions are data
(:class:`Condition`), interpreted by :mod:`govrules.engine.conditions`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .yamlio import MAX_DIGITS

IDENT = r"^[a-z][a-z0-9_]*$"
ITEM_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
RULE_ID = r"^[a-z][a-z0-9_]*$"

#: Names a fact may not take, because the inference engine uses them itself.
RESERVED_FACT_NAMES = frozenset({"sid", "id", "t", "item", "kind"})


def _reading_ids(value: object) -> object:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return value


#: One reading id or a list of them; always a tuple once loaded. The JSON
#: Schema says both forms are allowed (as the loader does), so an editor does
#: not flag ``reading: one_id``.
ReadingIds = Annotated[tuple[str, ...], BeforeValidator(_reading_ids, json_schema_input_type=str | list[str])]


def _bounded(value: Decimal) -> Decimal:
    _, digits, exponent = value.as_tuple()
    if not value.is_finite() or len(digits) > MAX_DIGITS or value.adjusted() >= MAX_DIGITS or exponent < -MAX_DIGITS:  # type: ignore[operator]
        raise ValueError(f"a number has at most {MAX_DIGITS} digits and lies between -10^{MAX_DIGITS} and 10^{MAX_DIGITS}")
    return value


#: A number in a pack: exact, finite, and small enough for exact arithmetic
#: (a quoted ``"1e999999999"`` would otherwise overflow the sums).
Number = Annotated[Decimal, AfterValidator(_bounded)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def added(default: Any = None, **kwargs: Any) -> Any:
    """A field added to the format after its first release.

    Left at its default, it stays out of the pack's dump, and so out of its
    content hash (:func:`hash_data`): a pack that does not use it keeps the
    hash, and so the results, it had before the field existed.
    """
    return Field(default=default, json_schema_extra={"x-added": True}, exclude_if=lambda value: value == default, **kwargs)


def hash_data(model: BaseModel) -> Any:
    """``model``'s JSON data for its content hash: every field, less added ones left at their defaults (see :func:`added`)."""
    return model.model_dump(mode="json", by_alias=True)


# --------------------------------------------------------------------------- meta


class PackMeta(_Strict):
    id: Annotated[str, Field(pattern=IDENT)]
    version: str
    title: str
    issuer: str
    document_number: str | None = None
    date: dt.date | None = None
    year: Annotated[int, Field(ge=1, le=9999)] | None = None
    source: str = Field(description="The source document this pack encodes (file name or citation).")
    source_text: str | None = Field(
        default=None, description="A text copy of the document beside the pack file; every quote is checked against it."
    )
    description: str | None = None
    discretionary_step: Annotated[Number, Field(gt=0, le=100)] = added(
        Decimal("0.01"),
        description="The precision of discretionary points: an assessor deducts a multiple of it (0.01 unless the document says otherwise, e.g. 0.5 for 每次扣0.5分的酌情扣分).",
    )


class Target(_Strict):
    """An assessed-object type (考核对象), e.g. 区直 or 乡镇, with its stated total."""

    id: Annotated[str, Field(pattern=IDENT)]
    name: str
    total: Number | None = Field(
        default=None, description="The base total the document states; null for an unscored checklist."
    )
    quote: str | None = None
    reading: ReadingIds = ()
    total_unstated: ReadingIds = added(
        (),
        description="The document states no total: the total is the sum of the target's rows, as these readings record (leave total out).",
    )

    @model_validator(mode="after")
    def _one_total(self) -> "Target":
        if self.total_unstated and "total" in self.model_fields_set:
            raise ValueError("total_unstated says the document states no total; leave total out (it is the sum of the rows)")
        return self


class Reading(_Strict):
    """A choice the pack had to make where the document is ambiguous or broken."""

    id: Annotated[str, Field(pattern=IDENT)]
    quote: str = Field(description="The document's words the choice is about, verbatim.")
    choice: str = Field(description="What this pack does.")
    alternatives: tuple[str, ...] = ()
    defect: bool = Field(default=False, description="True where the document itself is broken (a typo, a duplicate).")


# -------------------------------------------------------------------------- facts

FactType = Literal["count", "number", "boolean", "date", "choice", "subset", "discretionary", "dates", "spans"]


class Derivation(_Strict):
    """How a count fact is derived from a list of dates when that list is given.

    ``missed_periods``: split ``start``..``end`` into periods, either
    consecutive windows of ``period_days`` days or calendar months or quarters
    (``period``); the count is the number of periods with no date in them. A
    period only partly inside ``start``..``end`` is left out, or with
    ``partial: count`` counted on its part inside.
    """

    kind: Literal["missed_periods"]
    source: Annotated[str, Field(pattern=IDENT)]
    period_days: Annotated[int, Field(gt=0, le=36600)] | None = added(description="Length of each period in days (每两周: 14).")
    start: dt.date
    end: dt.date
    reading: ReadingIds = ()
    period: Literal["month", "quarter"] | None = added(description="Calendar periods instead of period_days: 每月 (month), 每季度 (quarter).")
    partial: Literal["skip", "count"] = added("skip", description="A period only partly inside start..end: left out (skip) or counted on its part inside (count).")

    @model_validator(mode="after")
    def _ordered(self) -> Derivation:
        if self.end < self.start:
            raise ValueError("end is before start")
        if (self.period_days is None) == (self.period is None):
            raise ValueError("give either period_days (a number of days) or period (month or quarter)")
        return self


class LateSpans(_Strict):
    """How a count fact is derived from a list of spans (each a start and an end date).

    ``late_spans``: the count is the number of spans whose end falls more than
    ``within_working_days`` working days after their start (「20个工作日内」),
    counted on the official holiday calendar with its make-up workdays (调休):
    the start day itself is not counted, the end day is.
    """

    kind: Literal["late_spans"]
    source: Annotated[str, Field(pattern=IDENT)]
    within_working_days: Annotated[int, Field(gt=0)]
    reading: ReadingIds = ()


#: The ``kind:`` values of ``derive:``.
DERIVATION_KINDS = ("late_spans", "missed_periods")


class FactSpec(_Strict):
    """A fact the pack accepts: what an assessor records about a unit."""

    name: Annotated[str, Field(pattern=IDENT)]
    label: str = Field(description="Chinese label shown on forms.")
    type: FactType
    unit: str | None = None
    description: str | None = None
    elements: tuple[str, ...] | None = Field(
        default=None, description="For choice and subset facts: the enumerated list from the document."
    )
    minimum: Number | None = None
    maximum: Number | None = Field(
        default=None,
        description="Upper bound; for a discretionary fact, the most an assessor may deduct (default: the points of the item using it).",
    )
    default: object | None = Field(
        default=None, description="Value used when the assessment omits this fact; without one, items using it are not checked."
    )
    derive: Annotated[Derivation | LateSpans, Field(discriminator="kind")] | None = None
    quote: str | None = None
    reading: ReadingIds = ()

    @model_validator(mode="after")
    def _shape(self) -> FactSpec:
        if self.type in ("choice", "subset"):
            if not self.elements:
                raise ValueError(f"a {self.type} fact needs its list of elements")
            if len(set(self.elements)) != len(self.elements):
                raise ValueError("elements are listed twice; record a document's duplicate as a reading and list it once")
        elif self.elements is not None:
            raise ValueError(f"elements only go with choice and subset facts, not {self.type}")
        if self.derive is not None and self.type != "count":
            raise ValueError("only a count fact can be derived")
        return self


# --------------------------------------------------------------------- conditions

CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]


class Condition(_Strict):
    """A condition over facts, as data. Exactly one form per node:

    * ``{fact: f, op: "<", value: 12}``
    * ``{fact: f, is: false}`` (the same as ``op: "=="``)
    * ``{fact: filled, op: "<", than: required}``: one fact against another
      (已编制数少于应编制数)
    * ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``
    """

    fact: str | None = None
    op: CompareOp | None = None
    value: bool | int | Number | dt.date | str | None = None
    is_: bool | int | Number | dt.date | str | None = Field(default=None, alias="is")
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    than: str | None = added(description="Another fact the fact is compared with, in place of a value (已编制数少于应编制数).")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        given = self.model_fields_set
        forms = [
            "fact" in given,
            "all" in given,
            "any" in given,
            "not_" in given,
        ]
        if sum(forms) != 1:
            raise ValueError("a condition is exactly one of {fact: …}, {all: […]}, {any: […]}, {not: {…}}")
        if "fact" in given:
            has_op = "op" in given
            has_is = "is_" in given
            if has_op == has_is:
                raise ValueError("a fact condition takes either `is: value` or `op:` with `value:` (or `than:` another fact)")
            if "than" in given:
                if not has_op or "value" in given:
                    raise ValueError("`than:` names the fact to compare with: it goes with `op:` and without `value:` or `is:`")
            elif has_op and "value" not in given:
                raise ValueError("`op:` needs a `value:` (or `than:` another fact)")
            if has_is and "value" in given:
                raise ValueError("`is:` and `value:` do not go together")
        elif "than" in given:
            raise ValueError("`than:` goes with `fact:` and `op:`")
        for part in ("all", "any"):
            seq = getattr(self, part)
            if seq is not None and not seq:
                raise ValueError(f"`{part}:` needs at least one condition")
        return self

    @property
    def operator(self) -> str:
        return "==" if "is_" in self.model_fields_set else self.op  # type: ignore[return-value]

    @property
    def operand(self) -> object:
        return self.is_ if "is_" in self.model_fields_set else self.value


# -------------------------------------------------------------------------- rules


class RuleSpec(_Strict):
    """What every rule has, whatever its kind. Each kind's schema (:mod:`govrules.kinds`) extends it."""

    #: The kind this rule's model belongs to (set by :class:`govrules.kinds.RuleKind`).
    rule_kind: ClassVar[Any] = None

    id: Annotated[str, Field(pattern=RULE_ID)]
    quote: str = Field(description="The document's words this rule encodes, verbatim.")
    label: str | None = Field(default=None, description="Short Chinese description for reports; defaults to the quote.")
    when: Condition | None = Field(default=None, description="An extra condition that must also hold.")
    reading: ReadingIds = ()
    earned: bool = added(
        False,
        description="The document phrases these points as earned (「……，得2分」): a sheet then says 未得2分 where the rule took them, not −2.",
    )
    # Written by a tailoring's set: (govrules.rubric.tailoring), not by hand: left out
    # of the fields an author is shown (x-internal), and of the content hash when empty.
    set_reading: ReadingIds = Field(
        default=(),
        json_schema_extra={"x-added": True, "x-internal": True},
        exclude_if=lambda value: value == (),
        description="The readings behind a value a tailoring's set: changed (an amount, a threshold) that the parent's words do not say.",
    )


#: A rule of any kind (the kinds a registry knows decide which; see :func:`pack_spec_with`).
Rule = RuleSpec


class Cap(_Strict):
    """The most a group of deduction rules may take together (最高扣分不超过3分).

    On an item, ``rules`` names some of its own rules. On a section, ``rules``
    names rules of rows under it as ``row#rule`` (2.1#late), or is left out: the
    cap then limits what all its rows lose together (本部分最多扣10分), and what
    it cuts is given back at the section.
    """

    rules: tuple[str, ...] = Field(default=(), description="The rules it groups; on a section, row#rule, or none for all its rows.")
    max: Number = Field(ge=0)
    quote: str
    reading: ReadingIds = ()


# --------------------------------------------------------------------- indicators


class Raters(_Strict):
    """How a row rated by several raters is scored: each rater's score of the row, combined.

    Each rater's facts for the row are scored on their own, as if that rater
    had filled the row in alone; the row scores the ``combine`` of those
    scores: ``mean`` (rounded once by the declared rounding), ``median`` (of
    an even number, the mean of the middle two), ``min`` or ``max``.
    Documents rarely say how a panel's ratings combine: ``quote`` is the
    document's words where it does, ``reading`` the choice where it does not.
    """

    combine: Literal["mean", "median", "min", "max"]
    quote: str | None = Field(default=None, description="The document's words on how the raters' scores combine, where it says so.")
    reading: ReadingIds = ()




class Indicator(_Strict):
    """A row of the rubric: a section (with children) or an item (a leaf)."""

    id: Annotated[str, Field(pattern=ITEM_ID)]
    name: str
    points: dict[str, Number] | None = Field(
        default=None,
        description="Points per target. On an item, its maximum; on a section, the maximum the document states.",
    )
    targets: tuple[str, ...] | None = Field(
        default=None, description="Targets this row applies to, where it has no points (unscored checklists)."
    )
    source: str | None = Field(default=None, description="The row's text in the document (考核内容 / 三级指标).")
    method: str | None = Field(default=None, description="The row's 评分办法 / 扣分办法 / 考核方式 text.")
    evaluation: tuple[str, ...] = Field(default=(), description="Evaluation modes (线下评估 / 线上评估 / 日常考评).")
    evidence: tuple[str, ...] = Field(default=(), description="Evidence the document requires for this row.")
    rules: tuple[RuleSpec, ...] = ()
    caps: tuple[Cap, ...] = ()
    floor_reading: ReadingIds = Field(default=(), description="Reading behind flooring this item at 0, if the document does not say so.")
    reading: ReadingIds = Field(default=(), description="Readings about this row as a whole; listed in every result that has the row.")
    children: tuple[Indicator, ...] = ()
    note: str | None = None
    from_: str | None = Field(default=None, alias="from", description="In a tailored pack: the parent's row this row takes.")
    ceiling: dict[str, Number] | None = added(
        description="Points per target a row may rise to above its points, where its document lets a bonus inside the row (加分不超过0.5分)."
    )
    ceiling_quote: str | None = added(description="The document's words that let the row rise above its points.")
    assessors: tuple[str, ...] | None = added(
        description="负责考核部门: the departments that assess this row (a section's apply to its rows unless a row names its own)."
    )
    units: tuple[str, ...] | None = added(
        description="The only units (by name) this item applies to; for any other unit it is not applicable."
    )
    units_quote: str | None = added(description="The document's words that restrict the item to those units.")
    units_scoring: Literal["full_points", "rescale"] | None = added(
        description="How the item counts for the other units: as met, or left out with the base rescaled (default: the pack's not_applicable.scoring)."
    )
    floor_quote: str | None = added(description="On a section: the document's words that the section never goes below 0 (本部分扣完为止).")
    raters: Raters | None = added(
        description="On an item several raters score (评议代表, a panel): how their scores of the row combine into its score."
    )

    @property
    def is_leaf(self) -> bool:
        return not self.children


# ------------------------------------------------------------ outside the total


class Adjustment(_Strict):
    """A ledger outside the base total: a bonus (加分) or a penalty (减分)."""

    id: Annotated[str, Field(pattern=ITEM_ID)]
    name: str
    direction: Literal["bonus", "penalty"]
    cap: Number | None = Field(default=None, ge=0, description="Most this ledger may add or take; null for no cap.")
    cap_quote: str | None = None
    targets: tuple[str, ...] | None = None
    source: str | None = None
    rules: tuple[RuleSpec, ...] = Field(min_length=1)
    reading: ReadingIds = ()
    from_: str | None = Field(default=None, alias="from")


class Zeroing(_Strict):
    """A condition that zeroes the whole assessment (直接归零项)."""

    id: Annotated[str, Field(pattern=ITEM_ID)]
    name: str
    when: Condition
    quote: str
    targets: tuple[str, ...] | None = None
    source: str | None = None
    reading: ReadingIds = ()
    from_: str | None = Field(default=None, alias="from")


class Band(_Strict):
    """One grade band (等次): the totals from ``min`` (or above ``above``) up to the next band's threshold.

    Bands are listed from the best grade down; the last one has no threshold
    and takes every total below the one before it (不合格).
    """

    grade: Annotated[str, Field(min_length=1, max_length=20)] = Field(description="The grade's name as the document writes it (优秀).")
    min: Number | None = Field(default=None, description="The lowest total of this band, included (90分以上, 含90分).")
    above: Number | None = Field(default=None, description="A threshold the total must exceed (高于90分), in place of min.")
    quote: str | None = Field(default=None, description="The document's words stating the band.")
    reading: ReadingIds = Field(default=(), description="The reading behind the band where no document states it (an office sets it).")

    @model_validator(mode="after")
    def _one_threshold(self) -> Band:
        if self.min is not None and self.above is not None:
            raise ValueError("a band's threshold is either min: (at least) or above: (more than), not both")
        return self


class Grading(_Strict):
    """The grade bands (等次) of some targets (all of them if ``targets`` is left out)."""

    targets: tuple[str, ...] | None = Field(default=None, description="The targets graded by these bands; all if left out.")
    bands: tuple[Band, ...] = Field(min_length=2, description="From the best grade down; the last without a threshold.")
    quote: str | None = Field(default=None, description="The document's words naming the grades (考核结果分优秀、良好、合格、不合格四个等次).")
    reading: ReadingIds = ()


class Veto(_Strict):
    """一票否优 / 一票否决: a condition over facts that caps the grade, whatever the total.

    ``below: 优秀``: the unit cannot be 优秀 (一票否优); ``at_most: 不合格``
    (the lowest grade): the unit fails (一票否决).
    """

    id: Annotated[str, Field(pattern=ITEM_ID)]
    name: str
    when: Condition
    quote: str
    below: str | None = Field(default=None, description="The grade the unit cannot reach: it gets at most the grade below it (否优: below 优秀).")
    at_most: str | None = Field(default=None, description="The best grade the unit can get (一票否决: the lowest grade).")
    targets: tuple[str, ...] | None = None
    source: str | None = None
    reading: ReadingIds = ()

    @model_validator(mode="after")
    def _one_cap(self) -> Veto:
        if (self.below is None) == (self.at_most is None):
            raise ValueError("a veto caps the grade with either below: <grade> (一票否优: below: 优秀) or at_most: <grade> (一票否决: the lowest grade)")
        return self


class NotApplicablePolicy(_Strict):
    """Whether units may declare an item not applicable, and how it is then scored.

    ``full_points``: the item counts as met. ``rescale``: the item is left out
    and the base is scaled back to the target's total over the applicable maxima.
    """

    allowed: bool = False
    scoring: Literal["full_points", "rescale"] = "rescale"
    quote: str | None = None
    reading: ReadingIds = ()


class FloorPolicy(_Strict):
    """No score goes below 0: not an item, not a section, not the total. This records where the document says so, or the reading where it does not.

    ``negative_total``: the reading by which the document clearly lets the
    total fall below 0 (penalties outside the base that are not 扣完为止);
    only with it is the total left unfloored.
    """

    quote: str | None = None
    reading: ReadingIds = ()
    negative_total: ReadingIds = added(
        (), description="The reading by which the document clearly allows a negative total; without it the total is floored at 0."
    )


class PackSpec(_Strict):
    """A whole pack file."""

    format: Literal[1] = 1
    extends: str | None = Field(default=None, description="The id of the pack this one tailors.")
    pack: PackMeta
    targets: tuple[Target, ...] = Field(min_length=1)
    readings: tuple[Reading, ...] = ()
    facts: tuple[FactSpec, ...] = ()
    indicators: tuple[Indicator, ...] = Field(min_length=1)
    adjustments: tuple[Adjustment, ...] = ()
    zeroing: tuple[Zeroing, ...] = ()
    not_applicable: NotApplicablePolicy = NotApplicablePolicy()
    floor: FloorPolicy = FloorPolicy()
    grades: tuple[Grading, ...] = added((), description="Grade bands (等次) per target, from the document or an office's overlay.")
    vetoes: tuple[Veto, ...] = added((), description="一票否优 / 一票否决: conditions that cap the grade.")

    def referenced_readings(self) -> set[str]:
        """Every reading id something in the pack refers to."""
        ids: set[str] = set()

        def rules(rs: tuple[RuleSpec, ...]) -> None:
            for r in rs:
                ids.update(r.reading)

        for t in self.targets:
            ids.update(t.reading)
            ids.update(t.total_unstated)
        for f in self.facts:
            ids.update(f.reading)
            if f.derive is not None:
                ids.update(f.derive.reading)
        stack = list(self.indicators)
        while stack:
            ind = stack.pop()
            ids.update(ind.reading)
            ids.update(ind.floor_reading)
            rules(ind.rules)
            for c in ind.caps:
                ids.update(c.reading)
            if ind.raters is not None:
                ids.update(ind.raters.reading)
            stack.extend(ind.children)
        for a in self.adjustments:
            ids.update(a.reading)
            rules(a.rules)
        for z in self.zeroing:
            ids.update(z.reading)
        ids.update(self.not_applicable.reading)
        ids.update(self.floor.reading)
        ids.update(self.floor.negative_total)
        for g in self.grades:
            ids.update(g.reading)
            for b in g.bands:
                ids.update(b.reading)
        for v in self.vetoes:
            ids.update(v.reading)
        return ids


def pack_spec_with(rule: Any) -> type[PackSpec]:
    """:class:`PackSpec` whose rows and ledgers take ``rule`` (a union of the kinds' rule models).

    Used by :class:`govrules.kinds.Kinds`; the subclasses change nothing but
    the type of ``rules``, so every field keeps its place and name.
    """

    class IndicatorSpec(Indicator):
        __doc__ = Indicator.__doc__
        rules: tuple[rule, ...] = ()  # type: ignore[valid-type]
        children: tuple["IndicatorSpec", ...] = ()

    class AdjustmentSpec(Adjustment):
        __doc__ = Adjustment.__doc__
        rules: tuple[rule, ...] = Field(min_length=1)  # type: ignore[valid-type]

    class Spec(PackSpec):
        __doc__ = PackSpec.__doc__
        indicators: tuple[IndicatorSpec, ...] = Field(min_length=1)
        adjustments: tuple[AdjustmentSpec, ...] = ()

    IndicatorSpec.model_rebuild()
    Spec.model_rebuild()
    return Spec
