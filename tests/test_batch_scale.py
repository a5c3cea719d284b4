"""``govrules batch`` at province scale (issue 14): streaming, --jobs, charts, print-ready sheets, Ctrl-C.

Expected figures are worked out by hand from 大政公办发〔2023〕4号 for the units of
test_batch.py (乡镇: five items of 20), as derived beside its UNITS.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import govrules
from govrules.cli import main
from govrules.outputs.streaming import run_batch

from test_batch import EXPECTED_RANKING, write_csv

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def runner(registry, monkeypatch) -> CliRunner:
    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry))
    return CliRunner()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def recorded_units(folder: Path, pack_id: str = "datonghu_2023") -> Path:
    """The recorded inputs of a pack (tests/recorded: varied facts, 自评, 复核, incomplete ones) as a folder of files, plus a duplicate and a broken file."""
    folder.mkdir()
    n = 0
    for line in (ROOT / "tests" / "recorded" / "inputs.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["pack"] != pack_id:
            continue
        n += 1
        (folder / f"{n:03d}.json").write_text(json.dumps(case["input"], ensure_ascii=False), encoding="utf-8")
    first = json.loads((folder / "001.json").read_text(encoding="utf-8"))
    (folder / f"{n + 1:03d}.json").write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")  # the same unit again
    (folder / f"{n + 2:03d}.json").write_text("{not json", encoding="utf-8")
    return folder


def test_parallel_output_is_byte_identical_to_serial(registry, tmp_path):
    pack = registry.get("datonghu_2023")
    units = recorded_units(tmp_path / "units")
    # Small chunks so that the two workers really share the work (the CLI's chunks are larger).
    serial, _ = run_batch(units, pack, tmp_path / "serial", jobs=1, chunk=3)
    parallel, _ = run_batch(units, pack, tmp_path / "parallel", jobs=2, chunk=3)
    a, b = snapshot(tmp_path / "serial"), snapshot(tmp_path / "parallel")
    assert list(a) == list(b) and a == b
    assert serial.counts() == parallel.counts() and serial.counts()["failed"] == 2  # the duplicate and the broken file
    assert any(name.startswith("units/") for name in a) and "summary.xlsx" in a and "targets/xiangzhen.html" in a


def test_parallel_output_of_a_streamed_csv_is_byte_identical_to_serial(registry, tmp_path):
    pack = registry.get("datonghu_2023")
    units = write_csv(tmp_path / "u.csv")  # no assessor column: streamed, two rows a chunk
    serial, _ = run_batch(units, pack, tmp_path / "serial", jobs=1, chunk=2)
    parallel, _ = run_batch(units, pack, tmp_path / "parallel", jobs=2, chunk=2)
    assert snapshot(tmp_path / "serial") == snapshot(tmp_path / "parallel")
    from govrules.numbers import fmt

    got = [(u.rank, u.unit, fmt(u.outcome.total)) for u in sorted(parallel.units, key=lambda u: u.rank or 99) if u.state == "ranked"]
    assert got == EXPECTED_RANKING


def test_workers_write_their_sheets_one_at_a_time(registry, tmp_path, monkeypatch):
    # Two workers creating files at once in units/ cost ext4 several times the kernel time (docs/performance.md,
    # section 6): each writes its chunk's sheets holding a lock the pool's workers share.
    from govrules.outputs import streaming

    real = streaming.write_unit_sheets

    def checked(out, files):
        lock = streaming._JOB[6]
        assert lock is not None and not lock.acquire(block=False)  # held, by this worker
        real(out, files)

    monkeypatch.setattr(streaming, "write_unit_sheets", checked)
    pack = registry.get("datonghu_2023")
    units = write_csv(tmp_path / "u.csv")
    batch, _ = run_batch(units, pack, tmp_path / "parallel", jobs=2, chunk=2)
    written = sorted(p.name for p in (tmp_path / "parallel" / "units").iterdir())
    assert written and len(written) == 2 * sum(1 for u in batch.units if u.stem)
    monkeypatch.setattr(streaming, "write_unit_sheets", real)
    run_batch(units, pack, tmp_path / "serial", jobs=1, chunk=2)  # one process: no lock
    assert snapshot(tmp_path / "serial") == snapshot(tmp_path / "parallel")


def test_no_unit_sheets(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", "datonghu_2023", str(write_csv(tmp_path / "u.csv")), "--out", str(out), "--no-unit-sheets", "-f", "json"])
    assert result.exit_code == 1  # two bad rows (test_batch.py)
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    assert [(u["rank"], u["unit"], u["total"]) for u in data["rankings"][0]["units"]] == EXPECTED_RANKING
    assert all(u["files"] == {} for u in data["rankings"][0]["units"])
    assert not list((out / "units").iterdir())
    listed = json.loads((out / ".govrules-batch").read_text(encoding="utf-8"))["files"]
    assert not any(f.startswith("units/") for f in listed)


def _csv_rows(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) - 1


def test_unit_sheets_by_default_up_to_a_number_of_units(runner, tmp_path, monkeypatch):
    # Not told, a batch writes units/ for up to UNIT_SHEETS_UP_TO units, and above it says it did not and how to get them.
    from govrules.outputs import batch

    units = write_csv(tmp_path / "u.csv")
    rows = _csv_rows(units)
    monkeypatch.setattr(batch, "UNIT_SHEETS_UP_TO", rows)
    small = runner.invoke(main, ["batch", "datonghu_2023", str(units), "--out", str(tmp_path / "small")])
    assert list((tmp_path / "small" / "units").iterdir()) and "--unit-sheets" not in small.output

    monkeypatch.setattr(batch, "UNIT_SHEETS_UP_TO", rows - 1)
    large = runner.invoke(main, ["batch", "datonghu_2023", str(units), "--out", str(tmp_path / "large")])
    assert large.exit_code == 1  # two bad rows (test_batch.py), as with the sheets
    assert not list((tmp_path / "large" / "units").iterdir())
    assert f"单位超过 {rows - 1} 个，未写每个单位的评分表 units/" in large.output and "加 --unit-sheets" in large.output
    # Everything else is what the run with the sheets wrote.
    assert (tmp_path / "large" / "ranking.csv").read_bytes() == (tmp_path / "small" / "ranking.csv").read_bytes()

    asked = runner.invoke(main, ["batch", "datonghu_2023", str(units), "--out", str(tmp_path / "asked"), "--unit-sheets"])
    assert snapshot(tmp_path / "asked" / "units") == snapshot(tmp_path / "small" / "units") and "--unit-sheets" not in asked.output


def test_charts_are_inline_svg_with_text_and_nothing_from_the_network(runner, tmp_path):
    out = tmp_path / "out"
    runner.invoke(main, ["batch", "datonghu_2023", str(write_csv(tmp_path / "u.csv")), "--out", str(out)])
    for page in (out / "index.html", out / "targets" / "xiangzhen.html"):
        html = page.read_text(encoding="utf-8")
        assert html.count("<svg") == 3  # 总分分布, 各指标失分, 自评与最终得分 (no 负责考核部门 in this pack)
        assert "<script" not in html and "src=" not in html
        # The only address in the page: the SVG namespace (the unit named by a formula is text, escaped).
        addresses = set(re.findall(r'(?:href|xmlns)="(https?:[^"]*)"', html))
        assert addresses <= {"http://www.w3.org/2000/svg"}
        assert re.search(r"<text[^>]*>[^<]*xz\.5 依申请公开", html)  # the indicator's name is text the browser draws
    target_page = (out / "targets" / "xiangzhen.html").read_text(encoding="utf-8")
    assert 'href="../units/' in target_page and 'href="../index.html"' in target_page


def test_points_lost_per_indicator_in_the_workbook(runner, tmp_path):
    out = tmp_path / "out"
    runner.invoke(main, ["batch", "datonghu_2023", str(write_csv(tmp_path / "u.csv")), "--out", str(out)])
    rows = list(load_workbook(out / "summary.xlsx")["图表"].iter_rows(values_only=True))
    start = next(n for n, r in enumerate(rows) if r[0] and str(r[0]).startswith("各指标失分合计"))
    lost = [(r[1], D(str(r[2]))) for r in rows[start + 1 : start + 4]]
    # Points lost across the units scored (test_batch.py's UNITS):
    #   xz.5: 金盆镇 20 + 千山红镇 20 = 40;
    #   xz.3: 北洲子镇 20 − 16.6 = 3.4;
    #   xz.1: 北洲子镇 0.8 + 河坝镇 0.3 + <script> 镇 0.5 = 1.6 (南湾湖办事处's xz.1 is not checked: no loss counted).
    assert lost == [("xz.5 依申请公开", D("40")), ("xz.3 政务新媒体", D("3.4")), ("xz.1 主动公开信息", D("1.6"))]
    with zipfile.ZipFile(out / "summary.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3


def test_summary_workbook_is_print_ready(runner, tmp_path):
    out = tmp_path / "out"
    runner.invoke(main, ["batch", "datonghu_2023", str(write_csv(tmp_path / "u.csv")), "--out", str(out)])
    wb = load_workbook(out / "summary.xlsx")
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize in (9, "9"), ws.title
        # Fitted to one page wide (XlsxWriter leaves out fitToWidth="1", the format's default), any number of pages down.
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1, "1") and ws.page_setup.fitToHeight in (0, "0"), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
    ws = wb["排名"]
    # 8 columns (wide: landscape); header + 6 ranked + 1 incomplete + 2 failed = 10 rows.
    assert ws.page_setup.orientation == "landscape" and ws.auto_filter.ref == "A1:H10"
    assert wb["出错"].page_setup.orientation == "portrait"


def test_score_sheet_merges_levels_and_prints_on_a4(registry):
    from govrules.outputs.xlsx import score_workbook

    pack = registry.get("datonghu_2023")
    example = json.loads((Path(pack.origin).parent / "examples" / "quzhi.json").read_text(encoding="utf-8"))
    ws = score_workbook(pack.assess(example)).active
    # 区直: 1. 政务公开 over its 9 items, 基础信息公开 (qz.4) and 重点领域信息公开 (qz.5) each with 5 sub-items:
    # the table starts on row 5 under the header (title, 单位, blank, header): 1 + 9 + 10 = 20 rows, 5–24;
    # qz.4 is the 4th item (rows 9 + its 5 sub-items: 9–14), qz.5 follows (15–20).
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["B5:B24", "C15:C20", "C9:C14"]
    assert ws.page_setup.paperSize in (9, "9") and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$4:$4" and ws.auto_filter.ref.startswith("A4:")


def test_terminal_shows_top_and_bottom_of_a_long_ranking(runner, tmp_path):
    result = runner.invoke(main, ["batch", "datonghu_2023", str(write_csv(tmp_path / "u.csv")), "--out", str(tmp_path / "out"), "--show", "2"])
    text = result.output
    # 6 ranked: the first 2 (100, 99.7), then the last 2 (80, 80); 2 in between.
    assert "中间 2 个单位略" in text and "ranking.csv" in text
    assert "河坝镇" in text and "金盆镇" in text and "千山红镇" in text
    assert "北洲子镇" not in text.split("未完成")[0]


def test_terminal_lists_at_most_twice_show_incomplete_units(runner, tmp_path):
    from test_batch import ALL_MET, HEADER, NO_REVIEW

    # Five units with active_late_count blank: xz.1 not checked, so each is incomplete (未完成), none ranked.
    rows = [[f"空{i}镇", "乡镇", "", *ALL_MET[1:], *NO_REVIEW] for i in range(1, 6)]
    result = runner.invoke(main, ["batch", "datonghu_2023", str(write_csv(tmp_path / "u.csv", HEADER, rows)), "--out", str(tmp_path / "out"), "--show", "1"])
    table = result.stdout
    assert "空1镇" in table and "空2镇" in table and "空3镇" not in table
    assert "其余 3 个单位略" in table and "summary.xlsx「未完成」" in table
    # On stderr too, the first two with their blank cells; the others' missing facts are in summary.xlsx 「未完成」.
    assert "空1镇：" in result.stderr and "空2镇：" in result.stderr and "空3镇" not in result.stderr
    assert "…（其余 3 个单位略，完整列表见 summary.xlsx「未完成」、index.html）" in result.stderr
    assert result.exit_code == 1


def test_ctrl_c_leaves_no_output_that_looks_complete(tmp_path):
    """SIGINT while units are being written: exit 130, no output folder, no temporary folder left behind."""
    sys.path.insert(0, str(ROOT / "bench"))
    import benchlib
    import province

    pack = benchlib.registry().get("datonghu_2023")
    inputs = benchlib.InputGen(pack, "xiangzhen", seed=3).batch(1500)
    for i, d in enumerate(inputs):
        d["unit"] = f"第{i:05d}镇"
    src = tmp_path / "u.csv"
    province.units_csv(src, pack, inputs)
    out = tmp_path / "out"
    gov = str(Path(sys.executable).parent / "govrules")
    proc = subprocess.Popen([gov, "batch", "datonghu_2023", str(src), "--out", str(out), "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the temporary folder holds some units' sheets
        tmp = [p for p in tmp_path.iterdir() if p.name.startswith(".out.govrules-tmp-")]
        if tmp and (tmp[0] / "units").is_dir() and len(os.listdir(tmp[0] / "units")) >= 20:
            break
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    text = output.decode("utf-8")
    assert proc.returncode == 130, text
    assert "已中断" in text and "Traceback" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u.csv"]  # no out/, no .out.govrules-tmp-*


# ------------------------------------------------- office outputs (issue 15) in the streaming path


def _office_csv(path: Path) -> Path:
    """Four 乡镇 rows for the streamed path: three complete, 丁镇 with foi_ok blank (incomplete)."""
    from test_office import ALL_GOOD

    head = ["单位", *ALL_GOOD]
    good = ["是" if v is True else "无" if v == [] else str(v) for v in ALL_GOOD.values()]
    rows = [[name, *good] for name in ("甲镇", "乙镇", "丙镇", "丁镇")]
    rows[3][head.index("foi_ok")] = ""
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n", encoding="utf-8")
    return path


def test_blank_cells_are_named_by_the_workers_that_read_them(registry, tmp_path):
    from govrules.outputs.batch import blank_cells

    pack = registry.get("datonghu_2023")
    units = _office_csv(tmp_path / "units.csv")
    letter = chr(ord("A") + 1 + list(__import__("test_office").ALL_GOOD).index("foi_ok"))
    for jobs in (1, 2):
        batch, _ = run_batch(units, pack, tmp_path / f"j{jobs}", target="xiangzhen", jobs=jobs, chunk=1)
        assert [u.unit for u in batch.incomplete] == ["丁镇"]
        (u,) = batch.incomplete
        assert u.cells == {}  # let go once scored: the cells were named where the row was read
        assert blank_cells(u, pack) == [f"units.csv 第5行 {letter}列「foi_ok」：未填（{dict((f.name, f.label) for f in pack.spec.facts)['foi_ok']}，foi_ok）"]


def test_pdf_in_the_streaming_path(runner, registry, tmp_path):
    from govrules.errors import GovrulesError

    try:
        from govrules.outputs import pdf

        pdf.check_available()
    except GovrulesError as exc:
        pytest.skip(f"PDF output unavailable here: {exc}")
    pack = registry.get("datonghu_2023")
    units = _office_csv(tmp_path / "units.csv")
    # Each unit's PDF is laid out by the worker that scored it (two workers, a unit a chunk), summary.pdf at the end.
    batch, written = run_batch(units, pack, tmp_path / "r", target="xiangzhen", jobs=2, chunk=1, pdf=True)
    out = tmp_path / "r"
    pdfs = sorted(p.name for p in (out / "units").glob("*.pdf"))
    assert pdfs == ["001_甲镇.pdf", "002_乙镇.pdf", "003_丙镇.pdf", "004_丁镇.pdf"]
    assert all((out / "units" / n).read_bytes().startswith(b"%PDF") for n in pdfs)
    assert (out / "summary.pdf").read_bytes().startswith(b"%PDF")
    listed = json.loads((out / ".govrules-batch").read_text(encoding="utf-8"))["files"]
    assert "summary.pdf" in listed and "units/004_丁镇.pdf" in listed
    assert {out / f for f in listed} == set(written)
    # Without unit sheets: summary.pdf only. Through the CLI: exit 1 (丁镇 is incomplete), everything written.
    result = runner.invoke(main, ["batch", "datonghu_2023", str(units), "-t", "乡镇", "--out", str(tmp_path / "s"), "--pdf", "--no-unit-sheets", "--jobs", "2"])
    assert result.exit_code == 1 and "未完成：1 个单位有未填的必填项" in result.output
    assert (tmp_path / "s" / "summary.pdf").is_file() and not list((tmp_path / "s" / "units").glob("*.pdf"))


def _rows(ws) -> list[list]:
    return [[c.value for c in r] for r in ws.iter_rows()]


def test_a_sheet_longer_than_excel_allows_continues_on_numbered_sheets(registry, tmp_path, monkeypatch):
    """Excel takes 1,048,576 rows a sheet: past them a sheet goes on in 扣分明细（2）, （3）…, each with its header.

    A limit of 110 rows is injected: of the recorded units' sheets, 扣分明细 (256 rows) and 可挽回分值 (241)
    are longer, the others are not; 图表 (121 rows, the last ones space beside its charts) is never split."""
    import govrules.outputs.summary_xlsx as summary_xlsx

    pack = registry.get("datonghu_2023")
    units = recorded_units(tmp_path / "units")
    run_batch(units, pack, tmp_path / "whole", jobs=1, unit_sheets=False)
    monkeypatch.setattr(summary_xlsx, "ROWS_MAX", 110)  # a header and 109 rows a sheet
    run_batch(units, pack, tmp_path / "split", jobs=2, chunk=5, unit_sheets=False)
    whole = load_workbook(tmp_path / "whole" / "summary.xlsx")
    split = load_workbook(tmp_path / "split" / "summary.xlsx")
    expected_names = []
    for name in whole.sheetnames:
        rows = _rows(whole[name])
        if name == "图表":
            assert _rows(split[name]) == rows and split[name].auto_filter.ref == "A1:C121"  # past the limit, whole
            expected_names.append(name)
            continue
        header, body = rows[0], rows[1:]
        parts = max(1, -(-len(body) // 109))  # 109 rows a sheet, rounded up
        if name in ("扣分明细", "可挽回分值"):
            assert parts == 3  # 255 and 240 rows: 109 + 109 + 37, 109 + 109 + 22
        else:
            assert parts == 1, name
        names = [name] + [f"{name}（{n}）" for n in range(2, parts + 1)]
        expected_names += names
        got = []
        for part in names:
            part_rows = _rows(split[part])
            assert part_rows[0] == header and len(part_rows) <= 110
            # Each part prints its header on every page and filters its own rows.
            assert split[part].print_title_rows == "$1:$1" and split[part].auto_filter.ref.endswith(str(len(part_rows)))
            got += part_rows[1:]
        assert got == body, name
    # The continuations follow their first part, in order; the other sheets keep their places.
    assert split.sheetnames == expected_names


def test_the_workbooks_distribution_counts_units_in_whole_numbers(runner, tmp_path):
    out = tmp_path / "out"
    runner.invoke(main, ["batch", "datonghu_2023", str(write_csv(tmp_path / "u.csv")), "--out", str(out)])
    with zipfile.ZipFile(out / "summary.xlsx") as z:
        xml = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    (column,) = [x for x in xml if "<c:barDir val=\"col\"/>" in x]  # the distribution of totals (the others are bars and a scatter)
    # A handful of units per band: ticks 0, 1, 2… (Excel's own choice would be 0, 0.5, 1…).
    assert '<c:majorUnit val="1"/>' in column and 'formatCode="0"' in column


@pytest.mark.parametrize(("peak", "step"), [(0, 1), (5, 1), (6, 2), (10, 2), (11, 5), (26, 10), (51, 20), (101, 50), (20000, 5000)])
def test_a_whole_step_gives_about_five_ticks(peak, step):
    from govrules.outputs.summary_xlsx import whole_step

    assert whole_step(peak) == step and peak <= step * 5


def test_a_cell_over_several_lines_does_not_count_as_more_units(tmp_path, monkeypatch):
    # A reason written over three lines is one unit's cell: near the limit, the count of rows decides the
    # per-unit sheets, so it is the count of records, not of lines.
    from govrules.outputs import batch

    units = write_csv(tmp_path / "u.csv")
    rows = _csv_rows(units)
    text = units.read_text(encoding="utf-8").splitlines()
    text.append("多行镇,乡镇" + "," * (text[0].count(",") - 2) + ',"第一行\n第二行\n第三行"')
    units.write_text("\n".join(text) + "\n", encoding="utf-8")
    monkeypatch.setattr(batch, "UNIT_SHEETS_UP_TO", rows)  # the lines are now rows + 3: above it, the records rows + 1
    pack = govrules.Registry.discover().get("datonghu_2023")
    assert batch.open_units(units, pack)[2] == rows + 1
    monkeypatch.setattr(batch, "UNIT_SHEETS_UP_TO", rows + 10)  # at or under it, lines are counted (no quote needed)
    assert batch.open_units(units, pack)[2] == rows + 3


def test_a_streamed_batch_keeps_no_object_per_unit(registry, tmp_path, monkeypatch):
    """The parent holds its units as rows of a store on disk, not as Unit and Outcome objects (issue 14: memory flat in the number of units)."""
    import gc

    from govrules.outputs import batch as batch_mod, streaming
    from govrules.outputs.outcome import Outcome
    from test_batch import HEADER, UNITS

    hebaz, jinpen = UNITS[1], UNITS[3]  # 河坝镇 99.7 and 金盆镇 80 (test_batch.py's rows 3 and 5)
    rows = [[f"{'河坝' if n % 2 else '金盆'}{n}镇", *(hebaz if n % 2 else jinpen)[1:]] for n in range(600)]
    rows.append(["河坝1镇", *hebaz[1:]])  # the same unit again: fails, the first one stands
    units = write_csv(tmp_path / "u.csv", HEADER, rows)

    alive: dict[str, int] = {}

    def counting(batch, *args, **kw):
        gc.collect()
        alive["Unit"] = sum(isinstance(o, batch_mod.Unit) for o in gc.get_objects())
        alive["Outcome"] = sum(isinstance(o, Outcome) for o in gc.get_objects())
        return batch_mod.write_summaries(batch, *args, **kw)

    monkeypatch.setattr(streaming, "write_summaries", counting)
    batch, _ = run_batch(units, registry.get("datonghu_2023"), tmp_path / "out", jobs=1, chunk=50, unit_sheets=False)
    # When the summaries begin, of the 601 units at most the last chunk's (50) are still objects (the loop's
    # last variables); a batch keeping a Unit and an Outcome per unit had 601 of each here.
    assert alive["Unit"] <= 50 and alive["Outcome"] <= 50
    # The ranking read back from the store: 300 units at 99.7 share rank 1 (input order among them), 300 at 80 share rank 301.
    from govrules.numbers import fmt

    ranked = batch.ranked("xiangzhen")
    assert len(ranked) == 600
    got = [(u.rank, u.unit, fmt(u.outcome.total)) for u in ranked]
    assert got[:2] == [(1, "河坝1镇", "99.7"), (1, "河坝3镇", "99.7")]
    assert got[299:301] == [(1, "河坝599镇", "99.7"), (301, "金盆0镇", "80")]
    assert got[-1] == (301, "金盆598镇", "80")
    assert batch.counts() == {"total": 601, "ranked": 600, "incomplete": 0, "checklist": 0, "failed": 1}
    (twice,) = batch.failed
    assert twice.where == "u.csv 第602行" and "第3行" in twice.problems[0].message  # row 3 is 河坝1镇's first row


def test_the_stores_sort_key_orders_totals_as_numbers():
    """Totals sort in the store as Decimals do: 100 and 100.0 tie, negatives below zero, 0.12 below 0.123."""
    from decimal import Decimal

    from govrules.outputs.unitstore import total_key

    values = [D(v) for v in ["100", "100.0", "99.95", "0", "0.00", "0.12", "0.123", "-0.12", "-0.123", "-5", "1E+3", "7.5", "75", "-100"]]
    by_key = sorted(values, key=lambda v: (total_key(v), str(v)))
    by_value = sorted(values, key=lambda v: (v, str(v)))
    assert [v for v in by_key] == [v for v in by_value]
    assert total_key(D("100")) == total_key(D("100.0")) and total_key(D("0")) == total_key(D("0.00"))
    assert all((total_key(a) == total_key(b)) == (a == b) for a in values for b in values)
    assert isinstance(values[0], Decimal)


@pytest.mark.parametrize(
    "text",
    ["a,b\nc,d\n", "a,b\r\nc,d", "a,b\rc,d\r", '"x\r\ny",z\n\n"q\rr"\r\n', "", "\n\r\n\r", 'a,"b\nc', "α,β\r\n甲,乙"],
)
def test_a_csvs_records_are_read_as_from_a_stringio(text):
    """The lines the reader is fed (cut from the text, not a StringIO copy of it) give the records a StringIO gives."""
    import csv
    import io

    from govrules.outputs.batch import _csv_records

    def records(it):
        out = []
        while True:
            try:
                out.append(next(it))
            except StopIteration:
                return out
            except csv.Error as exc:
                out.append(str(exc))

    assert [r if r is not None else e for _n, r, e in _csv_records(text)] == records(csv.reader(io.StringIO(text, newline="")))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CELLS = st.sampled_from(["甲镇", "乡镇", "是", "3", "", "a,b", '带"引号"', "第一行\n第二行", "x\r\ny", "\ufeff", "ÿ", "政务公开"])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_CELLS, min_size=1, max_size=4), min_size=0, max_size=6),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "mixed"]),
    last_newline=st.booleans(),
)
def test_a_csv_file_read_as_it_goes_gives_the_records_of_its_whole_text(tmp_path_factory, rows, ending, encoding, last_newline):
    # The file is read as it is scored (never held whole); what it gives must be what decoding it whole gave:
    # the same encoding chosen (UTF-8 with or without BOM, GB18030, UTF-8 with bad rows kept as surrogates),
    # the same records, the same count of rows.
    import csv
    import io

    from govrules.outputs import batch

    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator=ending).writerows([["unit", "target"], *rows])
    text = buf.getvalue()
    if not last_newline:
        text = text[: -len(ending)]
    if encoding == "mixed":  # a UTF-8 file with one row in GB18030: that row's bytes kept as surrogates
        raw = text.encode("utf-8") + "\n坏行,乡镇\n".encode("gb18030")
    else:
        raw = text.encode(encoding)
    p = tmp_path_factory.mktemp("csv") / "u.csv"
    p.write_bytes(raw)
    whole = batch._decode(raw, "u.csv")
    scan = batch._csv_scan(p)
    assert list(batch._csv_file_records(p, scan.encoding, scan.errors)) == list(batch._csv_records(whole))
    assert scan.rows(p) == batch._csv_rows(whole)
    # The records are read as a file is iterated: lines, not the whole text.
    assert scan.lines == whole.count("\n") + (not whole.endswith("\n")) - 1
