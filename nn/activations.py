"""Activation functions as modules, for use inside Sequential."""
from __future__ import annotations

import autograd_lite as ag

from . import functional as F
from .module import Module


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise (stable for large |x|)."""

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.tanh(x)


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.relu(x)


class Softmax(Module):
    """exp(x) normalised to sum to 1 along `axis`."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"
