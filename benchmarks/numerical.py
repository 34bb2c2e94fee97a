"""(f) the numerical gradient of (a) against one autodiff gradient.

Central differences need two forward passes per parameter: 2 x 39,760 forwards for
the 784-50-10 net. We time `ag.numerical_gradient` on a sample (the first layer's
50 biases), check it against autodiff, and extrapolate per element to all parameters.
The same extrapolation with a hand-written NumPy forward shows that the cost is
the method's, not the engine's.
"""
from __future__ import annotations

import numpy as np

import timing
from contenders import NUMPY, OURS, Available
from numpy_floor import NumpyMLP
from problems import MLPProblem
from results import Result

AGREEMENT = 1e-6  # central differences with eps=1e-6 in float64 are good to ~1e-8 here


def run(problem: MLPProblem, available: Available, repetitions: int) -> list[Result]:
    floor = NumpyMLP(problem, "in_out")
    case_auto = f"one autodiff gradient (forward + backward), {problem.name}"
    case_numeric = f"numerical gradient of all {problem.n_parameters:,} parameters (extrapolated)"
    calls = {f"{NUMPY}: loss only": floor.loss, f"{NUMPY}: loss and gradient": floor.gradients}
    sample = problem.sizes[1]  # the first layer's biases
    if available.engine:
        import autograd_lite as ag
        from engine_models import RawMLP

        model = RawMLP(problem)
        (w1, b1), *rest = model.layers

        def loss_of_first_bias(bias: ag.Tensor) -> ag.Tensor:
            return model.loss([(w1, bias), *rest])

        model.gradients()
        numeric = ag.numerical_gradient(loss_of_first_bias, b1)[0]
        error = float(np.max(np.abs(numeric - b1.grad.data)))
        if not error <= AGREEMENT:
            raise AssertionError(f"numerical and autodiff gradients of b1 differ by {error:.3g}")
        calls[f"{OURS}: autodiff gradient"] = model.gradients
        calls[f"{OURS}: numerical gradient of b1"] = lambda: ag.numerical_gradient(loss_of_first_bias, b1)
    seconds = timing.interleaved(calls, repetitions, min_sample_seconds=0.05)

    numpy_auto = seconds[f"{NUMPY}: loss and gradient"]
    numpy_numeric = 2 * seconds[f"{NUMPY}: loss only"] * problem.n_parameters
    results = [
        Result("f", case_auto, NUMPY, numpy_auto * 1e3, "ms"),
        Result("f", case_numeric, f"{NUMPY} forward, 2 per parameter", numpy_numeric, "s", numpy_auto,
               versus="its gradient"),
    ]
    if available.engine:
        ours_auto = seconds[f"{OURS}: autodiff gradient"]
        per_element = seconds[f"{OURS}: numerical gradient of b1"] / sample
        results += [
            Result("f", case_auto, OURS, ours_auto * 1e3, "ms", numpy_auto * 1e3),
            Result("f", case_numeric, f"{OURS} ag.numerical_gradient", per_element * problem.n_parameters, "s",
                   ours_auto, versus="its gradient"),
        ]
    return results
