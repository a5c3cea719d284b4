"""CPU instructions per assessment, this checkout against another version: a load-independent comparison.

On the shared machine a timed rate moves by 1.6× within minutes, so a change of
a few percent cannot be seen in one. valgrind's callgrind counts the
instructions executed instead, which do not depend on what else the machine
is doing. Each version runs the same script twice under callgrind, assessing
0 and then N of the same seeded inputs (``benchlib.InputGen``) after the same
warm-up; the difference divided by N is what one assessment costs.

    git worktree add /tmp/govrules-old a62561e
    .venv/bin/python bench/instructions.py /tmp/govrules-old/src [--pack datonghu_2023 --target xiangzhen] [--json-too]

Needs valgrind (``apt-get install valgrind``). A count takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SCRIPT = """
import sys
sys.path.insert(0, {bench!r})
import benchlib
pack = benchlib.registry().get({pack!r})
inputs = benchlib.InputGen(pack, {target!r}, seed=11).batch(100 + {total})  # the same inputs made in both runs
for d in inputs[:100]:
    pack.assess(d, {target!r}).to_json()
if {no_repeats!r}:  # every row's and rule's table full of keys no input has (a version without them: nothing to fill)
    try:
        from govrules.engine import rowcache
    except ImportError:
        rowcache = None
    if rowcache is not None:
        for item in pack.view({target!r}).items:
            item.states.update((object(), None) for _ in range(rowcache.ROW_KEYS - len(item.states)))
            for rule in item.rules:
                rule.effects_made.update((object(), None) for _ in range(rowcache.RULE_KEYS - len(rule.effects_made)))
for d in inputs[100:100 + {n}]:
    r = pack.assess(d, {target!r})
    if {json_too!r}:
        r.to_json()
"""


def callgrind(src: str, code: str, **env: str) -> int:
    """The instructions valgrind's callgrind counts running ``code`` in a new interpreter over ``src`` (``env``: more variables)."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", sys.executable, "-c", code],
            env=dict(os.environ, PYTHONPATH=src, GOVRULES_CACHE="off", **env), capture_output=True, text=True,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or found is None:
        raise SystemExit(f"no count in valgrind's output (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return int(found.group(1))


def instructions(src: str, pack: str, target: str, n: int, total: int, json_too: bool, no_repeats: bool = False) -> int:
    return callgrind(src, SCRIPT.format(bench=str(HERE), pack=pack, target=target, n=n, total=total, json_too=json_too, no_repeats=no_repeats))


def per_assessment(src: str, pack: str, target: str, n: int, json_too: bool, no_repeats: bool = False) -> float:
    return (instructions(src, pack, target, n, n, json_too, no_repeats) - instructions(src, pack, target, 0, n, json_too, no_repeats)) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("other_src", help="the src/ folder of the version to compare with")
    ap.add_argument("--pack", default="datonghu_2023")
    ap.add_argument("--target", default="xiangzhen")
    ap.add_argument("--n", type=int, default=200, help="assessments counted (default 200)")
    ap.add_argument("--json-too", action="store_true", help="count to_json() as well")
    ap.add_argument(
        "--no-repeats", action="store_true",
        help="fill every row's and rule's table (govrules.engine.rowcache) with keys no input has after the warm-up: no key repeats",
    )
    args = ap.parse_args()
    this = per_assessment(str(ROOT / "src"), args.pack, args.target, args.n, args.json_too, args.no_repeats)
    other = per_assessment(args.other_src, args.pack, args.target, args.n, args.json_too, args.no_repeats)
    what = ("assess + to_json" if args.json_too else "assess") + (", no key repeating" if args.no_repeats else "")
    print(f"# instructions per assessment, {args.pack}/{args.target}, {what}, {args.n} assessments")
    print(f"other          {other / 1e6:.3f} M")
    print(f"this checkout  {this / 1e6:.3f} M  ({this / other:.3f}× the other's)")


if __name__ == "__main__":
    main()
