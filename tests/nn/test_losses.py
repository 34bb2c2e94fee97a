"""Losses: values against hand-written NumPy formulas, gradients against the numerical
oracle (every reduction, several shapes), second order, stability at ±1000 and dtypes."""
import warnings

import numpy as np
import pytest

import autograd_lite as ag
import nn

F = nn.functional

REDUCTIONS = ["mean", "sum", "none"]
CE_SHAPES = [(1, 2), (4, 3), (7, 10)]
ELEMENTWISE_SHAPES = [(5,), (3, 4), (2, 3, 2)]


def reduce_numpy(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](loss)


def scalar(loss, reduction, seed=9):
    """A scalar to differentiate: the loss itself, or a random weighting of per-element losses."""
    if reduction != "none":
        return loss
    return (loss * np.random.default_rng(seed).normal(size=loss.shape)).sum()


def logsumexp_numpy(z):
    m = z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]


def sigmoid_numpy(z):
    return 1 / (1 + np.exp(-z))


def bce_numpy(p, t):
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def cross_entropy_problem(shape, seed=0):
    rng = np.random.default_rng(seed)
    logits = ag.tensor(rng.normal(scale=3.0, size=shape), requires_grad=True)
    labels = rng.integers(0, shape[1], size=shape[0])
    probabilities = rng.random(shape)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return logits, labels, probabilities


def binary_problem(shape, seed=0):
    """Logits, probabilities in (0.05, 0.95) (away from the log floor) and soft targets in [0, 1]."""
    rng = np.random.default_rng(seed)
    logits = ag.tensor(rng.normal(scale=3.0, size=shape), requires_grad=True)
    probs = ag.tensor(rng.uniform(0.05, 0.95, size=shape), requires_grad=True)
    return logits, probs, rng.random(shape)


# ----------------------------------------------------------------------------- values and first derivatives


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", CE_SHAPES)
def test_cross_entropy_with_labels(shape, reduction):
    logits, labels, _ = cross_entropy_problem(shape)
    expected = logsumexp_numpy(logits.data) - logits.data[np.arange(shape[0]), labels]
    out = F.cross_entropy(logits, labels, reduction=reduction)
    np.testing.assert_allclose(out.data, reduce_numpy(expected, reduction), rtol=1e-12)
    assert ag.gradcheck(lambda z: scalar(F.cross_entropy(z, labels, reduction=reduction), reduction), logits)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", CE_SHAPES)
def test_cross_entropy_with_probabilities(shape, reduction):
    logits, _, targets = cross_entropy_problem(shape)
    log_probs = logits.data - logsumexp_numpy(logits.data)[:, None]
    expected = -(targets * log_probs).sum(axis=1)
    out = F.cross_entropy(logits, targets, reduction=reduction)
    np.testing.assert_allclose(out.data, reduce_numpy(expected, reduction), rtol=1e-12)
    assert ag.gradcheck(lambda z: scalar(F.cross_entropy(z, targets, reduction=reduction), reduction), logits)


def test_cross_entropy_gradient_flows_into_soft_targets():
    logits, _, targets = cross_entropy_problem((3, 4))
    targets = ag.tensor(targets, requires_grad=True)
    assert ag.gradcheck(lambda z, t: F.cross_entropy(z, t), logits, targets)
    (dt,) = ag.grad(F.cross_entropy(logits, targets, reduction="sum"), targets)
    np.testing.assert_allclose(dt.data, -F.log_softmax(logits).data, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_labels_equal_one_hot_targets(reduction):
    logits, labels, _ = cross_entropy_problem((6, 5), seed=3)
    one_hot = np.eye(5)[labels]
    with_labels = F.cross_entropy(logits, labels, reduction=reduction)
    with_one_hot = F.cross_entropy(logits, one_hot, reduction=reduction)
    np.testing.assert_allclose(with_labels.data, with_one_hot.data, rtol=1e-12)
    grad_labels = ag.grad(scalar(with_labels, reduction), logits)[0]
    grad_one_hot = ag.grad(scalar(with_one_hot, reduction), logits)[0]
    np.testing.assert_allclose(grad_labels.data, grad_one_hot.data, rtol=1e-12, atol=1e-15)


def test_cross_entropy_accepts_label_tensors_and_matches_textbook_gradient():
    logits, labels, _ = cross_entropy_problem((5, 3), seed=4)
    loss = F.cross_entropy(logits, ag.tensor(labels))
    loss.backward()
    softmax = np.exp(logits.data) / np.exp(logits.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(logits.grad.data, (softmax - np.eye(3)[labels]) / 5, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_binary_cross_entropy(shape, reduction):
    _, probs, targets = binary_problem(shape)
    out = F.binary_cross_entropy(probs, targets, reduction=reduction)
    np.testing.assert_allclose(out.data, reduce_numpy(bce_numpy(probs.data, targets), reduction), rtol=1e-12)
    assert ag.gradcheck(lambda p: scalar(F.binary_cross_entropy(p, targets, reduction=reduction), reduction), probs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_binary_cross_entropy_with_logits(shape, reduction):
    logits, _, targets = binary_problem(shape)
    expected = bce_numpy(sigmoid_numpy(logits.data), targets)
    out = F.binary_cross_entropy_with_logits(logits, targets, reduction=reduction)
    np.testing.assert_allclose(out.data, reduce_numpy(expected, reduction), rtol=1e-10)
    assert ag.gradcheck(
        lambda z: scalar(F.binary_cross_entropy_with_logits(z, targets, reduction=reduction), reduction), logits
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_mse_loss(shape, reduction):
    logits, _, targets = binary_problem(shape)
    out = F.mse_loss(logits, targets, reduction=reduction)
    np.testing.assert_allclose(out.data, reduce_numpy((logits.data - targets) ** 2, reduction), rtol=1e-12)
    assert ag.gradcheck(lambda x: scalar(F.mse_loss(x, targets, reduction=reduction), reduction), logits)


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    # Logits exactly 0 (e.g. a zero-initialised output layer): d/dz = sigmoid(0) - t = 0.5 - t.
    logits = ag.zeros(4, requires_grad=True)
    targets = np.array([0.0, 1.0, 0.25, 1.0])
    (dz,) = ag.grad(F.binary_cross_entropy_with_logits(logits, targets, reduction="sum"), logits)
    np.testing.assert_allclose(dz.data, 0.5 - targets, rtol=1e-15)


def test_float32_gradients_pass_gradcheck():
    # The oracle evaluates in float64; autodiff runs in float32 (about 7 significant digits).
    logits, labels, probabilities = cross_entropy_problem((4, 3), seed=10)
    _, probs, targets = binary_problem((4, 3), seed=10)
    z32 = ag.tensor(logits.data.astype(np.float32), requires_grad=True)
    p32 = ag.tensor(probs.data.astype(np.float32), requires_grad=True)
    assert ag.gradcheck(lambda z: F.cross_entropy(z, labels), z32, atol=1e-4)
    assert ag.gradcheck(lambda z: F.cross_entropy(z, probabilities), z32, atol=1e-4)
    assert ag.gradcheck(lambda z: F.binary_cross_entropy_with_logits(z, targets), z32, atol=1e-4)
    assert ag.gradcheck(lambda p: F.binary_cross_entropy(p, targets), p32, atol=1e-4)
    assert ag.gradcheck(lambda z: F.mse_loss(z, targets), z32, atol=1e-4)


def test_cross_entropy_with_labels_builds_a_lean_graph():
    # No one-hot matrix and no product with it: the labels only index; log Σ exp is one stable primitive.
    logits, labels, _ = cross_entropy_problem((5, 4))
    nodes, stack = set(), [F.cross_entropy(logits, labels).grad_fn]
    while stack:
        node = stack.pop()
        nodes.add(node)
        stack.extend(p for p in node.parents if isinstance(p, ag.Function) and p not in nodes)
    assert sorted(node.op for node in nodes) == sorted(["logsumexp", "getitem", "sub", "mean"])


# ----------------------------------------------------------------------------- second order


@pytest.mark.parametrize("use_labels", [True, False])
def test_cross_entropy_hessian_vector_product_matches_closed_form(use_labels, autodiff_gradient):
    logits, labels, probabilities = cross_entropy_problem((4, 3), seed=5)
    target = labels if use_labels else probabilities
    n = logits.shape[0]
    p = np.exp(logits.data) / np.exp(logits.data).sum(axis=1, keepdims=True)
    (g,) = ag.grad(F.cross_entropy(logits, target), logits, create_graph=True)
    target_rows = np.eye(3)[labels] if use_labels else probabilities
    np.testing.assert_allclose(g.data, (p - target_rows) / n, rtol=1e-12, atol=1e-15)
    # Per row the Hessian is (diag(p) - p pᵀ) / n, whatever the (normalised) target.
    v = np.random.default_rng(6).normal(size=(4, 3))
    (hv,) = ag.grad((g * v).sum(), logits)
    expected = (p * v - p * (p * v).sum(axis=1, keepdims=True)) / n
    np.testing.assert_allclose(hv.data, expected, rtol=1e-10, atol=1e-15)
    # And the numerical derivative of the autodiff gradient.
    assert ag.gradcheck(lambda z: (autodiff_gradient(lambda z: F.cross_entropy(z, target), z) * v).sum(), logits)


def test_bce_with_logits_second_derivative(autodiff_gradient):
    logits, _, targets = binary_problem((6,), seed=7)
    (g,) = ag.grad(F.binary_cross_entropy_with_logits(logits, targets, reduction="sum"), logits, create_graph=True)
    (h,) = ag.grad(g.sum(), logits)
    s = sigmoid_numpy(logits.data)
    np.testing.assert_allclose(h.data, s * (1 - s), rtol=1e-10)


# ----------------------------------------------------------------------------- stability


@pytest.mark.filterwarnings("error")  # any overflow / divide-by-zero RuntimeWarning fails the test
def test_cross_entropy_stable_at_1000():
    logits = ag.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], requires_grad=True)
    labels = np.array([0, 0])
    out = F.cross_entropy(logits, labels, reduction="none")
    np.testing.assert_allclose(out.data, [0.0, 2000.0 + np.log(2)])
    (dz,) = ag.grad(out.sum(), logits)
    np.testing.assert_allclose(dz.data, [[0, 0, 0], [-1, 0.5, 0.5]], atol=1e-300)
    soft = F.cross_entropy(logits, np.full((2, 3), 1 / 3))
    assert np.isfinite(soft.data) and np.all(np.isfinite(ag.grad(soft, logits)[0].data))


@pytest.mark.filterwarnings("error")
def test_binary_cross_entropy_with_logits_stable_at_1000():
    logits = ag.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    targets = np.array([0.0, 1.0, 1.0, 0.0])
    out = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    np.testing.assert_allclose(out.data, [1000.0, 1000.0, 0.0, 0.0])
    (dz,) = ag.grad(out.sum(), logits)
    np.testing.assert_allclose(dz.data, [1.0, -1.0, 0.0, 0.0])


@pytest.mark.filterwarnings("error")
def test_binary_cross_entropy_of_saturated_sigmoid_is_clamped_at_100():
    # sigmoid(±1000) is exactly 0 or 1; PyTorch clamps each log at -100.
    logits = ag.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    targets = np.array([0.0, 1.0, 1.0, 0.0])
    out = F.binary_cross_entropy(F.sigmoid(logits), targets, reduction="none")
    np.testing.assert_allclose(out.data, [100.0, 100.0, 0.0, 0.0], rtol=1e-12)
    (dz,) = ag.grad(out.sum(), logits)
    assert np.all(np.isfinite(dz.data))


@pytest.mark.filterwarnings("error")
def test_binary_cross_entropy_float32_at_exact_zero_and_one_is_finite():
    probs = ag.tensor(np.array([0.0, 1.0, 0.5], dtype=np.float32), requires_grad=True)
    out = F.binary_cross_entropy(probs, np.array([1.0, 0.0, 1.0]))
    (dp,) = ag.grad(out, probs)
    assert out.dtype == np.float32 and np.isfinite(out.data) and np.all(np.isfinite(dp.data))


def constants_of(loss: ag.Tensor) -> dict[str | None, list]:
    """name -> values of the leaves below `loss` that need no grad (the graph's constants)."""
    found, todo, seen = {}, [loss.grad_fn], set()
    while todo:
        node = todo.pop()
        for parent in node.parents:
            if isinstance(parent, ag.Tensor):
                if not parent.requires_grad and id(parent) not in seen:
                    seen.add(id(parent))
                    found.setdefault(parent.name, []).append(parent.data.tolist())
            else:
                todo.append(parent)
    return found


def test_binary_cross_entropy_names_the_constants_it_makes_and_leaves_the_callers_target_alone():
    """Pictures of the graph show "1 - y" and the log clamp by name; the clamp floors each log at -100."""
    probs = ag.tensor([[0.25], [1.0]], requires_grad=True)
    y = ag.tensor([[1.0], [1.0]])                                    # float64 like probs: used as it is
    loss = F.binary_cross_entropy(probs, y, reduction="none")
    assert y.name is None
    np.testing.assert_allclose(loss.data, [[np.log(4.0)], [0.0]], rtol=1e-12)
    unnamed = constants_of(loss).pop(None)
    assert sorted(map(str, unnamed)) == ["1.0", "[[1.0], [1.0]]"]     # the 1 of 1 - p, and y (the caller's)
    assert constants_of(loss) == {None: unnamed, "1 - target": [[[0.0], [0.0]]],
                                  "e^-100 (log clamp)": [np.exp(-100.0)] * 2}
    y.name = "y"
    assert "1 - y" in constants_of(F.binary_cross_entropy(probs, y))
    assert "target" in constants_of(F.binary_cross_entropy(probs, np.ones((2, 1))))   # made here from an array


# ----------------------------------------------------------------------------- dtypes, modules, errors


def test_float32_losses_stay_float32_with_integer_and_float64_targets():
    rng = np.random.default_rng(8)
    logits = ag.tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    labels = rng.integers(0, 3, size=4)  # int64
    float64_targets = rng.random((4, 3))
    int_targets = rng.integers(0, 2, size=(4, 3))
    losses = [
        F.cross_entropy(logits, labels),
        F.cross_entropy(logits, ag.tensor(labels)),
        F.cross_entropy(logits, float64_targets),
        F.binary_cross_entropy(F.sigmoid(logits), int_targets),
        F.binary_cross_entropy_with_logits(logits, float64_targets),
        F.mse_loss(logits, int_targets),
    ]
    for loss in losses:
        assert loss.dtype == np.float32
        assert ag.grad(loss, logits)[0].dtype == np.float32


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_modules_match_functional(reduction):
    logits, labels, _ = cross_entropy_problem((4, 3))
    _, probs, targets = binary_problem((4, 3))
    pairs = [
        (nn.CrossEntropyLoss, F.cross_entropy, logits, labels),
        (nn.BCELoss, F.binary_cross_entropy, probs, targets),
        (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, logits, targets),
        (nn.MSELoss, F.mse_loss, logits, targets),
    ]
    for module, function, input, target in pairs:
        expected = function(input, target, reduction=reduction)
        np.testing.assert_array_equal(module(reduction=reduction)(input, target).data, expected.data)
    assert repr(nn.MSELoss()) == "MSELoss(reduction='mean')"


def test_bad_reduction_is_rejected():
    logits, labels, _ = cross_entropy_problem((2, 3))
    with pytest.raises(ValueError, match="cross_entropy: reduction must be"):
        F.cross_entropy(logits, labels, reduction="average")
    with pytest.raises(ValueError, match="MSELoss: reduction must be"):
        nn.MSELoss(reduction="avg")


def test_shape_errors_name_the_loss_and_shapes():
    logits, labels, _ = cross_entropy_problem((4, 3))
    with pytest.raises(ValueError, match=r"cross_entropy: integer labels must have shape \(4,\)"):
        F.cross_entropy(logits, labels[:3])
    with pytest.raises(ValueError, match=r"cross_entropy: labels must lie in \[0, 3\)"):
        F.cross_entropy(logits, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"cross_entropy: labels must lie in \[0, 3\)"):
        F.cross_entropy(logits, np.array([0, -1, 2, 1]))
    with pytest.raises(ValueError, match=r"target of shape \(4,\) must hold integer class labels, got dtype float64"):
        F.cross_entropy(logits, labels.astype(np.float64))
    with pytest.raises(ValueError, match=r"cross_entropy: logits must have shape \(N, C\)"):
        F.cross_entropy(logits[0], labels[:1])
    with pytest.raises(ValueError, match=r"cross_entropy: target shape \(4, 2\) does not match input shape \(4, 3\)"):
        F.cross_entropy(logits, np.ones((4, 2)) / 2)
    predictions = ag.zeros(4, 1, requires_grad=True)
    with pytest.raises(ValueError, match=r"mse_loss: target shape \(4,\) does not match input shape \(4, 1\)"):
        F.mse_loss(predictions, np.zeros(4))
    with pytest.raises(ValueError, match="binary_cross_entropy: target shape"):
        F.binary_cross_entropy(predictions, np.zeros(4))


# ----------------------------------------------------------------------------- part 2: NLLLoss L1Loss SmoothL1Loss HuberLoss


def nll_numpy(log_probs, labels, weight, ignore_index, reduction):
    """PyTorch's formula: loss = -w[t] x[n, t, ...], 0 where t == ignore_index; mean = Σ loss / Σ w[t] (counted)."""
    classes = log_probs.shape[0] if log_probs.ndim == 1 else log_probs.shape[1]
    weight = np.ones(classes) if weight is None else weight
    counted = labels != ignore_index
    safe = np.where(counted, labels, 0)
    if log_probs.ndim == 1:
        picked = log_probs[safe]
    else:
        picked = np.take_along_axis(log_probs, np.expand_dims(safe, 1), axis=1).squeeze(1)
    sample_weight = weight[safe] * counted
    loss = -picked * sample_weight
    if reduction == "mean":
        return loss.sum() / sample_weight.sum()
    return reduce_numpy(loss, reduction)


def nll_problem(shape, seed=0, ignore=False):
    rng = np.random.default_rng(seed)
    log_probs = ag.tensor(rng.normal(scale=2.0, size=shape), requires_grad=True)
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    labels = rng.integers(0, classes, size=target_shape)
    if ignore and labels.ndim:
        labels.flat[1::3] = -100
    return log_probs, labels


NLL_SHAPES = [(4,), (1, 3), (5, 4), (3, 4, 2), (2, 3, 2, 2)]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("shape", NLL_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_pytorchs_formula_and_gradcheck(reduction, shape, ignore, weighted):
    log_probs, labels = nll_problem(shape, ignore=ignore)
    classes = shape[0] if len(shape) == 1 else shape[1]
    weight = np.linspace(0.5, 2.0, classes) if weighted else None
    loss = F.nll_loss(log_probs, labels, weight=weight, reduction=reduction)
    expected = nll_numpy(log_probs.data, labels, weight, -100, reduction)
    assert loss.shape == np.shape(expected)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-13)
    assert ag.gradcheck(lambda x: scalar(F.nll_loss(x, labels, weight, reduction=reduction), reduction), log_probs)


def test_nll_loss_of_log_softmax_is_cross_entropy():
    logits, labels, _ = cross_entropy_problem((6, 5))
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(F.nll_loss(F.log_softmax(logits, axis=1), labels, reduction=reduction).data,
                                   F.cross_entropy(logits, labels, reduction=reduction).data, rtol=1e-13)


def test_nll_loss_custom_ignore_index_and_label_tensors():
    log_probs, labels = nll_problem((6, 3))
    labels[[1, 4]] = 2
    loss = F.nll_loss(log_probs, ag.tensor(labels), ignore_index=2)
    np.testing.assert_allclose(loss.data, nll_numpy(log_probs.data, labels, None, 2, "mean"), rtol=1e-13)
    (grad,) = ag.grad(loss, log_probs)
    assert np.all(grad.data[[1, 4]] == 0)  # ignored samples get no gradient


def test_nll_loss_errors_name_the_loss_and_values():
    log_probs, labels = nll_problem((4, 3))
    with pytest.raises(ValueError, match=r"nll_loss: target 3 is out of bounds: class labels must lie in \[0, 3\)"):
        F.nll_loss(log_probs, np.array([0, 1, 3, 2]))
    with pytest.raises(ValueError, match=r"nll_loss: target -1 is out of bounds"):
        F.nll_loss(log_probs, np.array([0, 1, -1, 2]))
    with pytest.raises(ValueError, match="nll_loss: target must hold integer class labels, got dtype float64"):
        F.nll_loss(log_probs, labels.astype(np.float64))
    with pytest.raises(ValueError, match=r"nll_loss: target shape \(3,\) does not match input shape \(4, 3\)"):
        F.nll_loss(log_probs, labels[:3])
    with pytest.raises(ValueError, match=r"nll_loss: weight must have shape \(3,\), got \(2,\)"):
        F.nll_loss(log_probs, labels, weight=np.ones(2))
    with pytest.raises(ValueError, match="nll_loss: reduction must be"):
        F.nll_loss(log_probs, labels, reduction="avg")


def regression_problem(shape, seed=0):
    """Inputs and targets whose differences spread over both pieces of the smooth losses (|d| < 1 and > 1)."""
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.normal(scale=1.5, size=shape), requires_grad=True), rng.normal(size=shape)


def smooth_l1_numpy(d, beta):
    return np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)


def huber_numpy(d, delta):
    return np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


REGRESSION = {
    "l1_loss": (lambda x, t, r: F.l1_loss(x, t, r), lambda d: np.abs(d)),
    "smooth_l1_loss": (lambda x, t, r: F.smooth_l1_loss(x, t, r), lambda d: smooth_l1_numpy(d, 1.0)),
    "smooth_l1_loss(beta=0.5)": (lambda x, t, r: F.smooth_l1_loss(x, t, r, beta=0.5), lambda d: smooth_l1_numpy(d, 0.5)),
    "huber_loss": (lambda x, t, r: F.huber_loss(x, t, r), lambda d: huber_numpy(d, 1.0)),
    "huber_loss(delta=2)": (lambda x, t, r: F.huber_loss(x, t, r, delta=2.0), lambda d: huber_numpy(d, 2.0)),
}


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", REGRESSION)
def test_regression_losses_match_pytorchs_formulas_and_gradcheck(name, reduction, shape):
    f, reference = REGRESSION[name]
    x, t = regression_problem(shape)
    np.testing.assert_allclose(f(x, t, reduction).data, reduce_numpy(reference(x.data - t), reduction), rtol=1e-13)
    assert ag.gradcheck(lambda x: scalar(f(x, t, reduction), reduction), x)


def test_smooth_l1_and_huber_relations_and_limits():
    x, t = regression_problem((4, 3))
    np.testing.assert_array_equal(F.smooth_l1_loss(x, t, beta=0.0).data, F.l1_loss(x, t).data)
    # Huber with delta is delta times SmoothL1 with beta = delta (PyTorch's documented relation)
    np.testing.assert_allclose(F.huber_loss(x, t, "none", delta=0.7).data,
                               0.7 * F.smooth_l1_loss(x, t, "none", beta=0.7).data, rtol=1e-14)
    (slope,) = ag.grad(F.smooth_l1_loss(x, t, "sum", beta=0.5), x)
    np.testing.assert_allclose(slope.data, np.clip((x.data - t) / 0.5, -1, 1), rtol=1e-14)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be non-negative, got -1"):
        F.smooth_l1_loss(x, t, beta=-1.0)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive, got 0"):
        F.huber_loss(x, t, delta=0.0)
    with pytest.raises(ValueError, match=r"l1_loss: target shape \(3,\) does not match input shape \(4, 3\)"):
        F.l1_loss(x, t[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_new_loss_modules_match_functional(reduction):
    log_probs, labels = nll_problem((5, 4), ignore=True)
    labels_ignoring_1 = np.where(labels == -100, 1, labels)
    x, t = regression_problem((3, 4))
    weight = ag.tensor([1.0, 2.0, 0.5, 1.5])
    pairs = [
        (nn.NLLLoss(reduction=reduction), F.nll_loss(log_probs, labels, reduction=reduction)),
        (nn.NLLLoss(weight, ignore_index=1, reduction=reduction),
         F.nll_loss(log_probs, labels_ignoring_1, weight, ignore_index=1, reduction=reduction)),
        (nn.L1Loss(reduction=reduction), F.l1_loss(x, t, reduction)),
        (nn.SmoothL1Loss(reduction=reduction, beta=0.3), F.smooth_l1_loss(x, t, reduction, beta=0.3)),
        (nn.HuberLoss(reduction=reduction, delta=0.3), F.huber_loss(x, t, reduction, delta=0.3)),
    ]
    for module, expected in pairs:
        if isinstance(module, nn.NLLLoss):
            input, target = log_probs, labels if module.ignore_index == -100 else labels_ignoring_1
        else:
            input, target = x, t
        np.testing.assert_array_equal(module(input, target).data, expected.data)
    assert repr(nn.HuberLoss()) == "HuberLoss(reduction='mean')"


def test_nll_loss_mean_over_only_ignored_targets_is_nan_as_pytorch():
    log_probs, _ = nll_problem((3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's 0/0
        loss = F.nll_loss(log_probs, np.full(3, -100))
    assert np.isnan(loss.item())
    assert F.nll_loss(log_probs, np.full(3, -100), reduction="sum").item() == 0.0


def test_nll_loss_weight_is_a_buffer_in_state_dict_as_pytorch():
    assert nn.NLLLoss().state_dict() == {}
    loss = nn.NLLLoss(weight=np.array([1.0, 3.0]))
    assert list(loss.state_dict()) == ["weight"] and [n for n, _ in loss.named_buffers()] == ["weight"]
    assert list(loss.parameters()) == []
    with pytest.raises(TypeError, match="NLLLoss: expected a Tensor as input, got list"):
        loss([[0.0, -1.0]], np.array([0]))


@pytest.mark.parametrize("bad, name", [([0.5, 1.5], "input"), ([-0.1, 0.5], "input"), ([np.nan, 0.5], "input")])
def test_binary_cross_entropy_refuses_probabilities_outside_0_1(bad, name):
    with pytest.raises(ValueError, match="binary_cross_entropy: all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(ag.tensor(bad), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        nn.BCELoss()(ag.tensor(bad), np.array([0.0, 1.0]))


def test_binary_cross_entropy_refuses_targets_outside_0_1():
    with pytest.raises(ValueError, match="binary_cross_entropy: all elements of target should be between 0 and 1, "
                                         "got values from 0.0 to 2.0"):
        F.binary_cross_entropy(ag.tensor([0.5, 0.5]), np.array([0.0, 2.0]))
    exact = F.binary_cross_entropy(ag.tensor([0.0, 1.0, 0.25]), np.array([0.0, 1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(exact.data, [0.0, 0.0, -np.log(0.25)], atol=1e-300)  # the bounds themselves are fine
