"""A pack compiled for one target: its rows, rules in normal form, and facts.

Compiling is done once per (pack, target) and yields frozen records that the
evaluators (durable_rules and the reference evaluator) and the scorer read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from pydantic import BaseModel

from ..kinds.base import DEDUCT, ZERO_ROW, RuleKind
from .conditions import CompareFacts, Node, conjunction, facts_of, normalize
from .grading import compile_grading, veto_facts
from .facts import RESHAPED_TYPES, build_model, canonical
from .wellformed import checker, facts_checker
from ..rubric.model import Adjustment, Cap, FactSpec, Indicator, PackSpec, Raters, Rule, Target, Zeroing
from ..numbers import ZERO, add
from ..rubric.checks import applicable_targets
from ..rubric.scope import rated_facts, row_assessors, unit_key
from .jsontext import EffectTexts, RowTexts, SectionTexts, TargetTexts
from .result import PASS, CapApplied, ItemResult, SectionResult, Untouched
from .sections import adjusted_section

OWNER_ITEM = "item"
OWNER_ADJUSTMENT = "adjustment"
OWNER_ZEROING = "zeroing"


@attrs.frozen
class CompiledRule:
    """One rule, ready to evaluate: when it fires and which facts it needs."""

    uid: str  # owner id + "#" + rule id, unique in the pack
    owner: str
    owner_kind: str
    rule: Rule | None  # None for a zeroing condition
    zeroing: Zeroing | None
    condition: Node
    reads: tuple[str, ...]  # every fact the rule's condition reads
    optional: tuple[str, ...] = ()  # facts whose absence means "nothing recorded", not "unknown"
    quantity: tuple[str, ...] = ()  # facts the amount is worked out from, once the rule fires
    mode: str = "deduct"  # what its effects do to the row (see govrules.kinds.base)
    # Worked out once from the rule and its kind, read for every effect it makes.
    behaviour: Any = None  # the rule's kind (govrules.kinds.RuleKind)
    head: tuple[str, str, str, str] = ("", "", "", "")  # uid, kind, label, quote
    may_zero: bool = False  # some effect of its kind may zero the row
    has_detail: bool = False  # its kind adds words to each effect's explanation
    # Scored against the cohort (govrules.engine.cohort), never by the evaluators;
    # ("fact", name) or ("row", id) is the figure each unit contributes.
    cohort: tuple[str, str] | None = None
    # The text its effects' JSON shares (rule, kind, label, reading, quote), encoded once.
    texts: EffectTexts | None = None
    # The same as sets, for one subset test per rule per assessment.
    read_set: frozenset[str] = attrs.field(init=False, default=attrs.Factory(lambda r: frozenset(r.reads), takes_self=True))
    quantity_set: frozenset[str] = attrs.field(init=False, default=attrs.Factory(lambda r: frozenset(r.quantity), takes_self=True))
    # The effects it made, remembered by the facts it read (govrules.engine.rowcache.RULE_KEYS at most); no part of its value.
    effects_made: dict[Any, tuple[Any, ...]] = attrs.field(init=False, factory=dict, eq=False, repr=False)

    @property
    def quote(self) -> str:
        return self.rule.quote if self.rule is not None else self.zeroing.quote  # type: ignore[union-attr]

    @property
    def kind(self) -> str:
        return self.rule.kind if self.rule is not None else "zeroing"


def _path_names(row: "ItemView | SectionView") -> tuple[str, ...]:
    return tuple(a.name for a in row.ancestors) + (row.indicator.name,)


@attrs.frozen
class ItemView:
    indicator: Indicator
    ancestors: tuple[Indicator, ...]
    max: Decimal | None
    rules: tuple[CompiledRule, ...]
    caps: tuple[Cap, ...]
    floor_quote: str | None = None
    floor_reading: tuple[str, ...] = ()  # the item's own reading behind the floor, else the pack's
    ceiling: Decimal | None = None  # the most it may score with a bonus inside it, where the document says so
    ceiling_quote: str | None = None
    assessors: tuple[str, ...] = ()  # its own 负责考核部门, else its nearest section's
    units: tuple[str, ...] = ()  # the only units it is for (see govrules.rubric.scope)
    units_scoring: str | None = None  # how it counts for the other units: full_points or rescale
    raters: Raters | None = None  # how several raters' scores of it combine, where the pack says
    rated_facts: frozenset[str] = frozenset()  # a rated row's own facts, which each rater gives
    # Every effect its rules can make deducts (zeroing is decided before the
    # arithmetic): scoring then adds amounts up without looking at modes.
    deducts_only: bool = attrs.field(
        init=False, default=attrs.Factory(lambda i: all(set(r.behaviour.modes) <= {DEDUCT, ZERO_ROW} for r in i.rules), takes_self=True)
    )
    # The names from the top of the tree down, worked out once (every assessment asks).
    names: tuple[str, ...] = attrs.field(init=False, default=attrs.Factory(_path_names, takes_self=True))
    id: str = attrs.field(init=False, default=attrs.Factory(lambda i: i.indicator.id, takes_self=True))
    uids: frozenset[str] = attrs.field(init=False, default=attrs.Factory(lambda i: frozenset(r.uid for r in i.rules), takes_self=True))
    # The text its results' JSON shares (id, names, points, evidence, evaluation), encoded once.
    texts: RowTexts = attrs.field(
        init=False,
        default=attrs.Factory(lambda i: RowTexts(i.id, i.names, i.max, i.indicator.evidence, i.indicator.evaluation), takes_self=True),
    )
    unit_keys: frozenset[str] = attrs.field(init=False, default=attrs.Factory(lambda i: frozenset(map(unit_key, i.units)), takes_self=True))
    # No rule of it is scored against the cohort (whose outcome is the other
    # units' too): its state is a function of its key (govrules.engine.rowcache).
    cacheable: bool = attrs.field(init=False, default=attrs.Factory(lambda i: all(r.cohort is None for r in i.rules), takes_self=True))
    # The row's states remembered by key, up to rowcache.ROW_KEYS (see govrules.engine.rowcache):
    # per compiled target, filled as assessments come, never emptied; no part of the row's value.
    # Each entry is (state without a 自评, readings, [JSON text in halves around the 自评, once written]).
    states: dict[Any, tuple[Any, ...]] = attrs.field(init=False, factory=dict, eq=False, repr=False)
    # Each cap with the uids of the rules it groups, sorted.
    cap_groups: tuple[tuple[Cap, tuple[str, ...]], ...] = attrs.field(
        init=False,
        default=attrs.Factory(lambda i: tuple((c, tuple(sorted({f"{i.id}#{rid}" for rid in c.rules}))) for c in i.caps), takes_self=True),
    )


@attrs.frozen
class SectionView:
    indicator: Indicator
    ancestors: tuple[Indicator, ...]
    stated_max: Decimal | None
    max: Decimal | None
    children: tuple[str, ...]
    # Its caps as results record them, those naming rules first (rules: the
    # uids of this target's rows, sorted; () for a cap over all its rows), and
    # its floor: see govrules.engine.sections.
    caps: tuple[CapApplied, ...] = ()
    floor_quote: str | None = None
    names: tuple[str, ...] = attrs.field(init=False, default=attrs.Factory(_path_names, takes_self=True))
    id: str = attrs.field(init=False, default=attrs.Factory(lambda i: i.indicator.id, takes_self=True))
    adjusts: bool = attrs.field(init=False, default=attrs.Factory(lambda s: bool(s.caps) or s.floor_quote is not None, takes_self=True))
    # Its share of a result's JSON text (govrules.engine.jsontext); no part of its value.
    texts: SectionTexts = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(lambda s: SectionTexts(s.id, s.names, s.max, s.stated_max, s.children), takes_self=True)
    )


@attrs.frozen
class LedgerView:
    adjustment: Adjustment
    rules: tuple[CompiledRule, ...]

    @property
    def id(self) -> str:
        return self.adjustment.id


@attrs.frozen
class InputPlan:
    """What validating an input for one target needs besides its facts model (see :mod:`govrules.engine.inputs`)."""

    maxima: dict[str, Decimal]  # the points of each item that carries some: the items a score may be given for
    reshaped: tuple[tuple[str, FactSpec], ...]  # facts whose values canonical() reshapes
    # Defaults filled in where the input leaves a fact out. Not those of the
    # facts a derivation involves (derived counts and their dates): there the
    # input decides first whether the count is derived, so they wait for the derivation.
    defaults: dict[str, Any]
    derived: tuple[FactSpec, ...]  # facts with a derivation, in the target's order
    # Whether the facts model lists its fields in the target's fact order
    # (compile_target builds it from view.facts, so it does): then the
    # validated values come out in that order and need no sorting.
    in_order: bool
    # Each fact of the target, in its order, with the straight-line check of
    # its well-formed values (govrules.engine.wellformed; None: always the full way).
    checks: tuple[tuple[str, Any], ...] = attrs.field(default=(), eq=False)  # functions: compared by what they are made from
    # The evidence each item of the target may be given (every item is a key).
    evidence_kinds: dict[str, frozenset[str]] = attrs.field(factory=dict)
    # wellformed.facts's check for this target, made from the above (so not compared).
    check_facts: Any = attrs.field(default=None, eq=False)


def _input_plan(view: "TargetView") -> InputPlan:
    derived = tuple(f for f in view.facts if f.derive is not None)
    involved = {f.name for f in derived} | {f.derive.source for f in derived}  # type: ignore[union-attr]
    bounds = discretion_bounds(view.facts, list(view.items))
    checks = tuple((f.name, checker(f, bounds.get(f.name), view.discretionary_step)) for f in view.facts)
    defaults = {name: value for name, value in view.defaults.items() if name not in involved}
    return InputPlan(
        maxima={item.id: item.max if item.ceiling is None else item.ceiling for item in view.items if item.max is not None},
        reshaped=tuple((f.name, f) for f in view.facts if f.type in RESHAPED_TYPES),
        defaults=defaults,
        derived=derived,
        in_order=tuple(view.facts_model.model_fields) == tuple(f.name for f in view.facts),
        checks=checks,
        evidence_kinds={item.id: frozenset(item.indicator.evidence) for item in view.items},
        check_facts=facts_checker(view.facts, checks, defaults),
    )


@attrs.frozen
class TargetView:
    """Everything needed to assess one target of one pack."""

    pack_id: str
    target: Target
    items: tuple[ItemView, ...]
    sections: tuple[SectionView, ...]
    top: tuple[str, ...]
    ledgers: tuple[LedgerView, ...]
    zeroings: tuple[CompiledRule, ...]
    facts: tuple[FactSpec, ...]
    fact_users: dict[str, tuple[str, ...]]
    evidence: tuple[tuple[str, str], ...]
    facts_model: type[BaseModel]
    standing_readings: frozenset[str] = frozenset()  # readings every result of this target carries
    discretionary_step: Decimal = Decimal("0.01")  # the pack's precision of discretionary points
    # Each row's result when nothing happened to it (no rule fired, every fact
    # known, its evidence there, no N/A, no 自评 or 复核): results are frozen,
    # so every such assessment shares these instead of building its own.
    untouched_items: dict[str, ItemResult] = attrs.field(factory=dict)  # in item order
    untouched_sections: dict[str, SectionResult] = attrs.field(factory=dict)  # in section order
    # Each defaulted fact's value, validated once here rather than per assessment.
    defaults: dict[str, Any] = attrs.field(factory=dict)
    # Every rule in evaluation order (items, ledgers, zeroing): worked out once, read per assessment.
    rules: tuple[CompiledRule, ...] = attrs.field(init=False, default=attrs.Factory(lambda v: v._all_rules(), takes_self=True))
    # Every fact some rule reads or counts: with all of them given, every rule can be checked (findings_of).
    rules_read: frozenset[str] = attrs.field(
        init=False, default=attrs.Factory(lambda v: frozenset().union(*(r.read_set | r.quantity_set for r in v.rules)), takes_self=True)
    )
    # The same without each rule's optional facts (a discretionary deduction's, whose absence
    # means "nothing recorded"): with all of these given, every rule can still be checked, since a
    # comparison on an absent optional fact is false, never unknown (conditions.decide), and no
    # optional fact is counted or compared with another (checked at load; _required keeps any
    # that is all the same). Most inputs leave some discretionary deduction out.
    rules_required: frozenset[str] = attrs.field(
        init=False, default=attrs.Factory(lambda v: frozenset().union(*(_required(r) for r in v.rules)), takes_self=True)
    )

    # The same, as results share them (engine.result.Untouched: positions, status counts, texts).
    shared_items: Untouched = attrs.field(init=False, default=attrs.Factory(lambda v: Untouched(v.untouched_items), takes_self=True), eq=False, repr=False)
    shared_sections: Untouched = attrs.field(
        init=False, default=attrs.Factory(lambda v: Untouched(v.untouched_sections), takes_self=True), eq=False, repr=False
    )

    # Look-ups every assessment makes, built once.
    #: Whether the target is scored (has a total); else a checklist of statuses.
    scored: bool = attrs.field(init=False, default=attrs.Factory(lambda v: v.target.total is not None, takes_self=True))
    fact_specs: dict[str, FactSpec] = attrs.field(init=False, default=attrs.Factory(lambda v: {f.name: f for f in v.facts}, takes_self=True))
    #: Each fact's Chinese label, for what office users read (a missing fact named by its label).
    fact_labels: dict[str, str] = attrs.field(init=False, default=attrs.Factory(lambda v: {f.name: f.label for f in v.facts}, takes_self=True))
    fact_order: dict[str, int] = attrs.field(
        init=False, default=attrs.Factory(lambda v: {f.name: i for i, f in enumerate(v.facts)}, takes_self=True)
    )
    item_index: dict[str, ItemView] = attrs.field(init=False, default=attrs.Factory(lambda v: {i.id: i for i in v.items}, takes_self=True))
    item_order: dict[str, int] = attrs.field(
        init=False, default=attrs.Factory(lambda v: {i.id: n for n, i in enumerate(v.items)}, takes_self=True)
    )
    # Which item each item rule belongs to, and which sections enclose each item.
    rule_item: dict[str, str] = attrs.field(
        init=False, default=attrs.Factory(lambda v: {r.uid: i.id for i in v.items for r in i.rules}, takes_self=True)
    )
    enclosing: dict[str, tuple[str, ...]] = attrs.field(
        init=False, default=attrs.Factory(lambda v: {i.id: tuple(a.id for a in i.ancestors) for i in v.items}, takes_self=True)
    )
    # The items several raters score, and which of them gives each of their facts.
    rated_items: dict[str, ItemView] = attrs.field(
        init=False, default=attrs.Factory(lambda v: {i.id: i for i in v.items if i.raters is not None}, takes_self=True)
    )
    rated_fact_item: dict[str, str] = attrs.field(
        init=False, default=attrs.Factory(lambda v: {f: i.id for i in v.items if i.raters is not None for f in i.rated_facts}, takes_self=True)
    )
    # The items for named units only, whose result depends on the assessment's unit.
    unit_items: tuple[ItemView, ...] = attrs.field(init=False, default=attrs.Factory(lambda v: tuple(i for i in v.items if i.units), takes_self=True))
    capped_sections: bool = attrs.field(init=False, default=attrs.Factory(lambda v: any(s.caps for s in v.sections), takes_self=True))
    adjusting_sections: bool = attrs.field(init=False, default=attrs.Factory(lambda v: any(s.adjusts for s in v.sections), takes_self=True))
    sections_children_first: tuple[SectionView, ...] = attrs.field(
        init=False, default=attrs.Factory(lambda v: tuple(reversed(v.sections)), takes_self=True)
    )

    input_plan: InputPlan = attrs.field(init=False, default=attrs.Factory(_input_plan, takes_self=True))
    # The pack's readings as a result lists them, (id, quote, choice), in the pack's order.
    reading_rows: tuple[tuple[str, str, str], ...] = ()
    #: Each reading as sheets name it, 解读1 … in the pack's order (as `govrules show` numbers them).
    reading_names: dict[str, str] = attrs.field(
        init=False, default=attrs.Factory(lambda v: {rid: f"解读{i}" for i, (rid, _, _) in enumerate(v.reading_rows, 1)}, takes_self=True)
    )
    grading: Any = None  # its grade bands and vetoes, where the pack declares some (govrules.engine.grading)
    # The JSON text its results share (govrules.engine.jsontext), encoded once.
    texts: TargetTexts = attrs.field(init=False, default=attrs.Factory(lambda v: TargetTexts(v.reading_rows), takes_self=True))
    #: A bounded memo of a result's readings (scoring._readings) by its touched rows' readings and its total's,
    #: for results with nothing else bringing readings in (up to READINGS_KEYS).
    readings_known: dict[tuple[Any, ...], tuple[tuple[str, str, str], ...]] = attrs.field(init=False, factory=dict, eq=False, repr=False)

    # The rules scored against the cohort (in item order): the evaluators never see them.
    cohort_rules: tuple[CompiledRule, ...] = attrs.field(
        init=False, default=attrs.Factory(lambda v: tuple(r for i in v.items for r in i.rules if r.cohort is not None), takes_self=True)
    )

    #: The most a result of this target may score: its points and every bonus ledger's cap (None: a ledger without a cap, or unscored).
    max_total: Decimal | None = attrs.field(init=False, default=attrs.Factory(lambda v: v._max_total(), takes_self=True))

    def _max_total(self) -> Decimal | None:
        caps = [l.adjustment.cap for l in self.ledgers if l.adjustment.direction == "bonus"]
        if self.target.total is None or any(c is None for c in caps):
            return None
        return add(self.target.total, *caps)  # type: ignore[arg-type]

    def _all_rules(self) -> tuple[CompiledRule, ...]:
        out: list[CompiledRule] = []
        for item in self.items:
            out.extend(r for r in item.rules if r.cohort is None)
        for ledger in self.ledgers:
            out.extend(ledger.rules)
        out.extend(self.zeroings)
        return tuple(out)

    def item(self, item_id: str) -> ItemView | None:
        return self.item_index.get(item_id)


def _required(rule: "CompiledRule") -> frozenset[str]:
    """The facts a rule needs given to be decided and counted: all it reads or counts, but the optional
    ones that are compared with a constant only (their absence makes such a comparison false, not unknown)."""
    compared: set[str] = set()
    stack = [rule.condition] if rule.condition is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, CompareFacts):
            compared.update((node.fact, node.other))
        else:
            stack.extend(getattr(node, "parts", ()))
    return (rule.read_set - (frozenset(rule.optional) - compared)) | rule.quantity_set


def compile_rule(owner: str, owner_kind: str, rule: Rule) -> CompiledRule:
    kind = rule.rule_kind
    own = normalize(rule.when) if rule.when is not None else None
    uid = f"{owner}#{rule.id}"
    if kind.cohort:
        # Not evaluated: its condition is its own when (decided by the cohort
        # stage), and it reads its figure too, so the facts model asks for it.
        source, name = kind.cohort_figure(rule)
        figure = (source, name or owner)
        reads = tuple(dict.fromkeys(((name,) if source == "fact" else ()) + (facts_of(own) if own is not None else ())))
        return CompiledRule(
            uid=uid, owner=owner, owner_kind=owner_kind, rule=rule, zeroing=None, condition=own, reads=reads,  # type: ignore[arg-type]
            mode=kind.mode, behaviour=kind, head=(uid, rule.kind, rule.label or rule.quote, rule.quote),
            may_zero=False, has_detail=type(kind).detail is not RuleKind.detail, cohort=figure,
        )
    condition = conjunction(kind.trigger(rule), own)
    return CompiledRule(
        uid=uid,
        owner=owner,
        owner_kind=owner_kind,
        rule=rule,
        zeroing=None,
        condition=condition,
        reads=facts_of(condition),
        optional=tuple(kind.optional_facts(rule)),
        quantity=tuple(kind.quantity_facts(rule)),
        mode=kind.mode,
        behaviour=kind,
        head=(uid, rule.kind, rule.label or rule.quote, rule.quote),
        texts=EffectTexts(uid, rule.kind, rule.label or rule.quote, rule.quote, rule.reading),
        may_zero=ZERO_ROW in kind.modes,
        has_detail=type(kind).detail is not RuleKind.detail,
    )


def _section_caps(ind: Indicator, under: list[ItemView]) -> tuple[CapApplied, ...]:
    """A section's caps, as results record them, over the rules of the rows under it that this target has."""
    uids = {r.uid for item in under for r in item.rules}
    named = [CapApplied(tuple(sorted(u for u in c.rules if u in uids)), ZERO, c.max, ZERO, c.quote, c.reading) for c in ind.caps if c.rules]
    whole = [CapApplied((), ZERO, c.max, ZERO, c.quote, c.reading) for c in ind.caps if not c.rules]
    return tuple(c for c in named if c.rules) + tuple(whole)


def _applies(targets: tuple[str, ...] | None, target: str) -> bool:
    return targets is None or target in targets


def compile_target(spec: PackSpec, target_id: str) -> TargetView:
    target = next(t for t in spec.targets if t.id == target_id)
    all_targets = tuple(t.id for t in spec.targets)
    items: list[ItemView] = []
    sections: list[SectionView] = []
    maxima: dict[str, Decimal | None] = {}

    def visit(ind: Indicator, ancestors: tuple[Indicator, ...]) -> bool:
        if ind.is_leaf:
            if target_id not in applicable_targets(ind, ancestors, all_targets):
                return False
            value = (ind.points or {}).get(target_id)
            maxima[ind.id] = value
            rules = tuple(compile_rule(ind.id, OWNER_ITEM, r) for r in ind.rules)
            ceiling = (ind.ceiling or {}).get(target_id)
            items.append(
                ItemView(
                    ind, ancestors, value, rules, ind.caps, spec.floor.quote, ind.floor_reading or spec.floor.reading, ceiling, ind.ceiling_quote if ceiling is not None else None,
                    row_assessors(ind, ancestors), ind.units or (), (ind.units_scoring or spec.not_applicable.scoring) if ind.units else None,
                    **({"raters": ind.raters, "rated_facts": frozenset(rated_facts(spec, ind))} if ind.raters is not None else {}),
                )
            )
            return True
        position = len(sections)
        first_item = len(items)
        sections.append(None)  # type: ignore[arg-type]  # keep document order: parent before children
        children = tuple(c.id for c in ind.children if visit(c, ancestors + (ind,)))
        if not children:
            sections.pop(position)
            return False
        child_max = [maxima[c] for c in children]
        total = sum((m for m in child_max if m is not None), ZERO) if any(m is not None for m in child_max) else None
        maxima[ind.id] = total
        caps = _section_caps(ind, items[first_item:]) if ind.caps else ()
        sections[position] = SectionView(ind, ancestors, (ind.points or {}).get(target_id), total, children, caps, ind.floor_quote)
        return True

    top = tuple(ind.id for ind in spec.indicators if visit(ind, ()))
    ledgers = tuple(
        LedgerView(adj, tuple(compile_rule(adj.id, OWNER_ADJUSTMENT, r) for r in adj.rules))
        for adj in spec.adjustments
        if _applies(adj.targets, target_id)
    )
    zeroings = tuple(
        CompiledRule(
            uid=f"{z.id}#zero",
            owner=z.id,
            owner_kind=OWNER_ZEROING,
            rule=None,
            zeroing=z,
            condition=normalize(z.when),
            reads=facts_of(normalize(z.when)),
        )
        for z in spec.zeroing
        if _applies(z.targets, target_id)
    )

    users: dict[str, list[str]] = {}
    for rules, owner in (
        [(i.rules, i.id) for i in items] + [(l.rules, l.id) for l in ledgers] + [(zeroings, "zeroing")]
    ):
        for r in rules:
            for name in r.reads:
                if owner not in users.setdefault(name, []):
                    users[name].append(owner if owner != "zeroing" else r.owner)
    # Facts a veto reads are the target's facts too (the grade reads them from the result).
    for veto_id, names in veto_facts(spec, target_id).items():
        for name in names:
            if veto_id not in users.setdefault(name, []):
                users[name].append(veto_id)
    # A derived count is also fed by its source list of dates.
    by_name = {f.name: f for f in spec.facts}
    for f in spec.facts:
        if f.derive is not None and f.name in users:
            users.setdefault(f.derive.source, [])
            for owner in users[f.name]:
                if owner not in users[f.derive.source]:
                    users[f.derive.source].append(owner)
    facts = tuple(f for f in spec.facts if f.name in users)
    fact_users = {name: tuple(owners) for name, owners in users.items() if name in by_name}
    evidence = tuple((item.id, kind) for item in items for kind in item.indicator.evidence)
    model = build_model(f"{spec.pack.id}__{target_id}__facts", facts, fact_users, discretion_bounds(facts, items), spec.pack.discretionary_step)
    # A reading stands for this target wherever what it is attached to is part of it;
    # one about the whole document is attached to the targets. A reading attached to
    # nothing is listed by `govrules show` but in no result (lint warns): listing it in
    # every result put one table's readings on the other's (miluo's 乡镇-only xz_stray_2
    # on 市直 results).
    standing = set(target.reading)
    standing.update(target.total_unstated)
    for item in items:
        for node in item.ancestors + (item.indicator,):
            standing.update(node.reading)
    for ledger in ledgers:
        standing.update(ledger.adjustment.reading)
    for z in zeroings:
        standing.update(z.zeroing.reading)  # type: ignore[union-attr]
    for f in facts:
        standing.update(f.reading)
    untouched_items, untouched_sections = untouched_results(items, sections, target.total is not None)
    defaults = {
        f.name: canonical(f, getattr(model.model_validate({f.name: f.default}), f.name)) for f in facts if f.default is not None
    }
    return TargetView(
        pack_id=spec.pack.id,
        target=target,
        items=tuple(items),
        sections=tuple(sections),
        top=top,
        ledgers=ledgers,
        zeroings=zeroings,
        facts=facts,
        fact_users=fact_users,
        evidence=evidence,
        facts_model=model,
        standing_readings=frozenset(standing),
        discretionary_step=spec.pack.discretionary_step,
        defaults=defaults,
        reading_rows=tuple((r.id, r.quote, r.choice) for r in spec.readings),
        untouched_items=untouched_items,
        untouched_sections=untouched_sections,
        grading=compile_grading(spec, target_id),
    )


def untouched_results(
    items: list[ItemView], sections: list[SectionView], scored: bool
) -> tuple[dict[str, ItemResult], dict[str, SectionResult]]:
    """Each row's result when nothing happened to it: full points (or, unscored, a pass)."""
    item_results = {
        item.id: ItemResult(
            id=item.id,
            names=item.names,
            max=item.max,
            score=item.max,
            status=PASS,
            computed=item.max,
            evidence=item.indicator.evidence,
            evaluation=item.indicator.evaluation,
            floor_quote=item.floor_quote,
            floor_reading=item.floor_reading,
            ceiling=item.ceiling,
            ceiling_quote=item.ceiling_quote,
            assessors=item.assessors,
            units=item.units,
            units_quote=item.indicator.units_quote if item.units else None,
            texts=item.texts,
        )
        for item in items
    }
    rows: dict[str, ItemResult | SectionResult] = dict(item_results)
    for section in reversed(sections):  # children first
        scores = [rows[c].score for c in section.children if rows[c].score is not None]
        rows[section.id] = SectionResult(
            id=section.id,
            names=section.names,
            max=section.max,
            stated_max=section.stated_max,
            score=add(*scores) if (scores and scored) else None,  # type: ignore[arg-type]
            status=PASS,
            children=section.children,
        )
        if section.adjusts:
            rows[section.id] = adjusted_section(rows[section.id], section, rows)  # type: ignore[arg-type]
    return item_results, {s.id: rows[s.id] for s in sections}  # type: ignore[misc]


def discretion_bounds(facts: tuple[FactSpec, ...], items: list[ItemView]) -> dict[str, Decimal]:
    """The most an assessor may deduct through each discretionary fact, for this target.

    A discretionary fact's own ``maximum`` if it has one, else the points of the
    items that use it (the smallest, where several do).
    """
    bounds: dict[str, Decimal] = {}
    for f in facts:
        if f.type != "discretionary":
            continue
        if f.maximum is not None:
            bounds[f.name] = f.maximum
            continue
        users = [i.max for i in items for r in i.rules if r.rule is not None and getattr(r.rule, "fact", None) == f.name and i.max is not None]
        if users:
            bounds[f.name] = min(users)
    return bounds
