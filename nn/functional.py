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


def _shift_by_max(x: ag.Tensor, axis: int) -> ag.Tensor:
    """x minus its maximum along `axis`, so that exp() of the result is at most 1.

    log Σ exp(x) = m + log Σ exp(x - m) holds for any constant m, so the max is
    detached: it is a constant to the graph, and gradients and higher
    derivatives stay exact while nothing overflows for logits of ±1000.
    """
    return x - x.detach().max(axis=axis, keepdims=True)


def softmax(x: ag.Tensor, axis: int = -1) -> ag.Tensor:
    """exp(x) / Σ exp(x) along `axis`, computed on x shifted by its max (stable)."""
    exps = _shift_by_max(x, axis).exp()
    return exps / exps.sum(axis=axis, keepdims=True)


def log_softmax(x: ag.Tensor, axis: int = -1) -> ag.Tensor:
    """x - log Σ exp(x) along `axis` (log-sum-exp with the max shift, stable)."""
    shifted = _shift_by_max(x, axis)
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


# ----------------------------------------------------------------------------- convolution, pooling, dropout
# Images are (N, C, H, W). ag.sliding_windows cuts out every window as (N, C, kh, kw, OH, OW)
# (im2col); a convolution is then one matrix product, a pooling layer one reduction.


def _pair(value: Any, what: str, op: str, minimum: int = 0) -> tuple[int, int]:
    """An int or a pair of ints (height, width), each at least `minimum`, as PyTorch accepts them."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    is_pair = isinstance(pair, (tuple, list)) and len(pair) == 2
    if not is_pair or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in pair):
        raise ValueError(f"{op}: {what} must be an int or a pair of ints >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_window_fits(op: str, input: ag.Tensor, kernel: tuple[int, int], padding: tuple[int, int]) -> None:
    """Raise, naming `op` and the shapes, unless `input` is (N, C, H, W) and the kernel fits once padded."""
    if input.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {input.shape} "
                         "(one image: add a batch axis with x.reshape(1, *x.shape))")
    height, width = input.shape[2] + 2 * padding[0], input.shape[3] + 2 * padding[1]
    if kernel[0] > height or kernel[1] > width:
        raise ValueError(f"{op}: the {kernel[0]}x{kernel[1]} kernel is larger than the input, {height}x{width} "
                         f"after padding {padding} (input shape {input.shape})")


def conv2d(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None, stride: Any = 1,
           padding: Any = 0) -> ag.Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of an (N, C, H, W) input with an (O, C, kh, kw) weight.

    out[n, o, i, j] = bias[o] + Σ_{c,p,q} weight[o, c, p, q] · x[n, c, i·sh + p, j·sw + q], x zero-padded.
    Computed as im2col: windows (N, C·kh·kw, OH·OW), then weight (O, C·kh·kw) @ windows.
    """
    stride, padding = _pair(stride, "stride", "conv2d", 1), _pair(padding, "padding", "conv2d")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be (out_channels, in_channels, kh, kw), got shape {weight.shape}")
    out_channels, in_channels, kh, kw = weight.shape
    _check_window_fits("conv2d", input, (kh, kw), padding)
    if input.shape[1] != in_channels:
        raise ValueError(f"conv2d: input {input.shape} has {input.shape[1]} channels but weight {weight.shape} "
                         f"expects {in_channels}")
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"conv2d: bias must have shape ({out_channels},) for weight {weight.shape}, got {bias.shape}")
    windows = ag.sliding_windows(input, (kh, kw), stride, padding)
    n, _, _, _, out_height, out_width = windows.shape
    columns = windows.reshape(n, in_channels * kh * kw, out_height * out_width)
    out = (weight.reshape(out_channels, in_channels * kh * kw) @ columns).reshape(n, out_channels, out_height,
                                                                                  out_width)
    return out if bias is None else out + bias.reshape(out_channels, 1, 1)


def _pool_settings(op: str, input: ag.Tensor, kernel_size: Any, stride: Any, padding: Any) -> tuple:
    """kernel, stride (the kernel when None, as PyTorch) and padding as pairs, checked."""
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else _pair(stride, "stride", op, 1)
    padding = _pair(padding, "padding", op)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:  # else a window could hold only padding
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size {kernel}")
    _check_window_fits(op, input, kernel, padding)
    return kernel, stride, padding


def max_pool2d(input: ag.Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> ag.Tensor:
    """The maximum of each kernel_size window (padding counts as -inf); stride defaults to kernel_size.

    The gradient goes to each window's maximum (shared equally between tied maxima).
    """
    kernel, stride, padding = _pool_settings("max_pool2d", input, kernel_size, stride, padding)
    if padding != (0, 0):
        input = ag.pad(input, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), value=-math.inf)
    return ag.sliding_windows(input, kernel, stride).max(axis=(2, 3))


def avg_pool2d(input: ag.Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, *,
               count_include_pad: bool = True) -> ag.Tensor:
    """The mean of each kernel_size window of the zero-padded input; stride defaults to kernel_size.

    With count_include_pad=False a window's sum is divided by the number of
    real (not padding) pixels in it instead of by kh·kw, as in PyTorch.
    """
    kernel, stride, padding = _pool_settings("avg_pool2d", input, kernel_size, stride, padding)
    windows = ag.sliding_windows(input, kernel, stride, padding)
    if count_include_pad or padding == (0, 0):
        return windows.mean(axis=(2, 3))
    pixels = ag.ones(1, 1, *input.shape[2:], dtype=input.dtype)
    counts = ag.sliding_windows(pixels, kernel, stride, padding).sum(axis=(2, 3))  # a constant: no gradient
    return windows.sum(axis=(2, 3)) / counts


def dropout(input: ag.Tensor, p: float = 0.5, training: bool = True) -> ag.Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p); the identity unless training.

    The mask comes from autograd_lite's generator (`ag.manual_seed` makes it
    reproducible) and is a constant of the graph: input * mask.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return input
    keep = ag.rand(input.shape, dtype=input.dtype) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return input * (keep.astype(input.dtype) * scale)


def pad(input: ag.Tensor, pad: Any, mode: str = "constant", value: float | None = 0) -> ag.Tensor:
    """Pad with a constant, PyTorch's order: (left, right) of the last axis, then (top, bottom) of the one before, ...

    `pad(x, (1, 1, 2, 2))` adds one column on each side and two rows above and
    below. Negative amounts crop. Only mode="constant" is supported.
    """
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    amounts = tuple(pad)
    if len(amounts) % 2 or len(amounts) > 2 * input.ndim:
        raise ValueError(f"pad: expected an even number of amounts, at most 2 per axis of shape {input.shape}, "
                         f"got {amounts}")
    pairs = [tuple(amounts[i : i + 2]) for i in range(0, len(amounts), 2)][::-1]  # first axis padded first
    widths = [(0, 0)] * (input.ndim - len(pairs)) + pairs
    return ag.pad(input, widths, value=0 if value is None else value)
