"""Print each edition of the built book to one PDF: `python -m tools.pdf` (what `make pdf` runs).

Debian's Chromium (the one the browser tests drive, through Playwright) opens every page of an
edition from a local server, waits until MathJax has typeset it, unfolds the solutions, and prints
it with the page's print styles; pypdf joins the pages into one file with a bookmark per page.
Chromium embeds the fonts it used (WenQuanYi Micro Hei for Chinese), so the PDF reads the same
anywhere.

    python -m tools.pdf             # build what is missing of the book, then print each edition:
                                    # _build/html/pdf/course.pdf, _build/html/zh_CN/pdf/course.pdf
    python -m tools.pdf --lang zh   # one edition
    python -m tools.pdf --pages solutions/04a_forward_backward.md   # only these: _build/pdf/
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import io
import os
import threading
from pathlib import Path

from tools import ROOT
from tools.book import OUTPUT, book_notebooks, book_spec, build, edition_output
from tools.translations import BOOK, translations
from utils.i18n import EDITIONS

PDFS = ROOT / "_build" / "pdf"
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
# Unfold what the screen folds: solutions (sphinx-togglebutton) and dropdowns (<details>).
UNFOLD = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('.dropdown.toggle-hidden, .admonition.toggle-hidden')
    .forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('button.toggle-button').forEach(b => {
    if (b.closest('.toggle-hidden') || b.classList.contains('toggle-button-hidden')) b.click();
  });
}"""
TYPESET = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) await MathJax.typesetPromise();
  }
  await document.fonts.ready;
}"""
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#666">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def edition_pages(locale: str = "") -> list[str]:
    """An edition's pages in reading order, as paths of the built book (`book/index.html`, ...)."""
    index = str(Path(book_spec()["book"]["root"]).with_suffix(".html"))
    return [index] + [
        str(Path(nb).with_suffix(".html")) for nb in book_notebooks() if nb.startswith("solutions/")
    ]


def pdf_path(locale: str = "") -> Path:
    """Inside the edition's built book, where its landing page links it: pdf/course.pdf."""
    return edition_output(locale, OUTPUT) / "pdf" / "course.pdf"


HIDDEN_LINK = 'class="btn btn-sm course-pdf" href="../pdf/course.pdf" download hidden'


def show_pdf_link(locale: str = "") -> bool:
    """Once the PDF exists, unhide the landing page's link to it (the book is built hidden, so that
    no page links a file that is not there). True if the link is shown."""
    index = edition_output(locale, OUTPUT) / Path(book_spec()["book"]["root"]).with_suffix(".html")
    html = index.read_text(encoding="utf-8")
    if HIDDEN_LINK in html and pdf_path(locale).exists():
        index.write_text(html.replace(HIDDEN_LINK, HIDDEN_LINK.removesuffix(" hidden")), "utf-8")
    html = index.read_text(encoding="utf-8")
    return HIDDEN_LINK not in html and HIDDEN_LINK.removesuffix(" hidden") in html


@contextlib.contextmanager
def _serve(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def _chromium(browser=None):
    """The caller's Chromium, or Debian's, started here through Playwright."""
    if browser is not None:
        yield browser
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_edition(
    locale: str = "", pages: list[str] | None = None, target: Path | None = None, browser=None
):
    """Print one edition (or some of its pages) to a PDF; returns its path and page count. A caller
    that already drives Chromium (the tests) passes its `browser`."""
    from pypdf import PdfReader, PdfWriter

    folder = edition_output(locale, OUTPUT)
    pages = pages or edition_pages(locale)
    missing = [page for page in pages if not (folder / page).exists()]
    if missing:
        raise SystemExit(f"the book has no page {missing[0]} in {folder}: run `make book` first.")
    target = target or pdf_path(locale)
    writer = PdfWriter()
    with _serve(folder) as url, _chromium(browser) as chromium:
        tab = chromium.new_page(viewport={"width": 1100, "height": 1400})
        for page in pages:
            tab.goto(f"{url}/{page}", wait_until="networkidle")
            tab.evaluate(TYPESET)
            tab.evaluate(UNFOLD)
            tab.emulate_media(media="print")
            tab.evaluate(TYPESET)
            title = tab.title().split("—")[0].split("|")[0].strip()
            data = tab.pdf(
                format="A4",
                print_background=True,
                margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
            )
            tab.emulate_media(media="screen")
            first = len(writer.pages)
            writer.append(PdfReader(io.BytesIO(data)))
            writer.add_outline_item(title=title, page_number=first)
        tab.close()
    title = book_spec()["book"]["title"]
    writer.add_metadata(
        {"/Title": translations(locale, BOOK).get(title, title) if locale else title}
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        writer.write(out)
    return target, len(writer.pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["en", *sorted(EDITIONS)], help="default: every edition")
    parser.add_argument("--pages", nargs="*", help="only these notebooks (solutions/NAME.md)")
    args = parser.parse_args(argv)
    if not args.pages and build() != 0:
        return 1
    codes = ["en", *sorted(EDITIONS)] if args.lang is None else [args.lang]
    for code in codes:
        locale = EDITIONS.get(code, "")
        pages = None
        if args.pages:
            pages = [str(Path(page).with_suffix(".html")) for page in args.pages]
        if pages:
            target = PDFS / f"pages-{code}.pdf"  # some pages only: not the edition's PDF
            path, count = print_edition(locale, pages, target)
        else:
            path, count = print_edition(locale)
            show_pdf_link(locale)
        print(f"{path.relative_to(ROOT)}: {count} pages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
