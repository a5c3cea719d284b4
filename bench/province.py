"""A province in one run: ``govrules batch`` end to end on a CSV of N units, against the bare ``pack.assess`` loop.

For each N (default 20,000 and 100,000), a CSV of varied 乡镇 units of
datonghu_2023 (``benchlib.InputGen``: facts, discretionary deductions, 自评,
复核, incomplete rows) is written once; then, in the same run:

* the bare loop: ``pack.assess`` over the same inputs, in this process;
* ``govrules batch PACK units.csv --out DIR --jobs J`` as a user runs it (a
  subprocess; the per-unit sheets written unless ``--no-unit-sheets``), its
  wall clock and its peak RSS (the largest of the parent's and of any worker's,
  from ``resource.getrusage(RUSAGE_CHILDREN)`` of a small wrapper process).

Reported: seconds, the ratio end-to-end / bare loop (the goal: within 5× at
20,000, both cores allowed), the ratio of CPU time (the batch's processes on
all cores against the bare loop's: less swayed by a shared machine's load than
wall clocks; on two free cores the wall ratio can at best be half of it) and peak RSS (the goal: at most 400 MB at 20,000,
flat up to 100,000).

The batch runs as an installed package's command does: with its modules'
bytecode kept (``PYTHONDONTWRITEBYTECODE``, which this VM sets, is left out
of its environment) and after a first run on 20 of the units, which compiles
them and fills the packs' parse cache; ``--cold`` runs it without either.

Before each batch, a probe creates 2,000 files of 9.6 KB (a unit's sheet) in
the work folder and reports the CPU it took per file: the state of the
filesystem at that moment. On this VM's ext4, which has no journal, that is
10–20 µs a file normally and 10 times as much within minutes of deleting
many files (another run's outputs): allocating an inode passes over every
recently deleted one (the kernel's ``recently_deleted``; docs/performance.md,
section 6). A run with per-unit sheets creates 40,000 files at 20,000 units:
measure it in a fresh ``--keep`` folder, and delete earlier outputs minutes
before, not just before.

    .venv/bin/python bench/province.py [--n 20000 100000] [--jobs 2] [--no-unit-sheets] [--json FILE]
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402

HERE = Path(__file__).resolve().parent
PACK, TARGET = "datonghu_2023", "xiangzhen"

# Runs the batch as a child and prints the children's peak RSS (KiB on Linux): the largest of the CLI and its workers.
_WRAPPER = """
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_maxrss, rc, r.ru_utime + r.ru_stime)
"""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) if value else "无"
    return str(value)


def units_csv(path: Path, pack: Any, inputs: list[dict[str, Any]]) -> None:
    """The inputs as the one-row-per-unit CSV a province would send (docs/cli.md's columns)."""
    view = pack.view(TARGET)
    facts = list(view.facts)
    items = sorted({k for d in inputs for k in d.get("self_assessment", {})} | {r["item"] for d in inputs for r in d.get("reviews", [])})
    header = ["unit", "target"]
    for f in facts:
        header += [f"{f.name}.points", f"{f.name}.reason"] if f.type == "discretionary" else [f.name]
    header += [f"self.{i}" for i in items]
    for i in items:
        header += [f"review.{i}.score", f"review.{i}.reviewer", f"review.{i}.at", f"review.{i}.reason"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for d in inputs:
            row = [d["unit"], TARGET]
            for f in facts:
                v = d["facts"].get(f.name)
                if f.type == "discretionary":
                    v = v or {}
                    row += [_cell(v.get("points")), _cell(v.get("reason"))]
                else:
                    row.append(_cell(v))
            row += [_cell(d.get("self_assessment", {}).get(i)) for i in items]
            reviews = {r["item"]: r for r in d.get("reviews", [])}
            for i in items:
                r = reviews.get(i, {})
                row += [_cell(r.get("score")), _cell(r.get("reviewer")), _cell(r.get("at")), _cell(r.get("reason"))]
            w.writerow(row)


def file_probe(folder: Path, n: int = 2_000, size: int = 9_600) -> float:
    """CPU (user and system) per file to create ``n`` files of ``size`` bytes in ``folder``, in µs; the files stay."""
    import resource

    folder.mkdir(parents=True, exist_ok=True)
    data = b"x" * size
    before = resource.getrusage(resource.RUSAGE_SELF)
    for i in range(n):
        fd = os.open(folder / f"{i:05d}.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        os.write(fd, data)
        os.close(fd)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / n * 1e6


def main() -> None:
    ap = benchlib.parser(__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=None, help="units (default 20,000 and 100,000; --quick 2,000)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-unit-sheets", action="store_true", help="leave out units/ (every N)")
    ap.add_argument("--sheets-up-to", type=int, default=20_000, help="write the per-unit sheets only up to this N (disk and time)")
    ap.add_argument("--keep", default=None, help="keep the outputs under this folder")
    ap.add_argument("--cold", action="store_true", help="no warm-up run, and bytecode as the environment says (each run compiles govrules' modules where PYTHONDONTWRITEBYTECODE is set)")
    args = ap.parse_args()
    sizes = args.n or ([2_000] if args.quick else [20_000, 100_000])
    reg = benchlib.registry()
    pack = reg.get(PACK)
    gov = str(Path(sys.executable).parent / "govrules")
    benchlib.header(f"province: govrules batch {PACK} on N units (--jobs {args.jobs}) against the bare pack.assess loop")
    rows, report = [], []
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="govrules-province-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for n in sizes:
            inputs = benchlib.InputGen(pack, TARGET, seed=14, p_incomplete=0.05).batch(n)
            for i, d in enumerate(inputs):
                d["unit"] = f"第{i + 1:06d}镇"
            src = work / f"units-{n}.csv"
            units_csv(src, pack, inputs)

            t0, c0 = time.perf_counter(), time.process_time()
            for d in inputs:
                pack.assess(d)
            bare, bare_cpu = time.perf_counter() - t0, time.process_time() - c0
            del inputs

            sheets = not args.no_unit_sheets and n <= args.sheets_up_to
            probe = file_probe(work / f"probe-{n}")
            out = work / f"out-{n}"
            # Said either way: the batch's own default leaves the sheets out above 20,000 units.
            cmd = [gov, "batch", PACK, str(src), "--out", str(out), "--jobs", str(args.jobs), "--unit-sheets" if sheets else "--no-unit-sheets"]
            # The command as an installed package runs: its modules compiled once and kept (this VM sets
            # PYTHONDONTWRITEBYTECODE=1, which made every run compile govrules' modules anew, 0.1 s), and a
            # first run on 20 units beforehand, which writes them and the packs' parse cache.
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            if not args.cold:
                warm = work / f"warm-{n}.csv"
                warm.write_text("".join(src.read_text(encoding="utf-8").splitlines(keepends=True)[:21]), encoding="utf-8")
                subprocess.run([gov, "batch", PACK, str(warm), "--out", str(work / f"warm-{n}"), "--jobs", "1"], capture_output=True, env=env)
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, check=True, env=env if not args.cold else None)
            wall = time.perf_counter() - t0
            peak, code, cpu_text = done.stdout.split()
            peak_kib, rc, cpu = int(peak), int(code), float(cpu_text)
            files = sum(len(f) for _, _, f in os.walk(out))
            rows.append([f"{n:,}", "yes" if sheets else "no", bare, wall, f"{wall / bare:.2f}×", f"{cpu / bare_cpu:.2f}×", f"{peak_kib / 1024:.0f}", f"{files:,}", rc, f"{probe:.0f}"])
            report.append({"n": n, "unit_sheets": sheets, "bare_s": bare, "batch_s": wall, "ratio": wall / bare, "bare_cpu_s": bare_cpu, "batch_cpu_s": cpu, "cpu_ratio": cpu / bare_cpu, "peak_rss_mb": peak_kib / 1024, "files": files, "exit": rc, "file_probe_us": probe})
            if not args.keep:
                shutil.rmtree(out, ignore_errors=True)
                src.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(benchlib.table(["units", "unit sheets", "bare assess s", "batch s", "batch / bare", "CPU batch / bare", "peak RSS MB", "files", "exit", "µs/file (probe)"], rows))
    print("\nexit 1 is expected: the generated inputs include incomplete and refused rows, reported as such.")
    print("µs/file (probe): CPU to create a file of 9.6 KB in the work folder just before the batch (10-20 normally on this VM; see the docstring).")
    benchlib.write_json(args.json, {"benchmark": "province", "pack": PACK, "target": TARGET, "jobs": args.jobs, "runs": report})


if __name__ == "__main__":
    main()
