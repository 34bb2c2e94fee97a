"""What the numbers were measured on: CPU, cores, Python, NumPy and its BLAS, threads, versions."""
from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import numpy as np


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas() -> str:
    info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return f"{info.get('name', '?')} {info.get('version', '?')}"


def load_average() -> str:
    """1, 5 and 15-minute load averages: other jobs on the machine disturb the timings."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def git_commit(path: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(path), "log", "-1", "--format=%h %cI"], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "no commit"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def describe(threads: int, engine_path: str | None, torch_version: str | None) -> dict:
    """Everything a reader needs to reproduce or discount the numbers."""
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas(),
        "blas_threads": threads,
        "load_average_at_start": load_average(),
        "torch": torch_version,
        "engine": engine_path,
        "engine_commit": git_commit(Path(engine_path).parent) if engine_path else None,
    }
