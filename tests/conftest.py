"""Fixtures for the unit tests.

Tests build many wrong answers out of the course's references (a reference with its sign flipped,
say). The runner would call each of those "the answer key", so answer-key watching is off in the
tests, except in those marked `answer_key_watch`, which test that watching itself.
"""

import pytest
import torch
from threadpoolctl import threadpool_limits

from utils.checks import runner


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "answer_key_watch: keep the runner's answer-key detection on in this test"
    )


@pytest.fixture(autouse=True)
def _answer_keys_not_watched(request, monkeypatch):
    if request.node.get_closest_marker("answer_key_watch") is None:
        monkeypatch.setattr(runner, "_answer_key_codes", lambda *args, **kwargs: {})


# One thread for torch and for NumPy's BLAS, as in the notebooks (utils.notebook.start): the tests'
# arrays are small,
# and with pytest-xdist's two workers on two cores a second thread per worker only waits. One torch
# test measured
# 36 s with two threads under load and 0.4 s with one.
torch.set_num_threads(1)
threadpool_limits(1)
