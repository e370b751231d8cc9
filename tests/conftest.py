"""Fixtures for the unit tests.

Tests build many wrong answers out of the course's references (a reference with its sign flipped, say). The runner
would call each of those "the answer key", so answer-key watching is off in the tests, except in those marked
`answer_key_watch`, which test that watching itself.
"""

import pytest

from utils.checks import runner


def pytest_configure(config):
    config.addinivalue_line("markers", "answer_key_watch: keep the runner's answer-key detection on in this test")


@pytest.fixture(autouse=True)
def _answer_keys_not_watched(request, monkeypatch):
    if request.node.get_closest_marker("answer_key_watch") is None:
        monkeypatch.setattr(runner, "_answer_key_codes", lambda *args, **kwargs: {})
