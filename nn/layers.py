"""Linear, Embedding, Flatten and Identity, with PyTorch's parameter layouts and initialisation."""
from __future__ import annotations

import math
from typing import Any

import autograd_lite as ag

from . import functional as F
from . import init
from .module import Module, Parameter, as_input, check_size


class Linear(Module):
    """y = x @ weight.T + bias, with weight (out_features, in_features) and bias (out_features,).

    The layout is PyTorch's, so weights move between the two unchanged. Both
    weight and bias start uniform in ±1/sqrt(in_features) (PyTorch's default;
    with in_features = 0 the weight is empty and the bias starts at 0).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = check_size("Linear", "in_features", in_features)
        self.out_features = check_size("Linear", "out_features", out_features)
        self.weight = Parameter(ag.zeros(out_features, in_features, dtype=dtype))
        self.bias = Parameter(ag.zeros(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh initial values: U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        x = as_input(self, x)
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(f"{self.scope_label()}: expected inputs with {self.in_features} features "
                             f"in the last axis, got shape {x.shape}")
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def scope_label(self) -> str:
        return f"Linear({self.in_features}→{self.out_features})"

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """A lookup table: integer indices of any shape -> rows of weight (num_embeddings, embedding_dim).

    weight starts N(0, 1) (PyTorch's default). The row at `padding_idx` starts
    at zero and gets no gradient, so it stays what it is set to.
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.num_embeddings = check_size("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = check_size("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must lie in [-{num_embeddings}, {num_embeddings}), "
                                 f"got {padding_idx}")
            padding_idx %= num_embeddings  # PyTorch stores it non-negative
        self.padding_idx = padding_idx
        self.weight = Parameter(ag.zeros(num_embeddings, embedding_dim, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh initial values: N(0, 1), with the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F._lookup_rows(as_input(self, input), self.weight, self.padding_idx, self.scope_label())

    def scope_label(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return as_input(self, input).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for a removed layer); ignores its arguments, as PyTorch's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input
