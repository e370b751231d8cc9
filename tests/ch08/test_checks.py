"""Chapter 8's checks must name each catalogued wrong answer, pass the reference and other right
answers (one in place, one in another style), and report a stub as not attempted."""

import numpy as np
import pytest
import torch

from utils.ch08.attribution import input_gradient
from utils.ch08 import checks_08b
from utils.ch08 import checks_08c
from utils.ch08 import checks_08d
from utils.ch08.compression import INT8_MAX, quantize_per_channel
from utils.ch08.privacy import clip_and_sum


def stub(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- Exercise 8.1: clip per example,
# then sum


def clip_with_einsum(grad_samples, max_norm):
    norms = torch.sqrt(sum(g.reshape(len(g), -1).pow(2).sum(dim=1) for g in grad_samples))
    factor = torch.clamp(max_norm / (norms + 1e-6), max=1.0)
    return [torch.einsum("i,i...->...", factor, g) for g in grad_samples]


def clip_in_place_with_loop(grad_samples, max_norm):
    out = []
    for i in range(len(grad_samples[0])):
        norm = float(torch.cat([g[i].flatten() for g in grad_samples]).norm())
        if norm > max_norm:
            for g in grad_samples:
                g[i] *= max_norm / norm  # in place, and without Opacus' 1e-6
    for g in grad_samples:
        out.append(g.sum(dim=0))
    return out


def clip_in_float64(grad_samples, max_norm):
    return tuple(g.float() for g in clip_with_einsum([g.double() for g in grad_samples], max_norm))


@pytest.mark.parametrize(
    "right", [clip_and_sum, clip_with_einsum, clip_in_place_with_loop, clip_in_float64]
)
def test_clip_check_passes_right_answers(right):
    result = checks_08b.check_clip_and_sum(right, strict=False)
    assert result.status == "passed", result.message


@pytest.mark.parametrize(
    "kind, wrong, message", checks_08b.CLIP_MISTAKES, ids=[m[0] for m in checks_08b.CLIP_MISTAKES]
)
def test_clip_check_names_each_mistake(kind, wrong, message):
    result = checks_08b.check_clip_and_sum(wrong, strict=False)
    assert result.status == "failed" and result.verdict.kind == kind, result.message
    assert message in result.message


def test_clip_check_other_failures():
    assert checks_08b.check_clip_and_sum(stub, strict=False).status == "not attempted"
    assert checks_08b.check_clip_and_sum(lambda g, c: None, strict=False).verdict.kind == "none"
    single = checks_08b.check_clip_and_sum(
        lambda g, c: torch.cat([s.flatten() for s in clip_and_sum(g, c)]), strict=False
    )
    assert (
        single.verdict.kind == "structure" and "one summed gradient per parameter" in single.message
    )
    assert checks_08b.check_clip_and_sum(stub, strict=False).reference is clip_and_sum


# ---------------------------------------------------------------- Exercise 8.2: saliency


def saliency_with_backward(model, X, target):
    X = X.clone().requires_grad_()
    logits = model(X)
    logits[torch.arange(len(X)), target].sum().backward()
    return X.grad.abs()


def saliency_in_place(model, X, target):
    X.requires_grad_(True)  # on the caller's tensor
    out = model(X).gather(1, target[:, None]).sum()
    (g,) = torch.autograd.grad(out, X)
    return torch.abs(g)


def saliency_one_at_a_time(model, X, target):
    maps = []
    for i in range(len(X)):
        x = X[i : i + 1].clone().requires_grad_(True)
        model(x)[0, target[i]].backward()
        maps.append(x.grad.abs())
    return torch.cat(maps)


@pytest.mark.parametrize(
    "right", [input_gradient, saliency_with_backward, saliency_in_place, saliency_one_at_a_time]
)
def test_saliency_check_passes_right_answers(right):
    result = checks_08c.check_saliency(right, strict=False)
    assert result.status == "passed", result.message


@pytest.mark.parametrize(
    "kind, wrong, message",
    checks_08c.SALIENCY_MISTAKES,
    ids=[m[0] for m in checks_08c.SALIENCY_MISTAKES],
)
def test_saliency_check_names_each_mistake(kind, wrong, message):
    result = checks_08c.check_saliency(wrong, strict=False)
    assert result.status == "failed" and result.verdict.kind == kind, result.message
    assert message in result.message


def test_saliency_check_other_failures():
    assert checks_08c.check_saliency(stub, strict=False).status == "not attempted"
    flat = checks_08c.check_saliency(
        lambda m, X, t: input_gradient(m, X, t).reshape(len(X), -1), strict=False
    )
    assert flat.status == "failed" and "shape" in flat.message


def test_saliency_matches_captum():
    from captum.attr import Saliency

    model, X, target = checks_08c.saliency_case("cnn", 4, 5)
    ours = input_gradient(model, X, target)
    theirs = Saliency(model).attribute(X.clone(), target=target)
    assert torch.allclose(ours, theirs, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- Exercise 8.3: symmetric
# per-channel int8


def quantize_numpy(W):
    W = W.detach().numpy().astype(np.float64)
    scale = np.abs(W).max(axis=1, keepdims=True) / 127.0
    q = np.clip(np.rint(W / scale), -127, 127).astype(np.int8)
    return torch.from_numpy(q), torch.from_numpy(scale.astype(np.float32))


def quantize_with_reciprocal(W):
    scale = W.abs().max(dim=1, keepdim=True).values / 127
    return (W * (1.0 / scale)).round().clamp(-127, 127).to(torch.int8), scale


def quantize_in_place(W):
    scale = W.abs().amax(dim=1, keepdim=True) / 127
    W /= scale  # in place on the caller's copy
    return W.round_().to(torch.int8), scale


@pytest.mark.parametrize(
    "right", [quantize_per_channel, quantize_numpy, quantize_with_reciprocal, quantize_in_place]
)
def test_quantizer_check_passes_right_answers(right):
    result = checks_08d.check_quantizer(right, strict=False)
    assert result.status == "passed", result.message


@pytest.mark.parametrize(
    "kind, wrong, message",
    checks_08d.QUANTIZATION_MISTAKES,
    ids=[m[0] for m in checks_08d.QUANTIZATION_MISTAKES],
)
def test_quantizer_check_names_each_mistake(kind, wrong, message):
    result = checks_08d.check_quantizer(lambda W: wrong(W)[:2], strict=False)
    assert result.status == "failed" and result.verdict.kind == kind, result.message
    assert message in result.message


def test_quantizer_check_other_failures():
    def float_q(W):
        q, scale = quantize_per_channel(W)
        return q.float(), scale

    def one_scale(W):
        scale = W.abs().max() / INT8_MAX
        return torch.round(W / scale).to(torch.int8), scale

    def per_column(W):
        scale = W.abs().amax(dim=0, keepdim=True) / INT8_MAX
        return torch.round(W / scale).clamp(-127, 127).to(torch.int8), scale

    def flat_scale(W):
        q, scale = quantize_per_channel(W)
        return q, scale.reshape(-1)

    assert checks_08d.check_quantizer(stub, strict=False).status == "not attempted"
    assert checks_08d.check_quantizer(float_q, strict=False).verdict.kind == "dtype"
    assert checks_08d.check_quantizer(one_scale, strict=False).verdict.kind == "per-tensor"
    assert checks_08d.check_quantizer(per_column, strict=False).verdict.kind == "per-column"
    squeezed = checks_08d.check_quantizer(flat_scale, strict=False)
    assert squeezed.verdict.kind == "squeezed" and "keepdims" in squeezed.message
    assert (
        checks_08d.check_quantizer(lambda W: quantize_per_channel(W)[0], strict=False).verdict.kind
        == "structure"
    )


def test_quantization_tie_tolerance():
    W = torch.tensor(
        [[127.0, 0.5, -1.5, 2.5]]
    )  # scale 1: W / scale has exact ties at 0.5, −1.5, 2.5
    q, scale = quantize_per_channel(W)
    expected = (q, scale, W)
    away_from_zero = torch.tensor([[127, 1, -2, 3]], dtype=torch.int8)
    assert checks_08d.compare_quantization((away_from_zero, scale), expected).passed
    off_by_one = torch.tensor([[126, 0, -2, 2]], dtype=torch.int8)
    assert not checks_08d.compare_quantization((off_by_one, scale), expected).passed


def test_answers_returned_as_numpy_are_told_to_stay_in_torch():
    numpy_clip = lambda grad_samples, max_norm: [
        g.numpy() for g in clip_and_sum(grad_samples, max_norm)
    ]
    result = checks_08b.check_clip_and_sum(numpy_clip, strict=False)
    assert result.verdict.kind == "type" and "torch tensors" in result.message

    numpy_saliency = lambda model, X, target: input_gradient(model, X, target).abs().numpy()
    result = checks_08c.check_saliency(numpy_saliency, strict=False)
    assert result.verdict.kind == "type" and "no .numpy()" in result.message

    numpy_quantizer = lambda W: tuple(t.numpy() for t in quantize_per_channel(W)[:2])
    result = checks_08d.check_quantizer(numpy_quantizer, strict=False)
    assert result.verdict.kind == "type" and "torch tensors (q, scale)" in result.message


def test_a_quantizer_returning_scale_then_q_is_told_the_order():
    result = checks_08d.check_quantizer(
        lambda W: tuple(reversed(quantize_per_channel(W)[:2])), strict=False
    )
    assert result.verdict.kind == "order" and "(q, scale)" in result.message
