"""The static book: builds from book.toml, shows executed outputs, math and folded solutions, loads
nothing off the machine.

The browser tests open every page once in one Chromium (tests/tools/book_pages.py) and measure it as
a reader sees it at 1280 px and at 390 px: maths typeset, results that fit, nothing cut off, no
error in the console.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.tools.book_pages import visit_all
from tests.tools.browser import LOCAL_HOSTS, ROOT, SCREENSHOTS, chromium_browser, free_port, serve
from tools.executed_notebooks import is_fresh
from tools.pdf import HIDDEN_LINK as HIDDEN_PDF_LINK

HTML = ROOT / "_build" / "html"
SPEC = tomllib.loads((ROOT / "book.toml").read_text(encoding="utf-8"))
NOTEBOOKS = [path for part in SPEC["part"] for path in part["notebooks"]]
ENGLISH_PAGES = ["book/index.html"] + [str(Path(nb).with_suffix(".html")) for nb in NOTEBOOKS]
# The Chinese edition is built beside the English one, page for page (tools/book.py).
ZH = "zh_CN"
PAGES = ENGLISH_PAGES + [f"{ZH}/{page}" for page in ENGLISH_PAGES]
HAN = re.compile(r"[\u4e00-\u9fff]")
RESULTS = (
    "check",
    "output",
    "table",
    "equation",
)  # what a reader reads off a page (code cells may scroll)
# The widget manager's own check of the saved widget state warns once per widget page in the console
# (its JSON schema library in strict mode); it is not the book's, and changes nothing on the page.
KNOWN_WARNINGS = ("warning: strict mode: use allowUnionTypes",)


@pytest.fixture(scope="module")
def book():
    """Build the book as `make book` does: from the executed notebooks, running only those missing
    or out of date.

    In a run that also executes the notebooks, conftest.py runs these tests last and says (in the
    environment) which notebooks that run executed and since when: the book must show those
    executions, and executes nothing itself.
    """
    command = [sys.executable, "-m", "tools.book"]
    if os.environ.get("COURSE_BOOK_EXECUTED_SINCE"):
        command += [
            "--executed-since",
            os.environ["COURSE_BOOK_EXECUTED_SINCE"],
            "--executed-in-run",
            *os.environ.get("COURSE_BOOK_EXECUTED_IN_RUN", "").split(),
        ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    if "--executed-since" in command:
        assert "Executing" not in result.stdout, (
            "the book must not execute a notebook that the run already executed"
        )
    return HTML


def page(book: Path, notebook: str) -> str:
    return (book / Path(notebook).with_suffix(".html")).read_text(encoding="utf-8")


def test_every_listed_notebook_has_a_page_with_executed_outputs(book):
    for notebook in NOTEBOOKS:
        html = page(book, notebook)
        assert "cell_output" in html, f"{notebook}: no executed output in the book"
        # An error output, not the word: a page may show highlighted source whose CSS names
        # "Generic.Traceback".
        assert "Traceback (most recent call last)" not in html and "output traceback" not in html, (
            f"{notebook}: an error was rendered in the book"
        )


def test_pages_are_the_executed_notebooks_of_the_current_sources(book):
    loader = importlib.util.spec_from_file_location("book_conf", ROOT / "book" / "conf.py")
    conf = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(conf)  # module level only: Sphinx calls setup(), this test does not
    assert conf.nb_execution_mode == "off", (
        "Sphinx must never execute a notebook: the tests have executed them"
    )
    for notebook in NOTEBOOKS:
        assert is_fresh(notebook), (
            f"{notebook}: no executed notebook of its current source in _build/executed"
        )


def test_solutions_are_folded_and_checks_pass(book):
    html = page(book, "solutions/01_background.md")
    assert re.search(r'class="[^"]*solution[^"]*dropdown', html), (
        "solutions should be folded until asked"
    )
    assert "✓ Exercise 1.1 (standardise)" in html


def test_pages_reference_nothing_off_the_machine(book):
    pattern = re.compile(r'(?:src|href)="(https?:)?//', re.I)
    for html_file in book.rglob("*.html"):
        for match in pattern.finditer(html_file.read_text(encoding="utf-8")):
            context = html_file.read_text(encoding="utf-8")[match.start() : match.start() + 120]
            # Plain hyperlinks a reader may follow are fine; scripts, styles, fonts and images are
            # not.
            assert not re.match(r'src=|href="[^"]*\.(css|js|woff2?)"', context), (
                f"{html_file.name}: {context}"
            )


def test_widget_pages_carry_the_widgets_saved_state(book):
    assert "application/vnd.jupyter.widget-state+json" in page(book, "solutions/04c_widgets.md")


def test_book_has_search_and_download_buttons(book):
    assert (book / "search.html").exists() and (book / "searchindex.js").exists()
    for notebook in NOTEBOOKS:
        stem = Path(notebook).stem
        html = page(book, notebook)
        for folder in ("chapters", "solutions"):
            assert f'href="../notebooks/{folder}/{stem}.ipynb"' in html, (
                f"{notebook}: no {folder} download button"
            )
            assert (book / "notebooks" / folder / f"{stem}.ipynb").exists()


@pytest.fixture(scope="module")
def book_url(book):
    port = free_port()
    server = [
        sys.executable,
        "-m",
        "http.server",
        str(port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(book),
    ]
    with serve(server, f"http://127.0.0.1:{port}/index.html", SCREENSHOTS.parent):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def reader(book_url, browser):
    """Every page opened once, measured at 1280 and 390 px; the load times go to
    _build/book-pages.json."""
    reports = {report.path: report for report in visit_all(browser, book_url, PAGES)}
    summary = {
        path: {
            "seconds": round(r.seconds, 2),
            "column px": {w: m["column"] for w, m in r.measures.items()},
        }
        for path, r in reports.items()
    }
    slowest = max(reports.values(), key=lambda r: r.seconds)
    (ROOT / "_build" / "book-pages.json").write_text(
        json.dumps(
            {"slowest": [slowest.path, round(slowest.seconds, 2)], "pages": summary}, indent=1
        ),
        encoding="utf-8",
    )
    return reports


def _listed(found: dict) -> str:
    return "\n".join(f"  {path}: {items}" for path, items in found.items() if items)


def test_maths_renders_and_no_tex_shows_as_text(reader):
    """No stray $ or backslash in the prose, no formula left as TeX or failed, no \\ in a rendered
    formula."""
    found = {
        path: r.measures[1280]["tex"]
        + r.measures[1280]["untypeset"]
        + r.measures[1280]["merrors"]
        + r.measures[1280]["backslashes"]
        for path, r in reader.items()
    }
    assert not any(found.values()), "TeX shown to the reader as text:\n" + _listed(found)


def test_results_fit_the_column_at_1280_px(reader):
    """A check line, a printed or rendered table, an output or an equation never needs sideways
    scrolling."""
    found = {
        path: [
            f"{b['kind']} ({b['hidden']} px hidden): {b['text'][:70]}"
            for b in r.measures[1280]["blocks"]
            if b["kind"] in RESULTS
        ]
        for path, r in reader.items()
    }
    assert not any(found.values()), "results wider than the text column at 1280 px:\n" + _listed(
        found
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_nothing_is_cut_off(reader, width):
    """Whatever is wider than its box (code on a phone, a wide table) scrolls inside it: no part is
    out of reach."""
    found = {
        path: [
            f"{b['kind']}: {b['text'][:70]}"
            for b in r.measures[width]["blocks"]
            if not b["scrolls"]
        ]
        for path, r in reader.items()
    }
    assert not any(found.values()), (
        f"cut off at {width} px, with no way to scroll to it:\n" + _listed(found)
    )


def test_a_phone_page_never_scrolls_sideways_and_check_lines_wrap(reader):
    found = {
        path: (
            [f"page {r.measures[390]['pageWidth']} px wide"]
            if r.measures[390]["pageWidth"] > 390
            else []
        )
        + [
            f"check line scrolls: {b['text'][:70]}"
            for b in r.measures[390]["blocks"]
            if b["kind"] == "check"
        ]
        for path, r in reader.items()
    }
    assert not any(found.values()), "at 390 px:\n" + _listed(found)


def test_pages_log_no_error_and_find_every_file(reader):
    found = {
        path: [m for m in r.console if not m.startswith(KNOWN_WARNINGS)] + r.missing
        for path, r in reader.items()
    }
    assert not any(found.values()), "console errors, warnings or missing files:\n" + _listed(found)


def test_widgets_and_progress_bars_follow_dark_mode(book_url, browser):
    pages = ["solutions/03b_train_evaluate_deploy.html", "solutions/04c_widgets.html"]
    found = {
        r.path: r.measures[1280]["light"]
        for r in visit_all(browser, book_url, pages, widths=(1280,), color_scheme="dark")
    }
    assert not any(found.values()), "light boxes in dark mode:\n" + _listed(found)


def test_what_a_reader_clicks(book_url, browser):
    """⏳ has a font; a solution's title opens it; the header's contents button opens the page's
    contents at 1280 px
    (they are no longer beside the text there); a "Next:" line leads to the next notebook."""
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        tab.goto(f"{book_url}/solutions/01_background.html", wait_until="load")
        # The book's own face for ⏳ (many systems have no font with it) loads and has the glyph.
        faces = tab.evaluate(
            """async () => (await document.fonts.load('16px "Course Hourglass"', '\u23f3'))
                   .map(face => face.status)"""
        )
        assert faces == ["loaded"], faces
        solution = tab.locator(".solution.dropdown").first
        title_link = solution.locator(".admonition-title a.reference")
        title_link.scroll_into_view_if_needed()
        box = title_link.bounding_box()
        tab.mouse.click(
            box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        )  # where a reader clicks
        tab.wait_for_timeout(500)
        assert tab.evaluate("location.hash") == "", (
            "clicking the solution's title jumped to the exercise"
        )
        assert solution.locator(".cell").first.is_visible(), (
            "clicking the solution's title did not open it"
        )
        tab.locator(".bd-header-article button.secondary-toggle").click()
        contents = tab.locator("#pst-secondary-sidebar-modal")
        contents.locator("a", has_text="Summary and takeaways").click()
        assert tab.evaluate("location.hash") == "#summary-and-takeaways" and not contents.evaluate(
            "d => d.open"
        )
        # The "Next:" line leads to the next notebook's page.
        tab.locator('a.reference.internal[href="02a_what_large_means.html"]').last.click()
        tab.wait_for_url("**/solutions/02a_what_large_means.html")
    finally:
        tab.close()


def test_a_saved_widget_says_it_needs_a_running_notebook(book):
    html = page(book, "solutions/04c_widgets.md")
    assert html.count('class="course-widget-note"') == 2, (
        "one note per widget (the activation and the loss widget)"
    )
    text = re.sub(r"<[^>]+>", "", html)
    assert "make lab" in text and "chapters/04c_widgets.md" in text
    assert 'class="course-widget-note"' not in page(
        book, "solutions/03b_train_evaluate_deploy.md"
    ), "a progress bar is a widget without controls: it needs no note"


@pytest.mark.parametrize(
    "notebook, selector",
    [
        ("solutions/01_background.md", "mjx-container"),  # rendered math
        ("solutions/04a_forward_backward.md", "mjx-container"),
        ("solutions/04c_widgets.md", ".widget-image"),  # widgets drawn from their saved state
    ],
)
def test_page_renders_and_no_request_leaves_the_machine(book_url, browser, notebook, selector):
    page_path = str(Path(notebook).with_suffix(".html"))
    browser_page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        requested, failed = [], []
        browser_page.on("request", lambda request: requested.append(request.url))
        browser_page.on("requestfailed", lambda request: failed.append(request.url))
        response_errors = []
        browser_page.on(
            "response", lambda r: response_errors.append(r.url) if r.status >= 400 else None
        )
        browser_page.goto(f"{book_url}/{page_path}", wait_until="networkidle")
        browser_page.wait_for_selector(selector, timeout=30_000)
        browser_page.locator(selector).first.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser_page.screenshot(
            path=str(SCREENSHOTS / f"book_{Path(notebook).stem}.png"), full_page=False
        )
    finally:
        browser_page.close()
    off_machine = [
        url
        for url in requested
        if not any(f"//{host}" in url for host in LOCAL_HOSTS) and not url.startswith("data:")
    ]
    assert requested and not off_machine, f"requests off the machine: {off_machine}"
    assert not failed and not response_errors, f"missing files: {failed + response_errors}"


# ---------------------------------------------------------------- the Chinese edition


def test_every_page_has_a_chinese_edition_in_chinese_with_the_theme_in_chinese(book):
    for page_path in ENGLISH_PAGES:
        html = (book / ZH / page_path).read_text(encoding="utf-8")
        assert re.search(r'<html[^>]* lang="zh-CN"', html), f"{page_path}: not marked zh-CN"
        prose = re.sub(r"<(script|style|pre)[^>]*>.*?</\1>", "", html, flags=re.S)
        prose = re.sub(r"<[^>]+>", "", prose)
        assert len(HAN.findall(prose)) > 150, f"{ZH}/{page_path}: hardly any Chinese"
        if page_path != "book/index.html":
            assert "cell_output" in html, f"{ZH}/{page_path}: no executed output"
    index = (book / ZH / "book" / "index.html").read_text(encoding="utf-8")
    assert "搜索" in index, "the theme's search box is not in Chinese"
    chapter = (book / ZH / "solutions" / "04a_forward_backward.html").read_text(encoding="utf-8")
    english = [w for w in SPEC["book"]["theme_words"]["words"] if f'="{w}"' in chapter]
    assert not english, f"theme words left in English on a Chinese page: {english}"
    assert "神经网络如何工作" in index, "the book's title is not in Chinese"
    for edition in (book, book / ZH):  # each landing page links its PDF (hidden until `make pdf`)
        landing = (edition / "book" / "index.html").read_text(encoding="utf-8")
        assert HIDDEN_PDF_LINK in landing or HIDDEN_PDF_LINK.removesuffix(" hidden") in landing


def test_the_chinese_pages_show_checks_answering_in_chinese(book):
    """The Chinese pages are the Chinese solution notebooks as this run executed them: their checks
    printed in Chinese."""
    html = (book / ZH / "solutions" / "04a_forward_backward.html").read_text(encoding="utf-8")
    assert "✓ 练习 4.2" in html and "全部 3 个测试用例都已通过" in html
    assert (book / ZH / "notebooks" / "chapters" / "04a_forward_backward.ipynb").exists()
    note = re.sub(
        r"<[^>]+>", "", (book / ZH / "solutions" / "04c_widgets.html").read_text(encoding="utf-8")
    )
    assert "make lab COURSE_LANG=zh" in note and "locales/zh_CN/chapters/04c_widgets.md" in note


def _switch_target(book: Path, page_path: str) -> Path:
    html = (book / page_path).read_text(encoding="utf-8")
    match = re.search(r'<a class="[^"]*course-language-switch[^"]*" href="([^"]+)"', html)
    assert match, f"{page_path}: no language switch"
    return ((book / page_path).parent / match.group(1)).resolve()


def test_every_page_switches_to_the_same_page_in_the_other_language(book):
    for page_path in ENGLISH_PAGES:
        assert _switch_target(book, page_path) == (book / ZH / page_path).resolve(), page_path
        assert _switch_target(book, f"{ZH}/{page_path}") == (book / page_path).resolve(), page_path


def _font_coverage() -> set[int]:
    """Every code point that some installed font has a glyph for (fontconfig): what Chromium can
    draw without a missing-glyph box, besides the web fonts a page brings (MathJax's, the book's
    hourglass)."""
    listing = subprocess.run(
        ["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True, check=True
    ).stdout
    covered: set[int] = set()
    for ranges in listing.split():
        first, _, last = ranges.partition("-")
        covered.update(range(int(first, 16), int(last or first, 16) + 1))
    return covered


PAGE_CHARACTERS = """() => {
  const clone = document.querySelector('.bd-article').cloneNode(true);
  clone.querySelectorAll('mjx-container, script, style').forEach(e => e.remove());
  return Array.from(new Set(clone.textContent)).join('');
}"""


def test_a_reader_switches_to_english_and_back_and_no_glyph_is_missing(book_url, browser):
    """Chapter 4 in Chinese: every character on the page has a font; the switch leads to the same
    page in English, and back."""
    covered = _font_coverage() | {0x23F3}  # ⏳: the book's own face (test_what_a_reader_clicks)
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        chinese = f"{book_url}/{ZH}/solutions/04a_forward_backward.html"
        tab.goto(chinese, wait_until="load")
        characters = tab.evaluate(PAGE_CHARACTERS)
        assert len(HAN.findall(characters)) > 300, "the page shows few Chinese characters"
        missing = sorted(
            {c for c in characters if ord(c) not in covered and not c.isspace() and c.isprintable()}
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / "book_zh_04a.png"), full_page=False)
        assert not missing, f"characters no installed font can draw (tofu): {missing}"
        tab.locator("a.course-language-switch").first.click()
        tab.wait_for_url(f"{book_url}/solutions/04a_forward_backward.html")
        assert tab.evaluate("document.documentElement.lang") == "en"
        assert "Forward propagation" in tab.inner_text(".bd-article")
        tab.locator("a.course-language-switch").first.click()
        tab.wait_for_url(chinese)
        assert tab.evaluate("document.documentElement.lang") == "zh-CN"
    finally:
        tab.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_edition_prints_to_a_pdf_with_its_fonts_embedded_and_its_maths_drawn(
    book, browser, lang, tmp_path
):
    """What `make pdf` does, on the landing page and chapter 4a: every font embedded (a Chinese one
    in the Chinese edition), the text extractable in its language, the maths drawn (no TeX left as
    text), and the first page renders to an image that is not blank."""
    from PIL import Image

    from tools.pdf import print_edition

    locale = "" if lang == "en" else ZH
    pages = ["book/index.html", "solutions/04a_forward_backward.html"]
    path, count = print_edition(locale, pages, tmp_path / f"{lang}.pdf", browser=browser)
    assert count >= 5, f"only {count} pages"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in fonts.stdout.splitlines()[2:] if line.strip()]
    not_embedded = [row[0] for row in rows if "no" == row[-5]]
    assert rows and not not_embedded, f"fonts not embedded: {not_embedded}"
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "\\frac" not in text and "\\partial" not in text, "TeX printed as text"
    if lang == "zh":
        assert any("WenQuanYi" in row[0] or "Noto" in row[0] for row in rows), fonts.stdout
        assert "前向传播" in text and len(HAN.findall(text)) > 1000
    else:
        assert "Forward propagation" in text
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    assert image.getextrema()[0] < 100, "the first page is blank"
