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
