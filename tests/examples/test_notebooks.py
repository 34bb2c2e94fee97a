"""The four notebooks of examples/notebooks run from top to bottom (nbclient, kernel python3), each in
under 60 s, and print and draw what they say they do. They are stored without outputs."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest
from _seed_runner import REPO

import nn

nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install nbclient ipykernel)")
nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = REPO / "examples" / "notebooks"
TIME_LIMIT = 60  # seconds per notebook, kernel start included


def run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path | None) -> tuple[list[str], set[str], float]:
    """Execute a notebook in `tmp_path` (its files go there) on this tree; its texts and output types."""
    if name.startswith(("03", "04")):
        pytest.importorskip("matplotlib", reason="notebooks 3 and 4 draw with matplotlib (pip install matplotlib)")
    monkeypatch.setenv("PYTHONPATH", str(REPO))                 # this tree, whatever else is installed
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("HOME", str(tmp_path))                   # no ~/.cache/autograd_lite from elsewhere
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(data if data is not None else tmp_path / "no-data"))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(notebook, timeout=TIME_LIMIT, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    seconds = time.perf_counter() - start
    texts, kinds = [], set()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                kinds.update(output.data)
                texts.append(output.data.get("text/plain", ""))
    return texts, kinds, seconds


def mnist_or_none() -> Path | None:
    """The folder nn.data.mnist reads the full MNIST from ($AUTOGRAD_LITE_DATA, then the cache), or None."""
    try:
        nn.data.mnist(split="test", download=False)
    except nn.data.DatasetError:
        return None
    return Path(os.environ.get("AUTOGRAD_LITE_DATA") or Path.home() / ".cache" / "autograd_lite" / "mnist")


def test_notebooks_are_stored_without_outputs():
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [path.name for path in paths] == ["01_autodiff_from_scratch.ipynb", "02_seeing_the_backward_pass.ipynb",
                                             "03_autodiff_vs_hand_vs_numerical.ipynb", "04_training_mnist.ipynb"]
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        assert code and all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code), path.name
        assert notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_autodiff_from_scratch(tmp_path, monkeypatch):
    texts, kinds, seconds = run("01_autodiff_from_scratch.ipynb", tmp_path, monkeypatch, None)
    printed = "".join(texts)
    assert seconds < TIME_LIMIT
    assert "dy/dx = tensor([[2., 4.]])" in printed
    chain_rule = re.findall(r"df/d(\w)  autodiff (\S+)   by hand (\S+)", printed)
    assert [name for name, _, _ in chain_rule] == ["w", "b"]
    assert all(autodiff == by_hand for _, autodiff, by_hand in chain_rule)       # to 12 decimals
    assert "gradient 3x^2: tensor([ 3.  , 12.  ,  0.75])" in printed
    assert "Cube passes gradcheck: True" in printed
    assert re.search(r"gradcheck: input 0 .* autodiff gives -1\.05684, numerical gives -1\.58526", printed)
    assert re.search(r"3  cube\s+d/dx x\^3 = 3 x\^2", printed)          # the custom op in the walk, with its rule
    assert "image/svg+xml" in kinds


def test_seeing_the_backward_pass(tmp_path, monkeypatch):
    texts, kinds, seconds = run("02_seeing_the_backward_pass.ipynb", tmp_path, monkeypatch, None)
    printed = "".join(texts)
    assert seconds < TIME_LIMIT
    assert "cost = 0.856267" in printed
    assert "backward from cost (): seed dL/dL = 1; 16 steps, newest node first" in printed
    assert re.search(r"11  sigmoid .* x -> Z2 \(1, 4\): \[0\.125, -0\.166, -0\.0447, 0\.191\]", printed)
    largest = float(re.search(r"largest difference: (\S+)", printed).group(1))
    assert largest < 1e-15                                                   # autodiff = the tutorial's backward_prop
    assert {"image/svg+xml", "text/html"} <= kinds                           # graphs, the stepping page
    assert (tmp_path / "xor_backward.html").exists()
    if importlib.util.find_spec("PIL") is not None:
        assert "image/gif" in kinds and (tmp_path / "xor_backward.gif").exists()
    else:
        assert "needs Pillow" in printed


def test_autodiff_vs_hand_vs_numerical(tmp_path, monkeypatch):
    texts, kinds, seconds = run("03_autodiff_vs_hand_vs_numerical.ipynb", tmp_path, monkeypatch, mnist_or_none())
    printed = "".join(texts)
    assert seconds < TIME_LIMIT
    assert printed.count("all 12 comparisons agree") == 2                   # XOR, then the MNIST net
    assert "all agree: True" in printed and "all agree: False" in printed
    assert "disagreeing pairs: [('W1', 'autodiff', 'hand'), ('W1', 'hand', 'numerical'), ('b1', 'autodiff', 'hand'), " \
           "('b1', 'hand', 'numerical')]" in printed
    assert "<< NO: 4 of 4 elements" in printed
    assert ("MNIST found" if mnist_or_none() else "MNIST not found, so 3 random MNIST-shaped images stand in") in printed
    full = int(re.search(r"full 784-50-10 net: about ([\d,]+)x", printed).group(1).replace(",", ""))
    assert 1e4 <= full <= 1e5
    assert "image/png" in kinds


def test_training_mnist(tmp_path, monkeypatch):
    data = mnist_or_none()
    texts, kinds, seconds = run("04_training_mnist.ipynb", tmp_path, monkeypatch, data)
    printed = "".join(texts)
    assert seconds < TIME_LIMIT
    accuracy = float(re.search(r"600 steps in \S+ s: test accuracy ([\d.]+)%", printed).group(1))
    if data is not None:
        assert "MNIST: 60,000 training and 10,000 test images" in printed and accuracy > 88
    else:
        assert "MNIST was not found, so this notebook uses a synthetic digits-like set instead." in printed
        assert accuracy > 70
    assert "image/png" in kinds


def test_training_falls_back_to_synthetic_digits_and_says_so(tmp_path, monkeypatch):
    if mnist_or_none() is None:
        pytest.skip("test_training_mnist ran on the synthetic digits already")
    texts, kinds, seconds = run("04_training_mnist.ipynb", tmp_path, monkeypatch, None)
    printed = "".join(texts)
    assert "MNIST was not found, so this notebook uses a synthetic digits-like set instead." in printed
    assert "synthetic digits: 6,000 training and 1,000 test images" in printed
    assert float(re.search(r"test accuracy ([\d.]+)%", printed).group(1)) > 70
    assert seconds < TIME_LIMIT and "image/png" in kinds
