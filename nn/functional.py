"""Activations and losses as functions, each a composition of autograd_lite primitives.

Nothing here computes with NumPy directly: every formula is built from Tensor
operations, so gradients (of any order) come from the engine and every step
shows up in the graph. NumPy only converts targets and builds index arrays.

Losses take `reduction="mean"` (average over elements), `"sum"` or `"none"`
(one loss per element or per sample).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite as ag

# ----------------------------------------------------------------------------- activations


def sigmoid(x: ag.Tensor) -> ag.Tensor:
    """1 / (1 + exp(-x)); the engine's primitive is finite for any x (no overflow)."""
    return ag.sigmoid(x)


def tanh(x: ag.Tensor) -> ag.Tensor:
    """Hyperbolic tangent, elementwise."""
    return ag.tanh(x)


def relu(x: ag.Tensor) -> ag.Tensor:
    """max(x, 0), elementwise."""
    return ag.relu(x)


def _shift_by_max(x: ag.Tensor, axis: int, op: str) -> ag.Tensor:
    """x minus its maximum along `axis`, so that exp() of the result is at most 1.

    log Σ exp(x) = m + log Σ exp(x - m) holds for any constant m, so the max is
    detached: it is a constant to the graph, and gradients and higher
    derivatives stay exact while nothing overflows for logits of ±1000.
    """
    if not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"{op}: axis {axis!r} is out of range for a tensor of shape {x.shape}")
    return x - x.detach().max(axis=axis, keepdims=True)


def softmax(x: ag.Tensor, axis: int = -1) -> ag.Tensor:
    """exp(x) / Σ exp(x) along `axis`, computed on x shifted by its max (stable)."""
    exps = _shift_by_max(x, axis, "softmax").exp()
    return exps / exps.sum(axis=axis, keepdims=True)


def log_softmax(x: ag.Tensor, axis: int = -1) -> ag.Tensor:
    """x - log Σ exp(x) along `axis` (log-sum-exp with the max shift, stable)."""
    shifted = _shift_by_max(x, axis, "log_softmax")
    return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()


# ----------------------------------------------------------------------------- helpers


def _reduce(loss: ag.Tensor, reduction: str, op: str) -> ag.Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _as_target(target: Any, input: ag.Tensor, op: str) -> ag.Tensor:
    """The target as a Tensor with input's shape and dtype.

    Casting to the input's dtype keeps float32 models in float32 (an int64 or
    float64 target would otherwise promote the loss to float64). A target that
    requires grad is used as it is, so gradients can flow into it.
    """
    if not (isinstance(target, ag.Tensor) and target.requires_grad):
        is_tensor = isinstance(target, ag.Tensor)
        data, name = (target.data, target.name) if is_tensor else (target, None)
        if not (is_tensor and data.dtype == input.dtype):  # already right: keep it, as pictures show it
            target = ag.Tensor(np.asarray(data, dtype=input.dtype), name=name)
    if target.shape != input.shape:
        raise ValueError(
            f"{op}: target shape {target.shape} does not match input shape {input.shape} "
            "(losses do not broadcast, to catch (N, 1) vs (N,) mistakes)"
        )
    return target


def _clamped_log(p: ag.Tensor) -> ag.Tensor:
    """log(p) floored at -100 like PyTorch's binary_cross_entropy, without ever taking log(0).

    The floor is applied to the argument (log(max(p, e^-100)) = max(log p, -100)),
    so the log's gradient 1/p is taken at p >= e^-100, never at 0. float32 has
    no normal number as small as e^-100 and 1/p would overflow there, so
    float32 floors p at its smallest normal number instead (log ≈ -87.3).
    """
    floor = max(math.exp(-100.0), float(np.finfo(p.dtype).tiny))
    return ag.maximum(p, floor).log()


def _softplus(x: ag.Tensor) -> ag.Tensor:
    """log(1 + exp(x)) = log(exp(0) + exp(x)), as a log-sum-exp shifted by m = max(x, 0), detached.

    The textbook max(x, 0) + log(1 + exp(-|x|)) has kinks in both terms at
    x = 0 whose one-sided derivatives do not add up to the true slope 1/2;
    this form is smooth there, stable for ±1000, and exact to any order.
    """
    m = ag.maximum(x.detach(), 0.0)
    return ((x - m).exp() + (-m).exp()).log() + m


# ----------------------------------------------------------------------------- losses


def cross_entropy(logits: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """Softmax cross-entropy of (N, C) logits.

    `target` is either integer class labels of shape (N,), or one-hot /
    probability rows of shape (N, C). Per sample the loss is
    log Σ_j exp(z_j) - z_label (labels) or -Σ_j t_j log softmax(z)_j (rows).
    """
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must have shape (N, C), got {logits.shape}")
    labels = np.asarray(target.data if isinstance(target, ag.Tensor) else target)
    if labels.dtype.kind in "iu":  # integer class labels
        loss = _cross_entropy_with_labels(logits, labels)
    elif labels.ndim == 1:
        raise ValueError(f"cross_entropy: a target of shape {labels.shape} must hold integer class labels, "
                         f"got dtype {labels.dtype} (convert with .astype(np.int64))")
    else:
        loss = -(_as_target(target, logits, "cross_entropy") * log_softmax(logits, axis=1)).sum(axis=1)
    return _reduce(loss, reduction, "cross_entropy")


def _cross_entropy_with_labels(logits: ag.Tensor, labels: np.ndarray) -> ag.Tensor:
    """log Σ_j exp(z_j) - z_label per row. The labels only index: no one-hot matrix, no (N, C) product."""
    n, classes = logits.shape
    if labels.shape != (n,):
        raise ValueError(f"cross_entropy: integer labels must have shape ({n},) for logits {logits.shape}, "
                         f"got {labels.shape}")
    lowest, highest = (np.minimum.reduce(labels), np.maximum.reduce(labels)) if n else (0, 0)
    if lowest < 0 or highest >= classes:  # NumPy would wrap -1 around silently
        raise ValueError(f"cross_entropy: labels must lie in [0, {classes}), got values from {lowest} to {highest}")
    return ag.logsumexp(logits, axis=1) - logits[np.arange(n), labels]


def binary_cross_entropy(probs: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1], logs floored at -100."""
    target = _as_target(target, probs, "binary_cross_entropy")
    loss = -(target * _clamped_log(probs) + (1 - target) * _clamped_log(1 - probs))
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(logits: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """binary_cross_entropy(sigmoid(x), t), computed stably as softplus(x) - x t."""
    target = _as_target(target, logits, "binary_cross_entropy_with_logits")
    loss = _softplus(logits) - logits * target
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def mse_loss(input: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """(input - target)², elementwise, then reduced."""
    target = _as_target(target, input, "mse_loss")
    return _reduce((input - target) ** 2, reduction, "mse_loss")
