"""Parameter, Module and Sequential: the containers every model is built from.

A `Module` keeps its `Parameter`s and sub-modules in two ordered registries,
filled by plain attribute assignment (`self.weight = Parameter(...)`), so
`parameters()`, `named_parameters()` and `state_dict()` find everything in the
order it was defined, with dotted names such as "0.weight".

Registered entries are also ordinary attributes, so reading `self.weight` in
`forward` is a plain attribute lookup (PyTorch goes through `__getattr__`,
which costs a failed lookup on every read).
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, NamedTuple

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
            self._modules.pop(name, None)
            self._parameters[name] = value
            object.__setattr__(self, name, value)
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
            object.__setattr__(self, name, value)
        elif name in self._parameters or name in self._modules:
            # Silently replacing a registered parameter by a plain value would drop
            # it from parameters() and state_dict(): refuse, as PyTorch does.
            kind = "parameter" if name in self._parameters else "sub-module"
            raise TypeError(
                f"cannot assign {type(value).__name__} to {type(self).__name__}.{name}, "
                f"a registered {kind} (assign a Parameter or Module, or `del` it first)"
            )
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    # ----------------------------------------------------------------- traversal

    def children(self) -> Iterator["Module"]:
        """The direct sub-modules, in assignment order."""
        return iter(self._modules.values())

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs: own parameters first, then each child's.

        A parameter shared by two sub-modules is listed once (under its first
        name), so an optimizer does not update it twice.
        """
        seen: set[int] = set()
        for name, param in self._named_parameters_with_duplicates(prefix):
            if id(param) not in seen:
                seen.add(id(param))
                yield name, param

    def _named_parameters_with_duplicates(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, param in self._parameters.items():
            yield prefix + name, param
        for name, child in self._modules.items():
            yield from child._named_parameters_with_duplicates(prefix + name + ".")

    def parameters(self) -> Iterator[Parameter]:
        """Every Parameter of this module and its sub-modules (what an optimizer takes)."""
        for _, param in self.named_parameters():
            yield param

    def zero_grad(self) -> None:
        """Forget the gradients of all parameters (each `.grad` becomes None)."""
        for param in self.parameters():
            param.zero_grad()

    def train(self, mode: bool = True) -> "Module":
        """Set the `.training` flag here and in every sub-module; returns self."""
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    # ----------------------------------------------------------------- state

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's array, keyed by dotted name ("0.weight")."""
        return {name: param.data.copy() for name, param in self.named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays from `state_dict` into the parameters of the same names.

        Everything is checked before anything is copied: on error the model is
        unchanged. Wrong shapes (or non-numeric values) are always errors;
        missing and unexpected keys are errors when `strict` (the default).
        Values are cast to each parameter's dtype.
        """
        own = dict(self.named_parameters())
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
        if not self._modules:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in self._modules.items():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        lines.append(")")
        return "\n".join(lines)


class Sequential(Module):
    """Modules applied one after the other; registered as "0", "1", ... like PyTorch."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential: argument {index} is a {type(module).__name__}, not a Module"
                )
            setattr(self, str(index), module)

    def forward(self, x: Any) -> Any:
        for module in self:
            x = module(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return self.children()

    def __getitem__(self, index: int | slice) -> Module:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        try:
            return modules[index]
        except IndexError:
            raise IndexError(f"Sequential index {index} out of range for {len(modules)} modules") from None
