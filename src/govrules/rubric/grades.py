"""Load-time checks of grade bands (等次) and vetoes (一票否优 / 一票否决).

Called by :mod:`govrules.rubric.checks` with its checker, so that every
problem names the file and line it was written on, like any other.

What must hold: a target is graded by one list of bands; bands run from the
best grade down, each threshold below the one before (ordered, no overlap),
every threshold within the target's total, the last band without one (it takes
what is left, down to 0); each band says where it comes from (its quote, or a
reading where an office sets it); no band takes a name the outputs print for
a unit without a grade (待定, 未规定: a band so named would be counted with the
units not yet graded); a veto names a declared grade and reads declared facts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .. import messages
from ..numbers import ZERO, fmt
from .model import Band, Grading
from .yamlio import Path_

if TYPE_CHECKING:
    from .checks import _Checker


#: The outputs' words for a unit with no grade, in every locale's catalogue: no band may be named so.
RESERVED_CODES = ("grade.pending", "grade.unstated")


def reserved_grades() -> dict[str, str]:
    """Each word the outputs reserve, with the code that prints it."""
    return {catalogue[code]: code for catalogue in messages.CATALOGUES.values() for code in RESERVED_CODES if code in catalogue}


def threshold(band: Band) -> Decimal | None:
    """A band's threshold (min or above), or None for the last band."""
    return band.min if band.min is not None else band.above


def check_grades(c: _Checker) -> None:
    graded: dict[str, int] = {}
    for i, g in enumerate(c.spec.grades):
        path = ("grades", i)
        c.check_targets_known(path + ("targets",), g.targets)
        c.check_quote(path + ("quote",), g.quote)
        c.check_reading(path + ("reading",), g.reading)
        for t in g.targets if g.targets is not None else c.targets:
            if t in graded:
                c.problem(path + ("targets",), f"target {t!r} already has its grades (grades[{graded[t]}]); a target is graded by one list of bands")
            else:
                graded[t] = i
        _check_bands(c, g, path)
    for i, v in enumerate(c.spec.vetoes):
        path = ("vetoes", i)
        if v.id in {w.id for w in c.spec.vetoes[:i]}:
            c.problem(path + ("id",), f"veto id {v.id!r} is used twice")
        c.check_targets_known(path + ("targets",), v.targets)
        c.check_quote(path + ("quote",), v.quote)
        c.check_quote(path + ("source",), v.source)
        c.check_reading(path + ("reading",), v.reading)
        c.check_condition(path + ("when",), v.when)
        key = "below" if v.below is not None else "at_most"
        name = v.below if v.below is not None else v.at_most
        for t in v.targets if v.targets is not None else c.targets:
            if t not in graded:
                continue  # recorded in results; graded once bands are declared (an office's overlay)
            grades = [b.grade for b in c.spec.grades[graded[t]].bands]
            if name not in grades:
                c.problem(path + (key,), f"{name!r} is not a grade of target {t!r}; its grades are {', '.join(grades)}")
            elif key == "below" and name == grades[-1]:
                c.problem(path + (key,), f"{name!r} is the lowest grade of target {t!r}: there is no grade below it (一票否决 is at_most: {grades[-1]})")


def _check_bands(c: _Checker, g: Grading, path: Path_) -> None:
    seen: set[str] = set()
    previous = None
    totals = {t.id: t.total for t in c.spec.targets if g.targets is None or t.id in g.targets}
    last = len(g.bands) - 1
    reserved = reserved_grades()
    for j, band in enumerate(g.bands):
        bpath = path + ("bands", j)
        if band.grade in seen:
            c.problem(bpath + ("grade",), f"grade {band.grade!r} is listed twice")
        if band.grade.strip() in reserved:
            c.problem(
                bpath + ("grade",),
                f"grade {band.grade!r} is a word the outputs print for a unit without a grade ({reserved[band.grade.strip()]}); "
                "a band so named would be counted with those units: name the band another way and record the choice in a reading",
            )
        seen.add(band.grade)
        c.check_quote(bpath + ("quote",), band.quote)
        c.check_reading(bpath + ("reading",), band.reading)
        if band.quote is None and not band.reading and not g.reading:
            c.problem(bpath, f"band {band.grade!r} needs its quote (the document's words) or a reading (where an office sets it)")
        value = threshold(band)
        where = bpath + ("min" if band.min is not None else "above",)
        if j == last:
            if value is not None:
                c.problem(where, f"the last band ({band.grade}) takes every total below the one before it: it has no threshold")
            continue
        if value is None:
            c.problem(bpath, f"band {band.grade!r} needs its threshold (min: or above:); only the last band has none")
            continue
        if previous is not None and value >= previous:
            c.problem(where, f"bands run from the best grade down: {fmt(value)} is not below the band before it ({fmt(previous)})")
        if value < ZERO or (band.min is not None and value == ZERO):
            c.problem(where, f"{fmt(value)} leaves no total for the bands below it: a threshold lies above 0")
        for t, total in totals.items():
            if total is None:
                continue
            if value > total or (band.above is not None and value == total):
                c.problem(where, f"no total of target {t!r} reaches {fmt(value)}: its total is {fmt(total)}")
        previous = value
    for t, total in totals.items():
        if total is None:
            c.problem(path + ("targets",) if g.targets is not None else path, f"target {t!r} states no total: there is no total to grade")
