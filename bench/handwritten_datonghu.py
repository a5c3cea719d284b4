"""A hand-written scorer for datonghu_2023 / 乡镇 (xiangzhen): the floor for bench/throughput.py.

This is what a programmer would write for this one rubric without govrules:
one function, straight from packs/datonghu_2023/.../rubric.yaml, reading the
same input dict that ``pack.assess`` takes and returning the same total
(``Result.total``): a Decimal, or None when the sheet is incomplete.

It encodes, by hand, what the pack declares:

* xz.1 主动公开信息 (20): 0.1 per late item (``active_late_count``) plus an
  optional discretionary deduction (``active_quality.points``);
* xz.2 政务公开专区 (20): 0.1 per missing element (``zone_missing``);
* xz.3 政务新媒体 (20): 1 per incident, 1 / 0.5 / 0.2 per criticism by the
  State Council / province / city, those two capped at 3 together (reading
  ``new_media_cap_scope``), plus 0.1 per stale fortnight, either given
  (``new_media_stale_periods``) or derived from the update dates (26 complete
  14-day periods from 2023-01-01; reading ``new_media_fortnights``);
* xz.4 政务舆情回应, xz.5 依申请公开 (20 each): all or nothing on a boolean;
* every item floored at 0 (reading ``floor_at_zero``);
* a 复核 review replaces an item's score; the total is the sum of the five
  items, or None if an item is neither decided nor reviewed (a fact it needs
  is missing).

It validates nothing (the full path rejects bad input; this trusts it) and
produces no explanation: it is a floor for the cost of scoring itself.

Run it to check it against ``pack.assess`` on the examples and on generated
inputs::

    .venv/bin/python bench/handwritten_datonghu.py [--n 5000]
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

D0 = Decimal(0)
D20 = Decimal(20)
TENTH = Decimal("0.1")
CRITICISM = (("new_media_criticism_state_council", Decimal(1)), ("new_media_criticism_province", Decimal("0.5")), ("new_media_criticism_city", Decimal("0.2")))
CAP = Decimal(3)
START = dt.date(2023, 1, 1)
PERIODS = 26  # (2023-12-31 - 2023-01-01 + 1 day) // 14


def _num(v: Any) -> Decimal:
    if isinstance(v, Decimal):
        return v
    if isinstance(v, float):
        return Decimal(repr(v))
    return Decimal(v)


def _stale(facts: dict[str, Any]) -> int | None:
    n = facts.get("new_media_stale_periods")
    if n is not None:
        return n  # type: ignore[no-any-return]
    dates = facts.get("new_media_update_dates")
    if dates is None:
        return None
    hit = set()
    for text in dates:
        k = (dt.date.fromisoformat(text) - START).days // 14
        if 0 <= k < PERIODS:
            hit.add(k)
    return PERIODS - len(hit)


def _floor(deduction: Decimal) -> Decimal:
    return D0 if deduction >= D20 else D20 - deduction


def score_xiangzhen(data: dict[str, Any]) -> Decimal | None:
    """The 乡镇 total of one assessment input, as ``pack.assess(data).total``."""
    facts = data.get("facts") or {}
    scores: dict[str, Decimal | None] = {}

    # xz.1 主动公开信息
    late = facts.get("active_late_count")
    if late is None:
        scores["xz.1"] = None
    else:
        q = facts.get("active_quality")
        quality = _num(q["points"]) if q else D0
        scores["xz.1"] = _floor(TENTH * late + quality)

    # xz.2 政务公开专区
    missing = facts.get("zone_missing")
    scores["xz.2"] = None if missing is None else _floor(TENTH * len(missing))

    # xz.3 政务新媒体
    incidents = facts.get("new_media_incident_count")
    tiers = [facts.get(name) for name, _ in CRITICISM]
    stale = _stale(facts)
    if incidents is None or stale is None or any(t is None for t in tiers):
        scores["xz.3"] = None
    else:
        capped = incidents + sum((amount * n for (_, amount), n in zip(CRITICISM, tiers)), D0)
        scores["xz.3"] = _floor(min(capped, CAP) + TENTH * stale)

    # xz.4 政务舆情回应, xz.5 依申请公开: all or nothing
    for item, name in (("xz.4", "opinion_response_ok"), ("xz.5", "foi_ok")):
        ok = facts.get(name)
        scores[item] = None if ok is None else (D20 if ok else D0)

    for review in data.get("reviews") or ():
        scores[review["item"]] = _num(review["score"])
    if any(s is None for s in scores.values()):
        return None
    return sum(scores.values(), D0)  # type: ignore[arg-type]


def check(pack: Any, inputs: list[dict[str, Any]]) -> int:
    """How many inputs the hand-written total disagrees with ``pack.assess`` on (printing the first few)."""
    bad = 0
    for d in inputs:
        expected = pack.assess(d, "xiangzhen").total
        got = score_xiangzhen(d)
        if got != expected:
            bad += 1
            if bad <= 3:
                print(f"disagree: hand-written {got} vs pack.assess {expected} on {d}")
    return bad


if __name__ == "__main__":
    import argparse
    import json
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    import benchlib

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="generated inputs to check (default 5000)")
    args = ap.parse_args()
    reg = benchlib.registry()
    pack = reg.get("datonghu_2023")
    examples = [json.loads(p.read_text(encoding="utf-8")) for p in benchlib.example_files(pack)]
    examples = [e for e in examples if e.get("target") == "xiangzhen"]
    inputs = examples + benchlib.InputGen(pack, "xiangzhen", seed=7).batch(args.n)
    bad = check(pack, inputs)
    print(f"{len(inputs) - bad} of {len(inputs)} inputs agree with pack.assess")
    sys.exit(1 if bad else 0)
