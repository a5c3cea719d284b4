"""The ASGI application: routes, error handlers, the body limit.

``create_app(registry, max_body=…)`` builds one; ``app_from_environment()``
is the factory uvicorn calls in each worker process (``govrules serve
--workers N``): every worker discovers the packs itself and shares nothing
with the others (durable_rules keeps its rulesets in C memory, per process).
"""

from __future__ import annotations

import json
import os
from typing import Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..registry import Registry
from . import pages, routes
from .accesslog import AccessLog
from .body import DEFAULT_MAX_BODY, BodyLimit
from .caching import cached
from .cors import Cors
from .errors import handlers
from .openapi import document
from .requestid import RequestId

#: Environment variable carrying --max-body to the worker processes.
MAX_BODY_ENV = "GOVRULES_SERVE_MAX_BODY"
#: Environment variable carrying the --cors-origin values (space-separated) to the worker processes.
CORS_ENV = "GOVRULES_SERVE_CORS_ORIGINS"


def create_app(registry: Registry | None = None, *, max_body: int = DEFAULT_MAX_BODY, cors_origins: Sequence[str] = ()) -> Starlette:
    """The service over ``registry`` (default: the installed packs), refusing bodies over ``max_body`` bytes.

    ``cors_origins``: the origins (``https://portal.example``, or ``*``) whose pages may call the API from
    the browser (CORS); none by default, so only the service's own pages can.
    """
    registry = registry if registry is not None else Registry.discover()
    # One per root path the service is reached under: in practice one, which the server sets (uvicorn's
    # --root-path, or an app mounting this one). A few are kept, in case some server took it from requests.
    contracts = {"": json.dumps(document(registry, max_body), ensure_ascii=False).encode("utf-8")}

    async def openapi(request: Request) -> Response:
        root = pages.root_path(request)
        contract = contracts.get(root)
        if contract is None:
            contract = json.dumps(document(registry, max_body, root), ensure_ascii=False).encode("utf-8")
            if len(contracts) < 8:
                contracts[root] = contract
        return cached(request, contract, "application/json")

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)  # browsers ask for one; there is none

    table = [
        Route("/", pages.index, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/healthz", routes.healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/docs", pages.docs, methods=["GET"]),
        Route("/packs", routes.packs, methods=["GET"]),
        Route("/packs/{pack_id}", routes.pack, methods=["GET"]),
        Route("/packs/{pack_id}/rubric", routes.rubric, methods=["GET"]),
        Route("/packs/{pack_id}/assess", routes.assess, methods=["POST"]),
        Route("/packs/{pack_id}/assess/merged", routes.assess_merged, methods=["POST"]),
        Route("/packs/{pack_id}/batch", routes.batch, methods=["POST"]),
        Route("/packs/{pack_id}/cohort", routes.cohort, methods=["POST"]),
        Route("/packs/{pack_id}/targets/{target}/schema", routes.facts_schema, methods=["GET"]),
        Route("/packs/{pack_id}/targets/{target}/rubric", routes.rubric, methods=["GET"]),
        Route("/packs/{pack_id}/targets/{target}/assess", routes.assess, methods=["POST"]),
        Route("/packs/{pack_id}/targets/{target}/assess/merged", routes.assess_merged, methods=["POST"]),
        Route("/packs/{pack_id}/targets/{target}/form", pages.form, methods=["GET"]),
        Mount("/assets", StaticFiles(directory=str(pages.ASSETS), html=False), name="assets"),
    ]
    swagger = pages.swagger_folder()
    if swagger is not None:
        table.append(Mount("/docs/assets", StaticFiles(directory=str(swagger)), name="swagger"))
    # Outermost the log (every answer, a preflight's too), then the request id (on every answer, a preflight's too);
    # then CORS, before anything reads a body: a preflight is answered there, and every answer, a refusal too, says who may read it.
    middleware = [Middleware(AccessLog), Middleware(RequestId)]
    if cors_origins:
        middleware.append(Middleware(Cors, origins=list(cors_origins)))
    middleware.append(Middleware(BodyLimit, limit=max_body))
    app = Starlette(routes=table, middleware=middleware, exception_handlers=handlers())
    # A path with a slash too many is a 404 naming the right one, not Starlette's bare 307: Java's HttpClient does not
    # follow redirects unless told to, and a POST redirected by some clients loses its body.
    app.router.redirect_slashes = False
    app.state.registry = registry
    app.state.max_body = max_body
    return app


def app_from_environment() -> Starlette:
    """The factory uvicorn calls in each worker: the installed packs, the limit and the CORS origins from the environment."""
    raw = os.environ.get(MAX_BODY_ENV, "")
    return create_app(max_body=int(raw) if raw.isdigit() else DEFAULT_MAX_BODY, cors_origins=os.environ.get(CORS_ENV, "").split())
