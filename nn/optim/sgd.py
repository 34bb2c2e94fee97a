"""SGD: stochastic gradient descent with momentum, dampening, Nesterov and weight decay, as PyTorch's."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

import autograd_lite as ag

from .optimizer import Optimizer, check_flag, check_number


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's algorithm step for step.

        g = grad (+ weight_decay * p)                (-grad when maximize)
        with momentum mu:  b = g on the first step, then b = mu * b + (1 - dampening) * g
                           g = g + mu * b  (nesterov)   or   g = b
        p = p - lr * g
    """

    def __init__(
        self,
        params: Iterable[ag.Tensor] | Iterable[dict[str, Any]],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """lr, momentum, weight_decay >= 0; Nesterov needs momentum > 0 and no dampening."""
        for name in ("lr", "momentum", "weight_decay"):
            check_number(self.name, name, settings[name])
        check_number(self.name, "dampening", settings["dampening"], low=None)
        check_flag(self.name, "nesterov", settings["nesterov"])
        check_flag(self.name, "maximize", settings["maximize"])
        if settings["nesterov"] and (settings["momentum"] <= 0 or settings["dampening"] != 0):
            raise ValueError(f"{self.name}: Nesterov momentum requires a momentum > 0 and zero dampening")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """One SGD step on `param` (in place)."""
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:  # the first step starts the buffer at g (no dampening yet)
                # compile: astype is traced, np.array is not (asanyarray: -grad of a 0-d array is a scalar)
                buffer = state["momentum_buffer"] = np.asanyarray(grad).astype(param.dtype)
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= group["lr"] * grad
