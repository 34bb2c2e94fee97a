"""no_grad / enable_grad as context managers and decorators, nesting, and thread-locality."""
import threading

import pytest

import autograd_lite as ag

WAIT = 10  # seconds; only reached if a thread hangs


def test_grad_is_enabled_by_default():
    assert ag.is_grad_enabled() is True


def test_no_grad_context_records_nothing():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        assert ag.is_grad_enabled() is False
        y = x * 2
    assert ag.is_grad_enabled() is True
    assert y.requires_grad is False and y.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()
    assert (x * 2).requires_grad  # recording again after the block


def test_enable_grad_inside_no_grad_and_nesting():
    x = ag.tensor(3.0, requires_grad=True)
    with ag.no_grad():
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            y = x * x
            with ag.no_grad():
                assert not ag.is_grad_enabled()
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    y.backward()
    assert x.grad.item() == 6.0


def test_decorators():
    x = ag.tensor(2.0, requires_grad=True)

    @ag.no_grad()
    def without_graph(t):
        return t * 3, ag.is_grad_enabled()

    @ag.enable_grad()
    def with_graph(t):
        return t * 3, ag.is_grad_enabled()

    y, enabled = without_graph(x)
    assert not enabled and y.grad_fn is None
    assert ag.is_grad_enabled()
    with ag.no_grad():
        z, enabled = with_graph(x)
        assert not ag.is_grad_enabled()
    assert enabled and z.requires_grad
    assert without_graph.__name__ == "without_graph"  # the decorator keeps the function's identity


def test_decorated_function_calling_itself_restores_each_level():
    levels = []

    @ag.no_grad()
    def recurse(n):
        levels.append(ag.is_grad_enabled())
        if n:
            with ag.enable_grad():
                recurse(n - 1)
                levels.append(ag.is_grad_enabled())

    recurse(2)
    assert levels == [False, False, False, True, True]
    assert ag.is_grad_enabled()


def test_mode_is_restored_when_the_block_raises():
    with pytest.raises(ValueError):
        with ag.no_grad():
            raise ValueError("boom")
    assert ag.is_grad_enabled()


def test_no_grad_in_one_thread_does_not_affect_another():
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with ag.no_grad():
            inside.set()
            checked.wait(WAIT)
            seen["worker"] = ag.is_grad_enabled()

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(WAIT)
    x = ag.tensor(1.0, requires_grad=True)
    seen["main"] = ag.is_grad_enabled()  # while the worker sits inside no_grad
    y = x * 2
    checked.set()
    thread.join(WAIT)
    assert seen == {"main": True, "worker": False}
    assert y.grad_fn is not None


def test_a_new_thread_starts_with_grad_enabled():
    seen = []
    with ag.no_grad():
        thread = threading.Thread(target=lambda: seen.append(ag.is_grad_enabled()))
        thread.start()
        thread.join(WAIT)
    assert seen == [True]


def test_one_decorated_function_running_in_two_threads():
    """Both threads run the same decorated function; each must get its own mode back on exit.

    Thread A calls it from inside no_grad, thread B with grad on; A leaves first.
    """
    a_inside, b_inside, a_may_leave, b_may_leave = (threading.Event() for _ in range(4))
    after = {}

    @ag.no_grad()
    def body(entered, may_leave):
        entered.set()
        may_leave.wait(WAIT)

    def thread_a():
        with ag.no_grad():
            body(a_inside, a_may_leave)
            after["A"] = ag.is_grad_enabled()

    def thread_b():
        a_inside.wait(WAIT)
        body(b_inside, b_may_leave)
        after["B"] = ag.is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    assert b_inside.wait(WAIT)
    a_may_leave.set()
    threads[0].join(WAIT)
    b_may_leave.set()
    threads[1].join(WAIT)
    assert after == {"A": False, "B": True}


def test_set_grad_enabled_as_a_call_a_context_manager_and_a_decorator():
    x = ag.tensor(2.0, requires_grad=True)
    ag.set_grad_enabled(False)
    try:
        assert not ag.is_grad_enabled() and not (x * x).requires_grad
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()
    for training in (True, False):
        with ag.set_grad_enabled(training):
            assert ag.is_grad_enabled() is training and (x * x).requires_grad is training
        assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def evaluate():
        return (x * x).requires_grad

    assert ag.is_grad_enabled()  # decorating does not switch the mode outside the function
    assert evaluate() is False and ag.is_grad_enabled()
    with ag.no_grad():
        with ag.set_grad_enabled(True):
            assert (x * x).requires_grad
        assert not ag.is_grad_enabled()


def test_inference_mode_is_no_grad():
    x = ag.tensor(2.0, requires_grad=True)
    with ag.inference_mode():
        assert not ag.is_grad_enabled() and (x * x).grad_fn is None
    assert ag.is_grad_enabled()

    @ag.inference_mode()
    def with_parentheses():
        return ag.is_grad_enabled()

    @ag.inference_mode
    def bare():
        return ag.is_grad_enabled()

    assert with_parentheses() is False and bare() is False and ag.is_grad_enabled()
    with ag.no_grad():
        with ag.inference_mode(False):
            assert ag.is_grad_enabled()
