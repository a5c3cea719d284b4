"""summary.json is written with each unit of a long (Lazy) list on a line of its own: parsing it gives the data."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings, strategies as st

from govrules.outputs.batch import Lazy, write_summary_json

# Any text, control characters and the NUL the stand-ins use included.
TEXT = st.text(max_size=8)
SCALARS = st.none() | st.booleans() | st.integers() | TEXT
ENTRY = st.dictionaries(TEXT, st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6), max_size=4)


def _lazy_or_list(entries: list) -> st.SearchStrategy:
    return st.sampled_from([list(entries), Lazy(lambda: iter(list(entries)), len(entries))])


VALUES = st.recursive(
    SCALARS | st.lists(ENTRY, max_size=4).flatmap(_lazy_or_list),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):  # a Lazy list too: iterated
        return [_plain(v) for v in value]
    return value


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(TEXT, VALUES, max_size=5))
def test_summary_json_parses_to_the_data(data):
    out = io.StringIO()
    write_summary_json(data, out)
    text = out.getvalue()
    assert json.loads(text) == _plain(data)
    assert text.endswith("}\n")


def test_each_unit_on_a_line_the_rest_indented_as_json_writes_it():
    units = [{"rank": 1, "unit": "甲镇", "files": {"json": "units/001_甲镇.json"}}, {"rank": 2, "unit": "乙镇", "files": {}}]
    data = {"source": "u.csv", "rankings": [{"target": "xiangzhen", "units": Lazy(lambda: iter(units), 2)}], "failures": Lazy(lambda: iter([]), 0)}
    out = io.StringIO()
    write_summary_json(data, out)
    assert out.getvalue() == (
        "{\n"
        '  "source": "u.csv",\n'
        '  "rankings": [\n'
        "    {\n"
        '      "target": "xiangzhen",\n'
        '      "units": [\n'
        '        {"rank": 1, "unit": "甲镇", "files": {"json": "units/001_甲镇.json"}},\n'
        '        {"rank": 2, "unit": "乙镇", "files": {}}\n'
        "      ]\n"
        "    }\n"
        "  ],\n"
        '  "failures": []\n'
        "}\n"
    )
