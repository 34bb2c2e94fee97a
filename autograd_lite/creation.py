"""Factories (zeros, ones, rand, ...) and the seeded random generator."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite.tensor import Tensor, get_default_dtype, shape_argument

_generator = np.random.default_rng()


def _array(x: Any) -> np.ndarray:
    """x's array as it is (compile: np.asarray would hide ag.compile's traced arrays from the trace)."""
    return np.asanyarray(x.data if isinstance(x, Tensor) else x)


def manual_seed(seed: int) -> None:
    """Seed the generator behind rand/randn (and nn.init), for reproducible runs."""
    global _generator
    _generator = np.random.default_rng(seed)


def _dtype(dtype: Any) -> np.dtype:
    """`dtype`, or the default dtype when None."""
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> Tensor:
    """Same as Tensor(...): `ag.tensor([[1.0, 2.0]], requires_grad=True)`."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A tensor of zeros: ag.zeros(2, 3) or ag.zeros((2, 3))."""
    return Tensor(np.zeros(shape_argument(shape, "zeros"), _dtype(dtype)), requires_grad)


def ones(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A tensor of ones: ag.ones(2, 3) or ag.ones((2, 3))."""
    return Tensor(np.ones(shape_argument(shape, "ones"), _dtype(dtype)), requires_grad)


def full(shape: Any, fill_value: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A tensor of `shape` filled with `fill_value` (whose type sets the dtype unless given)."""
    shape = shape_argument((shape,) if not isinstance(shape, (tuple, list)) else tuple(shape), "full")
    if dtype is None and not isinstance(fill_value, float):
        dtype = np.asarray(fill_value).dtype
    return Tensor(np.full(shape, fill_value, _dtype(dtype)), requires_grad)


def zeros_like(x: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Zeros of x's shape (and dtype, unless given)."""
    return Tensor(np.zeros_like(_array(x), dtype=dtype), requires_grad)


def ones_like(x: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Ones of x's shape (and dtype, unless given)."""
    return Tensor(np.ones_like(_array(x), dtype=dtype), requires_grad)


def arange(start: Any, stop: Any = None, step: Any = 1, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Like numpy.arange; integers unless a float argument or a float dtype is given."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is not None:
        values = values.astype(dtype)
    elif values.dtype == np.float64:
        values = values.astype(get_default_dtype())
    return Tensor(values, requires_grad)


def eye(n: int, m: int | None = None, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Uniform samples in [0, 1)."""
    dtype = _dtype(dtype)
    shape = shape_argument(shape, "rand")
    values = _generator.random(shape, dtype=dtype if dtype != np.float16 else np.float32)
    return Tensor(values.astype(dtype, copy=False), requires_grad)


def randn(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Standard normal samples."""
    dtype = _dtype(dtype)
    shape = shape_argument(shape, "randn")
    values = _generator.standard_normal(shape, dtype=dtype if dtype != np.float16 else np.float32)
    return Tensor(values.astype(dtype, copy=False), requires_grad)
