"""Dropout: the mask's statistics and scale, train/eval, the seeded generator, the gradient, bad p."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
import nn
import nn.functional as F


def test_training_zeros_a_fraction_p_and_scales_the_rest():
    ag.manual_seed(0)
    x = ag.ones(200, 500)
    out = nn.Dropout(0.3)(x).data
    zeros = np.mean(out == 0)
    assert abs(zeros - 0.3) < 0.005  # 100,000 draws: the standard error is 0.0015
    np.testing.assert_array_equal(np.unique(out), [0.0, 1 / 0.7])
    assert abs(out.mean() - 1.0) < 0.01  # the expected value is kept


def test_eval_is_the_identity():
    layer = nn.Dropout(0.5)
    x = ag.randn(4, 5, requires_grad=True)
    layer.eval()
    assert layer(x) is x
    layer.train()
    assert layer(x) is not x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_p_one_zeros_everything():
    out = F.dropout(ag.ones(3, 4), p=1.0)
    np.testing.assert_array_equal(out.data, np.zeros((3, 4)))


def test_masks_come_from_the_seeded_generator():
    x = ag.ones(6, 7)
    ag.manual_seed(3)
    first, second = F.dropout(x).data, F.dropout(x).data
    ag.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x).data, first)
    np.testing.assert_array_equal(F.dropout(x).data, second)
    assert not np.array_equal(first, second)  # a fresh mask on every call


def test_gradient_is_the_mask_and_the_graph_a_product_with_a_constant():
    ag.manual_seed(1)
    x = ag.randn(5, 6, requires_grad=True)
    out = nn.Dropout(0.4)(x)
    out.sum().backward()
    mask = np.where(out.data == 0, 0.0, 1 / 0.6)
    np.testing.assert_allclose(x.grad.data, mask, rtol=1e-15)
    assert out.grad_fn.op == "mul" and out.grad_fn.parents[0] is x
    assert [scope.label for scope in out.grad_fn.scope] == ["Dropout(p=0.4)"]


def test_float32_stays_float32():
    x = ag.randn(3, 4, dtype=np.float32, requires_grad=True)
    out = F.dropout(x, 0.2)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_outside_zero_one_is_an_error(p):
    with pytest.raises(ValueError, match=f"Dropout: probability p must be between 0 and 1, got {p}"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=f"dropout: probability p must be between 0 and 1, got {p}"):
        F.dropout(ag.ones(2), p)


def test_repr():
    assert repr(nn.Dropout()) == "Dropout(p=0.5)"


def test_the_mask_is_a_named_constant_for_pictures():
    x = ag.tensor(np.ones((3, 4)), requires_grad=True)
    y = F.dropout(x, p=0.25)
    mask = y.grad_fn.parents[1]  # y = x * mask, the mask a leaf without grad
    assert mask.name == "dropout mask (p=0.25)" and not mask.requires_grad
    np.testing.assert_array_equal(y.data, mask.data)  # x is ones: y is the mask itself
