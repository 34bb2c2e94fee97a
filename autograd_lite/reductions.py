"""Reductions: sum, mean, max, min (with `axis` and `keepdims`) and argmax.

A reduction's backward spreads the output gradient back over the reduced
axes: equally for sum and mean, only onto the extreme elements for max/min.
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from autograd_lite.graph import ArrayOrTensor, Function, expand
from autograd_lite.tensor import Tensor, apply, array_of, operand, wrap


def normalize_axis(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """`axis` as a tuple of non-negative ints (None means every axis)."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    normalized = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"{op}: axis {axis} is out of range for a tensor with {ndim} dimension(s)")
        normalized.append(int(a) % builtins.max(ndim, 1))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: axis {axis} repeats an axis")
    return tuple(normalized) if ndim else None  # a 0-d tensor: axis 0 (or -1) is the whole of it


def keepdims_shape(shape: tuple, axis: tuple[int, ...] | None) -> tuple:
    """The shape of the reduction with keepdims=True: reduced axes become 1."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


class Reduction(Function):
    """Shared parameters of the reductions: the axes and whether they are kept."""

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def params(self) -> str:
        shown = []
        if self.axis is not None:
            shown.append(f"axis={self.axis[0] if len(self.axis) == 1 else self.axis}")
        if self.keepdims:
            shown.append("keepdims=True")
        return ", ".join(shown)

    def as_keepdims(self, g: ArrayOrTensor, x: ArrayOrTensor) -> ArrayOrTensor:
        """g shaped as if reduced with keepdims=True: it then broadcasts against the input."""
        return g.reshape(keepdims_shape(x.shape, self.axis))

    def spread(self, g: ArrayOrTensor, x: ArrayOrTensor) -> ArrayOrTensor:
        """g broadcast back over the input's shape."""
        return expand(self.as_keepdims(g, x), x.shape)


class Sum(Reduction):
    op = "sum"

    def forward(self, x):
        # perf: x.sum() without its Python wrapper (1.65 us against 1.82 us on (32, 10))
        return np.add.reduce(x, self.axis, keepdims=self.keepdims)

    def backward(self, g, y, x):
        """d/dx_i sum(x) = 1"""
        return (self.spread(g, x),)


class Mean(Reduction):
    op = "mean"

    def forward(self, x):
        # perf: float32 and float64 as sum / count, without ndarray.mean's Python wrapper (2.2 us against 3.6 us)
        if x.dtype.char in "fd":
            total = np.add.reduce(x, self.axis, keepdims=self.keepdims)
            return total / (x.size // builtins.max(total.size, 1))
        return x.mean(axis=self.axis, keepdims=self.keepdims)  # float16 is summed in float32, integers in float64

    def backward(self, g, y, x):
        """d/dx_i mean(x) = 1 / n, n = number of elements averaged"""
        n = x.size // builtins.max(y.size, 1)
        return (self.spread(g / n, x),)


class Extreme(Reduction):
    """max or min: the gradient goes to the elements equal to the result, ties sharing it equally."""

    def backward(self, g, y, x):
        """d/dx_i max(x) = [x_i == max] / (number of maximal elements)"""
        x_data = array_of(x)
        extreme = self.as_keepdims(array_of(y), x)
        share = (x_data == extreme).astype(array_of(g).dtype)
        share /= np.add.reduce(share, self.axis, keepdims=True)
        return (self.as_keepdims(g, x) * share,)  # the product broadcasts: no need to spread g first


class Max(Extreme):
    op = "max"

    def forward(self, x):
        return np.maximum.reduce(x, self.axis, keepdims=self.keepdims)  # x.max(), spelled as Sum's


class Min(Extreme):
    op = "min"

    def forward(self, x):
        return np.minimum.reduce(x, self.axis, keepdims=self.keepdims)  # x.min(), spelled as Sum's


class LogSumExp(Reduction):
    op = "logsumexp"
    # perf: exp(x - m) and its sums, kept from forward: backward's softmax is their ratio, without a
    # second exp and subtraction (commit 6572329)
    exps_and_sums: tuple | None = None

    def forward(self, x):
        # log(sum(exp(x))) = m + log(sum(exp(x - m))): with m = max(x) no exp overflows
        m = np.maximum.reduce(x, self.axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or inf) rows: leave them to exp/log
        exps = np.exp(x - m)
        sums = np.add.reduce(exps, self.axis, keepdims=True)
        self.exps_and_sums = exps, sums
        out = np.log(sums) + m
        return out if self.keepdims else out.squeeze(self.axis)

    def backward(self, g, y, x):
        """d/dx_i logsumexp(x) = exp(x_i - logsumexp(x)) = softmax(x)_i"""
        exps_and_sums, self.exps_and_sums = self.exps_and_sums, None  # used once, then freed
        if isinstance(x, Tensor):  # create_graph: the softmax must itself be differentiable
            softmax = (x - self.as_keepdims(y, x)).exp()
        elif exps_and_sums is None:  # a second backward through a retained graph
            softmax = np.exp(x - self.as_keepdims(y, x))
        else:
            exps, sums = exps_and_sums
            softmax = exps / sums
        return (self.as_keepdims(g, x) * softmax,)


def _reduce(kind: type, x: Any, axis: Any, keepdims: bool) -> Tensor:
    """Apply the reduction `kind` over `axis` (checked and normalized)."""
    x = operand(x, kind.op)
    if x.size == 0 and kind in (Max, Min):
        raise ValueError(f"{kind.op}: cannot reduce an empty tensor of shape {x.shape}")
    return apply(kind(normalize_axis(axis, x.ndim, kind.op), bool(keepdims)), x)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over `axis` (int, tuple or None for all)."""
    return _reduce(Sum, x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis` (int, tuple or None for all)."""
    return _reduce(Mean, x, axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over `axis`; the gradient goes to the maximal elements."""
    return _reduce(Max, x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over `axis`; the gradient goes to the minimal elements."""
    return _reduce(Min, x, axis, keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over `axis`, without overflow; its gradient is the softmax."""
    return _reduce(LogSumExp, x, axis, keepdims)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the maximum (an integer Tensor, never part of the graph)."""
    x = operand(x, "argmax")
    if axis is not None:
        axes = normalize_axis(axis, x.ndim, "argmax")
        if len(axes) != 1:
            raise ValueError(f"argmax: axis must be one int or None, got {axis}")
        (axis,) = axes
    return wrap(np.argmax(x.data, axis=axis, keepdims=keepdims), None)  # (wrap makes a scalar a 0-d array)
