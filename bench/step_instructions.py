"""CPU instructions per assessment, step by step: validating, durable_rules, findings, scoring, to_json.

``bench/instructions.py`` counts the whole of ``pack.assess``; this counts
each step of it alone, on the same inputs, so that what a change saves can be
placed. Each step runs under valgrind's callgrind twice, over 0 and then N
inputs, after the same warm-up and with every step's inputs made beforehand in
both runs (the inputs of scoring are the findings, of ``to_json`` the
results); the difference divided by N is one call's instructions. The whole
``pack.assess`` is counted the same way: its steps add up to it within a few
per cent (counted alone, validating and scoring each enter govrules'
decimal context, which ``pack.assess`` enters once for all its steps).

    .venv/bin/python bench/step_instructions.py [--pack datonghu_2023 --target xiangzhen] [--n 500] [--no-dates] [--src OTHER/src]

Needs valgrind. The steps run two at a time (one valgrind process a core);
all twelve counts take 6–7 minutes at ``--n 500``. Instruction counts
do not depend on the machine's load, but they are not time: durable_rules
zeroes its per-session indexes (about 92 KB an assessment on datonghu 乡镇)
with ``rep stosb``, which valgrind counts a byte at a time, so the
``evaluate`` step's count overstates its share (see docs/performance.md,
"Against zen-engine").
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from instructions import callgrind  # noqa: E402

STEPS = ("assess", "validate", "evaluate", "findings", "score", "to_json")

SCRIPT = """
import sys
sys.path.insert(0, {bench!r})
import benchlib
from govrules.engine.findings import findings_of
from govrules.engine.scoring import score_in_context
from govrules.numbers import exact
pack = benchlib.registry().get({pack!r})
target = {target!r}
def inputs(n, seed):
    gen = benchlib.InputGen(pack, target, seed=seed)
    if {no_dates!r}:
        gen.derived = {{}}  # derived counts given directly, never as dates
    return gen.batch(n)
for d in inputs(2000, 5):  # the row and rule tables filled as in a long run
    pack.assess(d, target).to_json()
data = inputs({n}, 12)
k = {k}
step = {step!r}
ev = pack._evaluator(pack.view(target), "durable")
stamp = pack.stamp(ev.name)
# What the step takes in, made beforehand and alike in both runs (its own step's work is all the two differ by).
validated = [pack.validate(d, target) for d in data] if step in ("evaluate", "findings", "score") else []
evaluations = [ev.evaluate(v, a) for v, a in validated] if step in ("findings", "score") else []
found = [findings_of(v, a, e, ev.name) for (v, a), e in zip(validated, evaluations)] if step == "score" else []
results = [pack.assess(d, target) for d in data] if step == "to_json" else []
validate = exact(lambda d: pack._validate(d, target))
score = exact(lambda f: score_in_context(pack.spec, f, stamp))
if step == "assess":
    for d in data[:k]:
        pack.assess(d, target)
elif step == "validate":
    for d in data[:k]:
        validate(d)
elif step == "evaluate":
    for v, a in validated[:k]:
        ev.evaluate(v, a)
elif step == "findings":
    for (v, a), e in zip(validated[:k], evaluations):
        findings_of(v, a, e, ev.name)
elif step == "score":
    for f in found[:k]:
        score(f)
elif step == "to_json":
    for r in results[:k]:
        r.to_json()
"""


def instructions(src: str, step: str, pack: str, target: str, n: int, k: int, no_dates: bool) -> int:
    code = SCRIPT.format(bench=str(HERE), pack=pack, target=target, n=n, k=k, step=step, no_dates=no_dates)
    return callgrind(src, code, PYTHONHASHSEED="0")


def per_call(src: str, step: str, pack: str, target: str, n: int, no_dates: bool) -> float:
    return (instructions(src, step, pack, target, n, n, no_dates) - instructions(src, step, pack, target, n, 0, no_dates)) / n


def counts(src: str, pack: str, target: str, n: int, no_dates: bool) -> dict[str, float]:
    with ThreadPoolExecutor(max_workers=2) as pool:  # each count is a valgrind process: two cores, two at a time
        done = {s: pool.submit(per_call, src, s, pack, target, n, no_dates) for s in STEPS}
    return {s: f.result() for s, f in done.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pack", default="datonghu_2023")
    ap.add_argument("--target", default="xiangzhen")
    ap.add_argument("--n", type=int, default=500, help="calls counted per step (default 500)")
    ap.add_argument("--no-dates", action="store_true", help="derived counts given directly, never as dates (bench/zen's 'without dates' set)")
    ap.add_argument("--src", help="the src/ folder of another version, counted the same way beside this checkout")
    args = ap.parse_args()
    this = counts(str(ROOT / "src"), args.pack, args.target, args.n, args.no_dates)
    other = counts(args.src, args.pack, args.target, args.n, args.no_dates) if args.src else None
    dates = ", without dates" if args.no_dates else ""
    print(f"# instructions per call, {args.pack}/{args.target}{dates}, {args.n} calls a step")
    steps_sum = sum(v for s, v in this.items() if s not in ("assess", "to_json"))
    for s in STEPS:
        line = f"{s:10s} {this[s]:>11,.0f}"
        if other is not None:
            line += f"   other {other[s]:>11,.0f}   {this[s] / other[s]:.3f}×"
        print(line)
    print(f"{'steps':10s} {steps_sum:>11,.0f}   (validate + evaluate + findings + score, against assess)")


if __name__ == "__main__":
    main()
