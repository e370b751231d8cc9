"""Find the course's notebooks, and derive their .ipynb form for nbval without touching the learner's files.

    python -m tools.notebook_files _build/notebooks   # writes _build/notebooks/{chapters,solutions}/*.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext

from tools import ROOT
NOTEBOOK_DIRS = ("chapters", "solutions")


def notebook_sources() -> list[Path]:
    """Every notebook's committed text form, relative to the repository root."""
    return sorted(p.relative_to(ROOT) for folder in NOTEBOOK_DIRS for p in (ROOT / folder).glob("*.md"))


def export_ipynb(out_dir: Path) -> list[Path]:
    """Write `<out_dir>/<folder>/<name>.ipynb` from each `.md` source (dropping stale ones); the sources are only read."""
    for stale in out_dir.glob("*/*.ipynb"):
        stale.unlink()
    written = []
    for source in notebook_sources():
        target = out_dir / source.with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        notebook = jupytext.read(ROOT / source)
        jupytext.write(notebook, target, fmt="ipynb")
        written.append(target)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / "notebooks")
    for path in export_ipynb(out.resolve()):
        print(f"derived {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
