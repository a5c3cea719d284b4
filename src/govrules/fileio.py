"""Writing bytes to an open file descriptor: what the batch's unit files and the YAML cache's files share."""

from __future__ import annotations

import os


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd``: ``os.write`` may write fewer than it was given (a full pipe, a signal)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


__all__ = ["write_all"]
