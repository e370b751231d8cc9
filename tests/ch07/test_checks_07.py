"""Chapter 7's checks name each catalogued wrong answer, pass right answers written other ways, and
report a stub as not attempted."""

import numpy as np
import torch

from tests.checks.contract import not_attempted, right_answers_pass, wrong_answers_named
from utils.ch07 import checks_07
from utils.ch07.keras_port import torch_state_from_keras
from utils.ch07.tensorboard_logs import log_epoch

# ---------------------------------------------------------------- Exercise 7.1: log one epoch


def positional_and_detached(writer, model, epoch, train_loss, val_loss):
    writer.add_scalar("loss/validation", val_loss, epoch)
    writer.add_scalar("loss/train", train_loss, epoch)
    for name, p in model.named_parameters():
        writer.add_histogram("parameters/" + name, p.detach().cpu().numpy(), epoch)


def no_global_step(writer, model, epoch, train_loss, val_loss):
    writer.add_scalar("loss/train", train_loss)
    writer.add_scalar("loss/validation", val_loss)
    for name, p in model.named_parameters():
        writer.add_histogram(f"parameters/{name}", p, epoch)


def swapped_losses(writer, model, epoch, train_loss, val_loss):
    log_epoch(writer, model, epoch, val_loss, train_loss)


def own_tag_names(writer, model, epoch, train_loss, val_loss):
    writer.add_scalar("train_loss", train_loss, epoch)
    writer.add_scalar("val_loss", val_loss, epoch)


def scalars_only(writer, model, epoch, train_loss, val_loss):
    writer.add_scalar("loss/train", train_loss, epoch)
    writer.add_scalar("loss/validation", val_loss, epoch)


def one_parameter_everywhere(writer, model, epoch, train_loss, val_loss):
    scalars_only(writer, model, epoch, train_loss, val_loss)
    first = next(model.parameters())
    for name, _ in model.named_parameters():
        writer.add_histogram(f"parameters/{name}", first, epoch)


def histogram_at_step_zero(writer, model, epoch, train_loss, val_loss):
    scalars_only(writer, model, epoch, train_loss, val_loss)
    for name, p in model.named_parameters():
        writer.add_histogram(f"parameters/{name}", p)


def nothing_logged(writer, model, epoch, train_loss, val_loss):
    pass


def with_add_scalars(writer, model, epoch, train_loss, val_loss):
    writer.add_scalars("loss", {"train": train_loss, "validation": val_loss}, epoch)
    for name, p in model.named_parameters():
        writer.add_histogram(f"parameters/{name}", p, epoch)


def histograms_of_gradients(writer, model, epoch, train_loss, val_loss):
    scalars_only(writer, model, epoch, train_loss, val_loss)
    for name, p in model.named_parameters():
        writer.add_histogram(f"parameters/{name}", p.grad, epoch)


check_log = checks_07.check_log_epoch

test_log_mistakes_are_named = wrong_answers_named(
    check_log,
    [
        ("no_global_step", no_global_step, "steps", "global_step=epoch"),
        ("swapped_losses", swapped_losses, "swapped", "swapped"),
        ("own_tag_names", own_tag_names, "tags", "'loss/train'"),
        ("with_add_scalars", with_add_scalars, "add_scalars", "separate sub-runs"),
        ("scalars_only", scalars_only, "histograms", "No histograms"),
        ("one_parameter_everywhere", one_parameter_everywhere, "values", "does not summarise"),
        (
            "histogram_at_step_zero",
            histogram_at_step_zero,
            "steps",
            "Pass global_step=epoch to add_histogram",
        ),
        ("nothing_logged", nothing_logged, "empty", "Nothing was logged"),
    ],
)
test_log_right_answers_pass = right_answers_pass(check_log, [log_epoch, positional_and_detached])
test_log_not_attempted = not_attempted(check_log)


def test_a_gradient_histogram_before_backward_is_explained():
    result = check_log(histograms_of_gradients, strict=False)
    assert result.status == "error", result.message
    assert "TensorBoard could not log a value" in result.message


def test_the_log_check_quotes_no_tolerance():
    message = check_log(log_epoch, strict=False).message
    assert message.startswith("✓") and "rtol" not in message, message


# ---------------------------------------------------------------- Exercise 7.2: Keras weights into
# the torch port


def with_numpy_transpose(weights):
    return {
        f"{2 * i}.{part}": torch.from_numpy(
            np.ascontiguousarray(np.transpose(w) if part == "weight" else w)
        )
        for i in range(len(weights) // 2)
        for part, w in (("weight", weights[2 * i]), ("bias", weights[2 * i + 1]))
    }


def with_permute(weights):
    state = {}
    kernels, biases = weights[0::2], weights[1::2]
    for i, (k, b) in enumerate(zip(kernels, biases)):
        state[f"{2 * i}.weight"] = torch.as_tensor(k).permute(1, 0)
        state[f"{2 * i}.bias"] = torch.as_tensor(b)
    return state


def not_transposed(weights):
    return {
        f"{2 * i}.{part}": torch.as_tensor(weights[2 * i + (part == "bias")])
        for i in range(len(weights) // 2)
        for part in ("weight", "bias")
    }


def square_not_transposed(weights):
    state = with_permute(weights)
    for key in state:
        if key.endswith("weight") and state[key].shape[0] == state[key].shape[1]:
            state[key] = state[key].T
    return state


def consecutive_keys(weights):
    return {
        f"{i}.{part}": v
        for i in range(len(weights) // 2)
        for part, v in (
            ("weight", torch.as_tensor(weights[2 * i]).T),
            ("bias", torch.as_tensor(weights[2 * i + 1])),
        )
    }


def numpy_values(weights):
    return {k: v.numpy() for k, v in with_permute(weights).items()}


def as_a_list(weights):
    return list(with_permute(weights).values())


def layers_reversed(weights):
    pairs = list(zip(weights[0::2], weights[1::2]))[::-1]
    flat = [a for pair in pairs for a in pair]
    return with_permute(flat)


def reshaped_not_transposed(weights):
    """reshape gives the right shape, but keeps the kernel's memory order: the numbers are
    scrambled."""
    state = with_permute(weights)
    for i, kernel in enumerate(weights[0::2]):
        state[f"{2 * i}.weight"] = torch.as_tensor(kernel).reshape(kernel.shape[1], kernel.shape[0])
    return state


def viewed_not_transposed(weights):
    state = with_permute(weights)
    for i, kernel in enumerate(weights[0::2]):
        state[f"{2 * i}.weight"] = torch.from_numpy(kernel).view(kernel.shape[::-1])
    return state


def in_float64(weights):
    return {k: v.double() for k, v in with_permute(weights).items()}


def forgets_return(weights):
    with_permute(weights)


def three_layers_only(weights):
    """Written out for the guide's three layers: right there, but not for any other depth."""
    k1, b1, k2, b2, k3, b3 = weights[:6]
    return {
        "0.weight": torch.as_tensor(k1).T,
        "0.bias": torch.as_tensor(b1),
        "2.weight": torch.as_tensor(k2).T,
        "2.bias": torch.as_tensor(b2),
        "4.weight": torch.as_tensor(k3).T,
        "4.bias": torch.as_tensor(b3),
    }


check_state = checks_07.check_keras_to_torch

test_state_mistakes_are_named = wrong_answers_named(
    check_state,
    [
        ("not_transposed", not_transposed, "transposed", "transposed"),
        ("square_not_transposed", square_not_transposed, "transposed", "transposed"),
        ("consecutive_keys", consecutive_keys, "keys", "ReLU module"),
        ("numpy_values", numpy_values, "type", "torch.as_tensor"),
        ("as_a_list", as_a_list, "structure", "Return a dict"),
        ("layers_reversed", layers_reversed, "shape", "Wrong shape"),
        ("reshaped_not_transposed", reshaped_not_transposed, "reshaped", "reshape (or view) keeps"),
        ("viewed_not_transposed", viewed_not_transposed, "reshaped", "Transpose instead"),
        ("in_float64", in_float64, "dtype", "return float32 tensors"),
        ("forgets_return", forgets_return, "none", "return"),
        ("three_layers_only", three_layers_only, "layers", "any number of layers"),
    ],
)
test_state_right_answers_pass = right_answers_pass(
    check_state, [torch_state_from_keras, with_numpy_transpose, with_permute]
)
test_state_not_attempted = not_attempted(check_state)


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")

    def arrays(weights):  # transposed right, but left as NumPy arrays
        return {
            f"{2 * i}.{name}": (w.T if name == "weight" else w)
            for i in range(len(weights) // 2)
            for name, w in zip(("weight", "bias"), weights[2 * i : 2 * i + 2])
        }

    result = checks_07.check_keras_to_torch(arrays, strict=False)
    assert result.message.startswith("✗ 练习 7.2（把 Keras 权重搬到 PyTorch 移植版中）"), (
        result.message
    )
    assert result.verdict.kind == "type"
    assert "load_state_dict 需要 torch 张量" in result.message
