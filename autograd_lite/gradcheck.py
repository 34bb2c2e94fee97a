"""The numerical oracle: central differences, and a check of autodiff against them.

The numerical gradient needs nothing but the function's values, so it checks
every backward rule independently; it costs two evaluations per element,
which is why autodiff exists.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograd_lite.backward import run_backward, seed_gradient
from autograd_lite.graph import no_grad
from autograd_lite.tensor import Tensor


class GradcheckError(AssertionError):
    """Autodiff and the numerical gradient disagree (the message says where and by how much)."""


def _as_scalar(value: Any, op: str) -> float:
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if array.size != 1:
        raise ValueError(f"{op}: f must return a scalar, got shape {array.shape}")
    return float(array.reshape(()))


def numerical_gradient(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6) -> tuple[np.ndarray, ...]:
    """Central differences (f(x + eps) - f(x - eps)) / 2eps, element by element, for each input.

    Each element is nudged in place, so `f` may use its arguments or read the
    same tensors from elsewhere (a model's parameters), as in the MNIST notes.
    Float32 tensors are evaluated in float64 meanwhile: eps = 1e-6 is below
    what float32 can resolve. `f` runs under `no_grad` (values need no graph,
    which halves the cost); an `f` that differentiates inside, to check a second
    derivative, opens `ag.enable_grad()` itself. Returns one float64 array per input.
    """
    grads = []
    for x in inputs:
        is_tensor = isinstance(x, Tensor)
        original = x.data if is_tensor else x
        if not isinstance(original, np.ndarray) or original.dtype.kind != "f":
            raise TypeError(f"numerical_gradient: inputs must be float tensors or arrays, got {type(x).__name__}")
        work = original.astype(np.float64) if is_tensor and original.dtype != np.float64 else original
        if is_tensor:
            x.data = work
        grad = np.zeros(work.shape, dtype=np.float64)
        try:
            with no_grad():
                for index in np.ndindex(work.shape):
                    saved = work[index]
                    work[index] = saved + eps
                    plus = _as_scalar(f(*inputs), "numerical_gradient")
                    work[index] = saved - eps
                    minus = _as_scalar(f(*inputs), "numerical_gradient")
                    work[index] = saved
                    grad[index] = (plus - minus) / (2 * eps)
        finally:
            if is_tensor:
                x.data = original
        grads.append(grad)
    return tuple(grads)


def gradcheck(
    f: Callable[..., Any], *inputs: Tensor, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> bool:
    """Check autodiff against the numerical gradient for every input that requires grad.

    Passes when |autodiff - numerical| <= atol + rtol * |numerical| everywhere;
    otherwise raises GradcheckError naming the input, the worst element, both
    values and the error. `.grad` of the inputs is left untouched.
    """
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; pass tensors made with requires_grad=True")
    out = f(*inputs)
    if not isinstance(out, Tensor) or out.size != 1:
        raise ValueError(f"gradcheck: f must return a scalar Tensor, got {getattr(out, 'shape', type(out))}")
    targets = [inputs[i] for i in checked]
    grads = {}
    if out.requires_grad:
        grads = run_backward([out], [seed_gradient(out, None, "gradcheck", False)], False, False)
    # nudge only the checked inputs, but always call f with all of them
    numerical = numerical_gradient(lambda *_: f(*inputs), *targets, eps=eps)
    for position, x, expected in zip(checked, targets, numerical):
        got = grads.get(x)
        got = np.zeros(x.shape) if got is None else np.asarray(got, dtype=np.float64)
        error = np.abs(got - expected)
        excess = error - (atol + rtol * np.abs(expected))
        if np.any(excess > 0) or not np.all(np.isfinite(got)):
            worst = np.unravel_index(np.nanargmax(np.where(np.isfinite(got), excess, np.inf)), x.shape)
            label = f"input {position}" + (f" ({x.name})" if x.name else "")
            raise GradcheckError(
                f"gradcheck: {label} of shape {x.shape} {x.dtype}: at index {tuple(int(i) for i in worst)} "
                f"autodiff gives {float(got[worst]):.6g}, numerical gives {float(expected[worst]):.6g} "
                f"(error {error[worst]:.3g} > atol {atol} + rtol {rtol} * |numerical|)"
            )
    return True
