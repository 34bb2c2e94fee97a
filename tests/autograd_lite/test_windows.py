"""pad and sliding_windows (im2col): values against direct NumPy loops, gradients, JVPs, errors."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.windows import FoldWindows, Pad, SlidingWindows

# (input shape, kernel_size, stride, padding)
WINDOW_CASES = [
    ((2, 3, 6, 5), 3, 1, 0),
    ((1, 2, 7, 7), (3, 2), (2, 1), (1, 0)),
    ((2, 1, 5, 6), 2, 2, 0),
    ((3, 2, 4, 4), 4, 1, 1),
    ((2, 2, 8, 7), (2, 3), 3, (1, 2)),
    ((5, 6), 3, 2, 1),  # no batch or channel axes: the last two axes are the image
]


def windows_by_loops(x: np.ndarray, kernel: tuple, stride: tuple, padding: tuple) -> np.ndarray:
    """out[..., p, q, i, j] = x_padded[..., i*sh + p, j*sw + q], one element at a time."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    padded = np.zeros(x.shape[:-2] + (x.shape[-2] + 2 * ph, x.shape[-1] + 2 * pw))
    padded[..., ph : ph + x.shape[-2], pw : pw + x.shape[-1]] = x
    oh, ow = (padded.shape[-2] - kh) // sh + 1, (padded.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (kh, kw, oh, ow))
    for p in range(kh):
        for q in range(kw):
            for i in range(oh):
                for j in range(ow):
                    out[..., p, q, i, j] = padded[..., i * sh + p, j * sw + q]
    return out


def pair(value):
    return (value, value) if isinstance(value, int) else value


@pytest.mark.parametrize("shape, kernel, stride, padding", WINDOW_CASES)
def test_sliding_windows_values_match_direct_loops(rng, shape, kernel, stride, padding):
    x = rng.standard_normal(shape)
    out = ag.sliding_windows(ag.tensor(x), kernel, stride=stride, padding=padding)
    expected = windows_by_loops(x, pair(kernel), pair(stride), pair(padding))
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)
    assert out.data.flags.c_contiguous  # a real array, not a view into x: reshapes are free and safe


def test_sliding_windows_reshaped_is_torch_unfold_layout(rng):
    """(N, C, kh, kw, OH, OW) reshaped to (N, C*kh*kw, OH*OW): column l is window l, rows in (c, p, q) order."""
    x = rng.standard_normal((2, 3, 5, 4))
    columns = ag.sliding_windows(ag.tensor(x), (2, 3)).reshape(2, 3 * 2 * 3, 4 * 2).data
    i, j = 2, 1  # window number i * OW + j = 5
    np.testing.assert_array_equal(columns[:, :, i * 2 + j], x[:, :, i : i + 2, j : j + 3].reshape(2, -1))


@pytest.mark.parametrize("shape, kernel, stride, padding", WINDOW_CASES)
def test_sliding_windows_gradcheck(check, leaf, shape, kernel, stride, padding):
    x = leaf(shape, "normal")
    assert check(lambda x: ag.sliding_windows(x, kernel, stride=stride, padding=padding), x)


def test_overlapping_windows_add_their_gradients(leaf):
    """A pixel in k windows gets the sum of k gradients: here every window's gradient is 1."""
    x = leaf((1, 1, 4, 4))
    ag.sliding_windows(x, 3).sum().backward()
    counts = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]], dtype=float)
    np.testing.assert_array_equal(x.grad.data[0, 0], counts)


def test_pixels_no_window_covers_get_zero_gradient(leaf):
    """A 2x2 kernel with stride 3 on 5x5 skips the third and last rows and columns."""
    x = leaf((1, 1, 5, 5))
    ag.sliding_windows(x, 2, stride=3).sum().backward()
    covered = np.array([1, 1, 0, 1, 1], dtype=float)
    np.testing.assert_array_equal(x.grad.data[0, 0], np.outer(covered, covered))


@pytest.mark.parametrize("shape, kernel, stride, padding", WINDOW_CASES[:3])
def test_backward_is_the_adjoint_of_forward(rng, shape, kernel, stride, padding):
    """<windows(x), g> = <x, fold(g)> for random x and g: backward is exactly the transpose of forward."""
    x = rng.standard_normal(shape)
    forward = SlidingWindows(pair(kernel), pair(stride))
    padded = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(pair(padding)[0],) * 2, (pair(padding)[1],) * 2])
    y = forward.forward(padded)
    g = rng.standard_normal(y.shape)
    (folded,) = forward.backward(g, y, padded)
    np.testing.assert_allclose(np.vdot(y, g), np.vdot(padded, folded), rtol=1e-12)


def test_second_derivatives_through_sliding_windows_and_fold(leaf, rng):
    """The gradient of sum(windows(x)^3 * w) is a Tensor built from fold_windows: differentiate it again."""
    x = leaf((1, 2, 5, 4), "normal")
    w = rng.standard_normal((1, 2, 3, 2, 3, 3))

    def gradient_summary(x):
        with ag.enable_grad():  # gradcheck's numerical side runs under no_grad
            (dx,) = ag.grad((ag.sliding_windows(x, (3, 2), stride=1, padding=(0, 0)) ** 3 * w).sum(), x,
                            create_graph=True)
        return (dx * dx).sum()

    assert ag.gradcheck(gradient_summary, x)


def test_float32_stays_float32(leaf):
    x = leaf((2, 3, 6, 6), dtype=np.float32)
    out = ag.sliding_windows(x, 3, stride=2, padding=1)
    assert out.dtype == np.float32
    (out * out).sum().backward()
    assert x.grad.dtype == np.float32
    padded = ag.pad(x, 1, value=-1.5)
    assert padded.dtype == np.float32


def test_label_in_the_graph(leaf):
    out = ag.sliding_windows(leaf((1, 1, 6, 6)), 3, stride=2, padding=1)
    assert out.grad_fn.label() == "sliding_windows(3x3, stride=2)"
    assert out.grad_fn.parents[0].label() == "pad(0:0, 0:0, 1:1, 1:1)"


# --------------------------------------------------------------------------- pad


@pytest.mark.parametrize("pad_width", [1, (1, 2), ((0, 0), (2, 1), (0, 3)), [[1, 0], [0, 0], [2, 2]]])
def test_pad_matches_numpy_pad(rng, pad_width):
    x = rng.standard_normal((2, 3, 4))
    out = ag.pad(ag.tensor(x), pad_width, value=-7.0)
    np.testing.assert_array_equal(out.data, np.pad(x, pad_width, constant_values=-7.0))


def test_negative_widths_crop(rng):
    x = rng.standard_normal((4, 5))
    out = ag.pad(ag.tensor(x), ((-1, 2), (1, -3)), value=9.0)
    expected = np.pad(x, ((0, 2), (1, 0)), constant_values=9.0)[1:, :-3]
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("pad_width", [((1, 2), (0, 3)), ((-1, 2), (2, -2)), ((0, 0), (-2, -1))])
def test_pad_gradcheck(check, leaf, pad_width):
    x = leaf((3, 4), "normal")
    assert check(lambda x: ag.pad(x, pad_width, value=0.5), x)


def test_pad_border_gets_no_gradient(leaf):
    x = leaf((2, 2))
    (ag.pad(x, 1, value=3.0) * ag.tensor(np.arange(16.0).reshape(4, 4))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[5.0, 6.0], [9.0, 10.0]])


def test_pad_second_derivative(leaf):
    x = leaf((2, 3), "normal")

    def gradient_summary(x):
        with ag.enable_grad():
            (dx,) = ag.grad((ag.pad(x, ((1, 0), (-1, 2))) ** 3).sum(), x, create_graph=True)
        return (dx * dx).sum()

    assert ag.gradcheck(gradient_summary, x)


# --------------------------------------------------------------------------- forward mode (JVP rules)

JVP_FUNCTIONS = [
    (Pad(((1, 2), (0, 0), (-1, 3)), value=2.5), (3, 4, 5)),
    (SlidingWindows((3, 2), (1, 1)), (2, 3, 5, 4)),
    (SlidingWindows((2, 2), (2, 3)), (1, 2, 7, 8)),
    (FoldWindows((3, 2), (1, 1), (5, 4)), (2, 3, 3, 2, 3, 3)),
    (FoldWindows((2, 2), (2, 3), (7, 8)), (1, 2, 2, 2, 3, 3)),
]


@pytest.mark.parametrize("fn, shape", JVP_FUNCTIONS, ids=lambda v: v.label() if hasattr(v, "label") else str(v))
def test_jvp_matches_central_differences_of_forward(rng, fn, shape):
    x, dx = rng.standard_normal(shape), rng.standard_normal(shape)
    y = fn.forward(x)
    eps = 1e-6
    numerical = (fn.forward(x + eps * dx) - fn.forward(x - eps * dx)) / (2 * eps)
    tangent = fn.jvp((dx,), y, x)
    assert tangent.shape == y.shape
    np.testing.assert_allclose(tangent, numerical, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("fn, shape", JVP_FUNCTIONS[1:2] + JVP_FUNCTIONS[3:4])
def test_jvp_of_a_tensor_tangent_is_recorded(rng, fn, shape):
    x = rng.standard_normal(shape)
    dx = ag.tensor(rng.standard_normal(shape), requires_grad=True)
    tangent = fn.jvp((dx,), fn.forward(x), x)
    assert isinstance(tangent, ag.Tensor) and tangent.requires_grad
    np.testing.assert_array_equal(tangent.data, fn.forward(dx.data))


# --------------------------------------------------------------------------- errors


def test_kernel_larger_than_padded_input_is_an_error():
    x = ag.zeros(2, 1, 4, 4)
    with pytest.raises(ValueError, match=r"sliding_windows: the 5x5 kernel is larger than the input, 4x4 after "
                                         r"padding \(0, 0\) \(input shape \(2, 1, 4, 4\)\)"):
        ag.sliding_windows(x, 5)
    assert ag.sliding_windows(x, 5, padding=1).shape == (2, 1, 5, 5, 2, 2)  # 6x6 once padded: it fits


@pytest.mark.parametrize("arguments, message", [
    ({"kernel_size": 0}, "kernel_size must be an int or a pair of ints >= 1, got 0"),
    ({"kernel_size": (2, 2, 2)}, r"kernel_size must be an int or a pair of ints >= 1, got \(2, 2, 2\)"),
    ({"kernel_size": 2.0}, "kernel_size must be an int or a pair of ints >= 1, got 2.0"),
    ({"kernel_size": 2, "stride": 0}, "stride must be an int or a pair of ints >= 1, got 0"),
    ({"kernel_size": 2, "padding": -1}, "padding must be an int or a pair of ints >= 0, got -1"),
])
def test_bad_window_arguments(arguments, message):
    with pytest.raises(ValueError, match="sliding_windows: " + message):
        ag.sliding_windows(ag.zeros(1, 1, 4, 4), **arguments)


def test_sliding_windows_needs_two_axes():
    with pytest.raises(ValueError, match=r"expected at least 2 axes \(\.\.\., H, W\), got shape \(4,\)"):
        ag.sliding_windows(ag.zeros(4), 2)


@pytest.mark.parametrize("pad_width, message", [
    (((1, 1), (1, 1), (1, 1)), r"pad_width \(\(1, 1\), \(1, 1\), \(1, 1\)\) is not an int, "
                               r"a \(before, after\) pair or one pair for each of the 2 axes"),
    (1.5, "pad_width must hold integers, got 1.5"),
    (((0, 0), (-3, -3)), r"widths \(-3, -3\) crop more than the 4 entries of axis 1 of shape \(3, 4\)"),
])
def test_bad_pad_widths(pad_width, message):
    with pytest.raises(ValueError, match="pad: " + message):
        ag.pad(ag.zeros(3, 4), pad_width)
