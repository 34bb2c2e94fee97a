"""(a) and (b): one SGD step (forward, backward, update) of an MLP, against the NumPy floor.

Before timing, every contender takes one step from the same weights on the same
batch as the hand-written NumPy step, and the updated weights must agree: a
benchmark of a wrong computation is worthless. The step must also keep the
problem's dtype (a float32 model that silently runs in float64 fails here).
"""
from __future__ import annotations

import numpy as np

import timing
from contenders import (COMPILED, MATRIX_PRODUCTS, NUMPY_BUFFERED, NUMPY_IN_OUT, NUMPY_OUT_IN, OURS_NN, OURS_RAW,
                         REPLAY, TORCH, Available)
from engine_replay import EngineReplay
from numpy_floor import BufferedNumpyMLP, MatrixProducts, NumpyMLP
from problems import MLPProblem
from results import Result

# Largest difference allowed between a contender's updated weights and NumPy's after one step.
# float64: only summation order differs (BLAS blocking), ~1e-17 on weights of ~1e-2.
# float32: the same rounding differences at float32 precision (eps 6e-8).
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-6}


def check_same_update(reference: NumpyMLP, model, name: str) -> None:
    """One step of each from the same start; raise if the updated weights differ or changed dtype."""
    tolerance = TOLERANCE[reference.problem.dtype]
    before = [(w.copy(), b.copy()) for w, b in reference.weights()]
    expected_loss, loss = reference.step(), model.step()
    if not abs(loss - expected_loss) <= 10 * tolerance:
        raise AssertionError(f"{name}: loss {loss!r} differs from NumPy's {expected_loss!r}")
    moved = 0.0
    pairs = zip(reference.weights(), model.weights(), before)
    for layer, ((w_ref, b_ref), (w, b), (w_start, b_start)) in enumerate(pairs):
        for kind, expected, actual, start in (("weight", w_ref, w, w_start), ("bias", b_ref, b, b_start)):
            if actual.dtype != expected.dtype:
                raise AssertionError(
                    f"{name}: layer {layer} {kind} is {actual.dtype} after one step, expected {expected.dtype}"
                )
            error = float(np.max(np.abs(actual - expected)))
            if error > tolerance:
                raise AssertionError(
                    f"{name}: layer {layer} {kind} after one step differs from NumPy's by {error:.3g} "
                    f"(allowed {tolerance:g})"
                )
            moved = max(moved, float(np.max(np.abs(actual - start))))
    if moved <= 100 * tolerance:
        raise AssertionError(f"{name}: one step left the weights unchanged; the comparison would be vacuous")


def _engine_models(problem: MLPProblem, available: Available, raw: bool) -> dict:
    models = {NUMPY_BUFFERED: (BufferedNumpyMLP(problem, "out_in"), NUMPY_OUT_IN)}
    if available.engine and raw:
        from engine_models import RawMLP

        models[OURS_RAW] = (RawMLP(problem), NUMPY_IN_OUT)
    if available.nn:
        from engine_models import NNMLP

        models[OURS_NN] = (NNMLP(problem), NUMPY_OUT_IN)
        models[REPLAY] = (EngineReplay(problem), NUMPY_OUT_IN)
        from engine_models import CompiledNNMLP

        models[COMPILED] = (CompiledNNMLP(problem), NUMPY_OUT_IN)
    if available.torch:
        from torch_models import TorchMLP

        models[TORCH] = (TorchMLP(problem), NUMPY_OUT_IN)
    return models


def run(
    section: str,
    problem: MLPProblem,
    available: Available,
    targets: dict[str, float],
    repetitions: int,
    min_sample_seconds: float,
    raw: bool = True,
) -> list[Result]:
    """Check, then time interleaved: the two NumPy floors, our variants and PyTorch."""
    others = _engine_models(problem, available, raw)
    for name, (model, floor) in others.items():
        check_same_update(NumpyMLP(problem, "out_in" if floor == NUMPY_OUT_IN else "in_out"), model, name)
    floors = {NUMPY_IN_OUT: NumpyMLP(problem, "in_out"), NUMPY_OUT_IN: NumpyMLP(problem, "out_in")}
    if not raw:
        del floors[NUMPY_IN_OUT]
    steps = {name: model.step for name, model in floors.items()}
    steps.update({name: model.step for name, (model, _) in others.items()})
    steps[MATRIX_PRODUCTS] = MatrixProducts(problem).step  # not a step: nothing to check
    seconds = timing.interleaved(steps, repetitions, min_sample_seconds)

    micro = {name: s * 1e6 for name, s in seconds.items()}
    results = [Result(section, problem.name, name, micro[name], "µs/step") for name in floors]
    for name, (_, floor) in others.items():
        results.append(Result(section, problem.name, name, micro[name], "µs/step", micro[floor], targets.get(name)))
    results.append(Result(section, problem.name, MATRIX_PRODUCTS, micro[MATRIX_PRODUCTS], "µs/step",
                          micro[NUMPY_OUT_IN]))
    return results
