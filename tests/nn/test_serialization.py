"""nn.save / nn.load: bit-exact .npz round trips, no pickle, strict loading."""
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
    np.testing.assert_array_equal(state["b"], [[1.5]])


def test_save_refuses_objects_that_would_need_pickle(tmp_path):
    with pytest.raises(TypeError, match="save: entry 'meta' must be a string key with a numeric array"):
        nn.save({"meta": {"epoch": 3}}, tmp_path / "s.npz")
    assert list(tmp_path.iterdir()) == []


def test_load_refuses_pickled_content(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, payload=np.array([{"not": "an array"}], dtype=object))  # stored with pickle
    with pytest.raises(ValueError, match="allow_pickle=False"):
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
