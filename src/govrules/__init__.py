"""govrules: score Chinese 政务公开 assessment rubrics.

The stable API::

    import govrules

    registry = govrules.Registry.discover()        # installed packs
    pack = registry.get("datonghu_2023")           # or govrules.load_pack(path)
    result = pack.assess({"target": "xiangzhen", "facts": {...}})
    result.total, result.to_json()
    pack.facts_schema("xiangzhen")                 # JSON Schema for forms
    pack.assess_merged([part, part, ...])          # one unit's assessment in parts (docs/merging.md)
"""

__version__ = "0.1.0"

from . import speedups as _speedups  # noqa: E402

_speedups.install()  # before the rest: which modules are imported compiled (govrules/speedups.py)

from .errors import EngineError, FactsError, GovrulesError, PackError, PackNotFound, Problem  # noqa: E402
from .hookspecs import hookimpl  # noqa: E402
from .numbers import ROUNDING  # noqa: E402
from .pack import Pack, load_pack, load_pack_text  # noqa: E402
from .registry import BrokenPack, Registry  # noqa: E402


def __getattr__(name: str) -> object:
    # Result is imported on first use: loading packs does not need it (see govrules.pack).
    if name == "Result":
        from .engine.result import Result

        return Result
    raise AttributeError(f"module 'govrules' has no attribute {name!r}")

__all__ = [
    "__version__",
    "BrokenPack",
    "EngineError",
    "FactsError",
    "GovrulesError",
    "Pack",
    "PackError",
    "PackNotFound",
    "Problem",
    "ROUNDING",
    "Registry",
    "Result",
    "hookimpl",
    "load_pack",
    "load_pack_text",
]
