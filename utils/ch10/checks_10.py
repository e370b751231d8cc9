"""Answer check for chapter 10: the year and month an arXiv identifier encodes (Exercise 10.1)."""

from __future__ import annotations

import numbers
import re

from utils.ch10.references import arxiv_year
from utils.checks.diagnose import Verdict, compare_named
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _


def _digits(identifier: str) -> str:
    return re.sub(r"^arXiv:", "", identifier.strip()).split("v")[0]


def _nineteen_hundreds(identifier):
    year, month = arxiv_year(identifier)
    return year - 100, month


def _two_digit_year(identifier):
    year, month = arxiv_year(identifier)
    return year - 2000, month


def _month_first(identifier):
    year, month = arxiv_year(identifier)
    return month, year


def _four_digit_year(identifier):
    digits = _digits(identifier)
    return int(digits[:4]), int(digits[2:4])


ARXIV_MISTAKES = (
    Mistake(
        "century",
        _nineteen_hundreds,
        N_(
            "Your year is 100 too small: new-style arXiv identifiers start in April 2007, so YY "
            "means 20YY."
        ),
    ),
    Mistake(
        "two-digit year",
        _two_digit_year,
        N_(
            "Your year has two digits (YY), as the identifier writes it. Return the full year: "
            "new-style identifiers start in April 2007, so YY means 2000 + YY."
        ),
    ),
    Mistake("swapped", _month_first, N_("Year and month are swapped: return (year, month).")),
    Mistake(
        "yymm",
        _four_digit_year,
        N_(
            "Your year is the first four digits, but those are YYMM: two digits of year, then two "
            "of month."
        ),
    ),
)


def _as_pair(got, expected, *, batch_size=None, rtol=0.0, atol=0.0) -> Verdict:
    """Diagnose the shape of the answer (one number, a string, not integers), then compare the year
    and the month exactly."""
    if got is not None and not (isinstance(got, (tuple, list)) and len(got) == 2):
        year, month = expected
        if isinstance(got, numbers.Number) and got == year:
            return Verdict(
                False,
                "year only",
                _(
                    "You returned only the year ({value}). Return two integers, the year and the "
                    "month: `return year, month` gives the tuple (year, month)."
                ).format(value=repr(got)),
            )
        return Verdict(
            False,
            "structure",
            _(
                "Return two integers, (year, month), as a tuple; yours is {value} ({type}). "
                "`return year, month` gives the tuple."
            ).format(value=repr(got), type=type(got).__name__),
        )
    if got is not None and not all(isinstance(v, numbers.Integral) for v in got):
        kinds = ", ".join(type(v).__name__ for v in got)
        return Verdict(
            False,
            "type",
            _(
                "Return two integers (year, month); yours are {value} ({types}): convert with "
                "int(...)."
            ).format(value=repr(got), types=kinds),
        )
    return compare_named((_("year"), _("month")))(
        got, expected, batch_size=batch_size, rtol=0, atol=0
    )


def arxiv_cases() -> list[Case]:
    return [
        Case(("1706.03762",), N_("Attention Is All You Need")),
        Case(("arXiv:2005.14165",), N_("with the prefix")),
        Case(("1412.6980v9",), N_("with a version")),
        Case(("0704.0001",), N_("the first new-style number")),
        Case(("arXiv:2203.15556v1",), N_("prefix and version")),
    ]


def check_arxiv_date(learner_fn, *, strict: bool | None = None) -> CheckResult:
    """Exercise 10.1: (year, month) of five arXiv numbers (prefix, version, the first new-style
    number), exactly."""
    return catalogued_check(
        N_("Exercise 10.1 (the date in an arXiv number)"),
        learner_fn,
        arxiv_year,
        arxiv_cases(),
        mistakes=ARXIV_MISTAKES,
        compare=_as_pair,
        exact=True,
        rtol=0,
        atol=0,
        strict=strict,
    )
