"""The durable_rules evaluator: a target's rules as one Rete ruleset.

durable_rules 2.0.28 is fast but has sharp edges (see docs/durable_rules.md);
this module is the only place that touches it, and it does so in one way:

* It drives the C core (``durable_rules_engine``) directly, the way
  ``durable.engine.Ruleset`` does, but without ``durable.engine.Host``: the
  stock Host starts background timer threads and completes actions
  asynchronously, so ``assert_facts`` could return before the actions ran.
  Here actions are collected synchronously, in the calling thread, until the
  engine has none left.
* One ruleset per compiled (pack, target), created once and reused; it is
  deleted when the evaluator is garbage-collected.
* One session (sid) and one ``assert_facts`` call per assessment: the
  assessment fact, then one fact per piece of evidence, then an end marker,
  last. A rule on the end marker always fires, so (a) we can check that the
  engine really finished, and (b) ``delete_state``, which segfaults on a
  session in which no rule fired, is only ever called on one where a rule did.
* ``delete_state`` runs in ``finally``, so at most one session is live.
* Absence ("no such evidence") is written as ``end marker, then none(...)``:
  an absence pattern placed first never fires.
* A lock serialises assessments on one ruleset: two threads on one sid
  segfault, sids are matched by a 32-bit hash, and a ruleset holds at most
  1024 live sessions. The C code holds the GIL anyway, so the lock costs no
  parallelism.
* Values are encoded by fact type, and packs are type-checked at load,
  because durable_rules compares mismatched types silently (``"10" >= 3`` is
  false, not an error).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import weakref
from decimal import Decimal
from typing import Any

import durable_rules_engine as _dre

from ..compiled import TargetView
from ..conditions import And, Compare, Node
from ..errors import EngineError
from ..facts import scalar
from ..inputs import Assessment
from ..model import FactSpec
from . import Evaluation

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_END = "end"
_ASSESSMENT = "a"
_EVIDENCE = "ev"
_names = itertools.count()


def encode(spec: FactSpec, value: Any) -> Any:
    """A scalar in the form durable_rules compares correctly for this fact type."""
    if isinstance(value, bool):
        return value
    if spec.type == "choice":
        return (spec.elements or ()).index(value)  # compare positions, not text
    if isinstance(value, Decimal):
        # Number facts have at most 6 decimal places and magnitude < 1e9, so
        # distinct values stay distinct and ordered as binary floats.
        return float(value)
    if isinstance(value, dt.date):
        return value.toordinal()
    return value


def _pattern(node: Node, specs: dict[str, FactSpec]) -> dict[str, Any]:
    if isinstance(node, Compare):
        value = encode(specs[node.fact], node.value)
        if node.op == "==":
            return {node.fact: value}
        return {_OPS[node.op]: {node.fact: value}}
    key = "$and" if isinstance(node, And) else "$or"
    return {key: [_pattern(p, specs) for p in node.parts]}


def ruleset_definition(view: TargetView) -> tuple[dict[str, Any], dict[str, str], dict[str, tuple[str, str]]]:
    """The durable_rules ruleset for a target, and what each of its rule names stands for."""
    specs = {f.name: f for f in view.facts}
    definition: dict[str, Any] = {_END: {"all": [{"e": {"t": _END}}]}}
    rule_names: dict[str, str] = {}
    evidence_names: dict[str, tuple[str, str]] = {}
    for i, rule in enumerate(view.rules):
        name = f"r{i}"
        parts: list[dict[str, Any]] = [{"t": _ASSESSMENT}]
        parts.extend({"$ex": {fact: 1}} for fact in rule.reads)
        parts.append(_pattern(rule.condition, specs))
        definition[name] = {"all": [{"m": {"$and": parts}}]}
        rule_names[name] = rule.uid
    for j, (item, kind) in enumerate(view.evidence):
        name = f"e{j}"
        # The end marker must come first: an absence pattern placed first never fires.
        definition[name] = {
            "all": [
                {"e": {"t": _END}},
                {"n$not": {"$and": [{"t": _EVIDENCE}, {"item": item}, {"kind": kind}]}},
            ]
        }
        evidence_names[name] = (item, kind)
    return definition, rule_names, evidence_names


class DurableEvaluator:
    """Evaluates assessments of one target on a private durable_rules ruleset."""

    name = "durable_rules"

    def __init__(self, view: TargetView):
        self._view = view
        self._specs = {f.name: f for f in view.facts}
        definition, self._rule_names, self._evidence_names = ruleset_definition(view)
        ruleset_name = f"govrules_{view.pack_id}_{view.target.id}_{next(_names)}"
        self._handle = _dre.create_ruleset(ruleset_name, json.dumps(definition, ensure_ascii=False))
        self._finalizer = weakref.finalize(self, _dre.delete_ruleset, self._handle)
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._evidence_pairs = frozenset(view.evidence)

    def _facts(self, sid: str, assessment: Assessment) -> list[dict[str, Any]]:
        record: dict[str, Any] = {"sid": sid, "id": _ASSESSMENT, "t": _ASSESSMENT}
        for name, value in assessment.facts:
            spec = self._specs.get(name)
            if spec is not None and spec.type != "dates":
                record[name] = encode(spec, scalar(spec, value))
        facts = [record]
        for k, (item, kind) in enumerate(sorted(assessment.evidence & self._evidence_pairs)):
            facts.append({"sid": sid, "id": f"ev{k}", "t": _EVIDENCE, "item": item, "kind": kind})
        facts.append({"sid": sid, "id": _END, "t": _END})  # last, always
        return facts

    def evaluate(self, view: TargetView, assessment: Assessment) -> Evaluation:
        if view is not self._view:
            raise EngineError("this evaluator was compiled for another target")
        with self._lock:
            sid = str(next(self._sids))
            facts = self._facts(sid, assessment)
            fired: set[str] = set()
            try:
                code, state_handle = _dre.assert_facts(self._handle, json.dumps(facts, ensure_ascii=False))
                if code == 2:
                    raise EngineError("durable_rules saw a fact twice in one assessment")
                self._drain(state_handle, fired)
            finally:
                if _END in fired:
                    _dre.delete_state(self._handle, sid)
        if _END not in fired:
            raise EngineError(
                "durable_rules did not fire the end-of-assessment marker; refusing to return a possibly incomplete result"
            )
        rules = frozenset(self._rule_names[n] for n in fired if n in self._rule_names)
        absent = {self._evidence_names[n] for n in fired if n in self._evidence_names}
        missing = tuple(pair for pair in view.evidence if pair in absent)
        return Evaluation(fired=rules, missing_evidence=missing)

    def _drain(self, state_handle: int, fired: set[str]) -> None:
        """Run every pending action of the session now, in this thread."""
        result = _dre.start_action_for_state(self._handle, state_handle)
        while result:
            state, message = result[0], result[1]
            fired.update(json.loads(message))
            _dre.update_state(self._handle, state)
            following = _dre.complete_and_start_action(self._handle, state_handle)
            result = (state, following) if following else _dre.start_action_for_state(self._handle, state_handle)

    def close(self) -> None:
        """Delete the ruleset now rather than at garbage collection."""
        self._finalizer()

