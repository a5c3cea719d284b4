"""Worksheet rows as XML text, written straight into an XlsxWriter ``constant_memory`` worksheet.

Why: a province's summary.xlsx has millions of cells, and XlsxWriter's
per-cell path (``write_string`` → a cell tuple → ``_write_single_row`` →
``_write_cell`` → ``_xml_inline_string``, with its escapes) was over a third
of a whole batch's CPU, all of it in the one parent process. Here a row is
made into the text XlsxWriter would write for it in one pass, and can be made
in a worker process: :func:`row_text` leaves the row number open (``\\x00``,
which no cell's text can hold: XlsxWriter writes every control character as
``_xHHHH_``), so the parent only puts the number in and writes the bytes
(:class:`RowWriter`). XlsxWriter still writes everything else: the styles,
the column widths, print setup, autofilter, charts and the package.

The text is XlsxWriter's own, byte for byte (``tests/test_xlsx_rows.py``
compares whole workbooks written both ways), for what our sheets hold: text,
``int`` and finite ``Decimal``, a row's cells in column order, inline strings
(as ``constant_memory`` writes them), no ``spans`` (it writes none), no row
height or format. Text is escaped as XlsxWriter does: cut to 32,767 UTF-16
units, ``_xHHHH_``-looking text escaped as ``_x005F_xHHHH_``, control
characters as ``_xHHHH_``, U+FFFE/U+FFFF likewise, ``&<>`` as entities,
``xml:space="preserve"`` where the text starts or ends with whitespace.

One deliberate difference: XlsxWriter writes a text that starts with
``<r>`` and ends with ``</r>`` unescaped, as a rich string already in XML
(its ``write_rich_string`` makes those), so such a text from a unit's input
(a reviewer's reason, say) gives a cell of other text or a workbook Excel
calls corrupt. Here it is escaped like any text: the cell shows what was written.

This reads and sets XlsxWriter's private worksheet state (``row_data_fh``,
``previous_row``, ``table``, ``dim_*``, ``_write_single_row``), as
:meth:`.summary_xlsx.SummaryBook.close` already does for sheet order, and
writes what XlsxWriter 3.3.1 writes (the first to count a text's length in
UTF-16 units, as Excel does; earlier ones counted characters): pyproject pins
XlsxWriter ``>=3.3.1,<4``, and :class:`RowWriter` checks what it assumes when
it starts.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Sequence

from xlsxwriter.utility import xl_col_to_name

from .xlsx import FORMULA_START, safe

#: Where a row's number goes: XlsxWriter writes every control character of a text as ``_xHHHH_``, so no cell holds it.
ROW = "\x00"

#: (row text with :data:`ROW` for its number, or None for a row without cells; the row's length; its first and last cell's column).
RowText = tuple[str | None, int, int, int]

_STRMAX = 32_767  # Excel's most UTF-16 units in a cell, XlsxWriter's xls_strmax
# Anything XlsxWriter's escapes would change; a text without it is written as it is.
_ESCAPED = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff&<>]")
# XlsxWriter's escapes of an inline string (worksheet._write_cell, XMLwriter._escape_control_characters, _escape_data).
_ESCAPE_LOOKALIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")
# Anything safe() or the escapes would change but a formula's first character; most text has none (searched once).
_PLAIN = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x1f\ud800-\udfff\ufffe\uffff&<>]")
_COLS = [xl_col_to_name(c) for c in range(256)]


class Unwritable(Exception):
    """A value this writer does not encode (a float, a bool, a date…): the row goes through XlsxWriter's own calls."""


def _utf16_cut(value: str) -> str:
    """What XlsxWriter 3.3.1's write_string keeps of a text: 32,767 UTF-16 units, a character past U+FFFF counting two, none split."""
    units = 0
    for i, ch in enumerate(value):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > _STRMAX:
            return value[:i]
    return value


def _escaped(value: str) -> str:
    value = _ESCAPE_LOOKALIKE.sub(r"_x005F\1", value)  # a text that reads as an escape is escaped itself
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_OPEN_TEXT = [f'<c r="{c}{ROW}" t="inlineStr"><is><t>' for c in _COLS]
_OPEN_KEPT = [f'<c r="{c}{ROW}" t="inlineStr"><is><t xml:space="preserve">' for c in _COLS]
_OPEN_NUMBER = [f'<c r="{c}{ROW}"><v>' for c in _COLS]
_FORMULA_FIRST = "".join(FORMULA_START)


def _worked(value: str) -> str:
    """A text with something to change: safe() (which cuts at 32,767 characters), then XlsxWriter's cut (UTF-16 units) and escapes."""
    value = safe(value)
    if len(value) > _STRMAX // 2:
        value = _utf16_cut(value)
    if _ESCAPED.search(value) is not None:
        value = _escaped(value)
    return value


# A text cell's whole XML by its column and text (row_text looks it up first). Most of a province's cells repeat
# (targets, indicators, rules' wording, reasons, totals), so each is worked out once. Bounded: a pure function's
# memo, cleared when full (then refilled by what repeats).
_CELLS: dict[tuple[int, str], str] = {}
_NUMBERS: dict[Any, str] = {}
_MEMO_MAX = 8192


def _text_cell(c: int, v: str) -> str:
    w = v
    if _PLAIN.search(w) is not None or len(w) > _STRMAX // 2 or w[0] in _FORMULA_FIRST:
        w = _worked(w)
    # str.isspace is re's \s: the same test as XlsxWriter's ^\s / \s$ (checked over every code point).
    kept = w[:1].isspace() or w[-1:].isspace()
    cell = f"{_OPEN_KEPT[c] if kept else _OPEN_TEXT[c]}{w}</t></is></c>"
    if len(v) <= 200:  # long texts (reasons written out) rarely repeat: not kept
        if len(_CELLS) >= _MEMO_MAX:
            _CELLS.clear()
        _CELLS[(c, v)] = cell
    return cell


def _number_body(v: Any) -> str:
    # Keyed by type and value: Decimal("1.0") and Decimal("1") are equal but print differently, so by their text
    # (an int's key is the int: never equal to a text). str() costs a fifth of as_tuple(), which builds a named tuple.
    key = str(v) if type(v) is Decimal else v
    got = _NUMBERS.get(key)
    if got is None:
        got = format(v, ".16G")  # XlsxWriter's number format
        if len(_NUMBERS) >= _MEMO_MAX:
            _NUMBERS.clear()
        _NUMBERS[key] = got
    return got


def row_text(values: Sequence[Any]) -> RowText:
    """A row's XML as XlsxWriter writes it, its number left open; text through :func:`.xlsx.safe`, empty cells left out.

    Raises :class:`Unwritable` for a value other than text, ``int`` or a finite ``Decimal``.
    """
    parts: list[str] = []
    put = parts.append
    first = last = -1
    try:
        for c, v in enumerate(values):
            t = type(v)
            if t is str:
                if not v:
                    continue  # an empty cell, as the plain path leaves it
                cell = _CELLS.get((c, v))
                put(cell if cell is not None else _text_cell(c, v))
            elif t is int or (t is Decimal and v.is_finite()):
                put(f"{_OPEN_NUMBER[c]}{_number_body(v)}</v></c>")
            elif v is None or v == "":
                continue
            else:
                raise Unwritable(t.__name__)
            if first < 0:
                first = c
            last = c
    except IndexError:  # a column past those made ready (_COLS): XlsxWriter's calls write it
        raise Unwritable("column") from None
    if not parts:
        return (None, len(values), -1, -1)
    return (f'<row r="{ROW}">{"".join(parts)}</row>', len(values), first, last)


_CELL_COLUMN = re.compile(f'<c r="([A-Z]+){ROW}"')

_ROW_BYTES = ROW.encode("ascii")


def encoded(rts: Sequence[RowText]) -> list[Any]:
    """Rows made by :func:`row_text`, their text as UTF-8 (what the worksheet's file holds): for rows made in a
    worker, which the parent then numbers and writes (:meth:`RowWriter.texts`) without decoding and encoding them again."""
    return [rt if rt[0] is None else (rt[0].encode("utf-8"), rt[1], rt[2], rt[3]) for rt in rts]


def with_number(rt: RowText, col: int, value: int | None) -> RowText:
    """A row made by :func:`row_text` with ``value`` put in its empty column ``col`` (a unit's rank, known only once all are scored); None leaves it empty."""
    if value is None:
        return rt
    text, width, first, last = rt
    cell = f"{_OPEN_NUMBER[col]}{format(value, '.16G')}</v></c>"
    if text is None:
        return (f'<row r="{ROW}">{cell}</row>', width, col, col)
    name = _COLS[col]
    at = len(text) - len("</row>")
    for m in _CELL_COLUMN.finditer(text):  # no cell's text holds "<c r=": row_text escapes every "<"
        found = m.group(1)
        if found == name:
            raise ValueError(f"column {name} is not empty")
        if (len(found), found) > (len(name), name):
            at = m.start()
            break
    return (text[:at] + cell + text[at:], width, col if first < 0 or col < first else first, col if col > last else last)


def plain_cells(ws: Any, row: int, values: Sequence[Any]) -> None:
    """A row through XlsxWriter's own calls (the switch's other side, and rows :func:`row_text` does not write)."""
    for c, v in enumerate(values):
        if v is None or v == "":
            continue  # an empty cell, as openpyxl wrote it
        if type(v) is str:
            # By type rather than through write()'s dispatch: a province's workbook has over a million cells.
            ws.write_string(row, c, safe(v))
        elif isinstance(v, (Decimal, int)) and not isinstance(v, bool):
            ws.write_number(row, c, v)
        else:
            ws.write(row, c, safe(v))


class RowWriter:
    """Rows of one ``constant_memory`` worksheet, written top to bottom as text, XlsxWriter's state kept as its own calls leave it."""

    def __init__(self, ws: Any) -> None:
        # What row_text's text takes for granted: rows as constant_memory writes them, with the default height and no
        # row formats, in XlsxWriter 3's worksheet (a later one fails here, not with a different file).
        if not (getattr(ws, "constant_memory", False) and getattr(ws, "row_data_fh", None) is not None):
            raise RuntimeError("RowWriter needs a constant_memory worksheet")
        if ws.excel_version != 2007 or ws.default_row_height != ws.original_row_height or ws.row_info:
            raise RuntimeError("RowWriter writes rows of the default height and format only")
        self.ws = ws
        self._write = ws.row_data_fh.write
        self._text_since = True  # text written to the file object since the last bytes (the header row, just now)
        self._flush_pending()

    def _flush_pending(self) -> None:
        # A row written through XlsxWriter's calls waits in its table until the next row comes: it is written now.
        if self.ws.table:
            self.ws._write_single_row(self.ws.previous_row)
        self._text_since = True

    def _write_bytes(self, data: bytes) -> None:
        # Straight into the file's buffer, after whatever text its file object still holds (written before it).
        fh = self.ws.row_data_fh
        if self._text_since:
            fh.flush()
            self._text_since = False
        fh.buffer.write(data)

    def values(self, row: int, values: Sequence[Any]) -> None:
        """Write a row of values (0-based ``row``); a row holding a value :func:`row_text` does not write goes through XlsxWriter."""
        try:
            rt = row_text(values)
        except Unwritable:
            plain_cells(self.ws, row, values)
            self._flush_pending()
        else:
            self.text(row, rt)

    def text(self, row: int, rt: RowText) -> None:
        """Write a row made by :func:`row_text` as row ``row`` (0-based), after every row written so far."""
        self.texts(row, (rt,))

    def texts(self, row: int, rts: Sequence[RowText]) -> None:
        """Write rows made by :func:`row_text` as rows ``row``, ``row + 1``… (0-based), after every row written so far;
        their text either all as made or all :func:`encoded`."""
        ws = self.ws
        if row <= ws.previous_row and (row < ws.previous_row or ws.dim_rowmax is not None):
            raise ValueError(f"row {row + 1} written after row {ws.previous_row + 1}")
        out = []
        top = bottom = lo = hi = -1
        for n, (text, _width, first, last) in enumerate(rts, start=row):
            if text is None:
                continue  # XlsxWriter writes nothing for a row without cells, nor counts it in the dimensions
            out.append(text.replace(ROW, str(n + 1)) if type(text) is str else text.replace(_ROW_BYTES, b"%d" % (n + 1)))
            if top < 0:
                top, lo, hi = n, first, last
            else:
                if first < lo:
                    lo = first
                if last > hi:
                    hi = last
            bottom = n
        if top < 0:
            return
        if type(out[0]) is bytes:
            self._write_bytes(b"".join(out))
        else:
            self._write("".join(out))
            self._text_since = True
        # As _check_dimensions keeps them (the <dimension> element), and _write_single_row's row.
        ws.previous_row = bottom
        if ws.dim_rowmin is None:
            ws.dim_rowmin, ws.dim_colmin, ws.dim_colmax = top, lo, hi
        else:
            if lo < ws.dim_colmin:
                ws.dim_colmin = lo
            if hi > ws.dim_colmax:
                ws.dim_colmax = hi
        ws.dim_rowmax = bottom  # rows come top to bottom, so only the last can be the largest

    def check(self) -> None:
        """At a worksheet's end: nothing set since the start that the rows' text would have had to show."""
        ws = self.ws
        if ws.row_info or any(info.column_format is not None for info in ws.col_info.values()):
            raise RuntimeError("a row or column format was set on a sheet written by RowWriter")


__all__ = ["ROW", "RowText", "RowWriter", "Unwritable", "encoded", "row_text", "plain_cells", "with_number"]
