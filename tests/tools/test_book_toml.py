"""book.toml and the notebooks on disk must list the same notebooks."""

import tomllib

from tools.notebook_files import ROOT, notebook_sources


def listed() -> list[str]:
    spec = tomllib.loads((ROOT / "book.toml").read_text(encoding="utf-8"))
    return [path for part in spec["part"] for path in part["notebooks"]]


def test_book_lists_every_solution_notebook_exactly_once():
    on_disk = sorted(str(p) for p in notebook_sources() if p.parts[0] == "solutions")
    assert sorted(listed()) == on_disk
    assert len(set(listed())) == len(listed())


def test_every_solution_has_a_learner_copy_of_the_same_name():
    names = {
        folder: {p.name for p in notebook_sources() if p.parts[0] == folder}
        for folder in ("chapters", "solutions")
    }
    assert names["chapters"] == names["solutions"]
