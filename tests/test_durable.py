"""Guards for each known durable_rules 2.0.28 pitfall (see docs/durable_rules.md).

Some tests show the pitfall in raw durable_rules (in a subprocess where it could
crash), the others show that govrules' use of it is not affected.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal as D

import durable_rules_engine as dre
import pytest

import govrules
from govrules.engine.inference.durable import DurableEvaluator, ruleset_definition
from govrules.engine.inference.reference import ReferenceEvaluator

DOC = "每次扣1分 未按要求不计分 缺少佐证"


def many_rules_pack(n: int) -> govrules.Pack:
    """A pack with ``n`` items, each losing 1 point per occurrence of its own count fact."""
    facts = "\n".join(f"  - {{name: c{i}, label: 次数{i}, type: count}}" for i in range(n))
    items = "\n".join(
        f"      - id: i{i}\n        name: 项{i}\n        points: {{t: 1}}\n        evidence: [缺少佐证]\n"
        f"        rules:\n          - {{id: r, kind: per_occurrence, fact: c{i}, amount: 1, quote: 每次扣1分}}"
        for i in range(n)
    )
    text = (
        f"format: 1\npack: {{id: many, version: '1', title: 多, issuer: 测, source: 测}}\n"
        f"targets:\n  - {{id: t, name: 对象, total: {n}}}\nfacts:\n{facts}\n"
        f"indicators:\n  - id: s\n    name: 全部\n    children:\n{items}\n"
    )
    return govrules.load_pack_text(text, "many.yaml", DOC)


#: Appended to raw durable_rules scripts: run every pending action of session ``state``
#: of ruleset ``h`` synchronously and print the rule names that fired.
PRINT_FIRED = """
fired = []
r = dre.start_action_for_state(h, state)
while r:
    fired += list(json.loads(r[1]))
    dre.update_state(h, r[0])
    nxt = dre.complete_and_start_action(h, state)
    r = (r[0], nxt) if nxt else dre.start_action_for_state(h, state)
print(sorted(fired))
"""


def run_python(code: str, then: str = "") -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(code) + then
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


def test_no_background_threads():
    # The stock durable.engine.Host starts timer threads; we never create a Host.
    before = threading.active_count()
    pack = many_rules_pack(5)
    for k in range(20):
        pack.assess({"facts": {f"c{i}": k % 2 for i in range(5)}})
    assert threading.active_count() == before


def test_every_action_has_run_when_assess_returns():
    # With the stock Host, assert_facts returns before most actions ran. Here all
    # 300 rules fire in one assessment and all 300 are in the result.
    n = 300
    pack = many_rules_pack(n)
    facts = {f"c{i}": 1 for i in range(n)}
    result = pack.assess({"facts": facts})
    assert sum(1 for item in result.items if item.effects) == n
    assert result.total == 0


def test_an_assessment_in_which_no_rule_fires():
    # delete_state segfaults on a session in which no rule fired; the end-marker
    # rule always fires, so the session is deletable and is deleted.
    pack = many_rules_pack(3)
    result = pack.assess({"facts": {"c0": 0, "c1": 0, "c2": 0}, "evidence": {"i0": ["缺少佐证"], "i1": ["缺少佐证"], "i2": ["缺少佐证"]}})
    assert result.total == D(3)
    assert all(not i.effects for i in result.items)


def test_one_session_per_ruleset_so_live_sessions_never_pile_up():
    # A ruleset holds at most 1024 live sessions. Each evaluator keeps one,
    # retracting an assessment's facts once its actions ran, and opens no other.
    pack = many_rules_pack(2)
    for k in range(3000):
        pack.assess({"facts": {"c0": k % 3, "c1": 0}})
    view = pack.view("t")
    evaluator = pack._evaluator(view, "durable")
    assert evaluator._sid == "1"
    assert json.loads(dre.get_state(evaluator._handle, "1")) == {"sid": "1", "id": "sid-1", "$s": 1}  # the session lives
    for sid in ("2", "1500", "3000"):
        with pytest.raises(dre.error):
            dre.get_state(evaluator._handle, sid)


def test_an_assessments_facts_are_retracted_from_the_session():
    # What is left of an assessment in the reused session would be seen by the
    # next one: every record is retracted, the evidence too (a piece of
    # evidence left behind would hide that the next assessment lacks it).
    pack = many_rules_pack(3)
    evaluator = pack._evaluator(pack.view("t"), "durable")
    for k in range(3):
        evidence = {f"i{i}": ["缺少佐证"] for i in range(3) if i != k}
        result = pack.assess({"facts": {"c0": 1, "c1": 0, "c2": 0}, "evidence": evidence})
        # Hand-worked: i0 loses its 1 point (c0 = 1, 每次扣1分); the item without evidence is the one missing it.
        assert result.total == D(2)
        assert result.missing_evidence == ((f"i{k}", "缺少佐证"),)
    assert evaluator._sid == "1"  # all in one session


def test_an_end_marker_left_in_the_session_is_found_out(monkeypatch: pytest.MonkeyPatch):
    # Were a retraction to miss, the end marker asserted again would be a
    # duplicate: durable_rules answers code 2, the assessment fails loudly, and
    # the session is left for a new one.
    pack = many_rules_pack(2)
    evaluator = pack._evaluator(pack.view("t"), "durable")
    monkeypatch.setattr(DurableEvaluator, "_retraction", lambda self, evidence: "[]")
    assert pack.assess({"facts": {"c0": 1, "c1": 0}}).total == D(1)  # its facts stay in the session
    with pytest.raises(govrules.EngineError, match="saw a fact twice"):
        pack.assess({"facts": {"c0": 0, "c1": 0}})
    monkeypatch.undo()
    assert evaluator._sid == "2"
    assert pack.assess({"facts": {"c0": 0, "c1": 0}}).total == D(2)


def test_raw_durable_rules_fires_an_absence_rule_when_evidence_is_retracted_before_its_end_marker():
    # Why the end markers are retracted first: with the end marker still held,
    # retracting the evidence makes its absence rule true, and an action is
    # queued in the session. (Retracting the end marker afterwards happens to
    # take it back; retracting it first never queues one.)
    proc = run_python(
        """
        import json, durable_rules_engine as dre
        rules = {"absent": {"all": [{"e": {"t": "end"}}, {"n$not": {"t": "ev"}}]}, "end": {"all": [{"e": {"t": "end"}}]}}
        h = dre.create_ruleset("x", json.dumps(rules))
        facts = json.dumps([{"sid": "1", "id": "ev", "t": "ev"}, {"sid": "1", "id": "end", "t": "end"}])
        for first in ("ev", "end"):
            code, state = dre.assert_facts(h, facts)
            fired = []
            m = dre.start_action_for_state(h, state)[1]
            while m:
                fired += list(json.loads(m))
                m = dre.complete_and_start_action(h, state)
            dre.retract_facts(h, json.dumps([{"sid": "1", "id": first}]))
            pending = dre.start_action_for_state(h, state)
            print(fired, "then", first, "retracted:", list(json.loads(pending[1])) if pending else None)
            if pending:
                dre.complete_and_start_action(h, state)
            dre.retract_facts(h, json.dumps([{"sid": "1", "id": "end"}, {"sid": "1", "id": "ev"}]))
        """
    )
    assert proc.stdout.splitlines() == ["['end'] then ev retracted: ['absent']", "['end'] then end retracted: None"], proc.stderr


def test_a_failed_assessment_leaves_its_session_for_a_new_one(monkeypatch: pytest.MonkeyPatch):
    pack = many_rules_pack(2)
    evaluator = pack._evaluator(pack.view("t"), "durable")
    assert pack.assess({"facts": {"c0": 1, "c1": 0}}).total == D(1)
    drain = DurableEvaluator._drain

    def failing(self: DurableEvaluator, state_handle: int, fired: list[str]) -> None:
        drain(self, state_handle, fired)  # every rule fired, then the engine "fails"
        raise dre.error("injected")

    monkeypatch.setattr(DurableEvaluator, "_drain", failing)
    with pytest.raises(govrules.EngineError, match="injected"):
        pack.assess({"facts": {"c0": 1, "c1": 1}})
    monkeypatch.undo()
    assert evaluator._sid == "2"
    with pytest.raises(dre.error):
        dre.get_state(evaluator._handle, "1")  # deleted: a rule had fired in it
    # Hand-worked: each item has 1 point and loses 1 per occurrence; nothing of the failed assessment is seen.
    assert pack.assess({"facts": {"c0": 0, "c1": 0}}).total == D(2)
    assert pack.assess({"facts": {"c0": 0, "c1": 1}}).total == D(1)


def test_closing_an_evaluator_deletes_its_session_then_its_ruleset(monkeypatch: pytest.MonkeyPatch):
    # delete_ruleset frees neither a session's sid nor its frames.
    pack = many_rules_pack(1)
    calls: list[tuple[str, tuple[object, ...]]] = []
    for name in ("delete_state", "delete_ruleset"):
        real = getattr(dre, name)
        monkeypatch.setattr(dre, name, lambda *a, _n=name, _f=real: (calls.append((_n, a)), _f(*a))[1])

    def on(handle: int) -> list[tuple[str, tuple[object, ...]]]:
        # (Another test's evaluator collected meanwhile deletes its own ruleset through the same functions.)
        return [(n, a) for n, a in calls if a[0] == handle]

    evaluator = DurableEvaluator(pack.view("t"))
    evaluator.close()  # no assessment: no session to delete
    assert on(evaluator._handle) == [("delete_ruleset", (evaluator._handle,))]
    calls.clear()
    evaluator = DurableEvaluator(pack.view("t"))
    evaluator.evaluate(pack.view("t"), pack.validate({"facts": {"c0": 1}})[1])
    evaluator.close()
    assert on(evaluator._handle) == [("delete_state", (evaluator._handle, "1")), ("delete_ruleset", (evaluator._handle,))]


def test_raw_durable_rules_refuses_more_than_1024_live_sessions():
    proc = run_python(
        """
        import json, durable_rules_engine as dre
        h = dre.create_ruleset("x", json.dumps({"r": {"all": [{"m": {"t": "a"}}]}}))
        try:
            for i in range(1100):
                dre.assert_facts(h, json.dumps([{"sid": str(i), "id": "a", "t": "a"}]))
        except MemoryError:
            print("refused at", i)
        """
    )
    assert "refused at 1024" in proc.stdout


def test_assessments_do_not_see_each_other():
    pack = many_rules_pack(2)
    first = pack.assess({"facts": {"c0": 1, "c1": 1}})
    second = pack.assess({"facts": {"c0": 0, "c1": 0}})
    assert first.total == 0 and second.total == D(2)


def test_threads_share_a_pack_safely():
    # Two threads on one sid segfault; sids are matched by a 32-bit hash. One
    # lock per ruleset serialises sessions, so threads only ever see their own.
    pack = many_rules_pack(4)
    inputs = [{"facts": {f"c{i}": (k >> i) & 1 for i in range(4)}} for k in range(16)]
    expected = [pack.assess(x, evaluator="reference").to_dict()["total"] for x in inputs]
    errors: list[BaseException] = []
    outputs: dict[int, list[str]] = {}

    def work(tid: int) -> None:
        try:
            outputs[tid] = [pack.assess(inputs[(tid + j) % 16]).to_dict()["total"] for j in range(200)]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for tid, got in outputs.items():
        assert got == [expected[(tid + j) % 16] for j in range(200)]


def test_absence_pattern_placed_first_never_fires_in_raw_durable_rules():
    proc = run_python(
        """
        import json, durable_rules_engine as dre
        rules = {
            "first": {"all": [{"n$not": {"t": "ev"}}, {"e": {"t": "end"}}]},
            "last": {"all": [{"e": {"t": "end"}}, {"n$not": {"t": "ev"}}]},
        }
        h = dre.create_ruleset("x", json.dumps(rules))
        code, state = dre.assert_facts(h, json.dumps([{"sid": "1", "id": "end", "t": "end"}]))
        """,
        PRINT_FIRED,
    )
    assert proc.stdout.strip() == "['last']"


def test_missing_evidence_is_found_by_an_absence_rule_after_the_end_marker():
    pack = many_rules_pack(3)
    definition, _, evidence, _ = ruleset_definition(pack.view("t"))
    for name in evidence:
        assert list(definition[name]["all"][0]) == ["e"]  # the end marker comes first
    result = pack.assess({"facts": {"c0": 0, "c1": 0, "c2": 0}, "evidence": {"i1": ["缺少佐证"]}})
    assert result.missing_evidence == (("i0", "缺少佐证"), ("i2", "缺少佐证"))
    assert result.item("i0").missing_evidence == ("缺少佐证",)


def test_raw_durable_rules_compares_mismatched_types_silently():
    proc = run_python(
        """
        import json, durable_rules_engine as dre
        h = dre.create_ruleset("x", json.dumps({"end": {"all": [{"e": {"t": "end"}}]},
                                                "r": {"all": [{"m": {"$and": [{"t": "a"}, {"$gte": {"x": 3}}]}}]}}))
        code, state = dre.assert_facts(h, json.dumps([{"sid": "1", "id": "a", "t": "a", "x": "10"}, {"sid": "1", "id": "end", "t": "end"}]))
        """,
        PRINT_FIRED,
    )
    assert proc.stdout.strip() == "['end']"  # "10" >= 3 is just false


def test_mismatched_types_never_reach_durable_rules():
    pack = many_rules_pack(1)
    with pytest.raises(govrules.FactsError):
        pack.assess({"facts": {"c0": "10"}})
    with pytest.raises(govrules.FactsError):
        pack.assess({"facts": {"c0": True}})


def test_evaluator_refuses_another_targets_view():
    a, b = many_rules_pack(1), many_rules_pack(1)
    ev = DurableEvaluator(a.view("t"))
    _, assessment = b.validate({"facts": {"c0": 1}})
    with pytest.raises(govrules.EngineError):
        ev.evaluate(b.view("t"), assessment)
    ev.close()


def test_large_packs_stay_within_durable_rules_limits():
    # 600 rules and 600 evidence requirements: beyond durable_rules' 64-entry
    # alpha stack, 256 betas per alpha node and 512 children per alpha node,
    # had the rules not been grouped 32 to a record type.
    pack = many_rules_pack(600)
    data = {"facts": {f"c{i}": i % 2 for i in range(600)}, "evidence": {f"i{i}": ["缺少佐证"] for i in range(0, 600, 3)}}
    durable = pack.assess(data).to_dict()
    reference = pack.assess(data, evaluator="reference").to_dict()
    durable["engine"].pop("evaluator")
    reference["engine"].pop("evaluator")
    assert durable == reference
    assert durable["total"] == "300"  # the 300 odd items lose their 1 point each
    assert len(durable["missing_evidence"]) == 400


def test_reference_and_durable_agree_on_the_many_rules_pack():
    pack = many_rules_pack(8)
    for k in range(256):
        data = {"facts": {f"c{i}": (k >> i) & 1 for i in range(8)}}
        view, assessment = pack.validate(data)
        durable = pack._evaluator(view, "durable").evaluate(view, assessment)
        reference = ReferenceEvaluator().evaluate(view, assessment)
        assert durable == reference


def test_choice_values_with_chinese_text():
    text = textwrap.dedent(
        """\
        format: 1
        pack: {id: choice, version: '1', title: 选, issuer: 测, source: 测}
        targets: [{id: t, name: 对象, total: 2}]
        facts:
          - {name: level, label: 级别, type: choice, elements: [国家级, 省级, 市级]}
        indicators:
          - id: a
            name: 项
            points: {t: 2}
            rules:
              - {id: r, kind: fixed, amount: 1, when: {fact: level, is: 市级}, quote: 每次扣1分}
              - {id: s, kind: fixed, amount: 1, when: {fact: level, op: "!=", value: 国家级}, quote: 每次扣1分}
        """
    )
    pack = govrules.load_pack_text(text, "choice.yaml", DOC)
    for level, total in (("国家级", D(2)), ("省级", D(1)), ("市级", D(0))):
        for ev in ("durable", "reference"):
            assert pack.assess({"facts": {"level": level}}, evaluator=ev).total == total


def test_a_condition_with_many_alternatives():
    # durable_rules refuses an $or of 14 or more branches (error 113); conditions are
    # expanded into their conjunctions, one durable rule each, under one pack rule.
    n = 20
    facts = "\n".join(f"  - {{name: f{i}, label: 事实{i}, type: boolean}}" for i in range(n))
    parts = ", ".join(f"{{fact: f{i}, is: false}}" for i in range(n))
    text = (
        f"format: 1\npack: {{id: wide, version: '1', title: 宽, issuer: 测, source: 测}}\n"
        f"targets: [{{id: t, name: 对象, total: 1}}]\nfacts:\n{facts}\n"
        f"indicators:\n  - id: a\n    name: 项\n    points: {{t: 1}}\n"
        f"    rules: [{{id: r, kind: all_or_nothing, when: {{any: [{parts}]}}, quote: 未按要求不计分}}]\n"
    )
    pack = govrules.load_pack_text(text, "wide.yaml", DOC)
    all_true = {f"f{i}": True for i in range(n)}
    assert pack.assess({"facts": all_true}).total == D(1)
    assert pack.assess({"facts": {**all_true, "f17": False}}).total == 0
    assert pack.assess({"facts": {"f3": False}}).total == 0  # decided by one part, the rest missing
    assert pack.assess({"facts": {"f3": True}}).total is None  # undecided
