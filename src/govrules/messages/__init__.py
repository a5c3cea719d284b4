"""Every message an office user reads, in one catalogue per locale.

A call site names a message by its **code** (``facts.not_a_date``) and gives
its parameters by name; :func:`text` renders it from the active locale's
catalogue (``zh``, the only one today). A :class:`~govrules.errors.Problem`
keeps the code and parameters beside the rendered text, so a program using
the API can render the same problem in another locale (``render(p.code,
p.params, locale=...)``) without parsing Chinese. Adding a locale is adding a
module like :mod:`govrules.messages.zh` with the same codes (see
``docs/messages.md``); ``tests/test_messages.py`` checks that every code a call
site uses is in every catalogue, with the same placeholders.

Why a Python dict and not gettext ``.po`` files: the messages carry named
parameters that are formatted by :meth:`str.format`, the catalogue is checked
by a test rather than a translator's tool, and a dict needs no compile step
(``.mo``) in the install that a fresh machine would have to run.
"""

from __future__ import annotations

import string
from typing import Any, Mapping

from . import zh

#: The catalogues by locale. Each maps a code to a ``str.format`` template.
CATALOGUES: dict[str, Mapping[str, str]] = {"zh": zh.MESSAGES}
#: The locale messages are rendered in.
LOCALE = "zh"


class _Lenient(dict):  # type: ignore[type-arg]
    """Parameters for a template: one it does not give is shown as its name in braces, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, params: Mapping[str, Any] | None = None, locale: str | None = None) -> str:
    """The message ``code`` with ``params`` filled in, in ``locale`` (default: :data:`LOCALE`).

    An unknown code renders as the code itself (a bug the catalogue test finds),
    never an exception: an error message must not fail while being made.
    """
    catalogue = CATALOGUES[locale or LOCALE]
    template = catalogue.get(code)
    if template is None:
        return code
    return string.Formatter().vformat(template, (), _Lenient(params or {}))


def text(code: str, /, **params: Any) -> str:
    """:func:`render` with keyword parameters: ``text("facts.not_a_date", value="'三'")``."""
    return render(code, params)


def placeholders(template: str) -> set[str]:
    """The names a template fills in (for the catalogue test)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def type_name(value: object) -> str:
    """The kind of a value, as a message names it (``整数``, ``列表``)."""
    return render("type." + type(value).__name__) if ("type." + type(value).__name__) in CATALOGUES[LOCALE] else render("type.other")


def library_reason(prefix: str, reason: str) -> str:
    """A library's own reason (the json module's, a codec's, PyYAML's) in the catalogue's words where it has them, else as it is."""
    code = prefix + reason
    return render(code) if code in CATALOGUES[LOCALE] else reason


def csv_reason(exc: BaseException) -> str:
    """The csv module's reason for refusing a row, in the catalogue's words where it has them (its own are English)."""
    import re

    reason = str(exc)
    limited = re.fullmatch(r"(.*) \((\d+)\)", reason)  # "field larger than field limit (131072)"
    if limited and "csv." + limited.group(1) in CATALOGUES[LOCALE]:
        return render("csv." + limited.group(1), {"limit": limited.group(2)})
    return library_reason("csv.", reason)


def json_reason(msg: str) -> str:
    return library_reason("json.", msg)


def yaml_reason(problem: str) -> str:
    return library_reason("yaml.", problem)


def os_reason(exc: BaseException) -> str:
    """Why the system refused a file (no such file, permission denied …), by its errno."""
    import errno

    name = errno.errorcode.get(getattr(exc, "errno", None) or -1, "")
    if name and "os." + name in CATALOGUES[LOCALE]:
        return render("os." + name)
    return render("os.other", {"reason": getattr(exc, "strerror", None) or type(exc).__name__})
