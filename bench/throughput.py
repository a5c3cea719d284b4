"""Assessments per second, per installed pack and target, through the full path.

Columns (all single-threaded, in this one process):

* ``durable``: ``pack.assess(dict)`` — fact validation, durable_rules inference,
  findings, scoring, the Result (with its explanation records);
* ``+to_json``: the same plus ``result.to_json()`` (the serialised sheet, with
  the library's default formatting: compact since a7cdf93, indented before);
* ``+indented``: the same with ``result.to_json(indent=2)`` (an indent makes the
  json module fall back from its C encoder to its pure-Python one);
* ``reference`` / ``ref+to_json``: the same with ``evaluator="reference"``;
* for datonghu_2023 / xiangzhen, ``hand-written``: bench/handwritten_datonghu.py,
  a direct Decimal function computing the same total from the same dict,
  checked to agree with ``pack.assess`` on every input it times.

Each pack/target gets its own list of varied inputs (benchlib.InputGen,
seeded). After a warm-up, the configurations are timed round-robin (one pass
of each, then again, ``--runs`` times) so that a burst of load on the shared
machine hits them all alike; the median rate is reported.

Then a breakdown of one assessment of the largest target (most rules; or
``--breakdown all``) into the steps ``Pack.assess`` takes: validation
(``pack.validate``), inference (``evaluator.evaluate``), findings
(``findings_of``), scoring (``score``), and ``to_json()`` (compact) split
into ``to_dict`` and ``json.dumps``.

    .venv/bin/python bench/throughput.py [--quick] [--json [FILE]]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402
import handwritten_datonghu  # noqa: E402

from govrules.engine.findings import findings_of  # noqa: E402
from govrules.engine.scoring import score  # noqa: E402


def interleaved(configs: dict[str, Callable[[Any], Any]], inputs: list[Any], runs: int, warmup: int) -> dict[str, dict[str, Any]]:
    """Rates of each configuration, timed round-robin; by wall clock and by this process's CPU time."""
    for fn in configs.values():
        for d in inputs[:warmup]:
            fn(d)
    wall: dict[str, list[float]] = {name: [] for name in configs}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(runs):
        for name, fn in configs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            for d in inputs:
                fn(d)
            t1, c1 = time.perf_counter(), time.process_time()
            wall[name].append(len(inputs) / (t1 - t0))
            cpu[name].append(len(inputs) / (c1 - c0))
    return {
        name: {
            "median": statistics.median(wall[name]),
            "min": min(wall[name]),
            "max": max(wall[name]),
            "runs": wall[name],
            "cpu_median": statistics.median(cpu[name]),
            "cpu_runs": cpu[name],
        }
        for name in configs
    }


def throughput(pack: Any, target: str, n: int, runs: int, warmup: int) -> dict[str, Any]:
    inputs = benchlib.InputGen(pack, target, seed=1).batch(n)
    configs: dict[str, Callable[[Any], Any]] = {
        "durable": lambda d: pack.assess(d, target),
        "durable+to_json": lambda d: pack.assess(d, target).to_json(),
        "durable+to_json(indent=2)": lambda d: pack.assess(d, target).to_json(indent=2),
        "reference": lambda d: pack.assess(d, target, evaluator="reference"),
        "reference+to_json": lambda d: pack.assess(d, target, evaluator="reference").to_json(),
    }
    hand = pack.id == "datonghu_2023" and target == "xiangzhen"
    if hand:
        bad = handwritten_datonghu.check(pack, inputs)
        if bad:
            raise SystemExit(f"the hand-written scorer disagrees with pack.assess on {bad} of {len(inputs)} inputs")
        configs["hand-written"] = handwritten_datonghu.score_xiangzhen
    results = interleaved(configs, inputs, runs, warmup)
    rules, facts = benchlib.size(pack, target)
    out = {"pack": pack.id, "target": target, "rules": rules, "facts": facts, "inputs": n, "runs": runs, "rates": results}
    if hand:
        out["hand_written_agrees"] = True
    return out


def breakdown(pack: Any, target: str, n: int, runs: int) -> dict[str, Any]:
    """Microseconds per assessment in each step of Pack.assess, for both evaluators.

    Each input goes through the steps exactly as ``Pack.assess`` then
    ``Result.to_json()`` (compact) take them, with a clock reading between steps (so
    memory and garbage collection behave as on the real path); the per-step
    sums over all inputs are taken ``runs`` times and the median kept.
    """
    inputs = benchlib.InputGen(pack, target, seed=2).batch(n)
    for d in inputs[:50]:
        pack.assess(d, target).to_json()
        pack.assess(d, target, evaluator="reference").to_json()
    clock = time.process_time  # CPU time: less disturbed by other processes on a shared machine
    names = ("validate", "inference", "findings", "scoring", "to_dict", "json.dumps")
    out: dict[str, Any] = {"pack": pack.id, "target": target, "inputs": n, "runs": runs, "steps": {}}
    for name in ("durable", "reference"):
        samples: dict[str, list[float]] = {k: [] for k in names + ("assess (whole)", "to_json (whole)")}
        for _ in range(runs):
            acc = [0.0] * len(names)
            for d in inputs:
                t0 = clock()
                view, assessment = pack.validate(d, target)
                t1 = clock()
                ev = pack._evaluator(view, name)
                evaluation = ev.evaluate(view, assessment)
                t2 = clock()
                findings = findings_of(view, assessment, evaluation, ev.name)
                t3 = clock()
                result = score(pack.spec, findings, pack.stamp(ev.name))
                t4 = clock()
                data = result.to_dict()
                t5 = clock()
                json.dumps(data, ensure_ascii=False, indent=None, sort_keys=False)
                t6 = clock()
                for i, (a, b) in enumerate(((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6))):
                    acc[i] += b - a
            for k, v in zip(names, acc):
                samples[k].append(v)
            t0 = clock()
            results = [pack.assess(d, target, evaluator=name) for d in inputs]
            t1 = clock()
            for r in results:
                r.to_json()
            t2 = clock()
            del results
            samples["assess (whole)"].append(t1 - t0)
            samples["to_json (whole)"].append(t2 - t1)
        out["steps"][name] = {k: statistics.median(v) / n * 1e6 for k, v in samples.items()}
    return out


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="inputs per pack/target (default 600; --quick 200)")
    ap.add_argument("--runs", type=int, default=None, help="timed passes per configuration (default 5; --quick 3)")
    ap.add_argument("--pack", action="append", default=None, help="only this pack (repeatable)")
    ap.add_argument("--breakdown", choices=("largest", "all", "none"), default="largest")
    args = ap.parse_args()
    n = args.n or (200 if args.quick else 600)
    runs = args.runs or (3 if args.quick else 5)
    warmup = min(100, n)

    benchlib.header("throughput: assessments per second, one process, median of runs")
    reg = benchlib.registry()
    pts = [(p, t) for p, t in benchlib.pack_targets(reg) if args.pack is None or p.id in args.pack]
    results = []
    for pack, target in pts:
        results.append(throughput(pack, target, n, runs, warmup))
        print(f"  done {pack.id}/{target}", file=sys.stderr)
    for key, what in (("median", "wall clock"), ("cpu_median", "process CPU time")):
        rows = []
        for r in results:
            rates = r["rates"]
            hand = rates.get("hand-written", {}).get(key)
            rows.append(
                [
                    f"{r['pack']}/{r['target']}",
                    r["rules"],
                    r["facts"],
                    rates["durable"][key],
                    rates["durable+to_json"][key],
                    rates["durable+to_json(indent=2)"][key],
                    rates["reference"][key],
                    rates["reference+to_json"][key],
                    hand,
                    f"{hand / rates['durable'][key]:.0f}×" if hand else None,
                    f"{hand / rates['durable+to_json'][key]:.0f}×" if hand else None,
                ]
            )
        print(f"\n{n} varied inputs per row, {runs} timed passes each (round-robin), median assessments/s by {what}:\n")
        print(
            benchlib.table(
                ["pack/target", "rules", "facts", "durable", "+to_json", "+indented", "reference", "ref+to_json", "hand-written", "hand/durable", "hand/+json"],
                rows,
            )
        )
    spread = [
        f"{r['pack']}/{r['target']} {k}: {v['min']:,.0f}–{v['max']:,.0f}" for r in results for k, v in r["rates"].items() if k.startswith("durable")
    ]
    print("\nspread (min–max of the passes): " + "; ".join(spread))

    breakdowns = []
    if args.breakdown != "none":
        largest = benchlib.largest(reg)
        chosen = pts if args.breakdown == "all" else [largest]
        for pack, target in chosen:
            b = breakdown(pack, target, n, runs)
            breakdowns.append(b)
            d, ref = b["steps"]["durable"], b["steps"]["reference"]
            total_d = sum(v for k, v in d.items() if "whole" not in k)
            total_r = sum(v for k, v in ref.items() if "whole" not in k)
            rows = []
            for step in d:
                pct_d = f"{100 * d[step] / total_d:.0f}%" if "whole" not in step else ""
                pct_r = f"{100 * ref[step] / total_r:.0f}%" if "whole" not in step else ""
                rows.append([step, d[step], pct_d, ref[step], pct_r])
            rows.append(["sum of steps", total_d, "100%", total_r, "100%"])
            print(f"\nbreakdown of one assessment, {pack.id}/{target} ({b['inputs']} inputs, median of {runs}), µs of process CPU time:\n")
            print(benchlib.table(["step", "durable µs", "share", "reference µs", "share"], rows))
    benchlib.write_json(args.json, {"benchmark": "throughput", "quick": args.quick, "throughput": results, "breakdown": breakdowns})


if __name__ == "__main__":
    main()
