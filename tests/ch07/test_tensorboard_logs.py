"""TensorBoard without a server: event files written and read back, and the command bound to
127.0.0.1."""

import numpy as np
import pytest
import torch
from torch.utils.tensorboard import SummaryWriter

from utils.models import guide_mlp
from utils.ch07.tensorboard_logs import (
    fresh_log_dir,
    graph_ops,
    histogram_series,
    load_events,
    log_epoch,
    parsed_flags,
    scalar_series,
    tensorboard_command,
)


def test_fresh_log_dir_is_empty_and_named_plainly(tmp_path):
    folder = fresh_log_dir("run", root=tmp_path)
    (folder / "old").write_text("x")
    assert list(fresh_log_dir("run", root=tmp_path).iterdir()) == []
    for bad in ("", "../up", ".hidden"):
        with pytest.raises(ValueError):
            fresh_log_dir(bad, root=tmp_path)


def test_logged_epochs_read_back(tmp_path):
    torch.manual_seed(0)
    model = guide_mlp(4, hidden=(3,))
    writer = SummaryWriter(tmp_path)
    writer.add_graph(model, torch.zeros(1, 4))
    for epoch, (train, val) in enumerate([(0.7, 0.8), (0.5, 0.6), (0.4, 0.45)]):
        log_epoch(writer, model, epoch, train, val)
    writer.close()
    events = load_events(tmp_path)
    steps, values = scalar_series(events, "loss/validation")
    assert steps.tolist() == [0, 1, 2] and np.allclose(values, [0.8, 0.6, 0.45])
    weights = histogram_series(events, "parameters/0.weight")
    assert [h["step"] for h in weights] == [0, 1, 2]
    assert weights[0]["count"] == 12 and np.isclose(weights[0]["min"], model[0].weight.min().item())
    assert graph_ops(events).count("aten::linear") == 2
    with pytest.raises(ValueError, match="loss/test"):
        scalar_series(events, "loss/test")
    with pytest.raises(ValueError, match="not a folder"):
        load_events(tmp_path / "missing")


def test_command_binds_to_localhost_only(tmp_path):
    command = tensorboard_command(tmp_path, port=6123)
    flags = parsed_flags(command)
    assert flags.host == "127.0.0.1" and flags.port == 6123 and not flags.bind_all
    assert flags.logdir == str(tmp_path)
