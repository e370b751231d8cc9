"""The NumPy optimisers, schedule and clipping agree with torch in float64, step by step."""

import warnings

import numpy as np
import pytest
import torch

from utils.ch03 import optimisers as O

rng = np.random.default_rng(0)
PARAMS = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
GRADS = [
    {k: rng.normal(size=v.shape) * scale for k, v in PARAMS.items()}
    for scale in np.geomspace(1e-3, 10, 25)
]

PAIRS = {
    "SGD": (lambda p: O.SGD(p, lr=0.1), lambda t: torch.optim.SGD(t, lr=0.1)),
    "SGD + weight decay": (
        lambda p: O.SGD(p, lr=0.1, weight_decay=0.05),
        lambda t: torch.optim.SGD(t, lr=0.1, weight_decay=0.05),
    ),
    "momentum": (
        lambda p: O.SGD(p, lr=0.05, momentum=0.9),
        lambda t: torch.optim.SGD(t, lr=0.05, momentum=0.9),
    ),
    "RMSProp": (lambda p: O.RMSProp(p, lr=1e-2), lambda t: torch.optim.RMSprop(t, lr=1e-2)),
    "RMSProp, alpha and eps": (
        lambda p: O.RMSProp(p, lr=1e-3, alpha=0.9, eps=1e-6),
        lambda t: torch.optim.RMSprop(t, lr=1e-3, alpha=0.9, eps=1e-6),
    ),
    "Adam": (lambda p: O.Adam(p, lr=1e-2), lambda t: torch.optim.Adam(t, lr=1e-2)),
    "Adam, betas": (
        lambda p: O.Adam(p, lr=1e-2, betas=(0.8, 0.99), eps=1e-6),
        lambda t: torch.optim.Adam(t, lr=1e-2, betas=(0.8, 0.99), eps=1e-6),
    ),
    "Adam + L2": (
        lambda p: O.Adam(p, lr=1e-2, weight_decay=0.1),
        lambda t: torch.optim.Adam(t, lr=1e-2, weight_decay=0.1),
    ),
    "AdamW": (
        lambda p: O.AdamW(p, lr=1e-2, weight_decay=0.1),
        lambda t: torch.optim.AdamW(t, lr=1e-2, weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("name", PAIRS)
def test_each_step_matches_torch_optim(name):
    make_mine, make_torch = PAIRS[name]
    mine = {k: v.copy() for k, v in PARAMS.items()}
    theirs = {k: torch.tensor(v) for k, v in PARAMS.items()}
    optimiser, torch_optimiser = make_mine(mine), make_torch(list(theirs.values()))
    for grads in GRADS:
        before = {k: v.copy() for k, v in mine.items()}
        mine = optimiser.step(mine, grads)
        for k, t in theirs.items():
            t.grad = torch.from_numpy(grads[k])
        torch_optimiser.step()
        for k in mine:
            np.testing.assert_allclose(mine[k], theirs[k].numpy(), rtol=0, atol=1e-14)
            assert not np.array_equal(mine[k], before[k])


def test_step_leaves_its_inputs_unchanged():
    params = {k: v.copy() for k, v in PARAMS.items()}
    grads = {k: v.copy() for k, v in GRADS[0].items()}
    for optimiser in (
        O.SGD(params, 0.1, momentum=0.9),
        O.RMSProp(params),
        O.Adam(params),
        O.AdamW(params),
    ):
        optimiser.step(params, grads)
        for k in PARAMS:
            np.testing.assert_array_equal(params[k], PARAMS[k])
            np.testing.assert_array_equal(grads[k], GRADS[0][k])


def test_adam_update_first_step_moves_each_weight_by_lr():
    p, g = rng.normal(size=10), rng.normal(size=10)
    new, m, v = O.adam_update(p, g, np.zeros(10), np.zeros(10), t=1, lr=1e-3)
    np.testing.assert_allclose(p - new, 1e-3 * np.sign(g), rtol=1e-4)
    np.testing.assert_allclose(m, 0.1 * g)
    np.testing.assert_allclose(v, 0.001 * g**2)
    with pytest.raises(ValueError, match="counts from 1"):
        O.adam_update(p, g, m, v, t=0)


def test_adamw_decays_every_weight_by_the_same_factor_and_adam_l2_does_not():
    start = {"w": np.array([1.0, 1.0])}
    noise = 10.0 * np.random.default_rng(3).normal(size=200)

    def run(optimiser):
        w = start
        for g in noise:
            w = optimiser.step(w, {"w": np.array([g, 0.0])})
        return w["w"]

    free = run(O.Adam(start, lr=0.01))
    adamw = run(O.AdamW(start, lr=0.01, weight_decay=1.0))
    adam_l2_small, adam_l2_large = (
        run(O.Adam(start, lr=0.01, weight_decay=1e-4)),
        run(O.Adam(start, lr=0.01, weight_decay=1.0)),
    )
    assert free[1] == 1.0
    assert adamw[1] == pytest.approx(0.99**200, rel=1e-12)
    assert abs(adam_l2_small[1]) < 0.05 and abs(adam_l2_large[1]) < 0.05  # driven to 0 whatever λ
    assert (free[0] - adam_l2_large[0]) < 0.5 * (
        free[0] - adamw[0]
    )  # the busy weight decays much less


def test_warmup_cosine_matches_torch_schedulers():
    total, warmup, peak, floor = 120, 12, 0.3, 0.01
    holder = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=peak)
    schedule = torch.optim.lr_scheduler.SequentialLR(
        holder,
        [
            torch.optim.lr_scheduler.LinearLR(
                holder, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1
            ),
            torch.optim.lr_scheduler.CosineAnnealingLR(holder, T_max=total - warmup, eta_min=floor),
        ],
        milestones=[warmup],
    )
    theirs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(total):
            theirs.append(holder.param_groups[0]["lr"])
            holder.step()
            schedule.step()
    ours = [O.warmup_cosine(step, total, warmup, peak, floor) for step in range(total)]
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14)
    assert ours[warmup] == peak and O.warmup_cosine(0, total, 0, peak) == peak
    with pytest.raises(ValueError, match="warmup_steps < total_steps"):
        O.warmup_cosine(0, 10, 10, peak)


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clipping_matches_clip_grad_norm(max_norm):
    grads = [rng.normal(size=(3, 3)), rng.normal(size=5), 4.0 * rng.normal(size=(2, 2, 2))]
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.from_numpy(g.copy())
    total = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    assert O.global_norm(grads) == pytest.approx(total.item(), rel=1e-14)
    for ours, t in zip(O.clip_by_global_norm(grads, max_norm), tensors):
        np.testing.assert_allclose(ours, t.grad.numpy(), rtol=0, atol=1e-15)
    as_dict = O.clip_by_global_norm(dict(enumerate(grads)), max_norm)
    assert list(as_dict) == [0, 1, 2]
    with pytest.raises(ValueError, match="max_norm"):
        O.clip_by_global_norm(grads, 0.0)


def test_a_bad_learning_rate_is_refused():
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning rate"):
            O.Adam(PARAMS, lr=bad)
