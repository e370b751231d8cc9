"""Chapter 10's check names each catalogued wrong reading of an arXiv number and passes right
answers."""

import re

import pytest

from utils.ch10 import checks_10


def check(fn):
    return checks_10.check_arxiv_date(fn, strict=False)


def _digits(identifier):
    return identifier.removeprefix("arXiv:").split("v")[0]


def with_regex(identifier):
    match = re.search(r"(\d{2})(\d{2})\.\d+", identifier)
    return 2000 + int(match.group(1)), int(match.group(2))


def by_slicing(identifier):
    d = _digits(identifier)
    return int("20" + d[:2]), int(d[2:4])


def nineteen_hundreds(identifier):
    d = _digits(identifier)
    return 1900 + int(d[:2]), int(d[2:4])


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


def as_a_list(identifier):
    return list(by_slicing(identifier))


def returns_nothing(identifier):
    by_slicing(identifier)


CATALOGUE = [
    (nineteen_hundreds, "failed", "century", "100 too small"),
    (month_first, "failed", "swapped", "swapped"),
    (first_four_digits, "failed", "yymm", "YYMM"),
    (as_strings, "failed", "type", "int(...)"),
    (prefix_kept, "error", None, "ValueError"),
    (returns_nothing, "failed", "none", "return"),
    (year_only, "failed", "year only", "only the year (2017). Return two integers"),
    (as_a_date_string, "failed", "structure", "Return two integers, (year, month)"),
]


@pytest.mark.parametrize(
    "wrong, status, kind, phrase", CATALOGUE, ids=[c[0].__name__ for c in CATALOGUE]
)
def test_arxiv_check_names_the_mistake(wrong, status, kind, phrase):
    result = check(wrong)
    assert result.status == status, result.message
    if kind is not None:
        assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def test_arxiv_check_passes_right_answers_and_reports_a_stub():
    from utils.ch10.references import arxiv_year

    for right in (arxiv_year, with_regex, by_slicing, as_a_list):
        assert check(right).status == "passed", right.__name__

    def stub(identifier):
        raise NotImplementedError

    assert check(stub).status == "not attempted"
