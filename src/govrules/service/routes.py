"""The API's endpoints: each answers exactly what the library gives for the same input.

Assessing is CPU work in the durable_rules C engine (which holds the GIL), so
it runs in Starlette's thread pool, keeping the event loop free to read other
requests; a :class:`~govrules.Pack` is safe to share between those threads
(one lock per compiled ruleset serialises the engine's sessions, see
docs/durable_rules.md). Nothing here keeps state between requests.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import FactsError, GovrulesError, InputError, PackNotFound, Problem
from ..engine.inputs import parse_json, resolve_target
from ..engine.models import MODELS
from ..pack import Pack
from ..registry import Registry
from ..messages import type_name
from ..untrusted import is_blank, shown
from .. import __version__
from .body import json_body, media_type, shown_media
from .caching import cached
from .errors import BodyTooLarge, PayloadTooLarge, Refused
from .openapi import FORMATS, MAX_FORM_FIELDS, MEDIA

if TYPE_CHECKING:
    from ..engine.result import Result


class Json(JSONResponse):
    """JSON as the CLI writes it: UTF-8, Chinese as is (lone surrogates, which UTF-8 cannot hold, escaped)."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True).encode("utf-8")


def cached_json(request: Request, content: Any) -> Response:
    """JSON that changes only with the packs: with its ETag, 304 when the client's copy is current."""
    return cached(request, Json(content).body, "application/json")


def registry_of(request: Request) -> Registry:
    return request.app.state.registry  # type: ignore[no-any-return]


def pack_of(request: Request) -> Pack:
    try:
        return registry_of(request).get(request.path_params["pack_id"])
    except PackNotFound as exc:
        # The registry's own message, without the broken packs' problems (they are in GET /packs).
        problems = [p for p in exc.problems if not p.where.startswith("broken:")]
        raise Refused(404, PackNotFound(exc.summary, problems)) from None


def target_of(request: Request, pack: Pack) -> str:
    try:
        return resolve_target(pack.spec, {}, request.path_params["target"])
    except FactsError as exc:
        raise Refused(404, exc) from None


# --------------------------------------------------------------------- reading


async def healthz(request: Request) -> Response:
    registry = registry_of(request)
    return Json({"status": "ok", "version": __version__, "packs": list(registry.ids), "broken": len(registry.broken)})


async def packs(request: Request) -> Response:
    from ..outputs.catalogue import listing

    return cached_json(request, listing(registry_of(request)))


async def pack(request: Request) -> Response:
    from ..outputs.catalogue import pack_detail

    return cached_json(request, pack_detail(pack_of(request)))


async def rubric(request: Request) -> Response:
    from ..outputs.describe import describe

    p = pack_of(request)
    target = target_of(request, p) if "target" in request.path_params else None
    return cached_json(request, await run_in_threadpool(describe, p, target))


async def facts_schema(request: Request) -> Response:
    p = pack_of(request)
    return cached_json(request, p.facts_schema(target_of(request, p)))


# -------------------------------------------------------------------- assessing

_ACCEPT = {
    "application/json": "json",
    "application/*": "json",
    "*/*": "json",
    "text/html": "html",
    "text/*": "html",
    "text/markdown": "markdown",
    MEDIA["xlsx"]: "xlsx",
}


def query_value(request: Request, name: str) -> str | None:
    """The query parameter ``name``, or None; refused (400) when given more than once: which one was meant cannot be told."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise Refused(400, InputError.coded("serve.query_twice_summary", [Problem.coded(name, "serve.query_twice", values="、".join(map(shown, values)))], name=name))
    return values[0] if values else None


def sheet_format(request: Request) -> str:
    """The format asked for: ``?format=`` first, else the first acceptable of the Accept header (by q), else JSON.

    An Accept header holding a range that is not ``type/subtype`` is disregarded (JSON): Java's
    HttpURLConnection sends ``text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2`` unless told
    otherwise, and a client that never chose HTML would get the HTML sheet. ``?format=`` given twice is
    refused (:func:`query_value`).
    """
    given = query_value(request, "format")
    if given is not None:
        if given not in FORMATS:
            raise Refused(400, InputError.coded("serve.unknown_format_summary", [Problem.coded("format", "serve.formats", formats="、".join(FORMATS))], value=shown(given)))
        return given
    accept = request.headers.get("accept")
    ranges = _ranges(accept)
    if ranges is None:
        return "json"
    for media in ranges:
        if media in _ACCEPT:
            return _ACCEPT[media]
    raise _not_acceptable(accept)


def json_only(request: Request) -> None:
    """Refuse (406) a request whose Accept header allows no JSON, for an endpoint that writes nothing else."""
    accept = request.headers.get("accept")
    ranges = _ranges(accept)
    if ranges is not None and not any(_ACCEPT.get(m) == "json" for m in ranges):
        raise _not_acceptable(accept, ("application/json",))


def _ranges(accept: str | None) -> list[str] | None:
    """The media ranges an Accept header allows, most wanted first (by q, then place); None for no header, or one disregarded (see sheet_format)."""
    if not accept:
        return None
    ranges = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0] and "/" not in fields[0]:
            return None  # a header no one wrote by hand (see sheet_format)
        if q > 0 and fields[0]:
            ranges.append((-q, i, fields[0].lower()))
    return [media for _, _, media in sorted(ranges)]


def _not_acceptable(accept: str | None, media: Any = MEDIA.values()) -> Refused:
    return Refused(406, InputError.coded("serve.not_acceptable_summary", [Problem.coded("Accept", "serve.not_acceptable", accept=shown(accept), media="、".join(media))]))


def model_of(request: Request) -> str | None:
    model = query_value(request, "model")
    if model is not None and model not in MODELS:
        raise Refused(400, InputError.coded("serve.unknown_model_summary", [Problem.coded("model", "serve.models", models="、".join(sorted(MODELS)))], value=shown(model)))
    return model


async def read_assessment(request: Request) -> Any:
    body = await json_body(request)
    try:
        return parse_json(body)
    except FactsError as exc:
        raise Refused(400, exc) from None


def not_objects(entries: list[Any], where: str) -> list[Problem]:
    """A problem for each entry of a read body that is not a JSON object (``where`` formats its place).

    The library also takes an assessment as JSON text; a body's string is a string, never read again as JSON.
    """
    return [Problem.coded(where.format(i), "serve.entry_not_object", kind=type_name(e)) for i, e in enumerate(entries) if not isinstance(e, dict)]


def _assess(p: Pack, data: Any, target: str | None, model: str | None, fmt: str) -> tuple[bytes, str]:
    try:
        result = p.assess(data, target, model=model)
    except FactsError as exc:
        raise Refused(422, exc) from None
    return _sheet(result, fmt)


def _sheet(result: Result, fmt: str) -> tuple[bytes, str]:
    """The result in the format asked for: ``Result.to_json()`` byte for byte, or a score sheet."""
    if fmt == "json":
        return result.to_json().encode("utf-8"), "application/json"
    if fmt == "html":
        from ..outputs.html import score_html

        return score_html(result).encode("utf-8"), "text/html; charset=utf-8"
    if fmt == "markdown":
        from ..outputs.report import markdown

        return markdown(result).encode("utf-8"), "text/markdown; charset=utf-8"
    from ..outputs.xlsx import score_workbook

    out = io.BytesIO()
    score_workbook(result).save(out)
    return out.getvalue(), MEDIA["xlsx"]


def _sheet_response(body: bytes, media: str, fmt: str) -> Response:
    headers = {"Content-Disposition": "attachment; filename=result.xlsx"} if fmt == "xlsx" else {}
    return Response(body, media_type=media, headers=headers)


async def assess(request: Request) -> Response:
    p = pack_of(request)
    target = target_of(request, p) if "target" in request.path_params else None
    fmt = sheet_format(request)
    model = model_of(request)
    data = await read_assessment(request)
    if not isinstance(data, dict):
        raise Refused(422, FactsError.coded("input.not_an_object_summary", [Problem.coded("", "input.got", kind=type_name(data))]))
    body, media = await run_in_threadpool(_assess, p, data, target, model, fmt)
    return _sheet_response(body, media, fmt)


#: The keys of a merged assessment's body.
MERGED_KEYS = ("parts", "names")


def merged_request(data: Any) -> tuple[list[Any], list[str]]:
    """The parts and their names from ``{"parts": [...], "names": [...]}``; names default to ``parts[i]``.

    Only the envelope is checked here; each part is the library's to check
    (:meth:`Pack.merge`), which names it by these names in every problem, so
    an unnamed part's problem reads ``parts[1]: facts.x`` — its place in this body.
    """
    if not isinstance(data, dict):
        raise Refused(422, FactsError.coded("serve.merged_not_object_summary", [Problem.coded("", "serve.merged_not_object", kind=type_name(data))]))
    problems = [Problem.coded(k[:60], "serve.merged_unknown_key", key=shown(k)) for k in data if k not in MERGED_KEYS]
    parts, names = data.get("parts"), data.get("names")
    if parts is None:
        problems.append(Problem.coded("parts", "serve.merged_no_parts"))
    elif not isinstance(parts, list):
        problems.append(Problem.coded("parts", "serve.merged_parts_not_list", kind=type_name(parts)))
    elif not parts:
        problems.append(Problem.coded("parts", "merge.nothing"))
    else:
        problems += not_objects(parts, "parts[{}]")
    if names is not None:
        if not isinstance(names, list):
            problems.append(Problem.coded("names", "serve.merged_names_not_list", kind=type_name(names)))
        else:
            problems += [Problem.coded(f"names[{i}]", "serve.merged_name_not_text") for i, n in enumerate(names) if not isinstance(n, str) or is_blank(n)]
    if problems:
        raise Refused(422, FactsError.coded("serve.merged_problems_summary", problems, count=len(problems)))
    assert isinstance(parts, list)
    return parts, names if names is not None else [f"parts[{i}]" for i in range(len(parts))]


def _assess_merged(p: Pack, parts: list[Any], names: list[str], target: str | None, model: str | None, fmt: str) -> tuple[bytes, str]:
    try:
        result = p.assess_merged(parts, names, target, model=model)
    except FactsError as exc:
        raise Refused(422, exc) from None
    return _sheet(result, fmt)


async def assess_merged(request: Request) -> Response:
    """One unit from its partial assessments (Pack.assess_merged): conflicts are 422, never settled."""
    p = pack_of(request)
    target = target_of(request, p) if "target" in request.path_params else None
    fmt = sheet_format(request)
    model = model_of(request)
    parts, names = merged_request(await read_assessment(request))
    body, media = await run_in_threadpool(_assess_merged, p, parts, names, target, model, fmt)
    return _sheet_response(body, media, fmt)


async def cohort(request: Request) -> Response:
    """Units of one target scored together (Pack.assess_cohort): a JSON array of assessments in, their results out."""
    p = pack_of(request)
    model = model_of(request)
    json_only(request)
    data = await read_assessment(request)
    if not isinstance(data, list):
        raise Refused(422, FactsError.coded("serve.cohort_not_list_summary", [Problem.coded("", "serve.cohort_not_list", kind=type_name(data))]))
    strays = not_objects(data, "[{}]")
    if strays:
        raise Refused(422, FactsError.coded("serve.cohort_problems_summary", strays, count=len(strays)))

    def run() -> bytes:
        try:
            results = p.assess_cohort(data, model=model)
        except FactsError as exc:
            raise Refused(422, exc) from None
        # Each result exactly as Result.to_json() writes it, in input order.
        return ("[" + ", ".join(r.to_json() for r in results) + "]").encode("utf-8")

    return Response(await run_in_threadpool(run), media_type="application/json")


# ------------------------------------------------------------------------ batch

_UPLOAD_SUFFIX = {"text/csv": ".csv", MEDIA["xlsx"]: ".xlsx"}
_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def _upload_name(given: str | None, suffix: str) -> str:
    """A file name for the upload inside our own temporary folder: the client's base name, made harmless."""
    name = _SAFE_NAME.sub("_", Path((given or "").replace("\\", "/")).name)[:80].strip("._")
    return (name if name.lower().endswith(suffix) else (name or "upload") + suffix) if name else "upload" + suffix


async def batch(request: Request) -> Response:
    p = pack_of(request)
    target = query_value(request, "target")
    if target is not None:
        try:
            target = resolve_target(p.spec, {}, target)
        except FactsError as exc:
            # A query parameter with an unknown value, as ?format= and ?model= are: 400, in the library's words (its did-you-mean).
            refused = InputError(exc.summary, exc.problems)
            refused.code, refused.params = exc.code, exc.params
            raise Refused(400, refused) from None
    fmt = query_value(request, "format")
    fmt = "json" if fmt is None else fmt  # (?format= with nothing is refused, as any other unknown value)
    if fmt not in ("json", "xlsx"):
        raise Refused(400, InputError.coded("serve.unknown_format_summary", [Problem.coded("format", "serve.formats", formats="json、xlsx")], value=shown(fmt)))
    media = media_type(request)
    if media == "multipart/form-data":
        raw, name = await _multipart_file(request)
    elif media in _UPLOAD_SUFFIX:
        raw, name = await request.body(), _upload_name(None, _UPLOAD_SUFFIX[media])
    else:
        raise Refused(
            415,
            InputError.coded("serve.not_batch_summary", [Problem.coded("Content-Type", "serve.not_batch", media=shown_media(media), xlsx=MEDIA["xlsx"])]),
        )
    body, out_media = await run_in_threadpool(_batch, p, raw, name, target, fmt)
    headers = {"Content-Disposition": "attachment; filename=summary.xlsx"} if fmt == "xlsx" else {}
    return Response(body, media_type=out_media, headers=headers)


async def _multipart_file(request: Request) -> tuple[bytes, str]:
    try:
        async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS) as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise Refused(422, InputError.coded("serve.no_file_summary", [Problem.coded("file", "serve.no_file")]))
            raw = await upload.read()
            filename = upload.filename
    except (Refused, BodyTooLarge):
        raise
    except Exception as exc:  # python-multipart's and Starlette's parse errors: the body is not a form, or passes a limit
        # Starlette says which limit a form passed only in its English detail; one it words otherwise is still refused, as unreadable.
        detail = str(exc.detail) if isinstance(exc, HTTPException) else ""
        if detail.startswith("Too many files"):
            raise Refused(422, InputError.coded("serve.one_file_summary", [Problem.coded("file", "serve.one_file")])) from None
        if detail.startswith("Too many fields"):
            raise Refused(413, PayloadTooLarge.coded("serve.too_large_summary", [Problem.coded("body", "serve.too_many_fields", limit=MAX_FORM_FIELDS)])) from None
        raise Refused(400, InputError.coded("serve.not_multipart_summary", [Problem.coded("body", "serve.not_multipart", kind=type(exc).__name__)])) from None
    suffix = ".xlsx" if (filename or "").lower().endswith((".xlsx", ".xlsm")) else ".csv"
    return raw, _upload_name(filename, suffix)


def _batch(p: Pack, raw: bytes, name: str, target: str | None, fmt: str) -> tuple[bytes, str]:
    from ..outputs.batch import read_units, score_units, summary_data, summary_workbook_bytes

    with tempfile.TemporaryDirectory(prefix="govrules-batch-") as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        try:
            units = read_units(path, p)
        except GovrulesError as exc:
            # Named as the client named it: our temporary folder is none of its business.
            def bare(text: str) -> str:
                return text.replace(str(path), name).replace(folder + "/", "")

            def bare_params(params: dict[str, Any]) -> dict[str, Any]:
                return {k: bare(str(v)) if isinstance(v, (str, Path)) else v for k, v in params.items()}

            # Each problem keeps its code and params (the summary's too), as every other answer's do.
            problems = [Problem(bare(q.where), bare(q.message), code=q.code, params=bare_params(q.params)) for q in exc.problems]
            refused = type(exc)(bare(exc.summary), problems)
            refused.code, refused.params = exc.code, bare_params(exc.params)
            raise Refused(422, refused) from None
        units.source = name
        if units.input_problems:
            # The file was read but is not a batch (its header names no unit or facts): nothing to rank.
            raise Refused(422, InputError.coded("serve.not_a_batch_summary", list(units.input_problems), name=shown(name), pack=p.id))
        score_units(units, target)
    if fmt == "xlsx":
        return summary_workbook_bytes(units), MEDIA["xlsx"]
    return json.dumps(summary_data(units), ensure_ascii=False).encode("utf-8"), "application/json"
