"""Reading request bodies: the size limit, enforced while the body is read, and the content type.

The limit is checked twice: a ``Content-Length`` over it is answered 413
before a byte of the body is read, and a body sent without one (chunked)
is counted as it arrives and refused the moment it passes the limit, so a
client can never make the service hold more than ``limit`` bytes of one body.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InputError, Problem
from ..messages import text
from ..untrusted import shown
from .errors import BodyTooLarge, Refused, too_large

#: The default largest request body: an assessment is at most 4 MiB of JSON
#: (govrules.engine.inputs.MAX_JSON_SIZE); a batch workbook of a few hundred units is well under 8 MiB.
DEFAULT_MAX_BODY = 8 * 1024 * 1024


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes (413), counted while they are read."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            response = too_large("Content-Length", "serve.too_large_declared", size=declared, limit=self.limit)
            await response(scope, receive, send)
            return
        seen = 0
        limit = self.limit

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 19 else None
    return None


def shown_media(media: str) -> str:
    """A content type as a problem names it: quoted and bounded, or 未写明 when none was sent."""
    return shown(media, 80) if media else text("serve.no_media")


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def json_body(request: Request) -> bytes:
    """The body of a request that must be JSON; 415 for another content type."""
    media = media_type(request)
    if not is_json(media):
        raise Refused(
            415, InputError.coded("serve.not_json_summary", [Problem.coded("Content-Type", "serve.not_json", media=shown_media(media))])
        )
    return await request.body()
