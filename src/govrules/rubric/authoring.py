"""Pack authoring: a scaffold for a new county's rubric, and a linter.

``govrules pack new ID`` writes an installable pack that loads, scores its
example and passes the conformance kit; the author then replaces the sample
rows with the document's table. ``govrules pack lint PATH`` reports every
load error (with file, line and row) and the warnings below, all at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import GovrulesError, InputError, PackError, Problem
from ..pack import Pack, build_pack, read_pack_file
from .checks import normalize_text, walk_indicators
from ..untrusted import has_lone_surrogate, is_blank, one_line

PACK_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: A value that is only a bracketed hint, as the scaffold writes them (（发文单位）): not yet the document's words.
PLACEHOLDER = re.compile(r"^[（(][^（）()]*[）)]$")
#: The scaffold's first line: editors that read it (yaml-language-server) check the file against the schema beside it.
SCHEMA_MODELINE = "# yaml-language-server: $schema=pack.schema.json"


def lint(pack: Pack) -> list[Problem]:
    """Warnings about a pack that loads: things that are legal but probably wrong."""
    located = pack.located
    warnings: list[Problem] = []

    def at(path: tuple, message: str) -> Problem:
        return located.problem(path, message) if located is not None else Problem(pack.origin, message)

    used: set[str] = set()
    for target in pack.targets:
        for fact in pack.view(target).facts:
            used.add(fact.name)
    for i, fact in enumerate(pack.spec.facts):
        if fact.name not in used:
            warnings.append(at(("facts", i, "name"), f"fact {fact.name!r} is declared but no rule reads it"))
    for ind, path, _ in walk_indicators(pack.spec.indicators):
        if ind.is_leaf and ind.points and any(v > 0 for v in ind.points.values()) and not ind.rules:
            warnings.append(
                at(path + ("rules",), f"item {ind.id} ({ind.name}) has points but no rule: nothing can lose or earn them")
            )
        if ind.is_leaf and not ind.points and not ind.rules:
            warnings.append(at(path + ("rules",), f"item {ind.id} ({ind.name}) has no rule: it can never fail"))
        if ind.units and ind.units_scoring is None and not ind.reading and ind.points:
            warnings.append(
                at(
                    path + ("units",),
                    f"item {ind.id} ({ind.name}) is for {'、'.join(ind.units)} only: say how other units score it "
                    f"(units_scoring, now the pack's {pack.spec.not_applicable.scoring}) and why, in a reading on the row",
                )
            )
        for j, rule in enumerate(ind.rules):
            amount = getattr(rule, "amount", None)
            if ind.points and amount is not None:
                for target, points in ind.points.items():
                    if amount > points:
                        warnings.append(
                            at(
                                path + ("rules", j, "amount"),
                                f"one occurrence ({amount}) takes more than the item's {points} points for {target}",
                            )
                        )
    from ..engine.timing import partial_periods  # local: only linting needs it

    for i, fact in enumerate(pack.spec.facts):
        d = fact.derive
        if d is None or d.reading:
            continue
        if d.kind == "late_spans":
            warnings.append(
                at(
                    ("facts", i, "derive"),
                    f"{fact.name!r} counts spans over {d.within_working_days} working days with no reading: "
                    "say where the limit comes from and how days are counted (the start day is not, the end day is; extensions)",
                )
            )
            continue
        cut = partial_periods(d)  # type: ignore[arg-type]
        if cut:
            days = "、".join(f"{a}..{b}" for a, b in cut)
            how = "counted on their days inside" if d.partial == "count" else "left out"  # type: ignore[union-attr]
            warnings.append(
                at(("facts", i, "derive"), f"{fact.name!r} has periods cut short ({days}), {how}, and no reading says the document means that")
            )
    meta = pack.spec.pack
    for field in ("title", "issuer", "source", "document_number", "description"):
        value = getattr(meta, field)
        if isinstance(value, str) and PLACEHOLDER.match(value.strip()):
            warnings.append(at(("pack", field), f"{field} is still the scaffold's placeholder {value.strip()}: write the document's own words"))
    if pack.extends and pack.document and located is not None:
        # A tailored row keeps its parent's words unless it gives its own; where the child's
        # document words the row differently (岳麓's 「社区（村）级…」 for 长沙's 「村（社区）级…」),
        # the row would quote the wrong document.
        own = normalize_text(pack.document)
        for ind, path, _ in walk_indicators(pack.spec.indicators):
            if ind.source and located.file_of(path + ("source",)) != located.file and normalize_text(ind.source) not in own:
                short = ind.source if len(ind.source) <= 40 else ind.source[:40] + "…"
                warnings.append(
                    at(
                        path + ("source",),
                        f"row {ind.id} keeps {pack.extends}'s words 「{short}」, which this pack's document does not have: "
                        "give the row its document's own words (source:)",
                    )
                )
    attached = pack.spec.referenced_readings()
    for i, reading in enumerate(pack.spec.readings):
        if reading.id not in attached:
            warnings.append(
                at(
                    ("readings", i, "id"),
                    f"reading {reading.id!r} is attached to nothing, so no result lists it: attach it to the rows, rules, "
                    "facts, ledgers or targets it is about (a reading about the whole document: to each target)",
                )
            )
    if not pack.document and pack.spec.pack.source_text is None:
        warnings.append(at(("pack",), "no source_text: quotes are not checked against the document"))
    return warnings


def lint_path(path: str | Path, parents: object | None = None) -> tuple[Pack | None, list[Problem], list[Problem]]:
    """Load a pack file and lint it: (pack or None, errors, warnings)."""
    try:
        located, document, origin = read_pack_file(path)
        if isinstance(located.data, dict) and located.data.get("extends") and parents is None:
            from ..registry import Registry

            parents = Registry.discover()
        pack = build_pack(located, document, origin, parents)  # type: ignore[arg-type]
    except GovrulesError as exc:
        return None, list(exc.problems) or [Problem(str(path), exc.summary)], []
    return pack, [], lint(pack)


# ---------------------------------------------------------------------- scaffold

_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "govrules-pack-{dist}"
version = "0.1.0"
description = {description}
requires-python = ">=3.11,<3.13"
dependencies = ["govrules>=0.1,<0.2"]

[project.entry-points."govrules.packs"]
{id} = "govrules_pack_{id}"

[tool.hatch.build.targets.wheel]
packages = ["src/govrules_pack_{id}"]
"""

_INIT = '''\
{docstring}

from pathlib import Path

from govrules import hookimpl

HERE = Path(__file__).parent


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
'''

_SOURCE = """\
{title_comment}

一级指标	二级指标	考核内容	分值	评分办法
组织领导	领导重视	主要负责人每年至少听取一次专题汇报。	4	未听取专题汇报的扣2分。
信息公开	主动公开	及时公开本单位政府信息。	6	未按时限公开的，每次扣0.5分，扣完为止。
"""

_RUBRIC = """\
{modeline}
# {title_comment}
# Replace the sample rows with the document's table: 一级指标 → sections, 二级指标 → items,
# 评分办法 → rules. Paste the document's text into source.txt: every quote is checked against it.
# Reference: docs/pack-format.md. The editor checks keys against pack.schema.json beside this file
# (`govrules pack schema -o pack.schema.json` remakes it after installing a plugin's rule kinds).
format: 1
pack:
  id: {id}
  version: 0.1.0
  title: {title_yaml}
  issuer: （发文单位）
  source: （文件名称与文号）
  source_text: source.txt

targets:
  - {{id: {target}, name: {target_name_yaml}, total: 10}}

floor:
  quote: 扣完为止

facts:
  - {{name: briefings_heard, label: 主要负责人听取专题汇报次数, type: count, unit: 次}}
  - {{name: late_count, label: 未按时限公开次数, type: count, unit: 次}}

indicators:
  - id: zzld
    name: 组织领导
    points: {{{target}: 4}}
    children:
      - id: zzld.1
        name: 领导重视
        points: {{{target}: 4}}
        source: 主要负责人每年至少听取一次专题汇报。
        method: 未听取专题汇报的扣2分。
        rules:
          - {{id: no_briefing, kind: fixed, when: {{fact: briefings_heard, op: "<", value: 1}}, amount: 2, quote: 未听取专题汇报的扣2分}}
  - id: xxgk
    name: 信息公开
    points: {{{target}: 6}}
    children:
      - id: xxgk.1
        name: 主动公开
        points: {{{target}: 6}}
        source: 及时公开本单位政府信息。
        method: 未按时限公开的，每次扣0.5分，扣完为止。
        rules:
          - {{id: late, kind: per_occurrence, fact: late_count, amount: 0.5, quote: 未按时限公开的，每次扣0.5分}}
"""

_EXAMPLE = """\
{{
  "pack": "{id}",
  "target": "{target}",
  "unit": "示例单位",
  "facts": {{"briefings_heard": 1, "late_count": 3}}
}}
"""

_TEST = '''\
"""Tests of the {id} pack: hand-worked cases, and the conformance kit."""

import json
from decimal import Decimal
from pathlib import Path

import govrules
from govrules.testing import run_conformance

HERE = Path(__file__).parent.parent / "src" / "govrules_pack_{id}"


def pack():
    return govrules.load_pack(HERE / "rubric.yaml")


def test_example_scores_as_worked_out_by_hand():
    # 领导重视 4 (one briefing heard); 主动公开 6 − 3 × 0.5 = 4.5 → total 8.5
    data = json.loads((HERE / "examples" / "{target}.json").read_text(encoding="utf-8"))
    assert pack().assess(data).total == Decimal("8.5")


def test_conformance():
    run_conformance(pack(), max_examples=30)
'''


def _yaml_scalar(text: str) -> str:
    """``text`` as one YAML double-quoted scalar (whatever it holds, it stays one value)."""
    import yaml

    dumped = yaml.safe_dump(text, allow_unicode=True, default_style='"', width=2**31 - 1)
    return dumped.removesuffix("\n...\n").strip()


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string without controls is a TOML basic string


def _name(value: str, option: str) -> str:
    """A title or name given on the command line: one line, no controls; refused if blank or not encodable."""
    if has_lone_surrogate(value):
        raise InputError(f"invalid {option}", [Problem(option, "not valid UTF-8 text")])
    text = one_line(value).strip()
    if is_blank(text):
        raise InputError(f"invalid {option}", [Problem(option, "must not be blank")])
    return text


def scaffold(pack_id: str, parent_dir: str | Path, title: str | None = None, target: str = "xiangzhen", target_name: str = "乡镇") -> Path:
    """Write a new installable pack under ``parent_dir/pack_id``; return its directory.

    The title and the target's name are written as quoted YAML / TOML / Python
    strings, so whatever they hold (quotes, ``:``, line breaks are made spaces)
    the scaffold still loads. A directory that cannot be created or written is
    an :class:`~govrules.errors.InputError`, never an ``OSError``.
    """
    if not PACK_ID.match(pack_id):
        raise PackError(f"invalid pack id {pack_id!r}", [Problem("ID", "use lower-case letters, digits and _; start with a letter (e.g. xx_county_2024)")])
    if not PACK_ID.match(target):
        raise PackError(f"invalid target id {target!r}", [Problem("--target", "use lower-case letters, digits and _")])
    title = _name(title, "--title") if title else f"{pack_id} 政务公开工作考核细则"
    target_name = _name(target_name, "--target-name")
    parent = str(parent_dir)
    if "\0" in parent or has_lone_surrogate(parent):
        raise InputError(f"cannot create the pack under {parent!r}", [Problem("--dir", "not a usable path")])
    root = Path(parent) / pack_id
    try:
        exists = root.exists()
    except OSError as exc:
        raise InputError(f"cannot create {root}", [Problem(str(root), exc.strerror or str(exc))]) from None
    if exists:
        raise PackError(f"{root} already exists", [Problem(str(root), "choose another id or remove it")])
    module = root / "src" / f"govrules_pack_{pack_id}"
    values = dict(
        id=pack_id,
        dist=pack_id.replace("_", "-"),
        docstring=repr(f"govrules pack: {title}."),
        description=_toml_string(f"govrules pack: {title}"),
        title_comment=title,
        title_yaml=_yaml_scalar(title),
        target=target,
        target_name_yaml=_yaml_scalar(target_name),
        modeline=SCHEMA_MODELINE,
    )
    files = {
        root / "pyproject.toml": _PYPROJECT,
        module / "__init__.py": _INIT,
        module / "rubric.yaml": _RUBRIC,
        module / "source.txt": _SOURCE,
        module / "examples" / f"{target}.json": _EXAMPLE,
        root / "tests" / f"test_{pack_id}.py": _TEST,
        module / "pack.schema.json": "{schema}",
    }
    from ..kinds.vocabulary import Kinds
    from .formatschema import dumps, pack_format_schema

    values["schema"] = dumps(pack_format_schema(Kinds.installed()))
    try:
        for path, template in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(template.format(**values), encoding="utf-8")
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(root)
        raise InputError(f"cannot create {root}", [Problem(where, exc.strerror or str(exc))]) from None
    return root
