"""The hooks a govrules plugin may implement.

Packs and rule kinds are plugins: a distribution declares an entry point in
the ``govrules.packs`` group that names a module (or object) implementing some
of these hooks with :data:`hookimpl`. The core never imports a pack by name,
and never names a rule kind: its own kinds (:mod:`govrules.kinds`) are
registered through :func:`govrules_rule_kinds` like anyone else's.

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
    from .kinds import RuleKind
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


@hookspec
def govrules_rule_kinds() -> "list[RuleKind]":
    """Return the rule kinds this plugin provides (``kind:`` values a pack's rules may use).

    Contract:

    * return a list of :class:`~govrules.kinds.RuleKind` instances, each with a
      ``name`` no other plugin uses (two plugins naming the same kind are both
      listed as broken: which one won would depend on plugin order) and a
      ``model`` subclassing :class:`~govrules.rubric.model.RuleSpec` with
      ``kind: Literal[name]``;
    * a kind is stateless and owns everything about itself: schema, load-time
      checks, trigger, effects, explanation, wording and conformance checks
      (see :mod:`govrules.kinds.base`); it never changes the rules it is given;
    * a *cohort* kind (``cohort = True``: scored against the other units of
      the target assessed together) names each unit's figure
      (``cohort_figure``) and provides one pure function from the cohort's
      figures to each unit's outcome (``cohort_effects``); the evaluators never
      run it, and a unit assessed alone leaves its row not checked;
    * be cheap and free of side effects: it runs whenever a registry is built.

    govrules' own kinds come from the plugin ``govrules.kinds``, registered
    first.
    """
