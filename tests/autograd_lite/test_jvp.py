"""Forward mode: every primitive's jvp rule, and the engine that pushes tangents through `apply`.

Each rule is checked against central differences of its own forward
(`check_jvp`, conftest), on broadcasting, axis/keepdims and float32 cases, as
the backward rules are checked against the numerical gradient. The same
primitives then run inside nested transforms, where their jvp rules see
Tensors instead of arrays: those second derivatives must agree with the ones
reverse mode gives.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import Square, check_jvp, random_array

import autograd_lite as ag
from autograd_lite import backward, elementwise as ew, forward, func, inplace, linalg, reductions as red, shapes, windows
from autograd_lite.graph import Function, forward_mode
from autograd_lite.tensor import apply

RNG = np.random.default_rng(1234)


def arrays(*specs, dtype=np.float64):
    """Random inputs: each spec is (shape, kind) with kind as in conftest.random_array."""
    return tuple(random_array(RNG, shape, kind, dtype) for shape, kind in specs)


BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)), ((2, 3), ())]
BINARY = {
    "add": (ew.Add, "normal", "normal"),
    "sub": (ew.Sub, "normal", "normal"),
    "mul": (ew.Mul, "normal", "normal"),
    "div": (ew.Div, "normal", "signed"),
    "pow": (ew.Pow, "positive", "normal"),
    "maximum": (ew.Maximum, "normal", "normal"),
    "minimum": (ew.Minimum, "normal", "normal"),
}
UNARY = {
    "exp": (ew.Exp, "normal"),
    "log": (ew.Log, "positive"),
    "tanh": (ew.Tanh, "normal"),
    "sigmoid": (ew.Sigmoid, "normal"),
    "relu": (ew.Relu, "signed"),
    "sqrt": (ew.Sqrt, "positive"),
    "abs": (ew.Abs, "signed"),
    "neg": (ew.Neg, "normal"),
    "erf": (ew.Erf, "normal"),
    "sin": (ew.Sin, "normal"),
    "cos": (ew.Cos, "normal"),
    "log1p": (ew.Log1p, "positive"),
    "expm1": (ew.Expm1, "normal"),
}
AXES = [None, 0, 1, -1, (0, 2)]
REDUCTIONS = {"sum": red.Sum, "mean": red.Mean, "max": red.Max, "min": red.Min, "logsumexp": red.LogSumExp,
              "prod": red.Prod}
INDICES = {
    "slice": (slice(1, 3),),
    "int and slice": (0, slice(1, None)),
    "repeated integer array": np.array([0, 0, 2, 0]),
    "pair of integer arrays": (np.array([0, 2, 2]), np.array([1, 3, 3])),
    "boolean mask": np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]]),
    "Ellipsis and None": (Ellipsis, None),
}
MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
                 ((2, 1, 3, 4), (5, 4, 2))]

# Every primitive, as (id, make_fn, input arrays): check_jvp's cases, reused below inside nested transforms.
CASES = []
for name, (kind, a_kind, b_kind) in BINARY.items():
    for a_shape, b_shape in BROADCAST_SHAPES:
        CASES.append((f"{name} {a_shape} {b_shape}", kind, arrays((a_shape, a_kind), (b_shape, b_kind))))
CASES.append(("pow with an integer exponent", ew.Pow, arrays(((3, 4), "positive")) + (np.array([0, 1, 2, 3]),)))
CASES.append(("mul by an integer tensor", ew.Mul, arrays(((3, 4), "normal")) + (np.array([[1], [-2], [3]]),)))
for name, (kind, x_kind) in UNARY.items():
    CASES.append((name, kind, arrays(((3, 4), x_kind))))
CASES += [
    ("astype float64", lambda: ew.AsType(np.dtype(np.float64)), arrays(((3, 4), "normal"))),
    ("where", lambda: ew.Where(np.array([[True], [False], [True]])), arrays(((3, 4), "normal"), ((4,), "normal"))),
    ("clip both bounds", lambda: ew.Clip(np.asarray(-0.5), np.asarray(0.5)),
     (np.array([[-2.0, -0.25, 0.1, 3.0], [0.3, -0.7, 0.45, -0.1]]),)),
    ("clip low only", lambda: ew.Clip(np.asarray(0.0), None), arrays(((3, 4), "signed"))),
]
for name, kind in REDUCTIONS.items():
    for axis in AXES:
        for keepdims in (False, True):
            axes = red.normalize_axis(axis, 3, name)
            CASES.append((f"{name} axis={axis} keepdims={keepdims}",
                          lambda kind=kind, axes=axes, keepdims=keepdims: kind(axes, keepdims),
                          arrays(((2, 3, 4), "normal"))))
    CASES.append((f"{name} of 0-d", lambda kind=kind: kind(None, False), arrays(((), "normal"))))
CASES += [
    ("reshape", lambda: shapes.Reshape((4, 6)), arrays(((2, 3, 4), "normal"))),
    ("transpose()", lambda: shapes.Transpose(None), arrays(((2, 3, 4), "normal"))),
    ("transpose(1, 2, 0)", lambda: shapes.Transpose((1, 2, 0)), arrays(((2, 3, 4), "normal"))),
    ("broadcast_to", lambda: shapes.BroadcastTo((2, 3, 4)), arrays(((3, 1), "normal"))),
    ("scatter_add repeated", lambda: shapes.ScatterAdd(np.array([0, 0, 2]), (4, 2)), arrays(((3, 2), "normal"))),
    ("concatenate axis=1", lambda: shapes.Concatenate(1), arrays(((2, 3), "normal"), ((2, 1), "normal"))),
    ("stack axis=2", lambda: shapes.Stack(2), arrays(((2, 3), "normal"), ((2, 3), "normal"), ((2, 3), "normal"))),
]
for name, index in INDICES.items():
    CASES.append((f"getitem {name}", lambda index=index: shapes.GetItem(index), arrays(((3, 4), "normal"))))
for a_shape, b_shape in MATMUL_SHAPES:
    CASES.append((f"matmul {a_shape} {b_shape}", linalg.MatMul, arrays((a_shape, "normal"), (b_shape, "normal"))))
CASES += [
    ("pad", lambda: windows.Pad(((1, 2), (0, 0), (-1, 3)), value=2.5), arrays(((3, 4, 5), "normal"))),
    ("sliding_windows", lambda: windows.SlidingWindows((2, 2), (2, 1)), arrays(((1, 2, 5, 4), "normal"))),
    ("fold_windows", lambda: windows.FoldWindows((2, 2), (2, 1), (5, 4)), arrays(((1, 2, 2, 2, 2, 3), "normal"))),
    ("input", func.Input, arrays(((3, 4), "normal"))),
    ("var axis=1 correction=1", lambda: red.Var((1,), False, 1), arrays(((3, 4), "normal"))),
    ("var all keepdims correction=0", lambda: red.Var(None, True, 0), arrays(((3, 4), "normal"))),
    ("norm p=2 axis=1", lambda: red.Norm(2, (1,), False), arrays(((3, 4), "normal"))),
    ("norm p=1 all", lambda: red.Norm(1, None, False), arrays(((3, 4), "signed"))),
    ("norm p=3 axis=0 keepdims", lambda: red.Norm(3, (0,), True), arrays(((3, 4), "signed"))),
    ("clone", shapes.Clone, arrays(((3, 4), "normal"))),
    ("contiguous", shapes.Contiguous, arrays(((3, 4), "normal"))),
    ("tril", lambda: shapes.Tril(0), arrays(((2, 3, 4), "normal"))),
    ("triu diagonal=1", lambda: shapes.Triu(1), arrays(((3, 4), "normal"))),
    ("setitem broadcast value", lambda: inplace.SetItem(slice(1, None)), arrays(((3, 4), "normal"), ((4,), "normal"))),
    ("masked_fill", lambda: shapes.MaskedFill(np.array([[True, False, False, True]])),
     arrays(((3, 4), "normal"), ((), "normal"))),
]
CASE_IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("name, make_fn, inputs", CASES, ids=CASE_IDS)
def test_jvp_rule_matches_central_differences_of_forward(name, make_fn, inputs):
    check_jvp(make_fn, *inputs)


@pytest.mark.parametrize("name, make_fn, inputs", CASES, ids=CASE_IDS)
def test_jvp_rule_in_float32(name, make_fn, inputs):
    inputs32 = tuple(a.astype(np.float32) if a.dtype.kind == "f" else a for a in inputs)
    check_jvp(make_fn, *inputs32, atol=1e-5, rtol=1e-4)


def test_astype_to_float32_moves_the_tangent_to_float32():
    # The forward rounds to float32, so its differences are taken with a wide step (exact: astype is linear).
    check_jvp(lambda: ew.AsType(np.dtype(np.float32)), *arrays(((3, 4), "normal")), eps=1e-2, atol=1e-5)


def primitives():
    """Every Function subclass the package defines (abstract bases without a forward of their own excluded)."""
    found, to_visit = [], [Function]
    while to_visit:
        cls = to_visit.pop()
        for sub in cls.__subclasses__():
            to_visit.append(sub)
            if sub.__module__.startswith("autograd_lite.") and "forward" in vars(sub):
                found.append(sub)
    return found


def test_every_primitive_has_a_jvp_rule_with_its_math_and_a_test_case():
    tested = {type(case[1]()) if not isinstance(case[1], type) else case[1] for case in CASES}
    for primitive in primitives():
        rule = primitive.jvp
        assert rule is not Function.jvp, f"{primitive.__name__} has no jvp rule"
        assert rule.__doc__ and "d" in rule.__doc__ and "\n" not in rule.__doc__.strip(), primitive.__name__
        # a base whose forward its subclasses share (Triangle for tril/triu) is tested through them
        assert any(issubclass(case, primitive) for case in tested), f"{primitive.__name__} has no case in CASES"


# --------------------------------------------------------------------------- the same rules on Tensors


def as_function(make_fn, inputs):
    """The primitive as a function of its float inputs (the others held fixed), for the transforms."""
    floats = [i for i, a in enumerate(inputs) if a.dtype.kind == "f"]

    def f(*xs):
        tensors = [ag.tensor(a) for a in inputs]
        for i, x in zip(floats, xs):
            tensors[i] = x
        return apply(make_fn(), *tensors)

    return f, tuple(range(len(floats))), [ag.tensor(inputs[i]) for i in floats]


def weighted_sum(f, like):
    """x -> sum(f(x) * w) with fixed random weights w: a scalar that sees every output entry."""
    weights = ag.tensor(np.random.default_rng(7).standard_normal(like.shape))
    return lambda *xs: (f(*xs) * weights).sum()


SECOND_ORDER_IDS = (
    [f"{name} (3, 1) (1, 4)" for name in BINARY] + ["pow (2, 3) ()", "mul by an integer tensor"] + list(UNARY)
    + ["astype float64", "where", "clip both bounds"]
    + [f"{name} axis={axis}" for name in REDUCTIONS for axis in ("(0, 2) keepdims=True", "1 keepdims=False")]
    + ["reshape", "transpose(1, 2, 0)", "broadcast_to", "scatter_add repeated", "concatenate axis=1", "stack axis=2",
       "getitem pair of integer arrays", "getitem boolean mask", "matmul (4,) (4, 2)", "matmul (3, 4) (4, 2)", "input"]
)
SECOND_ORDER = [case for case in CASES if case[0] in SECOND_ORDER_IDS] + [
    ("pad (small)", lambda: windows.Pad(((1, 0), (-1, 2)), value=1.5), arrays(((2, 3), "normal"))),
    ("sliding_windows (small)", lambda: windows.SlidingWindows((2, 2), (1, 1)), arrays(((1, 1, 3, 3), "normal"))),
    ("fold_windows (small)", lambda: windows.FoldWindows((2, 2), (1, 1), (3, 3)),
     arrays(((1, 1, 2, 2, 2, 2), "normal"))),
]
assert len(SECOND_ORDER) == len(SECOND_ORDER_IDS) + 3


@pytest.mark.parametrize("name, make_fn, inputs", SECOND_ORDER, ids=[case[0] for case in SECOND_ORDER])
def test_rules_on_tensors_give_the_second_derivatives_reverse_mode_gives(name, make_fn, inputs):
    """Forward over forward and reverse over forward run the jvp rules on Tensors (recorded, or carrying the
    outer level's tangents); forward over reverse pushes tangents through the backward rules."""
    f, argnums, xs = as_function(make_fn, inputs)
    scalar = weighted_sum(f, f(*xs))
    reference = func.jacrev(func.jacrev(scalar, argnums), argnums)(*xs)
    for outer, inner in [(func.jacfwd, func.jacfwd), (func.jacrev, func.jacfwd), (func.jacfwd, func.jacrev)]:
        hessian = outer(inner(scalar, argnums), argnums)(*xs)
        for row, expected_row in zip(hessian, reference):
            for block, expected in zip(row, expected_row):
                np.testing.assert_allclose(block.data, expected.data, rtol=1e-10, atol=1e-12,
                                           err_msg=f"{outer.__name__} of {inner.__name__}")


# --------------------------------------------------------------------------- the engine


def test_a_primitive_without_a_jvp_rule_says_so():
    with pytest.raises(NotImplementedError, match="forward mode: square has no jvp rule"):
        func.jvp(lambda x: apply(Square(), x), (ag.ones(3),), (ag.ones(3),))
    assert forward_mode.open_levels == 0  # the level was closed on the way out


def test_the_engine_gives_zeros_to_inputs_without_a_tangent_and_broadcasts():
    a, b = ag.tensor(RNG.standard_normal((3, 1))), ag.tensor(RNG.standard_normal((1, 4)))
    v = ag.tensor(RNG.standard_normal((3, 1)))
    out, tangent = func.jvp(lambda a: a * b, (a,), (v,))  # b is closed over: no tangent
    np.testing.assert_array_equal(tangent.data, v.data * b.data)
    assert tangent.shape == out.shape == (3, 4)


def test_a_rule_giving_a_tangent_of_the_wrong_shape_raises_naming_the_op():
    class Broken(Square):
        op = "broken"

        def jvp(self, tangents, y, x):
            """d broken(x) = (wrongly) a tangent of another shape"""
            return np.ones(7)

    with pytest.raises(RuntimeError, match=r"jvp of 'broken' gave a tangent of shape \(7,\) for an output of "
                                           r"shape \(3,\)"):
        func.jvp(lambda x: apply(Broken(), x), (ag.ones(3),), (ag.ones(3),))


def test_a_rule_giving_another_dtype_is_cast_to_the_output_dtype():
    x = ag.tensor(np.ones(3, dtype=np.float32))
    out, tangent = func.jvp(lambda x: x * np.float64(2.0), (x,), (ag.tensor(np.ones(3, dtype=np.float32)),))
    assert out.dtype == tangent.dtype == np.float32


def test_jvp_runs_one_forward_pass_and_no_backward_pass(monkeypatch):
    def no_backward(*args, **kwargs):
        raise AssertionError("a backward pass ran")

    monkeypatch.setattr(backward, "run_backward", no_backward)
    calls = []

    def f(x):
        calls.append(1)
        return (x.tanh() * x).sum()

    x, v = ag.tensor(RNG.standard_normal(5)), ag.tensor(RNG.standard_normal(5))
    out, tangent = func.jvp(f, (x,), (v,))
    assert calls == [1]
    assert out.grad_fn is None and tangent.grad_fn is None  # nothing recorded for a backward pass
    t = np.tanh(x.data)
    np.testing.assert_allclose(tangent.item(), np.sum((1 - t * t) * x.data * v.data + t * v.data), rtol=1e-14)


def test_eager_code_never_sees_tangents():
    x = ag.tensor(RNG.standard_normal(4), requires_grad=True)
    func.jvp(lambda x: x.exp().sum(), (x,), (ag.ones(4),))
    assert forward_mode.open_levels == 0
    y = (x * 2).exp()
    assert not forward.has_tangents(y) and not forward.has_tangents(x)


def test_a_jvp_in_one_thread_puts_no_tangents_on_another_threads_tensors():
    inside, release, seen = threading.Event(), threading.Event(), []

    def f(x):
        inside.set()
        release.wait(5)
        return x * 2

    worker = threading.Thread(target=lambda: func.jvp(f, (ag.ones(2),), (ag.ones(2),)))
    worker.start()
    try:
        assert inside.wait(5)
        assert forward_mode.open_levels == 1  # open in the worker ...
        y = ag.ones(2) * 3  # ... but this thread has no level: its tensors get no tangents
        seen.append(forward.has_tangents(y))
    finally:
        release.set()
        worker.join()
    assert seen == [False] and forward_mode.open_levels == 0


def test_tangents_flow_through_no_grad_as_in_pytorch_forward_ad():
    x, v = ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0])

    def f(x):
        with ag.no_grad():
            return (x * x).sum()

    with ag.no_grad():
        out, tangent = func.jvp(f, (x,), (v,))
    assert tangent.item() == 6.0  # 2 x . v


def test_rules_receive_tangents_of_their_inputs_shape_and_zeros_stay_read_only():
    seen = []

    class Spy(ew.Add):
        def jvp(self, tangents, y, a, b):
            """d(a + b) = da + db (and remember what came in)"""
            seen.extend((t.shape, t.flags.writeable) for t in tangents)
            return super().jvp(tangents, y, a, b)

    a, b = ag.tensor(RNG.standard_normal((2, 3))), ag.tensor(RNG.standard_normal(3))
    func.jvp(lambda a: apply(Spy(), a, b), (a,), (ag.ones((2, 3)),))
    assert seen == [((2, 3), True), ((3,), False)]  # b's zeros: a read-only broadcast zero, never written


def test_the_jvp_of_a_recorded_input_is_differentiable_in_reverse():
    """Reverse over forward: with x requiring grad, the tangent is recorded and backward goes through it."""
    x = ag.tensor(RNG.standard_normal(3), requires_grad=True)
    v = ag.tensor(RNG.standard_normal(3))
    _, tangent = func.jvp(lambda x: (x ** 3).sum(), (x,), (v,))  # 3 x^2 . v
    tangent.backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data * v.data, rtol=1e-14)
