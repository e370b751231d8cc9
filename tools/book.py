"""Build the static book from book.toml into _build/html, offline: `python -m tools.book` (what `make book` runs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tools.lab import state_environment

from tools import ROOT
BOOK = ROOT / "book"
OUTPUT = ROOT / "_build" / "html"


def install_assets() -> None:
    """Install the book's pinned JavaScript (MathJax, the widget manager) once, from book/package-lock.json."""
    if (BOOK / "node_modules").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("The book needs npm once, to install MathJax and the widget manager: install Node.js (conda: nodejs).")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=BOOK, check=True)


def build(output: Path = OUTPUT) -> int:
    install_assets()
    env = {**os.environ, **state_environment()}
    command = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-c", str(BOOK), str(ROOT), str(output)]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    code = build()
    if code == 0:
        print(f"book built: {OUTPUT / 'index.html'}")
    raise SystemExit(code)
