"""`backward_steps`: the backward walk (recorded by steps.py) as frames, in one HTML page or a GIF.

The picture is the graph drawn bottom-up, the loss on top, so the walk moves
down the page as the steps go on. Each op is one box together with the tensor
it produced (orange; the root is green); parameters are blue, constants grey
and dashed, arrows point forward. Every box that will receive a gradient has a
red "grad" line, "-" until the gradient arrives.

At frame k the op of step k is red, the inputs receiving a gradient are yellow
(purple when it is one more gradient, added to what was there), and the arrows
along which gradients flow back are red; ops already done are grey. A panel
beside the graph gives the step's rule, g = dL/d(output) and each gradient sent.

The page is laid out once by Graphviz (`dot -Tsvg`) and restyled by a few
lines of script per frame, so it stays small and works offline from a
file:// URL. The GIF renders every frame with `dot` in one run (the same
labels, padded to the same widths, give the same layout in every frame) and
puts the frames together with Pillow.
"""
from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import shutil
import subprocess
import textwrap

from ..tensor import Tensor
from .dot import GraphvizNotFoundError, _install_help
from .steps import _Walk, record_walk, share_text, summary

__all__ = ["backward_steps", "StepsFile"]

FORMATS = ("html", "gif")
MAX_GIF_FRAMES = 300  # every frame is rendered: beyond this a GIF takes minutes, and nobody watches it all
GIF_FRAME_MS = 1400

FONT = "Helvetica,Arial,sans-serif"
MONO = "Courier,monospace"
# (fill, border) of each kind of box, as in ag.viz.to_dot's pictures
KIND_COLORS = {
    "parameter": ("#d6eaf8", "#2e86c1"),
    "constant": ("#f2f3f4", "#909497"),
    "result": ("#fdebd0", "#ca6f1e"),
    "root": ("#d5f5e3", "#1e8449"),
}
# (fill, border, border width) of each state a box or an arrow takes during the walk
STATE_COLORS = {
    "current": ("#f9d5d3", "#c0392b", 3.0),      # the op whose rule runs now
    "arrived": ("#fff3b0", "#c0392b", 2.5),      # an input receiving its first gradient now
    "accumulated": ("#e8daef", "#7d3c98", 3.0),  # an input receiving one more gradient now: they add up
    "done": ("#eeeeee", "#b3b6b7", 1.0),         # an op already processed
    "flow": (None, "#c0392b", 2.5),              # the arrows along which gradients flow back now
}
GRAD_COLOR = "#b03a2e"
NO_GRAD_YET = "grad -"


# ----------------------------------------------------------------------------------------------
# What each frame shows (frame 0 is the seed)


class _Frame:
    def __init__(self, title: str, rule: str, lines: list[tuple[str, str]], current: str | None = None,
                 arrived: tuple[str, ...] = (), accumulated: tuple[str, ...] = (), flow: tuple[str, ...] = ()):
        self.title, self.rule, self.lines = title, rule, lines  # lines: (kind, text), kind in LINE_COLORS
        self.current, self.arrived, self.accumulated, self.flow = current, arrived, accumulated, flow


LINE_COLORS = {"g": "#c0392b", "share": "#7d6608", "accumulated": "#7d3c98", "none": "#888888"}


def _edge_id(tensor: str, node: str, position: int) -> str:
    return f"e_{tensor}_{node}_{position}"


def _frames(walk: _Walk) -> list[_Frame]:
    tensors = walk.tensors
    roots = ", ".join(f"{tensors[key].name} {tensors[key].shape}" for key in walk.roots)
    frames = [_Frame(f"Start: the seed ({len(walk.steps)} steps follow)",
                     "dL/dL = 1: the walk starts at the loss and visits the newest node first",
                     [("g", f"g = 1 at {roots}")], arrived=tuple(walk.roots))]
    for step in walk.steps:
        lines = [("g", f"g = dL/d({tensors[step.node].name}) {tensors[step.node].shape}: {summary(step.g)}")]
        for share in step.shares:
            kind = "none" if share.gradient is None else "accumulated" if share.arrival > 1 else "share"
            lines.append((kind, share_text(share, tensors)))
        frames.append(_Frame(
            f"Step {step.number} of {len(walk.steps)}: {step.op}", step.rule, lines, step.node,
            tuple(share.target for share in step.shares if share.arrival == 1),
            tuple(share.target for share in step.shares if share.arrival > 1),
            tuple(_edge_id(key, step.node, i) for i, (key, share) in enumerate(zip(step.inputs, step.shares))
                  if share.gradient is not None)))
    return frames


def _grad_texts(walk: _Walk) -> dict[str, list[tuple[int, str]]]:
    """For each box that gets a gradient: (frame, the text its grad line shows from that frame on)."""
    texts: dict[str, list[tuple[int, str]]] = {key: [(0, "grad 1")] for key in walk.roots}
    for step in walk.steps:
        for share in step.shares:
            if share.gradient is not None:
                suffix = f" (sum of {share.arrival})" if share.arrival > 1 else ""
                texts.setdefault(share.target, []).append((step.number, f"grad {summary(share.total)}{suffix}"))
    return texts


# ----------------------------------------------------------------------------------------------
# The graph as DOT: neutral (the page restyles it) or as at one frame (the GIF)


def _text(line: str) -> str:
    return html.escape(line, quote=False)


def _graph_dot(walk: _Walk, frame: _Frame | None = None, frame_number: int = 0) -> str:
    """The graph as DOT, coloured and labelled as at `frame` (number `frame_number`), or neutral.

    Each grad line is padded to its widest text, so that every frame has the same layout."""
    grad_texts = _grad_texts(walk)
    placed: list[tuple[tuple, str]] = []
    edges = []
    for key, info in walk.tensors.items():
        shape = f"{'scalar' if not info.shape else info.shape} {info.dtype}"
        if info.step is not None:
            # &#160; between differently styled runs: a browser drops a plain space at the start of an SVG text
            lines = [f'<b>{_text(info.step.op)}</b>&#160;<font point-size="8" color="#707070">step {info.step.number}</font>',
                     (f"<b>{_text(info.name)}</b>&#160;" if info.named else "") + shape]
        else:
            name = f"<b>{_text(info.name)}</b>" if info.named or info.literal else f"<i>{_text(info.name)}</i>"
            lines = [name, shape]
        if key in grad_texts:
            shown = [text for number, text in grad_texts[key] if number <= frame_number] if frame else []
            width = max(len(text) for _, text in grad_texts[key])
            text = (shown[-1] if shown else NO_GRAD_YET).center(width).replace(" ", "&#160;")
            lines.append(f'<font face="{MONO}" color="{GRAD_COLOR}">{text}</font>')
        fill, border = KIND_COLORS[info.kind]
        width = 1.0
        state = None if frame is None else (
            "current" if key == frame.current else "arrived" if key in frame.arrived
            else "accumulated" if key in frame.accumulated
            else "done" if info.step is not None and info.step.number < frame_number else None)
        if state is not None:
            fill, border, width = STATE_COLORS[state]
        style = "rounded,filled,dashed" if info.kind == "constant" else "rounded,filled"
        placed.append((info.scope, f'{key} [id="{key}" style="{style}" label=<{"<br/>".join(lines)}> '
                                   f'fillcolor="{fill}" color="{border}" penwidth={width}]'))
        if info.step is None:
            continue
        for position, (source, share) in enumerate(zip(info.step.inputs, info.step.shares)):
            edge_id = _edge_id(source, key, position)
            attributes = f'id="{edge_id}"'
            if share.gradient is None:
                attributes += ' style=dashed color="#aaaaaa"'
            elif frame is not None and edge_id in frame.flow:
                _, color, width = STATE_COLORS["flow"]
                attributes += f' color="{color}" penwidth={width}'
            edges.append(f"{source} -> {key} [{attributes}]")
    return "\n".join([
        "digraph backward {",
        # labelloc=b: drawn bottom-up, "b" puts each module box's label at its top
        f'graph [rankdir=BT fontname="{FONT}" fontsize=11 nodesep=0.25 ranksep=0.3 bgcolor=white '
        'labeljust=l labelloc=b style="rounded,filled" color="#5d6d7e" fillcolor="#f4f6fb"]',
        f'node [shape=box fontname="{FONT}" fontsize=10 margin="0.08,0.04" height=0.3]',
        'edge [arrowsize=0.6 color="#566573"]',
        *_clusters(placed),
        *edges,
        "}",
    ])


def _clusters(placed: list[tuple[tuple, str]]) -> list[str]:
    """DOT lines with a nested, labelled box (subgraph cluster) per name-scope path."""
    lines_at: dict[tuple, list[str]] = {}
    children: dict[tuple, list[tuple]] = {}
    for path, line in placed:
        lines_at.setdefault(path, []).append(line)
        for depth in range(len(path)):
            parent, child = path[:depth], path[:depth + 1]
            if child not in children.setdefault(parent, []):
                children[parent].append(child)
    lines: list[str] = []
    stack: list[tuple | None] = [()]  # None closes the open box
    while stack:
        path = stack.pop()
        if path is None:
            lines.append("}")
            continue
        if path:
            lines.append(f"subgraph cluster_{len(lines)} {{ label=<<b>{_text(path[-1].label)}</b>>")
            stack.append(None)
        lines.extend(lines_at.get(path, []))
        stack.extend(reversed(children.get(path, [])))
    return lines


def _run_dot(source: str, output_format: str) -> bytes:
    if shutil.which("dot") is None:
        install_help = _install_help("backward_steps")
        raise GraphvizNotFoundError(
            install_help + "\nag.viz.explain_backward shows the same walk as a table without it.", None, install_help)
    result = subprocess.run(["dot", f"-T{output_format}"], input=source.encode(), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"backward_steps: dot failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


# ----------------------------------------------------------------------------------------------
# The page


def write_page(walk: _Walk, path: str) -> None:
    """One self-contained HTML page: the SVG laid out once, restyled per frame by its script."""
    svg = _run_dot(_graph_dot(walk), "svg").decode("utf-8")
    data = {
        "frames": [{"title": f.title, "rule": f.rule, "lines": f.lines, "current": f.current,
                    "arrived": f.arrived, "accumulated": f.accumulated, "flow": f.flow} for f in _frames(walk)],
        "order": [step.node for step in walk.steps],
        "grads": _grad_texts(walk),
        "empty": NO_GRAD_YET,
    }
    states = "\n".join(
        f"g.node.{state} path, g.node.{state} polygon {{ {f'fill: {fill}; ' if fill else ''}"
        f"stroke: {border}; stroke-width: {width}px; }}"
        for state, (fill, border, width) in STATE_COLORS.items() if state != "flow")
    _, flow_color, flow_width = STATE_COLORS["flow"]
    keys = [("op running its rule", "current"), ("receives a gradient", "arrived"),
            ("receives one more: they add up", "accumulated"), ("op done", "done")]
    parts = {
        "STATES": states,
        "FLOW": f"stroke: {flow_color}; stroke-width: {flow_width}px;",
        "FLOWHEAD": f"fill: {flow_color}; stroke: {flow_color};",
        "LINES": "\n".join(f"#lines .{kind} {{ border-left-color: {color}; color: {color}; }}"
                           for kind, color in LINE_COLORS.items()),
        "LEGEND": "".join(f'<span class="key" style="border-color:{STATE_COLORS[state][1]};'
                          f'background:{STATE_COLORS[state][0]}">{text}</span>' for text, state in keys),
        "SVG": svg[svg.index("<svg"):],
        "STEPS": "".join(f"<li>{_text(step.op)}</li>" for step in walk.steps),
        "DATA": json.dumps(data).replace("</", "<\\/"),
    }
    # One pass, so that nothing inserted (a tensor's name, say) is taken for a placeholder.
    page = re.sub(r"/\*([A-Z]+)\*/|<!--([A-Z]+)-->", lambda match: parts[match.group(1) or match.group(2)], _PAGE)
    with open(path, "w", encoding="utf-8") as file:
        file.write(page)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>backward, step by step</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 0; display: flex; flex-wrap: wrap; color: #1b2631; }
#graph { flex: 1 1 420px; overflow: auto; max-height: 100vh; padding: 8px; box-sizing: border-box; }
#graph svg { max-width: 100%; height: auto; }
#panel { flex: 0 0 420px; padding: 12px 16px; border-left: 1px solid #d5d8dc; background: #fbfcfc;
         box-sizing: border-box; max-height: 100vh; overflow: auto; }
#controls { display: flex; align-items: center; gap: 6px; }
#controls button { font-size: 15px; padding: 3px 10px; }
#slider { flex: 1; }
#title { font-size: 17px; font-weight: bold; margin: 12px 0 6px; }
#rule { font-family: Courier, monospace; font-size: 15px; background: #fdebd0; border: 1px solid #ca6f1e;
        border-radius: 4px; padding: 6px 8px; }
#lines div { font-family: Courier, monospace; font-size: 12.5px; margin: 6px 0; padding-left: 6px;
             border-left: 3px solid; }
/*LINES*/
#order { font-size: 12.5px; padding-left: 28px; margin: 4px 0; columns: 2; }
#order li { cursor: pointer; }
#order li.done { color: #999; }
#order li.current { color: #c0392b; font-weight: bold; }
.key { display: inline-block; border: 2px solid; border-radius: 4px; padding: 0 4px; margin: 2px; font-size: 11px; }
.hint { color: #666; font-size: 11.5px; margin: 10px 0 4px; }
/*STATES*/
g.node.done text:not(:last-of-type) { fill: #888; }
g.edge.flow path { /*FLOW*/ }
g.edge.flow polygon { /*FLOWHEAD*/ }
</style></head>
<body>
<div id="graph"><!--SVG--></div>
<div id="panel">
 <div id="controls"><button id="prev" title="previous step (left arrow)">&#9664; prev</button>
  <input id="slider" type="range" min="0" value="0" aria-label="step">
  <button id="next" title="next step (right arrow)">next &#9654;</button></div>
 <div id="title"></div>
 <div id="rule"></div>
 <div id="lines"></div>
 <div class="hint">Red arrows: gradients flowing back in this step. Keys: &#8592; &#8594;, Home, End.</div>
 <div><!--LEGEND--></div>
 <div class="hint"><b>walk order</b> (newest node first; click to jump)</div>
 <ol id="order"><!--STEPS--></ol>
</div>
<script>
const DATA = /*DATA*/;
const last = DATA.frames.length - 1;
const slider = document.getElementById("slider");
slider.max = last;
const byId = (id) => document.getElementById(id);
// A box's grad line is its last text; centre it once, so that every new text stays centred.
const gradText = {};
for (const key of Object.keys(DATA.grads)) {
  const texts = byId(key).querySelectorAll("text"), text = texts[texts.length - 1];
  text.setAttribute("x", parseFloat(text.getAttribute("x")) + text.getComputedTextLength() / 2);
  text.setAttribute("text-anchor", "middle");
  gradText[key] = text;
}
// Centre the current op in the graph's pane (scrolling only the pane, never a notebook around the page).
function reveal(node) {
  const pane = byId("graph"), box = node.getBoundingClientRect(), view = pane.getBoundingClientRect();
  pane.scrollTop += (box.top + box.bottom - view.top - view.bottom) / 2;
  pane.scrollLeft += (box.left + box.right - view.left - view.right) / 2;
}
function show(k) {
  k = Math.max(0, Math.min(last, k));
  const frame = DATA.frames[k];
  document.body.dataset.step = k;
  slider.value = k;
  for (const el of document.querySelectorAll(".current, .arrived, .accumulated, .done, .flow"))
    el.classList.remove("current", "arrived", "accumulated", "done", "flow");
  DATA.order.slice(0, Math.max(0, k - 1)).forEach((id) => byId(id).classList.add("done"));
  if (frame.current) byId(frame.current).classList.add("current");
  frame.arrived.forEach((id) => byId(id).classList.add("arrived"));
  frame.accumulated.forEach((id) => byId(id).classList.add("accumulated"));
  frame.flow.forEach((id) => byId(id).classList.add("flow"));
  for (const [key, texts] of Object.entries(DATA.grads)) {
    let shown = DATA.empty;
    for (const [number, text] of texts) if (number <= k) shown = text;
    gradText[key].textContent = shown;
  }
  byId("title").textContent = frame.title;
  byId("rule").textContent = frame.rule;
  byId("lines").replaceChildren(...frame.lines.map(([kind, text]) => {
    const div = document.createElement("div"); div.className = kind; div.textContent = text; return div; }));
  document.querySelectorAll("#order li").forEach((li, i) =>
    li.className = i + 1 === k ? "current" : i + 1 < k ? "done" : "");
  if (frame.current) reveal(byId(frame.current));
  if (location.protocol !== "about:") history.replaceState(null, "", "#step=" + k);
}
byId("prev").onclick = () => show(Number(slider.value) - 1);
byId("next").onclick = () => show(Number(slider.value) + 1);
slider.oninput = () => show(Number(slider.value));
document.querySelectorAll("#order li").forEach((li, i) => li.onclick = () => show(i + 1));
document.addEventListener("keydown", (event) => {
  const moves = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
  if (event.key in moves) show(Number(slider.value) + moves[event.key]);
  else if (event.key === "Home") show(0);
  else if (event.key === "End") show(last);
  else return;
  event.preventDefault();
});
const start = /step=(\\d+)/.exec(location.hash);
show(start ? Number(start[1]) : 0);
</script>
</body></html>
"""


# ----------------------------------------------------------------------------------------------
# The GIF: each frame is the graph as at that step, beside a panel with the step's rule and gradients


def _panel_dot(frame: _Frame) -> str:
    def cell(text: str, width: int, attributes: str) -> str:
        wrapped = '<br align="left"/>'.join(_text(line) for line in textwrap.wrap(text, width))
        return f'<tr><td align="left" {attributes}><font face="{MONO}">{wrapped}<br align="left"/></font></td></tr>'
    rows = [f'<tr><td align="left"><font point-size="14"><b>{_text(frame.title)}</b></font></td></tr>',
            cell(frame.rule, 52, 'bgcolor="#fdebd0" color="#ca6f1e" border="1"')]
    rows += [cell(text, 60, f'color="{LINE_COLORS[kind]}" sides="l" border="3"') for kind, text in frame.lines]
    return (f'digraph panel {{ graph [bgcolor=white pad=0.2] node [shape=plaintext fontname="{FONT}" fontsize=11] '
            f'panel [label=<<table border="0" cellspacing="5" cellpadding="4">{"".join(rows)}</table>>] }}')


def _split_pngs(stream: bytes) -> list[bytes]:
    """dot writes one PNG after another for a file of several graphs; each ends with an IEND chunk."""
    end = b"IEND\xaeB`\x82"
    pieces, start = [], 0
    while start < len(stream):
        stop = stream.index(end, start) + len(end)
        pieces.append(stream[start:stop])
        start = stop
    return pieces


def write_gif(walk: _Walk, path: str) -> None:
    """An animated GIF, one frame per step (Pillow puts the frames together)."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("backward_steps(format='gif') needs Pillow to put the frames together: "
                          "pip install pillow (format='html' needs only Graphviz)") from None
    frames = _frames(walk)
    if len(frames) > MAX_GIF_FRAMES:
        raise ValueError(f"backward_steps: {len(frames)} frames are too many for a GIF (at most {MAX_GIF_FRAMES}); "
                         "use format='html', which steps through any number")
    # One dot run renders every frame: a process per frame would cost more than the drawing.
    sources = [_graph_dot(walk, frame, number) for number, frame in enumerate(frames)]
    sources += [_panel_dot(frame) for frame in frames]
    images = []
    for png in _split_pngs(_run_dot("\n".join(sources), "png")):
        image = Image.open(io.BytesIO(png)).convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image)  # dot leaves the margin transparent: flatten it onto white
        images.append(flat)
    graphs, panels = images[:len(frames)], images[len(frames):]
    graph_width, panel_width = max(g.width for g in graphs), max(p.width for p in panels)
    height = max(image.height for image in images)
    composed = []
    for graph, panel in zip(graphs, panels):
        canvas = Image.new("RGB", (graph_width + panel_width, height), "white")
        canvas.paste(graph, (0, 0))
        canvas.paste(panel, (graph_width, 0))
        # perf: a fast octree palette per frame instead of Pillow's default median cut, 3x faster overall
        composed.append(canvas.quantize(colors=128, method=Image.Quantize.FASTOCTREE))
    composed[0].save(path, save_all=True, append_images=composed[1:], duration=GIF_FRAME_MS, loop=0)


# ----------------------------------------------------------------------------------------------
# Public API


class StepsFile(str):
    """The path backward_steps wrote (a str); in Jupyter it displays the page or the GIF inline."""

    def _repr_html_(self) -> str:
        if self.endswith(".gif"):
            with open(self, "rb") as file:
                encoded = base64.b64encode(file.read()).decode()
            return f'<img src="data:image/gif;base64,{encoded}" alt="backward, step by step">'
        with open(self, encoding="utf-8") as file:
            page = file.read()
        return (f'<iframe srcdoc="{html.escape(page, quote=True)}" '
                'style="width:100%;height:680px;border:1px solid #d5d8dc"></iframe>')


def backward_steps(*roots: Tensor, path: str | os.PathLike = "backward", format: str = "html") -> StepsFile:
    """Write the backward walk from `roots` as frames and return the path written.

    Frame 0 is the seed, dL/dL = 1; frame k shows step k: the op being processed (highlighted), the
    rule it applies (its math), g = dL/d(its output), the gradient sent to each input, and every
    gradient known so far in the boxes, adding up where a tensor feeds two ops.
    ``format="html"``: one self-contained page (``path + ".html"``, no network, works from file://)
    with previous/next buttons, a slider and the arrow keys. ``format="gif"``: an animation
    (``path + ".gif"``; needs Pillow). Both need Graphviz's ``dot`` for the layout. The result is a
    str that Jupyter displays inline. Every ``.grad`` is left untouched.
    """
    if format not in FORMATS:
        raise ValueError(f"backward_steps: format must be one of {FORMATS}, got {format!r}")
    walk = record_walk(roots, "backward_steps")
    base = os.fspath(path)
    out = base if base.endswith("." + format) else f"{base}.{format}"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    (write_gif if format == "gif" else write_page)(walk, out)
    return StepsFile(out)
