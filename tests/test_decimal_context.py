"""Scores do not depend on the caller's decimal context.

Decimal operators use the thread's current context. A web application that
lowers the precision or changes the rounding of its own thread (for money,
say) must still get exact scores: every entry point runs under govrules' own
context (:func:`govrules.numbers.exact`). Before that, ``prec = 2`` turned
datonghu_2023's worked example from 95.8 into 96.
"""

from __future__ import annotations

import decimal
import json
from pathlib import Path


import govrules
from govrules.outputs import report
from govrules.engine.inputs import parse_json


def _hostile() -> decimal.Context:
    return decimal.Context(prec=2, rounding=decimal.ROUND_FLOOR, traps=[])


def _examples(registry: govrules.Registry) -> list[tuple[govrules.Pack, Path]]:
    out = []
    for pack in registry.packs:
        folder = Path(pack.origin).parent / "examples"
        out.extend((pack, path) for path in sorted(folder.glob("*.json")))
    return out


def test_the_worked_example_keeps_its_total_under_a_two_digit_context(datonghu):
    data = parse_json(json.dumps(json.load(open(Path(datonghu.origin).parent / "examples" / "xiangzhen.json"))))
    with decimal.localcontext(_hostile()):
        result = datonghu.assess(data)
        assert result.total == decimal.Decimal("95.8")  # worked out by hand in tests/test_datonghu.py
        assert [i.deducted for i in result.items] == [decimal.Decimal("0.8"), 0, decimal.Decimal("3.4"), 0, 0]
    assert decimal.getcontext().prec == 28  # the caller's context is left as it was


def test_every_example_gives_the_same_sheet_and_report_under_any_context(registry):
    examples = _examples(registry)
    assert len(examples) >= 5
    for pack, path in examples:
        data = parse_json(path.read_bytes())
        plain = pack.assess(data)
        plain_fixes = report.recoverable(plain)
        plain_model = None if plain.scored else pack.assess(data, model="flat_unweighted").model
        with decimal.localcontext(_hostile()):
            hostile = pack.assess(data)
            assert hostile.to_json() == plain.to_json(), path
            assert report.recoverable(hostile) == plain_fixes, path
            assert report.markdown(hostile) == report.markdown(plain), path
            if plain_model is not None:
                assert pack.assess(data, model="flat_unweighted").model == plain_model, path


def test_packs_load_the_same_under_any_context(registry):
    with decimal.localcontext(_hostile()):
        again = govrules.Registry.discover()
    assert [p.content_hash for p in again.packs] == [p.content_hash for p in registry.packs]
    assert not again.broken
