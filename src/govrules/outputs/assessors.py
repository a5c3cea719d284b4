"""A batch seen by 负责考核部门: which department's rows lost how many points, across units.

Each row a pack gives assessors to (``assessors:``) is counted for each of
them: a row two departments assess counts in full for both, so the departments'
totals may add up to more than the points the units lost. Points lost on a row
are its points less its score (复核 included), before any rescaling of the
base; a row that is not applicable for a unit loses it nothing, and a row not
checked has no score: it is listed, not counted. An unscored checklist has no
points to lose: there the view counts the rows not met (不符合).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

from ..engine.result import FAIL, NOT_CHECKED
from ..numbers import ZERO, exact, fmt
from .outcome import ItemLoss, detail_of

if TYPE_CHECKING:
    from .batch import Batch, Unit


@exact
def assessor_view(batch: Batch, items_of: Callable[[Unit], list[ItemLoss]] | None = None) -> list[dict[str, Any]]:
    """One entry per (target, department), most points lost first (document order among equals); empty without assessors.

    ``items_of`` gives a unit's rows (read back from where the batch spilled
    them; by default from the results a batch scored in memory kept). A row's
    departments are the pack's, the same for every unit, so a target whose
    first unit's rows name none is not read further.
    """
    if items_of is None:
        items_of = _kept_items
    out: list[dict[str, Any]] = []
    for tid, name, units in batch.groups():
        if not any(i.assessors for i in items_of(units[0])):
            continue
        order: dict[str, list[str]] = {}  # department → its rows, in document order
        rows_of = {u.index: items_of(u) for u in units}
        for u in units:
            for item in rows_of[u.index]:
                for dept in item.assessors:
                    rows = order.setdefault(dept, [])
                    if item.id not in rows:
                        rows.append(item.id)
        entries: list[tuple[tuple[Decimal, int, int], dict[str, Any]]] = []
        for n, (dept, rows) in enumerate(order.items()):
            wanted = set(rows)
            per_unit = []
            total = ZERO
            failed = 0
            for u in units:
                outcome = u.outcome
                assert outcome is not None
                lost_here = ZERO
                lost_rows = []
                unchecked = []
                for item in rows_of[u.index]:
                    if item.id not in wanted:
                        continue
                    lost = item.lost
                    if item.status == NOT_CHECKED and not item.overridden:
                        unchecked.append(item.id)
                    elif lost:
                        lost_here += lost
                        lost_rows.append({"item": item.id, "name": item.name, "lost": fmt(lost)})
                total += lost_here
                failed_here = sum(1 for i in rows_of[u.index] if i.id in wanted and i.status == FAIL)
                failed += failed_here
                per_unit.append(
                    {
                        "unit": u.unit,
                        "lost": fmt(lost_here) if outcome.scored else None,
                        "failed": failed_here,
                        "rows": lost_rows,
                        "not_checked": unchecked,
                    }
                )
            scored = any(u.outcome is not None and u.outcome.scored for u in units)
            entries.append(
                ((-total, -failed, n), {
                    "target": tid,
                    "target_name": name,
                    "assessor": dept,
                    "items": rows,
                    "lost": fmt(total) if scored else None,
                    "failed": failed,
                    "units": per_unit,
                })
            )
        entries.sort(key=lambda pair: pair[0])
        out.extend(e for _, e in entries)
    return out


def _kept_items(u: Unit) -> list[ItemLoss]:
    return detail_of(u.result).items if u.result is not None else []


ASSESSOR_HEADER = ["考核对象", "负责考核部门", "负责指标", "单位", "失分", "不符合项数", "失分指标", "未检查的指标"]


def assessor_sheet_rows(view: list[dict[str, Any]]) -> list[list[Any]]:
    """The 「按考核部门」 sheet: a 合计 row per department, then one row per unit."""
    rows: list[list[Any]] = []
    for e in view:
        rows.append([e["target_name"], e["assessor"], "、".join(e["items"]), "（合计）", _number(e["lost"]), e["failed"], "", ""])
        for u in e["units"]:
            lost_rows = "、".join(f"{r['item']} {r['name']} -{r['lost']}" for r in u["rows"])
            rows.append([e["target_name"], e["assessor"], "", u["unit"], _number(u["lost"]), u["failed"], lost_rows, "、".join(u["not_checked"])])
    return rows


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
