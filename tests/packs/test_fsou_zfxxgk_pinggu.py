"""fsou_zfxxgk_pinggu: an untitled 政府信息公开工作评估表 (fsou.net document 17024737, page 7).

Ten 评估内容 rows, each 「(10)」, graded in four tick-box columns 「优(10) 良(8) 一般(6) 差(0)」;
a row scores the points of the grade ticked for it (reading grade_scale_every_row), 差 is
0 (reading poor_is_zero), and the total is 10 × 10 = 100 (reading total_from_rows).
Every expected score is worked out from those words in its comment.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

import govrules
import govrules_pack_fsou_zfxxgk_pinggu
from govrules.outputs.report import markdown, recoverable
from govrules.testing import run_conformance

EXAMPLES = Path(govrules_pack_fsou_zfxxgk_pinggu.__file__).parent / "examples"
EVALUATORS = ["durable", "reference"]
FACTS = [
    "timely_grade",
    "content_grade",
    "website_grade",
    "venues_grade",
    "archive_grade",
    "requests_grade",
    "forms_grade",
    "satisfaction_grade",
    "convenience_grade",
    "annual_report_grade",
]


@pytest.fixture(scope="module")
def pack() -> govrules.Pack:
    return govrules.Registry.discover().get("fsou_zfxxgk_pinggu")


def graded(*grades: str) -> dict:
    assert len(grades) == 10
    return {"target": "jiguan", "facts": dict(zip(FACTS, grades))}


def test_the_form_totals_100_from_its_ten_rows(pack: govrules.Pack) -> None:
    view = pack.view("jiguan")
    assert view.target.total == D(100)
    assert [i.id for i in view.items] == [str(n) for n in range(1, 11)]
    assert all(i.max == D(10) for i in view.items)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_the_shipped_example(pack: govrules.Pack, evaluator: str) -> None:
    # 优 on items 1–5, 良 on 6–8, 一般 on 9, 差 on 10: 5 × 10 + 3 × 8 + 6 + 0 = 80
    data = json.loads((EXAMPLES / "jiguan.json").read_text(encoding="utf-8"))
    assert data["facts"] == graded(*["优"] * 5, *["良"] * 3, "一般", "差")["facts"]
    result = pack.assess(data, evaluator=evaluator)
    assert result.total == D(80)
    assert [i.score for i in result.items] == [D(10)] * 5 + [D(8)] * 3 + [D(6), D(0)]
    assert [i.status for i in result.items] == ["pass"] * 5 + ["fail"] * 5


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize(
    ("grades", "total"),
    [
        (["优"] * 10, "100"),  # every row at full points
        (["差"] * 10, "0"),  # 差(0) everywhere
        (["良"] * 10, "80"),  # 10 × 8
        (["一般"] * 10, "60"),  # 10 × 6
        (["优", "良", "一般", "差"] * 2 + ["优", "良"], "66"),  # 3 × 10 + 3 × 8 + 2 × 6 + 2 × 0
    ],
)
def test_totals_are_the_sums_of_the_grades(pack: govrules.Pack, evaluator: str, grades: list[str], total: str) -> None:
    assert pack.assess(graded(*grades), evaluator=evaluator).total == D(total)


def test_a_missing_grade_leaves_its_row_not_checked(pack: govrules.Pack) -> None:
    data = graded(*["优"] * 10)
    del data["facts"]["annual_report_grade"]
    result = pack.assess(data)
    assert result.item("10").status == "notchecked"
    assert result.total is None and result.base_sum == D(90)


def test_a_grade_not_on_the_form_is_refused(pack: govrules.Pack) -> None:
    data = graded(*["优"] * 9, "较好")
    with pytest.raises(govrules.FactsError) as info:
        pack.assess(data)
    assert any(p.where == "facts.annual_report_grade" for p in info.value.problems)


def test_the_sheet_says_the_grade_and_its_points(pack: govrules.Pack) -> None:
    result = pack.assess(json.loads((EXAMPLES / "jiguan.json").read_text(encoding="utf-8")))
    text = markdown(result)
    assert "| 9 | 查找利用便利 | 10 |  | 6 | 不符合 | 得6分 优(10) 良(8) 一般(6) 差(0)（评为一般，得6分） |" in text
    # The readings behind it are listed by their place in the pack (解读N), as `govrules show` numbers them.
    names = result.reading_names()
    assert f"- {names['poor_is_zero']} 「差(0)」" in text and f"- {names['who_grades']} " in text
    # 可挽回: raising 年度报告 from 差 to 优 restores 10; 一般 → 优 4; each 良 → 优 2
    fixes = [(f.item, f.restores) for f in recoverable(result)]
    assert fixes == [("10", D(10)), ("9", D(4)), ("6", D(2)), ("7", D(2)), ("8", D(2))]


def test_conformance(pack: govrules.Pack) -> None:
    report = run_conformance(pack, max_examples=60)
    assert report.ok, report
