"""autograd_lite: a small reverse-mode automatic-differentiation engine on NumPy.

    import autograd_lite as ag
    x = ag.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([[2., 4.]])
"""
from autograd_lite.tensor import Tensor, get_default_dtype, set_default_dtype  # noqa: I001  (Tensor first)
from autograd_lite.creation import (
    arange, eye, full, manual_seed, ones, ones_like, rand, randn, tensor, zeros, zeros_like,
)
from autograd_lite.elementwise import (
    abs, add, clip, div, exp, log, maximum, minimum, mul, pow, relu, sigmoid, sqrt, sub, tanh, where,
)
from autograd_lite.elementwise import erf
from autograd_lite.reductions import argmax, logsumexp, max, mean, min, sum
from autograd_lite.shapes import (
    broadcast_to, concatenate, flatten, reshape, squeeze, stack, swapaxes, transpose, unsqueeze,
)
from autograd_lite.linalg import matmul
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
from autograd_lite import viz
