import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from utils.ch03.deploy import export_onnx, onnx_logits, onnx_session, parity


def test_onnx_export_runs_with_onnxruntime_for_any_batch_size_and_matches_torch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1))
    X = np.random.default_rng(0).normal(size=(13, 6))
    with tempfile.TemporaryDirectory() as folder:
        path = export_onnx(model, 6, Path(folder) / "m.onnx")
        assert path.exists()
        session = onnx_session(path)
        assert onnx_logits(session, X).shape == (13, 1)
        assert onnx_logits(session, X[:1]).shape == (1, 1)
        assert parity(model, session, X) < 1e-5
    assert model.training  # the export works on a copy and leaves the model as it was
