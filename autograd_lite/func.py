"""autograd_lite.func: derivatives as functions, as in torch.func and JAX.

A transform takes a function f of Tensors and gives back a new function:

    import autograd_lite as ag
    f = lambda x: (x ** 3).sum()
    ag.func.grad(f)(x)                   # 3 x^2
    ag.func.hessian(f)(x)                # diag(6 x)
    ag.func.jvp(f, (x,), (v,))           # (f(x), 3 x^2 . v), in one forward pass
    ag.func.jacrev(ag.tanh)(x)           # the Jacobian diag(1 - tanh(x)^2), row by row

Reverse mode (grad, vjp, jacrev) runs f once, recording its graph, then one
backward pass per output element: a row of the Jacobian per pass. Forward mode
(jvp, jacfwd) pushes a tangent through one forward pass of f (forward.py), with
no graph and no backward pass: a column of the Jacobian per pass. For
f: R^n -> R^m, jacfwd costs n passes and jacrev m passes (see
examples/forward_vs_reverse.py).

A Jacobian has the output's shape followed by the input's, as in torch.func:
f from (p, q) to (m, n) gives (m, n, p, q). `argnums` picks which positional
arguments to differentiate: an int gives one result, a tuple a tuple of them;
a function returning a tuple of Tensors gives a tuple, one entry per output.

How the transforms meet the rest of the engine:
- `.grad` is never touched: the reverse transforms take gradients of their own
  copies of the inputs, the way `ag.grad` does.
- no_grad, as in torch.func: a reverse transform records f's graph even inside
  an outer `no_grad` (it starts a differentiation of its own), and then returns
  plain tensors that nothing outside can differentiate; a `no_grad` block inside
  f still makes what it computes a constant (zero derivative). Forward mode
  ignores `no_grad`, as PyTorch's forward AD does: tangents flow through it.
- The transforms nest (grad of grad, jacfwd of jacrev) and mix with
  `.backward()`: when the inputs require grad, when f uses tensors that do
  (model parameters), or inside a forward-mode transform, the reverse
  transforms record their own backward pass (create_graph), so that their
  results can be differentiated again; otherwise they run it on plain arrays.
  Each forward-mode transform opens its own level (forward.py), so that a jvp
  inside a jvp keeps the two perturbations apart. Inside f, take derivatives
  that an outer transform differentiates with these transforms: a plain
  `ag.grad(...)` (without create_graph) gives constants.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np

from autograd_lite import backward, forward
from autograd_lite.graph import Function, enable_grad, is_grad_enabled
from autograd_lite.shapes import stack
from autograd_lite.tensor import Tensor, apply, wrap

ArgNums = Union[int, tuple]


class Input(Function):
    """A transform's own copy of an input of f: the identity, recorded when the input is part of a graph."""

    op = "input"

    def forward(self, x):
        return x

    def backward(self, g, y, x):
        """d/dx x = 1"""
        return (g,)

    def jvp(self, tangents, y, x):
        """d x = dx"""
        (dx,) = tangents
        return dx


# --------------------------------------------------------------------------- reverse mode


def grad(f: Callable, argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """The gradient of f (which returns a single-element Tensor) with respect to argument(s) `argnums`.

    grad(f)(x) has x's shape; grad(f, argnums=(0, 1))(x, y) is a tuple. With
    has_aux=True, f returns (output, aux) and the new function (gradient, aux).
    """
    return _gradient(f, argnums, has_aux, "grad")


def _gradient(f: Callable, argnums: ArgNums, has_aux: bool, transform: str) -> Callable:
    def gradient(*args: Any) -> Any:
        """d f / d args[argnums] at these arguments."""
        run = _ReverseRun(f, args, argnums, has_aux, transform)
        if not run.single or run.outputs[0].size != 1:
            raise TypeError(f"{transform}: f must return a single-element Tensor, got {_describe_value(run.value)}; "
                            "for a Jacobian use ag.func.jacrev or ag.func.jacfwd")
        grads = run.backward(run.outputs, [None])
        return run.with_aux(grads if run.many_args else grads[0])

    return gradient


def vjp(f: Callable, *primals: Tensor, has_aux: bool = False) -> tuple:
    """f's output and vjp_fn: vjp_fn(v) = v^T J, one gradient per primal (a tuple), for any cotangent v.

    v has the output's shape (a tuple of them when f returns a tuple). vjp_fn
    may be called many times: f ran once, each call is one backward pass.
    With has_aux=True, f returns (output, aux) and vjp gives (output, vjp_fn, aux).
    """
    if not primals:
        raise TypeError("vjp: give f's arguments after f: vjp(f, x) or vjp(f, x, y)")
    run = _ReverseRun(f, primals, tuple(range(len(primals))), has_aux, "vjp")

    def vjp_fn(cotangents: Any) -> tuple:
        """v^T J: the gradient of sum(output * v) with respect to each primal."""
        given = [cotangents] if run.single else _sequence(cotangents, len(run.outputs), "vjp", "cotangents")
        vs = [_checked_like(v, out, "vjp", f"cotangent {i}", "the output") for i, (v, out) in
              enumerate(zip(given, run.outputs))]
        with enable_grad():  # v enters the graph as a factor, so a v that requires grad, or has tangents, counts
            weighted = [(out * v).sum() for out, v in zip(run.outputs, vs) if out.requires_grad]
        live = any(v.requires_grad or forward.has_tangents(v) for v in vs)
        return run.backward(weighted, [None] * len(weighted), record=live)

    outputs = tuple(out if run.outside else forward.without_graph(out) for out in run.outputs)
    value = outputs[0] if run.single else outputs
    return (value, vjp_fn, run.aux) if has_aux else (value, vjp_fn)


def jacrev(f: Callable, argnums: ArgNums = 0, *, has_aux: bool = False) -> Callable:
    """The Jacobian of f by reverse mode: f runs once, then one backward pass per output element (a row each).

    Shaped output.shape + input.shape, as torch.func.jacrev; a tuple for tuple
    argnums or tuple outputs. Cheaper than jacfwd when f has fewer outputs than inputs.
    """
    return _jacobian_by_rows(f, argnums, has_aux, "jacrev")


def _jacobian_by_rows(f: Callable, argnums: ArgNums, has_aux: bool, transform: str) -> Callable:
    def jacobian(*args: Any) -> Any:
        """The Jacobian of f at these arguments, row by row (reverse mode)."""
        run = _ReverseRun(f, args, argnums, has_aux, transform)
        per_output = []
        for out in run.outputs:
            rows = [run.backward([out], [_unit(out, i)]) for i in range(out.size)]  # rows[i][k] = d out_i / d input k
            per_output.append(tuple(_assemble([row[k] for row in rows], out, x, "rows")
                                    for k, x in enumerate(run.inputs)))
        return run.with_aux(_shaped_as_torch(per_output, run.single, run.many_args))

    return jacobian


class _ReverseRun:
    """f run once on differentiable copies of its inputs, ready for backward passes."""

    def __init__(self, f: Callable, args: tuple, argnums: Any, has_aux: bool, transform: str) -> None:
        positions = _argnum_positions(argnums, args, transform)
        self.many_args = isinstance(argnums, tuple)
        # Recorded (connected to the caller's graph) only where the caller records: no_grad outside stays outside.
        self.recording = is_grad_enabled()
        args = list(args)
        for k in positions:
            args[k] = _differentiable_copy(_checked_primal(args[k], transform, f"argument {k}"), self.recording)
        self.inputs = [args[k] for k in positions]
        with enable_grad():
            result = f(*args)
        self.value, self.aux = _split_aux(result, has_aux, transform)
        self.outputs, self.single = _as_outputs(self.value, transform)
        # Recorded backward passes: for differentiation from outside, or for tangents of an outer jvp to flow through.
        self.outside = self.recording and _reaches_outside(self.outputs, self.inputs)
        self.create_graph = self.outside or forward.is_active()

    def backward(self, outputs: Sequence[Tensor], seeds: list, record: bool = False) -> tuple:
        """One backward pass from `outputs` (seeded by `seeds`, None for ones): a gradient per input."""
        live = [(out, seed) for out, seed in zip(outputs, seeds) if out.requires_grad]
        grads = [None] * len(self.inputs)
        if live:
            grads = backward.grad([out for out, _ in live], self.inputs, [seed for _, seed in live],
                                  retain_graph=True, create_graph=self.create_graph or record, allow_unused=True)
        grads = [_zeros_like(x) if g is None else g for g, x in zip(grads, self.inputs)]
        if self.create_graph and not (self.outside or record):  # recorded only to carry tangents: cut the graph
            grads = [forward.without_graph(g) for g in grads]
        return tuple(grads)

    def with_aux(self, result: Any) -> Any:
        return (result, self.aux) if self.aux is not _NO_AUX else result


def _differentiable_copy(primal: Tensor, recording: bool) -> Tensor:
    """A copy of primal that requires grad, to differentiate f with respect to it alone.

    A primal that is part of a recorded graph is copied by a recorded `Input`
    op, so that the transform's results stay differentiable with respect to it
    (grad of grad). Otherwise the copy is a new leaf, keeping the primal's tangents.
    """
    if recording and primal.requires_grad:
        return apply(Input(), primal)
    copy = wrap(primal.data, None)
    copy.requires_grad = True
    forward.copy_tangents(primal, copy)
    return copy


def _reaches_outside(outputs: Sequence[Tensor], inputs: Sequence[Tensor]) -> bool:
    """Could anything outside the transform differentiate its result? (Then it records its backward pass.)

    Yes when an input is itself the output of a recorded op, or when the
    outputs depend on a tensor that requires grad other than the inputs (a
    parameter f closes over).
    """
    if any(x.grad_fn is not None for x in inputs):
        return True
    ours = {id(x) for x in inputs}
    to_visit = [out.grad_fn for out in outputs if out.grad_fn is not None]
    seen = set()
    while to_visit:
        node = to_visit.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for parent, needs_grad in zip(node.parents, node.needs_grad):
            if not needs_grad:
                continue
            if isinstance(parent, Function):
                to_visit.append(parent)
            elif id(parent) not in ours:
                return True
    return any(out.grad_fn is None and id(out) not in ours for out in outputs if out.requires_grad)


# --------------------------------------------------------------------------- forward mode


def jvp(f: Callable, primals: Sequence[Tensor], tangents: Sequence[Any], *, has_aux: bool = False) -> tuple:
    """(f(*primals), J v): f runs once, each op pushing the tangents v forward (no graph, no backward pass).

    `primals` and `tangents` are tuples, one tangent per primal, each of its
    primal's shape and dtype. With has_aux=True, f returns (output, aux) and
    jvp gives (output, tangent, aux).
    """
    return _jvp(f, primals, tangents, has_aux, "jvp")


def _jvp(f: Callable, primals: Sequence[Tensor], tangents: Sequence[Any], has_aux: bool, transform: str) -> tuple:
    primals = _sequence(primals, None, transform, "primals")
    tangents = _sequence(tangents, len(primals), transform, "tangents")
    for i, p in enumerate(primals):
        _checked_primal(p, transform, f"primal {i}")
    checked = [_checked_like(t, p, transform, f"tangent {i}", f"primal {i}") for i, (t, p) in
               enumerate(zip(tangents, primals))]
    value, outputs, single, aux, tangents_out = _push_forward(f, primals, dict(enumerate(checked)), has_aux,
                                                              transform)
    tangent = tangents_out[0] if single else tuple(tangents_out)
    return (value, tangent, aux) if has_aux else (value, tangent)


def jacfwd(f: Callable, argnums: ArgNums = 0, *, has_aux: bool = False) -> Callable:
    """The Jacobian of f by forward mode: one forward pass per input element (a column each).

    Shaped output.shape + input.shape, as torch.func.jacfwd; a tuple for tuple
    argnums or tuple outputs. Cheaper than jacrev when f has fewer inputs than outputs.
    """
    return _jacobian_by_columns(f, argnums, has_aux, "jacfwd")


def _jacobian_by_columns(f: Callable, argnums: ArgNums, has_aux: bool, transform: str) -> Callable:
    def jacobian(*args: Any) -> Any:
        """The Jacobian of f at these arguments, column by column (forward mode)."""
        positions = _argnum_positions(argnums, args, transform)
        columns, outputs, single, aux = {}, None, True, _NO_AUX  # columns[k][j][o] = d output o / d args[k]_j
        for k in positions:
            primal = _checked_primal(args[k], transform, f"argument {k}")
            columns[k] = []
            for j in range(primal.size):
                _, outputs, single, aux, tangents_out = _push_forward(f, args, {k: _unit(primal, j)}, has_aux,
                                                                      transform)
                columns[k].append(tangents_out)
        if outputs is None:  # every differentiated argument is empty: run f once for the output shapes
            _, outputs, single, aux, _ = _push_forward(f, args, {}, has_aux, transform)
        per_output = [tuple(_assemble([column[o] for column in columns[k]], out, args[k], "columns")
                            for k in positions) for o, out in enumerate(outputs)]
        result = _shaped_as_torch(per_output, single, isinstance(argnums, tuple))
        return (result, aux) if has_aux else result

    return jacobian


def _push_forward(f: Callable, args: Sequence[Any], tangents: dict, has_aux: bool, transform: str) -> tuple:
    """Run f once in a new forward-mode level, args[k] carrying tangents[k].

    Returns (value, outputs, single, aux, the outputs' tangents).
    """
    with forward.open_level() as level:
        args = list(args)
        for k, tangent in tangents.items():
            args[k] = apply(Input(), args[k])  # a new tensor for the tangent, keeping the primal's outer ones
            forward.set_tangent(args[k], level, tangent)
        value, aux = _split_aux(f(*args), has_aux, transform)
        outputs, single = _as_outputs(value, transform)
        tangents_out = []
        for out in outputs:
            tangent = forward.tangent_of(out, level)
            forward.drop_tangent(out, level)
            tangents_out.append(_zeros_like(out) if tangent is None else _as_tensor(tangent))
    return value, outputs, single, aux, tangents_out


# --------------------------------------------------------------------------- second order


def hessian(f: Callable, argnums: ArgNums = 0) -> Callable:
    """The Hessian of f (returning a single-element Tensor): input.shape + input.shape.

    Reverse over reverse, jacrev(jacrev(f)): f and its backward pass run once,
    recorded (create_graph), and the gradient's graph is walked back once per
    row. The gradient maps R^n to R^n, so either composition costs n passes;
    JAX and torch.func take forward over reverse, jacfwd(jacrev(f)), because
    vmap pushes all n tangents through one pass. Without vmap, forward over
    reverse re-runs f and its recorded backward pass, carrying a tangent, for
    each of the n columns: measured 5 to 7 times slower here (log-sum-exp of 200
    inputs: 32 ms against 6.6 ms; a 100-64-10 MLP's loss in its input: 54 ms
    against 7.7 ms). The numbers are the same (tested), and jacfwd(jacrev(f))
    works as well. For tuple argnums, H[i][j] is the block d^2 f / d x_i d x_j.
    """
    return _jacobian_by_rows(_jacobian_by_rows(f, argnums, False, "hessian"), argnums, False, "hessian")


def hvp(f: Callable, primals: Any, v: Any) -> tuple:
    """(f(primals), H v): the Hessian of f times v, without forming the Hessian.

    As torch.autograd.functional.hvp: `primals` is a Tensor or a tuple of them,
    v has the same structure, and H v comes back in that structure. Reverse
    over reverse, like it: H v is the gradient of <grad f, v> (about the cost
    of three gradients; forward over reverse, jvp(grad(f)), measured 1.7x slower here).
    """
    single = isinstance(primals, Tensor)
    primals = (primals,) if single else tuple(_sequence(primals, None, "hvp", "primals"))
    vs = (v,) if single else tuple(_sequence(v, len(primals), "hvp", "v"))
    for i, p in enumerate(primals):
        _checked_primal(p, "hvp", f"primal {i}")
    vs = [_checked_like(direction, p, "hvp", "v" if single else f"v[{i}]", f"primal {i}")
          for i, (p, direction) in enumerate(zip(primals, vs))]
    argnums = tuple(range(len(primals)))
    gradient_and_value = _gradient(lambda *xs: _value_as_aux(f(*xs)), argnums, True, "hvp")

    def gradient_dot_v(*xs: Tensor) -> tuple:
        grads, value = gradient_and_value(*xs)
        return sum((g * direction).sum() for g, direction in zip(grads, vs)), value

    product, value = _gradient(gradient_dot_v, argnums, True, "hvp")(*primals)
    return value, (product[0] if single else product)


def _value_as_aux(out: Any) -> tuple:
    return out, (out.detach() if isinstance(out, Tensor) else out)


def linearize(f: Callable, *primals: Tensor) -> tuple:
    """(f(*primals), jvp_fn): jvp_fn(*tangents) = J v at the primals, as torch.func.linearize.

    Here jvp_fn runs f's forward pass again with the tangents each time it is
    called (torch.func traces the linear map once instead); the numbers are the same.
    """
    for i, p in enumerate(primals):
        _checked_primal(p, "linearize", f"primal {i}")
    value = f(*primals)
    _as_outputs(value, "linearize")

    def jvp_fn(*tangents: Any) -> Any:
        """J v for tangents v, one per primal."""
        return _jvp(f, primals, tangents, False, "linearize")[1]

    return value, jvp_fn


# --------------------------------------------------------------------------- checks and shapes

_NO_AUX = object()


def _argnum_positions(argnums: Any, args: tuple, transform: str) -> tuple:
    """argnums as a tuple of non-negative positions, checked against the arguments f was called with."""
    many = isinstance(argnums, tuple)
    if not many and (isinstance(argnums, bool) or not isinstance(argnums, (int, np.integer))):
        raise TypeError(f"{transform}: argnums must be an int or a tuple of ints, got {argnums!r}")
    nums = argnums if many else (argnums,)
    if not nums:
        raise ValueError(f"{transform}: argnums is an empty tuple; name at least one argument")
    positions = []
    for a in nums:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{transform}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -len(args) <= a < len(args):
            raise ValueError(f"{transform}: argnums {argnums!r} is out of range for f called with "
                             f"{len(args)} positional argument(s)")
        positions.append(int(a) % len(args))
    if len(set(positions)) != len(positions):
        raise ValueError(f"{transform}: argnums {argnums!r} names an argument twice")
    return tuple(positions)


def _checked_primal(x: Any, transform: str, what: str) -> Tensor:
    """x, if it is a floating-point Tensor (only those can be differentiated)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{transform}: {what} must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{transform}: {what} has dtype {x.dtype}; only floating-point tensors can be differentiated")
    return x


def _checked_like(value: Any, like: Tensor, transform: str, what: str, other: str) -> Tensor:
    """A tangent or cotangent as a Tensor, after checking it has `like`'s shape and dtype."""
    if not isinstance(value, (Tensor, np.ndarray)):
        raise TypeError(f"{transform}: {what} must be a Tensor (or ndarray), got {type(value).__name__}")
    if value.shape != like.shape:
        raise ValueError(f"{transform}: {what} has shape {value.shape} but {other} has shape {like.shape}")
    if value.dtype != like.dtype:
        raise TypeError(f"{transform}: {what} has dtype {value.dtype} but {other} has dtype {like.dtype}")
    return value if isinstance(value, Tensor) else wrap(value, None)


def _sequence(values: Any, length: int | None, transform: str, what: str) -> list:
    """A tuple or list argument (of `length` items when given), checked."""
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{transform}: {what} must be a tuple, got {type(values).__name__}"
                        + (" (wrap one tensor as (x,))" if isinstance(values, Tensor) else ""))
    if length is not None and len(values) != length:
        raise ValueError(f"{transform}: expected {length} {what}, got {len(values)}")
    return list(values)


def _split_aux(result: Any, has_aux: bool, transform: str) -> tuple:
    """(output, aux) from f's result; aux is _NO_AUX without has_aux."""
    if not has_aux:
        return result, _NO_AUX
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"{transform}(..., has_aux=True): f must return a pair (output, aux), "
                        f"got {_describe_value(result)}")
    return result


def _as_outputs(value: Any, transform: str) -> tuple[list, bool]:
    """f's output as a list of Tensors, and whether it was a single Tensor."""
    if isinstance(value, Tensor):
        return [value], True
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, Tensor) for v in value):
        return list(value), False
    raise TypeError(f"{transform}: f must return a Tensor or a tuple of Tensors, got {_describe_value(value)}")


def _describe_value(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a Tensor of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {', '.join(type(v).__name__ for v in value) or 'nothing'}"
    return type(value).__name__


def _unit(like: Tensor, index: int) -> np.ndarray:
    """The array of like's shape and dtype that is 1 at flat position `index` and 0 elsewhere."""
    unit = np.zeros(like.shape, dtype=like.dtype)
    unit.flat[index] = 1
    return unit


def _zeros_like(x: Tensor) -> Tensor:
    return wrap(np.zeros(x.shape, dtype=x.dtype), None)


def _as_tensor(value: Any) -> Tensor:
    """A tangent handed to the user: a Tensor of its own, writable (the engine's zeros are read-only views)."""
    if isinstance(value, Tensor):
        return value
    return wrap(value if value.flags.writeable else value.copy(), None)


def _assemble(parts: Sequence[Tensor], out: Tensor, x: Tensor, kind: str) -> Tensor:
    """Rows (one per output element) or columns (one per input element) as a Jacobian of shape out + x."""
    shape = out.shape + x.shape
    if not parts:
        return wrap(np.zeros(shape, dtype=out.dtype), None)
    return stack(list(parts), axis=0 if kind == "rows" else -1).reshape(shape)


def _shaped_as_torch(per_output: list, single_output: bool, many_args: bool) -> Any:
    """Jacobians nested as torch.func gives them: outputs outside, argnums inside, tuples only where asked."""
    per_output = [blocks if many_args else blocks[0] for blocks in per_output]
    return per_output[0] if single_output else tuple(per_output)
