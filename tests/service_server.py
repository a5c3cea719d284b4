"""A real ``govrules serve`` on a free port of 127.0.0.1, for the contract and browser tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

GOVRULES = Path(sys.executable).parent / "govrules"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running(*args: str, timeout: float = 60) -> Iterator[str]:
    """``govrules serve --port P ARGS`` started and waited for; its base URL; stopped afterwards."""
    port = free_port()
    log = open(os.devnull, "wb")
    proc = subprocess.Popen([str(GOVRULES), "serve", "--host", "127.0.0.1", "--port", str(port), *args], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"govrules serve exited with {proc.returncode}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("govrules serve did not answer /healthz in time") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
