"""pytest plugin: ``pytest --govrules-pack ID_OR_PATH`` runs the conformance kit on a pack.

Registered through the ``pytest11`` entry point, so it is active wherever
govrules is installed; it does nothing unless ``--govrules-pack`` is given.
For each pack (an installed id, a ``rubric.yaml``, a pack directory, or
``all`` for every installed pack), every target and every property of
:data:`govrules.testing.PROPERTIES`, one test item is added::

    pytest --govrules-pack datonghu_2023
    pytest --govrules-pack packs/mycounty/src/govrules_pack_mycounty/rubric.yaml -k results
    pytest --govrules-pack all --govrules-max-examples 500

Examples follow the loaded hypothesis profile (``max_examples`` etc.) unless
``--govrules-max-examples`` says otherwise. A failure shows the shrunk input
in pack terms: the input JSON, each fact with its label and the items using
it, and the items and rules (with the document's words) involved.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from hypothesis import settings as Settings

from ..errors import GovrulesError
from ..pack import Pack
from ..registry import Registry
from .properties import PROPERTIES, format_failure, resolve_pack, run_property


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("govrules", "govrules pack conformance")
    group.addoption(
        "--govrules-pack",
        action="append",
        default=[],
        metavar="ID_OR_PATH",
        help="run the govrules conformance kit on this pack: an installed pack id, a rubric.yaml or pack directory, "
        "or 'all' for every installed pack (repeatable)",
    )
    group.addoption(
        "--govrules-property",
        action="append",
        default=[],
        metavar="NAME",
        help=f"only these conformance properties (repeatable; default all: {', '.join(PROPERTIES)})",
    )
    group.addoption(
        "--govrules-max-examples",
        type=int,
        default=None,
        metavar="N",
        help="hypothesis examples per property and target (default: the loaded hypothesis profile's max_examples)",
    )


def _packs(config: pytest.Config) -> Iterator[Pack]:
    refs: list[str] = config.getoption("govrules_pack") or []
    registry: Registry | None = None
    seen: set[str] = set()
    for ref in refs:
        if ref == "all":
            registry = registry or Registry.discover()
            chosen = list(registry.packs)
        else:
            try:
                chosen = [resolve_pack(ref, registry)]
            except GovrulesError as exc:
                raise pytest.UsageError(f"--govrules-pack {ref}: {exc}") from None
        for pack in chosen:
            if pack.id not in seen:
                seen.add(pack.id)
                yield pack


class ConformanceItem(pytest.Item):
    """One property of the conformance kit, on one target of one pack."""

    def __init__(self, *, pack: Pack, target: str, prop: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.pack = pack
        self.target = target
        self.prop = prop
        self.add_marker(pytest.mark.govrules)

    def runtest(self) -> None:
        examples = self.config.getoption("govrules_max_examples")
        settings = Settings(max_examples=examples) if examples else None
        run_property(self.pack, self.target, self.prop, settings=settings)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:  # type: ignore[override]
        if self.config.getoption("tbstyle", "auto") == "long":
            return super().repr_failure(excinfo)
        head = f"{self.pack.id} / {self.target} / {self.prop}: {PROPERTIES[self.prop].doc}"
        return head + "\n\n" + format_failure(excinfo.value)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.pack.origin, None, f"govrules conformance: {self.pack.id} / {self.target} / {self.prop}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "govrules: a govrules pack conformance test (added by --govrules-pack)")


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselection, so they apply to our items too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("govrules_pack"):
        return
    wanted = config.getoption("govrules_property") or list(PROPERTIES)
    unknown = [p for p in wanted if p not in PROPERTIES]
    if unknown:
        raise pytest.UsageError(f"--govrules-property: unknown {', '.join(unknown)}; known: {', '.join(PROPERTIES)}")
    for pack in _packs(config):
        for target in pack.targets:
            for prop in wanted:
                if not PROPERTIES[prop].applies_to(pack, target):
                    continue
                name = f"govrules[{pack.id}/{target}/{prop}]"
                items.append(ConformanceItem.from_parent(session, name=name, nodeid=name, pack=pack, target=target, prop=prop))
