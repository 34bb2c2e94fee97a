"""Dropout: randomly zero activations while training (Srivastava et al., 2014), the identity in eval()."""
from __future__ import annotations

import autograd_lite as ag

from . import functional as F
from .module import Module


class Dropout(Module):
    """In training mode, zero each element with probability p and scale the others by 1 / (1 - p).

    The expected output then equals the input, so eval() (where the layer does
    nothing) needs no rescaling. Masks come from the generator `ag.manual_seed` seeds.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be between 0 and 1, got {p}")
        self.p = p

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return F.dropout(x, self.p, self.training)

    def scope_label(self) -> str:
        return f"Dropout(p={self.p:g})"

    def extra_repr(self) -> str:
        return f"p={self.p}"
