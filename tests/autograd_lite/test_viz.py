"""Pictures of the graph: what the DOT source contains, how dot renders it, and the missing-dot error.

The DOT source is inspected line by line: `<id> [label=...]` declares a box, `<a> -> <b>` an arrow,
`subgraph cluster_N {` opens a module box. Tensor ids start with "t", op ids with "op".
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import graphviz
import numpy as np
import pytest

import autograd_lite as ag
import nn
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
    """(tail, head, attributes) of every visible arrow."""
    found = [(m.group(1), m.group(2), m.group(3) or "") for m in map(EDGE.match, dot.source.splitlines()) if m]
    return [edge for edge in found if "invis" not in edge[2]]


def ordering_edges(dot: graphviz.Digraph) -> list[tuple[str, str]]:
    """The invisible arrows that keep module boxes stacked."""
    found = [(m.group(1), m.group(2), m.group(3) or "") for m in map(EDGE.match, dot.source.splitlines()) if m]
    return [(tail, head) for tail, head, attributes in found if "invis" in attributes]


def legend(dot: graphviz.Digraph) -> str:
    """The legend: the picture's title, set on the last line of the graph."""
    return dot.source[dot.source.index("<b>legend</b>"):]


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
    for words in ["parameter", "constant", "intermediate", "output", "op (primitive)", "module"]:
        assert words in legend(dot)


def test_arrow_from_an_input_that_needs_no_gradient_is_dashed():
    w = ag.tensor([1.0, 2.0], requires_grad=True, name="w")
    data = ag.tensor([3.0, 4.0], name="data")
    dot = viz.to_dot((w * data).sum())
    ids = {name: next(k for k, (label, _) in nodes(dot).items() if f"<b>{name}</b>" in label) for name in ("w", "data")}
    styles = {tail: attributes for tail, _, attributes in edges(dot)}
    assert "dashed" in styles[ids["data"]] and "dashed" not in styles[ids["w"]]


def test_a_python_number_in_an_expression_is_drawn_as_just_its_value():
    p = ag.tensor([0.25, 0.75], requires_grad=True)
    dot = viz.to_dot((1 - p).sum() + (p * 3.72e-44).sum())
    literals = {label: attributes for label, attributes in nodes(dot).values() if "dashed" in attributes}
    assert set(literals) == {"<<b>1</b>>", "<<b>3.72e-44</b>>"}
    assert all('tooltip="literal: scalar float64"' in attributes for attributes in literals.values())


def test_a_constant_always_shows_its_value_and_a_named_one_its_name_too():
    p = ag.tensor([0.25, 0.75], requires_grad=True, name="p")
    y = ag.tensor([1.0, 0.0], name="y")
    big = ag.tensor(np.arange(20.0))
    dot = viz.to_dot((y * p).sum() + ((1 - y) * p).sum() + (big * p.sum()).sum())
    assert rows(box_of(dot, "y")[0]) == {"value": "[1, 0]"}
    constants = [label for label, attributes in nodes(dot).values()
                 if "dashed" in attributes and "<b>" not in label]
    values = sorted(rows(label)["value"] for label in constants)
    # 1 - y was computed from a tensor that needs no grad: no op recorded it, its value says what it is
    assert values == ["[0, 1]", "min 0  mean 9.5  max 19"]
    assert "value" not in box_of(dot, "p")[0]  # values of other tensors only with show_values


def test_rankdir_is_passed_to_graphviz_and_bad_arguments_are_refused():
    x = ag.tensor([1.0], requires_grad=True)
    assert 'rankdir="LR"' in viz.to_dot(x * 2.0, rankdir="LR").source
    assert 'rankdir="TB"' in viz.to_dot(x * 2.0).source  # the default: deep graphs grow down, not across
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
    assert "grad" in legend(dot)


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
    assert groups.count("node") == len(expected)
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
    # sum and its result
    assert groups.count("node") == 2 + steps * 5 - 1 + 2
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


# ---------------------------------------------------------------------------------------------- names


def parameter_labels(dot: graphviz.Digraph) -> list[str]:
    """The labels of the parameter boxes."""
    return [label for label, attributes in nodes(dot).values() if viz.STYLES["parameter"][0] in attributes]


def box_ids(dot: graphviz.Digraph, text: str) -> list[str]:
    """Ids of the boxes whose label contains `text`."""
    return [key for key, (label, _) in nodes(dot).items() if text in label]


def xor_net_loss(named_data: bool = True) -> tuple[ag.Tensor, object]:
    """The XOR network's BCE loss (what examples/draw_graph.py draws), and the model."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    X, y = nn.data.xor()
    x = ag.tensor(X, name="x" if named_data else None)
    target = ag.tensor(y, name="y" if named_data else None)
    loss = nn.BCELoss()(model(x), target)
    loss.name = "loss"
    return loss, model


def test_parameters_of_an_nn_model_are_named_by_their_path_in_the_model():
    loss, model = xor_net_loss()
    assert all(parameter.name is None for parameter in model.parameters())
    dot = viz.to_dot(loss)
    tree = {label: ids for label, _, ids in cluster_tree(dot)}
    for name, box, shape in [("0.weight", "Linear(2→4)", "(4, 2)"), ("0.bias", "Linear(2→4)", "(4,)"),
                             ("2.weight", "Linear(4→1)", "(1, 4)"), ("2.bias", "Linear(4→1)", "(1,)")]:
        label, attributes = box_of(dot, name)
        assert shape in label and viz.STYLES["parameter"][0] in attributes
        assert box_ids(dot, f"<b>{name}</b>")[0] in tree[box]


def test_a_parameter_name_set_by_hand_wins_and_a_sub_module_called_alone_names_its_own():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    model[0].weight.name = "W1"
    dot = viz.to_dot(model(ag.ones(5, 2)).sum())
    assert box_ids(dot, "<b>W1</b>") and box_ids(dot, "<b>0.bias</b>") and not box_ids(dot, "0.weight")
    dot = viz.to_dot(model[2](ag.ones(5, 3)).sum())  # only the Linear was called: its own names
    assert box_ids(dot, "<b>weight</b>") and box_ids(dot, "<b>bias</b>")


def test_a_parameter_used_outside_the_model_call_still_gets_its_path():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 1))
    loss = model(ag.ones(3, 2)).sum() + (model[0].weight ** 2).sum()  # a weight-decay term, outside
    assert len(box_ids(viz.to_dot(loss), "<b>0.weight</b>")) == 1


def test_any_scope_owner_with_named_parameters_names_the_parameters_it_lists():
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    class Model:  # duck typing: ag knows nothing of nn
        def named_parameters(self):
            yield "encoder.w", w

    with ag.name_scope("Model", owner=Model()):
        y = (w * 3.0).sum()
    assert box_ids(viz.to_dot(y), "<b>encoder.w</b>")
    with ag.name_scope("NoOwner"):
        z = (w * 3.0).sum()
    assert parameter_labels(viz.to_dot(z)) == ["<(2,) float64>"]  # no owner: no name to give


# ---------------------------------------------------------------------------------------------- constants


def test_constants_a_module_makes_are_drawn_in_its_box_and_named_data_stays_outside():
    loss, _ = xor_net_loss()
    dot = viz.to_dot(loss)
    tree = {label: ids for label, _, ids in cluster_tree(dot)}
    bce = tree["BCELoss"]
    assert [nodes(dot)[key][0] for key in bce if nodes(dot)[key][0] == "<<b>1</b>>"] == ["<<b>1</b>>"]  # 1 - p
    # the clamp keeping both logs finite says what it is, and its value
    clamps = box_ids(dot, "<b>e^-100 (log clamp)</b><br/>scalar float64")
    assert len(clamps) == 2 and set(clamps) <= bce
    assert all(rows(nodes(dot)[key][0])["value"] == "3.72e-44" for key in clamps)
    # 1 - y: computed inside the loss from y, which needs no grad; named for its origin, in the loss's box
    (one_minus_y,) = box_ids(dot, "<b>1 - y</b><br/>(4, 1) float64")
    assert one_minus_y in bce and rows(nodes(dot)[one_minus_y][0])["value"] == "[[1],\n [0],\n [0],\n [1]]"
    inside = set().union(*tree.values())
    for name in ("x", "y"):
        assert box_ids(dot, f"<b>{name}</b>")[0] not in inside


def test_a_target_given_as_an_array_is_called_target_and_its_complement_1_minus_target():
    ag.manual_seed(0)
    probs = nn.Sigmoid()(ag.randn(4, 1, requires_grad=True))
    dot = viz.to_dot(nn.BCELoss()(probs, nn.data.xor()[1]))
    (target,) = box_ids(dot, "<b>target</b><br/>(4, 1) float64")
    (complement,) = box_ids(dot, "<b>1 - target</b><br/>(4, 1) float64")
    inside = set().union(*(ids for _, _, ids in cluster_tree(dot)))
    assert target not in inside and complement in inside        # the caller's data outside, the loss's own inside
    assert rows(nodes(dot)[complement][0])["value"] == "[[1],\n [0],\n [0],\n [1]]"


def test_the_float32_log_clamp_is_named_for_the_smallest_normal_float32():
    probs = ag.tensor(np.array([[0.5], [0.25]], dtype=np.float32), requires_grad=True)
    dot = viz.to_dot(nn.functional.binary_cross_entropy(probs, np.array([[1.0], [0.0]])))
    clamps = box_ids(dot, "<b>smallest normal float32 (log clamp)</b><br/>scalar float32")
    assert len(clamps) == 2 and rows(nodes(dot)[clamps[0]][0])["value"] == "1.175e-38"


def test_an_index_op_says_what_it_picks():
    logits = ag.randn(8, 10, requires_grad=True)
    labels = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    picked = logits[np.arange(8), labels]
    masked = logits[logits.data > 0]
    assert ops(viz.to_dot(picked.sum() + masked.sum())) == [
        "add", "getitem[arange(8), (8,) int64]", "getitem[mask (8, 10)]", "sum", "sum"]


# ---------------------------------------------------------------------------------------------- collapse


def folded_boxes(dot: graphviz.Digraph) -> dict[str, str]:
    """The folded boxes' labels as plain text lines joined by " | ", keyed by id."""
    found = {}
    for key, (label, _) in nodes(dot).items():
        if key.startswith("mod"):
            text = re.sub(r"<[^>]+>", " | ", label[1:-1].replace("<br/>", " | "))
            found[key] = " | ".join(part.strip() for part in html.unescape(text).split("|") if part.strip())
    return found


def test_collapse_folds_a_loss_into_one_box_with_its_input_and_output_shapes():
    loss, _ = xor_net_loss()
    full, folded = viz.to_dot(loss), viz.to_dot(loss, collapse=["BCELoss"])
    bce_ops = ["add", "log", "log", "maximum", "maximum", "mean", "mul", "mul", "neg", "sub"]
    remaining = list(ops(full))
    for op in bce_ops:
        remaining.remove(op)
    assert ops(folded) == remaining
    assert "BCELoss" not in [label for label, _, _ in cluster_tree(folded)]
    (box_id, text), = folded_boxes(folded).items()
    assert text == "BCELoss | 10 ops, 4 constants folded | in: (4, 1) float64, (4, 1) float64 | out: scalar float64"
    arrows = edges(folded)
    (sigmoid_out,) = [key for key in {label: ids for label, _, ids in cluster_tree(folded)}["Sigmoid"]
                      if key.startswith("t")]
    into = {tail: attributes for tail, head, attributes in arrows if head == box_id}
    y_id = box_ids(folded, "<b>y</b>")[0]
    assert set(into) == {sigmoid_out, y_id} and "dashed" in into[y_id] and "dashed" not in into[sigmoid_out]
    (out_id,) = [head for tail, head, _ in arrows if tail == box_id]
    assert out_id == box_ids(folded, "<b>loss</b>")[0]
    assert "module call folded by collapse=" in legend(folded)


def test_collapse_by_class_name_folds_every_call_and_lists_the_parameters_it_hides():
    loss, _ = xor_net_loss()
    loss.backward(retain_graph=True)
    dot = viz.to_dot(loss, collapse="Linear", show_grads=True)
    texts = sorted(folded_boxes(dot).values())
    assert texts == [
        "Linear(2→4) | 3 ops folded | in: (4, 2) float64 | out: (4, 4) float64 | params: 0.weight, 0.bias",
        "Linear(4→1) | 3 ops folded | in: (4, 4) float64 | out: (4, 1) float64 | params: 2.weight, 2.bias"]
    assert not box_ids(dot, "weight</b>")
    # the tensor leaving a folded box is drawn, with its gradient
    (linear_out,) = [head for tail, head, _ in edges(dot) if tail in folded_boxes(dot) and
                     "(4, 4) float64" in nodes(dot)[head][0]]
    assert "grad" in rows(nodes(dot)[linear_out][0])
    by_label = viz.to_dot(loss, collapse=["Linear(4→1)"])
    assert [text.split(" | ")[0] for text in folded_boxes(by_label).values()] == ["Linear(4→1)"]


def test_collapse_by_depth_keeps_that_many_levels_of_boxes_open():
    loss, _ = xor_net_loss()
    outermost = folded_boxes(viz.to_dot(loss, collapse=0))
    assert sorted(text.split(" | ")[0] for text in outermost.values()) == ["BCELoss", "Sequential"]
    assert "Sequential | 8 ops folded" in " ".join(outermost.values())
    inner = viz.to_dot(loss, collapse=1)
    assert sorted(text.split(" | ")[0] for text in folded_boxes(inner).values()) == [
        "Linear(2→4)", "Linear(4→1)", "Sigmoid", "Tanh"]
    tree = {label: ids for label, _, ids in cluster_tree(inner)}
    assert set(tree) == {"Sequential", "BCELoss"} and set(folded_boxes(inner)) <= tree["Sequential"]
    assert ops(viz.to_dot(loss, collapse=5)) == ops(viz.to_dot(loss))


def test_bad_collapse_arguments_are_refused_with_the_boxes_there_are():
    loss, _ = xor_net_loss()
    with pytest.raises(ValueError, match=r"\['BCELos'\] matches no module box.*'BCELoss'.*'Tanh'"):
        viz.to_dot(loss, collapse=["BCELos"])
    with pytest.raises(ValueError, match=">= 0"):
        viz.to_dot(loss, collapse=-1)
    for bad in (True, 1.5, [1]):
        with pytest.raises(TypeError, match="collapse"):
            viz.to_dot(loss, collapse=bad)


# ---------------------------------------------------------------------------------------------- layout


def test_a_module_box_is_kept_below_the_box_feeding_it():
    """The second Linear's weight gets an invisible arrow from the Tanh's result (else dot lifts the
    weight beside the Tanh box); its bias, used further down, needs none."""
    loss, _ = xor_net_loss()
    dot = viz.to_dot(loss)
    tanh_out = next(key for key in {label: ids for label, _, ids in cluster_tree(dot)}["Tanh"] if key.startswith("t"))
    arrows = ordering_edges(dot)
    assert (tanh_out, box_ids(dot, "<b>2.weight</b>")[0]) in arrows
    assert not [tail for tail, head in arrows if head in box_ids(dot, "<b>2.bias</b>")]
    assert len(arrows) == 3  # 2.weight, and the 1 and the clamp of the loss's first ops


def svg_cluster_boxes(path) -> dict[str, tuple[float, float, float, float]]:
    """label -> (left, top, right, bottom) of each module box in a rendered SVG (first of a label)."""
    svg = "{http://www.w3.org/2000/svg}"
    found = {}
    for group in ElementTree.parse(path).getroot().iter(svg + "g"):
        if group.get("class") != "cluster":
            continue
        outline = group.find(svg + "path")  # a rounded box is a path, a square one a polygon
        coordinates = outline.get("d") if outline is not None else group.find(svg + "polygon").get("points")
        points = np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", coordinates)]).reshape(-1, 2)
        label = "".join(text.text or "" for text in group.iter(svg + "text"))
        found.setdefault(label, (points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max()))
    return found


@needs_dot
def test_rendered_module_boxes_stack_in_the_order_data_flows_through_them(tmp_path):
    loss, _ = xor_net_loss()
    boxes = svg_cluster_boxes(viz.draw_graph(loss, path=tmp_path / "xor", format="svg"))
    order = ["Linear(2→4)", "Tanh", "Linear(4→1)", "Sigmoid"]
    for upper, lower in zip(order, order[1:]):
        assert boxes[upper][3] < boxes[lower][1], f"{lower} is not below {upper}"
    assert boxes["Sequential"][3] < boxes["BCELoss"][1]


# ---------------------------------------------------------------------------------------------- without graphviz


def test_importing_autograd_lite_does_not_import_graphviz():
    code = "import sys, autograd_lite, nn; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "False"


@pytest.fixture
def without_graphviz_package(monkeypatch):
    """As if `pip install graphviz` had never run (None in sys.modules makes the import fail)."""
    monkeypatch.setitem(sys.modules, "graphviz", None)
    viz.dot._picture_class.cache_clear()
    yield
    viz.dot._picture_class.cache_clear()


@needs_dot
def test_without_the_graphviz_package_to_dot_says_pip_install_and_draw_graph_still_draws(
        tmp_path, without_graphviz_package):
    loss = xor_like_graph()
    with pytest.raises(ImportError, match="pip install graphviz"):
        viz.to_dot(loss)
    out = viz.draw_graph(loss, path=tmp_path / "graph", format="svg")
    assert ElementTree.parse(out).getroot().tag.endswith("svg")


@needs_dot
def test_in_jupyter_the_picture_displays_as_svg():
    bundle = viz.to_dot(xor_like_graph())._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_in_jupyter_without_dot_the_picture_shows_how_to_install_graphviz(tmp_path, monkeypatch):
    dot = viz.to_dot(xor_like_graph())
    assert isinstance(dot, graphviz.Digraph)
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    bundle = dot._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    for needed in ["not on PATH", "apt-get install graphviz", "brew install graphviz", "conda install graphviz"]:
        assert needed in bundle["text/plain"] and needed in bundle["text/html"]


def test_in_jupyter_a_dot_that_graphviz_cannot_run_also_shows_the_install_help(monkeypatch):
    from graphviz import jupyter_integration

    def not_found(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(jupyter_integration.JupyterIntegration, "_repr_mimebundle_", not_found)
    monkeypatch.setattr(viz.dot.shutil, "which", lambda name: "/usr/bin/dot")
    assert "apt-get install graphviz" in viz.to_dot(xor_like_graph())._repr_mimebundle_()["text/plain"]


def test_draw_graph_refuses_options_to_dot_does_not_take(tmp_path):
    with pytest.raises(TypeError, match="show_value"):
        viz.draw_graph(xor_like_graph(), path=tmp_path / "graph", show_value=True)


@needs_dot
@pytest.mark.parametrize("collapse", [None, "Cell"])
def test_an_unrolled_recurrent_net_is_drawn_as_a_narrow_column_not_a_staircase(tmp_path, collapse):
    """Each step reads the shared W through a "used again" box; unchecked, every step's box sat one
    row higher than the last and the 50 steps drifted right into a staircase 6,295 px wide."""
    w = ag.tensor(np.eye(3) * 0.5, requires_grad=True, name="W")
    h = ag.tensor(np.ones((1, 3)))
    for _ in range(50):
        with ag.name_scope("Cell"):
            h = (h @ w).tanh()
    out = viz.draw_graph(h.sum(), path=tmp_path / "rnn", format="svg", collapse=collapse)
    width_pt = float(ElementTree.parse(out).getroot().get("width").removesuffix("pt"))
    assert width_pt * 96 / 72 < 500
