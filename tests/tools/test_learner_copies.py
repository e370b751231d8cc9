"""The learner copies are generated from the solutions, never drift, and never overwrite a learner's
edits."""

import subprocess

import pytest

from tools import learner_copies
from tools.learner_copies import BEGIN, END, SolutionMarkerError, drifted, strip_solutions

SOLUTION = f"""---
kernelspec:
  name: python3
---

# Title

:::{{exercise}}
:label: ex-a
Do it.
:::

````{{solution-start}} ex-a
:class: dropdown
````

```{{code-cell}} ipython3
def f(x):
    {BEGIN}
    return 2 * x
    {END}
```

````{{solution-end}}
````

```{{code-cell}} ipython3
check(f)
```
"""


def test_solution_block_becomes_a_not_implemented_stub_at_the_same_indent():
    learner = strip_solutions(SOLUTION, "x.md")
    assert "return 2 * x" not in learner
    assert "    # YOUR CODE HERE\n    raise NotImplementedError(" in learner
    assert "solution-start" not in learner and "solution-end" not in learner
    assert ":label: ex-a" in learner and "check(f)" in learner
    assert learner.index("% Learner copy generated from solutions/x.md") > learner.index("---\n\n")


@pytest.mark.parametrize("broken", [f"{BEGIN}\n", f"{END}\n", f"{BEGIN}\n{BEGIN}\n{END}\n"])
def test_unbalanced_markers_are_reported(broken):
    with pytest.raises(SolutionMarkerError):
        strip_solutions(broken)


def test_chapters_do_not_drift_from_solutions():
    assert drifted() == [], "run `make learner-copies`"


def test_drift_is_detected(tmp_path, monkeypatch):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "chapters").mkdir()
    (tmp_path / "solutions" / "a.md").write_text(SOLUTION)
    (tmp_path / "chapters" / "a.md").write_text(strip_solutions(SOLUTION, "a.md") + "edited\n")
    monkeypatch.setattr(learner_copies, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(learner_copies, "CHAPTERS", tmp_path / "chapters")
    monkeypatch.setattr(learner_copies, "ROOT", tmp_path)
    assert drifted() == ["chapters/a.md differs from what solutions/a.md generates"]


def test_generator_refuses_to_overwrite_a_learners_edits(tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "chapters").mkdir()
    (tmp_path / "solutions" / "a.md").write_text(SOLUTION)
    learner_work = "my answer, not to be lost\n"
    (tmp_path / "chapters" / "a.md").write_text(learner_work)
    monkeypatch.setattr(learner_copies, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(learner_copies, "CHAPTERS", tmp_path / "chapters")
    monkeypatch.setattr(learner_copies, "ROOT", tmp_path)
    assert learner_copies.write_copies() == 1
    assert (tmp_path / "chapters" / "a.md").read_text() == learner_work
