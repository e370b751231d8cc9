"""What a reader sees on each page of the built book, measured in Chromium: overflow, maths,
console, load time.

`visit_all` opens every page once per colour scheme, waits for MathJax and the widgets, and measures
it at each width by resizing the window (a page is not reloaded for the second width).
tests/tools/test_book.py asserts on the numbers; the same function, run by hand, prints them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

WIDTHS = (1280, 390)
HEIGHTS = {1280: 900, 390: 844}

# Output, table, equation and code blocks: what each is, its size against the column and against its
# scroll box.
MEASURE_JS = r"""
() => {
  const article = document.querySelector(".bd-article");
  const style = getComputedStyle(article);
  const frame = article.getBoundingClientRect();
  const left = frame.left + parseFloat(style.paddingLeft);
  const right = frame.right - parseFloat(style.paddingRight);
  const root = document.documentElement;
  const kinds = [
    ["check", "div.cell_output .output.course-check pre"],
    ["output", "div.cell_output .output pre"],
    ["table", ".bd-article table"],
    ["equation", "mjx-container[display='true']"],
    ["code", "div.cell_input pre"],
    ["figure", "div.cell_output img"],
  ];
  const seen = new Set();
  const blocks = [];
  const text = el => (el.innerText || el.textContent || "").trim().replace(/\s+/g, " ")
    .slice(0, 90);
  const scrollsX = e => /^(auto|scroll)$/.test(getComputedStyle(e).overflowX);
  for (const [kind, selector] of kinds) {
    for (const el of article.querySelectorAll(selector)) {
      // Folded away, or listed already under another kind.
      if (seen.has(el) || el.getClientRects().length === 0) continue;
      seen.add(el);
      const box = el.getBoundingClientRect();
      const inner = el.scrollWidth - el.clientWidth;  // its content is wider than its own box
      // Its box is wider than the column.
      const outer = Math.max(box.right - right, left - box.left);
      if (inner <= 1 && outer <= 1) continue;
      // The box, from the element up to the column, that lets a reader scroll to what does not fit.
      let scroller = null;
      for (let e = el; e && e !== article && !scroller; e = e.parentElement) {
        if (scrollsX(e) && e.scrollWidth > e.clientWidth + 1) scroller = e;
      }
      const hidden = scroller ? scroller.scrollWidth - scroller.clientWidth
                              : Math.max(inner, outer);
      blocks.push({kind, scrolls: scroller !== null, hidden: Math.round(hidden),
                   width: Math.round(box.width), text: text(el)});
    }
  }
  // Text outside code and maths that still shows TeX: a stray $ or a backslash.
  const skip = "pre, code, mjx-container, script, style, .highlight, .MathJax, .math";
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const tex = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const value = node.nodeValue;
    if ((value.includes("$") || value.includes("\\")) && !node.parentElement.closest(skip)
        && node.parentElement.getClientRects().length) {
      tex.push(value.trim().slice(0, 90));
    }
  }
  // Maths MathJax could not read, left as TeX, or read with a backslash left in it
  // (\text{max\_norm} without textmacros).
  const all = selector => Array.from(article.querySelectorAll(selector));
  const merrors = all("mjx-merror").map(e => text(e.closest("mjx-container")));
  const untypeset = all("span.math, div.math").filter(e => !e.querySelector("mjx-container"))
    .map(e => text(e));
  const backslashes = all("mjx-container mjx-assistive-mml").filter(m => /\\/.test(m.textContent))
    .map(m => m.textContent.trim().slice(0, 90));
  // In dark mode: output areas (widgets, progress bars) that keep a light background. Figures may:
  // they are drawn on white.
  const lightBox = e => {
    const c = (getComputedStyle(e).backgroundColor.match(/[\d.]+/g) || []).map(Number);
    return c.length >= 3 && (c.length < 4 || c[3] > 0.5) && (c[0] + c[1] + c[2]) / 3 > 180;
  };
  const light = root.dataset.theme !== "dark" ? [] : all("div.cell_output *")
    .filter(e => e.tagName !== "IMG" && e.getClientRects().length && lightBox(e))
    .map(e => `${e.tagName.toLowerCase()}.${e.className.toString().split(" ").join(".")}`);
  const scales = all("div.cell_output img:not(.jupyter-widgets img)")
    .filter(img => img.naturalWidth > 0 && img.getClientRects().length)
    .map(img => img.clientWidth / img.naturalWidth);
  return {pageWidth: root.scrollWidth, viewport: root.clientWidth, column: Math.round(right - left),
          blocks, tex, merrors, untypeset, backslashes, light: [...new Set(light)],
          smallestFigureScale: scales.length ? Math.min(...scales) : null};
}
"""

# Wait until MathJax has typeset the page (when the page loads it) and the widgets have been drawn.
SETTLE_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const views = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]').length;
  const drawn = () => document.querySelector(".cell_output .jupyter-widgets");
  for (let i = 0; views && i < 100 && !drawn(); i++) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}
"""


@dataclass
class PageReport:
    path: str
    seconds: float = 0.0
    measures: dict = field(default_factory=dict)  # width -> MEASURE_JS result
    console: list = field(default_factory=list)  # console errors and warnings, uncaught errors
    missing: list = field(default_factory=list)  # requests answered 4xx/5xx, or failed


def visit_all(
    browser, base_url: str, paths: list[str], widths=WIDTHS, color_scheme: str = "light"
) -> list[PageReport]:
    """Open each page at the first width, measure it at every width, and return one report per
    page."""
    context = browser.new_context(
        viewport={"width": widths[0], "height": HEIGHTS.get(widths[0], 900)},
        color_scheme=color_scheme,
    )
    page = context.new_page()
    reports: list[PageReport] = []
    current: list[PageReport] = []

    def console(message):
        if current and message.type in ("error", "warning"):
            current[-1].console.append(f"{message.type}: {message.text}")

    def missing(line: str):
        if current:
            current[-1].missing.append(line)

    page.on("console", console)
    page.on("pageerror", lambda error: current and current[-1].console.append(f"uncaught: {error}"))
    page.on("response", lambda r: r.status >= 400 and missing(f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: missing(f"failed {r.url}"))
    try:
        for path in paths:
            report = PageReport(path)
            current.append(report)
            if page.viewport_size["width"] != widths[0]:
                page.set_viewport_size({"width": widths[0], "height": HEIGHTS.get(widths[0], 900)})
            began = time.monotonic()
            page.goto(f"{base_url}/{path}", wait_until="load")
            page.evaluate(SETTLE_JS)
            report.seconds = time.monotonic() - began
            for width in widths:
                if page.viewport_size["width"] != width:
                    page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 900)})
                report.measures[width] = page.evaluate(MEASURE_JS)
            reports.append(report)
    finally:
        context.close()
    return reports
