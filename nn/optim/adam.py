"""Adam and AdamW (Kingma & Ba, 2015; Loshchilov & Hutter, 2019) with PyTorch's arithmetic."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

import autograd_lite as ag

from .optimizer import Optimizer, check_betas, check_flag, check_number


class Adam(Optimizer):
    """Adam, PyTorch's algorithm step for step (t counts this parameter's steps from 1).

        g = grad (+ weight_decay * p: L2, Adam)      or   p = p * (1 - lr * weight_decay)  (AdamW)
        m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g²
        v_max = max(v_max, v) and use v_max for v   (amsgrad)
        p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    i.e. the bias-corrected m̂ / (sqrt(v̂) + eps), with eps added after the square root.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[ag.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        betas = tuple(betas) if isinstance(betas, list) else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """lr, eps, weight_decay >= 0; betas in [0, 1)."""
        for name in ("lr", "eps", "weight_decay"):
            check_number(self.name, name, settings[name])
        check_betas(self.name, settings["betas"])
        check_flag(self.name, "amsgrad", settings["amsgrad"])
        check_flag(self.name, "maximize", settings["maximize"])

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """One Adam step on `param` (in place)."""
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if not state:
            state.update(step=np.array(0.0), exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        if weight_decay and self.decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        elif weight_decay:
            grad = grad + weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        # The bias corrections are computed from the step count as a 0-d float64 array (not a Python
        # float), so that a compiled step (ag.compile) counts in its program; cast to the parameter's
        # dtype, as a Python float would be, float32 arithmetic stays float32.
        step = state["step"]
        step_size = (lr / (1 - beta1**step)).astype(param.dtype)
        correction = np.sqrt(1 - beta2**step).astype(param.dtype)
        denominator = np.sqrt(exp_avg_sq) / correction + group["eps"]
        param -= step_size * exp_avg / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay: p = p * (1 - lr * weight_decay) before the Adam step.

    The decay is not added to the gradient, so it is not rescaled by Adam's
    per-coordinate step size (Loshchilov & Hutter). Defaults as PyTorch's
    (weight_decay=1e-2).
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[ag.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
