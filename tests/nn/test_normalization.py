"""BatchNorm1d/2d and LayerNorm: values against PyTorch's formulas written in NumPy (biased batch
variance in the forward, unbiased running variance, the momentum update), train/eval behaviour,
buffers in state_dict, gradients against the numerical oracle, and bad input."""
import numpy as np
import pytest

import autograd_lite as ag
import nn

F = nn.functional


def random_input(shape, seed=0, requires_grad=False):
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.normal(loc=1.5, scale=2.0, size=shape), requires_grad=requires_grad)


def channel_axes(ndim):
    return (0,) + tuple(range(2, ndim))


def per_channel(values, ndim):
    return values.reshape((1, -1) + (1,) * (ndim - 2))


def batch_norm_numpy(x, weight, bias, eps=1e-5):
    """PyTorch's training forward: the batch mean and the *biased* batch variance per channel."""
    axes = channel_axes(x.ndim)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)  # np.var: ddof=0, biased
    return (x - mean) / np.sqrt(var + eps) * per_channel(weight, x.ndim) + per_channel(bias, x.ndim)


def set_affine(bn, seed=5):
    rng = np.random.default_rng(seed)
    bn.weight.data[...] = rng.uniform(0.5, 2.0, bn.num_features)
    bn.bias.data[...] = rng.normal(size=bn.num_features)


BATCH_NORMS = [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 5)), (nn.BatchNorm2d, (4, 3, 2, 5))]
IDS = ["1d-(N,C)", "1d-(N,C,L)", "2d-(N,C,H,W)"]


# ----------------------------------------------------------------------------- BatchNorm: values


@pytest.mark.parametrize("kind, shape", BATCH_NORMS, ids=IDS)
def test_training_forward_uses_the_biased_batch_variance(kind, shape):
    bn = kind(3)
    set_affine(bn)
    x = random_input(shape)
    expected = batch_norm_numpy(x.data, bn.weight.data, bn.bias.data)
    np.testing.assert_allclose(bn(x).data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind, shape", BATCH_NORMS, ids=IDS)
def test_running_statistics_follow_the_momentum_update_with_the_unbiased_variance(kind, shape):
    bn = kind(3, momentum=0.3)
    running_mean, running_var = np.zeros(3), np.ones(3)
    for step in range(4):
        x = random_input(shape, seed=step).data
        bn(ag.tensor(x))
        axes = channel_axes(x.ndim)
        running_mean = 0.7 * running_mean + 0.3 * x.mean(axis=axes)
        running_var = 0.7 * running_var + 0.3 * x.var(axis=axes, ddof=1)  # ddof=1: unbiased, n / (n - 1)
        np.testing.assert_allclose(bn.running_mean.data, running_mean, rtol=1e-13)
        np.testing.assert_allclose(bn.running_var.data, running_var, rtol=1e-13)
        assert bn.num_batches_tracked.item() == step + 1 and bn.num_batches_tracked.dtype == np.int64


def test_momentum_none_is_the_cumulative_average_of_all_batches():
    bn = nn.BatchNorm1d(3, momentum=None)
    batches = [random_input((5, 3), seed=s).data for s in range(4)]
    for x in batches:
        bn(ag.tensor(x))
    np.testing.assert_allclose(bn.running_mean.data, np.mean([x.mean(axis=0) for x in batches], axis=0), rtol=1e-13)
    # the first batch replaces the initial variance of 1 entirely (weight 1/1)
    np.testing.assert_allclose(bn.running_var.data, np.mean([x.var(axis=0, ddof=1) for x in batches], axis=0),
                               rtol=1e-13)


@pytest.mark.parametrize("kind, shape", BATCH_NORMS, ids=IDS)
def test_eval_normalizes_with_the_running_statistics_and_leaves_them_alone(kind, shape):
    bn = kind(3)
    set_affine(bn)
    for seed in range(3):
        bn(random_input(shape, seed=seed))
    bn.eval()
    state = {name: value.copy() for name, value in bn.state_dict().items()}
    x = random_input(shape, seed=9)
    ndim = x.ndim
    expected = ((x.data - per_channel(state["running_mean"], ndim)) / np.sqrt(per_channel(state["running_var"], ndim)
                + 1e-5) * per_channel(bn.weight.data, ndim) + per_channel(bn.bias.data, ndim))
    np.testing.assert_allclose(bn(x).data, expected, rtol=1e-12, atol=1e-14)
    for name, value in bn.state_dict().items():
        np.testing.assert_array_equal(value, state[name])  # eval changes nothing, the count included
    single = random_input((1,) + shape[1:])
    assert bn(single).shape == single.shape  # one sample is fine in eval (no batch statistics needed)


def test_buffers_are_updated_in_place_outside_the_graph():
    bn = nn.BatchNorm1d(3)
    running_mean, running_var, count = bn.running_mean, bn.running_var, bn.num_batches_tracked
    x = random_input((5, 3), requires_grad=True)
    out = bn(x)
    assert bn.running_mean is running_mean and bn.running_var is running_var and bn.num_batches_tracked is count
    assert not np.array_equal(running_mean.data, np.zeros(3))
    for buffer in bn.buffers():
        assert not buffer.requires_grad and buffer.grad_fn is None
    out.sum().backward()
    assert all(buffer.grad is None for buffer in bn.buffers())
    assert [p.grad is not None for p in bn.parameters()] == [True, True]


def test_without_running_statistics_batch_statistics_are_used_in_eval_too():
    bn = nn.BatchNorm1d(3, track_running_stats=False)
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == ["weight", "bias"] and list(bn.buffers()) == []
    x = random_input((6, 3))
    train_out = bn(x).data
    np.testing.assert_array_equal(bn.eval()(x).data, train_out)
    np.testing.assert_allclose(train_out, batch_norm_numpy(x.data, np.ones(3), np.zeros(3)), rtol=1e-12, atol=1e-14)


def test_without_affine_there_are_no_parameters():
    bn = nn.BatchNorm2d(2, affine=False)
    assert bn.weight is None and bn.bias is None and list(bn.parameters()) == []
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    x = random_input((3, 2, 2, 2))
    np.testing.assert_allclose(bn(x).data, batch_norm_numpy(x.data, np.ones(2), np.zeros(2)), rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------------- BatchNorm: gradients


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("kind, shape", BATCH_NORMS, ids=IDS)
def test_gradcheck_input_weight_and_bias(kind, shape, training):
    bn = kind(3)
    set_affine(bn)
    bn(random_input(shape, seed=1))  # running statistics away from their initial 0 and 1
    bn.train(training)
    x = random_input(shape, requires_grad=True)
    w = np.random.default_rng(3).normal(size=shape)
    assert ag.gradcheck(lambda x, weight, bias: (bn(x) * w).sum(), x, bn.weight, bn.bias)


def test_second_order_gradcheck_in_training(autodiff_gradient):
    bn = nn.BatchNorm1d(2)
    set_affine(bn)
    x = random_input((4, 2), requires_grad=True)
    w = np.random.default_rng(3).normal(size=(4, 2))
    assert ag.gradcheck(lambda x: (autodiff_gradient(lambda x: (bn(x) * w).sum(), x) * w).sum(), x)


def test_float32_batch_norm_stays_float32():
    bn = nn.BatchNorm1d(3, dtype=np.float32)
    x = ag.tensor(random_input((5, 3)).data.astype(np.float32), requires_grad=True)
    out = bn(x)
    assert out.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert ag.grad(out.sum(), x)[0].dtype == np.float32


# ----------------------------------------------------------------------------- BatchNorm: state_dict, repr, errors


def test_state_dict_names_are_pytorchs_and_round_trip():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3), nn.ReLU())
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                        "1.running_var", "1.num_batches_tracked"]
    for seed in range(2):
        model(random_input((4, 3), seed=seed))
    state = model.state_dict()
    assert state["1.num_batches_tracked"].dtype == np.int64 and state["1.num_batches_tracked"] == 2
    restored = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3), nn.ReLU())
    restored.load_state_dict(state)
    for name, value in restored.state_dict().items():
        np.testing.assert_array_equal(value, state[name])
        assert value.dtype == state[name].dtype
    x = random_input((4, 3), seed=7)
    np.testing.assert_array_equal(restored.eval()(x).data, model.eval()(x).data)


def test_state_dict_buffers_go_through_save_and_load(tmp_path):
    bn = nn.BatchNorm2d(2)
    bn(random_input((3, 2, 2, 2)))
    nn.save(bn, tmp_path / "bn.npz")
    restored = nn.BatchNorm2d(2)
    restored.load_state_dict(nn.load(tmp_path / "bn.npz"))
    np.testing.assert_array_equal(restored.running_var.data, bn.running_var.data)
    assert restored.num_batches_tracked.item() == 1


def test_reset_running_stats():
    bn = nn.BatchNorm1d(2)
    bn(random_input((4, 2)))
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.data, [0, 0])
    np.testing.assert_array_equal(bn.running_var.data, [1, 1])
    assert bn.num_batches_tracked.item() == 0


def test_batch_norm_repr_is_pytorchs():
    assert repr(nn.BatchNorm1d(4)) == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    assert repr(nn.BatchNorm2d(8, momentum=None, affine=False)) == (
        "BatchNorm2d(8, eps=1e-05, momentum=None, affine=False, track_running_stats=True)")
    assert nn.BatchNorm2d(8).scope_label() == "BatchNorm2d(8)"


def test_batch_norm_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4\): expected 4 channels \(features\) in axis 1, "
                                         r"got input of shape \(8, 3\)"):
        nn.BatchNorm1d(4)(ag.zeros(8, 3))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected 3 channels .* got input of shape \(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(ag.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): expected an input of shape \(N, C\) or \(N, C, L\), "
                                         r"got shape \(2, 3, 4, 4\)"):
        nn.BatchNorm1d(3)(ag.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected an input of shape \(N, C, H, W\)"):
        nn.BatchNorm2d(3)(ag.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ag.zeros(1, 3))
    with pytest.raises(TypeError, match=r"BatchNorm1d\(3\): expected a Tensor as input, got list"):
        nn.BatchNorm1d(3)([[1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match="BatchNorm1d: num_features must be an integer, got float 3.0"):
        nn.BatchNorm1d(3.0)


# ----------------------------------------------------------------------------- functional batch_norm


def test_functional_batch_norm_updates_given_statistics_and_checks_them():
    x = random_input((5, 2))
    running_mean, running_var = ag.zeros(2), ag.ones(2)
    out = F.batch_norm(x, running_mean, running_var, training=True, momentum=0.5)
    np.testing.assert_allclose(out.data, batch_norm_numpy(x.data, np.ones(2), np.zeros(2)), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(running_mean.data, 0.5 * x.data.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(running_var.data, 0.5 + 0.5 * x.data.var(axis=0, ddof=1), rtol=1e-13)
    no_stats = F.batch_norm(x, None, None, training=True)
    np.testing.assert_array_equal(no_stats.data, out.data)
    with pytest.raises(ValueError, match="batch_norm: running_mean and running_var are needed when training=False"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"batch_norm: running_mean must have shape \(2,\) for an input of shape "
                                         r"\(5, 2\) \(2 channels\), got \(3,\)"):
        F.batch_norm(x, ag.zeros(3), ag.ones(3))
    with pytest.raises(ValueError, match="give both running_mean and running_var, or neither"):
        F.batch_norm(x, ag.zeros(2), None, training=True)


# ----------------------------------------------------------------------------- LayerNorm


def layer_norm_numpy(x, axes, weight, bias, eps=1e-5):
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


@pytest.mark.parametrize("normalized_shape, shape", [(4, (4,)), (4, (3, 4)), ((3, 4), (2, 3, 4)), ([2, 3], (5, 2, 3))])
def test_layer_norm_matches_pytorchs_formula_and_gradcheck(normalized_shape, shape):
    ln = nn.LayerNorm(normalized_shape)
    rng = np.random.default_rng(4)
    ln.weight.data[...] = rng.uniform(0.5, 2.0, ln.normalized_shape)
    ln.bias.data[...] = rng.normal(size=ln.normalized_shape)
    x = random_input(shape, requires_grad=True)
    axes = tuple(range(-len(ln.normalized_shape), 0))
    expected = layer_norm_numpy(x.data, axes, ln.weight.data, ln.bias.data)
    np.testing.assert_allclose(ln(x).data, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(ln.eval()(x).data, ln(x).data)  # no running statistics: eval is the same
    w = rng.normal(size=shape)
    assert ag.gradcheck(lambda x, weight, bias: (ln(x) * w).sum(), x, ln.weight, ln.bias)


def test_layer_norm_second_order_gradcheck(autodiff_gradient):
    ln = nn.LayerNorm(3)
    x = random_input((2, 3), requires_grad=True)
    w = np.random.default_rng(3).normal(size=(2, 3))
    assert ag.gradcheck(lambda x: (autodiff_gradient(lambda x: (ln(x) * w).sum(), x) * w).sum(), x)


def test_layer_norm_parameters_state_dict_and_repr():
    ln = nn.LayerNorm(4)
    assert ln.normalized_shape == (4,) and list(ln.state_dict()) == ["weight", "bias"]
    np.testing.assert_array_equal(ln.weight.data, np.ones(4))
    np.testing.assert_array_equal(ln.bias.data, np.zeros(4))
    assert repr(ln) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"
    assert repr(nn.LayerNorm([2, 3], eps=1e-6)) == "LayerNorm((2, 3), eps=1e-06, elementwise_affine=True)"
    plain = nn.LayerNorm(4, elementwise_affine=False)
    assert list(plain.parameters()) == [] and plain.state_dict() == {}
    assert [name for name, _ in nn.LayerNorm(4, bias=False).named_parameters()] == ["weight"]
    x = random_input((3, 4))
    np.testing.assert_allclose(plain(x).data, layer_norm_numpy(x.data, (-1,), 1.0, 0.0), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(F.layer_norm(x, 4).data, plain(x).data)


def test_layer_norm_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"LayerNorm\(3, 4\): expected an input whose last axes are \(3, 4\), "
                                         r"got shape \(2, 4, 3\)"):
        nn.LayerNorm((3, 4))(ag.zeros(2, 4, 3))
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(5,\) must match the last axes of the input"):
        F.layer_norm(ag.zeros(2, 4), 5)
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape \(4,\), got \(3,\)"):
        F.layer_norm(ag.zeros(2, 4), 4, weight=ag.ones(3))
    with pytest.raises(TypeError, match="LayerNorm: normalized_shape must be an integer, got float"):
        nn.LayerNorm(4.0)
