"""Every answer that is not a result: a problem document, never a traceback.

An error answer has the shape of :meth:`govrules.GovrulesError.to_dict`
(``error``, ``summary``, ``problems`` of ``{where, message}``) plus the HTTP
``status``, served as ``application/problem+json``. Which status:

* 400 — the body cannot be read as JSON (or as the upload it claims to be);
* 404 — no such pack or target (with did-you-mean), no such path;
* 405 / 406 / 413 / 415 — wrong method, unknown format, body over the limit (or a form of over 1,000 fields), wrong content type;
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

from ..errors import GovrulesError, InputError, Problem
from ..messages import text
from ..untrusted import shown, strip_controls

log = logging.getLogger("govrules.service")

PROBLEM_TYPE = "application/problem+json"


class Refused(Exception):
    """An answer other than 2xx, decided by the service: a status and the error it reports."""

    def __init__(self, status: int, error: GovrulesError, headers: dict[str, str] | None = None):
        super().__init__(error.summary)
        self.status = status
        self.error = error
        self.headers = headers or {}


class PayloadTooLarge(InputError):
    """A request over a limit other than the body's size (a form's number of fields): answered 413 under the same name."""


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


#: Starlette's own refusals: the error type and the catalogue's summary (office staff read them in the form).
_HTTP_WORDS = {
    400: ("BadRequest", "serve.bad_request_summary"),
    404: ("NotFound", "serve.not_found_summary"),
    405: ("MethodNotAllowed", "serve.method_summary"),
    406: ("NotAcceptable", "serve.not_acceptable_summary"),
    413: ("PayloadTooLarge", "serve.too_large_summary"),
    415: ("UnsupportedMediaType", "serve.wrong_media_summary"),
}


def too_large(where: str, code: str, **params: object) -> Response:
    """413, from the declared length or while counting the body; the connection is closed (the rest is not read)."""
    return problem(413, "PayloadTooLarge", text("serve.too_large_summary"), [Problem.coded(where, code, **params)], {"Connection": "close"})


async def on_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return from_error(exc.status, exc.error, exc.headers)


async def on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error, code = _HTTP_WORDS.get(exc.status_code, ("HTTPError", "serve.http_error_summary"))
    problems = []
    if exc.status_code == 405 and exc.headers and "Allow" in exc.headers:
        problems.append(Problem.coded("method", "serve.method", method=request.method, allowed=exc.headers["Allow"]))
    elif exc.status_code == 404:
        path = request.url.path
        if len(path) > 1 and path.endswith("/"):
            # Not redirected (app.py): a client that does not follow redirects (Java's HttpClient) would read a bare 307.
            problems.append(Problem.coded("path", "serve.trailing_slash", path=shown(path.rstrip("/"))))
        from .pages import root_path  # (here: pages imports routes, which import this module)

        problems.append(Problem.coded("path", "serve.not_found", root=root_path(request)))
    summary = text(code, method=request.method, status=exc.status_code)
    return problem(exc.status_code, error, summary, problems, dict(exc.headers or {}))


async def on_too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return too_large("body", "serve.too_large_read", limit=exc.limit)


async def on_bug(request: Request, exc: Exception) -> Response:
    # The last line: logged in full here, one line to the caller. No input should reach it.
    # Starlette answers this from outside every middleware, RequestId's too, so the id is set here: the
    # request carries the one it is answered with (RequestId put it there when it made one).
    rid = request.headers.get("x-request-id", "-")
    log.exception("internal error answering %s %s (request %s)", request.method, request.url.path, rid)
    return problem(500, "InternalError", text("serve.internal_summary", kind=type(exc).__name__), [], {"X-Request-ID": rid} if rid != "-" else None)


def handlers() -> dict[Any, Any]:
    return {Refused: on_refused, HTTPException: on_http, BodyTooLarge: on_too_large, Exception: on_bug}
