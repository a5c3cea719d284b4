"""The rule kinds a registry knows, and the pack schema they make together."""

from __future__ import annotations

import difflib
import functools
from typing import Annotated, Iterable, Iterator, Mapping, Union

from pydantic import Field

from ..errors import PackError, Problem
from .base import RuleKind


class Kinds(Mapping[str, RuleKind]):
    """An immutable set of rule kinds, by name.

    A :class:`~govrules.Registry` builds one from every plugin's
    ``govrules_rule_kinds`` hook; :meth:`builtin` holds govrules' own. The
    pack schema (:attr:`spec_model`) is built from it, so a pack may use
    exactly the kinds its registry knows.
    """

    def __init__(self, kinds: Iterable[RuleKind]):
        by_name: dict[str, RuleKind] = {}
        problems = []
        for kind in kinds:
            if not isinstance(kind, RuleKind):
                problems.append(Problem(repr(kind), "a rule kind is a govrules.kinds.RuleKind"))
                continue
            if kind.name in by_name and type(by_name[kind.name]) is not type(kind):
                problems.append(Problem(kind.name, f"two plugins define rule kind {kind.name!r}: {by_name[kind.name]!r} and {kind!r}"))
                continue
            by_name[kind.name] = kind
        if problems:
            raise PackError("rule kinds conflict", problems)
        self._kinds = dict(sorted(by_name.items()))

    @classmethod
    def builtin(cls) -> "Kinds":
        """govrules' own kinds."""
        from . import BUILTIN

        return BUILTIN

    @classmethod
    def installed(cls, group: str | None = None) -> "Kinds":
        """govrules' own kinds and those of every installed plugin (entry points of ``group``).

        A plugin that cannot be imported, or whose hook fails or clashes, is
        left out here; :meth:`govrules.Registry.discover` lists it as broken.
        """
        from ..registry import discover_kinds

        kinds, _broken = discover_kinds(group)
        return kinds

    def __getitem__(self, name: str) -> RuleKind:
        return self._kinds[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def __repr__(self) -> str:
        return f"<Kinds {', '.join(self._kinds)}>"

    def suggest(self, name: str) -> str:
        """A did-you-mean for an unknown kind, and the list of known ones."""
        close = difflib.get_close_matches(str(name), list(self._kinds), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{hint}the rule kinds are {', '.join(self._kinds)}"

    @functools.cached_property
    def spec_model(self) -> type:
        """The pack schema (:class:`~govrules.rubric.model.PackSpec`) with these kinds' rules."""
        return _spec_model(tuple(type(k).model for k in self._kinds.values()))


@functools.lru_cache(maxsize=32)
def _spec_model(models: tuple[type, ...]) -> type:
    # Keyed by the rule models, so registries with the same kinds share one
    # schema (building pydantic models costs start-up time); nothing else is kept.
    from ..rubric import model as m

    union = models[0] if len(models) == 1 else Annotated[Union[models], Field(discriminator="kind")]  # type: ignore[valid-type]
    return m.pack_spec_with(union)
