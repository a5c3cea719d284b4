"""One piece of work done in a forked process while this one does another; its result or its exception handed back.

Why: once a province is scored, its summaries are written one after the
other by one process: summary.xlsx with ranking.csv (about half of it) and
the rest (summary.json, index.html and the target pages). Each half
reads the units and writes its own files, so on a second core the two go
side by side (:func:`.batch.write_summaries`); the files written are the same.

A forked child shares what the parent had at the fork, so whatever both
sides read after it must not depend on a shared position: the spilled
details are read with ``pread`` (:class:`.outcome.Spill`) and the child opens
its own connection to the units' database (:meth:`.unitstore.UnitStore.reopen_read_only`).
The child ignores Ctrl-C (the parent decides what an interruption does, and
stops the child) and ends with ``os._exit``, so nothing inherited (an open
workbook, say) is closed or written by it.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
from typing import Any, Callable


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """``work(tell)`` started in a forked child; :meth:`result` waits for it and returns what it returned, or raises what it raised.

    ``tell(value)`` hands the parent something before the work ends (what the
    parent needs part-way through its own); the parent takes it with :meth:`told`.
    """

    def __init__(self, work: Callable[[Callable[[Any], None]], Any]) -> None:
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        # Not a daemon: a daemonic process may not fork, and what the child writes might (a PDF renderer, say).
        self._process = ctx.Process(target=_child, args=(work, send))
        self._process.start()
        send.close()  # the child's end: EOF here if it dies without answering

    def _next(self) -> tuple[str, Any]:
        try:
            got: tuple[str, Any] = self._receive.recv()
        except EOFError:
            self._receive.close()
            self._process.join()
            raise RuntimeError(f"the process writing the summaries beside this one ended without an answer (exit code {self._process.exitcode})") from None
        if got[0] == "error":
            self._receive.close()
            self._process.join()
            raise got[1]
        return got

    def told(self) -> Any:
        """The next value the child handed over with ``tell``; raises what the child raised, if it failed first."""
        kind, value = self._next()
        if kind != "told":
            raise RuntimeError("the process writing the summaries beside this one ended without handing over what was expected")
        return value

    def result(self) -> Any:
        kind, value = self._next()
        while kind == "told":  # handed over but never asked for
            kind, value = self._next()
        self._receive.close()
        self._process.join()
        return value

    def stop(self) -> None:
        """Stop the child if it still runs (the parent failed or was interrupted); safe to call after :meth:`result`."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def _child(work: Callable[[Callable[[Any], None]], Any], send: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()  # what it inherited outlives its work: kept out of the collector's passes (as in a batch's workers)
    try:
        answer: tuple[str, Any] = ("ok", work(lambda value: send.send(("told", value))))
    except BaseException as exc:  # handed to the parent, which raises it
        answer = ("error", exc)
    try:
        send.send(answer)
    except Exception:  # an exception that cannot be pickled: its text
        exc = answer[1]
        send.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    send.close()


__all__ = ["Forked", "can_fork"]
