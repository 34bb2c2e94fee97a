"""nn.save / nn.load: bit-exact .npz round trips of state dicts and checkpoints, no pickle, strict loading."""
import math
import pickle
import re
import zipfile

import numpy as np
import pytest

import autograd_lite as ag
import nn


def make_model(dtype=None, hidden=4):
    return nn.Sequential(nn.Linear(3, hidden, dtype=dtype), nn.Sigmoid(), nn.Linear(hidden, 2, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_is_bit_exact(dtype, tmp_path):
    ag.manual_seed(0)
    model = make_model(dtype)
    path = tmp_path / "model.npz"
    nn.save(model, path)
    state = nn.load(path)
    assert list(state) == list(model.state_dict())
    for name, value in model.state_dict().items():
        assert state[name].dtype == value.dtype
        np.testing.assert_array_equal(state[name], value)

    ag.manual_seed(1)
    restored = make_model(dtype)
    restored.load_state_dict(state)
    x = ag.tensor(np.random.default_rng(0).normal(size=(5, 3)).astype(dtype))
    np.testing.assert_array_equal(restored(x).data, model(x).data)


def test_file_is_a_plain_npz_that_numpy_opens_without_pickle(tmp_path):
    model = make_model()
    path = tmp_path / "weights.bin"
    nn.save(model, path)
    assert path.exists() and not (tmp_path / "weights.bin.npz").exists()  # written exactly at `path`
    assert path.read_bytes()[:2] == b"PK"  # a zip archive of .npy files
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == ["0.weight", "0.bias", "2.weight", "2.bias"]
        np.testing.assert_array_equal(archive["2.weight"], model[2].weight.data)
    assert [p.name for p in tmp_path.iterdir()] == ["weights.bin"]  # no temporary file left behind


def test_save_accepts_a_state_dict_of_arrays_or_tensors(tmp_path):
    nn.save({"a": np.arange(3), "b": ag.tensor([[1.5]])}, tmp_path / "s.npz")
    state = nn.load(tmp_path / "s.npz")
    np.testing.assert_array_equal(state["a"], np.arange(3))
    assert isinstance(state["b"], ag.Tensor)  # a Tensor comes back as a Tensor
    np.testing.assert_array_equal(state["b"].data, [[1.5]])


class Thing:
    pass


@pytest.mark.parametrize("obj, message", [
    ({"meta": {"tags": {"a", "b"}}}, "save: ['meta']['tags'] is a set, which nn.save cannot store without pickle"),
    ({"meta": Thing()}, "save: ['meta'] is a Thing"),
    ([np.array([{"x": 1}], dtype=object)], "save: [0] is an array of dtype object, which would need pickle"),
    ({"model": make_model()}, "save: ['model'] is a Module; save its state_dict() instead"),
    ({(1, 2): 3}, "save: the object has a key of type tuple"),
    ({"a": 1j}, "save: ['a'] is a complex"),
])
def test_save_refuses_objects_that_would_need_pickle(obj, message, tmp_path):
    with pytest.raises(TypeError, match=re.escape(message)):
        nn.save(obj, tmp_path / "s.npz")
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary file left


def test_load_refuses_pickled_content(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, payload=np.array([{"not": "an array"}], dtype=object))  # stored with pickle
    with pytest.raises(ValueError, match="member 'payload' .* holds pickled Python objects; nn.load reads with "
                                         "allow_pickle=False and never unpickles"):
        nn.load(path)


def test_loading_wrong_keys_or_shapes_raises_and_leaves_the_model_unchanged(tmp_path):
    other = tmp_path / "other.npz"
    nn.save(make_model(hidden=5), other)  # same keys, different shapes
    renamed = tmp_path / "renamed.npz"
    nn.save({"encoder." + k: v for k, v in make_model().state_dict().items()}, renamed)

    model = make_model()
    before = model.state_dict()
    with pytest.raises(RuntimeError, match=r"0.weight: expected shape \(4, 3\), got \(5, 3\)"):
        model.load_state_dict(nn.load(other))
    with pytest.raises(RuntimeError, match="missing keys: 0.weight, 0.bias, 2.weight, 2.bias") as info:
        model.load_state_dict(nn.load(renamed))
    assert "unexpected keys: encoder.0.weight" in str(info.value)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


# ----------------------------------------------------------------- checkpoints


def test_a_checkpoint_round_trips_with_the_same_structure_and_types(tmp_path):
    checkpoint = {
        "model": make_model(np.float32).state_dict(),
        "epoch": 3,
        "loss": 0.1 + 0.2,  # a float that needs all its digits
        "special": [math.inf, -math.inf, -0.0, 1e-310, 2**70],
        "name": "lenet \u00e9t\u00e9 \u2713",
        "flags": (True, False, None),
        "by_index": {0: np.arange(3, dtype=np.int8), 1: {"step": np.array(2.0)}, 7.5: "float key", None: True},
        "tensors": [ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor(3, dtype=np.int64), nn.Parameter(np.ones(2))],
        "arrays": [np.array(True), np.zeros((0, 3)), np.array([1 + 2j]), np.arange(4, dtype=np.uint16).reshape(2, 2),
                   np.array([0.5], dtype=np.float16), np.asfortranarray(np.arange(6.0).reshape(2, 3))],
        "scalars": [np.float32(0.1), np.int64(-5), np.bool_(True)],
        "empty": [{}, [], ()],
        "nested": {"a": [{"b": (np.array([1.0]), [2, [3.0]])}]},
    }
    path = tmp_path / "ckpt.pth"
    nn.save(checkpoint, path)
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pth"]  # exactly the path given
    loaded = nn.load(path)
    assert_same(loaded, checkpoint)
    assert type(loaded["tensors"][2]) is nn.Parameter and type(loaded["tensors"][0]) is ag.Tensor
    nan = {"nan": math.nan}
    nn.save(nan, path)
    assert math.isnan(nn.load(path)["nan"])


def assert_same(got, expected, where="checkpoint"):
    """Same structure, same types, same values bit for bit."""
    assert type(got) is type(expected), f"{where}: {type(got).__name__} instead of {type(expected).__name__}"
    if isinstance(expected, dict):
        assert list(got) == list(expected), where
        assert [type(k) for k in got] == [type(k) for k in expected], where
        for key in expected:
            assert_same(got[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for index, (g, e) in enumerate(zip(got, expected)):
            assert_same(g, e, f"{where}[{index}]")
    elif isinstance(expected, ag.Tensor):
        assert got.requires_grad == expected.requires_grad, where
        assert_same(got.data, expected.data, where)
    elif isinstance(expected, (np.ndarray, np.generic)):
        assert got.dtype == expected.dtype and got.shape == expected.shape, where
        np.testing.assert_array_equal(got, expected, err_msg=where)
    elif isinstance(expected, float):
        assert got == expected and math.copysign(1, got) == math.copysign(1, expected), where
    else:
        assert got == expected, where


def test_checkpoint_file_is_a_plain_npz_with_readable_names(tmp_path):
    path = tmp_path / "ckpt.pth"
    params = [nn.Parameter(np.ones(2))]
    optimizer = nn.optim.Adam(params)
    params[0].grad = ag.tensor([1.0, -1.0])
    optimizer.step()
    nn.save({"model": {"0.weight": np.ones((2, 2))}, "optimizer": optimizer.state_dict(), "epoch": 3}, path)
    assert path.read_bytes()[:2] == b"PK"
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == ["model/0.weight", "optimizer/state/0/step", "optimizer/state/0/exp_avg",
                                 "optimizer/state/0/exp_avg_sq", "__nn_save_structure__"]
        np.testing.assert_array_equal(archive["optimizer/state/0/exp_avg"], optimizer.state[params[0]]["exp_avg"])


def test_keys_that_spell_the_same_path_keep_their_own_arrays(tmp_path):
    checkpoint = {"a/b": np.array([1.0]), "a": {"b": np.array([2.0])}, 3: np.array([3.0]), "3": np.array([4.0])}
    nn.save(checkpoint, tmp_path / "c.npz")
    assert_same(nn.load(tmp_path / "c.npz"), checkpoint)
    nn.save(np.arange(3), tmp_path / "one.npz")  # a lone array is a checkpoint too
    assert_same(nn.load(tmp_path / "one.npz"), np.arange(3))


def test_a_flat_dict_of_arrays_keeps_the_plain_layout_and_older_files_load(tmp_path):
    np.savez(tmp_path / "old.npz", **{"0.weight": np.ones((2, 3)), "0.bias": np.zeros(2)})  # as nn.save wrote them
    state = nn.load(tmp_path / "old.npz")
    assert list(state) == ["0.weight", "0.bias"] and all(isinstance(v, np.ndarray) for v in state.values())
    nn.save({"file": np.ones(1), "allow_pickle": np.zeros(1)}, tmp_path / "names.npz")  # np.savez's own keywords
    assert list(nn.load(tmp_path / "names.npz")) == ["file", "allow_pickle"]


def train(model, optimizer, scheduler, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = ag.tensor(rng.normal(size=(8, 3)))
        target = ag.tensor(rng.normal(size=(8, 2)))
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), target)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        optimizer.step()
        scheduler.step()


@pytest.mark.parametrize("make_optimizer", [
    lambda groups: nn.optim.AdamW(groups, lr=0.05, amsgrad=True),
    lambda groups: nn.optim.SGD(groups, lr=0.1, momentum=0.9, nesterov=True),
    lambda groups: nn.optim.RMSprop(groups, lr=0.01, momentum=0.5, centered=True),
    lambda groups: nn.optim.Adagrad(groups, lr=0.1, lr_decay=0.01),
], ids=["AdamW", "SGD", "RMSprop", "Adagrad"])
def test_a_run_resumed_from_a_checkpoint_continues_bit_for_bit(make_optimizer, tmp_path):
    def make_run():
        model = make_model(hidden=5)
        optimizer = make_optimizer([{"params": [model[0].weight, model[0].bias]},
                                    {"params": [model[2].weight, model[2].bias], "lr": 0.02}])
        scheduler = nn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=8)
        return model, optimizer, scheduler

    ag.manual_seed(0)
    model, optimizer, scheduler = make_run()
    train(model, optimizer, scheduler, steps=6, seed=1)
    nn.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "epoch": 6}, tmp_path / "ckpt.pth")
    train(model, optimizer, scheduler, steps=5, seed=2)

    ag.manual_seed(123)  # a different start: everything must come from the checkpoint
    resumed_model, resumed_optimizer, resumed_scheduler = make_run()
    checkpoint = nn.load(tmp_path / "ckpt.pth")
    resumed_model.load_state_dict(checkpoint["model"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed_scheduler.load_state_dict(checkpoint["scheduler"])
    assert checkpoint["epoch"] == 6
    train(resumed_model, resumed_optimizer, resumed_scheduler, steps=5, seed=2)
    for (name, got), expected in zip(resumed_model.state_dict().items(), model.state_dict().values()):
        np.testing.assert_array_equal(got, expected, err_msg=name)
    assert resumed_scheduler.get_last_lr() == scheduler.get_last_lr()


# ----------------------------------------------------------------- what nn.load refuses (issue 10)


def write_npy(path):
    with open(path, "wb") as file:  # np.save(path) would append ".npy"
        np.save(file, np.arange(3))


@pytest.mark.parametrize("write, kind", [
    (write_npy, "a single-array .npy file (np.save)"),
    (lambda path: path.write_text("0.weight 1.0 2.0\n"), "a text file"),
    (lambda path: path.write_bytes(pickle.dumps({"weight": [1.0, 2.0]})), "a pickle file"),
    (lambda path: path.write_bytes(b""), "an empty file"),
    (lambda path: path.write_bytes(bytes(range(200, 256))), "not a zip archive"),
], ids=["npy", "text", "pickle", "empty", "binary"])
def test_load_reads_only_npz_files_written_by_save(write, kind, tmp_path):
    path = tmp_path / "weights.npz"
    write(path)
    message = f"nn.load: '{path}' is {kind}; nn.load reads only .npz files written by nn.save, never pickle"
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.load(path)


def test_load_refuses_a_zip_of_pickles_such_as_a_pytorch_checkpoint(tmp_path):
    path = tmp_path / "model.pth"
    with zipfile.ZipFile(path, "w") as archive:  # the layout torch.save writes
        archive.writestr("archive/data.pkl", pickle.dumps({"weight": 1}))
        archive.writestr("archive/version", "3\n")
    with pytest.raises(ValueError, match="is not a NumPy array, so the file is not an .npz written by nn.save"):
        nn.load(path)


def test_load_of_a_damaged_structure_raises(tmp_path):
    path = tmp_path / "c.npz"
    nn.save({"epoch": 1, "w": ag.tensor([1.0])}, path)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    structure = str(arrays["__nn_save_structure__"]).replace('"array": "w"', '"array": "missing"')
    with open(path, "wb") as file:
        np.savez(file, **{**arrays, "__nn_save_structure__": np.array(structure)})
    with pytest.raises(ValueError, match="is damaged: array 'missing' is missing"):
        nn.load(path)
