"""utils/i18n.py: which language the course's code prints in (never a guess), and the translation
of a marked message."""

import pytest

from utils import i18n
from utils.i18n import N_, UnknownLanguage, _, language


@pytest.fixture
def no_course_lang(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)


def test_the_notebooks_edition_sets_the_language(no_course_lang, monkeypatch, tmp_path):
    for folder, expected in [
        (tmp_path / "locales" / "zh_CN" / "chapters", "zh"),
        (tmp_path / "_build" / "notebooks" / "locales" / "zh_CN" / "solutions", "zh"),
        (tmp_path / "chapters", "en"),
        (tmp_path / "locales" / "zh_CN" / "LC_MESSAGES", "en"),
    ]:
        folder.mkdir(parents=True)
        monkeypatch.chdir(folder)
        assert language() == expected, folder


def test_course_lang_overrides_the_edition_and_a_wrong_value_is_named(monkeypatch, tmp_path):
    chinese = tmp_path / "locales" / "zh_CN" / "chapters"
    chinese.mkdir(parents=True)
    monkeypatch.chdir(chinese)
    monkeypatch.setenv("COURSE_LANG", "en")
    assert language() == "en"
    monkeypatch.setenv("COURSE_LANG", "zh_CN.UTF-8")
    assert language() == "zh"
    monkeypatch.setenv("COURSE_LANG", "fr")
    with pytest.raises(UnknownLanguage, match="COURSE_LANG='fr' names no edition"):
        language()


def test_a_marked_message_is_translated_where_it_is_shown(monkeypatch):
    message = N_("test case {number}")
    assert message == "test case {number}"  # N_ only marks
    monkeypatch.setenv("COURSE_LANG", "en")
    assert _(message) == "test case {number}"
    monkeypatch.setenv("COURSE_LANG", "zh")
    assert _(message).format(number=3) == "测试用例 3"
    assert _("a message nobody marked") == "a message nobody marked"  # falls back to the English
    assert i18n._catalog("zh_CN"), "the Chinese catalog of the code's messages is missing"
