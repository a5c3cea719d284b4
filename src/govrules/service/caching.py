"""Validators for the answers that change only when the packs do: ``ETag`` and ``Cache-Control``.

The facts schema, the rubric, a pack's metadata, the contract and the form
pages are fixed for as long as a process serves the same packs. They go out
with a strong ``ETag`` (a hash of the exact bytes) and ``Cache-Control:
no-cache``: a client or proxy may keep them but asks again each time, and
is answered ``304 Not Modified`` with no body when its copy is current. Not
``max-age``: a pack upgraded and the service restarted must be seen at once,
and a revalidation costs one small request.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

CACHE_CONTROL = "no-cache"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    tags = [t.strip() for t in header.split(",")]
    # A weak comparison (RFC 9110 13.1.2): W/"x" matches "x" for GET.
    return "*" in tags or etag in tags or f"W/{etag}" in tags


def cached(request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None) -> Response:
    """``body`` with its validators, or 304 when the request's ``If-None-Match`` names it."""
    etag = etag_of(body)
    out = {**(headers or {}), "ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=out)
    return Response(body, media_type=media_type, headers=out)
