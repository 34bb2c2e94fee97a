"""Optimizers: 50-step trajectories against PyTorch's algorithms written out in NumPy,
parameter groups, state dicts in PyTorch's layout, exact resumption, errors."""
import re

import numpy as np
import pytest

import autograd_lite as ag
import nn

STEPS = 50

# The objective: f(p) = sum(p⁴ / 4 + c * p) for each parameter, so df/dp = p³ + c.
# Nonlinear on purpose: each step's gradient depends on where the previous steps went.
INITIAL = [np.array([[0.5, -1.0, 1.5], [2.0, -0.3, 0.1]]), np.array([0.8, -1.2])]
SLOPES = [np.array([[0.2, -0.1, 0.3], [-0.4, 0.5, 0.0]]), np.array([-0.3, 0.6])]


def make_params(dtype=np.float64):
    return [nn.Parameter(p.astype(dtype)) for p in INITIAL]


def objective(params):
    return sum(((p**4) / 4 + c * p).sum() for p, c in zip(params, SLOPES))


def run(optimizer, params, steps=STEPS, loss=objective):
    """Take `steps` optimizer steps; returns the parameter values after each step."""
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss(params).backward()
        optimizer.step()
        trajectory.append([p.data.copy() for p in params])
    return trajectory


# ----------------------------------------------------------------- the algorithms, in NumPy
# Each follows the pseudo-code of PyTorch's documentation for that optimizer. A reference
# takes one parameter's start value and slope and returns its values after each step.


def sgd_reference(start, slope, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    p, b, trajectory = start.copy(), None, []
    for t in range(1, STEPS + 1):
        g = p**3 + slope
        g = g + weight_decay * p
        if momentum:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        trajectory.append(p)
    return trajectory


def adam_reference(start, slope, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                   decoupled=False):
    beta1, beta2 = betas
    p, m, v, v_max, trajectory = start.copy(), 0.0, 0.0, 0.0, []
    for t in range(1, STEPS + 1):
        g = p**3 + slope
        if decoupled:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(p)
    return trajectory


def rmsprop_reference(start, slope, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p, v, g_avg, b, trajectory = start.copy(), 0.0, 0.0, 0.0, []
    for _ in range(STEPS):
        g = p**3 + slope + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_tilde = v_tilde - g_avg**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(v_tilde) + eps)
        trajectory.append(p)
    return trajectory


def adagrad_reference(start, slope, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    p, state_sum, trajectory = start.copy(), initial_accumulator_value, []
    for t in range(1, STEPS + 1):
        g = p**3 + slope + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        state_sum = state_sum + g**2
        p = p - lr_t * g / (np.sqrt(state_sum) + eps)
        trajectory.append(p)
    return trajectory


def reference(make_reference, **settings):
    """All parameters' trajectories: per step, one array per parameter."""
    per_param = [make_reference(start, slope, **settings) for start, slope in zip(INITIAL, SLOPES)]
    return [list(values) for values in zip(*per_param)]


def assert_trajectories_close(got, expected):
    assert len(got) == len(expected) == STEPS
    for step, (got_values, expected_values) in enumerate(zip(got, expected)):
        for g, e in zip(got_values, expected_values):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


CASES = [
    # (optimizer, its settings, the NumPy reference, the reference's settings)
    (nn.optim.SGD, dict(lr=0.01), sgd_reference, dict(lr=0.01)),
    (nn.optim.SGD, dict(lr=0.01, momentum=0.9), sgd_reference, dict(lr=0.01, momentum=0.9)),
    (nn.optim.SGD, dict(lr=0.02, weight_decay=0.1), sgd_reference, dict(lr=0.02, weight_decay=0.1)),
    # dampening shows the first step's buffer is the gradient itself, not (1 - dampening) * g
    (nn.optim.SGD, dict(lr=0.01, momentum=0.8, dampening=0.3, weight_decay=0.05), sgd_reference,
     dict(lr=0.01, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    (nn.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.01), sgd_reference,
     dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (nn.optim.Adam, dict(), adam_reference, dict()),
    (nn.optim.Adam, dict(lr=0.05, betas=(0.8, 0.9), eps=0.1), adam_reference, dict(lr=0.05, betas=(0.8, 0.9), eps=0.1)),
    (nn.optim.Adam, dict(lr=0.05, betas=(0.5, 0.7), eps=1e-3, weight_decay=0.2), adam_reference,
     dict(lr=0.05, betas=(0.5, 0.7), eps=1e-3, weight_decay=0.2)),
    (nn.optim.Adam, dict(lr=0.05, betas=(0.9, 0.99), amsgrad=True, weight_decay=0.1), adam_reference,
     dict(lr=0.05, betas=(0.9, 0.99), amsgrad=True, weight_decay=0.1)),
    (nn.optim.AdamW, dict(lr=0.05), adam_reference, dict(lr=0.05, weight_decay=1e-2, decoupled=True)),
    (nn.optim.AdamW, dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.3, amsgrad=True), adam_reference,
     dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.3, amsgrad=True, decoupled=True)),
    (nn.optim.RMSprop, dict(), rmsprop_reference, dict()),
    (nn.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-3, weight_decay=0.1), rmsprop_reference,
     dict(lr=0.01, alpha=0.9, eps=1e-3, weight_decay=0.1)),
    # momentum: RMSprop's buffer starts at zero (unlike SGD's)
    (nn.optim.RMSprop, dict(lr=0.005, momentum=0.9), rmsprop_reference, dict(lr=0.005, momentum=0.9)),
    (nn.optim.RMSprop, dict(lr=0.005, alpha=0.95, momentum=0.5, centered=True), rmsprop_reference,
     dict(lr=0.005, alpha=0.95, momentum=0.5, centered=True)),
    (nn.optim.Adagrad, dict(), adagrad_reference, dict()),
    (nn.optim.Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-3),
     adagrad_reference, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-3)),
]
CASE_IDS = [f"{case[0].__name__}{case[1]}" for case in CASES]


@pytest.mark.parametrize("optimizer_class, settings, make_reference, reference_settings", CASES, ids=CASE_IDS)
def test_trajectory_matches_pytorchs_algorithm(optimizer_class, settings, make_reference, reference_settings):
    params = make_params()
    trajectory = run(optimizer_class(params, **settings), params)
    assert np.abs(trajectory[-1][0] - INITIAL[0]).max() > 0.01  # the parameters really moved
    assert_trajectories_close(trajectory, reference(make_reference, **reference_settings))


@pytest.mark.parametrize("optimizer_class, settings, make_reference, reference_settings", CASES, ids=CASE_IDS)
def test_maximize_climbs_the_negated_objective_along_the_same_path(optimizer_class, settings, make_reference,
                                                                  reference_settings):
    params = make_params()
    optimizer = optimizer_class(params, **settings, maximize=True)
    trajectory = run(optimizer, params, loss=lambda ps: -objective(ps))
    assert_trajectories_close(trajectory, reference(make_reference, **reference_settings))


@pytest.mark.parametrize("optimizer_class, defaults", [
    (nn.optim.SGD, dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)),
    (nn.optim.Adam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False)),
    (nn.optim.AdamW, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False)),
    (nn.optim.RMSprop, dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                            maximize=False)),
    (nn.optim.Adagrad, dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                            maximize=False)),
])
def test_defaults_are_pytorchs(optimizer_class, defaults):
    extra = {"lr": 0.1} if optimizer_class is nn.optim.SGD else {}  # SGD's lr is required
    optimizer = optimizer_class(make_params(), **extra)
    assert optimizer.defaults == defaults
    group = optimizer.param_groups[0]
    assert {k: v for k, v in group.items() if k != "params"} == defaults


ALL_OPTIMIZERS = [
    lambda p: nn.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    lambda p: nn.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    lambda p: nn.optim.Adam(p, lr=0.05, betas=(0.8, 0.9), weight_decay=0.01, amsgrad=True),
    lambda p: nn.optim.AdamW(p, lr=0.05, betas=(0.8, 0.9)),
    lambda p: nn.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True, weight_decay=0.01),
    lambda p: nn.optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
]
ALL_IDS = ["SGD", "SGD-nesterov", "Adam-amsgrad", "AdamW", "RMSprop", "Adagrad"]


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_parameters_without_gradient_are_skipped(make):
    params = make_params()
    optimizer = make(params)
    params[0].sum().backward()  # only params[0] gets a gradient
    optimizer.step()
    np.testing.assert_array_equal(params[1].data, INITIAL[1])
    assert not np.array_equal(params[0].data, INITIAL[0])
    assert optimizer.state[params[1]] == {}
    assert list(optimizer.state_dict()["state"]) == [0]


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_updates_are_in_place_and_float32_stays_float32(make):
    params = make_params(np.float32)
    arrays = [p.data for p in params]
    optimizer = make(params)
    trajectory = run(optimizer, params, steps=3)
    assert all(p.data is array for p, array in zip(params, arrays))  # other code holds these arrays
    assert all(p.dtype == np.float32 for p in params)
    assert all(np.all(np.isfinite(values)) for values in trajectory[-1])
    for buffers in optimizer.state.values():
        for key, value in buffers.items():
            if key != "step":
                assert value.dtype == np.float32, key


def test_float32_follows_the_float64_trajectory_to_float32_precision():
    params32, params64 = make_params(np.float32), make_params()
    got = run(nn.optim.Adam(params32, lr=0.05), params32, steps=10)
    expected = run(nn.optim.Adam(params64, lr=0.05), params64, steps=10)
    np.testing.assert_allclose(got[-1][0], expected[-1][0], rtol=1e-4, atol=1e-5)


def test_momentum_on_a_zero_dimensional_parameter():
    # issue 10: four steps on p³ - p from 1.5 end at -0.6706 in PyTorch
    # (a velocity buffer that never updates gives -0.6134).
    p = nn.Parameter(np.array(1.5))
    optimizer = nn.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    value, velocity = 1.5, None
    for _ in range(4):
        optimizer.zero_grad()
        (p * p * p - p).backward()
        optimizer.step()
        g = 3 * value**2 - 1 + 0.01 * value
        velocity = g if velocity is None else 0.9 * velocity + g
        value -= 0.1 * velocity
    assert isinstance(p.data, np.ndarray) and p.data.shape == ()
    assert p.item() == pytest.approx(value, rel=1e-12)
    without_decay = nn.Parameter(np.array(1.5))
    optimizer = nn.optim.SGD([without_decay], lr=0.1, momentum=0.9)
    run(optimizer, [without_decay], steps=4, loss=lambda ps: (ps[0] ** 3 - ps[0]))
    assert without_decay.item() == pytest.approx(-0.6706, abs=1e-4)


def test_zero_grad_clears_or_zeroes_gradients():
    params = make_params()
    optimizer = nn.optim.SGD(params, lr=0.1)
    objective(params).backward()
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)
    objective(params).backward()
    optimizer.zero_grad(set_to_none=False)
    for p in params:
        np.testing.assert_array_equal(p.grad.data, np.zeros(p.shape))


def test_step_with_a_closure_returns_its_loss():
    params = make_params()
    optimizer = nn.optim.SGD(params, lr=0.01)

    def closure():
        optimizer.zero_grad()
        loss = objective(params)
        loss.backward()
        return loss

    with ag.no_grad():  # the closure still builds its graph (step runs it with grad enabled)
        loss = optimizer.step(closure)
    assert loss.item() == pytest.approx(objective([ag.tensor(v) for v in INITIAL]).item())
    trajectory = [[p.data.copy() for p in params]] + run(optimizer, params, steps=STEPS - 1)
    assert_trajectories_close(trajectory, reference(sgd_reference, lr=0.01))


# ----------------------------------------------------------------- parameter groups


def test_param_groups_take_their_own_settings_and_the_defaults_for_the_rest():
    params = make_params()
    optimizer = nn.optim.SGD([{"params": [params[0]]}, {"params": params[1], "lr": 0.02, "nesterov": True}],
                             lr=0.01, momentum=0.9)
    first, second = optimizer.param_groups
    assert first["params"] == [params[0]] and second["params"] == [params[1]]
    assert (first["lr"], first["momentum"], first["nesterov"]) == (0.01, 0.9, False)
    assert (second["lr"], second["momentum"], second["nesterov"], second["dampening"]) == (0.02, 0.9, True, 0.0)
    trajectory = run(optimizer, params)
    expected_first = sgd_reference(INITIAL[0], SLOPES[0], lr=0.01, momentum=0.9)
    expected_second = sgd_reference(INITIAL[1], SLOPES[1], lr=0.02, momentum=0.9, nesterov=True)
    assert_trajectories_close([[step[0]] for step in trajectory], [[v] for v in expected_first])
    assert_trajectories_close([[step[1]] for step in trajectory], [[v] for v in expected_second])


def test_add_param_group_trains_the_new_group_with_the_defaults():
    params = make_params()
    optimizer = nn.optim.Adam([params[0]], lr=0.05, betas=(0.8, 0.9))
    optimizer.add_param_group({"params": [params[1]], "eps": 0.1})
    assert optimizer.param_groups[1]["lr"] == 0.05 and optimizer.param_groups[1]["eps"] == 0.1
    trajectory = run(optimizer, params)
    expected = adam_reference(INITIAL[1], SLOPES[1], lr=0.05, betas=(0.8, 0.9), eps=0.1)
    assert_trajectories_close([[step[1]] for step in trajectory], [[v] for v in expected])


def test_changing_a_groups_lr_takes_effect_on_the_next_step():
    p = nn.Parameter(np.array([1.0, 2.0]))
    optimizer = nn.optim.SGD([p], lr=0.1)
    p.grad = ag.tensor([1.0, 1.0])
    optimizer.step()
    optimizer.param_groups[0]["lr"] = 0.5
    optimizer.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.1 - 0.5, 2.0 - 0.1 - 0.5])


def test_param_group_errors():
    params = make_params()
    with pytest.raises(ValueError, match="SGD: a parameter appears twice"):
        nn.optim.SGD([{"params": [params[0]]}, {"params": [params[0], params[1]]}], lr=0.1)
    with pytest.raises(ValueError, match="SGD: a parameter appears twice"):
        nn.optim.SGD([params[0], params[0]], lr=0.1)
    optimizer = nn.optim.SGD([params[0]], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        optimizer.add_param_group({"params": [params[0]]})
    with pytest.raises(TypeError, match="a parameter group must be a dict, got list"):
        optimizer.add_param_group([params[1]])
    with pytest.raises(ValueError, match="the group has no 'params' key"):
        optimizer.add_param_group({"lr": 0.1})
    with pytest.raises(TypeError, match="not a set"):
        nn.optim.SGD(set(params), lr=0.1)
    with pytest.raises(TypeError, match="got a single Tensor"):
        nn.optim.SGD(params[0], lr=0.1)
    with pytest.raises(ValueError, match="SGD: lr must be >= 0, got -1"):
        nn.optim.SGD([{"params": [params[1]], "lr": -1}], lr=0.1)
    assert len(optimizer.param_groups) == 1  # the failed additions left nothing behind


# ----------------------------------------------------------------- state dicts


def test_state_dict_has_pytorchs_layout():
    params = make_params()
    optimizer = nn.optim.Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.01}], lr=0.1, amsgrad=True)
    run(optimizer, params, steps=2)
    state = optimizer.state_dict()
    assert list(state) == ["state", "param_groups"]
    assert list(state["state"]) == [0, 1]
    assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert state["state"][0]["step"].shape == () and float(state["state"][0]["step"]) == 2.0
    assert state["state"][1]["exp_avg"].shape == (2,)
    assert state["param_groups"] == [
        {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": True, "maximize": False,
         "params": [0]},
        {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": True, "maximize": False,
         "params": [1]},
    ]
    state["state"][0]["exp_avg"][...] = 0  # a copy: the optimizer is not affected
    assert np.any(optimizer.state[params[0]]["exp_avg"] != 0)


@pytest.mark.parametrize("buffers, make", [
    (["momentum_buffer"], lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9)),
    ([], lambda p: nn.optim.SGD(p, lr=0.1)),
    (["exp_avg", "exp_avg_sq", "step"], lambda p: nn.optim.AdamW(p)),
    (["grad_avg", "momentum_buffer", "square_avg", "step"], lambda p: nn.optim.RMSprop(p, momentum=0.1, centered=True)),
    (["square_avg", "step"], lambda p: nn.optim.RMSprop(p)),
    (["step", "sum"], lambda p: nn.optim.Adagrad(p)),
])
def test_state_buffers_are_named_as_pytorchs(buffers, make):
    params = make_params()
    optimizer = make(params)
    run(optimizer, params, steps=1)
    state = optimizer.state_dict()["state"]
    assert all(sorted(state[index]) == buffers for index in state)
    assert list(state) == ([0, 1] if buffers else [])


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_resuming_from_a_saved_state_dict_is_exact(make, tmp_path):
    params = make_params()
    uninterrupted = run(make(params), params, steps=20)

    params = make_params()
    optimizer = make(params)
    run(optimizer, params, steps=10)
    nn.save(optimizer.state_dict(), tmp_path / "optimizer.npz")
    saved_values = [p.data.copy() for p in params]

    resumed_params = [nn.Parameter(v) for v in saved_values]
    resumed = make(resumed_params)
    resumed.param_groups[0]["lr"] = 999.0  # restored from the file
    resumed.load_state_dict(nn.load(tmp_path / "optimizer.npz"))
    assert resumed.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    second_half = run(resumed, resumed_params, steps=10)
    for got, expected in zip(second_half[-1], uninterrupted[-1]):
        np.testing.assert_array_equal(got, expected)


def test_load_state_dict_casts_buffers_to_the_parameters_dtype():
    params64 = make_params()
    source = nn.optim.Adam(params64, lr=0.1)
    run(source, params64, steps=1)
    params32 = make_params(np.float32)
    target = nn.optim.Adam(params32, lr=0.1)
    target.load_state_dict(source.state_dict())
    assert target.state[params32[0]]["exp_avg"].dtype == np.float32
    np.testing.assert_allclose(target.state[params32[0]]["exp_avg"], source.state[params64[0]]["exp_avg"], rtol=1e-6)


def test_load_state_dict_errors_leave_the_optimizer_unchanged():
    params = make_params()
    optimizer = nn.optim.SGD(params, lr=0.1, momentum=0.9)
    run(optimizer, params, steps=1)
    good = optimizer.state_dict()
    bad_state = {0: {"momentum_buffer": np.zeros(3)}, 7: {"momentum_buffer": np.zeros(2)}}
    bad_group = {k: v for k, v in good["param_groups"][0].items() if k != "lr"}
    before = optimizer.state[params[0]]["momentum_buffer"].copy()
    with pytest.raises(ValueError) as info:
        optimizer.load_state_dict({"state": bad_state, "param_groups": [bad_group]})
    message = str(info.value)
    assert "SGD.load_state_dict failed (optimizer left unchanged)" in message
    assert "group 0: missing keys: lr" in message and "state 7: no parameter has this index" in message
    assert "state 0.momentum_buffer: shape (3,) does not match parameter 0 (2, 3)" in message
    np.testing.assert_array_equal(optimizer.state[params[0]]["momentum_buffer"], before)
    assert optimizer.param_groups[0]["lr"] == 0.1

    with pytest.raises(ValueError, match="the saved state has 2 parameter groups, this optimizer has 1"):
        optimizer.load_state_dict({"state": {}, "param_groups": [good["param_groups"][0]] * 2})
    one_param = dict(good["param_groups"][0], params=[0])
    with pytest.raises(ValueError, match="group 0: 1 parameters in the saved state, 2 here"):
        optimizer.load_state_dict({"state": {}, "param_groups": [one_param]})
    negative = dict(good["param_groups"][0], lr=-0.5)
    with pytest.raises(ValueError, match="group 0: SGD: lr must be >= 0, got -0.5"):
        optimizer.load_state_dict({"state": {}, "param_groups": [negative]})
    with pytest.raises(ValueError, match="expected a dict with keys 'state' and 'param_groups'"):
        optimizer.load_state_dict({"lr": 0.1})


# ----------------------------------------------------------------- bad settings (issue 10)


@pytest.mark.parametrize("make, error, message", [
    (lambda p: nn.optim.SGD(p, lr="0.1"), TypeError, "SGD: lr must be a real number, got '0.1' (str)"),
    (lambda p: nn.optim.SGD(p, lr=None), TypeError, "SGD: lr must be a real number, got None"),
    (lambda p: nn.optim.SGD(p, lr=-1), ValueError, "SGD: lr must be >= 0, got -1"),
    (lambda p: nn.optim.SGD(p, lr=float("nan")), ValueError, "SGD: lr must be finite, got nan"),
    (lambda p: nn.optim.SGD(p, lr=0.1, momentum=-0.9), ValueError, "SGD: momentum must be >= 0, got -0.9"),
    (lambda p: nn.optim.SGD(p, lr=0.1, weight_decay=-1e-4), ValueError, "SGD: weight_decay must be >= 0"),
    (lambda p: nn.optim.SGD(p, lr=0.1, nesterov=True), ValueError, "SGD: Nesterov momentum requires a momentum > 0"),
    (lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "and zero dampening"),
    (lambda p: nn.optim.SGD(p, lr=0.1, nesterov="yes"), TypeError, "SGD: nesterov must be True or False"),
    (lambda p: nn.optim.Adam(p, lr=-1e-3), ValueError, "Adam: lr must be >= 0"),
    (lambda p: nn.optim.Adam(p, lr="1e-3"), TypeError, "Adam: lr must be a real number"),
    (lambda p: nn.optim.Adam(p, betas=(0.9, 1.0)), ValueError, "Adam: betas must be two numbers in [0, 1)"),
    (lambda p: nn.optim.Adam(p, betas=(-0.1, 0.9)), ValueError, "Adam: betas must be two numbers"),
    (lambda p: nn.optim.Adam(p, betas=0.9), ValueError, "Adam: betas must be two numbers"),
    (lambda p: nn.optim.Adam(p, eps=-1e-8), ValueError, "Adam: eps must be >= 0"),
    (lambda p: nn.optim.AdamW(p, weight_decay=-0.01), ValueError, "AdamW: weight_decay must be >= 0"),
    (lambda p: nn.optim.RMSprop(p, alpha=-0.5), ValueError, "RMSprop: alpha must be >= 0"),
    (lambda p: nn.optim.RMSprop(p, momentum=-0.5), ValueError, "RMSprop: momentum must be >= 0"),
    (lambda p: nn.optim.Adagrad(p, lr_decay=-1), ValueError, "Adagrad: lr_decay must be >= 0"),
    (lambda p: nn.optim.Adagrad(p, initial_accumulator_value=-1), ValueError,
     "Adagrad: initial_accumulator_value must be >= 0"),
    (lambda p: nn.optim.SGD([], lr=0.1), ValueError, "SGD: got an empty parameter list"),
    (lambda p: nn.optim.SGD([ag.zeros(2)], lr=0.1), TypeError, "SGD: parameter 0 is not a Tensor that requires grad"),
    (lambda p: nn.optim.SGD([np.zeros(2)], lr=0.1), TypeError, "SGD: parameter 0 is not a Tensor that requires grad"),
    (lambda p: nn.optim.Adam([p[0] * 2]), ValueError, "Adam: parameter 0 is not a leaf Tensor"),
])
def test_invalid_settings_raise_a_clear_error_naming_the_optimizer(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make(make_params())


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


def test_optim_is_a_package_with_a_scheduler_module():
    import importlib

    module = importlib.import_module("nn.optim.lr_scheduler")
    assert module is nn.optim.lr_scheduler
    assert issubclass(nn.optim.AdamW, nn.optim.Optimizer)


def test_an_optimizer_step_leaves_the_callers_array_alone():
    """torch.tensor copies: before, ag.tensor(start) shared `start`, and SGD rewrote it silently."""
    start = np.array([1.0, -2.0, 3.0])
    w = ag.tensor(start, requires_grad=True)
    optimizer = nn.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(start, [1.0, -2.0, 3.0])
    np.testing.assert_allclose(w.data, start * (1 - 0.2))
