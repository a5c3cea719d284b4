"""HTML score sheets and batch rankings, rendered with Jinja2 (autoescaped).

Every text a unit supplies (unit names, reasons, reviewer names) reaches the
page through Jinja2's autoescape, so ``<script>`` in a unit name is shown as
text, never run; quotes are escaped too, and no user text is ever put in an
``href``, ``src`` or ``style``. Control and invisible format characters
(escape sequences, bidi overrides) are removed from every value the
templates print. The pages are self-contained (inline CSS, no scripts) and
print on A4.

The templates define the pages; a unit's sheet and a batch's ranking pages,
written tens of thousands of times or with a row per unit, are put together
by :mod:`.fastsheet` and :mod:`.fastbatch`, which write the same text faster
(checked against the templates by tests/test_fast_sheet.py and
tests/test_fast_batch.py).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from ..numbers import fmt, rounding_words
from .naming import Naming
from .report import (
    SheetRow,
    depth_of,
    effect_text,
    has_assessors,
    items_under,
    level_cells,
    level_name,
    recoverable,
    self_total_label,
    self_total_text,
    sheet_rows,
    summary_lines,
)
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
    # ``| e`` returns Markup, which finalize leaves alone: without this, a value printed with it kept its
    # control characters (an ESC, a bidi override in a unit's name reached index.html).
    env.filters["e"] = env.filters["escape"] = lambda v: escape(_finalize(v))
    env.filters["fmt"] = lambda v: "" if v is None else (fmt(v) or "0")
    env.globals["level_name"] = level_name
    env.globals["STATUS_LABELS"] = STATUS_LABELS
    return env


def merged_rows(rows: list[SheetRow], depth: int) -> list[dict[str, Any]]:
    """The items as a county's 考核表 lays them out: one table row per item, each 一级 / 二级
    指标 written once in a cell merged down over its items (``rowspan``), an item's own name
    spanning the levels below it (``colspan``).

    ``rows`` are in document order, parents first (:func:`govrules.outputs.report.sheet_rows`);
    a section's points, score and the notes of its caps and floor go into its merged cell.
    """
    spans = items_under(rows)  # index of a section row -> how many items it holds
    pending: dict[int, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for n, row in enumerate(rows):
        if row.kind == "section":
            for d in [d for d in pending if d >= row.depth]:
                del pending[d]
            if spans[n]:
                pending[row.depth] = {"row": row, "rowspan": spans[n], "colspan": 1}
            continue
        cells = [pending.pop(d) for d in sorted(pending) if d < row.depth]
        out.append({"row": row, "sections": cells, "colspan": depth - row.depth})
    return out


def sheet_context(result: Result) -> dict[str, Any]:
    rows = sheet_rows(result)
    depth = depth_of(rows)
    ledger_rows = []
    for ledger in result.ledgers:
        sign = "+" if ledger.direction == "bonus" else "-"
        for effect in ledger.effects:
            ledger_rows.append({"id": ledger.id, "name": ledger.name, "cap": ledger.cap, "text": effect_text(effect, sign, naming=Naming.of(result))})
    return {
        "result": result,
        "rows": [{"row": r, "levels": level_cells(r, depth)} for r in rows],
        "merged": merged_rows(rows, depth),
        # Ids are never broken inside (zzld.1.1): their column is as wide as the longest
        # (a class per width, w3 … w8 em: the pages carry no style attribute).
        "id_width": f"w{min(8, max(3, math.ceil(max((len(r.id) for r in rows), default=4) * 0.56 + 0.8)))}",
        "self_total": self_total_text(result),
        "self_label": self_total_label(result),
        "depth": depth,
        "levels": [level_name(d) for d in range(depth)],
        "ledger_rows": ledger_rows,
        "summary": summary_lines(result),
        "fixes": recoverable(result),
        "reviews": [i for i in result.items if i.override],
        "stamp": result.stamp,
        "rounding": rounding_words(result.stamp.rounding),
        "reading_names": result.reading_names(),
        "assessors": has_assessors(result),
    }


def jinja_score_html(result: Result) -> str:
    """A standalone HTML page with one unit's score sheet: ``score.html.j2`` rendered by Jinja2, the page's definition."""
    return environment().get_template("score.html.j2").render(**sheet_context(result))


def score_html(result: Result) -> str:
    """A standalone HTML page with one unit's score sheet (the text of :func:`jinja_score_html`, made faster: :mod:`.fastsheet`)."""
    from .fastsheet import score_html as fast

    return fast(result)


def jinja_batch_html(context: dict[str, Any]) -> str:
    """The batch ranking page (see :func:`govrules.outputs.batch.html_context`): ``batch.html.j2`` rendered by Jinja2, the page's definition."""
    return environment().get_template("batch.html.j2").render(**context)


def batch_html(context: dict[str, Any]) -> str:
    """The batch ranking page (the text of :func:`jinja_batch_html`, made faster: :mod:`.fastbatch`)."""
    from .fastbatch import batch_page

    return "".join(batch_page(context))


def write_batch_html(context: dict[str, Any], path: Any) -> None:
    """The batch ranking page written to ``path`` as it is made (a province's page is never held whole); the same text as :func:`batch_html`."""
    from .fastbatch import batch_page

    with open(path, "w", encoding="utf-8") as fh:
        for chunk in batch_page(context):
            fh.write(chunk)
