"""nbval's kernels must not race for TCP ports: conftest makes them listen on Unix socket files of
their own."""

import os

import nbval.kernel


def test_nbval_kernels_use_socket_files_with_absolute_unique_paths():
    first, second = nbval.kernel.KernelManager(), nbval.kernel.KernelManager()
    assert first.transport == second.transport == "ipc"
    assert os.path.isabs(first.ip) and first.ip != second.ip
    assert len(first.ip) + len("-65535") < 100, "a Unix socket path must stay under about 100 bytes"
