"""Datasets and mini-batches, as torch.utils.data has them, and the data the seeds use.

    train, val = nn.data.random_split(nn.data.TensorDataset(X, y), [0.8, 0.2], seed=0)
    for images, labels in nn.data.DataLoader(train, batch_size=100, shuffle=True):
        ...

A dataset is anything with `__getitem__(index) -> sample` and `__len__()`
(subclass `Dataset`, or use `TensorDataset` for arrays). A `DataLoader` picks
the indices of each batch, fetches those samples and stacks them into Tensors.
`DataLoader(X, y, batch_size, shuffle, seed)` is the same loader over
`TensorDataset(X, y)`. `xor()` and `mnist()` (from nn/mnist_files.py) give the
seeds' data as NumPy arrays.
"""
from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Mapping
from typing import Any, Callable, Iterator, Sequence

import numpy as np

import autograd_lite as ag

from .mnist_files import DatasetError, mnist

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate",
           "xor", "mnist", "DatasetError"]

# ----------------------------------------------------------------------------- datasets


class Dataset:
    """Base class of map-style datasets, as torch.utils.data.Dataset.

    A subclass defines `__getitem__(index)`, returning one sample (a Tensor, an
    array, a number, or a tuple/list/dict of them), and `__len__()`, the number
    of samples; indices run from 0 to len - 1.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index), returning one sample")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__(), the number of samples")


class TensorDataset(Dataset):
    """Samples are rows: `dataset[i]` is `(tensors[0][i], tensors[1][i], ...)`.

    As torch.utils.data.TensorDataset; NumPy arrays and lists are accepted
    beside Tensors and wrapped as Tensors (arrays keep their dtype).
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        self.tensors = tuple(ag.as_tensor(t) for t in tensors)  # arrays shared, not copied
        shapes = [t.shape for t in self.tensors]
        if any(len(shape) == 0 for shape in shapes) or len({shape[0] for shape in shapes}) != 1:
            raise ValueError("TensorDataset: every tensor needs the same number of samples (first dimension), "
                             f"got shapes {', '.join(map(str, shapes))}")

    def __getitem__(self, index: Any) -> tuple[ag.Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order (what `random_split` returns)."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Any, lengths: Sequence[int | float], generator: np.random.Generator | None = None,
                 *, seed: int | None = None) -> list[Subset]:
    """Split `dataset` into non-overlapping random Subsets, as torch.utils.data.random_split.

    `lengths` are sample counts (ints) adding up to len(dataset), or fractions
    (floats) adding up to 1: each split then gets floor(fraction * len)
    samples and the remainder is handed out one at a time from the first
    split on (PyTorch's rule: [0.5, 0.5] of 5 samples gives 3 and 2). The
    random order comes from `generator` (a numpy.random.Generator), else from
    np.random.default_rng(seed), else from the generator ag.manual_seed seeds.
    """
    if generator is not None and seed is not None:
        raise TypeError("random_split: pass a generator or a seed, not both")
    total = len(dataset)
    counts = _split_counts(lengths, total)
    order = _permutation(total, generator if seed is None else np.random.default_rng(seed)).tolist()
    starts = np.cumsum([0, *counts]).tolist()
    return [Subset(dataset, order[start:start + count]) for start, count in zip(starts, counts)]


def _split_counts(lengths: Sequence[int | float], total: int) -> list[int]:
    """random_split's sample counts, from counts or fractions."""
    lengths = list(lengths)
    if all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in lengths):
        counts = [int(n) for n in lengths]
    elif all(isinstance(f, (float, np.floating)) for f in lengths):
        if not all(0 <= f <= 1 for f in lengths) or not math.isclose(sum(lengths), 1):
            raise ValueError(f"random_split: fractions must lie in [0, 1] and add up to 1, got {lengths}")
        counts = [math.floor(total * f) for f in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"random_split: split {i} of fractions {lengths} of {total} samples is empty",
                              stacklevel=3)
    else:
        raise TypeError(f"random_split: lengths must be all ints (counts) or all floats (fractions), got {lengths}")
    if any(count < 0 for count in counts) or sum(counts) != total:
        raise ValueError(f"random_split: lengths {counts} must be non-negative and add up to the dataset's "
                         f"{total} samples")
    return counts


def _permutation(n: int, rng: np.random.Generator | None) -> np.ndarray:
    """A uniformly random order of range(n), drawn from `rng`, else from autograd_lite's generator."""
    if rng is not None:
        return rng.permutation(n)
    # Sorting n uniform draws gives a uniformly random permutation; ag.manual_seed seeds the draws.
    return np.argsort(ag.rand(n, dtype=np.float64).data, kind="stable")


# ----------------------------------------------------------------------------- batches


def default_collate(samples: list) -> Any:
    """Stack a list of samples into one batch, as PyTorch's default_collate.

    Tensors and arrays are stacked along a new first axis into a Tensor (that
    does not require grad); Python floats give a float64 Tensor, ints int64 and
    bools bool; strings stay a list; tuples, lists, named tuples and dicts are
    collated field by field (a tuple of samples gives a tuple of batches, where
    PyTorch gives a list: both unpack the same way).
    """
    first = samples[0]
    if isinstance(first, (ag.Tensor, np.ndarray, np.generic, bool, int, float)):
        arrays = [s.data if isinstance(s, ag.Tensor) else s for s in samples]
        try:
            return ag.from_numpy(np.stack([np.asarray(a) for a in arrays]))
        except ValueError:
            shapes = sorted({str(np.shape(a)) for a in arrays})
            raise ValueError(f"DataLoader: cannot stack samples of shapes {', '.join(shapes)} into one batch; "
                             "give the DataLoader a collate_fn for samples of different shapes") from None
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if len({len(s) for s in samples}) != 1:
            raise ValueError("DataLoader: every sample in a batch must have the same number of fields, "
                             f"got {sorted({len(s) for s in samples})}")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
            return type(first)(*fields)
        return type(first)(fields) if isinstance(first, list) else tuple(fields)
    raise TypeError(f"DataLoader: cannot collate samples of type {type(first).__name__}; "
                    "samples must be Tensors, arrays, numbers, strings, or tuples/lists/dicts of them "
                    "(or give the DataLoader a collate_fn)")


def _dataset_form(dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                  seed: int | None = None, *, collate_fn: Callable | None = None, num_workers: int = 0,
                  pin_memory: bool = False) -> dict[str, Any]:
    """DataLoader(dataset, ...): PyTorch's order of arguments."""
    return locals()


def _arrays_form(X: Any, y: Any, batch_size: int = 1, shuffle: bool = False, seed: int | None = None,
                 drop_last: bool = False, *, collate_fn: Callable | None = None, num_workers: int = 0,
                 pin_memory: bool = False) -> dict[str, Any]:
    """DataLoader(X, y, ...): inputs and targets as arrays, with part 1's order of arguments."""
    settings = locals()
    X, y = (ag.as_tensor(t) for t in (settings.pop("X"), settings.pop("y")))  # arrays shared, not copied
    if X.shape[:1] != y.shape[:1]:
        raise ValueError(f"DataLoader: X has shape {X.shape} and y has shape {y.shape}; "
                         "they need the same number of samples (first dimension)")
    return {"dataset": TensorDataset(X, y), **settings}


def _plain_signature(function: Callable) -> str:
    """`function`'s parameters as a user reads them: names and defaults, no annotations."""
    signature = inspect.signature(function)
    parameters = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors.

        DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, seed=None)
        DataLoader(X, y, batch_size=1, shuffle=False, seed=None, drop_last=False)

    The second form is the first over TensorDataset(X, y); it yields (X_batch,
    y_batch). With `shuffle=True` every epoch (every `for` loop over the loader)
    uses a new permutation: drawn from np.random.default_rng(seed) when a seed
    is given, else from autograd_lite's generator, so `ag.manual_seed` alone
    makes a whole training run reproducible. The last, smaller batch is kept
    unless `drop_last=True`. Samples are stacked by `collate_fn` (default:
    `default_collate`). `num_workers` and `pin_memory` are accepted so that
    PyTorch code runs; batches are always made in this process, on the CPU.
    """

    def __init__(self, dataset: Any, *args: Any, **kwargs: Any) -> None:
        arrays = (args and isinstance(args[0], (ag.Tensor, np.ndarray, list, tuple))) or "y" in kwargs
        form = _arrays_form if arrays else _dataset_form
        try:
            inspect.signature(form).bind(dataset, *args, **kwargs)
        except TypeError as error:
            raise TypeError(f"DataLoader: {error}; the signature is DataLoader{_plain_signature(form)}") from None
        settings = form(dataset, *args, **kwargs)
        self.dataset = settings["dataset"]
        try:
            len(self.dataset)
        except TypeError:
            raise TypeError("DataLoader: the dataset needs __len__ and __getitem__ (see nn.data.Dataset), "
                            f"got {type(self.dataset).__name__}") from None
        batch_size = settings["batch_size"]
        if not (isinstance(batch_size, (int, np.integer)) and not isinstance(batch_size, bool) and batch_size > 0):
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = bool(settings["shuffle"])
        self.drop_last = bool(settings["drop_last"])
        self.collate_fn = settings["collate_fn"] or default_collate
        seed = settings["seed"]
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = _permutation(n, self._rng) if self.shuffle else np.arange(n)
        # perf: default_collate of a TensorDataset's samples is its rows stacked; one NumPy index per
        # tensor gives the same batches without a Tensor per sample (a shuffled MNIST epoch, batch 100:
        # 0.59 s -> 0.07 s, against 0.7 s of training)
        rows = _tensor_rows(self.dataset) if self.collate_fn is default_collate else None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            if rows is not None:
                tensors, row_numbers = rows
                yield tuple(ag.from_numpy(t.data[row_numbers[indices]]) for t in tensors)
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        """Number of batches per epoch."""
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return -(-len(self.dataset) // self.batch_size)


def _tensor_rows(dataset: Any) -> tuple[tuple[ag.Tensor, ...], np.ndarray] | None:
    """For a TensorDataset, or Subsets of one: its tensors and which of their rows the dataset's samples are."""
    row_numbers = None
    while type(dataset) is Subset:  # exact types: a subclass may change what __getitem__ returns
        indices = np.asarray(dataset.indices, dtype=np.int64)
        row_numbers = indices if row_numbers is None else indices[row_numbers]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    return dataset.tensors, np.arange(len(dataset)) if row_numbers is None else row_numbers


# ----------------------------------------------------------------------------- XOR


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: X (4, 2) and y (4, 1) float64, for BCE with a sigmoid output."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y
