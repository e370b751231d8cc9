"""Deployment: ONNX export of a torch model, run with onnxruntime, and its parity against torch
measured."""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import warnings
from pathlib import Path

import numpy as np
import torch


def export_onnx(model: torch.nn.Module, n_features: int, path) -> Path:
    """Export a CPU, eval-mode, float32 copy of `model` to ONNX with a variable batch size; input
    'X', output 'logit'."""
    model = copy.deepcopy(model).cpu().float().eval()
    example = torch.zeros(2, n_features)
    batch = torch.export.Dim("batch", min=1)
    loggers = [
        logging.getLogger(name)
        for name in ("torch.onnx", "torch.onnx._internal.exporter._registration")
    ]
    levels = [logger.level for logger in loggers]
    # the exporter reports its progress and missing optional packages (torchvision); keep the
    # notebook quiet
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (example,),
                str(path),
                input_names=["X"],
                output_names=["logit"],
                dynamic_shapes=({0: batch},),
                dynamo=True,
                verbose=False,
            )
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
    return Path(path)


def onnx_session(path):
    """An onnxruntime inference session on the CPU."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_logits(session, X) -> np.ndarray:
    """Run the exported model on rows X (n × d); returns its output (n × 1) as float32."""
    return session.run(None, {"X": np.asarray(X, dtype=np.float32)})[0]


@torch.no_grad()
def parity(model: torch.nn.Module, session, X) -> float:
    """max |torch output − onnxruntime output| on the same float32 rows."""
    reference = (
        copy.deepcopy(model)
        .cpu()
        .float()
        .eval()(torch.as_tensor(np.asarray(X, dtype=np.float32)))
        .numpy()
    )
    return float(np.abs(reference - onnx_logits(session, X)).max())
