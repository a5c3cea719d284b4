"""A row's remembered states (govrules.engine.rowcache) give what scoring the row gives.

Scoring remembers, per compiled target and row, the state, JSON text and
readings of each key it has seen (up to ``rowcache.ROW_KEYS``), and per rule
the effects of each set of facts it read (``RULE_KEYS``). Each check here
scores the same inputs with the tables (in whatever order earlier examples
filled them) and the long way round (both 0: no table read or written), on generated inputs of every installed pack and target,
repeated and interleaved, with models, overrides, 自评, merged parts with
raters, and the cohort stage; and from racing threads.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
import govrules.engine.models
from govrules.engine import rowcache
from govrules.engine.facts import Discretion
from govrules.testing import assessments

from datonghu_facts import xz
from test_cohort import cohort_inputs
from test_merge import OFFICE_FORM, PANEL, raters

PACK_TARGETS = [(p.id, t) for p in govrules.Registry.discover().packs for t in p.targets]
D = Decimal


def _long_way(fn):  # type: ignore[no-untyped-def]
    """``fn()`` with every row scored from its rules and every effect made by its kind: no table read or written."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(rowcache, "ROW_KEYS", 0)
        m.setattr(rowcache, "RULE_KEYS", 0)
        return fn()


def _same(remembered, scored) -> None:  # type: ignore[no-untyped-def]
    text = remembered.to_json()
    assert text == scored.to_json() == json.dumps(scored.to_dict(), ensure_ascii=False)
    assert remembered.status_counts == scored.status_counts
    assert remembered == scored
    assert remembered.to_json() == text  # and from the records, now built


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=20)
@given(data=st.data())
def test_remembered_rows_are_what_scoring_them_gives(registry, pack_id, target, data):
    pack = registry.get(pack_id)
    drawn = data.draw(st.lists(assessments(pack, target, complete=data.draw(st.booleans())), min_size=1, max_size=3))
    # Repeated and interleaved: each input may come back after others, so its rows are then read from their tables.
    order = data.draw(st.lists(st.integers(0, len(drawn) - 1), min_size=len(drawn), max_size=2 * len(drawn) + 1))
    model = data.draw(st.sampled_from([None, *govrules.engine.models.MODELS]))
    evaluator = data.draw(st.sampled_from(["durable", "reference"]))
    for i in [*range(len(drawn)), *order]:
        raw = drawn[i]
        scored = _long_way(lambda: pack.assess(raw, target, evaluator=evaluator, model=model))
        _same(pack.assess(raw, target, evaluator=evaluator, model=model), scored)
        _same(_rules_only(lambda: pack.assess(raw, target, evaluator=evaluator, model=model)), scored)
    for item in pack.view(target).items:
        assert len(item.states) <= rowcache.ROW_KEYS
        assert all(len(rule.effects_made) <= rowcache.RULE_KEYS for rule in item.rules)


def _rules_only(fn):  # type: ignore[no-untyped-def]
    """``fn()`` with every row scored from its rules, their effects from the rules' tables (a row whose key is new)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(rowcache, "ROW_KEYS", 0)
        return fn()


GRADES = st.sampled_from(["优", "良", "一般", "差"])


@pytest.fixture(scope="module")
def panel(registry) -> govrules.Pack:
    return govrules.load_pack(PANEL, parents=registry)


@settings(max_examples=30)
@given(grades=st.lists(st.tuples(st.sampled_from(["张三", "李四", "王五", "赵六"]), GRADES), min_size=1, max_size=4, unique_by=lambda g: g[0]))
def test_merged_parts_with_raters_are_what_scoring_them_gives(panel, grades):
    # Each rater's facts are scored alone (through the tables), then combined; the rated row is always scored.
    parts = [OFFICE_FORM, *raters(*grades)]
    for _ in range(2):
        _same(panel.assess_merged(parts), _long_way(lambda: panel.assess_merged(parts)))


@settings(max_examples=10)
@given(st.randoms(use_true_random=False))
def test_the_cohort_stage_is_what_scoring_its_rows_gives(registry, rnd):
    # Cohort rows are never remembered (their outcome is the other units' too); the rest of each unit's rows may be.
    pack = registry.get("huzhou_bianzhi_2021")
    inputs = cohort_inputs()
    rnd.shuffle(inputs)
    inputs = inputs[: rnd.randint(1, len(inputs))]
    remembered = pack.assess_cohort(inputs)
    scored = _long_way(lambda: pack.assess_cohort(inputs))
    for r, s in zip(remembered, scored):
        _same(r, s)


def test_a_row_from_its_table_carries_its_own_self_assessment(registry):
    pack = registry.get("datonghu_2023")
    first = pack.assess({**xz(new_media_criticism_city=2), "self_assessment": {"xz.3": 19}})
    again = pack.assess({**xz(new_media_criticism_city=2), "self_assessment": {"xz.3": 18.5}})
    none = pack.assess(xz(new_media_criticism_city=2))
    # xz.3 (20 points): 2 市级 criticisms × 0.2 = 0.4 off, 20 − 0.4 = 19.6; every other row met: 100 − 0.4 = 99.6.
    for r in (first, again, none):
        assert (r.item("xz.3").score, r.total) == (D("19.6"), D("99.6"))
    assert [(x.item, x.self_score) for x in first.differences] == [("xz.3", D(19))]
    assert [(x.item, x.self_score) for x in again.differences] == [("xz.3", D("18.5"))]
    assert (none.differences, none.item("xz.3").self_score) == ((), None)
    for r in (first, again, none):
        assert r.to_json() == json.dumps(r.to_dict(), ensure_ascii=False)
    written = [{i["id"]: i for i in json.loads(r.to_json())["items"]}["xz.3"]["self_score"] for r in (first, again, none)]
    assert written == ["19", "18.5", None]


def test_keys_tell_apart_values_that_compare_equal():
    # Equal as Python values, but read, computed or written differently: never one key.
    assert rowcache.value_key(True) != rowcache.value_key(1)
    assert rowcache.value_key(False) != rowcache.value_key(0)
    assert rowcache.value_key(D("1.0")) != rowcache.value_key(D("1"))
    assert rowcache.value_key(D("-0")) != rowcache.value_key(D("0"))
    assert rowcache.value_key(D("1")) != rowcache.value_key(1)
    assert rowcache.value_key(("a", "b")) != rowcache.value_key(("a", ("b",)))
    assert rowcache.value_key(Discretion(D("1.0"), "x")) != rowcache.value_key(Discretion(D("1"), "x"))
    assert rowcache.value_key(dt.date(2023, 1, 1)) == rowcache.value_key(dt.date(2023, 1, 1))
    with pytest.raises(rowcache.Unkeyable):
        rowcache.value_key(dt.datetime(2023, 1, 1))  # no fact is one; were it, the row is scored the long way
    with pytest.raises(rowcache.Unkeyable):
        rowcache.value_key(1.0)


def _varied(raw: dict, rnd: random.Random) -> dict:
    """The input with each count and yes/no fact drawn again (small counts: keys repeat), and a 自评 now and then."""
    facts = {}
    for name, value in raw["facts"].items():
        if type(value) is bool:
            facts[name] = rnd.random() < 0.7
        elif type(value) is int:
            facts[name] = rnd.choice([0, 0, 0, 1, 2, 3])
        else:
            facts[name] = value
    out = {**raw, "facts": facts}
    if rnd.random() < 0.3:
        out["self_assessment"] = {"xz.3": rnd.choice([18, 19.5, 20])}
    return out


def test_threads_filling_the_tables_at_once_get_what_scoring_gives():
    # A fresh pack (empty tables), small tables (so some rows find theirs full),
    # six threads assessing the same inputs in different orders at once.
    registry = govrules.Registry.discover()
    origin = Path(registry.get("datonghu_2023").origin)
    pack = govrules.load_pack(origin)
    rnd = random.Random(7)
    inputs = [_varied(xz(), rnd) for _ in range(120)]
    want = [_long_way(lambda raw=raw: pack.assess(raw).to_json()) for raw in inputs]
    barrier = threading.Barrier(6)
    seen: dict[int, list] = {}

    def run(n: int) -> None:
        order = list(range(len(inputs)))
        random.Random(n).shuffle(order)
        barrier.wait()
        seen[n] = [(i, pack.assess(inputs[i]).to_json()) for i in order]

    with pytest.MonkeyPatch.context() as m:
        m.setattr(rowcache, "ROW_KEYS", 6)
        m.setattr(rowcache, "RULE_KEYS", 6)
        threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(seen) == list(range(6))
    for n in range(6):
        assert all(text == want[i] for i, text in seen[n]), n
    for item in pack.view("xiangzhen").items:
        assert len(item.states) <= 6 + 5  # full at 6; threads past the check at once may each store one more
        assert all(len(rule.effects_made) <= 6 + 5 for rule in item.rules)
