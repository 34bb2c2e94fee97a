"""examples/draw_graph.py writes the XOR graphs (before/after backward) and the MNIST net's graph."""
import importlib.util
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "draw_graph.py"
NAMES = ("xor_before_backward", "xor_after_backward", "mnist_two_layer_net")


def load_example():
    spec = importlib.util.spec_from_file_location("draw_graph", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def svg_texts(path: Path) -> list[str]:
    """Every piece of text drawn in an SVG (which must parse as XML)."""
    return [element.text.strip() for element in ElementTree.parse(path).getroot().iter() if element.text]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_draw_graph_example_writes_valid_svg_png_and_dot_files(tmp_path, capsys):
    written = load_example().main(["--out", str(tmp_path)])
    assert sorted(Path(path).name for path in written) == sorted(f"{n}.{f}" for n in NAMES for f in ("svg", "png"))
    assert str(tmp_path.resolve()) in capsys.readouterr().out
    for name in NAMES:
        assert (tmp_path / f"{name}.dot").read_text(encoding="utf-8").startswith("digraph")
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    before, after = svg_texts(tmp_path / "xor_before_backward.svg"), svg_texts(tmp_path / "xor_after_backward.svg")
    for texts in (before, after):
        for expected in ["Linear(2→4)", "Tanh", "Linear(4→1)", "Sigmoid", "BCELoss", "0.weight", "matmul", "(4, 2) float64"]:
            assert expected in texts
    # Before backward every tensor box shows its value; after it, every box that has one shows its
    # gradient (retain_graph=True kept the intermediate ones: none is reported freed).
    tensors = before.count("(4, 1) float64") + before.count("(4, 4) float64")
    assert before.count("value") > tensors and "grad" not in before
    assert after.count("grad") > tensors and not any("freed" in text for text in after)
    mnist = " ".join(svg_texts(tmp_path / "mnist_two_layer_net.svg"))
    for expected in ["Linear(784→50)", "Linear(50→10)", "CrossEntropyLoss", "(50, 784) float64", "min", "mean", "max"]:
        assert expected in mnist
