"""NumPy interop: NumPy's ufuncs on Tensors run the engine's ops (`Tensor.__array_ufunc__`).

    np.exp(t), np.add(t, 1), array * t, np.maximum(t, 0)   ->  Tensors, with their gradients
    np.subtract(p.data, lr * p.grad, out=p.data)           ->  arrays, written into `out`, nothing recorded

The second line is what `p.data -= lr * p.grad` does when `p.grad` is a
Tensor: with an ndarray `out=`, the ufunc runs on the arrays behind the
Tensors. A ufunc the engine has no op for raises a TypeError naming it, rather
than silently dropping out of the graph. (`np.asarray(t)` is `t.data`, through
`Tensor.__array__`.)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograd_lite import elementwise, linalg
from autograd_lite.tensor import Tensor, compare, operand


def _unary(name: str) -> Callable[[Any], Tensor]:
    """The Tensor method `name` as a function of one input."""
    return lambda x: getattr(operand(x, name), name)()


def _comparison(ufunc: np.ufunc, symbol: str) -> Callable[[Any, Any], Tensor]:
    return lambda a, b: compare(ufunc, symbol, operand(a, symbol, like=b if isinstance(b, Tensor) else None), b)


# NumPy's name of the ufunc -> the engine's op
UFUNCS: dict[str, Callable[..., Tensor]] = {
    "add": elementwise.add, "subtract": elementwise.sub, "multiply": elementwise.mul,
    "divide": elementwise.div, "power": elementwise.pow, "matmul": linalg.matmul,
    "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    "negative": lambda x: -operand(x, "negative"), "positive": lambda x: +operand(x, "positive"),
    "square": lambda x: operand(x, "square") * x, "reciprocal": lambda x: 1 / operand(x, "reciprocal"),
    "absolute": _unary("abs"),
    **{name: _unary(name) for name in ("exp", "log", "sqrt", "tanh", "sin", "cos", "log1p", "expm1")
       if hasattr(Tensor, name)},
    "less": _comparison(np.less, "<"), "less_equal": _comparison(np.less_equal, "<="),
    "greater": _comparison(np.greater, ">"), "greater_equal": _comparison(np.greater_equal, ">="),
    "equal": _comparison(np.equal, "=="), "not_equal": _comparison(np.not_equal, "!="),
}


def array_ufunc(ufunc: np.ufunc, method: str, *inputs: Any, out: Any = None, **kwargs: Any) -> Any:
    """What `Tensor.__array_ufunc__` does: the engine's op, or NumPy's on the arrays when `out=` is one."""
    if out is not None:
        if any(isinstance(o, Tensor) for o in out):
            raise TypeError(f"numpy.{ufunc.__name__}: out= cannot be a Tensor; write into an array "
                            "(t.data), or use an in-place op (t.add_(u), t.copy_(...))")
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        return getattr(ufunc, method)(*arrays, out=out, **kwargs)
    engine_op = UFUNCS.get(ufunc.__name__)
    if method != "__call__" or kwargs or engine_op is None:
        called = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        if kwargs:
            called += f" with {', '.join(kwargs)}="
        raise TypeError(f"{called} is not supported on Tensors: autograd_lite has no such op with a gradient. "
                        f"Use the Tensor's own methods, or compute on the array (t.data) outside the graph")
    return engine_op(*inputs)

