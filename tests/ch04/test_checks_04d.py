"""Notebook 04d's checks name each catalogued wrong rule or sort, pass several right ones, report a
stub as not attempted, and fall back to the engine's own rules."""

import math

import numpy as np
import pytest

from tests.checks.contract import (
    assert_answer_key,
    assert_named,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch04 import autograd_engine as engine
from utils.ch04 import checks_04d as ch


# ---------------------------------------------------------------- Exercise 4.9: multiply


def mul_right(a, b, out):
    a.grad += b.data * out.grad
    b.grad += a.data * out.grad


def mul_right_other_order(a, b, out):
    grad_b = a.data * out.grad
    grad_a = out.grad * b.data
    b.grad = b.grad + grad_b
    a.grad = a.grad + grad_a


def mul_overwrite(a, b, out):
    grad_a, grad_b = b.data * out.grad, a.data * out.grad
    a.grad = grad_a
    b.grad = grad_b


def mul_swapped(a, b, out):
    a.grad += a.data * out.grad
    b.grad += b.data * out.grad


def mul_no_chain(a, b, out):
    a.grad += b.data
    b.grad += a.data


def mul_only_a(a, b, out):
    a.grad += b.data * out.grad


def mul_returns(a, b, out):
    return b.data * out.grad, a.data * out.grad


test_right_multiply_rules_pass = right_answers_pass(
    ch.check_mul_backward, [mul_right, mul_right_other_order, engine.mul_backward]
)
test_wrong_multiply_rules_are_named = wrong_answers_named(
    ch.check_mul_backward,
    [
        ("overwrite", mul_overwrite, "overwrite", "+="),
        ("swapped", mul_swapped, "swapped", "OWN value"),
        ("no chain", mul_no_chain, "no chain", "out.grad"),
        ("one input", mul_only_a, "one input", "b needs one too"),
        ("returned", mul_returns, "unchanged", "in place"),
    ],
)


# ---------------------------------------------------------------- Exercise 4.10: tanh


def tanh_right(x, out):
    x.grad += (1.0 - out.data**2) * out.grad


def tanh_from_input(x, out):
    x.grad = x.grad + out.grad / math.cosh(x.data) ** 2


test_right_tanh_rules_pass = right_answers_pass(
    ch.check_tanh_backward, [tanh_right, tanh_from_input]
)
test_wrong_tanh_rules_are_named = wrong_answers_named(
    ch.check_tanh_backward,
    [
        (
            "1 − x²",
            lambda x, out: setattr(x, "grad", x.grad + (1 - x.data**2) * out.grad),
            "input not output",
            "out.data",
        ),
        (
            "1 − out",
            lambda x, out: setattr(x, "grad", x.grad + (1 - out.data) * out.grad),
            "no square",
            "square",
        ),
        (
            "out² − 1",
            lambda x, out: setattr(x, "grad", x.grad + (out.data**2 - 1) * out.grad),
            "sign",
            "positive",
        ),
        (
            "overwrite",
            lambda x, out: setattr(x, "grad", (1 - out.data**2) * out.grad),
            "overwrite",
            "+=",
        ),
        (
            "no chain",
            lambda x, out: setattr(x, "grad", x.grad + (1 - out.data**2)),
            "no chain",
            "out.grad",
        ),
    ],
)


# ---------------------------------------------------------------- Exercise 4.11: pow


def pow_right(x, n, out):
    x.grad += n * x.data ** (n - 1) * out.grad


def pow_via_output(x, n, out):
    x.grad += n * out.data / x.data * out.grad  # xⁿ⁻¹ = xⁿ / x, fine away from x = 0


test_right_pow_rules_pass = right_answers_pass(ch.check_pow_backward, [pow_right, pow_via_output])
test_wrong_pow_rules_are_named = wrong_answers_named(
    ch.check_pow_backward,
    [
        (
            "n·xⁿ",
            lambda x, n, out: setattr(x, "grad", x.grad + n * x.data**n * out.grad),
            "exponent not lowered",
            "n − 1",
        ),
        (
            "xⁿ⁻¹",
            lambda x, n, out: setattr(x, "grad", x.grad + x.data ** (n - 1) * out.grad),
            "factor n missing",
            "factor n",
        ),
        (
            "overwrite",
            lambda x, n, out: setattr(x, "grad", n * x.data ** (n - 1) * out.grad),
            "overwrite",
            "+=",
        ),
        (
            "no chain",
            lambda x, n, out: setattr(x, "grad", x.grad + n * x.data ** (n - 1)),
            "no chain",
            "out.grad",
        ),
    ],
)


# ---------------------------------------------------------------- Exercise 4.12: the topological
# sort


def sort_recursive(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node.inputs:
                visit(child)
            order.append(node)

    visit(root)
    return order


def sort_kahn(root):
    """Another right answer: Kahn's algorithm on the reversed graph, as a tuple."""
    nodes, stack = [], [root]
    seen = {root}
    while stack:
        node = stack.pop()
        nodes.append(node)
        for child in node.inputs:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    waiting = {node: len(set(node.inputs)) for node in nodes}
    users = {node: [] for node in nodes}
    for node in nodes:
        for child in set(node.inputs):
            users[child].append(node)
    ready = [node for node in nodes if waiting[node] == 0]
    order = []
    while ready:
        node = ready.pop()
        order.append(node)
        for user in users[node]:
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return tuple(order)


def sort_without_visited(root):
    order = []

    def visit(node):
        for child in node.inputs:
            visit(child)
        order.append(node)

    visit(root)
    return order


def sort_by_value(root):
    order, seen = [], set()

    def visit(node):
        if node.data not in seen:
            seen.add(node.data)
            for child in node.inputs:
                visit(child)
            order.append(node)

    visit(root)
    return order


def sort_pre_order(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            order.append(node)
            for child in node.inputs:
                visit(child)

    visit(root)
    return order


def sort_leaf_last(root):
    order = sort_recursive(root)
    first_leaf = next(node for node in order if not node.inputs)
    return [node for node in order if node is not first_leaf] + [first_leaf]


def sort_leaves_only(root):
    """Appends only the nodes without inputs."""
    return [node for node in sort_recursive(root) if not node.inputs]


def sort_leaves_and_root(root):
    return sort_leaves_only(root) + [root]


test_right_sorts_pass = right_answers_pass(
    ch.check_topological_order, [sort_recursive, sort_kahn, engine.topological_order]
)
test_wrong_sorts_are_named = wrong_answers_named(
    ch.check_topological_order,
    [
        ("no visited set", sort_without_visited, "duplicates", "visited"),
        ("visited by value", sort_by_value, "missing", "Value objects themselves"),
        ("reversed", lambda root: sort_recursive(root)[::-1], "reversed", "root last"),
        ("pre-order", sort_pre_order, "reversed", "pre-order"),
        ("first node dropped", lambda root: sort_recursive(root)[1:], "missing", "missing"),
        ("None", lambda root: None, "none", "return"),
        (
            "numbers, not nodes",
            lambda root: [node.data for node in sort_recursive(root)],
            "type",
            "Value nodes",
        ),
        ("a leaf last", sort_leaf_last, "order", "before its input"),
        ("only the leaves", sort_leaves_only, "leaves only", "only the leaves"),
        ("the leaves and the root", sort_leaves_and_root, "leaves only", "and the root"),
        ("a set", lambda root: set(sort_recursive(root)), "set", "no order"),
        ("root dropped", lambda root: sort_recursive(root)[:-1], "root missing", "root"),
        ("an empty list", lambda root: [], "root missing", "root"),
    ],
)


def test_the_hint_about_equal_numbers_is_given_only_where_it_fits():
    """Missing nodes that share no number with a listed one get no hint about visiting by value."""
    result = ch.check_topological_order(lambda root: sort_recursive(root)[1:], strict=False)
    assert ".data you have seen" not in result.message, result.message


# ---------------------------------------------------------------- common behaviour


test_mul_stub_is_not_attempted = not_attempted(ch.check_mul_backward)
test_tanh_stub_is_not_attempted = not_attempted(ch.check_tanh_backward)
test_pow_stub_is_not_attempted = not_attempted(ch.check_pow_backward)
test_sort_stub_is_not_attempted = not_attempted(ch.check_topological_order)


@pytest.mark.parametrize(
    "check, reference",
    [
        (ch.check_mul_backward, engine.mul_backward),
        (ch.check_tanh_backward, engine.tanh_backward),
        (ch.check_pow_backward, engine.pow_backward),
        (ch.check_topological_order, engine.topological_order),
    ],
)
def test_a_stub_falls_back_to_the_engine(check, reference):
    assert check(stub, strict=False).reference is reference


def test_a_rule_that_raises_is_reported_with_its_line():
    def broken(a, b, out):
        a.grad += b.value * out.grad

    result = ch.check_mul_backward(broken, strict=False)
    assert (
        result.status == "error"
        and "AttributeError" in result.message
        and "b.value" in result.message
    )


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "check, learner, name",
    [
        (ch.check_mul_backward, lambda a, b, out: engine.mul_backward(a, b, out), "mul_backward"),
        (ch.check_tanh_backward, lambda x, out: engine.tanh_backward(x, out), "tanh_backward"),
        (ch.check_pow_backward, lambda x, n, out: engine.pow_backward(x, n, out), "pow_backward"),
        (
            ch.check_topological_order,
            lambda root: engine.topological_order(root),
            "topological_order",
        ),
    ],
)
def test_calling_the_engine_is_named_as_the_answer_key(check, learner, name):
    assert_answer_key(check(learner, strict=False), name)


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "check, learner",
    [
        (ch.check_mul_backward, mul_right),
        (ch.check_tanh_backward, tanh_right),
        (ch.check_pow_backward, pow_right),
        (ch.check_topological_order, sort_recursive),
    ],
)
def test_a_right_answer_is_not_mistaken_for_the_answer_key(check, learner):
    assert check(learner, strict=False).passed


# ---------------------------------------------------------------- gradients that are Values,
# float32, sets


def mul_with_value(a, b, out):
    a.grad += b * out.grad
    b.grad += a.data * out.grad


def tanh_with_value(x, out):
    x.grad += (1 - out**2) * out.grad


def pow_with_value(x, n, out):
    x.grad += n * x ** (n - 1) * out.grad


@pytest.mark.parametrize(
    "check, rule, name",
    [
        (ch.check_mul_backward, mul_with_value, "a.grad"),
        (ch.check_tanh_backward, tanh_with_value, "x.grad"),
        (ch.check_pow_backward, pow_with_value, "x.grad"),
    ],
)
def test_arithmetic_with_a_value_is_told_to_use_data(check, rule, name):
    result = check(rule, strict=False)
    assert_named(result, "not a number", ".data")
    assert f"{name} became a Value" in result.message and "plain number" in result.message


def f32(x):
    return float(np.float32(x))


def mul_float32(a, b, out):
    a.grad += f32(np.float32(b.data) * np.float32(out.grad))
    b.grad += f32(np.float32(a.data) * np.float32(out.grad))


def tanh_float32(x, out):
    x.grad += f32((np.float32(1) - np.float32(out.data) ** 2) * np.float32(out.grad))


def pow_float32(x, n, out):
    x.grad += f32(np.float32(n) * np.float32(x.data) ** np.float32(n - 1) * np.float32(out.grad))


@pytest.mark.parametrize(
    "check, rule",
    [
        (ch.check_mul_backward, mul_float32),
        (ch.check_tanh_backward, tanh_float32),
        (ch.check_pow_backward, pow_float32),
    ],
)
def test_float32_arithmetic_passes_within_the_stated_tolerance(check, rule):
    result = check(rule, strict=False)
    assert result.passed, result.message
    assert "rtol=1e-06" in result.message


def test_the_notebook_states_the_tolerance_the_check_uses():
    from tools import ROOT

    text = " ".join((ROOT / "solutions" / "04d_autograd_from_scratch.md").read_text().split())
    assert f"relative error of {ch.RTOL:g}" in text


def test_a_set_is_told_to_return_a_list():
    result = ch.check_topological_order(lambda root: set(sort_recursive(root)), strict=False)
    assert "list" in result.message


def test_a_right_sort_quotes_no_tolerance():
    result = ch.check_topological_order(sort_recursive, strict=False)
    assert result.passed and "rtol" not in result.message, result.message


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")

    def as_a_set(root):
        seen, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(node.inputs)
        return seen

    result = ch.check_topological_order(as_a_set, strict=False)
    assert_named(result, "set", "你返回的是集合。集合没有顺序，而这里的答案正是顺序")
    assert result.message.startswith("✗ 练习 4.12（拓扑排序）"), result.message
