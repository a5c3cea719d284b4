"""Compiled speed-ups: the hot modules are also built as C extensions by Cython, from the same source.

The modules in :data:`COMPILED` are plain Python, and the build (``setup.py``)
also compiles each of them with Cython, unchanged: no types are added, and
``annotation_typing`` is off, so the compiled module means exactly what
CPython makes of the source (Cython would otherwise read ``x: float`` as a C
double). One thing CPython allows and a compiled module does not: ``super()``
without arguments in a method of an attrs class (attrs replaces the class,
and cannot move a compiled method's ``__class__`` cell to the new one); such
a module names the base class instead (a test checks). The same inputs give
the same results, byte for byte
(``tests/test_speedups.py`` checks the recorded results both ways); the
compiled engine takes about three quarters of the time (docs/performance.md).

A compiled module is imported only when it was compiled from the source now
beside it: the build records each source's SHA-256 in ``_compiled.json``,
and :func:`install` (run first thing by ``import govrules``) has the ``.py``
imported instead of an extension built from another version of it, as an
editable install's would be after its source is edited. With
``GOVRULES_PURE_PYTHON=1`` in the environment every module is imported from
its source (for a debugger, coverage, or to compare). A machine without a C
compiler gets no extensions at all, and pure Python. :func:`status` says
which modules run compiled.

Only the standard library is imported here: this runs before the rest of govrules.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

#: The modules compiled by the build: the assessment's path (``Pack.assess`` and its decimal context, validating
#: and its text checks, durable_rules' records, findings, scoring, the result and its JSON) and the batch's per-unit outputs.
COMPILED = (
    "govrules.pack",
    "govrules.numbers",
    "govrules.untrusted",
    "govrules.engine.inputs",
    "govrules.engine.wellformed",
    "govrules.engine.inference.durable",
    "govrules.engine.findings",
    "govrules.engine.rowcache",
    "govrules.engine.scoring",
    "govrules.engine.result",
    "govrules.engine.jsontext",
    "govrules.engine.recoverable",
    "govrules.outputs.fastsheet",
)

#: Set to 1 to import every module from its source.
PURE_ENV = "GOVRULES_PURE_PYTHON"

#: Written by the build beside this module: each compiled module's source hash.
MANIFEST = "_compiled.json"

_HERE = Path(__file__).resolve().parent
_status: dict[str, str] = {}


def source_of(module: str) -> Path:
    """The ``.py`` file of one of :data:`COMPILED`."""
    return _HERE.joinpath(*module.split(".")[1:]).with_suffix(".py")


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _extension_of(module: str) -> Path | None:
    base = source_of(module).with_suffix("")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = base.with_name(base.name + suffix)
        if candidate.is_file():
            return candidate
    return None


class _FromSource(importlib.abc.MetaPathFinder):
    """Imports the named modules from their ``.py``, ahead of an extension beside it."""

    def __init__(self, names: Sequence[str]):
        self.names = frozenset(names)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name not in self.names:
            return None
        return importlib.util.spec_from_file_location(name, source_of(name))


def install() -> None:
    """Decide, once per process, which of :data:`COMPILED` are imported compiled (see the module's docs)."""
    if _status:
        return
    pure = os.environ.get(PURE_ENV, "") not in ("", "0")
    try:
        recorded = json.loads((_HERE / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    from_source = []
    for module in COMPILED:
        if _extension_of(module) is None:
            _status[module] = "source (not compiled)"
        elif pure:
            _status[module] = f"source ({PURE_ENV})"
            from_source.append(module)
        elif not isinstance(recorded, dict) or recorded.get(module) != source_hash(source_of(module)):
            _status[module] = "source (its extension was compiled from another version of it)"
            from_source.append(module)
        else:
            _status[module] = "compiled"
    if from_source:
        sys.meta_path.insert(0, _FromSource(from_source))


def status() -> dict[str, str]:
    """Each of :data:`COMPILED` and how it is imported: ``compiled``, or ``source (why)``."""
    install()
    return dict(_status)


def compiled() -> bool:
    """Whether every module of :data:`COMPILED` is imported compiled."""
    return all(v == "compiled" for v in status().values())
