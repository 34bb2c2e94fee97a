"""PyTorch code run unchanged but for its import: each program below takes the module to use (`torch` or
`autograd_lite`) and touches nothing else. They run on autograd_lite against NumPy always, and against
PyTorch itself where it is installed (those tests skip without it)."""
import math

import numpy as np
import pytest

import autograd_lite as ag


def attention(torch, q, k, v, mask):
    """Masked scaled dot-product attention, as a transformer tutorial writes it."""
    scores = q @ k.transpose(-2, -1) / q.size(-1) ** 0.5
    weights = scores.masked_fill(mask, float("-inf")).softmax(dim=-1)
    return torch.bmm(weights, v)


def statistics(torch, x):
    """Standardizing rows, their extremes and norms, as a data-preparation script writes it."""
    z = (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True)
    extremes = z.max(dim=1).values + z.min(1)[0]
    return torch.cat([extremes, z.norm(dim=1), x.prod(dim=1), x.var(0).sum().reshape(1)], dim=0)


def shapes(torch, x):
    """Moving axes around and masking triangles, with a few elementwise functions."""
    y = x.permute(2, 0, 1).contiguous().view(4, -1)
    z = torch.mm(y.t(), y)
    w = z.tril(-1) + z.triu(1).clamp(min=0.0)
    return w.sin() + w.cos() * torch.log1p(w.abs()) - torch.expm1(-w.abs()) + torch.dot(y[0], y[1])


def _attention_inputs(rng):
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
    mask = np.triu(np.ones((3, 5), bool), 3)[None].repeat(2, axis=0)  # hide the last keys of the first queries
    return q, k, v, mask


def test_attention_against_numpy(rng):
    q, k, v, mask = _attention_inputs(rng)
    out = attention(ag, *(ag.tensor(a) for a in (q, k, v, mask)))
    scores = np.where(mask, -np.inf, q @ k.transpose(0, 2, 1) / 2.0)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(out.data, weights @ v, rtol=1e-13)


def test_statistics_against_numpy(rng):
    x = rng.normal(size=(4, 5))
    out = statistics(ag, ag.tensor(x)).data
    z = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, ddof=1, keepdims=True)
    expected = np.concatenate([z.max(axis=1) + z.min(axis=1), np.sqrt((z * z).sum(axis=1)), x.prod(axis=1),
                               [x.var(axis=0, ddof=1).sum()]])
    np.testing.assert_allclose(out, expected, rtol=1e-13)


def test_shapes_against_numpy(rng):
    x = rng.normal(size=(2, 3, 4))
    y = x.transpose(2, 0, 1).reshape(4, -1)
    z = y.T @ y
    w = np.tril(z, -1) + np.clip(np.triu(z, 1), 0.0, None)
    expected = np.sin(w) + np.cos(w) * np.log1p(np.abs(w)) - np.expm1(-np.abs(w)) + y[0] @ y[1]
    np.testing.assert_allclose(shapes(ag, ag.tensor(x)).data, expected, rtol=1e-13)


@pytest.mark.parametrize("program", ["attention", "statistics", "shapes"])
def test_the_programs_gradients(program, rng, check):
    if program == "attention":
        q, k, v, mask = _attention_inputs(rng)
        inputs = [ag.tensor(a, requires_grad=True) for a in (q, k, v)]
        check(lambda q, k, v: attention(ag, q, k, v, ag.tensor(mask)), *inputs)
    elif program == "statistics":
        check(lambda x: statistics(ag, x), ag.tensor(rng.uniform(0.5, 2.0, (4, 5)), requires_grad=True))
    else:
        check(lambda x: shapes(ag, x), ag.tensor(rng.normal(size=(2, 3, 4)) * 0.3, requires_grad=True))


def test_a_from_scratch_training_loop_in_pytorchs_spelling():
    """Linear regression as the tutorials write it (the update through .data, the unchecked escape hatch)."""
    torch = ag
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 50).view(-1, 1)
    y = 3 * x + 0.5 + 0.01 * torch.randn(50, 1)
    w, b = torch.zeros(1, 1, requires_grad=True), torch.zeros(1, requires_grad=True)
    for _ in range(300):
        loss = ((x.mm(w) + b - y) ** 2).mean()
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w.data = w.data - 0.1 * w.grad.data
            b.data = b.data - 0.1 * b.grad.data
    assert abs(w.item() - 3) < 0.01 and abs(b.item() - 0.5) < 0.01
    assert loss.item() < 2e-4 and x.size(0) == 50 and x.dtype == torch.float64


# --------------------------------------------------------------------------- PyTorch itself, when installed


@pytest.mark.parametrize("program", ["attention", "statistics", "shapes"])
def test_same_values_and_gradients_as_pytorch(program, rng):
    torch = pytest.importorskip("torch")
    if program == "attention":
        q, k, v, mask = _attention_inputs(rng)
        arrays, constants, function = [q, k, v], [mask], attention
    elif program == "statistics":
        arrays, constants, function = [rng.uniform(0.5, 2.0, (4, 5))], [], statistics
    else:
        arrays, constants, function = [rng.normal(size=(2, 3, 4)) * 0.3], [], shapes
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = function(ag, *ours, *(ag.tensor(c) for c in constants))
    expected = function(torch, *theirs, *(torch.tensor(c) for c in constants))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = rng.normal(size=out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.data, reference.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_reductions_agree_with_pytorch_on_ties_free_inputs(rng):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(3, 4))
    pairs = [
        (lambda t: t.var(), lambda t: t.var()),
        (lambda t: t.std(dim=0, correction=0), lambda t: t.std(dim=0, correction=0)),
        (lambda t: t.norm(p=1, dim=1), lambda t: t.norm(p=1, dim=1)),
        (lambda t: t.norm(p=math.inf), lambda t: t.norm(p=math.inf)),
        (lambda t: t.log_softmax(dim=0), lambda t: t.log_softmax(dim=0)),
        (lambda t: t.max(1).indices, lambda t: t.max(1).indices),
        (lambda t: t.argmin(dim=0, keepdim=True), lambda t: t.argmin(dim=0, keepdim=True)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(ag.tensor(x)).data, theirs(torch.tensor(x)).numpy(), rtol=1e-12)
