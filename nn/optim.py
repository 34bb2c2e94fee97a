"""Optimizers: SGD (with momentum and weight decay) and Adam, with PyTorch's update rules.

An optimizer holds a list of parameters. `step()` reads each parameter's
`.grad` and updates its `.data` array in place; this is plain NumPy on
arrays, outside any graph. `state_dict()` is a flat dict of arrays
(hyperparameters and per-parameter buffers), so `nn.save` can store it next
to the model's and training can resume exactly where it stopped.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np

import autograd_lite as ag


class Optimizer:
    """Base class: parameter list, per-parameter state, zero_grad, step, state_dict.

    Subclasses list their `hyperparameters` (attribute names, saved in the
    state dict) and define `update(param, grad, state)`.
    """

    hyperparameters: tuple[str, ...] = ()

    def __init__(self, params: Iterable[ag.Tensor], **settings: Any) -> None:
        self.params = list(params)
        name = type(self).__name__
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list")
        for index, param in enumerate(self.params):
            if not (isinstance(param, ag.Tensor) and param.requires_grad):
                raise TypeError(f"{name}: parameter {index} is not a Tensor that requires grad")
        for key, value in settings.items():
            setattr(self, key, value)
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Forget the gradients (each `.grad` becomes None) before the next backward."""
        for param in self.params:
            param.zero_grad()

    def step(self) -> None:
        """Update every parameter that has a gradient; parameters without one are skipped."""
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            grad = param.grad.data
            if self.weight_decay:
                grad = grad + self.weight_decay * param.data  # L2 penalty, added to the gradient
            self.update(param.data, grad, state)

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        """Hyperparameters ("lr", ...) and buffers ("state.0.exp_avg", ...) as arrays (copies)."""
        result = {key: np.asarray(getattr(self, key)) for key in self.hyperparameters}
        for index, state in enumerate(self.state):
            for key, value in state.items():
                result[f"state.{index}.{key}"] = np.array(value)
        return result

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and buffers saved by `state_dict()`; on error nothing changes."""
        name = type(self).__name__
        missing = [key for key in self.hyperparameters if key not in state_dict]
        states: list[dict[str, Any]] = [{} for _ in self.params]
        problems = [f"missing keys: {', '.join(missing)}"] if missing else []
        for key, value in state_dict.items():
            if key in self.hyperparameters:
                continue
            parts = key.split(".")
            if len(parts) != 3 or parts[0] != "state" or not parts[1].isdigit() or int(parts[1]) >= len(self.params):
                problems.append(f"unexpected key {key!r}")
                continue
            index, buffer = int(parts[1]), parts[2]
            array = np.array(value)
            if array.ndim and array.shape != self.params[index].shape:
                problems.append(f"{key}: shape {array.shape} does not match parameter {index} {self.params[index].shape}")
            states[index][buffer] = array.astype(self.params[index].dtype) if array.ndim else array.item()
        if problems:
            raise ValueError(f"{name}.load_state_dict failed (optimizer left unchanged):\n  " + "\n  ".join(problems))
        for key in self.hyperparameters:
            value = np.asarray(state_dict[key])
            setattr(self, key, value.item() if value.ndim == 0 else tuple(value.tolist()))
        self.state = states


def _check_non_negative(optimizer: str, **values: float) -> None:
    for key, value in values.items():
        if value < 0:
            raise ValueError(f"{optimizer}: {key} must be >= 0, got {value}")


class SGD(Optimizer):
    """Stochastic gradient descent: p -= lr * g, optionally with momentum and weight decay.

    With momentum mu the update uses a velocity buffer v = mu * v + g (on the
    first step v = g), as in PyTorch (no dampening): p -= lr * v.
    Weight decay adds weight_decay * p to the gradient first.
    """

    hyperparameters = ("lr", "momentum", "weight_decay")

    def __init__(self, params: Iterable[ag.Tensor], lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        _check_non_negative("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay)

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        if self.momentum:
            velocity = state.get("momentum_buffer")
            if velocity is None:
                velocity = state["momentum_buffer"] = np.array(grad)  # a copy; an array also for 0-d grad + decay
            else:
                velocity *= self.momentum
                velocity += grad
            grad = velocity
        param -= self.lr * grad


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with PyTorch's arithmetic.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²;  t = step count
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    i.e. the bias-corrected m̂ / (sqrt(v̂) + eps), with eps added after the square root.
    Weight decay (L2, not AdamW) adds weight_decay * p to the gradient first.
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[ag.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        _check_non_negative("Adam", lr=lr, eps=eps, weight_decay=weight_decay)
        if len(betas) != 2 or not all(0.0 <= beta < 1.0 for beta in betas):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas}")
        super().__init__(params, lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        beta1, beta2 = self.betas
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        exp_avg, exp_avg_sq, step = state["exp_avg"], state["exp_avg_sq"], state["step"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        step_size = self.lr / (1 - beta1**step)
        denominator = np.sqrt(exp_avg_sq) / math.sqrt(1 - beta2**step) + self.eps
        param -= step_size * exp_avg / denominator
