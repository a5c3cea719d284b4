"""The recorded results of every shipped pack: what a refactor must leave byte-identical.

For every installed pack and target, seeded varied inputs (``bench/benchlib.py``'s
``InputGen``: facts, evidence, N/A, 自评, 复核, incomplete inputs) and the pack's
shipped examples are scored with both evaluators; each result is written in every
format a user sees (compact and indented JSON with 可挽回分值, the terminal sheet,
Markdown, HTML, the Excel workbook's cells and merges, and the flat_unweighted
model's score for checklist packs). ``inputs.jsonl`` keeps the inputs and
``digests.json`` the SHA-256 of each output; ``tests/test_recorded.py`` scores the
inputs again and compares.

    .venv/bin/python tests/recorded/record.py          # write inputs.jsonl and digests.json anew
    .venv/bin/python tests/recorded/record.py --check  # compare, list what differs
    .venv/bin/python tests/recorded/record.py --dump DIR   # write every output's text under DIR

Record anew only for a change that is meant to change results, and say so in
the commit. To show what an intended change changed, dump before and after and
diff the two folders (``diff -r before after``): the digests say *that* an
output changed, the dumps say *how*.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any, Iterator

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
INPUTS = HERE / "inputs.jsonl"
DIGESTS = HERE / "digests.json"
PER_TARGET = 20

sys.path.insert(0, str(ROOT / "bench"))


def generate_inputs() -> list[dict[str, Any]]:
    import benchlib

    import govrules

    registry = govrules.Registry.discover()
    cases: list[dict[str, Any]] = []
    for pack_id in sorted(registry.ids):
        pack = registry.get(pack_id)
        for target in pack.targets:
            gen = benchlib.InputGen(pack, target, seed=20261204, p_incomplete=0.15)
            for i, data in enumerate(gen.batch(PER_TARGET)):
                cases.append({"key": f"{pack_id}/{target}/{i:02d}", "pack": pack_id, "input": data})
            if pack.has_cohort_rules:
                # The same inputs, each a named unit, scored together as one cohort.
                named = [{**case["input"], "target": target, "unit": f"单位{i:02d}"} for i, case in enumerate(cases[-PER_TARGET:])]
                cases.append({"key": f"{pack_id}/{target}/cohort", "pack": pack_id, "cohort": named})
        examples = Path(pack.origin).parent / "examples"
        for f in sorted(examples.glob("*.json")):
            cases.append({"key": f"{pack_id}/example/{f.stem}", "pack": pack_id, "input": json.loads(f.read_text(encoding="utf-8"))})
    return cases


def _digest(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def _workbook_text(wb: Any) -> str:
    """The workbook's cells, merges and print settings as text (the .xlsx bytes carry a timestamp)."""
    sheets = []
    for ws in wb.worksheets:
        cells = [[None if c.value is None else str(c.value) for c in row] for row in ws.iter_rows()]
        sheets.append({"title": ws.title, "cells": cells, "merged": sorted(str(r) for r in ws.merged_cells.ranges)})
    return json.dumps(sheets, ensure_ascii=False)


def outputs(pack: Any, data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(name, text) of every output of one input, or the error it raised."""
    from rich.console import Console

    import govrules

    # Internal modules: a refactor that moves them changes these imports only.
    from govrules.outputs import html
    from govrules.outputs import report
    from govrules.outputs import xlsx

    for evaluator in ("durable", "reference"):
        try:
            result = pack.assess(data, evaluator=evaluator) if not isinstance(data, Scored) else data.results[evaluator]
        except govrules.GovrulesError as exc:
            yield f"{evaluator}.error", json.dumps(exc.to_dict(), ensure_ascii=False)
            continue
        yield f"{evaluator}.json", result.to_json()
        yield f"{evaluator}.json_recoverable", report.result_json(result)
        yield f"{evaluator}.markdown", report.markdown(result)
        yield f"{evaluator}.html", html.score_html(result)
        buf = io.StringIO()
        report.render_table(result, Console(file=buf, width=160, color_system=None, highlight=False, soft_wrap=False))
        yield f"{evaluator}.table", buf.getvalue()
        yield f"{evaluator}.xlsx", _workbook_text(xlsx.score_workbook(result))
        if not result.scored:
            yield f"{evaluator}.model", pack.assess(data, evaluator=evaluator, model="flat_unweighted").to_json()


class Scored:
    """One unit's results of a cohort (scored together, by each evaluator), for :func:`outputs`."""

    def __init__(self, results: dict[str, Any]):
        self.results = results


def case_outputs(pack: Any, case: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The outputs of a case: one input, or a cohort (each unit's outputs, prefixed with its place in the cohort)."""
    if "cohort" not in case:
        yield from outputs(pack, case["input"])
        return
    by_evaluator = {e: pack.assess_cohort(case["cohort"], evaluator=e) for e in ("durable", "reference")}
    for i in range(len(case["cohort"])):
        for name, text in outputs(pack, Scored({e: r[i] for e, r in by_evaluator.items()})):
            yield f"{i:02d}.{name}", text


def digests(cases: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    import govrules

    registry = govrules.Registry.discover()
    return {case["key"]: {name: _digest(text) for name, text in case_outputs(registry.get(case["pack"]), case)} for case in cases}


def read_inputs() -> list[dict[str, Any]]:
    return [json.loads(line) for line in INPUTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def differences(recorded: dict[str, dict[str, str]], now: dict[str, dict[str, str]]) -> list[str]:
    out = []
    for key in sorted(set(recorded) | set(now)):
        a, b = recorded.get(key, {}), now.get(key, {})
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                out.append(f"{key} {name}: {'missing now' if name not in b else 'new' if name not in a else 'differs'}")
    return out


def dump(cases: list[dict[str, Any]], folder: Path) -> None:
    import govrules

    registry = govrules.Registry.discover()
    for case in cases:
        where = folder / case["key"]
        where.mkdir(parents=True, exist_ok=True)
        for name, text in case_outputs(registry.get(case["pack"]), case):
            (where / name).write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    if "--dump" in argv:
        dump(read_inputs(), Path(argv[argv.index("--dump") + 1]))
        return 0
    if "--check" in argv:
        diffs = differences(json.loads(DIGESTS.read_text(encoding="utf-8")), digests(read_inputs()))
        print("\n".join(diffs) if diffs else "all recorded results are byte-identical")
        return 1 if diffs else 0
    cases = generate_inputs()
    INPUTS.write_text("".join(json.dumps(c, ensure_ascii=False, sort_keys=True) + "\n" for c in cases), encoding="utf-8")
    DIGESTS.write_text(json.dumps(digests(cases), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(cases)} inputs into {INPUTS.relative_to(ROOT)} and {DIGESTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
