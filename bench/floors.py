"""What the pieces govrules must run cost by themselves, against the hand-written scorer.

The issue asks for the full path within 3× of a hand-written scorer. This
measures, on the same varied inputs of datonghu_2023 / 乡镇 (the pack the
hand-written scorer was written for) and of the largest target, each piece
the full path cannot do without, alone:

* ``hand-written``: bench/handwritten_datonghu.py (datonghu only): the total,
  from the input dict, in plain Decimal arithmetic; no validation, no
  explanation;
* ``pydantic facts``: ``view.facts_model.model_validate(facts)``, the facts
  model that is also the pack's JSON Schema; nothing else of validation;
* ``durable C engine``: the durable_rules C calls of one assessment and
  nothing else (``assert_facts`` of the facts' JSON text, built beforehand;
  one ``complete_and_start_action`` per fired rule; ``delete_state``);
* ``durable, session only``: ``assert_facts`` of the end marker alone, then
  its one action and ``delete_state``: what creating and deleting a session
  costs, whatever the facts;
* ``evaluate``: ``DurableEvaluator.evaluate`` (the C engine plus our Python);
* ``assess``: ``pack.assess`` (the full path: validation, inference, findings,
  scoring, the Result with its explanation records).

Each is timed round-robin over the same inputs (median of the passes, process
CPU time) and reported in µs and as a multiple of the hand-written scorer.

    .venv/bin/python bench/floors.py [--quick] [--json [FILE]]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402
import durable_rules_engine as dre  # noqa: E402
import handwritten_datonghu  # noqa: E402


def _c_engine(ev: Any, texts: list[tuple[str, str]]) -> Callable[[], None]:
    """The C calls of one assessment per prepared (sid, text), nothing else."""
    handle = ev._handle

    def run() -> None:
        for sid, text in texts:
            _, state = dre.assert_facts(handle, text)
            result = dre.start_action_for_state(handle, state)
            message = result[1] if result else None
            while message:
                message = dre.complete_and_start_action(handle, state)
            dre.delete_state(handle, sid)

    return run


class _Sids:
    """Fresh sids for each pass (a deleted session's sid could be reused, but fresh ones avoid any doubt)."""

    def __init__(self) -> None:
        self.next = 10_000_000

    def take(self) -> str:
        self.next += 1
        return str(self.next)


def floors(pack: Any, target: str, n: int, runs: int, hand: bool) -> dict[str, Any]:
    inputs = benchlib.InputGen(pack, target, seed=3).batch(n)
    pairs = [pack.validate(d, target) for d in inputs]
    view = pairs[0][0]
    ev = pack._evaluator(view, "durable")
    facts_in = [d.get("facts", {}) for d in inputs]
    model = view.facts_model
    sids = _Sids()

    def c_engine() -> None:
        # The fact texts carry their sid, so they are rebuilt for each pass (outside the clock).
        texts = [(sid, ev._fact_text(sid, a)) for sid, a in ((sids.take(), a) for _, a in pairs)]
        start = time.process_time()
        _c_engine(ev, texts)()
        clocks["durable C engine"].append((time.process_time() - start) / n * 1e6)

    def session_only() -> None:
        texts = [(sid, f'[{{"sid": "{sid}", "id": "end", "t": "end"}}]') for sid in (sids.take() for _ in range(n))]
        start = time.process_time()
        _c_engine(ev, texts)()
        clocks["durable, session only"].append((time.process_time() - start) / n * 1e6)

    timed: dict[str, Callable[[], Any]] = {}
    if hand:
        timed["hand-written"] = lambda: [handwritten_datonghu.score_xiangzhen(d) for d in inputs]
    timed["pydantic facts"] = lambda: [model.model_validate(f) for f in facts_in]
    timed["evaluate"] = lambda: [ev.evaluate(v, a) for v, a in pairs]
    timed["assess"] = lambda: [pack.assess(d, target) for d in inputs]

    clocks: dict[str, list[float]] = {k: [] for k in [*timed, "durable C engine", "durable, session only"]}
    for fn in timed.values():  # warm-up
        fn()
    c_engine(), session_only()
    clocks["durable C engine"].clear()
    clocks["durable, session only"].clear()
    for _ in range(runs):
        for name, fn in timed.items():
            start = time.process_time()
            fn()
            clocks[name].append((time.process_time() - start) / n * 1e6)
        c_engine()
        session_only()
    us = {k: statistics.median(v) for k, v in clocks.items()}
    return {"pack": pack.id, "target": target, "inputs": n, "runs": runs, "us": us}


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="inputs (default 1000; --quick 200)")
    ap.add_argument("--runs", type=int, default=None, help="timed passes (default 7; --quick 3)")
    args = ap.parse_args()
    n = args.n or (200 if args.quick else 1000)
    runs = args.runs or (3 if args.quick else 7)
    benchlib.header("floors: what each piece costs alone, against the hand-written scorer")
    reg = benchlib.registry()
    datonghu = reg.get("datonghu_2023")
    bad = handwritten_datonghu.check(datonghu, benchlib.InputGen(datonghu, "xiangzhen", seed=3).batch(n))
    if bad:
        sys.exit(f"the hand-written scorer disagrees with pack.assess on {bad} inputs")
    largest = benchlib.largest(reg)
    results = [floors(datonghu, "xiangzhen", n, runs, hand=True), floors(largest[0], largest[1], n, runs, hand=False)]
    hand_us = results[0]["us"]["hand-written"]
    for r in results:
        rows = [[name, f"{us:,.1f}", f"{us / hand_us:.1f}×"] for name, us in r["us"].items()]
        print(f"\n{r['pack']}/{r['target']}: {r['inputs']} varied inputs, median of {r['runs']} passes, µs of process CPU time per assessment")
        print(f"(× = multiple of the hand-written datonghu scorer, {hand_us:.1f} µs)\n")
        print(benchlib.table(["piece", "µs", "× hand-written"], rows))
    benchlib.write_json(args.json, {"benchmark": "floors", "quick": args.quick, "floors": results})


if __name__ == "__main__":
    main()
