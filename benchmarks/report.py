"""Plain-text tables: ratios and targets first, then every median; and the JSON file."""
from __future__ import annotations

import json
from pathlib import Path

from results import Result


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)]).rstrip()


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def _target(result: Result) -> str:
    if result.target is None:
        return ""
    bound = f"<= {result.target:g}x" if result.target_is_ratio else f"<= {result.target:g} {result.unit}"
    return f"{bound}  {'met' if result.met else 'MISSED'}"


def ratio_table(results: list[Result]) -> str:
    rows = [
        [r.section, r.case, r.contender, f"{r.ratio:.2f}x vs {r.versus}" if r.ratio is not None else "",
         f"{_number(r.value)} {r.unit}", _target(r)]
        for r in results
        if r.ratio is not None or r.target is not None
    ]
    return _table(["", "case", "contender", "ratio", "median", "target (issue 6)"], rows, {3, 4})


def markdown_ratio_table(results: list[Result]) -> str:
    """The ratio table as Markdown, for the README's Performance section."""
    lines = ["| | case | contender | ratio | median | target |", "|---|---|---|---:|---:|---|"]
    for r in results:
        if r.ratio is None and r.target is None:
            continue
        ratio = f"{r.ratio:.2f}x vs {r.versus}" if r.ratio is not None else ""
        median = f"{_number(r.value)} {r.unit}"
        lines.append(f"| {r.section} | {r.case} | {r.contender} | {ratio} | {median} | {_target(r)} |")
    return "\n".join(lines)


def median_table(results: list[Result]) -> str:
    rows = [[r.section, r.case, r.contender, _number(r.value), r.unit] for r in results]
    return _table(["", "case", "contender", "median", "unit"], rows, {3})


def header(machine: dict, mode: str) -> str:
    torch = f"PyTorch {machine['torch']}" if machine["torch"] else "PyTorch not measured"
    engine = f"{machine['engine']} ({machine['engine_commit']})" if machine["engine"] else "not importable"
    return "\n".join([
        f"autograd_lite benchmarks, {mode}",
        f"machine: {machine['cpu']}, {machine['logical_cores']} logical cores; Python {machine['python']}; "
        f"NumPy {machine['numpy']} ({machine['blas']}); {torch}",
        f"BLAS threads: {machine['blas_threads']} for every contender (NumPy's OpenBLAS and PyTorch alike); "
        f"load average at start: {machine['load_average_at_start']}",
        f"engine: {engine}",
    ])


def save_json(path: Path, machine: dict, settings: dict, results: list[Result]) -> None:
    document = {"machine": machine, "settings": settings, "results": [r.to_json() for r in results]}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
