"""compare_gradients: autodiff vs numerical vs hand-derived gradients, their differences, timings and table."""
import re

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite.compare import Difference, GradientComparison, compare_gradients, difference, timed


@pytest.fixture
def problem():
    """A small tanh layer, L = Σ tanh(X W + b) · C, with its gradient derived by hand."""
    rng = np.random.default_rng(7)
    X, C = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    W = ag.tensor(rng.normal(size=(3, 2)), requires_grad=True, name="W")
    b = ag.tensor(rng.normal(size=2), requires_grad=True)

    def loss():
        return (ag.tanh(X @ W + b) * C).sum()

    def hand():
        delta = C * (1 - np.tanh(X @ W.data + b.data) ** 2)
        return {"W": X.T @ delta, "b": delta.sum(axis=0)}

    return loss, W, b, hand


def test_three_way_differences_are_those_of_the_returned_gradients(problem):
    loss, W, b, hand = problem
    result = compare_gradients(loss, {"W": W, "b": b}, hand_grads=hand)
    assert isinstance(result, GradientComparison)
    assert [(row.name, row.shape) for row in result.parameters] == [("W", (3, 2)), ("b", (2,))]
    expected_hand = hand()
    for row in result.parameters:
        np.testing.assert_allclose(row.gradients["hand"], expected_hand[row.name], rtol=0, atol=0)
        np.testing.assert_allclose(row.gradients["autodiff"], expected_hand[row.name], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(row.gradients["numerical"], expected_hand[row.name], atol=1e-8)
        for a, b_ in [("autodiff", "numerical"), ("autodiff", "hand"), ("hand", "numerical")]:
            gap = np.abs(row.gradients[a] - row.gradients[b_])
            diff = row.difference(a, b_)
            assert diff.max_abs == gap.max()
            assert diff.mean_abs == pytest.approx(gap.mean(), rel=1e-12)
            assert row.difference(b_, a) is diff
    assert result.max_abs("autodiff", "hand") < 1e-14
    assert 0 < result.max_abs("autodiff", "numerical") < 1e-8


def test_a_wrong_hand_derived_gradient_shows_up(problem):
    loss, W, b, hand = problem
    right = hand()
    wrong = {"W": right["W"], "b": 2 * right["b"]}      # a classic slip: a stray factor 2
    result = compare_gradients(loss, [("W", W), ("b", b)], hand_grads=wrong)
    assert result["W"].difference("autodiff", "hand").max_abs < 1e-14
    assert result["b"].difference("autodiff", "hand").max_abs == pytest.approx(np.abs(right["b"]).max(), rel=1e-12)
    assert result["b"].difference("autodiff", "hand").max_rel == pytest.approx(0.5, rel=1e-12)  # |g - 2g| / |2g|
    assert result["b"].difference("hand", "numerical").max_rel == pytest.approx(0.5, rel=1e-6)


def test_a_wrong_hand_derived_gradient_is_marked_in_the_table_and_the_summary(problem):
    loss, W, b, hand = problem
    right = hand()
    assert compare_gradients(loss, {"W": W, "b": b}, hand_grads=right).ok
    result = compare_gradients(loss, {"W": W, "b": b}, hand_grads={"W": right["W"], "b": 2 * right["b"]})
    assert not result.ok
    assert result.mismatches() == [("b", "autodiff", "hand"), ("b", "hand", "numerical")]
    assert [row["outside_tolerance"] for row in result.rows()] == [0, 0, 0, 0, 2, 2]
    lines = str(result).splitlines()
    marked = [line for line in lines if "<< NO" in line]
    assert len(marked) == 2
    assert "autodiff vs hand-derived" in marked[0] and marked[0].endswith("<< NO: 2 of 2 elements")
    assert "hand-derived vs numerical" in marked[1]
    assert lines[8] == ("DISAGREE: 2 of 6 comparisons break |a - b| <= 1e-05 + 0.001 * max(|a|, |b|) for every "
                        "element: b (autodiff vs hand-derived), b (hand-derived vs numerical)")


def test_one_wrong_element_is_enough_and_the_tolerance_is_adjustable(problem):
    loss, W, b, hand = problem
    wrong = hand()
    wrong["W"][1, 0] *= 1 + 1e-4                                    # one element off by 1e-4 (relative)
    result = compare_gradients(loss, {"W": W, "b": b}, hand_grads=wrong)
    assert result.ok                                                # within rtol = 1e-3
    strict = compare_gradients(loss, {"W": W, "b": b}, hand_grads=wrong, atol=0, rtol=1e-6)
    assert strict.mismatches() == [("W", "autodiff", "hand"), ("W", "hand", "numerical")]
    assert "<< NO: 1 of 6 elements" in str(strict)
    nan = hand()
    nan["b"][0] = np.nan
    assert compare_gradients(loss, {"W": W, "b": b}, hand_grads=nan).mismatches()[0] == ("b", "autodiff", "hand")


def test_progress_is_reported_after_every_loss_evaluation(problem):
    loss, W, b, _ = problem
    calls = []
    compare_gradients(loss, {"W": W, "b": b}, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 16) for k in range(1, 17)]               # 2 evaluations x (6 + 2) elements


def test_hand_grads_as_list_dict_or_callable_give_the_same_result(problem):
    loss, W, b, hand = problem
    forms = [hand, hand(), [hand()["W"], hand()["b"]], lambda: [hand()["W"], hand()["b"]]]
    for form in forms:
        result = compare_gradients(loss, {"W": W, "b": b}, hand_grads=form)
        assert result.max_abs("autodiff", "hand") < 1e-14
    assert "hand" in compare_gradients(loss, {"W": W, "b": b}, hand_grads=hand).seconds
    assert "hand" not in compare_gradients(loss, {"W": W, "b": b}, hand_grads=hand()).seconds


def test_without_hand_grads_only_autodiff_vs_numerical(problem):
    loss, W, b, _ = problem
    result = compare_gradients(loss, [W, b])
    assert [row.name for row in result.parameters] == ["W", "param1"]   # .name, else the position
    assert not result.has_hand
    assert all(list(row.differences) == [("autodiff", "numerical")] for row in result.parameters)
    with pytest.raises(KeyError, match="no 'autodiff' vs 'hand' comparison"):
        result["W"].difference("autodiff", "hand")
    with pytest.raises(KeyError, match="no parameter named 'nope'"):
        result["nope"]


def test_parameters_grads_and_values_are_left_untouched(problem):
    loss, W, b, hand = problem
    W_before, b_before = W.data.copy(), b.data.copy()
    compare_gradients(loss, {"W": W, "b": b}, hand_grads=hand)
    assert W.grad is None and b.grad is None
    np.testing.assert_array_equal(W.data, W_before)
    np.testing.assert_array_equal(b.data, b_before)


def test_timings_and_cost_ratio(problem):
    loss, W, b, hand = problem
    result = compare_gradients(loss, {"W": W, "b": b}, hand_grads=hand)
    assert set(result.seconds) == {"autodiff", "numerical", "hand"}
    assert all(seconds > 0 for seconds in result.seconds.values())
    assert result.seconds["numerical"] == pytest.approx(sum(row.numerical_seconds for row in result.parameters))
    assert result.cost_ratio == result.seconds["numerical"] / result.seconds["autodiff"]


def test_nn_module_parameters_by_name():
    ag.manual_seed(0)
    layer = nn.Linear(3, 2)
    rng = np.random.default_rng(1)
    x, target = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))

    def hand():
        residual = 2 * (x @ layer.weight.data.T + layer.bias.data - target) / target.size   # d mean((y - t)²) / dy
        return {"weight": residual.T @ x, "bias": residual.sum(axis=0)}

    result = compare_gradients(lambda: nn.functional.mse_loss(layer(ag.Tensor(x)), target), layer, hand_grads=hand)
    assert [(row.name, row.shape) for row in result.parameters] == [("weight", (2, 3)), ("bias", (2,))]
    assert result.max_abs("autodiff", "hand") < 1e-14
    assert result.max_abs("autodiff", "numerical") < 1e-9


def test_float32_parameters_are_compared_in_float64():
    """numerical_gradient evaluates in float64; autodiff in float32 is then right to ~1e-7 relative."""
    rng = np.random.default_rng(2)
    w = ag.tensor(rng.normal(size=4).astype(np.float32), requires_grad=True)
    result = compare_gradients(lambda: (w * w * w).sum(), w, hand_grads=lambda: [3 * w.data.astype(np.float64) ** 2])
    assert result.parameters[0].gradients["autodiff"].dtype == np.float64
    assert result.max_rel("autodiff", "hand") < 1e-6
    assert result.max_rel("hand", "numerical") < 1e-8


def test_difference_definitions():
    diff = difference(np.array([1.0, 2.0, 0.0]), np.array([1.1, 2.0, 0.0]))
    assert diff == Difference(max_abs=pytest.approx(0.1), mean_abs=pytest.approx(0.1 / 3), max_rel=pytest.approx(0.1 / 1.1))
    # both zero: no 0/0; tiny values are measured against the floor, not against each other
    assert difference(np.zeros(3), np.zeros(3)) == Difference(0.0, 0.0, 0.0)
    assert difference(np.array([1e-12]), np.array([-1e-12]), rel_floor=1e-8).max_rel == pytest.approx(2e-4)
    assert difference(np.zeros((0, 3)), np.zeros((0, 3))) == Difference(0.0, 0.0, 0.0)


def test_table_is_aligned_and_complete(problem):
    loss, W, b, hand = problem
    result = compare_gradients(loss, {"W": W, "b": b}, hand_grads=hand)
    lines = str(result).splitlines()
    header, rule = lines[0], lines[1]
    assert header.split()[:3] == ["parameter", "shape", "comparison"]
    # every title sits inside the dashes of its column
    spans = [match.span() for match in re.finditer(r"-+", rule)]
    titles = ["parameter", "shape", "comparison", "max |diff|", "mean |diff|", "max rel diff", "numerical time", "agree?"]
    assert len(spans) == len(titles)
    for title, (start, stop) in zip(titles, spans):
        assert start <= header.index(title) and header.index(title) + len(title) <= stop
    end = header.index("max |diff|") + len("max |diff|")
    body = lines[2:8]
    assert len(body) == 6                                             # 2 parameters x 3 pairs
    for line, record in zip(body, result.rows()):
        assert line[end - 8:end] == f"{record['max_abs']:.2e}"        # right-aligned under its header
    assert body[0].startswith("W ") and body[3].startswith("b ")
    assert "autodiff vs numerical" in body[0] and "hand-derived vs numerical" in body[2]
    assert all(line.endswith(" yes") for line in body)
    assert lines[8] == "all 6 comparisons agree: |a - b| <= 1e-05 + 0.001 * max(|a|, |b|) for every element"
    assert lines[9] == "time for one full gradient:"
    assert "(16 loss evaluations, eps=1e-06)" in str(result)           # 2 x (6 + 2) elements
    assert lines[-1].startswith("numerical / autodiff time: ")


def test_rows_are_plain_records(problem):
    loss, W, b, hand = problem
    rows = compare_gradients(loss, {"W": W, "b": b}, hand_grads=hand).rows()
    assert [(r["parameter"], r["a"], r["b"]) for r in rows] == [
        ("W", "autodiff", "numerical"), ("W", "autodiff", "hand"), ("W", "hand", "numerical"),
        ("b", "autodiff", "numerical"), ("b", "autodiff", "hand"), ("b", "hand", "numerical")]
    assert set(rows[0]) == {"parameter", "shape", "a", "b", "max_abs", "mean_abs", "max_rel", "outside_tolerance",
                            "numerical_seconds"}


def test_bad_input_is_reported_clearly(problem):
    loss, W, b, hand = problem
    with pytest.raises(ValueError, match=r"loss_fn\(\) must return a scalar Tensor, got \(4, 2\)"):
        compare_gradients(lambda: ag.tanh(ag.tensor(np.ones((4, 3))) @ W), W)
    with pytest.raises(ValueError, match=r"hand-derived gradient of 'b' has shape \(2, 1\), but the parameter has shape \(2,\)"):
        compare_gradients(loss, {"W": W, "b": b}, hand_grads={"W": hand()["W"], "b": hand()["b"].reshape(2, 1)})
    with pytest.raises(KeyError, match=r"missing \['b'\], unexpected \['bias'\]"):
        compare_gradients(loss, {"W": W, "b": b}, hand_grads={"W": hand()["W"], "bias": hand()["b"]})
    with pytest.raises(ValueError, match="1 hand-derived gradients for 2 parameters"):
        compare_gradients(loss, {"W": W, "b": b}, hand_grads=[hand()["W"]])
    with pytest.raises(TypeError, match="parameter 'c' must be a Tensor that requires grad"):
        compare_gradients(loss, {"W": W, "c": ag.tensor([1.0])})
    with pytest.raises(ValueError, match="no parameters"):
        compare_gradients(loss, [])
    with pytest.raises(ValueError, match="repeat must be at least 1"):
        compare_gradients(loss, W, repeat=0)


def test_timed_returns_the_value_and_a_median():
    calls = []
    value, seconds = timed(lambda: calls.append(1) or "done", repeat=3)
    assert value == "done" and len(calls) == 3 and seconds >= 0


def test_exported_from_the_package():
    assert ag.compare_gradients is compare_gradients
    assert ag.GradientComparison is GradientComparison
