"""How the time per assessment grows with the number of facts and rules.

Synthetic packs built with ``govrules.load_pack_text``, of the shape of
tests/test_durable.py ``many_rules_pack``: ``n`` items of 1 point, each with
one count fact ``c<i>``, one ``per_occurrence`` rule (1 point per occurrence)
and one evidence requirement. Inputs are varied: each count 0 (70%) or 1–3,
each piece of evidence given with probability 0.8, now and then a fact left
out (an incomplete sheet).

For each size: time to load the pack (YAML, model, checks), to compile the
target (``pack.view``) and to create its durable_rules ruleset (first use);
then µs per assessment, full path (``pack.assess``) and inference alone
(``evaluator.evaluate`` on validated input), for both evaluators, and
validation alone (``pack.validate``); ``rest`` is the reference full path less
validation and inference (findings, scoring, the Result). CPU-time medians of
``--runs`` round-robin passes.

    .venv/bin/python bench/scaling.py [--quick] [--sizes 10,50,100,200,400] [--json [FILE]]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402

import govrules  # noqa: E402

DOC = "每次扣1分 缺少佐证"


def pack_text(n: int) -> str:
    """The YAML of a pack with ``n`` items (the many_rules_pack shape of tests/test_durable.py)."""
    facts = "\n".join(f"  - {{name: c{i}, label: 次数{i}, type: count}}" for i in range(n))
    items = "\n".join(
        f"      - id: i{i}\n        name: 项{i}\n        points: {{t: 1}}\n        evidence: [缺少佐证]\n"
        f"        rules:\n          - {{id: r, kind: per_occurrence, fact: c{i}, amount: 1, quote: 每次扣1分}}"
        for i in range(n)
    )
    return (
        f"format: 1\npack: {{id: many{n}, version: '1', title: 多, issuer: 测, source: 测}}\n"
        f"targets:\n  - {{id: t, name: 对象, total: {n}}}\nfacts:\n{facts}\n"
        f"indicators:\n  - id: s\n    name: 全部\n    children:\n{items}\n"
    )


def inputs(n: int, count: int, seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        facts = {f"c{i}": (0 if rnd.random() < 0.7 else rnd.randint(1, 3)) for i in range(n)}
        if rnd.random() < 0.05:
            del facts[f"c{rnd.randrange(n)}"]
        evidence = {f"i{i}": ["缺少佐证"] for i in range(n) if rnd.random() < 0.8}
        out.append({"target": "t", "facts": facts, "evidence": evidence})
    return out


def cpu_rates(configs: dict[str, Callable[[Any], Any]], data: list[Any], runs: int) -> dict[str, float]:
    """Median µs of process CPU time per call, configurations timed round-robin."""
    samples: dict[str, list[float]] = {k: [] for k in configs}
    for fn in configs.values():
        for d in data[: max(10, len(data) // 5)]:
            fn(d)
    for _ in range(runs):
        for name, fn in configs.items():
            c0 = time.process_time()
            for d in data:
                fn(d)
            samples[name].append((time.process_time() - c0) / len(data) * 1e6)
    return {k: statistics.median(v) for k, v in samples.items()}


def measure(n: int, count: int, runs: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    pack = govrules.load_pack_text(pack_text(n), f"many{n}.yaml", DOC)
    t1 = time.perf_counter()
    view = pack.view("t")
    t2 = time.perf_counter()
    ev = pack._evaluator(view, "durable")
    t3 = time.perf_counter()
    ref = pack._evaluator(view, "reference")
    data = inputs(n, count, seed=n)
    validated = [pack.validate(d, "t")[1] for d in data]
    # Both evaluators must agree (they do in the test suite; check here too).
    for a in validated[:20]:
        assert ev.evaluate(view, a) == ref.evaluate(view, a)
    # Full path on raw inputs, inference on validated ones: two round-robin groups.
    us = cpu_rates(
        {
            "durable": lambda d: pack.assess(d, "t"),
            "reference": lambda d: pack.assess(d, "t", evaluator="reference"),
            "validate": lambda d: pack.validate(d, "t"),
        },
        data,
        runs,
    )
    us.update(
        cpu_rates(
            {"durable inference": lambda a: ev.evaluate(view, a), "reference inference": lambda a: ref.evaluate(view, a)},
            validated,
            runs,
        )
    )
    pack.close()
    return {"n": n, "load_ms": (t1 - t0) * 1e3, "compile_ms": (t2 - t1) * 1e3, "ruleset_ms": (t3 - t2) * 1e3, "us": us}


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,50,100,200,400", help="comma-separated item counts")
    ap.add_argument("--n", type=int, default=None, help="inputs per size (default 300; --quick 60)")
    ap.add_argument("--runs", type=int, default=None, help="timed passes (default 5; --quick 3)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    count = args.n or (60 if args.quick else 300)
    runs = args.runs or (3 if args.quick else 5)

    benchlib.header("scaling: µs per assessment against the number of rules (1 fact, 1 rule, 1 evidence per item)")
    results = []
    for n in sizes:
        results.append(measure(n, count, runs))
        print(f"  done n={n}", file=sys.stderr)
    rows = []
    for r in results:
        u = r["us"]
        rows.append(
            [
                r["n"],
                r["load_ms"],
                r["compile_ms"],
                r["ruleset_ms"],
                u["validate"],
                u["durable inference"],
                u["reference inference"],
                u["durable"],
                u["reference"],
                u["reference"] - u["validate"] - u["reference inference"],
                u["durable"] / r["n"],
                1e6 / u["durable"],
            ]
        )
    print(f"\n{count} varied inputs per size, median of {runs} passes, process CPU time:\n")
    print(
        benchlib.table(
            ["rules", "load ms", "compile ms", "ruleset ms", "validate µs", "durable inf µs", "ref inf µs", "durable µs", "reference µs", "rest µs", "durable µs/rule", "durable /s"],
            rows,
        )
    )
    if len(results) >= 2:
        a, b = results[0], results[-1]
        for key in ("durable", "reference", "durable inference", "reference inference", "validate"):
            slope = (b["us"][key] - a["us"][key]) / (b["n"] - a["n"])
            print(f"  {key}: {slope:.1f} µs per extra rule (from {a['n']} to {b['n']} rules)")
    benchlib.write_json(args.json, {"benchmark": "scaling", "quick": args.quick, "inputs": count, "runs": runs, "results": results})


if __name__ == "__main__":
    main()
