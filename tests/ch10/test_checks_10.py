"""Chapter 10's check names each catalogued wrong reading of an arXiv number, passes right answers
and reports an untouched exercise as not attempted."""

import re

from tests.checks.contract import not_attempted, right_answers_pass, wrong_answers_named
from utils.ch10 import checks_10
from utils.ch10.references import arxiv_year


def _digits(identifier):
    return identifier.removeprefix("arXiv:").split("v")[0]


def with_regex(identifier):
    match = re.search(r"(\d{2})(\d{2})\.\d+", identifier)
    return 2000 + int(match.group(1)), int(match.group(2))


def by_slicing(identifier):
    d = _digits(identifier)
    return int("20" + d[:2]), int(d[2:4])


def as_a_list(identifier):
    return list(by_slicing(identifier))


def nineteen_hundreds(identifier):
    d = _digits(identifier)
    return 1900 + int(d[:2]), int(d[2:4])


def two_digit_year(identifier):
    d = _digits(identifier)
    return int(d[:2]), int(d[2:4])


def month_first(identifier):
    d = _digits(identifier)
    return int(d[2:4]), 2000 + int(d[:2])


def first_four_digits(identifier):
    d = _digits(identifier)
    return int(d[:4]), int(d[2:4])


def as_strings(identifier):
    d = _digits(identifier)
    return "20" + d[:2], d[2:4]


def prefix_kept(identifier):
    return 2000 + int(identifier[:2]), int(identifier[2:4])


def year_only(identifier):
    return by_slicing(identifier)[0]


def as_a_date_string(identifier):
    year, month = by_slicing(identifier)
    return f"{year}-{month:02d}"


def returns_nothing(identifier):
    by_slicing(identifier)


check = checks_10.check_arxiv_date

test_arxiv_mistakes_are_named = wrong_answers_named(
    check,
    [
        ("nineteen_hundreds", nineteen_hundreds, "century", "100 too small"),
        ("two_digit_year", two_digit_year, "two-digit year", "2000 + YY"),
        ("month_first", month_first, "swapped", "swapped"),
        ("first_four_digits", first_four_digits, "yymm", "YYMM"),
        ("as_strings", as_strings, "type", "int(...)"),
        ("returns_nothing", returns_nothing, "none", "return"),
        ("year_only", year_only, "year only", "only the year (2017). Return two integers"),
        ("as_a_date_string", as_a_date_string, "structure", "Return two integers, (year, month)"),
    ],
)
test_arxiv_right_answers_pass = right_answers_pass(
    check, [arxiv_year, with_regex, by_slicing, as_a_list]
)
test_arxiv_not_attempted = not_attempted(check)


def test_an_answer_that_raises_is_reported_with_its_error():
    result = check(prefix_kept, strict=False)
    assert result.status == "error" and "ValueError" in result.message, result.message


def test_the_check_quotes_no_tolerance_for_an_exact_answer():
    message = check(by_slicing, strict=False).message
    assert message.startswith("✓") and "rtol" not in message, message


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = checks_10.check_arxiv_date(lambda identifier: 2017, strict=False)
    assert result.message.startswith("✗ 练习 10.1（arXiv 编号中的日期）"), result.message
    assert result.verdict.kind == "year only"
    assert "你只返回了年份（2017）" in result.message
