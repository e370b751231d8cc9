"""The language of what the course's code prints: check verdicts and diagnoses, widget labels,
progress labels.

The language is never guessed. It is, in this order:
  1. the environment variable COURSE_LANG (`en`, or an edition's code such as `zh`);
  2. the notebook's edition: a kernel started in `locales/<locale>/chapters` or
     `locales/<locale>/solutions` (the generated editions, see tools/translations.py) speaks that
     locale's language;
  3. English.

Strings are marked in the code the gettext way and translated where they are shown:

    from utils.i18n import N_, _
    print(_("✗ {exercise}: not right yet on {where}.").format(exercise=..., where=...))
    Mistake("db axis", wrong_fn, N_("In db: you summed over axis 0 ..."))   # shown later, via _()

Placeholders are named (`{where}`), never f-strings, so one message serves every value. The
translations sit in `locales/<locale>/LC_MESSAGES/course.po`; a missing one falls back to the
English, and a test fails until it is written.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "locales"
# COURSE_LANG value -> locale folder: the course's one table of editions (tools/translations.py,
# tools/lab.py and the book read it). A third language is one more line here, and its catalogs.
EDITIONS = {"zh": "zh_CN"}
DOMAIN = "course"


class UnknownLanguage(ValueError):
    """COURSE_LANG names no edition of the course."""


def edition_code(chosen: str) -> str:
    """The edition a COURSE_LANG value names (`zh`, `zh_CN`, `zh-CN.UTF-8` -> `zh`; `en`)."""
    code = chosen.strip().split("_")[0].split("-")[0].split(".")[0].lower()
    if code != "en" and code not in EDITIONS:
        raise UnknownLanguage(
            f"COURSE_LANG={chosen!r} names no edition of the course; use one of "
            f"{', '.join(['en', *sorted(EDITIONS)])}, or unset it."
        )
    return code


def language() -> str:
    """`en`, or the code of the edition whose messages the course prints now."""
    chosen = os.environ.get("COURSE_LANG", "").strip()
    if chosen:
        return edition_code(chosen)
    parts = Path.cwd().parts
    for index, part in enumerate(parts[:-2]):
        if part == "locales" and parts[index + 2] in ("chapters", "solutions"):
            for code, locale in EDITIONS.items():
                if parts[index + 1] == locale:
                    return code
    return "en"


@cache
def _catalog(locale: str) -> dict[str, str]:
    """msgid -> msgstr of the translated, non-fuzzy messages in the locale's course.po."""
    from babel.messages.pofile import read_po

    path = LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def _(message: str) -> str:
    """The message in the current language (the English when it has no translation)."""
    code = language()
    if code == "en" or not message:
        return message
    return _catalog(EDITIONS[code]).get(message, message)


def N_(message: str) -> str:
    """Mark a message for translation where it is shown later, through `_`; returns it unchanged."""
    return message
