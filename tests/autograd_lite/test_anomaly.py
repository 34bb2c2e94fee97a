"""Anomaly mode: the first backward rule returning NaN raises, naming op, shapes and the calling line."""
import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite import graph

THIS_FILE = __file__


def square_root_of(x):
    return x.sqrt()  # the op whose backward gives 0/0 at x = 0


def test_the_nan_producing_op_is_named_with_its_shapes_and_line():
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    with ag.detect_anomaly():
        assert ag.is_anomaly_enabled()
        y = square_root_of(x) * 0.0  # sqrt'(0) = inf, and g = 0: its rule gives 0 / 0 = nan
        with pytest.raises(RuntimeError) as error, np.errstate(divide="ignore", invalid="ignore"):
            y.sum().backward()
    message = str(error.value)
    lines = message.splitlines()
    assert lines[0] == "Function 'sqrt' returned nan values in its gradient for input 0."
    assert lines[1] == "  inputs (2,) float64 -> output (2,); the gradient it received, of shape (2,), has none."
    assert lines[2] == "Its forward was called at (innermost first):"
    assert lines[3].startswith(f'  File "{THIS_FILE}", line ') and lines[3].endswith("in square_root_of")
    assert lines[4] == "    return x.sqrt()  # the op whose backward gives 0/0 at x = 0"
    assert "in test_the_nan_producing_op_is_named_with_its_shapes_and_line" in lines[5]  # and its caller
    assert "y = square_root_of(x) * 0.0" in lines[6]
    assert not ag.is_anomaly_enabled() and graph.on_record is None
    assert x.grad is None


def test_without_anomaly_mode_nan_passes_silently_as_in_pytorch():
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (x.sqrt() * 0.0).sum().backward()
    assert np.isnan(x.grad.data[0])


def test_forward_infinities_are_legitimate():
    logits = ag.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    mask = np.array([[False, True, False]])
    with ag.detect_anomaly():
        masked = ag.where(mask, -np.inf, logits)  # masked_fill(mask, -inf)
        loss = (masked - masked.logsumexp(axis=1, keepdims=True))[0, 2]
        loss.backward()
    p = np.exp([1.0, 3.0]) / np.exp([1.0, 3.0]).sum()
    np.testing.assert_allclose(logits.grad.data, [[-p[0], 0.0, 1 - p[1]]])


def test_the_first_frame_outside_autograd_lite_may_be_a_layer():
    layer = nn.Linear(2, 1)
    x = ag.tensor([[np.nan, 1.0]])
    with ag.detect_anomaly():
        out = layer(x)
        with pytest.raises(RuntimeError) as error:
            out.sum().backward()
    message = str(error.value)
    assert message.startswith("Function 'matmul' returned nan values in its gradient for input 1.")
    assert "nn" in message.splitlines()[3] and THIS_FILE in message  # the layer's line, then this test's


def test_set_detect_anomaly_as_a_call_and_a_context_manager():
    ag.set_detect_anomaly(True)
    try:
        assert ag.is_anomaly_enabled() and graph.on_record is not None
    finally:
        ag.set_detect_anomaly(False)
    assert not ag.is_anomaly_enabled() and graph.on_record is None
    with ag.set_detect_anomaly(True):
        assert ag.is_anomaly_enabled()
        with ag.set_detect_anomaly(False):
            assert not ag.is_anomaly_enabled()
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled()

    @ag.detect_anomaly()
    def inside():
        return ag.is_anomaly_enabled()

    assert inside() is True and not ag.is_anomaly_enabled()


def test_a_graph_made_before_anomaly_mode_says_its_line_is_unknown():
    x = ag.tensor([0.0], requires_grad=True)
    y = (x.sqrt() * 0.0).sum()
    with ag.detect_anomaly(), pytest.raises(RuntimeError, match="ran before anomaly mode was on"), \
            np.errstate(divide="ignore", invalid="ignore"):
        y.backward()


def test_anomaly_mode_checks_create_graph_gradients_too():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
        (g,) = ag.grad((x ** 1.5).sum(), x, create_graph=True)
        with pytest.raises(RuntimeError, match="returned nan values"):
            (g * 0.0).sum().backward()
