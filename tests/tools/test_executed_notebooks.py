"""Each notebook runs once: what nbval reads is recorded as the notebook nbclient would have
written, widgets included."""

import json

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel

from tools import ROOT
from tools.kernels import AsyncSocketFileKernelManager
from tools.executed_notebooks import (
    Recorder,
    cells_digest,
    is_fresh,
    recorded_folder,
    source_digest,
    stamp_of,
)

CELLS = [
    "import sys\nprint('hello')\nprint('to stderr', file=sys.stderr)",
    "from IPython.display import HTML, clear_output, display\nhandle = "
    "display(HTML('<b>first</b>'), display_id=True)",
    "handle.update(HTML('<b>updated</b>'))\n6 * 7",
    "import ipywidgets as widgets\nslider = widgets.IntSlider(value=3, description='n')\nslider",
    "slider.value = 7\nout = widgets.Output()\nwith out:\n    print('inside the output "
    "widget')\nout",
    "print('cleared'); clear_output(wait=True); print('kept')",
]


def notebook():
    nb = new_notebook(
        cells=[new_markdown_cell("# A test notebook")] + [new_code_cell(source) for source in CELLS]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def summary(nb):
    """Per code cell: stream text by name, and the other outputs' MIME types and text; then the
    widgets' model state."""
    cells = []
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        streams, others = {}, []
        for output in cell.outputs:
            if output.output_type == "stream":
                streams[output.name] = streams.get(output.name, "") + output.text
            else:
                others.append(
                    (
                        output.output_type,
                        sorted(output.data),
                        output.data.get("text/html", output.data.get("text/plain")),
                    )
                )
        cells.append((streams, others, cell.execution_count))
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    widgets = sorted(
        (
            w["model_name"],
            w["state"].get("value"),
            json.dumps(w["state"].get("outputs"), sort_keys=True),
        )
        for w in state.values()
    )
    return cells, widgets


def record_as_nbval_does(nb, tmp_path):
    """Run the cells the way nbval's IPyNbCell does (execute, await the reply, read iopub until
    idle), recording."""
    kernel = RunningKernel(CURRENT_ENV_KERNEL_NAME, cwd=str(tmp_path))
    try:
        recorder = Recorder(
            nb,
            kernel.kc,
            tmp_path / "executed" / "test.ipynb",
            getattr(kernel, "course_language_info", None),
        )
        kernel.course_recorder = recorder
        written = None
        for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            recorder.begin(number)
            msg_id = kernel.execute_cell_input(cell.source, allow_stdin=False)
            kernel.await_reply(msg_id, timeout=60)
            kernel.await_idle(msg_id, timeout=10)
            written = recorder.end(number, passed=True)
        return written
    finally:
        kernel.stop()


def test_recorded_notebook_matches_what_nbclient_writes(tmp_path):
    written = record_as_nbval_does(notebook(), tmp_path)
    assert written is not None and written.exists()
    recorded = nbformat.read(written, as_version=4)
    expected = NotebookClient(
        notebook(),
        timeout=120,  # a cell that never finishes fails the test instead of hanging the run
        kernel_manager_class=AsyncSocketFileKernelManager,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert summary(recorded) == summary(expected)
    cells, widgets = summary(recorded)
    assert cells[0][0] == {"stdout": "hello\n", "stderr": "to stderr\n"}
    assert "updated" in cells[1][1][0][2], "a display update must replace the first display"
    assert cells[5][0] == {"stdout": "kept\n"}, (
        "clear_output(wait=True) clears before the next output"
    )
    assert ("IntSliderModel", 7, "null") in widgets
    assert any(
        name == "OutputModel" and "inside the output widget" in outputs
        for name, _, outputs in widgets
    )
    assert recorded.metadata["language_info"]["name"] == "python"
    assert stamp_of(written)["source_digest"] == cells_digest(notebook())


def test_a_notebook_with_a_failing_cell_is_not_written(tmp_path):
    nb = notebook()
    recorder = Recorder(nb, kernel_client=None, target=tmp_path / "x.ipynb")
    for number in range(len(CELLS) - 1):
        assert recorder.end(number, passed=True) is None
    assert recorder.end(len(CELLS) - 1, passed=False) is None
    assert not (tmp_path / "x.ipynb").exists()


def test_only_solution_notebooks_are_recorded_and_freshness_follows_the_source():
    assert (
        recorded_folder(ROOT / "_build" / "notebooks" / "solutions" / "01_background.ipynb")
        is not None
    )
    assert (
        recorded_folder(ROOT / "_build" / "notebooks" / "chapters" / "01_background.ipynb") is None
    )
    derived = nbformat.read(
        ROOT / "_build" / "notebooks" / "solutions" / "01_background.ipynb", as_version=4
    )
    assert source_digest(ROOT / "solutions" / "01_background.md") == cells_digest(derived)
    assert not is_fresh("solutions/01_background.md", executed_since=float("inf"))


def test_stamp_of_a_missing_notebook_is_empty(tmp_path):
    assert stamp_of(tmp_path / "missing.ipynb") == {}


def test_a_message_the_recorder_cannot_handle_is_reported_not_raised(tmp_path):
    recorder = Recorder(notebook(), kernel_client=None, target=tmp_path / "x.ipynb")
    recorder.begin(0)
    recorder.executing("cell-0")
    broken = {
        "msg_type": "display_data",
        "header": {"msg_type": "display_data"},
        "parent_header": {"msg_id": "cell-0"},
        "content": {},
    }
    recorder.feed(broken)  # must not raise inside nbval's message loop
    assert recorder.error and "display_data" in recorder.error
    recorder.begin(1)
    assert recorder.error is None
