"""govrules pack for 长沙市 基层政务公开标准化规范化工作评估参考指标体系 (长政务公开办发〔2021〕1号): an unscored reference system."""

from pathlib import Path

from govrules import hookimpl

HERE = Path(__file__).parent


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
