"""Course tooling that no notebook imports: JupyterLab launcher, book build, learner copies,
notebook export."""

from pathlib import Path

ROOT = (
    Path(__file__).resolve().parent.parent
)  # the repository root, named once for every tool, test and script
