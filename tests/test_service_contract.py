"""The service against its own contract, over a real socket.

* schemathesis: ``schemathesis run URL/openapi.json --checks all --max-examples 25``
  against ``govrules serve`` started here (settings and the one hook in
  tests/contract/: counts written as integers; a batch file that cannot be read is 422);
* concurrency: many requests at once to one process and to several workers,
  each answer checked to be its own request's (the unit name echoed back);
* the body limit on the wire: a chunked body without Content-Length is cut off at the limit.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("schemathesis")

from datonghu_facts import xz  # noqa: E402
from service_server import running  # noqa: E402

CONTRACT = Path(__file__).parent / "contract"


def test_schemathesis_finds_nothing(tmp_path):
    with running() as base:
        env = {**os.environ, "PYTHONPATH": str(CONTRACT), "NO_COLOR": "1"}
        st = Path(sys.executable).parent / "schemathesis"
        proc = subprocess.run(
            [str(st), "--config-file", str(CONTRACT / "schemathesis.toml"), "run", f"{base}/openapi.json", "--checks", "all", "--max-examples", "25"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1500,
        )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def _assess(base: str, unit: str, late: int) -> tuple[str, int, dict]:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    body = json.dumps({**xz(active_late_count=late), "unit": unit}, ensure_ascii=False).encode()
    conn.request("POST", "/packs/datonghu_2023/targets/xiangzhen/assess", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = json.loads(r.read())
    conn.close()
    return unit, r.status, data


@pytest.mark.parametrize("workers", ["1", "2"])
def test_no_answer_crosses_another(workers):
    with running("--workers", workers) as base:
        jobs = [(f"单位{i:03d}", i % 7) for i in range(120)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda job: _assess(base, *job), jobs))
    for (unit, late), (echoed, status, data) in zip(jobs, answers):
        assert status == 200 and data["unit"] == unit == echoed
        # 乡镇: 主动公开信息 20 − late × 0.1; the other four items 20 each.
        assert Decimal(data["total"]) == 100 - late * Decimal("0.1")


def test_a_chunked_body_is_cut_off_at_the_limit():
    with running("--max-body", "1000") as base:
        url = urlsplit(base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.putrequest("POST", "/packs/datonghu_2023/assess")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        chunk = b'{"unit": "' + b"x" * 600
        try:
            for _ in range(4):
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close the connection as soon as it has answered
        r = conn.getresponse()
        body = json.loads(r.read())
        assert r.status == 413 and body["problems"][0]["where"] == "body"
