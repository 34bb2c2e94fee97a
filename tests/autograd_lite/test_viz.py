"""Pictures of the graph: what the DOT source contains, how dot renders it, and the missing-dot error.

The DOT source is inspected line by line: `<id> [label=...]` declares a box, `<a> -> <b>` an arrow,
`subgraph cluster_N {` opens a module box. Tensor ids start with "t", op ids with "op".
"""
from __future__ import annotations

import html
import re
import shutil
import time
import xml.etree.ElementTree as ElementTree

import graphviz
import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import viz

NODE = re.compile(r"^\s*(\w+) \[label=(<.*>) ((?:fillcolor|shape)=.*)\]$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")
VALUE_ROW = re.compile(r'<font color="[^"]+">(value|grad)</font></td><td align="left"><font [^>]*>(.*?)</font>')

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def nodes(dot: graphviz.Digraph) -> dict[str, tuple[str, str]]:
    """id -> (label, attributes) of every box except the legend."""
    found = {}
    for line in dot.source.splitlines():
        match = NODE.match(line)
        if match and match.group(1) != "legend":
            found[match.group(1)] = (match.group(2), match.group(3))
    return found


def edges(dot: graphviz.Digraph) -> list[tuple[str, str, str]]:
    return [(m.group(1), m.group(2), m.group(3) or "") for m in map(EDGE.match, dot.source.splitlines()) if m]


def ops(dot: graphviz.Digraph) -> list[str]:
    """The op labels, e.g. ['mul', 'sum']."""
    return sorted(html.unescape(label[1:-1]) for key, (label, _) in nodes(dot).items() if key.startswith("op"))


def box_of(dot: graphviz.Digraph, name: str) -> tuple[str, str]:
    """The (label, attributes) of the tensor box headed by `name`."""
    matches = [node for node in nodes(dot).values() if f"<b>{name}</b>" in node[0]]
    assert len(matches) == 1, f"{len(matches)} boxes named {name}"
    return matches[0]


def rows(label: str) -> dict[str, str]:
    """The value / grad rows of a tensor box as plain text (lines joined by newlines)."""
    found = {}
    for key, text in VALUE_ROW.findall(label):
        text = html.unescape(text.replace('<br align="left"/>', "\n")).replace("\xa0", " ")
        found[key] = text.strip()
    return found


def numbers(text: str) -> np.ndarray:
    return np.array([float(token) for token in re.findall(r"-?\d+(?:\.\d*)?(?:e[-+]\d+)?", text)])


# ---------------------------------------------------------------------------------------------- structure


def test_small_graph_names_every_op_and_tensor_and_counts_boxes_and_arrows_exactly():
    x = ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, name="x")
    w = ag.tensor([[0.5, -1.0, 2.0]], requires_grad=True, name="w")
    loss = (x * w).sum(axis=1).mean()
    loss.name = "loss"
    dot = viz.to_dot(loss)
    assert isinstance(dot, graphviz.Digraph)
    # leaves x, w; then an ellipse and a result box for each of mul, sum(axis=1), mean
    assert len(nodes(dot)) == 2 + 3 * 2
    assert ops(dot) == ["mean", "mul", "sum(axis=1)"]
    for name, shape in [("x", "(2, 3) float64"), ("w", "(1, 3) float64"), ("loss", "scalar float64")]:
        assert shape in box_of(dot, name)[0]
    # x->mul, w->mul, mul->out, out->sum, sum->out, out->mean, mean->loss
    assert len(edges(dot)) == 7
    assert "legend" in dot.source


def test_shared_subgraph_is_drawn_once_with_one_arrow_per_use():
    x = ag.tensor([0.5, -0.5], requires_grad=True)
    h = x.tanh()
    h.name = "h"
    y = (h * h + h).sum()
    dot = viz.to_dot(y)
    assert ops(dot) == ["add", "mul", "sum", "tanh"]  # tanh once although h is used three times
    assert len(nodes(dot)) == 1 + 4 * 2
    h_id = next(key for key, (label, _) in nodes(dot).items() if "<b>h</b>" in label)
    assert sum(1 for tail, _, _ in edges(dot) if tail == h_id) == 3
    # x->tanh; h->mul twice and h->add; each of 4 ops -> its result; mul's result->add, add's->sum
    assert len(edges(dot)) == 1 + 3 + 4 + 2


def test_two_roots_share_their_common_part_and_both_look_like_outputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    h = x.exp()
    a, b = h.sum(), (h * 2.0).sum()
    a.name, b.name = "a", "b"
    dot = viz.to_dot(a, b)
    assert ops(dot) == ["exp", "mul", "sum", "sum"]
    output_fill = viz.STYLES["output"][0]
    assert output_fill in box_of(dot, "a")[1] and output_fill in box_of(dot, "b")[1]
    assert sum(1 for _, attributes in nodes(dot).values() if output_fill in attributes) == 2


def test_parameters_constants_intermediates_and_outputs_each_have_their_own_look():
    w = ag.tensor([1.0, 2.0], requires_grad=True, name="w")
    data = ag.tensor([3.0, 4.0], name="data")
    product = w * data
    product.name = "product"
    out = product.sum()
    out.name = "out"
    dot = viz.to_dot(out)
    for name, kind in [("w", "parameter"), ("data", "constant"), ("product", "intermediate"), ("out", "output")]:
        fill, border, _ = viz.STYLES[kind]
        assert f'fillcolor="{fill}" color="{border}"' in box_of(dot, name)[1]
    assert "dashed" in box_of(dot, "data")[1] and "penwidth" in box_of(dot, "out")[1]
    fills = {viz.STYLES[kind][0] for kind in ("parameter", "constant", "intermediate", "output", "op")}
    assert len(fills) == 5
    legend = dot.source[dot.source.index("\tlegend"):]
    for words in ["parameter", "constant", "intermediate", "output", "op (primitive)", "module"]:
        assert words in legend


def test_arrow_from_an_input_that_needs_no_gradient_is_dashed():
    w = ag.tensor([1.0, 2.0], requires_grad=True, name="w")
    data = ag.tensor([3.0, 4.0], name="data")
    dot = viz.to_dot((w * data).sum())
    ids = {name: next(k for k, (label, _) in nodes(dot).items() if f"<b>{name}</b>" in label) for name in ("w", "data")}
    styles = {tail: attributes for tail, _, attributes in edges(dot)}
    assert "dashed" in styles[ids["data"]] and "dashed" not in styles[ids["w"]]


def test_a_python_number_in_an_expression_shows_as_a_literal_with_its_value():
    p = ag.tensor([0.25, 0.75], requires_grad=True)
    dot = viz.to_dot((1 - p).sum())
    literal = [label for label, attributes in nodes(dot).values() if "scalar" in label and "dashed" in attributes]
    assert len(literal) == 1 and rows(literal[0]) == {"value": "1"}


def test_rankdir_is_passed_to_graphviz_and_bad_arguments_are_refused():
    x = ag.tensor([1.0], requires_grad=True)
    assert "rankdir=TB" in viz.to_dot(x * 2.0, rankdir="TB").source
    assert "rankdir=LR" in viz.to_dot(x * 2.0).source
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(x * 2.0, rankdir="diagonal")
    with pytest.raises(ValueError, match="at least one root"):
        viz.to_dot()
    with pytest.raises(TypeError, match="list"):
        viz.to_dot([x])


def test_a_leaf_root_is_drawn_as_a_single_output_box():
    x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    dot = viz.to_dot(x)
    assert list(nodes(dot)) == ["t0"] and edges(dot) == []
    assert viz.STYLES["output"][0] in box_of(dot, "x")[1]


# ---------------------------------------------------------------------------------------------- values


def test_show_values_prints_small_tensors_in_full_with_four_significant_digits():
    m = ag.tensor([[1.0, -2.5], [1 / 3, -0.0]], requires_grad=True, name="m")
    dot = viz.to_dot((m * 2.0).sum(), show_values=True)
    assert rows(box_of(dot, "m")[0])["value"] == "[[     1,   -2.5],\n [0.3333,      0]]"


def test_show_values_prints_integers_booleans_and_three_dimensional_tensors_numpy_style():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    counts = ag.tensor(np.arange(8).reshape(2, 2, 2), name="counts")
    mask = ag.tensor(np.array([True, False]), name="mask")
    dot = viz.to_dot((x * counts).sum() + (x * mask).sum(), show_values=True)
    assert rows(box_of(dot, "counts")[0])["value"] == "[[[0, 1],\n  [2, 3]],\n [[4, 5],\n  [6, 7]]]"
    assert rows(box_of(dot, "mask")[0])["value"] == "[ True, False]"


def test_show_values_summarises_large_tensors_by_min_mean_max():
    big = ag.tensor(np.arange(100.0).reshape(10, 10), requires_grad=True, name="big")
    dot = viz.to_dot(big.sum(), show_values=True)
    label = box_of(dot, "big")[0]
    assert "(10, 10) float64" in label
    assert rows(label)["value"] == "min 0  mean 49.5  max 99"


def test_values_of_intermediates_are_reported_freed_after_a_plain_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    h.name = "h"
    loss = h.sum()
    loss.backward()
    label = box_of(viz.to_dot(loss, show_values=True), "h")[0]
    assert rows(label)["value"] == "freed by backward"


# ---------------------------------------------------------------------------------------------- gradients


def test_show_grads_matches_grad_of_leaves_and_chain_rule_of_intermediates():
    x = ag.tensor([[0.3, -1.2, 0.7], [2.0, 0.1, -0.4]], requires_grad=True, name="x")
    w = ag.tensor([[0.5], [-1.5], [0.25]], requires_grad=True, name="w")
    z = x @ w
    z.name = "z"
    loss = z.tanh().sum()
    loss.name = "loss"
    loss.backward(retain_graph=True)
    dot = viz.to_dot(loss, show_grads=True)
    for leaf in (x, w):
        shown = numbers(rows(box_of(dot, leaf.name)[0])["grad"])
        np.testing.assert_allclose(shown, leaf.grad.data.ravel(), rtol=1e-3)
    # d loss / d z = 1 - tanh(z)^2, computed here by hand
    shown = numbers(rows(box_of(dot, "z")[0])["grad"])
    np.testing.assert_allclose(shown, (1 - np.tanh(x.data @ w.data) ** 2).ravel(), rtol=1e-3)
    assert rows(box_of(dot, "loss")[0])["grad"] == "1"
    assert "grad" in dot.source[dot.source.index("\tlegend"):]


def test_without_retain_graph_intermediate_gradients_are_shown_as_freed_and_the_seed_as_one():
    x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    h = x * 3.0
    h.name = "h"
    loss = h.sum()
    loss.name = "loss"
    loss.backward()
    dot = viz.to_dot(loss, show_grads=True)
    assert rows(box_of(dot, "h")[0])["grad"] == "freed (use backward(retain_graph=True))"
    assert rows(box_of(dot, "x")[0])["grad"] == "[3, 3]"
    assert rows(box_of(dot, "loss")[0])["grad"] == "1"


def test_before_backward_gradients_are_shown_as_not_computed_and_constants_have_no_grad_row():
    x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    c = ag.tensor([5.0, 6.0], name="c")
    dot = viz.to_dot((x * c).sum(), show_grads=True)
    assert rows(box_of(dot, "x")[0])["grad"] == "None (no backward yet)"
    assert "grad" not in rows(box_of(dot, "c")[0])


def test_a_non_scalar_root_shows_the_gradient_it_was_seeded_with():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    y.name = "y"
    y.backward(gradient=np.array([0.5, -4.0]), retain_graph=True)
    assert rows(box_of(viz.to_dot(y, show_grads=True), "y")[0])["grad"] == "[0.5,  -4]"


# ---------------------------------------------------------------------------------------------- module boxes


def cluster_tree(dot: graphviz.Digraph) -> list[tuple[str, str | None, set[str]]]:
    """(label, enclosing label, ids declared directly inside) of each module box."""
    boxes, open_boxes = [], []
    for line in dot.source.splitlines():
        if line.strip().startswith("subgraph cluster_"):
            open_boxes.append(len(boxes))
            boxes.append([None, boxes[open_boxes[-2]][0] if len(open_boxes) > 1 else None, set()])
        elif open_boxes and boxes[open_boxes[-1]][0] is None and "label=" in line:
            boxes[open_boxes[-1]][0] = re.search(r"label=<<b>(.*?)</b>>", line).group(1)
        elif line.strip() == "}" and open_boxes:
            open_boxes.pop()
        elif open_boxes and NODE.match(line):
            boxes[open_boxes[-1]][2].add(NODE.match(line).group(1))
    return [tuple(box) for box in boxes]


def test_name_scopes_become_nested_labelled_boxes_around_their_ops():
    x = ag.tensor([[1.0, 2.0]], name="x")
    w = ag.tensor([[0.5], [-0.5]], requires_grad=True, name="w")
    with ag.name_scope("Model"):
        with ag.name_scope("Linear(2→1)"):
            y = x @ w
        with ag.name_scope("Tanh"):
            out = y.tanh()
    dot = viz.to_dot(out.sum())
    tree = {label: (parent, ids) for label, parent, ids in cluster_tree(dot)}
    assert set(tree) == {"Model", "Linear(2→1)", "Tanh"}
    assert tree["Linear(2→1)"][0] == "Model" and tree["Tanh"][0] == "Model" and tree["Model"][0] is None
    labels = {key: label for key, (label, _) in nodes(dot).items()}
    linear_ids, tanh_ids = tree["Linear(2→1)"][1], tree["Tanh"][1]
    assert sorted(labels[k] for k in linear_ids if k.startswith("op")) == ["<matmul>"]
    assert sorted(labels[k] for k in tanh_ids if k.startswith("op")) == ["<tanh>"]
    # the parameter sits in the module that uses it; the data stays outside every box
    assert any("<b>w</b>" in labels[k] for k in linear_ids)
    assert not any("<b>x</b>" in labels[k] for _, ids in tree.values() for k in ids)
    # each op's result box is in the same box as the op
    assert len(linear_ids) == 3 and len(tanh_ids) == 2 and tree["Model"][1] == set()


def test_each_call_of_a_scope_is_its_own_box_even_with_the_same_label():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(2):
        with ag.name_scope("Block"):
            x = x.tanh()
    tree = cluster_tree(viz.to_dot(x.sum()))
    assert [label for label, _, _ in tree] == ["Block", "Block"]


def test_a_parameter_used_by_two_modules_is_drawn_in_their_common_enclosing_box():
    w = ag.tensor([1.0, 2.0], requires_grad=True, name="w")
    with ag.name_scope("Outer"):
        with ag.name_scope("A"):
            a = w * 2.0
        with ag.name_scope("B"):
            b = w * 3.0
    dot = viz.to_dot((a + b).sum())
    tree = {label: ids for label, _, ids in cluster_tree(dot)}
    w_id = next(k for k, (label, _) in nodes(dot).items() if "<b>w</b>" in label)
    assert w_id in tree["Outer"] and w_id not in tree["A"] | tree["B"]


# ---------------------------------------------------------------------------------------------- large graphs


def test_a_5000_op_graph_builds_in_a_few_seconds_without_recursion():
    x = ag.tensor([0.1, 0.2], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y.tanh()
    start = time.perf_counter()
    dot = viz.to_dot(y)
    elapsed = time.perf_counter() - start
    assert len(nodes(dot)) == 1 + 2 * 5000 and len(edges(dot)) == 2 * 5000
    assert elapsed < 5.0, f"to_dot took {elapsed:.1f} s"


def test_a_tensor_used_by_many_ops_gets_one_arrow_and_small_reference_boxes():
    w = ag.tensor([1.0, 2.0], requires_grad=True, name="w")
    y = ag.zeros(2)
    uses = viz.MAX_ARROWS_FROM_TENSOR + 4
    for _ in range(uses):
        y = (y + w).tanh()
    dot = viz.to_dot(y.sum())
    w_id = next(k for k, (label, _) in nodes(dot).items() if "<b>w</b>" in label)
    references = [k for k in nodes(dot) if k.startswith("ref")]
    assert len(references) == uses - 1
    arrows = edges(dot)
    assert sum(1 for tail, _, _ in arrows if tail == w_id) == 1
    assert all(sum(1 for tail, _, _ in arrows if tail == ref) == 1 for ref in references)
    assert "used again" in nodes(dot)[references[0]][0]


# ---------------------------------------------------------------------------------------------- rendering


def xor_like_graph() -> ag.Tensor:
    x = ag.tensor([[0.0, 1.0], [1.0, 0.0]], name="x")
    w = ag.tensor([[0.5, -0.5], [0.25, 1.0]], requires_grad=True, name="w")
    with ag.name_scope("Linear"):
        h = x @ w.T
    return h.tanh().mean()


@needs_dot
def test_draw_graph_renders_an_svg_with_one_svg_node_per_box(tmp_path):
    loss = xor_like_graph()
    loss.backward(retain_graph=True)
    out = viz.draw_graph(loss, path=tmp_path / "graph", format="svg", show_values=True, show_grads=True)
    assert out == str(tmp_path / "graph.svg")
    expected = nodes(viz.to_dot(loss, show_values=True, show_grads=True))
    assert len(expected) == 2 + 4 * 2  # x, w, and transpose, matmul, tanh, mean with their results
    root = ElementTree.parse(out).getroot()
    groups = [element.get("class") for element in root.iter() if element.tag.endswith("}g")]
    assert groups.count("node") == len(expected) + 1  # + the legend
    assert groups.count("cluster") == 1
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == viz.to_dot(
        loss, show_values=True, show_grads=True).source


@needs_dot
@pytest.mark.parametrize("format, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_draw_graph_renders_png_and_pdf(tmp_path, format, magic):
    out = viz.draw_graph(xor_like_graph(), path=str(tmp_path / "sub" / "graph"), format=format)
    with open(out, "rb") as file:
        assert file.read(4) == magic


@needs_dot
def test_a_graph_of_thousands_of_boxes_still_renders(tmp_path):
    """An unrolled recurrent net: the shared weights' many uses become reference boxes, which keeps
    dot's layout fast (hundreds of long arrows from one box would take it minutes)."""
    w = ag.tensor(np.eye(3) * 0.5, requires_grad=True, name="W")
    h = ag.tensor(np.ones((1, 3)))
    steps = 400  # 2,004 boxes
    for _ in range(steps):
        with ag.name_scope("Cell"):
            h = (h @ w).tanh()
    out = viz.draw_graph(h.sum(), path=tmp_path / "rnn", format="svg")
    groups = [element.get("class") for element in ElementTree.parse(out).getroot().iter()]
    # W, h0, per step: matmul + tanh with their results and a reference to W (but the first),
    # sum and its result, the legend
    assert groups.count("node") == 2 + steps * 5 - 1 + 2 + 1
    assert groups.count("cluster") == steps


def test_draw_graph_refuses_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="format"):
        viz.draw_graph(xor_like_graph(), path=tmp_path / "graph", format="jpeg2")


def test_without_dot_draw_graph_writes_the_dot_file_and_says_how_to_install_graphviz(tmp_path, monkeypatch):
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    loss = xor_like_graph()
    with pytest.raises(viz.GraphvizNotFoundError) as caught:
        viz.draw_graph(loss, path=tmp_path / "graph", format="png")
    assert isinstance(caught.value, RuntimeError)
    dot_file = tmp_path / "graph.dot"
    assert dot_file.read_text(encoding="utf-8") == viz.to_dot(loss).source
    message = str(caught.value)
    for needed in ["apt-get install graphviz", "brew install graphviz", "conda install graphviz",
                   "graphviz.org/download", str(dot_file)]:
        assert needed in message
