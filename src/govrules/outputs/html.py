"""HTML score sheets and batch rankings, rendered with Jinja2 (autoescaped).

Every text a unit supplies (unit names, reasons, reviewer names) reaches the
page through Jinja2's autoescape, so ``<script>`` in a unit name is shown as
text, never run; quotes are escaped too, and no user text is ever put in an
``href``, ``src`` or ``style``. Control and invisible format characters
(escape sequences, bidi overrides) are removed from every value the
templates print. The pages are self-contained (inline CSS, no scripts) and
print on A4.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..numbers import fmt
from .report import depth_of, effect_text, has_assessors, level_cells, level_name, recoverable, sheet_rows, summary_lines
from ..engine.result import STATUS_LABELS, Result
from ..untrusted import strip_controls


def _finalize(value: Any) -> Any:
    """Every printed value without control characters (before autoescape; our own Markup untouched)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return strip_controls(value)
    return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("govrules", "outputs/templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["fmt"] = lambda v: "" if v is None else (fmt(v) or "0")
    env.globals["level_name"] = level_name
    env.globals["STATUS_LABELS"] = STATUS_LABELS
    return env


def sheet_context(result: Result) -> dict[str, Any]:
    rows = sheet_rows(result)
    depth = depth_of(rows)
    ledger_rows = []
    for ledger in result.ledgers:
        sign = "+" if ledger.direction == "bonus" else "-"
        for effect in ledger.effects:
            ledger_rows.append({"id": ledger.id, "name": ledger.name, "cap": ledger.cap, "text": effect_text(effect, sign)})
    return {
        "result": result,
        "rows": [{"row": r, "levels": level_cells(r, depth)} for r in rows],
        "depth": depth,
        "levels": [level_name(d) for d in range(depth)],
        "ledger_rows": ledger_rows,
        "summary": summary_lines(result),
        "fixes": recoverable(result),
        "reviews": [i for i in result.items if i.override],
        "stamp": result.stamp,
        "assessors": has_assessors(result),
    }


def score_html(result: Result) -> str:
    """A standalone HTML page with one unit's score sheet."""
    return environment().get_template("score.html.j2").render(**sheet_context(result))


def batch_html(context: dict[str, Any]) -> str:
    """The batch ranking page (see :func:`govrules.outputs.batch.html_context`)."""
    return environment().get_template("batch.html.j2").render(**context)


def write_batch_html(context: dict[str, Any], path: Any) -> None:
    """The batch ranking page written to ``path`` as it is rendered (a province's page is never held whole); the same text as :func:`batch_html`."""
    with open(path, "w", encoding="utf-8") as fh:
        for chunk in environment().get_template("batch.html.j2").generate(**context):
            fh.write(chunk)
