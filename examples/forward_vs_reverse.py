"""Forward or reverse mode? Time the Jacobian of f: R^n -> R^m both ways and watch them cross.

    python examples/forward_vs_reverse.py               # n * m = 4096, n from 2 to 2048: a table and a plot
    python examples/forward_vs_reverse.py --fast        # n * m = 256, in a few seconds
    python examples/forward_vs_reverse.py --out plots   # where the plot goes (default: the current folder)

f(x) = tanh(W3 tanh(W2 tanh(W1 x))), hidden width 32. The Jacobian has m rows
and n columns, and the two modes build it from opposite ends:
  ag.func.jacfwd  one forward pass per input, each pushing a tangent e_j through
                  f: column j. n passes.
  ag.func.jacrev  one forward pass recording the graph, then one backward pass
                  per output, seeded with e_i: row i. m passes.
So theory predicts forward mode wins while n < m and reverse mode once n > m,
with the crossover near n = m, shifted by what one pass of each costs: with
a tangent pass costing t_f and a backward pass t_b, n t_f = m t_b at
n = sqrt(n m t_b / t_f). Every Jacobian here has the same n * m entries, so
only its shape changes from row to row. The two Jacobians are also compared
(they agree to 1e-12).

Measured on the 2-core test machine (one BLAS thread, shared with other jobs),
full run, median of 3 runs:
       n      m   jacfwd ms  jacrev ms
       2   2048         0.2       81.3
      64     64         4.4        2.0
    2048      2       181.6        0.1
Forward mode was faster up to n = 42 (m = 97), not n = m = 64: at n = m a
tangent pass took 68 us and a backward pass 30 us, since each tangent pass
runs f itself (every op's forward and its jvp rule), while the backward passes
all reuse the one recorded forward pass; sqrt(4096 * 30 / 68) = 43.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from _plotting import save_plot

import autograd_lite as ag

HIDDEN = 32
SEED = 0


def make_function(n: int, m: int, rng: np.random.Generator) -> Callable[[ag.Tensor], ag.Tensor]:
    """f(x) = tanh(W3 tanh(W2 tanh(W1 x))) from R^n to R^m, weights scaled to keep tanh away from saturation."""
    sizes = [n, HIDDEN, HIDDEN, m]
    weights = [ag.tensor(rng.standard_normal((rows, cols)) / np.sqrt(cols)) for cols, rows in zip(sizes, sizes[1:])]

    def f(x: ag.Tensor) -> ag.Tensor:
        for W in weights:
            x = ag.tanh(W @ x)
        return x

    return f


def median_ms(run: Callable[[], Any], repeats: int) -> float:
    """The median wall time of `repeats` calls, in milliseconds (after one untimed call)."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def count_calls(f: Callable) -> tuple[Callable, list]:
    """f, and a list that gets one entry each time f runs (how many passes a transform makes)."""
    calls: list = []

    def counted(x: ag.Tensor) -> ag.Tensor:
        calls.append(1)
        return f(x)

    return counted, calls


def crossover(ns: Sequence[int], forward_ms: Sequence[float], reverse_ms: Sequence[float]) -> float | None:
    """The n where forward time / reverse time passes 1, interpolated on log scales (None if it never does)."""
    ratios = np.log(np.asarray(forward_ms) / np.asarray(reverse_ms))
    for i in range(len(ns) - 1):
        if ratios[i] <= 0 < ratios[i + 1]:
            share = -ratios[i] / (ratios[i + 1] - ratios[i])
            return float(np.exp(np.log(ns[i]) + share * (np.log(ns[i + 1]) - np.log(ns[i]))))
    return None


def main(argv: Sequence[str] | None = None) -> dict:
    """Time jacfwd and jacrev for every (n, m) with n * m fixed; print the table, plot it; return the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="n * m = 256 instead of 4096")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for forward_vs_reverse.png")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per Jacobian (the median is kept)")
    args = parser.parse_args(argv)
    entries = 2**8 if args.fast else 2**12
    rng = np.random.default_rng(SEED)
    results: dict = {"n": [], "m": [], "forward_ms": [], "reverse_ms": [], "forward_calls": [], "reverse_calls": []}
    print(f"Jacobians of f: R^n -> R^m with n * m = {entries} entries (hidden width {HIDDEN}), "
          f"median of {args.repeats} runs")
    print(f"{'n':>6} {'m':>6} {'jacfwd passes':>14} {'jacrev passes':>17} {'jacfwd ms':>10} {'jacrev ms':>10}  faster")
    n = 2
    while n < entries:
        m = entries // n
        f, calls = count_calls(make_function(n, m, rng))
        x = ag.tensor(rng.standard_normal(n))
        by_columns, by_rows = ag.func.jacfwd(f)(x), ag.func.jacrev(f)(x)
        assert np.max(np.abs(by_columns.data - by_rows.data)) < 1e-12, "forward and reverse mode disagree"
        calls.clear()
        ag.func.jacfwd(f)(x)
        forward_calls = len(calls)
        calls.clear()
        ag.func.jacrev(f)(x)
        reverse_calls = len(calls)
        forward_ms = median_ms(lambda: ag.func.jacfwd(f)(x), args.repeats)
        reverse_ms = median_ms(lambda: ag.func.jacrev(f)(x), args.repeats)
        faster = "jacfwd" if forward_ms < reverse_ms else "jacrev"
        print(f"{n:>6} {m:>6} {f'{forward_calls} forward':>14} {f'{reverse_calls} + {m} backward':>17} "
              f"{forward_ms:>10.1f} {reverse_ms:>10.1f}  {faster}")
        for key, value in (("n", n), ("m", m), ("forward_ms", forward_ms), ("reverse_ms", reverse_ms),
                           ("forward_calls", forward_calls), ("reverse_calls", reverse_calls)):
            results[key].append(value)
        n *= 2
    results["crossover_n"] = crossover(results["n"], results["forward_ms"], results["reverse_ms"])
    if results["crossover_n"] is None:
        print("no crossover measured in this range")
    else:
        cross = results["crossover_n"]
        print(f"crossover: forward mode is faster below n = {cross:.0f} (m = {entries / cross:.0f})")
    square = results["n"].index(int(np.sqrt(entries)))  # the row with n = m
    tangent_pass = results["forward_ms"][square] / results["n"][square]
    backward_pass = results["reverse_ms"][square] / (results["m"][square] + 1)
    print(f"theory: at n = m = {results['n'][square]} a tangent pass took {1e3 * tangent_pass:.0f} us and a "
          f"backward pass {1e3 * backward_pass:.0f} us, so n * {1e3 * tangent_pass:.0f} = m * "
          f"{1e3 * backward_pass:.0f} at n = {np.sqrt(entries * backward_pass / tangent_pass):.0f}")
    args.out.mkdir(parents=True, exist_ok=True)
    results["plot"] = save_plot(args.out / "forward_vs_reverse.png", "forward vs reverse",
                                lambda axes: draw(axes, results, entries), figsize=(7, 4.5))
    return results


def draw(axes: Any, results: dict, entries: int) -> None:
    """Time against n (log-log), one curve per mode, the crossover and n = m marked."""
    ns = results["n"]
    axes.plot(ns, results["forward_ms"], "o-", label="jacfwd: n forward passes (one column each)")
    axes.plot(ns, results["reverse_ms"], "s-", label="jacrev: 1 + m backward passes (one row each)")
    axes.axvline(np.sqrt(entries), color="grey", linestyle=":", label="n = m")
    if results["crossover_n"] is not None:
        axes.axvline(results["crossover_n"], color="black", linestyle="--",
                     label=f"measured crossover, n = {results['crossover_n']:.0f}")
    axes.set_xscale("log", base=2)
    axes.set_yscale("log")
    axes.set_xticks(ns, [f"{n}\nm={entries // n}" for n in ns], fontsize=8)
    axes.set(xlabel="inputs n (outputs m = {} / n)".format(entries), ylabel="time for the whole Jacobian (ms)",
             title=f"Forward vs reverse mode: Jacobians of R^n -> R^m, n * m = {entries}")
    axes.set_ylim(top=axes.get_ylim()[1] * 30)  # room above the curves for the legend
    axes.legend(fontsize=8, loc="upper center")


if __name__ == "__main__":
    main()
