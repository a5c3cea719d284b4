"""The pack format as a JSON Schema, for editors and CI.

Generated from the same pydantic models the loader validates with
(:attr:`govrules.kinds.Kinds.spec_model`), so an editor that reads it
(yaml-language-server: VS Code's YAML extension, JetBrains, Neovim) completes
the keys and flags a mistyped field or rule kind where the loader would. It
checks a file's *shape* only: sums, quotes and references need the whole pack
and are ``govrules pack lint``'s job.

A tailored pack (one with ``extends:``) says only what differs from its
parent, so its rows, ledgers and zeroings may leave out what they inherit: the
schema has a relaxed copy of those definitions for it, and a ``set:`` mapping.

The schema of govrules' own rule kinds ships as ``pack.schema.json`` beside
this module (kept in sync by a test); ``govrules pack schema`` prints the one
for the kinds installed, plugins' included.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

from ..kinds.vocabulary import Kinds

SCHEMA_ID = "https://govrules.invalid/schema/pack.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Definitions a tailoring may write partly (their ``from:`` takes the rest from the parent).
_RELAXED = ("IndicatorSpec", "AdjustmentSpec", "Zeroing")
_SET = {
    "type": "object",
    "description": "Small changes without restating rows: {\"<row id>\": {points: …}}, {\"<row id>#<rule id>\": {amount: …}}, {\"<ledger id>\": {cap: …}}.",
    "additionalProperties": {"type": "object"},
}


#: A number written as text ("0.5"), as the loader reads it into a Decimal: pydantic's schema says
#: only "a string", so an editor would let ``amount: 两分`` pass where the loader refuses it.
DECIMAL_TEXT = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"


def _number_text(node: Any) -> Any:
    """Every "a number or a string" of the schema as "a number, or a number written as text"."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and any(o.get("type") == "number" for o in options if isinstance(o, dict)):
            node = {**node, "anyOf": [({**o, "pattern": DECIMAL_TEXT} if o == {"type": "string"} else o) for o in options]}
        return {k: _number_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_number_text(v) for v in node]
    return node


#: pydantic writes a Decimal's bounds with its own names (``ge``), beside its "a number or a string",
#: where a JSON Schema validator ignores them as unknown keywords; these are JSON Schema's.
_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum", "multiple_of": "multipleOf"}


def _decimal_bounds(node: Any) -> Any:
    """Each Decimal's bounds as JSON Schema keywords on its number option (a number written as text is checked by the loader)."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and any(k in node for k in _BOUNDS) and any(o.get("type") == "number" for o in options if isinstance(o, dict)):
            bounds = {_BOUNDS[k]: v for k, v in node.items() if k in _BOUNDS}
            rest = {k: v for k, v in node.items() if k not in _BOUNDS}
            node = {**rest, "anyOf": [({**o, **bounds} if isinstance(o, dict) and o.get("type") == "number" else o) for o in options]}
        return {k: _decimal_bounds(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decimal_bounds(v) for v in node]
    return node


#: A number written as text that is at least 0 ("-0" is 0), and one above 0 (a digit 1–9 before any exponent):
#: the low bounds the format's numbers have, so an editor refuses ``amount: "-2"`` as the loader does. Other
#: bounds (a maximum) of a number written as text are left to the loader.
NONNEGATIVE_TEXT = r"^\s*(\+?(\d+(\.\d*)?|\.\d+)|-(0+(\.0*)?|\.0+))([eE][+-]?\d+)?\s*$"
POSITIVE_TEXT = r"^\s*\+?(?=[^eE]*[1-9])(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"


def _text_pattern(number: dict[str, Any]) -> str:
    low, above = number.get("minimum"), number.get("exclusiveMinimum")
    if (above is not None and above >= 0) or (low is not None and low > 0):
        return POSITIVE_TEXT
    if low is not None and low >= 0:
        return NONNEGATIVE_TEXT
    return DECIMAL_TEXT


def _text_bounds(node: Any) -> Any:
    """Each "a number, or a number written as text" whose number has a low bound of 0: the text held to it too."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list):
            number = next((o for o in options if isinstance(o, dict) and o.get("type") == "number"), None)
            if number is not None:
                pattern = _text_pattern(number)
                node = {**node, "anyOf": [({**o, "pattern": pattern} if isinstance(o, dict) and o.get("pattern") == DECIMAL_TEXT else o) for o in options]}
        return {k: _text_bounds(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_text_bounds(v) for v in node]
    return node


def _authored(node: Any) -> Any:
    """The schema without the fields only the loader writes (``x-internal``: a tailoring's ``set_reading``)."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            node = {**node, "properties": {k: v for k, v in props.items() if not (isinstance(v, dict) and v.get("x-internal"))}}
        return {k: _authored(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_authored(v) for v in node]
    return node


def _rename_refs(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: (names.get(v, v) if k == "$ref" else _rename_refs(v, names)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_refs(v, names) for v in node]
    return node


def pack_format_schema(kinds: Kinds | None = None) -> dict[str, Any]:
    """The JSON Schema of a pack file (``rubric.yaml``) whose rules use ``kinds`` (govrules' own by default)."""
    kinds = Kinds.builtin() if kinds is None else kinds
    schema = _authored(_text_bounds(_decimal_bounds(_number_text(kinds.spec_model.model_json_schema(mode="validation")))))
    defs = schema.pop("$defs")
    whole = {k: v for k, v in schema.items()}
    whole["title"] = "govrules pack (rubric.yaml)"
    defs["Pack"] = whole

    # The tailoring: the relaxed definitions point at each other, not at the strict ones.
    names = {f"#/$defs/{name}": f"#/$defs/{name}Tailored" for name in _RELAXED + ("Pack",)}
    for name in _RELAXED + ("Pack",):
        relaxed = _rename_refs(copy.deepcopy(defs[name]), names)
        relaxed.pop("required", None)
        if name == "Pack":
            relaxed["title"] = "govrules tailored pack (rubric.yaml with extends:)"
            relaxed["required"] = ["extends", "pack"]
            relaxed["properties"]["set"] = _SET
            for key in ("targets", "indicators", "adjustments"):
                relaxed["properties"][key].pop("minItems", None)
        defs[f"{name}Tailored"] = relaxed
    for name in _RELAXED:  # a ledger's rules may come from its parent too
        relaxed_rules = defs[f"{name}Tailored"].get("properties", {}).get("rules")
        if isinstance(relaxed_rules, dict):
            relaxed_rules.pop("minItems", None)

    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "govrules pack (rubric.yaml)",
        "description": (
            "The shape of a govrules pack file, for editors (# yaml-language-server: $schema=…). "
            f"Rule kinds: {', '.join(kinds)}. Sums, quotes and references are checked by `govrules pack lint`."
        ),
        "if": {"type": "object", "required": ["extends"]},
        "then": {"$ref": "#/$defs/PackTailored"},
        "else": {"$ref": "#/$defs/Pack"},
        "$defs": dict(sorted(defs.items())),
    }


def dumps(schema: dict[str, Any]) -> str:
    """The schema as the file it is published as (stable: sorted keys, one trailing newline)."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def published() -> str:
    """The shipped ``pack.schema.json`` (govrules' own rule kinds)."""
    return resources.files(__package__).joinpath("pack.schema.json").read_text(encoding="utf-8")
