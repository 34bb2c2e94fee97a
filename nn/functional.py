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


def softmax(x: ag.Tensor, axis: int | None = None, *, dim: int | None = None, dtype: Any = None) -> ag.Tensor:
    """exp(x) / Σ exp(x) along `axis` or `dim` (the last by default): ag.softmax, stable for logits of ±1000."""
    return ag.softmax(x, axis, dim=dim, dtype=dtype)


def log_softmax(x: ag.Tensor, axis: int | None = None, *, dim: int | None = None, dtype: Any = None) -> ag.Tensor:
    """x - log Σ exp(x) along `axis` or `dim` (the last by default): ag.log_softmax (log-sum-exp, stable)."""
    return ag.log_softmax(x, axis, dim=dim, dtype=dtype)


def leaky_relu(input: ag.Tensor, negative_slope: float = 0.01) -> ag.Tensor:
    """x where x > 0, else negative_slope * x (slope negative_slope at 0, as PyTorch)."""
    return ag.where(input > 0, input, input * negative_slope)


def elu(input: ag.Tensor, alpha: float = 1.0) -> ag.Tensor:
    """x where x > 0, else alpha * (exp(x) - 1) (slope alpha at 0, as PyTorch).

    The exponential sees min(x, 0) (a clip, whose slope at 0 is 1): exp of a
    large positive x would overflow, and 0 * inf in its backward is NaN.
    """
    return ag.where(input > 0, input, alpha * (input.clip(max=0.0).exp() - 1))


def gelu(input: ag.Tensor, approximate: str = "none") -> ag.Tensor:
    """x Φ(x) = x (1 + erf(x / sqrt 2)) / 2, exactly (erf); approximate="tanh" uses PyTorch's tanh formula.

    tanh form: x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2.
    """
    if approximate == "none":
        return 0.5 * input * (1 + ag.erf(input * (1 / math.sqrt(2))))
    if approximate == "tanh":
        return 0.5 * input * (1 + ag.tanh(math.sqrt(2 / math.pi) * (input + 0.044715 * input**3)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: ag.Tensor) -> ag.Tensor:
    """x sigmoid(x) (also called swish)."""
    return input * ag.sigmoid(input)


def softplus(input: ag.Tensor, beta: float = 1.0, threshold: float = 20.0) -> ag.Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's linear tail)."""
    scaled = input if beta == 1 else input * beta
    smooth = _softplus(scaled) if beta == 1 else _softplus(scaled) / beta
    return ag.where(scaled > threshold, input, smooth)


# ----------------------------------------------------------------------------- normalization and embeddings


def _standardize(x: ag.Tensor, axes: tuple, eps: float) -> tuple[ag.Tensor, ag.Tensor, ag.Tensor]:
    """((x - mean) / sqrt(var + eps), mean, var) over `axes`, with the biased variance (divided by n)."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return centered / (var + eps).sqrt(), mean, var


def _overwrite(buffer: ag.Tensor, value: ag.Tensor) -> None:
    """Write `value` into `buffer`'s own array, outside the graph.

    In place, as PyTorch updates running statistics: whoever holds the buffer
    (the module's attribute, a user's reference to it) sees the new values.
    """
    buffer.data[...] = value.data


def batch_norm(
    input: ag.Tensor,
    running_mean: ag.Tensor | None,
    running_var: ag.Tensor | None,
    weight: ag.Tensor | None = None,
    bias: ag.Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> ag.Tensor:
    """Normalize each channel (axis 1) of an (N, C, ...) input, then scale by weight and shift by bias (shape (C,)).

    training=True: the batch's mean and biased variance normalize, and given
    running statistics are updated in place (not recorded in the graph):
    running = (1 - momentum) running + momentum batch_statistic, the variance
    taken unbiased (times n / (n - 1)). training=False: the running statistics normalize.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tensor.shape != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for an input of shape "
                             f"{input.shape} ({channels} channels), got {tensor.shape}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    per_channel = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = math.prod(input.shape[:1] + input.shape[2:])  # values per channel
        if count < 2:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {input.shape}")
        out, mean, var = _standardize(input, (0,) + tuple(range(2, input.ndim)), eps)
        if running_mean is not None:
            with ag.no_grad():
                _overwrite(running_mean, (1 - momentum) * running_mean + momentum * mean.reshape(channels))
                unbiased_var = var.reshape(channels) * (count / (count - 1))
                _overwrite(running_var, (1 - momentum) * running_var + momentum * unbiased_var)
    elif running_mean is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
    else:
        out = (input - running_mean.reshape(per_channel)) / (running_var.reshape(per_channel) + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(per_channel)
    if bias is not None:
        out = out + bias.reshape(per_channel)
    return out


def layer_norm(
    input: ag.Tensor,
    normalized_shape: int | tuple[int, ...],
    weight: ag.Tensor | None = None,
    bias: ag.Tensor | None = None,
    eps: float = 1e-5,
) -> ag.Tensor:
    """Normalize each sample over its last axes (`normalized_shape`), biased variance, then weight * . + bias."""
    shape = tuple(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
    if not shape or input.shape[input.ndim - len(shape):] != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} must match the last axes of the input, "
                         f"got input of shape {input.shape}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.shape != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {tensor.shape}")
    out, _, _ = _standardize(input, tuple(range(-len(shape), 0)), eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(input: Any, weight: ag.Tensor, padding_idx: int | None = None) -> ag.Tensor:
    """The rows of `weight` (num_embeddings, embedding_dim) at the integer indices `input`.

    The output has shape input.shape + (embedding_dim,). Rows at `padding_idx`
    get no gradient (their values are still looked up, as in PyTorch).
    """
    return _lookup_rows(input, weight, padding_idx, "embedding")


def _lookup_rows(input: Any, weight: ag.Tensor, padding_idx: int | None, op: str) -> ag.Tensor:
    """embedding(), with errors naming `op` (the Embedding module passes its own label)."""
    indices = np.asanyarray(input.data if isinstance(input, ag.Tensor) else input)  # compile: traced
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {indices.dtype}")
    rows = weight.shape[0]
    if indices.size:
        lowest, highest = np.minimum.reduce(indices, axis=None), np.maximum.reduce(indices, axis=None)
        if lowest < 0 or highest >= rows:  # NumPy would wrap -1 around silently
            bad = lowest if lowest < 0 else highest
            raise IndexError(f"{op}: index {bad} is out of range: indices must lie in [0, {rows}) "
                             f"for a weight of shape {weight.shape}")
    looked_up = weight[indices]
    if padding_idx is None:
        return looked_up
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{op}: padding_idx must lie in [-{rows}, {rows}), got {padding_idx}")
    learned = (indices != padding_idx % rows)[..., None]
    return ag.where(learned, looked_up, looked_up.detach())


def one_hot(tensor: Any, num_classes: int = -1) -> ag.Tensor:
    """int64 tensor of shape tensor.shape + (num_classes,), 1 at each label (num_classes=-1: max label + 1)."""
    labels = np.asanyarray(tensor.data if isinstance(tensor, ag.Tensor) else tensor)  # compile: traced
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class labels, got dtype {labels.dtype}")
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes")
        num_classes = int(np.maximum.reduce(labels, axis=None)) + 1
    elif not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be a non-negative integer or -1, got {num_classes!r}")
    if labels.size:
        lowest, highest = np.minimum.reduce(labels, axis=None), np.maximum.reduce(labels, axis=None)
        if lowest < 0:
            raise ValueError(f"one_hot: class values must be non-negative, got {lowest}")
        if highest >= num_classes:
            raise ValueError(f"one_hot: class values must be smaller than num_classes={num_classes}, got {highest}")
    return ag.tensor((labels[..., None] == np.arange(num_classes)).astype(np.int64))


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
    requires grad is used as it is, so gradients can flow into it. A target
    made here from an array is named "target", so pictures of the graph say so.
    """
    if not (isinstance(target, ag.Tensor) and target.requires_grad):
        is_tensor = isinstance(target, ag.Tensor)
        data, name = (target.data, target.name) if is_tensor else (target, None)
        if not (is_tensor and data.dtype == input.dtype):  # already right: keep it, as pictures show it
            target = ag.Tensor(data, dtype=input.dtype, name=name or "target")
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
    what = "e^-100" if floor == math.exp(-100.0) else f"smallest normal {p.dtype}"
    return ag.maximum(p, ag.Tensor(np.array(floor, dtype=p.dtype), name=f"{what} (log clamp)")).log()


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
    labels = np.asanyarray(target.data if isinstance(target, ag.Tensor) else target)  # compile: range checks stay guards
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


def nll_loss(
    input: ag.Tensor, target: Any, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
) -> ag.Tensor:
    """-input[n, target[n]]: the negative log-likelihood of log-probabilities (e.g. log_softmax's output).

    input (N, C), (C,) or (N, C, d1, ...) with integer target (N,), () or
    (N, d1, ...). A target equal to `ignore_index` adds 0 and is left out of
    the mean. With per-class `weight` w, each loss is scaled by w[target] and
    the mean is Σ w[t] loss / Σ w[t], as in PyTorch.
    """
    if input.ndim < 1:
        raise ValueError(f"nll_loss: input must have shape (N, C, ...) or (C,), got {input.shape}")
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    labels = np.asanyarray(target.data if isinstance(target, ag.Tensor) else target)  # compile: range checks stay guards
    if labels.dtype.kind not in "iu":
        raise ValueError(f"nll_loss: target must hold integer class labels, got dtype {labels.dtype}")
    expected = () if input.ndim == 1 else input.shape[:1] + input.shape[2:]
    if labels.shape != expected:
        raise ValueError(f"nll_loss: target shape {labels.shape} does not match input shape {input.shape} "
                         f"(expected {expected})")
    counted = labels != ignore_index
    outside = counted & ((labels < 0) | (labels >= classes))
    if outside.any():
        raise ValueError(f"nll_loss: target {labels[outside][0]} is out of bounds: class labels must lie in "
                         f"[0, {classes}) or equal ignore_index={ignore_index}")
    # One row per prediction, classes last: (N, C, d1, ...) -> (N d1 ..., C)
    if input.ndim == 1:
        rows = input.reshape(1, classes)
    elif input.ndim == 2:
        rows = input
    else:
        rows = input.permute(0, *range(2, input.ndim), 1).reshape(-1, classes)
    flat_labels = np.where(counted, labels, 0).reshape(-1)
    loss = -rows[np.arange(flat_labels.size), flat_labels]
    if weight is not None or not counted.all():
        class_weights = np.ones(classes) if weight is None else np.asanyarray(  # compile: traced
            weight.data if isinstance(weight, ag.Tensor) else weight)
        if class_weights.shape != (classes,):
            raise ValueError(f"nll_loss: weight must have shape ({classes},), got {class_weights.shape}")
        # compile: take_along_axis, not class_weights[flat_labels]: NumPy hands indexing to the indexed
        # array only, so a plain array indexed with traced labels would be invisible to ag.compile
        picked = np.take_along_axis(class_weights, flat_labels, axis=0)
        sample_weights = (picked * counted.reshape(-1)).astype(input.dtype)
        loss = loss * sample_weights
        if reduction == "mean":
            return loss.sum() / ag.Tensor(sample_weights.sum())  # compile: float() would freeze the labels' weight
    return _reduce(loss.reshape(labels.shape), reduction, "nll_loss")


def binary_cross_entropy(probs: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1], logs floored at -100."""
    target = _as_target(target, probs, "binary_cross_entropy")
    for name, values in (("input", probs.data), ("target", target.data)):
        if values.size and not (np.minimum.reduce(values, axis=None) >= 0 and np.maximum.reduce(values, axis=None) <= 1):
            raise ValueError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1, got values "
                             f"from {np.min(values)} to {np.max(values)} (probabilities; for logits use "
                             "binary_cross_entropy_with_logits)")
    complement = 1 - target
    complement.name = f"1 - {target.name or 'target'}"  # pictures show where this constant came from
    loss = -(target * _clamped_log(probs) + complement * _clamped_log(1 - probs))
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(logits: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """binary_cross_entropy(sigmoid(x), t), computed stably as softplus(x) - x t."""
    target = _as_target(target, logits, "binary_cross_entropy_with_logits")
    loss = _softplus(logits) - logits * target
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def l1_loss(input: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """|input - target|, elementwise, then reduced."""
    target = _as_target(target, input, "l1_loss")
    return _reduce((input - target).abs(), reduction, "l1_loss")


def smooth_l1_loss(input: ag.Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> ag.Tensor:
    """d^2 / (2 beta) where |d| < beta, else |d| - beta / 2, with d = input - target (beta=0: the L1 loss)."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:  # the quadratic piece vanishes (and would divide by zero)
        return l1_loss(input, target, reduction)
    diff = input - _as_target(target, input, "smooth_l1_loss")
    size = diff.abs()
    loss = ag.where(size < beta, (0.5 / beta) * diff * diff, size - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(input: ag.Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> ag.Tensor:
    """d^2 / 2 where |d| < delta, else delta (|d| - delta / 2), with d = input - target."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    diff = input - _as_target(target, input, "huber_loss")
    size = diff.abs()
    loss = ag.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    return _reduce(loss, reduction, "huber_loss")


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
    mask = keep.astype(input.dtype) * scale
    mask.name = f"dropout mask (p={p:g})"  # what the constant is, in pictures of the graph
    return input * mask


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
