"""govrules pack for an untitled 政府信息公开工作评估表 (fsou.net document 17024737, page 7): ten rows graded 优(10) 良(8) 一般(6) 差(0)."""

from pathlib import Path

from govrules import hookimpl

HERE = Path(__file__).parent


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
