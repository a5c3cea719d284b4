"""datonghu_2023: scores worked out by hand from 大政公办发〔2023〕4号.

Each expected value below is derived in its comment from the document's
评分办法, not from the program's output.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import govrules

XZ_ALL_MET = {
    "active_late_count": 0,
    "zone_missing": [],
    "new_media_incident_count": 0,
    "new_media_criticism_state_council": 0,
    "new_media_criticism_province": 0,
    "new_media_criticism_city": 0,
    "new_media_stale_periods": 0,
    "opinion_response_ok": True,
    "foi_ok": True,
}


def xz(**facts):
    return {"target": "xiangzhen", "facts": {**XZ_ALL_MET, **facts}}


def test_three_late_items_score_19_7(datonghu):
    # 乡镇 主动公开信息 20分; 「未按时限完成的,每次扣0.1分」: 3 × 0.1 = 0.3 → 19.7.
    result = datonghu.assess(xz(active_late_count=3))
    assert result.item("xz.1").score == D("19.7")
    assert str(result.item("xz.1").score) == "19.7"  # exact, not 19.699999…
    assert result.total == D("99.7")
