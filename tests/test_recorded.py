"""Every shipped pack's recorded results, in every format, are byte-identical to today's.

The inputs and digests were recorded by ``tests/recorded/record.py`` (see its
docstring); a change meant to change results records them anew and says so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("recorded", Path(__file__).parent / "recorded" / "record.py")
assert _spec is not None and _spec.loader is not None
recorded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorded)


@pytest.mark.parametrize("pack_id", sorted({c["pack"] for c in recorded.read_inputs()}))
def test_recorded_results_are_byte_identical(pack_id: str) -> None:
    import json

    cases = [c for c in recorded.read_inputs() if c["pack"] == pack_id]
    assert cases, f"no recorded inputs for {pack_id}"
    expected = json.loads(recorded.DIGESTS.read_text(encoding="utf-8"))
    expected = {c["key"]: expected[c["key"]] for c in cases}
    diffs = recorded.differences(expected, recorded.digests(cases))
    assert not diffs, "results differ from the recorded ones:\n" + "\n".join(diffs[:40])
