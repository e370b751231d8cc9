"""TensorBoard without a server: write event files with torch.utils.tensorboard, read them back with
TensorBoard's EventAccumulator, and build (and check) the command that serves them on 127.0.0.1
only."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
from torch import nn

RUNS = Path(__file__).resolve().parents[2] / "_build" / "runs"  # git-ignored, inside the project


def fresh_log_dir(name: str, root: Path | None = None) -> Path:
    """An empty folder for one run's event files: `_build/runs/<folder the kernel runs in>/<name>`.

    The kernel's folder (chapters/ or solutions/) keeps a learner's run and the solution's run
    apart.
    """
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"name the run with a plain folder name, not {name!r}")
    folder = (root or RUNS / Path.cwd().name) / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def log_epoch(writer, model: nn.Module, epoch: int, train_loss: float, val_loss: float) -> None:
    """Log one epoch: the two losses as scalars 'loss/train' and 'loss/validation', and a histogram
    of every parameter under 'parameters/<name>', all at step `epoch`."""
    writer.add_scalar("loss/train", train_loss, global_step=epoch)
    writer.add_scalar("loss/validation", val_loss, global_step=epoch)
    for name, parameter in model.named_parameters():
        writer.add_histogram(f"parameters/{name}", parameter.detach().cpu(), global_step=epoch)


def load_events(log_dir):
    """Every scalar and histogram event in `log_dir` (TensorBoard's EventAccumulator, nothing
    sampled away)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    if not Path(log_dir).is_dir():
        raise ValueError(f"{log_dir} is not a folder of event files")
    accumulator = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    return accumulator


def scalar_series(accumulator, tag: str) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of one scalar tag, in step order."""
    if tag not in accumulator.Tags()["scalars"]:
        raise ValueError(f"no scalar {tag!r}; the event files hold {accumulator.Tags()['scalars']}")
    events = sorted(accumulator.Scalars(tag), key=lambda e: e.step)
    return np.array([e.step for e in events]), np.array([e.value for e in events])


def histogram_series(accumulator, tag: str) -> list[dict]:
    """Each logged histogram of `tag`: its step, count, min, max, and the bucket edges and
    counts."""
    if tag not in accumulator.Tags()["histograms"]:
        raise ValueError(
            f"no histogram {tag!r}; the event files hold {accumulator.Tags()['histograms']}"
        )
    out = []
    for event in sorted(accumulator.Histograms(tag), key=lambda e: e.step):
        h = event.histogram_value
        out.append(
            {
                "step": event.step,
                "count": h.num,
                "min": h.min,
                "max": h.max,
                "edges": np.array(h.bucket_limit),
                "counts": np.array(h.bucket),
            }
        )
    return out


def graph_ops(accumulator) -> list[str]:
    """The operation of every node in the logged model graph (empty if no graph was logged)."""
    if not accumulator.Tags()["graph"]:
        return []
    return [node.op for node in accumulator.Graph().node]


def tensorboard_command(log_dir, port: int = 6006) -> list[str]:
    """The command that serves `log_dir` on this machine only (127.0.0.1), never on the network."""
    executable = Path(sys.executable).with_name("tensorboard")
    return [str(executable), "--logdir", str(log_dir), "--host", "127.0.0.1", "--port", str(port)]


def parsed_flags(command: list[str]):
    """TensorBoard's own parse of `command`'s flags (host, port, logdir, bind_all); no server is
    started."""
    from tensorboard import program

    board = program.TensorBoard()
    board.configure(argv=[None, *command[1:]])
    return board.flags
