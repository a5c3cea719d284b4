"""``govrules batch`` at province scale: read, score and write in chunks, on every core.

Units are read one chunk at a time (:func:`.batch.open_units`), scored, their
own sheets written and their result reduced to an :class:`.outcome.Outcome`
and a :class:`.outcome.Detail` (spilled to a temporary file) before the
next chunk is read. The unit and its outcome become one row of a
:class:`.unitstore.UnitStore` (SQLite, on disk), which the ranking and the
summaries read back: memory holds a few chunks of inputs and results,
whatever the number of units.

With ``jobs`` above one, chunks are scored by that many worker processes
(:mod:`multiprocessing`, forked so that each inherits the loaded pack rather
than loading it again). Chunks are taken back in input order and at most two
per worker are in flight, so the output is the same, byte for byte and in the
same order, as a serial run, and a fast reader never runs ahead of the
scorers. Processes rather than threads: scoring is pure Python and holds the
GIL.

A pack with cohort rules (rows scored against the other units of their
target) is read and scored whole, in one process, before its sheets are
written: its memory grows with the number of units. (A cheaper first pass,
of each unit's cohort figures only, is not built yet.)

A unit given in parts (files or rows naming their ``assessor``, joined by
:func:`.batch.gather_parts`) may have its parts anywhere in the input, so a
folder, or a table with an assessor column, is read whole before scoring;
a table without one, the province's usual CSV, is streamed.

Ctrl-C: workers ignore SIGINT; the parent stops them, removes the temporary
folder and leaves the output folder as it was (:func:`.batch.output_folder`).
"""

from __future__ import annotations

import collections
import gc
import multiprocessing
import os
import pickle
import signal
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import attrs

from ..errors import Problem
from ..pack import Pack
from .batch import (
    Batch,
    Unit,
    Written,
    _unexpected,
    assess_unit,
    blank_cells,
    clean_unit,
    clean,
    check_out,
    duplicate,
    gather_parts,
    open_units,
    prepare,
    row_plan,
    score_units,
    settle,
    unit_sheets,
    unit_sheets_by_default,
    write_unit_sheets,
    write_marker,
    write_outputs,
    write_summaries,
    output_folder,
    pack_graded,
)
from .outcome import Detail, Outcome, Spill, pack_detail, reduced, unpack_detail
from . import summary_xlsx
from .summary_xlsx import SummaryBook, UnitRows
from .unitstore import UnitStore
from .xlsxrows import encoded

#: Units per chunk: large enough that sending a chunk to a worker costs little, small enough to bound memory.
CHUNK = 250

# (pack, target, output folder, write per-unit sheets, how to read a table's rows, per-unit PDFs, the lock the
# workers take to write their sheets or None) of the worker processes, set before they fork.
_JOB: tuple[Pack, str | None, Path, bool, Any, bool, Any] | None = None

# (index, unit name, problems, outcome, its sheets' stem, detail (pickled), points lost per row, its rows of summary.xlsx's
# input-order sheets, its row of 得分明细 without its rank (pickled))
Scored = tuple[int, str | None, list[Problem], Outcome | None, str | None, bytes | None, list[Any], UnitRows | None, bytes | None]


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _score_chunk(chunk: list[Unit]) -> list[Scored]:
    """Read a chunk's rows, score them and write their sheets; what comes back is small and picklable."""
    assert _JOB is not None
    pack, target, out, sheets, plan, pdf, lock = _JOB
    graded = pack_graded(pack)
    back: list[Scored] = []
    files: list[tuple[str, bytes]] = []  # the chunk's sheets, written together at its end
    for u in chunk:
        prepare(u, plan)
        outcome: Outcome | None = None
        stem: str | None = None
        detail: bytes | None = None
        lost: list[Any] = []
        rows: UnitRows | None = None
        score: Any = None
        if not u.problems and (u.data is not None or u.parts):
            result = assess_unit(pack, u, target)
            if result is not None:
                try:
                    made: list[tuple[str, bytes]] = []
                    if sheets:
                        stem, made = unit_sheets(result, u, pdf)
                    outcome, kept, lost = reduced(result)
                    if summary_xlsx.FAST_ROWS:
                        # The workbook's rows are made here, on the worker's core; the parent only numbers and writes
                        # them, so the detail it spills goes without them (only the sheets written at the end read it).
                        name = clean(u.unit) if u.unit is not None else None
                        rows = summary_xlsx.unit_rows(name, outcome, kept)
                        # As the workbook's file holds them: sent and written as they are (the parent decoded and encoded them).
                        rows = (encoded(rows[0]), encoded(rows[1]), encoded(rows[2]))
                        # So is its row of 得分明细 (scores), pickled here: the parent only stores it (UnitStore.append), and
                        # unpickling it there to pickle it again cost it twice.
                        score = pickle.dumps(summary_xlsx.score_row(name, outcome, kept.scores, graded, clean(u.where)), protocol=pickle.HIGHEST_PROTOCOL)
                        # Its rows' losses (items) stay only where a row names a 负责考核部门, the one view that reads them
                        # back (assessors.assessor_view).
                        detail = _emptied_detail(kept, kept.items if any(i.assessors for i in kept.items) else [])
                    else:
                        detail = pack_detail(kept)
                    if outcome.state == "incomplete":
                        # Its blank cells are named here, where the row's cells are known (the parent lets them go).
                        u.outcome = outcome
                        outcome = attrs.evolve(outcome, blanks=tuple(blank_cells(u, pack)))
                    files += made
                except (OSError, KeyboardInterrupt):
                    raise
                except Exception as exc:  # a unit whose sheet cannot be made fails alone (nothing of it is written)
                    u.problems = [_unexpected(u.where, exc)]
                    stem = None
                    # It fails whole: no outcome (it is not ranked with a problem), nothing of it in the summaries.
                    outcome, detail, lost, rows, score = None, None, [], None, None
        back.append((u.index, u.unit, u.problems, outcome, stem, detail, lost, rows, score))
    if files:
        # One worker at a time creates files: two creating them at once in the one units/ folder cost ext4 (here)
        # three to four times the kernel time a file (docs/performance.md, section 6); the other goes on scoring.
        if lock is None:
            write_unit_sheets(out, files)
        else:
            with lock:
                write_unit_sheets(out, files)
    return back


# A detail that keeps only its target's heading, pickled once per heading: most units of a province spill the
# same bytes. Bounded by the number of targets of the packs in use.
_BARE_DETAILS: dict[tuple[tuple[str, ...], tuple[str, ...]], bytes] = {}


def _emptied_detail(kept: Detail, items: list[Any]) -> bytes:
    """A unit's detail as a worker spills it once its rows went into the workbook's rows: its target's heading,
    ``items`` (its rows' losses, where a row names a 负责考核部门) and its cohort figures, pickled."""
    bare = not items and not kept.cohort
    if bare:
        key = (tuple(kept.heading[0]), tuple(kept.heading[1]))
        got = _BARE_DETAILS.get(key)
        if got is not None:
            return got
    data = pack_detail(attrs.evolve(kept, effects=[], reviews=[], fixes=[], scores=[], items=items, base=None))
    if bare:
        if len(_BARE_DETAILS) >= 64:
            _BARE_DETAILS.clear()
        _BARE_DETAILS[key] = data
    return data


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interruption does
    # What the worker inherited (the packs, their compiled rules and tables) lives as long as it does: kept out of the
    # cyclic collector's passes, which otherwise go over all of it again and again as units are scored (3% of a
    # worker's time, measured), and whose marks would copy the shared pages. Only in this process, which is ours.
    gc.freeze()


def _chunks(units: Iterator[Unit], size: int) -> Iterator[list[Unit]]:
    chunk: list[Unit] = []
    for u in units:
        chunk.append(u)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _remove(out: Path, stem: str | None) -> None:
    for rel in Unit(0, "", None, None, stem=stem, pdf=True).files.values():
        try:
            (out / rel).unlink()
        except OSError:
            pass


def run_batch(
    path: str | Path,
    pack: Pack,
    out: str | Path,
    *,
    target: str | None = None,
    jobs: int | None = None,
    unit_sheets: bool | None = True,
    pdf: bool = False,
    on_start: Callable[[int], None] | None = None,
    advance: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
) -> tuple[Batch, Sequence[Path]]:
    """Read, score and write a whole batch into ``out``; returns the batch (its units in a :class:`.unitstore.UnitStore`, except for a pack with cohort rules) and the paths written.

    ``on_start(n)`` is called once the input is open and the workers have
    started, with how many units there are at most; ``advance(k)`` after each
    chunk. ``pdf`` writes each unit's 考核表 as PDF beside its other sheets (in
    the workers) and summary.pdf at the end. ``unit_sheets=None`` writes the
    per-unit sheets when the input holds at most :data:`.batch.UNIT_SHEETS_UP_TO`
    units (``batch.unit_sheets`` says whether they were). Raises :class:`.forms.InputError` for an input or output folder
    that cannot be used, before anything is written.
    """
    global _JOB
    final = check_out(out)
    batch, units, estimate = open_units(path, pack)
    plan = row_plan(batch.columns, pack)  # how a table's rows are read, worked out once (workers get it with their job)
    if unit_sheets is None:
        unit_sheets = unit_sheets_by_default(estimate)
    batch.unit_sheets = unit_sheets
    if pack.has_cohort_rules:
        # Cohort rows need every unit of a target before any of them is scored: the batch is read and
        # scored whole in this process (score_units), then written (write_outputs), each unit's result kept.
        if on_start is not None:
            on_start(estimate)
        for u in units:
            prepare(u, plan)
            batch.units.append(u)
        score_units(batch, target, advance=(lambda: advance(1)) if advance is not None else None)
        return batch, write_outputs(batch, Path(out), unit_sheets=unit_sheets, pdf=pdf)
    if not batch.columns or any(c.kind == "assessor" for c in batch.columns):
        # The parts of one unit (files or rows naming their assessor) may be anywhere in the input:
        # a folder, or a table with an assessor column, is read whole and its parts joined before scoring.
        listed = []
        for u in units:
            prepare(u, plan)
            listed.append(u)
        units = iter(gather_parts(listed))
    jobs = default_jobs() if jobs is None else max(1, jobs)
    with output_folder(out) as tmp:
        _JOB = (pack, target, tmp, unit_sheets, plan, pdf, None)
        pool = None
        # Forking costs more than a chunk or two takes to score serially; the output is the same either way.
        if jobs > 1 and estimate > chunk and "fork" in multiprocessing.get_all_start_methods():
            forking = multiprocessing.get_context("fork")
            _JOB = (pack, target, tmp, unit_sheets, plan, pdf, forking.Lock())  # the workers inherit it
            pool = forking.Pool(jobs, initializer=_worker_init)
        spill = Spill(tmp.parent)
        # Opened now: its input-order sheets are written as units come back, while the workers score the next ones.
        book = SummaryBook(tmp / "summary.xlsx", pack.title, tmpdir=tmp)
        # Each unit, once scored, is one row of the store (on disk): the parent holds no object per unit.
        store = batch.units = UnitStore(tmp.parent)
        store.cleaned = True
        store.score_rows_kept = summary_xlsx.FAST_ROWS  # every scored unit comes with its row of 得分明细 made
        try:
            if on_start is not None:
                on_start(estimate)
            for chunk_units, scored in _scored(_chunks(units, chunk), pool, jobs):
                # A chunk's rows of the input-order sheets, written together (each sheet's rows stay in input order).
                chunk_rows: UnitRows = ([], [], [])
                for u, (index, name, problems, outcome, stem, detail, lost, rows, score) in zip(chunk_units, scored):
                    assert u.index == index
                    u.unit, u.problems, u.outcome, u.stem = name, problems, outcome, stem
                    u.pdf = pdf and stem is not None
                    u.settled()  # the input is let go as soon as the unit is scored
                    if duplicate(store, u):
                        _remove(tmp, stem)
                        u.stem = None
                    elif detail is not None and outcome is not None:
                        u.detail_at = spill.put(detail)
                        batch.losses.add(outcome, lost)
                        u.score_row = score
                        if rows is not None:
                            for gathered, made in zip(chunk_rows, rows):
                                gathered.extend(made)
                        else:
                            book.add_unit(clean(name) if name is not None else None, outcome, unpack_detail(detail))
                    clean_unit(u)  # now, rather than by reading every unit back once all are in (a scored unit's texts are clean already)
                    store.append(u)
                    u.score_row = None
                if any(chunk_rows):
                    book.add_rows(chunk_rows)
                if advance is not None:
                    advance(len(chunk_units))
            two_cores = pool is not None
            if pool is not None:
                pool.close()
                pool.join()
                pool = None
            store.done()
            settle(batch)
            written = list(store.sheet_files())  # each unit's, in input order (from two columns: no unit unpickled)
            # Where the units were scored on several cores, summary.xlsx and the other summaries are written side by side too.
            written += write_summaries(batch, tmp, spill, pdf, book, side_by_side=two_cores)
            write_marker(tmp, batch, written)
        except BaseException:
            store.close()  # its file goes now, not when the batch is collected (the caller never gets it)
            raise
        finally:
            if pool is not None:
                pool.terminate()  # stops the workers before their folder is removed
                pool.join()
            spill.close()
            _JOB = None
    return batch, Written(final, written)


def _scored(chunks: Iterator[list[Unit]], pool: Any, jobs: int) -> Iterator[tuple[list[Unit], list[Scored]]]:
    """Each chunk with what scoring it gave, in input order; at most two chunks per worker in flight."""
    if pool is None:
        for c in chunks:
            yield c, _score_chunk(c)
        return
    pending: collections.deque[tuple[list[Unit], Any]] = collections.deque()
    for c in chunks:
        pending.append((c, pool.apply_async(_score_chunk, (c,))))
        if len(pending) >= 2 * jobs:
            first, job = pending.popleft()
            yield first, job.get()
    while pending:
        first, job = pending.popleft()
        yield first, job.get()


__all__ = ["run_batch", "default_jobs", "CHUNK"]
