"""Loss functions as modules: `loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, labels)`."""
from __future__ import annotations

from typing import Any, Callable

import autograd_lite as ag

from . import functional as F
from .module import Module, as_input

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
        return type(self).function(as_input(self, input), target, reduction=self.reduction)

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


class NLLLoss(_Loss):
    """Negative log-likelihood of (N, C, ...) log-probabilities against integer labels (after LogSoftmax).

    `weight` (C,) scales each class (kept as a buffer named "weight", as in
    PyTorch); labels equal to `ignore_index` are left out.
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if weight is not None and not isinstance(weight, ag.Tensor):
            weight = ag.tensor(weight)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.nll_loss(as_input(self, input), target, self.weight, self.ignore_index, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error (or summed / per element, by `reduction`)."""

    function = staticmethod(F.l1_loss)


class SmoothL1Loss(_Loss):
    """Quadratic for |input - target| < beta, linear beyond (L1 when beta = 0)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.smooth_l1_loss(as_input(self, input), target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """Quadratic for |input - target| < delta, delta-scaled linear beyond."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.huber_loss(as_input(self, input), target, self.reduction, self.delta)
