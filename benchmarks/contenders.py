"""Who takes part: names used in every table, and which optional contenders can run here."""
from __future__ import annotations

import importlib
from dataclasses import dataclass

NUMPY = "NumPy by hand"
NUMPY_IN_OUT = "NumPy by hand, x @ W"  # the floor of the raw-ops variant (same layout)
NUMPY_OUT_IN = "NumPy by hand, x @ W.T"  # the floor of nn and PyTorch (nn.Linear's layout)
NUMPY_BUFFERED = "NumPy by hand, x @ W.T, out= buffers"  # issue 15's premise: preallocated, in place
MATRIX_PRODUCTS = "its matrix products alone (a bound)"  # what no replay of the same BLAS calls can beat
OURS_RAW = "autograd_lite, raw Tensor ops"
OURS_NN = "autograd_lite + nn"
REPLAY = "NumPy replaying + nn's array ops"  # diagnostic: the engine's array work without its bookkeeping
OURS = "autograd_lite"
COMPILED = "autograd_lite + nn, ag.compile"  # the same step traced once and replayed as flat NumPy
OURS_COMPILED = "autograd_lite, ag.compile"
TORCH = "PyTorch"


def _importable(module: str) -> str | None:
    """None when `module` imports, else the reason it does not."""
    try:
        importlib.import_module(module)
        return None
    except Exception as error:  # a half-written engine may raise anything on import
        return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Available:
    """Which contenders can run; a missing one is reported, not fatal (NumPy always runs)."""

    engine: bool
    nn: bool
    torch: bool
    reasons: tuple[str, ...]

    @classmethod
    def detect(cls, use_torch: bool) -> "Available":
        engine_problem = _importable("autograd_lite")
        nn_problem = _importable("nn") if engine_problem is None else "needs autograd_lite"
        torch_problem = _importable("torch") if use_torch else "disabled with --no-torch"
        reasons = tuple(
            f"{name} skipped ({problem})"
            for name, problem in (("autograd_lite", engine_problem), ("nn", nn_problem), ("PyTorch", torch_problem))
            if problem is not None
        )
        return cls(engine_problem is None, nn_problem is None, torch_problem is None, reasons)
