"""Time as the documents count it: working days on the official holiday calendar, calendar months and quarters.

Every expected count below is worked out by hand in its comment, day by day,
from the State Council's holiday notices (国务院办公厅关于2024年部分节假日安排的通知):

* 春节 2024: 2月10日至17日放假调休，共8天；2月4日（星期日）、2月18日（星期日）上班.
* 国庆节 2024: 10月1日至7日放假调休，共7天；9月29日（星期日）、10月12日（星期六）上班.

A period 「自收到申请之日起」 does not count the day of receipt (民法典 第二百零一条:
开始的当日不计入，自下一日开始计算); the day of the answer is counted.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govrules
from govrules.engine.timing import calendar_years, missed_calendar_periods, missed_day_periods, working_days_after
from govrules.testing import oracle, run_conformance

D = dt.date

# 汨罗市 2017 乡镇考核细则, two rows, with readings for what the document leaves to the 条例 and to the assessor.
MILUO_WORDS = textwrap.dedent(
    """\
    依申请公开
    依法依规办理公众的政府信息公开申请，无超期办理情况，无行政复议、讼诉等案件。
    8
    出现超期回复的，每件次扣4分；发生复议、诉讼经查实需承担责任的，每起扣8分。
    建立政务服务质量评议制度，有评议结果（含服务对象的评价）；定期（按周、月、季）对窗口工作情况（办事、作风等）实施考评，并将情况进行通报
    3分
    未定期讲评的扣3分，未通报讲评情况的扣1分，窗口工作人员未由政务服务管理机构单列考核的扣1分。
    """
)

MILUO_TIME = textwrap.dedent(
    """\
    format: 1
    pack: {id: miluo_time, version: 0.1.0, title: 依申请公开与窗口讲评（时间计算示例）, issuer: 汨罗市, source: 2017年乡镇政务公开政务服务工作考核细则（节选）}
    targets:
      - {id: xiangzhen, name: 乡镇, total: 11}
    readings:
      - id: overdue_20_working_days
        quote: 无超期办理情况
        choice: >-
          「超期」指答复晚于《政府信息公开条例》（2019年修订）第三十三条「自收到申请之日起20个工作日内予以答复」；
          收到申请当日不计入，答复当日计入；工作日按国务院公布的节假日安排（含调休上班日）计算；不计经批准的延长期限。
        alternatives:
          - 按2007年条例第二十四条的15个工作日计（2017年细则制定时的规定）
          - 经负责人同意延长的，按40个工作日计
      - id: monthly_reviews
        quote: 定期（按周、月、季）对窗口工作情况（办事、作风等）实施考评
        choice: >-
          「定期」按月理解：给出讲评日期时，2024年每个自然月至少讲评一次，有一个月没有讲评即为「未定期讲评」。
        alternatives: [按季度理解：每个季度至少讲评一次, 按周理解]
    facts:
      - name: foi_overdue_count
        label: 政府信息公开申请超期回复件次
        type: count
        unit: 件次
        derive: {kind: late_spans, source: foi_requests, within_working_days: 20, reading: overdue_20_working_days}
      - {name: foi_requests, label: 政府信息公开申请（收到申请日至答复日）, type: spans}
      - {name: foi_lawsuits, label: 经查实需承担责任的复议、诉讼起数, type: count, unit: 起}
      - name: window_missed_months
        label: 未讲评窗口工作的月数
        type: count
        unit: 个月
        derive: {kind: missed_periods, source: window_review_dates, period: month, start: 2024-01-01, end: 2024-12-31, reading: monthly_reviews}
      - {name: window_review_dates, label: 窗口工作讲评日期, type: dates}
    indicators:
      - id: ys.1
        name: 依申请公开
        points: {xiangzhen: 8}
        rules:
          - {id: overdue, kind: per_occurrence, fact: foi_overdue_count, amount: 4, quote: 出现超期回复的，每件次扣4分}
          - {id: lawsuit, kind: per_occurrence, fact: foi_lawsuits, amount: 8, quote: 发生复议、诉讼经查实需承担责任的，每起扣8分}
      - id: ck.1
        name: 服务质量评议与窗口考评
        points: {xiangzhen: 3}
        rules:
          - {id: not_regular, kind: fixed, amount: 3, when: {fact: window_missed_months, op: ">", value: 0}, quote: 未定期讲评的扣3分}
    """
)

# An illustrative rule (not from a seed), for a quarter that begins before the document takes effect.
QUARTER_WORDS = "本办法自2023年11月15日起施行。政务新媒体账号每季度至少更新1次，未更新的每季度扣0.5分。"


def quarter_pack(partial: str) -> govrules.Pack:
    text = textwrap.dedent(
        f"""\
        format: 1
        pack: {{id: quarter_demo, version: 0.1.0, title: 季度更新示例, issuer: 示例, source: 示例}}
        targets: [{{id: town, name: 乡镇, total: 5}}]
        readings:
          - id: from_effect
            quote: 本办法自2023年11月15日起施行
            choice: 施行当季（2023年11月15日至12月31日）{'按一个季度计' if partial == 'count' else '不足一个季度，不计'}
        facts:
          - name: missed_quarters
            label: 未更新的季度数
            type: count
            derive: {{kind: missed_periods, source: updates, period: quarter, partial: {partial}, start: 2023-11-15, end: 2024-12-31, reading: from_effect}}
          - {{name: updates, label: 更新日期, type: dates}}
        indicators:
          - id: q.1
            name: 政务新媒体
            points: {{town: 5}}
            rules:
              - {{id: stale, kind: per_occurrence, fact: missed_quarters, amount: 0.5, quote: 未更新的每季度扣0.5分}}
        """
    )
    return govrules.load_pack_text(text, "quarter_demo.yaml", document=QUARTER_WORDS)


@pytest.fixture(scope="module")
def miluo() -> govrules.Pack:
    return govrules.load_pack_text(MILUO_TIME, "miluo_time.yaml", document=MILUO_WORDS)


# ------------------------------------------------------------------ working days


def test_working_days_across_national_day() -> None:
    # Received Fri 2024-09-27, answered Mon 2024-10-28. Counting from the next day:
    #   9-28 Sat off; 9-29 Sun 调休上班 → 1; 9-30 Mon → 2; 10-1..10-7 国庆 off;
    #   10-8..10-11 Tue–Fri → 3..6; 10-12 Sat 调休上班 → 7; 10-13 Sun off;
    #   10-14..18 → 8..12; 10-21..25 → 13..17; 10-28 Mon → 18.
    # 18 working days: within 20. (Weekdays alone would give 22, over 20.)
    assert working_days_after(D(2024, 9, 27), D(2024, 10, 28)) == 18
    # Two more working days: 10-29 → 19, 10-30 → 20 (the last day in time), 10-31 → 21 (late).
    assert working_days_after(D(2024, 9, 27), D(2024, 10, 30)) == 20
    assert working_days_after(D(2024, 9, 27), D(2024, 10, 31)) == 21


def test_working_days_across_spring_festival() -> None:
    # Received Mon 2024-02-05, answered Tue 2024-03-05:
    #   2-6..2-9 Tue–Fri → 4 (除夕 2-9 is a working day); 2-10..2-17 春节 off;
    #   2-18 Sun 调休上班 → 5; 2-19..23 → 10; 2-26..3-1 → 15; 3-4 → 16; 3-5 → 17.
    # 17: within 20. (Weekdays alone: 4 + 5 + 5 + 5 + 2 = 21, over 20.)
    assert working_days_after(D(2024, 2, 5), D(2024, 3, 5)) == 17


def test_same_day_answer_is_no_working_day() -> None:
    assert working_days_after(D(2024, 10, 8), D(2024, 10, 8)) == 0
    # Received Sat 2024-10-12 (a make-up workday), answered Mon 10-14: 10-13 Sun off, 10-14 → 1.
    assert working_days_after(D(2024, 10, 12), D(2024, 10, 14)) == 1


def test_late_replies_derived_and_scored(miluo: govrules.Pack) -> None:
    requests = [
        "2024-09-27/2024-10-28",  # 18 working days (above): in time
        "2024-09-27/2024-10-31",  # 21: late
        "2024-02-05/2024-03-05",  # 17 (above): in time
    ]
    # Mon 2024-12-02 → Tue 12-31, no holiday: 12-3..6 → 4, 12-9..13 → 9, 12-16..20 → 14,
    # 12-23..27 → 19, 12-30 → 20, 12-31 → 21: late.
    late_december = "2024-12-02/2024-12-31"
    for evaluator in ("durable", "reference"):
        one = miluo.assess({"facts": {"foi_requests": requests, "foi_lawsuits": 0}}, evaluator=evaluator)
        assert dict(one.facts)["foi_overdue_count"] == 1
        assert one.derived_facts == ("foi_overdue_count",)
        assert one.item("ys.1").score == Decimal("4")  # 8 − 1 × 4
        assert "overdue_20_working_days" in [r[0] for r in one.readings]
        two = miluo.assess({"facts": {"foi_requests": [*requests, late_december], "foi_lawsuits": 0}}, evaluator=evaluator)
        assert two.item("ys.1").score == Decimal("0")  # 8 − 2 × 4
    # The counted fact may still be typed directly, as before.
    assert miluo.assess({"facts": {"foi_overdue_count": 1, "foi_lawsuits": 0}}).item("ys.1").score == Decimal("4")


def test_a_year_the_calendar_does_not_cover_is_refused_naming_the_fact(miluo: govrules.Pack) -> None:
    first, last = calendar_years()
    assert first <= 2004 and last >= 2026
    span = f"{last}-12-15/{last + 1}-01-20"
    with pytest.raises(govrules.FactsError) as caught:
        miluo.assess({"facts": {"foi_requests": ["2024-09-27/2024-10-28", span]}})
    (problem,) = caught.value.problems
    assert problem.where == "facts.foi_requests"
    assert f"{last + 1}-01-20" in problem.message and "foi_overdue_count" in problem.message
    assert f"{first}–{last}" in problem.message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2024-10-28/2024-09-27", "facts.span_backwards"),
        ("2024-09-27", "facts.not_a_span"),
        ("2024-02-30/2024-03-05", "facts.not_a_date"),
        ("2024-09-27/2024-10-08/2024-10-28", "facts.not_a_span"),
        (["2024-09-27", "2024-10-28"], "facts.not_a_span"),  # lists in an input are unordered; a span is one string
    ],
)
def test_bad_spans_are_facts_errors(miluo: govrules.Pack, value: Any, words: str) -> None:
    with pytest.raises(govrules.FactsError) as caught:
        miluo.assess({"facts": {"foi_requests": [value]}})
    assert caught.value.problems[0].where.startswith("facts.foi_requests")
    # By the catalogue's code: the words are the locale's (tests/test_messages.py checks them).
    assert caught.value.problems[0].code == words


def test_spans_in_the_facts_schema(miluo: govrules.Pack) -> None:
    prop = miluo.facts_schema("xiangzhen")["properties"]["foi_requests"]
    span = prop["anyOf"][0]["items"]
    assert span["type"] == "string" and span["pattern"].startswith("^")
    assert prop["x-govrules-type"] == "spans"
    assert miluo.facts_schema("xiangzhen")["properties"]["foi_overdue_count"]["x-derived-from"] == "foi_requests"


def test_load_checks_the_source_type() -> None:
    bad = MILUO_TIME.replace("{name: foi_requests, label: 政府信息公开申请（收到申请日至答复日）, type: spans}", "{name: foi_requests, label: 申请日期, type: dates}")
    with pytest.raises(govrules.PackError, match="it must be a spans fact"):
        govrules.load_pack_text(bad, "bad.yaml", document=MILUO_WORDS)
    both = MILUO_TIME.replace("period: month, start", "period: month, period_days: 30, start")
    with pytest.raises(govrules.PackError, match="either period_days"):
        govrules.load_pack_text(both, "bad.yaml", document=MILUO_WORDS)


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("kind: late_spans", "kind: late_span", "facts[0].derive", "unknown derivation kind 'late_span'; the derivation kinds are late_spans, missed_periods"),
        ("{kind: late_spans, ", "{", "facts[0].derive", "a derivation needs its kind"),
        ("within_working_days: 20", "within_working_days: 0", "facts[0].derive.within_working_days", "greater than 0"),
        ("period: month", "period: week", "facts[3].derive.period", "'month' or 'quarter'"),
    ],
)
def test_derivation_mistakes_name_their_place(old: str, new: str, where: str, words: str) -> None:
    with pytest.raises(govrules.PackError) as caught:
        govrules.load_pack_text(MILUO_TIME.replace(old, new), "bad.yaml", document=MILUO_WORDS)
    (problem,) = caught.value.problems
    assert problem.where.endswith(where) and words in problem.message


# -------------------------------------------------------------- months and quarters


def test_monthly_reviews(miluo: govrules.Pack) -> None:
    # Reviews in every month of 2024 but April and October (2 missed months): 「未定期讲评的扣3分」, 3 − 3 = 0.
    dates = ["2024-01-15", "2024-02-20", "2024-03-29", "2024-05-06", "2024-06-28", "2024-07-31", "2024-08-01", "2024-09-30", "2024-11-11", "2024-12-31"]
    for evaluator in ("durable", "reference"):
        result = miluo.assess({"facts": {"window_review_dates": dates}}, evaluator=evaluator)
        assert dict(result.facts)["window_missed_months"] == 2
        assert result.item("ck.1").score == Decimal("0")
        # One review in each month (on its last day, including 2024-02-29): none missed, 3 points.
        every = [(D(2024, m % 12 + 1, 1) - dt.timedelta(days=1)).isoformat() if m < 12 else "2024-12-31" for m in range(1, 13)]
        assert "2024-02-29" in every
        full = miluo.assess({"facts": {"window_review_dates": every}}, evaluator=evaluator)
        assert dict(full.facts)["window_missed_months"] == 0 and full.item("ck.1").score == Decimal("3")


def test_quarter_partly_inside_the_window() -> None:
    updates = ["2024-01-10", "2024-05-20", "2024-11-30"]
    # Quarters from 2023-11-15 to 2024-12-31: 2023Q4 (only 11-15..12-31 inside), 2024Q1..Q4.
    # Updates fall in 2024Q1, Q2 and Q4; 2023Q4 and 2024Q3 have none.
    # partial: count → 2023Q4 counts on its part inside: 2 missed, 5 − 2 × 0.5 = 4.
    counted = quarter_pack("count").assess({"facts": {"updates": updates}})
    assert dict(counted.facts)["missed_quarters"] == 2 and counted.total == Decimal("4")
    # partial: skip → 2023Q4 is not a whole quarter inside and is not a period: 1 missed, 5 − 0.5 = 4.5.
    skipped = quarter_pack("skip").assess({"facts": {"updates": updates}})
    assert dict(skipped.facts)["missed_quarters"] == 1 and skipped.total == Decimal("4.5")


def test_months_partly_inside_the_window() -> None:
    # 2023-10-23 .. 2023-12-31: October only from the 23rd, November and December whole.
    assert missed_calendar_periods([], D(2023, 10, 23), D(2023, 12, 31), 1, "skip") == 2  # November, December
    assert missed_calendar_periods([], D(2023, 10, 23), D(2023, 12, 31), 1, "count") == 3  # and 10-23..10-31
    # A date before the window does not make up for its first partial month.
    assert missed_calendar_periods([D(2023, 10, 5)], D(2023, 10, 23), D(2023, 12, 31), 1, "count") == 3
    # A window inside one month: no whole month (skip); one partial month (count).
    assert missed_calendar_periods([], D(2024, 3, 5), D(2024, 3, 20), 1, "skip") == 0
    assert missed_calendar_periods([], D(2024, 3, 5), D(2024, 3, 20), 1, "count") == 1


def test_day_periods_with_their_last_short_window_counted() -> None:
    # 2023 in 14-day windows: 26 whole ones (to 12-30) and the 1-day 12-31. No dates:
    # 26 missed when the short window is left out, 27 when it counts.
    assert missed_day_periods([], D(2023, 1, 1), D(2023, 12, 31), 14, "skip") == 26
    assert missed_day_periods([], D(2023, 1, 1), D(2023, 12, 31), 14, "count") == 27
    assert missed_day_periods([D(2023, 12, 31)], D(2023, 1, 1), D(2023, 12, 31), 14, "count") == 26


def test_oracle_agrees_on_the_hand_worked_cases() -> None:
    assert oracle.working_days(D(2024, 9, 27), D(2024, 10, 28)) == 18
    assert oracle.working_days(D(2024, 2, 5), D(2024, 3, 5)) == 17
    assert oracle.missed_calendar_periods([], D(2023, 10, 23), D(2023, 12, 31), "quarter", "count") == 1
    assert oracle.missed_calendar_periods([], D(2023, 10, 23), D(2023, 12, 31), "quarter", "skip") == 0


# ------------------------------------------------------------------ the conformance kit


KIT = settings(max_examples=40, deadline=None, database=None, print_blob=False, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_conformance_kit_on_working_days_and_months(miluo: govrules.Pack) -> None:
    report = run_conformance(miluo, settings=KIT)
    assert report.ok, report


@pytest.mark.parametrize("partial", ["count", "skip"])
def test_conformance_kit_on_quarters(partial: str) -> None:
    report = run_conformance(quarter_pack(partial), settings=KIT)
    assert report.ok, report


def test_existing_packs_keep_their_hash() -> None:
    # The fields added for calendar periods stay out of the content hash while unused.
    datonghu = govrules.Registry.discover().get("datonghu_2023")
    stale = next(f for f in datonghu.spec.facts if f.derive is not None)
    assert stale.derive.period is None and stale.derive.partial == "skip"  # type: ignore[union-attr]
    from govrules.rubric.model import hash_data

    data = hash_data(stale)
    assert set(data["derive"]) == {"kind", "source", "period_days", "start", "end", "reading"}


# ------------------------------------------------------------------ forms


def test_excel_form_takes_spans(miluo: govrules.Pack, tmp_path: Any) -> None:
    from openpyxl import load_workbook

    from govrules.outputs.forms import open_workbook, read_form, template_xlsx, template_yaml

    path = tmp_path / "form.xlsx"
    template_xlsx(miluo, "xiangzhen", path)
    wb = load_workbook(path)
    ws = wb["事实"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "foi_requests")
    assert "起止日期" in row[2].value
    value_col = [c.value for c in ws[1]].index("值")
    # As an assessor would type it: 至 or ~ between the dates, 、 between spans, dates in any usual form.
    row[value_col].value = "2024-09-27至2024-10-31、2024/2/5~2024/3/5"
    wb.save(path)
    data, problems = read_form(open_workbook(path), miluo, "form.xlsx")
    assert problems == []
    assert data["facts"]["foi_requests"] == ["2024-09-27/2024-10-31", "2024-02-05/2024-03-05"]
    # 21 and 17 working days (see above): one late reply, 8 − 4 = 4.
    data["facts"]["foi_lawsuits"] = 0
    assert miluo.assess(data).item("ys.1").score == Decimal("4")

    row[value_col].value = "2024-09-27到"
    wb.save(path)
    _, problems = read_form(open_workbook(path), miluo, "form.xlsx")
    assert problems and "不是起止日期" in problems[0].message
    assert "foi_requests: null" in template_yaml(miluo, "xiangzhen")


def test_lint_asks_for_a_reading_where_periods_are_cut_or_days_counted() -> None:
    from govrules.rubric.authoring import lint

    def warnings(text: str) -> list[str]:
        return [p.message for p in lint(govrules.load_pack_text(text, "p.yaml", document=MILUO_WORDS))]

    assert not [w for w in warnings(MILUO_TIME) if "reading" in w]  # both derivations carry their readings
    bare = MILUO_TIME.replace(", reading: overdue_20_working_days}", "}").replace(", reading: monthly_reviews}", "}")
    assert any("over 20 working days with no reading" in w for w in warnings(bare))
    assert not any("cut short" in w for w in warnings(bare))  # 2024-01-01..2024-12-31: whole months only
    cut = bare.replace("start: 2024-01-01", "start: 2024-01-15")
    assert any("cut short (2024-01-15..2024-01-31), left out" in w for w in warnings(cut))
    # datonghu's 14-day windows end with the one day 2023-12-31, and its reading says so.
    from govrules.engine.timing import partial_periods

    datonghu = govrules.Registry.discover().get("datonghu_2023")
    stale = next(f for f in datonghu.spec.facts if f.derive is not None)
    assert partial_periods(stale.derive) == [(D(2023, 12, 31), D(2023, 12, 31))]  # type: ignore[arg-type]
    assert not [w for w in lint(datonghu) if "cut short" in w]


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.dates(D(2020, 1, 1), D(2026, 12, 31)),
    st.integers(0, 400),
    st.lists(st.dates(D(2019, 10, 1), D(2027, 3, 31)), max_size=8),
    st.sampled_from(["month", "quarter"]),
    st.sampled_from(["skip", "count"]),
)
def test_engine_and_oracle_count_alike(start: dt.date, length: int, dates: list[dt.date], period: str, partial: str) -> None:
    end = min(start + dt.timedelta(days=length), D(2026, 12, 31))
    months = 1 if period == "month" else 3
    assert missed_calendar_periods(dates, start, end, months, partial) == oracle.missed_calendar_periods(dates, start, end, period, partial)
    assert working_days_after(start, end) == oracle.working_days(start, end)
