"""The hand-written NumPy network must agree with torch in float64: loss, gradients, SGD and
Adam."""

import numpy as np
import torch
from torch import nn

from utils.ch03 import numpy_mlp


def _torch_copy(params):
    layers = []
    for l in range(1, numpy_mlp.n_layers(params) + 1):
        W = params[f"W{l}"]
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(params[f"b{l}"]))
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _problem(seed=0, n=40, sizes=(5, 7, 4, 1)):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(float)
    return numpy_mlp.init_params(list(sizes), rng), X, y


def test_init_shapes_and_scale():
    params = numpy_mlp.init_params([300, 200, 1], np.random.default_rng(0))
    assert (
        params["W1"].shape == (200, 300)
        and params["b1"].shape == (200,)
        and params["W2"].shape == (1, 200)
    )
    assert abs(params["W1"].std() - np.sqrt(2 / 300)) < 0.01 * np.sqrt(2 / 300) * 5


def test_loss_and_gradients_match_autograd():
    params, X, y = _problem()
    loss, grads = numpy_mlp.loss_and_grads(params, X, y)
    model = _torch_copy(params)
    loss_t = nn.functional.binary_cross_entropy_with_logits(
        model(torch.from_numpy(X)).squeeze(1), torch.from_numpy(y)
    )
    loss_t.backward()
    assert abs(loss - loss_t.item()) < 1e-14
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for l, m in enumerate(linears, start=1):
        np.testing.assert_allclose(grads[f"W{l}"], m.weight.grad.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(grads[f"b{l}"], m.bias.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_bce_with_logits_is_stable_for_large_logits():
    assert np.isfinite(numpy_mlp.bce_with_logits(np.array([800.0, -800.0]), np.array([0.0, 1.0])))
    assert abs(numpy_mlp.bce_with_logits(np.array([40.0]), np.array([0.0])) - 40.0) < 1e-12


def _run_torch(model, optimiser, X, y, orders, batch_size):
    X, y, losses = torch.from_numpy(X), torch.from_numpy(y), []
    for order in orders:
        for s in range(0, len(order), batch_size):
            rows = torch.from_numpy(order[s : s + batch_size])
            loss = nn.functional.binary_cross_entropy_with_logits(
                model(X[rows]).squeeze(1), y[rows]
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
    return losses


def _gap(params, model):
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return max(
        np.abs(params[f"W{l}"] - m.weight.detach().numpy()).max()
        for l, m in enumerate(linears, start=1)
    )


def test_sgd_epochs_match_torch_sgd():
    params, X, y = _problem()
    orders = numpy_mlp.batch_orders(len(X), 5, seed=1)
    model = _torch_copy(params)
    for order in orders:
        params = numpy_mlp.sgd_epoch(params, X, y, order, 16, 0.1)
    _run_torch(model, torch.optim.SGD(model.parameters(), lr=0.1), X, y, orders, 16)
    assert _gap(params, model) < 1e-13


def test_adam_matches_torch_adam():
    params, X, y = _problem()
    orders = numpy_mlp.batch_orders(len(X), 10, seed=2)
    model = _torch_copy(params)
    new, losses = numpy_mlp.train_adam(params, X, y, orders, batch_size=16, lr=1e-2)
    losses_t = _run_torch(model, torch.optim.Adam(model.parameters(), lr=1e-2), X, y, orders, 16)
    assert np.abs(np.array(losses) - losses_t).max() < 1e-13
    assert _gap(new, model) < 1e-13


def test_sgd_epoch_does_not_edit_its_input_and_lowers_the_loss():
    params, X, y = _problem()
    before = {k: v.copy() for k, v in params.items()}
    new = params
    for order in numpy_mlp.batch_orders(len(X), 20, seed=0):
        new = numpy_mlp.sgd_epoch(new, X, y, order, 8, 0.1)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    assert numpy_mlp.bce_with_logits(numpy_mlp.forward(new, X)[0], y) < numpy_mlp.bce_with_logits(
        numpy_mlp.forward(params, X)[0], y
    )
    p = numpy_mlp.predict_proba(new, X)
    assert p.shape == (len(X),) and ((p > 0) & (p < 1)).all()
