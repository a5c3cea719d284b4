"""govrules pack for 台前县政务公开工作考核表（适用乡（镇）政府）: an unscored checklist."""

from pathlib import Path

from govrules import hookimpl

HERE = Path(__file__).parent


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
