"""The backward pass step by step: as a table (`explain_backward`) and as frames (`backward_steps`, frames.py).

    import autograd_lite as ag
    loss = ...                                      # a scalar built from tensors that require grad
    print(ag.viz.explain_backward(loss))            # one row per node, in the order backward visits them
    ag.viz.backward_steps(loss, path="walk")        # walk.html: the same walk, one frame per step
    ag.viz.backward_steps(loss, path="walk", format="gif")

Both run the engine's own walk (`backward.run_backward`) with an observer,
`on_step(node, g, input_grads)`, called right after each node's rule ran, so
what you see is what `loss.backward()` computes, in its order. Neither touches
any `.grad`. The graph must still hold its saved values: build the loss again
after a plain `backward()`, or call `backward(retain_graph=True)`.

One step: a node receives g = dL/d(its output) (every op that used that
output has already sent its share: the walk goes newest node first), applies
its rule (the math in the rule's docstring, shown verbatim) and sends one
gradient to each input. A tensor used by several ops receives several
gradients and adds them up (the multivariable chain rule): the table says
"2nd gradient", the pictures "sum of 2". A gradient the rule returns in the
broadcast shape of the output is summed back to its input's shape, as the walk
does ("summed from (1, 4)").

An unnamed result is called by its op and step: `tanh#14` is the output of
the tanh processed at step 14. Name tensors (`t.name = "A1"`) to see your own
names instead. A parameter of an nn model is called by its path in the model
(`0.weight`, as ag.viz.to_dot calls it) unless you named it.
"""
from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backward import run_backward, seed_gradient
from ..graph import Function, sum_to
from ..tensor import Tensor
from .names import is_description, parameter_names

__all__ = ["explain_backward", "BackwardExplanation", "Step", "Share"]

RULE_WIDTH = 34  # characters per line of the rule and of each gradient sent, in the table
SHARE_WIDTH = 60


# ----------------------------------------------------------------------------------------------
# Recording the walk


@dataclass(frozen=True)
class Share:
    """What one step sends back to one input of its node."""

    argument: str                     # the input's name in the rule's math: x, or a and b
    target: str                       # key of the tensor receiving it (see BackwardExplanation.tensors)
    gradient: np.ndarray | None       # summed to the input's shape; None: no gradient flows back
    rule_shape: tuple | None          # the shape the rule returned when broadcasting was summed away
    arrival: int                      # the input's 1st, 2nd, ... gradient (0 when none flows)
    total: np.ndarray | None          # the input's gradient so far, this one included


@dataclass(frozen=True)
class Step:
    """One node of the walk: the g it received, its rule, and what it sent to each input."""

    number: int                       # 1 for the first node processed
    op: str                           # node.label(), e.g. "sum(axis=1)"
    rule: str                         # the math of the rule (its backward docstring)
    node: str                         # key of the node, which is also the key of the tensor it produced
    inputs: tuple[str, ...]           # keys of its inputs
    g: np.ndarray                     # dL/d(output)
    shares: tuple[Share, ...]         # one per input


@dataclass
class TensorInfo:
    """A leaf of the graph, or a node (drawn as one box with the tensor it produced)."""

    key: str
    kind: str                         # "parameter", "constant", "result" or "root"
    name: str                         # how tables and pictures call it
    named: bool                       # a real name (the user's, or a parameter's path in its model)
    shape: tuple[int, ...]
    dtype: np.dtype
    literal: str | None = None        # a one-element constant's value (the 1 in 1 - p)
    scope: tuple = ()                 # the name scopes (module calls) it is drawn in
    step: Step | None = None          # for a node: its step


def _argument_names(count: int) -> list[str]:
    """The names rules' docstrings use for their inputs: x for one, a and b for two."""
    return ["x"] if count == 1 else ["a", "b"] if count == 2 else [f"x{i}" for i in range(count)]


def _rule_text(node: Function) -> str:
    doc = type(node).backward.__doc__
    if not doc:
        return f"(no docstring on {type(node).__name__}.backward)"
    return " ".join(doc.strip().split("\n\n")[0].split())


def _number(value: float) -> str:
    return f"{value + 0.0:.3g}"  # + 0.0 turns -0.0 into 0.0


def summary(array: np.ndarray | None) -> str:
    """A gradient in a few characters: its values when it has at most 4, else its range."""
    if array is None:
        return "none"
    values = np.asarray(array, dtype=np.float64)
    if values.size == 0:
        return "(empty)"
    if values.size == 1:
        return _number(values.item())
    if values.size <= 4:
        return "[" + ", ".join(_number(v) for v in values.ravel().tolist()) + "]"
    return f"{_number(values.min())} .. {_number(values.max())}"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


class _Recorder:
    """The observer handed to run_backward: turns each on_step call into a Step."""

    def __init__(self, roots: tuple[Tensor, ...]) -> None:
        self.keys: dict[int, str] = {}
        self.objects: list[Any] = []  # keeps every keyed object alive, so that ids stay unique
        self.tensors: dict[str, TensorInfo] = {}
        self.nodes: dict[str, Function] = {}
        self.steps: list[Step] = []
        self.totals: dict[str, np.ndarray] = {}
        self.arrivals: dict[str, int] = {}
        self.grads_before: list[tuple[Function, Any]] = []
        self.roots = [self.key(root.grad_fn, root.name) for root in roots]
        for key in self.roots:  # each root starts with its seed, dL/dL = 1: a gradient like any other
            self.tensors[key].kind = "root"
            self.totals[key] = self.totals.get(key, 0) + np.ones(self.tensors[key].shape)
            self.arrivals[key] = self.arrivals.get(key, 0) + 1

    def key(self, obj: Tensor | Function, root_name: str | None = None) -> str:
        """The key of a leaf tensor, or of a node (and the tensor it produced)."""
        if id(obj) in self.keys:
            return self.keys[id(obj)]
        key = f"t{len(self.keys)}"
        self.keys[id(obj)] = key
        self.objects.append(obj)
        if isinstance(obj, Function):
            name = root_name or obj.tensor_name
            self.tensors[key] = TensorInfo(key, "result", name or "", bool(name), obj.shape, obj.dtype,
                                           scope=obj.scope)
            self.nodes[key] = obj
        else:
            kind = "parameter" if obj.requires_grad else "constant"
            literal = _number(obj.data.item()) if kind == "constant" and obj.size == 1 else None
            self.tensors[key] = TensorInfo(key, kind, obj.name or literal or "", bool(obj.name), obj.shape,
                                           obj.dtype, literal)
        return key

    def on_step(self, node: Function, g: Any, input_grads: tuple) -> None:
        self.grads_before.append((node, node.kept_grad))  # the walk sets node.kept_grad next: restored afterwards
        key = self.key(node)
        inputs = tuple(self.key(parent) for parent in node.parents)
        shares = []
        for argument, parent, target, gx in zip(_argument_names(len(inputs)), node.parents, inputs, input_grads):
            needs_grad = isinstance(parent, Function) or parent.requires_grad
            if not needs_grad or gx is None:
                shares.append(Share(argument, target, None, None, 0, self.totals.get(target)))
                continue
            rule_shape = None
            if gx.shape != parent.shape:
                rule_shape = gx.shape
                gx = sum_to(gx, parent.shape)
            gx = np.array(gx, dtype=np.float64)  # a copy: the walk may reuse or free its arrays
            total = gx if target not in self.totals else self.totals[target] + gx
            self.totals[target] = total
            self.arrivals[target] = self.arrivals.get(target, 0) + 1
            shares.append(Share(argument, target, gx, rule_shape, self.arrivals[target], total))
        step = Step(len(self.steps) + 1, node.label(), _rule_text(node), key, inputs,
                    np.array(g, dtype=np.float64), tuple(shares))
        self.steps.append(step)
        info = self.tensors[key]
        info.step = step
        if not info.name:
            info.name = f"{step.op}#{step.number}"


def _place_leaves(walk: _Walk) -> None:
    """Draw a parameter, a literal or a constant named by a description (`1 - y`) inside the innermost
    module box holding every op that uses it, as ag.viz.to_dot does; data stays outside."""
    consumers: dict[str, list[tuple]] = {}
    for step in walk.steps:
        for key in step.inputs:
            consumers.setdefault(key, []).append(walk.tensors[step.node].scope)
    for key, info in walk.tensors.items():
        if info.kind == "parameter" or info.literal is not None or (
                info.kind == "constant" and is_description(info.name)):
            common, *others = consumers.get(key, [()])
            for path in others:
                length = 0
                while length < min(len(common), len(path)) and common[length] is path[length]:
                    length += 1
                common = common[:length]
            info.scope = common


@dataclass
class _Walk:
    steps: list[Step]
    tensors: dict[str, TensorInfo]
    roots: list[str]


def record_walk(roots: tuple[Tensor, ...], caller: str) -> _Walk:
    """Run backward from `roots` (scalars, seeded with 1) with an observer; leave every .grad as it was."""
    if not roots:
        raise ValueError(f"{caller} needs at least one root Tensor, e.g. {caller}(loss)")
    for root in roots:
        if not isinstance(root, Tensor):
            raise TypeError(f"{caller} expects Tensors as roots, got {type(root).__name__}")
        if root.grad_fn is None:
            raise ValueError(f"{caller}: the root of shape {root.shape} was not computed from tensors that "
                             "require grad, so backward has nothing to walk")
        if root.size != 1:
            raise ValueError(f"{caller}: a root must have one element (a loss), got shape {root.shape}; "
                             "reduce it first, e.g. with .sum()")
        if root.grad_fn.saved_inputs is None:
            raise RuntimeError(f"{caller}: backward() already freed this graph's saved values; build the loss "
                               "again, or call backward(retain_graph=True) to keep them")
    recorder = _Recorder(roots)
    seeds = [seed_gradient(root, None, caller, False) for root in roots]
    try:
        run_backward(list(roots), seeds, True, False, on_step=recorder.on_step)
    finally:
        for node, grad in recorder.grads_before:
            node.kept_grad = grad
    walk = _Walk(recorder.steps, recorder.tensors, recorder.roots)
    _name_unnamed_leaves(walk, recorder)
    _place_leaves(walk)
    return walk


def _name_unnamed_leaves(walk: _Walk, recorder: _Recorder) -> None:
    """Unnamed parameters of an nn model take their path in it ("0.weight"), as ag.viz.to_dot names
    them; other unnamed parameters become "parameter 1", "parameter 2", ..., numbered in the reverse
    of the order the walk meets them (for a stack of layers: from the input side); data becomes
    "constant"."""
    paths = parameter_names(recorder.nodes.values())
    for obj in recorder.objects:
        info = walk.tensors[recorder.keys[id(obj)]]
        if not info.name and info.kind == "parameter" and id(obj) in paths:
            info.name, info.named = paths[id(obj)], True
    unnamed = [info for info in walk.tensors.values() if not info.name]
    parameters = [info for info in unnamed if info.kind == "parameter"]
    for number, info in enumerate(reversed(parameters), 1):
        info.name = f"parameter {number}"
    for info in unnamed:
        info.name = info.name or info.kind


def share_text(share: Share, tensors: dict[str, TensorInfo]) -> str:
    """One line saying what a step sent to one input."""
    target = tensors[share.target]
    head = f"{share.argument} -> {target.name} {target.shape}: "
    if share.gradient is None:
        return head + "none (" + ("a constant" if target.kind == "constant" else "the rule gave None") + ")"
    text = head + summary(share.gradient)
    if share.rule_shape is not None:
        text += f" (summed from {share.rule_shape})"
    if share.arrival > 1:
        text += f"; its {_ordinal(share.arrival)} gradient: total {summary(share.total)}"
    return text


# ----------------------------------------------------------------------------------------------
# explain_backward: the walk as a table


class BackwardExplanation:
    """The backward walk as a table: ``str()`` is plain text, Jupyter shows HTML.

    ``steps`` holds one :class:`Step` per node in walk order; ``tensors`` maps the
    keys used in the steps to each tensor's name, shape and kind; ``gradients``
    maps each parameter's name to the gradient backward would accumulate into it.
    """

    HEADER = ("step", "op", "rule", "shapes: inputs -> output", "g = dL/d(output)", "gradient sent to each input")

    def __init__(self, walk: _Walk) -> None:
        self.steps = walk.steps
        self.tensors = walk.tensors
        self.roots = walk.roots
        last: dict[str, np.ndarray] = {}
        for step in self.steps:
            for share in step.shares:
                if share.total is not None:
                    last[share.target] = share.total
        self.gradients: dict[str, np.ndarray] = {}
        for key, grad in last.items():
            if self.tensors[key].kind == "parameter":
                name = self.tensors[key].name
                while name in self.gradients:  # two tensors named alike: both stay listed
                    name += "'"
                self.gradients[name] = grad

    def _cells(self, step: Step) -> list[list[str]]:
        shapes = ", ".join(str(self.tensors[key].shape) for key in step.inputs)
        return [[str(step.number)], [step.op], textwrap.wrap(step.rule, RULE_WIDTH) or [""],
                [f"{shapes} -> {self.tensors[step.node].shape}"], [summary(step.g)],
                [line for share in step.shares
                 for line in textwrap.wrap(share_text(share, self.tensors), SHARE_WIDTH, subsequent_indent="    ")]]

    def title(self) -> str:
        """The line above the table: where the walk starts."""
        roots = ", ".join(f"{self.tensors[key].name} {self.tensors[key].shape}" for key in self.roots)
        return f"backward from {roots}: seed dL/dL = 1; {len(self.steps)} steps, newest node first"

    def footer(self) -> str:
        """The line below the table: what backward would accumulate into each parameter's .grad."""
        return "gradients of the parameters: " + (", ".join(
            f"{name} {summary(grad)}" for name, grad in self.gradients.items()) or "none")

    def table(self) -> str:
        """The aligned text table."""
        rows = [[[text] for text in self.HEADER]] + [self._cells(step) for step in self.steps]
        widths = [max(len(line) for row in rows for line in row[column]) for column in range(len(self.HEADER))]
        lines = [self.title()]
        for index, row in enumerate(rows):
            for i in range(max(len(cell) for cell in row)):
                texts = [cell[i] if i < len(cell) else "" for cell in row]
                cells = [texts[0].rjust(widths[0])] + [text.ljust(width) for text, width in zip(texts[1:], widths[1:])]
                lines.append("  ".join(cells).rstrip())
            if index == 0:
                lines.append("  ".join("-" * width for width in widths))
        lines.append(self.footer())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        def cell(lines: list[str], tag: str = "td") -> str:
            return (f"<{tag} style='text-align:left;vertical-align:top'>"
                    + "<br>".join(html.escape(line) for line in lines) + f"</{tag}>")
        head = "".join(cell([text], "th") for text in self.HEADER)
        body = "".join("<tr>" + "".join(cell(lines) for lines in self._cells(step)) + "</tr>" for step in self.steps)
        return (f"<p>{html.escape(self.title())}</p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
                f"</table><p>{html.escape(self.footer())}</p>")


def explain_backward(*roots: Tensor) -> BackwardExplanation:
    """The backward walk from `roots` as a table: step, op, rule, input and output shapes, gradients.

    Runs the engine's walk (leaving every `.grad` untouched); `str()` of the result is the table,
    and in Jupyter it displays as HTML. The graph must not have been freed by a plain backward().
    """
    return BackwardExplanation(record_walk(roots, "explain_backward"))
