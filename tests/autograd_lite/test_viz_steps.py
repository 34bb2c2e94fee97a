"""The backward pass step by step: the on_step hook, explain_backward's table, backward_steps' page and GIF."""
from __future__ import annotations

import json
import re
from collections import Counter
import shutil
import sys

import numpy as np
import pytest
from _browser import Chromium, find_chromium, png_pixels

import autograd_lite as ag
from autograd_lite import viz
from autograd_lite.elementwise import Add, Mul, Tanh
from autograd_lite.backward import run_backward
from autograd_lite.reductions import Sum
from autograd_lite.viz.steps import summary

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

X, W = np.array([1.0, 2.0]), np.array([0.5, -1.0])
WALK_ORDER = ["sum", "add", "tanh", "mul"]   # newest node first: loss = sum(a + tanh(a)), a = x * w


def two_uses():
    """loss = sum(a + tanh(a)) with a = x * w: `a` feeds two ops, so its two gradients add up."""
    x = ag.tensor(X, requires_grad=True, name="x")
    w = ag.tensor(W, requires_grad=True, name="w")
    a = x * w
    return (a + a.tanh()).sum(), x, w


def expected_grads():
    a = X * W
    da = 1 + (1 - np.tanh(a) ** 2)              # from add (1), then from tanh (1 - tanh²)
    return {"dtanh": np.ones(2), "da_first": np.ones(2), "da": da, "x": da * W, "w": da * X}


# ----------------------------------------------------------------------------------------------- the hook


def test_on_step_is_called_once_per_node_right_after_its_rule():
    loss, x, w = two_uses()
    calls = []
    grads = run_backward([loss], [np.ones(())], False, False,
                         on_step=lambda node, g, input_grads: calls.append((node, np.array(g), input_grads)))
    assert [type(node) for node, _, _ in calls] == [Sum, Add, Tanh, Mul]
    assert [node.label() for node, _, _ in calls] == WALK_ORDER
    expected = expected_grads()
    node, g, (gx,) = calls[0]
    assert g == 1.0
    np.testing.assert_array_equal(gx, [1.0, 1.0])
    node, g, (ga, gb) = calls[1]
    np.testing.assert_array_equal(ga, np.ones(2))
    node, g, (ga,) = calls[2]
    np.testing.assert_allclose(ga, 1 - np.tanh(X * W) ** 2)
    node, g, (gx, gw) = calls[3]
    np.testing.assert_allclose(g, expected["da"])          # the two gradients of a, added by the walk
    np.testing.assert_allclose(grads[x], expected["x"])
    np.testing.assert_allclose(grads[w], expected["w"])


# ----------------------------------------------------------------------------------------------- explain_backward


def test_explain_backward_follows_the_walk_and_shows_each_gradient():
    loss, x, w = two_uses()
    explanation = viz.explain_backward(loss)
    steps = explanation.steps
    assert [step.op for step in steps] == WALK_ORDER
    assert [step.number for step in steps] == [1, 2, 3, 4]
    assert [step.rule for step in steps] == [
        "d/dx_i sum(x) = 1", "d(a + b)/da = 1, d(a + b)/db = 1", "d/dx tanh(x) = 1 - tanh(x)^2",
        "d(a * b)/da = b, d(a * b)/db = a"]
    tensors = explanation.tensors
    assert [[tensors[key].name for key in step.inputs] for step in steps] == [
        ["add#2"], ["mul#4", "tanh#3"], ["mul#4"], ["x", "w"]]
    expected = expected_grads()
    add, tanh, mul = steps[1], steps[2], steps[3]
    assert [share.arrival for share in add.shares] == [1, 1]
    a_from_tanh, = tanh.shares
    assert a_from_tanh.arrival == 2                                       # a's second gradient ...
    np.testing.assert_allclose(a_from_tanh.gradient, 1 - np.tanh(X * W) ** 2)
    np.testing.assert_allclose(a_from_tanh.total, expected["da"])         # ... adds to the first
    np.testing.assert_allclose(mul.g, expected["da"])
    np.testing.assert_allclose(explanation.gradients["x"], expected["x"])
    np.testing.assert_allclose(explanation.gradients["w"], expected["w"])

    table = str(explanation).splitlines()
    assert table[0] == "backward from sum#1 (): seed dL/dL = 1; 4 steps, newest node first"
    assert table[1].split()[:3] == ["step", "op", "rule"]
    assert [line.split()[1] for line in table[3:] if re.match(r"\s+\d+  ", line)] == WALK_ORDER
    tanh_row = table[[i for i, line in enumerate(table) if re.match(r"\s+3  tanh", line)][0]:][:2]  # wrapped in two
    assert " ".join(" ".join(tanh_row).split()).endswith(
        f"x -> mul#4 (2,): {summary(a_from_tanh.gradient)}; its 2nd gradient: total {summary(expected['da'])}")
    assert table[-1] == f"gradients of the parameters: x {summary(expected['x'])}, w {summary(expected['w'])}"
    assert "<table>" in explanation._repr_html_() and "its 2nd gradient" in explanation._repr_html_()


def test_explain_backward_leaves_every_grad_alone_and_agrees_with_backward():
    loss, x, w = two_uses()
    explanation = viz.explain_backward(loss)
    assert x.grad is None and w.grad is None
    assert loss.grad_fn.kept_grad is None                                     # no intermediate gradient kept either
    loss.backward()                                                      # the graph is still whole
    np.testing.assert_allclose(x.grad.data, explanation.gradients["x"], rtol=0, atol=0)
    np.testing.assert_allclose(w.grad.data, explanation.gradients["w"], rtol=0, atol=0)


def test_broadcast_gradients_are_summed_back_and_constants_get_none():
    ag.manual_seed(0)
    b = ag.tensor([0.1, -0.2], requires_grad=True, name="b")
    data = ag.tensor(np.arange(6.0).reshape(3, 2), name="data")
    explanation = viz.explain_backward(((data + b) * 2.0).sum())
    add = explanation.steps[2]
    assert add.op == "add"
    to_data, to_b = add.shares
    assert to_data.gradient is None and to_data.arrival == 0
    assert to_b.rule_shape == (3, 2)
    np.testing.assert_array_equal(to_b.gradient, [6.0, 6.0])
    row = str(explanation)
    assert "a -> data (3, 2): none (a constant)" in row
    assert "b -> b (2,): [6, 6] (summed from (3, 2))" in row
    assert "b -> 2 (): none (a constant)" in row                         # a literal is called by its value


def test_named_intermediates_keep_their_names():
    x = ag.tensor([1.0, -1.0], requires_grad=True, name="x")
    hidden = ag.tanh(x)
    hidden.name = "A1"
    explanation = viz.explain_backward((hidden * hidden).sum())
    assert [explanation.tensors[key].name for key in explanation.steps[1].inputs] == ["A1", "A1"]
    assert explanation.steps[1].shares[1].arrival == 2                  # hidden * hidden: used twice by one op


def small_model_loss():
    """A 2-3-1 nn model; its first weight carries a name the user set, the other parameters none."""
    import nn
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    model[0].weight.name = "W1"
    return model(ag.tensor([[1.0, 2.0]], name="x")).sum()


def test_parameters_are_named_by_their_path_in_the_model_as_to_dot_names_them():
    explanation = viz.explain_backward(small_model_loss())
    assert list(explanation.gradients) == ["2.bias", "2.weight", "0.bias", "W1"]   # the user's name wins
    assert "x -> 2.weight (1, 3): " in str(explanation) and "b -> 0.bias (3,): " in str(explanation)
    assert str(explanation).splitlines()[-1].startswith("gradients of the parameters: 2.bias ")
    dot = viz.to_dot(small_model_loss()).source
    assert all(f"<b>{name}</b>" in dot for name in ("2.bias", "2.weight", "0.bias", "W1"))


def test_parameters_outside_any_model_are_numbered_from_the_input_side():
    w1 = ag.tensor([[0.5, -1.0]], requires_grad=True)
    w2 = ag.tensor([2.0], requires_grad=True)
    explanation = viz.explain_backward(((ag.tensor([[1.0], [2.0]]) @ w1).tanh().sum(axis=1) * w2).sum())
    names = {key: info.name for key, info in explanation.tensors.items() if info.kind in ("parameter", "constant")}
    assert sorted(names.values()) == ["constant", "parameter 1", "parameter 2"]
    assert list(explanation.gradients) == ["parameter 2", "parameter 1"]            # the walk meets w2 first


def test_several_roots_each_start_from_their_seed():
    """backward from (a, b) with b = 3a: a's seed 1 and the 3 from b add up, as in backward."""
    x = ag.tensor([1.0, 2.0], requires_grad=True, name="x")
    a = (x * x).sum()
    b = a * 3.0
    explanation = viz.explain_backward(a, b)
    assert [step.op for step in explanation.steps] == ["mul", "sum", "mul"]
    to_a = explanation.steps[0].shares[0]
    assert (to_a.arrival, float(to_a.gradient), float(to_a.total)) == (2, 3.0, 4.0)
    assert float(explanation.steps[1].g) == 4.0
    np.testing.assert_array_equal(explanation.gradients["x"], [8.0, 16.0])     # d(a + 3a)/dx = 4 * 2x


def test_bad_roots_are_refused_clearly():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"explain_backward needs at least one root Tensor"):
        viz.explain_backward()
    with pytest.raises(TypeError, match="expects Tensors as roots, got list"):
        viz.explain_backward([x])
    with pytest.raises(ValueError, match=r"the root of shape \(2,\) was not computed from tensors that require grad"):
        viz.explain_backward(ag.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"a root must have one element \(a loss\), got shape \(2,\)"):
        viz.backward_steps(x * 2.0)
    loss = (x * 2.0).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"already freed this graph's saved values.*retain_graph=True"):
        viz.explain_backward(loss)
    with pytest.raises(ValueError, match="format must be one of"):
        viz.backward_steps((x * 2.0).sum(), format="mp4")


# ----------------------------------------------------------------------------------------------- the page


def page_data(page: str) -> dict:
    return json.loads(re.search(r"const DATA = (\{.*?\});\n", page).group(1).replace("<\\/", "</"))


@needs_dot
def test_page_is_one_self_contained_file(tmp_path):
    loss, x, _ = two_uses()
    path = viz.backward_steps(loss, path=tmp_path / "walk")
    assert path == str(tmp_path / "walk.html") and isinstance(path, viz.StepsFile)
    page = (tmp_path / "walk.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)   # nothing fetched from the network
    assert "<svg" in page and "<script>" in page and "@import" not in page
    data = page_data(page)
    assert len(data["frames"]) == 5                                          # the seed and 4 steps
    assert [frame["title"] for frame in data["frames"]][1:] == [f"Step {k} of 4: {op}" for k, op in enumerate(WALK_ORDER, 1)]
    assert data["frames"][3]["accumulated"] == [data["frames"][4]["current"]]  # tanh adds into mul's output
    assert x.grad is None
    assert '<iframe srcdoc="&lt;!DOCTYPE html&gt;' in path._repr_html_()   # displays inline in Jupyter


@needs_dot
def test_page_names_parameters_by_their_path_in_the_model(tmp_path):
    page = open(viz.backward_steps(small_model_loss(), path=tmp_path / "walk"), encoding="utf-8").read()
    bold = re.findall(r'font-weight="bold"[^>]*>([^<]*)<', page)                 # the names in the picture
    assert {"2.bias", "2.weight", "0.bias", "W1"} <= set(bold) and "parameter 1" not in page


@needs_dot
def test_page_in_a_real_browser(tmp_path):
    """Chromium loads the page from file://; clicking next, the arrow keys and the slider show the
    walk in the engine's order; the screenshot is a real picture."""
    if find_chromium() is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    loss, x, w = two_uses()
    page = viz.backward_steps(loss, path=tmp_path / "walk")
    expected = expected_grads()
    current = "(() => { const n = document.querySelector('svg g.node.current'); return n && n.querySelector('text').textContent; })()"
    with Chromium(tmp_path / "profile") as browser:
        browser.open((tmp_path / "walk.html").as_uri())
        assert browser.evaluate("document.body.dataset.step") == "0"
        assert browser.evaluate("document.getElementById('title').textContent").startswith("Start: the seed")
        for k, op in enumerate(WALK_ORDER, 1):
            browser.click("#next")
            assert browser.evaluate("document.body.dataset.step") == str(k)
            assert browser.evaluate(current) == op
            assert browser.evaluate("document.getElementById('title').textContent") == f"Step {k} of 4: {op}"
            assert browser.evaluate("document.querySelector('#order li.current').textContent") == op
            if op == "tanh":   # a = x * w gets its second gradient: its box is marked and the panel says so
                assert browser.evaluate("document.querySelector('g.node.accumulated text').textContent") == "mul"
                assert "its 2nd gradient" in browser.evaluate("document.getElementById('lines').textContent")
        grad_line = "(() => { const t = document.getElementById('{key}').querySelectorAll('text'); return t[t.length - 1].textContent; })()"
        keys = {name: key for key, name in browser.evaluate(
            "Array.from(document.querySelectorAll('g.node')).map(n => [n.id, n.querySelectorAll('text')[0].textContent])")}
        assert browser.evaluate(grad_line.replace("{key}", keys["x"])) == f"grad {summary(expected['x'])}"
        assert browser.evaluate(grad_line.replace("{key}", keys["w"])) == f"grad {summary(expected['w'])}"
        browser.press("ArrowLeft", 37)
        assert browser.evaluate("document.body.dataset.step") == "3" and browser.evaluate(current) == "tanh"
        assert browser.evaluate(grad_line.replace("{key}", keys["x"])) == "grad -"   # not yet at step 3
        browser.evaluate("(() => { const s = document.getElementById('slider'); s.value = 1;"
                         " s.dispatchEvent(new Event('input')); })()")
        assert browser.evaluate(current) == "sum"
        viewport = browser.evaluate("[innerWidth, innerHeight]")
        width, height, pixels = png_pixels(browser.screenshot(scale=0.25))
        browser.open((tmp_path / "walk.html").as_uri() + "#step=2")
        assert browser.evaluate("document.body.dataset.step") == "2" and browser.evaluate(current) == "add"
    assert (width, height) == (viewport[0] // 4, viewport[1] // 4)
    colours = Counter(pixels)
    assert len(colours) > 50                                  # text, boxes, highlight colours: not a blank page
    assert colours.most_common(1)[0][0][:3] == (255, 255, 255)  # on a white background
    assert x.grad is None and page.endswith("walk.html")


# ----------------------------------------------------------------------------------------------- the GIF


@needs_dot
def test_gif_has_one_frame_per_step(tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    loss, _, _ = two_uses()
    path = viz.backward_steps(loss, path=tmp_path / "walk.gif", format="gif")
    assert path == str(tmp_path / "walk.gif")
    with image_module.open(path) as gif:
        assert gif.n_frames == 5
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB")))
    assert len({frame.shape for frame in frames}) == 1                     # one canvas size for the whole animation
    for before, after in zip(frames, frames[1:]):
        assert np.any(before != after)                                     # every step changes the picture
    red = np.all(np.abs(frames[3].astype(int) - [192, 57, 43]) < 30, axis=-1)
    assert red.sum() > 200                                                 # the highlighted op's red border
    assert path._repr_html_().startswith('<img src="data:image/gif;base64,R0lGOD')


def test_gif_without_pillow_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    loss, _, _ = two_uses()
    with pytest.raises(ImportError, match=r"needs Pillow.*pip install pillow"):
        viz.backward_steps(loss, path=tmp_path / "walk", format="gif")


def test_without_dot_the_error_says_how_to_install_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    loss, _, _ = two_uses()
    with pytest.raises(viz.GraphvizNotFoundError, match=r"(?s)apt-get install graphviz.*explain_backward"):
        viz.backward_steps(loss, path=tmp_path / "walk")
