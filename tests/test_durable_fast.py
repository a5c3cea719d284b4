"""Guards for the durable evaluator's fast path (govrules.engine.inference.durable).

The evaluator writes the facts' JSON text itself, from parts worked out once
per target, and drains actions without ``update_state``. These tests check
that the text is exactly ``json.dumps`` of the records built the plain way,
and that the short drain sees the same actions as the stock one and leaves
none behind.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from typing import Any

import durable_rules_engine as dre
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine.facts import Discretion, scalar
from govrules.engine.inference.durable import SCALED, DurableEvaluator, encode, record_keys, ruleset_definition, value_writer
from govrules.rubric.model import FactSpec
from govrules.testing import assessments

REGISTRY = govrules.Registry.discover()
CASES = [pytest.param(pack, target, id=f"{pack.id}-{target}") for pack in REGISTRY.packs for target in pack.targets]

VALUES: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "count": ({}, [0, 1, 7, 10**9]),
    "boolean": ({}, [True, False]),
    "subset": ({"elements": ("甲", "乙", "丙")}, [(), ("甲",), ("甲", "丙")]),
    "choice": ({"elements": ("国家级", "省级", "市级")}, ["国家级", "省级", "市级"]),
    "date": ({}, [dt.date(2021, 5, 28), dt.date(1, 1, 1)]),
    "number": ({}, [D("0"), D("0.00005"), D("-3.5"), D("999999999.999999"), D("-0.000001"), D("12")]),
    "discretionary": ({"maximum": D("5")}, [Discretion(D("0"), ""), Discretion(D("0.5"), "理由"), Discretion(D("0.000001"), "理由")]),
}


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_value_writers_write_the_json_of_encode(kind: str) -> None:
    extra, values = VALUES[kind]
    spec = FactSpec(name="f", label="事实", type=kind, **extra)
    write = value_writer(spec)
    for value in values:
        assert write(value) == json.dumps(encode(spec, scalar(spec, value)), ensure_ascii=False)


def plain_records(evaluator: DurableEvaluator, view: Any, sid: str, assessment: Any) -> list[dict[str, Any]]:
    """The records of one assessment built the plain way: dicts of encoded scalars."""
    values = dict(assessment.facts)
    keys = record_keys(view)
    _, _, _, group_reads = ruleset_definition(view)
    records = []
    for m, reads in enumerate(group_reads):
        record: dict[str, Any] = {"sid": sid, "id": f"g{m}", "t": f"g{m}"}
        for field in reads:
            name = field.removesuffix(SCALED)
            if name in values:
                spec = view.fact_specs[name]
                if field.endswith(SCALED):  # a count or subset compared with a number: its size scaled like one
                    size = values[name] if spec.type == "count" else len(values[name])
                    record[keys[field]] = min(size, 10**9) * 10**6
                else:
                    record[keys[field]] = encode(spec, scalar(spec, values[name]))
        records.append(record)
    groups = [range(start, min(start + 32, len(view.evidence))) for start in range(0, len(view.evidence), 32)]
    for m, group in enumerate(groups):
        records.extend({"sid": sid, "id": f"ev{j}", "t": f"ev{m}", "k": j} for j in group if view.evidence[j] in assessment.evidence)
    records.extend({"sid": sid, "id": f"end{m}", "t": f"end{m}"} for m in range(len(groups)))
    records.append({"sid": sid, "id": "end", "t": "end"})
    return records


@pytest.mark.parametrize(("pack", "target"), CASES)
def test_fact_text_is_the_json_of_the_plain_records(pack: govrules.Pack, target: str) -> None:
    view = pack.view(target)
    evaluator = pack._evaluator(view, "durable")

    @settings(max_examples=40)
    @given(data=assessments(pack, target, complete=False), sid=st.integers(1, 10**12).map(str))
    def check(data: dict[str, Any], sid: str) -> None:
        _, assessment = pack.validate(data, target)
        expected = json.dumps(plain_records(evaluator, view, sid, assessment), ensure_ascii=False)
        assert evaluator._fact_text(sid, assessment) == expected

    check()


def stock_drain(handle: int, state_handle: int) -> list[str]:
    """The drain as the stock durable.engine.Ruleset does it: update_state after every action."""
    fired = []
    result = dre.start_action_for_state(handle, state_handle)
    while result:
        fired.append(next(iter(json.loads(result[1]))))
        dre.update_state(handle, result[0])
        following = dre.complete_and_start_action(handle, state_handle)
        result = (result[0], following) if following else dre.start_action_for_state(handle, state_handle)
    return fired


@pytest.mark.parametrize(("pack", "target"), CASES)
def test_the_short_drain_sees_every_action_and_leaves_none(pack: govrules.Pack, target: str) -> None:
    view = pack.view(target)
    evaluator = DurableEvaluator(view)  # a private ruleset: raw sessions on it touch no other test
    handle = evaluator._handle

    @settings(max_examples=20)
    @given(data=assessments(pack, target, complete=False))
    def check(data: dict[str, Any]) -> None:
        _, assessment = pack.validate(data, target)
        # delete_state only once the end marker has fired (it segfaults on a session where no rule fired).
        _, state_handle = dre.assert_facts(handle, evaluator._fact_text("short", assessment))
        short: list[str] = []
        evaluator._drain(state_handle, short)
        assert dre.start_action_for_state(handle, state_handle) is None
        assert "end" in short
        dre.delete_state(handle, "short")

        _, state_handle = dre.assert_facts(handle, evaluator._fact_text("stock", assessment))
        stock = stock_drain(handle, state_handle)
        assert "end" in stock
        dre.delete_state(handle, "stock")
        assert sorted(short) == sorted(stock)

    check()
    evaluator.close()
