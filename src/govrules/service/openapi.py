"""The service's contract: an OpenAPI 3.1 document built from the installed packs.

Each target of each pack gets its own typed assessment endpoint whose request
body is that target's facts JSON Schema (``Pack.facts_schema``) inside an
assessment envelope, so a client generated from ``/openapi.json`` (Java,
.NET, TypeScript) has one typed class per target's facts. The envelope says
as much as the library checks: which items take a 自评 or 复核 score and up
to how many points, which evidence each item asks for, whether N/A may be
declared, that texts are not blank, that numbers have at most 6 decimal
places (``multipleOf``). What a schema cannot say (a count and the dates it
is derived from given together, a span outside the holiday calendar) is
answered 422 with the problem named, like every other invalid input.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from .. import __version__
from ..engine.facts import NUMBER_LIMIT, NUMBER_PLACES
from ..engine.models import MODELS
from ..pack import Pack
from ..registry import Registry
from ..untrusted import SHOWS_SOMETHING

#: JSON Schema ``multipleOf`` for the numbers an assessment holds (at most 6 places).
NUMBER_STEP = float(Decimal(1).scaleb(-NUMBER_PLACES))

#: Text that shows something: at least one character that is not white space
#: or invisible (the library's ``untrusted.is_blank`` refuses the rest).
SHOWN_TEXT = {"type": "string", "pattern": SHOWS_SOMETHING}

FORMATS = ("json", "html", "markdown", "xlsx")
MEDIA = {
    "json": "application/json",
    "html": "text/html",
    "markdown": "text/markdown",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PROBLEM = {"$ref": "#/components/schemas/Problem"}

#: A batch form's fields besides its file, which are ignored (HTML forms and generated clients may send some):
#: the body limit bounds their size, and this their number (Starlette's default), so that a schema-valid form is not refused for them.
MAX_FORM_FIELDS = 1000


def _problem_response(text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/problem+json": {"schema": PROBLEM}}}


ERRORS = {
    "400": _problem_response("the body cannot be read (not JSON, not UTF-8, a key given twice, nested too deeply), or a query parameter has an unknown value"),
    "404": _problem_response("no such pack or target (with did-you-mean)"),
    "413": _problem_response(f"the body is larger than the service takes (govrules serve --max-body), or a form has over {MAX_FORM_FIELDS} fields"),
    "415": _problem_response("the body has another content type"),
    "422": _problem_response("the input is not a valid assessment: every problem, each naming its field"),
}


def component(pack_id: str, target: str, what: str) -> str:
    return f"{pack_id}.{target}.{what}"


def _hoist(schema: dict[str, Any], prefix: str, into: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` moved into ``into`` (components) under ``prefix`` and every ``$ref`` rewritten."""
    schema = copy.deepcopy(schema)
    defs = schema.pop("$defs", {})
    schema.pop("$id", None)  # an $id would move the base every $ref inside resolves against
    schema.pop("$schema", None)

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                node = {**node, "$ref": f"#/components/schemas/{prefix}.{ref[len('#/$defs/'):]}"}
            return {k: rewrite(v) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    for name, sub in defs.items():
        into[f"{prefix}.{name}"] = rewrite(sub)
    return rewrite(schema)


def _score(maximum: Decimal) -> dict[str, Any]:
    return {"type": "number", "minimum": 0, "maximum": float(maximum), "multipleOf": NUMBER_STEP}


def _numbers_on_grid(node: Any) -> Any:
    """Every plain number schema of a facts schema with the 6-place ``multipleOf`` the library checks."""
    if isinstance(node, dict):
        out = {k: _numbers_on_grid(v) for k, v in node.items()}
        if out.get("type") == "number" and "multipleOf" not in out:
            out["multipleOf"] = NUMBER_STEP
        return out
    if isinstance(node, list):
        return [_numbers_on_grid(v) for v in node]
    return node


def assessment_schema(pack: Pack, target: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """The typed assessment envelope of one target; its facts schema goes into ``schemas``.

    ``target`` may be left out (the path names it); the pack-wide endpoint's
    body is one of these with ``target`` required (see :func:`document`).
    """
    view = pack.view(target)
    facts_name = component(pack.id, target, "Facts")
    schemas[facts_name] = _numbers_on_grid(_hoist(pack.facts_schema(target), component(pack.id, target, "defs"), schemas))
    maxima = view.input_plan.maxima
    scored = {item: _score(m) for item, m in maxima.items()}
    evidence = {
        item.id: {"type": "array", "items": {"type": "string", "enum": list(item.indicator.evidence)}} for item in view.items if item.indicator.evidence
    }
    not_applicable: dict[str, Any]
    if pack.spec.not_applicable.allowed:
        not_applicable = {"type": "object", "properties": {i: {**SHOWN_TEXT, "description": "书面说明"} for i in maxima}, "additionalProperties": False}
    else:
        not_applicable = {"type": "object", "maxProperties": 0, "description": "this pack does not allow items to be declared not applicable"}
    reviews: dict[str, Any] = {"type": "array", "maxItems": 0, "description": "this target has no scored items to review"}
    if maxima:
        reviews = {
            "type": "array",
            "description": "复核: at most one per item",
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["item", "score", "reviewer", "at", "reason"],
                        "properties": {
                            "item": {"const": item},
                            "score": _score(m),
                            "reviewer": {**SHOWN_TEXT, "description": "复核人"},
                            "at": {"type": "string", "format": "date", "description": "复核时间"},
                            "reason": {**SHOWN_TEXT, "description": "复核理由"},
                        },
                    }
                    for item, m in maxima.items()
                ]
            },
            "maxItems": len(maxima),
            # One review per item: at most one element with each item id.
            "allOf": [{"contains": {"properties": {"item": {"const": item}}}, "minContains": 0, "maxContains": 1} for item in maxima],
        }
    return {
        "type": "object",
        "title": f"{pack.title}（{view.target.name}）考核输入",
        "additionalProperties": False,
        "properties": {
            "pack": {"enum": [pack.id, None]},
            "target": {"enum": [*spellings(target, view.target.name), None]},  # the id or the Chinese name, as the JSON input takes
            "unit": {"type": ["string", "null"], "description": "被考核单位"},
            "facts": {"$ref": f"#/components/schemas/{facts_name}"},
            "evidence": {"type": "object", "properties": evidence, "additionalProperties": False},
            "not_applicable": not_applicable,
            "self_assessment": {"type": "object", "properties": scored, "additionalProperties": False, "description": "自评"},
            "reviews": reviews,
        },
    }


def part_schema(assessment: dict[str, Any]) -> dict[str, Any]:
    """A partial assessment (docs/merging.md): the target's assessment envelope plus who sends it."""
    return {
        **assessment,
        "title": assessment["title"] + "（部分）",
        "properties": {**assessment["properties"], "assessor": {**SHOWN_TEXT, "type": ["string", "null"], "description": "负责考核部门或评议人：送来这一部分的人"}},
    }


def merged_schema(part: dict[str, Any]) -> dict[str, Any]:
    """The body of a merged assessment: the parts, and optionally a name for each (default ``parts[i]``)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["parts"],
        "properties": {
            "parts": {"type": "array", "minItems": 1, "items": part, "description": "一个单位的各部分考核输入"},
            "names": {
                "type": ["array", "null"],
                "minItems": 1,
                "items": SHOWN_TEXT,
                "description": "各部分的名称（如文件名），与 parts 一一对应；在问题和结果的 sources 中指称各部分。不给时为 parts[0]、parts[1]……",
            },
        },
    }


def _merged_responses() -> dict[str, Any]:
    out = _sheet_responses()
    out["422"] = _problem_response(
        "the parts cannot be merged or the merged input is not valid: every problem, each naming its part (parts[i] or its name) and field; conflicting values are never settled"
    )
    return out


def target_names(pack: Pack) -> list[str]:
    """How a request may name each of the pack's targets: its id and its Chinese name."""
    return [name for t in pack.spec.targets for name in spellings(t.id, t.name)]


def spellings(target_id: str, name: str) -> list[str]:
    """How a request may name one target: its id and its Chinese name (once, where they are the same)."""
    return list(dict.fromkeys((target_id, name)))


def _typed_post(operation: str, tag: str, summary: str, schema: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any]:
    """A scoring endpoint: its body typed by ``schema``, its sheet as JSON/HTML/Markdown/XLSX."""
    return {
        "post": {
            "operationId": operation,
            "tags": [tag],
            "summary": summary,
            "parameters": _sheet_params(),
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
            "responses": responses,
        }
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _one_of(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    """A body that is any one of ``schemas`` (the schema itself where there is one)."""
    return {"oneOf": schemas} if len(schemas) > 1 else schemas[0]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _sheet_responses() -> dict[str, Any]:
    ok = {
        "description": "the result: exactly Result.to_json() (json), or the score sheet (html, markdown, xlsx)",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Result"}},
            "text/html": {"schema": {"type": "string"}},
            "text/markdown": {"schema": {"type": "string"}},
            MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
    return {"200": ok, **ERRORS, "406": _problem_response("the Accept header names no format this service writes")}


def _sheet_params() -> list[dict[str, Any]]:
    return [
        {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": list(FORMATS)}, "description": "json (default), html, markdown or xlsx; or send Accept"},
        {"name": "model", "in": "query", "required": False, "schema": {"type": "string", "enum": sorted(MODELS)}, "description": "评分模型 for a document that assigns no points"},
    ]


def document(registry: Registry, max_body: int, root_path: str = "") -> dict[str, Any]:
    """The contract of the service over ``registry``; ``root_path``: the prefix it is reached under (then its one server)."""
    PACK_PARAM = {"name": "pack_id", "in": "path", "required": True, "schema": {"type": "string", "enum": list(registry.ids)}, "description": "指标包 id (GET /packs)"}
    # A target is named in a path as in JSON input: by its id (xiangzhen) or its Chinese name (乡镇, percent-encoded).
    targets = sorted({name for p in registry.packs for t in p.spec.targets for name in (t.id, t.name)})
    TARGET_PARAM = {
        "name": "target",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": targets},
        "description": "考核对象: its id or its Chinese name (each pack has some of these)",
    }
    schemas: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "required": ["status", "error", "summary", "problems"],
            "properties": {
                "status": {"type": "integer"},
                "error": {"type": "string"},
                "summary": {"type": "string"},
                "problems": {
                    "type": "array",
                    "items": {"type": "object", "required": ["where", "message"], "properties": {"where": {"type": "string"}, "message": {"type": "string"}}},
                },
            },
        },
        "Result": {
            "type": "object",
            "description": "Result.to_json(): every score an exact decimal string, null where unknown (docs/embedding.md, JSON out)",
            "required": ["pack", "engine", "rounding", "target", "scored", "complete", "total", "items", "readings"],
        },
        "Object": {"type": "object"},
    }
    NOT_MODIFIED = {"304": {"description": "If-None-Match named the current ETag: the client's copy is current (no body)"}}
    paths: dict[str, Any] = {
        "/healthz": {"get": {"operationId": "healthz", "summary": "liveness: the packs this process serves", "responses": {"200": _json({"$ref": "#/components/schemas/Object"}, "ok")}}},
        "/packs": {"get": {"operationId": "listPacks", "summary": "the installed packs, and broken ones", "responses": {"200": _json({"$ref": "#/components/schemas/Object"}, "govrules packs --format json"), **NOT_MODIFIED}}},
        "/packs/{pack_id}": {
            "get": {
                "operationId": "getPack",
                "summary": "one pack: metadata, targets, readings",
                "parameters": [PACK_PARAM],
                "responses": {"200": _json({"$ref": "#/components/schemas/Object"}, "the pack"), "404": ERRORS["404"], **NOT_MODIFIED},
            }
        },
        "/packs/{pack_id}/rubric": {
            "get": {
                "operationId": "getRubric",
                "summary": "the rubric as `govrules show --format json` gives it",
                "parameters": [PACK_PARAM],
                "responses": {"200": _json({"$ref": "#/components/schemas/Object"}, "the rubric"), "404": ERRORS["404"], **NOT_MODIFIED},
            }
        },
        "/packs/{pack_id}/targets/{target}/schema": {
            "get": {
                "operationId": "getFactsSchema",
                "summary": "the facts JSON Schema of one target (Pack.facts_schema)",
                "parameters": [PACK_PARAM, TARGET_PARAM],
                "responses": {"200": _json({"$ref": "#/components/schemas/Object"}, "JSON Schema 2020-12"), "404": ERRORS["404"], **NOT_MODIFIED},
            }
        },
        "/packs/{pack_id}/targets/{target}/rubric": {
            "get": {
                "operationId": "getTargetRubric",
                "summary": "one target's rubric as `govrules show --target T --format json` gives it",
                "parameters": [PACK_PARAM, TARGET_PARAM],
                "responses": {"200": _json({"$ref": "#/components/schemas/Object"}, "the rubric"), "404": ERRORS["404"], **NOT_MODIFIED},
            }
        },
    }
    for pack in registry.packs:
        typed = []
        merged = []
        for target in pack.targets:
            name = component(pack.id, target, "Assessment")
            schemas[name] = assessment_schema(pack, target, schemas)
            target_name = pack.view(target).target.name
            # The target by its id or its Chinese name (区直), as every entry point takes it.
            naming = {"enum": spellings(target, target_name)}
            named = {"allOf": [{"$ref": f"#/components/schemas/{name}"}], "required": ["target"], "properties": {"target": naming}}
            typed.append({"$ref": f"#/components/schemas/{name}"} if len(pack.targets) == 1 else named)
            part = component(pack.id, target, "Part")
            schemas[part] = part_schema(schemas[name])
            schemas[component(pack.id, target, "Merged")] = merged_schema({"$ref": f"#/components/schemas/{part}"})
            # Pack-wide, each part names its target (a part naming none takes the others', but then the schema cannot say which).
            named_part = {"allOf": [{"$ref": f"#/components/schemas/{part}"}], "required": ["target"], "properties": {"target": naming}}
            merged.append({"$ref": f"#/components/schemas/{component(pack.id, target, 'Merged')}"} if len(pack.targets) == 1 else merged_schema(named_part))
            shown = f"{pack.title}（{target_name}）"
            paths[f"/packs/{pack.id}/targets/{target}/assess/merged"] = _typed_post(
                f"assess_merged_{pack.id}_{target}", pack.id, f"合并评分：{shown}，各部分考核输入合并为一个单位后评分", _ref(component(pack.id, target, "Merged")), _merged_responses()
            )
            paths[f"/packs/{pack.id}/targets/{target}/assess"] = _typed_post(f"assess_{pack.id}_{target}", pack.id, f"评分：{shown}", _ref(name), _sheet_responses())
        paths[f"/packs/{pack.id}/assess/merged"] = _typed_post(
            f"assess_merged_{pack.id}", pack.id, f"合并评分：{pack.title}（各部分考核输入合并为一个单位后评分，Pack.assess_merged）", _one_of(merged), _merged_responses()
        )
        paths[f"/packs/{pack.id}/assess"] = _typed_post(f"assess_{pack.id}", pack.id, f"评分：{pack.title}（考核对象由输入的 target 给出）", _one_of(typed), _sheet_responses())
        unit_named = [{"allOf": [t], "required": ["unit"], "properties": {"unit": {"type": "string"}}} for t in typed]
        paths[f"/packs/{pack.id}/cohort"] = {
            "post": {
                "operationId": f"cohort_{pack.id}",
                "tags": [pack.id],
                "summary": "一同评分：the units of one target scored together (Pack.assess_cohort; 排名赋分 and other cohort rows)",
                "parameters": [_sheet_params()[1]],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "array", "minItems": 1, "items": _one_of(unit_named)}}},
                },
                "responses": {
                    "200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Result"}}, "each unit's Result.to_json(), in input order"),
                    **ERRORS,
                    "406": _problem_response("the Accept header does not allow JSON, the only format this operation writes"),
                },
            }
        }
        paths[f"/packs/{pack.id}/batch"] = {
            "post": {
                "operationId": f"batch_{pack.id}",
                "tags": [pack.id],
                "summary": "批量评分：a CSV or Excel workbook, one unit per row (govrules batch)",
                "parameters": [
                    {"name": "target", "in": "query", "required": False, "schema": {"type": "string", "enum": target_names(pack)}, "description": "考核对象 (id or name) for rows that name none"},
                    {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json", "xlsx"]}, "description": "json: summary.json (default); xlsx: summary.xlsx"},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {"file": {"type": "string", "format": "binary"}},
                                "description": f"the CSV or workbook in the file field; other fields are ignored, at most {MAX_FORM_FIELDS} of them (413 over)",
                            }
                        },
                    },
                },
                "responses": {
                    "200": {
                        "description": "summary.json as `govrules batch --format json` prints it (no files written), or summary.xlsx",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Object"}}, MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **ERRORS,
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "govrules",
            "version": __version__,
            "description": (
                "政务公开考核评分服务: score units against the installed rubric packs, exactly and traceably. "
                f"Request bodies are at most {max_body} bytes. Errors are application/problem+json with every problem and where it is."
            ),
        },
        # Under a proxy's prefix, clients (Swagger UI's "try it out", generated ones) send to it.
        **({"servers": [{"url": root_path}]} if root_path else {}),
        "paths": paths,
        "components": {"schemas": schemas},
        "x-number-limit": str(NUMBER_LIMIT),
    }
