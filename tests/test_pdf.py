"""PDF for filing: the pages are rendered and looked at, not just written.

WeasyPrint lays the pages out; these tests read its layout boxes (where every
cell and line of text landed) and the written PDF (pypdf: page count, page size,
embedded fonts). They are skipped only where the PDF stack cannot load (no
system Pango library): then `govrules … -o x.pdf` says so and exits 1, tested too.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import govrules
from govrules.errors import GovrulesError
from govrules import messages


try:
    from govrules.outputs import pdf

    pdf.check_available()
except GovrulesError as exc:  # pragma: no cover - a machine without Pango
    pytest.skip(f"PDF output unavailable here: {exc.problems[0].message}", allow_module_level=True)

from pypdf import PdfReader
from weasyprint.formatting_structure import boxes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {pid: next((ROOT / "packs" / pid / "src").glob("*/examples")) for pid in ("datonghu_2023", "taiqian")}
A4 = (595.28, 841.89)  # points: 210 × 297 mm


def _walk(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


def _cells(document):
    """(page number, cell box, its lines of text) for every table cell of every page."""
    for n, page in enumerate(document.pages, start=1):
        for box in _walk(page._page_box):
            if isinstance(box, boxes.TableCellBox) and box.element is not None:
                lines = ["".join(t.text for t in _walk(line) if isinstance(t, boxes.TextBox)) for line in _walk(box) if isinstance(line, boxes.LineBox)]
                yield n, box, [x for x in lines if x]


def _classes(box) -> set[str]:
    return set((box.element.get("class") or "").split())


@pytest.fixture(scope="module")
def registry():
    return govrules.Registry.discover()


@pytest.fixture
def runner(registry, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry))
    return CliRunner()


def run(runner, *args):
    from govrules.cli import main

    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def datonghu_sheet(registry):
    from govrules.outputs.html import score_html

    result = registry.get("datonghu_2023").assess(json.loads((EXAMPLES["datonghu_2023"] / "xiangzhen.json").read_text(encoding="utf-8")))
    return result, pdf.document(score_html(result))


@pytest.fixture(scope="module")
def taiqian_sheet(registry):
    from govrules.outputs.html import score_html

    result = registry.get("taiqian").assess(json.loads((EXAMPLES["taiqian"] / "xiangzhen.json").read_text(encoding="utf-8")))
    return result, pdf.document(score_html(result))


def _fonts(data: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) of every font the PDF's pages use."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            out.append((str(font["/BaseFont"]), any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    return out


def test_a_five_row_sheet_is_one_a4_page_with_the_fonts_embedded(datonghu_sheet):
    result, document = datonghu_sheet
    assert len(result.items) == 5
    data = document.write_pdf()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(A4[0], 1), round(A4[1], 1))
    fonts = _fonts(data)
    # Only the shipped faces (a machine's own fonts would make the PDF print differently elsewhere), all embedded.
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert all("govrules" in name for name, _ in fonts), fonts
    text = reader.pages[0].extract_text()
    for words in ("大通湖区2023年政务公开考核细则", "北洲子镇", "考核对象", "合计", "考核人", "复核人", "日期"):
        assert words in text, words


def test_the_sheet_is_a_county_kaohebiao(datonghu_sheet):
    """Title, unit, 考核对象, one row per item with 一级指标 merged down, totals, signatures."""
    _result, document = datonghu_sheet
    cells = list(_cells(document))
    sections = [(box, lines) for _, box, lines in cells if "section" in _classes(box)]
    # 政务公开 (100分) written once, in a cell spanning its 5 items.
    assert len(sections) == 1 and sections[0][0].rowspan == 5
    assert sections[0][1][0] == "政务公开"
    texts = [lines for _, box, lines in cells]
    start = texts.index(["合计"])
    # 合计: 分值 20 × 5 = 100; 自评 20 + 20 + 18 + 20 + 20 = 98; 总分 95.8 (tests/test_datonghu.py works it out).
    assert [x for x in texts[start : start + 4]] == [["合计"], ["100"], ["98"], ["95.8"]]


def test_short_names_and_statuses_are_never_broken_mid_word(datonghu_sheet, taiqian_sheet):
    for _result, document in (datonghu_sheet, taiqian_sheet):
        for _, box, lines in _cells(document):
            classes = _classes(box)
            if classes & {"status", "num", "id"}:
                assert len(lines) <= 1, lines  # 「不/符/合」 one character per line was the bug
            if "level" in classes and lines and len("".join(lines)) <= 6:
                assert len(lines) == 1, lines  # 「政务公 / 开」


def test_a_59_row_taiqian_sheet_fits_its_pages_without_a_column_cut_off(taiqian_sheet):
    result, document = taiqian_sheet
    assert len(result.items) == 59
    assert 1 < len(document.pages) <= 6
    seen = set()
    for page in document.pages:
        pb = page._page_box
        right = pb.margin_width() - pb.margin_right  # the right edge of the page's content area
        for box in _walk(pb):
            if isinstance(box, (boxes.TableCellBox, boxes.TextBox)):
                assert box.position_x + box.margin_width() <= right + 0.5, (box, box.position_x + box.margin_width(), right)
            if isinstance(box, boxes.TableCellBox) and box.element is not None and "id" in _classes(box):
                seen.add("".join(t.text for t in _walk(box) if isinstance(t, boxes.TextBox)))
    # Every item's row is on some page (the header row's 编号 too).
    assert {i.id for i in result.items} <= seen


def test_the_html_sheet_prints_the_same_a4_layout(datonghu_sheet):
    from govrules.outputs.html import score_html

    page = score_html(datonghu_sheet[0])
    assert "@media print" in page and "@page { size: A4;" in page and 'lang="zh-CN"' in page


def test_rubric_and_batch_summary_pdfs(registry, tmp_path):
    from govrules.outputs.describe import describe, show_html

    data = pdf.rubric_pdf(describe(registry.get("datonghu_2023"), "xiangzhen"))
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # the rubric's many columns: A4 landscape
    assert "政务公开" in reader.pages[0].extract_text()
    assert all("govrules" in name for name, _ in _fonts(data))
    assert "@page wide" in show_html(describe(registry.get("datonghu_2023"), "xiangzhen"))


def test_the_renderer_fetches_nothing_but_its_fonts():
    weasyprint = pdf._weasyprint()
    fetcher = pdf._fetcher(weasyprint, {p.as_uri() for p in pdf.font_paths().values()})
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1:9/x.png")


def test_cli_writes_pdf_for_score_show_and_batch(runner, tmp_path):
    facts = EXAMPLES["datonghu_2023"] / "xiangzhen.json"
    out = tmp_path / "北洲子镇.pdf"
    result = run(runner, "score", "datonghu_2023", facts, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and len(PdfReader(out).pages) == 1
    result = run(runner, "score", "datonghu_2023", facts, "--format", "pdf", "-o", tmp_path / "s")
    assert result.exit_code == 0 and (tmp_path / "s").read_bytes().startswith(b"%PDF")
    result = run(runner, "show", "datonghu_2023", "-t", "乡镇", "-o", tmp_path / "rubric.pdf")
    assert result.exit_code == 0 and (tmp_path / "rubric.pdf").read_bytes().startswith(b"%PDF")
    # --format pdf to standard output: refused (a PDF is a file), exit 2.
    result = run(runner, "score", "datonghu_2023", facts, "--format", "pdf")
    assert result.exit_code == 2 and "--out" in result.output

    units = ROOT / "examples" / "units.csv"
    result = run(runner, "batch", "datonghu_2023", units, "--target", "乡镇", "--out", tmp_path / "结果", "--pdf")
    assert result.exit_code == 0, result.output
    summary = PdfReader(tmp_path / "结果" / "summary.pdf")
    assert "排名" in summary.pages[0].extract_text()
    assert sorted(p.name for p in (tmp_path / "结果" / "units").glob("*.pdf")) == ["001_北洲子镇.pdf", "002_南湾湖办事处.pdf", "003_河坝镇.pdf"]


def test_without_the_pdf_stack_the_cli_says_what_is_missing(runner, tmp_path, monkeypatch):
    def missing():
        raise pdf.unavailable(messages.text("pdf.no_pango", error="test"))

    monkeypatch.setattr(pdf, "_weasyprint", missing)
    result = run(runner, "score", "datonghu_2023", EXAMPLES["datonghu_2023"] / "xiangzhen.json", "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1 and "无法生成 PDF" in result.output and "Pango" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.pdf").exists()
    # The words come from the catalogue, the code stays for another locale.
    with pytest.raises(GovrulesError) as err:
        missing()
    assert err.value.code == "pdf.unavailable" and err.value.problems[0].code == "pdf.needs"
    assert str(err.value.problems[0]).startswith("pdf: 无法加载 Pango 库（test）；PDF 输出需要 govrules 的 pdf 依赖")
