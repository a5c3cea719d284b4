"""Every answer that is not a result: a problem document, never a traceback.

An error answer has the shape of :meth:`govrules.GovrulesError.to_dict`
(``error``, ``summary``, ``problems`` of ``{where, message}``) plus the HTTP
``status``, served as ``application/problem+json``. Which status:

* 400 — the body cannot be read as JSON (or as the upload it claims to be);
* 404 — no such pack or target (with did-you-mean), no such path;
* 405 / 406 / 413 / 415 — wrong method, unknown format, body over the limit, wrong content type;
* 422 — the input was read but is not a valid assessment (the :class:`~govrules.FactsError`'s problems).

Anything else raised while answering is a bug: it is logged with its
traceback and answered 500 with one line naming the error type. The tests
(``tests/test_service_contract.py``) check that no input reaches that.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..errors import GovrulesError, Problem
from ..untrusted import strip_controls

log = logging.getLogger("govrules.service")

PROBLEM_TYPE = "application/problem+json"


class Refused(Exception):
    """An answer other than 2xx, decided by the service: a status and the error it reports."""

    def __init__(self, status: int, error: GovrulesError, headers: dict[str, str] | None = None):
        super().__init__(error.summary)
        self.status = status
        self.error = error
        self.headers = headers or {}


class BodyTooLarge(Exception):
    """The request body passed the configured limit while it was being read."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def problem(status: int, error: str, summary: str, problems: list[Problem] | tuple[Problem, ...] = (), headers: dict[str, str] | None = None) -> Response:
    body = {"status": status, "error": error, "summary": strip_controls(summary), "problems": [p.to_dict() for p in problems]}
    try:
        text = json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a caller's input: written as \ud800
        text = json.dumps(body, ensure_ascii=True).encode("utf-8")
    return Response(text, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def from_error(status: int, exc: GovrulesError, headers: dict[str, str] | None = None) -> Response:
    return problem(status, type(exc).__name__, exc.summary, exc.problems, headers)


_HTTP_WORDS = {
    400: ("BadRequest", "the request cannot be read"),
    404: ("NotFound", "no such path"),
    405: ("MethodNotAllowed", "this path does not take that method"),
    406: ("NotAcceptable", "no format asked for can be given"),
    413: ("PayloadTooLarge", "the request body is too large"),
    415: ("UnsupportedMediaType", "the request body has the wrong content type"),
}


async def on_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return from_error(exc.status, exc.error, exc.headers)


async def on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error, summary = _HTTP_WORDS.get(exc.status_code, ("HTTPError", exc.detail or "error"))
    problems = []
    if exc.status_code == 405 and exc.headers and "Allow" in exc.headers:
        problems.append(Problem("method", f"{request.method} is not allowed here; allowed: {exc.headers['Allow']}"))
    elif exc.status_code == 404:
        problems.append(Problem("path", "see /openapi.json for the paths this service answers"))
    return problem(exc.status_code, error, summary, problems, dict(exc.headers or {}))


async def on_too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return problem(
        413,
        "PayloadTooLarge",
        "the request body is too large",
        [Problem("body", f"more than {exc.limit} bytes; this service takes at most {exc.limit} (govrules serve --max-body)")],
        {"Connection": "close"},
    )


async def on_bug(request: Request, exc: Exception) -> Response:
    # The last line: logged in full here, one line to the caller. No input should reach it.
    log.exception("internal error answering %s %s", request.method, request.url.path)
    return problem(500, "InternalError", f"internal error ({type(exc).__name__}); this is a bug in govrules, please report it", [])


def handlers() -> dict[Any, Any]:
    return {Refused: on_refused, HTTPException: on_http, BodyTooLarge: on_too_large, Exception: on_bug}
