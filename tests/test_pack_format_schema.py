"""The pack format's JSON Schema: published, in sync with the loader, and what an editor checks with it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from govrules.cli import main
from govrules.kinds.vocabulary import Kinds
from govrules.rubric.authoring import SCHEMA_MODELINE, scaffold
from govrules.rubric.formatschema import dumps, pack_format_schema, published

ROOT = Path(__file__).resolve().parent.parent
PACK_FILES = sorted(ROOT.glob("packs/*/src/*/rubric.yaml")) + sorted(ROOT.glob("tests/*/rubric.yaml"))


def _as_an_editor_reads(text: str) -> object:
    # yaml-language-server sees dates and numbers as YAML gives them; JSON has no date, so a date is its text.
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(published())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_published_schema_is_the_one_the_models_make():
    # Regenerate and compare: a field or rule kind added to the models must reach the file an editor reads.
    assert published() == dumps(pack_format_schema(Kinds.builtin())), "run: govrules pack schema > src/govrules/rubric/pack.schema.json"


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.parent.name)
def test_every_shipped_pack_validates(validator, path):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_as_an_editor_reads(path.read_text(encoding="utf-8")))]
    assert errors == []


@pytest.mark.parametrize(
    "before, after",
    [
        ("\n    name: 信息公开\n", "\n    name: 信息公开\n    department: 办公室\n"),  # an unknown field on a row
        ("kind: per_occurrence", "kind: per_occurence"),  # a mistyped rule kind
        ("amount: 0.5", "amount: 0.5, amout: 1"),  # a mistyped field of a rule
        ("  id: demo\n", "  id: Demo-Pack\n"),  # a pack id the loader refuses
        ("amount: 0.5", "amount: 半分"),  # a number that is not one
    ],
)
def test_a_typo_fails_it_as_the_loader_would(validator, tmp_path, before, after):
    root = scaffold("demo", tmp_path)
    text = (root / "src" / "govrules_pack_demo" / "rubric.yaml").read_text(encoding="utf-8")
    assert not list(validator.iter_errors(_as_an_editor_reads(text)))
    assert before in text
    assert list(validator.iter_errors(_as_an_editor_reads(text.replace(before, after, 1))))


def test_a_tailoring_may_leave_out_what_it_inherits(validator):
    child = "extends: changsha_ref\npack: {id: c, version: '1', title: t, issuer: i, source: s}\nindicators:\n  - {from: zz.1, points: {quxian: 5}}\nset:\n  zz.2: {points: {quxian: 3}}\n"
    assert not list(validator.iter_errors(_as_an_editor_reads(child)))
    assert list(validator.iter_errors(_as_an_editor_reads(child.replace("set:", "sett:"))))


def test_the_scaffold_points_its_editor_at_the_schema(tmp_path):
    module = scaffold("demo", tmp_path) / "src" / "govrules_pack_demo"
    assert (module / "rubric.yaml").read_text(encoding="utf-8").splitlines()[0] == SCHEMA_MODELINE
    assert json.loads((module / "pack.schema.json").read_text(encoding="utf-8")) == pack_format_schema(Kinds.installed())


def test_pack_schema_command_prints_the_installed_kinds_schema():
    result = CliRunner().invoke(main, ["pack", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    rule_kinds = {ref["$ref"].rsplit("/", 1)[1] for ref in schema["$defs"]["IndicatorSpec"]["properties"]["rules"]["items"]["oneOf"]}
    assert len(rule_kinds) == len(Kinds.installed())


#: pydantic's own names for bounds: a JSON Schema validator ignores them as unknown keywords.
PYDANTIC_ONLY = {"ge", "gt", "le", "lt", "multiple_of", "max_digits", "decimal_places"}


def _keywords(node: object, inside_properties: bool = False) -> set[str]:
    """Every keyword the schema uses (not the names of the properties it lists)."""
    if isinstance(node, dict):
        found = set() if inside_properties else set(node)
        for k, v in node.items():
            found |= _keywords(v, inside_properties=(k in ("properties", "$defs") and not inside_properties))
        return found
    if isinstance(node, list):
        return set().union(*(_keywords(v) for v in node)) if node else set()
    return set()


def test_decimal_bounds_are_json_schema_keywords_an_editor_checks(validator, tmp_path):
    schema = json.loads(published())
    jsonschema.Draft202012Validator.check_schema(schema)  # the 2020-12 meta-schema
    assert not _keywords(schema) & PYDANTIC_ONLY
    root = scaffold("demo", tmp_path)
    text = (root / "src" / "govrules_pack_demo" / "rubric.yaml").read_text(encoding="utf-8")
    data = _as_an_editor_reads(text)

    def errors(step: object) -> list[str]:
        doc = json.loads(json.dumps(data))
        doc["pack"]["discretionary_step"] = step
        return [e.message for e in validator.iter_errors(doc)]

    # discretionary_step: more than 0, at most 100 (PackMeta: gt=0, le=100).
    assert errors(0.5) == [] and errors(100) == []
    assert errors(0) and errors(-1) and errors(100.5)


def test_a_bound_written_as_text_is_checked_too(validator, tmp_path):
    # YAML gives 'discretionary_step: "-1"' as text; the loader reads it as the number -1 and refuses it (gt 0),
    # and so does an editor: a number written as text is held to the low bound of its number.
    root = scaffold("demo", tmp_path)
    data = _as_an_editor_reads((root / "src" / "govrules_pack_demo" / "rubric.yaml").read_text(encoding="utf-8"))

    def errors(step: str) -> list[str]:
        doc = json.loads(json.dumps(data))
        doc["pack"]["discretionary_step"] = step
        return [e.message for e in validator.iter_errors(doc)]

    for fine in ("0.5", "2", " 1.5 ", "+3", "1e1", "0.01", ".5"):
        assert errors(fine) == [], fine
    for refused in ("-2", "0", "0.00", "-0.5", "0e5", "两分"):
        assert errors(refused), refused
    # A bound of at least 0 (a cap's max) takes "0" and "-0" but not "-1".
    import re

    schema = json.loads(published())
    cap_text = next(o for o in schema["$defs"]["Cap"]["properties"]["max"]["anyOf"] if o.get("type") == "string")
    assert [bool(re.search(cap_text["pattern"], t)) for t in ("0", "-0", "12.5", "-1", "-0.1", "1e2")] == [True, True, True, False, False, True]
