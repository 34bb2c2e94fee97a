"""examples/mnist_mlp.py: one epoch of the 784-50-10 MLP built with nn, and its data errors.

The training test needs the full MNIST files where nn.data.mnist looks
($AUTOGRAD_LITE_DATA, then ~/.cache/autograd_lite/mnist) and skips without
them; the data-error tests run everywhere."""
import contextlib
import io

from _seed_runner import load_example, offline_data_error, run_script


def run_main(*args):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = load_example("mnist_mlp").main(list(args))
    return result, printed.getvalue()


def test_one_epoch_passes_90_percent(full_mnist):
    accuracy, printed = run_main("--epochs", "1")
    assert accuracy > 0.90
    assert "epoch 1: mean train loss " in printed and "batch size 100, lr 0.5" in printed


def test_missing_data_ends_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(tmp_path))
    message = offline_data_error(run_main, monkeypatch)
    assert (f": error: mnist: missing from {tmp_path} ($AUTOGRAD_LITE_DATA): train-images-idx3-ubyte.gz, "
            "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (downloading failed: "
            in message)


def test_a_data_folder_that_is_a_file_is_one_line_from_the_command_line(tmp_path):
    not_a_folder = tmp_path / "mnist.zip"
    not_a_folder.write_bytes(b"")
    completed = run_script("mnist_mlp", "--data", str(not_a_folder))
    assert completed.returncode == 1 and completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr
    assert completed.stderr.startswith(f"mnist_mlp.py: error: mnist: {not_a_folder} is a file, not a folder.")
