"""Shared inputs for datonghu_2023 / 乡镇 tests: every fact given and every requirement met (100 points)."""

from __future__ import annotations

from typing import Any

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


def xz(**facts: Any) -> dict[str, Any]:
    """A 乡镇 input with every requirement met, except the facts given here."""
    return {"target": "xiangzhen", "facts": {**XZ_ALL_MET, **facts}}


#: Some facts and a 自评 for two rows (most facts not given, so no total). Worked by hand from the rubric:
#: xz.1 (20分): one late (每次扣0.1分) and 酌情扣分 2.4: 20 − 0.1 − 2.4 = 17.5; 自评 12, a difference of 5.5.
#: xz.5 (20分): 依申请公开 in order, no deduction: 20; 自评 19.5, a difference of 0.5.
XZ_SELF_ASSESSED = {
    "target": "xiangzhen",
    "facts": {"active_late_count": 1, "active_quality": {"points": 2.4, "reason": "负责人姓名未更新"}, "opinion_response_ok": True, "foi_ok": True},
    "self_assessment": {"xz.1": 12, "xz.5": 19.5},
}
