"""Repository-wide pytest hooks.

* Before collection, derive _build/notebooks/{chapters,solutions}/*.ipynb from the committed .md sources,
  so nbval always runs what is on disk and never writes next to a learner's files.
* Notebook kernels talk to pytest over Unix sockets (ZeroMQ's ipc transport) in a short temporary folder, not TCP ports. With TCP,
  jupyter_client picks five free ports, closes them, and the kernel binds them a moment later; two xdist
  workers starting kernels at the same time can take the same port, and that kernel dies before it answers
  (every cell of its notebook then errors). A socket file named after the kernel's own id cannot collide.
* After the run, print how long each notebook took to execute.
"""

import os
import shutil
import tempfile
import uuid
from collections import defaultdict

import nbval.kernel
from jupyter_client.manager import KernelManager
from jupyter_core.paths import jupyter_runtime_dir

from tools import ROOT

_notebook_seconds: dict[str, float] = defaultdict(float)


class SocketFileKernelManager(KernelManager):
    """A KernelManager whose kernels listen on Unix socket files beside their connection file."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        # An absolute path unique to this kernel: jupyter_client's default ("kernel-ipc") is relative, so the kernel,
        # started in the notebook's folder, and pytest would look for the sockets in different places.
        kwargs.setdefault("ip", os.path.join(jupyter_runtime_dir(), f"kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)


nbval.kernel.KernelManager = SocketFileKernelManager  # nbval's start_new_kernel looks the class up here


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has set up the environment already
        return
    from tools.lab import state_environment
    from tools.notebook_files import export_ipynb

    os.environ.update(state_environment())  # Jupyter/IPython/matplotlib state stays inside the project
    # Socket paths are limited to ~100 bytes, and a clone can live deep in the file system: keep them short.
    os.environ["JUPYTER_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="nbk-")
    export_ipynb(ROOT / "_build" / "notebooks")


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.path.basename(os.environ.get("JUPYTER_RUNTIME_DIR", "")).startswith("nbk-"):
        shutil.rmtree(os.environ["JUPYTER_RUNTIME_DIR"], ignore_errors=True)


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
