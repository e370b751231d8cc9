"""Repository-wide pytest hooks.

* Before collection, derive _build/notebooks/{chapters,solutions}/*.ipynb from the committed .md
  sources,
  so nbval always runs what is on disk and never writes next to a learner's files.
* Notebook kernels talk to pytest over Unix sockets (ZeroMQ's ipc transport) in a short temporary
  folder, not TCP ports. With TCP,
  jupyter_client picks five free ports, closes them, and the kernel binds them a moment later; two
  xdist workers starting kernels at the same time can take the same port, and that kernel dies
  before it answers (every cell of its notebook then errors). A socket file named after the kernel's
  own id cannot collide.
* Each notebook runs once per test run. While nbval runs a solution notebook, every kernel message
  it reads also goes
  to a `tools.executed_notebooks.Recorder` (outputs and widget state, as nbclient keeps them); when
  all its cells have passed, the executed notebook is written to _build/executed/solutions/ and the
  book renders it without running it.
* The book's tests (tests/tools/test_book.py) must see every notebook of the run executed, and xdist
  can hand them to
  a worker while another is still running notebooks. So when a session selects both, the book's
  tests are taken out of it and run at the end, in the controller's `pytest_sessionfinish`, as a
  child pytest that builds the book from the notebooks this run wrote (never executing one). Their
  reports are replayed into this session: a failing book fails the run, and the summary counts them.
* After the run, print how long each notebook took to execute.
"""

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbval.kernel
import pytest
from nbval.plugin import IPyNbCell

from tools import ROOT
from tools.executed_notebooks import Recorder, is_fresh, recorded_folder, recorded_source
from tools.kernels import SocketFileKernelManager

BOOK_TESTS = "tests/tools/test_book.py"
_notebook_seconds: dict[str, float] = defaultdict(float)
_deferred_key = pytest.StashKey[dict]()
_started_key = pytest.StashKey[float]()


nbval.kernel.KernelManager = (
    SocketFileKernelManager  # nbval's start_new_kernel looks the class up here
)


# --- recording what nbval executes (nbval keeps only what it compares, and ignores comm messages)
# ---------------------

_get_message = nbval.kernel.RunningKernel.get_message
_execute_cell_input = nbval.kernel.RunningKernel.execute_cell_input


def _recording_get_message(self, stream, timeout=None):
    msg = _get_message(self, stream, timeout=timeout)
    if stream == "shell" and msg["msg_type"] == "kernel_info_reply":
        self.course_language_info = msg["content"].get("language_info")
    recorder = getattr(self, "course_recorder", None)
    if recorder is not None and stream == "iopub":
        # The recorder gets its own copy of the content: nbclient's handling may edit it, nbval must
        # see it unchanged.
        recorder.feed(
            {**msg, "header": dict(msg["header"]), "content": copy.deepcopy(msg["content"])}
        )
    return msg


def _recording_execute_cell_input(self, cell_input, allow_stdin=None):
    msg_id = _execute_cell_input(self, cell_input, allow_stdin=allow_stdin)
    recorder = getattr(self, "course_recorder", None)
    if recorder is not None:
        recorder.executing(msg_id)
    return msg_id


nbval.kernel.RunningKernel.get_message = _recording_get_message
nbval.kernel.RunningKernel.execute_cell_input = _recording_execute_cell_input


def _recorder_for(item):
    """The Recorder of a solution notebook's cell (created with the notebook's kernel), or None."""
    if not isinstance(item, IPyNbCell) or item.parent.kernel is None:
        return None
    notebook = item.parent
    recorder = getattr(notebook, "course_recorder", None)
    if recorder is None:
        folder = recorded_folder(notebook.path)
        recorder = (
            False
            if folder is None
            else Recorder(
                notebook.nb,
                notebook.kernel.kc,
                folder / notebook.path.name,
                getattr(notebook.kernel, "course_language_info", None),
            )
        )
        notebook.course_recorder = recorder
    if recorder:
        notebook.kernel.course_recorder = recorder
    return recorder or None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    recorder = _recorder_for(item)
    if recorder is None:
        return (yield)
    recorder.begin(item.cell_num)
    passed = False
    try:
        result = yield
        passed = recorder.error is None
    except (
        pytest.skip.Exception
    ):  # NBVAL_SKIP: the cell is left without outputs, as it was never run
        passed = True
        raise
    finally:
        recorder.end(item.cell_num, passed)
    if not passed:
        raise RuntimeError(
            f"the cell ran, but its outputs could not be recorded for the book ({recorder.error})"
        )
    return result


# --- set-up, and the book's tests after every notebook
# -----------------------------------------------------------------


def pytest_configure(config):
    if hasattr(
        config, "workerinput"
    ):  # an xdist worker: the controller has set up the environment already
        return
    from tools.lab import state_environment
    from tools.notebook_files import export_ipynb

    config.stash[_started_key] = (
        time.time()
    )  # executed notebooks stamped from now on belong to this run
    os.environ.update(
        state_environment()
    )  # Jupyter/IPython/matplotlib state stays inside the project
    # Socket paths are limited to ~100 bytes, and a clone can live deep in the file system: keep
    # them short.
    os.environ["JUPYTER_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="nbk-")
    export_ipynb(ROOT / "_build" / "notebooks")
    if os.environ.get("COURSE_REPORTS_TO"):  # a child run started by pytest_sessionfinish below
        config.pluginmanager.register(
            _ReportWriter(config, Path(os.environ["COURSE_REPORTS_TO"])), "course-report-writer"
        )


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.path.basename(
        os.environ.get("JUPYTER_RUNTIME_DIR", "")
    ).startswith("nbk-"):
        shutil.rmtree(os.environ["JUPYTER_RUNTIME_DIR"], ignore_errors=True)


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: only what will really run counts
def pytest_collection_modifyitems(config, items):
    # Notebooks first: they are the longest files, and xdist (--dist loadfile
    # --no-loadscope-reorder) hands out files in
    # this order, so the many short test files fill the gaps at the end instead of one notebook
    # running alone.
    items.sort(
        key=lambda item: not isinstance(item, IPyNbCell)
    )  # stable: each notebook's cells keep their order
    book_tests = [item for item in items if item.nodeid.split("::")[0] == BOOK_TESTS]
    notebooks = sorted(
        {
            str(recorded_source(item.path))
            for item in items
            if isinstance(item, IPyNbCell) and recorded_folder(item.path) is not None
        }
    )
    if not (book_tests and notebooks):
        return  # the book's tests alone build the book as `make book` does
    deferred = {"book_tests": [item.nodeid for item in book_tests], "notebooks": notebooks}
    items[:] = [item for item in items if item.nodeid.split("::")[0] != BOOK_TESTS]
    if hasattr(config, "workerinput"):
        config.workeroutput["course_deferred_book"] = (
            deferred  # every worker collects the same; the controller reads it
        )
    else:
        config.stash[_deferred_key] = deferred


def pytest_testnodedown(node, error):  # xdist controller: a worker is done
    deferred = getattr(node, "workeroutput", {}).get("course_deferred_book")
    if deferred:
        node.config.stash[_deferred_key] = deferred


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if hasattr(config, "workerinput") or config.option.collectonly:
        return
    deferred = config.stash.get(_deferred_key, None)
    if deferred:
        _run_book_tests(session, deferred, exitstatus)


class _ReportWriter:
    """In the child run: write each test report as one JSON line, for the parent run to replay."""

    def __init__(self, config, path: Path):
        self.config, self.path = config, path

    def pytest_runtest_logreport(self, report):
        data = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(data) + "\n")


def _replay(config, reports: list) -> None:
    for report in reports:
        config.hook.pytest_runtest_logreport(report=report)


def _skipped(nodeids: list[str], reason: str) -> list:
    from _pytest.reports import TestReport

    return [
        TestReport(
            nodeid,
            (BOOK_TESTS, 0, nodeid.split("::")[-1]),
            {},
            "skipped",
            (BOOK_TESTS, 0, f"Skipped: {reason}"),
            "call",
        )
        for nodeid in nodeids
    ]


def _run_book_tests(session, deferred: dict, exitstatus) -> None:
    """Run the book's tests after every notebook, on the notebooks this run executed; fold their
    reports into this run."""
    from _pytest.reports import TestReport

    config, book_tests = session.config, deferred["book_tests"]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    session.testscollected += len(book_tests)
    if exitstatus == pytest.ExitCode.INTERRUPTED or session.shouldstop or session.shouldfail:
        _replay(config, _skipped(book_tests, "the run stopped early, so the book was not built"))
        return
    started = config.stash[_started_key]
    not_run = [nb for nb in deferred["notebooks"] if not is_fresh(nb, executed_since=started)]
    if not_run and session.testsfailed:
        # Their own failures are reported already; a book without them would prove nothing.
        _replay(
            config,
            _skipped(
                book_tests, f"the book was not built: {', '.join(not_run)} did not pass in this run"
            ),
        )
        return
    reports_file = ROOT / "_build" / f"book-tests.{os.getpid()}.jsonl"
    log_file = ROOT / "_build" / "book-tests.log"
    reports_file.unlink(missing_ok=True)
    env = {
        **os.environ,
        "COURSE_REPORTS_TO": str(reports_file),
        "COURSE_BOOK_EXECUTED_SINCE": repr(started),
        "COURSE_BOOK_EXECUTED_IN_RUN": " ".join(deferred["notebooks"]),
    }
    if reporter:
        reporter.write("\n")
        reporter.write_sep(
            "-",
            f"the book, from the notebooks this run executed: {len(book_tests)} tests (log: "
            f"{log_file.relative_to(ROOT)})",
        )
    began = time.monotonic()
    with log_file.open("w", encoding="utf-8") as log:
        child = subprocess.run(
            [sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", *book_tests],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    lines = reports_file.read_text(encoding="utf-8").splitlines() if reports_file.exists() else []
    reports_file.unlink(missing_ok=True)
    reports = [
        config.hook.pytest_report_from_serializable(config=config, data=json.loads(line))
        for line in lines
    ]
    _replay(config, reports)
    if child.returncode != 0 and not any(report.failed for report in reports):
        tail = log_file.read_text(encoding="utf-8")[-4000:]
        _replay(
            config,
            [
                TestReport(
                    BOOK_TESTS,
                    (BOOK_TESTS, 0, "book"),
                    {},
                    "failed",
                    f"the book's tests exited with code {child.returncode}:\n{tail}",
                    "call",
                )
            ],
        )
    if session.testsfailed and session.exitstatus in (
        pytest.ExitCode.OK,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        session.exitstatus = (
            pytest.ExitCode.TESTS_FAILED
        )  # pytest returns this value after the hook
    if reporter:
        reporter.write("\n")
        reporter.write_line(f"the book: built and tested in {time.monotonic() - began:.0f} s")


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
