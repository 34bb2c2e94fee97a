"""One measured number, with the NumPy floor it is compared to and the target it must meet."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Result:
    section: str  # "a" .. "f", as in the benchmark list
    case: str  # what was measured, e.g. "784-50-10 sigmoid, batch 100, float64"
    contender: str  # "NumPy by hand (in,out)", "autograd_lite nn", "PyTorch", ...
    value: float
    unit: str  # "µs/step", "µs/op", "KiB", ...
    floor: float | None = None  # what the ratio divides by: hand-written NumPy, same case, same run, same unit
    target: float | None = None  # upper bound on the ratio to the floor, or on the value itself
    target_is_ratio: bool = True
    versus: str = "NumPy"  # what `floor` is, for the table

    @property
    def ratio(self) -> float | None:
        return None if self.floor in (None, 0) else self.value / self.floor

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        measured = self.ratio if self.target_is_ratio else self.value
        return measured is not None and measured <= self.target

    def to_json(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}
