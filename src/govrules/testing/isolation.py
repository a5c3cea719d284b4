"""Running an assessment in a forked child, so that an engine crash is a test failure, not a dead test run.

durable_rules is C code: a bad input can kill the process (SIGSEGV) instead of
raising. :func:`run_isolated` runs a function in a ``fork()``-ed child and
reports whether it returned, raised (and what) or died (and by which signal).

:func:`engine_reads_small_numbers` probes once per process whether the
durable evaluator survives a number below 1e-4 (which Python writes in
exponent notation, ``5e-05``, and durable_rules 2.0.28 crashes on). The
strategies use it to keep such numbers out of the properties that run the
engine in-process; the ``engine_survives`` property runs every input in a
child and reports the crash itself.
"""

from __future__ import annotations

import faulthandler
import functools
import os
import signal
from decimal import Decimal
from typing import Any, Callable

import attrs

#: Below this magnitude (and above 0), Python writes a float in exponent notation.
EXPONENT_BELOW = Decimal("0.0001")

PROBE_PACK = """\
format: 1
pack: {id: probe, version: "1", title: probe, issuer: probe, source: probe}
targets: [{id: t, name: t, total: 1}]
facts: [{name: x, label: x, type: number}]
indicators:
  - {id: i, name: i, points: {t: 1}, rules: [{id: r, kind: shortfall, fact: x, threshold: 1, amount: 1, quote: q}]}
"""


@attrs.frozen
class Isolated:
    """How a function run in a child process ended."""

    status: str  # "returned", "raised", "crashed", "unavailable"
    detail: str = ""

    @property
    def crashed(self) -> bool:
        return self.status == "crashed"


def can_fork() -> bool:
    return hasattr(os, "fork")


def run_isolated(fn: Callable[[], Any]) -> Isolated:
    """Run ``fn()`` in a forked child; never raises for what happens in the child."""
    if not can_fork():
        return Isolated("unavailable", "os.fork is not available on this platform")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report through the pipe, never return into the caller's stack
        code = 0
        try:
            os.close(read)
            # A crash here is the expected, reported outcome: no fault dump on the shared stderr.
            faulthandler.disable()
            try:
                fn()
                message = b""
            except BaseException as exc:  # noqa: BLE001
                code = 1
                message = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}".encode("utf-8", "replace")
            os.write(write, message[:4000])
        finally:
            os._exit(code)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode("utf-8", "replace")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return Isolated("crashed", f"killed by {name}")
    if os.WEXITSTATUS(status) != 0:
        return Isolated("raised", text)
    return Isolated("returned", text)


@functools.lru_cache(maxsize=1)
def engine_reads_small_numbers() -> bool:
    """Whether the durable evaluator survives a number fact of 0.00005 (probed once, in a child)."""
    if not can_fork():
        return False

    def probe() -> None:
        from ..pack import load_pack_text

        load_pack_text(PROBE_PACK, "<probe>").assess({"facts": {"x": Decimal("0.00005")}})

    return run_isolated(probe).status == "returned"


def is_small(value: Decimal) -> bool:
    """A non-zero number Python would write as ``1e-05``: durable_rules 2.0.28 crashes on it."""
    return value != 0 and abs(value) < EXPONENT_BELOW
