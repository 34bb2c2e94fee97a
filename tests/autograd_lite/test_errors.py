"""Bad input raises a clear exception that names the operation and the shapes or dtypes involved."""
import numpy as np
import pytest

import autograd_lite as ag


def a23():
    return ag.tensor(np.ones((2, 3)), requires_grad=True)


def b4():
    return ag.tensor(np.ones(4))


# name: (code that must fail, exception type, substrings the message must contain)
CASES = {
    # shape mismatches name the op and both shapes
    "add": (lambda: a23() + b4(), ValueError, ["add", "(2, 3)", "(4,)"]),
    "ag.add": (lambda: ag.add(a23(), b4()), ValueError, ["add", "(2, 3)", "(4,)"]),
    "array + tensor": (lambda: np.ones(4) + a23(), ValueError, ["add", "(2, 3)", "(4,)"]),
    "sub": (lambda: a23() - b4(), ValueError, ["sub", "(2, 3)", "(4,)"]),
    "mul": (lambda: a23() * b4(), ValueError, ["mul", "(2, 3)", "(4,)"]),
    "ag.mul": (lambda: ag.mul(b4(), a23()), ValueError, ["mul", "(2, 3)", "(4,)"]),
    "div": (lambda: a23() / b4(), ValueError, ["div", "(2, 3)", "(4,)"]),
    "pow": (lambda: a23() ** b4(), ValueError, ["pow", "(2, 3)", "(4,)"]),
    "maximum": (lambda: ag.maximum(a23(), b4()), ValueError, ["maximum", "(2, 3)", "(4,)"]),
    "where": (lambda: ag.where(np.ones(5, bool), a23(), 0.0), ValueError, ["where", "(2, 3)"]),
    "compare": (lambda: a23() < b4(), ValueError, ["<", "(2, 3)", "(4,)"]),
    "matmul": (lambda: a23() @ ag.ones(4, 5), ValueError, ["matmul", "(2, 3)", "(4, 5)"]),
    "ag.matmul": (lambda: ag.matmul(b4(), a23()), ValueError, ["matmul", "(4,)", "(2, 3)"]),
    "batched matmul": (lambda: ag.ones(2, 3, 4) @ ag.ones(3, 4, 5), ValueError, ["matmul", "(2, 3, 4)", "(3, 4, 5)"]),
    "matmul 0-d": (lambda: a23() @ ag.tensor(2.0), ValueError, ["matmul", "(2, 3)", "()"]),
    "concatenate": (lambda: ag.concatenate([a23(), ag.ones(2, 4)], axis=0), ValueError,
                    ["concatenate", "(2, 3)", "(2, 4)"]),
    "stack": (lambda: ag.stack([a23(), ag.ones(3, 2)]), ValueError, ["stack", "(2, 3)", "(3, 2)"]),
    "reshape": (lambda: a23().reshape(4, 2), ValueError, ["reshape", "(2, 3)"]),
    "broadcast_to": (lambda: a23().broadcast_to(3, 3), ValueError, ["broadcast_to", "(2, 3)"]),
    # backward
    "non-scalar backward": (lambda: (a23() * 2).backward(), RuntimeError, ["backward", "(2, 3)", "gradient"]),
    "wrong gradient shape": (lambda: (a23() * 2).backward(gradient=np.ones(3)), ValueError,
                             ["backward", "(3,)", "(2, 3)"]),
    "backward without grad": (lambda: b4().sum().backward(), RuntimeError, ["backward", "require"]),
    "grad non-scalar": (lambda: ag.grad(a23() * 2, a23()), RuntimeError, ["grad", "(2, 3)"]),
    "grad input without grad": (lambda: ag.grad(a23().sum(), b4()), RuntimeError, ["grad", "(4,)", "require"]),
    # dtypes
    "requires_grad int": (lambda: ag.tensor([1, 2], requires_grad=True), TypeError, ["requires_grad", "int64"]),
    "requires_grad bool": (lambda: ag.Tensor([True], requires_grad=True), TypeError, ["requires_grad", "bool"]),
    "int factory": (lambda: ag.ones(2, dtype=np.int32, requires_grad=True), TypeError, ["int32"]),
    "int arange": (lambda: ag.arange(3, requires_grad=True), TypeError, ["int64"]),
    "requires_grad_ int": (lambda: ag.tensor([1, 2]).requires_grad_(), TypeError, ["requires_grad_", "int64"]),
    "string tensor": (lambda: ag.tensor("abc"), TypeError, ["tensor", "str"]),
    "object tensor": (lambda: ag.tensor([object()]), TypeError, ["tensor", "object"]),
    "default dtype": (lambda: ag.set_default_dtype(np.int64), TypeError, ["set_default_dtype", "int64"]),
    # unsupported operand types name the operator and both types
    "tensor + str": (lambda: a23() + "x", TypeError, ["+", "Tensor", "str"]),
    "str - tensor": (lambda: "x" - a23(), TypeError, ["-", "str", "Tensor"]),
    "tensor * object": (lambda: a23() * object(), TypeError, ["*", "Tensor", "object"]),
    "tensor @ str": (lambda: a23() @ "x", TypeError, ["@", "Tensor", "str"]),
    "tensor ** None": (lambda: a23() ** None, TypeError, ["**", "Tensor", "NoneType"]),
    "tensor * complex": (lambda: a23() * 1j, TypeError, ["*", "complex"]),
    "ag.add str": (lambda: ag.add(a23(), "x"), TypeError, ["add", "str"]),
    "ag.maximum None": (lambda: ag.maximum(a23(), None), TypeError, ["maximum", "NoneType"]),
    "ag.exp str": (lambda: ag.exp("x"), TypeError, ["exp", "str"]),
    # axes
    "sum axis": (lambda: a23().sum(axis=2), ValueError, ["sum", "axis 2", "2 dimension"]),
    "mean negative axis": (lambda: ag.mean(a23(), axis=-3), ValueError, ["mean", "-3", "2 dimension"]),
    "max axis tuple": (lambda: a23().max(axis=(0, 5)), ValueError, ["max", "(0, 5)"]),
    "min repeated axis": (lambda: a23().min(axis=(1, -1)), ValueError, ["min", "repeat"]),
    "argmax axis": (lambda: a23().argmax(axis=3), ValueError, ["argmax", "3"]),
    "argmax tuple axis": (lambda: a23().argmax(axis=(0, 1)), ValueError, ["argmax", "(0, 1)"]),
    "squeeze": (lambda: a23().squeeze(0), ValueError, ["squeeze", "(2, 3)"]),
    "unsqueeze": (lambda: a23().unsqueeze(5), ValueError, ["unsqueeze", "(2, 3)"]),
    "transpose": (lambda: a23().transpose((0, 0)), ValueError, ["transpose", "(2, 3)"]),
    "transpose swap out of range": (lambda: a23().transpose(0, 2), ValueError, ["transpose", "(0, 2)", "(2, 3)"]),
    "transpose too many": (lambda: a23().transpose(0, 1, 2), ValueError, ["transpose", "(2, 3)"]),
    "swapaxes": (lambda: a23().swapaxes(0, 5), ValueError, ["swapaxes", "5", "(2, 3)"]),
    "flatten start after end": (lambda: ag.ones(2, 3, 4).flatten(2, 0), ValueError, ["flatten", "(2, 3, 4)"]),
    "flatten axis out of range": (lambda: ag.ones(2, 3, 4).flatten(3), ValueError, ["flatten", "(2, 3, 4)"]),
    "concatenate axis": (lambda: ag.concatenate([a23(), a23()], axis=2), ValueError, ["concatenate", "axis 2"]),
    "stack axis": (lambda: ag.stack([a23(), a23()], axis=-4), ValueError, ["stack", "axis -4"]),
    # indexing
    "float index array": (lambda: a23()[np.array([0.0, 1.0])], IndexError, ["getitem", "float64"]),
    "float index list": (lambda: a23()[[0.5]], IndexError, ["getitem", "float64"]),
    "float index tensor": (lambda: a23()[ag.tensor([1.0])], IndexError, ["getitem", "float64"]),
    "index out of range": (lambda: a23()[5], IndexError, ["getitem", "(2, 3)", "5"]),
    # misc
    "item": (lambda: a23().item(), ValueError, ["item", "(2, 3)"]),
    "clip without bounds": (lambda: a23().clip(), ValueError, ["clip"]),
    "max of empty": (lambda: ag.tensor(np.zeros(0)).max(), ValueError, ["max", "(0,)"]),
    "requires_grad_ non-leaf": (lambda: (a23() * 2).requires_grad_(), RuntimeError, ["requires_grad_", "leaf"]),
    # lengths, axes and arguments of the wrong type are errors, never silently converted
    "reshape float": (lambda: ag.ones(4).reshape(2.5, 2), TypeError, ["reshape", "2.5", "integers"]),
    "ag.reshape float tuple": (lambda: ag.reshape(ag.ones(4), (2, 2.0)), TypeError, ["reshape", "2.0", "float"]),
    "broadcast_to float": (lambda: a23().broadcast_to(2, 3.0), TypeError, ["broadcast_to", "3.0"]),
    "transpose float axes": (lambda: a23().transpose(1.0, 0), TypeError, ["transpose", "axes", "1.0"]),
    "zeros float": (lambda: ag.zeros(2.5), TypeError, ["zeros", "2.5"]),
    "randn float": (lambda: ag.randn(3, 1.5), TypeError, ["randn", "1.5"]),
    "full float": (lambda: ag.full((2, 0.5), 1.0), TypeError, ["full", "0.5"]),
    "stack axis None": (lambda: ag.stack([a23(), a23()], axis=None), TypeError, ["stack", "axis", "None"]),
    "concatenate axis float": (lambda: ag.concatenate([a23(), a23()], axis=1.5), TypeError, ["concatenate", "1.5"]),
    "grad ndarray input": (lambda: ag.grad(a23().sum(), [np.ones(3)]), TypeError,
                           ["grad", "input 0", "numpy.ndarray", "not a Tensor"]),
    "grad one ndarray input": (lambda: ag.grad(a23().sum(), np.ones(3)), TypeError, ["grad", "input 0", "ndarray"]),
    "grad ndarray output": (lambda: ag.grad(np.ones(3), a23()), TypeError, ["grad", "output 0", "numpy.ndarray"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_error_message_names_the_operation_and_the_operands(name):
    code, exception, fragments = CASES[name]
    with pytest.raises(exception) as caught:
        code()
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from: {message}"


def test_gradient_for_a_tensor_of_another_shape_leaves_grad_untouched():
    x = a23()
    with pytest.raises(ValueError):
        (x * 2).backward(gradient=np.ones((3, 2)))
    assert x.grad is None
