"""Sphinx configuration for the static book. Structure comes from ../book.toml; assets are vendored,
never fetched.

`python -m tools.book` (make book) runs Sphinx on _build/executed/: the solution notebooks as the
test run executed them (see tools/executed_notebooks.py), and a copy of book/index.md. Sphinx never
executes a notebook itself.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import tomllib
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
SPEC = tomllib.loads((ROOT / "book.toml").read_text(encoding="utf-8"))
NODE_MODULES = BOOK / "node_modules"
VENDOR = BOOK / "_static" / "vendor"

# The edition being built: English, or a locale whose catalogs translate the book (tools/book.py
# sets COURSE_BOOK_LOCALE, and builds it into a folder beside the English one).
EDITION = os.environ.get("COURSE_BOOK_LOCALE", "")
if EDITION:
    from tools.translations import BOOK as BOOK_CATALOG
    from tools.translations import EDITIONS, translations

    _WORDS = translations(EDITION, BOOK_CATALOG)
    LAB_COMMAND = "make lab COURSE_LANG=" + next(c for c, loc in EDITIONS.items() if loc == EDITION)
    LEARNER_FOLDER = f"locales/{EDITION}/chapters"
else:
    _WORDS, LAB_COMMAND, LEARNER_FOLDER = {}, "make lab", "chapters"


def tr(words: str) -> str:
    """The book's own words (book.toml, book/index.md) in this edition's language."""
    return _WORDS.get(words, words)


INTERFACE = {key: tr(value) for key, value in SPEC["book"].get("interface", {}).items()}
# The language switch: each page links to the same page of the other edition, named in its own
# language.
SWITCH = (
    {"prefix": "../", "label": "English", "lang": "en"}
    if EDITION
    else {"prefix": "zh_CN/", "label": "中文", "lang": "zh-CN"}
)

project = tr(SPEC["book"]["title"])
author = SPEC["book"]["author"]
language = EDITION or SPEC["book"].get("language", "en")
root_doc = str(Path(SPEC["book"]["root"]).with_suffix(""))

extensions = [
    "myst_nb",
    "sphinx_exercise",
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "sphinx_design",
]

# The source folder is _build/executed: only the landing page and the executed notebooks that
# book.toml lists are read (solutions/NAME.md is rendered from solutions/NAME.ipynb, so each page
# keeps its name).
include_patterns = [SPEC["book"]["root"]] + [
    str(Path(path).with_suffix(".ipynb")) for part in SPEC["part"] for path in part["notebooks"]
]
exclude_patterns = ["**/.ipynb_checkpoints"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3

nb_execution_mode = "off"  # the notebooks arrive executed: each runs once per test run, under nbval
nb_merge_streams = True
nb_render_markdown_format = "myst"  # Markdown outputs may hold tables
nb_code_prompt_show = "Show {type}"

# Everything a page loads comes from its own _static folder.
# The full TeX component has every extension built in (textmacros among them): MathJax loads
# nothing more. mathjax-config.js renders \text{max\_norm} as LaTeX does and typesets widget labels.
mathjax_path = "vendor/mathjax/tex-chtml-full.js"
mathjax_config_path = "mathjax-config.js"
nb_ipywidgets_js = {
    "vendor/require.min.js": {},
    "vendor/html-manager/embed-amd.js": {
        "data-jupyter-widgets-cdn": "vendor/widgets-cdn/",
        "data-jupyter-widgets-cdn-only": "true",
    },
}

html_theme = "sphinx_book_theme"
html_title = project
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_js_files = ["course.js"]
html_extra_path = ["extra"]
html_favicon = "_static/favicon.svg"
html_context = {
    "default_mode": "auto",  # light or dark as the reader's system is set (the theme needs one)
    "course_words": INTERFACE,
    "course_switch": SWITCH,
}
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "article_header_end": [
        "language-switch.html",
        "pdf-download.html",
        "notebook-downloads.html",
        "article-header-buttons.html",
    ],
}
html_last_updated_fmt = None
html_show_sourcelink = False


def _vendor_assets() -> None:
    """Copy MathJax, RequireJS and the widget manager from book/node_modules into _static/vendor."""
    if not NODE_MODULES.exists():
        raise SystemExit(
            "book/node_modules is missing: run `make book`, which installs the book's JavaScript "
            "with npm."
        )
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
    """The widget manager asks for its icon fonts relative to each page: give every page folder a
    copy.

    Its two bundles ask in two places: beside the manager (@jupyter-widgets/html-manager/dist/) and
    beside the controls module (@jupyter-widgets/).
    """
    if exception or app.builder.format != "html":
        return
    fonts = [
        p
        for p in (VENDOR / "html-manager").iterdir()
        if p.suffix in (".woff", ".woff2", ".ttf", ".eot", ".svg")
    ]
    outdir = Path(app.outdir)
    for folder in {page.parent for page in outdir.rglob("*.html")}:
        for target in (
            folder / "@jupyter-widgets" / "html-manager" / "dist",
            folder / "@jupyter-widgets",
        ):
            target.mkdir(parents=True, exist_ok=True)
            for font in fonts:
                if not (target / font.name).exists():
                    shutil.copyfile(font, target / font.name)


def _write_notebook_downloads(app, exception):
    """Put each notebook's .ipynb form (learner copy and solution) under notebooks/ for the download
    buttons."""
    if exception or app.builder.format != "html":
        return
    from tools.notebook_files import export_ipynb

    if EDITION:
        folders = (f"locales/{EDITION}/chapters", f"locales/{EDITION}/solutions")
        export_ipynb(Path(app.outdir) / "notebooks", folders, strip=f"locales/{EDITION}")
    else:
        export_ipynb(Path(app.outdir) / "notebooks", ("chapters", "solutions"))


def _inject_toc(app, docname, source):
    """Append the table of contents from book.toml to the root page: one line per notebook (their
    sections repeat
    the guide's numbers where two notebooks share a section of the guide, and each page lists its
    own)."""
    if docname != root_doc:
        return
    blocks = []
    for part in SPEC["part"]:
        entries = "\n".join("/" + str(Path(p).with_suffix("")) for p in part["notebooks"])
        blocks.append(
            f"\n\n```{{toctree}}\n:caption: {tr(part['caption'])}\n:maxdepth: 1\n\n{entries}\n```\n"
        )
    source[0] += "".join(blocks)


def _resolve_notebook_links(app, doctree):
    """A link to `NAME.md` in a notebook (JupyterLab opens that file) leads to NAME's page in the
    book.

    The book reads NAME.ipynb, so MyST finds no NAME.md on disk and would leave the link dangling:
    point it at the document instead, and MyST resolves it as a link to that page.
    """
    for node in doctree.findall(addnodes.pending_xref):
        target = node.get("reftarget", "")
        if node.get("reftype") != "myst" or node.get("refdomain") or "://" in target:
            continue
        path, _, anchor = target.partition("#")
        if not path.endswith(".md"):
            continue
        docname = posixpath.normpath(
            posixpath.join(posixpath.dirname(node["refdoc"]), path[: -len(".md")])
        )
        if docname in app.env.found_docs:
            node["refdomain"], node["reftarget"], node["reftargetid"] = (
                "doc",
                docname,
                anchor or None,
            )


# Text that names a web address, a DOI or an arXiv number becomes a link to it.
LINKABLE = re.compile(
    r"(?P<url>https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]])"
    r"|doi:(?P<doi>10\.\d{4,9}/[^\s<>\"']+[^\s<>\"'.,;:!?)\]])"
    r"|arXiv:(?P<arxiv>\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7})"
)
NOT_LINKED = (
    nodes.literal,
    nodes.literal_block,
    nodes.reference,
    nodes.raw,
    nodes.math,
    nodes.math_block,
    nodes.FixedTextElement,
    nodes.title,
)


def _link_addresses(app, doctree):
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or any(isinstance(a, NOT_LINKED) for a in _ancestors(text)):
            continue
        value = str(text)
        matches = list(LINKABLE.finditer(value))
        if not matches:
            continue
        pieces, start = [], 0
        for match in matches:
            pieces.append(nodes.Text(value[start : match.start()]))
            if match["url"]:
                uri = match["url"]
            elif match["doi"]:
                uri = f"https://doi.org/{match['doi']}"
            else:
                uri = f"https://arxiv.org/abs/{match['arxiv']}"
            pieces.append(nodes.reference(match.group(0), match.group(0), refuri=uri))
            start = match.end()
        pieces.append(nodes.Text(value[start:]))
        parent.replace(
            text,
            [piece for piece in pieces if not (isinstance(piece, nodes.Text) and not str(piece))],
        )


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


CHECK_SIGNS = ("✓", "✗", "⏳")


def _mark_check_outputs(app, doctree):
    """Give a check's output (lines that start with ✓, ✗ or ⏳) a class: course.css wraps its long
    lines."""
    for block in doctree.findall(nodes.literal_block):
        if "output" in block["classes"] and any(
            line.lstrip().startswith(CHECK_SIGNS) for line in block.astext().splitlines()
        ):
            block["classes"].append("course-check")


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CONTROLS = re.compile(
    r"(Slider|Dropdown|ToggleButtons?|Checkbox|Button|RadioButtons|Select|SelectMultiple|Text"
    r"|Combobox|Play)Model$"
)
WIDGET_NOTE = INTERFACE["widget_note"]


def _note_static_widgets(app, doctree):
    """Under each saved widget that has controls (not a progress bar), say once that it needs a
    running notebook."""
    path = Path(app.env.doc2path(app.env.docname))
    if path.suffix != ".ipynb":
        return
    import json

    state = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("widgets", {})
    models = state.get(WIDGET_STATE, {}).get("state", {})

    def has_controls(model_id, seen=()):
        model = models.get(model_id, {})
        if CONTROLS.search(model.get("model_name", "")):
            return True
        children = model.get("state", {}).get("children", [])
        return any(
            has_controls(child.removeprefix("IPY_MODEL_"), seen + (model_id,))
            for child in children
            if child.removeprefix("IPY_MODEL_") not in seen
        )

    for raw in list(doctree.findall(nodes.raw)):
        text = raw.astext()
        if WIDGET_VIEW not in text:
            continue
        match = re.search(r'"model_id":\s*"([0-9a-f]+)"', text)
        output = next((a for a in _ancestors(raw) if "cell_output" in a.get("classes", [])), None)
        if match is None or output is None or not has_controls(match.group(1)):
            continue
        note = nodes.paragraph(classes=["course-widget-note"])
        for i, piece in enumerate(
            re.split(
                r"`([^`]+)`",
                WIDGET_NOTE.format(
                    lab_command=LAB_COMMAND, notebook=f"{LEARNER_FOLDER}/{path.stem}.md"
                ),
            )
        ):
            note += nodes.literal(piece, piece) if i % 2 else nodes.Text(piece)
        output.parent.insert(output.parent.index(output) + 1, note)


def _translate_theme_words(app, exception):
    """Put this edition's words in place of those the theme writes in English (book.toml's
    theme_words): in attributes (tooltips, the search box's placeholder) and as text."""
    if exception or not EDITION or app.builder.format != "html":
        return
    words = {w: tr(w) for w in SPEC["book"].get("theme_words", {}).get("words", []) if tr(w) != w}
    for page in Path(app.outdir).rglob("*.html"):
        html = original = page.read_text(encoding="utf-8")
        for english, translated in words.items():
            html = html.replace(f'="{english}"', f'="{translated}"')
            html = re.sub(rf">(\s*){re.escape(english)}(\s*)<", rf">\g<1>{translated}\g<2><", html)
        if html != original:
            page.write_text(html, encoding="utf-8")


def _chinese_search():
    """Sphinx 9's Chinese search index: words cut by jieba, Latin words stemmed in English. Its
    script, though, asks for a "ChineseStemmer" that no file defines (it ships the English one), and
    every page of the edition would log that error: name the stemmer it ships."""
    from sphinx.search.zh import SearchChinese

    class ChineseSearch(SearchChinese):
        language_name = (
            "English"  # only names the stemmer script: `window.Stemmer = EnglishStemmer`
        )

    return ChineseSearch


def setup(app):
    _vendor_assets()
    if EDITION.startswith("zh"):
        app.add_search_language(_chinese_search())
    app.add_js_file(None, body=f"window.COURSE_WORDS = {json.dumps(INTERFACE)};")
    app.connect("source-read", _inject_toc)
    app.connect("doctree-read", _resolve_notebook_links)
    app.connect("doctree-read", _link_addresses)
    app.connect("doctree-read", _mark_check_outputs)
    app.connect("doctree-read", _note_static_widgets)
    app.connect("build-finished", _copy_widget_fonts)
    app.connect("build-finished", _write_notebook_downloads)
    app.connect("build-finished", _translate_theme_words)
