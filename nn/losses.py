"""Loss functions as modules: `loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, labels)`."""
from __future__ import annotations

from typing import Any, Callable

import autograd_lite as ag

from . import functional as F
from .module import Module

REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    """Calls `function(input, target, reduction=self.reduction)`; subclasses name the function."""

    function: Callable[..., ag.Tensor]

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return type(self).function(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of (N, C) logits against class labels or probability rows."""

    function = staticmethod(F.cross_entropy)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (e.g. after Sigmoid)."""

    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits: Sigmoid + BCELoss in one stable step."""

    function = staticmethod(F.binary_cross_entropy_with_logits)


class MSELoss(_Loss):
    """Mean squared error (or summed / per element, by `reduction`)."""

    function = staticmethod(F.mse_loss)
