"""Finding packs: pluggy plugins registered through entry points.

A :class:`Registry` is built explicitly and holds no global state: build one
at start-up (``Registry.discover()``), share it between threads (it is
immutable), or build several with different plugins. A pack that fails to
import, to validate or to pass a plugin's checks is listed in
:attr:`Registry.broken` with its error; it never hides the others.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Iterable

import attrs
import pluggy

from . import hookspecs
from .errors import GovrulesError, PackError, PackNotFound, Problem
from .messages import text
from .kinds import Kinds, RuleKind
from .pack import Pack, build_pack, read_pack_file
from .rubric.yamlio import ParseCache
from .untrusted import closest


@attrs.frozen
class BrokenPack:
    """A pack (or a plugin) that could not be loaded, and why."""

    plugin: str
    where: str
    summary: str
    problems: tuple[Problem, ...] = ()

    def __str__(self) -> str:
        lines = [f"{self.plugin} ({self.where}): {self.summary}"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _build_in_order(sources: list[tuple[str, Any, str | None, str]], broken: list[BrokenPack], kinds: Kinds) -> dict[str, list[tuple[str, Pack]]]:
    """Build packs parents first, so a tailored pack finds the pack it extends."""
    provided: dict[str, list[tuple[str, Pack]]] = {}
    built: dict[str, Pack] = {}
    pending = list(sources)
    while pending:
        waiting = []
        for name, located, document, origin in pending:
            data = located.data if isinstance(located.data, dict) else {}
            parent = data.get("extends")
            if isinstance(parent, str) and parent not in built:
                waiting.append((name, located, document, origin))
                continue
            try:
                pack = build_pack(located, document, origin, built, kinds)
            except GovrulesError as exc:
                broken.append(BrokenPack(name, origin, exc.summary, exc.problems))
                continue
            except Exception as exc:  # a bug or a hostile file: this pack is broken, the others are not
                broken.append(BrokenPack(name, origin, _unexpected(exc)))
                continue
            provided.setdefault(pack.id, []).append((name, pack))
            built.setdefault(pack.id, pack)
        if len(waiting) == len(pending):
            for name, located, _, origin in waiting:
                parent = located.data.get("extends")
                broken.append(
                    BrokenPack(name, origin, f"extends {parent!r}, which is not installed, is broken, or extends it back")
                )
            break
        pending = waiting
    return provided


def _unexpected(exc: BaseException) -> str:
    """A one-line account of an exception govrules did not raise on purpose."""
    text = _printable(exc)
    return f"cannot be loaded: {type(exc).__name__}: {text}" if text else f"cannot be loaded: {type(exc).__name__}"


def _printable(value: object) -> str:
    """A plugin's exception or path as a line of a message: its own text (never failing), cut to 200 characters."""
    try:
        text = str(value)
    except Exception:
        text = object.__repr__(value)
    return text if len(text) <= 200 else text[:200] + "…"


def _plugin_manager() -> pluggy.PluginManager:
    from .kinds import plugin as builtin_kinds

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    # govrules' own rule kinds, through the same hook as anyone's.
    pm.register(builtin_kinds, name="govrules.kinds")
    return pm


def _entry_point_plugins(group: str, broken: list[BrokenPack]) -> list[tuple[str, str, Any]]:
    candidates: list[tuple[str, str, Any]] = []
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            candidates.append((ep.name, ep.value, ep.load()))
        except Exception as exc:  # a plugin that cannot import must not take the others down
            broken.append(BrokenPack(ep.name, ep.value, "cannot import: " + _unexpected(exc).removeprefix("cannot be loaded: ")))
    return candidates


def _register(pm: pluggy.PluginManager, candidates: list[tuple[str, str, Any]], broken: list[BrokenPack]) -> None:
    for name, where, obj in candidates:
        try:
            pm.register(obj, name=name)
            pm.check_pending()
        except Exception as exc:  # pluggy's PluginValidationError, ValueError, or anything a strange object raises
            try:
                if pm.is_registered(obj):
                    pm.unregister(obj)
            except Exception:
                pass
            broken.append(BrokenPack(name, where, f"invalid plugin: {_printable(exc)}"))


def _collect_kinds(pm: pluggy.PluginManager, broken: list[BrokenPack]) -> Kinds:
    """Every plugin's rule kinds; a plugin whose hook fails, or whose kind another plugin also names, is broken."""
    offered: dict[str, list[tuple[str, RuleKind]]] = {}
    for impl in pm.hook.govrules_rule_kinds.get_hookimpls():
        try:
            kinds = list(impl.function() or ())
            for kind in kinds:
                if not isinstance(kind, RuleKind):
                    raise TypeError(f"{kind!r} is not a govrules.kinds.RuleKind")
                getattr(kind, "name")
                getattr(kind, "model")
        except Exception as exc:
            broken.append(BrokenPack(impl.plugin_name, "govrules_rule_kinds()", "hook failed: " + _unexpected(exc).removeprefix("cannot be loaded: ")))
            continue
        for kind in kinds:
            offered.setdefault(kind.name, []).append((impl.plugin_name, kind))
    chosen: list[RuleKind] = []
    for name, offers in sorted(offered.items()):
        if len(offers) > 1:
            # Refuse them all: picking one would depend on plugin order.
            who = ", ".join(plugin for plugin, _ in offers)
            for plugin, _ in offers:
                broken.append(BrokenPack(plugin, "govrules_rule_kinds()", f"rule kind {name!r} is provided more than once: {who}"))
            continue
        chosen.append(offers[0][1])
    return Kinds(chosen)


def discover_kinds(group: str | None = None) -> tuple[Kinds, list[BrokenPack]]:
    """govrules' own rule kinds and every installed plugin's, and the plugins that could not provide theirs."""
    broken: list[BrokenPack] = []
    pm = _plugin_manager()
    _register(pm, _entry_point_plugins(group or hookspecs.ENTRY_POINT_GROUP, broken), broken)
    return _collect_kinds(pm, broken), broken


class Registry:
    """The packs available to an application."""

    def __init__(self, packs: Iterable[Pack] = (), broken: Iterable[BrokenPack] = (), kinds: Kinds | None = None):
        self._packs: dict[str, Pack] = {}
        self._broken = list(broken)
        #: The rule kinds the registry's packs may use: govrules' own and its plugins'.
        self.kinds = kinds if kinds is not None else Kinds.builtin()
        for pack in packs:
            if pack.id in self._packs:
                raise PackError(f"pack id {pack.id!r} is given twice", [Problem(pack.origin, f"also in {self._packs[pack.id].origin}")])
            self._packs[pack.id] = pack

    # ---------------------------------------------------------------- build

    @classmethod
    def discover(
        cls, group: str = hookspecs.ENTRY_POINT_GROUP, plugins: Iterable[tuple[str, Any]] = (), cache: ParseCache | None = None
    ) -> "Registry":
        """Build a registry from the installed entry points of ``group``, plus ``plugins`` given as (name, object).

        ``cache`` keeps the packs' parsed files between runs (the ``govrules``
        command uses :meth:`ParseCache.default`); every pack is validated and
        checked whether or not it comes from the cache.
        """
        pm = _plugin_manager()
        broken: list[BrokenPack] = []
        candidates = _entry_point_plugins(group, broken)
        candidates.extend((name, repr(obj), obj) for name, obj in plugins)
        _register(pm, candidates, broken)
        kinds = _collect_kinds(pm, broken)

        sources: list[tuple[str, Any, str | None, str]] = []
        for impl in pm.hook.govrules_packs.get_hookimpls():
            name = impl.plugin_name
            try:
                paths = list(impl.function() or ())
            except Exception as exc:
                broken.append(BrokenPack(name, "govrules_packs()", "hook failed: " + _unexpected(exc).removeprefix("cannot be loaded: ")))
                continue
            for path in paths:
                try:
                    located, document, origin = read_pack_file(Path(path), cache)
                except GovrulesError as exc:
                    broken.append(BrokenPack(name, str(path), exc.summary, exc.problems))
                    continue
                except Exception as exc:  # not a path, or a bug: this pack is broken, the others are not
                    broken.append(BrokenPack(name, _printable(path), _unexpected(exc)))
                    continue
                sources.append((name, located, document, origin))

        provided = _build_in_order(sources, broken, kinds)
        packs: list[Pack] = []
        for pack_id, offers in sorted(provided.items()):
            if len(offers) > 1:
                # Refuse them all: picking one would depend on plugin order.
                who = ", ".join(f"{n} ({p.origin})" for n, p in offers)
                for n, p in offers:
                    broken.append(BrokenPack(n, p.origin, f"pack id {pack_id!r} is provided more than once: {who}"))
                continue
            name, pack = offers[0]
            problems: list[Problem] = []
            for impl in pm.hook.govrules_check_pack.get_hookimpls():
                try:
                    problems.extend(impl.function(pack=pack) or ())
                except Exception as exc:
                    problems.append(Problem(impl.plugin_name, f"check failed: {type(exc).__name__}: {_printable(exc)}"))
            if problems:
                broken.append(BrokenPack(name, pack.origin, "rejected by a plugin's checks", tuple(problems)))
                continue
            packs.append(pack)
        return cls(packs, broken, kinds)

    # ---------------------------------------------------------------- query

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._packs))

    @property
    def packs(self) -> tuple[Pack, ...]:
        return tuple(self._packs[i] for i in self.ids)

    @property
    def broken(self) -> tuple[BrokenPack, ...]:
        return tuple(self._broken)

    def get(self, pack_id: str) -> Pack:
        """The pack with this id, or :class:`PackNotFound` saying what exists (and what is broken)."""
        pack = self._packs.get(pack_id)
        if pack is not None:
            return pack
        problems = [Problem.coded(text("registry.installed"), "registry.installed_ids", ids="、".join(self.ids)) if self.ids else Problem.coded(text("registry.installed"), "registry.none_installed")]
        close = closest(pack_id, list(self._packs)) if isinstance(pack_id, str) else None
        if close is not None:
            problems.insert(0, Problem(text("registry.did_you_mean"), close, code="registry.did_you_mean"))
        for b in self._broken:
            problems.append(Problem(text("registry.broken", plugin=b.plugin), b.summary, code="registry.broken"))
        raise PackNotFound.coded("registry.no_pack", problems, pack=repr(pack_id))

    def __getitem__(self, pack_id: str) -> Pack:
        return self.get(pack_id)

    def __contains__(self, pack_id: object) -> bool:
        return pack_id in self._packs

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.packs)
