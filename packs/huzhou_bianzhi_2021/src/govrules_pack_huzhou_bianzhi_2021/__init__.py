"""govrules pack for the 区县 table of an indicator system reconstructed from a 湖州 机构编制 demo application's data (not a published document)."""

from pathlib import Path

from govrules import hookimpl

HERE = Path(__file__).parent


@hookimpl
def govrules_packs() -> list[Path]:
    return [HERE / "rubric.yaml"]
