"""nn.data: Dataset, TensorDataset, Subset, random_split, DataLoader in both spellings, and xor().

The expected values follow torch.utils.data: a DataLoader over a dataset
fetches samples by index and stacks them (default_collate), random_split
hands out PyTorch's lengths, and shuffling is a fresh permutation each epoch.
The MNIST loader has its own file, test_mnist_files.py."""
import collections
import warnings

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

N = 10


def make_arrays(n=N):
    X = np.arange(2 * n, dtype=np.float64).reshape(n, 2)  # row i is [2i, 2i + 1]
    return X, np.arange(n)


def make_loader(**options):
    return DataLoader(*make_arrays(), **options)


def epoch_labels(loader):
    """The labels of each batch of one epoch, checking that every X row still matches its label."""
    batches = []
    for xb, yb in loader:
        assert isinstance(xb, ag.Tensor) and isinstance(yb, ag.Tensor) and not xb.requires_grad
        np.testing.assert_array_equal(xb.data, np.stack([2 * yb.data, 2 * yb.data + 1], axis=1))
        batches.append(yb.data.tolist())
    return batches


class Squares(Dataset):
    """A Dataset written as a user would: sample i is (an array, a Python int, a Python float)."""

    def __init__(self, n=N):
        self.n = n

    def __getitem__(self, index):
        if not 0 <= index < self.n:
            raise IndexError(index)
        return np.array([index, index * index], dtype=np.float32), index, index / 2

    def __len__(self):
        return self.n


# ----------------------------------------------------------------------------- DataLoader(X, y, ...)


def test_in_order_batches_keep_the_last_partial_batch():
    loader = make_loader(batch_size=4)
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(loader) == 3


def test_drop_last_drops_the_partial_batch():
    loader = make_loader(batch_size=4, drop_last=True)
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(loader) == 2


@pytest.mark.parametrize("batch_size", [1, 3, 10, 32])
def test_shuffled_epochs_cover_every_sample_exactly_once(batch_size):
    loader = make_loader(batch_size=batch_size, shuffle=True, seed=0)
    orders = []
    for _ in range(3):
        batches = epoch_labels(loader)
        assert len(batches) == len(loader)
        assert all(len(b) == batch_size for b in batches[:-1])
        order = sum(batches, [])
        assert sorted(order) == list(range(N))
        orders.append(order)
    if batch_size < N:
        assert orders[0] != orders[1] or orders[1] != orders[2]  # a new permutation each epoch


def test_shuffled_drop_last_takes_distinct_samples():
    loader = make_loader(batch_size=3, shuffle=True, seed=1, drop_last=True)
    order = sum(epoch_labels(loader), [])
    assert len(order) == 9 and len(set(order)) == 9


def test_seed_makes_shuffling_reproducible():
    first = [epoch_labels(make_loader(batch_size=3, shuffle=True, seed=5)) for _ in range(2)]
    assert first[0] == first[1]
    assert epoch_labels(make_loader(batch_size=3, shuffle=True, seed=6)) != first[0]


def test_without_seed_shuffling_follows_manual_seed():
    runs = []
    for _ in range(2):
        ag.manual_seed(3)
        loader = make_loader(batch_size=4, shuffle=True)
        runs.append([epoch_labels(loader), epoch_labels(loader)])
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[0][1]


def test_dtypes_are_kept():
    X = np.zeros((5, 3), dtype=np.float32)
    xb, yb = next(iter(DataLoader(X, np.arange(5), batch_size=2)))
    assert xb.dtype == np.float32 and yb.dtype == np.int64


def test_positional_arguments_follow_part_one_order():
    """DataLoader(X, y, batch_size, shuffle, seed): the fifth argument is the seed."""
    positional = epoch_labels(DataLoader(*make_arrays(), 4, True, 7))
    assert positional == epoch_labels(make_loader(batch_size=4, shuffle=True, seed=7))
    assert len(sum(positional, [])) == N


def test_tensors_and_lists_are_accepted_as_arrays():
    X, y = make_arrays()
    from_tensors = epoch_labels(DataLoader(ag.tensor(X), ag.tensor(y), batch_size=4))
    from_lists = epoch_labels(DataLoader(X.tolist(), y.tolist(), batch_size=4))
    assert from_tensors == from_lists == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"DataLoader: X has shape \(10, 2\) and y has shape \(9,\)"):
        DataLoader(np.zeros((10, 2)), np.zeros(9), batch_size=2)
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match=f"batch_size must be a positive integer, got {bad!r}"):
            make_loader(batch_size=bad)
    with pytest.raises(TypeError, match=r"DataLoader: got an unexpected keyword argument 'batchsize'.*"
                                        r"signature is DataLoader\(X, y, batch_size"):
        make_loader(batchsize=4)
    with pytest.raises(TypeError, match=r"DataLoader: the dataset needs __len__ and __getitem__.*got int"):
        DataLoader(5, batch_size=2)


# ----------------------------------------------------------------------------- DataLoader(dataset, ...)


def test_dataset_batches_collate_each_field_to_a_tensor():
    loader = DataLoader(Squares(), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [len(b) for b in batches] == [3, 3, 3] and all(isinstance(b, tuple) for b in batches)
    arrays, ints, floats = batches[0]
    np.testing.assert_array_equal(arrays.data, [[0, 0], [1, 1], [2, 4], [3, 9]])
    np.testing.assert_array_equal(ints.data, [0, 1, 2, 3])
    np.testing.assert_array_equal(floats.data, [0.0, 0.5, 1.0, 1.5])
    # as PyTorch: an array keeps its dtype, Python ints give int64 and Python floats float64
    assert (arrays.dtype, ints.dtype, floats.dtype) == (np.float32, np.int64, np.float64)
    assert batches[2][1].data.tolist() == [8, 9]


def test_dataset_defaults_are_pytorchs():
    """batch_size=1, shuffle=False, drop_last=False."""
    loader = DataLoader(Squares(3))
    assert len(loader) == 3
    assert [ints.data.tolist() for _, ints, _ in loader] == [[0], [1], [2]]


def test_dataset_positional_arguments_follow_pytorch_order():
    """DataLoader(dataset, batch_size, shuffle, drop_last, seed)."""
    batches = [ints.data.tolist() for _, ints, _ in DataLoader(Squares(), 4, True, True, 3)]
    assert len(batches) == 2 and all(len(b) == 4 for b in batches)
    assert batches == [ints.data.tolist() for _, ints, _ in
                       DataLoader(Squares(), batch_size=4, shuffle=True, drop_last=True, seed=3)]


def test_dataset_shuffling_follows_seed_and_manual_seed():
    def epochs(**options):
        loader = DataLoader(Squares(), batch_size=3, shuffle=True, **options)
        return [[ints.data.tolist() for _, ints, _ in loader] for _ in range(2)]

    seeded = epochs(seed=11)
    assert seeded == epochs(seed=11) and seeded[0] != seeded[1]
    assert sorted(sum(seeded[0], [])) == list(range(N))
    ag.manual_seed(4)
    first = epochs()
    ag.manual_seed(4)
    assert epochs() == first


def test_a_list_of_samples_is_a_dataset():
    samples = [(np.full(2, i, dtype=np.float64), i % 2) for i in range(5)]
    xb, yb = next(iter(DataLoader(samples, batch_size=5)))
    np.testing.assert_array_equal(xb.data, [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]])
    assert yb.data.tolist() == [0, 1, 0, 1, 0]


def test_pytorch_only_options_are_accepted():
    """num_workers and pin_memory change nothing here; collate_fn replaces default_collate."""
    plain = [ints.data.tolist() for _, ints, _ in DataLoader(Squares(), batch_size=4)]
    options = DataLoader(Squares(), batch_size=4, num_workers=2, pin_memory=True)
    assert [ints.data.tolist() for _, ints, _ in options] == plain
    firsts = DataLoader(Squares(), batch_size=4, collate_fn=lambda samples: [s[1] for s in samples])
    assert list(firsts) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_tensor_dataset_loader_equals_the_sample_by_sample_path():
    """The TensorDataset fast path gives what default_collate of each sample gives."""
    X = np.random.default_rng(0).random((23, 3)).astype(np.float32)
    y = np.arange(23) % 4
    dataset = TensorDataset(X, y)

    class SampleBySample(Dataset):
        def __getitem__(self, index):
            return dataset[index]

        def __len__(self):
            return len(dataset)

    for subset in (False, True):
        fast, slow = (random_split(d, [15, 8], seed=2)[1] if subset else d for d in (dataset, SampleBySample()))
        for fast_batch, slow_batch in zip(DataLoader(fast, 5, True, seed=9), DataLoader(slow, 5, True, seed=9),
                                          strict=True):
            for f, s in zip(fast_batch, slow_batch, strict=True):
                assert f.dtype == s.dtype and f.shape == s.shape
                np.testing.assert_array_equal(f.data, s.data)


# ----------------------------------------------------------------------------- default_collate


def test_collate_dicts_named_tuples_strings_and_tensors():
    Point = collections.namedtuple("Point", "x label")
    batch = default_collate([Point(ag.tensor([1.0, 2.0]), "a"), Point(ag.tensor([3.0, 4.0]), "b")])
    assert isinstance(batch, Point) and batch.label == ["a", "b"]
    np.testing.assert_array_equal(batch.x.data, [[1, 2], [3, 4]])
    batch = default_collate([{"x": np.float32(1.5), "flag": True}, {"x": np.float32(2.5), "flag": False}])
    assert batch["x"].dtype == np.float32 and batch["x"].data.tolist() == [1.5, 2.5]
    assert batch["flag"].dtype == np.bool_ and batch["flag"].data.tolist() == [True, False]
    batch = default_collate([[1, 2.0], [3, 4.0]])  # a list sample gives a list of batches
    assert isinstance(batch, list) and batch[0].data.tolist() == [1, 3] and batch[1].dtype == np.float64


def test_collated_batches_never_join_the_graph():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([w, w * 2])
    assert not batch.requires_grad and batch.grad_fn is None
    np.testing.assert_array_equal(batch.data, [[1, 2], [2, 4]])


def test_collate_errors_say_what_cannot_be_stacked():
    with pytest.raises(ValueError, match=r"cannot stack samples of shapes \(2,\), \(3,\) into one batch"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match=r"same number of fields, got \[1, 2\]"):
        default_collate([(1,), (1, 2)])
    with pytest.raises(TypeError, match="cannot collate samples of type object"):
        default_collate([object(), object()])


# ----------------------------------------------------------------------------- Dataset, TensorDataset, Subset


def test_dataset_base_class_names_what_a_subclass_must_define():
    class Empty(Dataset):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty must define __getitem__\(index\)"):
        Empty()[0]
    with pytest.raises(NotImplementedError, match=r"Empty must define __len__\(\)"):
        len(Empty())


def test_tensor_dataset_rows():
    X, y = make_arrays()
    dataset = TensorDataset(ag.tensor(X), y)
    assert len(dataset) == N and len(dataset.tensors) == 2
    x3, y3 = dataset[3]
    assert isinstance(x3, ag.Tensor) and x3.data.tolist() == [6.0, 7.0] and y3.item() == 3
    assert y3.dtype == np.int64
    xs, ys = dataset[2:5]
    assert xs.shape == (3, 2) and ys.data.tolist() == [2, 3, 4]
    (only,) = TensorDataset(y)[-1]
    assert only.item() == N - 1
    with pytest.raises(IndexError):
        dataset[N]


def test_tensor_dataset_shapes_must_agree():
    with pytest.raises(ValueError, match=r"same number of samples \(first dimension\), got shapes \(10, 2\), \(9,\)"):
        TensorDataset(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match=r"got shapes \(\)"):
        TensorDataset(np.float64(1.0))
    with pytest.raises(ValueError, match="needs at least one tensor"):
        TensorDataset()


def test_subset_reads_through_its_indices():
    subset = Subset(Squares(), [7, 2, 2])
    assert len(subset) == 3
    assert [subset[i][1] for i in range(3)] == [7, 2, 2]
    assert subset[-1][1] == 2


# ----------------------------------------------------------------------------- random_split


def covered(parts):
    return sorted(i for part in parts for i in part.indices)


def test_random_split_by_counts_is_a_seeded_partition():
    parts = random_split(Squares(), [6, 3, 1], seed=0)
    assert [len(p) for p in parts] == [6, 3, 1] and all(isinstance(p, Subset) for p in parts)
    assert covered(parts) == list(range(N))
    assert [p[i][1] for p in parts for i in range(len(p))] == sum((p.indices for p in parts), [])
    assert [p.indices for p in random_split(Squares(), [6, 3, 1], seed=0)] == [p.indices for p in parts]
    assert [p.indices for p in random_split(Squares(), [6, 3, 1], seed=1)] != [p.indices for p in parts]


def test_random_split_by_fractions_hands_out_the_remainder_as_pytorch():
    """floor(fraction * n) each, then one more to the first, second, ... split until all n are used."""
    cases = {(0.5, 0.5): (5, [3, 2]), (0.33, 0.33, 0.34): (10, [4, 3, 3]), (0.8, 0.1, 0.1): (10, [8, 1, 1]),
             (0.25, 0.25, 0.25, 0.25): (7, [2, 2, 2, 1])}
    for fractions, (n, expected) in cases.items():
        parts = random_split(Squares(n), list(fractions), seed=0)
        assert [len(p) for p in parts] == expected
        assert covered(parts) == list(range(n))


def test_random_split_generators():
    first = random_split(Squares(), [5, 5], np.random.default_rng(3))
    assert [p.indices for p in first] == [p.indices for p in random_split(Squares(), [5, 5], seed=3)]
    ag.manual_seed(8)
    with_manual_seed = [p.indices for p in random_split(Squares(), [5, 5])]
    ag.manual_seed(8)
    assert [p.indices for p in random_split(Squares(), [5, 5])] == with_manual_seed
    with pytest.raises(TypeError, match="a generator or a seed, not both"):
        random_split(Squares(), [5, 5], np.random.default_rng(0), seed=0)


def test_random_split_of_a_tensor_dataset_feeds_a_loader():
    train, val = random_split(TensorDataset(*make_arrays()), [0.7, 0.3], seed=4)
    seen = [sum(epoch_labels(DataLoader(part, batch_size=3)), []) for part in (train, val)]
    assert seen == [train.indices, val.indices]
    assert sorted(seen[0] + seen[1]) == list(range(N))


def test_random_split_bad_lengths():
    with pytest.raises(ValueError, match=r"lengths \[6, 3\] must be non-negative and add up to the dataset's 10"):
        random_split(Squares(), [6, 3])
    with pytest.raises(ValueError, match=r"lengths \[11, -1\] must be non-negative"):
        random_split(Squares(), [11, -1])
    with pytest.raises(ValueError, match=r"fractions must lie in \[0, 1\] and add up to 1, got \[0.5, 0.6\]"):
        random_split(Squares(), [0.5, 0.6])
    with pytest.raises(ValueError, match=r"fractions must lie in \[0, 1\]"):
        random_split(Squares(), [1.5, -0.5])
    with pytest.raises(TypeError, match=r"all ints \(counts\) or all floats \(fractions\), got \[5, 0.5\]"):
        random_split(Squares(), [5, 0.5])


def test_random_split_warns_about_an_empty_split():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts = random_split(Squares(3), [0.9, 0.05, 0.05], seed=0)
    assert [len(p) for p in parts] == [3, 0, 0]
    assert [str(w.message) for w in caught] == [
        "random_split: split 1 of fractions [0.9, 0.05, 0.05] of 3 samples is empty",
        "random_split: split 2 of fractions [0.9, 0.05, 0.05] of 3 samples is empty"]
    assert caught[0].filename == __file__  # the warning points at the caller's line


# ----------------------------------------------------------------------------- XOR


def test_xor():
    X, y = nn.data.xor()
    assert X.shape == (4, 2) and y.shape == (4, 1)
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))
