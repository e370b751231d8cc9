"""The errata table stays consistent with the notebooks: every pointer names a notebook that exists
and still contains the heading or cell it cites, all twelve groups are covered, and the two entries
that turned out not to be errors stay out."""

from utils.ch10.errata import (
    ERRATA,
    GUIDE_OUTLINE,
    GUIDE_SECTIONS,
    Erratum,
    as_markdown_table,
    missing_evidence,
)


def test_every_erratum_points_to_a_notebook_that_shows_it():
    assert missing_evidence() == []


def test_all_twelve_groups_are_in_the_table_with_evidence():
    assert sorted({e.group for e in ERRATA}) == list(range(1, 13))
    assert all(e.evidence and e.where and e.guide_says and e.what_is_true for e in ERRATA)
    assert as_markdown_table().count("\n") == len(ERRATA) + 1


def test_the_later_findings_each_have_a_row():
    places = {(e.group, e.where) for e in ERRATA}
    for group, where in [
        (11, "§2.2"),
        (11, "§3.2.1"),
        (11, "§5.1"),
        (11, "§6.3"),
        (11, "§1.4.3"),
        (12, "§4.1.2"),
        (12, "§9.3"),
        (12, "§3.4"),
        (12, "§1.3"),
        (12, "§3.2.1"),
        (12, "§5.2.1"),
    ]:
        assert (group, where) in places, (group, where)


def test_what_is_not_an_error_is_not_in_the_table():
    text = " ".join(e.guide_says + " " + e.what_is_true for e in ERRATA)
    assert "CS230" not in text  # Andrew Ng does co-teach it
    assert "State-of-the-Art" not in text  # a real title, glossed fairly


def test_the_outline_of_section_1_3_has_one_part_more_than_the_guide():
    assert len(GUIDE_OUTLINE) == 11 and len(GUIDE_SECTIONS) == 10
    assert GUIDE_OUTLINE[0] == "引言" and "引言" not in GUIDE_SECTIONS
    assert GUIDE_OUTLINE[1:] == GUIDE_SECTIONS


def test_a_broken_pointer_is_reported(tmp_path):
    (tmp_path / "real.md").write_text("# A heading\n", encoding="utf-8")
    broken = [
        Erratum(1, "§1", "x", "y", (("missing", "A heading"),)),
        Erratum(2, "§2", "x", "y", (("real", "gone"),)),
    ]
    found = missing_evidence(broken, folder=tmp_path)
    assert len(found) == 2 and "no notebook missing.md" in found[0] and "'gone'" in found[1]
