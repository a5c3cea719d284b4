"""Reports: 可挽回分值, formula-injection safety, HTML escaping, and every format for every installed pack.

Expected values are worked out by hand (大通湖 2023 for datonghu_2023; the small
inline pack below for ledgers and zeroing).
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

import govrules
from govrules.outputs.describe import describe, show_markdown, show_table
from govrules.outputs.forms import template_json, template_xlsx, template_yaml
from govrules.outputs.html import score_html
from govrules.outputs.report import markdown, recoverable, result_json, sheet_rows, table
from govrules.outputs.xlsx import safe, score_workbook

QZ_ALL_MET = {
    "active_late_count": 0,
    "window_missing": [],
    "new_media_incident_count": 0,
    "new_media_criticism_state_council": 0,
    "new_media_criticism_province": 0,
    "new_media_criticism_city": 0,
    "new_media_stale_periods": 0,
    **{f"basic_{k}_late_count": 0 for k in ("rules", "licensing", "enforcement", "budget", "reposts")},
    **{f"key_{k}_late_count": 0 for k in ("campaigns", "events", "relief", "grassroots", "new_domains")},
    "interpretation_late_count": 0,
    "opinion_response_ok": True,
    "foi_ok": True,
    "annual_report_late_count": 0,
}

LEDGER_PACK = """\
format: 1
pack: {id: ledger_test, version: 0.0.1, title: 测试细则, issuer: 测试办, source: 测试用}
targets: [{id: town, name: 乡镇, total: 100}]
facts:
  - {name: late, label: 未按时限完成次数, type: count}
  - {name: criticized, label: 被通报批评次数, type: count}
  - {name: fraud, label: 弄虚作假, type: boolean}
indicators:
  - id: a
    name: 主动公开
    points: {town: 100}
    rules: [{id: late, kind: per_occurrence, fact: late, amount: 1, quote: 每次扣1分}]
adjustments:
  - id: minus
    name: 减分
    direction: penalty
    cap: 3
    cap_quote: 减分最多3分
    rules: [{id: crit, kind: per_occurrence, fact: criticized, amount: 2, quote: 被通报批评的每次扣2分}]
zeroing:
  - {id: fraud, name: 弄虚作假, when: {fact: fraud, is: true}, quote: 弄虚作假的直接归零}
"""


def test_recoverable_after_the_floor(datonghu):
    # 区直 政务新媒体 (10分): incident 1 × 1 + stale 120 × 0.1 = 13 > 10 → floored at 0.
    # Without the incident: 12 → still 0 (+0). Without the stale periods: 1 → 9 (+9).
    result = datonghu.assess({"target": "quzhi", "facts": {**QZ_ALL_MET, "new_media_incident_count": 1, "new_media_stale_periods": 120}})
    assert result.item("qz.3").score == 0 and result.item("qz.3").floor_cut == 3
    fixes = recoverable(result)
    assert [(f.rule, f.restores) for f in fixes] == [("qz.3#stale", D(9)), ("qz.3#incident", D(0))]
    assert "单独整改此项不能挽回分数" in fixes[1].text


def test_recoverable_ledger_and_zeroing():
    pack = govrules.load_pack_text(LEDGER_PACK)
    # base 100 − 5 = 95; penalty 2 × 2 = 4, capped at 3 → 92.
    result = pack.assess({"facts": {"late": 5, "criticized": 2, "fraud": False}})
    assert result.total == D(92)
    assert [(f.kind, f.item, f.restores) for f in recoverable(result)] == [("rule", "a", D(5)), ("penalty", "minus", D(3))]
    # Fraud zeroes the total; putting it right restores the 92 the unit otherwise scores.
    zeroed = pack.assess({"facts": {"late": 5, "criticized": 2, "fraud": True}})
    assert zeroed.total == 0
    fixes = recoverable(zeroed)
    assert (fixes[0].kind, fixes[0].restores) == ("zeroing", D(92))
    # While the zeroing stands the total stays 0: the item's 5 points and the
    # penalty's 3 come back to their rows, but to the total nothing.
    assert [(f.kind, f.restores, f.restores_total, f.zeroed) for f in fixes[1:]] == [
        ("rule", D(5), D(0), True),
        ("penalty", D(3), D(0), True),
    ]
    assert fixes[1].text.endswith("（已直接归零，单独整改此项不能挽回总分）")
    assert fixes[0].restores_total == D(92) and not fixes[0].zeroed


def test_sheet_rows_follow_the_document(datonghu):
    result = datonghu.assess({"target": "quzhi", "facts": QZ_ALL_MET})
    rows = sheet_rows(result)
    assert [r.id for r in rows][:7] == ["qz", "qz.1", "qz.2", "qz.3", "qz.4", "qz.4.1", "qz.4.2"]
    assert [(r.kind, r.depth) for r in rows[4:6]] == [("section", 1), ("item", 2)]
    assert rows[0].score == D(100) and rows[4].score == D(10)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1", "'+1"),
        ("-整改不力", "'-整改不力"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("北洲子镇", "北洲子镇"),
        ("a=b", "a=b"),
        ("坏\x07字符", "坏字符"),
        (-0.5, -0.5),
        (D("-0.3"), D("-0.3")),
        (None, None),
    ],
)
def test_safe_cells(value, expected):
    assert safe(value) == expected


def test_score_html_escapes_user_text(datonghu):
    result = datonghu.assess(
        {
            "target": "xiangzhen",
            "unit": "<script>alert('u')</script>",
            "facts": {
                "active_late_count": 0,
                "active_quality": {"points": 1, "reason": "<img src=x onerror=alert(1)>"},
                "zone_missing": [],
                "new_media_incident_count": 0,
                "new_media_criticism_state_council": 0,
                "new_media_criticism_province": 0,
                "new_media_criticism_city": 0,
                "new_media_stale_periods": 0,
                "opinion_response_ok": True,
                "foi_ok": True,
            },
            "reviews": [{"item": "xz.4", "score": 19, "reviewer": "<b>李</b>", "at": "2023-12-20", "reason": "</td><script>x()</script>"}],
        }
    )
    page = score_html(result)
    assert "<script>" not in page and "<img" not in page and "<b>李</b>" not in page
    assert "&lt;script&gt;alert(&#39;u&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;李&lt;/b&gt;" in page


def test_score_workbook_neutralises_reason_and_reviewer(datonghu, tmp_path):
    result = datonghu.assess(
        {
            "target": "xiangzhen",
            "unit": "=cmd|' /C calc'!A0",
            "facts": {"active_late_count": 0, "active_quality": {"points": 1, "reason": "=1+1"}, "zone_missing": [], "new_media_incident_count": 0,
                      "new_media_criticism_state_council": 0, "new_media_criticism_province": 0, "new_media_criticism_city": 0,
                      "new_media_stale_periods": 0, "opinion_response_ok": True, "foi_ok": True},
            "reviews": [{"item": "xz.4", "score": 19, "reviewer": "@李", "at": "2023-12-20", "reason": "-1"}],
        }
    )
    path = tmp_path / "s.xlsx"
    score_workbook(result).save(path)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    assert "'=cmd|' /C calc'!A0" in texts and "'=1+1" in texts and "'@李" in texts and "'-1" in texts


def _installed():
    registry = govrules.Registry.discover()
    return [(p.id, ex) for p in registry.packs for ex in sorted((Path(p.origin).parent / "examples").glob("*.json"))]


@pytest.mark.parametrize("pack_id, example", _installed(), ids=lambda x: x if isinstance(x, str) else x.name)
def test_every_format_renders_for_every_installed_example(registry, pack_id, example, tmp_path):
    """Smoke test: whatever packs are installed, every renderer handles their examples."""
    from rich.console import Console

    pack = registry.get(pack_id)
    data = json.loads(example.read_text(encoding="utf-8"))
    result = pack.assess(data)
    console = Console(file=open(tmp_path / "t.txt", "w", encoding="utf-8"), width=160)
    console.print(table(result))
    assert markdown(result).startswith("# ")
    assert json.loads(result_json(result))["recoverable"] is not None
    assert "<!DOCTYPE html>" in score_html(result)
    score_workbook(result).save(tmp_path / "s.xlsx")
    desc = describe(pack, result.target)
    console.print(show_table(desc))
    assert show_markdown(desc).startswith("# ")
    assert template_yaml(pack, result.target) and json.loads(template_json(pack, result.target))
    template_xlsx(pack, result.target, tmp_path / "f.xlsx")
    if result.scored and result.total is not None and not result.zeroed:
        # Fixing everything cannot give more than the maximum.
        fixes = [f for f in recoverable(result) if f.kind != "zeroing"]
        assert all(f.restores_total >= 0 for f in fixes)


def test_markdown_escapes_html_in_user_text(datonghu):
    result = datonghu.assess({"target": "xiangzhen", "unit": "<script>x()</script>|镇", "facts": {"foi_ok": True}})
    md = markdown(result)
    assert "<script>" not in md
    assert "&lt;script&gt;x()&lt;/script&gt;\\|镇" in md
