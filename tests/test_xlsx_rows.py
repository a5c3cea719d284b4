"""summary.xlsx's rows written as text (outputs/xlsxrows.py) are the bytes XlsxWriter's own calls write.

Each test writes the same workbook both ways — ``summary_xlsx.FAST_ROWS`` off
(XlsxWriter's ``write_string``/``write_number``, the reference) and on (row text,
the input-order sheets' rows made in the workers) — and compares the files
byte for byte: every shipped pack's recorded inputs and examples, generated
text of every awkward kind, ``--jobs 1`` against ``--jobs 2``, and sheets
continued past an injected row limit. The one intended difference (a text
written ``<r>…</r>``) has its own test.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, strategies as st
from openpyxl import load_workbook

from govrules.outputs import summary_xlsx
from govrules.outputs.streaming import run_batch
from govrules.outputs.summary_xlsx import SummaryBook
from govrules.outputs.xlsx import safe
from govrules.outputs.xlsxrows import encoded, row_text

from test_batch_scale import recorded_units

ROOT = Path(__file__).resolve().parents[1]
PACKS = sorted({json.loads(line)["pack"] for line in (ROOT / "tests" / "recorded" / "inputs.jsonl").read_text(encoding="utf-8").splitlines()})


def _units(folder: Path, pack_id: str) -> Path:
    """A pack's recorded inputs (tests/recorded: varied facts, 自评, 复核, incomplete ones, cohorts) and examples as files, plus a duplicate and a broken file."""
    folder.mkdir()
    inputs = []
    for line in (ROOT / "tests" / "recorded" / "inputs.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["pack"] == pack_id:
            inputs += case["cohort"] if "cohort" in case else [case["input"]]
    for n, data in enumerate(inputs + inputs[:1]):
        (folder / f"{n:03d}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    return folder


def _batch(monkeypatch, fast: bool, *args, **kwargs) -> bytes:
    monkeypatch.setattr(summary_xlsx, "FAST_ROWS", fast)
    batch, _ = run_batch(*args, **kwargs)
    return (Path(args[2]) / "summary.xlsx").read_bytes()


def _same_parts(a: bytes, b: bytes, tmp_path: Path) -> None:
    """The same file; where not, the first part that differs is named (easier to read than two zips)."""
    if a == b:
        return
    (tmp_path / "a.xlsx").write_bytes(a)
    (tmp_path / "b.xlsx").write_bytes(b)
    za, zb = zipfile.ZipFile(tmp_path / "a.xlsx"), zipfile.ZipFile(tmp_path / "b.xlsx")
    assert za.namelist() == zb.namelist()
    for name in za.namelist():
        assert za.read(name).decode("utf-8") == zb.read(name).decode("utf-8"), name
    pytest.fail("the parts are the same but the files are not")


@pytest.mark.parametrize("pack_id", PACKS)
def test_every_packs_recorded_inputs_and_examples_give_the_same_bytes(registry, tmp_path, monkeypatch, pack_id):
    pack = registry.get(pack_id)
    units = _units(tmp_path / "units", pack_id)
    for example in (Path(pack.origin).parent / "examples").glob("*.json"):
        shutil.copy(example, units / f"example_{example.name}")
    plain = _batch(monkeypatch, False, units, pack, tmp_path / "plain", jobs=1, unit_sheets=False)
    fast = _batch(monkeypatch, True, units, pack, tmp_path / "fast", jobs=2, chunk=4, unit_sheets=False)
    _same_parts(plain, fast, tmp_path)
    book = load_workbook(tmp_path / "fast" / "summary.xlsx", read_only=True)
    assert "扣分明细" in book.sheetnames and "排名" in book.sheetnames


def test_a_pack_examples_csv_gives_the_same_bytes(registry, tmp_path, monkeypatch):
    pack = registry.get("huzhou_bianzhi_2021")
    table = Path(pack.origin).parent / "examples" / "quxian.csv"
    plain = _batch(monkeypatch, False, table, pack, tmp_path / "plain", jobs=1, unit_sheets=False)
    fast = _batch(monkeypatch, True, table, pack, tmp_path / "fast", jobs=2, chunk=1, unit_sheets=False)
    _same_parts(plain, fast, tmp_path)


@pytest.mark.parametrize("jobs", [1, 2])
def test_sheets_continued_past_the_row_limit_give_the_same_bytes(registry, tmp_path, monkeypatch, jobs):
    pack = registry.get("datonghu_2023")
    units = recorded_units(tmp_path / "units")
    monkeypatch.setattr(summary_xlsx, "ROWS_MAX", 37)  # 扣分明细 and 可挽回分值 go on over several sheets, mid-unit
    plain = _batch(monkeypatch, False, units, pack, tmp_path / "plain", jobs=1, unit_sheets=False)
    fast = _batch(monkeypatch, True, units, pack, tmp_path / "fast", jobs=jobs, chunk=3, unit_sheets=False)
    _same_parts(plain, fast, tmp_path)
    assert "扣分明细（7）" in load_workbook(tmp_path / "fast" / "summary.xlsx", read_only=True).sheetnames  # 255 rows, 36 a sheet


# --- generated cells ------------------------------------------------------------------------------------

_AWKWARD = st.sampled_from([
    "_x0041_", "_X0041_", "_x004G_", "_x005F_x0000_", "a_x00E9_b", "=1+1", "+1", "-3", "@SUM(A1)", "'=quoted", "12", "1e5", "0x1F",
    "\t", "\r\n", "\n", " ", "\u3000", "\xa0", "\x85", "\x1c", "\ufffe", "\uffff", "\ud800", "\udfff", "&amp;", "<b>", '"', "]]>",
    "\U0001F600", "政务公开", "http://example.com/", "mailto:a@b", "external:x", "{=A1}", "TRUE", "#N/A", "nan", "inf",
])  # fmt: skip
_TEXT = st.lists(st.one_of(st.text(max_size=12), _AWKWARD), max_size=6).map("".join)
_VALUE = st.one_of(
    st.none(),
    st.just(""),
    _TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: abs(d.adjusted()) < 300),
    st.decimals(allow_nan=True, allow_infinity=True).filter(lambda d: not d.is_finite() and not d.is_snan()),  # a signalling NaN fails either way
    st.floats(allow_nan=True, allow_infinity=True),  # the rows row_text leaves to XlsxWriter's calls
    st.booleans(),
)
_ROWS = st.lists(st.lists(_VALUE, max_size=14), max_size=12)


def _rich(value: object) -> bool:
    """A text XlsxWriter writes unescaped, as XML of its own (see test_a_text_that_looks_like_rich_text_is_written_as_text)."""
    from xlsxwriter.xmlwriter import XMLwriter

    if type(value) is not str or value == "":
        return False
    text = XMLwriter._escape_control_characters(safe(value))
    return text.startswith("<r>") and text.endswith("</r>")


def _workbook(path: Path, fast: bool, rows: list[list[object]], encode: bool = True) -> bytes:
    book = SummaryBook(path, "标题", fast=fast)
    s = book.sheet("表", ["甲", "乙"], [10, 20])
    for r in rows:
        s.add(r)
    s.finish()
    # The input-order sheets as the workers send them (row text, as UTF-8 bytes, or the values of a row it does not write:
    # bytes written straight into the file between rows XlsxWriter writes as text), or as values.
    if fast:
        prepared: list = []
        for r in rows:
            try:
                prepared.append(encoded([row_text(r)])[0] if encode else row_text(r))
            except Exception:
                prepared.append(r)
        book.effects.add_texts(prepared)
    else:
        for r in rows:
            book.effects.add(r)
    book.input_order_sheets()
    book.close()
    return path.read_bytes()


@given(rows=_ROWS, encode=st.booleans())
def test_generated_cells_give_the_same_bytes(tmp_path_factory, rows, encode):
    rows = [[v for v in r if not _rich(v)] for r in rows]
    tmp = tmp_path_factory.mktemp("cells")
    _same_parts(_workbook(tmp / "plain.xlsx", False, rows), _workbook(tmp / "fast.xlsx", True, rows, encode), tmp)


@pytest.mark.parametrize(
    "text",
    [
        "长" * 40_000,  # safe() cuts it to 32,767 characters
        "\U0001F600" * 20_000,  # 40,000 UTF-16 units: XlsxWriter cuts it again, to 16,383 characters
        "a" * 32_766 + "\U0001F600",  # 32,768 units: the last character goes
        " " + "x" * 32_000 + " ",
        "_x0041_" * 5_000,  # longer once escaped; cut before, as XlsxWriter does
        "\r" * 20_000,
    ],
)
def test_very_long_text_gives_the_same_bytes(tmp_path, text):
    rows = [["单位", text, 1], [text]]
    _same_parts(_workbook(tmp_path / "plain.xlsx", False, rows), _workbook(tmp_path / "fast.xlsx", True, rows), tmp_path)


def test_text_stays_text(tmp_path):
    """What a spreadsheet would run or read as a number is written as text (an inline string), never a formula."""
    rows = [["=1+1", "+1", "-3", "@A1", "12", "1e5", "TRUE", "=HYPERLINK(\"http://x\")", "{=A1}"]]
    _workbook(tmp_path / "fast.xlsx", True, rows)
    xml = zipfile.ZipFile(tmp_path / "fast.xlsx").read("xl/worksheets/sheet1.xml").decode("utf-8")  # 表: shown before the input-order sheets
    assert "<f>" not in xml and xml.count('t="inlineStr"') == 9 + 2  # the row's nine cells and the header's two
    ws = load_workbook(tmp_path / "fast.xlsx")["表"]
    assert [c.value for c in ws[2]] == ["'=1+1", "'+1", "'-3", "'@A1", "12", "1e5", "TRUE", "'=HYPERLINK(\"http://x\")", "{=A1}"]


def test_a_text_that_looks_like_rich_text_is_written_as_text(tmp_path):
    """The one difference: XlsxWriter writes a text starting ``<r>`` and ending ``</r>`` as XML, unescaped.

    A reason like ``<r>a & b</r>`` then makes a sheet that is not XML (Excel calls the file corrupt),
    and ``<r><t>x</t></r>`` a cell showing ``x``. Row text escapes it: the cell shows what was written."""
    rows = [["<r>a & b</r>", "<r><t>x</t></r>"]]
    _workbook(tmp_path / "plain.xlsx", False, rows)
    _workbook(tmp_path / "fast.xlsx", True, rows)
    sheet = "xl/worksheets/sheet1.xml"
    with pytest.raises(ElementTree.ParseError):  # XlsxWriter's: not XML
        ElementTree.fromstring(zipfile.ZipFile(tmp_path / "plain.xlsx").read(sheet))
    ElementTree.fromstring(zipfile.ZipFile(tmp_path / "fast.xlsx").read(sheet))
    ws = load_workbook(tmp_path / "fast.xlsx")["表"]
    assert [c.value for c in ws[2]] == ["<r>a & b</r>", "<r><t>x</t></r>"]


def test_row_text_leaves_the_row_number_open():
    text, length, first, last = row_text([None, "甲 ", Decimal("-0.50"), 3, ""])
    assert (length, first, last) == (5, 1, 3)
    assert text is not None and re.fullmatch(
        '<row r="\x00"><c r="B\x00" t="inlineStr"><is><t xml:space="preserve">甲 </t></is></c><c r="C\x00"><v>-0.50</v></c><c r="D\x00"><v>3</v></c></row>', text
    )
    assert row_text([None, ""]) == (None, 2, -1, -1)  # no cells: XlsxWriter writes no <row>


def test_a_row_wider_than_the_columns_made_ready_gives_the_same_bytes(tmp_path):
    rows = [[f"指标{c}" for c in range(300)], [Decimal(c) for c in range(300)]]  # past column IV (256), written through XlsxWriter
    _same_parts(_workbook(tmp_path / "plain.xlsx", False, rows), _workbook(tmp_path / "fast.xlsx", True, rows), tmp_path)


@given(
    values=st.lists(st.one_of(st.none(), st.just(""), _TEXT, st.integers(min_value=-(10**6), max_value=10**6)), max_size=30),
    col=st.integers(min_value=0, max_value=40),
    number=st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)),
)
def test_a_number_put_into_a_row_made_as_text_is_the_row_made_with_it(values, col, number):
    """得分明细's rank (known only once every unit is scored) put into the row a worker made equals the row made with it."""
    from govrules.outputs.xlsxrows import Unwritable, with_number

    values = values + [None] * (col + 1 - len(values)) if len(values) <= col else list(values)
    values[col] = None
    try:
        made = row_text(values)
    except Unwritable:
        return
    whole = list(values)
    whole[col] = number
    assert with_number(made, col, number) == row_text(whole)


def _raw_member(path: Path, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes as stored in the zip (compressed), read from its local header."""
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        name_len, extra_len = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        return fh.read(info.compress_size)


def test_summary_workbook_is_zipped_at_its_level_and_other_workbooks_are_not(tmp_path):
    import zlib

    import xlsxwriter

    def fill(book):
        ws = book.add_worksheet("排名")
        for r in range(2000):
            ws.write_row(r, 0, [f"第{r:06d}镇", "乡镇", r, "现场复核：资料不全"])
        book.close()

    fill(summary_xlsx.fast_zip_workbook()(str(tmp_path / "fast.xlsx"), {"constant_memory": True}))
    fill(xlsxwriter.Workbook(str(tmp_path / "plain.xlsx"), {"constant_memory": True}))  # made after: XlsxWriter's own is unchanged
    for name, level in (("fast.xlsx", summary_xlsx.ZIP_LEVEL), ("plain.xlsx", zlib.Z_DEFAULT_COMPRESSION)):
        with zipfile.ZipFile(tmp_path / name) as z:
            for info in z.infolist():
                if info.compress_type != zipfile.ZIP_DEFLATED:
                    continue
                deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
                assert _raw_member(tmp_path / name, info) == deflate.compress(z.read(info)) + deflate.flush(), (name, info.filename)
    # The same parts either way, only zipped differently.
    with zipfile.ZipFile(tmp_path / "fast.xlsx") as a, zipfile.ZipFile(tmp_path / "plain.xlsx") as b:
        assert a.namelist() == b.namelist()
        assert all(a.read(n) == b.read(n) for n in a.namelist() if not n.startswith("docProps/"))
