"""The speed-up of this checkout over another version of govrules, measured side by side.

On a shared machine, throughput measured at different times differs by more
than most changes do. This script times two versions in the same minutes:
it alternates fresh processes, one running this checkout's ``src/`` and one
running another ``src/`` (``OTHER_SRC``, e.g. a ``git worktree`` of an older
commit), each timing the same varied inputs (the installed packs, seeded
``benchlib.InputGen``); it reports each version's median rate and their
ratio, pass by pass.

    git worktree add /tmp/govrules-old 5bfea45
    .venv/bin/python bench/compare.py /tmp/govrules-old/src [--pack taiqian --target xiangzhen]

Both versions must read the same input dicts (the assessment format has not
changed); the packs are this checkout's.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: One timed pass, run in a fresh process: prints {"assess": rate, "to_json": rate}.
PASS = """
import json, sys, time
sys.path.insert(0, {bench!r})
import benchlib
reg = benchlib.registry()
pack = reg.get({pack!r})
inputs = benchlib.InputGen(pack, {target!r}, seed=11).batch({n})
for d in inputs[:100]:
    pack.assess(d, {target!r}).to_json()
out = {{}}
start = time.process_time()
for d in inputs:
    pack.assess(d, {target!r})
out["assess"] = len(inputs) / (time.process_time() - start)
start = time.process_time()
for d in inputs:
    pack.assess(d, {target!r}).to_json()
out["assess+to_json"] = len(inputs) / (time.process_time() - start)
print(json.dumps(out))
"""


def one_pass(src: str, pack: str, target: str, n: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=src)
    code = PASS.format(bench=str(HERE), pack=pack, target=target, n=n)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("other_src", help="the src/ folder of the version to compare with")
    ap.add_argument("--pack", default="taiqian")
    ap.add_argument("--target", default="xiangzhen")
    ap.add_argument("--n", type=int, default=None, help="inputs per pass (default 600; --quick 200)")
    ap.add_argument("--runs", type=int, default=None, help="passes per version (default 5; --quick 2)")
    args = ap.parse_args()
    n = args.n or (200 if args.quick else 600)
    runs = args.runs or (2 if args.quick else 5)
    benchlib.header(f"compare: this checkout against {args.other_src}, {args.pack}/{args.target}")
    mine, other = str(ROOT / "src"), str(Path(args.other_src).resolve())
    rates: dict[str, list[dict[str, float]]] = {"this": [], "other": []}
    for _ in range(runs):
        rates["other"].append(one_pass(other, args.pack, args.target, n))
        rates["this"].append(one_pass(mine, args.pack, args.target, n))
    rows = []
    summary = {}
    for key in ("assess", "assess+to_json"):
        this = statistics.median(r[key] for r in rates["this"])
        that = statistics.median(r[key] for r in rates["other"])
        per_pass = [a[key] / b[key] for a, b in zip(rates["this"], rates["other"])]
        summary[key] = {"this": this, "other": that, "speedup": this / that, "per_pass": per_pass}
        rows.append([key, f"{that:,.0f}", f"{this:,.0f}", f"{this / that:.2f}×", ", ".join(f"{x:.2f}" for x in per_pass)])
    print(f"\n{n} varied inputs per pass, {runs} passes per version (alternating fresh processes), median assessments/s by process CPU time:\n")
    print(benchlib.table(["", "other", "this checkout", "speed-up", "speed-up per pass"], rows))
    benchlib.write_json(args.json, {"benchmark": "compare", "other": other, "pack": args.pack, "target": args.target, "rates": rates, "summary": summary})


if __name__ == "__main__":
    main()
