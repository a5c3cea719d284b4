"""What cohort kinds share: the cohort a rule is scored against, and what each unit gets from it.

A cohort is the units of one target assessed together (``pack.assess_cohort``,
``govrules batch``). A cohort kind (:attr:`~govrules.kinds.RuleKind.cohort`)
receives a :class:`Cohort` (each unit's figure, in the cohort's order) and
returns one :class:`Outcome` per unit. Everything here is exact: the mean is
never divided out to compare with it (``n × value`` is compared with the sum),
and a figure shown in words is rounded for display only.

A unit whose figure is unknown (a missing fact, or a row not yet scored) does
not join the cohort: its row is not checked, with the reason, and the others
are scored against the units that did join. Packs record this as a reading.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import attrs
from pydantic import Field, model_validator

from ..numbers import divide, fmt
from ..rubric.model import RuleSpec
from .base import FactRef, RuleKind

Better = Literal["higher", "lower"]
#: 「排名」 with ties: competition ranking (1, 1, 3) or dense ranking (1, 1, 2).
Ties = Literal["competition", "dense"]

#: Why a row is not checked when its unit is assessed alone.
ALONE = "按同批考核单位的数据计分，单独评估时不检查"


class CohortRuleSpec(RuleSpec):
    """What every cohort rule says: the figure (a fact, or for some kinds a row's score) and which way is better."""

    fact: str | None = Field(default=None, description="The fact each unit contributes to the cohort.")
    better: Better = Field(description="Which figures are better: higher (more is better) or lower (fewer is better). A reading where the document does not say.")


class FactOrRowSpec(CohortRuleSpec):
    """A cohort rule whose figure is a fact or the score of a row (a section's: 计算编制总量项得分……排名)."""

    row: str | None = Field(default=None, description="A row (or section) of the same target whose score is the figure, in place of fact.")

    @model_validator(mode="after")
    def _one_figure(self) -> Any:
        if (self.fact is None) == (self.row is None):
            raise ValueError("a cohort rule ranks either a fact (fact:) or a row's score (row:), not both or neither")
        return self


class FigureKind(RuleKind):
    """A cohort kind whose figure is its rule's ``fact:`` (a count or number), or the score of its ``row:`` where the spec has one."""

    cohort = True
    in_ledgers = False

    def cohort_figure(self, rule: Any) -> tuple[str, str]:
        return ("fact", rule.fact) if rule.fact is not None else ("row", rule.row)

    def fact_refs(self, rule: Any) -> tuple[FactRef, ...]:
        return (FactRef(("fact",), rule.fact, ("count", "number")),) if rule.fact is not None else ()


@attrs.frozen
class Figures:
    """The figures one unit's cohort row was scored against, shown wherever the row is explained."""

    rule: str
    n: int | None = None  # units that joined the cohort
    value: Decimal | None = None  # this unit's figure
    best: Decimal | None = None
    mean: Decimal | None = None  # rounded for display by numbers.ROUNDING
    rank: int | None = None
    reason: str | None = None  # why the row could not be scored (not checked), else None
    #: False where the figures did not decide this unit's row (a cohort_mean row
    #: that applies to the unit as written): kept as data, never shown as 同批比较.
    relative: bool = True

    @property
    def text(self) -> str:
        if self.reason is not None:
            return self.reason
        parts = [f"本单位{fmt(self.value)}" if self.value is not None else ""]
        parts.append(f"第{self.rank}名" if self.rank is not None else "")
        parts.append(f"共{self.n}个单位" if self.n is not None else "")
        parts.append(f"最优{fmt(self.best)}" if self.best is not None else "")
        parts.append(f"平均{fmt(self.mean)}" if self.mean is not None else "")
        return "，".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "n": self.n,
            "value": fmt(self.value),
            "best": fmt(self.best),
            "mean": fmt(self.mean),
            "rank": self.rank,
            "reason": self.reason,
            "text": self.text,
            **({} if self.relative else {"relative": False}),  # the key only where it says something
        }


@attrs.frozen
class Outcome:
    """One unit's outcome on one cohort rule: its effects (none where it met the row) and the figures behind them."""

    figures: Figures
    effects: tuple[Any, ...] = ()

    @property
    def scored(self) -> bool:
        return self.figures.reason is None


@attrs.frozen
class Cohort:
    """The cohort one rule is scored against, in the cohort's order (the inputs' order)."""

    units: tuple[str | None, ...]
    figures: tuple[Decimal | None, ...]
    #: Whether the rule's own ``when`` holds for each unit (True where it has none; None: unknown).
    applies: tuple[bool | None, ...]
    #: The (name, value) of each fact the rule reads that each unit has.
    facts: tuple[tuple[tuple[str, Any], ...], ...]

    def joined(self, among: Any = None) -> tuple[int, ...]:
        """The units whose figure is known (of ``among``, indices, if given)."""
        pool = range(len(self.units)) if among is None else among
        return tuple(i for i in pool if self.figures[i] is not None)

    def total(self, joined: tuple[int, ...]) -> Decimal:
        return sum((self.figures[i] for i in joined), Decimal(0))  # type: ignore[misc]

    def mean(self, joined: tuple[int, ...]) -> Fraction:
        """The exact mean of the joined units' figures (a Fraction: never rounded before it is compared)."""
        return Fraction(self.total(joined)) / len(joined)

    def best(self, joined: tuple[int, ...], better: str) -> Decimal:
        values = [self.figures[i] for i in joined]
        return max(values) if better == "higher" else min(values)  # type: ignore[type-var,return-value]

    def rank(self, i: int, joined: tuple[int, ...], better: str, ties: str) -> int:
        """Unit ``i``'s rank among ``joined``: 1 is the best; ties by competition (1, 1, 3) or dense (1, 1, 2) ranking."""
        value = self.figures[i]
        others = [self.figures[j] for j in joined]
        ahead = [v for v in others if (v > value if better == "higher" else v < value)]  # type: ignore[operator]
        return 1 + (len(ahead) if ties == "competition" else len(set(ahead)))

    def figures_of(self, rule: str, i: int, joined: tuple[int, ...], better: str, rank: int | None = None) -> Figures:
        return Figures(rule, len(joined), self.figures[i], self.best(joined, better), shown(self.mean(joined)), rank)


def shown(value: Fraction) -> Decimal:
    """An exact fraction rounded for display by :data:`~govrules.numbers.ROUNDING`."""
    return divide(Decimal(value.numerator), Decimal(value.denominator))


def missing(rule: str, unit: str | None) -> Figures:
    return Figures(rule, reason="本单位缺少该项数据，未参加排名或比较")


def direction_words(better: str) -> str:
    return "数值越高越好" if better == "higher" else "数值越低越好"
