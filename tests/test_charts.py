"""The batch's SVG charts (outputs/charts.py): axes that read as what they count."""

from __future__ import annotations

import re

import pytest

from govrules.outputs.charts import Figure, svg


def y_ticks(markup: str) -> list[str]:
    axis = re.search(r'<g class="axis y[^"]*">(.*?)</g>\s*</g>\s*<g class="axis x', markup, re.S)
    assert axis is not None
    return re.findall(r"<text[^>]*>([^<]*)</text>", axis.group(1))


@pytest.mark.parametrize(
    ("counts", "ticks"),
    [
        # Two units in one bin, one in another: the axis runs 0, 1, 2 (it used to be graduated 0, 0.2, 0.4, … 2).
        ([2, 1], ["0", "1", "2"]),
        ([1, 0], ["0", "1"]),
        # Larger counts keep pygal's own round steps, still whole.
        ([40, 3], ["0", "10", "20", "30", "40"]),
    ],
)
def test_the_distribution_counts_units_in_whole_numbers(counts, ticks):
    fig = Figure("xiangzhen", "distribution", "总分分布", ["0–10", "10–20"], [("单位数", counts)])
    assert y_ticks(svg(fig)) == ticks


def test_points_lost_keep_their_fractions():
    # Points are not counts: 0.3 and 0.5 points lost must stay readable on a fractional axis.
    fig = Figure("xiangzhen", "items", "各指标失分合计", ["xz.1 政务公开", "xz.3 主动公开"], [("失分", [0.3, 0.5])])
    markup = svg(fig)
    assert any("." in t for t in re.findall(r"<text[^>]*>([^<]*)</text>", markup))
