"""autograd_lite: a small reverse-mode automatic-differentiation engine on NumPy.

    import autograd_lite as ag
    x = ag.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([[2., 4.]])
"""
from autograd_lite.tensor import Tensor, get_default_dtype, set_default_dtype  # noqa: I001  (Tensor first)
from autograd_lite.dtypes import (  # noqa: A004  (PyTorch's dtype names: ag.float is float32, ag.int int32)
    bool, double, float, float16, float32, float64, half, int, int8, int16, int32, int64, long, short, uint8,
)
from autograd_lite.creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, is_tensor, linspace, manual_seed,
    ones, ones_like, rand, rand_like, randint, randint_like, randn, randn_like, tensor, zeros, zeros_like,
)
from autograd_lite.elementwise import (
    abs, add, clamp, clip, cos, div, exp, expm1, log, log1p, maximum, minimum, mul, pow, relu, sigmoid, sin,
    sqrt, sub, tanh, where,
)
from autograd_lite.elementwise import erf
from autograd_lite.reductions import (
    ValuesIndices, all, allclose, amax, amin, any, argmax, argmin, log_softmax, logsumexp, max, mean, min,
    norm, prod, softmax, std, sum, var,
)
from autograd_lite.shapes import (
    broadcast_to, cat, clone, concatenate, expand, flatten, masked_fill, permute, reshape, squeeze, stack,
    swapaxes, t, transpose, tril, triu, unsqueeze, view,
)
from autograd_lite.linalg import bmm, dot, matmul, mm
from autograd_lite.windows import pad, sliding_windows
from autograd_lite.graph import (
    Function, enable_grad, inference_mode, is_grad_enabled, name_scope, no_grad, set_grad_enabled,
)
from autograd_lite import custom  # noqa: F401  (makes Function.apply work)
from autograd_lite.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from autograd_lite.backward import grad
from autograd_lite.gradcheck import GradcheckError, gradcheck, numerical_gradient

__version__ = "0.1.0"
from autograd_lite.compare import GradientComparison, compare_gradients
from autograd_lite import func, viz
from autograd_lite.compiler import compile  # noqa: E402,A001  (ag.compile, as torch.compile)
