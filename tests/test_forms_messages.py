"""Messages of forms and PDF output come from the catalogue (govrules.messages), with their codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules import messages
from govrules.cli import main
from govrules.outputs import forms

SRC = Path(__file__).resolve().parents[1] / "src" / "govrules"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("module", ["outputs/forms.py", "outputs/pdf.py"])
def test_no_message_is_written_inline(module):
    # A problem or a refused value names a catalogue code; its words are in govrules/messages/zh.py.
    text = (SRC / module).read_text(encoding="utf-8")
    text = re.sub(r"InputError\(\s*\n\s*", "InputError(", text)  # a call broken over lines, read as one
    inline = [m.group(0) for m in re.finditer(r"(?:ValueError|InputError|Problem|unavailable)\((?:[^()\n]|\([^()\n]*\))*\)", text) if CJK.search(m.group(0))]
    assert inline == []


def count_spec() -> govrules.rubric.model.FactSpec:  # type: ignore[name-defined]
    from govrules.rubric.model import FactSpec

    return FactSpec(name="active_late_count", label="主动公开逾期次数", type="count")


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("三", "forms.not_a_count", "“三”不是次数（应为非负整数）"),
        ("2.5", "forms.not_whole", "“2.5”不是整数（次数应为非负整数）"),
        ("1e3", "forms.exponent", "“1e3”是科学计数法，次数请直接写出数字（如 1000）"),
    ],
)
def test_a_cell_that_cannot_be_read_keeps_its_code(raw, code, words):
    with pytest.raises(ValueError) as err:
        forms.cell_fact(count_spec(), raw)
    problem = forms.cell_problem("u.csv 第4行 列「active_late_count」", err.value)
    assert (problem.code, problem.message) == (code, words)
    assert messages.render(problem.code, problem.params) == words  # another locale renders the same code


def test_a_date_that_does_not_exist_in_yaml_is_named_in_chinese(tmp_path, registry, monkeypatch):
    monkeypatch.setattr(govrules.Registry, "discover", classmethod(lambda cls, *a, **k: registry))
    bad = tmp_path / "bad.yaml"
    bad.write_text("target: xiangzhen\nfacts:\n  active_late_count: 2023-02-30\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["score", "datonghu_2023", str(bad)])
    assert result.exit_code == 1
    # Python's reason was "cannot read this value: day is out of range for month"; February has no 30th.
    assert "bad.yaml:3: '2023-02-30' 不是有效日期（没有这一天）" in result.output
    assert "range" not in result.output and "cannot" not in result.output
