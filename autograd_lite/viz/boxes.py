"""What one box of the graph picture says and how it looks: tensor boxes, op labels, the legend.

A tensor box is an HTML-like Graphviz label (its name, shape and dtype, then "value" and "grad"
rows), made by _TensorBox from a leaf (_leaf_box) or from the tensor an op produced (_output_box).
Numbers get 4 significant digits; a small array is printed in full with NumPy-style brackets, a
large one as min / mean / max. The colours of each kind of box (STYLES) and of the module boxes
(CLUSTER_FILLS) are here, with the legend that explains them.

This file turns one tensor or op into text and knows nothing of the graph around it: scopes.py
decides which module box a box goes in, layout.py writes the boxes and arrows into the DOT source,
and dot.py holds the public functions (to_dot, draw_graph).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

import numpy as np

from autograd_lite.graph import Function
from autograd_lite.tensor import Tensor

# Tensors with at most this many elements are printed in full; larger ones as min/mean/max.
MAX_PRINTED_ELEMENTS = 16
MAX_LINE_WIDTH = 60  # characters of printed values per line

FONT = "Helvetica,Arial,sans-serif"
MONO_FONT = "Courier,monospace"
GRAD_COLOR = "#b03a2e"
MUTED_COLOR = "#707070"
CLUSTER_BORDER = "#5d6d7e"

# Look of each kind of node: fill colour, border colour, DOT attributes.
STYLES = {
    "parameter": ("#d6eaf8", "#2e86c1", 'style="rounded,filled"'),
    "constant": ("#f2f3f4", "#909497", 'style="rounded,filled,dashed"'),
    "intermediate": ("#ffffff", "#7f8c8d", 'style="rounded,filled"'),
    "output": ("#d5f5e3", "#1e8449", 'style="rounded,filled" penwidth=2.2'),
    "op": ("#fdebd0", "#ca6f1e", 'shape=ellipse style=filled'),
}
# Module boxes get darker with depth so nested modules stay distinguishable.
CLUSTER_FILLS = ("#f4f6fb", "#e8edf7", "#dde5f3", "#d1dcef")


def _format_number(value: object) -> str:
    if isinstance(value, float):
        return f"{value + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0: "-0" would puzzle a reader
    return str(value)


def _format_array(array: np.ndarray) -> list[str]:
    """Lines describing an array: all values when small, min/mean/max when large."""
    if array.size == 0:
        return ["(empty)"]
    if array.size > MAX_PRINTED_ELEMENTS:
        as_float = array.astype(np.float64)
        return [f"min {as_float.min():.4g}  mean {as_float.mean():.4g}  max {as_float.max():.4g}"]
    # 4 significant digits ("0.25", "1", "-1.5e-05") read better than NumPy's "0.25  ", "1.  ";
    # padding every number to the widest keeps the columns of a matrix aligned.
    texts = [_format_number(value) for value in array.ravel().tolist()]
    if array.ndim == 0:
        return texts
    width = max(len(text) for text in texts)
    return _nested_lines([text.rjust(width) for text in texts], array.shape)


def _nested_lines(texts: list[str], shape: tuple[int, ...]) -> list[str]:
    """NumPy-style nested brackets around `texts` (in C order), one line per row of the last axis.

    Written out because np.array2string costs ~0.1 ms per call, which dominated drawing large graphs.
    """
    row_length, rows = shape[-1], len(texts) // shape[-1]
    per_line = max(1, MAX_LINE_WIDTH // (len(texts[0]) + 2))
    lines = []
    for row in range(rows):
        index, rest = [], row  # the row's position along the leading axes, innermost last
        for size in reversed(shape[:-1]):
            rest, position = divmod(rest, size)
            index.insert(0, position)
        opening = _trailing_true([position == 0 for position in index])
        closing = _trailing_true([position == size - 1 for position, size in zip(index, shape)])
        head = " " * (len(index) - opening) + "[" * (opening + 1)
        cells = texts[row * row_length:(row + 1) * row_length]
        chunks = [", ".join(cells[i:i + per_line]) for i in range(0, row_length, per_line)]
        lines.extend((head if i == 0 else " " * len(head)) + chunk + ("," if i < len(chunks) - 1 else "")
                     for i, chunk in enumerate(chunks))
        lines[-1] += "]" * (closing + 1) + ("," if row < rows - 1 else "")
    return lines


def _trailing_true(flags: list[bool]) -> int:
    """How many flags at the end of the list are True (brackets opened / closed at a row)."""
    count = 0
    for flag in reversed(flags):
        if not flag:
            break
        count += 1
    return count


def _html_text(line: str) -> str:
    """Escape a line for an HTML-like label, keeping runs of spaces (they align array columns)."""
    return re.sub(r"  +", lambda run: "&#160;" * len(run.group()), html.escape(line, quote=False))


def _dot_string(text: str) -> str:
    """A double-quoted DOT string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.lru_cache(maxsize=None)
def _shape_text(shape: tuple[int, ...], dtype: np.dtype) -> str:
    """'(4, 2) float64' ((8,) as Python prints it), 'scalar float32'. Cached: str(dtype) is slow."""
    shape_part = "scalar" if len(shape) == 0 else str(shape)
    return f"{shape_part} {dtype}"


def _table_row(key: str, lines: list[str], color: str) -> str:
    """One 'key  value' row; multi-line values stay left-aligned."""
    body = '<br align="left"/>'.join(_html_text(line) for line in lines)
    if len(lines) > 1:
        body += '<br align="left"/>'
    return (f'<tr><td align="left" valign="top"><font color="{color}">{key}</font></td>'
            f'<td align="left"><font face="{MONO_FONT}" color="{color}">{body}</font></td></tr>')


@dataclass
class _TensorBox:
    """Everything drawn in one tensor box."""

    kind: str  # a key of STYLES
    name: str | None
    shape: tuple[int, ...]
    dtype: np.dtype
    value: np.ndarray | None  # None: freed by backward
    grad: np.ndarray | None = None
    grad_note: str | None = None  # shown when there is no gradient; None: no grad row at all

    def label(self, show_values: bool, show_grads: bool) -> str:
        if self.is_literal:
            return f"<<b>{_html_text(_format_array(self.value)[0])}</b>>"
        heading = _shape_text(self.shape, self.dtype)
        if self.name:
            heading = f"<b>{_html_text(self.name)}</b><br/>{heading}"
        rows = []
        # A constant is known only by its value and name: it has no history in the graph (the 1 - y of
        # a loss was computed from a tensor that needs no grad, so no op recorded where it came from).
        if show_values or self.kind == "constant":
            lines = ["freed by backward"] if self.value is None else _format_array(self.value)
            rows.append(_table_row("value", lines, MUTED_COLOR if self.value is None else "#000000"))
        if show_grads and self.grad is not None:
            rows.append(_table_row("grad", _format_array(self.grad), GRAD_COLOR))
        elif show_grads and self.grad_note is not None:
            rows.append(_table_row("grad", [self.grad_note], MUTED_COLOR))
        if not rows:
            return f"<{heading}>"
        return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
                f'<tr><td colspan="2">{heading}</td></tr>{"".join(rows)}</table>>')

    @property
    def is_literal(self) -> bool:
        """An unnamed one-element constant, such as the 1 in `1 - p`: drawn as just its value."""
        return self.kind == "constant" and not self.name and self.value is not None and self.value.size == 1

    def tooltip(self) -> str:
        kind = "literal" if self.is_literal else self.kind
        return f"{kind}: {_shape_text(self.shape, self.dtype)}"


def _leaf_box(leaf: Tensor, name: str | None, is_root: bool) -> _TensorBox:
    kind = "output" if is_root else "parameter" if leaf.requires_grad else "constant"
    grad = None if leaf.grad is None else np.asarray(leaf.grad.data)
    note = "None (no backward yet)" if leaf.requires_grad else None
    return _TensorBox(kind, name, leaf.shape, leaf.dtype, leaf.data, grad, note)


def _output_box(node: Function, root: Tensor | None) -> _TensorBox:
    """The box of the tensor `node` produced; `root` is that tensor when it was passed as a root."""
    freed = node.saved_output is None
    note = "freed (use backward(retain_graph=True))" if freed else "None (no backward yet)"
    if root is None:
        return _TensorBox("intermediate", node.tensor_name, node.shape, node.dtype, node.saved_output, node.kept_grad, note)
    grad = node.kept_grad
    if grad is None and freed and root.data.size == 1:
        grad = np.ones_like(root.data)  # backward() seeded this scalar with 1, then freed the graph
    return _TensorBox("output", root.name, node.shape, node.dtype, root.data, grad, note)


def _reference_label(box: _TensorBox) -> str:
    """Label of a small box standing for one more use of a tensor drawn elsewhere."""
    text = box.name or _shape_text(box.shape, box.dtype)
    return f'<<i>{_html_text(text)}</i><br/><font point-size="8">used again</font>>'


def _op_tooltip(node: Function) -> str:
    inputs = ", ".join(str(parent.shape) for parent in node.parents)
    return f"{node.label()}: {inputs} -> {node.shape}"


def _legend_label(show_grads: bool, has_references: bool, has_folded: bool) -> str:
    entries = [
        ("parameter", "parameter (leaf, requires grad)"),
        ("constant", "constant (leaf, no grad): its value"),
        ("intermediate", "intermediate tensor"),
        ("output", "output (root)"),
        ("op", "op (primitive)"),
    ]
    rows = [f'<tr><td bgcolor="{STYLES[kind][0]}" color="{STYLES[kind][1]}" border="1" width="18"></td>'
            f'<td align="left">{text}</td></tr>' for kind, text in entries]
    rows.append(f'<tr><td bgcolor="{CLUSTER_FILLS[1]}" color="{CLUSTER_BORDER}" border="1"></td>'
                '<td align="left">module call (name scope)</td></tr>')
    if has_folded:
        rows.append(f'<tr><td bgcolor="{CLUSTER_FILLS[1]}" color="{CLUSTER_BORDER}" border="2"></td>'
                    '<td align="left">module call folded by collapse=</td></tr>')
    rows.append('<tr><td><font color="#aaaaaa">- - &gt;</font></td><td align="left">no gradient flows back</td></tr>')
    if has_references:
        rows.append('<tr><td border="1" style="dotted"></td>'
                    '<td align="left">one more use of a tensor drawn once elsewhere</td></tr>')
    if show_grads:
        rows.append(f'<tr><td><font color="{GRAD_COLOR}">grad</font></td>'
                    '<td align="left">d root / d tensor</td></tr>')
    return ('<<table border="0" cellborder="0" cellspacing="3" cellpadding="2">'
            f'<tr><td colspan="2"><b>legend</b></td></tr>{"".join(rows)}</table>>')
