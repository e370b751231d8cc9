"""The static book: builds from book.toml, shows executed outputs, math and folded solutions, loads nothing off the machine."""

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.tools.browser import LOCAL_HOSTS, ROOT, SCREENSHOTS, chromium_page, free_port, serve
from tools.executed_notebooks import is_fresh

HTML = ROOT / "_build" / "html"
SPEC = tomllib.loads((ROOT / "book.toml").read_text(encoding="utf-8"))
NOTEBOOKS = [path for part in SPEC["part"] for path in part["notebooks"]]


@pytest.fixture(scope="module")
def book():
    """Build the book as `make book` does: from the executed notebooks, running only those missing or out of date.

    In a run that also executes the notebooks, conftest.py runs these tests last and says (in the environment) which
    notebooks that run executed and since when: the book must show those executions, and executes nothing itself.
    """
    command = [sys.executable, "-m", "tools.book"]
    if os.environ.get("COURSE_BOOK_EXECUTED_SINCE"):
        command += ["--executed-since", os.environ["COURSE_BOOK_EXECUTED_SINCE"],
                    "--executed-in-run", *os.environ.get("COURSE_BOOK_EXECUTED_IN_RUN", "").split()]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    if "--executed-since" in command:
        assert "Executing" not in result.stdout, "the book must not execute a notebook that the run already executed"
    return HTML


def page(book: Path, notebook: str) -> str:
    return (book / Path(notebook).with_suffix(".html")).read_text(encoding="utf-8")


def test_every_listed_notebook_has_a_page_with_executed_outputs(book):
    for notebook in NOTEBOOKS:
        html = page(book, notebook)
        assert "cell_output" in html, f"{notebook}: no executed output in the book"
        # An error output, not the word: a page may show highlighted source whose CSS names "Generic.Traceback".
        assert "Traceback (most recent call last)" not in html and "output traceback" not in html, (
            f"{notebook}: an error was rendered in the book")


def test_pages_are_the_executed_notebooks_of_the_current_sources(book):
    loader = importlib.util.spec_from_file_location("book_conf", ROOT / "book" / "conf.py")
    conf = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(conf)  # module level only: Sphinx calls setup(), this test does not
    assert conf.nb_execution_mode == "off", "Sphinx must never execute a notebook: the tests have executed them"
    for notebook in NOTEBOOKS:
        assert is_fresh(notebook), f"{notebook}: no executed notebook of its current source in _build/executed"


def test_solutions_are_folded_and_checks_pass(book):
    html = page(book, "solutions/01_background.md")
    assert re.search(r'class="[^"]*solution[^"]*dropdown', html), "solutions should be folded until asked"
    assert "✓ Exercise 1.1 (standardise)" in html


def test_pages_reference_nothing_off_the_machine(book):
    pattern = re.compile(r'(?:src|href)="(https?:)?//', re.I)
    for html_file in book.rglob("*.html"):
        for match in pattern.finditer(html_file.read_text(encoding="utf-8")):
            context = html_file.read_text(encoding="utf-8")[match.start(): match.start() + 120]
            # Plain hyperlinks a reader may follow are fine; scripts, styles, fonts and images are not.
            assert not re.match(r'src=|href="[^"]*\.(css|js|woff2?)"', context), f"{html_file.name}: {context}"


def test_widget_pages_carry_the_widgets_saved_state(book):
    assert "application/vnd.jupyter.widget-state+json" in page(book, "solutions/04c_widgets.md")


def test_book_has_search_and_download_buttons(book):
    assert (book / "search.html").exists() and (book / "searchindex.js").exists()
    for notebook in NOTEBOOKS:
        stem = Path(notebook).stem
        html = page(book, notebook)
        for folder in ("chapters", "solutions"):
            assert f'href="../notebooks/{folder}/{stem}.ipynb"' in html, f"{notebook}: no {folder} download button"
            assert (book / "notebooks" / folder / f"{stem}.ipynb").exists()


@pytest.mark.parametrize("notebook, selector", [
    ("solutions/01_background.md", "mjx-container"),       # rendered math
    ("solutions/04a_forward_backward.md", "mjx-container"),
    ("solutions/04c_widgets.md", ".widget-image"),        # widgets drawn from their saved state
])
def test_page_renders_and_no_request_leaves_the_machine(book, notebook, selector):
    port = free_port()
    server = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(book)]
    page_path = str(Path(notebook).with_suffix(".html"))
    with serve(server, f"http://127.0.0.1:{port}/index.html", SCREENSHOTS.parent):
        with chromium_page() as browser_page:
            requested, failed = [], []
            browser_page.on("request", lambda request: requested.append(request.url))
            browser_page.on("requestfailed", lambda request: failed.append(request.url))
            response_errors = []
            browser_page.on("response", lambda r: response_errors.append(r.url) if r.status >= 400 else None)
            browser_page.goto(f"http://127.0.0.1:{port}/{page_path}", wait_until="networkidle")
            browser_page.wait_for_selector(selector, timeout=30_000)
            browser_page.locator(selector).first.scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            browser_page.screenshot(path=str(SCREENSHOTS / f"book_{Path(notebook).stem}.png"), full_page=False)
    off_machine = [url for url in requested if not any(f"//{host}" in url for host in LOCAL_HOSTS) and not url.startswith("data:")]
    assert requested and not off_machine, f"requests off the machine: {off_machine}"
    assert not failed and not response_errors, f"missing files: {failed + response_errors}"
