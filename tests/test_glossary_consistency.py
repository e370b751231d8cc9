"""The bilingual glossary stays consistent with the notebooks: each term has English, Chinese and a
meaning, no term appears twice, and every chapter a definition points to has notebooks."""

import re
from pathlib import Path

from utils.glossary import TERMS, as_markdown_table

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def test_every_term_is_bilingual_and_defined_once():
    english = [en.lower() for en, _, _ in TERMS]
    assert len(english) == len(set(english))
    for en, zh, meaning in TERMS:
        assert en.strip() and meaning.strip()
        assert re.search(r"[\u4e00-\u9fff]", zh), (
            f"{en}: the Chinese term has no Chinese characters"
        )
        assert "|" not in en + zh + meaning, f"{en}: a '|' would break the Markdown table"
    assert as_markdown_table().count("\n") == len(TERMS) + 1


def test_chapters_the_glossary_cites_have_notebooks():
    for en, _, meaning in TERMS:
        for chapter in re.findall(r"chapter (\d+)", meaning):
            assert list(SOLUTIONS.glob(f"{int(chapter):02d}*.md")), (
                f"{en} cites chapter {chapter}, which has no notebook"
            )
