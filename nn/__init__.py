"""nn: neural-network building blocks made only of autograd_lite primitives.

    import nn
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    loss = nn.functional.binary_cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
"""
from . import data, functional, init, optim, utils
from .activations import ReLU, Sigmoid, Softmax, Tanh
from .activations import ELU, GELU, LeakyReLU, LogSoftmax, SiLU, Softplus
from .containers import ModuleDict, ModuleList, Sequential
from .convolution import AvgPool2d, Conv2d, MaxPool2d
from .dropout import Dropout
from .layers import Linear
from .layers import Embedding, Flatten, Identity
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .losses import HuberLoss, L1Loss, NLLLoss, SmoothL1Loss
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .serialization import load, save

__all__ = [
    "Parameter", "Module", "Sequential", "Linear",
    "Conv2d", "MaxPool2d", "AvgPool2d", "Dropout",
    "Sigmoid", "Tanh", "ReLU", "Softmax",
    "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss",
    "ModuleList", "ModuleDict", "Embedding", "Flatten", "Identity", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "LogSoftmax", "NLLLoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
    "functional", "init", "optim", "data", "utils", "save", "load",
]
