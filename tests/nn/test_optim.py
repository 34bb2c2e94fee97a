"""SGD and Adam: trajectories against the update rules written out in NumPy, state dicts, errors."""
import numpy as np
import pytest

import autograd_lite as ag
import nn

STEPS = 6

# The objective: f(p) = sum(p⁴ / 4 + c * p) for each parameter, so df/dp = p³ + c.
# Nonlinear on purpose: each step's gradient depends on where the previous steps went.
INITIAL = [np.array([[0.5, -1.0, 1.5], [2.0, -0.3, 0.1]]), np.array([0.8, -1.2])]
SLOPES = [np.array([[0.2, -0.1, 0.3], [-0.4, 0.5, 0.0]]), np.array([-0.3, 0.6])]


def make_params(dtype=np.float64):
    return [nn.Parameter(p.astype(dtype)) for p in INITIAL]


def objective(params):
    return sum(((p**4) / 4 + c * p).sum() for p, c in zip(params, SLOPES))


def numpy_gradient(values):
    return [v**3 + c for v, c in zip(values, SLOPES)]


def run(optimizer, params, steps=STEPS):
    """Take `steps` optimizer steps; returns the parameter values after each step."""
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
        trajectory.append([p.data.copy() for p in params])
    return trajectory


def sgd_reference(lr, momentum=0.0, weight_decay=0.0, steps=STEPS):
    values, velocities, trajectory = [p.copy() for p in INITIAL], [None, None], []
    for _ in range(steps):
        for i, g in enumerate(numpy_gradient(values)):
            g = g + weight_decay * values[i]
            if momentum:
                velocities[i] = g if velocities[i] is None else momentum * velocities[i] + g
                g = velocities[i]
            values[i] = values[i] - lr * g
        trajectory.append([v.copy() for v in values])
    return trajectory


def adam_reference(lr, beta1, beta2, eps, weight_decay=0.0, steps=STEPS):
    values = [p.copy() for p in INITIAL]
    m = [np.zeros_like(p) for p in INITIAL]
    v = [np.zeros_like(p) for p in INITIAL]
    trajectory = []
    for t in range(1, steps + 1):
        for i, g in enumerate(numpy_gradient(values)):
            g = g + weight_decay * values[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g**2
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            values[i] = values[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append([x.copy() for x in values])
    return trajectory


def assert_trajectories_close(got, expected):
    for step, (got_values, expected_values) in enumerate(zip(got, expected)):
        for g, e in zip(got_values, expected_values):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.0, 0.1), (0.8, 0.05)])
def test_sgd_trajectory_matches_update_rule(momentum, weight_decay):
    params = make_params()
    optimizer = nn.optim.SGD(params, lr=0.05, momentum=momentum, weight_decay=weight_decay)
    expected = sgd_reference(0.05, momentum, weight_decay)
    assert_trajectories_close(run(optimizer, params), expected)


@pytest.mark.parametrize("weight_decay, expected", [(0.0, -0.6705642), (0.1, -0.7247241)])
def test_sgd_momentum_on_a_0d_parameter_matches_pytorch(weight_decay, expected):
    """Four steps on p^3 - p from 1.5 (lr=0.1, momentum=0.9): PyTorch gives -0.6706 (its rule by hand with decay).

    A 0-d parameter's .grad.data used to be a NumPy scalar: the velocity buffer, updated in place,
    then never changed (the run ended at -0.6134).
    """
    p = nn.Parameter(np.array(1.5))
    optimizer = nn.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=weight_decay)
    for _ in range(4):
        optimizer.zero_grad()
        (p * p * p - p).backward()
        optimizer.step()
    assert type(p.data) is np.ndarray and p.shape == ()
    assert p.item() == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize(
    "betas, eps, weight_decay",
    [((0.9, 0.999), 1e-8, 0.0), ((0.8, 0.9), 0.1, 0.0), ((0.5, 0.7), 1e-3, 0.2)],
)
def test_adam_trajectory_matches_update_rule(betas, eps, weight_decay):
    # eps = 0.1 makes "eps added after the square root" visibly different from inside it.
    params = make_params()
    optimizer = nn.optim.Adam(params, lr=0.05, betas=betas, eps=eps, weight_decay=weight_decay)
    expected = adam_reference(0.05, *betas, eps, weight_decay)
    assert_trajectories_close(run(optimizer, params), expected)


def test_adam_defaults_are_pytorchs():
    optimizer = nn.optim.Adam(make_params())
    assert (optimizer.lr, optimizer.betas, optimizer.eps, optimizer.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)


@pytest.mark.parametrize("make", [
    lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9),
    lambda p: nn.optim.Adam(p, lr=0.1),
])
def test_parameters_without_gradient_are_skipped(make):
    params = make_params()
    optimizer = make(params)
    params[0].sum().backward()  # only params[0] gets a gradient
    optimizer.step()
    np.testing.assert_array_equal(params[1].data, INITIAL[1])
    assert not np.array_equal(params[0].data, INITIAL[0])
    assert optimizer.state[1] == {}


def test_zero_grad_clears_gradients():
    params = make_params()
    optimizer = nn.optim.SGD(params, lr=0.1)
    objective(params).backward()
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize("make", [
    lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda p: nn.optim.Adam(p, lr=0.1, weight_decay=0.01),
])
def test_float32_parameters_stay_float32(make):
    params = make_params(np.float32)
    run(make(params), params, steps=2)
    assert all(p.dtype == np.float32 for p in params)


@pytest.mark.parametrize("make", [
    lambda p: nn.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
    lambda p: nn.optim.Adam(p, lr=0.05, betas=(0.8, 0.9)),
])
def test_resuming_from_a_saved_state_dict_is_exact(make, tmp_path):
    params = make_params()
    uninterrupted = run(make(params), params)

    params = make_params()
    optimizer = make(params)
    run(optimizer, params, steps=STEPS // 2)
    nn.save(optimizer.state_dict(), tmp_path / "optimizer.npz")
    saved_values = [p.data.copy() for p in params]

    resumed_params = [nn.Parameter(v) for v in saved_values]
    resumed = make(resumed_params)
    resumed.lr = 999.0  # restored from the file
    resumed.load_state_dict(nn.load(tmp_path / "optimizer.npz"))
    assert resumed.lr == 0.05
    second_half = run(resumed, resumed_params, steps=STEPS - STEPS // 2)
    for got, expected in zip(second_half[-1], uninterrupted[-1]):
        np.testing.assert_array_equal(got, expected)


def test_adam_state_dict_keys():
    params = make_params()
    optimizer = nn.optim.Adam(params, lr=0.1)
    run(optimizer, params, steps=2)
    state = optimizer.state_dict()
    assert sorted(state) == sorted(
        ["lr", "betas", "eps", "weight_decay"]
        + [f"state.{i}.{k}" for i in (0, 1) for k in ("step", "exp_avg", "exp_avg_sq")]
    )
    assert int(state["state.0.step"]) == 2
    state["state.0.exp_avg"][...] = 0  # a copy: the optimizer is not affected
    assert np.any(optimizer.state[0]["exp_avg"] != 0)


def test_load_state_dict_errors_leave_the_optimizer_unchanged():
    params = make_params()
    optimizer = nn.optim.SGD(params, lr=0.1, momentum=0.9)
    run(optimizer, params, steps=1)
    good = optimizer.state_dict()
    bad = dict(good)
    bad["state.0.momentum_buffer"] = np.zeros(3)
    bad["state.7.momentum_buffer"] = np.zeros(2)
    del bad["lr"]
    before = optimizer.state[0]["momentum_buffer"].copy()
    with pytest.raises(ValueError) as info:
        optimizer.load_state_dict(bad)
    message = str(info.value)
    assert "missing keys: lr" in message and "unexpected key 'state.7.momentum_buffer'" in message
    assert "state.0.momentum_buffer: shape (3,) does not match parameter 0 (2, 3)" in message
    np.testing.assert_array_equal(optimizer.state[0]["momentum_buffer"], before)


def test_invalid_settings_are_rejected():
    with pytest.raises(ValueError, match="SGD: lr must be >= 0, got -1"):
        nn.optim.SGD(make_params(), lr=-1)
    with pytest.raises(ValueError, match="Adam: betas must be two numbers in"):
        nn.optim.Adam(make_params(), betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        nn.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="SGD: parameter 0 is not a Tensor that requires grad"):
        nn.optim.SGD([ag.zeros(2)], lr=0.1)


def test_sgd_trains_a_model_end_to_end():
    # XOR with a tanh hidden layer: plain SGD brings the loss near zero.
    ag.manual_seed(0)
    X, y = nn.data.xor()
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())
    optimizer = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(300):
        optimizer.zero_grad()
        loss = nn.functional.binary_cross_entropy(model(ag.tensor(X)), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05
    np.testing.assert_array_equal(model(ag.tensor(X)).data > 0.5, y > 0.5)
