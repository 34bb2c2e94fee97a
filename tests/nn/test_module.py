"""Module, Parameter and Sequential: registration, traversal, modes, state dicts, scopes."""
import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite.graph import Function


class Block(nn.Module):
    """Parameters assigned out of alphabetical order, a plain attribute and a sub-module."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.hidden_size = 3  # plain attribute: not a parameter
        self.inner = nn.Linear(3, 2)
        self.offset = nn.Parameter(np.zeros(2))

    def forward(self, x):
        return self.inner(x * self.scale) + self.offset


def make_mlp():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Sequential(nn.Linear(4, 2), nn.Sigmoid()))


def snapshot(module):
    return {name: p.data.copy() for name, p in module.named_parameters()}


def assert_unchanged(module, before):
    after = snapshot(module)
    assert list(after) == list(before)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])


# ----------------------------------------------------------------------------- registration


def test_parameter_is_a_leaf_tensor_requiring_grad():
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:")
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad


def test_registration_order_and_dotted_names():
    block = Block()
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "offset", "inner.weight", "inner.bias"]  # own parameters first, then children
    assert [type(c) for c in block.children()] == [nn.Linear]
    assert all(isinstance(p, nn.Parameter) for p in block.parameters())
    assert block.hidden_size == 3 and "hidden_size" not in dict(block.named_parameters())


def test_nested_sequential_names():
    names = [name for name, _ in make_mlp().named_parameters()]
    assert names == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"]


def test_shared_parameter_is_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_assigning_a_plain_value_over_a_parameter_is_refused():
    block = Block()
    with pytest.raises(TypeError, match="Block.scale, a registered parameter"):
        block.scale = np.ones(3)
    del block.scale
    block.scale = 2.0  # after `del` it is an ordinary attribute
    assert [name for name, _ in block.named_parameters()] == ["offset", "inner.weight", "inner.bias"]


def test_reading_an_attribute_gives_the_entry_registered_last():
    block = Block()
    new_scale = nn.Parameter(np.full(3, 2.0))
    block.scale = new_scale
    assert block.scale is new_scale and dict(block.named_parameters())["scale"] is new_scale
    block.scale = nn.Linear(1, 1)  # a parameter's name taken over by a sub-module
    assert isinstance(block.scale, nn.Linear)
    assert "scale" not in dict(block.named_parameters()) and "scale.weight" in dict(block.named_parameters())
    del block.scale
    assert not hasattr(block, "scale") and "scale.weight" not in dict(block.named_parameters())


def test_assignment_before_init_explains_the_fix():
    class Forgetful(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first in Forgetful"):
        Forgetful()


def test_missing_attribute_error_names_the_class():
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'nope'"):
        Block().nope


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        nn.Module()(1)


# ----------------------------------------------------------------------------- grads and modes


def test_zero_grad_clears_every_parameter_gradient():
    model = make_mlp()
    model(ag.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_are_recursive():
    model = make_mlp()
    assert model.eval() is model
    assert not model.training and not model[2].training and not model[2][0].training
    model.train()
    assert model.training and model[2][1].training


# ----------------------------------------------------------------------------- state dicts


def test_state_dict_holds_copies_keyed_by_dotted_names():
    model = make_mlp()
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"]
    np.testing.assert_array_equal(state["0.weight"], model[0].weight.data)
    state["0.weight"][...] = 123.0
    assert not np.any(model[0].weight.data == 123.0)


def test_load_state_dict_round_trip_and_dtype_cast():
    source, target = make_mlp(), nn.Sequential(
        nn.Linear(3, 4, dtype=np.float32), nn.Tanh(), nn.Sequential(nn.Linear(4, 2, dtype=np.float32), nn.Sigmoid())
    )
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target[0].weight.dtype == np.float32
    np.testing.assert_allclose(target[0].weight.data, source[0].weight.data, rtol=1e-7)


def test_strict_load_lists_missing_unexpected_and_mismatched_and_changes_nothing():
    model = make_mlp()
    before = snapshot(model)
    state = model.state_dict()
    del state["0.bias"]
    state["extra.weight"] = np.zeros(2)
    state["2.0.weight"] = np.zeros((4, 2))  # transposed: wrong shape
    state["0.weight"] = np.full((4, 3), 7.0)  # valid, but must not be applied either
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "missing keys: 0.bias" in message
    assert "unexpected keys: extra.weight" in message
    assert "2.0.weight: expected shape (2, 4), got (4, 2)" in message
    assert "left unchanged" in message
    assert_unchanged(model, before)


def test_non_strict_load_reports_keys_but_still_rejects_wrong_shapes():
    model = make_mlp()
    state = {"0.weight": np.full((4, 3), 7.0), "head.bias": np.zeros(1)}
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias", "2.0.weight", "2.0.bias"]
    assert result.unexpected_keys == ["head.bias"]
    np.testing.assert_array_equal(model[0].weight.data, np.full((4, 3), 7.0))
    before = snapshot(model)
    with pytest.raises(RuntimeError, match=r"0.bias: expected shape \(4,\), got \(5,\)"):
        model.load_state_dict({"0.weight": np.zeros((4, 3)), "0.bias": np.zeros(5)}, strict=False)
    assert_unchanged(model, before)


def test_load_rejects_non_numeric_values():
    model = make_mlp()
    state = model.state_dict()
    state["0.bias"] = np.array(["a", "b", "c", "d"])
    with pytest.raises(RuntimeError, match="0.bias: expected numbers"):
        model.load_state_dict(state)


# ----------------------------------------------------------------------------- Sequential


def test_sequential_indexing_iteration_and_len():
    layers = [nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head) == layers[1:]
    with pytest.raises(IndexError, match="Sequential index 3 out of range for 3 modules"):
        model[3]
    with pytest.raises(TypeError, match="Sequential: argument 1 is a function, not a Module"):
        nn.Sequential(nn.Tanh(), ag.tanh)


def test_sequential_forward_applies_modules_in_order():
    model = make_mlp()
    x = ag.randn(5, 3)
    by_hand = nn.functional.sigmoid(model[2][0](nn.functional.tanh(model[0](x))))
    np.testing.assert_array_equal(model(x).data, by_hand.data)


def test_sequential_repr_is_pytorch_like():
    assert repr(make_mlp()) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): Tanh()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=2, bias=True)\n"
        "    (1): Sigmoid()\n"
        "  )\n"
        ")"
    )


# ----------------------------------------------------------------------------- name scopes for the viz


def scope_paths(output):
    """Every node's scope labels, walking the graph from `output`."""
    paths, stack, seen = {}, [output.grad_fn], set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        paths[node] = tuple(scope.label for scope in node.scope)
        stack.extend(p for p in node.parents if isinstance(p, Function))
    return paths


def test_calls_record_nested_module_scopes():
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))
    out = model(ag.randn(5, 3))
    paths = scope_paths(out)
    assert set(paths.values()) == {
        ("Sequential", "Linear(3→4)"), ("Sequential", "Sigmoid"), ("Sequential", "Linear(4→2)"),
    }
    assert paths[out.grad_fn] == ("Sequential", "Linear(4→2)")
    ops = sorted(node.op for node, path in paths.items() if path[-1] == "Linear(3→4)")
    assert ops == sorted(["matmul", "transpose", "add"])  # x @ weight.T + bias, nothing more


def test_each_module_call_is_a_new_scope():
    layer = nn.Linear(2, 2)
    first, second = layer(ag.randn(1, 2)), layer(ag.randn(1, 2))
    assert first.grad_fn.scope[0] is not second.grad_fn.scope[0]
    assert first.grad_fn.scope[0].label == second.grad_fn.scope[0].label == "Linear(2→2)"
