"""Rule kinds: the scoring mechanisms a pack's rules may use, as plugins.

Each module here is one kind, owning its schema, checks, evaluation,
explanation, wording for ``show``, conformance checks and docs (see
:mod:`govrules.kinds.base`). They are registered through the same
``govrules_rule_kinds`` hook a third-party plugin implements
(:data:`plugin` below), the way pytest's own features are plugins.

A plugin adding a kind::

    from govrules import hookimpl
    from govrules.kinds import RuleKind

    class Graded(RuleKind):
        name = "my_graded"
        ...

    @hookimpl
    def govrules_rule_kinds():
        return [Graded()]

See docs/writing-a-rule-kind.md.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from .above_mean_full import AboveMeanFull
from .all_or_nothing import AllOrNothing
from .award_each import AwardEach
from .below_mean import BelowMean
from .base import AWARD, DEDUCT, MODES, SET, ZERO_ROW, CheckContext, FactRef, RuleKind, Wording, effect, kind_of
from .cohort import Cohort, FigureKind, Figures, Outcome
from .cohort_mean import CohortMean
from .deduct_then_zero import DeductThenZero
from .discretionary import Discretionary
from .fixed import Fixed
from .graded import Graded
from .per_missing import PerMissing
from .per_occurrence import PerOccurrence
from .per_step import PerStep
from .proportional import Proportional
from .quota import Quota
from .rank_points import RankPoints
from .ratio_to_best import RatioToBest
from .shortfall import Shortfall
from .tiered import Tiered
from .vocabulary import Kinds


class _BuiltinKinds:
    """govrules' own kinds, registered like any plugin's."""

    @hookimpl
    def govrules_rule_kinds(self) -> list[RuleKind]:
        return list(BUILTIN.values())


BUILTIN = Kinds(
    [
        PerOccurrence(),
        PerMissing(),
        Shortfall(),
        Fixed(),
        AllOrNothing(),
        Discretionary(),
        Tiered(),
        Graded(),
        DeductThenZero(),
        PerStep(),
        AwardEach(),
        Proportional(),
        Quota(),
        RankPoints(),
        RatioToBest(),
        BelowMean(),
        AboveMeanFull(),
        CohortMean(),
    ]
)

#: The plugin object the registry registers first, under the name ``govrules.kinds``.
plugin = _BuiltinKinds()

__all__ = [
    "AWARD",
    "BUILTIN",
    "DEDUCT",
    "MODES",
    "SET",
    "ZERO_ROW",
    "CheckContext",
    "Cohort",
    "FigureKind",
    "Figures",
    "Outcome",
    "FactRef",
    "Kinds",
    "RuleKind",
    "Wording",
    "effect",
    "kind_of",
    "plugin",
]
