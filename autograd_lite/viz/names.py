"""Names for the parameters in a picture, shared by to_dot, explain_backward and backward_steps."""
from __future__ import annotations

from typing import Any, Iterable

from ..graph import Function

__all__ = ["parameter_names"]


def parameter_names(nodes: Iterable[Function]) -> dict[int, str]:
    """id(parameter) -> its path in the model ("0.weight"), for every model whose call is in the graph.

    nn's Module.__call__ opens its name scope with `owner=self`; the outermost scope that has an
    owner with `named_parameters()` is the model the user called (ag does not import nn: any
    object with that method works). A name the user set (`p.name`) wins over these: callers ask
    for a path only when a tensor has no name.
    """
    owners: dict[int, Any] = {}
    for node in nodes:
        for scope in node.scope:
            if hasattr(scope.owner, "named_parameters"):
                owners.setdefault(id(scope.owner), scope.owner)
                break
    names: dict[int, str] = {}
    for owner in owners.values():
        for name, parameter in owner.named_parameters():
            names.setdefault(id(parameter), name)
    return names


def is_description(name: str | None) -> bool:
    """Is a constant's name a description of where it came from (`1 - y`, `e^-100 (log clamp)`), as
    the code that made it inside a module writes it, rather than a variable's name (x, y, images)?

    Pictures draw a described constant inside the module box that uses it, and a constant named
    like a variable outside every box: that is the caller's data.
    """
    return bool(name) and not name.isidentifier()
