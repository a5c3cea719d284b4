"""Where a streamed batch keeps its units once they are scored: an SQLite table on disk, one row per unit.

A province of 100,000 units kept as Python objects (a :class:`.batch.Unit`
and an :class:`.outcome.Outcome` each) made the batch's memory grow by about
1.4 KB a unit. Here each unit is one row, pickled, with the few columns the
summaries select and order by (target, unit name, state, total as a sortable
key, rank); the summaries read the units back one at a time, as transient
objects, in the order they need.

Why :mod:`sqlite3`: it is in the standard library (a fresh machine needs
nothing more), its page cache is bounded (:data:`CACHE_KIB`) whatever the
number of rows, ``ORDER BY`` over an index gives the ranking without sorting
in Python, and ``RANK()`` gives ties exactly as the ranking always had them
(1, 2, 2, 4).

The database is a temporary file of its own (``govrules-units-*.db``, in the
folder given, else the system's temporary folder), deleted when the store is
closed, collected or the process exits; a process killed outright (SIGKILL)
leaves it behind, as it would any temporary file. It has a name, rather than
being SQLite's private temporary database, so that a process forked to write
some of the summaries at the same time (:mod:`.streaming`) can open a
connection of its own, read-only (:meth:`UnitStore.reopen_read_only`): a
connection must not be used on both sides of a fork.
"""

from __future__ import annotations

import functools
import os
import pathlib
import pickle
import sqlite3
import tempfile
import weakref
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Iterator, overload

if TYPE_CHECKING:
    from .batch import Unit

#: The page cache of the database (KiB): what its memory is bounded by.
CACHE_KIB = 8192

_STATES = ("ranked", "incomplete", "checklist", "failed")


def total_key(total: Decimal | None) -> str | None:
    """Text that sorts as the totals do (and is equal where they are equal, ``100`` as ``100.0``)."""
    if total is None:
        return None
    return _total_key(total)


@functools.lru_cache(maxsize=4096)  # a province's totals take few values; equal totals give the same text, so equal keys may share it
def _total_key(total: Decimal) -> str:
    if total.is_zero():
        return "1"
    sign, digits, exponent = total.normalize().as_tuple()
    assert isinstance(exponent, int)  # a total is finite
    point = len(digits) + exponent  # where the decimal point is, from the first (non-zero) digit
    text = "".join(map(str, digits))
    if not sign:
        return f"2{point + 500000:07d}{text}"
    # Negative: the larger the magnitude the smaller; "~" ends the digits so that -0.12 sorts above -0.123.
    return f"0{500000 - point:07d}{''.join(str(9 - int(c)) for c in text)}~"


class Rows(Sequence["Unit"]):
    """Units chosen by a query, read back each time they are iterated (never held); a slice is a list."""

    def __init__(self, store: UnitStore, where: str, args: tuple[Any, ...] = (), order: str = "idx") -> None:
        self._store, self._where, self._args, self._order = store, where, args, order
        self._len: int | None = None

    def __iter__(self) -> Iterator[Unit]:
        return self._store._select(self._where, self._args, self._order)

    def __len__(self) -> int:
        if self._len is None:
            self._len = self._store._count(self._where, self._args)
        return self._len

    def __bool__(self) -> bool:
        return len(self) > 0

    @overload
    def __getitem__(self, i: int) -> Unit: ...
    @overload
    def __getitem__(self, i: slice) -> list[Unit]: ...
    def __getitem__(self, i: int | slice) -> Unit | list[Unit]:
        n = len(self)
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            if step != 1:
                return [self[k] for k in range(start, stop, step)]
            return list(self._store._select(self._where, self._args, self._order, limit=max(0, stop - start), offset=start))
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return next(self._store._select(self._where, self._args, self._order, limit=1, offset=i))

    def __add__(self, other: Any) -> list[Unit]:
        return [*self, *other]


class UnitStore(Sequence["Unit"]):
    """A batch's units in input order, one row each (see the module's text); appended as they are scored."""

    #: Bits of the filter of stored names (a power of two, at least 8).
    name_bits = 1 << 20

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        fd, self.path = tempfile.mkstemp(prefix="govrules-units-", suffix=".db", dir=folder)
        os.close(fd)  # SQLite takes an empty file for a new database
        # check_same_thread off: the HTTP service writes a batch in one thread and may read it in another (never at once).
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._inherited: list[sqlite3.Connection] = []
        self._finalizer = weakref.finalize(self, _remove, self._db, self.path, os.getpid())
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")  # a temporary table: nothing to recover after a crash
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(
            "CREATE TABLE units (idx INTEGER PRIMARY KEY, target TEXT, unit TEXT, state TEXT NOT NULL,"
            " total_key TEXT, rank INTEGER, blob BLOB NOT NULL, score_row BLOB, stem TEXT, pdf INTEGER, has_self INTEGER)"
        )
        self._db.execute("CREATE INDEX by_name ON units (target, unit)")  # the same unit named twice
        self._db.execute("CREATE INDEX by_rank ON units (state, target, total_key DESC, idx)")
        self._db.execute("BEGIN")  # one transaction while appending (committed by :meth:`done`)
        self._open = True
        self._size = 0
        #: Set by whoever appends units whose texts are already encodable (:func:`.batch.clean_unit`): nothing to clean at the end.
        self.cleaned = False
        # A Bloom filter of the (target, unit name) pairs stored: a name it has never seen needs no query for the
        # duplicate check, and its size is fixed (128 KiB) whatever the number of units; a false "maybe" costs a query.
        self._names = bytearray(self.name_bits // 8)
        self._mask = self.name_bits - 1
        #: Set by whoever appends every scored unit with its row of 得分明细 (``Unit.score_row``, pickled): :meth:`score_rows` gives them.
        self.score_rows_kept = False

    # ------------------------------------------------------------- writing

    @staticmethod
    def _row(u: Unit) -> tuple[Any, ...]:
        o = u.outcome
        blob = pickle.dumps((u.where, u.unit, u.problems, o, u.stem, u.pdf, u.detail_at), protocol=pickle.HIGHEST_PROTOCOL)
        has_self = o is not None and o.self_total is not None
        return (o.target if o is not None else None, u.unit, u.state, total_key(o.total) if o is not None else None, u.rank, blob, u.stem, u.pdf, has_self, u.index)

    def _note_name(self, u: Unit) -> None:
        if u.outcome is not None and u.unit is not None:
            h = hash((u.outcome.target, u.unit))
            for probe in (h & self._mask, (h >> 24) & self._mask):
                self._names[probe >> 3] |= 1 << (probe & 7)

    def _maybe_named(self, target: str, unit: str) -> bool:
        h = hash((target, unit))
        return all(self._names[probe >> 3] & (1 << (probe & 7)) for probe in (h & self._mask, (h >> 24) & self._mask))

    def append(self, u: Unit) -> None:
        self._note_name(u)
        row = self._row(u)
        if u.score_row is None:
            self._db.execute("INSERT INTO units (target, unit, state, total_key, rank, blob, stem, pdf, has_self, idx) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        else:
            self._db.execute(
                "INSERT INTO units (target, unit, state, total_key, rank, blob, stem, pdf, has_self, idx, score_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, u.score_row)
            )
        self._size += 1

    def replace(self, u: Unit) -> None:
        """Write a unit read back and changed (its texts cleaned, say) over its row."""
        self._note_name(u)
        self._db.execute("UPDATE units SET target = ?, unit = ?, state = ?, total_key = ?, rank = ?, blob = ?, stem = ?, pdf = ?, has_self = ? WHERE idx = ?", self._row(u))

    def first_named(self, target: str, unit: str) -> str | None:
        """Where the unit of ``target`` named ``unit`` that was scored first came from, if any."""
        if not self._maybe_named(target, unit):
            return None  # never stored: no query (almost every unit of a batch)
        got = self._db.execute("SELECT blob FROM units WHERE target = ? AND unit = ? AND state != 'failed' ORDER BY idx LIMIT 1", (target, unit)).fetchone()
        return None if got is None else pickle.loads(got[0])[0]

    def rank(self) -> None:
        """Rank the ranked units of each target: highest total first, input order among equals, ties sharing a rank (1, 2, 2, 4)."""
        self._db.execute("UPDATE units SET rank = NULL WHERE rank IS NOT NULL")
        self._db.execute("CREATE TEMP TABLE ranks (idx INTEGER PRIMARY KEY, rank INTEGER)")
        self._db.execute(
            "INSERT INTO ranks SELECT idx, RANK() OVER (PARTITION BY target ORDER BY total_key DESC) FROM units WHERE state = 'ranked'"
        )
        self._db.execute("UPDATE units SET rank = (SELECT rank FROM ranks WHERE ranks.idx = units.idx) WHERE state = 'ranked'")
        self._db.execute("DROP TABLE ranks")

    def done(self) -> None:
        """Every unit is in: commit (reading is as fast either way; a commit lets the cache go)."""
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def update_each(self, change: Callable[[Unit], bool]) -> None:
        """Call ``change`` on each unit, in input order; write back those it says it changed."""
        last = 0
        while True:  # a page at a time: the rows are not read while being written
            page = list(self._select("idx > ?", (last,), "idx", limit=1000))
            if not page:
                return
            for u in page:
                if change(u):
                    self.replace(u)
            last = page[-1].index

    # ------------------------------------------------------------- reading

    def _unit(self, idx: int, rank: int | None, blob: bytes) -> Unit:
        where, unit, problems, outcome, stem, pdf, detail_at = pickle.loads(blob)  # only ever our own rows
        return _unit_class()(idx, where, unit, None, problems, rank=rank, stem=stem, outcome=outcome, detail_at=detail_at, pdf=pdf)

    def _select(self, where: str, args: tuple[Any, ...], order: str, limit: int = -1, offset: int = 0) -> Iterator[Unit]:
        cursor = self._db.execute(f"SELECT idx, rank, blob FROM units WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?", (*args, limit, offset))
        while rows := cursor.fetchmany(256):
            for row in rows:
                yield self._unit(*row)

    def score_rows(self, target: str) -> Iterator[tuple[int | None, Any]]:
        """得分明细's rows of ``target`` with each unit's rank: its ranked units highest first, then its other scored units in input order.

        Each row as the worker made it (``Unit.score_row``), its rank cell empty; read without unpickling the units.
        """
        for where, order in (("state = 'ranked' AND target = ?", "total_key DESC, idx"), ("target = ? AND state NOT IN ('ranked', 'failed') AND score_row IS NOT NULL", "idx")):
            cursor = self._db.execute(f"SELECT rank, score_row FROM units WHERE {where} ORDER BY {order}", (target,))
            while rows := cursor.fetchmany(256):
                for rank, score in rows:
                    yield rank, pickle.loads(score)  # only ever our own rows

    def sheet_files(self) -> Iterator[str]:
        """Every unit's sheets (``Unit.files``), in input order; read without unpickling the units."""
        from .batch import sheet_files

        cursor = self._db.execute("SELECT stem, pdf FROM units WHERE stem IS NOT NULL ORDER BY idx")
        while rows := cursor.fetchmany(1024):
            for stem, pdf in rows:
                yield from sheet_files(stem, bool(pdf)).values()

    def _count(self, where: str, args: tuple[Any, ...]) -> int:
        return int(self._db.execute(f"SELECT count(*) FROM units WHERE {where}", args).fetchone()[0])

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Unit]:
        return self._select("1", (), "idx")

    @overload
    def __getitem__(self, i: int) -> Unit: ...
    @overload
    def __getitem__(self, i: slice) -> list[Unit]: ...
    def __getitem__(self, i: int | slice) -> Unit | list[Unit]:
        return Rows(self, "1")[i]

    def in_state(self, state: str, target: str | None = None) -> Rows:
        if target is None:
            return Rows(self, "state = ?", (state,))
        return Rows(self, "state = ? AND target = ?", (state, target))

    def of_target(self, target: str) -> Rows:
        """The units scored for ``target`` (failed ones are not), in input order."""
        return Rows(self, "target = ? AND state != 'failed'", (target,))

    def ranked(self, target: str) -> Rows:
        return Rows(self, "state = 'ranked' AND target = ?", (target,), "total_key DESC, idx")

    def ranked_with_self_total(self, target: str) -> int:
        """How many of :meth:`ranked` have a 自评合计, counted without reading them."""
        return self._count("state = 'ranked' AND target = ? AND has_self", (target,))

    def targets(self) -> set[str]:
        return {t for (t,) in self._db.execute("SELECT DISTINCT target FROM units WHERE state != 'failed'")}

    def state_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(_STATES, 0)
        counts.update(self._db.execute("SELECT state, count(*) FROM units GROUP BY state").fetchall())
        return counts

    def reopen_read_only(self) -> None:
        """In a forked process: read through a connection of its own from now on (the parent's is left untouched).

        Every unit must be in (:meth:`done`): the database is only read from here on, on both sides.
        """
        assert not self._db.in_transaction, "reopened before done()"
        self._inherited.append(self._db)  # never used again here, nor closed: it is the parent's
        uri = pathlib.Path(self.path).resolve().as_uri() + "?mode=ro"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

    def close(self) -> None:
        """Close the database and delete its file (only the process that made it deletes it)."""
        self._finalizer()


@functools.lru_cache(maxsize=1)
def _unit_class() -> type[Unit]:
    # Imported on first use (batch imports this module), once: an import statement in _unit, run for every unit a
    # summary reads back (80,000 at 20,000 units), cost about as much as making the unit.
    from .batch import Unit

    return Unit


def _remove(db: sqlite3.Connection, path: str, owner: int) -> None:
    try:
        db.close()
    except Exception:
        pass
    if os.getpid() == owner:
        try:
            os.unlink(path)
        except OSError:
            pass
