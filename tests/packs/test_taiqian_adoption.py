"""A county adopting 台前县's table supplies the amounts the document does not name.

The overlay below is such a county's own decision (the amounts are not from the
document, which names none): +1 per positive report and per praise, capped at
5; −1 per criticism or negative report, −0.5 per 不按要求参加 occurrence.
"""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal as D
from pathlib import Path

import pytest

import govrules
import govrules_pack_taiqian

EXAMPLES = Path(govrules_pack_taiqian.__file__).parent / "examples"

OVERLAY = textwrap.dedent(
    """\
    format: 1
    extends: taiqian
    pack: {id: taiqian_adopted, version: 0.1.0, title: 台前县政务公开工作考核表（某县采用）, issuer: 某县政务公开办, source: 某县采用台前县考核表的通知}
    readings:
      - {id: county_amounts, quote: 不在总分内，但得分可计入（减）总分, choice: 本县规定的分值（非原文）：加分每次1分、最多5分；减分每次1分，不按要求参加的每次0.5分}
    adjustments:
      - {from: special_bonus, cap: 5, reading: county_amounts}
      - {from: special_penalty, reading: county_amounts}
    set:
      "special_bonus#positive_reports": {amount: 1, reading: county_amounts}
      "special_bonus#leader_praise": {amount: 1, reading: county_amounts}
      "special_bonus#office_praise": {amount: 1, reading: county_amounts}
      "special_penalty#negative_reports": {amount: 1, reading: county_amounts}
      "special_penalty#leader_criticism": {amount: 1, reading: county_amounts}
      "special_penalty#office_criticism": {amount: 1, reading: county_amounts}
      "special_penalty#noncompliance": {amount: 0.5, reading: county_amounts}
    """
)


@pytest.fixture(scope="module")
def adopted(registry):
    return govrules.load_pack_text(OVERLAY, "adopted.yaml", None, parents=registry)


def test_without_amounts_the_special_items_are_reported_not_scored(registry):
    data = json.loads((EXAMPLES / "xiangzhen.json").read_text(encoding="utf-8"))
    result = registry.get("taiqian").assess(data)
    assert all(l.applied == 0 and l.unscored for l in result.ledgers)


def test_the_adopting_county_supplies_amounts(adopted):
    data = json.loads((EXAMPLES / "xiangzhen.json").read_text(encoding="utf-8"))
    facts = dict(data["facts"], tb_positive_reports=4, tb_office_praise=3, tb_leader_criticism=1, tb_noncompliance=3)
    data.pop("pack")  # the example names the parent pack; this input is for the adopted one
    result = adopted.assess(dict(data, facts=facts))
    bonus, penalty = result.ledger("special_bonus"), result.ledger("special_penalty")
    # bonus: 4 + 3 = 7 occurrences × 1 = 7, capped at 5; penalty: 1 × 1 + 3 × 0.5 = 2.5
    assert (bonus.raw, bonus.applied, bonus.unscored) == (D(7), D(5), ())
    assert (penalty.raw, penalty.applied) == (D("2.5"), D("2.5"))
    assert "county_amounts" in [r[0] for r in result.readings]
    # The checklist itself still has no points: no total, statuses as before.
    assert result.total is None and result.status_counts["fail"] == 6  # the example's six (test_taiqian.EXAMPLE_FAILS)


def test_the_model_score_carries_the_special_items(adopted):
    # 「不在总分内，但得分可计入（减）总分」: the model's score takes them.
    # Rows: 53 pass, 6 fail (as in the parent's example) → 53 × 100 / 59 = 89.8305… → 89.83;
    # + bonus 7 capped at 5, − penalty 2.5: 89.83 + 5 − 2.5 = 92.33.
    data = json.loads((EXAMPLES / "xiangzhen.json").read_text(encoding="utf-8"))
    facts = dict(data["facts"], tb_positive_reports=4, tb_office_praise=3, tb_leader_criticism=1, tb_noncompliance=3)
    data.pop("pack")
    model = adopted.assess(dict(data, facts=facts), model="flat_unweighted").model
    assert (model.checklist_score, model.bonus, model.penalty, model.score) == (D("89.83"), D(5), D("2.5"), D("92.33"))
    assert model.notes == ("特别加分项：+5（上限5分，计7分）", "特别减分项：-2.5")


def test_the_model_score_is_floored_at_0(adopted):
    # The example's rows (89.83, as above) with its one 正面宣传报道 (+1) and one 不按要求参加 (−0.5),
    # and 100 领导点名批评 (× 1): 89.83 + 1 − (100 + 0.5) = −9.67 → 0; the floor gives back 9.67.
    data = json.loads((EXAMPLES / "xiangzhen.json").read_text(encoding="utf-8"))
    data.pop("pack")
    data["facts"]["tb_leader_criticism"] = 100
    model = adopted.assess(data, model="flat_unweighted").model
    assert (model.bonus, model.penalty) == (D(1), D("100.5"))
    assert (model.score, model.floor_cut) == (D(0), D("9.67"))
    assert model.notes[-1] == "扣完为止：最低0分，减分超出的9.67分不计"


def test_diff_shows_no_row_changed(registry, adopted):
    from govrules.outputs.packdiff import diff

    d = diff(registry.get("taiqian"), adopted)
    assert (d.added, d.removed, d.reweighted, d.changed) == ((), (), (), ())
