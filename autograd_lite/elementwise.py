"""Elementwise primitives: arithmetic, exp/log/tanh/..., maximum/minimum/where/clip.

Each class pairs `forward` (the function, on arrays) with `backward` (its
derivative times the incoming gradient g). Inputs of different shapes
broadcast as in NumPy; the graph walk sums each gradient back to its input's
shape, so the rules below can ignore broadcasting.

Masks such as "where x > 0" have zero derivative, so rules compute them from
the plain data (`array_of`) even when the walk passes Tensors. Comparisons
(`x > 0`), which carry no gradient, are Tensor operators in tensor.py.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograd_lite.graph import ArraySummary, Function
from autograd_lite.tensor import Tensor, apply, array_of, operand, operands, wrap


# --------------------------------------------------------------------------- arithmetic


class Add(Function):
    op = "add"

    def forward(self, a, b):
        return a + b

    def backward(self, g, y, a, b):
        """d(a + b)/da = 1, d(a + b)/db = 1"""
        return g, g


class Sub(Function):
    op = "sub"

    def forward(self, a, b):
        return a - b

    def backward(self, g, y, a, b):
        """d(a - b)/da = 1, d(a - b)/db = -1"""
        return g, -g


class Mul(Function):
    op = "mul"

    def forward(self, a, b):
        return a * b

    def backward(self, g, y, a, b):
        """d(a * b)/da = b, d(a * b)/db = a"""
        needs_a, needs_b = self.needs_grad  # perf: often one factor is a constant: skip its product
        return (g * b if needs_a else None), (g * a if needs_b else None)


class Div(Function):
    op = "div"

    def forward(self, a, b):
        return a / b

    def backward(self, g, y, a, b):
        """d(a / b)/da = 1 / b, d(a / b)/db = -a / b^2 = -(1 / b) * (a / b)"""
        ga = g / b
        return (ga if self.needs_grad[0] else None), (-ga * y if self.needs_grad[1] else None)


class Neg(Function):
    op = "neg"

    def forward(self, a):
        return -a

    def backward(self, g, y, a):
        """d(-a)/da = -1"""
        return (-g,)


class Pow(Function):
    op = "pow"

    def forward(self, a, b):
        return a**b

    def backward(self, g, y, a, b):
        """d(a^b)/da = b * a^(b-1), d(a^b)/db = a^b * log(a)"""
        ga = g * b * a ** (b - 1) if self.needs_grad[0] else None
        gb = None
        if self.needs_grad[1]:
            positive = array_of(a) > 0  # log(a) is real only there; elsewhere a^b has no b-derivative we use
            safe_a = a * positive + (~positive)  # 1 where a <= 0, so log gives 0 there
            gb = g * y * (log(safe_a) if isinstance(safe_a, Tensor) else np.log(safe_a))
        return ga, gb


class AsType(Function):
    op = "astype"

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype_to = dtype

    def params(self) -> str:
        return str(self.dtype_to)

    def forward(self, a):
        return a.astype(self.dtype_to)

    def backward(self, g, y, a):
        """the gradient goes back in the input's dtype"""
        return (g.astype(a.dtype),)


class Clone(Function):
    op = "clone"

    def forward(self, x):
        return x.copy()

    def backward(self, g, y, x):
        """d/dx clone(x) = 1"""
        return (g,)


def add(a: Any, b: Any) -> Tensor:
    """a + b, broadcasting as NumPy."""
    return apply(Add(), *operands(a, b, "add"))


def sub(a: Any, b: Any) -> Tensor:
    """a - b, broadcasting as NumPy."""
    return apply(Sub(), *operands(a, b, "sub"))


def mul(a: Any, b: Any) -> Tensor:
    """a * b elementwise, broadcasting as NumPy."""
    return apply(Mul(), *operands(a, b, "mul"))


def div(a: Any, b: Any) -> Tensor:
    """a / b elementwise, broadcasting as NumPy."""
    return apply(Div(), *operands(a, b, "div"))


def pow(a: Any, b: Any) -> Tensor:
    """a ** b elementwise, broadcasting as NumPy."""
    return apply(Pow(), *operands(a, b, "pow"))


def clone(x: Any) -> Tensor:
    """A copy of x in its own memory; the gradient passes through unchanged."""
    return apply(Clone(), operand(x, "clone"))


def astype(x: Tensor, dtype: Any) -> Tensor:
    """x converted to `dtype`; the gradient flows back in x's dtype (none to integer results)."""
    dtype = np.dtype(dtype)
    if x.requires_grad and dtype.kind != "f":
        return wrap(x.data.astype(dtype), None)  # integers carry no gradient
    return apply(AsType(dtype), x)


# --------------------------------------------------------------------------- unary functions


class Exp(Function):
    op = "exp"

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, y, x):
        """d/dx exp(x) = exp(x)"""
        return (g * y,)


class Log(Function):
    op = "log"

    def forward(self, x):
        return np.log(x)

    def backward(self, g, y, x):
        """d/dx log(x) = 1 / x"""
        return (g / x,)


class Tanh(Function):
    op = "tanh"

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g, y, x):
        """d/dx tanh(x) = 1 - tanh(x)^2"""
        return (g * (1 - y * y),)


class Sigmoid(Function):
    op = "sigmoid"

    def forward(self, x):
        # For x < -709, exp(-x) overflows to inf and 1 / (1 + inf) = 0: the right limit.
        # perf: the overflow warning is silenced rather than avoided (a where-form costs 2.7x the time)
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-x))

    def backward(self, g, y, x):
        """d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))"""
        return (g * (y * (1 - y)),)


class Relu(Function):
    op = "relu"

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g, y, x):
        """d/dx relu(x) = 1 where x > 0, else 0 (0 at x = 0, as in PyTorch)"""
        return (g * (array_of(x) > 0),)


class Sqrt(Function):
    op = "sqrt"

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g, y, x):
        """d/dx sqrt(x) = 1 / (2 sqrt(x))"""
        return (g / (2 * y),)


class Abs(Function):
    op = "abs"

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, y, x):
        """d/dx |x| = sign(x) (0 at x = 0)"""
        return (g * np.sign(array_of(x)),)


def exp(x: Any) -> Tensor:
    """e^x elementwise."""
    return apply(Exp(), operand(x, "exp"))


def log(x: Any) -> Tensor:
    """Natural logarithm elementwise."""
    return apply(Log(), operand(x, "log"))


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return apply(Tanh(), operand(x, "tanh"))


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-x) elementwise."""
    return apply(Sigmoid(), operand(x, "sigmoid"))


def relu(x: Any) -> Tensor:
    """max(x, 0) elementwise."""
    return apply(Relu(), operand(x, "relu"))


def sqrt(x: Any) -> Tensor:
    """Square root elementwise."""
    return apply(Sqrt(), operand(x, "sqrt"))


def abs(x: Any) -> Tensor:
    """|x| elementwise."""
    return apply(Abs(), operand(x, "abs"))


# --------------------------------------------------------------------------- selections


def _tie_weights(wins: np.ndarray, ties: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """1 where this input wins, 1/2 where both are equal (ties share the gradient)."""
    weights = wins.astype(dtype)
    weights += 0.5 * ties
    return weights


class PairwiseExtreme(Function):
    """maximum or minimum of two inputs: the gradient goes to the winner, ties share it."""

    wins: Callable[[np.ndarray, np.ndarray], np.ndarray]  # a beats b: np.greater for maximum

    def backward(self, g, y, a, b):
        """d max(a, b)/da = [a > b] + [a == b] / 2, and symmetrically for b (min: [a < b])"""
        a, b = array_of(a), array_of(b)
        ties = a == b
        dtype = array_of(g).dtype
        return g * _tie_weights(self.wins(a, b), ties, dtype), g * _tie_weights(self.wins(b, a), ties, dtype)


class Maximum(PairwiseExtreme):
    op = "maximum"
    wins = staticmethod(np.greater)

    def forward(self, a, b):
        return np.maximum(a, b)


class Minimum(PairwiseExtreme):
    op = "minimum"
    wins = staticmethod(np.less)

    def forward(self, a, b):
        return np.minimum(a, b)


class Where(Function):
    op = "where"
    holds_arrays = True  # the condition

    def __init__(self, condition: np.ndarray) -> None:
        self.condition = condition

    def release(self) -> None:
        self.condition = None

    def forward(self, a, b):
        return np.where(self.condition, a, b)

    def backward(self, g, y, a, b):
        """d where(c, a, b)/da = [c], d/db = [not c]"""
        return g * self.condition, g * ~self.condition


class Clip(Function):
    op = "clip"
    holds_arrays = True  # bounds may be arrays

    def __init__(self, low: Any, high: Any) -> None:
        self.low, self.high = low, high

    def release(self) -> None:
        self.low, self.high = [ArraySummary(b) if isinstance(b, np.ndarray) else b for b in (self.low, self.high)]

    def params(self) -> str:
        return ", ".join(str(ArraySummary(b) if isinstance(b, np.ndarray) else b) for b in (self.low, self.high))

    def forward(self, x):
        return np.clip(x, self.low, self.high)

    def backward(self, g, y, x):
        """d/dx clip(x, lo, hi) = 1 where lo <= x <= hi, else 0"""
        x = array_of(x)
        inside = np.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return (g * inside,)


def maximum(a: Any, b: Any) -> Tensor:
    """The larger of a and b, elementwise; where they are equal the gradient is shared."""
    return apply(Maximum(), *operands(a, b, "maximum"))


def minimum(a: Any, b: Any) -> Tensor:
    """The smaller of a and b, elementwise; where they are equal the gradient is shared."""
    return apply(Minimum(), *operands(a, b, "minimum"))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elements of a where condition holds, else of b (no gradient flows to the condition)."""
    condition = np.array(array_of(condition), dtype=bool)  # a copy: the caller may change it before backward
    a, b = operands(a, b, "where")
    return apply(Where(condition), a, b)


def clip(x: Any, min: Any = None, max: Any = None) -> Tensor:
    """x limited to [min, max] (either may be None); no gradient where x was clipped."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    # bounds get no gradient; arrays are copied, as the caller may change them before backward
    bounds = [np.array(b) if isinstance(b, np.ndarray) else b for b in (array_of(min), array_of(max))]
    return apply(Clip(*bounds), operand(x, "clip"))
