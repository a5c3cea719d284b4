"""``govrules serve``: every endpoint answers what the library gives for the same input.

In process, through Starlette's TestClient (no socket); the contract test
against a real server is tests/test_service_contract.py, the browser test of
the form tests/test_service_browser.py.
"""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govrules
from govrules import messages
from govrules.outputs.batch import read_units, score_units, summary_data
from govrules.outputs.catalogue import listing, pack_detail
from govrules.outputs.describe import describe
from govrules.outputs.html import score_html
from govrules.outputs.report import markdown

pytest.importorskip("starlette")
from starlette.applications import Starlette  # noqa: E402
from starlette.routing import Mount  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from govrules.service import create_app  # noqa: E402

from datonghu_facts import XZ_ALL_MET, xz  # noqa: E402
from test_batch import EXPECTED_RANKING, HEADER, UNITS, write_csv  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def client(registry: govrules.Registry) -> TestClient:
    return TestClient(create_app(registry, max_body=64 * 1024))


def examples(registry: govrules.Registry) -> list[tuple[govrules.Pack, Path]]:
    return [(p, f) for p in registry.packs for f in sorted((Path(p.origin).parent / "examples").glob("*.json"))]


def problem_of(response) -> dict:
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == response.status_code
    assert "Traceback" not in response.text
    return body


# --------------------------------------------------------------- reading endpoints


def test_reading_endpoints_equal_the_library(client, registry):
    assert client.get("/healthz").json() == {"status": "ok", "version": govrules.__version__, "packs": list(registry.ids), "broken": 0}
    assert client.get("/packs").json() == listing(registry)
    for pack in registry.packs:
        assert client.get(f"/packs/{pack.id}").json() == pack_detail(pack)
        assert client.get(f"/packs/{pack.id}/rubric").json() == describe(pack)
        for target in pack.targets:
            assert client.get(f"/packs/{pack.id}/targets/{target}/schema").json() == pack.facts_schema(target)
            assert client.get(f"/packs/{pack.id}/targets/{target}/rubric").json() == describe(pack, target)


def test_pack_detail_carries_the_readings(client, datonghu):
    body = client.get("/packs/datonghu_2023").json()
    assert body["content_hash"] == datonghu.content_hash
    assert {r["id"] for r in body["readings"]} == {r.id for r in datonghu.spec.readings}
    assert body["discretionary_step"] == "0.01"


# ----------------------------------------------------------------------- assess


def test_every_example_scores_byte_for_byte_as_the_library(client, registry):
    for pack, path in examples(registry):
        text = path.read_bytes()
        expected = pack.assess(text).to_json().encode("utf-8")
        got = client.post(f"/packs/{pack.id}/assess", content=text, headers={"Content-Type": "application/json"})
        assert got.status_code == 200, (path, got.text)
        assert got.content == expected, path
        assert got.headers["content-type"] == "application/json"
        target = json.loads(text).get("target") or pack.targets[0]
        typed = client.post(f"/packs/{pack.id}/targets/{target}/assess", content=text, headers={"Content-Type": "application/json"})
        assert typed.content == expected, path


def test_a_hand_worked_score(client):
    # 乡镇: 主动公开信息 20 − 3 × 0.1 = 19.7, the other four items 20 each: 99.7.
    got = client.post("/packs/datonghu_2023/targets/xiangzhen/assess", json=xz(active_late_count=3))
    assert got.status_code == 200
    assert got.json()["total"] == "99.7"
    assert D(got.json()["items"][0]["score"]) == D("19.7")


def test_the_sheet_in_every_format(client, datonghu):
    data = xz(active_late_count=3, active_quality={"points": 0.5, "reason": "负责人姓名未更新"})
    result = datonghu.assess(data)
    for how in ({"params": {"format": "html"}}, {"headers": {"Accept": "text/html"}}):
        got = client.post("/packs/datonghu_2023/assess", json=data, **how)
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/html")
        assert got.text == score_html(result)
    got = client.post("/packs/datonghu_2023/assess", json=data, headers={"Accept": "text/markdown;q=0.9, application/xml;q=1"})
    assert got.headers["content-type"].startswith("text/markdown") and got.text == markdown(result)
    got = client.post("/packs/datonghu_2023/assess", json=data, params={"format": "xlsx"})
    assert got.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    # 20 − 0.3 − 0.5 = 19.2 on 主动公开信息; 99.2 in all.
    assert any(str(c) in ("19.2", "99.2") for c in cells)
    got = client.post("/packs/datonghu_2023/assess", json=data, headers={"Accept": "application/xml"})
    assert got.status_code == 406 and problem_of(got)["problems"][0]["where"] == "Accept"


def test_a_scoring_model(client, registry):
    taiqian = registry.get("taiqian")
    text = (Path(taiqian.origin).parent / "examples" / "xiangzhen.json").read_bytes()
    got = client.post("/packs/taiqian/assess", params={"model": "flat_unweighted"}, content=text, headers={"Content-Type": "application/json"})
    assert got.content == taiqian.assess(text, model="flat_unweighted").to_json().encode("utf-8")
    assert problem_of(client.post("/packs/taiqian/assess", params={"model": "nope"}, content=text, headers={"Content-Type": "application/json"}))["status"] == 400


# ------------------------------------------------------------------------ errors


def test_invalid_facts_are_422_with_the_library_problems(client, datonghu):
    data = xz(active_late_count=-1, zone_missing=["不存在"], active_qualty=1)
    with pytest.raises(govrules.FactsError) as info:
        datonghu.assess(data)
    got = client.post("/packs/datonghu_2023/assess", json=data)
    assert got.status_code == 422
    body = problem_of(got)
    assert body["problems"] == info.value.to_dict()["problems"] and body["summary"] == info.value.summary
    assert any("是否想写 'active_quality'" in p["message"] for p in body["problems"])


def test_unknown_pack_or_target_is_404_with_did_you_mean(client):
    body = problem_of(client.get("/packs/datonghu_2032"))
    assert body["status"] == 404 and {"where": "是否想写", "message": "datonghu_2023"} in [{k: p[k] for k in ("where", "message")} for p in body["problems"]]
    body = problem_of(client.post("/packs/datonghu_2023/targets/xiangzen/assess", json={}))
    assert body["status"] == 404 and "是否想写 'xiangzhen'？" in body["problems"][0]["message"]
    assert problem_of(client.get("/no/such/path"))["status"] == 404


def test_method_content_type_and_unreadable_bodies(client):
    got = client.get("/packs/datonghu_2023/assess")
    assert got.status_code == 405 and "POST" in got.headers["allow"] and problem_of(got)["error"] == "MethodNotAllowed"
    got = client.post("/packs/datonghu_2023/assess", content=b"target=xiangzhen", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert got.status_code == 415 and problem_of(got)["problems"][0]["where"] == "Content-Type"
    got = client.post("/packs/datonghu_2023/assess", content=b'{"target": "xiangzhen",', headers={"Content-Type": "application/json"})
    assert got.status_code == 400 and problem_of(got)["problems"][0]["where"].startswith("第1行第")
    got = client.post("/packs/datonghu_2023/assess", content=b'{"unit": "\xff"}', headers={"Content-Type": "application/json"})
    assert got.status_code == 400 and [(p["where"], p["code"]) for p in problem_of(got)["problems"]] == [("第10字节", "input.not_utf8")]


def test_a_key_given_twice_is_refused(client):
    # Issue 13: {"target": "xiangzhen", "target": "quzhi"} was read as quzhi by json.loads.
    text = b'{"target": "xiangzhen", "target": "quzhi", "facts": {}}'
    got = client.post("/packs/datonghu_2023/assess", content=text, headers={"Content-Type": "application/json"})
    assert got.status_code == 400
    # The message from the catalogue (Chinese); its code and parameters for a client that renders its own.
    assert problem_of(got)["problems"] == [
        {"where": "target", "message": "键 'target' 在同一对象中出现两次；只写一次", "code": "input.key_twice", "params": {"key": "'target'"}}
    ]


def test_discretionary_points_in_the_packs_precision(client):
    got = client.post("/packs/datonghu_2023/assess", content=json.dumps(xz(active_quality={"points": 5e-05, "reason": "欠缺"})), headers={"Content-Type": "application/json"})
    assert got.status_code == 422 and problem_of(got)["problems"][0]["where"] == "facts.active_quality.points"


def test_a_body_over_the_limit_is_413_before_it_is_read(client):
    big = b'{"unit": "' + b"x" * (64 * 1024) + b'"}'
    got = client.post("/packs/datonghu_2023/assess", content=big, headers={"Content-Type": "application/json"})
    assert got.status_code == 413 and problem_of(got)["problems"][0]["where"] == "Content-Length"

    def chunks():  # no Content-Length: counted while it arrives
        yield b'{"unit": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    got = client.post("/packs/datonghu_2023/assess", content=chunks(), headers={"Content-Type": "application/json"})
    assert got.status_code == 413 and problem_of(got)["problems"][0]["where"] == "body"


# ------------------------------------------------------------------------- batch


def test_batch_upload_equals_the_library(client, datonghu, tmp_path):
    path = write_csv(tmp_path / "units.csv", HEADER, UNITS)
    batch = read_units(path, datonghu)
    batch.source = "units.csv"
    score_units(batch)
    expected = summary_data(batch)
    got = client.post("/packs/datonghu_2023/batch", files={"file": ("units.csv", path.read_bytes(), "text/csv")})
    assert got.status_code == 200, got.text
    assert got.json() == json.loads(json.dumps(expected, ensure_ascii=False))
    # The ranking worked out by hand in tests/test_batch.py (EXPECTED_RANKING).
    assert [(u["rank"], u["unit"], u["total"]) for u in got.json()["rankings"][0]["units"]] == EXPECTED_RANKING
    raw = client.post("/packs/datonghu_2023/batch", content=path.read_bytes(), headers={"Content-Type": "text/csv"})
    assert raw.json()["counts"] == expected["counts"]
    xlsx = client.post("/packs/datonghu_2023/batch", params={"format": "xlsx"}, content=path.read_bytes(), headers={"Content-Type": "text/csv"})
    assert xlsx.headers["content-type"] == XLSX and openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames


def test_a_batch_that_cannot_be_read_names_no_server_path(client):
    got = client.post("/packs/datonghu_2023/batch", content=b"", headers={"Content-Type": "text/csv"})
    body = problem_of(got)
    assert got.status_code == 422 and "/tmp" not in got.text and "govrules-batch" not in got.text, body
    got = client.post("/packs/datonghu_2023/batch", content=b"PK\x03\x04nonsense", headers={"Content-Type": XLSX})
    assert got.status_code == 422 and "govrules-batch" not in got.text


def test_a_batch_s_unknown_target_is_a_400_as_an_unknown_format_is(client, datonghu, tmp_path):
    # service.md: a query parameter with an unknown value is a 400 (?format=, ?model=); ?target= was a 422.
    csv = write_csv(tmp_path / "units.csv", HEADER, UNITS).read_bytes()
    send = {"content": csv, "headers": {"Content-Type": "text/csv"}}
    for value, hint in (("foo", ""), ("xiangzen", "；是否想写 'xiangzhen'？")):
        got = problem_of(client.post("/packs/datonghu_2023/batch", params={"target": value}, **send))
        assert got["status"] == 400 and got["error"] == "InputError", got
        with pytest.raises(govrules.FactsError) as library:
            datonghu.assess({"target": value, "facts": {}})
        assert got["summary"] == library.value.summary  # the library's words, its did-you-mean included
        assert got["problems"] == [p.to_dict() for p in library.value.problems]
        assert got["problems"][0]["where"] == "target" and got["problems"][0]["params"]["hint"] == hint
    assert problem_of(client.post("/packs/datonghu_2023/batch", params={"format": "docx"}, **send))["status"] == 400
    assert client.post("/packs/datonghu_2023/batch", params={"target": "乡镇"}, **send).status_code == 200
    # The contract lists the status for the operation.
    responses = client.get("/openapi.json").json()["paths"]["/packs/datonghu_2023/batch"]["post"]["responses"]
    assert "400" in responses and "unknown value" in responses["400"]["description"]


def test_a_csv_sent_as_a_workbook_is_told_so_in_the_catalogue_s_words(client, tmp_path):
    # Its problem once had no code or params and named Python's exception: "不是可读取的 .xlsx 工作簿（BadZipFile）".
    csv = write_csv(tmp_path / "units.csv", HEADER, UNITS).read_bytes()
    for body, code in ((csv, "forms.xlsx_is_text"), (b"PK\x03\x04nonsense", "forms.xlsx_damaged"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "forms.xlsx_is_xls")):
        got = problem_of(client.post("/packs/datonghu_2023/batch", content=body, headers={"Content-Type": XLSX}))
        assert got["status"] == 422 and got["summary"] == "无法读取 Excel 文件：upload.xlsx", got
        assert [(q["where"], q["code"], q["params"]) for q in got["problems"]] == [("upload.xlsx", code, {})]
        assert got["problems"][0]["message"] == messages.render(code, {})
        assert not re.search(r"[A-Z][a-z]+[A-Z][A-Za-z]*(Error|File|Exception)?", got["problems"][0]["message"]), got  # no exception's name


#: C0 and C1 controls and DEL: none belongs in a problem's where (a field, row or column) or its message.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def _no_controls(body: dict) -> None:
    for q in body["problems"]:
        assert not CONTROLS.search(q["where"] + q["message"] + "".join(q.get("params", {}).values())), q
    assert not CONTROLS.search(body["summary"]), body


def test_a_workbook_sent_as_csv_is_told_it_is_not_csv_text(client, tmp_path):
    # Its bytes were read as CSV text: a problem's where held the ZIP's first "column", NULs and all.
    csv = write_csv(tmp_path / "units.csv", HEADER, UNITS).read_bytes()
    book = openpyxl.Workbook()
    for row in csv.decode("utf-8").splitlines():
        book.active.append(row.split(","))
    buf = io.BytesIO()
    book.save(buf)
    xlsx = buf.getvalue()
    cases = [
        ({"content": xlsx, "headers": {"Content-Type": "text/csv"}}, "upload.csv", "batch.csv_is_xlsx"),
        ({"files": {"file": ("单位.csv", xlsx, "text/csv")}}, "单位.csv", "batch.csv_is_xlsx"),
        ({"content": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "headers": {"Content-Type": "text/csv"}}, "upload.csv", "batch.csv_is_xls"),
        ({"content": "单位,考核对象\n甲,乡镇\n".encode("utf-16"), "headers": {"Content-Type": "text/csv"}}, "upload.csv", "batch.csv_utf16"),
        ({"content": b"unit,\x00\x01target\n\xe7\x94\xb2,x\n", "headers": {"Content-Type": "text/csv"}}, "upload.csv", "batch.csv_binary"),
    ]
    for send, name, code in cases:
        got = problem_of(client.post("/packs/datonghu_2023/batch", **send))
        assert got["status"] == 422 and got["summary"] == f"{name} 不是 CSV 文本", got
        assert [(q["where"], q["code"], q["params"]) for q in got["problems"]] == [(name, code, {})]
        assert got["problems"][0]["message"] == messages.render(code, {})
        _no_controls(got)
    assert "像是 Excel 工作簿" in messages.render("batch.csv_is_xlsx", {})
    # Sent as what it is, the same workbook is scored.
    assert client.post("/packs/datonghu_2023/batch", content=xlsx, headers={"Content-Type": XLSX}).status_code == 200


def test_controls_in_a_csv_s_text_never_reach_a_problem(client):
    header = "单位,考核对象,a\x1bb\x07,\x0c,x\ty\n"
    got = problem_of(client.post("/packs/datonghu_2023/batch", content=(header + "甲\x01,乡镇,1,2,3\n").encode(), headers={"Content-Type": "text/csv"}))
    assert got["status"] == 422
    _no_controls(got)
    assert any("a\\x1bb\\x07" in q["where"] for q in got["problems"]), got


def _form(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> dict:
    """A multipart body written out (httpx cannot repeat a field name or give one in any script)."""
    b = "b0undary"
    head = 'Content-Disposition: form-data; name="{}"'
    body = b"".join(f"--{b}\r\n{head.format(n)}\r\n\r\n{v}\r\n".encode() for n, v in fields)
    body += b"".join(f'--{b}\r\n{head.format(n)}; filename="{f}"\r\n\r\n'.encode() + raw + b"\r\n" for n, f, raw in files)
    return {"content": body + f"--{b}--\r\n".encode(), "headers": {"Content-Type": f"multipart/form-data; boundary={b}"}}


def test_a_form_s_other_fields_are_ignored_up_to_a_limit(client, tmp_path):
    # Schemathesis once sent a form of eleven other fields (names in any script, some repeated) beside the file,
    # which its schema allows; a limit of ten fields had refused it as "not a form" (400).
    csv = write_csv(tmp_path / "units.csv", HEADER, UNITS).read_bytes()
    file = [("file", "units.csv", csv)]
    plain = client.post("/packs/datonghu_2023/batch", **_form([], file))
    others = [("\U000c4139E", "null"), ("\U000c4139E", "true"), ("", "{}"), ("Á", "-8.5e-100")] * 5
    busy = client.post("/packs/datonghu_2023/batch", **_form(others, file))
    assert plain.status_code == busy.status_code == 200 and busy.content == plain.content
    many = client.post("/packs/datonghu_2023/batch", **_form([("f", "x")] * 1001, file))
    assert many.status_code == 413 and problem_of(many)["problems"][0]["message"] == "表单字段超过 1000 个；本服务只读取 file 字段"
    assert problem_of(many)["error"] == "PayloadTooLarge"  # as the body limit's 413 is named
    two = client.post("/packs/datonghu_2023/batch", **_form([], file + [("other", "b.csv", csv)]))
    assert two.status_code == 422 and problem_of(two)["problems"][0]["where"] == "file"


def test_a_form_with_two_files_is_told_one_file_a_request(client, tmp_path):
    # Its summary once said no file was uploaded ("没有上传文件"), beside a problem saying only one is allowed.
    csv = write_csv(tmp_path / "units.csv", HEADER, UNITS).read_bytes()
    for files in ([("file", "a.csv", csv), ("other", "b.csv", csv)], [("file", "a.csv", csv), ("file", "b.csv", csv)]):
        two = problem_of(client.post("/packs/datonghu_2023/batch", **_form([], files)))
        assert two["status"] == 422 and two["error"] == "InputError", two
        assert two["summary"] == "一次只能上传一个文件" and "没有上传" not in two["summary"]
        assert [(q["where"], q["code"]) for q in two["problems"]] == [("file", "serve.one_file")]
    none = problem_of(client.post("/packs/datonghu_2023/batch", **_form([("x", "1")], [])))
    assert none["status"] == 422 and none["summary"] == "没有上传文件"


# ------------------------------------------------------------------ pages, docs


def test_pages_on_allowed_origins_may_call_the_api(registry):
    portal = "https://portal.example"
    app = TestClient(create_app(registry, max_body=64 * 1024, cors_origins=[portal]))
    path = "/packs/datonghu_2023/targets/xiangzhen/assess"
    # The browser's preflight for a JSON POST: answered before any body is read.
    pre = app.options(path, headers={"Origin": portal, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == portal
    assert "POST" in pre.headers["access-control-allow-methods"]
    scored = app.post(path, json=xz(active_late_count=3), headers={"Origin": portal})
    assert scored.json()["total"] == "99.7" and scored.headers["access-control-allow-origin"] == portal  # 100 − 3 × 0.1
    assert "X-Request-ID" in scored.headers["access-control-expose-headers"]
    refused = app.post(path, json={"facts": {"active_late_count": -1}}, headers={"Origin": portal})
    assert refused.status_code == 422 and refused.headers["access-control-allow-origin"] == portal  # a refusal is readable too
    # Another origin, or a service started without --cors-origin: nothing says the page may read the answer.
    other = app.post(path, json=xz(), headers={"Origin": "https://elsewhere.example"})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    plain = TestClient(create_app(registry, max_body=64 * 1024)).post(path, json=xz(), headers={"Origin": portal})
    assert "access-control-allow-origin" not in plain.headers
    assert app.options(path, headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}).status_code == 400
    assert pre.headers["x-request-id"]  # a preflight carries its request id, as every answer does


@pytest.mark.parametrize(
    ("headers", "where", "words"),
    [
        ({"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}, "Origin", "https://elsewhere.example"),
        ({"Origin": "https://portal.example", "Access-Control-Request-Method": "DELETE"}, "Access-Control-Request-Method", "DELETE"),
        ({"Origin": "https://portal.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}, "Access-Control-Request-Headers", "authorization"),
    ],
)
def test_a_refused_preflight_is_problem_json_in_chinese(registry, headers, where, words):
    app = TestClient(create_app(registry, max_body=64 * 1024, cors_origins=["https://portal.example"]))
    refused = app.options("/packs/datonghu_2023/assess", headers={**headers, "X-Request-ID": "pre-1"})
    body = problem_of(refused)
    assert refused.status_code == 400 and body["error"] == "CorsRefused" and refused.headers["x-request-id"] == "pre-1"
    assert body["summary"] == "浏览器的跨来源调用未获允许" and "Disallowed" not in refused.text
    (p,) = body["problems"]
    assert p["where"] == where and words in p["message"] and p["code"].startswith("serve.cors_")


JDK_ACCEPT = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"  # HttpURLConnection's, when none is set


def test_java_s_default_accept_header_gets_json(client):
    # A Java client on HttpURLConnection never chose HTML: its default header is disregarded (its bare * is no media range).
    got = client.post("/packs/datonghu_2023/assess", json=xz(active_late_count=3), headers={"Accept": JDK_ACCEPT})
    assert got.headers["content-type"] == "application/json" and got.json()["total"] == "99.7"  # 100 − 3 × 0.1
    # Asked for by hand, the sheet is still given.
    assert client.post("/packs/datonghu_2023/assess", json=xz(), headers={"Accept": "text/html"}).headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("query", ["format=html&format=xlsx", "format=xlsx&format=html", "format=json&format=json", "model=flat_unweighted&model=flat_unweighted"])
def test_a_query_parameter_given_twice_is_refused(client, query):
    got = client.post(f"/packs/datonghu_2023/assess?{query}", json=xz())
    batch = client.post("/packs/datonghu_2023/batch?target=xiangzhen&target=quzhi", content=b"unit\n", headers={"Content-Type": "text/csv"})
    assert problem_of(batch)["status"] == 400 and batch.json()["problems"][0]["where"] == "target"
    body = problem_of(got)
    name = query.split("=")[0]
    assert got.status_code == 400 and body["problems"][0]["where"] == name and "只能给一次" in body["problems"][0]["message"]


def test_the_cohort_says_406_to_a_client_that_takes_no_json(client):
    units = [{**xz(), "unit": "甲镇"}, {**xz(), "unit": "乙镇"}]
    assert problem_of(client.post("/packs/datonghu_2023/cohort", json=units, headers={"Accept": "text/html"})).get("status") == 406
    assert client.post("/packs/datonghu_2023/cohort", json=units, headers={"Accept": "text/html, application/json;q=0.5"}).status_code == 200
    assert client.post("/packs/datonghu_2023/cohort", json=units, headers={"Accept": JDK_ACCEPT}).status_code == 200


@pytest.mark.parametrize("body", ['"{\\"target\\": \\"xiangzhen\\", \\"facts\\": {}}"', '"x"', "[]", "[1]", "true", "null", "3"])
@pytest.mark.parametrize("path", ["/packs/datonghu_2023/assess", "/packs/datonghu_2023/targets/xiangzhen/assess"])
def test_a_body_that_is_not_an_object_is_refused_as_such(client, path, body):
    # A JSON string is a string, never read again as JSON; a list or a number names no target, so "which target?" would mislead.
    got = client.post(path, content=body.encode(), headers={"Content-Type": "application/json"})
    problem = problem_of(got)
    assert got.status_code == 422 and problem["summary"] == "考核输入应为一个 JSON 对象" and problem["problems"][0]["message"].startswith("实际是")


def test_parts_and_cohort_entries_must_be_objects(client):
    text = json.dumps(xz())
    merged = problem_of(client.post("/packs/datonghu_2023/assess/merged", json={"parts": [text, xz()]}))
    assert merged["status"] == 422 and [p["where"] for p in merged["problems"]] == ["parts[0]"] and "实际是文字" in merged["problems"][0]["message"]
    cohort = problem_of(client.post("/packs/datonghu_2023/cohort", json=[{**xz(), "unit": "甲镇"}, text, 3]))
    assert cohort["status"] == 422 and [p["where"] for p in cohort["problems"]] == ["[1]", "[2]"]


def test_a_slash_too_many_is_a_404_naming_the_path_without_it(client, registry):
    got = client.get("/packs/datonghu_2023/", follow_redirects=False)
    body = problem_of(got)
    assert got.status_code == 404 and "'/packs/datonghu_2023'" in body["problems"][0]["message"]
    # Under a proxy's prefix, the 404's pointers carry it.
    behind = TestClient(create_app(registry), root_path="/govrules").get("/govrules/no/such")
    assert "/govrules/openapi.json" in problem_of(behind)["problems"][-1]["message"]


@pytest.mark.parametrize(("path", "meant"), [("/packs/DATONGHU_2023", "datonghu_2023"), ("/packs/datonghu_2023/targets/XIANGZHEN/schema", "xiangzhen"), (f"/packs/datonghu_2023/targets/{quote('乡(镇)')}/schema", "乡镇")])
def test_a_name_in_other_case_or_width_gets_a_did_you_mean(client, path, meant):
    got = client.get(path)
    assert got.status_code == 404 and meant in got.text


LINKS = re.compile(r'(?:href|src|data-url|data-root)="([^"]*)"')


@pytest.mark.parametrize("how", ["proxy", "mounted"])
def test_under_a_path_prefix_every_link_carries_it(registry, how):
    # Behind a proxy that takes /govrules off (govrules serve --root-path /govrules), or mounted by another
    # ASGI app: the pages, the docs and the contract send the browser and clients to the prefix.
    app = create_app(registry, max_body=64 * 1024)
    root = "/apps/govrules"
    client = TestClient(app, root_path=root) if how == "proxy" else TestClient(Starlette(routes=[Mount(root, app=app)]))
    pages = [client.get(root + p) for p in ("/", "/packs/datonghu_2023/targets/xiangzhen/form", "/docs")]
    links = [link for page in pages for link in LINKS.findall(page.text) if link != "data:,"]  # (the pages' empty icon)
    assert all(page.status_code == 200 for page in pages) and len(links) > 10
    assert all(link.startswith(root + "/") or link == root for link in links), links
    for link in links:
        if link.startswith(root + "/") and "/form" not in link:
            assert client.get(link).status_code == 200, link
    assert 'data-root="/apps/govrules"' in pages[1].text and 'data-url="/apps/govrules/openapi.json"' in pages[2].text
    assert client.get(root + "/openapi.json").json()["servers"] == [{"url": root}]
    body = json.dumps(xz(active_late_count=3))
    prefixed = client.post(root + "/packs/datonghu_2023/assess", content=body, headers={"Content-Type": "application/json"})
    plain = TestClient(app).post("/packs/datonghu_2023/assess", content=body, headers={"Content-Type": "application/json"})
    assert prefixed.status_code == 200 and prefixed.content == plain.content
    assert "servers" not in TestClient(app).get("/openapi.json").json()  # at "/", the contract names no server


def test_pages_and_assets_are_served_locally(client, registry):
    index = client.get("/")
    assert index.status_code == 200 and "default-src 'self'" in index.headers["content-security-policy"]
    for pack in registry.packs:
        for target in pack.targets:
            assert f'href="/packs/{pack.id}/targets/{target}/form"' in index.text
    form = client.get("/packs/datonghu_2023/targets/xiangzhen/form")
    assert form.status_code == 200 and 'data-target="xiangzhen"' in form.text
    for asset in ("/assets/form.js", "/assets/form.css", "/docs", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        assert client.get(asset).status_code == 200, asset
    for page in (index.text, form.text, client.get("/docs").text):
        assert "http://" not in page and "https://" not in page and "//cdn" not in page


def test_the_openapi_types_each_targets_facts(client, registry):
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    for pack in registry.packs:
        for target in pack.targets:
            body = doc["paths"][f"/packs/{pack.id}/targets/{target}/assess"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            envelope = schemas[body["$ref"].rsplit("/", 1)[1]]
            facts = schemas[envelope["properties"]["facts"]["$ref"].rsplit("/", 1)[1]]
            assert set(facts["properties"]) == set(pack.facts_schema(target)["properties"])
            assert "$id" not in facts and "$defs" not in facts


# ----------------------------------------------------- whatever the input: no 500

ENDPOINTS = ["/packs/datonghu_2023/assess", "/packs/datonghu_2023/targets/xiangzhen/assess", "/packs/miluo_2017/assess", "/packs/yuelu_2021/targets/jiedao/assess"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
NEAR_VALID = st.builds(
    lambda facts, extra: {"target": "xiangzhen", "facts": {**XZ_ALL_MET, **facts}, **extra},
    st.dictionaries(st.sampled_from(sorted(XZ_ALL_MET) + ["active_quality"]), JSON, max_size=3),
    st.dictionaries(st.sampled_from(["unit", "self_assessment", "reviews", "evidence", "not_applicable", "pack"]), JSON, max_size=2),
)


PRINTABLE = st.characters(min_codepoint=32, max_codepoint=126)


def _never_a_bug(response) -> None:
    assert response.status_code in (200, 400, 404, 406, 413, 415, 422), response.text
    if response.status_code != 200:
        _no_controls(problem_of(response))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(endpoint=st.sampled_from(ENDPOINTS), body=st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()) | NEAR_VALID.map(lambda v: json.dumps(v).encode()))
def test_no_body_makes_a_500(client, endpoint, body):
    _never_a_bug(client.post(endpoint, content=body, headers={"Content-Type": "application/json"}))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=400), name=st.text(max_size=30), media=st.sampled_from(["text/csv", XLSX]))
def test_no_upload_makes_a_500(client, body, name, media):
    _never_a_bug(client.post("/packs/datonghu_2023/batch", content=body, headers={"Content-Type": media}))
    _never_a_bug(client.post("/packs/datonghu_2023/batch", files={"file": (name or "x.csv", body, media)}))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.text(max_size=10), accept=st.text(PRINTABLE, max_size=30), media=st.text(PRINTABLE, max_size=30), model=st.text(max_size=12))
def test_no_header_or_parameter_makes_a_500(client, fmt, accept, media, model):
    headers = {"Content-Type": media, "Accept": accept}
    _never_a_bug(client.post("/packs/datonghu_2023/assess", params={"format": fmt, "model": model}, content=json.dumps(xz()), headers=headers))


def test_a_cohort_scores_as_the_library(client, datonghu):
    # Two 乡镇 scored together: 100 − 3 × 0.1 = 99.7 and 100 (datonghu has no cohort rows, so each as alone).
    units = [{**xz(active_late_count=3), "unit": "北洲子镇"}, {**xz(), "unit": "河坝镇"}]
    got = client.post("/packs/datonghu_2023/cohort", json=units)
    assert got.status_code == 200
    assert got.content == ("[" + ", ".join(r.to_json() for r in datonghu.assess_cohort(units)) + "]").encode("utf-8")
    assert [r["total"] for r in got.json()] == ["99.7", "100"]
    twice = client.post("/packs/datonghu_2023/cohort", json=[units[0], units[0]])
    assert twice.status_code == 422 and problem_of(twice)["problems"]
    assert client.post("/packs/datonghu_2023/cohort", json={"unit": "x"}).status_code == 422


# ------------------------------------------------------------ merged assessments

ROWSCOPE = Path(__file__).parent / "rowscope"
#: A unit's 自评, the office's facts and its 复核 on three forms (as in test_merge.py).
SELF = {"unit": "北洲子镇", "self_assessment": {"xz.1": 20, "xz.2": 20}}
OFFICE = {"assessor": "区政务公开办", "target": "乡镇", "unit": "北洲子镇", "facts": {**XZ_ALL_MET, "active_late_count": 3}}
REVIEW = {"assessor": "区政务公开办 李明", "reviews": [{"item": "xz.1", "score": 20, "reviewer": "区政务公开办 李明", "at": "2023-12-20", "reason": "现场复核：已整改"}]}


def parts_named(n: int) -> list[str]:
    return [f"parts[{i}]" for i in range(n)]


def test_merged_parts_score_byte_for_byte_as_the_library(client, datonghu):
    parts = [SELF, OFFICE, REVIEW]
    library = datonghu.assess_merged(parts, parts_named(3))
    # 主动公开信息 20 − 3 × 0.1 = 19.7 computed, raised to 20 by the 复核; the other four rows 20 each: 100.
    assert library.total == D(100)
    for path in ("/packs/datonghu_2023/assess/merged", "/packs/datonghu_2023/targets/xiangzhen/assess/merged", "/packs/datonghu_2023/targets/乡镇/assess/merged"):
        got = client.post(path, json={"parts": parts})
        assert got.status_code == 200 and got.headers["content-type"] == "application/json", got.text
        assert got.content == library.to_json().encode("utf-8"), path
    assert [s["name"] for s in got.json()["sources"]] == ["parts[0]", "parts[1]", "parts[2]"]
    # Names given: the result's sources name the parts by them, as the CLI names files.
    names = ["自评.json", "政务公开办.json", "复核.json"]
    got = client.post("/packs/datonghu_2023/assess/merged", json={"parts": parts, "names": names})
    assert got.content == datonghu.assess_merged(parts, names).to_json().encode("utf-8")
    # The score sheet and a scoring model, as for one input.
    got = client.post("/packs/datonghu_2023/assess/merged?format=html", json={"parts": parts})
    assert got.status_code == 200 and got.text == score_html(library)
    got = client.post("/packs/datonghu_2023/assess/merged", json={"parts": parts}, headers={"Accept": "text/markdown"})
    assert got.text == markdown(library)


@pytest.fixture(scope="module")
def departments() -> TestClient:
    # tests/rowscope: 1.1 政策宣传 by 县委宣传部 and 县教育局, 1.2 校园宣传 by 县教育局, 2.x by 县河长办 (test_merge.py).
    return TestClient(create_app(govrules.Registry([govrules.load_pack(ROWSCOPE)])))


PUBLICITY = {"assessor": "县委宣传部", "target": "xiangzhen", "unit": "琴江镇", "facts": {"publicity_missed": 2}}
EDUCATION = {"assessor": "县教育局", "unit": "琴江镇", "facts": {"school_visit": False}}
RIVERS = {"assessor": "县河长办", "unit": "琴江镇", "facts": {"patrol_missed": 1, "lake_tasks_missed": 1}}


def test_departments_parts_merge_and_conflicts_are_422_naming_each_part(departments):
    pack = departments.app.state.registry.packs[0]
    parts = [PUBLICITY, EDUCATION, RIVERS]
    got = departments.post(f"/packs/{pack.id}/assess/merged", json={"parts": parts})
    # 1.1: 5 − 2 × 1 = 3; 1.2: 5 − 2 = 3; 2.1: 6 − 1 × 2 = 4; 2.2: 4 − 1 × 2 = 2; 3 + 3 + 4 + 2 = 12.
    assert got.status_code == 200 and got.json()["total"] == "12"
    assert got.content == pack.assess_merged(parts, parts_named(3)).to_json().encode("utf-8")
    # Two departments giving 1.1's fact differently: a conflict, never settled by order.
    conflict = [PUBLICITY, {**EDUCATION, "facts": {"school_visit": False, "publicity_missed": 3}}, RIVERS]
    # A department giving a fact of another department's row: refused.
    foreign = [{**PUBLICITY, "facts": {"publicity_missed": 2, "school_visit": True}}, EDUCATION, RIVERS]
    for bad, where in ((conflict, "facts.publicity_missed"), (foreign, "parts[0]: facts.school_visit")):
        with pytest.raises(govrules.FactsError) as info:
            pack.assess_merged(bad, parts_named(3))
        got = departments.post(f"/packs/{pack.id}/targets/乡镇/assess/merged", json={"parts": bad})
        body = problem_of(got)
        assert got.status_code == 422 and body["summary"] == info.value.summary
        assert body["problems"] == info.value.to_dict()["problems"] and [p["where"] for p in body["problems"]] == [where]
    assert "parts[0]（县委宣传部） 给出 2，parts[1]（县教育局） 给出 3" in problem_of(
        departments.post(f"/packs/{pack.id}/assess/merged", json={"parts": conflict})
    )["problems"][0]["message"]


@pytest.mark.parametrize(
    "body, wheres",
    [
        ([SELF], [""]),
        ({}, ["parts"]),
        ({"parts": {"facts": {}}}, ["parts"]),
        ({"parts": [SELF], "names": "自评.json"}, ["names"]),
        ({"parts": [SELF, REVIEW], "names": ["自评.json", " "], "unit": "x"}, ["unit", "names[1]"]),
        ({"parts": [SELF, OFFICE], "names": ["自评.json"]}, ["names"]),  # the library's check: one name a part
        ({"parts": []}, ["parts"]),
        ({"parts": [SELF, {**OFFICE, "unit": "河坝镇"}]}, ["parts[1]（区政务公开办）: unit"]),
        ({"parts": [SELF, {**OFFICE, "ratings": {}}]}, ["parts[1]: ratings"]),
    ],
)
def test_a_merged_body_that_is_not_parts_is_422_naming_where(client, body, wheres):
    got = client.post("/packs/datonghu_2023/assess/merged", json=body)
    assert got.status_code == 422 and [p["where"] for p in problem_of(got)["problems"]] == wheres


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(NEAR_VALID | JSON, max_size=3), names=st.none() | st.lists(st.text(max_size=8), max_size=3))
def test_no_merged_body_makes_a_500(client, parts, names):
    body = {"parts": parts} if names is None else {"parts": parts, "names": names}
    _never_a_bug(client.post("/packs/datonghu_2023/targets/xiangzhen/assess/merged", content=json.dumps(body), headers={"Content-Type": "application/json"}))


# ------------------------------------------------- a target's Chinese name in a path


def test_a_target_is_named_in_a_path_as_in_json_input(client, registry):
    # Every endpoint taking a target in its path answers for its Chinese name (percent-encoded or not) as for its id.
    for pack in registry.packs:
        for t in pack.spec.targets:
            for what in ("schema", "rubric", "form"):
                by_id = client.get(f"/packs/{pack.id}/targets/{t.id}/{what}")
                assert by_id.status_code == 200
                for name in (t.name, quote(t.name)):
                    assert client.get(f"/packs/{pack.id}/targets/{name}/{what}").content == by_id.content, (pack.id, name, what)
    data = xz(active_late_count=3)
    by_id = client.post("/packs/datonghu_2023/targets/xiangzhen/assess", json=data)
    by_name = client.post("/packs/datonghu_2023/targets/%E4%B9%A1%E9%95%87/assess", json=data)
    assert by_name.content == by_id.content and by_name.json()["target"] == {"id": "xiangzhen", "name": "乡镇"}
    # The name in the path and the id in the body (or the other way round) are one target.
    assert client.post("/packs/datonghu_2023/targets/乡镇/assess", json={**data, "target": "xiangzhen"}).content == by_id.content
    # An unknown name is still a 404 with the pack's targets and a did-you-mean.
    for name, hint in (("乡", None), ("xiangzen", "是否想写 'xiangzhen'？")):
        body = problem_of(client.get(f"/packs/datonghu_2023/targets/{quote(name)}/schema"))
        assert body["status"] == 404 and "区直（quzhi）、乡镇（xiangzhen）" in body["problems"][0]["message"]
        assert hint is None or hint in body["problems"][0]["message"]
    # The contract says so: the path parameter lists ids and names.
    doc = client.get("/openapi.json").json()
    param = doc["paths"]["/packs/{pack_id}/targets/{target}/schema"]["get"]["parameters"][1]
    assert {"xiangzhen", "乡镇", "quzhi", "区直"} <= set(param["schema"]["enum"])
    # And the typed assessment's own "target" takes the name too, as the JSON input does.
    assessment = doc["components"]["schemas"]["datonghu_2023.xiangzhen.Assessment"]
    assert assessment["properties"]["target"]["enum"] == ["xiangzhen", "乡镇", None]
    # So does the pack-wide endpoint's, whose body names its target: {"target": "区直"} is answered (200), so
    # the contract must not call it invalid (schemathesis sends bodies the schema forbids and expects a 4xx).
    for path in ("/packs/datonghu_2023/assess", "/packs/datonghu_2023/assess/merged"):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        branches = [b["properties"]["parts"]["items"] if path.endswith("merged") else b for b in body["oneOf"]]
        assert [b["properties"]["target"] for b in branches] == [{"enum": ["quzhi", "区直"]}, {"enum": ["xiangzhen", "乡镇"]}], path
    assert client.post("/packs/datonghu_2023/assess", json={**data, "target": "乡镇"}).content == by_id.content


def test_the_merged_bodies_are_typed_in_the_contract(client, registry):
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    for pack in registry.packs:
        for target in pack.targets:
            op = doc["paths"][f"/packs/{pack.id}/targets/{target}/assess/merged"]["post"]
            body = schemas[op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
            part = schemas[body["properties"]["parts"]["items"]["$ref"].rsplit("/", 1)[1]]
            assessment = schemas[f"{pack.id}.{target}.Assessment"]
            assert part["properties"]["facts"] == assessment["properties"]["facts"] and "assessor" in part["properties"]
            assert body["required"] == ["parts"] and body["additionalProperties"] is False
        assert f"/packs/{pack.id}/assess/merged" in doc["paths"]


# ---------------------------------------------- what an integrating developer expects


def test_fixed_answers_carry_an_etag_and_a_current_copy_is_304(client):
    for path in ("/packs", "/packs/datonghu_2023", "/packs/datonghu_2023/rubric", "/packs/datonghu_2023/targets/xiangzhen/schema",
                 "/packs/datonghu_2023/targets/乡镇/rubric", "/packs/datonghu_2023/targets/xiangzhen/form", "/", "/openapi.json"):  # fmt: skip
        first = client.get(path)
        etag = first.headers["etag"]
        assert first.status_code == 200 and first.headers["cache-control"] == "no-cache" and etag.startswith('"'), path
        assert client.get(path).headers["etag"] == etag  # the same bytes, the same tag
        again = client.get(path, headers={"If-None-Match": f'"other", {etag}'})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag, path
        assert client.get(path, headers={"If-None-Match": '"other"'}).content == first.content
    # The id and the name of a target give the same schema, so the same tag.
    assert client.get("/packs/datonghu_2023/targets/乡镇/schema").headers["etag"] == client.get("/packs/datonghu_2023/targets/xiangzhen/schema").headers["etag"]
    # A score is never cached.
    assert "etag" not in client.post("/packs/datonghu_2023/assess", json=xz()).headers


def test_every_answer_carries_the_request_id(client):
    got = client.post("/packs/datonghu_2023/assess", json=xz(), headers={"X-Request-ID": "oa-2023-0001"})
    assert got.headers["x-request-id"] == "oa-2023-0001"
    # Made when none (or an implausible one) is sent, on errors too, including a refusal before the body is read.
    made = {client.get("/healthz").headers["x-request-id"], client.get("/no/such").headers["x-request-id"]}
    assert len(made) == 2 and all(len(m) == 32 for m in made)
    assert client.get("/healthz", headers={"X-Request-ID": "x" * 201}).headers["x-request-id"] != "x" * 201
    big = client.post("/packs/datonghu_2023/assess", content=b"{" * (65 * 1024), headers={"Content-Type": "application/json", "X-Request-ID": "big-1"})
    assert big.status_code == 413 and big.headers["x-request-id"] == "big-1"


def test_a_bug_is_answered_500_with_the_request_id(monkeypatch, registry):
    # No input reaches a 500 (the contract test checks that); a bug is simulated by breaking a route.
    from govrules.service import routes

    def broken(request):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(routes, "healthz", broken)
    with TestClient(create_app(registry), raise_server_exceptions=False) as c:
        given = c.get("/healthz", headers={"X-Request-ID": "oa-bug-1"})
        made = c.get("/healthz")
    assert given.status_code == 500 and given.headers["x-request-id"] == "oa-bug-1"
    assert given.json()["error"] == "InternalError" and "Traceback" not in given.text and "simulated bug" not in given.text
    assert made.status_code == 500 and len(made.headers["x-request-id"]) == 32


def access_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "govrules.access"]


def test_every_answer_is_logged_once_with_its_request_id(client, caplog):
    caplog.set_level("INFO", logger="govrules.access")
    scored = client.post("/packs/datonghu_2023/assess?format=json", json=xz(), headers={"X-Request-ID": "oa-2023-0002"})
    refused = client.post("/packs/datonghu_2023/assess", json={"target": "xiangzhen", "facts": {"active_late_count": -1}})
    missing = client.get("/no/such")
    lines = access_lines(caplog)
    assert len(lines) == 3
    client_part, request_line, status, size, took, rid = re.fullmatch(r'(\S+) - "([^"]*)" (\d+) (\d+)B ([\d.]+)ms id=(\S+)', lines[0]).groups()
    assert request_line == "POST /packs/datonghu_2023/assess?format=json HTTP/1.1" and status == "200" and rid == "oa-2023-0002"
    assert int(size) == len(scored.content) and float(took) > 0 and client_part.startswith("testclient")
    # A made id is logged as the answer carries it; refusals are logged with their status.
    assert lines[1].endswith(f"id={refused.headers['x-request-id']}") and '" 422 ' in lines[1]
    assert lines[2].endswith(f"id={missing.headers['x-request-id']}") and '"GET /no/such HTTP/1.1" 404 ' in lines[2]


def test_the_access_log_holds_no_line_break_or_escape_from_a_request(client, caplog):
    import asyncio

    from govrules.service.accesslog import AccessLog

    caplog.set_level("INFO", logger="govrules.access")
    client.get("/no/such%0Aline?x=%1b[31m", headers={"X-Request-ID": "has space"})
    # What a client cannot send through httpx, a server might still pass on: raw bytes in the request line.
    async def answer(scope, receive, send):
        await send({"type": "http.response.start", "status": 404, "headers": [(b"x-request-id", b"r-1")]})
        await send({"type": "http.response.body", "body": b"no"})

    async def ignore(message):
        pass

    scope = {"type": "http", "method": "GET", "http_version": "1.1", "path": "/", "raw_path": b'/a\nb\x1b[31m"\\\xe4', "query_string": b"q=\r", "headers": []}
    asyncio.run(AccessLog(answer)(scope, None, ignore))
    sent, raw = access_lines(caplog)
    assert '"GET /no/such%0Aline?x=%1b[31m HTTP/1.1" 404' in sent
    assert re.search(r"id=[0-9a-f]{32}$", sent)  # an implausible id is replaced, and the made one logged
    assert raw == '- - "GET /a\\x0ab\\x1b[31m\\x22\\x5c\\xe4?q=\\x0d HTTP/1.1" 404 2B ' + raw.split("2B ")[1]
    assert raw.endswith("id=r-1") and raw.count('"') == 2


def test_a_bug_is_logged_500_with_its_request_id(monkeypatch, registry, caplog):
    from govrules.service import routes

    def broken(request):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(routes, "healthz", broken)
    caplog.set_level("INFO", logger="govrules")
    with TestClient(create_app(registry), raise_server_exceptions=False) as c:
        assert c.get("/healthz", headers={"X-Request-ID": "oa-bug-2"}).status_code == 500
    (line,) = access_lines(caplog)
    assert '"GET /healthz HTTP/1.1" 500 0B' in line and line.endswith("id=oa-bug-2")
    # The traceback is in the service's own log, under the same id.
    (error,) = [r for r in caplog.records if r.name == "govrules.service"]
    assert "oa-bug-2" in error.getMessage() and error.exc_info is not None


def test_serve_logs_each_request_once_with_the_client_a_trusted_proxy_names(tmp_path):
    import urllib.request

    from service_server import running

    out = tmp_path / "serve.log"
    with running("--forwarded-allow-ips", "127.0.0.1, 10.0.0.0/8", output=out) as base:
        forwarded = urllib.request.Request(base + "/packs", headers={"X-Forwarded-For": "10.9.8.7", "X-Request-ID": "oa-proxy-1"})
        with urllib.request.urlopen(forwarded) as r:
            assert r.status == 200
    log = out.read_text(encoding="utf-8")
    # The packs' line: the client the proxy (here 127.0.0.1, trusted) names, and the request's id; uvicorn's own
    # access line (which has no id) is not written, so each request is logged once.
    (line,) = [l for l in log.splitlines() if "/packs " in l]
    assert re.fullmatch(r'INFO: +10\.9\.8\.7:\d+ - "GET /packs HTTP/1\.1" 200 \d+B [\d.]+ms id=oa-proxy-1', line), line
    assert len([l for l in log.splitlines() if "/healthz " in l]) >= 1 and "Uvicorn running" in log


def test_serve_without_the_serve_extra_says_so_in_chinese(monkeypatch, capsys):
    import sys

    from govrules.cli import main

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn raises ImportError, as on a machine without the extra
    with pytest.raises(SystemExit) as exit:
        main(["serve"], standalone_mode=False)
    assert exit.value.code == 1  # bad input's exit code, as every other refusal
    err = capsys.readouterr().err
    assert "无法启动 govrules serve" in err and "需要 serve 附加组件（缺少 uvicorn）" in err and "pip install 'govrules[serve]'" in err and "Traceback" not in err
