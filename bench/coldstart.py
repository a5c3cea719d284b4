"""Cold start: wall time of fresh processes, and where a fresh process spends it.

Each command runs as a fresh subprocess, once to warm the OS file cache and
then ``--runs`` times (default 5); the median, min and max wall times are
reported:

* ``python -c pass``: the interpreter alone (the floor);
* ``python -c "import govrules"``;
* ``python -c "import govrules; govrules.Registry.discover()"``: plus loading
  every installed pack;
* ``govrules packs`` (the console script) and ``govrules packs --format json``;
* ``govrules score datonghu_2023 <its xiangzhen example> [--format json]``.

Then, in one fresh subprocess, the split of that time: importing govrules,
importing govrules.cli (click, rich), ``Registry.discover()``, then each
pack's ``load_pack`` again (YAML, pydantic model, pack checks, content hash),
the first assessment of a pack (compiling its target and its ruleset); a
cProfile of ``Registry.discover()``; a what-if measurement of
``Registry.discover()`` with the YAML read by libyaml in one parse (the
library is monkeypatched in that subprocess only, and the packs are checked
to come out identical); and the slowest imports by ``python -X importtime``.

    .venv/bin/python bench/coldstart.py [--quick] [--runs 5] [--json [FILE]]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402

PY = sys.executable
BIN = Path(sys.executable).parent
GOVRULES = str(BIN / "govrules")

SPLIT = r"""
import json, sys, time
t = time.perf_counter
out = {}
t0 = t(); import govrules; out["import govrules"] = t() - t0
t0 = t(); import govrules.cli; out["import govrules.cli (click, rich)"] = t() - t0
t0 = t(); reg = govrules.Registry.discover(); out["Registry.discover() (all packs)"] = t() - t0
parents = {p.id: p for p in reg.packs}
for p in reg.packs:  # again, one by one: what each pack costs to load
    t0 = t()
    try:
        govrules.load_pack(p.origin, parents=parents)
    except TypeError:  # a library without tailoring
        govrules.load_pack(p.origin)
    out["  load_pack " + p.id + " (again)"] = t() - t0
pack = reg.get("datonghu_2023")
data = json.loads(open(sys.argv[1], encoding="utf-8").read())
t0 = t(); r = pack.assess(data); out["first assess (compiles target + ruleset)"] = t() - t0
t0 = t(); r = pack.assess(data); out["second assess"] = t() - t0
t0 = t(); r.to_json(); out["to_json"] = t() - t0
print(json.dumps(out))
"""

PROFILE_DISCOVER = r"""
import cProfile, pstats, io, govrules
pr = cProfile.Profile(); pr.enable(); govrules.Registry.discover(); pr.disable()
buf = io.StringIO(); pstats.Stats(pr, stream=buf).strip_dirs().sort_stats("cumulative").print_stats(25); print(buf.getvalue())
"""


def run(cmd: list[str], runs: int) -> dict[str, Any]:
    env = dict(os.environ, COLUMNS="160")
    subprocess.run(cmd, capture_output=True, env=env, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": times}


def importtime(code: str, top: int) -> list[tuple[str, int, float, float]]:
    """(module, depth, self s, cumulative s) of the imports with the most cumulative time."""
    proc = subprocess.run([PY, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "self [us]" in line:
            continue
        name = parts[2][1:]  # one space, then two more per level of nesting
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((name.strip(), depth, int(parts[0].split(":", 1)[1]) / 1e6, int(parts[1]) / 1e6))
    return sorted(rows, key=lambda r: -r[3])[:top]


#: What-if (measurement only, the library is not changed): load_yaml_text with
#: libyaml (a CSafeLoader subclass with the same Decimal floats) and one parse
#: instead of two (compose once, walk the nodes for line numbers, construct the
#: data from the same nodes). Checks that every pack comes out the same.
WHAT_IF = r"""
import sys, time, yaml
from decimal import Decimal
import govrules
from govrules.rubric import yamlio
mode = sys.argv[1]
if mode == "libyaml":
    class CLoader(yaml.CSafeLoader):
        pass
    CLoader.add_constructor("tag:yaml.org,2002:float", lambda loader, node: Decimal(loader.construct_scalar(node)))
    def load_yaml_text(text, file):
        node = yaml.compose(text, Loader=CLoader)
        if node is None:
            raise govrules.PackError(f"{file} is empty", [govrules.Problem(file, "the file has no content")])
        lines, problems = {}, []
        yamlio._walk(node, (), lines, problems, file)
        if problems:
            raise govrules.PackError(f"{file} has duplicate keys", problems)
        loader = CLoader(text)
        try:
            data = loader.construct_document(node)
        finally:
            loader.dispose()
        return yamlio.Located(file, data, lines)
    yamlio.load_yaml_text = load_yaml_text
t0 = time.perf_counter()
reg = govrules.Registry.discover()
elapsed = time.perf_counter() - t0
print(elapsed, " ".join(f"{p.id}={p.content_hash}" for p in reg.packs), len(reg.broken))
"""


def what_if(runs: int) -> dict[str, float] | None:
    out: dict[str, list[float]] = {"current": [], "libyaml": []}
    packs: dict[str, str] = {}
    try:
        for _ in range(runs):
            for mode in out:
                proc = subprocess.run([PY, "-c", WHAT_IF, mode], capture_output=True, text=True, check=True)
                secs, rest = proc.stdout.strip().split(" ", 1)
                out[mode].append(float(secs))
                packs[mode] = rest  # each pack's content hash, and the number of broken packs
    except (subprocess.CalledProcessError, ValueError) as exc:
        print(f"what-if libyaml: not measurable against this version of the library ({exc})", file=sys.stderr)
        return None
    if packs["current"] != packs["libyaml"]:
        print("what-if libyaml: the packs differ; not reported", file=sys.stderr)
        return None
    return {mode: statistics.median(v) for mode, v in out.items()}


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=None, help="runs per command (default 5; --quick 3)")
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 5)

    reg = benchlib.registry()
    example = next(p for p in benchlib.example_files(reg.get("datonghu_2023")) if p.name == "xiangzhen.json")
    commands = {
        "python -c pass": [PY, "-c", "pass"],
        'python -c "import govrules"': [PY, "-c", "import govrules"],
        'python -c "import govrules; govrules.Registry.discover()"': [PY, "-c", "import govrules; govrules.Registry.discover()"],
        "govrules --version": [GOVRULES, "--version"],
        "govrules packs": [GOVRULES, "packs"],
        "govrules packs --format json": [GOVRULES, "packs", "--format", "json"],
        "govrules score datonghu_2023 examples/xiangzhen.json": [GOVRULES, "score", "datonghu_2023", str(example)],
        "govrules score datonghu_2023 examples/xiangzhen.json -f json": [GOVRULES, "score", "datonghu_2023", str(example), "--format", "json"],
    }
    benchlib.header(f"cold start: fresh processes, median of {runs} (after one warm-up run)")
    results = {}
    for name, cmd in commands.items():
        results[name] = run(cmd, runs)
        print(f"  done {name}", file=sys.stderr)
    print()
    print(benchlib.table(["command", "median s", "min s", "max s"], [[k, v["median"], v["min"], v["max"]] for k, v in results.items()]))

    splits = []
    for _ in range(runs):
        proc = subprocess.run([PY, "-c", SPLIT, str(example)], capture_output=True, text=True, check=True)
        splits.append(json.loads(proc.stdout))
    split = {k: statistics.median(s[k] for s in splits) for k in splits[0]}
    print(f"\nwhere a fresh process spends it (median of {runs} fresh processes), ms:\n")
    print(benchlib.table(["step", "ms"], [[k, v * 1e3] for k, v in split.items()]))

    proc = subprocess.run([PY, "-c", PROFILE_DISCOVER], capture_output=True, text=True, check=True)
    text = proc.stdout
    print("\ncProfile of Registry.discover() in a fresh process (top functions by cumulative time):\n")
    print(text[text.index("ncalls") :].rstrip() if "ncalls" in text else text)

    wi = what_if(runs)
    if wi is not None:
        print(f"\nwhat-if (not a library change): Registry.discover() in a fresh process, median of {runs}: "
              f"{wi['current'] * 1e3:,.0f} ms as is; {wi['libyaml'] * 1e3:,.0f} ms with libyaml and one YAML parse per pack "
              f"(saves {(wi['current'] - wi['libyaml']) * 1e3:,.0f} ms; same packs, same content hashes)")

    top = importtime("import govrules.cli", 16)
    print("\nimports of `import govrules.cli` with the most cumulative time (python -X importtime, one run), ms:\n")
    print(benchlib.table(["module", "depth", "self ms", "cumulative ms"], [[m, d, s * 1e3, c * 1e3] for m, d, s, c in top]))
    benchlib.write_json(args.json, {"benchmark": "coldstart", "runs": runs, "commands": results, "split": split, "importtime": top, "discover_profile": text, "what_if_libyaml": wi})


if __name__ == "__main__":
    main()
