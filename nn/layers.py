"""Linear: the fully connected layer, with PyTorch's weight layout and initialisation."""
from __future__ import annotations

import math
from typing import Any

import autograd_lite as ag

from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x @ weight.T + bias, with weight (out_features, in_features) and bias (out_features,).

    The layout is PyTorch's, so weights move between the two unchanged. Both
    weight and bias start uniform in ±1/sqrt(in_features) (PyTorch's default).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(ag.zeros(out_features, in_features, dtype=dtype))
        self.bias = Parameter(ag.zeros(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh initial values: U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        bound = 1.0 / math.sqrt(self.in_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(f"{self.scope_label()}: expected inputs with {self.in_features} features "
                             f"in the last axis, got shape {x.shape}")
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def scope_label(self) -> str:
        return f"Linear({self.in_features}→{self.out_features})"

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
