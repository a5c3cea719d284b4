"""Batch throughput: one process against a multiprocessing Pool using every core.

The same list of varied inputs (default: the target with the most rules) is
scored, each as ``pack.assess(d).to_json()``:

* in this one process;
* by a ``multiprocessing.Pool`` of ``--workers`` processes (default: 2, one per
  core on the benchmark machine), each with its own ``Registry.discover()``
  and Pack (and so its own durable_rules ruleset), created and warmed up in
  the pool initializer; ``pool.map`` with ``--chunksize`` inputs per task.
  Workers send back the total and the JSON's length, not the JSON itself
  (``--return-json`` to send it back too, as a caller collecting sheets would).

Pool start-up (fork, import, discover, warm-up) is timed separately from the
steady-state throughput. Wall clock, median of ``--runs`` runs, one process
and pool alternating.

    .venv/bin/python bench/batch.py [--quick] [--workers 2] [--json [FILE]]
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402

_PACK: Any = None
_TARGET: str = ""
_RETURN_JSON = False


def _init(pack_id: str, target: str, warm: list[dict[str, Any]], return_json: bool, ready: Any) -> None:
    global _PACK, _TARGET, _RETURN_JSON
    import govrules

    _PACK = govrules.Registry.discover().get(pack_id)
    _TARGET = target
    _RETURN_JSON = return_json
    for d in warm:
        _PACK.assess(d, target).to_json()
    ready.put(os.getpid())


def _score(d: dict[str, Any]) -> tuple[Any, ...]:
    """(total, the JSON or its length, CPU seconds this process spent on it)."""
    c0 = time.process_time()
    result = _PACK.assess(d, _TARGET)
    text = result.to_json()
    total = None if result.total is None else str(result.total)
    return (total, text if _RETURN_JSON else len(text), time.process_time() - c0)


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="inputs (default 6,000; --quick 1,500)")
    ap.add_argument("--runs", type=int, default=None, help="runs of each (default 5; --quick 3)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunksize", type=int, default=50)
    ap.add_argument("--pack", default=None, help="pack id (default: the target with the most rules)")
    ap.add_argument("--target", default=None)
    ap.add_argument("--return-json", action="store_true", help="workers send each result's JSON back")
    ap.add_argument("--start-method", default="fork", choices=("fork", "spawn", "forkserver"))
    args = ap.parse_args()
    n = args.n or (1_500 if args.quick else 6_000)
    runs = args.runs or (3 if args.quick else 5)

    reg = benchlib.registry()
    pack, target = benchlib.pick(reg, args.pack, args.target)
    inputs = benchlib.InputGen(pack, target, seed=5).batch(n)
    warm = inputs[:50]
    benchlib.header(f"batch: {n:,} × assess + to_json of {pack.id}/{target}, 1 process vs Pool({args.workers})")

    ctx = mp.get_context(args.start_method)
    ready = ctx.Queue()
    t0 = time.perf_counter()
    pool = ctx.Pool(args.workers, initializer=_init, initargs=(pack.id, target, warm, args.return_json, ready))
    pids = {ready.get(timeout=120) for _ in range(args.workers)}
    startup = time.perf_counter() - t0

    # The single-process baseline uses the same function, in this process.
    _init(pack.id, target, warm, args.return_json, ctx.Queue())
    single: list[float] = []
    pooled: list[float] = []
    cpu_single: list[float] = []
    cpu_pool: list[float] = []
    expected = [_score(d)[:2] for d in inputs[:200]]
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            out1 = [_score(d) for d in inputs]
            single.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            out2 = pool.map(_score, inputs, chunksize=args.chunksize)
            pooled.append(time.perf_counter() - t0)
            cpu_single.append(sum(o[2] for o in out1))
            cpu_pool.append(sum(o[2] for o in out2))
            assert [o[:2] for o in out1] == [o[:2] for o in out2] and [o[:2] for o in out1[:200]] == expected, "the pool and the single process disagree"
    finally:
        pool.close()
        pool.join()
    s, p = statistics.median(single), statistics.median(pooled)
    cs, cp = statistics.median(cpu_single) / n * 1e6, statistics.median(cpu_pool) / n * 1e6
    best_s, best_p = min(single), min(pooled)
    rows = [
        ["1 process", 1, s, n / s, "1.00×", "", n / best_s, cs],
        [f"Pool({args.workers})", args.workers, p, n / p, f"{s / p:.2f}×", f"{s / p / args.workers:.0%}", n / best_p, cp],
    ]
    print(f"\nmedian of {runs} runs, wall clock; pool start-up (fork + discover + warm-up, {len(pids)} workers): {startup:.2f} s\n")
    print(benchlib.table(["", "processes", "seconds", "assessments/s", "speed-up", "efficiency", "best run /s", "CPU µs/assessment"], rows))
    print(f"\nbest runs: speed-up {best_s / best_p:.2f}×. CPU µs/assessment is the scoring processes' own CPU time per assessment "
          "(in the pool: the workers'); equal CPU but a low speed-up means the workers did not get both cores (other load), not overhead.")
    print(f"\nruns: 1 process {', '.join(f'{n / x:,.0f}' for x in single)}/s; pool {', '.join(f'{n / x:,.0f}' for x in pooled)}/s")
    benchlib.write_json(
        args.json,
        {
            "benchmark": "batch",
            "pack": pack.id,
            "target": target,
            "n": n,
            "runs": runs,
            "workers": args.workers,
            "chunksize": args.chunksize,
            "return_json": args.return_json,
            "start_method": args.start_method,
            "pool_startup_s": startup,
            "single_s": single,
            "pool_s": pooled,
            "single_rate": n / s,
            "pool_rate": n / p,
            "speedup": s / p,
            "best_speedup": best_s / best_p,
            "cpu_us_single": cs,
            "cpu_us_pool": cp,
        },
    )


if __name__ == "__main__":
    main()
