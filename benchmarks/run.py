"""Benchmarks: autograd_lite against hand-written NumPy (the floor) and PyTorch (when installed).

    python benchmarks/run.py            # full run, a few minutes
    python benchmarks/run.py --quick    # under a minute
    python benchmarks/run.py --json results.json --threads 1

Sections (issue 6): (a) SGD step of a 784-50-10 sigmoid MLP, float64 and float32;
(b) SGD step of a 784-256-256-10 ReLU MLP, float32; (c) per-op overhead on tiny
tensors; (d) chains of 1,000 to 100,000 ops; (e) memory of one step, and over many;
(f) numerical gradient against autodiff; (g) Conv2d forward + backward against im2col
by hand (issue 12); (h) seed003's 10,000-iteration training run, eager and through
ag.compile (issue 15; 1,000 iterations with --quick). Contenders are timed interleaved and the
medians compared; every contender's result is checked against NumPy's before timing.
In (a) and (b), "NumPy replaying + nn's array ops" (engine_replay.py) runs the engine's
array operations without its bookkeeping: the engine's time over it is the bookkeeping.

BLAS threads: set (OPENBLAS/OMP/MKL_NUM_THREADS, torch.set_num_threads) to the same
number for every contender before NumPy is imported. Default 1: on these matrix
sizes a second thread gains NumPy little, and with any background load multi-threaded
BLAS timings turn bimodal (threads wait for a busy core). More threads make the
NumPy floor faster and every engine's ratio worse: `--threads 2` shows by how much.
`--clock cpu` measures process CPU time instead of wall time, for a shared machine
(with one thread the two agree when the machine is otherwise idle).
glibc's heap thresholds are fixed for the whole run, at the values ag.compile sets
(run.py restarts itself with MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ set).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# glibc's heap thresholds, as ag.compile sets them (autograd_lite/compiler/allocator.py), for the whole run:
# otherwise every section after the first ag.compile would run under other ones than those before it
# (NumPy's own 100,000-op chain in (d) is 1.5x faster under these), and older trees could not be compared.
MALLOC_VARIABLES = {"MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024), "MALLOC_TRIM_THRESHOLD_": str(64 * 1024 * 1024)}

# Targets from issue 6 (ratios to hand-written NumPy unless in µs); raw ops: issue 2's 1.3x.
# ag.compile (issue 15): the compiled step beats hand-written NumPy (out= buffers, in-place updates).
STEP_TARGETS_F64 = {"autograd_lite, raw Tensor ops": 1.3, "autograd_lite + nn": 1.2, "autograd_lite + nn, ag.compile": 0.9}
STEP_TARGETS_F32 = {"autograd_lite, raw Tensor ops": 1.3, "autograd_lite + nn": 1.3, "autograd_lite + nn, ag.compile": 0.9}
RELU_TARGETS = {"autograd_lite + nn": 1.1, "autograd_lite + nn, ag.compile": 0.95}
PER_OP_TARGET_US = 6.0
CHAIN_TARGET_US = 5.0
CHAIN_LENGTHS = (1_000, 10_000, 100_000)
CHAIN_MAX_GROWTH = 1.5  # growth of µs/op from the shortest chain to the longest, over NumPy's: "linear in N"
MEMORY_MAX_RATIO = 1.5
MEMORY_MAX_GROWTH_KIB = 16.0  # over the second half of the steps: < 33 bytes a step over 500 steps
CONV_TARGET = 1.3  # issue 12: Conv2d forward + backward over the same im2col convolution by hand
TRAINING_ITERATIONS = 10_000  # issue 15: seed003's run through ag.compile, wall time beside eager's
QUICK_TRAINING_ITERATIONS = 1_000


@dataclass(frozen=True)
class Settings:
    repetitions: int  # interleaved rounds; medians over these
    min_sample_seconds: float  # each timed sample repeats the call at least this long
    chain_repetitions: int
    memory_steps: int
    numerical_repetitions: int


FULL = Settings(
    repetitions=41, min_sample_seconds=0.05, chain_repetitions=7, memory_steps=1000, numerical_repetitions=9
)
QUICK = Settings(
    repetitions=7, min_sample_seconds=0.005, chain_repetitions=2, memory_steps=100, numerical_repetitions=3
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and steps: under a minute")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save machine, settings and results as JSON")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for every contender (default 1)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time, or this process's CPU time (for a machine shared with other jobs)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even when installed")
    parser.add_argument("--only", default="abcdefgh", help="sections to run, e.g. --only ac")
    parser.add_argument("--markdown", action="store_true", help="also print the ratio table as Markdown")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if any(os.environ.get(name) != value for name, value in MALLOC_VARIABLES.items()):
        # glibc reads them when the process starts: start again with them set
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC_VARIABLES})
    for variable in THREAD_VARIABLES:  # must happen before NumPy (or PyTorch) is imported
        os.environ[variable] = str(args.threads)
    if str(REPO) not in sys.path:
        sys.path.append(str(REPO))  # appended, so PYTHONPATH can point at another copy of the engine

    import conv
    import memory
    import numerical
    import per_op
    import report
    import sgd_steps
    import timing
    import training_run
    from contenders import Available
    from machine import describe, load_average
    from problems import RELU_F32, SIGMOID_F32, SIGMOID_F64

    if args.clock == "cpu":
        if args.threads != 1:
            sys.exit("--clock cpu needs --threads 1: CPU time adds up the time of every thread")
        timing.use_cpu_clock()
    settings = QUICK if args.quick else FULL
    available = Available.detect(use_torch=not args.no_torch)
    torch_version = None
    if available.torch:
        import torch

        torch.set_num_threads(args.threads)
        torch_version = torch.__version__
    engine_path = None
    if available.engine:
        import autograd_lite

        engine_path = str(Path(autograd_lite.__file__).parent)
    machine = describe(args.threads, engine_path, torch_version)
    mode = "quick" if args.quick else "full"
    clock = "wall-clock" if args.clock == "wall" else "process CPU time"
    print(report.header(machine, f"{mode} mode: medians of {settings.repetitions} interleaved repetitions, {clock}"))
    for reason in available.reasons:
        print(f"note: {reason}")

    s = settings
    sections = {
        "a": lambda: sgd_steps.run("a", SIGMOID_F64, available, STEP_TARGETS_F64, s.repetitions, s.min_sample_seconds)
        + sgd_steps.run("a", SIGMOID_F32, available, STEP_TARGETS_F32, s.repetitions, s.min_sample_seconds),
        "b": lambda: sgd_steps.run("b", RELU_F32, available, RELU_TARGETS, s.repetitions, s.min_sample_seconds,
                                   raw=False),
        "c": lambda: per_op.five_ops(available, PER_OP_TARGET_US, s.repetitions, s.min_sample_seconds),
        "d": lambda: per_op.chains(available, CHAIN_LENGTHS, CHAIN_TARGET_US, CHAIN_MAX_GROWTH, s.chain_repetitions),
        "e": lambda: memory.run(SIGMOID_F64, available, s.memory_steps, MEMORY_MAX_RATIO, MEMORY_MAX_GROWTH_KIB),
        "f": lambda: numerical.run(SIGMOID_F64, available, s.numerical_repetitions),
        "g": lambda: conv.run(conv.CONV_F32, available, CONV_TARGET, s.repetitions, s.min_sample_seconds)
        + conv.run(conv.CONV_F64, available, CONV_TARGET, s.repetitions, s.min_sample_seconds),
        "h": lambda: training_run.run(available, QUICK_TRAINING_ITERATIONS if args.quick else TRAINING_ITERATIONS),
    }
    results = []
    started = time.perf_counter()
    for name in args.only:
        section_start = time.perf_counter()
        results += sections[name]()
        print(f"section {name} done in {time.perf_counter() - section_start:.1f} s", file=sys.stderr)
    print("\nRatios to hand-written NumPy (same run; < 1 would be faster than NumPy)\n")
    print(report.ratio_table(results))
    print("\nAll medians\n")
    print(report.median_table(results))
    if args.markdown:
        print("\nRatio table as Markdown\n")
        print(report.markdown_ratio_table(results))
    print(f"\ntotal time {time.perf_counter() - started:.0f} s; load average at the end: {load_average()}")
    if args.json:
        report.save_json(args.json, machine, {"mode": mode, "clock": args.clock, **asdict(settings)}, results)
        print(f"saved {args.json}")


if __name__ == "__main__":
    main()
