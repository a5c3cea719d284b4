"""Findings: the result of each rule for one assessment, before any scoring.

This is the middle layer (facts → findings → score). A finding says whether a
rule was checked (all its facts present), whether it fired, and the fact
values it read; the amounts it implies are worked out by
:func:`effects_of`, and everything after that (caps, floors, totals) by
:mod:`govrules.engine.scoring`, a pure function of the findings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from . import records, rowcache
from .compiled import CompiledRule, TargetView
from .conditions import decide
from .inference import Evaluation, scalars_of
from .inputs import Assessment
from .result import Effect


@attrs.frozen
class RuleFinding:
    """One rule's result: checked (its condition could be decided), fired, and the facts it read."""

    rule: CompiledRule
    checked: bool
    fired: bool
    facts: tuple[tuple[str, Any], ...]
    missing: tuple[str, ...] = ()  # facts it reads that the assessment lacks

    @property
    def uid(self) -> str:
        return self.rule.uid


# No __weakref__ slot: made by govrules.engine.records' builder, which needs the layout without one.
@attrs.frozen(weakref_slot=False)
class Findings:
    """Every rule's finding for one assessment.

    What scoring reads is worked out once, here: which rules fired and which
    could not be checked (with the facts they lack). The per-rule
    :class:`RuleFinding` records in :attr:`rules` are built on first use,
    since scoring needs them only for the rules that fired.
    """

    view: TargetView
    assessment: Assessment
    fired: frozenset[str]
    unchecked: dict[str, tuple[str, ...]]  # rule uid -> facts it lacks, for rules that could not be checked
    missing_evidence: tuple[tuple[str, str], ...]
    evaluator: str
    values: dict[str, Any]  # the assessment's fact values by name
    #: Each cohort rule's outcome for this unit (govrules.engine.cohort), by
    #: rule uid; None when the unit is assessed alone: its cohort rows are then not checked.
    cohort: dict[str, Any] | None = None
    # :attr:`rules`, once built. (Not a functools.cached_property: on a slotted
    # attrs class that adds a __getattr__, which every attribute read then goes
    # through, and scoring reads a findings' attributes often.)
    _rules: dict[str, RuleFinding] | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def facts_read(self, rule: CompiledRule) -> tuple[tuple[str, Any], ...]:
        """The (name, value) of each fact the rule reads that the assessment has."""
        values = self.values
        reads = rule.reads
        try:
            return tuple(zip(reads, map(values.__getitem__, reads)))
        except KeyError:  # some are missing: the ones that are there
            return tuple([(name, values[name]) for name in reads if name in values])

    def finding(self, rule: CompiledRule) -> RuleFinding:
        """One rule's finding."""
        missing = self.unchecked.get(rule.uid)
        return RuleFinding(rule, missing is None, rule.uid in self.fired, self.facts_read(rule), missing or ())

    def effects(self, rule: CompiledRule, item_max: Decimal | None, read_key: tuple[Any, ...] | None = None) -> tuple[Effect, ...]:
        """The effects of one rule (none unless it fired): :func:`effects_of` without building the finding.

        ``read_key``: the facts it read as a key (``rowcache.read_key``), where the caller has it.
        """
        if rule.uid not in self.fired:
            return ()
        # facts_read, in place (a call costs more than its look-ups)
        values = self.values
        reads = rule.reads
        try:
            facts = tuple(zip(reads, map(values.__getitem__, reads)))
        except KeyError:  # some are missing: the ones that are there
            facts = tuple([(name, values[name]) for name in reads if name in values])
        if not rowcache.RULE_KEYS:
            return _effects(rule, facts, item_max)
        # Remembered by the facts' values (and the row's points): a kind's effects are a pure
        # function of the rule, its facts and the row's points (govrules.engine.rowcache).
        try:
            # rowcache.facts_key, in place where the row worked out the facts' key
            key = rowcache.facts_key(rule, facts, item_max) if read_key is None else (read_key, None if item_max is None else str(item_max))
        except rowcache.Unkeyable:
            return _effects(rule, facts, item_max)
        table = rule.effects_made
        made = table.get(key)
        if made is None:
            made = _effects(rule, facts, item_max)
            if len(table) < rowcache.RULE_KEYS:
                table[key] = made
        return made

    @property
    def rules(self) -> dict[str, RuleFinding]:
        """Each rule's finding, by rule uid, in the target's rule order (built on first use, then kept)."""
        rules = self._rules
        if rules is None:
            rules = {rule.uid: self.finding(rule) for rule in self.view.rules}
            object.__setattr__(self, "_rules", rules)  # one store of a whole dict: racing threads keep equal ones
        return rules


#: ``Findings(...)``, made without attrs' per-field ``object.__setattr__`` (govrules.engine.records).
_new_findings = records.builder(Findings)


def findings_of(view: TargetView, assessment: Assessment, evaluation: Evaluation, evaluator: str) -> Findings:
    values = dict(assessment.facts)
    present = values.keys()
    fired = evaluation.fired
    unchecked: dict[str, tuple[str, ...]] = {}
    # Every fact a rule reads or counts is known, but perhaps optional ones (TargetView.rules_required): every rule could be checked.
    if present >= view.rules_required:
        return _new_findings(view, assessment, fired, unchecked, evaluation.missing_evidence, evaluator, values)
    scalars = None
    for rule in view.rules:
        # Whether a rule could be checked depends only on which facts are
        # present, not on the evaluator: with all of them present it could; a
        # fired rule was decided; an unfired one is decided (three-valued)
        # over what is there.
        all_read = rule.read_set <= present
        if all_read and rule.quantity_set <= present:
            continue
        is_fired = rule.uid in fired
        if not (all_read or is_fired):
            if scalars is None:
                scalars = scalars_of(view, assessment)
            decided = decide(rule.condition, scalars, rule.optional) is not None
        else:
            decided = True
        # A fired rule is only fully known when its amount is: a rule fired
        # by one of several facts may still need the others to count.
        if decided and (not is_fired or rule.quantity_set <= present):
            continue
        unchecked[rule.uid] = tuple(name for name in rule.reads if name not in present and name not in rule.optional)
    return _new_findings(view, assessment, fired, unchecked, evaluation.missing_evidence, evaluator, values)


def effects_of(finding: RuleFinding, item_max: Decimal | None) -> tuple[Effect, ...]:
    """The deductions (or bonuses) a fired rule implies, before caps and floors."""
    if not finding.fired:
        return ()
    return _effects(finding.rule, finding.facts, item_max)


def _effects(compiled: CompiledRule, facts: tuple[tuple[str, Any], ...], item_max: Decimal | None) -> tuple[Effect, ...]:
    rule = compiled.rule
    if rule is None:  # a zeroing condition: no amount of its own
        z = compiled.zeroing
        return (Effect(compiled.uid, "zeroing", z.name, z.quote, None, facts=facts),)  # type: ignore[union-attr]
    return compiled.behaviour.effects(compiled, facts, item_max)
