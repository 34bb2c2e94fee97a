"""RMSprop (Hinton's lecture 6e), with PyTorch's centered and momentum variants."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

import autograd_lite as ag

from .optimizer import Optimizer, check_flag, check_number


class RMSprop(Optimizer):
    """RMSprop, PyTorch's algorithm step for step.

        g = grad (+ weight_decay * p)
        v = alpha v + (1 - alpha) g²                 (v starts at 0)
        centered:  g_avg = alpha g_avg + (1 - alpha) g;   v~ = v - g_avg²   (else v~ = v)
        with momentum mu:  b = mu b + g / (sqrt(v~) + eps);  p = p - lr b   (b starts at 0)
        else:              p = p - lr g / (sqrt(v~) + eps)
    """

    def __init__(
        self,
        params: Iterable[ag.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """lr, alpha, eps, weight_decay, momentum >= 0."""
        for name in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            check_number(self.name, name, settings[name])
        check_flag(self.name, "centered", settings["centered"])
        check_flag(self.name, "maximize", settings["maximize"])

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """One RMSprop step on `param` (in place)."""
        alpha = group["alpha"]
        if group["maximize"]:
            grad = -grad
        if not state:
            state.update(step=np.array(0.0), square_avg=np.zeros_like(param))
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denominator = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denominator = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer *= group["momentum"]
            buffer += grad / denominator
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * grad / denominator
