"""What a rule kind is: one object that owns everything about one scoring mechanism.

A pack's rule says ``kind: per_occurrence`` (or any other kind a plugin
provides). Everything govrules needs to know about that kind lives in one
:class:`RuleKind` subclass, in one module:

* its **schema** (:attr:`RuleKind.model`, a pydantic model of the rule's YAML);
* its **load-time checks** (:meth:`RuleKind.fact_refs`, :meth:`RuleKind.check`),
  reported with file, line and row like every other pack problem;
* how it is **evaluated**: the condition under which it fires
  (:meth:`RuleKind.trigger`), which both evaluators (durable_rules and the
  plain-Python reference) run, and the facts its amount needs;
* its **effect** on the row (:meth:`RuleKind.effects`, :attr:`RuleKind.mode`):
  deduct an amount, or zero the row;
* its **explanation** in Chinese, with the document's words
  (:meth:`RuleKind.detail`), which every score sheet shows and from which
  可挽回分值 follow;
* how ``govrules show`` prints it (:meth:`RuleKind.words`, :meth:`RuleKind.describe`);
* what the **conformance kit** checks of it (:meth:`RuleKind.oracle_trigger`,
  :meth:`RuleKind.check_effect`);
* its **documentation** page (:attr:`RuleKind.doc`).

A **cohort kind** (:attr:`RuleKind.cohort`) scores a unit against the other
units of its target assessed together (排名赋分, 按第1名的比例得分, 以平均值为基准).
It has no trigger: the evaluators never run it. Instead it names the figure
each unit contributes (:meth:`RuleKind.cohort_figure`: a fact, or a row's
score) and provides one pure function from the cohort's figures to each
unit's effects (:meth:`RuleKind.cohort_effects`), which the cohort stage
(:mod:`govrules.engine.cohort`) calls after every unit has been assessed.
Assessed alone, a unit's cohort rows are not checked.

The core calls these methods and never names a kind. Kinds reach the core
through the ``govrules_rule_kinds`` hook (:mod:`govrules.hookspecs`), the
built-in ones included (:mod:`govrules.kinds`). See docs/writing-a-rule-kind.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping

import attrs

from ..rubric.model import Condition, FactSpec, RuleSpec

if TYPE_CHECKING:
    from ..engine.compiled import CompiledRule
    from ..engine.conditions import Node
    from ..engine.result import Effect

Path_ = tuple[str | int, ...]

#: What an effect does to its row (see govrules.engine.scoring.row_score).
DEDUCT = "deduct"  # its amount is taken off the row's points (caps and the floor then apply)
ZERO_ROW = "zero"  # the row scores nothing, whatever else fired (all-or-nothing)
AWARD = "award"  # its amount is added (a bonus inside the row: only up to the row's stated ceiling)
SET = "set"  # the row's points before deductions and awards are its amount (a grade's points)
MODES = (DEDUCT, ZERO_ROW, AWARD, SET)


@attrs.frozen
class FactRef:
    """A fact a rule names in one of its own fields (not in its ``when``), and the fact types that fit there."""

    path: Path_  # within the rule, e.g. ("fact",) or ("tiers", 0, "fact")
    name: str
    types: tuple[str, ...]


@attrs.frozen
class CheckContext:
    """What a kind's load-time checks may look at: the pack's facts and the row the rule is on."""

    facts: Mapping[str, FactSpec]
    #: The row's points per target (None for a ledger's rule or an unscored row).
    points: Mapping[str, Decimal] | None
    #: The targets the row applies to that have no points on it.
    unpointed_targets: tuple[str, ...]
    in_ledger: bool
    #: Why a number cannot be compared exactly by both evaluators, or None (facts' limits).
    number_limits: Callable[[Decimal], str | None]


@attrs.frozen
class Wording:
    """What a kind's words for ``govrules show`` may use: the facts' labels and units, and the verb (扣 or 加)."""

    facts: Mapping[str, FactSpec]
    verb: str
    bound: Decimal | None  # the row's points, bounding a discretionary deduction
    checklist: bool  # the row has no points: a rule without an amount marks it 不符合
    condition: Callable[[Condition], str]  # a condition in words

    def label(self, name: str) -> str:
        spec = self.facts.get(name)
        return f"「{spec.label if spec else name}」"

    def unit(self, name: str, default: str = "次") -> str:
        spec = self.facts.get(name)
        u = spec.unit if spec and spec.unit else default
        return u if len(u) <= 1 else default

    def amount(self, amount: Decimal | None) -> str:
        from ..numbers import fmt

        return f"{self.verb}{fmt(amount)}分" if amount is not None else f"{self.verb}分（文件未规定分值，仅记录）"


class RuleKind:
    """One kind of rule. Subclass it, set the class attributes, and override what differs.

    Instances are stateless; the one the ``govrules_rule_kinds`` hook returns
    is the one the core uses. Every method receives the rule as loaded (an
    instance of :attr:`model`); none may change it.
    """

    #: The ``kind:`` value in a pack file.
    name: ClassVar[str]
    #: The rule's schema: a subclass of :class:`~govrules.rubric.model.RuleSpec`
    #: with ``kind: Literal[name]`` and the kind's own fields.
    model: ClassVar[type[RuleSpec]]
    #: A few Chinese words for the mechanism (shown in lists of kinds).
    title: ClassVar[str] = ""
    #: The documentation page, relative to docs/ (or a URL for a plugin's own docs).
    doc: ClassVar[str] = ""
    #: What its effects do to the row, unless :meth:`effects` says otherwise for
    #: an effect: :data:`DEDUCT`, :data:`ZERO_ROW`, :data:`AWARD` or :data:`SET`.
    mode: ClassVar[str] = DEDUCT
    #: The modes its effects may have (a kind that deducts below a threshold
    #: and zeroes the row above it has two); the core checks where each may stand.
    modes: ClassVar[tuple[str, ...]] = ()
    #: Whether it may stand in a bonus or penalty ledger (加分项 / 减分项).
    in_ledgers: ClassVar[bool] = True
    #: Whether a cap (最高扣…分) may group it with other rules.
    cappable: ClassVar[bool] = True
    #: Whether the rule is scored against the cohort (see the module's docs);
    #: a cohort kind implements :meth:`cohort_figure` and :meth:`cohort_effects`
    #: instead of :meth:`trigger` and :meth:`effects`.
    cohort: ClassVar[bool] = False
    #: For a cohort kind: where its effect fires, it alone decides the row's
    #: score (its ``set`` amount), whatever the row's other rules found (a row
    #: that does not apply to the unit, scored as the cohort's mean).
    decides_row: ClassVar[bool] = False
    #: Whether :meth:`words` already says the rule's ``when`` (a kind whose
    #: ``when`` is its whole condition); otherwise ``show`` adds 「且仅当…」.
    words_say_when: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A kind whose effects all do one thing says only its mode; a class that
        # sets its own mode (and not its modes) does not inherit its base's modes.
        if "modes" not in cls.__dict__ and ("mode" in cls.__dict__ or not cls.modes):
            cls.modes = (cls.mode,)

    def __init__(self) -> None:
        # The rule's model knows its kind, so anything holding a rule can reach it.
        type.__setattr__(self.model, "rule_kind", self)

    def __repr__(self) -> str:
        return f"<rule kind {self.name} ({type(self).__module__})>"

    # ------------------------------------------------------------- checking

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        """The facts the rule names in its own fields, and the fact types that fit each.

        The core checks that each is declared and of a fitting type. Default:
        none.
        """
        return ()

    def check(self, rule: Any, context: CheckContext) -> Iterable[tuple[Path_, str]]:
        """Load-time problems beyond the schema and the fact references: (path within the rule, message) pairs."""
        return ()

    # ----------------------------------------------------------- evaluating

    def trigger(self, rule: Any) -> Node | None:
        """The condition under which the rule fires, before its own ``when`` (None: only ``when``).

        Built from :mod:`govrules.engine.conditions` nodes, it is run by both
        evaluators, so they agree by construction.
        """
        return None

    def optional_facts(self, rule: Any) -> tuple[str, ...]:
        """Facts whose absence means "nothing recorded" rather than "unknown" (a discretionary deduction)."""
        return ()

    def quantity_facts(self, rule: Any) -> tuple[str, ...]:
        """Facts the amount is worked out from once the rule fires. Default: the facts it names, less the optional ones."""
        optional = set(self.optional_facts(rule))
        return tuple(r.name for r in self.fact_refs(rule) if r.name not in optional)

    def effects(self, compiled: CompiledRule, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Effect, ...]:
        """The effects of a rule that fired, before caps and floors.

        ``facts`` holds (name, value) of every fact the rule reads that the
        assessment has, in the rule's order; ``item_max`` is the row's points
        (None for a ledger or an unscored row). Build effects with :func:`effect`.

        A pure function of its arguments, returning frozen effects: scoring
        remembers a rule's effects by the facts it read and the row's points,
        and a row's result by what it was made from (:mod:`govrules.engine.rowcache`).
        """
        raise NotImplementedError

    # -------------------------------------------------------------- cohort

    def cohort_figure(self, rule: Any) -> tuple[str, str]:
        """For a cohort kind: what each unit contributes to the cohort, ``("fact", name)`` or ``("row", row id)``.

        A row's figure is its score in the unit's result once the rules that
        read facts are scored (a rank on a section's score, 计算编制总量项得分
        ……排名); a unit whose figure is unknown does not join the cohort.
        """
        raise NotImplementedError

    def cohort_effects(self, compiled: CompiledRule, cohort: Any, item_max: Decimal | None) -> tuple[Any, ...]:
        """For a cohort kind: each unit's outcome, in the cohort's order.

        ``cohort`` is a :class:`govrules.kinds.cohort.Cohort`: each unit's
        figure (None where unknown), whether the rule's ``when`` holds for it,
        and the facts it read. Return one :class:`govrules.kinds.cohort.Outcome`
        per unit: its effects (none where the unit has met the row) and the
        figures it was scored against, or the reason it could not be scored.
        A pure function of its arguments: the same cohort in another order
        gives the same outcomes in that order.
        """
        raise NotImplementedError

    # ----------------------------------------------------------- explaining

    def detail(self, effect: Effect) -> str:
        """Words added to an effect's explanation after its label (the elements missing, say). Default: none."""
        return ""

    def words(self, rule: Any, wording: Wording) -> str:
        """The rule in plain Chinese, from its data, for ``govrules show``."""
        raise NotImplementedError

    def describe(self, rule: Any) -> dict[str, Any]:
        """The rule's own fields for ``govrules show --format json``. Default: its fact and amount."""
        from ..numbers import fmt

        out: dict[str, Any] = {"fact": getattr(rule, "fact", None), "amount": fmt(getattr(rule, "amount", None))}
        return out

    # ------------------------------------------------------------- testing

    def oracle_trigger(self, rule: Any, scalars: Mapping[str, Any]) -> bool | None:
        """A deliberately naive reading of :meth:`trigger` for the conformance kit.

        ``scalars`` maps each fact the rule reads that the assessment has to
        its scalar (a subset's size, a discretionary deduction's points).
        Return True, False, or None where it cannot be decided. Written
        from the document's words, independently of :meth:`trigger`, so the
        kit catches a compiler that reads the rule wrong.
        """
        return True

    def violation_directions(self, rule: Any) -> Mapping[str, Any] | None:
        """Which way of moving each fact the rule reads makes a unit only worse off, for the kit's monotone property.

        None (the default for kinds that only deduct or zero): worked out from
        the comparisons of the rule's condition (``>`` means up, ``<`` down).
        A kind whose effects grow the other way, or not monotonically, returns
        a mapping of fact to ``"up"``, ``"down"`` or a boolean value, leaving
        out the facts with no such direction; those facts are then left out of
        the property for the whole target. The default for a kind that awards
        or sets points is ``{}``: none of its facts has a direction. A choice
        fact's direction is a tuple of its elements from best to worst (a
        grade): moving to a later element is worse.
        """
        if self.cohort:
            return {}  # its effect depends on the other units' figures: no fact of it has a direction alone
        if set(self.modes) <= {DEDUCT, ZERO_ROW}:
            return None
        return {}

    def check_effect(self, rule: Any, effect: Effect) -> str | None:
        """What is wrong with an effect this rule produced (for the conformance kit), or None."""
        return None

    def check_cohort(self, rule: Any, figures: list[Any], effects: list[tuple[Effect, ...]], scores: list[Decimal | None], item_max: Decimal | None) -> str | None:
        """For a cohort kind: what is wrong with the outcomes of a whole cohort (for the conformance kit), or None.

        Per unit, in the cohort's order: the :class:`~govrules.kinds.cohort.Figures`
        its row names for this rule, this rule's effects on it, and the row's
        score. Written from the document's words (the first scores full
        points, say), independently of :meth:`cohort_effects`.
        """
        return None


def effect(
    compiled: CompiledRule,
    amount: Decimal | None,
    facts: tuple[tuple[str, Any], ...],
    quantity: Decimal | int | None = 1,
    unit_amount: Decimal | None = None,
    level: str | None = None,
    reason: str | None = None,
    mode: str | None = None,
) -> Effect:
    """An effect of ``compiled``'s rule: its label, quote, reading, kind and mode, and its kind's :meth:`~RuleKind.detail`."""
    rule = compiled.rule
    made = (_EFFECT or _load_effect())(
        *compiled.head, amount, quantity, unit_amount, level, reason, rule.reading, facts, mode or compiled.mode, "", rule.earned, rule.set_reading, compiled.texts
    )
    if compiled.has_detail:
        words = compiled.behaviour.detail(made)
        if words:
            # Just made and seen by no one yet: setting the field beats building it twice.
            object.__setattr__(made, "detail", words)
    return made


# The result layer is imported on first use: loading packs does not need it.
_EFFECT: Any = None


def _load_effect() -> Any:
    global _EFFECT
    from ..engine.result import Effect

    _EFFECT = Effect
    return Effect


def kind_of(rule: RuleSpec) -> RuleKind:
    """The kind of a loaded rule."""
    kind = type(rule).rule_kind
    if kind is None:
        raise TypeError(f"{type(rule).__name__} belongs to no registered rule kind")
    return kind
