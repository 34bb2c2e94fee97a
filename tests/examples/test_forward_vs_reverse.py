"""examples/forward_vs_reverse.py --fast: pass counts, the measured crossover's direction, the table and the plot."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from _seed_runner import run_example


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("forward_vs_reverse")
    results, printed = run_example("forward_vs_reverse", out)
    return results, printed, out


def test_jacfwd_makes_n_passes_and_jacrev_one_forward_pass(fast_run):
    results, _, _ = fast_run
    assert results["n"] == [2, 4, 8, 16, 32, 64, 128]
    assert [n * m for n, m in zip(results["n"], results["m"])] == [256] * 7
    assert results["forward_calls"] == results["n"]  # one forward pass of f per column
    assert results["reverse_calls"] == [1] * 7  # one recorded forward pass, then one backward pass per row


def test_forward_wins_for_few_inputs_and_reverse_for_few_outputs(fast_run):
    results, _, _ = fast_run
    forward, reverse = np.array(results["forward_ms"]), np.array(results["reverse_ms"])
    # 2 passes against 129 at one end, 128 against 3 at the other: a wide margin for a loaded machine.
    assert reverse[0] > 3 * forward[0]
    assert forward[-1] > 3 * reverse[-1]
    assert 2 < results["crossover_n"] < 128


def test_the_table_and_the_theory_line_are_printed(fast_run):
    results, printed, _ = fast_run
    assert "n * m = 256 entries" in printed
    assert "     2    128      2 forward  1 + 128 backward" in printed
    assert "   128      2    128 forward    1 + 2 backward" in printed
    assert f"crossover: forward mode is faster below n = {results['crossover_n']:.0f}" in printed
    assert "theory: at n = m = 16 a tangent pass took" in printed


def test_the_plot_is_a_png(fast_run):
    results, printed, out = fast_run
    pytest.importorskip("matplotlib")
    assert results["plot"] == out / "forward_vs_reverse.png"
    assert (out / "forward_vs_reverse.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_matplotlib_the_plot_is_skipped_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    results, printed = run_example("forward_vs_reverse", tmp_path, "--repeats", "1")
    assert results["plot"] is None
    assert "plot skipped (matplotlib is not installed" in printed
