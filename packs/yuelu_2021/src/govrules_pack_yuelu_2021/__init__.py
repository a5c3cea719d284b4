"""govrules pack for 岳麓区基层政务公开标准化规范化工作考核指标 (2021), tailored from changsha_ref."""

from pathlib import Path

from govrules import hookimpl

HERE = Path(__file__).parent


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
