"""save / load of state dicts and whole checkpoints as one .npz archive: arrays and JSON, never pickle.

Pickle files can run arbitrary code when loaded; an .npz file holds only
named arrays, and `numpy.load(..., allow_pickle=False)` refuses anything else.

Two layouts, both plain .npz files that `np.load` opens:
- a flat dict of name -> array (a model's `state_dict()`) is stored as is, one
  member per name, exactly as before checkpoints existed;
- anything else (a checkpoint `{"model": ..., "optimizer": ..., "epoch": 3}`)
  stores each array as a member named by its path ("optimizer/state/0/exp_avg")
  and the nesting, with the numbers, strings, bools and None, as a JSON text
  in the member "__nn_save_structure__". `load` rebuilds the same structure
  with the same types: dict keys stay ints or strings, tuples stay tuples,
  Tensors come back as Tensors, arrays as arrays.
"""
from __future__ import annotations

import json
import os
import zipfile
from typing import Any, Mapping

import numpy as np

import autograd_lite as ag

from .module import Module, Parameter

STRUCTURE = "__nn_save_structure__"
FORMAT = "autograd_lite nn.save checkpoint, version 1"
SAVED_TYPES = "dicts, lists, tuples, Tensors, NumPy arrays, numbers, strings, bools and None"
ARRAY_KINDS = "biufc"  # bool, int, unsigned, float, complex: everything .npy stores without pickle


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write a module's state_dict, a state dict or a nested checkpoint to `path` as one .npz.

    The file is written exactly at `path`, whatever its suffix ("ckpt.pth"
    too; no ".npz" is appended), through a temporary file, so an interrupted
    save never destroys the previous file.
    """
    if isinstance(obj, Module):
        obj = obj.state_dict()
    if _is_flat_state_dict(obj):
        arrays = dict(obj)
    else:
        arrays = {}
        tree = _encode(obj, [], arrays)
        arrays[STRUCTURE] = np.array(json.dumps({"format": FORMAT, "tree": tree}))
    partial = f"{os.fspath(path)}.part"
    try:
        with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            for name, array in arrays.items():
                with archive.open(name + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _is_flat_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and STRUCTURE not in obj and all(
        isinstance(key, str) and isinstance(value, np.ndarray) and value.dtype.kind in ARRAY_KINDS
        for key, value in obj.items()
    )


def _encode(value: Any, path: list[str], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The JSON node describing `value`; its arrays go into `arrays` under names made from `path`."""
    where = "save: " + ("".join(f"[{part!r}]" for part in path) or "the object")
    if isinstance(value, Module):
        raise TypeError(f"{where} is a Module; save its state_dict() instead (nn.save never pickles objects)")
    if isinstance(value, ag.Tensor):
        kind = "parameter" if isinstance(value, Parameter) else "tensor"
        return {"type": kind, "array": _store(value.data, path, arrays, where), "requires_grad": value.requires_grad}
    if isinstance(value, np.ndarray):
        return {"type": "array", "array": _store(value, path, arrays, where)}
    if isinstance(value, np.generic):
        return {"type": "numpy_scalar", "array": _store(np.asarray(value), path, arrays, where)}
    if value is None:
        return {"type": "none"}
    if isinstance(value, (bool, int, float, str)):  # bool first: it is also an int
        return {"type": type(value).__name__, "value": value}
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if key is not None and not isinstance(key, (bool, int, float, str)):
                raise TypeError(f"{where} has a key of type {type(key).__name__}; "
                                "keys must be strings, numbers, bools or None")
            items.append([_encode(key, path + [key], arrays), _encode(item, path + [key], arrays)])
        return {"type": "dict", "items": items}
    if isinstance(value, (list, tuple)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {"type": kind, "items": [_encode(item, path + [index], arrays) for index, item in enumerate(value)]}
    raise TypeError(f"{where} is a {type(value).__name__}, which nn.save cannot store without pickle; "
                    f"it stores {SAVED_TYPES}")


def _store(array: np.ndarray, path: list[Any], arrays: dict[str, np.ndarray], where: str) -> str:
    if array.dtype.kind not in ARRAY_KINDS:
        raise TypeError(f"{where} is an array of dtype {array.dtype}, which would need pickle; "
                        "nn.save stores numeric and bool arrays")
    base = "/".join(map(str, path)) or "value"
    name, copy = base, 1
    while name in arrays or name == STRUCTURE:  # two paths can spell alike ({"a/b": x} and {"a": {"b": y}})
        name, copy = f"{base}~{copy}", copy + 1
    arrays[name] = array
    return name


def load(path: str | os.PathLike) -> Any:
    """Read a file written by `save`: the same structure and types, arrays bit for bit.

    A flat state dict comes back as a dict of name -> array in the saved
    order. Only .npz files written by `nn.save` are read, never pickle.
    """
    _check_is_zip(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"nn.load: cannot read {os.fspath(path)!r} as an .npz archive ({error}); "
                         "nn.load reads only .npz files written by nn.save, never pickle") from error
    members = {}
    with archive:
        for name in archive.files:
            try:
                member = archive[name]
            except ValueError as error:
                raise ValueError(f"nn.load: member {name!r} of {os.fspath(path)!r} holds pickled Python objects; "
                                 "nn.load reads with allow_pickle=False and never unpickles") from error
            if not isinstance(member, np.ndarray):
                raise ValueError(f"nn.load: member {name!r} of {os.fspath(path)!r} is not a NumPy array, so the file "
                                 "is not an .npz written by nn.save (a PyTorch .pt/.pth file is a zip of pickles, "
                                 "which nn.load never reads)")
            members[name] = member
    if STRUCTURE not in members:
        return members
    structure = json.loads(str(members.pop(STRUCTURE)))
    if not isinstance(structure, dict) or structure.get("format") != FORMAT:
        raise ValueError(f"nn.load: {os.fspath(path)!r} has a structure entry of an unknown format")
    return _decode(structure["tree"], members, path)


def _check_is_zip(path: str | os.PathLike) -> None:
    """Refuse, with a message that says what the file is, anything that is not a zip archive."""
    with open(path, "rb") as file:
        start = file.read(512)
    if start[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return
    if start.startswith(b"\x93NUMPY"):
        kind = "a single-array .npy file (np.save)"
    elif start[:1] == b"\x80":
        kind = "a pickle file"
    elif start.startswith(b"\x1f\x8b"):
        kind = "a gzip file"
    elif not start:
        kind = "an empty file"
    else:
        try:
            start.decode("utf-8")
            kind = "a text file"
        except UnicodeDecodeError:
            kind = "not a zip archive"
    raise ValueError(f"nn.load: {os.fspath(path)!r} is {kind}; nn.load reads only .npz files written by "
                     "nn.save, never pickle")


def _decode(node: Any, members: dict[str, np.ndarray], path: str | os.PathLike) -> Any:
    kind = node.get("type") if isinstance(node, dict) else None
    if kind in ("array", "tensor", "parameter", "numpy_scalar"):
        if node.get("array") not in members:
            raise ValueError(f"nn.load: {os.fspath(path)!r} is damaged: array {node.get('array')!r} is missing")
        array = members[node["array"]]
        if kind == "tensor":
            return ag.Tensor(array, requires_grad=node["requires_grad"])
        if kind == "parameter":
            return Parameter(array, requires_grad=node["requires_grad"])
        return array[()] if kind == "numpy_scalar" else array
    if kind == "none":
        return None
    if kind in ("bool", "int", "float", "str"):
        return node["value"]
    if kind == "dict":
        return {_decode(key, members, path): _decode(value, members, path) for key, value in node["items"]}
    if kind in ("list", "tuple"):
        items = [_decode(item, members, path) for item in node["items"]]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"nn.load: {os.fspath(path)!r} is damaged: unknown entry {kind!r} in its structure")
