"""PDF for filing: the score sheet, the rubric and the batch summary on A4, CJK fonts embedded.

A PDF here is the HTML page of the same thing (:mod:`govrules.outputs.html`,
:mod:`govrules.outputs.describe`) laid out by WeasyPrint with the page's own
print stylesheet (``@media print``: A4, the table header repeated on every page,
page numbers), so a sheet printed from the browser and the PDF look the same.

Why WeasyPrint: it lays out HTML and CSS (paged media, ``rowspan`` cells, table
headers repeated per page) with Pango and HarfBuzz, which shape Chinese text and
break its lines properly, and it embeds subsets of the fonts it used. Writing the
same 考核表 a second time with a drawing library (reportlab) would mean two
layouts to keep in step, and tables that split across pages by hand.

Why this font: ``pylopdf-fonts-zh-cn`` ships Noto Serif SC and Noto Sans SC (SIL
Open Font License) as plain OTF files inside a PyPI wheel with no dependencies, so
the project's own setup installs them, nothing is fetched at run time, and the PDF
does not depend on the fonts of the machine that writes it. They are the Simplified
Chinese faces (the glyph forms of mainland documents); the table is set in the serif
(宋体-like, as county forms are printed), headings in the sans. WeasyPrint embeds
the subset of each face that a page uses.

The renderer fetches nothing but those two font files: every other URL in a page
(a link to a unit's sheet, anything a hostile pack might write) is refused, so
rendering never reads a file or the network on a page's behalf.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..messages import text

#: The package that ships the CJK fonts, and the faces used from it.
FONT_PACKAGE = "pylopdf_fonts_zh_cn"
FONT_FILES = {"serif": "NotoSerifSC-Regular.otf", "sans": "NotoSansSC-Regular.otf"}
FAMILIES = {"serif": "govrules Serif SC", "sans": "govrules Sans SC"}


def unavailable(why: str) -> InputError:
    """The error for a missing part of the PDF stack: ``why`` (a catalogue message) and how to install it."""
    return InputError.coded("pdf.unavailable", [Problem.coded("pdf", "pdf.needs", why=why)])  # type: ignore[return-value]


@lru_cache(maxsize=1)
def font_paths() -> dict[str, Path]:
    """The font files shipped by :data:`FONT_PACKAGE`, by face (found without importing the package)."""
    from importlib.util import find_spec

    spec = find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise unavailable(text("pdf.no_font_package", package=FONT_PACKAGE.replace("_", "-")))
    root = Path(list(spec.submodule_search_locations)[0])
    paths = {face: root / name for face, name in FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise unavailable(text("pdf.font_files_missing", files="、".join(missing)))
    return paths


@lru_cache(maxsize=1)
def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError as exc:
        raise unavailable(text("pdf.no_weasyprint")) from exc
    except OSError as exc:  # WeasyPrint is there, the Pango library it loads is not
        raise unavailable(text("pdf.no_pango", error=exc)) from exc
    return weasyprint


def check_available() -> None:
    """Raise the error :func:`document` would raise, before any work is done (batch --pdf)."""
    font_paths()
    _weasyprint()


def _fetcher(weasyprint: Any, allowed: set[str]) -> Any:
    class OnlyFonts(weasyprint.URLFetcher):  # type: ignore[misc,name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url not in allowed:
                raise ValueError(f"govrules renders PDFs without fetching anything but its fonts: {url!r} refused")
            return super().fetch(url, headers)

    return OnlyFonts(allowed_protocols=("file",))


def font_css() -> str:
    """@font-face rules for the shipped faces: the serif for the text, the sans for headings."""
    faces = "".join(f'@font-face {{ font-family: "{FAMILIES[face]}"; src: url("{path.as_uri()}"); }}\n' for face, path in font_paths().items())
    serif, sans = (f'"{FAMILIES[f]}"' for f in ("serif", "sans"))
    # One weight of each face ships: bold text keeps its weight by WeasyPrint's synthetic bold.
    # Each face falls back on the other, never on a font of the machine; the page-number boxes of every page are set in them too.
    text, heads = f"{serif}, {sans}", f"{sans}, {serif}"
    # !important: the page's own stylesheet names the fonts a browser may have (Microsoft YaHei, …).
    return faces + (
        f"html, body, table, td, code, footer {{ font-family: {text} !important; }}\n"
        f"h1, h2, h3, th, .total, tr.totals td {{ font-family: {heads} !important; }}\n"
        f"@page {{ font-family: {text}; }}\n@page wide {{ font-family: {text}; }}\n"
    )


def document(html: str) -> Any:
    """The laid-out pages of an HTML page (a ``weasyprint.Document``: ``.pages``, ``.write_pdf()``)."""
    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    allowed = {p.as_uri() for p in font_paths().values()}
    fetcher = _fetcher(weasyprint, allowed)
    css = weasyprint.CSS(string=font_css(), font_config=fonts, url_fetcher=fetcher)
    return weasyprint.HTML(string=html, url_fetcher=fetcher, media_type="print").render(stylesheets=[css], font_config=fonts)


def html_pdf(html: str) -> bytes:
    """An HTML page of govrules' own as PDF bytes."""
    return document(html).write_pdf()


def score_pdf(result: Any) -> bytes:
    """One unit's score sheet (考核表) as PDF."""
    from .html import score_html

    return html_pdf(score_html(result))


def rubric_pdf(desc: dict[str, Any]) -> bytes:
    """The rubric as ``govrules show`` describes it, as PDF."""
    from .describe import show_html

    return html_pdf(show_html(desc))


def batch_pdf(context: dict[str, Any]) -> bytes:
    """The batch summary (ranking, incomplete and failed units) as PDF."""
    from .html import batch_html

    return html_pdf(batch_html(context))


__all__ = ["score_pdf", "rubric_pdf", "batch_pdf", "html_pdf", "document", "font_paths"]
