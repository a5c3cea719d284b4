"""govrules pack for 汨罗市2017年政务公开政务服务工作考核细则 (乡镇 / 市直及省、岳阳市驻汨单位)."""

from pathlib import Path

from govrules import hookimpl

HERE = Path(__file__).parent


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
