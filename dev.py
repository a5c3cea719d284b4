#!/usr/bin/env python3
"""Set everything up and run a job, with nothing but Python installed.

    python3 dev.py example     # set up, then score the shipped example units
    python3 dev.py test        # set up, then run the test suite (args go to pytest)
    python3 dev.py setup       # only set up
    python3 dev.py docs        # set up, install the docs extra, build the site into site/ (strict)

Setting up creates ``.venv`` beside this file and installs govrules with its
test extras and every pack under ``packs/`` (editable), so that packs are
found through their entry points exactly as in production. It is skipped when
nothing it installs from has changed since the last run.

durable-rules is published as source only and compiles C on install: the
machine needs a C compiler and the Python headers (``gcc`` and
``python3-dev`` on Debian), and Python 3.11 or 3.12.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".govrules-setup"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

#: One shipped example per pack: (pack id, facts file).
EXAMPLES = [
    ("datonghu_2023", "packs/datonghu_2023/src/govrules_pack_datonghu_2023/examples/xiangzhen.json"),
    ("miluo_2017", "packs/miluo_2017/src/govrules_pack_miluo_2017/examples/xiangzhen.json"),
    ("taiqian", "packs/taiqian/src/govrules_pack_taiqian/examples/xiangzhen.json"),
    ("changsha_ref", "packs/changsha_ref/src/govrules_pack_changsha_ref/examples/quxian.json"),
    ("yuelu_2021", "packs/yuelu_2021/src/govrules_pack_yuelu_2021/examples/jiedao.json"),
    ("fsou_zfxxgk_pinggu", "packs/fsou_zfxxgk_pinggu/src/govrules_pack_fsou_zfxxgk_pinggu/examples/jiguan.json"),
]


def _packs() -> list[Path]:
    return sorted(p for p in (ROOT / "packs").iterdir() if (p / "pyproject.toml").is_file())


def _fingerprint() -> str:
    h = hashlib.sha256(sys.version.encode())
    for f in [ROOT / "pyproject.toml"] + [p / "pyproject.toml" for p in _packs()]:
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def setup() -> None:
    if sys.version_info < (3, 11) or sys.version_info >= (3, 13):
        sys.exit(f"govrules needs Python 3.11 or 3.12 (durable-rules does not build on {sys.version.split()[0]}).")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    fingerprint = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    args: list[str | Path] = [PY, "-m", "pip", "install", "--quiet", "-e", ".[test]"]
    for pack in _packs():
        args += ["-e", str(pack.relative_to(ROOT))]
    _run(*args)
    STAMP.write_text(fingerprint)


def main(argv: list[str]) -> int:
    job = argv[0] if argv else "example"
    if job not in ("setup", "example", "test", "docs"):
        print(__doc__)
        return 2
    setup()
    if job == "example":
        for pack, facts in EXAMPLES:
            _run(BIN / "govrules", "score", pack, facts)
    elif job == "test":
        extra = argv[1:]
        return subprocess.run([str(PY), "-m", "pytest", *extra], cwd=ROOT).returncode
    elif job == "docs":
        # govrules with its docs extra (mkdocs); what setup() installed stays as it is.
        _run(PY, "-m", "pip", "install", "--quiet", "-e", ".[docs]")
        return subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "-d", "site"], cwd=ROOT).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
