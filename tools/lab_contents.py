"""JupyterLab's contents manager for the course: Jupytext's, plus the kernel's language_info on
notebooks that lack it.

A MyST notebook keeps only its kernelspec (Jupytext leaves language_info out of the text file). When
JupyterLab starts the kernel it writes the kernel's language_info into the notebook's metadata, and
that write marks a notebook the reader has not touched as changed, so closing it asks to save.
Reading the notebook with the language_info that this environment's kernel will report leaves
JupyterLab nothing to change. `tools.lab.lab_command` selects this class; Jupytext's server
extension keeps it, since it is already Jupytext's.
"""

from __future__ import annotations

import copy

from ipykernel.ipkernel import IPythonKernel
from jupytext.async_contentsmanager import AsyncTextFileContentsManager

KERNEL = "python3"  # the kernelspec every course notebook names; it runs this environment's Python


class CourseContentsManager(AsyncTextFileContentsManager):
    async def get(self, path, **kwargs):
        model = await super().get(path, **kwargs)
        if model.get("type") == "notebook" and model.get("content") is not None:
            metadata = model["content"]["metadata"]
            if (
                metadata.get("kernelspec", {}).get("name") == KERNEL
                and "language_info" not in metadata
            ):
                metadata["language_info"] = copy.deepcopy(IPythonKernel.language_info)
        return model
