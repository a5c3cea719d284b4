"""The units' store of a streamed batch (outputs/unitstore.py): the duplicate check it answers is the one a dict gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from govrules.outputs.batch import Unit
from govrules.outputs.outcome import Outcome
from govrules.outputs.unitstore import UnitStore


def _outcome(target: str) -> Outcome:
    return Outcome(target, target, True, Decimal("90"), Decimal("100"), None, None, False, False, (), (), Decimal("100"), {})


_UNITS = st.lists(st.tuples(st.sampled_from(["xiangzhen", "quzhi"]), st.sampled_from(["甲镇", "乙镇", "丙镇", "丁镇", "a", "b"]), st.booleans()), max_size=40)


class _TinyFilter(UnitStore):
    name_bits = 64  # so small that almost every name is a false "maybe"


@pytest.mark.parametrize("kind", [_TinyFilter, UnitStore])
@settings(max_examples=40, deadline=None)
@given(units=_UNITS)
def test_first_named_is_the_first_stored_unit_of_that_name(tmp_path_factory, kind, units):
    store = kind(tmp_path_factory.mktemp("store"))
    first: dict[tuple[str, str], str] = {}
    try:
        for i, (target, name, scored) in enumerate(units, start=1):
            key = (target, name)
            assert store.first_named(target, name) == first.get(key)
            # A failed unit (no outcome) is stored but never named first.
            store.append(Unit(i, f"u.csv 第{i + 1}行", name, None, outcome=_outcome(target) if scored else None))
            if scored:
                first.setdefault(key, f"u.csv 第{i + 1}行")
    finally:
        store.close()


@settings(max_examples=40, deadline=None)
@given(units=st.lists(st.tuples(st.none() | st.sampled_from(["001_甲镇", "002_乙镇", "003_a"]), st.booleans(), st.booleans()), max_size=20))
def test_sheet_files_are_every_units_files_in_input_order(tmp_path_factory, units):
    # Read from the stem and pdf columns, they are what each unit read back names (Unit.files), a stem changed by replace too.
    store = UnitStore(tmp_path_factory.mktemp("store"))
    try:
        for i, (stem, pdf, changed) in enumerate(units, start=1):
            store.append(Unit(i, f"u.csv 第{i + 1}行", "甲镇", None, outcome=_outcome("xiangzhen"), stem=stem, pdf=pdf and stem is not None))
        store.done()

        def drop(u: Unit) -> bool:
            if units[u.index - 1][2] and u.stem is not None:
                u.stem = None  # as a duplicate's sheets are removed
                return True
            return False

        store.update_each(drop)
        assert list(store.sheet_files()) == [f for u in store for f in u.files.values()]
    finally:
        store.close()
