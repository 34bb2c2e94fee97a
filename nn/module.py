"""Parameter and Module: what every layer, loss and model is built from.

A `Module` keeps three ordered registries, filled by plain attribute
assignment (`self.weight = Parameter(...)`, `self.encoder = Linear(...)`) or
by the `register_*` methods:
  _parameters  the trainable Parameters;
  _buffers     tensors that are state but not trained (BatchNorm's running mean);
  _modules     the sub-modules.
`parameters()`, `buffers()`, `named_modules()` and `state_dict()` find
everything in the order it was defined, with PyTorch's dotted names ("0.weight",
"1.running_mean").

Registered entries are also ordinary attributes, so reading `self.weight` in
`forward` is a plain attribute lookup (PyTorch goes through `__getattr__`,
which costs a failed lookup on every read).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, NamedTuple

import numpy as np

import autograd_lite as ag


class Parameter(ag.Tensor):
    """A Tensor that a Module registers as trainable (requires_grad=True by default)."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if isinstance(data, ag.Tensor):
            data = data.data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of layers, activations, losses and whole models.

    Subclasses call `super().__init__()` first, assign Parameters and
    sub-modules as attributes, and define `forward`. Calling the module runs
    `forward` inside `ag.name_scope(self.scope_label())`, so graph pictures draw
    one labelled box per module call.
    """

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these registries to exist.
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------------- registration

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign '{name}' before Module.__init__(): call super().__init__() first "
                f"in {type(self).__name__}.__init__"
            )
        if isinstance(value, Parameter):
            self._unregister(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._unregister(name)
            self._modules[name] = value
        elif name in self._buffers:
            if value is not None and not isinstance(value, ag.Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to {type(self).__name__}.{name}, "
                                "a registered buffer (assign a Tensor or None)")
            self._buffers[name] = value
        elif name in self._parameters or name in self._modules:
            # Silently replacing a registered parameter by a plain value would drop
            # it from parameters() and state_dict(): refuse, as PyTorch does (None is allowed).
            kind = "parameter" if name in self._parameters else "sub-module"
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to {type(self).__name__}.{name}, "
                    f"a registered {kind} (assign a Parameter or Module, or `del` it first)"
                )
            (self._parameters if name in self._parameters else self._modules)[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._unregister(name)
        object.__delattr__(self, name)

    def _unregister(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def _check_new_name(self, name: Any, kind: str, registry: str) -> None:
        """Refuse what PyTorch refuses: non-strings, "" and dotted names, names taken by another attribute."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot register a {kind} before Module.__init__(): call super().__init__() "
                                 f"first in {type(self).__name__}.__init__")
        if not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: a {kind} name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{type(self).__name__}: a {kind} name must be non-empty and contain no '.', got {name!r}")
        if hasattr(self, name) and name not in self.__dict__[registry]:
            raise KeyError(f"{type(self).__name__}: attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add `param` under `name` (None declares an absent parameter, e.g. a bias that is switched off)."""
        self._check_new_name(name, "parameter", "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{type(self).__name__}: cannot register a {type(param).__name__} as parameter "
                            f"'{name}' (a Parameter or None is required)")
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: ag.Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not trained (running statistics); in state_dict() unless not persistent."""
        self._check_new_name(name, "buffer", "_buffers")
        if tensor is not None and not isinstance(tensor, ag.Tensor):
            raise TypeError(f"{type(self).__name__}: cannot register a {type(tensor).__name__} as buffer "
                            f"'{name}' (a Tensor or None is required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module under `name` (what `self.name = module` does, for names computed at run time)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {type(module).__name__} is not a Module")
        self._check_new_name(name, "module", "_modules")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # ----------------------------------------------------------------- traversal

    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module (named `prefix`, "" by default) and all below it, depth first.

        A module reached twice (shared) is listed once unless `remove_duplicate=False`.
        """
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, depth first, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct sub-modules, in assignment order, each once."""
        seen: set = set()
        for name, child in self._modules.items():
            if child is not None and child not in seen:
                seen.add(child)
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct sub-modules, in assignment order."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool) -> Iterator[tuple]:
        """(dotted name, entry) of one registry ("_parameters" or "_buffers") of each module, own entries first.

        A tensor shared by two modules is listed once (under its first name)
        unless `remove_duplicate=False`, so an optimizer does not update it twice.
        """
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        seen: set[int] = set()  # ids: a Tensor's == is elementwise
        for module_prefix, module in modules:
            for name, member in getattr(module, registry).items():
                if member is None or id(member) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(member))
                yield (f"{module_prefix}.{name}" if module_prefix else name), member

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs: own parameters first, then each sub-module's."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every Parameter of this module and its sub-modules (what an optimizer takes)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, ag.Tensor]]:
        """(dotted name, buffer) pairs, in the order of named_parameters (non-persistent buffers too)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[ag.Tensor]:
        """Every buffer of this module and its sub-modules."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ----------------------------------------------------------------- modes and conversions

    def zero_grad(self) -> None:
        """Forget the gradients of all parameters (each `.grad` becomes None)."""
        for param in self.parameters():
            param.zero_grad()

    def train(self, mode: bool = True) -> Module:
        """Set the `.training` flag here and in every sub-module; returns self."""
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradients on or off for every parameter (freezing layers); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn` on every sub-module (deepest first) and then on this module; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Convert parameters (with their gradients) and floating-point buffers to a dtype, in place; returns self.

        `to(dtype)`, `to(dtype=...)` or `to(tensor)` (its dtype). The Parameter
        objects stay the same, so an optimizer made before still holds them.
        PyTorch's device forms `to("cpu")`, `to(device="cpu")` are accepted:
        autograd_lite computes on the CPU, so there is nothing to move.
        """
        dtype, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}.to: unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, str):
                device = arg
            elif isinstance(arg, ag.Tensor):
                dtype = arg.dtype
            else:
                dtype = arg
        if device is not None and not str(device).startswith("cpu"):
            raise ValueError(f"{type(self).__name__}.to: autograd_lite computes on the CPU only, got device {device!r}")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: only floating-point dtypes are accepted, got {dtype}")
        for param in self.parameters():
            param.data = param.data.astype(dtype, copy=False)
            if param.grad is not None:
                param.grad.data = param.grad.data.astype(dtype, copy=False)
        for buffer in self.buffers():
            if buffer.dtype.kind == "f":  # num_batches_tracked stays an integer
                buffer.data = buffer.data.astype(dtype, copy=False)
        return self

    def float(self) -> Module:
        """`to(float32)`; returns self."""
        return self.to(np.float32)

    def double(self) -> Module:
        """`to(float64)`; returns self."""
        return self.to(np.float64)

    # ----------------------------------------------------------------- state

    def _state_tensors(self, prefix: str) -> Iterator[tuple[str, ag.Tensor]]:
        """What state_dict holds, by module: its parameters, its persistent buffers, then each sub-module's.

        A shared module appears under each of its names, as in PyTorch's state_dict.
        """
        for name, param in self._parameters.items():
            if param is not None:
                yield prefix + name, param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                yield prefix + name, buffer
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_tensors(prefix + name + ".")

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's and persistent buffer's array, keyed by dotted name ("0.weight")."""
        return {name: tensor.data.copy() for name, tensor in self._state_tensors("")}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays from `state_dict` into the parameters and buffers of the same names.

        Everything is checked before anything is copied: on error the model is
        unchanged. Wrong shapes (or non-numeric values) are always errors;
        missing and unexpected keys are errors when `strict` (the default).
        Values are cast to each entry's dtype.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict into {type(self).__name__}: expected a dict of name -> array "
                            f"(from state_dict() or nn.load), got {type(state_dict).__name__}")
        own = dict(self._state_tensors(""))
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        arrays, mismatched = {}, []
        for name in own.keys() & state_dict.keys():
            value = state_dict[name]
            array = np.asarray(value.data if isinstance(value, ag.Tensor) else value)
            if array.dtype.kind not in "biuf":
                mismatched.append(f"{name}: expected numbers, got dtype {array.dtype}")
            elif array.shape != own[name].shape:
                mismatched.append(f"{name}: expected shape {own[name].shape}, got {array.shape}")
            arrays[name] = array
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(sorted(mismatched)))
        if problems:
            raise RuntimeError(
                f"load_state_dict into {type(self).__name__} failed (model left unchanged):\n  "
                + "\n  ".join(problems)
            )
        for name, array in arrays.items():
            own[name].data[...] = array
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- calling

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def scope_label(self) -> str:
        """Short label of this module's box in graph pictures, e.g. "Linear(784→50)"."""
        return type(self).__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with ag.name_scope(self.scope_label(), owner=self):
            return self.forward(*args, **kwargs)

    # ----------------------------------------------------------------- printing

    def extra_repr(self) -> str:
        """The settings shown between the parentheses of repr, e.g. "axis=-1"."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        if not self._modules:
            return f"{type(self).__name__}({extra})"
        lines = [f"{type(self).__name__}("] + [f"  {line}" for line in extra.splitlines()]
        for name, child in self._modules.items():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        lines.append(")")
        return "\n".join(lines)


def as_input(module: Module, x: Any) -> ag.Tensor:
    """`x` as the Tensor a built-in module computes on: a Tensor, or a NumPy array (wrapped, not copied).

    Python lists and numbers are refused, as PyTorch refuses them: converting
    them silently would hide a missing `ag.tensor(...)` and pick a dtype for the user.
    """
    if isinstance(x, ag.Tensor):
        return x
    if isinstance(x, np.ndarray):
        return ag.from_numpy(x)
    raise TypeError(f"{module.scope_label()}: expected a Tensor as input, got {type(x).__name__}; "
                    "convert it first, e.g. ag.tensor(data)")


def check_size(module_name: str, argument: str, value: Any) -> int:
    """`value` as a size (a number of features, channels, rows): an int >= 0, or a clear error naming the layer."""
    if not isinstance(value, (int, np.integer)):
        raise TypeError(f"{module_name}: {argument} must be an integer, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{module_name}: {argument} must be non-negative, got {value}")
    return int(value)
