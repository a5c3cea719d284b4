"""The hooks a govrules plugin may implement.

Packs are plugins: a pack distribution declares an entry point in the
``govrules.packs`` group that names a module (or object) implementing some of
these hooks with :data:`hookimpl`. The core never imports a pack by name.

Every hook is called once per plugin, and results are combined without regard
to the order plugins were found in: no hook may rely on running before or
after another plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from .errors import Problem
    from .pack import Pack

PROJECT = "govrules"
ENTRY_POINT_GROUP = "govrules.packs"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def govrules_packs() -> "list[str | Path]":
    """Return the pack files this plugin provides.

    Contract:

    * return a list of paths, each to a pack file (``rubric.yaml``) or to a
      directory holding one; return an empty list to provide none;
    * do not read or parse the files: the registry does, so that a broken
      pack is reported with its file and line and does not hide the others;
    * be cheap and free of side effects: it runs whenever a registry is built.
    """


@hookspec
def govrules_check_pack(pack: "Pack") -> "list[Problem]":
    """Check a loaded pack against rules of your own (a county's house style, say).

    Contract:

    * called once for every pack in the registry, after it loaded cleanly;
    * return a list of :class:`~govrules.errors.Problem` (empty if the pack is
      fine); a pack with any problem is listed as broken, with them;
    * do not modify the pack; do not depend on other plugins' checks.
    """
