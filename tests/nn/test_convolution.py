"""Conv2d, MaxPool2d, AvgPool2d and F.pad: PyTorch's formulas computed by direct NumPy loops, gradients, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
import nn
import nn.functional as F


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def zero_padded(x: np.ndarray, padding: tuple, value: float = 0.0) -> np.ndarray:
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1  # PyTorch's formula (dilation 1, floor mode)


def conv2d_by_loops(x, weight, bias, stride, padding):
    """PyTorch's conv2d, element by element: out[n,o,i,j] = b[o] + Σ_{c,p,q} w[o,c,p,q] x_pad[n,c,i*sh+p,j*sw+q]."""
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    n, channels, height, width = x.shape
    out_channels, _, kh, kw = weight.shape
    padded = zero_padded(x, (ph, pw))
    oh, ow = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    out = np.zeros((n, out_channels, oh, ow))
    for b in range(n):
        for o in range(out_channels):
            for i in range(oh):
                for j in range(ow):
                    patch = padded[b, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    out[b, o, i, j] = np.sum(patch * weight[o]) + (0.0 if bias is None else bias[o])
    return out


def pool_by_loops(x, kernel, stride, padding, reduce, pad_value):
    (kh, kw), (sh, sw), (ph, pw) = pair(kernel), pair(stride), pair(padding)
    padded = zero_padded(x, (ph, pw), pad_value)
    oh, ow = output_size(x.shape[2], kh, sh, ph), output_size(x.shape[3], kw, sw, pw)
    out = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(padded[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw])
    return out


def weighted_sum(rng, f):
    """x -> sum(f(x) * w) with fixed random w: every output element counts, and with its own weight."""
    cache = {}

    def scalar(*inputs):
        out = f(*inputs)
        if "w" not in cache:
            cache["w"] = rng.standard_normal(out.shape)
        return (out * cache["w"]).sum()

    return scalar


@pytest.fixture
def rng():
    return np.random.default_rng(12)


# (input shape, out_channels, kernel_size, stride, padding)
CONV_CASES = [
    ((2, 3, 7, 6), 4, 3, 1, 0),
    ((1, 2, 8, 8), 3, (3, 2), (2, 1), (1, 2)),
    ((3, 1, 5, 5), 2, 5, 1, 2),
    ((2, 2, 9, 7), 1, (2, 4), 3, 1),
]


# --------------------------------------------------------------------------- conv2d


@pytest.mark.parametrize("shape, out_channels, kernel, stride, padding", CONV_CASES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_matches_pytorch_formula(rng, shape, out_channels, kernel, stride, padding, with_bias):
    x = rng.standard_normal(shape)
    weight = rng.standard_normal((out_channels, shape[1]) + pair(kernel))
    bias = rng.standard_normal(out_channels) if with_bias else None
    out = F.conv2d(ag.tensor(x), ag.tensor(weight), None if bias is None else ag.tensor(bias), stride, padding)
    np.testing.assert_allclose(out.data, conv2d_by_loops(x, weight, bias, stride, padding), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, out_channels, kernel, stride, padding", CONV_CASES)
def test_conv2d_gradcheck(rng, shape, out_channels, kernel, stride, padding):
    x = ag.tensor(rng.standard_normal(shape), requires_grad=True)
    weight = ag.tensor(rng.standard_normal((out_channels, shape[1]) + pair(kernel)), requires_grad=True)
    bias = ag.tensor(rng.standard_normal(out_channels), requires_grad=True)
    loss = weighted_sum(rng, lambda x, w, b: F.conv2d(x, w, b, stride, padding))
    assert ag.gradcheck(loss, x, weight, bias)


def test_conv2d_module_layout_and_state_dict(rng):
    conv = nn.Conv2d(3, 5, (3, 2), stride=2, padding=1)
    assert conv.weight.shape == (5, 3, 3, 2) and conv.bias.shape == (5,)
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert (conv.kernel_size, conv.stride, conv.padding) == ((3, 2), (2, 2), (1, 1))
    x = rng.standard_normal((2, 3, 6, 5))
    expected = conv2d_by_loops(x, conv.weight.data, conv.bias.data, 2, 1)
    np.testing.assert_allclose(conv(ag.tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
    assert nn.Conv2d(3, 5, 3, bias=False).bias is None
    assert list(nn.Conv2d(3, 5, 3, bias=False).state_dict()) == ["weight"]


def test_conv2d_default_init_is_pytorch_uniform_bound(rng):
    """kaiming_uniform_(a=√5) gives U(±1/√fan_in) for the weight, and the bias is U(±1/√fan_in) too."""
    ag.manual_seed(0)
    conv = nn.Conv2d(4, 64, 3)
    bound = 1 / math.sqrt(4 * 3 * 3)
    for values in (conv.weight.data, conv.bias.data):
        assert np.abs(values).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.99 * bound  # 2,304 draws fill the interval
    assert abs(conv.weight.data.std() - bound / math.sqrt(3)) < 0.05 * bound  # a uniform's standard deviation
    ag.manual_seed(0)
    np.testing.assert_array_equal(nn.Conv2d(4, 64, 3).weight.data, conv.weight.data)  # seeded: reproducible


def test_conv2d_float32_stays_float32(rng):
    conv = nn.Conv2d(2, 3, 3, padding=1, dtype=np.float32)
    x = ag.tensor(rng.standard_normal((2, 2, 5, 5)).astype(np.float32), requires_grad=True)
    out = conv(x)
    assert out.dtype == np.float32
    (out * out).sum().backward()
    assert x.grad.dtype == conv.weight.grad.dtype == conv.bias.grad.dtype == np.float32


def test_conv2d_second_derivative(rng):
    """conv2d is made of primitives that are differentiable again: gradcheck the gradient itself."""
    weight = ag.tensor(rng.standard_normal((2, 2, 2, 2)), requires_grad=True)

    def gradient_summary(x):
        with ag.enable_grad():
            (dx,) = ag.grad((F.conv2d(x, weight, padding=1) ** 2).sum(), x, create_graph=True)
        return (dx * dx * dx).sum()

    assert ag.gradcheck(gradient_summary, ag.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True))


def test_conv2d_shows_as_one_box_of_primitives_in_the_graph(rng):
    conv = nn.Conv2d(1, 2, 3)
    out = conv(ag.tensor(rng.standard_normal((1, 1, 4, 4)), requires_grad=True))  # as in a hidden layer
    nodes, todo = [], [out.grad_fn]
    while todo:  # every node of the graph (a tree here: nothing is used twice)
        node = todo.pop()
        nodes.append(node)
        todo += [parent for parent in node.parents if isinstance(parent, ag.Function)]
    assert sorted(node.op for node in nodes) == ["add", "matmul", "reshape", "reshape", "reshape", "reshape",
                                                  "sliding_windows"]  # out, weight, bias and windows reshaped
    assert {tuple(scope.label for scope in node.scope) for node in nodes} == {("Conv2d(1→2, 3x3)",)}


def test_conv2d_repr():
    assert repr(nn.Conv2d(1, 8, 5)) == "Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1))"
    assert repr(nn.Conv2d(2, 4, (3, 1), 2, 1, bias=False)) == (
        "Conv2d(2, 4, kernel_size=(3, 1), stride=(2, 2), padding=(1, 1), bias=False)")


# --------------------------------------------------------------------------- pooling

POOL_CASES = [
    ((2, 3, 6, 6), 2, None, 0),
    ((1, 2, 7, 5), 3, 2, 1),
    ((2, 1, 6, 7), (2, 3), (1, 2), (1, 1)),
    ((1, 1, 5, 5), 3, 1, 0),
]


@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_max_pool2d_matches_pytorch_formula(rng, shape, kernel, stride, padding):
    x = rng.standard_normal(shape) - 3.0  # mostly negative: padding must never win a maximum
    out = F.max_pool2d(ag.tensor(x), kernel, stride, padding)
    expected = pool_by_loops(x, kernel, kernel if stride is None else stride, padding,
                             lambda w: w.max(axis=(2, 3)), -np.inf)
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_avg_pool2d_matches_pytorch_formula(rng, shape, kernel, stride, padding):
    x = rng.standard_normal(shape)
    stride_used = kernel if stride is None else stride
    out = F.avg_pool2d(ag.tensor(x), kernel, stride, padding)
    expected = pool_by_loops(x, kernel, stride_used, padding, lambda w: w.mean(axis=(2, 3)), 0.0)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    # count_include_pad=False: divide by the number of real pixels in each window
    ones = np.ones(shape)
    counts = pool_by_loops(ones, kernel, stride_used, padding, lambda w: w.sum(axis=(2, 3)), 0.0)
    sums = pool_by_loops(x, kernel, stride_used, padding, lambda w: w.sum(axis=(2, 3)), 0.0)
    out = F.avg_pool2d(ag.tensor(x), kernel, stride, padding, count_include_pad=False)
    np.testing.assert_allclose(out.data, sums / counts, rtol=1e-13)


@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
@pytest.mark.parametrize("pool", ["max", "avg", "avg_exclude_pad"])
def test_pool_gradcheck(rng, shape, kernel, stride, padding, pool):
    x = ag.tensor(rng.standard_normal(shape), requires_grad=True)  # distinct values: no tied maxima
    functions = {
        "max": lambda x: F.max_pool2d(x, kernel, stride, padding),
        "avg": lambda x: F.avg_pool2d(x, kernel, stride, padding),
        "avg_exclude_pad": lambda x: F.avg_pool2d(x, kernel, stride, padding, count_include_pad=False),
    }
    assert ag.gradcheck(weighted_sum(rng, functions[pool]), x)


def test_max_pool_gradient_goes_to_each_windows_maximum():
    x = ag.tensor([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 1.0], [0.0, 0.0, 1.0, 2.0], [9.0, 1.0, 3.0, 0.0]]]],
                  requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0]])


def test_pool_modules(rng):
    x = ag.tensor(rng.standard_normal((2, 3, 8, 8)))
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).data, F.max_pool2d(x, 2).data)
    np.testing.assert_array_equal(nn.AvgPool2d(3, stride=2, padding=1)(x).data, F.avg_pool2d(x, 3, 2, 1).data)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AvgPool2d((2, 3), 1)) == "AvgPool2d(kernel_size=(2, 3), stride=1, padding=0)"
    assert nn.MaxPool2d(2)(x).grad_fn is None  # nothing required grad: no graph
    out = nn.MaxPool2d((2, 3))(ag.tensor(x.data, requires_grad=True))
    assert [scope.label for scope in out.grad_fn.scope] == ["MaxPool2d(2x3)"]


def test_float32_pools_stay_float32(rng):
    x = ag.tensor(rng.standard_normal((1, 2, 6, 6)).astype(np.float32), requires_grad=True)
    for out in (F.max_pool2d(x, 3, 2, 1), F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)):
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == np.float32


# --------------------------------------------------------------------------- F.pad


def test_pad_takes_pytorch_order_last_axis_first(rng):
    x = rng.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(F.pad(ag.tensor(x), (1, 2)).data, np.pad(x, ((0, 0), (0, 0), (1, 2))))
    np.testing.assert_array_equal(F.pad(ag.tensor(x), (1, 2, 3, 0), value=-1.0).data,
                                  np.pad(x, ((0, 0), (3, 0), (1, 2)), constant_values=-1.0))
    np.testing.assert_array_equal(F.pad(ag.tensor(x), (0, -1, 1, 1, 0, 2)).data,
                                  np.pad(x, ((0, 2), (1, 1), (0, 0)))[:, :, :-1])


def test_pad_gradcheck(rng):
    x = ag.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    assert ag.gradcheck(weighted_sum(rng, lambda x: F.pad(x, (1, -1, 0, 2), value=3.0)), x)


def test_pad_errors():
    x = ag.zeros(2, 3)
    with pytest.raises(NotImplementedError, match="pad: only mode='constant' is supported, got mode='reflect'"):
        F.pad(x, (1, 1), mode="reflect")
    with pytest.raises(ValueError, match=r"pad: expected an even number of amounts, at most 2 per axis of "
                                         r"shape \(2, 3\), got \(1, 1, 1\)"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match="at most 2 per axis"):
        F.pad(x, (1, 1, 1, 1, 1, 1))


# --------------------------------------------------------------------------- bad input


def test_conv2d_wrong_channel_count_names_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Conv2d\(3→8, 5x5\): expected input \(N, 3, H, W\), "
                                         r"got shape \(4, 1, 28, 28\)"):
        nn.Conv2d(3, 8, 5)(ag.zeros(4, 1, 28, 28))
    with pytest.raises(ValueError, match=r"conv2d: input \(4, 1, 28, 28\) has 1 channels but weight "
                                         r"\(8, 3, 5, 5\) expects 3"):
        F.conv2d(ag.zeros(4, 1, 28, 28), ag.zeros(8, 3, 5, 5))


def test_kernel_larger_than_padded_input_names_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Conv2d\(1→8, 5x5\): the 5x5 kernel is larger than the input, 4x4 "
                                         r"after padding \(0, 0\) \(input shape \(2, 1, 4, 4\)\)"):
        nn.Conv2d(1, 8, 5)(ag.zeros(2, 1, 4, 4))
    assert nn.Conv2d(1, 8, 5, padding=1)(ag.zeros(2, 1, 4, 4)).shape == (2, 8, 2, 2)  # fits once padded
    with pytest.raises(ValueError, match=r"conv2d: the 3x3 kernel is larger than the input, 2x5"):
        F.conv2d(ag.zeros(1, 1, 2, 5), ag.zeros(1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"MaxPool2d\(3x3\): the 3x3 kernel is larger than the input, 2x2 "
                                         r"after padding \(0, 0\) \(input shape \(1, 1, 2, 2\)\)"):
        nn.MaxPool2d(3)(ag.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"avg_pool2d: the 4x1 kernel is larger than the input, 3x3"):
        F.avg_pool2d(ag.zeros(1, 1, 3, 3), (4, 1))


@pytest.mark.parametrize("call, message", [
    (lambda: nn.Conv2d(1, 2, 3)(ag.zeros(1, 5, 5)), r"Conv2d\(1→2, 3x3\): expected input \(N, 1, H, W\), got shape"),
    (lambda: F.conv2d(ag.zeros(1, 1, 5, 5), ag.zeros(2, 1, 3)), r"conv2d: weight must be \(out_channels, "),
    (lambda: F.conv2d(ag.zeros(1, 1, 5, 5), ag.zeros(2, 1, 3, 3), ag.zeros(3)),
     r"conv2d: bias must have shape \(2,\) for weight \(2, 1, 3, 3\), got \(3,\)"),
    (lambda: F.max_pool2d(ag.zeros(1, 1, 5, 5), 2, padding=2),
     r"max_pool2d: padding \(2, 2\) must be at most half the kernel size \(2, 2\)"),
    (lambda: F.max_pool2d(ag.zeros(5, 5), 2), r"max_pool2d: expected a 4-D input \(N, C, H, W\), got shape \(5, 5\)"),
    (lambda: nn.Conv2d(1, 2, 0), "Conv2d: kernel_size must be an int or a pair of ints >= 1, got 0"),
    (lambda: nn.Conv2d(1, 2, 3, stride=(1, 0)), r"Conv2d: stride must be an int or a pair of ints >= 1, got \(1, 0\)"),
    (lambda: nn.MaxPool2d(2, padding=-1), "MaxPool2d: padding must be an int or a pair of ints >= 0, got -1"),
    (lambda: F.avg_pool2d(ag.zeros(1, 1, 4, 4), 2, stride=0), "avg_pool2d: stride must be an int or a pair"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- PyTorch itself, when installed


def test_same_values_and_gradients_as_pytorch(rng):
    torch = pytest.importorskip("torch")
    x, g_conv = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((2, 4, 4, 5))
    weight, bias = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    cases = [  # (ours, PyTorch's): each takes the input and gives an output
        (lambda t: F.conv2d(t, ag.tensor(weight), ag.tensor(bias), (2, 1), (1, 0)),
         lambda t: torch.nn.functional.conv2d(t, torch.tensor(weight), torch.tensor(bias), stride=(2, 1),
                                              padding=(1, 0))),
        (lambda t: F.max_pool2d(t, 3, 2, 1), lambda t: torch.nn.functional.max_pool2d(t, 3, 2, 1)),
        (lambda t: F.avg_pool2d(t, 3, 2, 1, count_include_pad=False),
         lambda t: torch.nn.functional.avg_pool2d(t, 3, 2, 1, count_include_pad=False)),
        (lambda t: F.pad(t, (1, -1, 2, 0), value=0.5), lambda t: torch.nn.functional.pad(t, (1, -1, 2, 0), value=0.5)),
    ]
    for ours, theirs in cases:
        mine, reference = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = ours(mine), theirs(reference)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
        g = g_conv if out.shape == g_conv.shape else rng.standard_normal(out.shape)
        out.backward(g)
        expected.backward(torch.tensor(g))
        np.testing.assert_allclose(mine.grad.data, reference.grad.numpy(), rtol=1e-12, atol=1e-12)
