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


# ----------------------------------------------------------------------------- part 2: buffers


class Counter(nn.Module):
    """A parameter, a persistent buffer, a non-persistent buffer and a buffer declared absent."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(2))
        self.register_buffer("total", ag.zeros(2))
        self.register_buffer("scratch", ag.zeros(1), persistent=False)
        self.register_buffer("absent", None)

    def forward(self, x):
        return x * self.scale


def test_buffers_are_listed_and_persistent_ones_are_in_state_dict():
    model = nn.Sequential(Counter(), nn.Linear(2, 2))
    assert [name for name, _ in model.named_buffers()] == ["0.total", "0.scratch"]
    assert list(model.buffers()) == [model[0].total, model[0].scratch]
    assert list(model.state_dict()) == ["0.scale", "0.total", "1.weight", "1.bias"]  # params, buffers, per module
    assert [name for name, _ in model.named_parameters()] == ["0.scale", "1.weight", "1.bias"]
    assert model[0].absent is None


def test_assigning_to_a_buffer_name_keeps_it_a_buffer():
    counter = Counter()
    replacement = ag.ones(2)
    counter.total = replacement
    assert counter.total is replacement and dict(counter.named_buffers())["total"] is replacement
    with pytest.raises(TypeError, match="cannot assign ndarray to Counter.total, a registered buffer"):
        counter.total = np.ones(2)
    counter.total = nn.Parameter(np.ones(2))  # a Parameter takes the name over, as in PyTorch
    assert "total" not in dict(counter.named_buffers()) and "total" in dict(counter.named_parameters())
    del counter.scratch
    assert list(dict(counter.named_buffers())) == []


def test_load_state_dict_restores_buffers():
    source, target = Counter(), Counter()
    source.total.data[...] = [3.0, 4.0]
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(target.total.data, [3.0, 4.0])
    with pytest.raises(RuntimeError, match="missing keys: total"):
        target.load_state_dict({"scale": np.ones(2)})


def test_load_state_dict_needs_a_mapping():
    with pytest.raises(TypeError, match=r"load_state_dict into Sequential: expected a dict of name -> array .*got list"):
        make_mlp().load_state_dict([1, 2])


def test_state_dict_lists_a_shared_module_under_each_name_as_pytorch():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]  # the optimizer's view: once
    assert [name for name, _ in model.named_parameters(remove_duplicate=False)] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    model.load_state_dict(model.state_dict())


# ----------------------------------------------------------------------------- part 2: registration methods


def test_register_parameter_and_add_module():
    module = nn.Module()
    module.register_parameter("weight", nn.Parameter(np.ones(3)))
    module.register_parameter("bias", None)  # declared, absent
    module.add_module("head", nn.Linear(3, 1))
    assert [name for name, _ in module.named_parameters()] == ["weight", "head.weight", "head.bias"]
    assert module.bias is None and isinstance(module.head, nn.Linear)
    module.bias = None  # allowed: it stays a declared parameter
    module.bias = nn.Parameter(np.zeros(3))
    assert [name for name, _ in module.named_parameters(recurse=False)] == ["weight", "bias"]


@pytest.mark.parametrize("call, error, message", [
    (lambda m: m.register_parameter("w", ag.ones(2)), TypeError, "cannot register a Tensor as parameter 'w'"),
    (lambda m: m.register_buffer("b", [1, 2]), TypeError, "cannot register a list as buffer 'b'"),
    (lambda m: m.add_module("child", np.ones(2)), TypeError, "add_module: ndarray is not a Module"),
    (lambda m: m.register_buffer("a.b", ag.ones(1)), KeyError, "must be non-empty and contain no '.'"),
    (lambda m: m.register_buffer("", ag.ones(1)), KeyError, "must be non-empty"),
    (lambda m: m.register_buffer(3, ag.ones(1)), TypeError, "a buffer name must be a string, got int"),
    (lambda m: m.register_buffer("training", ag.ones(1)), KeyError, "attribute 'training' already exists"),
    (lambda m: m.register_parameter("forward", None), KeyError, "attribute 'forward' already exists"),
])
def test_registration_refuses_what_pytorch_refuses(call, error, message):
    with pytest.raises(error, match=message):
        call(nn.Module())


def test_registering_before_init_explains_the_fix():
    class Early(nn.Module):
        def __init__(self):
            self.register_buffer("b", ag.ones(1))

    with pytest.raises(AttributeError, match=r"cannot register a buffer before Module.__init__\(\).*Early"):
        Early()


# ----------------------------------------------------------------------------- part 2: traversal


def test_named_modules_children_and_modules():
    model = make_mlp()
    assert [name for name, _ in model.named_modules()] == ["", "0", "1", "2", "2.0", "2.1"]
    assert [type(m).__name__ for m in model.modules()] == ["Sequential", "Linear", "Tanh", "Sequential",
                                                           "Linear", "Sigmoid"]
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]
    assert list(model.children()) == [model[0], model[1], model[2]]
    assert [name for name, _ in model.named_modules(prefix="net")][:3] == ["net", "net.0", "net.1"]
    assert [name for name, _ in model.named_parameters(prefix="net")][0] == "net.0.weight"


def test_a_shared_module_is_visited_once_unless_asked():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert [name for name, _ in model.named_modules()] == ["", "0"]
    assert [name for name, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert list(model.children()) == [shared] and list(model) == [shared, shared] and len(model) == 2


def test_apply_visits_children_first_and_returns_the_module():
    model = make_mlp()
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "Tanh", "Linear", "Sigmoid", "Sequential", "Sequential"]

    def zero_linear(module):
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.weight)

    model.apply(zero_linear)
    assert not np.any(model[0].weight.data) and not np.any(model[2][0].weight.data)


def test_requires_grad_freezes_and_unfreezes_every_parameter():
    model = make_mlp()
    assert model[0].requires_grad_(False) is model[0]
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]
    model(ag.randn(2, 3)).sum().backward()
    assert model[0].weight.grad is None and model[2][0].weight.grad is not None
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())


# ----------------------------------------------------------------------------- part 2: dtype conversion


def test_to_float_and_double_convert_in_place_and_return_the_module():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    weight = model[0].weight
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    model(ag.randn(4, 3)).sum().backward()
    assert model.float() is model
    assert model[0].weight is weight  # the same Parameter objects: the optimizer still holds them
    assert weight.dtype == np.float32 and weight.grad.dtype == np.float32
    assert model[1].running_mean.dtype == np.float32 and model[1].num_batches_tracked.dtype == np.int64
    out = model(ag.tensor(np.ones((4, 3), dtype=np.float32)))
    assert out.dtype == np.float32
    optimizer.step()
    assert weight.dtype == np.float32
    assert model.double() is model and all(p.dtype == np.float64 for p in model.parameters())
    assert model.to(np.float32) is model and model[0].bias.dtype == np.float32
    assert model.to(dtype=ag.tensor(np.zeros(1)).dtype) is model and model[0].bias.dtype == np.float64
    assert model.to(ag.zeros(1, dtype=np.float32)) is model and model[0].bias.dtype == np.float32
    assert model.to("cpu") is model and model.to(device="cpu", dtype=np.float64)[0].bias.dtype == np.float64


def test_to_refuses_integer_dtypes_and_other_devices():
    model = make_mlp()
    with pytest.raises(TypeError, match="Sequential.to: only floating-point dtypes are accepted, got int64"):
        model.to(np.int64)
    with pytest.raises(ValueError, match="Sequential.to: autograd_lite computes on the CPU only, got device 'cuda'"):
        model.to("cuda")
    assert model[0].weight.dtype == np.float64


# ----------------------------------------------------------------------------- part 2: ModuleList and ModuleDict


def test_module_list_registers_its_modules_like_pytorch():
    blocks = nn.ModuleList([nn.Linear(2, 2), nn.Tanh()])
    assert len(blocks) == 2 and isinstance(blocks[0], nn.Linear) and blocks[-1] is blocks[1]
    blocks.append(nn.Linear(2, 3)).extend([nn.ReLU()])
    blocks.insert(1, nn.Identity())
    assert [type(m).__name__ for m in blocks] == ["Linear", "Identity", "Tanh", "Linear", "ReLU"]
    assert [name for name, _ in blocks.named_parameters()] == ["0.weight", "0.bias", "3.weight", "3.bias"]
    del blocks[1]
    assert [type(m).__name__ for m in blocks] == ["Linear", "Tanh", "Linear", "ReLU"]
    assert list(blocks.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # renumbered
    assert isinstance(blocks[1:3], nn.ModuleList) and list(blocks[1:3]) == [blocks[1], blocks[2]]
    blocks[1] = nn.Sigmoid()
    assert isinstance(blocks[1], nn.Sigmoid)
    assert isinstance(blocks.pop(), nn.ReLU) and len(blocks) == 3
    blocks += [nn.Tanh()]
    assert len(blocks) == 4 and len(blocks + nn.ModuleList([nn.Tanh()])) == 5
    with pytest.raises(IndexError, match="ModuleList index 4 out of range for 4 modules"):
        blocks[4]
    with pytest.raises(TypeError, match="add_module: float is not a Module"):
        blocks.append(1.0)
    with pytest.raises(NotImplementedError, match="ModuleList does not define forward"):
        blocks(ag.zeros(1, 2))


def test_module_list_inside_a_model():
    class Tower(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList(nn.Linear(3, 3) for _ in range(3))

        def forward(self, x):
            for block in self.blocks:
                x = block(x).tanh()
            return x

    model = Tower()
    assert len(list(model.parameters())) == 6 and list(model.state_dict())[0] == "blocks.0.weight"
    x = ag.randn(2, 3)
    expected = x
    for block in model.blocks:
        expected = (expected @ block.weight.T + block.bias).tanh()
    np.testing.assert_allclose(model(x).data, expected.data, rtol=1e-15)
    assert repr(model).startswith("Tower(\n  (blocks): ModuleList(\n    (0): Linear(")


def test_module_dict_registers_its_modules_like_pytorch():
    heads = nn.ModuleDict({"digit": nn.Linear(4, 10), "parity": nn.Linear(4, 2)})
    assert list(heads) == list(heads.keys()) == ["digit", "parity"] and len(heads) == 2 and "digit" in heads
    assert [key for key, _ in heads.items()] == ["digit", "parity"] and list(heads.values())[1] is heads["parity"]
    assert list(heads.state_dict()) == ["digit.weight", "digit.bias", "parity.weight", "parity.bias"]
    heads["act"] = nn.ReLU()
    heads.update([("extra", nn.Tanh())])
    assert list(heads) == ["digit", "parity", "act", "extra"]
    assert isinstance(heads.pop("act"), nn.ReLU) and "act" not in heads
    del heads["extra"]
    assert list(heads) == ["digit", "parity"]
    with pytest.raises(KeyError):
        heads["missing"]
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        heads["forward"] = nn.ReLU()  # would shadow the method
    with pytest.raises(TypeError, match="ModuleDict.update: element 0 should be a \\(key, module\\) pair"):
        heads.update([nn.ReLU()])
    heads.clear()
    assert len(heads) == 0 and list(heads.parameters()) == []


def test_sequential_takes_an_ordered_dict_of_named_modules():
    from collections import OrderedDict

    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [name for name, _ in model.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert model[1] is model.act
