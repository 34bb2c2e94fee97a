"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, step, state_dict.

As in PyTorch, an optimizer holds `param_groups`, a list of dicts. Each group
has the key "params" (its list of parameters) and one key per setting ("lr",
"momentum", ...): settings the group does not give take the optimizer's
`defaults`, so one optimizer can train, say, a backbone and a head at two
learning rates. `state` maps each parameter to its buffers (a momentum
buffer, Adam's running averages, ...).

`step()` reads each parameter's `.grad` and updates its `.data` array in place,
with plain NumPy outside any graph; other code (and compiled steps) keep
references to those arrays, so they are never replaced. Buffers have the
parameter's dtype, so float32 parameters stay float32.

`state_dict()` has PyTorch's layout, with parameters replaced by their
position counted across the groups:
    {"state": {0: {"momentum_buffer": array}, 1: {...}},
     "param_groups": [{"lr": 0.1, "momentum": 0.9, ..., "params": [0, 1]}]}
"""
from __future__ import annotations

import math
import numbers
from collections import defaultdict
from typing import Any, Callable, Iterable, Mapping

import numpy as np

import autograd_lite as ag


class Optimizer:
    """Base class of SGD, Adam, AdamW, RMSprop and Adagrad.

    `params` is an iterable of parameters, or of dicts each holding "params"
    and the settings that differ for that group. A subclass passes its
    `defaults` (setting -> value), checks settings in `check_settings(group)`
    and defines `update(param, grad, state, group)` on NumPy arrays.
    """

    def __init__(self, params: Iterable[ag.Tensor] | Iterable[dict[str, Any]], defaults: dict[str, Any]) -> None:
        if isinstance(params, ag.Tensor):
            raise TypeError(f"{self.name}: params must be an iterable of Tensors or of dicts, "
                            "got a single Tensor (wrap it in a list)")
        self._check_ordered(params)
        self.defaults = dict(defaults)
        self.check_settings(self.defaults)
        self.state: defaultdict[ag.Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{self.name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def name(self) -> str:
        """The optimizer's class name, used in error messages."""
        return type(self).__name__

    def __repr__(self) -> str:
        lines = [f"{self.name} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines.extend(f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params")
        return "\n".join(lines) + "\n)"

    # ----------------------------------------------------------------- groups

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with "params"); missing settings take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{self.name}.add_param_group: a parameter group must be a dict, "
                            f"got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{self.name}.add_param_group: the group has no 'params' key")
        params = param_group["params"]
        if isinstance(params, ag.Tensor):
            params = [params]
        self._check_ordered(params)
        params = list(params)
        for index, param in enumerate(params):
            if not (isinstance(param, ag.Tensor) and param.requires_grad):
                raise TypeError(f"{self.name}: parameter {index} is not a Tensor that requires grad "
                                f"(got {type(param).__name__})")
            if not param.is_leaf:
                raise ValueError(f"{self.name}: parameter {index} is not a leaf Tensor (it was computed "
                                 "from others); optimize the leaves it came from")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{self.name}: a parameter appears twice (in one group or in two groups); "
                             "it would be updated twice per step")
        group = {**self.defaults, **param_group, "params": params}
        self.check_settings(group)
        self.param_groups.append(group)

    def _check_ordered(self, params: Any) -> None:
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{self.name}: parameters must be an ordered collection (a list), "
                            "not a set, whose order changes from run to run")

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """Raise a clear error for a setting out of range (each optimizer checks its own)."""

    # ----------------------------------------------------------------- stepping

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients before the next backward: `.grad` becomes None (or zeros)."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.zero_grad()
                else:
                    param.grad = ag.zeros_like(param.grad)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters without one are skipped.

        `closure`, as in PyTorch, re-evaluates the model and returns the loss
        (which `step` returns).
        """
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    self.update(param.data, param.grad.data, self.state[param], group)
        return loss

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Change `param` in place from its gradient, its `state` and the group's settings."""
        raise NotImplementedError

    # ----------------------------------------------------------------- saving

    def state_dict(self) -> dict[str, Any]:
        """Buffers and settings in PyTorch's layout (copies): parameters are numbered across groups."""
        state = {}
        params = [param for group in self.param_groups for param in group["params"]]
        for index, param in enumerate(params):
            if self.state.get(param):
                state[index] = {key: np.array(value) for key, value in self.state[param].items()}
        groups, start = [], 0
        for group in self.param_groups:
            count = len(group["params"])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": list(range(start, start + count))})
            start += count
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore buffers and settings saved by `state_dict()`; on error nothing changes.

        The groups must have the same sizes as this optimizer's; buffers must
        have their parameter's shape and are cast to its dtype. Extra group
        keys (such as a scheduler's "initial_lr") are restored too.
        """
        where = f"{self.name}.load_state_dict"
        if not (isinstance(state_dict, Mapping) and set(state_dict) == {"state", "param_groups"}
                and isinstance(state_dict["state"], Mapping)):
            raise ValueError(f"{where}: expected a dict with keys 'state' and 'param_groups' "
                             f"(from Optimizer.state_dict()), got {_describe(state_dict)}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{where}: the saved state has {len(saved_groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        problems: list[str] = []
        groups, params = [], {}
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            saved_params = list(saved.get("params", ())) if isinstance(saved, Mapping) else []
            if len(saved_params) != len(group["params"]):
                problems.append(f"group {number}: {len(saved_params)} parameters in the saved state, "
                                f"{len(group['params'])} here")
                continue
            params.update(zip(saved_params, group["params"]))
            restored = {**{k: v for k, v in saved.items() if k != "params"}, "params": group["params"]}
            missing = [key for key in self.defaults if key not in restored]
            if missing:
                problems.append(f"group {number}: missing keys: {', '.join(missing)}")
                continue
            try:
                self.check_settings(restored)
            except (TypeError, ValueError) as error:
                problems.append(f"group {number}: {error}")
            groups.append(restored)
        states = {}
        for index, buffers in state_dict["state"].items():
            if index not in params:
                problems.append(f"state {index!r}: no parameter has this index")
            else:
                states[params[index]] = self._restored_buffers(index, buffers, params[index], problems)
        if problems:
            raise ValueError(f"{where} failed (optimizer left unchanged):\n  " + "\n  ".join(problems))
        self.param_groups = groups
        self.state = defaultdict(dict, states)

    @staticmethod
    def _restored_buffers(index: int, buffers: Mapping[str, Any], param: ag.Tensor, problems: list[str]) -> dict[str, Any]:
        restored: dict[str, Any] = {}
        if not isinstance(buffers, Mapping):
            problems.append(f"state {index}: expected a dict of buffers, got {type(buffers).__name__}")
            return restored
        for key, value in buffers.items():
            array = np.array(value.data if isinstance(value, ag.Tensor) else value)
            if key == "step":  # a count, kept as saved (a 0-d float array, as PyTorch's)
                restored[key] = array
            elif array.shape != param.shape:
                problems.append(f"state {index}.{key}: shape {array.shape} does not match parameter {index} {param.shape}")
            else:
                restored[key] = array.astype(param.dtype)
        return restored


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"a dict with keys {sorted(map(str, value))}"
    return type(value).__name__


def check_number(optimizer: str, name: str, value: Any, low: float | None = 0.0) -> None:
    """Raise unless `value` is a finite real number, at least `low` when given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{optimizer}: {name} must be a real number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{optimizer}: {name} must be finite, got {value}")
    if low is not None and value < low:
        raise ValueError(f"{optimizer}: {name} must be >= {low:g}, got {value}")


def check_flag(optimizer: str, name: str, value: Any) -> None:
    """Raise unless `value` is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{optimizer}: {name} must be True or False, got {value!r}")


def check_betas(optimizer: str, betas: Any) -> None:
    """Raise unless `betas` is a pair of numbers in [0, 1)."""
    def is_beta(value: Any) -> bool:
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and 0.0 <= value < 1.0

    if not (isinstance(betas, (tuple, list)) and len(betas) == 2 and all(map(is_beta, betas))):
        raise ValueError(f"{optimizer}: betas must be two numbers in [0, 1), got {betas!r}")
