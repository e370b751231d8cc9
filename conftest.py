"""Repository-wide pytest hooks.

* Before collection, derive _build/notebooks/{chapters,solutions}/*.ipynb from the committed .md sources,
  so nbval always runs what is on disk and never writes next to a learner's files.
* After the run, print how long each notebook took to execute.
"""

import os
from collections import defaultdict

from tools import ROOT
_notebook_seconds: dict[str, float] = defaultdict(float)


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has derived them already
        return
    from tools.lab import state_environment
    from tools.notebook_files import export_ipynb

    os.environ.update(state_environment())  # Jupyter/IPython/matplotlib state stays inside the project
    export_ipynb(ROOT / "_build" / "notebooks")


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook execution times")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
