"""A first `make book` without a network says in one sentence what is missing and how to get it (no
npm traceback)."""

import shutil

import pytest

from tools.book import BOOK, install_assets


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
def test_missing_javascript_without_network_is_one_sentence(tmp_path, monkeypatch, capfd):
    for name in ("package.json", "package-lock.json"):
        shutil.copy(BOOK / name, tmp_path / name)
    # npm as it behaves offline: nothing cached, and the registry refuses the connection.
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    with pytest.raises(SystemExit) as exit_info:
        install_assets(tmp_path)
    message = str(exit_info.value)
    assert message.count(". ") == 0 and message.endswith(")."), message  # one sentence
    assert (
        "MathJax" in message
        and "widget manager" in message
        and "npm" in message
        and "network" in message
    )
    assert "Traceback" not in capfd.readouterr().err + message
    assert not (tmp_path / "node_modules").exists(), (
        "a failed install must not look complete next time"
    )
