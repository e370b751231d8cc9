"""Notebook kernels that listen on Unix socket files (ZeroMQ's ipc transport), not TCP ports.

With TCP, jupyter_client picks five free ports, closes them, and the kernel binds them a moment
later: two kernels started at the same time (two pytest-xdist workers, say) can take the same port,
and the client then waits for replies that never come. A socket file named after the kernel's own
id cannot collide.
"""

from __future__ import annotations

import os
import uuid

from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.paths import jupyter_runtime_dir


def _socket_path() -> str:
    # Absolute and unique: jupyter_client's default ("kernel-ipc") is relative, so a kernel started
    # in a notebook's folder and its client would look for the sockets in different places.
    return os.path.join(jupyter_runtime_dir(), f"kernel-{uuid.uuid4().hex[:12]}")


class SocketFileKernelManager(KernelManager):
    """A KernelManager (nbval's) whose kernel listens on socket files."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", _socket_path())
        super().__init__(**kwargs)


class AsyncSocketFileKernelManager(AsyncKernelManager):
    """The same for nbclient's NotebookClient, which drives an AsyncKernelManager."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", _socket_path())
        super().__init__(**kwargs)
