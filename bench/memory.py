"""Does memory stay flat over many assessments in one process? (a check: exit 1 if not)

Runs 100,000 assessments (``--quick``: 20,000) of one pack/target in this
process — by default the target with the most rules, durable_rules
evaluator — each on a freshly generated input (benchlib.InputGen, seeded: no
two alike), calling ``result.to_json()`` on every ``--json-every``-th result
(default every 10th; 1 = all). Every tenth of the run (every 10,000 in the
full run) it samples:

* RSS now (``VmRSS``) and the peak so far (``VmHWM``), from /proc/self/status;
* tracemalloc's current and peak traced Python memory (unless ``--no-tracemalloc``;
  tracing slows the run about 2×, and its own bookkeeping is in RSS);
* live durable_rules sessions are not visible from Python; a leak there
  shows in RSS only, which is why RSS is the check.

It fails (exit status 1) if RSS at the end is more than ``--margin-mib``
(default 4 MiB) above RSS at the 20% mark: after the first fifth, caches
(compiled targets, the ruleset, interned strings, pymalloc arenas) are
warm, so a process that does not leak stays flat from there on.

    .venv/bin/python bench/memory.py [--quick] [--n 100000] [--margin-mib 4] [--json [FILE]]
"""

from __future__ import annotations

import gc
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402

MIB = 1024 * 1024


def proc_status() -> dict[str, int]:
    """VmRSS and VmHWM in bytes."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="assessments (default 100,000; --quick 20,000)")
    ap.add_argument("--pack", default=None, help="pack id (default: the target with the most rules)")
    ap.add_argument("--target", default=None)
    ap.add_argument("--evaluator", default="durable", choices=("durable", "reference"))
    ap.add_argument("--json-every", type=int, default=10, help="call to_json() on every k-th result (default 10)")
    ap.add_argument("--margin-mib", type=float, default=4.0, help="most RSS growth allowed from the 20%% mark to the end (default 4 MiB)")
    ap.add_argument("--simulate-leak", type=int, default=0, metavar="BYTES", help="self-test of the check: keep BYTES per assessment alive")
    ap.add_argument("--no-tracemalloc", action="store_true")
    args = ap.parse_args()
    n = args.n or (20_000 if args.quick else 100_000)
    every = max(1, n // 10)

    reg = benchlib.registry()
    pack, target = benchlib.pick(reg, args.pack, args.target)
    gen = benchlib.InputGen(pack, target, seed=4)
    benchlib.header(f"memory: {n:,} assessments of {pack.id}/{target} ({args.evaluator}) in one process")

    if not args.no_tracemalloc:
        tracemalloc.start()
    # Warm-up is part of the run: the first samples show the caches filling.
    samples: list[dict[str, Any]] = []
    status0 = proc_status()
    samples.append({"done": 0, "rss": status0["VmRSS"], "hwm": status0["VmHWM"], "traced": tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None, "traced_peak": tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None, "seconds": 0.0})
    t0 = time.perf_counter()
    totals: dict[str, int] = {}
    leak: list[bytes] = []
    for k in range(1, n + 1):
        result = pack.assess(gen.make(), target, evaluator=args.evaluator)
        if k % args.json_every == 0:
            result.to_json()
        key = "complete" if result.complete else "incomplete"
        totals[key] = totals.get(key, 0) + 1
        del result
        if args.simulate_leak:
            leak.append(bytes(args.simulate_leak))
        if k % every == 0:
            gc.collect()
            st = proc_status()
            cur, peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (None, None)
            samples.append({"done": k, "rss": st["VmRSS"], "hwm": st["VmHWM"], "traced": cur, "traced_peak": peak, "seconds": time.perf_counter() - t0})
            print(f"  {k:>7,}  rss {st['VmRSS'] / MIB:7.2f} MiB", file=sys.stderr)
    elapsed = time.perf_counter() - t0

    rows = []
    for s in samples:
        rows.append(
            [
                s["done"],
                s["rss"] / MIB,
                s["hwm"] / MIB,
                None if s["traced"] is None else s["traced"] / MIB,
                None if s["traced_peak"] is None else s["traced_peak"] / MIB,
                s["seconds"],
            ]
        )
    print(f"\n{n:,} assessments in {elapsed:.0f} s ({n / elapsed:,.0f}/s incl. input generation{'' if args.no_tracemalloc else ' and tracemalloc'}); to_json on every {args.json_every}th; {totals}\n")
    print(benchlib.table(["assessments", "RSS MiB", "peak RSS MiB", "traced MiB", "traced peak MiB", "seconds"], rows))
    mark = next(s for s in samples if s["done"] >= n * 0.2)
    end = samples[-1]
    growth = (end["rss"] - mark["rss"]) / MIB
    traced_growth = None if end["traced"] is None else (end["traced"] - mark["traced"]) / MIB
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok = growth <= args.margin_mib
    per = growth * MIB / (end["done"] - mark["done"])
    print(f"\nRSS from the 20% mark ({mark['done']:,}) to the end: {growth:+.2f} MiB = {per:+.1f} bytes per assessment (margin {args.margin_mib} MiB); ", end="")
    if traced_growth is not None:
        print(f"traced Python memory: {traced_growth:+.3f} MiB; ", end="")
    print(f"ru_maxrss {ru:.1f} MiB")
    print("PASS: memory is flat" if ok else "FAIL: RSS grew by more than the margin")
    benchlib.write_json(
        args.json,
        {
            "benchmark": "memory",
            "pack": pack.id,
            "target": target,
            "evaluator": args.evaluator,
            "n": n,
            "json_every": args.json_every,
            "tracemalloc": not args.no_tracemalloc,
            "seconds": elapsed,
            "samples": samples,
            "rss_growth_mib": growth,
            "rss_growth_bytes_per_assessment": per,
            "simulated_leak_bytes": args.simulate_leak,
            "traced_growth_mib": traced_growth,
            "margin_mib": args.margin_mib,
            "ok": ok,
        },
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
