"""Where the time goes: cProfile over many assessments of one pack/target.

Profiles ``pack.assess(dict)`` followed by ``result.to_json()`` (the full
path) on varied inputs, after a warm-up, and prints:

* own time (tottime) grouped by area: each govrules module, the JSON encoder,
  pydantic, the durable_rules C engine, Decimal, attrs-generated methods, …;
* the top functions by own time and by cumulative time.

cProfile adds overhead to every Python call (less to C calls), so shares
lean towards code that makes many small Python calls; use bench/throughput.py
for the unprofiled step breakdown.

    .venv/bin/python bench/profiling.py [--pack miluo_2017 --target xiangzhen] [--n 2000] [--no-json]
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402


def area(key: tuple[str, int, str]) -> str:
    filename, _line, name = key
    f = filename.replace("\\", "/")
    if f == "~":
        if "durable_rules_engine" in name:
            return "durable_rules C engine"
        if "decimal" in name.lower():
            return "decimal (C)"
        if "json" in name or "encode" in name or "scanstring" in name:
            return "json (C)"
        if "pydantic_core" in name or "validate_python" in name:
            return "pydantic-core validation (C)"
        return "other builtins: " + name.split(" of ")[0].replace("<built-in method ", "").replace("<method '", "").strip("'>")
    if "/govrules/" in f and "site-packages" not in f or "/src/govrules/" in f:
        return "govrules." + f.split("/govrules/", 1)[1].removesuffix(".py").replace("/", ".")
    if f.startswith("<attrs generated"):
        return "attrs-generated __init__/__eq__/__hash__"
    if "/json/" in f:
        if name.startswith("_iterencode"):
            return "json pure-Python encoder (used when indent is set)"
        return "json encoding (the C encoder runs inside json/encoder.py frames)"
    if "/pydantic/" in f or "/pydantic_core/" in f:
        return "pydantic (Python)"
    if "/attr/" in f or "/attrs/" in f:
        return "attrs (Python)"
    if "/durable/" in f:
        return "durable (Python)"
    if "/decimal" in f or "_pydecimal" in f:
        return "decimal (Python)"
    return f.rsplit("/", 1)[-1]


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--pack", default=None, help="pack id (default: the target with the most rules)")
    ap.add_argument("--target", default=None)
    ap.add_argument("--n", type=int, default=None, help="assessments profiled (default 2000; --quick 300)")
    ap.add_argument("--evaluator", default="durable", choices=("durable", "reference"))
    ap.add_argument("--no-json", action="store_true", help="profile pack.assess only, without result.to_json()")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    n = args.n or (300 if args.quick else 2000)

    reg = benchlib.registry()
    pack, target = benchlib.pick(reg, args.pack, args.target)
    inputs = benchlib.InputGen(pack, target, seed=3).batch(n)
    for d in inputs[:100]:
        pack.assess(d, target, evaluator=args.evaluator).to_json()

    def run() -> None:
        for d in inputs:
            r = pack.assess(d, target, evaluator=args.evaluator)
            if not args.no_json:
                r.to_json()

    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    what = "pack.assess" + ("" if args.no_json else " + to_json()")
    benchlib.header(f"profile: {what}, {pack.id}/{target}, evaluator {args.evaluator}, {n} assessments")
    print(f"\nprofiled total {total:.2f} s = {total / n * 1e6:,.0f} µs per assessment (with cProfile overhead)\n")

    by_area: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    for key, (cc, nc, tt, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[area(key)] += tt
        calls[area(key)] += nc
    rows = sorted(by_area.items(), key=lambda kv: -kv[1])
    print(benchlib.table(["area (own time)", "µs/assessment", "share", "calls/assessment"], [[a, t / n * 1e6, f"{100 * t / total:.1f}%", calls[a] / n] for a, t in rows[: args.top]]))

    for order, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(order).print_stats(args.top)
        text = buf.getvalue()
        print(f"\n--- top {args.top} functions by {title} ---")
        print(text[text.index("ncalls") :] if "ncalls" in text else text)

    benchlib.write_json(
        args.json,
        {
            "benchmark": "profile",
            "pack": pack.id,
            "target": target,
            "evaluator": args.evaluator,
            "n": n,
            "with_to_json": not args.no_json,
            "us_per_assessment": total / n * 1e6,
            "areas": {a: {"us": t / n * 1e6, "share": t / total} for a, t in rows},
        },
    )


if __name__ == "__main__":
    main()
