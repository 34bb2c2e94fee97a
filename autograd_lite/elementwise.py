"""Elementwise primitives: arithmetic, exp/log/sin/tanh/..., maximum/minimum/where/clip.

Each class pairs `forward` (the function, on arrays) with `backward` (its
derivative times the incoming gradient g) and `jvp` (its derivative times the
inputs' tangents dx, for forward mode). Inputs of different shapes broadcast
as in NumPy; the graph walk sums each gradient back to its input's shape, and
the tangents broadcast by themselves, so the rules below can ignore broadcasting.

Masks such as "where x > 0" have zero derivative, so rules compute them from
the plain data (`array_of`) even when the walk passes Tensors. Comparisons
(`x > 0`), which carry no gradient, are Tensor operators in tensor.py.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from autograd_lite.graph import ArraySummary, Function, describe_array
from autograd_lite.tensor import Tensor, apply, array_of, operand, operands, wrap


# --------------------------------------------------------------------------- arithmetic


class Add(Function):
    op = "add"

    def forward(self, a, b):
        return a + b

    def backward(self, g, y, a, b):
        """d(a + b)/da = 1, d(a + b)/db = 1"""
        return g, g

    def jvp(self, tangents, y, a, b):
        """d(a + b) = da + db"""
        da, db = tangents
        return da + db


class Sub(Function):
    op = "sub"

    def forward(self, a, b):
        return a - b

    def backward(self, g, y, a, b):
        """d(a - b)/da = 1, d(a - b)/db = -1"""
        return g, -g

    def jvp(self, tangents, y, a, b):
        """d(a - b) = da - db"""
        da, db = tangents
        return da - db


class Mul(Function):
    op = "mul"

    def forward(self, a, b):
        return a * b

    def backward(self, g, y, a, b):
        """d(a * b)/da = b, d(a * b)/db = a"""
        needs_a, needs_b = self.needs_grad  # perf: often one factor is a constant: skip its product
        return (g * b if needs_a else None), (g * a if needs_b else None)

    def jvp(self, tangents, y, a, b):
        """d(a * b) = da b + a db"""
        da, db = tangents
        return da * b + a * db


class Div(Function):
    op = "div"

    def forward(self, a, b):
        return a / b

    def backward(self, g, y, a, b):
        """d(a / b)/da = 1 / b, d(a / b)/db = -a / b^2 = -(1 / b) * (a / b)"""
        ga = g / b
        return (ga if self.needs_grad[0] else None), (-ga * y if self.needs_grad[1] else None)

    def jvp(self, tangents, y, a, b):
        """d(a / b) = da / b - (a / b) db / b = (da - y db) / b"""
        da, db = tangents
        return (da - y * db) / b


class Neg(Function):
    op = "neg"

    def forward(self, a):
        return -a

    def backward(self, g, y, a):
        """d(-a)/da = -1"""
        return (-g,)

    def jvp(self, tangents, y, a):
        """d(-a) = -da"""
        (da,) = tangents
        return -da


class Pow(Function):
    op = "pow"

    def forward(self, a, b):
        return a**b

    def backward(self, g, y, a, b):
        """d(a^b)/da = b * a^(b-1), d(a^b)/db = a^b * log(a)"""
        ga = g * b * a ** (b - 1) if self.needs_grad[0] else None
        gb = g * y * _log_of_base(a) if self.needs_grad[1] else None
        return ga, gb

    def jvp(self, tangents, y, a, b):
        """d(a^b) = b a^(b-1) da + a^b log(a) db"""
        da, db = tangents
        given_a, given_b = self.has_tangent or (True, True)  # perf: x ** 2 needs no log(x) (10^6 x: 15.8 -> 4.6 ms)
        by_base = da * b * a ** (b - 1) if given_a else None
        by_exponent = db * y * _log_of_base(a) if given_b else None
        if by_base is None or by_exponent is None:
            return by_exponent if by_base is None else by_base
        return by_base + by_exponent


def _log_of_base(a: Any) -> Any:
    """log(a) where a > 0, else 0: log(a) is real only there, and elsewhere a^b has no b-derivative we use."""
    positive = array_of(a) > 0
    safe_a = a * positive + (~positive)  # 1 where a <= 0, so log gives 0 there
    return log(safe_a) if isinstance(safe_a, Tensor) else np.log(safe_a)


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

    def jvp(self, tangents, y, a):
        """d astype(a) = astype(da): the tangent moves to the output's dtype"""
        (da,) = tangents
        return da.astype(self.dtype_to)


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

    def jvp(self, tangents, y, x):
        """d exp(x) = exp(x) dx"""
        (dx,) = tangents
        return dx * y


class Log(Function):
    op = "log"

    def forward(self, x):
        return np.log(x)

    def backward(self, g, y, x):
        """d/dx log(x) = 1 / x"""
        return (g / x,)

    def jvp(self, tangents, y, x):
        """d log(x) = dx / x"""
        (dx,) = tangents
        return dx / x


class Tanh(Function):
    op = "tanh"

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g, y, x):
        """d/dx tanh(x) = 1 - tanh(x)^2"""
        return (g * (1 - y * y),)

    def jvp(self, tangents, y, x):
        """d tanh(x) = (1 - tanh(x)^2) dx"""
        (dx,) = tangents
        return dx * (1 - y * y)


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

    def jvp(self, tangents, y, x):
        """d sigmoid(x) = sigmoid(x) (1 - sigmoid(x)) dx"""
        (dx,) = tangents
        return dx * (y * (1 - y))


class Relu(Function):
    op = "relu"

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g, y, x):
        """d/dx relu(x) = 1 where x > 0, else 0 (0 at x = 0, as in PyTorch)"""
        return (g * (array_of(x) > 0),)

    def jvp(self, tangents, y, x):
        """d relu(x) = [x > 0] dx"""
        (dx,) = tangents
        return dx * (array_of(x) > 0)


class Sqrt(Function):
    op = "sqrt"

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g, y, x):
        """d/dx sqrt(x) = 1 / (2 sqrt(x))"""
        return (g / (2 * y),)

    def jvp(self, tangents, y, x):
        """d sqrt(x) = dx / (2 sqrt(x))"""
        (dx,) = tangents
        return dx / (2 * y)


class Abs(Function):
    op = "abs"

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, y, x):
        """d/dx |x| = sign(x) (0 at x = 0)"""
        return (g * np.sign(array_of(x)),)

    def jvp(self, tangents, y, x):
        """d |x| = sign(x) dx"""
        (dx,) = tangents
        return dx * np.sign(array_of(x))


class Expm1(Function):
    op = "expm1"

    def forward(self, x):
        return np.expm1(x)

    def backward(self, g, y, x):
        """d/dx (e^x - 1) = e^x = y + 1"""
        return (g * (y + 1),)

    def jvp(self, tangents, y, x):
        """d (e^x - 1) = (y + 1) dx"""
        (dx,) = tangents
        return dx * (y + 1)


class Log1p(Function):
    op = "log1p"

    def forward(self, x):
        return np.log1p(x)

    def backward(self, g, y, x):
        """d/dx log(1 + x) = 1 / (1 + x)"""
        return (g / (1 + x),)

    def jvp(self, tangents, y, x):
        """d log(1 + x) = dx / (1 + x)"""
        (dx,) = tangents
        return dx / (1 + x)


class Sin(Function):
    op = "sin"

    def forward(self, x):
        return np.sin(x)

    def backward(self, g, y, x):
        """d/dx sin(x) = cos(x)"""
        return (g * _cos(x),)

    def jvp(self, tangents, y, x):
        """d sin(x) = cos(x) dx"""
        (dx,) = tangents
        return dx * _cos(x)


class Cos(Function):
    op = "cos"

    def forward(self, x):
        return np.cos(x)

    def backward(self, g, y, x):
        """d/dx cos(x) = -sin(x)"""
        return (-g * _sin(x),)

    def jvp(self, tangents, y, x):
        """d cos(x) = -sin(x) dx"""
        (dx,) = tangents
        return -dx * _sin(x)


def _sin(x: Any) -> Any:
    """sin(x) of an array, or (under create_graph) of a Tensor, recorded."""
    return sin(x) if isinstance(x, Tensor) else np.sin(x)


def _cos(x: Any) -> Any:
    """cos(x) of an array, or (under create_graph) of a Tensor, recorded."""
    return cos(x) if isinstance(x, Tensor) else np.cos(x)


def exp(x: Any) -> Tensor:
    """e^x elementwise."""
    return apply(Exp(), operand(x, "exp"))


def log(x: Any) -> Tensor:
    """Natural logarithm elementwise."""
    return apply(Log(), operand(x, "log"))


def expm1(x: Any) -> Tensor:
    """e^x - 1 elementwise, accurate for small x."""
    return apply(Expm1(), operand(x, "expm1"))


def log1p(x: Any) -> Tensor:
    """log(1 + x) elementwise, accurate for small x."""
    return apply(Log1p(), operand(x, "log1p"))


def sin(x: Any) -> Tensor:
    """Sine elementwise (radians)."""
    return apply(Sin(), operand(x, "sin"))


def cos(x: Any) -> Tensor:
    """Cosine elementwise (radians)."""
    return apply(Cos(), operand(x, "cos"))


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


# --------------------------------------------------------------------------- erf

_ERF_PIECE = 0.25  # erf on [0, 6) is a Taylor polynomial about the centre of each piece of this width
_ERF_TERMS = 18  # the terms left out add up to less than 1e-18 on every piece
_ERF_ONE_FROM = 6.0  # 1 - erf(6) = 2e-17 is below half a unit in the last place of 1.0: erf is 1.0 from here on


def _erf_taylor_coefficients(center: float) -> list[float]:
    """erf(center + h) = sum_k a_k h^k: a_0 = erf(c), a_(k+1) = (-1)^k H_k(c) 2/sqrt(pi) exp(-c^2) / (k+1)!

    The derivatives of erf are Hermite polynomials times the Gaussian, with
    H_0 = 1, H_1 = 2c, H_(k+1) = 2c H_k - 2k H_(k-1).
    """
    gaussian = 2 / math.sqrt(math.pi) * math.exp(-center * center)
    coefficients = [math.erf(center)]
    hermite_before, hermite = 0.0, 1.0
    for k in range(_ERF_TERMS - 1):
        coefficients.append((-1) ** k * hermite * gaussian / math.factorial(k + 1))
        hermite_before, hermite = hermite, 2 * center * hermite - 2 * k * hermite_before
    return coefficients


# The first piece is expanded about 0 (its even coefficients are 0), so that erf(x) ~ 2x/sqrt(pi)
# keeps full relative precision for tiny x; the others about their midpoints.
_ERF_CENTERS = np.array([0.0] + [(i + 0.5) * _ERF_PIECE for i in range(1, int(_ERF_ONE_FROM / _ERF_PIECE))])
# Row k holds every piece's coefficient of h^(TERMS-1-k): Horner's rule reads them top down.
_ERF_TABLE = np.array([_erf_taylor_coefficients(c) for c in _ERF_CENTERS]).T[::-1].copy()


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf(x) elementwise, within 2 units in the last place of math.erf, for float arrays of any dtype.

    Each |x| < 6 is evaluated by Horner's rule on the Taylor polynomial of its
    piece; erf is odd, and 1.0 (to double precision) from 6 on.
    """
    # perf: one Horner pass over the whole array, each element reading its piece's coefficients;
    # measured 1.4x (10^3 elements) to 2.4x (10^6) faster than np.frompyfunc(math.erf, 1, 1), the plain version.
    a = np.abs(x).astype(np.float64)
    piece = np.fmin(a / _ERF_PIECE, len(_ERF_CENTERS) - 1).astype(np.intp)  # fmin: NaN goes to the last piece
    h = a - _table_like(_ERF_CENTERS, a)[piece]
    table = _table_like(_ERF_TABLE, a)
    value = table[0][piece]
    for coefficients in table[1:]:
        value *= h
        value += coefficients[piece]
    value = np.where(a >= _ERF_ONE_FROM, 1.0, value)
    return np.copysign(value, x).astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


def _table_like(table: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`table` itself, or for an ndarray subclass `like` (ag.compile's traced arrays) a copy made like it.

    compile: a plain table indexed with a traced index computes out of the trace's sight (NumPy
    dispatches indexing to the indexed array only); a copy made by np.empty_like is traced.
    """
    if type(like) is np.ndarray:
        return table
    copy = np.empty_like(like, shape=table.shape)
    np.copyto(copy, table)
    return copy


class Erf(Function):
    op = "erf"

    def forward(self, x):
        return erf_array(x)

    def backward(self, g, y, x):
        """d/dx erf(x) = 2/sqrt(pi) exp(-x^2)"""
        return (g * _erf_slope(x),)

    def jvp(self, tangents, y, x):
        """d erf(x) = 2/sqrt(pi) exp(-x^2) dx"""
        (dx,) = tangents
        return dx * _erf_slope(x)


def _erf_slope(x: Any) -> Any:
    """2/sqrt(pi) exp(-x^2), on an array or (under create_graph) a Tensor."""
    gaussian = exp(-x * x) if isinstance(x, Tensor) else np.exp(-x * x)
    return (2 / math.sqrt(math.pi)) * gaussian


def erf(x: Any) -> Tensor:
    """The error function 2/sqrt(pi) * integral from 0 to x of e^(-t^2) dt, elementwise."""
    return apply(Erf(), operand(x, "erf"))


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
        weight_a, weight_b = self.weights(a, b, array_of(g).dtype)
        return g * weight_a, g * weight_b

    def jvp(self, tangents, y, a, b):
        """d max(a, b) = ([a > b] + [a == b] / 2) da + ([b > a] + [a == b] / 2) db"""
        da, db = tangents
        weight_a, weight_b = self.weights(a, b, array_of(y).dtype)
        return da * weight_a + db * weight_b

    def weights(self, a: Any, b: Any, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """How much of the derivative each input gets: 1 for the winner, 1/2 each on a tie."""
        a, b = array_of(a), array_of(b)
        ties = a == b
        return _tie_weights(self.wins(a, b), ties, dtype), _tie_weights(self.wins(b, a), ties, dtype)


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

    def jvp(self, tangents, y, a, b):
        """d where(c, a, b) = [c] da + [not c] db"""
        da, db = tangents
        return da * self.condition + db * ~self.condition


class Clip(Function):
    op = "clip"
    holds_arrays = True  # bounds may be arrays

    def __init__(self, low: Any, high: Any) -> None:
        self.low, self.high = low, high

    def release(self) -> None:
        self.low, self.high = [ArraySummary(b) if isinstance(b, np.ndarray) else b for b in (self.low, self.high)]

    def params(self) -> str:
        return ", ".join(describe_array(b) if isinstance(b, np.ndarray) else str(b) for b in (self.low, self.high))

    def forward(self, x):
        return np.clip(x, self.low, self.high)

    def backward(self, g, y, x):
        """d/dx clip(x, lo, hi) = 1 where lo <= x <= hi, else 0"""
        return (g * self.inside(x),)

    def jvp(self, tangents, y, x):
        """d clip(x, lo, hi) = [lo <= x <= hi] dx"""
        (dx,) = tangents
        return dx * self.inside(x)

    def inside(self, x: Any) -> np.ndarray:
        """Where x is within the bounds (the slope is 1 there, 0 where x was clipped)."""
        x = array_of(x)
        inside = np.ones_like(x, dtype=bool)  # compile: like x, so that a trace sees it
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return inside


def maximum(a: Any, b: Any) -> Tensor:
    """The larger of a and b, elementwise; where they are equal the gradient is shared."""
    return apply(Maximum(), *operands(a, b, "maximum"))


def minimum(a: Any, b: Any) -> Tensor:
    """The smaller of a and b, elementwise; where they are equal the gradient is shared."""
    return apply(Minimum(), *operands(a, b, "minimum"))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elements of a where condition holds, else of b (no gradient flows to the condition)."""
    condition = array_of(condition)
    # a copy: the caller may change it before backward (compile: astype is traced, np.array is not)
    condition = condition.astype(bool) if isinstance(condition, np.ndarray) else np.array(condition, dtype=bool)
    a, b = operands(a, b, "where")
    return apply(Where(condition), a, b)


def clip(x: Any, min: Any = None, max: Any = None) -> Tensor:
    """x limited to [min, max] (either may be None); no gradient where x was clipped."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    # bounds get no gradient; arrays are copied, as the caller may change them before backward
    bounds = [b.copy() if isinstance(b, np.ndarray) else b for b in (array_of(min), array_of(max))]
    return apply(Clip(*bounds), operand(x, "clip"))


def clamp(x: Any, min: Any = None, max: Any = None) -> Tensor:
    """PyTorch's name for clip: x limited to [min, max], ag.clamp(x, min=0.0)."""
    return clip(x, min, max)
