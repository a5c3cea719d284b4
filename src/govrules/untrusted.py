"""Text from outside: what the boundary refuses, and how user text is shown.

Unit names, reasons, reviewers, cell values and pack text come from people
and files govrules does not control. Three things are decided here, once, so
that every entry point (``Pack.assess``, pack loading, the CLI, batch) and
every output (terminal, Markdown, HTML, Excel) treats them alike:

* text that cannot be written out again (lone surrogates) is refused where it
  comes in, instead of crashing the writer later;
* text that is blank once white space and invisible characters are removed
  does not count as a reason, a reviewer or an explanation;
* text shown on a terminal loses its control characters (escape sequences,
  OSC hyperlinks, bidi overrides) so a unit name cannot clear the screen or
  disguise what is printed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from rich.text import Text

#: C0 controls except tab and newline, DEL, C1 controls (ESC starts every
#: terminal sequence; CSI/OSC also exist as single C1 bytes), and the
#: invisible format characters that reorder or hide text (bidi overrides,
#: zero-width characters, BOM).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

#: Characters that show nothing: white space and the invisible ones above.
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u3000]+")

#: The same as a JSON Schema ``pattern``: text that shows something, i.e.
#: holds a character that is neither white space nor invisible (what
#: :func:`is_blank` refuses as a reason, a reviewer or an explanation). Spelt
#: out rather than with ``\\s``, which means fewer characters in ECMA-262 (the
#: regex syntax of JSON Schema) than in Python (U+001C–U+001F, U+0085);
#: tests/test_hostile_facts.py checks every character of the BMP against is_blank.
SHOWS_SOMETHING = (
    "[^\\t\\n\\u000b\\f\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200f"
    "\\u2028-\\u202f\\u205f-\\u2064\\u2066-\\u2069\\u3000\\ufeff]"
)

#: Lone surrogates: Python strings may hold them, UTF-8 cannot.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """True if ``text`` holds a code point that UTF-8 cannot encode (``"\\ud800"``)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def is_blank(text: str) -> bool:
    """True if ``text`` shows nothing: only white space and invisible characters."""
    return not text or _INVISIBLE.fullmatch(text) is not None  # all of it invisible, without the copy sub() makes


def strip_controls(text: str) -> str:
    """``text`` without control and invisible format characters (newlines and tabs are kept)."""
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """``text`` on one line: line breaks become spaces, controls are removed."""
    return strip_controls(re.sub(r"[\r\n\u0085\u2028\u2029]+", " ", text))


def for_terminal(text: object) -> str:
    """User text ready for a rich console printing with ``markup=True``.

    Controls are removed and rich's markup is escaped, so ``[/]`` is printed
    as typed and ``[link=…]`` makes no hyperlink. Prefer printing user text
    with ``markup=False`` or as a ``rich.text.Text``; this is for lines that
    mix markup of ours with text of theirs.
    """
    from rich.markup import escape

    return escape(strip_controls(str(text)))


#: Every line break a renderer may honour: CR LF, CR, LF, NEL, LS, PS.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

#: Markdown's inline syntax: a backslash (it would escape our escapes), code,
#: emphasis, strikethrough, links and images (brackets), table cell breaks.
#: ``_`` only where it can open or close emphasis (not inside ``a_b``).
_MD_INLINE = re.compile(r"[\\`*~\[\]|]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")

#: What makes a line the start of a block: a heading, quote, list or rule.
_MD_BLOCK = re.compile(r"^([ \t]*)([#+\-=]|[0-9]+[.)])")


def for_markdown(text: object) -> str:
    """Text for one Markdown table cell or list item, shown as typed.

    Controls are removed; ``&``, ``<`` and ``>`` become entities (Markdown
    passes HTML and ``<autolinks>`` through); backslashes, backticks,
    emphasis, brackets (links: ``[x](javascript:…)``) and pipes are
    backslash-escaped; every line break becomes ``<br>``, so a ``\\r`` or
    ``\\n`` cannot end a table row.
    """
    lines = [strip_controls(line) for line in _LINE_BREAK.split(str(text))]
    out = []
    for line in lines:
        line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out.append(_MD_INLINE.sub(lambda m: "\\" + m.group(0), line))
    return "<br>".join(out)


def markdown_line(text: object) -> str:
    """Like :func:`for_markdown`, for a line of its own (a list item's text): leading white space is
    dropped (it would make indented code) and a leading ``#``, ``-``, ``+``, ``1.`` … cannot start a
    heading, list or rule."""
    escaped = for_markdown(str(text).lstrip())
    return _MD_BLOCK.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)


def terminal_text(text: object, style: str = "") -> "Text":
    """User text as a ``rich.text.Text``: printed as typed (never read as markup), controls removed."""
    from rich.text import Text

    return Text(strip_controls("" if text is None else str(text)), style=style)


def shown(value: object, limit: int = 60) -> str:
    """A value from outside as a message may quote it: bounded, encodable, never failing.

    Text is quoted (``repr`` escapes controls and lone surrogates) and cut to
    ``limit`` characters; anything else is named by its type, since the
    ``repr`` of a caller's object may be huge, nest too deeply or raise.
    """
    if isinstance(value, str):
        text = repr(str(value[: limit + 1]))
        return text if len(value) <= limit else text[:-1] + "…" + text[-1]
    # As JSON writes them: the inputs people write are JSON, YAML or cells.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    from .messages import text, type_name

    return text("value.of_type", kind=type_name(value))


def closest(name: str, known: "list[str]") -> str | None:
    """The known name ``name`` was probably meant to be, for a did-you-mean; None if none is close.

    Compared as typed and also with case and width folded (NFKC, casefold): ``DATONGHU_2023`` means
    ``datonghu_2023``, and ``乡(镇)政府`` with ASCII brackets ``乡（镇）政府``.
    """
    import difflib
    import unicodedata

    if len(name) > 100:  # no name is that long; difflib's time grows with it
        return None

    def fold(s: str) -> str:
        return unicodedata.normalize("NFKC", s).casefold()

    folded: dict[str, str] = {}
    for k in known:
        folded.setdefault(fold(k), k)
    key = fold(name)
    if key in folded:
        return folded[key]
    close = difflib.get_close_matches(key, list(folded), n=1)
    return folded[close[0]] if close else None
