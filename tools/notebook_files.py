"""Find the course's notebooks, and derive their .ipynb form for nbval without touching the
learner's files.

python -m tools.notebook_files _build/notebooks   # writes
_build/notebooks/{chapters,solutions}/*.ipynb
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext

from tools import ROOT
from utils.i18n import EDITIONS

# What nbval runs: the English notebooks, and each edition's generated solution notebooks (their
# outputs are that edition's book). An edition's learner copies are not run a second time: their
# code cells are the English learner copies' byte for byte (tests/tools/test_translations.py), and
# the Chinese copy of chapter 4 is run in JupyterLab by tests/tools/test_browser_lab.py.
NOTEBOOK_DIRS = (
    "chapters",
    "solutions",
    *(f"locales/{locale}/solutions" for locale in EDITIONS.values()),
)


def notebook_sources(folders: tuple[str, ...] = NOTEBOOK_DIRS) -> list[Path]:
    """Every notebook's committed text form, relative to the repository root."""
    return sorted(p.relative_to(ROOT) for folder in folders for p in (ROOT / folder).glob("*.md"))


def export_ipynb(
    out_dir: Path, folders: tuple[str, ...] = NOTEBOOK_DIRS, strip: str = ""
) -> list[Path]:
    """Write `<out_dir>/<folder>/<name>.ipynb` from each `.md` source; the sources are only read.

    A target that is already up to date is left alone, and only targets whose source is gone are
    removed, so two test runs started side by side never delete each other's notebooks.
    """
    sources = notebook_sources(folders)
    targets = {out_dir / source.relative_to(strip).with_suffix(".ipynb") for source in sources}
    for stale in set(out_dir.rglob("*.ipynb")) - targets:
        stale.unlink()
    written = []
    for source in sources:
        target = out_dir / source.relative_to(strip).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        text = jupytext.writes(jupytext.read(ROOT / source), fmt="ipynb")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(
                target
            )  # atomic: a reader sees the old file or the new one, never half of one
        written.append(target)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / "notebooks")
    for path in export_ipynb(out.resolve()):
        print(f"derived {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
