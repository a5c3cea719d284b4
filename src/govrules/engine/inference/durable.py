"""The durable_rules evaluator: a target's rules as one Rete ruleset.

durable_rules 2.0.28 is fast but has sharp edges (see docs/durable_rules.md);
this module is the only place that touches it, and it does so in one way:

* It drives the C core (``durable_rules_engine``) directly, the way
  ``durable.engine.Ruleset`` does, but without ``durable.engine.Host``: the
  stock Host starts background timer threads and completes actions
  asynchronously, so ``assert_facts`` could return before the actions ran.
  Here actions are collected synchronously, in the calling thread, until the
  engine has none left (without the Host's ``update_state`` after each: our
  actions never change the session's state fact, and no rule reads it).
* One ruleset per compiled (pack, target), created once and reused; it is
  deleted when the evaluator is garbage-collected.
* One ``assert_facts`` call per assessment: one record per group of rules
  (holding the facts they read), one fact per piece of evidence, then the
  end markers, last. A rule on the final end marker always fires, so (a) we
  can check that the engine really finished, and (b) ``delete_state``, which
  segfaults on a session in which no rule fired, is only ever called on one
  where a rule did. The facts' JSON text is assembled from parts worked out
  once per target (it is exactly what ``json.dumps`` writes for the same
  records).
* One session (sid) per ruleset, reused: once an assessment's actions are
  drained, its facts are retracted by id, end markers first (an evidence fact
  retracted while its end marker is still held makes that marker's absence
  rule true: an action would be queued). Creating a session costs more than
  the rest of a small assessment (a state fact parsed and asserted, and 8 KB
  of frame index cleared per beta node); a retracted session is as a new
  one, and an end marker left behind would be found out: asserting it again
  answers code 2, an error. After any failure the session is dropped
  (deleted where a rule has fired in it) and the next assessment opens a
  new one.
* Rules are grouped, 32 to a record type, so that no fact fans out to many
  alpha nodes (durable_rules overflows a 64-entry stack, error 303), no alpha
  node has more than 512 children (creating the ruleset would never return)
  and none carries more than 256 beta nodes (error 108).
* So at most one session is live per ruleset; it is deleted with the ruleset.
* Absence ("no such evidence") is written as ``end marker, then none(...)``:
  an absence pattern placed first never fires.
* A lock serialises assessments on one ruleset: two threads on one sid
  segfault, sids are matched by a 32-bit hash, and a ruleset holds at most
  1024 live sessions. The C code holds the GIL anyway, so the lock costs no
  parallelism.
* Values are encoded by fact type, and packs are type-checked at load,
  because durable_rules compares mismatched types silently (``"10" >= 3`` is
  false, not an error).
* A fact compared with another fact (:class:`CompareFacts`) is compared by
  durable_rules itself, within the record: ``{"$lt": {"a": {"$m": "b"}}}``
  reads field ``b`` of the same record. Where a count meets a number, whose
  encodings differ in scale, the record also carries the count scaled like a
  number (field ``<count>~e6``), written only for targets that compare them.
* In the engine, fields have short keys (``f<i>``, ``s<i>``: :func:`record_keys`),
  not the facts' names: durable_rules parses and hashes every key, and writes
  the matched record into every action's message.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import weakref
from decimal import Decimal
from typing import Any, Callable

import durable_rules_engine as _dre

from ..compiled import TargetView
from ..conditions import And, Compare, CompareFacts, Node, Or, facts_of
from ...errors import EngineError
from ..facts import NUMBER_PLACES, scalar
from ..inputs import Assessment
from ...rubric.model import FactSpec
from . import Evaluation

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_END = "end"
_EVIDENCE = "ev"
_names = itertools.count()


def _scaled(value: Any) -> int:
    """A number as an integer scaled by 10^6.

    Exact: numbers have at most 6 decimal places and magnitude < 1e9, so scaled
    by 10^6 they are integers below 2^53. Never a float: Python writes 0.00005
    as 5e-05, which durable_rules cannot read (it crashes).
    """
    return int(Decimal(value).scaleb(NUMBER_PLACES))


def encode(spec: FactSpec, value: Any) -> Any:
    """A scalar in the form durable_rules compares correctly for this fact type."""
    if isinstance(value, bool):
        return value
    if spec.type == "choice":
        return (spec.elements or ()).index(value)  # compare positions, not text
    if spec.type in ("number", "discretionary"):
        return _scaled(value)
    if isinstance(value, Decimal):  # a whole-number threshold on a count (the loader refuses others)
        return int(value)
    if isinstance(value, dt.date):
        return value.toordinal()
    return value


#: The JSON text of a boolean.
_BOOLEAN_JSON = {True: "true", False: "false"}


def value_writer(spec: FactSpec) -> Callable[[Any], str]:
    """A function writing a fact's value as JSON text: that of ``encode(spec, scalar(spec, value))``.

    It is chosen once per fact, so an assessment makes no type dispatch per
    value. Each writer relies on the form validation gives its type (a count is
    a strict int, a boolean a bool, a choice one of its elements, a number a
    Decimal); tests/test_durable_fast.py checks that they agree with ``encode``.
    Every encoded value is an integer or a boolean, so ``str`` writes it as JSON.
    """
    kind = spec.type
    if kind == "boolean":
        return _BOOLEAN_JSON.__getitem__
    if kind == "count":
        return str
    if kind == "subset":
        return lambda value: str(len(value))
    if kind == "choice":
        return {element: str(i) for i, element in enumerate(spec.elements or ())}.__getitem__
    if kind == "date":
        return lambda value: str(value.toordinal())
    if kind == "number":
        return lambda value: str(_scaled(value))
    if kind == "discretionary":
        return lambda value: str(_scaled(value.points))
    return lambda value: json.dumps(encode(spec, scalar(spec, value)), ensure_ascii=False)  # pragma: no cover - no other type is compared


#: The suffix of the field carrying a count scaled like a number (a fact name never holds ``~``).
SCALED = "~e6"
_SCALED_LIMIT = 10**9  # numbers are below 1e9 in magnitude: a larger count compares with them as 1e9 does


def _scaled_count(value: Any) -> str:
    """A count (or a subset's size) as a number is encoded, for comparing it with a number fact."""
    n = value if type(value) is int else len(value)
    return str(min(n, _SCALED_LIMIT) * 10**NUMBER_PLACES)


def _fields(node: CompareFacts, specs: dict[str, FactSpec]) -> tuple[str, str]:
    """The record fields a comparison of two facts reads: the facts, or a count's scaled field where it meets a number."""
    left, right = specs[node.fact].type == "number", specs[node.other].type == "number"
    # Checked at load: a number meets only counts, subsets and numbers.
    return (node.fact + SCALED if right and not left else node.fact, node.other + SCALED if left and not right else node.other)


def record_keys(view: TargetView) -> dict[str, str]:
    """The key each record field has in the engine: ``f<i>`` for the target's i-th fact, ``s<i>`` for its scaled field.

    Fact names run to 30 characters or more (``new_media_criticism_state_council``);
    durable_rules parses and hashes every key of every record, and writes the
    matched record back into each action's message, so short keys make both
    cheaper. Results never show them: rules are named by the pack's uids.
    """
    keys = {}
    for i, name in enumerate(view.fact_order):
        keys[name] = f"f{i}"
        keys[name + SCALED] = f"s{i}"
    return keys


def _pattern(node: Node, specs: dict[str, FactSpec], keys: dict[str, str]) -> dict[str, Any]:
    """A condition as a durable_rules pattern that matches when it is *true*.

    Each comparison also requires its fact to be present, so a missing fact
    makes its comparison unknown (not matched) whatever the operator: the
    three-valued semantics of :func:`govrules.engine.conditions.decide`.
    Fields are named by their short keys (:func:`record_keys`).
    """
    if isinstance(node, Compare):
        value = encode(specs[node.fact], node.value)
        field = keys[node.fact]
        test = {field: value} if node.op == "==" else {_OPS[node.op]: {field: value}}
        return {"$and": [{"$ex": {field: 1}}, test]}
    if isinstance(node, CompareFacts):
        left, right = (keys[f] for f in _fields(node, specs))
        other = {"$m": right}  # the same record's field
        test = {left: other} if node.op == "==" else {_OPS[node.op]: {left: other}}
        return {"$and": [{"$ex": {left: 1}}, {"$ex": {right: 1}}, test]}
    op = "$and" if isinstance(node, And) else "$or"
    return {op: [_pattern(p, specs, keys) for p in node.parts]}


#: Rules (and evidence requirements) per record type. durable_rules walks an
#: alpha network with a 64-entry stack (error 303 beyond it), keeps at most 512
#: children per alpha node (beyond that, ruleset creation never returns) and
#: 256 beta nodes per alpha node (error 108). Grouping 32 rules per record type
#: keeps every one of those far below its limit, whatever the pack's size.
GROUP = 32
#: Most record types under the root: each type is a child of the root node.
MAX_TYPES = 400


def _groups(n: int) -> list[range]:
    return [range(start, min(start + GROUP, n)) for start in range(0, n, GROUP)]


#: Most conjunctions a condition may expand to; beyond it, it is compiled as one pattern.
MAX_DNF = 64


def _dnf(node: Node) -> list[tuple[Compare, ...]]:
    """A condition as a disjunction of conjunctions of comparisons."""
    if isinstance(node, (Compare, CompareFacts)):
        return [(node,)]  # type: ignore[list-item]
    if isinstance(node, Or):
        return [conj for part in node.parts for conj in _dnf(part)]
    out: list[tuple[Compare, ...]] = [()]
    for part in node.parts:
        out = [left + right for left in out for right in _dnf(part)]
        if len(out) > MAX_DNF:
            raise OverflowError
    return out


def _branches(node: Node) -> list[Node]:
    """The separate durable_rules patterns a condition compiles to: one per conjunction.

    durable_rules refuses an ``$or`` of 14 or more branches (error 113), so a
    condition is expanded into its conjunctions, each a rule of its own under
    the same pack rule; the pack rule fires when any of them does.
    """
    try:
        conjunctions = _dnf(node)
    except OverflowError:
        return [node]
    if len(conjunctions) > MAX_DNF:
        return [node]
    return [c[0] if len(c) == 1 else And(c) for c in conjunctions]


def _record_fields(node: Node, specs: dict[str, FactSpec]) -> tuple[str, ...]:
    """The fields of a record a condition reads: its facts, and the scaled field of a count it compares with a number."""
    fields = facts_of(node)
    pairs = [n for n in _leaves(node) if isinstance(n, CompareFacts)]
    if not pairs:
        return fields
    extra = {f: None for n in pairs for f in _fields(n, specs) if f.endswith(SCALED)}
    return fields + tuple(extra)


def _leaves(node: Node) -> list[Node]:
    if isinstance(node, (And, Or)):
        return [leaf for part in node.parts for leaf in _leaves(part)]
    return [node]


def ruleset_definition(view: TargetView) -> tuple[dict[str, Any], dict[str, str], dict[str, tuple[str, str]], list[tuple[str, ...]]]:
    """The durable_rules ruleset for a target, what each of its rule names stands for, and the facts each record type carries.

    Each pack rule compiles to one durable rule per conjunction of its
    condition (``r<i>_<k>``). Durable rules are grouped 32 to a record type
    (``t: g<m>``), whose record holds the facts they read. Evidence
    requirement ``e<j>`` fires when its group's end marker (``t: end<m>``) has
    arrived and no piece of evidence ``{t: ev<m>, k: j}`` came before it.
    The facts each record type carries are named as the pack names them (the
    record's keys for them are :func:`record_keys`).
    """
    specs = {f.name: f for f in view.facts}
    keys = record_keys(view)
    definition: dict[str, Any] = {_END: {"all": [{"e": {"t": _END}}]}}
    rule_names: dict[str, str] = {}
    evidence_names: dict[str, tuple[str, str]] = {}
    entries = [
        (f"r{i}_{k}", rule.uid, branch)
        for i, rule in enumerate(view.rules)
        for k, branch in enumerate(_branches(rule.condition))
    ]
    group_reads: list[tuple[str, ...]] = []
    for m, group in enumerate(_groups(len(entries))):
        reads: dict[str, None] = {}
        for e in group:
            name, uid, branch = entries[e]
            definition[name] = {"all": [{"m": {"$and": [{"t": f"g{m}"}, _pattern(branch, specs, keys)]}}]}
            rule_names[name] = uid
            reads.update(dict.fromkeys(_record_fields(branch, specs)))
        group_reads.append(tuple(reads))
    for m, group in enumerate(_groups(len(view.evidence))):
        for j in group:
            # The end marker must come first: an absence pattern placed first never fires.
            definition[f"e{j}"] = {
                "all": [{"e": {"t": f"{_END}{m}"}}, {"n$not": {"$and": [{"t": f"{_EVIDENCE}{m}"}, {"k": j}]}}]
            }
            evidence_names[f"e{j}"] = view.evidence[j]
    types = len(group_reads) + 2 * len(_groups(len(view.evidence))) + 1
    if types > MAX_TYPES:
        raise EngineError(
            f"{view.pack_id} / {view.target.id} has too many rules for one durable_rules ruleset "
            f"({len(view.rules)} rules, {len(view.evidence)} evidence requirements)"
        )
    return definition, rule_names, evidence_names, group_reads


def _json_list(sid: str, bodies: list[str]) -> str:
    """``json.dumps`` of the records ``{"sid": sid<body>}``, each body being the rest of a record's JSON text.

    Every record of an assessment starts with its sid, the one part that
    changes, so the bodies are built (mostly ahead of time) without it and the
    sid is spliced in between them. The text is exactly what ``json.dumps``
    (default separators) writes for the same records.
    """
    head = f'{{"sid": "{sid}"'  # a sid is a decimal number: nothing to escape
    return "[" + head + ("}, " + head).join(bodies) + "}]"


def _field_writer(field: str, writers: dict[str, Callable[[Any], str]], keys: dict[str, str]) -> tuple[str, str, Callable[[Any], str]]:
    """(the fact it is written from, the text before its value, the value's writer) of one record field."""
    key = f', "{keys[field]}": '
    if field.endswith(SCALED):
        return field[: -len(SCALED)], key, _scaled_count
    return field, key, writers[field]


#: What a record's field holds when the assessment does not give its fact (no fact value is this object).
_NO = object()


def _text_writer(
    rule_records: tuple[tuple[str, tuple[tuple[str, str, Callable[[Any], str]], ...]], ...],
    evidence_records: tuple[tuple[tuple[str, str], str], ...],
    end_records: tuple[str, ...],
) -> Callable[[str, tuple[tuple[str, Any], ...], frozenset[tuple[str, str]]], str]:
    """The function writing one assessment's records as JSON text.

    Its text is what :func:`_json_list` makes of the records' bodies: for each group of
    rules, its head and the fields of the facts it reads that the assessment
    gives, each written by its fact's writer; then the evidence given; then
    the end markers. (A loop over a table, not Python source made for each
    target: this module is compiled (govrules.speedups), and a loop compiled
    costs less than straight-line source run by the interpreter.)
    """
    ends = list(end_records)
    no = _NO

    def text(sid: str, facts: tuple[tuple[str, Any], ...], evidence: frozenset[tuple[str, str]]) -> str:
        # One list of pieces joined once (no string made per field or per record).
        get = dict(facts).get
        start = '{"sid": "' + sid + '"'  # a sid is a decimal number: nothing to escape
        parts = ["["]
        for head, reads in rule_records:
            parts.append(start)
            parts.append(head)
            for name, key, write in reads:
                v = get(name, no)
                if v is not no:
                    parts.append(key)
                    parts.append(write(v))
            parts.append("}, ")
        if evidence_records:
            for pair, body in evidence_records:
                if pair in evidence:
                    parts.append(start)
                    parts.append(body)
                    parts.append("}, ")
        for body in ends:
            parts.append(start)
            parts.append(body)
            parts.append("}, ")
        parts[-1] = "}]"
        return "".join(parts)

    return text


class DurableEvaluator:
    """Evaluates assessments of one target on a private durable_rules ruleset."""

    name = "durable_rules"

    def __init__(self, view: TargetView):
        self._view = view
        definition, rule_names, evidence_names, group_reads = ruleset_definition(view)
        ruleset_name = f"govrules_{view.pack_id}_{view.target.id}_{next(_names)}"
        try:
            self._handle = _dre.create_ruleset(ruleset_name, json.dumps(definition, ensure_ascii=False))
        except _dre.error as exc:
            raise EngineError(f"durable_rules cannot compile {view.pack_id} / {view.target.id}: {exc}") from exc
        # The live session's sid, if one has had its end marker fired (so that deleting it is safe).
        self._live: list[str] = []
        self._finalizer = weakref.finalize(self, _delete, self._handle, self._live)
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._sid = ""
        # What each durable rule name stands for: a pack rule's uid, or an evidence requirement.
        self._rule_uids = rule_names
        self._evidence_names = evidence_names

        # The JSON text of each record, worked out once but for the sid and the
        # fact values (see _json_list): per group of rules, its head and, per
        # fact it reads, the text before the value and the value's writer.
        writers = {f.name: value_writer(f) for f in view.facts}
        keys = record_keys(view)
        rule_records = tuple(
            (
                f', "id": "g{m}", "t": "g{m}"',
                tuple(_field_writer(field, writers, keys) for field in reads),
            )
            for m, reads in enumerate(group_reads)
        )
        evidence_groups = _groups(len(view.evidence))
        evidence_records = tuple(
            (view.evidence[j], f', "id": "{_EVIDENCE}{j}", "t": "{_EVIDENCE}{m}", "k": {j}')
            for m, group in enumerate(evidence_groups)
            for j in group
        )
        # End markers last: absence is judged when they arrive; the final one always fires.
        ends = [f"{_END}{m}" for m in range(len(evidence_groups))] + [_END]
        end_records = tuple(f', "id": "{end}", "t": "{end}"' for end in ends)
        self._text = _text_writer(rule_records, evidence_records, end_records)
        # What retracts them: the records' ids, end markers first (see the module's docs).
        self._end_ids = [f', "id": "{end}"' for end in ends]
        self._group_ids = [f', "id": "g{m}"' for m in range(len(group_reads))]
        self._evidence_ids = tuple((pair, f', "id": "{_EVIDENCE}{j}"') for j, pair in enumerate(view.evidence))
        self._new_session()

    def _new_session(self) -> None:
        """Take a new sid: the next assessment's ``assert_facts`` opens its session."""
        self._sid = sid = str(next(self._sids))
        # Retracting an assessment that gave no evidence (most): the same text each time.
        self._bare_retraction = _json_list(sid, self._end_ids + self._group_ids)

    def _retraction(self, evidence: frozenset[tuple[str, str]]) -> str:
        """The JSON list retracting what the live session holds: its end markers, then the evidence given, then the rules' records."""
        if evidence and self._evidence_ids:
            given = [body for pair, body in self._evidence_ids if pair in evidence]
            if given:
                return _json_list(self._sid, self._end_ids + given + self._group_ids)
        return self._bare_retraction

    def _drop_session(self, fired: bool) -> None:
        """Leave the session (after a failure) for a new sid, deleting it where that is safe: a rule has fired in it, now or before."""
        old, deletable = self._sid, fired or bool(self._live)
        self._live.clear()
        self._new_session()  # first: should deleting fail, the next assessment still opens a session of its own
        if deletable:
            _dre.delete_state(self._handle, old)

    def _fact_text(self, sid: str, assessment: Assessment) -> str:
        """The JSON list of facts for one assessment: a record per group of rules, the evidence, the end markers."""
        return self._text(sid, assessment.facts, assessment.evidence)  # type: ignore[no-any-return]

    def evaluate(self, view: TargetView, assessment: Assessment) -> Evaluation:
        if view is not self._view:
            raise EngineError("this evaluator was compiled for another target")
        fired: list[str] = []
        with self._lock:
            sid = self._sid
            text = self._text(sid, assessment.facts, assessment.evidence)  # _fact_text, without its call
            clean = False
            try:
                code, state_handle = _dre.assert_facts(self._handle, text)
                if code == 2:
                    raise EngineError("durable_rules saw a fact twice in one assessment")
                self._drain(state_handle, fired)
                if _END in fired:
                    if not self._live:
                        self._live.append(sid)
                    _dre.retract_facts(self._handle, self._retraction(assessment.evidence))
                    clean = True
            except _dre.error as exc:
                raise EngineError(f"durable_rules failed on this assessment: {exc}") from exc
            finally:
                if not clean:
                    self._drop_session(_END in fired)
        if _END not in fired:
            raise EngineError(
                "durable_rules did not fire the end-of-assessment marker; refusing to return a possibly incomplete result"
            )
        uids = self._rule_uids
        rules = frozenset([uids[name] for name in fired if name in uids])
        requirements = self._evidence_names
        absent = {requirements[name] for name in fired if name in requirements} if requirements else None
        missing = tuple([pair for pair in view.evidence if pair in absent]) if absent else ()
        return Evaluation(rules, missing)

    def _drain(self, state_handle: int, fired: list[str]) -> None:
        """Run every pending action of the session now, in this thread, adding each rule's name to ``fired``.

        An action message is ``{"<rule name>": ...}`` (durable_rules writes it
        so), and no rule name holds a quote. Unlike the stock Host, no
        ``update_state`` between actions: it re-asserts the session's state
        fact, which our actions never change and no rule reads. When
        ``complete_and_start_action`` finds no next action, there is none:
        ``start_action_for_state`` would look for it the same way.
        """
        handle = self._handle
        result = _dre.start_action_for_state(handle, state_handle)
        message = result[1] if result else None
        while message:
            fired.append(message[2 : message.index('"', 2)])
            message = _dre.complete_and_start_action(handle, state_handle)

    def close(self) -> None:
        """Delete the ruleset (and its session) now rather than at garbage collection."""
        self._finalizer()


def _delete(handle: int, live: list[str]) -> None:
    """Delete a ruleset, and first its live session, if any (``delete_ruleset`` frees neither its sid nor its frames)."""
    for sid in live:
        _dre.delete_state(handle, sid)
    _dre.delete_ruleset(handle)
