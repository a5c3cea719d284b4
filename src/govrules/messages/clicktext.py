"""click's own words (Usage, Options, Error, Missing argument …) from the catalogue.

click marks every string it prints for gettext (``from gettext import gettext
as _`` in each of its modules) and ships no translations. :func:`install`
points those names at the catalogue's ``click.<msgid>`` entries, so usage
lines, help headings and usage errors are in the catalogue's locale; a msgid
the catalogue lacks stays as click wrote it (``tests/test_messages.py`` lists
click's msgids and fails on a missing one). This is gettext's own mechanism —
a msgid → msgstr table looked up at run time — without compiling a ``.mo``
file into the install; it is done once, by the ``govrules`` command only
(the library itself never touches click).
"""

from __future__ import annotations

import importlib

from . import CATALOGUES, LOCALE

#: click's modules that print words (each imported gettext's names itself).
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")

#: The metavars click makes from a parameter's type name (TEXT, INTEGER, PATH …), by type class.
_TYPE_NAMES = {"StringParamType": "type.click.text", "IntParamType": "type.click.integer", "Path": "type.click.path", "IntRange": "type.click.integer"}

_installed = False


def gettext(message: str) -> str:
    return CATALOGUES[LOCALE].get("click." + message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    table = CATALOGUES[LOCALE]
    return table.get("click." + (singular if n == 1 else plural)) or table.get("click." + singular) or (singular if n == 1 else plural)


def install() -> None:
    """click's messages in the catalogue's locale, from now on in this process."""
    global _installed
    if _installed:
        return
    import click.types

    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    table = CATALOGUES[LOCALE]
    for cls_name, code in _TYPE_NAMES.items():
        cls = getattr(click.types, cls_name)
        if code in table:
            cls.name = table[code]
    _installed = True
