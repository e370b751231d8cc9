"""Sphinx configuration for the static book. Structure comes from ../book.toml; assets are vendored, never fetched.

`python -m tools.book` (make book) runs Sphinx on _build/executed/: the solution notebooks as the test run executed
them (see tools/executed_notebooks.py), and a copy of book/index.md. Sphinx never executes a notebook itself.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
SPEC = tomllib.loads((ROOT / "book.toml").read_text(encoding="utf-8"))
NODE_MODULES = BOOK / "node_modules"
VENDOR = BOOK / "_static" / "vendor"

project = SPEC["book"]["title"]
author = SPEC["book"]["author"]
language = SPEC["book"].get("language", "en")
root_doc = str(Path(SPEC["book"]["root"]).with_suffix(""))

extensions = [
    "myst_nb",
    "sphinx_exercise",
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "sphinx_design",
]

# The source folder is _build/executed: only the landing page and the executed notebooks that book.toml lists are read
# (solutions/NAME.md is rendered from solutions/NAME.ipynb, so each page keeps its name).
include_patterns = [SPEC["book"]["root"]] + [str(Path(path).with_suffix(".ipynb")) for part in SPEC["part"] for path in part["notebooks"]]
exclude_patterns = ["**/.ipynb_checkpoints"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3

nb_execution_mode = "off"  # the notebooks arrive executed: each runs once per test run, under nbval
nb_merge_streams = True
nb_render_markdown_format = "myst"  # Markdown outputs may hold tables
nb_code_prompt_show = "Show {type}"

# Everything a page loads comes from its own _static folder.
mathjax_path = "vendor/mathjax/tex-chtml.js"
nb_ipywidgets_js = {
    "vendor/require.min.js": {},
    "vendor/html-manager/embed-amd.js": {"data-jupyter-widgets-cdn": "vendor/widgets-cdn/", "data-jupyter-widgets-cdn-only": "true"},
}

html_theme = "sphinx_book_theme"
html_title = SPEC["book"]["title"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_extra_path = ["extra"]
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "article_header_end": ["notebook-downloads.html", "article-header-buttons.html"],
}
html_last_updated_fmt = None
html_show_sourcelink = False


def _vendor_assets() -> None:
    """Copy MathJax, RequireJS and the widget manager from book/node_modules into _static/vendor."""
    if not NODE_MODULES.exists():
        raise SystemExit("book/node_modules is missing: run `make book`, which installs the book's JavaScript with npm.")
    copies = {
        NODE_MODULES / "mathjax" / "es5": VENDOR / "mathjax",
        NODE_MODULES / "@jupyter-widgets" / "html-manager" / "dist": VENDOR / "html-manager",
    }
    for source, target in copies.items():
        if not target.exists():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map", "sre", "*.d.ts"))
    require = VENDOR / "require.min.js"
    if not require.exists():
        shutil.copyfile(NODE_MODULES / "requirejs" / "require.js", require)


def _copy_widget_fonts(app, exception):
    """The widget manager asks for its icon fonts relative to each page: give every page folder a copy."""
    if exception or app.builder.format != "html":
        return
    fonts = [p for p in (VENDOR / "html-manager").iterdir() if p.suffix in (".woff", ".woff2", ".ttf", ".eot", ".svg")]
    outdir = Path(app.outdir)
    for folder in {page.parent for page in outdir.rglob("*.html")}:
        target = folder / "@jupyter-widgets" / "html-manager" / "dist"
        target.mkdir(parents=True, exist_ok=True)
        for font in fonts:
            if not (target / font.name).exists():
                shutil.copyfile(font, target / font.name)


def _write_notebook_downloads(app, exception):
    """Put each notebook's .ipynb form (learner copy and solution) under notebooks/ for the download buttons."""
    if exception or app.builder.format != "html":
        return
    from tools.notebook_files import export_ipynb

    export_ipynb(Path(app.outdir) / "notebooks")


def _inject_toc(app, docname, source):
    """Append the table of contents from book.toml to the root page."""
    if docname != root_doc:
        return
    blocks = []
    for part in SPEC["part"]:
        entries = "\n".join("/" + str(Path(p).with_suffix("")) for p in part["notebooks"])
        blocks.append(f"\n\n```{{toctree}}\n:caption: {part['caption']}\n:maxdepth: 2\n\n{entries}\n```\n")
    source[0] += "".join(blocks)


def setup(app):
    _vendor_assets()
    app.connect("source-read", _inject_toc)
    app.connect("build-finished", _copy_widget_fonts)
    app.connect("build-finished", _write_notebook_downloads)
