"""Chapter 7's checks name each catalogued wrong answer, pass right answers written other ways, and
report a stub as not attempted."""

import numpy as np
import pytest
import torch

from utils.ch07 import checks_07
from utils.ch07.keras_port import torch_state_from_keras
from utils.ch07.tensorboard_logs import log_epoch

# ---------------------------------------------------------------- Exercise 7.1: log one epoch


def check_log(fn):
    return checks_07.check_log_epoch(fn, strict=False)


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


def histograms_of_gradients(writer, model, epoch, train_loss, val_loss):
    scalars_only(writer, model, epoch, train_loss, val_loss)
    for name, p in model.named_parameters():
        writer.add_histogram(f"parameters/{name}", p.grad, epoch)


LOG_CATALOGUE = [
    (no_global_step, "failed", "steps", "global_step=epoch"),
    (swapped_losses, "failed", "swapped", "swapped"),
    (own_tag_names, "failed", "tags", "'loss/train'"),
    (scalars_only, "failed", "histograms", "No histograms"),
    (one_parameter_everywhere, "failed", "values", "does not summarise"),
    (histogram_at_step_zero, "failed", "steps", "Pass global_step=epoch to add_histogram"),
    (nothing_logged, "failed", "empty", "Nothing was logged"),
    (histograms_of_gradients, "error", None, "TensorBoard could not log a value"),
]


@pytest.mark.parametrize(
    "wrong, status, kind, phrase", LOG_CATALOGUE, ids=[c[0].__name__ for c in LOG_CATALOGUE]
)
def test_log_check_names_the_mistake(wrong, status, kind, phrase):
    result = check_log(wrong)
    assert result.status == status, result.message
    if kind is not None:
        assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def test_log_check_passes_right_answers_and_reports_a_stub():
    assert check_log(log_epoch).status == "passed"
    assert check_log(positional_and_detached).status == "passed"

    def stub(*args):
        raise NotImplementedError

    assert check_log(stub).status == "not attempted"


# ---------------------------------------------------------------- Exercise 7.2: Keras weights into
# the torch port


def check_state(fn):
    return checks_07.check_keras_to_torch(fn, strict=False)


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


STATE_CATALOGUE = [
    (not_transposed, "transposed", "transposed"),
    (square_not_transposed, "transposed", "transposed"),
    (consecutive_keys, "keys", "ReLU module"),
    (numpy_values, "type", "torch.as_tensor"),
    (as_a_list, "structure", "Return a dict"),
    (layers_reversed, "shape", "Wrong shape"),
    (reshaped_not_transposed, "reshaped", "reshape (or view) keeps"),
    (viewed_not_transposed, "reshaped", "Transpose instead"),
    (in_float64, "dtype", "return float32 tensors"),
    (forgets_return, "none", "return"),
]


@pytest.mark.parametrize(
    "wrong, kind, phrase", STATE_CATALOGUE, ids=[c[0].__name__ for c in STATE_CATALOGUE]
)
def test_state_check_names_the_mistake(wrong, kind, phrase):
    result = check_state(wrong)
    assert result.status == "failed", result.message
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def test_state_check_passes_right_answers_and_reports_a_stub():
    for right in (torch_state_from_keras, with_numpy_transpose, with_permute):
        assert check_state(right).status == "passed", right.__name__

    def stub(weights):
        raise NotImplementedError

    assert check_state(stub).status == "not attempted"
