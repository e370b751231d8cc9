"""Scaled dot-product attention in NumPy: softmax(Q·Kᵀ/√d_k + mask)·V, its backward pass by hand,
and what the 1/√d_k scale does to the softmax. Rows are positions: Q, K are (T × d_k), V is (T ×
d_v); leading batch axes allowed."""

from __future__ import annotations

import numpy as np


def softmax(S: np.ndarray, axis: int = -1) -> np.ndarray:
    """Stable softmax along `axis`: the maximum is subtracted first, so no exponent overflows; −inf
    gives weight 0."""
    shifted = S - np.max(S, axis=axis, keepdims=True)
    E = np.exp(shifted)
    return E / np.sum(E, axis=axis, keepdims=True)


def causal_mask(T: int) -> np.ndarray:
    """(T × T) booleans, True where query i may look at key j, i.e. j ≤ i: the present and the
    past."""
    if T < 1:
        raise ValueError(f"The context must hold at least 1 position, got T = {T}.")
    return np.tril(np.ones((T, T), dtype=bool))


def _validate(Q: np.ndarray, K: np.ndarray, V: np.ndarray, causal: bool) -> None:
    for name, X in (("Q", Q), ("K", K), ("V", V)):
        if X.ndim < 2:
            raise ValueError(
                f"{name} must have at least 2 axes (positions × features), got shape {X.shape}."
            )
        if X.shape[-2] == 0 or X.shape[-1] == 0:
            raise ValueError(
                f"{name} has shape {X.shape}: zero positions or zero features. The context must "
                "hold at least 1 token."
            )
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} contains NaN or inf; attention needs finite inputs.")
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(
            f"Q and K must have the same feature size d_k to be compared: {Q.shape} vs {K.shape}."
        )
    if K.shape[-2] != V.shape[-2]:
        raise ValueError(f"K and V need one row per key position: {K.shape} vs {V.shape}.")
    if causal and Q.shape[-2] != K.shape[-2]:
        raise ValueError(
            f"A causal mask needs as many queries as keys: {Q.shape[-2]} vs {K.shape[-2]}."
        )


def attention_weights(Q: np.ndarray, K: np.ndarray, causal: bool = True) -> np.ndarray:
    """P = softmax(Q·Kᵀ/√d_k) over the keys (the last axis), with future keys masked to −inf when
    causal."""
    S = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if causal:
        S = np.where(causal_mask(Q.shape[-2]), S, -np.inf)
    return softmax(S, axis=-1)


def attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, causal: bool = True) -> np.ndarray:
    """softmax(Q·Kᵀ/√d_k + mask)·V, of shape (T × d_v)."""
    Q, K, V = (np.asarray(X, dtype=np.float64) for X in (Q, K, V))
    _validate(Q, K, V, causal)
    return attention_weights(Q, K, causal) @ V


def attention_backward(
    dO: np.ndarray, Q: np.ndarray, K: np.ndarray, V: np.ndarray, causal: bool = True
):
    """(dQ, dK, dV) given dO = ∂L/∂O for O = attention(Q, K, V).

    With S = Q·Kᵀ/√d_k and P = softmax(S): dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
    dQ = dS·K/√d_k, dK = dSᵀ·Q/√d_k. Masked entries have P = 0, so they pass no gradient.
    """
    Q, K, V, dO = (np.asarray(X, dtype=np.float64) for X in (Q, K, V, dO))
    _validate(Q, K, V, causal)
    if dO.shape != Q.shape[:-1] + (V.shape[-1],):
        raise ValueError(
            f"dO must have the shape of the output, {Q.shape[:-1] + (V.shape[-1],)}; got "
            f"{dO.shape}."
        )
    scale = 1.0 / np.sqrt(Q.shape[-1])
    P = attention_weights(Q, K, causal)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ K * scale, np.swapaxes(dS, -1, -2) @ Q * scale, dV


def causal_attention(Q, K, V):
    """Causal attention (the reference for the forward exercise)."""
    return attention(Q, K, V, causal=True)


def causal_attention_backward(dO, Q, K, V):
    """(dQ, dK, dV) of causal attention (the reference for the backward exercise)."""
    return attention_backward(dO, Q, K, V, causal=True)


def softmax_saturation(
    d_k: int, n_keys: int = 64, scaled: bool = True, n_queries: int = 256, seed: int = 0
) -> dict[str, float]:
    """What the scale does, measured on queries and keys with independent N(0, 1) entries: the
    spread of the scores, the share of queries whose top key takes over 99% of the weight, and the
    median size of the softmax's Jacobian diag(p) − p·pᵀ (Frobenius norm), which multiplies every
    gradient flowing back into the scores."""
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(n_queries, d_k))
    K = rng.normal(size=(n_keys, d_k))
    S = Q @ K.T / (np.sqrt(d_k) if scaled else 1.0)
    P = softmax(S, axis=-1)
    p2, p3 = np.sum(P**2, axis=-1), np.sum(P**3, axis=-1)
    jacobian = np.sqrt(
        np.maximum(p2 - 2 * p3 + p2**2, 0.0)
    )  # ‖diag(p) − p pᵀ‖_F² = Σp² − 2Σp³ + (Σp²)²
    return {
        "score std": float(S.std()),
        "saturated rows": float(np.mean(P.max(axis=-1) > 0.99)),
        "softmax gradient": float(np.median(jacobian)),
    }
