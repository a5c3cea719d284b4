"""summary.xlsx and the other summaries written side by side (a forked process), and what that relies on.

The files are the same as a serial run's (test_batch_scale.py compares whole
output folders of --jobs 1 and --jobs 2, which takes this path); here: what
the forked half raises reaches the caller, an interruption there leaves
nothing, and the spill file and the units' database read right on both sides
of a fork.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from govrules.outputs import batch as batch_mod
from govrules.outputs import html as html_mod
from govrules.outputs.batch import Unit
from govrules.outputs.forked import Forked, can_fork
from govrules.outputs.outcome import Spill
from govrules.outputs.streaming import run_batch
from govrules.outputs.unitstore import UnitStore

from test_batch import write_csv

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork on this system: the summaries are written one after the other")


def _left_beside(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


def test_an_error_in_the_forked_half_is_raised_and_leaves_nothing(registry, tmp_path, monkeypatch):
    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(html_mod, "write_batch_html", broken)  # index.html is written by the forked half
    units = write_csv(tmp_path / "u.csv")
    with pytest.raises(OSError, match="No space left"):
        run_batch(units, registry.get("datonghu_2023"), tmp_path / "out", jobs=2, chunk=2)
    assert _left_beside(tmp_path) == ["u.csv"]  # no output folder, no spill, no database


def test_an_interruption_in_the_forked_half_leaves_nothing(registry, tmp_path, monkeypatch):
    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(html_mod, "write_batch_html", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_batch(write_csv(tmp_path / "u.csv"), registry.get("datonghu_2023"), tmp_path / "out", jobs=2, chunk=2)
    assert _left_beside(tmp_path) == ["u.csv"]


def test_an_interruption_of_the_workbook_stops_the_forked_half(registry, tmp_path, monkeypatch):
    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_mod, "summary_workbook", interrupt)  # the parent's half
    with pytest.raises(KeyboardInterrupt):
        run_batch(write_csv(tmp_path / "u.csv"), registry.get("datonghu_2023"), tmp_path / "out", jobs=2, chunk=2)
    assert _left_beside(tmp_path) == ["u.csv"]


def test_forked_hands_back_a_result_or_what_was_raised():
    assert Forked(lambda tell: ["a", "b"]).result() == ["a", "b"]

    def fails(tell):
        raise ValueError("bad cell")

    with pytest.raises(ValueError, match="bad cell"):
        Forked(fails).result()

    class Unpicklable(Exception):
        def __reduce__(self):
            raise TypeError("no")

    def fails_oddly(tell):
        raise Unpicklable("odd")

    with pytest.raises(RuntimeError, match="Unpicklable: odd"):
        Forked(fails_oddly).result()

    with pytest.raises(RuntimeError, match="exit code 3"):
        Forked(lambda tell: os._exit(3)).result()


def test_forked_hands_over_a_value_part_way():
    def work(tell):
        tell({"图": [1, 2]})
        return "done"

    side = Forked(work)
    assert side.told() == {"图": [1, 2]} and side.result() == "done"
    assert Forked(work).result() == "done"  # told but never asked for

    def fails_first(tell):
        raise ValueError("no figures")

    with pytest.raises(ValueError, match="no figures"):
        Forked(fails_first).told()
    with pytest.raises(RuntimeError, match="without handing over"):
        Forked(lambda tell: "done").told()


def test_the_spill_reads_right_on_both_sides_of_a_fork(tmp_path):
    spill = Spill(tmp_path)
    blobs = [pickle.dumps(("detail", i, "扣分" * i)) for i in range(200)]
    at = [spill.put(b) for b in blobs]
    spill.flush()
    got_here: list[object] = []
    unpack = pickle.loads  # Spill.get unpickles a Detail; these are plain tuples, read the way get reads them

    def read_all(tell) -> list[object]:
        return [unpack(pread_raw(spill, a)) for a in at]

    child = Forked(read_all)
    for a in reversed(at):  # the parent reads at the same time, in another order
        got_here.append(unpack(pread_raw(spill, a)))
    assert child.result() == [("detail", i, "扣分" * i) for i in range(200)]
    assert got_here[::-1] == [("detail", i, "扣分" * i) for i in range(200)]
    # A put after reads lands at the end.
    extra = spill.put(pickle.dumps("last"))
    assert unpack(pread_raw(spill, extra)) == "last" and unpack(pread_raw(spill, at[0])) == ("detail", 0, "")
    spill.close()


def pread_raw(spill: Spill, at: int) -> bytes:
    """The bytes put at ``at``, read as :meth:`Spill.get` reads them (it unpickles a Detail; these are plain tuples)."""
    spill.flush()
    fd = spill._fh.fileno()
    size = int.from_bytes(os.pread(fd, 8, at), "little")
    return os.pread(fd, size, at + 8)


def test_the_units_database_is_read_in_a_forked_process_and_deleted_once(tmp_path):
    store = UnitStore(tmp_path)
    for i in range(1, 301):
        store.append(Unit(i, f"u.csv 第{i + 1}行", f"第{i:03d}镇", None))
    store.done()
    path = Path(store.path)
    assert path.parent == tmp_path and path.exists()

    def read(tell) -> list[str | None]:
        store.reopen_read_only()
        names = [u.unit for u in store]
        store.close()  # the child's close does not delete the parent's file
        return names

    assert Forked(read).result() == [f"第{i:03d}镇" for i in range(1, 301)]
    assert path.exists() and [u.unit for u in store][:2] == ["第001镇", "第002镇"]
    store.close()
    assert not path.exists()
    store.close()  # twice is fine


def test_a_store_nobody_closes_is_deleted_when_collected(tmp_path):
    store = UnitStore(tmp_path)
    path = Path(store.path)
    del store
    import gc

    gc.collect()
    assert not path.exists()


def test_the_pages_are_written_by_another_process_only_when_scored_on_several_cores(registry, tmp_path, monkeypatch):
    real = html_mod.write_batch_html
    seen = tmp_path / "pids"
    seen.mkdir()

    def recording(context, path):
        (seen / str(os.getpid())).touch()
        return real(context, path)

    monkeypatch.setattr(html_mod, "write_batch_html", recording)
    units = write_csv(tmp_path / "u.csv")
    run_batch(units, registry.get("datonghu_2023"), tmp_path / "two", jobs=2, chunk=2)
    assert [p.name for p in seen.iterdir()] != [str(os.getpid())] and len(list(seen.iterdir())) == 1
    for p in seen.iterdir():
        p.unlink()
    run_batch(units, registry.get("datonghu_2023"), tmp_path / "one", jobs=1, chunk=2)
    assert [p.name for p in seen.iterdir()] == [str(os.getpid())]
