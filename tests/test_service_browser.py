"""The form in a real headless browser: Debian's chromium driven by selenium through chromedriver.

Skipped, saying why, only when not under CI and the browser is missing;
under CI (``CI=true``) these tests always run (.ci/run installs chromium and
chromium-driver). The server is a real ``govrules serve`` on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from urllib.parse import quote

import pytest

from datonghu_facts import xz
from service_server import prefix_proxy, running

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
UNDER_CI = os.environ.get("CI", "").lower() == "true"

if not (CHROMIUM and DRIVER) and not UNDER_CI:
    pytest.skip("the browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver); .ci/run installs them", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def base():
    with running() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM and DRIVER, "under CI the browser must be installed (.ci/run installs chromium and chromium-driver)"
    profile = tempfile.mkdtemp(prefix="govrules-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,2000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(browser, predicate, seconds: float = 20):
    return WebDriverWait(browser, seconds, poll_frequency=0.1).until(lambda d: predicate(d))


def text_of(browser, css: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, css).text.strip()


def fill(browser, name: str, value: str) -> None:
    field = browser.find_element(By.CSS_SELECTOR, f'[name="{name}"]')
    field.clear()
    field.send_keys(value)


FORM = "/packs/datonghu_2023/targets/xiangzhen/form"


def open_form(browser, url: str) -> None:
    browser.get(url)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#facts .fact"))


def fill_all_met(browser) -> None:
    """Every 乡镇 fact as in datonghu_facts.XZ_ALL_MET, typed in: 100 points."""
    fill(browser, "active_late_count", "0")
    browser.find_element(By.CSS_SELECTOR, '[name="zone_missing.none"]').click()
    for name in ("new_media_incident_count", "new_media_criticism_state_council", "new_media_criticism_province", "new_media_criticism_city", "new_media_stale_periods"):
        fill(browser, name, "0")
    Select(browser.find_element(By.NAME, "opinion_response_ok")).select_by_visible_text("是")
    Select(browser.find_element(By.NAME, "foi_ok")).select_by_visible_text("是")
    wait_for(browser, lambda d: text_of(d, "#total") == "100")


def empty(browser, name: str) -> None:
    """The field emptied by keys, as a person empties it, each key an input event."""
    field = browser.find_element(By.CSS_SELECTOR, f'[name="{name}"]')
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)


def problem_at(browser, where: str) -> str:
    return text_of(browser, f'[data-problem="{where}"]')


def test_the_form_scores_as_facts_are_entered(browser, base):
    browser.get(base + "/")
    browser.find_element(By.CSS_SELECTOR, 'a[href="/packs/datonghu_2023/targets/xiangzhen/form"]').click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#facts .fact"))
    # Chinese labels from the schema; choices as selects; subsets as checkboxes.
    assert "主动公开" in browser.find_element(By.CSS_SELECTOR, '[data-fact="active_late_count"] label').text
    assert browser.find_element(By.CSS_SELECTOR, '[data-fact="opinion_response_ok"] select')
    assert browser.find_elements(By.CSS_SELECTOR, '[data-fact="zone_missing"] input[type=checkbox]')
    assert text_of(browser, "#total") == "—"

    fill(browser, "active_late_count", "3")
    browser.find_element(By.CSS_SELECTOR, '[name="zone_missing.none"]').click()
    for name in ("new_media_incident_count", "new_media_criticism_state_council", "new_media_criticism_province", "new_media_criticism_city", "new_media_stale_periods"):
        fill(browser, name, "0")
    Select(browser.find_element(By.NAME, "opinion_response_ok")).select_by_visible_text("是")
    Select(browser.find_element(By.NAME, "foi_ok")).select_by_visible_text("是")
    # 乡镇: 主动公开信息 20 − 3 × 0.1 = 19.7, the other four 20 each: 99.7.
    wait_for(browser, lambda d: text_of(d, "#total") == "99.7")
    assert text_of(browser, "#item-xz\\.1 .final") == "19.7"

    # A discretionary deduction without its reason is refused, the field named; with it, 99.7 − 0.5 = 99.2.
    fill(browser, "active_quality.points", "0.5")
    wait_for(browser, lambda d: "reason" in text_of(d, '[data-problem="facts.active_quality"]'))
    assert text_of(browser, "#total") == "—"
    fill(browser, "active_quality.reason", "机构信息中负责人姓名未随人事调整更新")
    wait_for(browser, lambda d: text_of(d, "#total") == "99.2")

    # The 自评 column is sent with the facts; a 自评 above the item's points is refused, next to it.
    fill(browser, "self.xz.1", "25")
    wait_for(browser, lambda d: "超过" in problem_at(d, "self_assessment.xz.1"))
    fill(browser, "self.xz.1", "19")
    wait_for(browser, lambda d: text_of(d, "#total") == "99.2" and text_of(d, "#problems") == "")

    # Nothing came from anywhere but this server.
    origins = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert origins and all(u.startswith(base + "/") for u in origins), origins




def test_a_refusal_clears_the_item_scores(browser, base):
    open_form(browser, base + FORM)
    fill_all_met(browser)
    fill(browser, "active_late_count", "3")
    # 主动公开信息 20 − 3 × 0.1 = 19.7, a deduction: the row is marked failed.
    wait_for(browser, lambda d: text_of(d, "#item-xz\\.1 .final") == "19.7")
    assert browser.find_element(By.ID, "item-xz.1").get_attribute("class") == "fail"
    # A 自评 above the item's 20 points is refused: no score stands, neither the total nor any item's.
    fill(browser, "self.xz.1", "25")
    wait_for(browser, lambda d: text_of(d, "#total") == "—")
    rows = browser.find_elements(By.CSS_SELECTOR, "#items tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, ".final").text for r in rows] == ["—"] * 5
    assert [r.get_attribute("class") for r in rows] == [""] * 5
    fill(browser, "self.xz.1", "19")
    wait_for(browser, lambda d: text_of(d, "#item-xz\\.1 .final") == "19.7" and text_of(d, "#total") == "99.7")


def test_problems_of_a_list_fact_and_of_a_self_assessment_show_next_to_their_input(browser, base):
    open_form(browser, base + FORM)
    fill_all_met(browser)
    # The server names the second date (facts.new_media_update_dates.1): the problem goes under the list's field,
    # not into the general list under a machine path.
    fill(browser, "new_media_update_dates", "2023-01-05\nbad")
    wait_for(browser, lambda d: "不是日期" in problem_at(d, "facts.new_media_update_dates"))
    assert text_of(browser, "#problems") == ""
    empty(browser, "new_media_update_dates")  # its count is given as new_media_stale_periods: the dates are left out
    wait_for(browser, lambda d: text_of(d, "#total") == "100" and problem_at(d, "facts.new_media_update_dates") == "")
    # self_assessment.xz.1: under the 自评 input of 主动公开信息 (20 points).
    fill(browser, "self.xz.1", "25")
    wait_for(browser, lambda d: "超过" in problem_at(d, "self_assessment.xz.1"))
    assert browser.find_element(By.CSS_SELECTOR, '#item-xz\\.1 [data-problem="self_assessment.xz.1"]')
    assert text_of(browser, "#problems") == ""
    fill(browser, "self.xz.1", "20")
    wait_for(browser, lambda d: text_of(d, "#total") == "100" and problem_at(d, "self_assessment.xz.1") == "")


def test_a_count_reaches_the_server_as_typed(browser, base):
    open_form(browser, base + FORM)
    fill_all_met(browser)
    # 3.5 is not a count: the server says so next to the field (it was read as 3 and scored 19.7).
    fill(browser, "active_late_count", "3.5")
    wait_for(browser, lambda d: "整数" in problem_at(d, "facts.active_late_count"))
    assert text_of(browser, "#total") == "—"
    # 2e1 is 20 (it was read as 2): 主动公开信息 20 − 20 × 0.1 = 18, the other four 20 each: 98.
    fill(browser, "active_late_count", "2e1")
    wait_for(browser, lambda d: text_of(d, "#total") == "98")
    assert text_of(browser, "#item-xz\\.1 .final") == "18"
    assert problem_at(browser, "facts.active_late_count") == ""


def test_a_number_the_browser_cannot_read_is_a_problem_not_a_blank(browser, base):
    open_form(browser, base + FORM)
    fill_all_met(browser)
    # "1e" in a number field: the browser's value is "", which had dropped the fact and scored without it.
    for name, where, valid, total in (
        ("active_late_count", "facts.active_late_count", "3", "99.7"),  # 20 − 3 × 0.1 = 19.7, + 4 × 20
        ("active_quality.points", "facts.active_quality", "0", "99.7"),  # no deduction
        ("self.xz.1", "self_assessment.xz.1", "19", "99.7"),  # a 自评 does not change the score
    ):
        fill(browser, name, "1e")
        assert browser.execute_script("return document.querySelector(arguments[0]).validity.badInput", f'[name="{name}"]')
        wait_for(browser, lambda d: problem_at(d, where) == "不是有效的数字")
        assert text_of(browser, "#total") == "—"
        assert text_of(browser, "#item-xz\\.1 .final") == "—"
        assert text_of(browser, "#problems") == ""
        fill(browser, name, valid)
        wait_for(browser, lambda d: text_of(d, "#total") == total and problem_at(d, where) == "")


def test_an_incomplete_form_names_the_items_still_without_facts(browser, base):
    open_form(browser, base + FORM)
    fill(browser, "active_late_count", "3")
    # Only 主动公开信息 (xz.1) has its facts; the other four items are named as the rubric names them, not by id.
    wait_for(browser, lambda d: text_of(d, "#item-xz\\.1 .final") == "19.7")
    assert text_of(browser, "#status") == "未完成：尚未填写 政务公开专区、政务新媒体、政务舆情回应、依申请公开 所需的事实"



def test_the_sheet_downloads_as_html_and_excel(browser, base, tmp_path):
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.get(base + "/packs/datonghu_2023/targets/xiangzhen/form")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#facts .fact"))
    fill(browser, "active_late_count", "3")
    wait_for(browser, lambda d: text_of(d, "#item-xz\\.1 .final") == "19.7")
    browser.find_element(By.ID, "download-xlsx").click()
    browser.find_element(By.ID, "download-html").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not {"评分表.xlsx", "评分表.html"} <= {p.name for p in tmp_path.iterdir()}:
        time.sleep(0.2)
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "评分表.xlsx").read_bytes()))
    assert book.sheetnames
    html = (tmp_path / "评分表.html").read_text(encoding="utf-8")
    assert "19.7" in html and "大通湖区" in html


def downloaded(folder, names: set[str], seconds: float = 30) -> set[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not names <= {p.name for p in folder.iterdir()}:
        time.sleep(0.2)
    return {p.name for p in folder.iterdir()}


def test_the_sheet_is_named_after_the_unit(browser, base, tmp_path):
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    open_form(browser, base + FORM)
    fill(browser, "active_late_count", "3")
    # A unit's name is the file's, with what a file name cannot hold (/ \\ : * ? " < > |) as _.
    browser.find_element(By.ID, "unit").send_keys('北洲子镇/二组:"?"')
    wait_for(browser, lambda d: text_of(d, "#item-xz\\.1 .final") == "19.7")
    browser.find_element(By.ID, "download-html").click()
    browser.find_element(By.ID, "download-xlsx").click()
    expected = {"北洲子镇_二组____评分表.html", "北洲子镇_二组____评分表.xlsx"}
    assert downloaded(tmp_path, expected) == expected
    html = (tmp_path / "北洲子镇_二组____评分表.html").read_text(encoding="utf-8")
    assert "19.7" in html and "北洲子镇/二组" in html



def test_a_download_that_fails_says_so(browser, base, tmp_path):
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    # Refused: 3.5 late items is not a count. What the rescoring showed is wiped first, so that what shows is the
    # download's own answer: the server's summary, its problem next to the field, and no sheet.
    open_form(browser, base + FORM)
    fill_all_met(browser)
    fill(browser, "active_late_count", "3.5")
    browser.execute_script("document.activeElement.blur()")  # its change event rescores now, not on the click below
    wait_for(browser, lambda d: "整数" in problem_at(d, "facts.active_late_count"))
    time.sleep(1)
    browser.execute_script("document.getElementById('status').textContent = ''; document.querySelectorAll('[data-problem]').forEach(p => p.textContent = '')")
    time.sleep(1)
    assert text_of(browser, "#status") == ""  # no rescoring under way
    browser.find_element(By.ID, "download-html").click()
    wait_for(browser, lambda d: text_of(d, "#status") == "datonghu_2023 / 乡镇 的考核输入有 1 处问题" and "整数" in problem_at(d, "facts.active_late_count"))
    # A number the browser cannot read: nothing is asked of the server, nothing downloaded.
    fill(browser, "active_late_count", "1e")
    browser.find_element(By.ID, "download-xlsx").click()
    wait_for(browser, lambda d: problem_at(d, "facts.active_late_count") == "不是有效的数字")
    time.sleep(1)
    assert list(tmp_path.iterdir()) == []

    # The service gone (a network error): the same words as when rescoring cannot reach it. Nothing is typed,
    # so no field's change event rescores on the click: the words are the download's.
    with running() as gone:
        open_form(browser, gone + FORM)
        wait_for(browser, lambda d: text_of(d, "#status").startswith("未完成"))
    browser.find_element(By.ID, "download-html").click()
    wait_for(browser, lambda d: text_of(d, "#status") == "无法连接评分服务，请检查网络后重试")
    assert list(tmp_path.iterdir()) == []
    # The browser's reason goes to the console (read here, so that no later test takes it for a script error).
    assert any("Failed to fetch" in e["message"] for e in browser.get_log("browser") if e["source"] == "console-api")



def test_every_target_form_loads(browser, base, registry):
    for pack in registry.packs:
        for t in pack.spec.targets:
            # By its id, and by its Chinese name as an office types it into the address bar.
            for name in (t.id, t.name):
                browser.get(f"{base}/packs/{pack.id}/targets/{quote(name)}/form")
                wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#score"))
                names = {e.get_attribute("data-fact") for e in browser.find_elements(By.CSS_SELECTOR, "#facts .fact")}
                assert names == set(pack.facts_schema(t.id)["properties"]), (pack.id, name)
            errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and e["source"] != "network"]
            assert not errors, errors  # no script error on any form




def test_the_form_works_behind_a_proxy_under_a_path_prefix(browser):
    # nginx's `location /govrules/ { proxy_pass http://127.0.0.1:PORT/; }` in front of `govrules serve --root-path /govrules`:
    # the list, the form's script, its schema and its scoring all go through the prefix.
    with running("--root-path", "/govrules") as upstream, prefix_proxy(upstream, "/govrules") as base:
        browser.get(base + "/")
        browser.find_element(By.CSS_SELECTOR, 'a[href="/govrules/packs/datonghu_2023/targets/xiangzhen/form"]').click()
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#facts .fact"))
        fill(browser, "active_late_count", "3")
        # 主动公开信息 20 − 3 × 0.1 = 19.7
        wait_for(browser, lambda d: text_of(d, "#item-xz\\.1 .final") == "19.7")
        origins = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert origins and all(u.startswith(base + "/") for u in origins), origins
        try_healthz(browser, base)


def try_healthz(browser, base: str) -> None:
    """Swagger UI at /docs renders every operation of the contract, and "Try it out" on GET /healthz gets a 200."""
    import json
    import urllib.request

    with urllib.request.urlopen(base + "/openapi.json") as r:
        operations = sum(len(methods) for methods in json.load(r)["paths"].values())
    browser.get(base + "/docs")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) == operations, 30)
    browser.find_element(By.CSS_SELECTOR, "#operations-default-healthz .opblock-summary-control").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#operations-default-healthz .try-out__btn")).__getitem__(0).click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#operations-default-healthz .execute")).__getitem__(0).click()
    wait_for(browser, lambda d: "200" in [e.text.strip() for e in d.find_elements(By.CSS_SELECTOR, "#operations-default-healthz .live-responses-table tbody .response-col_status")])
    assert base + "/healthz" in text_of(browser, "#operations-default-healthz .request-url")  # under a prefix, through it
    origins = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert origins and all(u.startswith(base + "/") for u in origins), origins


def test_the_api_docs_render_the_contract_and_try_it(browser, base):
    # The contract is OpenAPI 3.1, which Swagger UI 4 could not render ("does not specify a valid version field").
    try_healthz(browser, base)


FETCH = """
const [url, body, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: body})
  .then(r => r.json().then(body => done(["answered", r.status, body.total, r.headers.get("X-Request-ID") !== null])))
  .catch(e => done(["blocked", String(e)]));
"""


def test_a_page_on_an_allowed_origin_calls_the_api(browser, base):
    # A portal's page (here: a document of another service, another port being another origin; not one of the form
    # pages, whose own policy lets them call their service only) calls a service started with --cors-origin naming
    # it; the browser's preflight passes, and the answer and its X-Request-ID are readable.
    with running("--cors-origin", base) as allowed, running() as closed:
        browser.get(base + "/healthz")
        path = "/packs/datonghu_2023/targets/xiangzhen/assess"
        body = json.dumps(xz(active_late_count=3))
        assert browser.execute_async_script(FETCH, allowed + path, body) == ["answered", 200, "99.7", True]  # 100 − 3 × 0.1
        assert browser.execute_async_script(FETCH, closed + path, body)[0] == "blocked"
