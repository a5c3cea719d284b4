"""A bounded load test of ``govrules serve`` on 127.0.0.1: requests/s and latency of ``assess``.

Starts ``govrules serve`` (once per ``--workers`` value) on a free port of
127.0.0.1 and sends it ``--requests`` assessments (benchlib.InputGen, seeded;
each with its own unit name) from ``--clients`` threads, each on one
keep-alive connection, stopping after ``--seconds`` at the latest. Every
answer is checked: status 200, the unit name it echoes is the one its request
sent (no answer crossed with another), and its total is the one
``pack.assess`` gives in this process for the same input. Reports requests/s
and latency percentiles (ms, from sending a request to having read its whole
answer); the clients run in this process and share its two cores with the
server, so the numbers are a floor, not a ceiling.

    .venv/bin/python bench/serve_load.py [--workers 1,2] [--clients 8] [--requests 3000] [--quick] [--json [FILE]]

Only loopback is ever addressed; the run is bounded in count and time and stops by itself.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import benchlib

GOVRULES = Path(sys.executable).parent / "govrules"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([str(GOVRULES), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("govrules serve did not start")


def run(port: int, path: str, bodies: list[bytes], expected: list[tuple[str, str | None]], clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    crossed: list[str] = []
    wrong: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    next_index = iter(range(len(bodies)))
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        while time.monotonic() < stop_at:
            with lock:
                i = next(next_index, None)
            if i is None:
                break
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, bodies[i], {"Content-Type": "application/json"})
                r = conn.getresponse()
                raw = r.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{i}: {type(exc).__name__}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append(time.perf_counter() - t0)
            unit, total = expected[i]
            if r.status != 200:
                with lock:
                    errors.append(f"{i}: HTTP {r.status}")
                continue
            got = json.loads(raw)
            if got.get("unit") != unit:
                with lock:
                    crossed.append(f"request {i} sent {unit!r}, got {got.get('unit')!r}")
            elif got.get("total") != total:
                with lock:
                    wrong.append(f"request {i}: total {got.get('total')} != {total}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))] if ms else float("nan")

    return {
        "requests": len(ms),
        "seconds": round(wall, 2),
        "per_second": round(len(ms) / wall, 1) if wall else 0,
        "p50_ms": round(pct(50), 2),
        "p90_ms": round(pct(90), 2),
        "p99_ms": round(pct(99), 2),
        "max_ms": round(ms[-1], 2) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        "crossed": crossed[:10],
        "wrong_totals": wrong[:10],
        "errors": errors[:10],
    }


def main() -> int:
    p = benchlib.parser(__doc__.split("\n")[0])
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts to run (default 1,2)")
    p.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    p.add_argument("--requests", type=int, default=3000, help="assessments per run (default 3000)")
    p.add_argument("--seconds", type=float, default=60, help="stop a run after this long at the latest (default 60)")
    p.add_argument("--pack", default="datonghu_2023")
    p.add_argument("--target", default="xiangzhen")
    args = p.parse_args()
    if args.quick:
        args.requests, args.seconds = 300, 20
    reg = benchlib.registry()
    pack, target = benchlib.pick(reg, args.pack, args.target)
    gen = benchlib.InputGen(pack, target, seed=13)
    inputs = [dict(gen.make(), unit=f"负载单位{i:05d}") for i in range(args.requests)]
    bodies = [json.dumps(d, ensure_ascii=False).encode("utf-8") for d in inputs]
    # What the library gives for the same JSON text, spelt as the result spells it.
    expected = [(d["unit"], json.loads(pack.assess(b).to_json())["total"]) for d, b in zip(inputs, bodies)]
    path = f"/packs/{pack.id}/targets/{target}/assess"
    benchlib.header(f"govrules serve under load: POST {path}, {args.clients} clients, {args.requests} requests")
    rows, runs = [], {}
    for w in (int(x) for x in args.workers.split(",")):
        proc, port = start(w)
        try:
            run(port, path, bodies[: min(200, len(bodies))], expected, args.clients, 20)  # warm-up: every worker compiles the target
            out = run(port, path, bodies, expected, args.clients, args.seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        runs[str(w)] = out
        rows.append([w, out["requests"], out["per_second"], out["p50_ms"], out["p90_ms"], out["p99_ms"], out["max_ms"], len(out["crossed"]), len(out["wrong_totals"]), len(out["errors"])])
    print(benchlib.table(["workers", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "crossed", "wrong", "errors"], rows))
    for w, out in runs.items():
        for what in ("crossed", "wrong_totals", "errors"):
            for line in out[what]:
                print(f"workers={w} {what}: {line}", file=sys.stderr)
    benchlib.write_json(args.json, {"pack": pack.id, "target": target, "clients": args.clients, "cpus": os.cpu_count(), "runs": runs})
    return 1 if any(out["crossed"] or out["wrong_totals"] or out["errors"] for out in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
