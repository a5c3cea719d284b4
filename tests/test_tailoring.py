"""Tailoring: a pack derived from another, without copying it."""

from __future__ import annotations

import json

import textwrap
from decimal import Decimal as D

import pytest

import govrules
from govrules.outputs.packdiff import diff

PARENT_DOC = "参考指标 组织培训不少于2次 明确专人 未按要求 被表扬 弄虚作假"
PARENT = """\
format: 1
pack: {id: ref, version: "1", title: 参考, issuer: 市, source: 参考文件}
targets: [{id: county, name: 区县, total: null, reading: no_points}]
readings:
  - {id: no_points, quote: 参考指标, choice: 文件未规定分值}
facts:
  - {name: trainings, label: 培训次数, type: count}
  - {name: staffed, label: 明确专人, type: boolean}
  - {name: praise, label: 被表扬次数, type: count, default: 0}
indicators:
  - id: org
    name: 工作组织
    children:
      - id: org.1
        name: 培训
        source: 组织培训不少于2次
        rules:
          - {id: few, kind: shortfall, fact: trainings, threshold: 2, quote: 组织培训不少于2次}
      - id: org.2
        name: 专人
        source: 明确专人
        rules:
          - {id: unmet, kind: fixed, when: {fact: staffed, is: false}, quote: 未按要求}
adjustments:
  - id: bonus
    name: 加分项
    direction: bonus
    rules:
      - {id: praised, kind: per_occurrence, fact: praise, quote: 被表扬}
"""

CHILD_DOC = "区考核 组织培训不少于2次 明确专人，每缺扣4分 加分项最多5分"
CHILD = """\
format: 1
extends: ref
pack: {id: district, version: "1", title: 区考核, issuer: 区, source: 区文件}
readings:
  - {id: praise_amount, quote: 加分项最多5分, choice: 参考指标未写分值；本区每次表扬加2分（区政务公开办规定）}
targets: [{id: town, name: 街道, total: 10}]
indicators:
  - from: org
    points: {town: 10}
    children:
      - from: org.1
        points: {town: 6}
        rules:
          - {id: few, kind: shortfall, fact: trainings, threshold: 2, amount: 3, quote: 组织培训不少于2次}
      - from: org.2
        points: {town: 4}
        source: 明确专人，每缺扣4分
        rules:
          - {id: unmet, kind: fixed, when: {fact: staffed, is: false}, amount: 4, quote: 每缺扣4分}
adjustments:
  - from: bonus
    cap: 5
    cap_quote: 加分项最多5分
set:
  "bonus#praised": {amount: 2, reading: praise_amount}
"""


@pytest.fixture()
def parent():
    return govrules.load_pack_text(PARENT, "ref.yaml", PARENT_DOC)


def child_of(parent, text=CHILD):
    return govrules.load_pack_text(text, "district.yaml", CHILD_DOC, parents={"ref": parent})


def test_tailored_pack_scores_with_its_own_points(parent):
    child = child_of(parent)
    assert child.extends == "ref"
    # 1 training: 1 short of 2, × 3 = 3 → 6 − 3 = 3; staffed → 4; 3 praises × 2 = 6, capped at 5.
    result = child.assess({"facts": {"trainings": 1, "staffed": True, "praise": 3}})
    assert result.item("org.1").score == D(3)
    assert result.base == D(7)
    assert result.ledger("bonus").applied == D(5)
    assert result.total == D(12)
    assert result.max_total == D(15)
    # The parent's reading about its own target (文件未规定分值) went with the target the child
    # replaced; a child that keeps the parent's targets keeps it, one that wants it names it.
    assert "no_points" not in [r[0] for r in result.readings]
    assert "no_points" not in [r.id for r in child.spec.readings]
    kept = child_of(parent, CHILD.replace("targets: [{id: town, name: 街道, total: 10}]", "targets: [{id: town, name: 街道, total: 10, reading: no_points}]"))
    assert "no_points" in [r[0] for r in kept.assess({"facts": {"trainings": 2, "staffed": True}}).readings]


def test_parent_is_unchanged(parent):
    child_of(parent)
    result = parent.assess({"facts": {"trainings": 1, "staffed": True}})
    assert result.scored is False and result.item("org.1").status == "fail"


def test_set_supplies_amounts_without_restating_rows(parent):
    overlay = """\
    format: 1
    extends: ref
    pack: {id: ref_scored, version: "1", title: 参考（本县）, issuer: 县, source: 县文件}
    readings:
      - {id: county_amount, quote: 被表扬, choice: 本县规定每次表扬加1分（非原文）}
    set:
      "bonus#praised": {amount: 1, reading: county_amount}
    """
    pack = govrules.load_pack_text(textwrap.dedent(overlay), "overlay.yaml", None, parents={"ref": parent})
    result = pack.assess({"facts": {"trainings": 2, "staffed": True, "praise": 2}})
    assert result.ledger("bonus").raw == D(2)
    assert result.item("org.1").status == "pass"


def test_a_set_amount_cites_the_tailorings_reading(parent):
    # 「被表扬」 names no amount; the child's set: gives 2 by its reading praise_amount.
    # 3 praises × 2 = 6: the effect keeps the parent's words and cites the child's reading.
    from govrules.outputs.report import markdown

    result = child_of(parent).assess({"facts": {"trainings": 2, "staffed": True, "praise": 3}})
    (effect,) = result.ledger("bonus").effects
    assert (effect.quote, effect.amount, effect.set_reading) == ("被表扬", D(6), ("praise_amount",))
    assert "praise_amount" in effect.reading
    assert "praise_amount" in [r[0] for r in result.readings]
    assert json.loads(result.to_json())["ledgers"][0]["effects"][0]["set_reading"] == ["praise_amount"]
    # The sheet names the reading as `show` numbers it (解读N), and lists it at its foot.
    name = result.reading_names()["praise_amount"]
    assert name.startswith("解读") and f"被表扬（3 × 2）（按本文件{name}调整，原文未写此值）" in markdown(result)


def test_a_set_amount_without_a_reading_is_refused_naming_the_line(parent):
    bad = CHILD.replace('{amount: 2, reading: praise_amount}', "{amount: 2}")
    with pytest.raises(govrules.PackError) as err:
        child_of(parent, bad)
    (problem,) = err.value.problems
    assert str(problem).startswith("district.yaml:")
    assert "set: changes amount of 'bonus#praised'" in str(problem) and "被表扬" in str(problem)
    assert "this pack's readings: praise_amount" in str(problem)


def test_inherited_quotes_are_checked_against_the_parent_document(parent):
    # org.1's inherited text is in the parent's document only; org.2's new text in the child's.
    child_of(parent)
    bad = CHILD.replace("source: 明确专人，每缺扣4分", "source: 明确专人，每缺扣5分")
    with pytest.raises(govrules.PackError) as err:
        child_of(parent, bad)
    (problem,) = err.value.problems
    assert str(problem).startswith("district.yaml:")
    assert "quote not found" in str(problem)


def test_errors_in_inherited_rows_name_the_parent_file(parent):
    # The child gives 街道 points to org.1 only; org.2 is inherited without points → its line is in ref.yaml.
    bad = CHILD.replace("        points: {town: 4}\n", "")
    with pytest.raises(govrules.PackError) as err:
        child_of(parent, bad)
    text = str(err.value)
    assert "has no points" in text
    assert "ref.yaml:" in text or "district.yaml:" in text


def test_unknown_parent_row(parent):
    bad = CHILD.replace("from: org.2", "from: org.3")
    with pytest.raises(govrules.PackError) as err:
        child_of(parent, bad)
    assert "the parent has no row 'org.3'; did you mean 'org.2'?" in str(err.value)


def test_missing_parent():
    with pytest.raises(govrules.PackError, match="no pack 'ref'"):
        govrules.load_pack_text(CHILD, "district.yaml", CHILD_DOC, parents={})


def test_diff_lists_added_removed_reweighted_changed(parent):
    child = child_of(parent)
    d = diff(parent, child)
    assert d.added == ()
    assert d.removed == ()
    assert [c.id for c in d.reweighted] == ["org", "org.1", "org.2"]
    assert d.reweighted[1].points_before is None and d.reweighted[1].points_after == {"town": "6"}
    assert [(c.id, c.changes) for c in d.changed] == [("org.1", ("rules",)), ("org.2", ("source", "rules"))]
    # The bonus gained a cap (5, with its quote) and an amount (set: bonus#praised 2).
    assert [(c.id, c.changes) for c in d.ledgers] == [("bonus", ("cap", "cap_quote", "rules"))]


def test_diff_says_before_and_after_in_words(parent):
    # Points by the target's name, a rule's amount and threshold in its kind's words, a ledger's cap in points.
    child = child_of(parent, CHILD.replace("threshold: 2, amount: 3", "threshold: 3, amount: 3"))
    d = diff(parent, child)
    assert d.reweighted[1].details[0].after == "街道6分"
    org1 = next(c for c in d.changed if c.id == "org.1")
    (rule,) = org1.details
    assert (rule.field, rule.label) == ("rules.few", "规则 few")
    assert rule.before == "「培训次数」少于2时记为不符合"  # the parent's checklist row
    assert rule.after == "「培训次数」少于3的，每少1扣3分"
    ledger = d.ledgers[0].details
    assert [(c.label, c.before, c.after) for c in ledger] == [
        ("上限", None, "5分"),
        ("上限的原文", None, "「加分项最多5分」"),
        ("规则 praised", "按「被表扬次数」，每次加分（文件未规定分值，仅记录）", "按「被表扬次数」，每次加2分"),
        ("规则 praised 的解读", None, "praise_amount"),  # set: cites the tailoring's reading for the amount
    ]


def test_diff_lists_readings_added_removed_and_changed(parent):
    # The child re-reads the parent's no_points (kept on its target) and adds praise_amount.
    text = CHILD.replace(
        "readings:\n", "readings:\n  - {id: no_points, quote: 区考核, choice: 区定分值}\n", 1
    ).replace("targets: [{id: town, name: 街道, total: 10}]", "targets: [{id: town, name: 街道, total: 10, reading: no_points}]")
    d = diff(parent, child_of(parent, text))
    assert d.readings_added == (("praise_amount", "加分项最多5分", "参考指标未写分值；本区每次表扬加2分（区政务公开办规定）"),)
    assert d.readings_removed == ()
    (changed,) = d.readings_changed
    assert (changed.id, changed.changes) == ("no_points", ("quote", "choice"))
    assert [(c.label, c.before, c.after) for c in changed.details] == [("引文", "「参考指标」", "「区考核」"), ("选择", "「文件未规定分值」", "「区定分值」")]
    assert [r["id"] for r in d.to_dict()["readings"]["added"]] == ["praise_amount"]
    assert diff(parent, child_of(parent)).readings_removed == (("no_points", "参考指标", "文件未规定分值"),)  # went with the parent's target


def test_diff_terminal_layout_keeps_each_list_on_its_own_lines(parent):
    from govrules.outputs.packdiff import lines

    child = child_of(parent, CHILD.replace("threshold: 2, amount: 3", "threshold: 2, amount: 0.2").replace("{amount: 2,", "{amount: 0.1,"))
    out = lines(diff(parent, child))
    assert out[:3] == ["district 相对于 ref：", "  新增指标（0）：无", "  删除指标（0）：无"]
    assert "    org 工作组织：无分值 → 街道10分" in out
    assert "      规则 few：「培训次数」少于2时记为不符合 → 「培训次数」少于2的，每少1扣0.2分" in out
    assert "      规则 praised：按「被表扬次数」，每次加分（文件未规定分值，仅记录） → 按「被表扬次数」，每次加0.1分" in out
    assert not any("{" in line or "'" in line for line in out)  # no Python dicts or reprs


def test_registry_builds_parents_first(tmp_path):
    (tmp_path / "ref").mkdir()
    (tmp_path / "district").mkdir()
    (tmp_path / "ref" / "rubric.yaml").write_text(PARENT, encoding="utf-8")
    (tmp_path / "district" / "rubric.yaml").write_text(CHILD, encoding="utf-8")

    class Plugin:
        @govrules.hookimpl
        def govrules_packs(self):
            return [tmp_path / "district", tmp_path / "ref"]  # child first on purpose

    registry = govrules.Registry.discover(group="govrules.none", plugins=[("test", Plugin())])
    assert registry.ids == ("district", "ref")
    assert registry.get("district").extends == "ref"


def test_flat_unweighted_model_is_explicit_and_named(parent):
    # org.1 fails (1 training < 2), org.2 passes: 1 ÷ 2 × 100 = 50.
    plain = parent.assess({"facts": {"trainings": 1, "staffed": True}})
    assert plain.model is None and plain.total is None
    result = parent.assess({"facts": {"trainings": 1, "staffed": True}}, model="flat_unweighted")
    assert result.model.name == "flat_unweighted"
    assert result.model.score == D(50)
    assert (result.model.passed, result.model.failed) == (1, 1)
    assert result.to_dict()["model"]["description"].startswith("等权计分")
    assert result.total is None  # the document's own total stays absent
    with pytest.raises(govrules.GovrulesError, match="不认识的评分模型"):
        parent.assess({"facts": {}}, model="weighted")


def test_flat_unweighted_rounds_once():
    # 2 of 3 → 66.666… → 66.67 (2 places, ROUND_HALF_UP)
    text = PARENT.replace(
        "adjustments:",
        "      - id: org.3\n        name: 专人2\n        source: 明确专人\n        rules:\n"
        "          - {id: unmet, kind: fixed, when: {fact: staffed, is: false}, quote: 未按要求}\n"
        "adjustments:",
    )
    pack = govrules.load_pack_text(text, "ref.yaml", PARENT_DOC)
    result = pack.assess({"facts": {"trainings": 1, "staffed": True}}, model="flat_unweighted")
    assert result.model.score == D("66.67")


def test_parent_readings_about_dropped_rows_do_not_become_pack_wide(parent):
    text = PARENT.replace(
        "  - {id: no_points, quote: 参考指标, choice: 文件未规定分值}\n",
        "  - {id: no_points, quote: 参考指标, choice: 文件未规定分值}\n  - {id: about_org2, quote: 明确专人, choice: 专人的解读}\n",
    ).replace("        name: 专人\n", "        name: 专人\n        reading: about_org2\n")
    base = govrules.load_pack_text(text, "ref.yaml", PARENT_DOC)
    child_text = CHILD.replace("points: {town: 10}", "points: {town: 6}").replace("total: 10", "total: 6").split("      - from: org.2")[0] + (
        "adjustments:\n  - from: bonus\n    cap: 5\n    cap_quote: 加分项最多5分\n"
    )
    child = govrules.load_pack_text(child_text, "district.yaml", CHILD_DOC, parents={"ref": base})
    result = child.assess({"facts": {"trainings": 2, "praise": 0}})
    ids = [r[0] for r in result.readings]
    assert "about_org2" not in ids  # attached to org.2, which the child dropped
    assert "about_org2" not in [r.id for r in child.spec.readings]


def test_a_reading_attached_to_nothing_is_in_no_result_and_lint_says_so(parent):
    # Listed in every result, miluo's 乡镇-only xz_stray_2 showed on 市直 results: a reading is
    # listed where what it is attached to is; one attached to nothing, nowhere, with a warning.
    from govrules.rubric.authoring import lint

    text = PARENT.replace("  - {id: no_points, quote: 参考指标, choice: 文件未规定分值}\n", "  - {id: no_points, quote: 参考指标, choice: 文件未规定分值}\n  - {id: stray, quote: 明确专人, choice: 无所附}\n")
    pack = govrules.load_pack_text(text, "ref.yaml", PARENT_DOC)
    assert [r[0] for r in pack.assess({"facts": {"trainings": 1, "staffed": False}}).readings] == ["no_points"]
    assert [p.message.split(",")[0] for p in lint(pack)] == ["reading 'stray' is attached to nothing"]


def test_dropping_parent_readings_keeps_later_readings_on_their_own_file_and_line():
    # Two parent readings attached to rows a and b; the child keeps b only and adds a reading
    # of its own, quoted from its own document. The parent's readings are dropped; the child's
    # must still be checked against the child's document, not shifted onto a parent entry.
    parent = govrules.load_pack_text(
        textwrap.dedent(
            """\
            format: 1
            pack: {id: ref, version: "1", title: 参考, issuer: 市, source: 参考}
            targets: [{id: town, name: 乡镇, total: null}]
            readings:
              - {id: about_a, quote: 甲项, choice: 甲}
              - {id: about_b, quote: 乙项, choice: 乙}
            facts: [{name: ok, label: 按要求, type: boolean}]
            indicators:
              - {id: a, name: 甲, source: 甲项, reading: about_a, rules: [{id: r, kind: fixed, when: {fact: ok, is: false}, quote: 甲项}]}
              - {id: b, name: 乙, source: 乙项, reading: about_b, rules: [{id: r, kind: fixed, when: {fact: ok, is: false}, quote: 乙项}]}
            """
        ),
        "ref.yaml",
        "甲项 乙项",
    )
    child = govrules.load_pack_text(
        textwrap.dedent(
            """\
            format: 1
            extends: ref
            pack: {id: kid, version: "1", title: 区, issuer: 区, source: 区}
            targets: [{id: town, name: 乡镇, total: 4}]
            readings: [{id: own, quote: 乙项4分, choice: 全有全无}]
            indicators:
              - from: b
                points: {town: 4}
                reading: own
                rules: [{id: r, kind: all_or_nothing, when: {fact: ok, is: false}, quote: 乙项4分}]
            """
        ),
        "kid.yaml",
        "乙项4分",
        parents={"ref": parent},
    )
    # The child's row replaced b's reading with its own, so about_b is orphaned too.
    assert [r.id for r in child.spec.readings] == ["own"]
    assert [r[0] for r in child.assess({"facts": {"ok": True}}).readings] == ["own"]


def test_a_bad_set_key_does_not_hide_the_tailorings_other_problems(parent):
    # Every problem at once: the unknown `set:` row, a misquote and a bad total, in one run.
    child = CHILD.replace('"bonus#praised"', '"bonus#praise"').replace("quote: 每缺扣4分", "quote: 每缺一项扣4分").replace("total: 10", "total: 12")
    with pytest.raises(govrules.PackError) as caught:
        govrules.load_pack_text(child, "child.yaml", CHILD_DOC, parents={"ref": parent})
    messages = [p.message for p in caught.value.problems]
    assert any("'bonus' has no rule 'praise'" in m for m in messages)
    assert any("quote not found in the source document: 「每缺一项扣4分」" in m and "the nearest passage reads 「" in m and "每缺扣4分" in m.split("nearest")[1] for m in messages)
    # 街道 total stated 12; its items: org.1 6 + org.2 4 = 10
    assert any("stated as 12, but its items add up to 10" in m for m in messages)
    assert len(messages) == 3


def test_parent_facts_no_row_of_the_child_reads_are_dropped(parent):
    # The child keeps org.1 only: the parent's `staffed` (read by org.2 alone) goes with org.2;
    # `praise` stays (the bonus still reads it); the child's own unread fact stays, with lint's warning.
    from govrules.rubric.authoring import lint

    child_text = CHILD.replace("points: {town: 10}", "points: {town: 6}").replace("total: 10", "total: 6").split("      - from: org.2")[0] + (
        "adjustments:\n  - from: bonus\n    cap: 5\n    cap_quote: 加分项最多5分\n"
        'set:\n  "bonus#praised": {amount: 2, reading: praise_amount}\n'
        "facts:\n  - {name: spare, label: 自己的事实, type: count}\n"
    )
    child = govrules.load_pack_text(child_text, "district.yaml", CHILD_DOC, parents={"ref": parent})
    assert [f.name for f in child.spec.facts] == ["trainings", "praise", "spare"]
    assert [p.message for p in lint(child)] == ["fact 'spare' is declared but no rule reads it"]
    assert "staffed" not in child.facts_schema("town")["properties"]
    assert [f.name for f in parent.spec.facts] == ["trainings", "staffed", "praise"]  # the parent keeps its own


def test_every_shipped_pack_lints_without_warnings():
    from govrules.rubric.authoring import lint

    registry = govrules.Registry.discover()
    assert {pack_id: [f"{p.where}: {p.message}" for p in lint(registry.get(pack_id))] for pack_id in registry.ids} == {
        pack_id: [] for pack_id in registry.ids
    }


def test_load_pack_finds_an_installed_parent():
    # tailoring.md: the parent is "installed, or given as parents=" — as `govrules score PATH` finds it.
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "packs" / "yuelu_2021"
    pack = govrules.load_pack(root)
    assert (pack.id, pack.extends) == ("yuelu_2021", "changsha_ref")
    with pytest.raises(govrules.PackError, match=r"no pack 'ref' \(available: .*changsha_ref"):
        govrules.load_pack_text(CHILD, "district.yaml", CHILD_DOC)  # nothing installed is called ref


def test_lint_warns_when_a_row_keeps_words_the_childs_document_does_not_have(parent):
    # 岳麓's nr.fb.2 kept 长沙's 「村（社区）级…」 where 岳麓 reads 「社区（村）级…」: the same slip, small.
    from govrules.rubric.authoring import lint

    doc = CHILD_DOC.replace("组织培训不少于2次", "组织本级培训不少于2次")
    text = CHILD.replace("quote: 组织培训不少于2次}", "quote: 组织本级培训不少于2次}")
    child = govrules.load_pack_text(text, "district.yaml", doc, parents={"ref": parent})
    warnings = lint(child)
    assert [p.where for p in warnings] == ["ref.yaml:16 指标 org.1（培训） indicators[0].children[0].source"]  # the parent's line 16: source: 组织培训不少于2次
    assert "keeps ref's words 「组织培训不少于2次」" in warnings[0].message
    fixed = text.replace("      - from: org.1\n", "      - from: org.1\n        source: 组织本级培训不少于2次\n")
    assert lint(govrules.load_pack_text(fixed, "district.yaml", doc, parents={"ref": parent})) == []


def test_a_parent_fact_a_veto_of_the_child_reads_is_kept(parent):
    # The child drops org.2 (the only row reading `staffed`) but vetoes 优秀 on it: the fact stays.
    child_text = CHILD.replace("points: {town: 10}", "points: {town: 6}").replace("total: 10", "total: 6").replace(
        "readings:\n", "readings:\n  - {id: bands, quote: 区考核, choice: 区政务公开办规定的等次}\n"
    ).split("      - from: org.2")[0] + (
        "adjustments:\n  - from: bonus\n    cap: 5\n    cap_quote: 加分项最多5分\n"
        'set:\n  "bonus#praised": {amount: 2, reading: praise_amount}\n'
        "grades:\n  - {quote: 区考核, reading: bands, bands: [{grade: 优秀, min: 5}, {grade: 合格}]}\n"
        "vetoes:\n  - {id: nostaff, name: 未明确专人, when: {fact: staffed, is: false}, below: 优秀, quote: 区考核}\n"
    )
    child = govrules.load_pack_text(child_text, "district.yaml", CHILD_DOC, parents={"ref": parent})
    assert [f.name for f in child.spec.facts] == ["trainings", "staffed", "praise"]
    assert child.assess({"facts": {"trainings": 2, "staffed": False}}).grade == "合格"  # 6 ≥ 5, but vetoed below 优秀


def test_diff_lists_grade_bands_and_vetoes_in_words():
    # The office overlay shipped in docs/examples gives datonghu_2023 bands and two vetoes;
    # a second office moves 优秀 to 95 and makes the 通报批评 veto bite at 2 criticisms.
    from pathlib import Path

    from govrules.outputs.packdiff import lines

    registry = govrules.Registry.discover()
    base = registry.get("datonghu_2023")
    folder = Path(__file__).resolve().parents[1] / "docs" / "examples" / "datonghu_office_grades"
    office = govrules.load_pack(folder / "rubric.yaml", parents={base.id: base})
    d = diff(base, office)
    assert [c.field for c in d.grades] == ["grades.quzhi", "grades.xiangzhen"]
    assert d.grades[1].before is None
    assert d.grades[1].after == "优秀：总分90分及以上；良好：总分80分及以上；合格：总分60分及以上；不合格：其余"
    assert [(v.id, v.changes) for v in d.vetoes] == [("criticized", ("added",)), ("fraud", ("added",))]

    text = (folder / "rubric.yaml").read_text(encoding="utf-8")
    stricter = text.replace("{grade: 优秀, min: 90,", "{grade: 优秀, min: 95,").replace('op: ">", value: 0', 'op: ">", value: 1')
    other = govrules.load_pack_text(stricter, str(folder / "other.yaml"), parents={base.id: base})
    d2 = diff(office, other)
    assert [(c.field, c.before.split("；")[0], c.after.split("；")[0]) for c in d2.grades] == [
        ("grades.quzhi", "优秀：总分90分及以上", "优秀：总分95分及以上"),
        ("grades.xiangzhen", "优秀：总分90分及以上", "优秀：总分95分及以上"),
    ]
    (veto,) = d2.vetoes
    assert (veto.id, veto.changes) == ("criticized", ("when",))
    assert veto.details[0].before != veto.details[0].after and "{" not in veto.details[0].after  # in words, not a dict
    out = lines(d2)
    assert "  一票否优/否决变化（1）：" in out
    assert json.loads(json.dumps(d2.to_dict(), ensure_ascii=False))["vetoes"][0]["id"] == "criticized"
