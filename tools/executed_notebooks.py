"""The executed solution notebooks that the book renders, recorded while nbval runs them (each
notebook runs once).

nbval reads every kernel message of a cell but keeps only what it compares, and drops widget (comm)
messages. conftest.py hands each message nbval reads to a `Recorder`, which rebuilds the cell's
outputs and the widgets' saved state with nbclient's own message handling (the code `jupyter
nbconvert --execute` runs), so the notebook written is the one nbclient would have written. When
every code cell of a solution notebook has passed, the notebook is written to
`_build/executed/solutions/NAME.ipynb`, stamped with a digest of its cells and the time it was
written.

`python -m tools.book` reuses a written notebook while its digest matches the source, and runs the
others through pytest first (the same recording); the book test of a full run accepts only notebooks
this run wrote.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete

from tools import ROOT

EXECUTED = (
    ROOT / "_build" / "executed"
)  # executed/solutions/NAME.ipynb; also the book's Sphinx source folder
DERIVED = ROOT / "_build" / "notebooks"  # what nbval runs (tools.notebook_files writes it)
STAMP = "course_execution"  # notebook metadata key: {"source_digest": ..., "executed_at": ...}


def cells_digest(nb) -> str:
    """A digest of a notebook's cells (type and source): what the book shows, outputs aside."""
    cells = [[cell.cell_type, cell.source] for cell in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8")).hexdigest()


def source_digest(source: Path) -> str:
    """The digest of a committed `.md` notebook, as `cells_digest` computes it from the derived
    `.ipynb`."""
    return cells_digest(jupytext.read(source))


def executed_path(source: str | Path) -> Path:
    """`solutions/NAME.md` (relative to the repository root) ->
    `_build/executed/solutions/NAME.ipynb`."""
    return EXECUTED / Path(source).with_suffix(".ipynb")


def stamp_of(path: Path) -> dict:
    """The execution stamp of an executed notebook ({} if it is missing or unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"].get(STAMP, {})
    except (OSError, ValueError, KeyError):
        return {}


def is_fresh(source: str | Path, executed_since: float | None = None) -> bool:
    """True if `source` has an executed notebook of its current cells (written at or after
    `executed_since`, if given)."""
    stamp = stamp_of(executed_path(source))
    if not stamp or stamp.get("source_digest") != source_digest(ROOT / source):
        return False
    return executed_since is None or stamp.get("executed_at", 0.0) >= executed_since


def recorded_folder(notebook: Path) -> Path | None:
    """Where an nbval notebook's executed form goes, or None if it is not recorded (only solution
    notebooks are)."""
    folder = Path(notebook).resolve().parent
    if folder.name != "solutions" or not folder.is_relative_to(DERIVED.resolve()):
        return None
    return EXECUTED / folder.relative_to(DERIVED.resolve())  # solutions/, locales/zh_CN/solutions/


def recorded_source(notebook: Path) -> Path:
    """The committed source of a recorded nbval notebook, relative to the repository root
    (`solutions/NAME.md`, `locales/zh_CN/solutions/NAME.md`)."""
    return Path(notebook).resolve().relative_to(DERIVED.resolve()).with_suffix(".md")


class Recorder:
    """Rebuilds one notebook's outputs and widget state from the kernel messages nbval reads, as
    nbclient would."""

    def __init__(self, nb, kernel_client, target: Path, language_info: dict | None = None):
        self.nb = copy.deepcopy(nb)
        self.digest = cells_digest(nb)
        self.target = target
        self.code_cells = [
            (index, cell) for index, cell in enumerate(self.nb.cells) if cell.cell_type == "code"
        ]
        for _, cell in self.code_cells:
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        if language_info:
            self.nb.metadata["language_info"] = language_info
        # Never started: only its message handling (outputs, clear_output, display updates,
        # comm/widget state and the
        # Output-widget mimic, which answers the kernel as a browser would) is used.
        self.client = NotebookClient(self.nb, record_timing=False, store_widget_state=True)
        self.client.kc = kernel_client
        self.current: tuple[int, object] | None = None
        self.msg_id: str | None = None
        self.passed: set[int] = set()
        self.error: str | None = None  # why the current cell's outputs could not be recorded

    def begin(self, cell_num: int) -> None:
        """nbval is about to run code cell number `cell_num` (counting code cells only, as nbval
        does)."""
        self.current, self.msg_id, self.error = self.code_cells[cell_num], None, None
        self.client.clear_before_next_output = False

    def executing(self, msg_id: str) -> None:
        self.msg_id = msg_id

    def feed(self, msg: dict) -> None:
        """One iopub message, in the order nbval read it."""
        if (
            self.current is None
            or self.msg_id is None
            or msg["parent_header"].get("msg_id") != self.msg_id
        ):
            return
        index, cell = self.current
        try:
            self.client.process_message(msg, cell, index)
        except CellExecutionComplete:
            pass
        except (
            Exception
        ) as error:  # never break nbval's reading; the cell fails afterwards, saying why
            self.error = self.error or f"{msg['msg_type']} message: {type(error).__name__}: {error}"

    def end(self, cell_num: int, passed: bool) -> Path | None:
        """The cell is done; once every code cell has passed, write the executed notebook and return
        its path."""
        self.current, self.msg_id = None, None
        if not passed:
            return None
        self.passed.add(cell_num)
        self.code_cells[cell_num][1].execution_count = len(self.passed)
        if len(self.passed) < len(self.code_cells):
            return None
        return self.write()

    def write(self) -> Path:
        self.client.set_widgets_metadata()
        self.nb.metadata[STAMP] = {"source_digest": self.digest, "executed_at": time.time()}
        self.target.parent.mkdir(parents=True, exist_ok=True)
        partial = self.target.with_suffix(f".{os.getpid()}.tmp")
        nbformat.write(self.nb, partial)
        partial.replace(self.target)  # atomic: the book never reads half a notebook
        return self.target
