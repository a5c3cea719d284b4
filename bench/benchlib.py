"""Shared helpers for the benchmarks in bench/ (no dependencies beyond govrules).

* :class:`InputGen` draws varied, valid assessment inputs for any pack and
  target, from the compiled target (facts, their types and bounds, the
  thresholds the rules compare against, evidence, the N/A policy). It is a
  plain ``random.Random`` generator, seeded, so every run times the same
  inputs; it does not aim at edge cases (that is what the hypothesis
  strategies in ``govrules.testing`` are for) but at realistic spreads:
  most counts 0, a few violations, some discretionary deductions, now and
  then a missing fact (an incomplete sheet), 自评 and 复核 on some inputs.
* :func:`table`, :func:`machine`, :func:`write_json`: output.

Scripts import this as ``benchlib`` (they run as ``python bench/<name>.py``,
so ``bench/`` is on ``sys.path``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

import govrules
try:
    from govrules.engine.compiled import TargetView, discretion_bounds
    from govrules.engine.conditions import Compare, Node
except ImportError:  # a version from before the engine/ folder: bench/compare.py times older versions too
    from govrules.compiled import TargetView, discretion_bounds  # type: ignore[no-redef]
    from govrules.conditions import Compare, Node  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent

REASONS = (
    "机构信息中负责人姓名未随人事调整更新",
    "现场复核：资料不全",
    "解读材料与政策文件未关联",
    "网页截图显示栏目长期未更新",
)


# --------------------------------------------------------------------------- packs


def registry() -> govrules.Registry:
    reg = govrules.Registry.discover()
    if reg.broken:
        for b in reg.broken:
            print(f"warning: broken pack {b.plugin} ({b.where}): {b.summary}", file=sys.stderr)
    return reg


def pack_targets(reg: govrules.Registry) -> list[tuple[govrules.Pack, str]]:
    return [(p, t) for p in reg.packs for t in p.targets]


def size(pack: govrules.Pack, target: str) -> tuple[int, int]:
    """(rules, facts) of one compiled target."""
    view = pack.view(target)
    return len(view.rules), len(view.facts)


def largest(reg: govrules.Registry) -> tuple[govrules.Pack, str]:
    """The pack and target with the most rules (ties: most facts)."""
    return max(pack_targets(reg), key=lambda pt: size(*pt))


def pick(reg: govrules.Registry, pack_id: str | None, target: str | None) -> tuple[govrules.Pack, str]:
    if pack_id is None:
        pack, t = largest(reg)
        return pack, target or t
    pack = reg.get(pack_id)
    return pack, target or pack.targets[0]


def example_files(pack: govrules.Pack) -> list[Path]:
    folder = Path(pack.origin).parent / "examples"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


# --------------------------------------------------------------------------- inputs


def _compares(node: Node) -> Iterable[Compare]:
    if isinstance(node, Compare):
        yield node
    else:
        for part in node.parts:
            yield from _compares(part)


class InputGen:
    """Varied valid inputs for one target of a pack (seeded, reproducible)."""

    def __init__(self, pack: govrules.Pack, target: str, seed: int = 0, p_incomplete: float = 0.05):
        self.pack = pack
        self.target = target
        self.view: TargetView = pack.view(target)
        self.rnd = random.Random(seed)
        self.p_incomplete = p_incomplete
        self.thresholds: dict[str, list[Any]] = {}
        for rule in self.view.rules:
            for c in _compares(rule.condition):
                self.thresholds.setdefault(c.fact, []).append(c.value)
        self.bounds = discretion_bounds(self.view.facts, list(self.view.items))
        names = {f.name for f in self.view.facts}
        # A derived count and its source: give one or the other, never both.
        self.derived = {f.name: f.derive.source for f in self.view.facts if f.derive is not None and f.derive.source in names}
        self.sources = set(self.derived.values())
        self.scored_items = [i for i in self.view.items if i.max is not None]
        self.na_allowed = pack.spec.not_applicable.allowed
        self.count = 0

    # ---- one fact

    def _count(self, f: Any) -> int:
        r = self.rnd
        lo = int(f.minimum or 0)
        hi = int(f.maximum) if f.maximum is not None else None
        x = r.random()
        if x < 0.55:
            v = lo
        elif x > 0.97:
            v = r.randint(20, 300)  # now and then enough to hit caps and the floor at 0
        elif x < 0.8 and self.thresholds.get(f.name):
            t = r.choice(self.thresholds[f.name])
            v = int(t) + r.choice((-1, 0, 1)) if not isinstance(t, bool) else lo
        else:
            v = lo + r.randint(1, 5)
        v = max(lo, v)
        return min(v, hi) if hi is not None else v

    def _number(self, f: Any) -> Any:
        r = self.rnd
        lo = f.minimum if f.minimum is not None else Decimal(0)
        ts = [Decimal(t) for t in self.thresholds.get(f.name, ()) if not isinstance(t, bool)]
        hi = f.maximum if f.maximum is not None else (max(ts) * 2 if ts else Decimal(100))
        if ts and r.random() < 0.7:
            v = r.choice(ts) + Decimal(r.choice((-10, -5, -1, 0, 1, 5, 10))) / 2
        else:
            v = Decimal(r.randint(int(lo * 10), int(hi * 10))) / 10
        v = min(max(v, lo), hi)
        return int(v) if v == v.to_integral_value() else float(v)  # as a caller's dict would hold it

    def _dates(self, source: str) -> list[str]:
        d = next(f.derive for f in self.view.facts if f.derive is not None and f.derive.source == source)
        days = (d.end - d.start).days
        k = self.rnd.randint(max(1, days // 30), max(2, days // 10))
        picked = sorted(self.rnd.sample(range(days + 1), min(k, days + 1)))
        return [(d.start + dt.timedelta(days=x)).isoformat() for x in picked]

    def _value(self, f: Any) -> Any:
        r = self.rnd
        t = f.type
        if t == "count":
            return self._count(f)
        if t == "number":
            return self._number(f)
        if t == "boolean":
            return r.random() < 0.85
        if t == "choice":
            return r.choice(f.elements)
        if t == "subset":
            if r.random() < 0.6:
                return []
            return r.sample(list(f.elements), r.randint(1, min(3, len(f.elements))))
        if t == "date":
            return (dt.date(2023, 1, 1) + dt.timedelta(days=r.randint(0, 364))).isoformat()
        if t == "dates":
            return self._dates(f.name)
        raise AssertionError(t)

    # ---- one input

    def make(self) -> dict[str, Any]:
        r = self.rnd
        self.count += 1
        facts: dict[str, Any] = {}
        for f in self.view.facts:
            if f.name in self.sources:
                continue  # given (or not) with its derived count below
            if f.type == "discretionary":
                x = r.random()
                bound = self.bounds.get(f.name, Decimal(1))
                if x < 0.4:
                    continue  # nothing recorded: no deduction
                if x < 0.7:
                    facts[f.name] = {"points": 0}
                else:
                    pts = Decimal(r.randint(1, int(min(bound, Decimal(3)) * 10))) / 10
                    facts[f.name] = {"points": float(pts), "reason": r.choice(REASONS)}
                continue
            if f.default is not None and r.random() < 0.3:
                continue  # left to its default
            if f.name in self.derived and r.random() < 0.5:
                facts[self.derived[f.name]] = self._dates(self.derived[f.name])
                continue
            facts[f.name] = self._value(f)
        if facts and r.random() < self.p_incomplete:
            required = [n for n in facts if n not in self.sources and not isinstance(facts[n], dict)]
            if required:
                del facts[r.choice(required)]
        data: dict[str, Any] = {
            "pack": self.pack.id,
            "target": self.target,
            "unit": f"单位{self.count:05d}",
            "facts": facts,
        }
        evidence = {}
        for item in self.view.items:
            kinds = [k for k in item.indicator.evidence if r.random() < 0.8]
            if kinds:
                evidence[item.id] = kinds
        if evidence:
            data["evidence"] = evidence
        if self.na_allowed and self.scored_items and r.random() < 0.05:
            item = r.choice(self.scored_items)
            data["not_applicable"] = {item.id: "书面说明：本单位无此项工作任务"}
        if self.scored_items and r.random() < 0.5:
            data["self_assessment"] = {i.id: float(Decimal(r.randint(0, int(i.max * 2))) / 2) for i in self.scored_items}
        if self.scored_items and r.random() < 0.1:
            item = r.choice(self.scored_items)
            data["reviews"] = [
                {"item": item.id, "score": float(Decimal(r.randint(0, int(item.max * 2))) / 2), "reviewer": "区政务公开办 李明", "at": "2023-12-20", "reason": "现场复核，按整改后情况计分"}
            ]
        return data

    def batch(self, n: int) -> list[dict[str, Any]]:
        return [self.make() for _ in range(n)]


# --------------------------------------------------------------------------- timing


# --------------------------------------------------------------------------- output


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    rows = [[_cell(c) for c in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(list(headers)), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def _cell(c: Any) -> str:
    if isinstance(c, float):
        if c >= 100:
            return f"{c:,.0f}"
        if c >= 10:
            return f"{c:.1f}"
        return f"{c:.2f}"
    if isinstance(c, int):
        return f"{c:,}"
    return "" if c is None else str(c)


def _width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state() -> str:
    """The commit measured, and whether src/ or packs/ differ from it."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "packs"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    changed = [line[3:] for line in dirty.splitlines()]
    return head + (f" + uncommitted changes to {', '.join(changed)}" if changed else "")


def speedups_state() -> str:
    """How many of govrules' compiled modules run compiled (govrules/speedups.py): every figure depends on it."""
    from govrules import speedups

    status = speedups.status()
    done = sum(v == "compiled" for v in status.values())
    return f"{done} of {len(status)} modules compiled" + ("" if done == len(status) else f" ({speedups.PURE_ENV}={os.environ.get(speedups.PURE_ENV, '')})" if os.environ.get(speedups.PURE_ENV) else "")


def machine() -> dict[str, Any]:
    try:
        import importlib.metadata as md

        dre = md.version("durable_rules")
    except Exception:
        dre = "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "govrules": govrules.__version__,
        "durable_rules": dre,
        "loadavg": os.getloadavg(),
        "git": git_state(),
        "compiled": speedups_state(),
        "when": dt.datetime.now().isoformat(timespec="seconds"),
    }


def header(title: str) -> None:
    m = machine()
    print(f"# {title}")
    print(f"# {m['nproc']} × {m['cpu']}, Python {m['python']}, govrules {m['govrules']}, durable_rules {m['durable_rules']}, load {m['loadavg'][0]:.2f}")
    print(f"# code: {m['git']}; {m['compiled']}")


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="fewer inputs and runs (a smoke run, not a measurement)")
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE", help="also write the results as JSON (to FILE, or stdout)")
    return p


def write_json(dest: str | None, payload: dict[str, Any]) -> None:
    if dest is None:
        return
    payload = {"machine": machine(), **payload}
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    if dest == "-":
        print(text)
    else:
        Path(dest).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {dest}", file=sys.stderr)
