"""The access log: one line per request, with the request id that answered it.

uvicorn's own access line has no ``X-Request-ID``, so a line in the server's
log could not be found from an answer a client kept. ``govrules serve``
turns uvicorn's line off and this middleware writes one instead, on the
``govrules.access`` logger, at INFO::

    127.0.0.1:50312 - "POST /packs/datonghu_2023/assess HTTP/1.1" 200 2817B 3.4ms id=9f1c…

The client is the connection's peer, or the address a trusted proxy names in
``X-Forwarded-For`` (``govrules serve --forwarded-allow-ips``: uvicorn
rewrites the request's client before it reaches the app). The path is as the
client sent it (anything but visible ASCII written as ``\\xNN``: no line
break or terminal escape from a request reaches the log), the size is the body's bytes, the time runs from the request's
arrival at the app to the last byte of its answer. A request the app fails
on (an internal error: Starlette's outermost handler answers it 500, outside
every middleware) is logged 500, with its id.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("govrules.access")


#: Visible ASCII but the quote and the backslash: written as is (most requests, all of whose URLs are percent-encoded).
_PLAIN = re.compile(rb"[!#-\\[\\]-~]*")


def _printable(raw: bytes) -> str:
    """Bytes from the request as one line of visible ASCII, the log line's quotes unambiguous: anything else as ``\\xNN``."""
    if _PLAIN.fullmatch(raw):
        return raw.decode("ascii")
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b not in (0x22, 0x5C) else f"\\x{b:02x}" for b in raw)


def _target(scope: Scope) -> str:
    """The path and query as the client sent them (uvicorn puts ``--root-path`` in front of the path, as its own line showed it)."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes):  # a server that does not give it: the decoded path, encoded again
        raw = scope.get("path", "").encode("utf-8", "backslashreplace")
    query = scope.get("query_string", b"")
    return _printable(raw + (b"?" + query if query else b""))


class AccessLog:
    """ASGI middleware: log each HTTP request's answer (status, size, time) with its ``X-Request-ID``."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        answer: dict[str, Any] = {"status": "-", "size": 0, "id": ""}

        async def measured(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                for key, value in message.get("headers", ()):
                    if key.lower() == b"x-request-id":
                        answer["id"] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                answer["size"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, measured)
        except Exception:
            if answer["status"] == "-":
                answer["status"] = 500  # what Starlette's outermost handler answers it
            raise
        finally:
            # (Cancelled before an answer began, the client gone: status "-".)
            if not answer["id"]:
                # Not answered (an internal error: Starlette answers it outside every middleware):
                # the id the request carries, which is the one its 500 answer names.
                given = [v for k, v in scope.get("headers", ()) if k == b"x-request-id"]
                answer["id"] = _printable(given[-1][:200]) if given else "-"
            if log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                who = f"{client[0]}:{client[1]}" if client else "-"
                log.info(
                    '%s - "%s %s HTTP/%s" %s %dB %.1fms id=%s',
                    who,
                    _printable(scope.get("method", "").encode("latin-1", "backslashreplace")),
                    _target(scope),
                    _printable(scope.get("http_version", "1.1").encode("latin-1", "backslashreplace")),
                    answer["status"],
                    answer["size"],
                    (time.perf_counter() - start) * 1000,
                    answer["id"],
                )


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration for ``govrules serve``: uvicorn's own, with govrules' loggers in its format.

    The access lines (``govrules.access``) go to standard output, where uvicorn's
    went; the service's own messages (an internal error's traceback, on
    ``govrules.service``) to standard error with uvicorn's. uvicorn's access
    line is turned off where this is used (``access_log=False``): this
    module's line replaces it.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["handlers"]["govrules.access"] = {"formatter": "default", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    config["loggers"]["govrules"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["loggers"]["govrules.access"] = {"handlers": ["govrules.access"], "level": "INFO", "propagate": False}
    return config
