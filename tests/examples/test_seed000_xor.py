"""Seed 000: XOR trained by autodiff and by the text's hand-derived backprop, from the same weights."""
from pathlib import Path

import numpy as np
import pytest
from _seed_runner import assert_plot_saved_or_skipped, load_example, run_once


xor_run = run_once("seed000_xor")


def test_trajectories_agree_at_every_step(xor_run):
    result, _, _ = xor_run
    assert result["trajectory_gap"] < 1e-12


def test_trained_net_predicts_all_four_cases(xor_run):
    result, _, _ = xor_run
    assert result["predictions"] == [0, 1, 1, 0]
    assert result["correct"] == 4
    assert result["costs"][-1] < 0.02 < 0.5 < result["costs"][0]


def test_gradients_agree_three_ways(xor_run):
    comparison = xor_run[0]["comparison"]
    assert [row.name for row in comparison.parameters] == ["W1", "b1", "W2", "b2"]
    assert [row.shape for row in comparison.parameters] == [(2, 2), (2, 1), (1, 2), (1, 1)]
    assert comparison.max_abs("autodiff", "hand") < 1e-15
    assert comparison.max_abs("autodiff", "numerical") < 1e-8
    assert comparison.max_abs("hand", "numerical") < 1e-8


def test_hand_derived_backprop_is_the_gradient_of_the_text_cost():
    """The NumPy half stands on its own: backward_prop differentiates calculate_cost."""
    xor = load_example("seed000_xor")
    params = xor.initialize_parameters(2, 2, 1, seed=2)
    grads = xor.backward_prop(xor.X, xor.Y, xor.forward_prop(xor.X, params)[1], params)
    eps = 1e-6
    for name, value in params.items():
        for index in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][index] += eps
            minus[name][index] -= eps
            numerical = (xor.calculate_cost(xor.forward_prop(xor.X, plus)[0], xor.Y)
                         - xor.calculate_cost(xor.forward_prop(xor.X, minus)[0], xor.Y)) / (2 * eps)
            assert grads[name][index] == pytest.approx(numerical, abs=1e-8)


def test_prints_what_the_seed_prints_and_saves_plots(xor_run):
    _, printed, out = xor_run
    assert "Neural Network prediction for example (1, 1) is 0" in printed
    assert "Cost after iteration# 0: 0.856267" in printed
    assert "4/4 XOR cases correct" in printed
    for name in ("seed000_xor_cost.png", "seed000_xor_boundary.png"):
        assert_plot_saved_or_skipped(out / name, printed)


README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_compiled_xor_program() -> list[str]:
    """The body of the compiled_step the README prints for seed 000 (its ag.compile section)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## ag.compile"):]
    block = section[section.index("def compiled_step("):]
    block = block[:block.index("```")]
    return [line.strip() for line in block.splitlines()[1:] if line.strip()]


def test_the_readme_xor_program_is_what_ag_compile_prints_and_it_runs_as_python():
    """The README's ag.compile example: 1,000 compiled steps equal eager; the printed program is runnable NumPy."""
    ag, nn = pytest.importorskip("autograd_lite"), pytest.importorskip("nn")
    xor = load_example("seed000_xor")

    def trainer():
        tensors = xor.as_tensors(xor.initialize_parameters(2, 2, 1, seed=2))
        optimizer = nn.optim.SGD(tensors.values(), lr=0.3)

        def train_step():
            cost = xor.cost_autodiff(tensors)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            return cost

        return tensors, train_step

    (eager_tensors, eager_step), (tensors, train_step) = trainer(), trainer()
    step = ag.compile(train_step)
    for _ in range(1000):
        cost, eager_cost = step(), eager_step()
        assert np.array_equal(cost.data, eager_cost.data)
    for name in tensors:
        assert np.array_equal(tensors[name].data, eager_tensors[name].data), name
    source = step.source
    body = [line.strip() for line in source[source.index("def compiled_step("):].splitlines()[1:]]
    assert _readme_compiled_xor_program() == [line for line in body if line]  # the README shows it as it is

    namespace = dict(step.constants)
    exec(source, namespace)  # noqa: S102  (the program ag.compile printed)
    printed_cost, grad_w1, *_ = namespace["compiled_step"](*step.program_inputs())
    eager_cost = eager_step()  # one more step of each, from the same weights
    assert np.array_equal(printed_cost, eager_cost.data)
    assert np.array_equal(tensors["W1"].data, eager_tensors["W1"].data)  # the printed program updated in place
    assert np.array_equal(grad_w1, eager_tensors["W1"].grad.data)
