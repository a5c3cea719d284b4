"""The build of govrules' compiled speed-ups (see govrules/speedups.py); everything else is in pyproject.toml.

Each module of ``speedups.COMPILED`` is compiled by Cython from its unchanged
source into an optional extension: where it cannot be compiled (no C
compiler), the build goes on and govrules runs it as Python. The source hash
of each is written to ``src/govrules/_compiled.json``, so that an extension is
only ever imported beside the source it was compiled from.
"""

import importlib.util
import json
import os
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent


def speedups():
    """govrules/speedups.py, loaded alone (it imports only the standard library; govrules' dependencies are not installed while it builds)."""
    spec = importlib.util.spec_from_file_location("govrules_speedups", HERE / "src" / "govrules" / "speedups.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extensions() -> list:
    s = speedups()
    manifest = HERE / "src" / "govrules" / s.MANIFEST
    if os.environ.get(s.PURE_ENV, "") not in ("", "0"):  # a build of pure Python, asked for
        manifest.unlink(missing_ok=True)
        return []
    from Cython.Build import cythonize

    hashes = {m: s.source_hash(s.source_of(m)) for m in s.COMPILED}
    manifest.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    found = [Extension(m, [str(s.source_of(m).relative_to(HERE))], optional=True) for m in s.COMPILED]
    # annotation_typing off: the compiled code means what CPython makes of the source (no annotation becomes a check or a C type).
    return cythonize(found, compiler_directives={"language_level": 3, "annotation_typing": False, "binding": True}, quiet=True, nthreads=os.cpu_count() or 1)


setup(ext_modules=extensions())
