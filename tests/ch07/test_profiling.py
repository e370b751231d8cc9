"""The profiled training step: same arithmetic as the trainer's step, phases reported by name,
operators counted."""

import pytest
import torch

from utils.models import guide_mlp
from utils.ch07.profiling import (
    PHASES,
    labelled_step,
    operators_in,
    phase_times,
    profile_table,
    quiet_profile,
    top_operators,
)
from utils.training import training_step


def _problem(seed=0):
    torch.manual_seed(seed)
    model = guide_mlp(5, hidden=(8, 4))
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(16, 5, generator=generator)
    y = (torch.rand(16, 1, generator=generator) < 0.5).float()
    return model, torch.optim.Adam(model.parameters(), lr=1e-2), X, y


def test_labelled_step_is_the_trainers_step():
    a, opt_a, X, y = _problem()
    b, opt_b, _, _ = _problem()
    for _ in range(3):
        loss_a, loss_b = labelled_step(a, opt_a, X, y), training_step(b, opt_b, X, y)
    assert torch.equal(loss_a, loss_b)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_profile_names_the_phases_and_counts_operators():
    model, opt, X, y = _problem()
    with quiet_profile("cpu") as prof:
        for _ in range(4):
            labelled_step(model, opt, X, y)
    times = phase_times(prof)
    assert set(times) == set(PHASES) and all(t > 0 for t in times.values())
    assert (
        operators_in(prof, "optimizer step") % 4 == 0 and operators_in(prof, "optimizer step") > 0
    )
    assert top_operators(prof, 3) and all(
        name not in PHASES for name, _, _ in top_operators(prof, 10)
    )
    assert "Self CPU" in profile_table(prof)


def test_fused_adam_runs_fewer_operators_per_step():
    counts = {}
    for fused in (False, True):
        model, _, X, y = _problem()
        opt = torch.optim.Adam(model.parameters(), lr=1e-2, fused=fused)
        labelled_step(model, opt, X, y)
        with quiet_profile("cpu") as prof:
            labelled_step(model, opt, X, y)
        counts[fused] = operators_in(prof, "optimizer step")
    assert counts[True] < counts[False]


def test_phase_times_says_when_the_step_was_not_labelled():
    model, opt, X, y = _problem()
    with quiet_profile("cpu") as prof:
        training_step(model, opt, X, y)
    with pytest.raises(ValueError, match="record_function"):
        phase_times(prof)


def test_phase_timer_times_each_phase_and_trains_like_the_trainer():
    from utils.ch07.profiling import PhaseTimer

    a, opt_a, X, y = _problem()
    b, opt_b, _, _ = _problem()
    timer = PhaseTimer("cpu")
    with pytest.raises(ValueError, match="no step"):
        timer.per_step()
    for _ in range(3):
        timer.step(a, opt_a, X, y)
        training_step(b, opt_b, X, y)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    per_step = timer.per_step()
    assert (
        set(per_step) == set(PHASES) and all(t >= 0 for t in per_step.values()) and timer.steps == 3
    )
    timer.reset()
    assert timer.steps == 0
