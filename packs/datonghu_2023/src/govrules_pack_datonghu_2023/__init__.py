"""govrules pack for 大通湖区2023年政务公开考核细则 (大政公办发〔2023〕4号)."""

from pathlib import Path

from govrules import hookimpl

HERE = Path(__file__).parent


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
