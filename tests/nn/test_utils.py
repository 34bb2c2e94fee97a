"""nn.utils: gradient clipping and parameter vectors, against direct NumPy computations."""
import math

import numpy as np
import pytest

import autograd_lite as ag
import nn

GRADS = [np.array([[3.0, -4.0, 1.0], [0.5, 2.0, -2.5]]), np.array([-6.0, 1.5]), np.array(2.0)]


def params_with_grads(dtype=np.float64):
    params = []
    for grad in GRADS:
        param = nn.Parameter(np.zeros(grad.shape, dtype=dtype))
        param.grad = ag.Tensor(np.array(grad, dtype=dtype))
        params.append(param)
    return params


def flat_grads():
    return np.concatenate([g.ravel() for g in GRADS])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3, math.inf, "inf"])
def test_clip_grad_norm_scales_every_gradient_by_one_factor(norm_type):
    params = params_with_grads()
    order = float(norm_type)
    expected_norm = np.max(np.abs(flat_grads())) if order == math.inf else np.sum(np.abs(flat_grads()) ** order) ** (1 / order)
    total = nn.utils.clip_grad_norm_(params, max_norm=1.5, norm_type=norm_type)
    assert isinstance(total, ag.Tensor) and total.shape == ()
    assert total.item() == pytest.approx(expected_norm, rel=1e-12)
    scale = 1.5 / (expected_norm + 1e-6)
    for param, grad in zip(params, GRADS):
        np.testing.assert_allclose(param.grad.data, grad * scale, rtol=1e-12)
    clipped = np.concatenate([p.grad.data.ravel() for p in params])
    assert np.linalg.norm(clipped, ord=order) == pytest.approx(1.5, rel=1e-6)


def test_clip_grad_norm_leaves_small_gradients_alone_and_works_in_place():
    params = params_with_grads()
    arrays = [p.grad.data for p in params[:2]]
    total = nn.utils.clip_grad_norm_(iter(params), max_norm=100.0)  # any iterable, e.g. model.parameters()
    assert total.item() == pytest.approx(np.linalg.norm(flat_grads()), rel=1e-12)
    for param, grad in zip(params, GRADS):
        np.testing.assert_array_equal(param.grad.data, grad)
    assert all(p.grad.data is a for p, a in zip(params, arrays))


def test_clip_grad_norm_skips_parameters_without_gradients_and_takes_a_single_tensor():
    params = params_with_grads()
    params[1].grad = None
    expected = np.linalg.norm(np.concatenate([GRADS[0].ravel(), GRADS[2].ravel()]))
    assert nn.utils.clip_grad_norm_(params, 1.0).item() == pytest.approx(expected, rel=1e-12)
    assert params[1].grad is None
    single = params_with_grads()[1]
    assert nn.utils.clip_grad_norm_(single, 1.0).item() == pytest.approx(np.linalg.norm(GRADS[1]), rel=1e-12)
    empty = nn.utils.clip_grad_norm_([nn.Parameter(np.zeros(2))], 1.0)
    assert isinstance(empty, ag.Tensor) and empty.item() == 0.0


def test_clip_grad_norm_keeps_float32():
    params = params_with_grads(np.float32)
    total = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert total.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in params)
    np.testing.assert_allclose(params[0].grad.data, GRADS[0] / np.linalg.norm(flat_grads()), rtol=1e-5)


def test_clip_grad_norm_non_finite():
    params = params_with_grads()
    params[1].grad.data[0] = np.inf
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of order 2.0 of the gradients is inf"):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(params[0].grad.data, GRADS[0])  # nothing was scaled
    with pytest.warns(RuntimeWarning, match="invalid value"):  # inf * 0: NumPy says so
        total = nn.utils.clip_grad_norm_(params, 1.0)  # PyTorch's default: scale anyway
    assert total.item() == math.inf
    np.testing.assert_array_equal(params[0].grad.data, np.zeros_like(GRADS[0]))  # scaled by 1 / inf


def test_clip_grad_value_clamps_each_entry():
    params = params_with_grads()
    nn.utils.clip_grad_value_(params, clip_value=2.0)
    for param, grad in zip(params[:2], GRADS):
        np.testing.assert_array_equal(param.grad.data, np.clip(grad, -2.0, 2.0))
    with pytest.raises(ValueError, match="clip_grad_value_: clip_value must be >= 0, got -1.0"):
        nn.utils.clip_grad_value_(params, -1)


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    vector = nn.utils.parameters_to_vector(model.parameters())
    expected = np.concatenate([p.data.ravel() for p in model.parameters()])
    assert vector.shape == (11,)
    np.testing.assert_array_equal(vector.data, expected)

    arrays = [p.data for p in model.parameters()]
    new = ag.arange(11.0)
    nn.utils.vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(model[0].weight.data, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(model[2].bias.data, [10.0])
    assert all(p.data is a for p, a in zip(model.parameters(), arrays))  # written in place


def test_parameters_to_vector_is_differentiable():
    params = [nn.Parameter(np.ones((2, 2))), nn.Parameter(np.ones(3))]
    weights = ag.tensor(np.arange(7.0))
    (nn.utils.parameters_to_vector(params) * weights).sum().backward()
    np.testing.assert_array_equal(params[0].grad.data, [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(params[1].grad.data, [4.0, 5.0, 6.0])


def test_vector_to_parameters_keeps_each_parameters_dtype():
    param = nn.Parameter(np.zeros(3, dtype=np.float32))
    nn.utils.vector_to_parameters(ag.tensor([1.0, 2.0, 3.0]), [param])
    assert param.dtype == np.float32
    np.testing.assert_array_equal(param.data, [1.0, 2.0, 3.0])


def test_vector_helpers_reject_bad_input():
    params = [nn.Parameter(np.zeros((2, 2))), nn.Parameter(np.zeros(3))]
    with pytest.raises(ValueError, match=r"vec of shape \(6,\) does not hold the parameters' 7 values"):
        nn.utils.vector_to_parameters(ag.zeros(6), params)
    with pytest.raises(ValueError, match=r"vec of shape \(7, 1\)"):
        nn.utils.vector_to_parameters(ag.zeros((7, 1)), params)
    with pytest.raises(TypeError, match="vector_to_parameters: expected a Tensor, got ndarray"):
        nn.utils.vector_to_parameters(np.zeros(7), params)
    with pytest.raises(ValueError, match="parameters_to_vector: got no parameters"):
        nn.utils.parameters_to_vector([])
    np.testing.assert_array_equal(params[0].data, np.zeros((2, 2)))
