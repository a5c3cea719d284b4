"""The scorer's shortcuts give the same results as scoring every row.

Scoring skips the rows nothing happened to (no rule fired or was left
unchecked, no N/A, no missing evidence, no 自评 or 复核) and shares their
precomputed results (``TargetView.untouched_items`` / ``untouched_sections``);
it rescores only the sections enclosing a row whose score or status changed;
and the findings layer builds per-rule records only on demand. Each shortcut
is checked here against the long way round, on generated assessments of
every installed pack.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govrules
import govrules.engine.models
from govrules.engine import scoring
from govrules.engine.compiled import compile_target
from govrules.engine.findings import findings_of
from govrules.numbers import add
from govrules.engine.result import Difference, SectionResult
from govrules.engine.sections import adjusted_section
from govrules.testing import assessments

PACK_TARGETS = [(p.id, t) for p in govrules.Registry.discover().packs for t in p.targets]
SECTION_CAPS = Path(__file__).parent / "section_caps" / "rubric.yaml"  # a test pack whose sections are capped and floored


class _EveryItemTouched(scoring._PerAssessment):
    """The long way round: every item scored from its findings, every section from its children."""

    def __init__(self, findings, combined=None):  # type: ignore[no-untyped-def]
        super().__init__(findings, combined)
        self.touched = [i.id for i in findings.view.items]
        self.ruled = set(self.touched)  # every row through its rules, none taken as if none fired


def _every_section(view, items):  # type: ignore[no-untyped-def]
    """Each section scored from its children, none skipped."""
    rows = {i.id: i for i in items}
    for section in reversed(view.sections):
        children = [rows[c] for c in section.children]
        scores = [c.score for c in children if c.score is not None]
        rows[section.id] = SectionResult(
            id=section.id,
            names=section.names,
            max=section.max,
            stated_max=section.stated_max,
            score=add(*scores) if (scores and view.scored) else None,
            status=scoring._section_status([c.status for c in children]),
            children=section.children,
        )
        if section.adjusts:
            rows[section.id] = adjusted_section(rows[section.id], section, rows)
    return tuple(rows[s.id] for s in view.sections)


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
def test_untouched_results_are_what_scoring_the_row_gives(registry, pack_id, target):
    pack = registry.get(pack_id)
    view = pack.view(target)
    fresh = compile_target(pack.spec, target)
    assert fresh.untouched_items == view.untouched_items
    assert list(view.untouched_items) == [i.id for i in view.items]
    assert list(view.untouched_sections) == [s.id for s in view.sections]
    for item in view.items:
        result = view.untouched_items[item.id]
        assert result.status == "pass" and result.score == item.max and result.complete
        assert not (result.effects or result.caps or result.missing_evidence or result.unchecked_facts)


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=25)
@given(data=st.data())
def test_shortcuts_agree_with_scoring_every_row(registry, pack_id, target, data):
    _check_shortcuts(registry.get(pack_id), target, data)


def _check_shortcuts(pack, target, data):  # type: ignore[no-untyped-def]
    """Score a drawn assessment the short way and with every row touched: the same result, and every section as summed in full."""
    raw = data.draw(assessments(pack, target, complete=data.draw(st.booleans())))
    view, assessment = pack.validate(raw, target)
    evaluation = pack._evaluator(view, "reference").evaluate(view, assessment)
    findings = findings_of(view, assessment, evaluation, "reference")
    stamp = pack.stamp("reference")
    quick = scoring.score(pack.spec, findings, stamp)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(scoring, "_PerAssessment", _EveryItemTouched)
        slow = scoring.score(pack.spec, findings, stamp)
    assert slow == quick
    assert slow.to_json() == quick.to_json()
    assert quick.sections == _every_section(view, quick.items)
    return view


@settings(max_examples=60)
@given(data=st.data())
def test_shortcuts_agree_where_sections_are_capped(data):
    # A capped section reads the effects of the rows under it: rescoring only
    # the sections enclosing a changed row must still give every section's result.
    pack = _section_caps_pack()
    view = _check_shortcuts(pack, "xiangzhen", data)
    assert compile_target(pack.spec, "xiangzhen").untouched_sections == view.untouched_sections


_PACKS: dict[str, govrules.Pack] = {}


def _section_caps_pack() -> govrules.Pack:
    if "pack" not in _PACKS:
        _PACKS["pack"] = govrules.load_pack(SECTION_CAPS)
    return _PACKS["pack"]


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=15)
@given(data=st.data())
def test_rule_findings_built_on_demand_match_the_layer(registry, pack_id, target, data):
    pack = registry.get(pack_id)
    raw = data.draw(assessments(pack, target, complete=False))
    view, assessment = pack.validate(raw, target)
    evaluation = pack._evaluator(view, "reference").evaluate(view, assessment)
    findings = findings_of(view, assessment, evaluation, "reference")
    values = dict(assessment.facts)
    assert list(findings.rules) == [r.uid for r in view.rules]
    for rule in view.rules:
        f = findings.rules[rule.uid]
        assert f.fired == (rule.uid in evaluation.fired)
        assert f.facts == tuple((n, values[n]) for n in rule.reads if n in values)
        assert f.checked == (rule.uid not in findings.unchecked)
        if not f.checked:
            assert f.missing == tuple(n for n in rule.reads if n not in values and n not in rule.optional)


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=15)
@given(data=st.data())
def test_json_put_together_from_rows_is_the_dumped_dict(registry, pack_id, target, data):
    pack = registry.get(pack_id)
    raw = data.draw(assessments(pack, target, complete=data.draw(st.booleans())))
    result = pack.assess(raw, target, model=data.draw(st.sampled_from([None, *govrules.engine.models.MODELS])))
    assert result.to_json() == json.dumps(result.to_dict(), ensure_ascii=False)
    assert json.loads(result.to_json()) == result.to_dict()
    # Asking twice (the rows' text is cached) gives the same bytes.
    assert result.to_json() == result.to_json()
    # With the 可挽回分值 (a batch's units/ files): the same text with them last, worked out once and kept.
    fresh = pack.assess(raw, target)
    assert fresh.to_json(recoverable=True) == json.dumps(fresh.to_dict(recoverable=True), ensure_ascii=False)


def test_results_sharing_rows_pickle_and_copy(registry):
    # Results share their untouched rows and cache each row's JSON text; a
    # pickled or copied result (a worker process handing results back) is
    # still equal and writes the same JSON.
    import copy
    import pickle

    from pathlib import Path

    from govrules.engine.inputs import parse_json

    pack = registry.get("taiqian")
    data = parse_json((Path(pack.origin).parent / "examples" / "xiangzhen.json").read_bytes())
    result = pack.assess(data)
    view = pack.view("xiangzhen")
    assert any(row is view.untouched_items[row.id] for row in result.items)  # some rows are shared
    text = result.to_json()
    for clone in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
        assert clone == result
        assert clone.to_json() == text


@pytest.mark.parametrize("pack_id,target", PACK_TARGETS)
@settings(max_examples=15)
@given(data=st.data())
def test_results_built_lazily_are_their_records(registry, pack_id, target, data):
    # pack.assess keeps each touched row's state and builds the row records
    # when first read; to_json() writes the rows from that state. The same
    # assessment read both ways: the same JSON, the same counts, equal results.
    pack = registry.get(pack_id)
    raw = data.draw(assessments(pack, target, complete=data.draw(st.booleans())))
    model = data.draw(st.sampled_from([None, *govrules.engine.models.MODELS]))
    lazy = pack.assess(raw, target, model=model)
    counts = lazy.status_counts
    text = lazy.to_json()  # from the state: no record built yet where the target allows it
    built = pack.assess(raw, target, model=model)
    items, sections, differences = built.items, built.sections, built.differences  # the records, built
    assert built.to_json() == text == json.dumps(built.to_dict(), ensure_ascii=False)
    assert counts == {s: sum(1 for i in items if i.status == s) for s in counts}
    assert lazy == built and lazy.items == items and lazy.sections == sections and lazy.differences == differences
    assert type(differences) is tuple and all(type(d) is Difference for d in differences)
    assert lazy.to_json() == text  # and again, now from the records
    if built.base_sum is not None:  # the base, summed from the states, is the top rows' records added
        rows = {r.id: r for r in (*items, *sections)}
        assert built.base_sum == add(*[rows[t].score for t in pack.view(target).top if rows[t].score is not None])


def test_differences_are_made_when_read(registry):
    # A 自评 that differs from the final score is kept as (item, 自评, final) and made into its
    # record when result.differences is first read; to_json() writes it without the record.
    # 自评 xz.1 12, xz.5 19.5. xz.1 (20分): one late (每次扣0.1分) and 酌情扣分 2.4: 20 − 0.1 − 2.4 = 17.5;
    # xz.5 (20分): 依申请公开 in order, no deduction: 20. Both differ, by 5.5 and 0.5.
    import copy
    import pickle

    from decimal import Decimal

    from datonghu_facts import XZ_SELF_ASSESSED

    pack = registry.get("datonghu_2023")
    result = pack.assess(XZ_SELF_ASSESSED)
    text = result.to_json()
    shown = json.loads(text)["self_assessment"]["differences"]
    assert [(d["item"], d["final"], d["difference"]) for d in shown] == [("xz.1", "17.5", "5.5"), ("xz.5", "20", "0.5")]
    for clone in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result), copy.copy(result)):
        assert clone == result and clone.to_json() == text
    assert result.differences == (Difference("xz.1", Decimal("12"), Decimal("17.5")), Difference("xz.5", Decimal("19.5"), Decimal("20")))
    assert result.to_json() == text  # from the records now


def test_rows_read_by_racing_threads_are_whole(registry):
    # A result is shared read-only between the service's threads: several
    # threads reading its rows for the first time at once may each build
    # them; each must get the whole, equal rows and the same JSON.
    import threading

    pack = registry.get("taiqian")
    raw = json.loads((Path(pack.origin).parent / "examples" / "xiangzhen.json").read_text(encoding="utf-8"))
    expected = pack.assess(raw)
    want = (expected.items, expected.sections, expected.to_json())
    for _ in range(20):
        result = pack.assess(raw)
        barrier = threading.Barrier(6)
        seen = []

        def read(n):  # type: ignore[no-untyped-def]
            barrier.wait()
            if n % 2:  # half read the rows first, half the JSON (written from the state while no thread has built them)
                items, sections = result.items, result.sections
                seen.append((items, sections, result.to_json()))
            else:
                text = result.to_json()
                seen.append((result.items, result.sections, text))

        threads = [threading.Thread(target=read, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert seen == [want] * 6
