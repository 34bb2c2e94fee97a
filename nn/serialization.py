"""save / load of state dicts as .npz archives: plain arrays, never pickle.

Pickle files can run arbitrary code when loaded; an .npz file holds only
named arrays, and `numpy.load(..., allow_pickle=False)` refuses anything else.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np

import autograd_lite as ag

from .module import Module


def save(module_or_state_dict: Module | Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write a module's state_dict (or any dict of name -> array) to `path` as .npz.

    The file is written exactly at `path` (no ".npz" is appended), through a
    temporary file, so an interrupted save never destroys the previous file.
    """
    state = module_or_state_dict.state_dict() if isinstance(module_or_state_dict, Module) else module_or_state_dict
    arrays = {}
    for key, value in state.items():
        array = np.asarray(value.data if isinstance(value, ag.Tensor) else value)
        if not isinstance(key, str) or array.dtype.kind not in "biuf":
            raise TypeError(f"save: entry {key!r} must be a string key with a numeric array, "
                            f"got {type(value).__name__} of dtype {array.dtype}")
        arrays[key] = array
    partial = f"{os.fspath(path)}.part"
    with open(partial, "wb") as file:
        np.savez(file, allow_pickle=False, **arrays)
    os.replace(partial, path)


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a file written by `save`: a dict of name -> array, in the saved order."""
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}
