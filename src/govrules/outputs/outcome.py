"""What a batch keeps of one unit's result once its own sheets are written.

A province scores tens of thousands of units; a full :class:`Result` per unit
held until the end is what made memory grow with the number of units. Each
unit's result is reduced, as soon as it is scored, to an :class:`Outcome`: the
few figures the ranking and the summaries need (unit, target, total, grade
and the like: kept with the unit in the batch's :class:`.unitstore.UnitStore`,
on disk, in a streamed run) and its rows of the summary workbook's detail
sheets (:class:`Detail`, spilled to a temporary file by :class:`Spill` and read
back once, when the workbook is written). Both are plain data, so a worker
process can make them and send them back.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from decimal import Decimal
from typing import Any, BinaryIO

import attrs

from ..engine.result import NOT_CHECKED, Result
from ..messages import text
from ..numbers import ZERO, fmt


@attrs.frozen
class Outcome:
    """The figures of one scored unit that the ranking and the summary pages need."""

    target: str
    target_name: str
    scored: bool
    total: Decimal | None
    max_total: Decimal | None
    self_total: Decimal | None
    grade: str | None
    graded: bool  # the pack grades this target (then a unit without a grade is 待定)
    grade_scale: bool  # it declares grade bands (vetoes alone grade nothing: 未规定)
    not_checked: tuple[str, ...]
    missing_facts: tuple[str, ...]
    base_sum: Decimal | None
    status_counts: dict[str, int]
    # 自评合计 as the summaries print it: the number, or 「38（5项中2项）」 where 自评 covers some rows only.
    self_cell: Any = None
    # An incomplete unit's blank required cells, each named by its sheet/row/column (filled in where the unit's cells are known).
    blanks: tuple[str, ...] = ()
    # The missing facts as sheets name them: by their Chinese labels (summary.json keeps the names).
    missing_labels: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled by its fields in order, rebuilt through __init__: a third smaller and faster to read back than
        # attrs' state dict (a province's units are pickled by the workers and read back from the store many times).
        return (Outcome, tuple(getattr(self, f) for f in _OUTCOME_FIELDS))

    @property
    def state(self) -> str:
        if not self.scored:
            return "checklist"
        return "ranked" if self.total is not None else "incomplete"

    @property
    def grade_cell(self) -> str | None:
        """等次 as the sheets print it: the grade, 待定 when not settled, nothing where the pack grades nothing."""
        if not self.graded:
            return None
        if self.grade is not None:
            return self.grade
        return text("grade.pending") if self.grade_scale else text("grade.unstated")  # no bands declared (vetoes only, as the 湖州 table): nothing is pending


_OUTCOME_FIELDS = tuple(f.name for f in attrs.fields(Outcome))


@attrs.define
class ItemLoss:
    """One row of one unit, as the 负责考核部门 view and the points-lost chart count it.

    Made for every row of every unit and only read. Not ``attrs.frozen``: a frozen class sets each field through
    ``object.__setattr__``, four times as long.
    """

    id: str
    name: str
    assessors: tuple[str, ...]
    status: str
    lost: Decimal | None  # points less score; None when the row has no score
    overridden: bool


@attrs.frozen
class Detail:
    """One unit's rows of the summary workbook's detail sheets, and its rows' losses."""

    heading: tuple[list[str], list[str]]  # (item column titles, ledger names) of its target
    scores: list[Any]  # 得分明细: item scores, 基础分, ledgers, 总分 (then 等次 and 自评合计 are added by the writer)
    base: Decimal | None
    effects: list[list[Any]]  # 扣分明细
    reviews: list[list[Any]]  # 复核记录
    fixes: list[list[Any]]  # 可挽回分值 (ranked units only)
    items: list[ItemLoss]
    cohort: list[list[Any]]  # 同批比较: each cohort row with the figures it was scored against


def missing_facts(result: Result) -> list[str]:
    return list(dict.fromkeys(n for i in result.items for n in i.unchecked_facts))


#: One object per distinct value: a province's totals take few values (tenths of points up to 100 or so),
#: so 100,000 outcomes share them instead of holding 400,000 Decimals. Bounded all the same.
_VALUES: dict[Any, Any] = {}
_VALUES_MAX = 200_000


def _shared(value: Any) -> Any:
    if value is None:
        return None
    # Decimal("100") == Decimal("100.0"), but they print differently: keyed by the exact digits (its text: str() costs
    # a fifth of as_tuple(), which builds a named tuple), apart from any text.
    key = (Decimal, str(value)) if type(value) is Decimal else value
    got = _VALUES.get(key)
    if got is None and len(_VALUES) < _VALUES_MAX:
        _VALUES[key] = got = value
    return value if got is None else got


_NO_COUNTS: dict[str, int] = {}


def outcome_of(result: Result) -> Outcome:
    return _outcome(result, missing_facts(result), sum(1 for i in result.items if i.self_score is not None))


def _outcome(result: Result, missing: list[str], given: int) -> Outcome:
    """The outcome of a result whose missing facts and number of rows with a 自评 are known (:func:`reduced` counts them in its pass)."""
    from .report import self_total_text

    # 自评合计: the number where every row has a 自评, else the text that says over how many (self_total_text).
    self_cell = result.self_total if given == len(result.items) else self_total_text(result)
    return Outcome(
        target=_shared(result.target),
        target_name=_shared(result.target_name),
        scored=result.scored,
        total=_shared(result.total),
        max_total=_shared(result.max_total),
        self_total=_shared(result.self_total),
        grade=_shared(result.grade),
        graded=result.grading is not None,
        grade_scale=result.grading is not None and bool(result.grading.scale),
        not_checked=tuple(result.not_checked),
        missing_facts=tuple(missing),
        missing_labels=tuple(result.fact_label(n) for n in missing),
        base_sum=_shared(result.base_sum),
        # Only a checklist's outcome is shown by its counts; the others share one empty mapping (never written to).
        status_counts=_NO_COUNTS if result.scored else dict(result.status_counts),
        self_cell=_shared(self_cell),
    )


Lost = list[tuple[int, str, str, Decimal]]


def reduced(result: Result) -> tuple[Outcome, Detail, Lost]:
    """A result's :func:`outcome_of`, :func:`detail_of` and :func:`lost_points`, from one pass over its rows.

    What a batch worker sends back of each unit. Its 可挽回分值 are the ones
    the unit's sheets listed (the result keeps them: :meth:`.Result.recoverable`).
    """
    from .xlsx import effect_rows

    scored = result.scored
    heading: list[str] = []
    scores: list[Any] = []
    reviews: list[list[Any]] = []
    items: list[ItemLoss] = []
    cohort: list[list[Any]] = []
    lost: Lost = []
    missing: dict[str, None] = {}
    given = 0
    for n, i in enumerate(result.items):
        name = i.names[-1]
        heading.append(f"{i.id} {name}")
        scores.append(i.score)
        if i.self_score is not None:
            given += 1
        for fact in i.unchecked_facts:
            missing[fact] = None  # first mention first, as missing_facts
        o = i.override
        if o is not None:
            reviews.append([i.id, name, i.self_score, o.old, o.new, o.reviewer, o.at, o.reason])
        status = i.status
        points = i.deducted if status != NOT_CHECKED else None
        items.append(ItemLoss(i.id, name, tuple(i.assessors), status, points, o is not None))
        if scored and points is not None and points > ZERO:
            lost.append((n, i.id, name, points))
        for f in i.cohort:
            cohort.append([i.id, name, f.rule, fmt(f.value), f.rank, fmt(f.best), fmt(f.mean), f.n, fmt(i.score), f.text])
    outcome = _outcome(result, list(missing), given)
    fix_rows = []
    if outcome.state == "ranked":
        from .report import recoverable

        fix_rows = [[f.restores_total, f.item, f.names[-1], f.text, f.lost, f.quote or ""] for f in recoverable(result)]
    detail = Detail(
        heading=(heading, [led.name for led in result.ledgers]),
        scores=[*scores, result.base, *[led.applied for led in result.ledgers], result.total],
        base=result.base,
        effects=effect_rows(result),
        reviews=reviews,
        fixes=fix_rows,
        items=items,
        cohort=cohort,
    )
    return outcome, detail, lost


def detail_of(result: Result) -> Detail:
    return reduced(result)[1]


def lost_points(result: Result) -> Lost:
    """(position, item, name, points lost) of the rows of a scored result that lost any (before 复核 is none of its business: the row's score)."""
    return reduced(result)[2]


class Losses:
    """Points lost per indicator, per target, summed as units are scored (what the 各指标失分 chart shows)."""

    def __init__(self) -> None:
        self.by_target: dict[str, dict[str, list[Any]]] = {}  # target → item → [name, points lost, position]

    def add(self, outcome: Outcome, lost: list[tuple[int, str, str, Decimal]]) -> None:
        per_item = self.by_target.setdefault(outcome.target, {})
        for n, item, name, points in lost:
            entry = per_item.setdefault(item, [name, ZERO, n])
            entry[1] += points


_PREAD = hasattr(os, "pread")


class Spill:
    """Details written to a temporary file as units are scored, read back by position.

    Memory stays bounded: only each detail's offset is kept. The file is
    deleted when closed (and by the operating system if the process dies).

    Details are read back with ``pread``, which moves no file offset: a
    process forked to write some of the summaries (:mod:`.streaming`) reads
    the same file at the same time as its parent, and a shared offset moved by
    one would make the other read the wrong bytes.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self._fh: BinaryIO = tempfile.TemporaryFile(prefix="govrules-spill-", dir=folder)
        self._end = 0
        self._pending = False  # written through the file object's buffer and not flushed yet

    def put(self, detail: Detail | bytes) -> int:
        data = detail if isinstance(detail, bytes) else pickle.dumps(detail, protocol=pickle.HIGHEST_PROTOCOL)
        at = self._end
        if not _PREAD:
            self._fh.seek(at)  # a get() moved the offset
        self._fh.write(len(data).to_bytes(8, "little"))
        self._fh.write(data)
        self._end += 8 + len(data)
        self._pending = True
        return at

    def flush(self) -> None:
        """Everything put so far on disk (before a fork, and before reading with ``pread``)."""
        if self._pending:
            self._fh.flush()
            self._pending = False

    def get(self, at: int) -> Detail:
        self.flush()
        if not _PREAD:  # Windows: no fork either, so nothing else reads this file
            self._fh.seek(at)
            size = int.from_bytes(self._fh.read(8), "little")
            return unpack_detail(self._fh.read(size))
        fd = self._fh.fileno()
        size = int.from_bytes(os.pread(fd, 8, at), "little")
        data = os.pread(fd, size, at + 8)
        if len(data) != size:  # pragma: no cover - a file shortened under us
            raise OSError(f"spill file ended at {at + 8 + len(data)}, {size} bytes expected")
        return unpack_detail(data)

    def close(self) -> None:
        self._fh.close()


def pack_detail(detail: Detail) -> bytes:
    """A detail as the bytes a worker process sends back (so the parent spills them without unpickling)."""
    return pickle.dumps(detail, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_detail(data: bytes) -> Detail:
    """A detail from :func:`pack_detail`'s bytes: only ever our own (a worker's, or the spill file's), never input from outside."""
    detail = pickle.loads(data)
    assert isinstance(detail, Detail)
    return detail
