"""Open the course in JupyterLab: localhost only, a token, .md notebooks opened as notebooks, state
kept in the project.

    python -m tools.lab                       # what `make lab` runs
    python -m tools.lab --lang zh             # `make lab COURSE_LANG=zh`: the Chinese edition
    python -m tools.lab --port 8890 --no-browser

The token travels in the environment (JUPYTER_TOKEN), never on the command line, where any local
user can read it with `ps`. The launcher then becomes JupyterLab (exec): a signal sent to it reaches
JupyterLab, which stops its kernels.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from tools import ROOT
from utils.i18n import EDITIONS, UnknownLanguage, edition_code

STATE = (
    ROOT / ".jupyter"
)  # git-ignored: Jupyter, IPython and matplotlib write here, not in the home directory
FIRST_NOTEBOOK = "chapters/01_background.md"


def first_notebook(lang: str | None = None) -> str:
    """The notebook JupyterLab opens first: chapter 1 of the English learner copies, or of an
    edition's (`locales/zh_CN/chapters/01_background.md`)."""
    try:
        code = edition_code(lang or "en")
    except UnknownLanguage as error:
        raise SystemExit(str(error)) from None
    return FIRST_NOTEBOOK if code == "en" else f"locales/{EDITIONS[code]}/{FIRST_NOTEBOOK}"


def state_environment(state: Path = STATE) -> dict[str, str]:
    """Environment variables that keep Jupyter/IPython/matplotlib state under `state`."""
    folders = {
        "JUPYTER_CONFIG_DIR": state / "config",
        "JUPYTER_DATA_DIR": state / "data",
        "JUPYTER_RUNTIME_DIR": state / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": state / "lab" / "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": state / "lab" / "workspaces",
        "IPYTHONDIR": state / "ipython",
        "MPLCONFIGDIR": state / "matplotlib",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {name: str(folder) for name, folder in folders.items()}


# Never ask to fetch news from the internet (the course is offline-first), and start the notebook's
# kernel without a "Select Kernel" dialog.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
}


def set_default_viewer(prefix: Path = Path(sys.prefix)) -> Path:
    """Make JupyterLab open .md notebooks with Jupytext's notebook view, in this environment's lab
    config."""
    settings = prefix / "etc" / "jupyter" / "labconfig" / "default_setting_overrides.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    jupytext_config = Path(sys.executable).with_name("jupytext-config")
    subprocess.run(
        [str(jupytext_config), "--settings-file", str(settings), "set-default-viewer"],
        check=True,
        capture_output=True,
    )
    overrides = json.loads(settings.read_text(encoding="utf-8"))
    overrides.update(LAB_OVERRIDES)
    settings.write_text(json.dumps(overrides, indent=2), encoding="utf-8")
    return settings


def lab_command(
    root_dir: Path,
    port: int | None = None,
    open_browser: bool = True,
    first: str = FIRST_NOTEBOOK,
) -> list[str]:
    """The `jupyter lab` command line: bound to 127.0.0.1, on a fresh workspace showing chapter 1.
    No token: see lab_environment."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.ip=127.0.0.1",
        # Jupytext's contents manager, giving each notebook the language_info its kernel will report
        # (see it).
        "--ServerApp.contents_manager_class=tools.lab_contents.CourseContentsManager",
        f"--LabApp.default_url=/lab/tree/{first}",
    ]
    if port:
        command.append(f"--ServerApp.port={port}")
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI often run as root
    return command


def lab_environment(token: str, state: Path = STATE) -> dict[str, str]:
    """JupyterLab's environment: the project's state folders and the token (only the same user can
    read /proc/PID/environ)."""
    if len(token) < 32:
        raise ValueError(
            "a JupyterLab token needs at least 32 characters; secrets.token_hex(24) makes one"
        )
    return {**os.environ, **state_environment(state), "JUPYTER_TOKEN": token}


def first_free_port(start: int = 8888) -> int:
    """The first port from `start` on that 127.0.0.1 can bind."""
    for port in range(start, start + 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {start} and {start + 99}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Open the course in JupyterLab.")
    parser.add_argument("--port", type=int, help="default: the first free port from 8888")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument(
        "--lang",
        default=os.environ.get("COURSE_LANG") or None,
        help="the edition to open: en (default) or zh; default from COURSE_LANG",
    )
    args = parser.parse_args(argv)
    first = first_notebook(args.lang)
    set_default_viewer()
    port, token = args.port or first_free_port(), secrets.token_hex(24)
    env = lab_environment(token)
    print(
        "Opening the course in JupyterLab (stop it with Ctrl-C). If no browser opens, visit:\n"
        f"    http://127.0.0.1:{port}/lab/tree/{first}?token={token}\n",
        flush=True,
    )
    os.chdir(ROOT)
    command = lab_command(ROOT, port=port, open_browser=not args.no_browser, first=first)
    os.execve(
        command[0], command, env
    )  # this process becomes JupyterLab: same pid, signals reach it


if __name__ == "__main__":
    main()
