"""Reverse-mode automatic differentiation, twice: a scalar `Value` engine whose backward rules are
small named functions (`RULES`), and torch.autograd.Functions whose backward passes are chapter 4's
formulas."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch


class Value:
    """One scalar in a computational graph: its number, ∂(output)/∂(it) once `backward` has run, and
    its inputs."""

    def __init__(self, data, inputs=(), op: str = "", label: str = ""):
        if isinstance(data, Value):
            raise TypeError("Value(Value(...)): pass the number, v.data, not the Value")
        self.data = float(data)
        self.grad = 0.0
        self.inputs = tuple(inputs)  # the Values this one was computed from
        self.op = op
        self.label = label
        self._backward = lambda: (
            None
        )  # passes out.grad on to the inputs; set by the operation that made the node

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    def _result(self, data, inputs, op, rule, *extra):
        out = Value(data, inputs, op)
        out._backward = lambda: RULES[rule](
            *inputs, *extra, out
        )  # looked up when called: rules can be swapped
        return out

    def __add__(self, other):
        other = as_value(other)
        return self._result(self.data + other.data, (self, other), "+", "add")

    def __mul__(self, other):
        other = as_value(other)
        return self._result(self.data * other.data, (self, other), "*", "mul")

    def __pow__(self, n):
        if isinstance(n, Value):
            raise TypeError(
                "the exponent must be a plain number; for x ** y with y a Value use (y * "
                "x.log()).exp()"
            )
        return self._result(self.data**n, (self,), f"**{n:g}", "pow", n)

    def exp(self):
        return self._result(math.exp(self.data), (self,), "exp", "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log of {self.data:g}: the input must be positive")
        return self._result(math.log(self.data), (self,), "log", "log")

    def tanh(self):
        return self._result(math.tanh(self.data), (self,), "tanh", "tanh")

    def relu(self):
        return self._result(max(self.data, 0.0), (self,), "relu", "relu")

    def sigmoid(self):  # a composite: its gradient comes from the rules of exp, +, ** and *
        return (1 + (-self).exp()) ** -1

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-as_value(other))

    def __truediv__(self, other):
        return self * as_value(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return as_value(other) - self

    def __rtruediv__(self, other):
        return as_value(other) / self

    def backward(self) -> None:
        """Fill `grad` of every node this one depends on: ∂self/∂node. Leaves ADD to what they hold
        (as in torch: call `zero_grad` between steps); a computed node starts from 0 on every
        pass."""
        order = RULES["order"](self)
        for node in order:
            if node.inputs:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(
            order
        ):  # from the output back to the leaves: each node is done before its inputs
            node._backward()


def as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each once, every node after its inputs (root last). Iterative,
    so a long chain (a sum of thousands of terms) cannot exceed Python's recursion limit."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append(
                (node, True)
            )  # comes off the stack after everything pushed above it: its inputs
            stack.extend((child, False) for child in node.inputs)
    return order


# The chain rule at each node: input.grad += ∂out/∂input · out.grad. "+=" because an input used by
# several
# nodes receives a gradient from each of them.


def add_backward(a: Value, b: Value, out: Value) -> None:
    a.grad += out.grad
    b.grad += out.grad


def mul_backward(a: Value, b: Value, out: Value) -> None:
    a.grad += b.data * out.grad
    b.grad += a.data * out.grad


def pow_backward(x: Value, n: float, out: Value) -> None:
    x.grad += n * x.data ** (n - 1) * out.grad


def exp_backward(x: Value, out: Value) -> None:
    x.grad += out.data * out.grad


def log_backward(x: Value, out: Value) -> None:
    x.grad += out.grad / x.data


def tanh_backward(x: Value, out: Value) -> None:
    x.grad += (1.0 - out.data**2) * out.grad


def relu_backward(x: Value, out: Value) -> None:
    x.grad += (out.data > 0) * out.grad


RULES = {
    "add": add_backward,
    "mul": mul_backward,
    "pow": pow_backward,
    "exp": exp_backward,
    "log": log_backward,
    "tanh": tanh_backward,
    "relu": relu_backward,
    "order": topological_order,
}


@contextlib.contextmanager
def using_rules(**rules):
    """Run the engine with some rules (or "order", the topological sort) replaced, e.g. by a
    learner's."""
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise ValueError(f"no rule called {', '.join(unknown)}; the rules are {', '.join(RULES)}")
    saved = dict(RULES)
    RULES.update(rules)
    try:
        yield
    finally:
        RULES.clear()
        RULES.update(saved)


def zero_grad(*arrays) -> None:
    """Set the gradient of every Value in the given Values or object arrays of Values back to 0."""
    for array in arrays:
        for v in np.asarray(array, dtype=object).ravel():
            v.grad = 0.0


def graph_table(root: Value) -> str:
    """One line per node that `root` depends on, inputs first: name, operation, value, gradient,
    inputs."""
    order = topological_order(root)
    names = {node: node.label or f"n{i}" for i, node in enumerate(order)}
    lines = [f"{'node':>6}  {'op':>5}  {'data':>9}  {'grad':>9}  inputs"]
    for node in order:
        inputs = ", ".join(names[c] for c in node.inputs)
        lines.append(
            f"{names[node]:>6}  {node.op or 'leaf':>5}  {node.data:>9.4f}  {node.grad:>9.4f}  "
            f"{inputs}"
        )
    return "\n".join(lines)


def as_values(array, label: str = "") -> np.ndarray:
    """An object array of leaf Values with the numbers (and shape) of `array`; labels like
    W1[2,0]."""
    array = np.asarray(array, dtype=np.float64)
    out = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        out[index] = Value(
            array[index], label=f"{label}[{','.join(map(str, index))}]" if label else ""
        )
    return out


def data_of(values) -> np.ndarray:
    """The numbers of an object array of Values, as float64."""
    return np.vectorize(lambda v: v.data, otypes=[np.float64])(np.asarray(values, dtype=object))


def grads_of(values) -> np.ndarray:
    """The gradients of an object array of Values, as float64."""
    return np.vectorize(lambda v: v.grad, otypes=[np.float64])(np.asarray(values, dtype=object))


# ---------------------------------------------------------------- the same idea for tensors


class LinearFunction(torch.autograd.Function):
    """Z = W·A + b with examples as columns; backward: dW = dZ·Aᵀ, dA = Wᵀ·dZ, db = Σ_columns dZ."""

    @staticmethod
    def forward(ctx, W, A, b):
        ctx.save_for_backward(W, A)
        return W @ A + b

    @staticmethod
    def backward(ctx, dZ):
        W, A = ctx.saved_tensors
        return dZ @ A.T, W.T @ dZ, dZ.sum(dim=1, keepdim=True)


class SigmoidFunction(torch.autograd.Function):
    """A = σ(Z); backward: dZ = dA ⊙ A ⊙ (1 − A), from the saved output."""

    @staticmethod
    def forward(ctx, Z):
        A = torch.sigmoid(Z)
        ctx.save_for_backward(A)
        return A

    @staticmethod
    def backward(ctx, dA):
        (A,) = ctx.saved_tensors
        return dA * A * (1 - A)


class HalfSquaredErrorFunction(torch.autograd.Function):
    """L = ½ Σ (ŷ − y)² / m over the m columns; backward: dŷ = (ŷ − y)/m, dy = −dŷ."""

    @staticmethod
    def forward(ctx, y_hat, y):
        ctx.save_for_backward(y_hat, y)
        return 0.5 * ((y_hat - y) ** 2).sum() / y_hat.shape[1]

    @staticmethod
    def backward(ctx, dL):
        y_hat, y = ctx.saved_tensors
        d_y_hat = dL * (y_hat - y) / y_hat.shape[1]
        return d_y_hat, -d_y_hat


def hand_net_loss(x, y, W1, b1, W2, b2):
    """The guide's 3-4-2 network (chapter 4's `net_loss`) from the three Functions above, in torch
    tensors."""
    A1 = SigmoidFunction.apply(LinearFunction.apply(W1, x, b1))
    return HalfSquaredErrorFunction.apply(LinearFunction.apply(W2, A1, b2), y)
