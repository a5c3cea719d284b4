"""``X-Request-ID``: every answer names the request it answers, for tracing across systems.

A client's (or its gateway's) ``X-Request-ID`` is echoed as given when it is
a plausible id: 1 to 200 visible ASCII characters. Otherwise, or when none is
sent, the service makes one (a UUID) and both answers with it and logs it
with any error, so a line in the server's log can be found from the answer.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_PLAUSIBLE = re.compile(rb"[!-~]{1,200}")


class RequestId:
    """ASGI middleware: echo a plausible ``X-Request-ID``, or make one; either way the answer carries it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = [v for k, v in scope.get("headers", ()) if k == b"x-request-id"]
        if len(given) == 1 and _PLAUSIBLE.fullmatch(given[0]):
            rid = given[0].decode("ascii")
        else:
            rid = uuid.uuid4().hex
            # The request as the handlers (and the error log) see it carries the id it is answered with.
            scope["headers"] = [(k, v) for k, v in scope.get("headers", ()) if k != b"x-request-id"] + [(b"x-request-id", rid.encode("ascii"))]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        await self.app(scope, receive, send_with_id)
