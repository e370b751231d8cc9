"""`make lab`'s launcher: the token never shows in the process list, and a signal to it leaves no
JupyterLab or kernel."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.tools.browser import free_port, wait_for_http
from tools import ROOT


def children(pid: int) -> set[int]:
    """Every live descendant of `pid`, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True for a running process (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


@pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)"
)
@pytest.mark.parametrize(
    "stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP (terminal closed)"]
)
def test_lab_launcher_hides_its_token_and_a_signal_stops_lab_and_kernels(tmp_path, stop):
    port, log = free_port(), tmp_path / "lab.log"
    env = {key: value for key, value in os.environ.items() if key != "JUPYTER_TOKEN"}
    with log.open("w") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "tools.lab", "--port", str(port), "--no-browser"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while not (match := re.search(r"token=([0-9a-f]{48})", log.read_text())):
            assert launcher.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        token = match.group(1)
        wait_for_http(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=90)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/kernels",
            data=json.dumps({"name": "python3"}).encode(),
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 201
        deadline = time.monotonic() + 30
        while len(started := children(launcher.pid)) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert started, "no kernel process appeared"
        # The launcher became JupyterLab (same pid), and neither it nor the kernel shows the token
        # to `ps`.
        assert "jupyterlab" in command_line(launcher.pid)
        for pid in {launcher.pid, *started}:
            assert token not in command_line(pid), (
                f"the token is visible in the command line of process {pid}"
            )

        launcher.send_signal(stop)
        launcher.wait(timeout=30)
        deadline = time.monotonic() + 20
        while (left := [pid for pid in started if alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"still running after {stop.name}: " + "; ".join(
            command_line(pid) for pid in left
        )
    finally:
        for pid in [launcher.pid, *started]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        launcher.wait(timeout=10)


def test_make_lab_course_lang_opens_that_editions_chapter_1():
    from tools import ROOT
    from tools.lab import FIRST_NOTEBOOK, first_notebook

    assert first_notebook(None) == first_notebook("en") == FIRST_NOTEBOOK
    assert first_notebook("zh") == "locales/zh_CN/chapters/01_background.md"
    assert (ROOT / first_notebook("zh")).exists()
    with pytest.raises(SystemExit, match="COURSE_LANG='fr' names no edition"):
        first_notebook("fr")
