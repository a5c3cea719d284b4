"""findings_of's short way: when every fact a rule reads or counts is known, no rule is left unchecked.

It returns without looking at each rule when the assessment gives every fact
in ``TargetView.rules_required`` (every fact a rule reads or counts, but the
optional ones: a discretionary deduction left out); here the long way (each rule looked at, as
findings_of does otherwise) is run on the same generated inputs of every pack
and must find nothing unchecked whenever the short way is taken, and the
same unchecked rules otherwise.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine.conditions import decide
from govrules.engine.findings import findings_of, scalars_of
from govrules.testing import assessments

PACK_TARGETS = [(p.id, t) for p in govrules.Registry.discover().packs for t in p.targets]


def _unchecked_rule_by_rule(view, assessment, fired):  # type: ignore[no-untyped-def]
    present = dict(assessment.facts).keys()
    scalars = scalars_of(view, assessment)
    unchecked = {}
    for rule in view.rules:
        all_read = rule.read_set <= present
        is_fired = rule.uid in fired
        decided = True if (all_read or is_fired) else decide(rule.condition, scalars, rule.optional) is not None
        if decided and (not is_fired or rule.quantity_set <= present):
            continue
        unchecked[rule.uid] = tuple(name for name in rule.reads if name not in present and name not in rule.optional)
    return unchecked


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=30)
@given(data=st.data())
def test_the_short_way_leaves_out_only_what_the_long_way_would(registry, pack_id, target, data):
    pack = registry.get(pack_id)
    view, assessment = pack.validate(data.draw(assessments(pack, target, complete=data.draw(st.booleans()))), target)
    evaluation = pack._evaluator(view, "reference").evaluate(view, assessment)
    findings = findings_of(view, assessment, evaluation, "reference")
    assert findings.unchecked == _unchecked_rule_by_rule(view, assessment, evaluation.fired)
    if dict(assessment.facts).keys() >= view.rules_required:
        assert findings.unchecked == {}


def test_an_absent_discretionary_deduction_is_no_fact_a_rule_needs(registry):
    # datonghu 乡镇's 主动公开 quality deduction is discretionary: left out, it means nothing recorded.
    view = registry.get("datonghu_2023").view("xiangzhen")
    optional = {name for rule in view.rules for name in rule.optional}
    assert optional and not optional & view.rules_required
    assert view.rules_required | optional == view.rules_read
