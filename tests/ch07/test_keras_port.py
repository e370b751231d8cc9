"""The Keras port helpers: the backends Keras ships, weights carried into guide_mlp, Keras' Adam
written out, and (with Keras itself on the torch backend) the two frameworks agreeing from the same
start."""

import numpy as np
import pytest
import torch

from utils.ch07.checks_07 import keras_weights
from utils.ch07.keras_port import (
    KerasAdam,
    keras_backends,
    load_keras,
    torch_state_from_keras,
    train_in_order,
)
from utils.models import guide_mlp


def test_keras_ships_torch_jax_tensorflow_and_no_theano():
    backends = keras_backends()
    assert {"torch", "jax", "tensorflow"} <= set(backends)
    assert "theano" not in backends


def test_load_keras_rejects_an_unknown_backend():
    with pytest.raises(ValueError, match="theano"):
        load_keras("theano")


def test_state_from_keras_transposes_each_kernel_and_loads():
    weights = keras_weights((30, 64, 32, 1), seed=0)
    state = torch_state_from_keras(weights)
    model = guide_mlp(30)
    model.load_state_dict(state)
    x = np.random.default_rng(1).normal(size=(5, 30)).astype(np.float32)
    expected = (
        np.maximum(np.maximum(x @ weights[0] + weights[1], 0) @ weights[2] + weights[3], 0)
        @ weights[4]
        + weights[5]
    )
    assert np.allclose(model(torch.from_numpy(x)).detach().numpy(), expected, atol=1e-4)


def test_state_from_keras_needs_pairs():
    with pytest.raises(ValueError, match="pairs"):
        torch_state_from_keras(keras_weights((3, 2, 1))[:3])


def test_keras_adam_is_adam_with_epsilon_before_the_bias_correction():
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = KerasAdam([p], lr=0.1, eps=1e-7)
    m = v = torch.zeros(2)
    expected = p.detach().clone()
    for t, g in enumerate((torch.tensor([0.5, -1.0]), torch.tensor([0.2, 0.3])), start=1):
        p.grad = g.clone()
        opt.step()
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
        expected -= 0.1 * (1 - 0.999**t) ** 0.5 / (1 - 0.9**t) * m / (v.sqrt() + 1e-7)
    assert torch.allclose(p.detach(), expected, rtol=1e-6)


def test_keras_adam_differs_from_torch_adam_only_where_epsilon_matters():
    def run(make, grad_scale):
        p = torch.nn.Parameter(torch.ones(3))
        opt = make([p])
        for _ in range(3):
            p.grad = grad_scale * torch.tensor([1.0, -0.5, 0.25])
            opt.step()
        return p.detach()

    ours = lambda ps: KerasAdam(ps, lr=1e-3, eps=1e-7)
    theirs = lambda ps: torch.optim.Adam(ps, lr=1e-3, eps=1e-7)
    assert torch.allclose(
        run(ours, 1.0), run(theirs, 1.0), atol=1e-8
    )  # large gradients: ε negligible in both
    assert not torch.allclose(
        run(ours, 1e-7), run(theirs, 1e-7), atol=1e-6
    )  # tiny gradients: ε decides


def test_train_in_order_reports_a_falling_loss_per_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))
    y = (X[:, 0] > 0).astype(float)
    torch.manual_seed(0)
    model = guide_mlp(5, hidden=(8, 4))
    losses = train_in_order(
        model, X, y, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=5, batch_size=16
    )
    assert len(losses) == 5 and losses[-1] < losses[0]


def test_keras_on_torch_matches_the_port_from_the_same_start():
    keras = load_keras("torch")
    assert keras.backend.backend() == "torch"
    from utils.ch07.keras_port import guide_keras_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = guide_keras_model(keras, 6)
    start = model.get_weights()
    history = model.fit(
        X, y, epochs=3, batch_size=16, validation_split=0.2, shuffle=False, verbose=0
    )
    net = guide_mlp(6)
    net.load_state_dict(torch_state_from_keras(start))
    losses = train_in_order(
        net, X[:64], y[:64], KerasAdam(net.parameters()), epochs=3, batch_size=16
    )
    final = torch_state_from_keras(model.get_weights())
    assert max((net.state_dict()[k] - final[k]).abs().max().item() for k in final) < 1e-5
    assert np.allclose(losses, history.history["loss"], atol=1e-5)
