"""A third-party rule kind, added through the hook with no change to the core (tests/plugins/example_kind).

The example plugin's kind ``after_allowance`` reads 「首次发现的予以提醒，第二次起每次扣0.5分」;
its pack (示例, 20 points: 信息发布 10, 依申请公开 10) uses it beside a built-in kind.
Expected scores are worked out from those words.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

import govrules
from govrules.kinds import Kinds, RuleKind
from govrules.testing import run_conformance

PLUGIN_SRC = Path(__file__).parent / "plugins" / "example_kind" / "src"
sys.path.insert(0, str(PLUGIN_SRC))
import govrules_example_kind as example  # noqa: E402

RUBRIC = PLUGIN_SRC / "govrules_example_kind" / "rubric.yaml"


@pytest.fixture(scope="module")
def registry() -> govrules.Registry:
    return govrules.Registry.discover(plugins=[("example_kind", example)])


@pytest.fixture(scope="module")
def pack(registry: govrules.Registry) -> govrules.Pack:
    return registry.get("example_allowance")


def _facts(late: int, foi: int) -> dict:
    return {"facts": {"late_count": late, "foi_late_count": foi}}


def test_the_plugin_adds_its_kind_beside_the_builtin_ones(registry: govrules.Registry) -> None:
    assert not registry.broken
    assert "after_allowance" in registry.kinds
    assert set(Kinds.builtin()) < set(registry.kinds)


@pytest.mark.parametrize("evaluator", ["durable", "reference"])
def test_first_occurrence_is_only_a_reminder(pack: govrules.Pack, evaluator: str) -> None:
    # 首次发现的予以提醒: one late publication costs nothing.
    result = pack.assess(_facts(1, 0), evaluator=evaluator)
    assert result.total == Decimal(20)
    assert result.item("1").effects == ()


@pytest.mark.parametrize("evaluator", ["durable", "reference"])
def test_from_the_second_occurrence_each_costs_half_a_point(pack: govrules.Pack, evaluator: str) -> None:
    # 第二次起每次扣0.5分: 3 late → (3 − 1) × 0.5 = 1; 未按时答复 2 × 1 = 2; 20 − 1 − 2 = 17.
    result = pack.assess(_facts(3, 2), evaluator=evaluator)
    assert result.item("1").score == Decimal(9)
    assert result.total == Decimal(17)
    effect = result.item("1").effects[0]
    assert (effect.kind, effect.amount, effect.quantity, effect.unit_amount) == ("after_allowance", Decimal("1.0"), 2, Decimal("0.5"))
    assert effect.quote == "信息发布不及时的，首次发现的予以提醒，第二次起每次扣0.5分"
    assert "前几次予以提醒" in effect.detail


def test_the_row_floors_at_zero(pack: govrules.Pack) -> None:
    # 扣完为止: 30 late → (30 − 1) × 0.5 = 14.5 > 10, so 信息发布 scores 0; 依申请公开 10 − 2 = 8.
    result = pack.assess(_facts(30, 2))
    assert result.item("1").score == 0
    assert result.item("1").floor_cut == Decimal("4.5")
    assert result.total == Decimal(8)


def test_sheets_explain_it_in_the_kinds_words(pack: govrules.Pack) -> None:
    from govrules.outputs.describe import describe
    from govrules.outputs.report import markdown

    text = markdown(pack.assess(_facts(3, 0)))
    assert "-1 信息发布不及时的，首次发现的予以提醒，第二次起每次扣0.5分（2 × 0.5）（前几次予以提醒，不扣分）" in text
    rule = describe(pack)["rows"][0]["rules"][0]
    assert rule["words"] == "「信息发布不及时次数」前1次予以提醒，此后每次扣0.5分"
    assert rule["allowance"] == 1


def test_the_conformance_kit_passes_with_the_plugin_kind(pack: govrules.Pack) -> None:
    report = run_conformance(pack, max_examples=25)
    assert report.ok, report


def test_without_the_plugin_the_kind_is_unknown_with_the_file_and_line() -> None:
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack(RUBRIC, kinds=Kinds.builtin())
    (problem,) = info.value.problems
    assert problem.where.startswith(f"{RUBRIC}:20 指标 1（信息发布） indicators[0].rules[0]")
    assert "unknown rule kind 'after_allowance'" in problem.message
    assert "per_occurrence" in problem.message  # the kinds there are


def test_a_kinds_own_check_points_at_its_row(tmp_path: Path) -> None:
    text = RUBRIC.read_text(encoding="utf-8").replace("allowance: 1, amount: 0.5", "allowance: 1, amount: 0")
    with pytest.raises(govrules.PackError) as info:
        govrules.load_pack_text(text, "rubric.yaml", kinds=Kinds([*Kinds.builtin().values(), example.AfterAllowance()]))
    (problem,) = info.value.problems
    assert problem.where == "rubric.yaml:20 指标 1（信息发布） indicators[0].rules[0].amount"
    assert problem.message == "after_allowance needs a positive amount"


def test_two_plugins_naming_one_kind_are_both_broken() -> None:
    class Again(example.AfterAllowance):
        pass

    class Other:
        @govrules.hookimpl
        def govrules_rule_kinds(self) -> list[RuleKind]:
            return [Again()]

    registry = govrules.Registry.discover(plugins=[("example_kind", example), ("other", Other())])
    broken = [(b.plugin, b.summary) for b in registry.broken]
    clash = "rule kind 'after_allowance' is provided more than once: example_kind, other"
    assert ("example_kind", clash) in broken and ("other", clash) in broken
    # and the example's pack, whose kind is now unknown, is listed as broken too
    assert any(plugin == "example_kind" and "problem(s) in the pack" in summary for plugin, summary in broken)
    assert "after_allowance" not in registry.kinds
    example.AfterAllowance()  # the rule model points at the plugin's own kind again


def test_no_core_module_names_a_builtin_kind() -> None:
    # Everything about a kind lives in its module under govrules/kinds/.
    src = Path(govrules.__file__).parent
    # "discretionary" is also a fact type (an assessor's bounded deduction), which the core knows.
    names = [k for k in Kinds.builtin() if k != "discretionary"]
    offenders = []
    for path in src.rglob("*.py"):
        if path.parent.name == "kinds":
            continue
        text = path.read_text(encoding="utf-8")
        for name in names:
            if f'"{name}"' in text or f"'{name}'" in text:
                offenders.append(f"{path.relative_to(src)} names {name!r}")
    assert not offenders
