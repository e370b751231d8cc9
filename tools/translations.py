"""Editions in other languages, generated from the one English source through gettext catalogs.

The English MyST notebooks in solutions/ are the source. Their prose is cut into *blocks*: a
heading, a paragraph (a list item's paragraph too), a table row, an admonition's or exercise's
title. Each block is one gettext message whose msgid is the block's MyST source on one line
(maths, inline code and links kept as written). One catalog per notebook holds them:

    locales/<locale>/LC_MESSAGES/<notebook>.po    (e.g. zh_CN/LC_MESSAGES/04a_forward_backward.po)

A one-word change in English changes one msgid. `update` then keeps the old translation, marked
fuzzy with the previous English beside it (babel's `Catalog.update`), and the tests fail, listing
that block as stale until a translator revises it and removes the fuzzy flag.

From the catalogs, the edition's notebooks are generated, with every code cell byte for byte the
English one:

    locales/<locale>/solutions/<notebook>.md     the solution notebooks (the book's source)
    locales/<locale>/chapters/<notebook>.md      the learner copies (`tools.learner_copies` rules)

Both are committed and drift-tested like chapters/. A learner copy with uncommitted edits is never
overwritten.

    python -m tools.translations update           # catalogs follow solutions/ (no translation lost)
    python -m tools.translations status           # coverage per notebook; stale and missing blocks
    python -m tools.translations notebooks        # write the generated notebooks
    python -m tools.translations notebooks --check   # exit 1 if any generated notebook drifted
    python -m tools.translations todo NAME        # the blocks of NAME still to translate or revise
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, unescape, write_po

from tools import ROOT
from tools.learner_copies import strip_solutions, write_generated
from utils.i18n import EDITIONS  # COURSE_LANG value -> locale folder: the one table

SOLUTIONS = ROOT / "solutions"
LOCALES = ROOT / "locales"
DIRECTIVES_WITH_TITLES = ("admonition", "exercise")
_OPTION = re.compile(r"^\s*:[\w-]+:")
_NOT_PROSE = re.compile(r"\$\$.*?\$\$|\$[^$]+\$|``.+?``|`[^`]+`|https?://\S+|\{[\w-]+\}")
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Block:
    """One unit of translation: lines [start, end) of the notebook's text, the part of the first
    line that stays (a list marker, `## `, indentation), and the English (msgid)."""

    start: int
    end: int
    prefix: str
    msgid: str
    suffix: str = ""


@cache
def _parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = {"dollarmath", "amsmath", "colon_fence", "deflist", "substitution"}
    return create_md_parser(MdParserConfig(enable_extensions=extensions), RendererHTML)


def is_prose(text: str) -> bool:
    """True when a block has words to translate once maths, code, links and roles are set aside."""
    return bool(_WORD.search(_NOT_PROSE.sub(" ", text)))


def split_blocks(text: str) -> list[Block]:
    """The translatable blocks of a MyST notebook's text, in order (code cells are never blocks)."""
    return list(_blocks(text.splitlines(), 0, len(text.splitlines())))


def _blocks(lines: list[str], first: int, last: int):
    tokens = _parser().parse("\n".join(lines[first:last]) + "\n")
    for position, token in enumerate(tokens):
        if token.map is None:
            continue
        start, end = token.map[0] + first, token.map[1] + first
        if token.type in ("heading_open", "paragraph_open") and token.level <= 8:
            inline = tokens[position + 1]
            content = [part.strip() for part in inline.content.split("\n")]
            msgid = " ".join(part for part in content if part)
            if token.type == "heading_open":
                prefix = lines[start][: lines[start].index(token.markup) + len(token.markup) + 1]
            else:
                prefix = lines[start][: lines[start].find(content[0])]
            if is_prose(msgid):
                yield Block(start, end, prefix, msgid)
        elif token.type == "tr_open":
            row = lines[start]
            if is_prose(row):
                indent = row[: len(row) - len(row.lstrip())]
                yield Block(start, start + 1, indent, row.strip())
        elif token.type in ("fence", "colon_fence"):
            name = token.info.strip()
            match = re.match(r"\{([\w-]+)\}\s*(.*)", name)
            if match is None or match.group(1) not in DIRECTIVES_WITH_TITLES:
                continue  # code cells, code in markdown, solution gates, maths
            title = match.group(2)
            if title and is_prose(title):
                head = lines[start]
                yield Block(start, start + 1, head[: head.index(title)], title)
            body = start + 1
            while body < end - 1 and _OPTION.match(lines[body]):
                body += 1
            yield from _blocks(lines, body, end - 1)


def translate_text(text: str, translations: dict[str, str]) -> str:
    """The text with every block replaced by its translation (one line each); the rest unchanged.

    A block without a translation raises KeyError: an edition is generated only from complete
    catalogs."""
    lines = text.splitlines()
    for block in reversed(split_blocks(text)):
        lines[block.start : block.end] = [block.prefix + translations[block.msgid] + block.suffix]
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


# ---------------------------------------------------------------------------- catalogs


def notebook_names() -> list[str]:
    return sorted(p.stem for p in SOLUTIONS.glob("*.md"))


def catalog_path(locale: str, name: str) -> Path:
    return LOCALES / locale / "LC_MESSAGES" / f"{name}.po"


HEADER = (
    "Translations of solutions/{name}.md, one message per block of prose.\n"
    "Generated and updated by `python -m tools.translations update`; translators edit msgstr only."
)
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)  # no churn in the header on every update


def _new_catalog(name: str, locale: str | None = None) -> Catalog:
    return Catalog(
        locale=locale,
        project=f"solutions/{name}.md",
        header_comment="# " + HEADER.format(name=name).replace("\n", "\n# "),
        copyright_holder="the course authors",
        msgid_bugs_address="the course's issue tracker",
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
        charset="utf-8",
        fuzzy=False,
    )


def template(name: str) -> Catalog:
    """The English blocks of solutions/NAME.md as a gettext template."""
    catalog = _new_catalog(name)
    text = (SOLUTIONS / f"{name}.md").read_text(encoding="utf-8")
    for block in split_blocks(text):
        catalog.add(block.msgid, locations=[(f"solutions/{name}.md", block.start + 1)])
    return catalog


def read_catalog(path: Path) -> Catalog:
    """A catalog, with the previous English of stale entries (`#| msgid`) as `previous_id`.

    babel writes `#|` lines but reads them back as user comments, and wraps them like prose: at a
    space (which it drops) or after a hyphen (which it keeps). Join them back the same way, so that
    an update after an update still shows the translator exactly what changed."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        lines = [c[1:].strip() for c in message.user_comments if c.startswith("|")]
        if lines:
            message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
            text = lines[0]
            for line in lines[1:]:
                text += line if text.endswith("-") else " " + line
            quoted = re.findall(r'"((?:[^"\\]|\\.)*)"', text.removeprefix("msgid").strip())
            message.previous_id = ["".join(unescape(f'"{part}"') for part in quoted)]
    return catalog


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, include_previous=True)


def _update_keeping_previous(catalog: Catalog, template: Catalog) -> None:
    """babel's `Catalog.update`, except that an entry still stale from an earlier update keeps its
    previous English (babel forgets it when the msgid is unchanged)."""
    previous = {m.id: m.previous_id for m in catalog if m.id and m.fuzzy and m.previous_id}
    catalog.update(template, update_header_comment=False, update_creation_date=False)
    for message in catalog:
        if message.fuzzy and not message.previous_id and message.id in previous:
            message.previous_id = previous[message.id]


def update(locale: str, names: list[str] | None = None) -> None:
    """Bring each catalog in step with its notebook: new blocks added untranslated, changed ones
    kept fuzzy with the previous English, removed ones kept as obsolete entries (#~)."""
    for name in names or [*notebook_names(), BOOK]:
        path = catalog_path(locale, name)
        if path.exists():
            catalog = read_catalog(path)
        else:
            catalog = _new_catalog(name, locale)
        _update_keeping_previous(catalog, template_of(name))
        catalog.revision_date = FIXED_DATE
        write_catalog(catalog, path)


@dataclass
class Coverage:
    name: str
    total: int
    translated: int
    stale: list  # (msgid, previous English) of fuzzy entries
    missing: list  # msgids without a translation

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def catalog_names() -> list[str]:
    """Every catalog of an edition: one per notebook, the book's, and the code's messages."""
    return [*notebook_names(), BOOK, MESSAGES]


def template_of(name: str) -> Catalog:
    if name == BOOK:
        return book_template()
    if name == MESSAGES:
        return messages_template()
    return template(name)


def coverage(locale: str, name: str) -> Coverage:
    """How much of a source (a notebook, the book, the code) its catalog translates, judged against
    the current source."""
    blocks = [message.id for message in template_of(name) if message.id]
    path = catalog_path(locale, name)
    catalog = read_catalog(path) if path.exists() else Catalog(locale=locale)
    stale, missing, translated = [], [], 0
    for msgid in blocks:
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            missing.append(msgid)
        elif entry.fuzzy:
            previous = " ".join(entry.previous_id) if entry.previous_id else ""
            stale.append((msgid, previous))
        else:
            translated += 1
    return Coverage(name, len(blocks), translated, stale, missing)


def translations(locale: str, name: str) -> dict[str, str]:
    """msgid -> msgstr of the translated, non-stale entries of one notebook's catalog."""
    catalog = read_catalog(catalog_path(locale, name))
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


# ---------------------------------------------------------------------------- the book's own words

BOOK = "book"  # the catalog of book/index.md and book.toml's title, captions and interface words


def book_spec() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "book.toml").read_text(encoding="utf-8"))


def book_phrases() -> list[str]:
    """book.toml's words that a reader sees: title, subtitle, part captions, interface words."""
    spec = book_spec()
    phrases = [spec["book"]["title"], spec["book"]["subtitle"]]
    phrases += [part["caption"] for part in spec["part"]]
    phrases += list(spec["book"].get("interface", {}).values())
    return phrases + spec["book"].get("theme_words", {}).get("words", [])


def book_template() -> Catalog:
    catalog = _new_catalog(BOOK)
    catalog.project = "the book (book/index.md, book.toml)"
    index = book_spec()["book"]["root"]
    for block in split_blocks((ROOT / index).read_text(encoding="utf-8")):
        catalog.add(block.msgid, locations=[(index, block.start + 1)])
    for phrase in book_phrases():
        catalog.add(phrase, locations=[("book.toml", None)])
    return catalog


# ---------------------------------------------------------------------------- what the code prints

UTILS = ROOT / "utils"
MESSAGES = "course"  # the catalog of what the code prints (utils.i18n reads it)
KEYWORDS = {"_": None, "N_": None}


def messages_template(files: list[Path] | None = None) -> Catalog:
    """Every string that utils/ marks with `_(...)` or `N_(...)`, as a gettext template."""
    from babel.messages.extract import extract

    catalog = _new_catalog(MESSAGES)
    catalog.project = "the course's code (utils/)"
    for path in sorted(files or UTILS.rglob("*.py")):
        with path.open("rb") as handle:
            for line, message, _comments, _context in extract("python", handle, KEYWORDS):
                catalog.add(message, locations=[(str(path.relative_to(ROOT)), line)])
    return catalog


def update_messages(
    locale: str,
    files: list[Path] | None = None,
    path: Path | None = None,
    merge: list[Path] = (),
):
    """Bring a messages catalog (course.po, or a part of it for `files`) in step with the code;
    then take the translations of the catalogs in `merge` (parts written by several translators)."""
    path = path or catalog_path(locale, MESSAGES)
    catalog = read_catalog(path) if path.exists() else _new_catalog(MESSAGES, locale)
    _update_keeping_previous(catalog, messages_template(files))
    for part in merge:
        for message in read_catalog(part):
            ours = catalog.get(message.id) if message.id else None
            if ours is not None and message.string and not message.fuzzy:
                ours.string = message.string
                ours.flags.discard("fuzzy")
                ours.previous_id = []
    catalog.revision_date = FIXED_DATE
    write_catalog(catalog, path)


# ---------------------------------------------------------------------------- notebooks


def edition_folder(locale: str, kind: str) -> Path:
    """locales/<locale>/solutions or locales/<locale>/chapters."""
    return LOCALES / locale / kind


def expected_notebooks(locale: str) -> dict[Path, str]:
    """Each generated notebook's path mapped to the text it should hold (complete catalogs only)."""
    expected = {}
    for name in notebook_names():
        source = (SOLUTIONS / f"{name}.md").read_text(encoding="utf-8")
        try:
            solution = translate_text(source, translations(locale, name))
        except (KeyError, FileNotFoundError):
            continue  # not yet fully translated: `status` lists what is missing
        expected[edition_folder(locale, "solutions") / f"{name}.md"] = solution
        expected[edition_folder(locale, "chapters") / f"{name}.md"] = strip_solutions(
            solution, f"{name}.md"
        ).replace(
            f"from solutions/{name}.md by `make learner-copies`",
            f"from solutions/{name}.md and {catalog_path(locale, name).relative_to(ROOT)} "
            "by `make learner-copies`",
        )
    return expected


def drifted(locale: str) -> list[str]:
    problems = []
    for path, text in expected_notebooks(locale).items():
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.relative_to(ROOT)} differs from what its catalog generates")
    return problems


def write_notebooks(locale: str, force: bool = False) -> int:
    """Write the edition's generated notebooks; a learner copy with uncommitted edits is never
    overwritten (the rule of `make learner-copies`)."""
    return write_generated(
        expected_notebooks(locale), force, protected=lambda path: path.parent.name == "chapters"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("update", "status", "notebooks", "todo", "messages"))
    parser.add_argument("names", nargs="*", help="notebook stems (default: all)")
    parser.add_argument("--lang", default="zh", choices=sorted(EDITIONS))
    parser.add_argument("--check", action="store_true", help="notebooks: report drift only")
    parser.add_argument("--force", action="store_true", help="notebooks: overwrite edited copies")
    parser.add_argument("--files", nargs="*", type=Path, help="messages: only these source files")
    parser.add_argument("--output", type=Path, help="messages: write this catalog, not course.po")
    parser.add_argument(
        "--merge", nargs="*", type=Path, default=[], help="messages: take these parts' translations"
    )
    args = parser.parse_args(argv)
    locale = EDITIONS[args.lang]
    if args.command == "update":
        update(locale, args.names or None)
        return 0
    if args.command == "messages":
        files = [path.resolve() for path in args.files] if args.files else None
        update_messages(locale, files, args.output, args.merge)
        return 0
    if args.command == "notebooks":
        if args.check:
            problems = drifted(locale)
            for problem in problems:
                print(problem, file=sys.stderr)
            return 1 if problems else 0
        return write_notebooks(locale, force=args.force)
    complete = True
    for name in args.names or catalog_names():
        cover = coverage(locale, name)
        complete &= not (cover.stale or cover.missing)
        print(
            f"{name}: {cover.translated}/{cover.total} blocks translated ({cover.percent:.0f}%), "
            f"{len(cover.stale)} stale, {len(cover.missing)} missing"
        )
        if args.command == "todo":
            for msgid, previous in cover.stale:
                print(f"  stale: {msgid}\n    was: {previous}")
            for msgid in cover.missing:
                print(f"  missing: {msgid}")
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
