"""The reading list: every entry has a title and a year, identifiers are well formed, the guide's
entries point to real works, and the works named in installed text are still named there."""

import pytest

from utils.ch10.references import (
    GUIDE_LIST,
    INSTALLED_EVIDENCE,
    REFERENCES,
    STATUSES,
    Reference,
    arxiv_year,
    by_chapter,
    guide_counts,
    guide_table,
    installed_text,
    problems,
)


@pytest.mark.parametrize("key", sorted(REFERENCES))
def test_every_reference_has_a_title_a_year_and_no_problem(key):
    ref = REFERENCES[key]
    assert ref.key == key
    assert ref.title.strip(), f"{key} has no title"
    assert isinstance(ref.year, int) and 1900 <= ref.year <= 2030, f"{key} has no year"
    assert problems(ref) == []


def test_problems_catch_a_missing_title_a_missing_year_and_bad_identifiers():
    assert "no title" in problems(Reference("x", "", "A. Author", 2020, "paper", "Venue"))
    assert any(
        "not a year" in p
        for p in problems(Reference("x", "T", "A. Author", None, "paper", "Venue"))
    )
    assert any(
        "malformed DOI" in p
        for p in problems(Reference("x", "T", "A", 2020, "paper", doi="doi.org/10.1/x"))
    )
    assert any(
        "posted to arXiv in 2017" in p
        for p in problems(Reference("x", "T", "A", 2012, "paper", arxiv="1706.03762"))
    )
    assert any("no identifier" in p for p in problems(Reference("x", "T", "A", 2012, "course")))
    assert any("nor a venue" in p for p in problems(Reference("x", "T", "A", 2012, "book")))


def test_guide_entries_point_to_real_works_with_a_reason_when_not_verified():
    for entry in GUIDE_LIST:
        assert entry.status in STATUSES
        assert all(key in REFERENCES for key in entry.keys), entry.where
        if entry.status != "verified":
            assert entry.correction, f"{entry.where}: say what is wrong"
        if entry.status == "corrected":
            assert entry.keys, f"{entry.where}: a corrected entry names the real work"
    counts = guide_counts()
    assert sum(counts.values()) == len(GUIDE_LIST)
    assert guide_table().count("\n") == len(GUIDE_LIST) + 1


def test_the_known_corrections_are_in_the_list():
    titles = {REFERENCES[k].title for e in GUIDE_LIST for k in e.keys}
    for title in (
        "Deep Learning with Python",
        "ImageNet Classification with Deep Convolutional Neural Networks",
        "Attention Is All You Need",
        "Language Models are Few-Shot Learners",
    ):
        assert title in titles
    unverifiable = [e.as_cited for e in GUIDE_LIST if e.status == "unverifiable"]
    assert any("AI大模型技术全栈工程师之路" in text for text in unverifiable)
    assert (
        REFERENCES["nayak2019"].kind == "blog post"
        and REFERENCES["arxiv"].kind == "preprint server"
    )


def test_arxiv_year():
    assert arxiv_year("1706.03762") == (2017, 6)
    assert arxiv_year("arXiv:2005.14165v4") == (2020, 5)
    assert arxiv_year("0704.0001") == (2007, 4)
    for bad in ("cs/0112017", "1713.00001", "17.06"):
        with pytest.raises(ValueError):
            arxiv_year(bad)


@pytest.mark.parametrize(
    "key, where, spec, needle", INSTALLED_EVIDENCE, ids=[e[0] for e in INSTALLED_EVIDENCE]
)
def test_installed_text_still_names_the_work(key, where, spec, needle):
    assert key in REFERENCES
    assert needle in installed_text(spec), f"{where} no longer contains {needle!r}"


def test_every_chapter_that_relies_on_works_exists():
    assert set(by_chapter()) <= set(range(1, 11))
