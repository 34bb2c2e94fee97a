"""Autodiff, numerical and hand-derived gradients side by side.

The teaching question "does autodiff give the gradient I derived by hand, and
what would the numerical gradient have cost?" in one call:

    result = ag.compare_gradients(loss_fn, {"W1": W1, "b1": b1}, hand_grads=my_backprop)
    print(result)                  # aligned table, one block per parameter; pairs that disagree are marked
    result.ok                      # True when every pair agrees within the tolerance
    result["W1"].difference("autodiff", "hand").max_abs
    result.cost_ratio              # numerical time / autodiff time

`loss_fn()` takes no arguments: it recomputes the scalar loss from the
parameter tensors it closes over. That is what lets the numerical gradient
work, because `numerical_gradient` nudges each parameter's `.data` in place
and calls `loss_fn()` again, two calls per element.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from autograd_lite.backward import grad
from autograd_lite.gradcheck import numerical_gradient
from autograd_lite.tensor import Tensor

AUTODIFF, NUMERICAL, HAND = "autodiff", "numerical", "hand"
PAIRS = ((AUTODIFF, NUMERICAL), (AUTODIFF, HAND), (HAND, NUMERICAL))
_TITLES = {AUTODIFF: "autodiff", NUMERICAL: "numerical", HAND: "hand-derived"}

HandGrads = Mapping[str, Any] | Sequence[Any] | Callable[[], Any] | None


@dataclass(frozen=True)
class Difference:
    """How far apart two gradients of one parameter are, elementwise.

    `max_rel` divides each |a - b| by max(|a|, |b|, rel_floor): the floor keeps
    elements where both gradients are (nearly) zero from dividing by zero or
    turning round-off into a huge "relative" error.
    """

    max_abs: float
    mean_abs: float
    max_rel: float


def difference(a: np.ndarray, b: np.ndarray, rel_floor: float = 1e-8) -> Difference:
    """Max absolute, mean absolute and max relative difference of two same-shape arrays."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return Difference(0.0, 0.0, 0.0)
    gap = np.abs(a - b)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), rel_floor)
    return Difference(float(gap.max()), float(gap.mean()), float((gap / scale).max()))


def outside_tolerance(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> int:
    """How many elements break |a - b| <= atol + rtol * max(|a|, |b|) (NaN breaks it too)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    within = np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))
    return int(within.size - np.count_nonzero(within))


@dataclass(frozen=True)
class ParameterComparison:
    """One parameter: its gradients by each method and the differences between them."""

    name: str
    shape: tuple[int, ...]
    gradients: dict[str, np.ndarray]          # "autodiff", "numerical" and, when given, "hand"
    differences: dict[tuple[str, str], Difference]
    numerical_seconds: float                  # the numerical gradient of this parameter alone
    outside: dict[tuple[str, str], int] = field(default_factory=dict)  # elements outside tolerance, per pair

    def difference(self, a: str, b: str) -> Difference:
        """The difference between methods `a` and `b` (in either order)."""
        if (a, b) in self.differences:
            return self.differences[(a, b)]
        if (b, a) in self.differences:
            return self.differences[(b, a)]
        raise KeyError(f"no {a!r} vs {b!r} comparison for {self.name!r}; available: "
                       + ", ".join(f"{x} vs {y}" for x, y in self.differences))


@dataclass(frozen=True)
class GradientComparison:
    """The result of `compare_gradients`: per-parameter rows, timings and a printable table."""

    parameters: list[ParameterComparison]
    seconds: dict[str, float]                 # wall time of one full gradient, per method
    eps: float
    atol: float = 1e-5
    rtol: float = 1e-3

    def __getitem__(self, name: str) -> ParameterComparison:
        for row in self.parameters:
            if row.name == name:
                return row
        raise KeyError(f"no parameter named {name!r}; have {[row.name for row in self.parameters]}")

    @property
    def has_hand(self) -> bool:
        return HAND in self.seconds

    @property
    def ok(self) -> bool:
        """True when every pair of methods agrees within the tolerance for every element."""
        return not self.mismatches()

    def mismatches(self) -> list[tuple[str, str, str]]:
        """(parameter, method, method) for every pair outside the tolerance."""
        return [(row.name, a, b) for row in self.parameters for (a, b), count in row.outside.items() if count]

    @property
    def cost_ratio(self) -> float:
        """How many times longer one numerical gradient took than one autodiff gradient."""
        return self.seconds[NUMERICAL] / self.seconds[AUTODIFF]

    def max_abs(self, a: str, b: str) -> float:
        """The largest absolute difference between methods `a` and `b` over all parameters."""
        return max(row.difference(a, b).max_abs for row in self.parameters)

    def max_rel(self, a: str, b: str) -> float:
        """The largest relative difference between methods `a` and `b` over all parameters."""
        return max(row.difference(a, b).max_rel for row in self.parameters)

    def rows(self) -> list[dict[str, Any]]:
        """The table as plain records, one per (parameter, pair of methods)."""
        return [
            {"parameter": row.name, "shape": row.shape, "a": a, "b": b,
             "max_abs": diff.max_abs, "mean_abs": diff.mean_abs, "max_rel": diff.max_rel,
             "outside_tolerance": row.outside.get((a, b), 0), "numerical_seconds": row.numerical_seconds}
            for row in self.parameters for (a, b), diff in row.differences.items()
        ]

    def table(self) -> str:
        """The aligned text table that `print(result)` shows."""
        header = ("parameter", "shape", "comparison", "max |diff|", "mean |diff|", "max rel diff", "numerical time",
                  "agree?")
        lines = []
        for row in self.parameters:
            for i, ((a, b), diff) in enumerate(row.differences.items()):
                first = i == 0
                outside = row.outside.get((a, b), 0)
                lines.append((
                    row.name if first else "", str(row.shape) if first else "",
                    f"{_TITLES[a]} vs {_TITLES[b]}",
                    f"{diff.max_abs:.2e}", f"{diff.mean_abs:.2e}", f"{diff.max_rel:.2e}",
                    _format_seconds(row.numerical_seconds) if first else "",
                    f"<< NO: {outside:,} of {int(np.prod(row.shape)):,} elements" if outside else "yes",
                ))
        widths = [max(len(cell) for cell in column) for column in zip(header, *lines)]
        numeric = {3, 4, 5, 6}  # right-align numbers so their exponents line up

        def render(cells: Sequence[str]) -> str:
            return "  ".join(c.rjust(w) if k in numeric else c.ljust(w)
                             for k, (c, w) in enumerate(zip(cells, widths))).rstrip()

        evaluations = 2 * sum(int(np.prod(row.shape)) for row in self.parameters)
        notes = {AUTODIFF: "one forward + one backward pass",
                 NUMERICAL: f"{evaluations:,} loss evaluations, eps={self.eps:g}"}
        title_width = max(len(_TITLES[m]) for m in self.seconds)
        timings = [f"  {_TITLES[m].ljust(title_width)}  {_format_seconds(s).rjust(9)}"
                   + (f"  ({notes[m]})" if m in notes else "")
                   for m, s in self.seconds.items()]
        ratio = self.cost_ratio
        return "\n".join([
            render(header),
            render(["-" * w for w in widths]),
            *(render(line) for line in lines),
            self.verdict(),
            "time for one full gradient:",
            *timings,
            f"numerical / autodiff time: {ratio:,.0f}x" if ratio >= 100 else
            f"numerical / autodiff time: {ratio:.1f}x",
        ])

    def verdict(self) -> str:
        """The summary line: do all pairs agree within the tolerance, and if not, which do not."""
        rule = f"|a - b| <= {self.atol:g} + {self.rtol:g} * max(|a|, |b|) for every element"
        total = sum(len(row.differences) for row in self.parameters)
        mismatches = self.mismatches()
        if not mismatches:
            return f"all {total} comparisons agree: {rule}"
        names = ", ".join(f"{name} ({_TITLES[a]} vs {_TITLES[b]})" for name, a, b in mismatches)
        return f"DISAGREE: {len(mismatches)} of {total} comparisons break {rule}: {names}"

    def __str__(self) -> str:
        return self.table()


def _format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def _named_tensors(params: Any) -> list[tuple[str, Tensor]]:
    """Accept a Tensor, a dict name -> Tensor, a module (named_parameters()), or an iterable
    of Tensors or (name, Tensor) pairs; unnamed tensors are called by `.name` or param<i>."""
    if isinstance(params, Tensor):
        params = [params]
    elif isinstance(params, Mapping):
        params = list(params.items())
    elif hasattr(params, "named_parameters"):
        params = list(params.named_parameters())
    named = []
    for i, item in enumerate(params):
        name, tensor = item if isinstance(item, tuple) else (item.name or f"param{i}", item)
        if not isinstance(tensor, Tensor) or not tensor.requires_grad:
            raise TypeError(f"compare_gradients: parameter {name!r} must be a Tensor that requires grad, "
                            f"got {type(tensor).__name__}")
        named.append((str(name), tensor))
    if not named:
        raise ValueError("compare_gradients: no parameters to compare")
    return named


def _hand_arrays(hand: Any, named: list[tuple[str, Tensor]]) -> list[np.ndarray]:
    """The hand-derived gradients in parameter order, checked for names and shapes."""
    names = [name for name, _ in named]
    if isinstance(hand, Mapping):
        missing = [n for n in names if n not in hand]
        extra = [k for k in hand if k not in names]
        if missing or extra:
            raise KeyError(f"compare_gradients: hand_grads keys {sorted(hand)} do not match the parameters "
                           f"{names} (missing {missing}, unexpected {extra})")
        arrays = [hand[n] for n in names]
    else:
        arrays = list(hand)
        if len(arrays) != len(named):
            raise ValueError(f"compare_gradients: {len(arrays)} hand-derived gradients for {len(named)} parameters")
    result = []
    for (name, tensor), array in zip(named, arrays):
        array = np.asarray(array.data if isinstance(array, Tensor) else array, dtype=np.float64)
        if array.shape != tensor.shape:
            raise ValueError(f"compare_gradients: hand-derived gradient of {name!r} has shape {array.shape}, "
                             f"but the parameter has shape {tensor.shape}")
        result.append(array)
    return result


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """fn()'s result and its median wall time over `repeat` runs.

    The median, not the minimum: the numerical gradient's time is a sum over
    thousands of loss evaluations, i.e. a typical time, so the cheap methods'
    times must be typical too for the ratio to be fair.
    """
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return value, float(np.median(times))


def _scalar_loss(loss_fn: Callable[[], Tensor]) -> Tensor:
    loss = loss_fn()
    if not isinstance(loss, Tensor) or loss.size != 1:
        raise ValueError("compare_gradients: loss_fn() must return a scalar Tensor, "
                         f"got {getattr(loss, 'shape', type(loss).__name__)}")
    return loss


def compare_gradients(
    loss_fn: Callable[[], Tensor],
    params: Any,
    hand_grads: HandGrads = None,
    eps: float = 1e-6,
    repeat: int = 5,
    rel_floor: float = 1e-8,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    progress: Callable[[int, int], Any] | None = None,
) -> GradientComparison:
    """Compute d loss / d param by autodiff, by central differences and (optionally) by hand; compare.

    loss_fn:    no-argument function returning the scalar loss Tensor, computed from `params`.
    params:     the leaf tensors to differentiate: a Tensor, a dict name -> Tensor, an nn Module
                (its named_parameters()), or a list of Tensors or (name, Tensor) pairs.
    hand_grads: hand-derived gradients, as a dict name -> array, a list in parameter order,
                or a no-argument callable returning either (then its run time is measured too).
    eps:        step of the central differences (ag.numerical_gradient); use float64 parameters.
    repeat:     autodiff and hand-derived gradients are cheap, so each is timed as the median of
                `repeat` runs; the numerical gradient (2 loss evaluations per element) runs once.
    rel_floor:  magnitudes below this count as rel_floor in the relative differences.
    atol, rtol: two gradients agree where |a - b| <= atol + rtol * max(|a|, |b|) (gradcheck's
                defaults); every pair that does not is marked in the table, and `result.ok` is False.
    progress:   called as progress(done, total) after each loss evaluation of the numerical gradient
                (it can take minutes: 2 evaluations per parameter element), e.g. to draw a bar.

    Parameters' `.grad` is left untouched (autodiff goes through ag.grad).
    """
    if repeat < 1:
        raise ValueError(f"compare_gradients: repeat must be at least 1, got {repeat}")
    named = _named_tensors(params)
    tensors = [tensor for _, tensor in named]

    autodiff, seconds_autodiff = timed(lambda: grad(_scalar_loss(loss_fn), tensors), repeat)
    gradients = [{AUTODIFF: np.asarray(g.data, dtype=np.float64)} for g in autodiff]
    seconds = {AUTODIFF: seconds_autodiff}

    if hand_grads is not None:
        if callable(hand_grads):
            hand_grads, seconds[HAND] = timed(hand_grads, repeat)
        for per_param, array in zip(gradients, _hand_arrays(hand_grads, named)):
            per_param[HAND] = array

    evaluations, total = 0, 2 * sum(tensor.size for tensor in tensors)

    def evaluate(_: Tensor) -> Tensor:
        # numerical_gradient calls f(tensor); loss_fn reads the nudged tensor through its closure.
        nonlocal evaluations
        loss = loss_fn()
        evaluations += 1
        if progress is not None:
            progress(evaluations, total)
        return loss

    numerical_seconds = []
    for per_param, tensor in zip(gradients, tensors):
        (per_param[NUMERICAL],), elapsed = timed(lambda: numerical_gradient(evaluate, tensor, eps=eps), 1)
        numerical_seconds.append(elapsed)
    seconds[NUMERICAL] = sum(numerical_seconds)

    rows = [
        ParameterComparison(
            name=name,
            shape=tuple(tensor.shape),
            gradients=per_param,
            differences={(a, b): difference(per_param[a], per_param[b], rel_floor)
                         for a, b in PAIRS if a in per_param and b in per_param},
            numerical_seconds=elapsed,
            outside={(a, b): outside_tolerance(per_param[a], per_param[b], atol, rtol)
                     for a, b in PAIRS if a in per_param and b in per_param},
        )
        for (name, tensor), per_param, elapsed in zip(named, gradients, numerical_seconds)
    ]
    return GradientComparison(parameters=rows, seconds=seconds, eps=eps, atol=atol, rtol=rtol)
