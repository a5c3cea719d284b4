"""Errors the library raises on purpose.

Every error that comes from bad input (a pack file, an assessment's facts, a
command-line argument) is a :class:`GovrulesError` carrying one
:class:`Problem` per thing that is wrong, so callers can show all of them at
once instead of fixing one and rerunning.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from . import messages
from .untrusted import has_lone_surrogate


def _encodable(text: str) -> str:
    """``text`` with any lone surrogate written as its escape (``\\ud800``), so an error can always be printed or saved."""
    if isinstance(text, str) and has_lone_surrogate(text):
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


#: C0 controls, DEL and C1 controls: none belongs in a problem (a where names a field, row or column; a message is one line).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape_control(m: re.Match[str]) -> str:
    c = m.group(0)
    return _ESCAPES.get(c) or f"\\x{ord(c):02x}"


def _shown(text: str) -> str:
    """:func:`_encodable`, and every control character written as its escape (``\\x00``, ``\\n``), as ``repr`` writes it.

    A problem's ``where`` quotes what came in (a CSV's header cell, a JSON key):
    bytes that are not text, an escape sequence or a line break would reach a
    terminal, a log line or a client as they are.
    """
    text = _encodable(text)
    return _CONTROLS.sub(_escape_control, text) if isinstance(text, str) and _CONTROLS.search(text) else text


_BREAKS = re.compile("[\t\n\r]+")


def _one_line(text: str) -> str:
    """A message on one line: a library's reason broken over lines reads on with a space; any other control is escaped (:func:`_shown`)."""
    if isinstance(text, str) and _CONTROLS.search(text):
        text = _BREAKS.sub(" ", text)
    return _shown(text)


@attrs.frozen
class Problem:
    """One thing wrong with an input.

    ``where`` names the place (``rubric.yaml:57 指标 xz.3 rules[1].amount`` or
    ``facts.late_count``); ``message`` says what is wrong there, in the
    catalogue's locale (:mod:`govrules.messages`). A problem made from the
    catalogue (:meth:`coded`) also keeps its ``code`` and ``params``, so a
    caller can render it in another locale; they take no part in equality.
    """

    where: str = attrs.field(converter=_shown)
    message: str = attrs.field(converter=_one_line)
    #: For a problem in a pack file, the parts of ``where`` one by one (for
    #: ``govrules pack lint --format json``): the file, its line, the row
    #: (``指标 xz.3（主动公开）``) and the path in the file (``rules[1].amount``).
    #: They say nothing ``where`` does not, so they take no part in equality.
    file: str | None = attrs.field(default=None, kw_only=True, eq=False)
    line: int | None = attrs.field(default=None, kw_only=True, eq=False)
    row: str | None = attrs.field(default=None, kw_only=True, eq=False)
    path: str | None = attrs.field(default=None, kw_only=True, eq=False)
    code: str | None = attrs.field(default=None, kw_only=True, eq=False)
    params: dict[str, Any] = attrs.field(factory=dict, kw_only=True, eq=False)

    @classmethod
    def coded(cls, where: str, code: str, /, **params: Any) -> "Problem":
        """The catalogue's message ``code`` at ``where``, keeping the code and its parameters."""
        return cls(where, messages.render(code, params), code=code, params=params)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"where": self.where, "message": self.message}
        if self.code is not None:
            # For rendering in another locale: the parameters as the message shows them.
            out["code"] = self.code
            out["params"] = {k: _shown(str(v)) for k, v in self.params.items()}
        return out

    def located(self) -> dict[str, object]:
        """``where`` as its parts: file, line, row, path (None where not known)."""
        if self.file is not None:
            return {"file": self.file, "line": self.line, "row": self.row or None, "path": self.path or None}
        # Problems made before the file was parsed (YAML syntax, a file that cannot be read) say file:line.
        file, sep, line = self.where.rpartition(":")
        if sep and line.isdigit():
            return {"file": file, "line": int(line), "row": None, "path": None}
        return {"file": self.where or None, "line": None, "row": None, "path": None}


class GovrulesError(Exception):
    """Base class of every error govrules raises on purpose."""

    #: The catalogue code of the summary (and its parameters), when made by :meth:`coded`.
    code: str | None = None
    params: dict[str, Any] = {}

    def __init__(self, summary: str, problems: list[Problem] | tuple[Problem, ...] = ()):
        self.summary = _encodable(summary)
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.__str__())

    @classmethod
    def coded(cls, code: str, problems: list[Problem] | tuple[Problem, ...] = (), /, **params: Any) -> "GovrulesError":
        """An error whose summary is the catalogue's message ``code``."""
        err = cls(messages.render(code, params), problems)
        err.code, err.params = code, params
        return err

    def __str__(self) -> str:
        if not self.problems:
            return self.summary
        lines = [self.summary] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "error": type(self).__name__,
            "summary": self.summary,
            **({"code": self.code} if self.code is not None else {}),
            "problems": [p.to_dict() for p in self.problems],
        }


class PackError(GovrulesError):
    """A pack file is malformed or contradicts itself (sums, ids, references)."""


class FactsError(GovrulesError):
    """An assessment's input (facts, evidence, N/A, reviews) is invalid."""


class InputError(GovrulesError):
    """A command-line input (a file, an argument) cannot be used."""


class PackNotFound(GovrulesError):
    """No installed or given pack has the requested id."""


class EngineError(GovrulesError):
    """The inference engine broke one of its own guarantees.

    Raised instead of returning a score that might be wrong, e.g. when the
    end-of-assessment marker did not fire.
    """
