"""Adagrad (Duchi, Hazan & Singer, 2011) with PyTorch's learning-rate decay."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

import autograd_lite as ag

from .optimizer import Optimizer, check_flag, check_number


class Adagrad(Optimizer):
    """Adagrad, PyTorch's algorithm step for step (t counts this parameter's steps from 1).

        g = grad (+ weight_decay * p)
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g²                                   (s starts at initial_accumulator_value)
        p = p - lr_t g / (sqrt(s) + eps)
    """

    def __init__(
        self,
        params: Iterable[ag.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, defaults)

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """lr, lr_decay, weight_decay, initial_accumulator_value, eps >= 0."""
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_number(self.name, name, settings[name])
        check_flag(self.name, "maximize", settings["maximize"])

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """One Adagrad step on `param` (in place)."""
        if group["maximize"]:
            grad = -grad
        if not state:
            state.update(step=np.array(0.0), sum=np.full_like(param, group["initial_accumulator_value"]))
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        # compile: from the step-count array, not float(step) (it would freeze); cast as a Python float would be
        step_lr = (group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])).astype(param.dtype)
        state["sum"] += grad * grad
        param -= step_lr * grad / (np.sqrt(state["sum"]) + group["eps"])
