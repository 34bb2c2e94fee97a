"""Gradient clipping and flat-vector helpers, with PyTorch's semantics.

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

Clipping rescales the `.grad` arrays in place, outside any graph, as an
optimizer step does; the vector helpers are made of autograd_lite ops, so
`parameters_to_vector` is differentiable.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

import autograd_lite as ag

Parameters = ag.Tensor | Iterable[ag.Tensor]


def _as_list(parameters: Parameters) -> list[ag.Tensor]:
    return [parameters] if isinstance(parameters, ag.Tensor) else list(parameters)


def clip_grad_norm_(parameters: Parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> ag.Tensor:
    """Scale the gradients so that their joint norm is at most `max_norm`; returns that norm before clipping.

    The total norm is the `norm_type`-norm of all gradients seen as one vector
    (`inf`: the largest absolute entry). Every gradient is multiplied by
    min(1, max_norm / (total_norm + 1e-6)), as PyTorch does. Parameters
    without a gradient are skipped; with none at all the norm is 0.
    """
    grads = [param.grad for param in _as_list(parameters) if param.grad is not None]
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return ag.tensor(0.0)
    norms = np.stack([np.linalg.norm(np.ravel(grad.data), ord=norm_type) for grad in grads])
    total_norm = np.linalg.norm(norms, ord=norm_type)
    if error_if_nonfinite and not math.isfinite(total_norm):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total_norm}, "
                           "so they cannot be clipped; pass error_if_nonfinite=False to scale by it anyway")
    scale = min(max_norm / (total_norm + 1e-6), 1.0)
    for grad in grads:
        grad.data *= scale
    return ag.Tensor(total_norm)


def clip_grad_value_(parameters: Parameters, clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for param in _as_list(parameters):
        if param.grad is not None:
            np.clip(param.grad.data, -clip_value, clip_value, out=param.grad.data)


def parameters_to_vector(parameters: Parameters) -> ag.Tensor:
    """All parameters flattened and joined into one 1-D Tensor (differentiable, like torch.cat of views)."""
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return ag.concatenate([param.reshape(-1) for param in params])


def vector_to_parameters(vec: ag.Tensor, parameters: Parameters) -> None:
    """Copy consecutive slices of the 1-D `vec` into the parameters (each `.data` in place, own dtype)."""
    if not isinstance(vec, ag.Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    params = _as_list(parameters)
    sizes = [param.size for param in params]
    if vec.ndim != 1 or vec.shape[0] != sum(sizes):
        raise ValueError(f"vector_to_parameters: vec of shape {vec.shape} does not hold the parameters' "
                         f"{sum(sizes)} values (it must be 1-D of that length)")
    start = 0
    for param, size in zip(params, sizes):
        param.data[...] = vec.data[start:start + size].reshape(param.shape)
        start += size
