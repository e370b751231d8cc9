"""Generate the learner notebooks in chapters/ from the solution notebooks in solutions/ (the one
source).

In a solution notebook:
  * code between `### BEGIN SOLUTION` and `### END SOLUTION` becomes a stub that raises
    NotImplementedError;
  * `{solution-start}` / `{solution-end}` markdown cells (they fold the solution in the book) are
    dropped.

    python -m tools.learner_copies           # write chapters/*.md; refuses to overwrite a file with
    local edits python -m tools.learner_copies --check   # exit 1 if any chapter has drifted from
    its solution python -m tools.learner_copies --force 02a_counting   # regenerate only the named
    chapter(s)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from tools import ROOT

SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("Exercise not attempted yet: replace this line with your code.")'
GENERATED_NOTE = (
    "% Learner copy generated from solutions/{name} by `make learner-copies`.\n"
    "% Learners: this file is yours to edit. Maintainers: edit the solution instead.\n"
)
# A MyST gate line such as ```{solution-start} ex-label, with its options, up to the closing fence.
_GATE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution-(?:start|end)\}[^\n]*\n(?:(?!(?P=fence)\s*$).*\n)*?(?P=fence)\s*\n",
    re.M,
)


class SolutionMarkerError(ValueError):
    """A BEGIN/END SOLUTION pair is unbalanced."""


def strip_solutions(text: str, name: str = "notebook") -> str:
    """The learner version of one solution notebook's MyST text."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise SolutionMarkerError(f"{name}:{number}: {BEGIN} inside another solution block")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE\n{indent}{STUB}\n")
        elif stripped == END:
            if not inside:
                raise SolutionMarkerError(f"{name}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkerError(f"{name}: {BEGIN} is never closed")
    learner = _GATE.sub("", "".join(out))
    learner = re.sub(
        r"(\n\+\+\+[^\n]*\n)(\s*\+\+\+[^\n]*\n)+", r"\1", learner
    )  # gates leave empty cells behind
    return _insert_note(learner, name)


def _insert_note(text: str, name: str) -> str:
    """Put the 'generated from' note just after the Jupytext front matter."""
    note = GENERATED_NOTE.format(name=name)
    if text.startswith("---\n"):
        end = text.index("\n---\n", 4) + len("\n---\n")
        return text[:end] + "\n" + note + text[end:]
    return note + text


def expected_copies() -> dict[Path, str]:
    """Each chapter path mapped to the text it should hold."""
    return {
        CHAPTERS / p.name: strip_solutions(p.read_text(encoding="utf-8"), p.name)
        for p in sorted(SOLUTIONS.glob("*.md"))
    }


def drifted() -> list[str]:
    """Chapter files missing or differing from what their solution generates."""
    problems = []
    for path, text in expected_copies().items():
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(
                f"{path.relative_to(ROOT)} differs from what solutions/{path.name} generates"
            )
    extra = {p.name for p in CHAPTERS.glob("*.md")} - {p.name for p in SOLUTIONS.glob("*.md")}
    problems += [f"chapters/{name} has no solution notebook" for name in sorted(extra)]
    return problems


def has_local_edits(path: Path) -> bool:
    """True when git shows the file modified or untracked: someone's work that must not be
    overwritten."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    return status.returncode != 0 or bool(status.stdout.strip())


def write_generated(
    expected: dict[Path, str], force: bool = False, protected=lambda path: True
) -> int:
    """Write each generated file that differs from what it should hold. A `protected` file (a
    learner's copy) with uncommitted edits is left alone and reported, unless `force`. Returns 1 if
    any was refused, else 0."""
    refused = []
    for path, text in expected.items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        if path.exists() and not force and protected(path) and has_local_edits(path):
            refused.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    for path in refused:
        print(
            f"refused to overwrite {path.relative_to(ROOT)}: it has uncommitted edits. "
            "Commit or move them, or pass --force to discard them.",
            file=sys.stderr,
        )
    return 1 if refused else 0


def write_copies(force: bool = False, names: list[str] | None = None) -> int:
    """Write each chapter that differs from its solution (only `names`, e.g. ["02a_counting"], when
    given)."""
    expected = {
        path: text for path, text in expected_copies().items() if not names or path.stem in names
    }
    return write_generated(expected, force)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="report drift and exit 1 if any, writing nothing"
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite chapter files even if they have local edits"
    )
    parser.add_argument(
        "names", nargs="*", help="only these notebooks (file stems, e.g. 04a_forward_backward)"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = drifted()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("Run `make learner-copies` to regenerate them from solutions/.", file=sys.stderr)
        return 1 if problems else 0
    return write_copies(force=args.force, names=args.names)


if __name__ == "__main__":
    raise SystemExit(main())
