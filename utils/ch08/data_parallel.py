"""Data parallelism on torch.distributed: the worker that `torchrun` starts on every rank, and a
launcher that starts it from a notebook and stops every process it started, even when the cell
fails.

    python -m torch.distributed.run --standalone --nproc_per_node=2 -m utils.ch08.data_parallel
    --out DIR

The backend is gloo on CPUs and NCCL when every rank has its own CUDA GPU; nothing else in the
script changes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from utils.models import guide_mlp

ROOT = Path(__file__).resolve().parents[2]
TIMING_MODELS = {"guide MLP (64-32-1)": (64, 32), "wide MLP (512-512-1)": (512, 512)}


# ---------------------------------------- the problem every rank builds identically


def check_shardable(batch_size: int, world_size: int) -> None:
    """Raise a ValueError unless `batch_size` rows split into `world_size` equal, non-empty
    shards."""
    if world_size < 1:
        raise ValueError(f"The world size must be at least 1 process; got {world_size}.")
    if batch_size < 1:
        raise ValueError(f"The batch must hold at least one row; got batch_size={batch_size}.")
    if world_size > batch_size:
        raise ValueError(
            f"A world size of {world_size} is larger than the batch of {batch_size} rows: every "
            "rank needs at least "
            f"one row. Use a batch of at least {world_size} rows, or fewer processes."
        )
    if batch_size % world_size:
        raise ValueError(
            f"A batch of {batch_size} rows does not split evenly over {world_size} ranks. DDP "
            "averages the ranks' "
            "mean gradients, which equals the full-batch mean only when the shards are equal: use "
            "a batch size "
            f"that is a multiple of {world_size}."
        )


def shard(batch_size: int, rank: int, world_size: int) -> slice:
    """The contiguous rows of a batch that `rank` of `world_size` processes."""
    check_shardable(batch_size, world_size)
    size = batch_size // world_size
    return slice(rank * size, (rank + 1) * size)


def breast_cancer_tensors(dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """Chapter 5's 455 training rows, standardised, as (X (455 × 30), y (455 × 1))."""
    from utils.data import (
        breast_cancer_split,
        standardise_splits,
    )  # here: the workers never import scikit-learn

    data = breast_cancer_split(test_size=0.2, seed=0)
    (X_train,) = standardise_splits(data["X_train"])
    X = torch.tensor(X_train, dtype=dtype)
    y = torch.tensor(data["y_train"], dtype=dtype).reshape(-1, 1)
    return X, y


def make_model(
    seed: int = 0, hidden: tuple[int, ...] = (64, 32), dtype: torch.dtype = torch.float64
) -> nn.Module:
    """The guide's classifier (chapter 5), initialised from `seed`: the same weights in every
    process."""
    torch.manual_seed(seed)
    return guide_mlp(30, hidden=hidden).to(dtype)


def flat_gradient(model: nn.Module) -> torch.Tensor:
    """All parameter gradients, concatenated into one vector."""
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


def flat_parameters(model: nn.Module) -> torch.Tensor:
    """All parameters, concatenated into one detached vector on the CPU."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).cpu()


def mean_loss_gradient(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The gradient of the mean binary cross-entropy over the rows (X, y), flattened."""
    model.zero_grad(set_to_none=True)
    F.binary_cross_entropy_with_logits(model(X), y).backward()
    return flat_gradient(model).detach()


def batch_rows(n_rows: int, batch_size: int, steps: int, seed: int) -> list[torch.Tensor]:
    """For each step, the rows of that step's batch: the first `batch_size` of a fresh seeded
    permutation."""
    generator = torch.Generator().manual_seed(seed)
    return [torch.randperm(n_rows, generator=generator)[:batch_size] for _ in range(steps)]


# ---------------------------------------- one process, and the same with DDP


def train_one_process(
    model: nn.Module, X, y, *, steps: int, batch_size: int, lr: float, seed: int
) -> nn.Module:
    """Plain SGD, one process, each step on the whole batch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for rows in batch_rows(len(X), batch_size, steps, seed):
        optimizer.zero_grad(set_to_none=True)
        F.binary_cross_entropy_with_logits(model(X[rows]), y[rows]).backward()
        optimizer.step()
    return model


def allreduced_gradient(
    model: nn.Module, X, y, rank: int, world_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(this rank's gradient on its shard of the batch (X, y), the gradient after all_reduce(SUM) /
    world size)."""
    local = mean_loss_gradient(
        model, X[shard(len(X), rank, world_size)], y[shard(len(X), rank, world_size)]
    )
    total = local.clone()
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return local, total / world_size


def train_ddp(
    model: nn.Module,
    X,
    y,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
    rank: int,
    world_size: int,
    device_ids=None,
) -> nn.Module:
    """The same SGD run with DistributedDataParallel: each rank computes on its shard of every
    batch, and DDP averages the gradients across ranks during backward()."""
    ddp = nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)
    part = shard(batch_size, rank, world_size)
    for rows in batch_rows(len(X), batch_size, steps, seed):
        rows = rows[part]
        optimizer.zero_grad(set_to_none=True)
        F.binary_cross_entropy_with_logits(ddp(X[rows]), y[rows]).backward()
        optimizer.step()
    return ddp.module


# ---------------------------------------------------------------- timing


def step_seconds(
    model: nn.Module,
    X,
    y,
    *,
    steps: int,
    batch_size: int,
    rank: int,
    world_size: int,
    distributed: bool,
) -> tuple[float, float, float]:
    """Wall time of one SGD step on a batch of `batch_size` rows (this rank's share of it under
    DDP), after three warm-up steps: the lower quartile, the median and the upper quartile of
    `steps` steps. The median shrugs off a step slowed by another program; the quartiles show the
    spread."""
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    optimizer = torch.optim.SGD(net.parameters(), lr=1e-3)
    part = shard(batch_size, rank, world_size)
    times = []
    for number, rows in enumerate(batch_rows(len(X), batch_size, steps + 3, seed=1)):
        if distributed:
            dist.barrier()
        started = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        F.binary_cross_entropy_with_logits(net(X[rows[part]]), y[rows[part]]).backward()
        optimizer.step()
        if X.is_cuda:
            torch.cuda.synchronize(X.device)
        if number >= 3:
            times.append(time.perf_counter() - started)
    low, median, high = np.percentile(times, [25, 50, 75])
    return float(low), float(median), float(high)


def seconds_per_allreduce(
    numel: int, repeats: int = 20, device: torch.device | str = "cpu"
) -> float:
    """Median wall time of one all_reduce of `numel` float32 numbers across the ranks (on `device`:
    CUDA for NCCL)."""
    buffer = torch.ones(numel, dtype=torch.float32, device=device)
    dist.all_reduce(buffer)
    times = []
    for _ in range(repeats):
        dist.barrier()
        started = time.perf_counter()
        dist.all_reduce(buffer)
        if buffer.is_cuda:
            torch.cuda.synchronize(buffer.device)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


# ---------------------------------------------------------------- the worker's main


def _watch_parent(deadline_s: float) -> None:
    """Exit this worker if its launcher disappears or the deadline passes, so that no process
    outlives a run."""
    parent, started = os.getppid(), time.monotonic()

    def watch():
        while True:
            if os.getppid() != parent or time.monotonic() - started > deadline_s:
                os._exit(3)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def pick_backend(world_size: int) -> str:
    """NCCL when every local rank can have a CUDA GPU of its own, gloo otherwise."""
    return (
        "nccl" if dist.is_nccl_available() and torch.cuda.device_count() >= world_size else "gloo"
    )


def rank_device(backend: str) -> torch.device:
    """Pin this rank to its device: under NCCL, GPU number LOCAL_RANK (set by torchrun), one GPU per
    rank on each machine; under gloo, the CPU."""
    if backend != "nccl":
        return torch.device("cpu")
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    torch.cuda.set_device(device)
    return device


def worker(args: argparse.Namespace) -> dict:
    """Run the requested experiments on this rank and return its results (plain tensors and
    numbers)."""
    rank, world_size, backend = dist.get_rank(), dist.get_world_size(), dist.get_backend()
    device = rank_device(backend)
    results: dict = {
        "rank": rank,
        "world_size": world_size,
        "backend": backend,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "pid": os.getpid(),
    }
    data = torch.load(args.data, weights_only=True)  # every rank reads the same rows
    X, y = data["X"].to(device), data["y"].to(device)
    experiments = set(args.experiments.split(","))
    if "gradient" in experiments:
        results.update(_gradient_experiment(args, X, y, rank, world_size))
    if "ddp" in experiments:
        results.update(_ddp_experiment(args, X, y, rank, world_size, device))
    if "timing" in experiments:
        results.update(_timing_experiment(args, X, y, rank, world_size, device))
    return results


def _gradient_experiment(args, X, y, rank: int, world_size: int) -> dict:
    """This rank's gradient on its shard of the first batch, and the all-reduced average."""
    model = make_model(args.seed).to(X.device)
    local, reduced = allreduced_gradient(
        model, X[: args.batch_size], y[: args.batch_size], rank, world_size
    )
    return {"local_gradient": local.cpu(), "allreduced_gradient": reduced.cpu()}


def _ddp_experiment(args, X, y, rank: int, world_size: int, device: torch.device) -> dict:
    """The weights before and after `args.steps` steps of DDP training."""
    model = make_model(args.seed).to(device)
    initial = flat_parameters(model)
    train_ddp(
        model,
        X,
        y,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        rank=rank,
        world_size=world_size,
        device_ids=[device.index] if device.type == "cuda" else None,
    )
    return {"initial_parameters": initial, "ddp_parameters": flat_parameters(model)}


def _timing_experiment(args, X, y, rank: int, world_size: int, device: torch.device) -> dict:
    """Seconds per SGD step for each of TIMING_MODELS (and, with one rank, with more threads): the
    median, and the quartiles; and the median seconds per all-reduce of each model's gradient."""
    X32, y32 = X.float(), y.float()
    thread_counts = [torch.get_num_threads()] + (
        [args.also_threads] if args.also_threads and world_size == 1 else []
    )
    quartiles, allreduce, parameters = {}, {}, {}
    for threads in thread_counts:
        torch.set_num_threads(threads)
        for name, hidden in TIMING_MODELS.items():
            model = make_model(args.seed, hidden, torch.float32).to(device)
            key = f"{name}, {threads} thread{'s' if threads > 1 else ''}"
            quartiles[key] = step_seconds(
                model,
                X32,
                y32,
                steps=args.timing_steps,
                batch_size=args.timing_batch,
                rank=rank,
                world_size=world_size,
                distributed=world_size > 1,
            )
    for name, hidden in TIMING_MODELS.items():
        numel = sum(p.numel() for p in make_model(args.seed, hidden, torch.float32).parameters())
        allreduce[name] = seconds_per_allreduce(numel, device=device) if world_size > 1 else 0.0
        parameters[name] = numel
    return {
        "seconds_per_step": {key: median for key, (_, median, _) in quartiles.items()},
        "step_quartiles": quartiles,
        "seconds_per_allreduce": allreduce,
        "parameters": parameters,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="folder where each rank writes rank<N>.pt")
    parser.add_argument(
        "--data", required=True, help="a file saved with torch.save holding float64 tensors X and y"
    )
    parser.add_argument("--experiments", default="gradient,ddp,timing")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timing-steps", type=int, default=10)
    parser.add_argument("--timing-batch", type=int, default=256)
    parser.add_argument(
        "--also-threads",
        type=int,
        default=0,
        help="with one process, also time with this many threads",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=120.0,
        help="seconds after which a worker exits regardless",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """What torchrun runs in every process: join the group, run this rank's work, save it."""
    args = _parser().parse_args(argv)
    _watch_parent(args.deadline)
    world_size = int(os.environ.get("WORLD_SIZE", 1))  # torchrun sets WORLD_SIZE, RANK, LOCAL_RANK
    check_shardable(args.batch_size, world_size)
    if "timing" in args.experiments.split(","):
        check_shardable(args.timing_batch, world_size)
    dist.init_process_group(  # reads RANK, WORLD_SIZE and the rendezvous address from torchrun
        pick_backend(world_size), timeout=datetime.timedelta(seconds=args.deadline)
    )
    try:
        results = worker(args)
        torch.save(results, Path(args.out) / f"rank{dist.get_rank()}.pt")
        dist.barrier()
    finally:
        dist.destroy_process_group()


# ---------------------------------------------------------------- the launcher the notebook calls


def _stop(process: subprocess.Popen) -> None:
    """Stop torchrun and, through it, its workers: SIGTERM first (torchrun then ends its workers),
    SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL) if hasattr(os, "killpg") else process.kill()
        except ProcessLookupError:
            pass
        process.wait()


def _failure_message(returncode: int, output: str) -> str:
    """What went wrong, in a few lines: the workers' exceptions first, then torchrun's last
    lines."""
    lines = output.strip().splitlines()
    pattern = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b")
    errors = list(dict.fromkeys(line.strip() for line in lines if pattern.match(line.strip())))
    hint = ""
    if "Address already in use" in output or "EADDRINUSE" in output:
        hint = " A port was busy: --standalone picks a free one, so simply run the cell again."
    found = ("\nThe workers raised:\n" + "\n".join(errors[:3])) if errors else ""
    tail = "\n".join(lines[-8:])
    return (
        f"torchrun failed with exit code {returncode}.{hint}{found}\ntorchrun's last lines:\n{tail}"
    )


def launch(
    nproc: int, X: torch.Tensor, y: torch.Tensor, worker_args: list[str], *, timeout: float = 90.0
) -> tuple[list[dict], str]:
    """Run `torchrun --standalone --nproc_per_node=nproc -m` on this module on the rows (X, y) with
    `worker_args`; return each rank's results and torchrun's output. Every process is stopped if the
    run fails, times out or is interrupted."""
    if nproc < 1:
        raise ValueError(f"nproc must be at least 1; got {nproc}.")
    with tempfile.TemporaryDirectory(prefix="data_parallel_") as out:
        data = Path(out) / "data.pt"
        torch.save(
            {
                "X": torch.as_tensor(X, dtype=torch.float64),
                "y": torch.as_tensor(y, dtype=torch.float64),
            },
            data,
        )
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc_per_node={nproc}",
            "-m",
            __spec__.name,
            "--out",
            out,
            "--data",
            str(data),
            "--deadline",
            str(timeout),
            *worker_args,
        ]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "OMP_NUM_THREADS": "1",
        }
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise RuntimeError(
                f"torchrun did not finish within {timeout:g} s; all its processes were stopped. "
                "The machine may be busy: run the cell again, or pass a larger timeout."
            ) from None
        finally:
            _stop(process)
        if process.returncode != 0:
            raise RuntimeError(_failure_message(process.returncode, output))
        results = [
            torch.load(Path(out) / f"rank{rank}.pt", weights_only=True) for rank in range(nproc)
        ]
    return results, output


def run_data_parallel(
    world_size: int,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    experiments: tuple[str, ...] = ("gradient", "ddp", "timing"),
    batch_size: int = 64,
    steps: int = 20,
    lr: float = 0.1,
    seed: int = 0,
    timing_steps: int = 10,
    timing_batch: int = 256,
    also_threads: int = 0,
    timeout: float = 90.0,
) -> list[dict]:
    """Check the arguments here, where a mistake is easy to read, then launch `world_size` ranks on
    the rows (X (n × 30), y (n × 1)); return their results, one dict per rank."""
    unknown = set(experiments) - {"gradient", "ddp", "timing"}
    if unknown:
        raise ValueError(
            f"Unknown experiments {sorted(unknown)}; choose from gradient, ddp, timing."
        )
    sizes = {
        "batch_size": batch_size,
        **({"timing_batch": timing_batch} if "timing" in experiments else {}),
    }
    for name, size in sizes.items():
        check_shardable(size, world_size)
        if size > len(X):
            raise ValueError(
                f"{name}={size} is larger than the {len(X)} rows of data; use at most {len(X)}."
            )
    args = [
        "--experiments",
        ",".join(experiments),
        "--batch-size",
        str(batch_size),
        "--steps",
        str(steps),
        "--lr",
        str(lr),
        "--seed",
        str(seed),
        "--timing-steps",
        str(timing_steps),
        "--timing-batch",
        str(timing_batch),
        "--also-threads",
        str(also_threads),
    ]
    results, _ = launch(world_size, X, y, args, timeout=timeout)
    return results


if __name__ == "__main__":
    main()
