"""The errata table stays consistent with the notebooks: every pointer names a notebook that exists
and still contains the heading or cell it cites, and all ten groups are covered."""

from utils.ch10.errata import ERRATA, Erratum, as_markdown_table, missing_evidence


def test_every_erratum_points_to_a_notebook_that_shows_it():
    assert missing_evidence() == []


def test_all_ten_groups_are_in_the_table_with_evidence():
    assert sorted({e.group for e in ERRATA}) == list(range(1, 11))
    assert all(e.evidence and e.where and e.guide_says and e.what_is_true for e in ERRATA)
    assert as_markdown_table().count("\n") == len(ERRATA) + 1


def test_a_broken_pointer_is_reported(tmp_path):
    (tmp_path / "real.md").write_text("# A heading\n", encoding="utf-8")
    broken = [
        Erratum(1, "§1", "x", "y", (("missing", "A heading"),)),
        Erratum(2, "§2", "x", "y", (("real", "gone"),)),
    ]
    found = missing_evidence(broken, folder=tmp_path)
    assert len(found) == 2 and "no notebook missing.md" in found[0] and "'gone'" in found[1]
