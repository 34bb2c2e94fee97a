"""Activation functions as modules, for use inside Sequential.

`inplace=` is accepted where PyTorch has it, so `nn.ReLU(inplace=True)` runs
unchanged; the result is always a new tensor (the graph needs the input), which
is what a module inside Sequential passes on anyway.
"""
from __future__ import annotations

import warnings

import autograd_lite as ag

from . import functional as F
from .module import Module, as_input


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise (stable for large |x|)."""

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.sigmoid(as_input(self, x))


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.tanh(as_input(self, x))


class ReLU(Module):
    """max(x, 0), elementwise."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.relu(as_input(self, x))

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softmax(Module):
    """exp(x) normalised to sum to 1 along `axis` (PyTorch: `dim`; the last axis by default)."""

    def __init__(self, axis: int | None = None, *, dim: int | None = None) -> None:
        super().__init__()
        self.axis, self.dim = axis, dim

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.softmax(as_input(self, x), axis=self.axis, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}" if self.dim is not None else f"axis={-1 if self.axis is None else self.axis}"


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.leaky_relu(as_input(self, x), self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x where x > 0, else alpha * (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.elu(as_input(self, x), self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x Φ(x) with the exact Gaussian CDF (erf); approximate="tanh" for PyTorch's tanh formula."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.gelu(as_input(self, x), self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x sigmoid(x), elementwise."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.silu(as_input(self, x))

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.softplus(as_input(self, x), self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSoftmax(Module):
    """x - log Σ exp(x) along `dim` (stable).

    Without `dim`, PyTorch's old implicit choice (with its deprecation
    warning): dim 0 for 0-, 1- and 3-dimensional inputs, else dim 1.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        x = as_input(self, x)
        dim = self.dim
        if dim is None:
            warnings.warn("LogSoftmax: implicit dimension choice is deprecated (as in PyTorch); "
                          "pass dim=", UserWarning, stacklevel=3)
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return F.log_softmax(x, axis=dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
