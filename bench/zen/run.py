"""govrules against GoRules zen-engine on the same rubric and inputs, side by side in one process.

Run with the project's venv, from the repository root::

    .venv/bin/python bench/zen/run.py [--quick] [--n 2000] [--rounds 7] [--json FILE]

What it does:

1. makes ``bench/zen/.venv`` (git-ignored) with this same Python and installs
   ``zen-engine`` from the package index into it (once; ``ZEN_ENGINE_SPEC``
   overrides the requirement, default ``zen-engine==2.1.3``), then imports
   zen from there into this process, so both engines run in one process on
   the same input dicts;
2. regenerates the decision graph from the pack (``make_graph.py``; the
   committed ``datonghu_2023.xiangzhen.json`` is that output) and fails if the
   committed one differs;
3. checks that zen's total equals ``pack.assess(...).total`` on every input
   (the pack's examples and every generated input), and exits 1 otherwise;
4. times, in alternating rounds (process CPU time; the machine's speed varies
   1.6× within minutes, so only ratios within a round are compared, and
   their medians reported), on inputs with the new-media update dates and on
   inputs without them (the count given directly):

   * ``zen``: ``engine.evaluate(key, data)``, a static loader (zen's fastest way);
   * ``zen + json``: the same plus ``json.dumps`` of its result;
   * ``assess``: ``pack.assess(data)``;
   * ``assess + to_json``: ``pack.assess(data).to_json()``, the text
     ``POST …/assess`` serves;
   * ``before scoring``: what ``pack.assess`` does before it scores
     (validating, durable_rules, the findings), so that the table shows how
     much of the goal's budget is spent before the first row is scored.

Each round (and the warm-up) has inputs of its own, generated with its own
seed, so a row's key (:mod:`govrules.engine.rowcache`) repeats only as it
does among fresh inputs, never because a round replays the last one's; the
script prints how often a row was taken from its table on the first pass
over the inputs. ``--replay`` gives every round the same inputs (how this
script measured before the row tables). ``--no-repeats``
fills every row's and rule's table first with keys no input has, so that every touched
row (and fired rule) is looked up, missed and scored the long way (inputs that
never repeat a key); ``--row-keys 0`` turns the tables off.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import venv
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import benchlib  # noqa: E402
import make_graph  # noqa: E402

PACK, TARGET = "datonghu_2023", "xiangzhen"
GRAPH = HERE / f"{PACK}.{TARGET}.json"
ZEN_VENV = HERE / ".venv"
SPEC = os.environ.get("ZEN_ENGINE_SPEC", "zen-engine==2.1.3")


def import_zen() -> Any:
    """zen, installed into bench/zen/.venv (made with this Python, so its abi3 wheel loads here)."""
    python = ZEN_VENV / "bin" / "python"
    if not python.exists():
        print(f"making {ZEN_VENV} and installing {SPEC} …", file=sys.stderr)
        venv.create(ZEN_VENV, with_pip=True)
    probe = [str(python), "-c", "import zen, os; print(os.path.dirname(os.path.dirname(zen.__file__)))"]
    found = subprocess.run(probe, capture_output=True, text=True)
    if found.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", SPEC], check=True)
        found = subprocess.run(probe, capture_output=True, text=True, check=True)
    sys.path.append(found.stdout.strip())
    import zen  # type: ignore[import-not-found]

    return zen


def inputs(pack: Any, n: int, dates: bool, seed: int) -> list[dict[str, Any]]:
    gen = benchlib.InputGen(pack, TARGET, seed=seed)
    if not dates:
        gen.derived = {}  # the stale count is always given directly, never as dates
    return gen.batch(n)


def zen_total(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def agree(pack: Any, engine: Any, data: list[dict[str, Any]]) -> int:
    bad = 0
    for d in data:
        want = pack.assess(d, TARGET).total
        got = zen_total(engine.evaluate(GRAPH.name, d)["result"].get("total"))  # zen leaves a null value out
        if got != want:
            bad += 1
            if bad <= 3:
                print(f"disagree: zen {got} vs pack.assess {want} on {json.dumps(d, ensure_ascii=False)}", file=sys.stderr)
    return bad


@contextlib.contextmanager
def row_counts() -> Any:
    """Counts, while in the block, the touched rows scoring looked up and those it scored the long way."""
    from govrules.engine import scoring

    counts = {"rows": 0, "long": 0}
    per, score_item = scoring._PerAssessment, scoring._score_item

    # Every touched row is counted where the assessment's rows are indexed: score_in_context
    # looks some up in their tables without a call that could be counted.
    class CountedPer(per):  # type: ignore[misc, valid-type]
        def __init__(self, *a: Any, **k: Any) -> None:
            super().__init__(*a, **k)
            counts["rows"] += len(self.touched)

    def counted_item(*a: Any) -> Any:
        counts["long"] += 1
        return score_item(*a)

    scoring._PerAssessment, scoring._score_item = CountedPer, counted_item
    try:
        yield counts
    finally:
        scoring._PerAssessment, scoring._score_item = per, score_item


def before_scoring(pack: Any) -> Callable[[dict[str, Any]], Any]:
    """``pack.assess`` up to its findings: its own steps, called as it calls them (in the decimal context once)."""
    from govrules.engine.findings import findings_of
    from govrules.numbers import exact

    ev = pack._evaluator(pack.view(TARGET), "durable")

    @exact
    def run(d: dict[str, Any]) -> Any:
        view, assessment = pack._validate(d, TARGET)
        return findings_of(view, assessment, ev.evaluate(view, assessment), ev.name)

    return run


def rate(fn: Callable[[dict[str, Any]], Any], data: list[dict[str, Any]]) -> float:
    start = time.process_time()
    for d in data:
        fn(d)
    return len(data) / (time.process_time() - start)


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="inputs per set (default 2000; --quick 500)")
    ap.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 7; --quick 3)")
    ap.add_argument("--row-keys", type=int, default=None, help="keys each row and rule remembers (govrules.engine.rowcache.ROW_KEYS, RULE_KEYS; 0: none, every row scored the long way)")
    ap.add_argument("--replay", action="store_true", help="every round the same inputs (default: fresh inputs each round)")
    ap.add_argument("--no-repeats", action="store_true", help="fill every row's and rule's table with keys no input has first: every row and fired rule looked up, missed and scored the long way")
    args = ap.parse_args()
    from govrules.engine import rowcache

    if args.row_keys is not None:
        rowcache.ROW_KEYS = rowcache.RULE_KEYS = args.row_keys
    n = args.n or (500 if args.quick else 2000)
    rounds = args.rounds or (3 if args.quick else 7)
    zen = import_zen()
    benchlib.header(f"zen-engine {zen_version()} against govrules, {PACK}/{TARGET}")

    reg = benchlib.registry()
    pack = reg.get(PACK)
    graph = make_graph.build(pack, TARGET)
    if json.loads(GRAPH.read_text(encoding="utf-8")) != graph:
        raise SystemExit(f"{GRAPH} is not what make_graph.py makes from the pack now: run bench/zen/make_graph.py")
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {GRAPH.name: graph}}})

    def sets_for(r: int) -> dict[str, list[dict[str, Any]]]:
        seed = 0 if args.replay else 100 * (r + 1)  # the warm-up is round -1
        return {"half with dates": inputs(pack, n, True, seed=11 + seed), "without dates": inputs(pack, n, False, seed=12 + seed)}

    per_round = [sets_for(r) for r in range(-1, rounds)]
    sets = per_round[1]
    examples = [json.loads(p.read_text(encoding="utf-8")) for p in benchlib.example_files(pack)]
    # Before timing, the examples and the warm-up inputs only: the timed ones are checked after, so that no
    # round is timed on inputs the row tables have already seen.
    checked = [e for e in examples if e.get("target") == TARGET] + [d for data in per_round[0].values() for d in data]
    timed = [d for r in per_round[1:] for data in r.values() for d in data]
    if args.no_repeats:
        for item in pack.view(TARGET).items:
            item.states.update((object(), None) for _ in range(rowcache.ROW_KEYS - len(item.states)))
            for rule in item.rules:
                rule.effects_made.update((object(), None) for _ in range(rowcache.RULE_KEYS - len(rule.effects_made)))
    with row_counts() as counts:  # the first pass over the inputs: how often a row's key had been seen
        bad = agree(pack, engine, checked)
    print(f"rows touched: {counts['rows']:,} in {len(checked):,} assessments; scored the long way {counts['long']:,} "
          f"(a key not seen before, a full table, or a cohort or rated row), taken from the row's table {counts['rows'] - counts['long']:,}")
    if bad:
        sys.exit(f"zen and pack.assess disagree on {bad} of the examples and warm-up inputs")

    key = GRAPH.name
    ways: dict[str, Callable[[dict[str, Any]], Any]] = {
        "zen": lambda d: engine.evaluate(key, d),
        "zen + json": lambda d: json.dumps(engine.evaluate(key, d)["result"], ensure_ascii=False),
        "assess": lambda d: pack.assess(d, TARGET),
        "assess + to_json": lambda d: pack.assess(d, TARGET).to_json(),
        "before scoring": before_scoring(pack),
    }
    for data in per_round[0].values():  # warm-up
        for fn in ways.values():
            for d in data[:200]:
                fn(d)
    rates: dict[str, dict[str, list[float]]] = {s: {w: [] for w in ways} for s in sets}
    for r in range(rounds):
        for s, data in per_round[r + 1].items():
            order = list(ways) if r % 2 == 0 else list(reversed(ways))
            for w in order:
                rates[s][w].append(rate(ways[w], data))
    if not args.replay:
        checked += timed
        bad += agree(pack, engine, timed)
    print(f"totals: zen and pack.assess agree on {len(checked) - bad} of {len(checked)} inputs "
          f"({sum(1 for d in checked if 'new_media_update_dates' in d.get('facts', {}))} with update dates)")
    if bad:
        sys.exit(1)
    rows = []
    summary: dict[str, Any] = {}
    for s in sets:
        rr = rates[s]
        assess_ratio = [z / a for z, a in zip(rr["zen"], rr["assess"])]
        json_ratio = [z / a for z, a in zip(rr["zen + json"], rr["assess + to_json"])]
        floor_ratio = [z / a for z, a in zip(rr["zen"], rr["before scoring"])]
        summary[s] = {
            "median_rates": {w: statistics.median(v) for w, v in rr.items()},
            "assess_vs_zen": statistics.median(assess_ratio),
            "json_vs_zen_json": statistics.median(json_ratio),
            "before_scoring_vs_zen": statistics.median(floor_ratio),
            "assess_vs_zen_per_round": assess_ratio,
            "json_vs_zen_json_per_round": json_ratio,
        }
        for w in ways:
            rows.append([s, w, statistics.median(rr[w]), min(rr[w]), max(rr[w])])
    print(f"\n{n} varied inputs per set, {rounds} alternating rounds, assessments/s by process CPU time:\n")
    print(benchlib.table(["inputs", "", "median /s", "min", "max"], rows))
    print("\nhow many times longer govrules takes (median over rounds of the ratio within a round; goals: 2.5× and 4×):\n")
    print(benchlib.table(
        ["inputs", "assess ÷ zen", "assess+to_json ÷ zen+json", "before scoring ÷ zen", "per round (assess)"],
        [
            [s, f"{v['assess_vs_zen']:.2f}×", f"{v['json_vs_zen_json']:.2f}×", f"{v['before_scoring_vs_zen']:.2f}×", ", ".join(f"{x:.2f}" for x in v["assess_vs_zen_per_round"])]
            for s, v in summary.items()
        ],
    ))
    benchlib.write_json(args.json, {"benchmark": "zen", "zen_engine": zen_version(), "pack": PACK, "target": TARGET, "n": n, "rounds": rounds, "rates": rates, "summary": summary})


def zen_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("zen-engine")
    except metadata.PackageNotFoundError:
        for p in sys.path:
            hits = list(Path(p).glob("zen_engine-*.dist-info")) if p else []
            if hits:
                return hits[0].name.split("-")[1].removesuffix(".dist-info")
    return "unknown"


if __name__ == "__main__":
    main()
