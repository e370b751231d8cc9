"""Build the static book from book.toml into _build/html, offline: `python -m tools.book` (what
`make book` runs).

The book renders executed solution notebooks and never runs one itself (Sphinx reads them with
execution off). They are written by the test run (see tools.executed_notebooks): a notebook whose
cells changed since its last execution, or that was never executed, is first run through pytest and
nbval, as `make test` runs it.

    python -m tools.book    # reuse what is up to date, execute the rest, build
    python -m tools.book --executed-since T --executed-in-run solutions/01_background.md ...
        # the book test of a full run: those notebooks must have been executed at or after
        # time T; execute none of them
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tools import ROOT
from tools.executed_notebooks import DERIVED, EXECUTED, is_fresh
from tools.lab import state_environment
from tools.translations import BOOK as BOOK_CATALOG
from tools.translations import EDITIONS, translate_text, translations

BOOK = ROOT / "book"
OUTPUT = ROOT / "_build" / "html"
# The files the book serves from its own _static folder (book/conf.py copies them there).
ASSETS = (
    "mathjax/es5/tex-chtml.js",
    "@jupyter-widgets/html-manager/dist/embed-amd.js",
    "requirejs/require.js",
)


def book_spec() -> dict:
    return tomllib.loads((ROOT / "book.toml").read_text(encoding="utf-8"))


# The editions: "" is the English one, built into _build/html; each locale is built beside it, into
# _build/html/<locale>, from its generated notebooks (tools/translations.py).
LOCALES = ("", *EDITIONS.values())


def book_notebooks(locale: str = "") -> list[str]:
    """The solution notebooks an edition shows, in order, as book.toml lists them
    (`solutions/NAME.md`, or `locales/zh_CN/solutions/NAME.md`)."""
    prefix = f"locales/{locale}/" if locale else ""
    return [prefix + path for part in book_spec()["part"] for path in part["notebooks"]]


def edition_output(locale: str, output: Path = OUTPUT) -> Path:
    return output / locale if locale else output


def install_assets(book: Path = BOOK) -> None:
    """Install the book's pinned JavaScript (MathJax, the widget manager) once, from
    book/package-lock.json."""
    modules = book / "node_modules"
    if all((modules / asset).exists() for asset in ASSETS):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "The book needs npm once, to install MathJax and the widget manager: install Node.js "
            "(conda: nodejs)."
        )
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=book,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not all((modules / asset).exists() for asset in ASSETS):
        # Never leave half an install that looks complete next time.
        shutil.rmtree(modules, ignore_errors=True)
        raise SystemExit(
            "The book is missing its JavaScript (MathJax, RequireJS and the Jupyter widget "
            "manager, which it serves itself so that no page loads anything from the internet), "
            "and npm could not download it into book/node_modules: run `make book` once on a "
            "machine with a network connection (or copy a book/node_modules folder from one)."
        )


def execute_stale(
    executed_since: float | None = None, executed_in_run: tuple[str, ...] = ()
) -> None:
    """Make sure every page has an executed notebook of its current source; run the missing ones
    through pytest."""
    notebooks = [nb for locale in LOCALES for nb in book_notebooks(locale)]
    not_run = [nb for nb in notebooks if nb in executed_in_run and not is_fresh(nb, executed_since)]
    if not_run:
        raise SystemExit(
            "The book uses the notebooks that this test run executed, and these did not pass in "
            f"it (or changed since): {', '.join(not_run)}."
        )
    stale = [nb for nb in notebooks if nb not in executed_in_run and not is_fresh(nb)]
    if not stale:
        return
    print(f"Executing {len(stale)} notebook(s) for the book: {', '.join(stale)}", flush=True)
    derived = [str((DERIVED / nb).with_suffix(".ipynb").relative_to(ROOT)) for nb in stale]
    # conftest.py derives the .ipynb files, runs them with nbval and writes the executed notebooks.
    code = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *derived], cwd=ROOT
    )
    failed = [nb for nb in stale if not is_fresh(nb)]
    if code != 0 or failed:
        raise SystemExit(
            f"The book was not built: {', '.join(failed) or 'a notebook'} failed (see above)."
        )


def stage_sources(locale: str = "") -> Path:
    """An edition's Sphinx source folder: its executed notebooks, and the landing page beside them
    (translated from book/index.md by the edition's book catalog)."""
    index = Path(book_spec()["book"]["root"])
    source = EXECUTED / "locales" / locale if locale else EXECUTED
    target = source / index
    target.parent.mkdir(parents=True, exist_ok=True)
    if not locale:
        shutil.copy2(
            ROOT / index, target
        )  # keeps the time stamp: Sphinx re-reads it only if changed
        return source
    text = translate_text(
        (ROOT / index).read_text(encoding="utf-8"), translations(locale, BOOK_CATALOG)
    )
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return source


def build(
    output: Path = OUTPUT,
    executed_since: float | None = None,
    executed_in_run: tuple[str, ...] = (),
) -> int:
    install_assets()
    execute_stale(executed_since, executed_in_run)
    for locale in LOCALES:
        source = stage_sources(locale)
        env = {**os.environ, **state_environment(), "COURSE_BOOK_LOCALE": locale}
        target = edition_output(locale, output)
        command = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-c", str(BOOK)]
        code = subprocess.call([*command, str(source), str(target)], cwd=ROOT, env=env)
        if code != 0:
            return code
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--executed-since", type=float, help="accept only notebooks executed at or after this time"
    )
    parser.add_argument(
        "--executed-in-run", nargs="*", default=(), help="notebooks the calling test run executed"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    code = build(args.output, args.executed_since, tuple(args.executed_in_run))
    if code == 0:
        print(f"book built: {args.output / 'index.html'}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
