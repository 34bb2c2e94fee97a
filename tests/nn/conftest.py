"""Shared fixtures for the nn tests."""
import pytest

import autograd_lite as ag


def _autodiff_gradient(scalar_function, x):
    # enable_grad: gradcheck evaluates its function under no_grad for the
    # numerical side, and this function needs the graph to take a gradient.
    with ag.enable_grad():
        return ag.grad(scalar_function(x), x, create_graph=True)[0]


@pytest.fixture
def autodiff_gradient():
    """autodiff_gradient(f, x): df/dx as a differentiable Tensor (for second-order checks)."""
    return _autodiff_gradient
