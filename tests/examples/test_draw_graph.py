"""examples/draw_graph.py writes the XOR graphs (before/after backward, loss folded) and the MNIST net's
graph; these pictures, and the demo's, fit a screen's width and have no crossing arrows."""
import importlib.util
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as ag
import nn

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ("xor_before_backward", "xor_after_backward", "xor_loss_folded", "mnist_two_layer_net")
SVG = "{http://www.w3.org/2000/svg}"
# A picture must fit a screen: 1600 px wide at Graphviz's 96 dpi (a 1920 px screen, or a notebook
# cell, with room to spare). Before the top-to-bottom layout the MNIST net's was 5,618 px.
MAX_WIDTH_PX = 1600

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def svg_texts(path: Path) -> list[str]:
    """Every piece of text drawn in an SVG (which must parse as XML)."""
    return [element.text.strip() for element in ElementTree.parse(path).getroot().iter() if element.text]


def width_px(svg: Path) -> float:
    """The rendered width in pixels (dot writes points; its PNGs are 96 dpi: 1 pt = 4/3 px)."""
    width = ElementTree.parse(svg).getroot().get("width")
    assert width.endswith("pt"), width
    return float(width[:-2]) * 96 / 72


def arrows(svg: Path) -> list[tuple[set[str], np.ndarray]]:
    """Each drawn arrow as (the two boxes it joins, a polyline through its Bézier curve)."""
    found = []
    for group in ElementTree.parse(svg).getroot().iter(SVG + "g"):
        if group.get("class") != "edge":
            continue
        ends = set(group.find(SVG + "title").text.split("->"))
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", group.find(SVG + "path").get("d"))]
        points = np.array(numbers).reshape(-1, 2)  # M p0 C p1 p2 p3 p4 p5 p6 ...
        line = [points[0]]
        for start in range(0, len(points) - 3, 3):
            p0, p1, p2, p3 = points[start:start + 4]
            for t in np.linspace(0, 1, 12)[1:]:
                line.append((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3)
        found.append((ends, np.array(line)))
    return found


def polylines_cross(first: np.ndarray, second: np.ndarray) -> bool:
    """Does a segment of one polyline properly cross a segment of the other (all pairs at once)?"""
    a, b = first[:-1, None], first[1:, None]  # (n, 1, 2) against (1, m, 2)
    c, d = second[None, :-1], second[None, 1:]

    def side(p, q, r):  # which side of the line p -> q the point r is on: -1, 0 or 1
        (px, py), (qx, qy), (rx, ry) = np.moveaxis(p, -1, 0), np.moveaxis(q, -1, 0), np.moveaxis(r, -1, 0)
        return np.sign((qx - px) * (ry - py) - (qy - py) * (rx - px))
    return bool(np.any((side(a, b, c) * side(a, b, d) < 0) & (side(c, d, a) * side(c, d, b) < 0)))


def crossings(svg: Path) -> list[tuple[str, str]]:
    """Pairs of arrows that cross (arrows sharing a box meet there, which is no crossing)."""
    drawn, found = arrows(svg), []
    for i, (ends_i, line_i) in enumerate(drawn):
        for ends_j, line_j in drawn[i + 1:]:
            if not ends_i & ends_j and polylines_cross(line_i, line_j):
                found.append(("->".join(sorted(ends_i)), "->".join(sorted(ends_j))))
    return found


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    """The example's output folder and what it printed."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    out = tmp_path_factory.mktemp("graphs")
    written = load("draw_graph").main(["--out", str(out)])
    return out, written


def test_draw_graph_example_writes_valid_svg_png_and_dot_files(pictures, capsys):
    out, written = pictures
    assert sorted(Path(path).name for path in written) == sorted(f"{n}.{f}" for n in NAMES for f in ("svg", "png"))
    for name in NAMES:
        assert (out / f"{name}.dot").read_text(encoding="utf-8").startswith("digraph")
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    before, after = svg_texts(out / "xor_before_backward.svg"), svg_texts(out / "xor_after_backward.svg")
    for texts in (before, after):
        # the parameters are named by their place in the model although the example names none
        for expected in ["Linear(2→4)", "Tanh", "Linear(4→1)", "Sigmoid", "BCELoss", "0.weight", "2.bias",
                         "matmul", "(4, 2) float64", "1", "3.72e-44"]:
            assert expected in texts
    # Before backward every tensor box shows its value; after it, every box that has one shows its
    # gradient (retain_graph=True kept the intermediate ones: none is reported freed).
    tensors = before.count("(4, 1) float64") + before.count("(4, 4) float64")
    assert before.count("value") > tensors and "grad" not in before
    assert after.count("grad") > tensors and not any("freed" in text for text in after)
    folded = svg_texts(out / "xor_loss_folded.svg")
    assert "BCELoss" in folded and "10 ops, 4 constants folded" in folded and "log" not in folded
    mnist = " ".join(svg_texts(out / "mnist_two_layer_net.svg"))
    for expected in ["Linear(784→50)", "Linear(50→10)", "CrossEntropyLoss", "(50, 784) float64", "0.weight",
                     "getitem[arange(8), (8,) int64]", "min", "mean", "max"]:
        assert expected in mnist


@pytest.mark.parametrize("name", NAMES)
def test_each_example_picture_fits_a_screen_width_without_crossing_arrows(pictures, name):
    out, _ = pictures
    svg = out / f"{name}.svg"
    assert width_px(svg) <= MAX_WIDTH_PX
    assert crossings(svg) == []


@needs_dot
def test_the_demo_picture_fits_a_screen_width_without_crossing_arrows(tmp_path, capsys):
    demo = load("demo")
    X, y = nn.data.xor()
    picture = Path(demo.draw_picture(demo.build_model(), ag.tensor(X, name="X"), ag.tensor(y, name="y"), tmp_path))
    assert width_px(picture) <= MAX_WIDTH_PX  # it was 5,390 px wide with left-to-right layout
    assert crossings(picture) == []
    assert "0.weight" in svg_texts(picture)


@needs_dot
def test_the_crossing_detector_finds_crossings(tmp_path):
    """The check above must be able to fail. In two rows, the outermost arrows of K3,3 (three boxes
    each joined to three others) always cross: leftmost-top to rightmost-bottom and the mirror."""
    source = "digraph { " + " ".join(f"{a} -> {b};" for a in "abc" for b in "xyz") + " }"
    (tmp_path / "k33.dot").write_text(source, encoding="utf-8")
    subprocess.run(["dot", "-Tsvg", str(tmp_path / "k33.dot"), "-o", str(tmp_path / "k33.svg")], check=True)
    found = crossings(tmp_path / "k33.svg")
    assert found and all(len(set(first.split("->")) | set(second.split("->"))) == 4 for first, second in found)


def test_without_dot_the_example_writes_every_dot_file_and_says_how_to_render_them(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "graphs"
    assert load("draw_graph").main(["--out", str(out)]) == []
    for name in NAMES:
        assert (out / f"{name}.dot").read_text(encoding="utf-8").startswith("digraph")
    assert sorted(path.name for path in out.iterdir()) == sorted(f"{name}.dot" for name in NAMES)
    printed = capsys.readouterr().out
    for needed in ["not on PATH", "apt-get install graphviz", "brew install graphviz", "dot -Tpng",
                   *(f"{name}.dot" for name in NAMES)]:
        assert needed in printed
