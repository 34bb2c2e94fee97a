"""Learning-rate schedulers: trajectories against closed forms computed here, state dicts, errors."""
import bisect
import math
import re

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn.optim import lr_scheduler

BASE_LRS = (0.1, 0.03)


def make_optimizer(optimizer_class=nn.optim.SGD, lrs=BASE_LRS, **settings):
    """An optimizer with one parameter group per learning rate."""
    groups = [{"params": [nn.Parameter(np.zeros(2))], "lr": lr} for lr in lrs]
    if optimizer_class is nn.optim.SGD:
        settings.setdefault("lr", 1.0)  # required by SGD, overridden by every group
    return optimizer_class(groups, **settings)


def history(scheduler, epochs):
    """get_last_lr() after construction and after each of `epochs` steps (rows: epochs, columns: groups)."""
    rows = [scheduler.get_last_lr()]
    for _ in range(epochs):
        scheduler.optimizer.step()
        scheduler.step()
        rows.append(scheduler.get_last_lr())
        assert rows[-1] == [group["lr"] for group in scheduler.optimizer.param_groups]
    return np.array(rows)


def closed_form(epochs, factor):
    """base_lr * factor(epoch, group) for each epoch 0..epochs and each group."""
    return np.array([[base * factor(epoch, index) for index, base in enumerate(BASE_LRS)]
                     for epoch in range(epochs + 1)])


def test_step_lr():
    scheduler = lr_scheduler.StepLR(make_optimizer(), step_size=3, gamma=0.5)
    np.testing.assert_allclose(history(scheduler, 20), closed_form(20, lambda e, g: 0.5 ** (e // 3)), rtol=1e-12)


def test_step_lr_default_gamma_is_a_tenth():
    scheduler = lr_scheduler.StepLR(make_optimizer(), step_size=2)
    np.testing.assert_allclose(history(scheduler, 6)[-1], [0.1 * 1e-3, 0.03 * 1e-3], rtol=1e-12)


def test_multi_step_lr_counts_a_repeated_milestone_twice():
    milestones = [5, 2, 9, 5]
    scheduler = lr_scheduler.MultiStepLR(make_optimizer(), milestones=milestones, gamma=0.1)
    passed = sorted(milestones)
    expected = closed_form(12, lambda e, g: 0.1 ** bisect.bisect_right(passed, e))
    np.testing.assert_allclose(history(scheduler, 12), expected, rtol=1e-12)


def test_exponential_lr():
    scheduler = lr_scheduler.ExponentialLR(make_optimizer(), gamma=0.9)
    np.testing.assert_allclose(history(scheduler, 30), closed_form(30, lambda e, g: 0.9**e), rtol=1e-12)


def test_cosine_annealing_follows_the_closed_form_over_several_periods():
    eta_min, period = 0.001, 7
    scheduler = lr_scheduler.CosineAnnealingLR(make_optimizer(), T_max=period, eta_min=eta_min)
    expected = np.array([[eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / period)) / 2 for base in BASE_LRS]
                         for e in range(26)])
    got = history(scheduler, 25)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert got[period] == pytest.approx([eta_min, eta_min]) and got[2 * period] == pytest.approx(BASE_LRS)


def test_cosine_annealing_created_at_a_later_epoch_uses_the_closed_form():
    optimizer = make_optimizer()
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"]
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, last_epoch=3)
    assert scheduler.last_epoch == 4
    expected = np.array([[base * (1 + math.cos(math.pi * e / 10)) / 2 for base in BASE_LRS] for e in range(4, 12)])
    np.testing.assert_allclose(history(scheduler, 7), expected, rtol=1e-12, atol=1e-15)


def test_resuming_at_a_later_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match=r"param_groups\[0\] has no 'initial_lr'"):
        lr_scheduler.StepLR(make_optimizer(), step_size=2, last_epoch=5)


def test_lambda_lr_with_one_function_or_one_per_group():
    scheduler = lr_scheduler.LambdaLR(make_optimizer(), lr_lambda=lambda epoch: 1 / (1 + epoch))
    np.testing.assert_allclose(history(scheduler, 10), closed_form(10, lambda e, g: 1 / (1 + e)), rtol=1e-12)
    functions = [lambda epoch: 0.5**epoch, lambda epoch: epoch + 1]
    scheduler = lr_scheduler.LambdaLR(make_optimizer(), lr_lambda=functions)
    np.testing.assert_allclose(history(scheduler, 10), closed_form(10, lambda e, g: functions[g](e)), rtol=1e-12)


@pytest.mark.parametrize("settings, start, end, total", [
    ({}, 1 / 3, 1.0, 5),  # PyTorch's defaults: a five-epoch warm-up from a third
    ({"start_factor": 1.0, "end_factor": 0.1, "total_iters": 4}, 1.0, 0.1, 4),
    ({"start_factor": 0.25, "end_factor": 0.0, "total_iters": 6}, 0.25, 0.0, 6),
])
def test_linear_lr(settings, start, end, total):
    scheduler = lr_scheduler.LinearLR(make_optimizer(), **settings)
    expected = closed_form(12, lambda e, g: start + (end - start) * min(e, total) / total)
    np.testing.assert_allclose(history(scheduler, 12), expected, rtol=1e-12, atol=1e-16)


def test_schedulers_on_one_optimizer_compose():
    optimizer = make_optimizer()
    exponential = lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    step = lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    rows = [step.get_last_lr()]
    for _ in range(10):
        optimizer.step()
        exponential.step()
        step.step()
        rows.append(step.get_last_lr())
    np.testing.assert_allclose(rows, closed_form(10, lambda e, g: 0.9**e * 0.5 ** (e // 3)), rtol=1e-12)


# ----------------------------------------------------------------- OneCycleLR


def one_cycle_expected(total, pct, max_lrs, anneal, three_phase, div=25.0, final_div=1e4, momenta=(0.85, 0.95)):
    """Learning rates and momenta for steps 0..total-1, from the 1cycle definition."""
    base_momentum, max_momentum = momenta
    if anneal == "cos":
        def interpolate(a, b, fraction):
            return a + (b - a) * (1 - math.cos(math.pi * fraction)) / 2
    else:
        def interpolate(a, b, fraction):
            return a + (b - a) * fraction
    rows, momentum_rows = [], []
    for step in range(total):
        lrs, momenta_now = [], []
        for max_lr in max_lrs:
            start = max_lr / div
            low = start / final_div
            if three_phase:
                ends = [pct * total - 1, 2 * pct * total - 2, total - 1]
                phases = [(start, max_lr, max_momentum, base_momentum), (max_lr, start, base_momentum, max_momentum),
                          (start, low, max_momentum, max_momentum)]
            else:
                ends = [pct * total - 1, total - 1]
                phases = [(start, max_lr, max_momentum, base_momentum), (max_lr, low, base_momentum, max_momentum)]
            index = min(bisect.bisect_left(ends, step), len(ends) - 1)
            begin = 0.0 if index == 0 else ends[index - 1]
            fraction = (step - begin) / (ends[index] - begin)
            lr_from, lr_to, momentum_from, momentum_to = phases[index]
            lrs.append(interpolate(lr_from, lr_to, fraction))
            momenta_now.append(interpolate(momentum_from, momentum_to, fraction))
        rows.append(lrs)
        momentum_rows.append(momenta_now)
    return np.array(rows), np.array(momentum_rows)


@pytest.mark.parametrize("anneal, three_phase", [("cos", False), ("linear", False), ("cos", True), ("linear", True)])
def test_one_cycle_lr_and_momentum(anneal, three_phase):
    optimizer = make_optimizer(momentum=0.9)
    max_lrs = [1.0, 0.5]
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=max_lrs, total_steps=20, pct_start=0.25,
                                        anneal_strategy=anneal, three_phase=three_phase)
    lrs, momenta = [scheduler.get_last_lr()], [[g["momentum"] for g in optimizer.param_groups]]
    for _ in range(19):
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        momenta.append([g["momentum"] for g in optimizer.param_groups])
    expected_lrs, expected_momenta = one_cycle_expected(20, 0.25, max_lrs, anneal, three_phase)
    np.testing.assert_allclose(lrs, expected_lrs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(momenta, expected_momenta, rtol=1e-12)
    assert max(max(row) for row in lrs) == pytest.approx(1.0)


def test_one_cycle_with_adam_cycles_beta1_and_stops_after_total_steps():
    optimizer = make_optimizer(nn.optim.Adam, betas=(0.9, 0.99))
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.01, epochs=2, steps_per_epoch=5)
    assert scheduler.total_steps == 10
    expected_lrs, expected_momenta = one_cycle_expected(10, 0.3, [0.01, 0.01], "cos", False)
    for step in range(10):
        assert scheduler.get_last_lr() == pytest.approx(list(expected_lrs[step]), rel=1e-12)
        assert [g["betas"] for g in optimizer.param_groups] == [
            pytest.approx((m, 0.99), rel=1e-12) for m in expected_momenta[step]]
        scheduler.step()
    with pytest.raises(ValueError, match="OneCycleLR: tried to step 11 times; total_steps is 10"):
        scheduler.step()


def test_one_cycle_lr_records_its_range_in_the_groups():
    optimizer = make_optimizer(momentum=0.9)
    lr_scheduler.OneCycleLR(optimizer, max_lr=2.0, total_steps=10, div_factor=10.0, final_div_factor=100.0)
    group = optimizer.param_groups[0]
    assert (group["initial_lr"], group["max_lr"], group["min_lr"]) == (0.2, 2.0, 0.002)
    assert (group["max_momentum"], group["base_momentum"], group["momentum"]) == (0.95, 0.85, 0.95)


# ----------------------------------------------------------------- ReduceLROnPlateau


def plateau_lrs(scheduler, metrics):
    lrs = []
    for metric in metrics:
        scheduler.step(metric)
        lrs.append(scheduler.get_last_lr()[0])
    return lrs


def test_reduce_on_plateau_min_relative():
    # threshold 0.1 (rel): an epoch improves when the loss drops below 0.9 * best
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer(lrs=(1.0,)), factor=0.5, patience=2, threshold=0.1)
    metrics = [10, 9.5, 9.2, 9.1, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, ag.tensor(8.0)]
    assert plateau_lrs(scheduler, metrics) == [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    assert scheduler.best == 8.0 and scheduler.last_epoch == 11


def test_reduce_on_plateau_max_absolute_with_cooldown_and_min_lr():
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer(lrs=(1.0,)), mode="max", factor=0.1, patience=1,
                                               threshold=0.5, threshold_mode="abs", cooldown=2, min_lr=0.02)
    metrics = [0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 2.0, 2.0, 2.0]
    assert plateau_lrs(scheduler, metrics) == pytest.approx(
        [1, 1, 0.1, 0.1, 0.1, 0.1, 0.02, 0.02, 0.02, 0.02, 0.02], rel=1e-12)


def test_reduce_on_plateau_skips_changes_smaller_than_eps():
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer(lrs=(1.0,)), patience=0, eps=0.05)
    assert plateau_lrs(scheduler, [1.0, 1.0, 1.0, 1.0]) == [1.0, pytest.approx(0.1), pytest.approx(0.01),
                                                            pytest.approx(0.01)]


def test_reduce_on_plateau_defaults_are_pytorchs():
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer())
    assert (scheduler.mode, scheduler.factor, scheduler.patience, scheduler.threshold, scheduler.threshold_mode,
            scheduler.cooldown, scheduler.min_lrs, scheduler.eps) == ("min", 0.1, 10, 1e-4, "rel", 0, [0, 0], 1e-8)
    assert plateau_lrs(scheduler, [1.0] * 12) == [0.1] * 11 + [pytest.approx(0.01)]


# ----------------------------------------------------------------- state dicts


SCHEDULERS = {
    "StepLR": lambda opt: lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    "MultiStepLR": lambda opt: lr_scheduler.MultiStepLR(opt, milestones=[4, 9], gamma=0.3),
    "ExponentialLR": lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.8),
    "CosineAnnealingLR": lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=1e-3),
    "LambdaLR": lambda opt: lr_scheduler.LambdaLR(opt, lambda epoch: 0.9**epoch),
    "LinearLR": lambda opt: lr_scheduler.LinearLR(opt, total_iters=10),
    "OneCycleLR": lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 0.3], total_steps=20),
}


@pytest.mark.parametrize("make", SCHEDULERS.values(), ids=SCHEDULERS.keys())
def test_resuming_from_saved_state_dicts_continues_exactly(make, tmp_path):
    scheduler = make(make_optimizer(momentum=0.9))
    uninterrupted = history(scheduler, 15)
    momentum = scheduler.optimizer.param_groups[0]["momentum"]

    scheduler = make(make_optimizer(momentum=0.9))
    history(scheduler, 7)
    nn.save({"optimizer": scheduler.optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp_path / "c.pth")

    optimizer = make_optimizer(momentum=0.9)
    resumed = make(optimizer)
    checkpoint = nn.load(tmp_path / "c.pth")
    optimizer.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    assert resumed.last_epoch == 7
    np.testing.assert_array_equal(history(resumed, 8), uninterrupted[7:])
    assert optimizer.param_groups[0]["momentum"] == momentum


def test_reduce_on_plateau_state_round_trips_through_a_checkpoint(tmp_path):
    metrics = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3]
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer(), patience=1)
    uninterrupted = plateau_lrs(scheduler, metrics)

    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer(), patience=1)
    plateau_lrs(scheduler, metrics[:4])
    nn.save({"optimizer": scheduler.optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp_path / "c.npz")
    optimizer = make_optimizer()
    resumed = lr_scheduler.ReduceLROnPlateau(optimizer, patience=1)
    checkpoint = nn.load(tmp_path / "c.npz")
    optimizer.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    assert plateau_lrs(resumed, metrics[4:]) == uninterrupted[4:]
    fresh = lr_scheduler.ReduceLROnPlateau(make_optimizer()).state_dict()
    assert fresh["best"] == math.inf and nn.load(_saved(fresh, tmp_path))["best"] == math.inf


def _saved(obj, tmp_path):
    nn.save(obj, tmp_path / "s.npz")
    return tmp_path / "s.npz"


def test_state_dict_is_a_copy_without_the_optimizer():
    scheduler = lr_scheduler.MultiStepLR(make_optimizer(), milestones=[2, 4])
    state = scheduler.state_dict()
    assert "optimizer" not in state
    assert state["base_lrs"] == list(BASE_LRS) and state["last_epoch"] == 0 and state["milestones"] == [2, 4]
    state["milestones"].append(1)
    assert scheduler.milestones == [2, 4]


def test_lambda_lr_state_dict_keeps_callable_objects_attributes():
    class Warmup:
        def __init__(self, length):
            self.length = length

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.length)

    scheduler = lr_scheduler.LambdaLR(make_optimizer(), [Warmup(4), lambda epoch: 1.0])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"length": 4}, None]
    other = lr_scheduler.LambdaLR(make_optimizer(), [Warmup(10), lambda epoch: 1.0])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].length == 4


def test_load_state_dict_rejects_another_schedulers_state():
    state = lr_scheduler.StepLR(make_optimizer(), step_size=2).state_dict()
    with pytest.raises(ValueError, match=r"ExponentialLR.load_state_dict: keys do not match; missing \[\], "
                                         r"unexpected \['step_size'\]"):
        lr_scheduler.ExponentialLR(make_optimizer(), gamma=0.5).load_state_dict(state)


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize("make, error, message", [
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, mode="foo"), ValueError,
     "ReduceLROnPlateau: mode must be 'min' or 'max', got 'foo'"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="relative"), ValueError,
     "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got 'relative'"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, factor=1.0), ValueError,
     "ReduceLROnPlateau: factor must be < 1.0, got 1.0"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1]), ValueError,
     "ReduceLROnPlateau: min_lr has 1 values for 2 parameter groups"),
    (lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="foo"), ValueError,
     "OneCycleLR: anneal_strategy must be 'cos' or 'linear', got 'foo'"),
    (lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=1.0), ValueError,
     "OneCycleLR: give either total_steps or both epochs and steps_per_epoch"),
    (lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=0), ValueError,
     "OneCycleLR: total_steps must be a positive integer, got 0"),
    (lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=1.5), ValueError,
     "OneCycleLR: pct_start must be a float in [0, 1], got 1.5"),
    (lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 2.0, 3.0], total_steps=10), ValueError,
     "OneCycleLR: max_lr has 3 values for 2 parameter groups"),
    (lambda opt: lr_scheduler.LinearLR(opt, start_factor=0.0), ValueError,
     "LinearLR: start_factor must be in (0, 1], got 0.0"),
    (lambda opt: lr_scheduler.LinearLR(opt, end_factor=1.5), ValueError,
     "LinearLR: end_factor must be in [0, 1], got 1.5"),
    (lambda opt: lr_scheduler.LambdaLR(opt, [lambda e: 1.0]), ValueError,
     "LambdaLR: lr_lambda has 1 values for 2 parameter groups"),
    (lambda opt: lr_scheduler.LambdaLR(opt, 0.5), TypeError, "LambdaLR: lr_lambda must be callable, got float"),
    (lambda opt: lr_scheduler.StepLR(opt, step_size=0), ValueError,
     "StepLR: step_size must be a positive integer, got 0"),
    (lambda opt: lr_scheduler.MultiStepLR(opt, milestones=[3, 1.5]), ValueError,
     "MultiStepLR: each milestone must be a positive integer, got 1.5"),
    (lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=0), ValueError,
     "CosineAnnealingLR: T_max must be a positive integer, got 0"),
    (lambda opt: lr_scheduler.StepLR(opt.param_groups, step_size=2), TypeError, "StepLR: list is not an Optimizer"),
])
def test_bad_scheduler_arguments_raise_a_clear_error(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make(make_optimizer())


def test_one_cycle_needs_momentum_or_betas_to_cycle():
    with pytest.raises(ValueError, match="OneCycleLR: Adagrad has neither momentum nor betas"):
        lr_scheduler.OneCycleLR(make_optimizer(nn.optim.Adagrad), max_lr=1.0, total_steps=10)
    scheduler = lr_scheduler.OneCycleLR(make_optimizer(nn.optim.Adagrad), max_lr=1.0, total_steps=10,
                                        cycle_momentum=False)
    assert scheduler.get_last_lr() == pytest.approx([0.04, 0.04])


def test_loading_an_unknown_mode_raises_and_changes_nothing():
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer())
    state = dict(scheduler.state_dict(), mode="foo", patience=3)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'foo'"):
        scheduler.load_state_dict(state)
    assert (scheduler.mode, scheduler.patience) == ("min", 10)
