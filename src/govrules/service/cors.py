"""CORS: which other origins' pages may call the API from a browser (``govrules serve --cors-origin``).

Starlette's ``CORSMiddleware`` does the work; a preflight it refuses is
answered, like every other refusal, as problem JSON in Chinese naming what
was refused (the origin, the method, a header), not as its English
``Disallowed CORS origin`` text.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from ..errors import Problem
from ..messages import text
from ..untrusted import shown
from .errors import problem

#: What a page on an allowed origin may send and read: the methods the API has, the headers a client sets (JSON or an
#: upload, the format, its request id, a cached copy's tag) and those it reads back (the request id, the tag, a sheet's file name).
SETTINGS: dict[str, Any] = {
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["Content-Type", "Accept", "X-Request-ID", "If-None-Match"],
    "expose_headers": ["X-Request-ID", "ETag", "Content-Disposition"],
    "max_age": 600,
}


class Cors(CORSMiddleware):
    """Starlette's CORS middleware with our settings, its refused preflights answered as problem JSON."""

    def __init__(self, app: Any, origins: list[str]):
        super().__init__(app, allow_origins=origins, **SETTINGS)

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code < 400:
            return answer
        # Starlette's refusal names each check that failed, in its text ("Disallowed CORS origin, headers").
        failed = bytes(answer.body).decode("latin-1").removeprefix("Disallowed CORS ").split(", ")
        problems = []
        if "origin" in failed:
            problems.append(Problem.coded("Origin", "serve.cors_origin", origin=shown(request_headers.get("origin"))))
        if "method" in failed:
            problems.append(
                Problem.coded("Access-Control-Request-Method", "serve.cors_method", method=shown(request_headers.get("access-control-request-method")), allowed="、".join(SETTINGS["allow_methods"]))
            )
        if "headers" in failed:
            problems.append(
                Problem.coded("Access-Control-Request-Headers", "serve.cors_headers", headers=shown(request_headers.get("access-control-request-headers")), allowed="、".join(SETTINGS["allow_headers"]))
            )
        if "private-network" in failed:
            problems.append(Problem.coded("Access-Control-Request-Private-Network", "serve.cors_private_network"))
        keep = {k: v for k, v in answer.headers.items() if k.lower().startswith("access-control-") or k.lower() == "vary"}
        return problem(answer.status_code, "CorsRefused", text("serve.cors_refused_summary"), problems, keep)
