"""Answer checks for notebook 04d (autograd from scratch): the backward rules of multiply, tanh and
pow, and the topological sort. A learner's rule is run on small graphs of `Value`s and judged by the
gradients it leaves behind; a learner's sort is judged by the order it returns, since many orders
are right."""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Callable

import numpy as np

from utils.ch04 import autograd_engine as engine
from utils.ch04.autograd_engine import Value
from utils.checks.diagnose import Verdict, compare_arrays, returned_none
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _

OVERWRITE = N_(
    "Your rule replaces the gradient (x.grad = ...) instead of adding to it (x.grad += ...). A "
    "value used more than once, such as x in x·x or a value that feeds two nodes, must collect a "
    "contribution from each use; and "
    "a leaf keeps what earlier passes left in it until zero_grad."
)
NOT_A_NUMBER = N_(
    "A gradient must be a plain number: use the .data of the other Values in your arithmetic "
    "(b.data, x.data, out.data; out.grad is already a number). Arithmetic with a Value itself, "
    "such as b * out.grad or out**2, builds a new Value instead of a number."
)
# float32 arithmetic passes (about 1e-7); every catalogued wrong rule misses by far more
RTOL, ATOL = 1e-6, 1e-12
NO_CHAIN = N_(
    "Your rule leaves out out.grad, the gradient arriving from above. The chain rule multiplies "
    "the local derivative by it: x.grad += (∂out/∂x) · out.grad."
)


@dataclasses.dataclass(frozen=True)
class NotANumber:
    """What a rule left in a .grad that is not a plain number (a Value, an array...)."""

    name: str
    type_name: str


def _gradients(named_grads):
    """The gradients as an array, or the first one that is not a plain number."""
    for name, grad in named_grads:
        if not isinstance(grad, numbers.Real) or isinstance(grad, bool):
            return NotANumber(name, type(grad).__name__)
    return np.array([float(grad) for _, grad in named_grads])


def _compare_grads(names):
    """Compare the gradients a rule left behind, naming the ones that are wrong."""

    def compare(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
        if isinstance(got, NotANumber):
            return Verdict(
                False,
                "not a number",
                _("{name} became a {type}, not a number. {advice}").format(
                    name=got.name, type=got.type_name, advice=_(NOT_A_NUMBER)
                ),
            )
        if got is None:
            return Verdict(
                False,
                "unchanged",
                _(
                    "The gradients did not change. The rule must add into the inputs' .grad "
                    "attributes ({names}) in place; what it returns is ignored."
                ).format(names=", ".join(names)),
            )
        verdict = compare_arrays(got, expected, rtol=rtol, atol=atol)
        if not verdict.passed and verdict.kind not in ("nan",):
            got, expected = np.asarray(got), np.asarray(expected)
            wrong = [
                _("{name}: yours {got:.6g}, expected {expected:.6g}").format(
                    name=name, got=g, expected=e
                )
                for name, g, e in zip(names, got, expected)
                if not np.isclose(g, e, rtol=rtol, atol=atol)
            ]
            message = _("{diagnosis} ({details})").format(
                diagnosis=verdict.message, details="; ".join(wrong)
            )
            return Verdict(False, verdict.kind, message, verdict.relative_error)
        return verdict

    return compare


# ---------------------------------------------------------------- Exercise 4.9: multiply


def _run_mul(rule, a_data, b_data, a_grad, b_grad, out_grad, same):
    a = Value(a_data, label="a")
    a.grad = a_grad
    if same:
        b = a
    else:
        b = Value(b_data, label="b")
        b.grad = b_grad
    out = Value(a.data * b.data, (a, b), "*")
    out.grad = out_grad
    rule(a, b, out)
    grads = _gradients((("a.grad", a.grad), ("b.grad", b.grad)))
    if (
        isinstance(grads, np.ndarray)
        and a.grad == a_grad
        and b.grad == (a_grad if same else b_grad)
    ):
        return None  # nothing was added to the gradients (perhaps returned instead)
    return grads


def _learner_mul(rule):
    def gradients(*args):
        return _run_mul(rule, *args)

    return gradients


def _reference_mul(*args):
    return _run_mul(engine.mul_backward, *args)


def _mul_variant(rule):
    return lambda *args: _run_mul(rule, *args)


def _mul_overwrite(a, b, out):
    ga, gb = b.data * out.grad, a.data * out.grad
    a.grad = ga
    b.grad = gb


def _mul_swapped(a, b, out):
    a.grad += a.data * out.grad
    b.grad += b.data * out.grad


def _mul_no_chain(a, b, out):
    a.grad += b.data
    b.grad += a.data


def _mul_only_a(a, b, out):
    a.grad += b.data * out.grad


MUL_MISTAKES = (
    Mistake("overwrite", _mul_variant(_mul_overwrite), OVERWRITE),
    Mistake(
        "swapped",
        _mul_variant(_mul_swapped),
        N_(
            "Each input got its OWN value times out.grad. For out = a·b, ∂out/∂a = b: a.grad += "
            "b.data · out.grad, and b.grad += a.data · out.grad."
        ),
    ),
    Mistake("no chain", _mul_variant(_mul_no_chain), NO_CHAIN),
    Mistake(
        "one input",
        _mul_variant(_mul_only_a),
        N_("Only a got its gradient; b needs one too: b.grad += a.data · out.grad."),
    ),
)

MUL_CASES = [
    Case((2.0, -3.0, 0.0, 0.0, 1.0, False), N_("a = 2, b = −3, out.grad = 1")),
    Case((1.5, 4.0, 0.0, 0.0, -0.5, False), N_("out.grad = −0.5: the chain rule multiplies by it")),
    Case((0.7, -1.2, 0.25, -2.0, 2.0, False), N_("a and b already hold gradients from elsewhere")),
    Case((-3.0, -3.0, 0.0, 0.0, 1.0, True), N_("x · x (the same Value twice): its gradient is 2x")),
]


def check_mul_backward(rule: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 4.9: `rule(a, b, out)` must add ∂out/∂a·out.grad to a.grad and ∂out/∂b·out.grad to
    b.grad."""
    return catalogued_check(
        N_("Exercise 4.9 (backward of multiply)"),
        _learner_mul(rule),
        engine.mul_backward,
        MUL_CASES,
        expected_from=_reference_mul,
        mistakes=MUL_MISTAKES,
        compare=_compare_grads(("a.grad", "b.grad")),
        rtol=RTOL,
        atol=ATOL,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.10: tanh


def _run_unary(rule, forward, extra, x_data, x_grad, out_grad):
    x = Value(x_data, label="x")
    x.grad = x_grad
    out = Value(forward(x_data), (x,), "unary")
    out.grad = out_grad
    rule(x, *extra, out)
    grads = _gradients((("x.grad", x.grad),))
    if isinstance(grads, np.ndarray) and x.grad == x_grad:
        return None  # nothing was added to the gradient (perhaps returned instead)
    return grads


def _learner_unary(rule, forward, extra=()):
    def gradients(*args):
        return _run_unary(rule, forward, extra, *args)

    return gradients


def _unary_variant(forward, extra, rule):
    return lambda *args: _run_unary(rule, forward, extra, *args)


def _tanh_of_input(x, out):
    x.grad += (1.0 - x.data**2) * out.grad


def _tanh_no_square(x, out):
    x.grad += (1.0 - out.data) * out.grad


def _tanh_sign(x, out):
    x.grad += (out.data**2 - 1.0) * out.grad


def _tanh_overwrite(x, out):
    x.grad = (1.0 - out.data**2) * out.grad


def _tanh_no_chain(x, out):
    x.grad += 1.0 - out.data**2


TANH_MISTAKES = (
    Mistake(
        "input not output",
        _unary_variant(math.tanh, (), _tanh_of_input),
        N_(
            "You used 1 − x², with x the INPUT. The derivative of tanh is 1 − tanh(x)², and "
            "tanh(x) is out.data: x.grad += (1 − out.data²) · out.grad."
        ),
    ),
    Mistake(
        "no square",
        _unary_variant(math.tanh, (), _tanh_no_square),
        N_("The square is missing: tanh′(x) = 1 − tanh(x)², i.e. 1 − out.data**2."),
    ),
    Mistake(
        "sign",
        _unary_variant(math.tanh, (), _tanh_sign),
        N_("Wrong sign: tanh′(x) = 1 − tanh(x)², which is positive, not tanh(x)² − 1."),
    ),
    Mistake("overwrite", _unary_variant(math.tanh, (), _tanh_overwrite), OVERWRITE),
    Mistake("no chain", _unary_variant(math.tanh, (), _tanh_no_chain), NO_CHAIN),
)


def _reference_tanh(*args):
    return _run_unary(engine.tanh_backward, math.tanh, (), *args)


TANH_CASES = [
    Case((0.5, 0.0, 1.0), N_("x = 0.5, out.grad = 1")),
    Case((-1.3, 0.0, 2.5), N_("x = −1.3, out.grad = 2.5")),
    Case((2.0, 0.75, -1.0), N_("x already holds a gradient")),
    Case((0.0, 0.0, 1.0), N_("x = 0, where tanh′ = 1")),
]


def check_tanh_backward(rule: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 4.10: `rule(x, out)` for out = tanh(x) must add (1 − out.data²)·out.grad to
    x.grad."""
    return catalogued_check(
        N_("Exercise 4.10 (backward of tanh)"),
        _learner_unary(rule, math.tanh),
        engine.tanh_backward,
        TANH_CASES,
        expected_from=_reference_tanh,
        mistakes=TANH_MISTAKES,
        compare=_compare_grads(("x.grad",)),
        rtol=RTOL,
        atol=ATOL,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.11: pow


def _pow_exponent_kept(x, n, out):
    x.grad += n * x.data**n * out.grad


def _pow_no_factor(x, n, out):
    x.grad += x.data ** (n - 1) * out.grad


def _pow_overwrite(x, n, out):
    x.grad = n * x.data ** (n - 1) * out.grad


def _pow_no_chain(x, n, out):
    x.grad += n * x.data ** (n - 1)


def _pow_run(rule):
    """The gradient `rule(x, n, out)` leaves in x, for out = xⁿ, as a function of the case's
    numbers."""
    return lambda x_data, n, x_grad, out_grad: _run_unary(
        rule, lambda v: v**n, (n,), x_data, x_grad, out_grad
    )


def _pow_reference(x_data, n, x_grad, out_grad):
    return _run_unary(engine.pow_backward, lambda v: v**n, (n,), x_data, x_grad, out_grad)


POW_MISTAKES = (
    Mistake(
        "exponent not lowered",
        _pow_run(_pow_exponent_kept),
        N_("The exponent was not lowered: d(xⁿ)/dx = n·xⁿ⁻¹, so use x.data ** (n − 1)."),
    ),
    Mistake(
        "factor n missing",
        _pow_run(_pow_no_factor),
        N_("The factor n is missing: d(xⁿ)/dx = n·xⁿ⁻¹."),
    ),
    Mistake("overwrite", _pow_run(_pow_overwrite), OVERWRITE),
    Mistake("no chain", _pow_run(_pow_no_chain), NO_CHAIN),
)


POW_CASES = [
    Case((1.5, 3, 0.0, 1.0), "x = 1.5, n = 3"),
    Case((2.0, -1, 0.0, 3.0), N_("x = 2, n = −1 (the division x⁻¹), out.grad = 3")),
    Case((4.0, 0.5, 0.3, -2.0), N_("x = 4, n = ½ (the square root), x already holds a gradient")),
    Case((-1.2, 2, 0.0, 3.0), "x = −1.2, n = 2"),
]


def check_pow_backward(rule: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 4.11: `rule(x, n, out)` for out = xⁿ (n a plain number) must add n·xⁿ⁻¹·out.grad to
    x.grad."""
    return catalogued_check(
        N_("Exercise 4.11 (backward of pow)"),
        _pow_run(rule),
        engine.pow_backward,
        POW_CASES,
        expected_from=_pow_reference,
        mistakes=POW_MISTAKES,
        compare=_compare_grads(("x.grad",)),
        rtol=RTOL,
        atol=ATOL,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.12: the topological
# sort


@dataclasses.dataclass(frozen=True)
class Graph:
    """A graph described by labels: each node's inputs, the root, and each node's number (.data)."""

    inputs: dict
    root: str
    values: dict


def _labelled(root: Value) -> None:
    """Name every unnamed node n0, n1, ... (breadth first from the root; not the sort being
    checked)."""
    seen, queue = {root}, [root]
    for node in queue:
        for child in node.inputs:
            if child not in seen:
                seen.add(child)
                queue.append(child)
    for number, node in enumerate(queue):
        node.label = node.label or f"n{number}"


def build_graph(kind: str) -> Value:
    """Small seeded graphs for the sort's check: a fan-out, a diamond with equal values, a chain,
    one leaf."""
    if kind == "fan-out":
        x = Value(2.0, label="x")
        y = x * x + x  # x feeds three edges
        root = y.tanh()
    elif kind == "diamond, equal values":
        a, b = (
            Value(1.0, label="a"),
            Value(1.0, label="b"),
        )  # two different nodes holding the same number
        c = a * b
        d, e = c + a, c * 2.0
        root = d * e + b
    elif kind == "chain":
        root = Value(0.3, label="x0")
        for _ in range(12):
            root = (root * 1.1 + 0.2).tanh()
    elif kind == "one leaf":
        root = Value(5.0, label="x")
    else:
        raise ValueError(f"unknown graph {kind!r}")
    _labelled(root)
    return root


def _describe(root: Value) -> Graph:
    nodes = engine.topological_order(root)
    return Graph(
        {node.label: tuple(c.label for c in node.inputs) for node in nodes},
        root.label,
        {node.label: node.data for node in nodes},
    )


def _reference_order(kind: str) -> Graph:
    return _describe(build_graph(kind))


UNORDERED = "a set"  # what `_learner_order` reports for a set: it has no order to judge


def _learner_order(sort: Callable):
    def order(kind: str):
        root = build_graph(kind)
        got = sort(root)
        if got is None:
            return None
        if isinstance(got, (set, frozenset)):
            return UNORDERED
        try:
            got = list(got)
        except TypeError:
            return _("not a list but a {type}").format(type=type(got).__name__)
        bad = [type(item).__name__ for item in got if not isinstance(item, Value)]
        if bad:
            return _("a list holding a {type}, not Value nodes").format(type=bad[0])
        return [node.label for node in got]

    return order


def compare_order(got, expected: Graph, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """Every reachable node exactly once, each after all of its inputs, the root last."""
    if got is None:
        return returned_none()
    if got is UNORDERED:
        return Verdict(
            False,
            "set",
            _(
                "You returned a set. A set has no order, and the order is the answer here: return "
                "a list, appending each node after its inputs. (A set is the right tool for "
                "remembering which nodes you have visited.)"
            ),
        )
    if isinstance(got, str):
        message = _("Return a list of the Value nodes; yours is {what}.").format(what=got)
        return Verdict(False, "type", message)
    nodes = expected.inputs
    counts = {label: got.count(label) for label in set(got)}
    twice = sorted(label for label, count in counts.items() if count > 1)
    if twice:
        return Verdict(
            False,
            "duplicates",
            _(
                "Node {node} appears {count} times. A node reached along several paths (fan-out) "
                "must be listed once: keep a set of the nodes already visited and skip them."
            ).format(node=twice[0], count=counts[twice[0]]),
        )
    missing = [label for label in nodes if label not in counts]
    computed = [label for label in missing if nodes[label]]  # missing nodes that have inputs
    if got and computed and all(not nodes[label] or label == expected.root for label in got):
        root = _(" and the root") if expected.root in counts else ""
        return Verdict(
            False,
            "leaves only",
            _(
                "Your list holds only the leaves (the nodes with no inputs){root}: the {count} "
                "nodes computed from them are missing, for example {example}. Append every node "
                "you visit, after its inputs, not only the nodes without inputs: backward() runs "
                "each computed node's rule, so each must be in the list."
            ).format(root=root, count=len(computed), example=computed[0]),
        )
    if expected.root in missing:
        others = (
            _(" ({count} other nodes are missing too)").format(count=len(missing) - 1)
            if len(missing) > 1
            else ""
        )
        return Verdict(
            False,
            "root missing",
            _(
                "The output (root) node {root} is missing{others}. The list includes root "
                "itself, as its last element: append each node, root included, after visiting its "
                "inputs."
            ).format(root=expected.root, others=others),
        )
    if missing:
        listed = {expected.values[label] for label in counts if label in expected.values}
        if any(expected.values[label] in listed for label in missing):
            hint = _(
                "A missing node holds the same number as a listed one: if you skip nodes whose "
                ".data you have seen before, two different nodes with equal numbers merge. Track "
                "the Value objects themselves (a set of nodes), not their values."
            )
        else:
            hint = _("Visit every input of every node, and append each node you visit.")
        return Verdict(
            False,
            "missing",
            _("{count} of the {total} nodes are missing, for example {example}. {hint}").format(
                count=len(missing), total=len(nodes), example=missing[0], hint=hint
            ),
        )
    position = {label: i for i, label in enumerate(got)}
    if (
        len(nodes) > 1
        and position[expected.root] == 0
        and all(position[n] < position[c] for n in nodes for c in nodes[n])
    ):
        return Verdict(
            False,
            "reversed",
            _(
                "Your list is in reverse: the root comes first and every node before its inputs. "
                "Return inputs before the nodes computed from them (root last); backward() itself "
                "walks the list from the end. If you append each node before visiting its inputs "
                "(pre-order), append it after the loop over its inputs instead."
            ),
        )
    for label in got:
        late = [c for c in nodes[label] if position[c] > position[label]]
        if late:
            return Verdict(
                False,
                "order",
                _(
                    "Node {node} comes before its input {input}. Add a node to the list only "
                    "after all of its inputs (post-order: visit the children first, then append "
                    "the node)."
                ).format(node=label, input=late[0]),
            )
    if got[-1] != expected.root:
        message = _("The root {root} should come last; yours ends with {last}.")
        return Verdict(False, "root", message.format(root=expected.root, last=got[-1]))
    return Verdict(True, "ok", "a valid order", 0.0)


SORT_CASES = [
    Case(("fan-out",), N_("y = tanh(x·x + x): x feeds three edges")),
    Case(("diamond, equal values",), N_("a diamond, two different leaves holding the same number")),
    Case(("chain",), N_("a chain of 36 operations")),
    Case(("one leaf",), N_("a graph of one node")),
]


def check_topological_order(sort: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 4.12: `sort(root)` returns every node root depends on, once each, inputs first, root
    last."""
    return catalogued_check(
        N_("Exercise 4.12 (topological sort)"),
        _learner_order(sort),
        engine.topological_order,
        SORT_CASES,
        expected_from=_reference_order,
        compare=compare_order,
        exact=True,  # an order is right or wrong: no tolerance to quote
        strict=strict,
    )
