"""The pages people open: the list of packs at ``/``, a target's form, the API docs.

Every asset is served by the package itself (government intranets have no
Internet): the form's plain JavaScript and CSS from ``assets/``, Swagger UI
from the ``swagger-ui-py`` wheel. No build step, no CDN. The pages are
Jinja2 templates with autoescape on, like the score sheets.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .caching import cached
from .routes import pack_of, registry_of, target_of

ASSETS = Path(__file__).parent / "assets"
TEMPLATES = Path(__file__).parent / "templates"

#: The pages load nothing from elsewhere, and nothing may be injected into them.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]), keep_trailing_newline=True)


def root_path(request: Request) -> str:
    """The path prefix the service is reached under: ``--root-path`` behind a proxy, or where an ASGI app mounted it; else ""."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _page(request: Request, name: str, **context: object) -> Response:
    # The same packs give the same page: validated by its ETag (service/caching.py). Every link and
    # asset carries the root path, so the pages work under a proxy's prefix as at "/".
    page = _env().get_template(name).render(root=root_path(request), **context)
    return cached(request, page.encode("utf-8"), "text/html; charset=utf-8", PAGE_HEADERS)


async def index(request: Request) -> Response:
    registry = registry_of(request)
    return _page(request, "index.html", packs=registry.packs, broken=registry.broken)


async def form(request: Request) -> Response:
    p = pack_of(request)
    target = target_of(request, p)
    view = p.view(target)
    return _page(request, "form.html", pack=p, target=view.target)


def swagger_folder() -> Path | None:
    """Swagger UI's files from the swagger-ui-py wheel, or None when it is not installed.

    Swagger UI 5 (swagger-ui-py ships 5.24): the contract is OpenAPI 3.1,
    which Swagger UI 4 (the swagger-ui-bundle wheel's) cannot render. Found
    without importing the package, which would import its framework handlers.
    """
    spec = importlib.util.find_spec("swagger_ui")
    for place in (spec.submodule_search_locations or []) if spec is not None else []:
        folder = Path(place) / "static"
        if (folder / "swagger-ui-bundle.js").is_file():
            return folder
    return None


async def docs(request: Request) -> Response:
    if swagger_folder() is None:
        return _page(request, "nodocs.html")
    return HTMLResponse(
        _env().get_template("docs.html").render(root=root_path(request)),
        headers={**PAGE_HEADERS, "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'"},
    )
