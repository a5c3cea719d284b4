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


@pytest.mark.parametrize("scatter_max", [1, 3, 1000])
def test_the_scatter_takes_every_step_th_unit_with_a_self_total_in_ranking_order(tmp_path, monkeypatch, scatter_max):
    """figures() counts the ranked units with a 自评合计 first (a stored batch without reading them), then takes every
    step-th pair in one pass with the distribution: the pairs every step-th of them in ranking order gives."""
    import csv
    import itertools
    import math

    from govrules.outputs import charts
    from govrules.outputs.streaming import run_batch
    from govrules.registry import Registry

    pack = Registry.discover().get("datonghu_2023")
    monkeypatch.setattr(charts, "SCATTER_MAX", scatter_max)
    path = tmp_path / "units.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "active_late_count", "zone_missing", "new_media_incident_count", "new_media_criticism_state_council", "new_media_criticism_province",
                    "new_media_criticism_city", "new_media_stale_periods", "opinion_response_ok", "foi_ok", "self.xz.1"])  # fmt: skip
        for n in range(12):
            w.writerow([f"第{n}镇", n % 3, "无", 0, 0, 0, n % 4, 0, "是", "是", "" if n % 3 == 0 else 20 - n])
    batch, _ = run_batch(path, pack, tmp_path / "out", jobs=1, target="xiangzhen")
    ranked = list(batch.ranked("xiangzhen"))
    with_self = [u.outcome for u in ranked if u.outcome.self_total is not None]
    step = math.ceil(len(with_self) / scatter_max)
    want = [(o.self_total, o.total) for o in itertools.islice(with_self, 0, None, step)]
    assert batch.ranked_with_self_total("xiangzhen") == len(with_self) == 8
    (scatter,) = [f for f in charts.figures(batch, [])["xiangzhen"] if f.kind == "self"]
    assert scatter.series == [("单位", want)]
