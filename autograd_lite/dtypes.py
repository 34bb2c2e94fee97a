"""PyTorch's dtype names, as NumPy dtypes: `dtype=ag.float32` and `dtype=np.float32` are one thing.

`x.dtype == ag.float32` holds for a float32 tensor, and so does `x.dtype is ag.float32`.
As in PyTorch, `ag.float` is float32 (not Python's float, which NumPy reads as
float64), `ag.double` float64, `ag.half` float16, `ag.long` int64, `ag.int` int32.
"""
import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001  (PyTorch's name, on purpose)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001
