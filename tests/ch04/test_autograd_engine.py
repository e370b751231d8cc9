"""The scalar engine and the hand-written torch Functions agree with torch.autograd in float64."""

import math

import numpy as np
import pytest
import torch

from utils.ch04 import autograd_engine as engine
from utils.ch04.autograd_engine import (
    HalfSquaredErrorFunction,
    LinearFunction,
    SigmoidFunction,
    Value,
    as_values,
    data_of,
    graph_table,
    grads_of,
    hand_net_loss,
    topological_order,
    using_rules,
    zero_grad,
)
from utils.ch04.backprop import initial_parameters, net_backward, net_loss

EXPRESSIONS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub and neg": lambda a, b: a - b * 2.0 - (-a),
    "div": lambda a, b: a / b + 3.0 / b,
    "pow": lambda a, b: a**3 + b**-2 + (a * a) ** 0.5,
    "exp and log": lambda a, b: (a * b).exp() + (b * b + 1).log(),
    "tanh": lambda a, b: (a * b).tanh(),
    "relu": lambda a, b: (a - b).relu() + (b - a).relu() * 2,
    "sigmoid": lambda a, b: (a * 2 + b).sigmoid(),
    "fan-out": lambda a, b: a * a * a + a * b + b,
}


@pytest.mark.parametrize("name", EXPRESSIONS)
@pytest.mark.parametrize("point", [(0.7, -1.3), (-2.1, 0.4), (1.5, 2.5)])
def test_gradients_match_torch_autograd(name, point):
    f = EXPRESSIONS[name]
    a, b = Value(point[0]), Value(point[1])
    out = f(a, b)
    out.backward()
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point)
    expected = f(
        ta, tb
    )  # torch tensors have the same methods: .exp(), .log(), .tanh(), .relu(), .sigmoid()
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-13)
    np.testing.assert_allclose(
        [a.grad, b.grad], [ta.grad.item(), tb.grad.item()], rtol=1e-12, atol=1e-15
    )


def test_fan_out_gradients_add_up():
    x = Value(3.0)
    f = x * x + x
    f.backward()
    assert x.grad == 2 * 3.0 + 1


def test_leaves_accumulate_across_passes_but_computed_nodes_start_from_zero():
    w, x = Value(0.5), Value(2.0)
    h = (w * x).tanh()
    out = h * 3.0
    out.backward()
    first_w, first_h = w.grad, h.grad
    out.backward()  # the same graph again, no zero_grad
    assert w.grad == pytest.approx(2 * first_w, rel=1e-15)
    assert h.grad == pytest.approx(first_h, rel=1e-15)
    zero_grad(w, x)
    assert w.grad == 0.0 and x.grad == 0.0


def test_topological_order_lists_each_node_once_after_its_inputs():
    a, b = Value(1.0), Value(1.0)  # equal numbers, different nodes
    c = a * b
    root = (c + a) * (c * 2.0) + b
    order = topological_order(root)
    assert order[-1] is root
    assert len(order) == len(set(order)) == len({id(n) for n in order})
    position = {node: i for i, node in enumerate(order)}
    assert all(position[child] < position[node] for node in order for child in node.inputs)
    assert a in position and b in position


def test_a_long_chain_does_not_hit_the_recursion_limit():
    total = Value(0.0)
    leaves = [Value(float(i)) for i in range(3000)]
    for leaf in leaves:
        total = total + leaf * 0.5
    total.backward()
    assert all(leaf.grad == 0.5 for leaf in leaves)


def test_using_rules_swaps_and_restores():
    def overwrite(a, b, out):
        a.grad = b.data * out.grad
        b.grad = a.data * out.grad

    with using_rules(mul=overwrite):
        x = Value(3.0)
        (x * x).backward()
        assert x.grad == 3.0  # the bug: one contribution lost
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    assert engine.RULES["mul"] is engine.mul_backward
    with pytest.raises(ValueError, match="no rule called"):
        with using_rules(matmul=overwrite):
            pass


def test_object_arrays_of_values_run_the_3_4_2_network_like_chapter_4():
    rng = np.random.default_rng(0)
    params = initial_parameters(rng)
    params["b1"], params["b2"] = rng.normal(size=(4, 1)), rng.normal(size=(2, 1))
    x, y = rng.normal(size=(3, 6)), rng.normal(size=(2, 6))
    V = {name: as_values(value, name) for name, value in params.items()}
    A1 = np.vectorize(Value.sigmoid, otypes=[object])(V["W1"] @ x + V["b1"])
    loss = ((V["W2"] @ A1 + V["b2"] - y) ** 2).sum() * 0.5 / 6
    loss.backward()
    assert loss.data == pytest.approx(net_loss(x, y, **params), rel=1e-13)
    for name, hand in zip(("W1", "b1", "W2", "b2"), net_backward(x, y, **params)):
        np.testing.assert_allclose(grads_of(V[name]), hand, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(data_of(V[name]), params[name])
    assert V["W1"][2, 1].label == "W1[2,1]"


def test_bad_inputs_are_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="v.data"):
        Value(Value(1.0))
    with pytest.raises(ValueError, match="positive"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="plain number"):
        Value(2.0) ** Value(3.0)


def test_graph_table_lists_every_node_with_its_inputs():
    w, x = Value(2.0, label="w"), Value(3.0, label="x")
    out = (w * x).tanh()
    out.label = "out"
    table = graph_table(out)
    assert table.splitlines()[-1].split()[0] == "out"
    assert "tanh" in table and "w" in table and len(table.splitlines()) == 1 + 4


def _double(*shape, seed=0):
    return torch.randn(
        *shape,
        dtype=torch.float64,
        generator=torch.Generator().manual_seed(seed),
        requires_grad=True,
    )


@pytest.mark.parametrize(
    "function, inputs",
    [
        (LinearFunction, lambda: (_double(4, 3), _double(3, 5, seed=1), _double(4, 1, seed=2))),
        (SigmoidFunction, lambda: (_double(4, 5),)),
        (HalfSquaredErrorFunction, lambda: (_double(2, 5), _double(2, 5, seed=1))),
    ],
)
def test_hand_written_functions_pass_gradcheck(function, inputs):
    assert torch.autograd.gradcheck(function.apply, inputs())


def test_gradcheck_catches_a_wrong_backward():
    class Wrong(SigmoidFunction):
        @staticmethod
        def backward(ctx, dA):
            (A,) = ctx.saved_tensors
            return dA * A

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        torch.autograd.gradcheck(Wrong.apply, (_double(3, 4),))


def test_hand_net_loss_gradients_equal_chapter_4():
    rng = np.random.default_rng(1)
    params = initial_parameters(rng)
    params["b1"] = rng.normal(size=(4, 1))
    x, y = rng.normal(size=(3, 7)), rng.normal(size=(2, 7))
    tensors = [torch.tensor(params[n], requires_grad=True) for n in ("W1", "b1", "W2", "b2")]
    loss = hand_net_loss(torch.from_numpy(x), torch.from_numpy(y), *tensors)
    assert loss.item() == pytest.approx(net_loss(x, y, **params), rel=1e-13)
    for g, hand in zip(torch.autograd.grad(loss, tensors), net_backward(x, y, **params)):
        np.testing.assert_allclose(g.numpy(), hand, rtol=1e-12, atol=1e-15)
    assert math.isfinite(loss.item())
