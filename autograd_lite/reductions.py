"""Reductions: sum, mean, prod, max, min, var, norm, logsumexp (with `axis` and `keepdims`,
or PyTorch's `dim` and `keepdim`); softmax; argmax, any, all and allclose.

A reduction's backward spreads the output gradient back over the reduced
axes: equally for sum and mean, only onto the extreme elements for max/min,
weighted by each element's own slope for prod, var and norm. Its jvp reduces
the input's tangent the same way the input was reduced.
"""
from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

import numpy as np

from autograd_lite.graph import ArrayOrTensor, Function, expand
from autograd_lite.tensor import Tensor, apply, array_of, dims, operand, wrap


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

    def jvp(self, tangents, y, x):
        """d sum(x) = sum(dx)"""
        (dx,) = tangents
        return dx.sum(axis=self.axis, keepdims=self.keepdims)


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

    def jvp(self, tangents, y, x):
        """d mean(x) = mean(dx)"""
        (dx,) = tangents
        return dx.mean(axis=self.axis, keepdims=self.keepdims)


class Extreme(Reduction):
    """max or min: the gradient goes to the elements equal to the result, ties sharing it equally."""

    def backward(self, g, y, x):
        """d/dx_i max(x) = [x_i == max] / (number of maximal elements)"""
        return (self.as_keepdims(g, x) * self.share(y, x, array_of(g).dtype),)  # broadcasts: no need to spread g

    def jvp(self, tangents, y, x):
        """d max(x) = sum_i [x_i == max] dx_i / (number of maximal elements): the mean of dx over the ties"""
        (dx,) = tangents
        return (dx * self.share(y, x, array_of(y).dtype)).sum(axis=self.axis, keepdims=self.keepdims)

    def share(self, y: ArrayOrTensor, x: ArrayOrTensor, dtype: np.dtype) -> np.ndarray:
        """Each element's share of the derivative: 1 / (number of ties) where it equals the result, else 0."""
        share = (array_of(x) == self.as_keepdims(array_of(y), x)).astype(dtype)
        share /= np.add.reduce(share, self.axis, keepdims=True)
        return share


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
        softmax = self.softmax(y, x)
        self.exps_and_sums = None  # used once, then freed
        return (self.as_keepdims(g, x) * softmax,)

    def jvp(self, tangents, y, x):
        """d logsumexp(x) = sum_i softmax(x)_i dx_i"""
        (dx,) = tangents
        return (dx * self.softmax(y, x)).sum(axis=self.axis, keepdims=self.keepdims)

    def softmax(self, y: ArrayOrTensor, x: ArrayOrTensor) -> ArrayOrTensor:
        """exp(x - logsumexp(x)), from the exponentials forward kept when it can."""
        if isinstance(x, Tensor):  # create_graph or nested forward mode: the softmax must itself be differentiable
            return (x - self.as_keepdims(y, x)).exp()
        if self.exps_and_sums is None:  # a second backward through a retained graph
            return np.exp(x - self.as_keepdims(y, x))
        exps, sums = self.exps_and_sums
        return exps / sums


class Prod(Reduction):
    op = "prod"

    def forward(self, x):
        return np.multiply.reduce(x, self.axis, keepdims=self.keepdims)

    def backward(self, g, y, x):
        """d/dx_i prod(x) = the product of the other elements (exact where some are 0)"""
        return (self.as_keepdims(g, x) * product_of_others(x, self.axis),)

    def jvp(self, tangents, y, x):
        """d prod(x) = sum_i (product of the elements other than x_i) dx_i"""
        (dx,) = tangents
        return (product_of_others(x, self.axis) * dx).sum(axis=self.axis, keepdims=self.keepdims)


def product_of_others(x: ArrayOrTensor, axis: tuple[int, ...] | None) -> ArrayOrTensor:
    """For each element, the product of the other elements it was reduced with (over `axis`).

    Not prod / x, which is 0 / 0 where an element is 0. The reduced axes are
    moved last and flattened into rows; on arrays each row's products before
    and after every element come from running products. Under create_graph
    (Tensors) row i of an n x n matrix holds the row with its i-th element
    replaced by 1, and its product is recorded: differentiable again, as exactly.
    """
    axes = tuple(range(x.ndim)) if axis is None else axis
    kept = tuple(a for a in range(x.ndim) if a not in axes)
    order = kept + axes
    moved = x.transpose(order)
    rows = moved.reshape(moved.shape[: len(kept)] + (-1,))
    n = rows.shape[-1]
    if isinstance(rows, Tensor):
        square = rows.unsqueeze(-2).expand(*rows.shape[:-1], n, n)
        others = square.masked_fill(np.eye(n, dtype=bool), 1.0).prod(axis=-1)
    else:
        ones = np.ones(rows.shape[:-1] + (1,), dtype=rows.dtype)
        before = np.concatenate([ones, np.cumprod(rows, axis=-1)[..., :-1]], axis=-1)[..., :n]
        after = np.concatenate([ones, np.cumprod(rows[..., ::-1], axis=-1)[..., :-1]], axis=-1)[..., :n]
        others = before * after[..., ::-1]
    return others.reshape(moved.shape).transpose(tuple(int(a) for a in np.argsort(order)))


class Var(Reduction):
    op = "var"

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool, correction: float) -> None:
        super().__init__(axis, keepdims)
        self.correction = correction

    def params(self) -> str:
        shown = super().params()
        return shown if self.correction == 1 else ", ".join(filter(None, [shown, f"correction={self.correction}"]))

    def forward(self, x):
        return np.var(x, axis=self.axis, ddof=self.correction, keepdims=self.keepdims)

    def backward(self, g, y, x):
        """d/dx_i var(x) = 2 (x_i - mean(x)) / (n - correction)"""
        return (self.as_keepdims(g, x) * self.slope(x),)

    def jvp(self, tangents, y, x):
        """d var(x) = sum_i 2 (x_i - mean(x)) dx_i / (n - correction)"""
        (dx,) = tangents
        return (self.slope(x) * dx).sum(axis=self.axis, keepdims=self.keepdims)

    def slope(self, x: ArrayOrTensor) -> ArrayOrTensor:
        """2 (x - mean(x)) / (n - correction), on arrays or Tensors."""
        n = math.prod(x.shape) if self.axis is None else math.prod(x.shape[a] for a in self.axis)
        freedom = n - self.correction
        scale = 2 / freedom if freedom > 0 else math.inf  # no degrees of freedom: NaN, as the value itself
        return (x - x.mean(axis=self.axis, keepdims=True)) * scale


class Norm(Reduction):
    op = "norm"

    def __init__(self, p: float, axis: tuple[int, ...] | None, keepdims: bool) -> None:
        super().__init__(axis, keepdims)
        self.p = p

    def params(self) -> str:
        return ", ".join(filter(None, [f"p={self.p:g}", super().params()]))

    def forward(self, x):
        magnitude = np.abs(x)
        if self.p == math.inf:
            return np.maximum.reduce(magnitude, self.axis, keepdims=self.keepdims)
        if self.p == -math.inf:
            return np.minimum.reduce(magnitude, self.axis, keepdims=self.keepdims)
        if self.p == 0:  # the number of nonzero elements
            return np.add.reduce(x != 0, self.axis, keepdims=self.keepdims).astype(x.dtype)
        if self.p == 2:
            return np.sqrt(np.add.reduce(magnitude * magnitude, self.axis, keepdims=self.keepdims))
        return np.add.reduce(magnitude**self.p, self.axis, keepdims=self.keepdims) ** (1 / self.p)

    def backward(self, g, y, x):
        """d/dx_i ||x||_p = sign(x_i) (|x_i| / ||x||_p)^(p-1); p = inf: sign(x_i) at the largest |x_i| (shared)"""
        return (self.as_keepdims(g, x) * self.slope(x, y),)

    def jvp(self, tangents, y, x):
        """d ||x||_p = sum_i sign(x_i) (|x_i| / ||x||_p)^(p-1) dx_i"""
        (dx,) = tangents
        return (self.slope(x, y) * dx).sum(axis=self.axis, keepdims=self.keepdims)

    def slope(self, x: ArrayOrTensor, y: ArrayOrTensor) -> ArrayOrTensor:
        """d||x||_p / dx, on arrays or Tensors (0 where x is 0, and for all-zero groups)."""
        x_data = array_of(x)
        sign = np.sign(x_data)
        if self.p in (math.inf, -math.inf):  # piecewise constant: computed on the data
            at_extreme = (np.abs(x_data) == self.as_keepdims(array_of(y), x)).astype(x_data.dtype)
            at_extreme /= np.add.reduce(at_extreme, self.axis, keepdims=True)
            return sign * at_extreme
        if self.p == 0:
            return np.zeros_like(x_data)
        norm = self.as_keepdims(y, x)
        safe_norm = norm + (array_of(norm) == 0)  # a norm of 0: every |x_i| is 0, whose sign is 0 anyway
        safe_magnitude = abs(x) + (x_data == 0)  # |x_i| = 0: sign 0 decides, without 0 ** negative
        return sign * (safe_magnitude / safe_norm) ** (self.p - 1)


class ValuesIndices(NamedTuple):
    """What x.max(dim) and x.min(dim) return, as PyTorch's torch.return_types.max: `values, indices = x.max(1)`."""

    values: Tensor
    indices: Tensor


def _reduce(kind: type, x: Any, axis: Any, keepdims: bool) -> Tensor:
    """Apply the reduction `kind` over `axis` (checked and normalized)."""
    # perf: no f(*args) calls here nor in the functions below (callgrind: the two of ag.sum ran 1% of a 5-op
    # graph's forward and backward), and x.data's ndim, not the Tensor property (see backward.seed_gradient)
    x = operand(x, kind.op)
    if x.data.size == 0 and kind in (Max, Min):
        raise ValueError(f"{kind.op}: cannot reduce an empty tensor of shape {x.shape}")
    return apply(kind(normalize_axis(axis, x.data.ndim, kind.op), bool(keepdims)), x)


def sum(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Sum over `axis` (int, tuple or None for all); `keepdims` keeps reduced axes as length 1."""
    axis, keepdims = dims("sum", axis, dim, keepdims, keepdim)
    return _reduce(Sum, x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Mean over `axis` (int, tuple or None for all)."""
    axis, keepdims = dims("mean", axis, dim, keepdims, keepdim)
    return _reduce(Mean, x, axis, keepdims)


def prod(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Product over `axis` (int, tuple or None for all); exact gradients where elements are 0."""
    axis, keepdims = dims("prod", axis, dim, keepdims, keepdim)
    return _reduce(Prod, x, axis, keepdims)


def amax(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Maximum over `axis` (int, tuple or None for all), a Tensor; the gradient goes to the maximal elements."""
    axis, keepdims = dims("amax", axis, dim, keepdims, keepdim)
    return _reduce(Max, x, axis, keepdims)


def amin(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Minimum over `axis` (int, tuple or None for all), a Tensor; the gradient goes to the minimal elements."""
    axis, keepdims = dims("amin", axis, dim, keepdims, keepdim)
    return _reduce(Min, x, axis, keepdims)


def max(x: Any, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
    """The maximum, in NumPy's or PyTorch's sense, as the call says.

    ag.max(x) and ag.max(x, axis=1): a Tensor, as NumPy's max. ag.max(x, 1)
    and ag.max(x, dim=1): the named tuple (values, indices) along one axis,
    as torch.max. ag.max(x, other_tensor): the elementwise maximum, as torch.max.
    The gradient goes to the maximal elements, ties sharing it.
    """
    return _extreme(Max, np.argmax, Tensor.maximum, x, dim, keepdim, axis, keepdims)


def min(x: Any, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
    """The minimum, as `max` (a Tensor for no axis or axis=, (values, indices) for dim, elementwise for a Tensor)."""
    return _extreme(Min, np.argmin, Tensor.minimum, x, dim, keepdim, axis, keepdims)


def _extreme(kind: type, arg: Any, pairwise: Any, x: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> Any:
    """max or min: which of the three meanings the arguments ask for (see `max`)."""
    if isinstance(dim, Tensor):
        if keepdim is not None or axis is not None or keepdims is not None:
            raise TypeError(f"{kind.op}(x, other): the elementwise {kind.op} takes no axis or keepdim")
        return pairwise(operand(x, kind.op), dim)
    if dim is None:
        axis, keepdims = dims(kind.op, axis, None, keepdims, keepdim)
        return _reduce(kind, x, axis, keepdims)
    axis, keepdims = dims(kind.op, axis, dim, keepdims, keepdim)  # a TypeError if axis= was given too
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{kind.op}: dim must be one int (PyTorch's {kind.op}(dim) gives values and indices "
                        f"along one axis), got {axis!r}; for several axes use axis= or ag.a{kind.op}")
    values = _reduce(kind, x, axis, keepdims)
    return ValuesIndices(values, _arg_extreme(arg, f"arg{kind.op}", x, axis, keepdims))


def var(x: Any, axis: Any = None, unbiased: Any = None, keepdims: Any = None, *, dim: Any = None,
        keepdim: Any = None, correction: Any = None, ddof: Any = None) -> Tensor:
    """Variance over `axis`: sum((x - mean)^2) / (n - correction).

    correction=1 (the unbiased estimate) unless given, as in PyTorch; also
    `unbiased=False` (correction 0, PyTorch's older spelling) or NumPy's
    `ddof=` (NumPy's default is 0: say ddof=0 for NumPy's var). Give one of the three.
    """
    return _variance("var", x, axis, keepdims, dim, keepdim, correction=correction, unbiased=unbiased, ddof=ddof)


def std(x: Any, axis: Any = None, unbiased: Any = None, keepdims: Any = None, *, dim: Any = None,
        keepdim: Any = None, correction: Any = None, ddof: Any = None) -> Tensor:
    """Standard deviation over `axis`: sqrt(var(x)), with var's arguments (correction=1 unless given)."""
    return _variance("std", x, axis, keepdims, dim, keepdim, correction=correction, unbiased=unbiased,
                     ddof=ddof).sqrt()


def _variance(op: str, x: Any, axis: Any, keepdims: Any, dim: Any, keepdim: Any, **corrections: Any) -> Tensor:
    """The Var node for var or std, with the one correction given (under any of its three names) or 1."""
    given = {name: value for name, value in corrections.items() if value is not None}
    if len(given) > 1:
        raise TypeError(f"{op}: got {' and '.join(given)}, three spellings of one argument; give one of them")
    correction = next(iter(given.values()), 1)
    correction = int(correction) if isinstance(correction, bool) else correction  # unbiased=True: correction 1
    x = operand(x, Var.op)
    axis, keepdims = dims(op, axis, dim, keepdims, keepdim)
    return apply(Var(normalize_axis(axis, x.ndim, Var.op), keepdims, correction), x)


def norm(x: Any, p: Any = 2, dim: Any = None, keepdim: Any = None, *, axis: Any = None,
         keepdims: Any = None) -> Tensor:
    """The p-norm (sum |x_i|^p)^(1/p) over `dim` (all elements by default), a vector norm over any axes.

    p = 2 (also 'fro', the Frobenius norm), 1, inf (the largest |x_i|),
    -inf (the smallest), 0 (the number of nonzero elements) or any other number.
    The gradient is 0 at x = 0 (where the 2-norm has no derivative), as PyTorch.
    """
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p must be a number or 'fro', got {p!r} (matrix norms such as 'nuc' are "
                             "not provided)")
        p = 2
    x = operand(x, "norm")
    axis, keepdims = dims("norm", axis, dim, keepdims, keepdim)
    return apply(Norm(float(p), normalize_axis(axis, x.ndim, "norm"), keepdims), x)


def logsumexp(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """log(sum(exp(x))) over `axis`, without overflow; its gradient is the softmax."""
    axis, keepdims = dims("logsumexp", axis, dim, keepdims, keepdim)
    return _reduce(LogSumExp, x, axis, keepdims)


def log_softmax(x: Any, axis: Any = None, *, dim: Any = None, dtype: Any = None) -> Tensor:
    """x - logsumexp(x) along `axis` (the last by default): log-probabilities, stable for any x."""
    return _log_softmax(operand(x, "log_softmax"), dims("log_softmax", axis, dim)[0], dtype, "log_softmax")


def softmax(x: Any, axis: Any = None, *, dim: Any = None, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis` (the last by default), as exp(log_softmax(x)): stable for any x."""
    return _log_softmax(operand(x, "softmax"), dims("softmax", axis, dim)[0], dtype, "softmax").exp()


def _log_softmax(x: Tensor, axis: Any, dtype: Any, op: str) -> Tensor:
    """x - logsumexp(x) along `axis` (None: the last), after converting x to `dtype` when given."""
    axis = -1 if axis is None else axis
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be one integer, got {axis!r} for a tensor of shape {x.shape}")
    if not -x.ndim <= axis < builtins.max(x.ndim, 1):  # checked here so that the error names the op the user called
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of shape {x.shape}")
    x = x if dtype is None else x.to(dtype)
    return x - logsumexp(x, axis, keepdims=True)


# --------------------------------------------------------------------------- results outside the graph


def _arg_extreme(arg: Any, op: str, x: Any, axis: Any, keepdims: bool) -> Tensor:
    """argmax or argmin over one axis or all (an integer Tensor, never part of the graph)."""
    x = operand(x, op)
    if axis is not None:
        axes = normalize_axis(axis, x.ndim, op)
        if axes is None:  # a 0-d tensor
            axis = None
        elif len(axes) != 1:
            raise ValueError(f"{op}: axis must be one int or None, got {axis}")
        else:
            (axis,) = axes
    if x.data.size == 0:
        raise ValueError(f"{op}: cannot find the extreme of an empty tensor of shape {x.shape}")
    return wrap(arg(x.data, axis=axis, keepdims=keepdims), None)  # (wrap makes a scalar a 0-d array)


def argmax(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Index of the maximum, over one axis or the flattened tensor (an integer Tensor, never part of the graph)."""
    axis, keepdims = dims("argmax", axis, dim, keepdims, keepdim)
    return _arg_extreme(np.argmax, "argmax", x, axis, keepdims)


def argmin(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Index of the minimum, over one axis or the flattened tensor (an integer Tensor, never part of the graph)."""
    axis, keepdims = dims("argmin", axis, dim, keepdims, keepdim)
    return _arg_extreme(np.argmin, "argmin", x, axis, keepdims)


def any(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Is any element nonzero, over `axis` (a bool Tensor, never part of the graph)."""
    return _logical(np.logical_or, "any", x, axis, keepdims, dim, keepdim)


def all(x: Any, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
    """Is every element nonzero, over `axis` (a bool Tensor, never part of the graph)."""
    return _logical(np.logical_and, "all", x, axis, keepdims, dim, keepdim)


def _logical(ufunc: np.ufunc, op: str, x: Any, axis: Any, keepdims: Any, dim: Any, keepdim: Any) -> Tensor:
    """any or all: the logical ufunc reduced over the axes."""
    x = operand(x, op)
    axis, keepdims = dims(op, axis, dim, keepdims, keepdim)
    axes = normalize_axis(axis, x.ndim, op)
    return wrap(ufunc.reduce(x.data.astype(bool, copy=False), axes, keepdims=keepdims), None)


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when |a - b| <= atol + rtol * |b| everywhere (a Python bool, as NumPy's and PyTorch's allclose)."""
    return bool(np.allclose(array_of(operand(a, "allclose")), array_of(operand(b, "allclose")), rtol, atol, equal_nan))
