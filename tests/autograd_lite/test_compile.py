"""ag.compile: compiled steps give eager's numbers bit for bit; the printed program runs; errors are clear."""
from __future__ import annotations

import functools
import resource
import sys

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite import compiler
from autograd_lite.compiler import GuardError, TraceError, allocator
from autograd_lite.tensor import apply

STEPS = 20


def _mlp(sizes, activation, dtype, seed=0):
    ag.manual_seed(seed)
    ag.set_default_dtype(dtype)
    try:
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(fan_in, fan_out), activation()]
        return nn.Sequential(*layers[:-1])
    finally:
        ag.set_default_dtype(np.float64)


OPTIMIZERS = {
    "sgd": lambda p: nn.optim.SGD(p, lr=0.1),
    "momentum": lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9),
    "adam": lambda p: nn.optim.Adam(p, lr=1e-3),
}


def _training_step(model, opt, loss_fn=nn.functional.cross_entropy):
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _train(model_factory, optimizer, loss_fn, batches, compiled):
    model = model_factory()
    opt = OPTIMIZERS[optimizer](model.parameters())
    step = _training_step(model, opt, loss_fn)
    run = ag.compile(step) if compiled else step
    losses = [run(ag.tensor(x), ag.tensor(y)).data.copy() for x, y in batches]
    return model, losses, run


def _batches(n, features, classes, dtype, labels=True):
    rng = np.random.default_rng(1)
    out = []
    for _ in range(STEPS):
        x = rng.random((n, features)).astype(dtype)
        y = rng.integers(0, classes, n) if labels else (rng.random((n, classes)) > 0.5).astype(dtype)
        out.append((x, y))
    return out


def _assert_same(eager, compiled):
    (m1, l1, _), (m2, l2, run) = eager, compiled
    for (name, p1), (_, p2) in zip(m1.named_parameters(), m2.named_parameters()):
        assert p2.dtype == p1.dtype
        assert np.array_equal(p1.data, p2.data), f"{name} differs after {STEPS} steps"
    assert all(np.array_equal(a, b) for a, b in zip(l1, l2))
    assert run.cache_size == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_seed003_mlp_bit_exact(dtype, optimizer):
    """seed003's 784-50-10 sigmoid net with cross-entropy on integer labels."""
    def factory():
        return _mlp((784, 50, 10), nn.Sigmoid, dtype)
    batches = _batches(100, 784, 10, dtype)
    loss = nn.functional.cross_entropy
    _assert_same(_train(factory, optimizer, loss, batches, False), _train(factory, optimizer, loss, batches, True))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_relu_mlp_bit_exact(dtype, optimizer):
    def factory():
        return _mlp((64, 32, 32, 10), nn.ReLU, dtype)
    batches = _batches(16, 64, 10, dtype)
    loss = nn.functional.cross_entropy
    _assert_same(_train(factory, optimizer, loss, batches, False), _train(factory, optimizer, loss, batches, True))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_seed000_xor_net_bit_exact(dtype):
    """seed000's 2-2-1 tanh/sigmoid net with binary cross-entropy."""
    def factory():
        return nn.Sequential(*_mlp((2, 2, 1), nn.Tanh, dtype), nn.Sigmoid())
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = np.array([[0], [1], [1], [0]], dtype=dtype)
    batches = [(x, y)] * STEPS
    loss = nn.functional.binary_cross_entropy
    _assert_same(_train(factory, "sgd", loss, batches, False), _train(factory, "sgd", loss, batches, True))


def test_the_program_reads_parameters_live_so_eager_and_compiled_steps_mix():
    batches = _batches(8, 5, 3, np.float64)
    eager = _train(lambda: _mlp((5, 4, 3), nn.Tanh, np.float64), "momentum", nn.functional.cross_entropy,
                   batches, False)
    model = _mlp((5, 4, 3), nn.Tanh, np.float64)
    step = _training_step(model, OPTIMIZERS["momentum"](model.parameters()))
    compiled = ag.compile(step)
    for i, (x, y) in enumerate(batches):
        (compiled if i % 3 else step)(ag.tensor(x), ag.tensor(y))
    for p1, p2 in zip(eager[0].parameters(), model.parameters()):
        assert np.array_equal(p1.data, p2.data)
    assert model[0].weight.grad is not None  # .grad holds the last call's gradient


def test_printed_source_executes_and_gives_the_same_numbers():
    model = _mlp((6, 4, 3), nn.Tanh, np.float64)
    twin = _mlp((6, 4, 3), nn.Tanh, np.float64)
    opt, twin_opt = nn.optim.SGD(model.parameters(), lr=0.1), nn.optim.SGD(twin.parameters(), lr=0.1)
    make_step = _training_step
    compiled = ag.compile(make_step(model, opt))
    batches = _batches(5, 6, 3, np.float64)
    compiled(ag.tensor(batches[0][0]), ag.tensor(batches[0][1]))
    make_step(twin, twin_opt)(ag.tensor(batches[0][0]), ag.tensor(batches[0][1]))
    source = compiled.source
    assert "np.tanh(" in source and "# forward" in source and "# backward" in source and "# update" in source
    assert "linear0_weight" in source and "out=" in source
    assert "np.copyto(" not in source and "[const, y" in source  # the labels' copy is the labels themselves
    assert "# views of the buffers, made once" in source and "(a view made once, above)" in source
    assert ".fill(0)" in source and "np.zeros_like" not in source  # the scatter's zeros: a buffer filled
    namespace = dict(compiled.constants)
    exec(source, namespace)
    x, y = ag.tensor(batches[1][0]), ag.tensor(batches[1][1])
    (loss, *_) = namespace["compiled_step"](*compiled.program_inputs(x, y))
    expected = compiled(ag.tensor(batches[1][0]), ag.tensor(batches[1][1]))  # on the twin's weights, below
    # the printed program updated `model` in place; the compiled call then took a second step on it,
    # so compare the printed program's first step with the eager twin's
    eager_loss = make_step(twin, twin_opt)(x, y)
    assert np.array_equal(loss, eager_loss.data)
    assert expected.shape == ()


def test_inference_under_no_grad_and_a_new_shape_traces_again():
    model = _mlp((5, 4, 3), nn.ReLU, np.float32)

    @ag.no_grad()
    def predict(x):
        return nn.functional.softmax(model(x), axis=1)

    compiled = ag.compile(predict)
    rng = np.random.default_rng(0)
    for n in (4, 4, 7, 7, 4):
        x = ag.tensor(rng.random((n, 5)).astype(np.float32))
        assert np.array_equal(compiled(x).data, predict(x).data)
    assert compiled.cache_size == 2
    assert compiled(x).dtype == np.float32


def test_returned_arrays_are_fresh_copies():
    w = ag.tensor(np.ones(3), requires_grad=True)
    compiled = ag.compile(lambda x: (w * x).sum())
    first = compiled(ag.tensor(np.arange(3.0)))
    second = compiled(ag.tensor(np.ones(3)))
    third = compiled(ag.tensor(np.full(3, 2.0)))
    assert (first.item(), second.item(), third.item()) == (3.0, 3.0, 6.0)


def test_five_op_graph_gradients():
    a = ag.tensor(np.linspace(0.5, 1.5, 8), requires_grad=True)
    b = ag.tensor(np.linspace(1.5, 0.5, 8), requires_grad=True)

    def graph(a, b):
        ((a * b + a).tanh() * b).sum().backward()

    compiled = ag.compile(graph)
    for _ in range(3):
        a.zero_grad()
        b.zero_grad()
        compiled(a, b)
        got = a.grad.data.copy(), b.grad.data.copy()
        a.zero_grad()
        b.zero_grad()
        graph(a, b)
        assert np.array_equal(got[0], a.grad.data) and np.array_equal(got[1], b.grad.data)


# --------------------------------------------------------------------------- errors


def _simple_step():
    w = ag.tensor(np.ones((3, 2)), requires_grad=True)

    def step(x):
        return (x @ w).sum()

    return ag.compile(step)


def test_a_different_number_of_inputs_is_an_error():
    compiled = _simple_step()
    compiled(ag.tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match="traced with 1 inputs, called with 2"):
        compiled(ag.tensor(np.ones((2, 3))), ag.tensor(np.ones(2)))


def test_a_list_where_a_tensor_was_traced_is_an_error():
    compiled = _simple_step()
    compiled(ag.tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match="input 0 is a list .it was a Tensor when traced"):
        compiled([[1.0, 2.0, 3.0]])


def test_a_step_without_operations_says_so():
    with pytest.raises(TraceError, match="no array operation"):
        ag.compile(lambda x: x)(ag.tensor(np.ones(2)))


def test_reading_a_value_into_python_is_refused():
    compiled = ag.compile(lambda x: (x * 2).sum().item())
    with pytest.raises(TraceError, match="item"):
        compiled(ag.tensor(np.ones(2)))


def test_random_draws_are_refused():
    compiled = ag.compile(lambda x: x * ag.randn(2))
    with pytest.raises(TraceError, match="random"):
        compiled(ag.tensor(np.ones(2)))


def test_a_python_branch_on_a_value_is_guarded():
    def fn(x):
        s = (x * 1.0).sum()
        return s * 2 if s.data > 0 else s * 3

    compiled = ag.compile(fn)
    assert compiled(ag.tensor(np.ones(2))).item() == 4.0
    assert compiled(ag.tensor(np.full(2, 2.0))).item() == 8.0
    with pytest.raises(GuardError, match="other way"):
        compiled(ag.tensor(np.full(2, -1.0)))


def test_labels_are_inputs_and_their_range_check_stays():
    model = _mlp((4, 3), nn.Tanh, np.float64)
    compiled = ag.compile(lambda x, y: nn.functional.cross_entropy(model(x), y))
    x = ag.tensor(np.ones((2, 4)))
    a = compiled(x, ag.tensor(np.array([0, 1])))
    b = compiled(x, ag.tensor(np.array([2, 2])))
    assert a.item() != b.item()
    assert b.item() == nn.functional.cross_entropy(model(x), ag.tensor(np.array([2, 2]))).item()
    with pytest.raises(GuardError):
        compiled(x, ag.tensor(np.array([0, 5])))


# --------------------------------------------------------------------------- arrays escaping the trace
# An array read around the trace (a plain view of a traced array) would freeze into the program as a
# constant: compiled steps would then silently give other numbers than eager. Each way is refused.


class _Doubling(ag.Function):
    """2x, with `read` turning the input (or the gradient) into the array the rule computes on."""

    op = "doubling"

    def __init__(self, read_input=lambda x: x, read_grad=lambda g: g):
        self.read_input, self.read_grad = read_input, read_grad

    def forward(self, x):
        return self.read_input(x) * 2

    def backward(self, g, y, x):
        """d(2x)/dx = 2"""
        return (self.read_grad(g) * 2,)


def _plain_view(x):
    return np.ndarray.view(x, np.ndarray)  # what np.asarray does, without passing through np.asarray


def _doubling_step(**reads):
    w = ag.tensor(np.arange(3.0), requires_grad=True)

    def step(x):
        w.zero_grad()
        loss = apply(_Doubling(**reads), w * x).sum()
        loss.backward()
        return loss

    return w, step


def test_the_escape_checks_let_the_honest_op_compile():
    w, step = _doubling_step()
    compiled = ag.compile(step)
    for x in (np.ones(3), np.full(3, 2.0)):
        assert compiled(ag.tensor(x)).item() == step(ag.tensor(x)).item() == 2 * (np.arange(3.0) * x).sum()
    assert np.array_equal(w.grad.data, 2 * np.full(3, 2.0))


@pytest.mark.parametrize("reads, message", [
    ({"read_input": lambda x: np.asarray(x)}, r"np\.asarray\(\) of a traced array .*test_compile\.py"),
    ({"read_input": lambda x: np.array(x)}, r"np\.array\(\)"),
    ({"read_input": lambda x: np.ascontiguousarray(x)}, r"np\.ascontiguousarray\(\)"),
    ({"read_input": lambda x: x.view(np.ndarray)}, r"\.view\(ndarray\)"),
    ({"read_input": _plain_view}, r"the forward of 'doubling' computed a plain array"),
    ({"read_input": lambda x: x + _plain_view(x)}, r"shares memory with the traced array"),
    ({"read_grad": lambda g: np.asarray(g)}, r"np\.asarray\(\)"),
    ({"read_grad": _plain_view}, r"the backward of 'doubling' computed a plain array"),
])
def test_a_primitive_computing_around_the_trace_is_refused_when_tracing(reads, message):
    w, step = _doubling_step(**reads)
    expected = step(ag.tensor(np.ones(3))).item()  # eager, the op works: only its trace would be wrong
    compiled = ag.compile(step)
    with pytest.raises(TraceError, match=message):
        compiled(ag.tensor(np.ones(3)))
    assert type(w.data) is np.ndarray and not hasattr(np.asarray, "__wrapped__")  # all put back
    assert compiled.cache_size == 0 and step(ag.tensor(np.ones(3))).item() == expected


def test_an_update_reading_a_gradient_around_the_trace_is_refused():
    w = ag.tensor(np.ones(3), requires_grad=True)

    def step(x):
        w.zero_grad()
        (w * x).sum().backward()
        w.data -= 0.1 * np.asarray(w.grad.data)  # the update would replay the traced call's gradient forever

    with pytest.raises(TraceError, match=r"np\.asarray\(\)"):
        ag.compile(step)(ag.tensor(np.arange(3.0)))
    assert np.asarray(np.ones(2)).tolist() == [1.0, 1.0] and not hasattr(np.asarray, "__wrapped__")


def test_a_plain_result_through_an_apply_the_trace_cannot_replace_is_refused():
    w = ag.tensor(np.arange(3.0), requires_grad=True)

    def step(x, apply=apply):  # a default argument: a reference to `apply` the trace does not see
        return apply(_Doubling(read_input=_plain_view), w * x).sum()

    with pytest.raises(TraceError, match="'doubling' made a plain array"):
        ag.compile(step)(ag.tensor(np.ones(3)))


def test_a_plain_array_indexed_with_traced_labels_is_refused_on_the_first_replay():
    """NumPy hands `table[labels]` to the table: a plain table, indexed with traced labels, is invisible."""
    model = _mlp((4, 3), nn.Tanh, np.float64)
    table = np.array([1.0, 2.0, 3.0])

    def step(x, y):
        return (model(x).sum(axis=1) * ag.tensor(table[y.data])).sum()  # the picked weights would freeze

    compiled = ag.compile(step)
    x = ag.tensor(np.ones((2, 4)))
    compiled(x, ag.tensor(np.array([0, 1])))  # traced
    with pytest.raises(TraceError, match="on its first replay the program gave other numbers.*returned value"):
        compiled(x, ag.tensor(np.array([2, 2])))
    assert compiled.cache_size == 0


def test_a_python_number_changed_between_calls_is_refused_on_the_first_replay():
    model = _mlp((4, 3), nn.Tanh, np.float64)
    settings = {"lr": 0.1}  # a learning rate the step reads from a dict of its own: the program holds 0.1

    def step(x, y):
        for p in model.parameters():
            p.grad = None
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        with ag.no_grad():
            for p in model.parameters():
                p -= settings["lr"] * p.grad
        return loss

    compiled = ag.compile(step)
    x, y = ag.tensor(np.ones((2, 4))), ag.tensor(np.array([0, 2]))
    step(x, y)  # an eager step first: the traced call and its first replay both start with .grads
    compiled(x, y)
    settings["lr"] = 0.05
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(TraceError, match="linear0_weight.*differ"):
        compiled(x, y)
    # the refused call ran eagerly, with the new learning rate
    assert np.array_equal(model[0].bias.data, before[1] - 0.05 * model[0].bias.grad.data)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_scheduler_changing_the_learning_rate_traces_again_and_stays_bit_exact(optimizer):
    def run(compiled):
        model = _mlp((6, 5, 3), nn.Tanh, np.float64)
        opt = OPTIMIZERS[optimizer](model.parameters())
        scheduler = nn.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
        step = _training_step(model, opt)
        run_step = ag.compile(step) if compiled else step
        for x, y in _batches(4, 6, 3, np.float64)[:12]:
            run_step(ag.tensor(x), ag.tensor(y))
            scheduler.step()
        return model, run_step

    (eager, _), (compiled, step) = run(False), run(True)
    for p, q in zip(eager.parameters(), compiled.parameters()):
        assert np.array_equal(p.data, q.data)
    assert step.cache_size == 3  # lr, lr/2, lr/4: one program each
    assert step.traces == (4 if optimizer != "sgd" else 3)  # momentum and Adam create their state first


def test_the_cache_keeps_the_newest_programs():
    model = _mlp((3, 2), nn.Tanh, np.float64)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    step = ag.compile(_training_step(model, opt))
    x, y = ag.tensor(np.ones((2, 3))), ag.tensor(np.array([0, 1]))
    for k in range(compiler.MAX_PROGRAMS + 3):
        opt.param_groups[0]["lr"] = 0.1 / (k + 1)
        step(x, y)
    assert step.cache_size == compiler.MAX_PROGRAMS
    assert step.traces == compiler.MAX_PROGRAMS + 3


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", ["nesterov", "adagrad", "rmsprop", "amsgrad"])
def test_other_optimizers_bit_exact(dtype, optimizer):
    make = {
        "nesterov": lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
        "adagrad": lambda p: nn.optim.Adagrad(p, lr=0.1, lr_decay=0.01),
        "rmsprop": lambda p: nn.optim.RMSprop(p, lr=0.01, momentum=0.5),
        "amsgrad": lambda p: nn.optim.AdamW(p, lr=1e-3, amsgrad=True),
    }
    OPTIMIZERS[optimizer] = make[optimizer]
    try:
        def factory():
            return _mlp((6, 5, 3), nn.Tanh, dtype)
        batches = _batches(4, 6, 3, dtype)
        loss = nn.functional.cross_entropy
        _assert_same(_train(factory, optimizer, loss, batches, False), _train(factory, optimizer, loss, batches, True))
    finally:
        del OPTIMIZERS[optimizer]


def _conv_net():
    ag.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(27, 4))


def _normalized_gelu_net():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.GELU(), nn.Linear(5, 3), nn.LogSoftmax(1))


@pytest.mark.parametrize("model, loss, shape", [
    (_conv_net, nn.functional.cross_entropy, (5, 1, 8, 8)),
    (_normalized_gelu_net, lambda out, y: nn.functional.nll_loss(out, y, weight=np.array([1.0, 2.0, 0.5])), (8, 6)),
])
def test_layers_of_the_nn_examples_bit_exact(model, loss, shape):
    """Convolution, pooling, batch norm (running statistics are state too), GELU's erf, weighted NLL."""
    rng = np.random.default_rng(0)
    batches = [(rng.random(shape), rng.integers(0, 3, shape[0])) for _ in range(STEPS // 2)]
    _assert_same(_train(model, "momentum", loss, batches, False), _train(model, "momentum", loss, batches, True))


def test_batched_matmul_where_clip_indexing_and_a_0d_parameter_bit_exact():
    """The issue-10 rules: broadcast batch axes summed back, copied conditions and indices, 0-d gradients."""
    def run(compiled):
        rng = np.random.default_rng(0)
        w, v = (ag.tensor(rng.random(shape), requires_grad=True) for shape in ((3, 4, 5), (5, 2)))
        s = ag.tensor(np.array(0.7), requires_grad=True)
        opt = nn.optim.SGD([w, v, s], lr=0.05, momentum=0.5)

        def step(x, index, mask):
            opt.zero_grad()
            h = ag.clip(ag.where(mask, (x @ w) @ v, ((x @ w) @ v) * s), -1.0, 1.5)
            loss = (h[:, :, index] ** 2).sum() + s * s
            loss.backward()
            opt.step()
            return loss

        run_step = ag.compile(step) if compiled else step
        data = np.random.default_rng(1)
        losses = [run_step(ag.tensor(data.random((2, 3, 6, 4))), data.integers(0, 6, 3),
                           data.random((2, 3, 6, 2)) > 0.5).data.copy() for _ in range(8)]
        return [w, v, s], losses

    (eager, eager_losses), (compiled, compiled_losses) = run(False), run(True)
    assert all(np.array_equal(a.data, b.data) for a, b in zip(eager, compiled))
    assert all(np.array_equal(a, b) for a, b in zip(eager_losses, compiled_losses))
    assert type(compiled[2].grad.data) is np.ndarray and compiled[2].grad.shape == ()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="page-fault counts and glibc's thresholds: Linux")
def test_a_compiled_loop_over_fresh_batches_does_not_page_fault_every_step():
    # seed003's loop: a new float64 batch of 100 MNIST images per step, the step itself allocation-free.
    # With glibc's default thresholds each freed batch went back to the OS: 350 page faults a step.
    images = np.random.default_rng(0).random((2_000, 784), dtype=np.float32)
    labels = np.random.default_rng(1).integers(0, 10, 2_000)
    model = _mlp((784, 50, 10), nn.Sigmoid, np.float64)
    step = ag.compile(_training_step(model, nn.optim.SGD(model.parameters(), lr=0.1)))
    rng = np.random.default_rng(2)

    def iterate(count):
        for _ in range(count):
            rows = rng.choice(len(images), 100)
            step(ag.tensor(images[rows].astype(np.float64)), labels[rows])

    iterate(20)  # trace, verify, settle
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    iterate(50)
    faults_per_step = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 50
    assert step.traces == 1
    assert faults_per_step < 20  # a batch is 153 pages


def test_the_allocator_thresholds_are_left_alone_when_the_user_set_them(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert allocator._set_thresholds() is False


def test_model_eval_traces_again():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    forward = ag.compile(lambda x: model(x))
    x = ag.tensor(np.random.default_rng(0).random((5, 3)))
    for _ in range(3):
        forward(x)  # training mode: batch statistics, running statistics updated
    model.eval()
    expected = model(x).data.copy()
    assert np.array_equal(forward(x).data, expected)  # the running statistics, as eager
    assert forward.traces == 2 and forward.cache_size == 2


def test_a_training_step_called_under_no_grad_behaves_as_eager():
    model = _mlp((3, 2), nn.Tanh, np.float64)
    step = ag.compile(_training_step(model, nn.optim.SGD(model.parameters(), lr=0.1)))
    x, y = ag.tensor(np.ones((2, 3))), ag.tensor(np.array([0, 1]))
    for _ in range(3):
        step(x, y)
    before = [p.data.copy() for p in model.parameters()]
    with ag.no_grad(), pytest.raises(RuntimeError, match="does not require grad"):
        step(x, y)
    assert all(np.array_equal(p.data, b) for p, b in zip(model.parameters(), before))


def test_an_input_that_now_requires_grad_traces_again_and_gets_its_gradient():
    w = ag.tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)

    def step(x):
        w.grad = None
        loss = (ag.tanh(x * w) ** 2).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    for _ in range(3):
        compiled(ag.tensor(np.array([0.3, 0.2, 0.1])))
    x = ag.tensor(np.array([0.3, 0.2, 0.1]), requires_grad=True)
    compiled(x)
    y = ag.tensor(x.data.copy(), requires_grad=True)
    step(y)
    assert x.grad is not None and np.array_equal(x.grad.data, y.grad.data)
    assert compiled.traces == 2


@pytest.mark.parametrize("every", [2, 3])
def test_gradients_accumulated_over_calls_before_each_optimizer_step_are_bit_exact(every):
    def run(compiled):
        model = _mlp((4, 5, 3), nn.Tanh, np.float64)
        opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def accumulate(x, y):  # backward only: .grads add up over calls, as in PyTorch
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            return loss

        step = ag.compile(accumulate) if compiled else accumulate
        for i, (x, y) in enumerate(_batches(2, 4, 3, np.float64)):
            step(ag.tensor(x), ag.tensor(y))
            if i % every == every - 1:
                opt.step()
                opt.zero_grad()
        return model, step

    (eager, _), (compiled, step) = run(False), run(True)
    for p, q in zip(eager.parameters(), compiled.parameters()):
        assert np.array_equal(p.data, q.data)
    assert step.cache_size == 2  # the first call after zero_grad makes the .grads, the others add to them


def test_a_key_that_never_settles_falls_back_to_eager_with_one_warning():
    model = _mlp((3, 2), nn.Tanh, np.float64)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    step = ag.compile(_training_step(model, opt))
    twin = _mlp((3, 2), nn.Tanh, np.float64)
    twin_opt = nn.optim.SGD(twin.parameters(), lr=0.1)
    eager = _training_step(twin, twin_opt)
    x, y = ag.tensor(np.ones((2, 3))), ag.tensor(np.array([0, 1]))
    with pytest.warns(RuntimeWarning, match="traced 16 times") as warned:
        for k in range(compiler.TRACE_LIMIT + 5):
            opt.param_groups[0]["lr"] = twin_opt.param_groups[0]["lr"] = 0.1 / (k + 1)  # a new lr every step
            step(x, y)
            eager(x, y)
    assert len(warned) == 1
    assert step.traces == compiler.TRACE_LIMIT and step.eager_from_now
    for p, q in zip(model.parameters(), twin.parameters()):
        assert np.array_equal(p.data, q.data)


@pytest.mark.parametrize("change", ["reload both", "new optimizer object", "new model object", "state cleared"])
def test_resuming_from_a_checkpoint_or_new_objects_between_calls_stay_bit_exact(change):
    def run(compiled):
        holder = {"model": _mlp((4, 5, 3), nn.Tanh, np.float64)}
        holder["opt"] = nn.optim.Adam(holder["model"].parameters(), lr=0.01)

        def step(x, y):  # the model and optimizer of this call
            return _training_step(holder["model"], holder["opt"])(x, y)

        run_step = ag.compile(step) if compiled else step
        batches = [(ag.tensor(x), ag.tensor(y)) for x, y in _batches(5, 4, 3, np.float64)]
        for x, y in batches[:6]:
            run_step(x, y)
        saved_model, saved_opt = holder["model"].state_dict(), holder["opt"].state_dict()
        for x, y in batches[6:9]:
            run_step(x, y)
        if change == "new model object":
            holder["model"] = _mlp((4, 5, 3), nn.Tanh, np.float64, seed=1)
            holder["opt"] = nn.optim.Adam(holder["model"].parameters(), lr=0.01)
        if change == "new optimizer object":
            holder["opt"] = nn.optim.Adam(holder["model"].parameters(), lr=0.01)
        if change == "state cleared":
            holder["opt"].state.clear()
        else:
            holder["model"].load_state_dict(saved_model)
            holder["opt"].load_state_dict(saved_opt)
        for x, y in batches[9:]:
            run_step(x, y)
        return holder["model"]

    for p, q in zip(run(False).parameters(), run(True).parameters()):
        assert np.array_equal(p.data, q.data)


def test_a_layer_replaced_between_calls_traces_again():
    def run(compiled):
        ag.manual_seed(0)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body, self.head = nn.Linear(4, 5), nn.Linear(5, 3)

            def forward(self, x):
                return self.head(ag.tanh(self.body(x)))

        model = Net()

        def step(x, y):  # (an optimizer made on every call: no state to carry)
            return _training_step(model, nn.optim.SGD(model.parameters(), lr=0.1))(x, y)

        run_step = ag.compile(step) if compiled else step
        batches = [(ag.tensor(x), ag.tensor(y)) for x, y in _batches(5, 4, 3, np.float64)]
        for x, y in batches[:5]:
            run_step(x, y)
        ag.manual_seed(1)
        model.head = nn.Linear(5, 3)  # fine-tuning: a new head
        for x, y in batches[5:]:
            run_step(x, y)
        return model, run_step

    (eager, _), (compiled, step) = run(False), run(True)
    for p, q in zip(eager.parameters(), compiled.parameters()):
        assert np.array_equal(p.data, q.data)
    assert step.traces == 2


def _freeze_first_layer(model):
    for p in model[0].parameters():
        p.requires_grad_(False)  # fine-tuning: the first layer frozen


def _halve_first_weights_gradient(model):
    model.handle = model[0].weight.register_hook(lambda g: g * 0.5)


def _fortran_order_first_weight(model):
    model[0].weight.data = np.asfortranarray(model[0].weight.data)


CHANGES_BETWEEN_CALLS = {  # name: {step before which it happens: what happens}
    "a layer frozen": {5: _freeze_first_layer},
    "a hook registered, later removed": {4: _halve_first_weights_gradient, 8: lambda model: model.handle.remove()},
    "model.to(float32)": {4: lambda model: model.to(np.float32)},  # the same Parameters; the inputs stay float64
    "a weight in Fortran order": {4: _fortran_order_first_weight},
}


@pytest.mark.parametrize("change", list(CHANGES_BETWEEN_CALLS))
def test_a_model_changed_between_calls_traces_again_and_stays_bit_exact(change):
    def run(compiled):
        model = _mlp((4, 5, 3), nn.Tanh, np.float64)
        step = _training_step(model, nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
        run_step = ag.compile(step) if compiled else step
        for i, (x, y) in enumerate(_batches(5, 4, 3, np.float64)[:12]):
            if i in CHANGES_BETWEEN_CALLS[change]:
                CHANGES_BETWEEN_CALLS[change][i](model)
            run_step(ag.tensor(x), ag.tensor(y))
        return model, run_step

    (eager, _), (compiled, step) = run(False), run(True)
    for p, q in zip(eager.parameters(), compiled.parameters()):
        assert q.dtype == p.dtype and np.array_equal(p.data, q.data)
    assert step.traces >= 2
    assert not np.array_equal(compiled[0].weight.data, _mlp((4, 5, 3), nn.Tanh, np.float64)[0].weight.data)


def test_a_new_default_dtype_traces_again():
    compiled = ag.compile(lambda x: x * ag.tensor(0.1))  # the constant takes the default dtype
    x = ag.tensor(np.array([1.0, 2.0, 3.0]))
    for _ in range(3):
        compiled(x)
    ag.set_default_dtype(np.float32)
    try:
        assert np.array_equal(compiled(x).data, (x * ag.tensor(0.1)).data)
    finally:
        ag.set_default_dtype(np.float64)
    assert compiled.traces == 2


def test_a_callable_object_as_the_step_finds_its_optimizer_and_model():
    class Trainer:
        def __init__(self):
            self.model = _mlp((4, 5, 3), nn.Tanh, np.float64)
            self.optimizer = nn.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)

        def __call__(self, x, y):
            return _training_step(self.model, self.optimizer)(x, y)

    eager, trainer = Trainer(), Trainer()
    step = ag.compile(trainer)
    for i, (x, y) in enumerate(_batches(5, 4, 3, np.float64)[:10]):
        if i == 5:
            for t in (eager, trainer):
                t.optimizer.param_groups[0]["lr"] = 0.01
        eager(ag.tensor(x), ag.tensor(y))
        step(ag.tensor(x), ag.tensor(y))
    for p, q in zip(eager.model.parameters(), trainer.model.parameters()):
        assert np.array_equal(p.data, q.data)
    assert step.reach is not None and step.reach.optimizers == [trainer.optimizer]


def test_a_partial_as_the_step_finds_the_optimizer_it_was_given():
    def train(model, optimizer, x, y):
        return _training_step(model, optimizer)(x, y)

    runs = []
    for compiled in (False, True):
        model = _mlp((4, 5, 3), nn.Tanh, np.float64)
        optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
        step = functools.partial(train, model, optimizer)
        run_step = ag.compile(step) if compiled else step
        for i, (x, y) in enumerate(_batches(5, 4, 3, np.float64)[:10]):
            if i == 5:
                optimizer.param_groups[0]["lr"] = 0.01
            run_step(ag.tensor(x), ag.tensor(y))
        runs.append(model)
    for p, q in zip(*(m.parameters() for m in runs)):
        assert np.array_equal(p.data, q.data)


def test_objects_whose_attributes_raise_do_not_break_the_search():
    class Touchy:
        def __getattr__(self, name):
            raise RuntimeError(f"no {name} here")

    touchy = Touchy()
    w = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)

    def step(x):
        assert touchy is not None  # fn reaches it by name
        w.grad = None
        loss = (x * w).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    for _ in range(3):
        compiled(ag.tensor(np.array([3.0, 4.0])))
    assert np.array_equal(w.grad.data, [3.0, 4.0])
