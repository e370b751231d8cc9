"""The editions in other languages keep step with the English source (tools/translations.py).

Per notebook and edition: every block is translated and none is stale; each pair of blocks keeps
the same maths, inline code, numbers and links; the glossary's terms are used; the guide's own
Chinese words stay verbatim. Then the generated notebooks match their catalogs, with code cells
identical to the English.

A translator checks one notebook with `pytest tests/tools/test_translations.py -k 04a_forward`.
"""

from __future__ import annotations

import re
import string

import pytest

from tools import ROOT
from tools.translations import (
    MESSAGES,
    catalog_names,
    _parser,
    EDITIONS,
    Block,
    catalog_path,
    coverage,
    drifted,
    edition_folder,
    read_catalog,
    split_blocks,
    translate_text,
    update,
)
from utils.glossary import TERMS

# Every catalog (each notebook's, the book's, the code's); the markdown ones (all but the code's).
PAIRS = [(lang, name) for lang in EDITIONS for name in catalog_names()]
IDS = [f"{lang}-{name}" for lang, name in PAIRS]
MARKDOWN = [(lang, name) for lang, name in PAIRS if name != MESSAGES]
MARKDOWN_IDS = [f"{lang}-{name}" for lang, name in MARKDOWN]

_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$")
_CODE = re.compile(r"``.+?``|`[^`]+`")
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_URL = re.compile(r"https?://[^\s<>)\]]+[^\s<>)\].,;:!?]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A run of Chinese characters and Chinese punctuation: the guide's own words.
_CJK = re.compile(
    r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]*[\u4e00-\u9fff][\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]*"
)


def _pairs(lang: str, name: str) -> list[tuple[str, str]]:
    catalog = read_catalog(catalog_path(EDITIONS[lang], name))
    return [(m.id, m.string) for m in catalog if m.id and m.string and not m.fuzzy]


def _chinese_pairs(lang: str, name: str) -> list[tuple[str, str]]:
    """The pairs of a catalog, for the rules that hold between English and Chinese only."""
    if lang != "zh":
        pytest.skip("an English-Chinese rule")
    return _pairs(lang, name)


def _prose(text: str) -> str:
    """The text with maths, code and link targets taken out."""
    for pattern in (_MATH, _CODE, _LINK_TARGET, _URL):
        text = pattern.sub(" ", text)
    return text


def _rendered(text: str) -> str:
    return _parser().render(text)


def _features(text: str) -> dict[str, set[str]]:
    return {
        "maths": set(_MATH.findall(text)),
        "inline code": set(_CODE.findall(text)),
        "links": set(_LINK_TARGET.findall(text)) | set(_URL.findall(_CODE.sub(" ", text))),
        "numbers": set(_NUMBER.findall(_prose(text))),
    }


@pytest.mark.parametrize(("lang", "name"), PAIRS, ids=IDS)
def test_every_block_is_translated_and_none_is_stale(lang, name):
    cover = coverage(EDITIONS[lang], name)
    lines = [
        f"stale (the English changed; revise, then drop the fuzzy flag): {msgid[:160]}"
        for msgid, _ in cover.stale
    ]
    lines += [f"missing: {msgid[:160]}" for msgid in cover.missing]
    assert not lines, (
        f"{catalog_path(EDITIONS[lang], name).relative_to(ROOT)}: {cover.translated}/{cover.total} "
        "blocks translated. Run `python -m tools.translations update`, then translate:\n"
        + "\n".join(lines)
    )


@pytest.mark.parametrize(("lang", "name"), MARKDOWN, ids=MARKDOWN_IDS)
def test_each_pair_keeps_maths_code_numbers_and_links(lang, name):
    problems = []
    for english, translated in _pairs(lang, name):
        ours, theirs = _features(english), _features(translated)
        for kind in ours:
            if ours[kind] != theirs[kind]:
                lost, added = ours[kind] - theirs[kind], theirs[kind] - ours[kind]
                problems.append(
                    f"{kind}: lost {sorted(lost)}, added {sorted(added)} in: {english[:100]}"
                )
        for tag in ("<strong>", "<em>", "<a "):
            count = _rendered(english).count(tag)
            if _rendered(translated).count(tag) != count:
                problems.append(
                    f"{tag} appears {count} time(s) in the English, "
                    f"{_rendered(translated).count(tag)} in the translation (emphasis markers next "
                    "to Chinese punctuation do not render: put no punctuation just inside ** or *):"
                    f" {translated[:100]}"
                )
        if english.startswith("|") and english.count("|") != translated.count("|"):
            problems.append(
                f"table row has {translated.count('|')} bars, not {english.count('|')}"
                f": {english[:100]}"
            )
    assert not problems, "\n".join(problems)


def _placeholders(text: str) -> list[str]:
    return sorted(
        f"{{{field}{':' + spec if spec else ''}}}"
        for _, field, spec, _ in string.Formatter().parse(text)
        if field is not None
    )


@pytest.mark.parametrize("lang", sorted(EDITIONS))
def test_each_message_keeps_its_placeholders_signs_code_and_numbers(lang):
    """What the code prints: the same {placeholders} (a missing one would raise, or lose a value),
    the same ✓/✗/⏳ sign first, the same inline code and numbers."""
    problems = []
    for english, translated in _pairs(lang, MESSAGES):
        if _placeholders(english) != _placeholders(translated):
            problems.append(f"placeholders {_placeholders(translated)} in: {translated[:100]}")
        sign = english.lstrip()[:1]
        if sign in "✓✗⏳" and not translated.lstrip().startswith(sign):
            problems.append(f"does not start with {sign}: {translated[:100]}")
        # A fragment joined to another keeps its leading space, unless Chinese punctuation leads.
        joins = translated[:1].isspace() or translated[:1] in "（，：；。、"
        if english[:1].isspace() != joins:
            problems.append(f"leading space differs (it joins fragments): {translated[:100]}")
        ours, theirs = _features(english), _features(translated)
        for kind in ("inline code", "numbers", "links"):
            if ours[kind] != theirs[kind]:
                problems.append(
                    f"{kind}: lost {sorted(ours[kind] - theirs[kind])}, added "
                    f"{sorted(theirs[kind] - ours[kind])} in: {english[:100]}"
                )
    assert not problems, "\n".join(problems)


def _english_forms(term: str) -> re.Pattern:
    """The term as a prose pattern: without its parenthesised acronym or symbol, plural allowed."""
    core = re.sub(r"\s*\(.*?\)", "", term)
    core = re.sub(r"\s+[A-Zηα-ω]$", "", core)  # 'learning rate η', 'activation A'
    words = r"[\s-]?".join(re.escape(word) for word in re.split(r"[\s-]+", core))
    return re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w-])", re.IGNORECASE)


# Glossary terms too general to demand their Chinese word in every block that says them in English.
GLOSSARY_EXEMPT = {
    "batch": "batch norm, batch size and batched code have their own Chinese words",
    "device": "'device' also names torch.device values kept in English",
    "parameter": "'parameter' also means a function's argument",
    "activation A": "'activation' alone is also short for 'activation function'",
    "warm-up (timing)": "the timing sense shares its English word with the learning-rate one",
    "backend": "Keras backends and compute backends are named, not translated",
    "token": "'token' also names JupyterLab's access token",
    "GPT": "a name, kept in Latin letters",
    "BERT": "a name, kept in Latin letters",
    "DOI": "a name, kept in Latin letters",
    "Transformer": "a name, kept in Latin letters",
    "start-up": "the guide's title word; the Chinese edition quotes the title",
    "bfloat16 (bf16)": "a number format's name, kept in Latin letters",
    "precision": "also a number format's precision (精度), as in 'mixed precision'",
    "recall": "also the plain verb",
    "embedding": "a position embedding is 位置编码, the glossary's term for RoPE",
}


@pytest.mark.parametrize(("lang", "name"), PAIRS, ids=IDS)
def test_glossary_terms_are_used(lang, name):
    terms = [
        (
            english,
            _english_forms(english),
            [re.sub(r"（.*?）", "", c).strip() for c in chinese.split(" / ")],
        )
        for english, chinese, _ in TERMS
        if english not in GLOSSARY_EXEMPT
    ]
    problems = []
    for english_block, translated in _chinese_pairs(lang, name):
        prose = _prose(english_block)
        # What the translation keeps verbatim (a paper's title, in italics) is not translated.
        for kept in re.findall(r"(?<!\*)\*[^*]+\*(?!\*)", prose):
            if kept in translated:
                prose = prose.replace(kept, " ")
        for term, pattern, chinese in terms:
            if pattern.search(prose) and not any(word in translated for word in chinese):
                problems.append(f"'{term}' is {' / '.join(chinese)} in: {translated[:120]}")
    assert not problems, "the glossary (utils/glossary.py) says:\n" + "\n".join(problems)


# The native reader's review settled these words (each a finding fixed across the edition): the
# word on the left is not used, unless the English quotes it (the guide's own words).
HOUSE_WORDS = {
    "原书": "指南 (the guide)",
    "检查程序": "检查 (the check)",
    "提前停止": "早停 (early stopping)",
    "小批次": "小批量 (mini-batch)",
    "全批次": "全批量 (full batch)",
    "键/值头": "键值头 (key/value heads)",
    "显著性图": "显著图 (saliency map)",
    "偏差校正": "偏差修正 (bias correction)",
    "自动求导": "自动微分 (autograd)",
    "实际情况如下": "指南说……——实际上…… (a warning box's title)",
    "一致到": "在……舍入误差范围内一致 (agree to rounding error)",
    "计算内核": "算子 (a compute kernel)",
    "数据泄漏": "数据泄露 (data leakage)",
}


@pytest.mark.parametrize(("lang", "name"), PAIRS, ids=IDS)
def test_the_editions_house_words_are_used(lang, name):
    problems = [
        f"{word} → {HOUSE_WORDS[word]}: {translated[:100]}"
        for english, translated in _chinese_pairs(lang, name)
        for word in HOUSE_WORDS
        if word in translated and word not in english
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("lang", "name"), PAIRS, ids=IDS)
def test_the_guides_chinese_words_stay_verbatim(lang, name):
    problems = [
        f"{run!r} is not in: {translated[:120]}"
        for english, translated in _chinese_pairs(lang, name)
        for run in _CJK.findall(english)
        if run not in translated
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", sorted(EDITIONS))
def test_generated_notebooks_match_their_catalogs(lang):
    problems = drifted(EDITIONS[lang])
    assert not problems, (
        "\n".join(problems) + "\nRun `python -m tools.translations notebooks` (or `make "
        "learner-copies`) to regenerate them."
    )


def _code_cells(text: str) -> list[str]:
    return re.findall(r"^```\{code-cell\}.*?^```$", text, re.M | re.S)


@pytest.mark.parametrize("lang", sorted(EDITIONS))
@pytest.mark.parametrize("kind", ["solutions", "chapters"])
def test_generated_notebooks_have_the_english_code_cells(lang, kind):
    for path in sorted(edition_folder(EDITIONS[lang], kind).glob("*.md")):
        english = (ROOT / kind / path.name).read_text(encoding="utf-8")
        assert _code_cells(path.read_text(encoding="utf-8")) == _code_cells(english), path


# ---------------------------------------------------------------- the unit of translation


SAMPLE = """# 1 A title · 标题

A first paragraph, written
over two lines with $x^2$ and `code`.

- a list item
- another item, with **bold**

| name | meaning |
|---|---|
| $W$ | the weights |

:::{exercise} 1.1 · Do something
:label: ex-something

The exercise's text.
:::

```{code-cell} ipython3
print("code is never a block")
```
"""


def test_blocks_are_headings_paragraphs_items_rows_and_titles():
    assert [block.msgid for block in split_blocks(SAMPLE)] == [
        "1 A title · 标题",
        "A first paragraph, written over two lines with $x^2$ and `code`.",
        "a list item",
        "another item, with **bold**",
        "| name | meaning |",
        "| $W$ | the weights |",
        "1.1 · Do something",
        "The exercise's text.",
    ]
    assert split_blocks(SAMPLE)[2] == Block(5, 6, "- ", "a list item")


def test_translating_replaces_blocks_and_keeps_code_and_markup():
    translated = translate_text(SAMPLE, {b.msgid: f"«{b.msgid}»" for b in split_blocks(SAMPLE)})
    assert "# «1 A title · 标题»\n" in translated
    assert "«A first paragraph, written over two lines with $x^2$ and `code`.»\n" in translated
    assert "- «a list item»\n" in translated
    assert ":::{exercise} «1.1 · Do something»\n:label: ex-something\n" in translated
    assert _code_cells(translated) == _code_cells(SAMPLE)


def test_a_one_word_change_marks_one_block_stale(tmp_path, monkeypatch):
    """Change one word of one paragraph: `update` keeps the old translation of that block only,
    marked fuzzy with the previous English, and the coverage lists it as stale."""
    import tools.translations as translations

    (tmp_path / "solutions").mkdir()
    source = tmp_path / "solutions" / "sample.md"
    source.write_text(SAMPLE, encoding="utf-8")
    monkeypatch.setattr(translations, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(translations, "LOCALES", tmp_path / "locales")
    update("xx", ["sample"])
    catalog = read_catalog(translations.catalog_path("xx", "sample"))
    for message in catalog:
        if message.id:
            message.string = f"«{message.id}»"
    translations.write_catalog(catalog, translations.catalog_path("xx", "sample"))
    assert coverage("xx", "sample").percent == 100

    source.write_text(SAMPLE.replace("another item", "a second item"), encoding="utf-8")
    update("xx", ["sample"])
    cover = coverage("xx", "sample")
    assert cover.stale == [("a second item, with **bold**", "another item, with **bold**")]
    assert cover.missing == [] and cover.translated == cover.total - 1
    # An update after an update keeps the previous English exactly, however babel wrapped it.
    update("xx", ["sample"])
    assert coverage("xx", "sample").stale == cover.stale


def test_the_previous_english_of_a_long_block_survives_updates(tmp_path):
    """babel wraps a long previous msgid like prose (at spaces, and after hyphens): reading it back
    must give the English exactly, or a second update would garble what the translator is shown."""
    from babel.messages.catalog import Catalog

    import tools.translations as translations

    old = 'A long-running, well-known "quoted" item of CIFAR-10 and ResNet-50 runs. ' * 8
    catalog = Catalog(locale="xx")
    catalog.add("new English", "译文", flags=["fuzzy"]).previous_id = [old]
    path = tmp_path / "sample.po"
    for _ in range(2):
        translations.write_catalog(catalog, path)
        catalog = read_catalog(path)
        assert catalog.get("new English").previous_id == [old]


def test_generating_an_edition_never_overwrites_a_learners_edits(tmp_path, monkeypatch):
    """Like `make learner-copies`: a generated learner copy with uncommitted edits is left alone
    (and reported); a clean one is regenerated."""
    import subprocess

    import tools.learner_copies as learner_copies
    import tools.translations as translations

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "sample.md").write_text(SAMPLE, encoding="utf-8")
    monkeypatch.setattr(translations, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(translations, "LOCALES", tmp_path / "locales")
    monkeypatch.setattr(translations, "ROOT", tmp_path)
    monkeypatch.setattr(learner_copies, "ROOT", tmp_path)
    update("xx", ["sample"])
    catalog = read_catalog(translations.catalog_path("xx", "sample"))
    for message in catalog:
        if message.id:
            message.string = f"«{message.id}»"
    translations.write_catalog(catalog, translations.catalog_path("xx", "sample"))
    learner = tmp_path / "locales" / "xx" / "chapters" / "sample.md"
    learner.parent.mkdir(parents=True)
    learner_work = "my answer, not to be lost\n"
    learner.write_text(learner_work, encoding="utf-8")
    assert translations.write_notebooks("xx") == 1
    assert learner.read_text(encoding="utf-8") == learner_work
    solution = tmp_path / "locales" / "xx" / "solutions" / "sample.md"
    assert "«A first paragraph" in solution.read_text(encoding="utf-8")
    assert translations.write_notebooks("xx", force=True) == 0
    assert "«a list item»" in learner.read_text(encoding="utf-8")
