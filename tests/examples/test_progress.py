"""The examples' progress reports: a tqdm bar when tqdm is installed, plain lines without it."""
import sys

import pytest
from _seed_runner import load_example


def test_without_tqdm_about_ten_plain_lines(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)           # makes `from tqdm import tqdm` raise ImportError
    progress = load_example("_progress").Progress(600, "epoch 1")
    for step in range(600):
        progress.update(loss=1.0 / (step + 1))
    progress.close()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "epoch 1: 60/600 (loss 0.01667)"
    assert lines[-1] == "epoch 1: 600/600 (loss 0.001667)"
    assert len(lines) == 10


def test_with_tqdm_a_bar_on_stderr(capsys):
    pytest.importorskip("tqdm")
    progress = load_example("_progress").Progress(30, "training")
    for _ in range(30):
        progress.update()
    progress.write("epoch done")
    progress.close()
    captured = capsys.readouterr()
    assert captured.out == "epoch done\n"
    assert "training" in captured.err and "30/30" in captured.err


def test_compare_gradients_progress_counts_every_loss_evaluation(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    import autograd_lite as ag

    w = ag.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
    ag.compare_gradients(lambda: (w * w).sum(), w, progress=load_example("_progress").EvaluationProgress("check"))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "check: 1/10" and lines[-1] == "check: 10/10" and len(lines) == 10
