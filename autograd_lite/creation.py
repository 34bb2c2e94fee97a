"""Making tensors: from data (copied or shared), factories (zeros, ones, rand, ...), the seeded generator.

`ag.tensor(data)` copies, as `torch.tensor` does: changing the tensor (an
optimizer step) never changes the caller's array. `ag.from_numpy(a)` and
`ag.as_tensor(a)` share the array's memory instead, as their PyTorch namesakes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite.tensor import Tensor, check_can_require_grad, get_default_dtype, shape_argument, to_array, wrap

_generator = np.random.default_rng()


def _array(x: Any) -> np.ndarray:
    """x's array as it is (compile: np.asarray would hide ag.compile's traced arrays from the trace)."""
    return np.asanyarray(x.data if isinstance(x, Tensor) else x)


def manual_seed(seed: int) -> None:
    """Seed the generator behind rand/randn/randint (and nn.init), for reproducible runs."""
    global _generator
    _generator = np.random.default_rng(seed)


def _dtype(dtype: Any) -> np.dtype:
    """`dtype`, or the default dtype when None."""
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def _leaf(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A leaf Tensor around `array` itself (not copied): the factories' arrays are new already."""
    if requires_grad:
        check_can_require_grad(array.dtype)
    tensor = wrap(array, None)
    tensor.requires_grad = bool(requires_grad)
    return tensor


# --------------------------------------------------------------------------- from data


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> Tensor:
    """A new tensor holding a copy of `data`, as Tensor(...): `ag.tensor([[1.0, 2.0]], requires_grad=True)`."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory: changes to either show in the other (torch.from_numpy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}; "
                        "ag.tensor(data) makes a tensor from other data")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: cannot make a numeric tensor from an array of dtype {array.dtype}")
    return _leaf(array)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """`data` as a tensor without copying when it can (torch.as_tensor).

    A Tensor of that dtype is returned as it is, an array of that dtype is
    shared; anything else (a list, another dtype) is converted into a new array.
    """
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.to(dtype)
    return _leaf(to_array(data, dtype))


def is_tensor(obj: Any) -> bool:
    """True when `obj` is an autograd_lite Tensor (nn.Parameter included)."""
    return isinstance(obj, Tensor)


# --------------------------------------------------------------------------- factories


def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A tensor of zeros: ag.zeros(2, 3) or ag.zeros((2, 3))."""
    return _leaf(np.zeros(shape_argument(shape, "zeros"), _dtype(dtype)), requires_grad)


def ones(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A tensor of ones: ag.ones(2, 3) or ag.ones((2, 3))."""
    return _leaf(np.ones(shape_argument(shape, "ones"), _dtype(dtype)), requires_grad)


def empty(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A tensor whose values are whatever the memory held (fill it before reading it): ag.empty(2, 3)."""
    return _leaf(np.empty(shape_argument(shape, "empty"), _dtype(dtype)), requires_grad)


def full(shape: Any, fill_value: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A tensor of `shape` filled with `fill_value` (whose type sets the dtype unless given)."""
    shape = shape_argument((shape,) if not isinstance(shape, (tuple, list)) else tuple(shape), "full")
    if dtype is None and not isinstance(fill_value, float):
        dtype = np.asarray(fill_value).dtype
    return _leaf(np.full(shape, fill_value, _dtype(dtype)), requires_grad)


def arange(start: Any, stop: Any = None, step: Any = 1, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Like numpy.arange; integers unless a float argument or a float dtype is given."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is not None:
        values = values.astype(dtype)
    elif values.dtype == np.float64:
        values = values.astype(get_default_dtype())
    return _leaf(values, requires_grad)


def linspace(start: float, end: float, steps: int, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """`steps` evenly spaced values from start to end, both included (torch.linspace)."""
    return _leaf(np.linspace(start, end, int(steps), dtype=_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    return _leaf(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


# --------------------------------------------------------------------------- random


def _float_dtype(dtype: Any, op: str) -> np.dtype:
    """`dtype` (the default dtype when None), which must be a float one for random floats."""
    dtype = _dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: random floats need a floating-point dtype, got {dtype}")
    return dtype


def rand(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Uniform samples in [0, 1)."""
    dtype = _float_dtype(dtype, "rand")
    values = _generator.random(shape_argument(shape, "rand"), dtype=dtype if dtype != np.float16 else np.float32)
    return _leaf(values.astype(dtype, copy=False), requires_grad)


def randn(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Standard normal samples."""
    dtype = _float_dtype(dtype, "randn")
    values = _generator.standard_normal(shape_argument(shape, "randn"), dtype=dtype if dtype != np.float16 else np.float32)
    return _leaf(values.astype(dtype, copy=False), requires_grad)


def randint(low: int, high: Any = None, size: Any = None, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Random integers in [low, high) of shape `size`: ag.randint(0, 10, (3,)), or ag.randint(10, (3,)) (low 0).

    int64 unless `dtype` is given, as torch.randint.
    """
    if size is None:  # randint(high, size)
        if high is None:
            raise TypeError("randint: give the size, e.g. ag.randint(0, 10, (3,))")
        low, high, size = 0, low, high
    size = shape_argument((size,) if isinstance(size, (int, np.integer)) else tuple(size), "randint", "size")
    values = _generator.integers(low, high, size)
    return _leaf(values.astype(np.int64 if dtype is None else dtype, copy=False), requires_grad)


# --------------------------------------------------------------------------- shaped like another tensor


def zeros_like(x: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Zeros of x's shape (and dtype, unless given)."""
    return _leaf(np.zeros_like(_array(x), dtype=dtype), requires_grad)


def ones_like(x: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Ones of x's shape (and dtype, unless given)."""
    return _leaf(np.ones_like(_array(x), dtype=dtype), requires_grad)


def empty_like(x: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """An uninitialized tensor of x's shape (and dtype, unless given)."""
    return _leaf(np.empty_like(_array(x), dtype=dtype), requires_grad)


def full_like(x: Any, fill_value: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """`fill_value` everywhere, in x's shape (and dtype, unless given)."""
    return _leaf(np.full_like(_array(x), fill_value, dtype=dtype), requires_grad)


def rand_like(x: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Uniform samples in [0, 1) of x's shape (and dtype, unless given)."""
    return rand(np.shape(x), requires_grad=requires_grad, dtype=np.asarray(x).dtype if dtype is None else dtype)


def randn_like(x: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Standard normal samples of x's shape (and dtype, unless given)."""
    return randn(np.shape(x), requires_grad=requires_grad, dtype=np.asarray(x).dtype if dtype is None else dtype)


def randint_like(x: Any, low: int, high: Any = None, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Random integers in [low, high) (or [0, low)) of x's shape, in x's dtype unless given."""
    low, high = (0, low) if high is None else (low, high)
    return randint(low, high, np.shape(x), requires_grad, np.asarray(x).dtype if dtype is None else dtype)
