"""Shared fixtures for the core tests: random inputs away from kinks, and a gradcheck driver.

Every gradient test goes through `check`, which
  * turns a tensor-valued function into a scalar with fixed *random* weights
    (a plain `.sum()` would hide mistakes that only permute or mix entries,
    e.g. a wrong transpose backward), then runs `ag.gradcheck`;
  * runs one ordinary `backward` and asserts each gradient has its input's
    shape and dtype (float32 inputs must get float32 gradients).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.graph import Function


class Square(Function):
    """x^2 as a primitive with a backward rule and no jvp rule: the tests' own op."""

    op = "square"

    def forward(self, x):
        return x * x

    def backward(self, g, y, x):
        """d/dx x^2 = 2x"""
        return (2 * g * x,)


def random_array(rng: np.random.Generator, shape: tuple, kind: str = "signed", dtype: Any = np.float64) -> np.ndarray:
    """Random values that keep away from the points where the ops tested here have kinks.

    kind="signed":   |x| in [0.5, 2] with random sign (abs, relu, div are smooth there);
    kind="positive": x in [0.5, 2] (log, sqrt, the base of a power with a tensor exponent);
    kind="normal":   standard normal (smooth ops only).
    """
    if kind == "positive":
        values = rng.uniform(0.5, 2.0, shape)
    elif kind == "signed":
        values = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    elif kind == "normal":
        values = rng.standard_normal(shape)
    else:
        raise ValueError(kind)
    return np.asarray(values, dtype=dtype)


@pytest.fixture(scope="session")
def random_values() -> Callable[..., np.ndarray]:
    """random_array as a fixture (session scope, so Hypothesis tests can use it too)."""
    return random_array


@pytest.fixture(scope="session")
def scalarize() -> Callable[..., Callable[..., ag.Tensor]]:
    """scalarized as a fixture (session scope, so Hypothesis tests can use it too)."""
    return scalarized


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)


@pytest.fixture
def leaf(rng: np.random.Generator) -> Callable[..., ag.Tensor]:
    """leaf(shape, kind="signed", dtype=np.float64, requires_grad=True): a random leaf tensor."""

    def make(shape: tuple, kind: str = "signed", dtype: Any = np.float64, requires_grad: bool = True) -> ag.Tensor:
        return ag.tensor(random_array(rng, shape, kind, dtype), requires_grad=requires_grad)

    return make


def scalarized(f: Callable[..., ag.Tensor], inputs: tuple, rng: np.random.Generator) -> Callable[..., ag.Tensor]:
    """x -> sum(f(x) * w) with w random of f's output shape and dtype (so every output entry counts)."""
    out = f(*inputs)
    weights = random_array(rng, out.shape, "normal", out.dtype)
    return lambda *xs: (f(*xs) * weights).sum()


@pytest.fixture
def check(rng: np.random.Generator) -> Callable[..., bool]:
    """check(f, *inputs, atol=.., rtol=..): gradcheck f (tensor-valued) and the gradients' shape and dtype."""

    def run(f: Callable[..., ag.Tensor], *inputs: ag.Tensor, **tolerances: float) -> bool:
        scalar_f = scalarized(f, inputs, rng)
        assert ag.gradcheck(scalar_f, *inputs, **tolerances) is True
        needing = [x for x in inputs if isinstance(x, ag.Tensor) and x.requires_grad]
        for x in needing:
            x.grad = None
        scalar_f(*inputs).backward()
        for x in needing:
            assert x.grad is not None
            assert x.grad.shape == x.shape
            assert x.grad.dtype == x.dtype, f"gradient dtype {x.grad.dtype} for a {x.dtype} input"
            x.grad = None
        return True

    return run


@pytest.fixture
def float32_default():
    """Make float32 the default dtype for one test, and always restore the previous default."""
    previous = ag.get_default_dtype()
    ag.set_default_dtype(np.float32)
    try:
        yield
    finally:
        ag.set_default_dtype(previous)


def check_jvp(make_fn: Callable[[], Any], *arrays: np.ndarray, eps: float = 1e-6, atol: float = 1e-6,
              rtol: float = 1e-4, seed: int = 0) -> None:
    """A primitive's jvp rule against central differences of its forward, along random tangents.

    fn = make_fn() (a fresh Function); the tangent the rule gives for random v
    (one per float input, zeros for integer inputs) must equal
    (forward(a + eps v) - forward(a - eps v)) / (2 eps). For float32 inputs the
    differences are taken in float64 copies, and the rule's result must stay float32.
    """
    rng = np.random.default_rng(seed)
    tangents = [rng.standard_normal(a.shape).astype(a.dtype) if a.dtype.kind == "f" else np.zeros_like(a)
                for a in arrays]
    fn = make_fn()
    y = fn.forward(*arrays)
    t = np.asarray(fn.jvp(tuple(tangents), y, *arrays))
    if np.asarray(y).dtype == np.float32:
        assert t.dtype == np.float32, f"jvp of {fn.op} gave {t.dtype} for a float32 output"
    t = np.broadcast_to(t, np.shape(y))
    wide = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
    wide_tangents = [v.astype(np.float64) if a.dtype.kind == "f" else v for a, v in zip(arrays, tangents)]
    plus = make_fn().forward(*[a + eps * v if a.dtype.kind == "f" else a for a, v in zip(wide, wide_tangents)])
    minus = make_fn().forward(*[a - eps * v if a.dtype.kind == "f" else a for a, v in zip(wide, wide_tangents)])
    numerical = (np.asarray(plus, dtype=np.float64) - np.asarray(minus, dtype=np.float64)) / (2 * eps)
    np.testing.assert_allclose(t, numerical, atol=atol, rtol=rtol, err_msg=f"jvp of {fn.op}")


@pytest.fixture(name="check_jvp")
def check_jvp_fixture() -> Callable[..., None]:
    """check_jvp (above) as a fixture, for the test modules."""
    return check_jvp
