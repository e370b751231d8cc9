"""The course's trainer: Keras' validation split, the device from pick_device, determinism, the same
numbers with any equivalent step, bf16 autocast on the forward pass and loss only (on CPU here, on
CUDA where present), augmentation hooks."""

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import utils.training
from utils.data import breast_cancer_split, standardise_splits
from utils.models import digits_cnn, guide_mlp, predict_proba
from utils.training import (
    KERAS_ADAM_EPS,
    as_tensors,
    autocast_dtype,
    batch_loss,
    keras_validation_split,
    make_optimizer,
    train,
    training_step,
)


@pytest.fixture(scope="module")
def cancer():
    d = breast_cancer_split()
    X_train, X_test = standardise_splits(d["X_train"], d["X_test"])
    X_fit, y_fit, X_val, y_val = keras_validation_split(X_train, d["y_train"], 0.2)
    return X_fit, y_fit, X_val, y_val, X_test, d["y_test"]


def fit(cancer, seed=0, device="cpu", **kwargs):
    X_fit, y_fit, X_val, y_val = cancer[:4]
    torch.manual_seed(seed)
    model = guide_mlp(X_fit.shape[1])
    history = train(
        model,
        X_fit,
        y_fit,
        validation=(X_val, y_val),
        seed=seed,
        device=device,
        progress=False,
        **kwargs,
    )
    return model, history


def test_with_no_device_the_trainer_asks_pick_device(monkeypatch):
    asked = []

    def pick_device():
        asked.append(True)
        return torch.device("cpu")

    monkeypatch.setattr(utils.training, "pick_device", pick_device)
    history = train(guide_mlp(3), np.zeros((8, 3)), np.ones(8), epochs=1, progress=False)
    assert asked == [True] and history["device"] == "cpu"


def test_keras_validation_split_takes_the_last_rows_unshuffled():
    X, y = np.arange(455 * 2).reshape(455, 2), np.arange(455)
    X_fit, y_fit, X_val, y_val = keras_validation_split(X, y, 0.2)
    assert len(X_fit) == 364 and len(X_val) == 91  # floor(455 · 0.8), as Keras computes it
    assert np.array_equal(y_val, np.arange(364, 455)) and np.array_equal(X_fit, X[:364])
    with pytest.raises(ValueError):
        keras_validation_split(X[:1], y[:1], 0.2)


def test_as_tensors_shapes_and_dtypes():
    X, y = as_tensors(np.zeros((4, 3)), np.array([0, 1, 1, 0]), "cpu")
    assert X.dtype == torch.float32 and y.shape == (4, 1) and y.dtype == torch.float32
    _, labels = as_tensors(np.zeros((4, 3)), np.array([0, 3, 9, 1]), "cpu", classes=10)
    assert labels.shape == (4,) and labels.dtype == torch.int64


def test_optimizer_is_adam_with_keras_epsilon():
    optimizer = make_optimizer(guide_mlp(3), lr=1e-3)
    assert isinstance(optimizer, torch.optim.Adam)
    group = optimizer.param_groups[0]
    assert group["eps"] == KERAS_ADAM_EPS and group["lr"] == 1e-3


def test_history_and_learning(cancer):
    model, history = fit(cancer)
    assert history["steps"] == 10 * math.ceil(364 / 32)
    assert len(history["loss"]) == len(history["val_loss"]) == len(history["val_accuracy"]) == 10
    assert history["loss"][-1] < history["loss"][0] / 3
    assert history["val_accuracy"][-1] > 0.9
    assert history["device"] == "cpu" and history["dtype"] == "float32" and history["seconds"] > 0
    p = predict_proba(model, torch.tensor(cancer[4], dtype=torch.float32)).numpy()
    assert np.mean((p > 0.5) == cancer[5]) > 0.93


def test_a_rerun_gives_identical_numbers(cancer):
    (a, ha), (b, hb) = fit(cancer, seed=3), fit(cancer, seed=3)
    assert ha["loss"] == hb["loss"] and ha["val_loss"] == hb["val_loss"]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_the_textbook_step_gives_the_same_numbers_as_the_built_in_one(cancer):
    _, built_in = fit(cancer, seed=1)
    _, textbook = fit(cancer, seed=1, step=training_step)
    assert np.allclose(built_in["loss"], textbook["loss"], rtol=0, atol=1e-7)


def test_epoch_loss_is_the_mean_over_all_rows():
    """With a learning rate of 0 the weights never move, so the epoch's loss is the full-data mean
    loss."""
    torch.manual_seed(0)
    X, y = torch.randn(70, 5), (torch.rand(70) < 0.5).float()
    model = guide_mlp(5)
    history = train(
        model,
        X,
        y,
        epochs=2,
        batch_size=32,
        device="cpu",
        progress=False,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.0),
    )
    with torch.no_grad():
        full = float(batch_loss(model(X), y.reshape(-1, 1)))
    assert history["loss"] == pytest.approx([full, full], rel=1e-6)


def _pretend_cuda_gpu(monkeypatch, major: int) -> None:
    """Make torch's capability queries describe a CUDA GPU of compute capability `major`.x, on
    which bf16 can at least be emulated (as `_check_bf16_tensor_supported` finds on Volta)."""
    monkeypatch.setattr(torch.version, "hip", None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(
        torch.cuda,
        "get_device_properties",
        lambda device=None: SimpleNamespace(major=major, minor=0, name=f"sm_{major}0"),
    )
    monkeypatch.setattr(torch.cuda, "_check_bf16_tensor_supported", lambda device: True)


@pytest.mark.parametrize(
    "major, expected",
    [(7, None), (8, torch.bfloat16), (9, torch.bfloat16)],
    ids=["sm70", "sm80", "sm90"],
)
def test_auto_mixed_precision_is_bf16_only_where_tensor_cores_compute_it(
    monkeypatch, major, expected
):
    """On a Volta or Turing GPU `is_bf16_supported()` says True (emulated bf16), yet the trainer
    stays in float32; from Ampere (8.0) on it autocasts to bf16. The CPU never does by itself."""
    _pretend_cuda_gpu(monkeypatch, major)
    assert torch.cuda.is_bf16_supported()  # the default counts emulation, on every one of these
    assert autocast_dtype(torch.device("cuda")) == expected
    assert autocast_dtype("cuda", amp=True) == torch.bfloat16  # asked for: bf16 whatever the GPU
    assert autocast_dtype("cuda", amp=False) is None
    assert autocast_dtype(torch.device("cpu")) is None


def test_bf16_autocast_path_runs_on_cpu_and_a_custom_step_gets_the_same_numbers(cancer):
    assert autocast_dtype(torch.device("cpu")) is None
    assert autocast_dtype(torch.device("cpu"), amp=True) == torch.bfloat16
    (_, built_in), (_, custom) = fit(cancer, amp=True), fit(cancer, amp=True, step=training_step)
    for history in (built_in, custom):
        assert history["dtype"] == "bfloat16"
        assert all(math.isfinite(v) for v in history["loss"]) and history["val_accuracy"][-1] > 0.85
    assert (
        built_in["loss"] == custom["loss"]
    )  # the same arithmetic: bf16 forward, float32 loss, backward outside


def test_autocast_reaches_a_custom_steps_forward_pass_but_never_its_backward_or_update(cancer):
    seen = {}

    def recording_step(model, optimizer, X, y):
        optimizer.zero_grad()
        logits = model(X)
        seen["logits"] = logits.dtype
        seen["loss"] = torch.is_autocast_enabled("cpu")
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
        seen["backward"] = torch.is_autocast_enabled("cpu")
        loss.backward()
        optimizer.step()
        return loss.detach()

    model = guide_mlp(30)
    model[0].register_forward_hook(
        lambda module, args, out: seen.__setitem__(
            "forward", (torch.is_autocast_enabled("cpu"), out.dtype)
        )
    )
    train(model, *cancer[:2], epochs=1, amp=True, device="cpu", step=recording_step, progress=False)
    assert seen["forward"] == (True, torch.bfloat16)  # the forward pass runs in bf16
    assert (
        seen["logits"] == torch.float32
    )  # and hands the loss float32 logits, as autocast's loss would use
    assert not seen["backward"] and not seen["loss"]


def test_multiclass_with_augmentation_calls_the_hook_on_every_batch():
    calls = []

    def augment(xb, generator):
        calls.append(len(xb))
        return xb + 0.01 * torch.randn(xb.shape, generator=generator, device=xb.device)

    torch.manual_seed(0)
    X, y = torch.rand(100, 1, 8, 8), torch.randint(0, 10, (100,))
    history = train(
        digits_cnn(4),
        X,
        y,
        classes=10,
        epochs=2,
        batch_size=32,
        augment=augment,
        validation=(X[:20], y[:20]),
        device="cpu",
        progress=False,
    )
    assert calls == [32, 32, 32, 4] * 2
    assert len(history["val_accuracy"]) == 2 and 0 <= history["val_accuracy"][0] <= 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU (CUDA)")
def test_trainer_on_cuda_with_bf16_and_no_per_step_sync(cancer):
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model, history = fit(cancer, device="cuda")
    finally:
        torch.cuda.set_sync_debug_mode(0)
    syncs = [w for w in caught if "synchroniz" in str(w.message).lower()]
    native_bf16 = torch.cuda.is_bf16_supported(including_emulation=False)  # Ampere or newer
    assert history["device"] == "cuda"
    assert history["dtype"] == ("bfloat16" if native_bf16 else "float32")
    assert len(syncs) < history["steps"], f"{len(syncs)} host syncs for {history['steps']} steps"
    assert next(model.parameters()).device.type == "cuda"
    assert history["val_accuracy"][-1] > 0.9
