"""Shared fixtures for the nn tests."""
from pathlib import Path

import pytest

import autograd_lite as ag

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST .gz files, shared read-only next to the repository."""
    return REPO.parent / "shared" / "datasets" / "mnist"


def _autodiff_gradient(scalar_function, x):
    # enable_grad: gradcheck evaluates its function under no_grad for the
    # numerical side, and this function needs the graph to take a gradient.
    with ag.enable_grad():
        return ag.grad(scalar_function(x), x, create_graph=True)[0]


@pytest.fixture
def autodiff_gradient():
    """autodiff_gradient(f, x): df/dx as a differentiable Tensor (for second-order checks)."""
    return _autodiff_gradient
