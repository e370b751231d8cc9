"""2-D convolution and max-pooling in NumPy, with torch's conventions: inputs (N × C × H × W),
weights (K × C × kh × kw), cross-correlation (the kernel is not flipped); and the output-size and
parameter arithmetic."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_output_size(
    n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """⌊(n + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1: the output length along one
    axis."""
    if kernel < 1 or stride < 1 or padding < 0 or dilation < 1:
        raise ValueError(
            f"need kernel ≥ 1, stride ≥ 1, padding ≥ 0, dilation ≥ 1; got {kernel}, {stride}, "
            f"{padding}, {dilation}"
        )
    span = dilation * (kernel - 1) + 1
    if n + 2 * padding < span:
        raise ValueError(
            f"a kernel spanning {span} does not fit in an input of {n} padded by {padding} on each "
            "side"
        )
    return (n + 2 * padding - span) // stride + 1


def correlate2d(image, kernel) -> np.ndarray:
    """One channel, no padding, stride 1: out[i, j] = Σ_{u,v} image[i + u, j + v] · kernel[u, v]."""
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"image and kernel must be 2-D, got shapes {image.shape} and {kernel.shape}"
        )
    return conv2d(image[None, None], kernel[None, None])[0, 0]


def conv2d(x, w, b=None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """out[n, k, i, j] = b[k] + Σ_{c,u,v} x_padded[n, c, i·s + u, j·s + v] · w[k, c, u, v], as
    F.conv2d."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(
            f"x must be (N × C × H × W) and w (K × C × kh × kw); got shapes {x.shape} and {w.shape}"
        )
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but each filter expects {w.shape[1]}")
    for n, k in zip(x.shape[2:], w.shape[2:]):
        conv_output_size(n, k, stride, padding)  # raises a clear error when the kernel does not fit
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))[
        :, :, ::stride, ::stride
    ]  # (N, C, H', W', kh, kw)
    out = np.einsum("nchwuv,kcuv->nkhw", windows, w, optimize=True)
    return out if b is None else out + np.asarray(b, dtype=np.float64)[None, :, None, None]


def conv2d_backward(x, w, d_out, stride: int = 1, padding: int = 0):
    """Gradients (dx, dw, db) of a loss L through out = conv2d(x, w, b, stride, padding), given
    d_out = ∂L/∂out. Both are convolutions again: dw correlates the padded input with d_out, and dx
    is a full convolution of d_out with the kernel flipped by 180°, input and output channels
    swapped. A stride > 1 first spreads d_out out with stride − 1 zeros between its entries."""
    x, w, d_out = (np.asarray(a, dtype=np.float64) for a in (x, w, d_out))
    kh, kw = w.shape[2:]
    x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    # d_out at stride 1: the positions the stride skipped (and any row or column left over at the
    # bottom or right, where no window started) get zero gradient.
    rows, cols = x_padded.shape[2] - kh + 1, x_padded.shape[3] - kw + 1
    d_full = np.zeros(d_out.shape[:2] + (rows, cols))
    d_full[:, :, ::stride, ::stride] = d_out
    # dw[k, c, u, v] = Σ_n Σ_i,j x_padded[n, c, i + u, j + v] · d_full[n, k, i, j]:
    # a correlation of x with d_full, in which the batch plays the part of the channels.
    dw = conv2d(x_padded.transpose(1, 0, 2, 3), d_full.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    # dx_padded[n, c, a, b] = Σ_k Σ_u,v d_full[n, k, a − u, b − v] · w[k, c, u, v]: d_full padded
    # by kernel − 1 on every side, correlated with the flipped kernel.
    d_around = np.pad(d_full, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    dx_padded = conv2d(d_around, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    dx = dx_padded[:, :, padding : padding + x.shape[2], padding : padding + x.shape[3]]
    db = d_out.sum(axis=(0, 2, 3))
    return dx, dw, db


def max_pool2d(x, kernel: int, stride: int | None = None) -> np.ndarray:
    """The largest value in each kernel × kernel window of each channel (stride = kernel unless
    given), as F.max_pool2d."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"x must be (N × C × H × W), got shape {x.shape}")
    stride = stride or kernel
    for n in x.shape[2:]:
        conv_output_size(n, kernel, stride)
    return sliding_window_view(x, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride].max(
        axis=(-2, -1)
    )


def conv_parameters(in_channels: int, out_channels: int, kernel: int, bias: bool = True) -> int:
    """K·C·k² weights (+ K biases): independent of the image size, because every position shares
    them."""
    return out_channels * in_channels * kernel * kernel + (out_channels if bias else 0)


def dense_parameters(n_in: int, n_out: int, bias: bool = True) -> int:
    """n_in·n_out weights (+ n_out biases)."""
    return n_in * n_out + (n_out if bias else 0)
