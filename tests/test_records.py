"""govrules.engine.records: frozen records made through a mutable twin are the records ``cls(...)`` makes."""

from __future__ import annotations

import copy
import pickle
import weakref
from decimal import Decimal as D

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import govrules
from datonghu_facts import XZ_SELF_ASSESSED
from govrules.engine import findings, inputs, records, recoverable, scoring
from govrules.engine.findings import Findings
from govrules.engine.inputs import Assessment
from govrules.engine.result import ItemResult, Result, SectionResult


@attrs.frozen(weakref_slot=False)
class Sample:
    a: int
    _b: str = attrs.field(default="b", alias="b")
    c: tuple[int, ...] = ()
    d: dict[str, int] = attrs.field(factory=dict, eq=False)
    e: int | None = attrs.field(default=None, init=False, eq=False)


values = st.integers() | st.text(max_size=5) | st.none()


@given(a=values, b=st.text(max_size=5), c=st.tuples(st.integers()))
def test_a_built_record_is_the_record_its_class_makes(a, b, c):
    build = records.builder(Sample)
    assert build is not Sample
    for made, expected in ((build(a, b, c), Sample(a, b, c)), (build(a, b=b), Sample(a, b=b)), (build(a), Sample(a))):
        assert type(made) is Sample
        assert made == expected and hash(made) == hash(expected) and repr(made) == repr(expected)
        assert made.e is None and made.d == {} and made.d is not build(a).d  # defaults and factories, as __init__ gives them
        assert pickle.loads(pickle.dumps(made)) == made and copy.deepcopy(made) == made
        assert attrs.evolve(made, c=(1,)) == attrs.evolve(expected, c=(1,))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.a = 1  # type: ignore[misc]


def test_a_built_record_refuses_what_its_class_refuses():
    build = records.builder(Sample)
    with pytest.raises(TypeError):
        build()  # a is required
    with pytest.raises(TypeError):
        build(1, e=2)  # not an argument
    with pytest.raises(TypeError):
        build(1, nope=2)


@attrs.frozen
class WithWeakref:
    a: int


@attrs.frozen(weakref_slot=False)
class Checked:
    a: int = attrs.field(validator=attrs.validators.instance_of(int))


@attrs.frozen(weakref_slot=False)
class PostInit:
    a: int

    def __attrs_post_init__(self) -> None:
        pass


@attrs.define(weakref_slot=False)
class Mutable:
    a: int


@pytest.mark.parametrize("cls", [WithWeakref, Checked, PostInit, Mutable, int])
def test_classes_without_a_twin_are_built_by_themselves(cls):
    # A __weakref__ slot (CPython's layout check refuses the class assignment),
    # a validator or __attrs_post_init__ (the twin would skip them), a class
    # whose own __init__ already stores plainly, or no attrs class at all.
    assert records.builder(cls) is cls
    record = WithWeakref(1)
    assert weakref.ref(record)() is record  # a class keeping its __weakref__ slot keeps attrs' own __init__


def test_the_engines_records_are_built_through_twins():
    assert scoring._new_result is not Result and scoring._new_item is not ItemResult and scoring._new_section is not SectionResult
    assert inputs._new_assessment is not Assessment and findings._new_findings is not Findings
    assert recoverable._new_fix is not recoverable.Fix


def test_a_result_built_through_its_twin_is_the_result_attrs_makes(registry: govrules.Registry):
    pack = registry.get("datonghu_2023")
    result = pack.assess(XZ_SELF_ASSESSED)
    assert type(result) is Result and type(result.items[0]) is ItemResult and type(result.sections[0]) is SectionResult
    # xz.1 (20分): one late (每次扣0.1分) and 酌情扣分 2.4: 20 − 0.1 − 2.4 = 17.5.
    assert result.item("xz.1").score == D("17.5")
    rebuilt = Result(**{(f.alias or f.name): getattr(result, f.name) for f in attrs.fields(Result) if f.init})
    assert rebuilt == result and rebuilt.to_json() == result.to_json()
    assert [attrs.evolve(i) for i in result.items] == list(result.items)
    assert [attrs.evolve(s) for s in result.sections] == list(result.sections)
